// The local executor end to end on the tiny fixture spec (a few steps, --jobs 2 at most): the manifest, the report
// against mean/std computed here from the runs' summary.json files, a failed point and its retry, a killed point
// resumed from its checkpoint, and the bad-input errors.
import { describe, expect, it } from "vitest";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { runSweep, sweepReport, sweepStatus } from "../../compiler/cli/commands/sweep.ts";
import { readManifest, readPointState } from "../../runtime/sweep/manifest.ts";
import { io, opts, TINY } from "./helpers.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "ganc-sweep-"));
const summary = (dir: string, runDir: string) => JSON.parse(readFileSync(join(dir, runDir, "summary.json"), "utf8"));

function meanStd(xs: number[]) {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, std: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) };
}

describe("ganc sweep (local)", () => {
  it("runs a 2 x 2 grid, writes the manifest and reports mean ± std from the runs' summaries", async () => {
    const dir = join(tmp(), "sw");
    const { o, io: i } = io();
    const code = await runSweep(TINY, opts({ set: ["lr_g=0.01,0.03"], seeds: "0..1", steps: 20, out: dir, jobs: 2 }), i);
    expect(code, o.err).toBe(0);
    const m = readManifest(dir);
    expect(m.points.map((p) => [p.config.lr_g, p.seed, p.status])).toEqual([
      ["0.01", 0, "completed"], ["0.01", 1, "completed"], ["0.03", 0, "completed"], ["0.03", 1, "completed"],
    ]);
    // each point is an ordinary run directory with its seed and override
    for (const p of m.points) {
      const s = summary(dir, p.run_dir);
      expect(s).toMatchObject({ status: "completed", steps: 20, seed: p.seed });
      expect(JSON.parse(readFileSync(join(dir, p.run_dir, "overrides.json"), "utf8")).overrides).toEqual({ lr_g: p.config.lr_g });
    }
    const r = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
    expect(r.varied).toEqual(["lr_g"]);
    expect(r.metrics).toEqual(["mean_error", "loss.g_step", "loss.d_step"]);
    const csv = parse(readFileSync(join(dir, "report.csv"), "utf8"), { columns: true }) as Array<Record<string, string>>;
    for (const lr of ["0.01", "0.03"]) {
      const pts = m.points.filter((p) => p.config.lr_g === lr);
      const want = meanStd(pts.map((p) => summary(dir, p.run_dir).metrics.mean_error));
      const row = r.rows.find((x: { config: { lr_g: string } }) => x.config.lr_g === lr);
      expect(row.metrics.mean_error.mean).toBeCloseTo(want.mean, 12);
      expect(row.metrics.mean_error.std).toBeCloseTo(want.std, 12);
      const wantLoss = meanStd(pts.map((p) => summary(dir, p.run_dir).final_losses.g_step));
      expect(row.metrics["loss.g_step"].mean).toBeCloseTo(wantLoss.mean, 12);
      const c = csv.find((x) => x.lr_g === lr && x.metric === "mean_error")!;
      expect(Number(c.mean)).toBeCloseTo(want.mean, 12);
      expect(Number(c.std)).toBeCloseTo(want.std, 12);
      expect(c.n).toBe("2");
      // the markdown row shows the same numbers at 4 significant digits
      const fmt = (x: number) => String(Number(x.toPrecision(4)));
      expect(o.out).toContain(`| ${lr} | 2/2 | ${fmt(want.mean)} ± ${fmt(want.std)} |`);
    }
    for (const f of ["plots/metric-mean_error.svg", "plots/metric-mean_error.png", "plots/loss-g_step.svg"]) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(readFileSync(join(dir, "plots/loss-g_step.svg"), "utf8")).toMatch(/<path/);

    // the same command again: everything is done, nothing is rerun
    const again = io();
    expect(await runSweep(TINY, opts({ set: ["lr_g=0.01,0.03"], seeds: "0..1", steps: 20, out: dir, jobs: 2 }), again.io)).toBe(0);
    expect(again.o.err).toMatch(/4 completed, 0 to run/);
    // `ganc sweep report DIR` prints the same table
    const rep = io();
    expect(await sweepReport(dir, { plots: false }, rep.io)).toBe(0);
    expect(rep.o.out).toBe(readFileSync(join(dir, "report.md"), "utf8"));
    expect(rep.o.out).toContain("| lr_g | runs | mean_error | loss.g_step | loss.d_step |");
  }, 400_000);

  it("reports a failed point with its error and reruns it with --retry-failed", async () => {
    const dir = join(tmp(), "fail");
    const { o, io: i } = io();
    expect(await runSweep(TINY, opts({ set: ["poison=0"], seeds: "0", steps: 20, out: dir, jobs: 1 }), i)).toBe(1);
    let m = readManifest(dir);
    expect(m.points[0]).toMatchObject({ status: "failed", attempts: 1, exit_code: 3 });
    expect(m.points[0]!.error).toMatch(/^error: training stopped at step 0: loss w2 is -Infinity/);
    expect(o.err).toMatch(/failed p0_seed=0: error: training stopped at step 0/);
    expect(o.err).toContain(`retry them with: ganc sweep ${dir} --retry-failed`);
    const st = io();
    expect(await sweepStatus(dir, st.io)).toBe(0);
    expect(st.o.out).toMatch(/p0_seed=0\s+default\s+0\s+failed/);
    // continuing without --retry-failed leaves it
    const again = io();
    expect(await runSweep(dir, opts({}), again.io)).toBe(1);
    expect(again.o.err).toMatch(/0 to run/);
    expect(readManifest(dir).points[0]!.attempts).toBe(1);
    // with it, the point runs again (and fails again: the spec's loss is -Inf by construction)
    const retry = io();
    expect(await runSweep(dir, opts({ retryFailed: true }), retry.io)).toBe(1);
    m = readManifest(dir);
    expect(m.points[0]).toMatchObject({ status: "failed", attempts: 2 });
    // the report has no row values and lists the point
    const rep = io();
    expect(await sweepReport(dir, { plots: false }, rep.io)).toBe(1);
    expect(rep.o.out).toMatch(/- p0_seed=0: failed: error: training stopped/);
  }, 300_000);

  it("resumes a killed point from its checkpoint", async () => {
    const dir = join(tmp(), "kill");
    const { io: i } = io();
    const run = runSweep(TINY, opts({ seeds: "0", steps: 3000, out: dir, jobs: 1, eval: false }), i);
    // SIGKILL the point's process once it has written a checkpoint
    const pid = await new Promise<number>((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        try {
          const m = readManifest(dir);
          const st = readPointState(dir, m.points[0]!);
          if (st?.status === "running" && existsSync(join(dir, m.points[0]!.run_dir, "checkpoints", "latest"))) {
            clearInterval(poll);
            process.kill(st.pid, "SIGKILL");
            resolve(st.pid);
          }
        } catch {
          /* not there yet */
        }
        if (Date.now() - t0 > 120_000) reject(new Error("no checkpoint within 120 s"));
      }, 50);
    });
    expect(pid).toBeGreaterThan(0);
    expect(await run).toBe(1);
    let m = readManifest(dir);
    expect(m.points[0]).toMatchObject({ status: "killed" });
    expect(m.points[0]!.error).toMatch(/killed by SIGKILL/);
    const again = io();
    expect(await runSweep(dir, opts({}), again.io), again.o.err).toBe(0);
    m = readManifest(dir);
    expect(m.points[0]).toMatchObject({ status: "completed", attempts: 2, steps: 3000 });
    const s = summary(dir, m.points[0]!.run_dir);
    expect(s.resumed_from).toBeGreaterThan(0);
    expect(s.resumed_from).toBeLessThan(3000);
    expect(readFileSync(join(dir, "logs", `${m.points[0]!.id}.log`), "utf8")).toMatch(/resuming/);
  }, 300_000);
});

describe("ganc sweep: bad input", () => {
  it("an unknown param is the checker's error naming it; nothing is written", async () => {
    const dir = join(tmp(), "bad");
    const { o, io: i } = io();
    expect(await runSweep(TINY, opts({ set: ["lr_g=0.1", "foo=1,2"], out: dir }), i)).toBe(1);
    expect(o.err).toMatch(/error\[E0501\]: --set foo: the spec has no param `foo`/);
    expect(existsSync(dir)).toBe(false);
    const bad = io();
    expect(await runSweep(TINY, opts({ set: ["K=2,abc"], out: dir }), bad.io)).toBe(1);
    expect(bad.o.err).toMatch(/--set K=abc: expected an int/);
    expect(bad.o.err).toMatch(/in the sweep configuration K=abc/);
  }, 120_000);
  it("a malformed grid, seeds or directory names the flag", async () => {
    const a = io();
    expect(await runSweep(TINY, opts({ set: ["lr_g=0.1,,0.2"] }), a.io)).toBe(2);
    expect(a.o.err).toMatch(/^error: --set lr_g=0.1,,0.2: empty value/);
    const b = io();
    expect(await runSweep(TINY, opts({ seeds: "0..x" }), b.io)).toBe(2);
    expect(b.o.err).toMatch(/--seeds 0\.\.x/);
    const c = io();
    expect(await sweepStatus(tmp(), c.io)).toBe(2);
    expect(c.o.err).toMatch(/is not a sweep directory \(no sweep\.json\)/);
    const d = io();
    expect(await runSweep(TINY, opts({ partition: "debug" }), d.io)).toBe(2);
    expect(d.o.err).toMatch(/are for --executor slurm/);
  });
  it("a missing sbatch and a failing sbatch are named", async () => {
    const bin = tmp();
    const path = process.env.PATH;
    try {
      process.env.PATH = bin; // no sbatch here
      const { o, io: i } = io();
      expect(await runSweep(TINY, opts({ executor: "slurm", out: join(tmp(), "s1"), steps: 5 }), i)).toBe(1);
      expect(o.err).toMatch(/`sbatch` was not found on PATH: --executor slurm needs Slurm's client commands/);
      writeFileSync(join(bin, "sbatch"), "#!/bin/sh\necho 'sbatch: error: invalid partition specified: nope' >&2\nexit 1\n");
      chmodSync(join(bin, "sbatch"), 0o755);
      process.env.PATH = `${bin}:${path}`;
      const f = io();
      const dir = join(tmp(), "s2");
      expect(await runSweep(TINY, opts({ executor: "slurm", partition: "nope", out: dir, steps: 5 }), f.io)).toBe(1);
      expect(f.o.err).toMatch(/error: sbatch failed \(exit 1\): sbatch: error: invalid partition specified: nope/);
      expect(readFileSync(join(dir, "slurm", "sweep.sbatch"), "utf8")).toMatch(/#SBATCH --partition=nope/);
    } finally {
      process.env.PATH = path;
    }
  }, 120_000);
});
