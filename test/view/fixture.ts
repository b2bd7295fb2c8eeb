// Shared fixture for the dashboard tests: two short real runs of test/view/fixtures/tiny_ring.gan (30 steps, losses
// every 5, evaluations and sample grids every 10), trained in parallel into SWEEP/runs/p0 and p1, and a sweep.json
// manifest listing them. When runtime/sweep (the `ganc sweep` manifest) exists, this still writes the minimal
// format `ganc view` accepts: { "points": [{ "run_dir", "params", "seed", "status" }] }.
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
    { run_dir: "runs/p0", params: { lr: 0.001 }, seed: 0 },
    { run_dir: "runs/p1", params: { lr: 0.003 }, seed: 1 },
  ];
  await Promise.all(
    points.map((p) =>
      run(
        process.execPath,
        [join(ROOT, "bin/ganc.js"), "train", SPEC, "--set", `lr=${p.params.lr}`, "--seed", String(p.seed), "--out", join(sweep, p.run_dir), "-q"],
        { cwd: ROOT, maxBuffer: 1 << 24 },
      ),
    ),
  );
  writeFileSync(
    join(sweep, "sweep.json"),
    JSON.stringify({ spec: SPEC, points: points.map((p) => ({ ...p, status: "completed" })) }, null, 2) + "\n",
  );
  return { base, sweep, runs: [join(sweep, "runs/p0"), join(sweep, "runs/p1")] };
}
