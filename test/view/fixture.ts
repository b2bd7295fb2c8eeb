// Shared fixture for the dashboard tests: two short real runs of test/view/fixtures/tiny_ring.gan (30 steps, losses
// every 5, evaluations and sample grids every 10), trained in parallel into SWEEP/runs/p0 and p1, and a sweep.json
// manifest listing them in the format `ganc sweep` writes.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, "../..");
export const SPEC = join(ROOT, "test/view/fixtures/tiny_ring.gan");
export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

export interface Fixture {
  base: string;
  sweep: string;
  runs: [string, string];
}

export async function makeFixture(): Promise<Fixture> {
  const base = mkdtempSync(join(tmpdir(), "ganc-view-"));
  const sweep = join(base, "sweep");
  mkdirSync(join(sweep, "runs"), { recursive: true });
  const points = [
    { index: 0, id: "p0", config: { lr: "0.001" }, seed: 0, run_dir: "runs/p0" },
    { index: 1, id: "p1", config: { lr: "0.003" }, seed: 1, run_dir: "runs/p1" },
  ];
  await Promise.all(
    points.map((p) =>
      run(
        process.execPath,
        [join(ROOT, "bin/ganc.js"), "train", SPEC, "--set", `lr=${p.config.lr}`, "--seed", String(p.seed), "--out", join(sweep, p.run_dir), "-q"],
        { cwd: ROOT, maxBuffer: 1 << 24 },
      ),
    ),
  );
  // the manifest as `ganc sweep` writes it (runtime/sweep/manifest.ts), with the fields `ganc view` reads
  writeFileSync(
    join(sweep, "sweep.json"),
    JSON.stringify(
      { kind: "ganc-sweep", version: 1, model: "tiny_ring", spec: SPEC, points: points.map((p) => ({ ...p, status: "completed", attempts: 1 })) },
      null,
      2,
    ) + "\n",
  );
  return { base, sweep, runs: [join(sweep, "runs/p0"), join(sweep, "runs/p1")] };
}
