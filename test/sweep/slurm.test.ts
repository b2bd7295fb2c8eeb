// A 2 x 2 sweep of the tiny fixture spec through a real Slurm (the one-node cluster .ci/slurm/start.sh starts in
// CI): one sbatch --array job, each task running `ganc sweep run-point`, then the same report table as the local
// executor gives for the same sweep. Skipped, with the reason printed, only where sbatch/squeue are missing or no
// cluster answers.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSweep, sweepStatus } from "../../compiler/cli/commands/sweep.ts";
import { readManifest } from "../../runtime/sweep/manifest.ts";
import { io, opts, TINY } from "./helpers.ts";

function slurmUnavailable(): string | null {
  for (const c of ["sbatch", "squeue", "sinfo"])
    if (spawnSync("sh", ["-c", `command -v ${c}`]).status !== 0) return `${c} is not installed (CI installs slurm and runs .ci/slurm/start.sh)`;
  const r = spawnSync("sinfo", ["-h", "-o", "%T"], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) return `no Slurm cluster answers (sinfo: ${(r.stderr || "").trim() || `exit ${r.status}`}); start one with .ci/slurm/start.sh`;
  if (!/idle|mixed|alloc/.test(r.stdout)) return `the Slurm cluster has no usable node (sinfo: ${r.stdout.trim()})`;
  return null;
}

const reason = slurmUnavailable();
if (reason) console.log(`test/sweep/slurm.test.ts skipped: ${reason}`);

describe.skipIf(reason !== null)("ganc sweep --executor slurm", () => {
  it("runs a 2 x 2 sweep as an array job and reports the same table as the local executor", async () => {
    const root = mkdtempSync(join(tmpdir(), "ganc-sweep-slurm-"));
    const grid = { set: ["lr_g=0.01,0.03"], seeds: "0..1", steps: 20 };
    const s = io();
    const code = await runSweep(TINY, opts({ ...grid, out: join(root, "slurm"), executor: "slurm", time: "0:10:00", wait: true }), s.io);
    expect(code, s.o.err).toBe(0);
    const m = readManifest(join(root, "slurm"));
    expect(m.executor.kind).toBe("slurm");
    const subs = (m.executor as { submissions: Array<{ job_id: string; array: string }> }).submissions;
    expect(subs).toHaveLength(1);
    expect(subs[0]!.array).toBe("0-3");
    expect(s.o.err).toMatch(new RegExp(`submitted Slurm job ${subs[0]!.job_id} \\(array 0-3`));
    expect(m.points.every((p) => p.status === "completed")).toBe(true);
    // each point ran as its own array task, with a Slurm log
    for (const p of m.points) {
      expect(p.slurm_task).toBe(`${subs[0]!.job_id}_${p.index}`);
      expect(existsSync(join(root, "slurm", "logs", `slurm-${subs[0]!.job_id}_${p.index}.out`))).toBe(true);
    }
    expect(readFileSync(join(root, "slurm", "slurm", "sweep.sbatch"), "utf8")).toMatch(/sweep run-point .* "\$SLURM_ARRAY_TASK_ID"/);
    const st = io();
    expect(await sweepStatus(join(root, "slurm"), st.io)).toBe(0);
    expect(st.o.out).toMatch(/4 points: 4 completed/);

    const l = io();
    expect(await runSweep(TINY, opts({ ...grid, out: join(root, "local"), jobs: 2 }), l.io), l.o.err).toBe(0);
    const table = (dir: string) => readFileSync(join(root, dir, "report.md"), "utf8").split("\n").filter((x) => x.startsWith("|"));
    expect(table("slurm")).toHaveLength(4);
    expect(table("slurm")).toEqual(table("local"));
    const rows = (dir: string) => JSON.parse(readFileSync(join(root, dir, "report.json"), "utf8")).rows;
    expect(rows("slurm")).toEqual(rows("local"));
  }, 600_000);
});
