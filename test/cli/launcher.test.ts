// bin/ganc.js forwards SIGINT sent to the launcher alone (kill -INT <pid>, not a terminal's group-wide Ctrl-C):
// training checkpoints and the launcher exits 130 (issue 17: the launcher used to swallow it and train on).
import { expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

it("kill -INT of the launcher stops training with a checkpoint and exit 130", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "ganc-launch-")), "run");
  // its own process group, so the signal reaches the launcher only
  const child = spawn(process.execPath, [join(ROOT, "bin/ganc.js"), "train", "specs/vanilla_gan.gan", "--steps", "1000000", "--out", out, "--quiet"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d) => (err += String(d)));
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  // wait until training runs: the run folder's trainer is written just before the first step
  const t0 = Date.now();
  while (!existsSync(join(out, "metrics.jsonl")) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 200));
  expect(existsSync(join(out, "metrics.jsonl")), err).toBe(true);
  process.kill(child.pid!, "SIGINT");
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still running"), 60_000))]);
  if (code === "still running") process.kill(-child.pid!, "SIGKILL");
  expect(code, err).toBe(130);
  expect(readdirSync(join(out, "checkpoints")).length).toBeGreaterThan(0);
}, 150_000);
