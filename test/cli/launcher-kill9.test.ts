// kill -9 of the launcher (bin/ganc.js, what `npx ganc` runs) must not orphan the trainer (issue 18): the child
// sees the launcher's IPC channel close, stops as on SIGTERM with a checkpoint, and exits.
import { expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it("kill -9 of the launcher stops the trainer with a checkpoint", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "ganc-kill9-")), "run");
  const launcher = spawn(process.execPath, [join(ROOT, "bin/ganc.js"), "train", "specs/vanilla_gan.gan", "--backend", "wasm", "--no-eval", "--steps", "10000000", "--out", out, "--quiet"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "ignore", "ignore"],
  });
  const t0 = Date.now();
  while (!existsSync(join(out, "lock")) || !existsSync(join(out, "metrics.jsonl"))) {
    if (Date.now() - t0 > 90_000) throw new Error("training did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
  // the lock names the trainer process (the launcher's child)
  const trainer = JSON.parse(readFileSync(join(out, "lock"), "utf8")).pid as number;
  expect(trainer).not.toBe(launcher.pid);
  expect(alive(trainer)).toBe(true);
  process.kill(launcher.pid!, "SIGKILL");
  const t1 = Date.now();
  while (alive(trainer) && Date.now() - t1 < 60_000) await new Promise((r) => setTimeout(r, 200));
  const orphan = alive(trainer);
  if (orphan) process.kill(trainer, "SIGKILL");
  expect(orphan, "the trainer outlived its launcher").toBe(false);
  expect(readdirSync(join(out, "checkpoints")).length).toBeGreaterThan(0);
  expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).status).toBe("interrupted");
  expect(existsSync(join(out, "lock")), "the stop released the lock").toBe(false);
}, 180_000);
