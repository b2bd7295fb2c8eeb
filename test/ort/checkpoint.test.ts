// Backend ort in the run harness (issue 14, items 2 and 4): resume on ort is bit-exact (same losses as an
// uninterrupted run), checkpoints are backend-independent (a run trained on ort resumes on wasm and the other way
// round, ending within float32 round-off of a run on one backend), and `ganc train --backend ort` /
// `ganc compile --emit onnx` write the graphs; a spec the step IR does not lower is E0797 with no run directory.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileModule, REPO } from "../../experiments/lib/spec-program.ts";
import { trainRun, type TrainBackend } from "../../runtime/train/run.ts";
import { loadLatestCheckpoint } from "../../runtime/train/checkpoint.ts";
import { readJsonl } from "../../runtime/train/metrics-log.ts";

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `ganc-ortck-${p}-`));
const losses = (runDir: string) => readJsonl<{ step: number; losses: Record<string, number> }>(join(runDir, "metrics.jsonl")).map((l) => ({ step: l.step, losses: l.losses }));

function maxRel(a: Record<string, { data: number[] }>, b: Record<string, { data: number[] }>, prefix: string): number {
  let worst = 0;
  for (const [k, x] of Object.entries(b)) {
    if (!k.startsWith(prefix)) continue;
    const y = a[k]!.data;
    let d = 0, n = 1e-24;
    x.data.forEach((v, i) => ((d += (y[i]! - v) ** 2), (n += v * v)));
    worst = Math.max(worst, Math.sqrt(d / n));
  }
  return worst;
}

describe("backend ort: resume and checkpoints", async () => {
  // gat_gmm: a projection host op (sym_eig_below) after its d_step, the simultaneous schedule, Adam state
  const { module, dir } = await compileModule("gat_gmm", {}, { graphs: true });
  const train = (runDir: string, backend: TrainBackend, steps: number, resume = false) =>
    trainRun({
      module, runDir, backend, graphsDir: join(dir, "graphs"), steps, resume, quiet: true, evaluate: false,
      baseDir: join(REPO, "specs"), handleSigint: false,
    });

  it("resumes bit-exactly on ort", async () => {
    const full = tmp("full"), part = tmp("part");
    await train(full, "ort", 40);
    await train(part, "ort", 20);
    const s = await train(part, "ort", 40, true);
    expect(s.resumed_from).toBe(20);
    expect(s.backend).toBe("ort");
    // 20 is off the log grid: the first session's final line there is the one extra line
    expect(losses(part).filter((l) => l.step !== 20)).toEqual(losses(full));
    expect(loadLatestCheckpoint(join(part, "checkpoints"))!.arrays).toEqual(loadLatestCheckpoint(join(full, "checkpoints"))!.arrays);
  });

  it("a run trained on ort resumes on wasm, and a wasm run on ort", async () => {
    const ortOnly = tmp("ort"), o2w = tmp("o2w"), w2o = tmp("w2o");
    await train(ortOnly, "ort", 30);
    await train(o2w, "ort", 15);
    expect((await train(o2w, "wasm", 30, true)).backend).toBe("wasm");
    await train(w2o, "wasm", 15);
    expect((await train(w2o, "ort", 30, true)).backend).toBe("ort");
    const want = loadLatestCheckpoint(join(ortOnly, "checkpoints"))!.arrays;
    for (const run of [o2w, w2o]) {
      const got = loadLatestCheckpoint(join(run, "checkpoints"))!;
      expect(got.step).toBe(30);
      expect(Object.keys(got.arrays).sort()).toEqual(Object.keys(want).sort());
      // the optimizer's step count carries over exactly; the values within float32 round-off of 15 steps
      expect(got.arrays["opt/d_step/t"]).toEqual(want["opt/d_step/t"]);
      expect(maxRel(got.arrays, want, "param/")).toBeLessThan(1e-4);
      // optimizer slots: per variable, shaped like it, whatever layout a backend keeps them in (ort: one flat slot
      // per kind for the small variables, split at checkpoints)
      for (const [k, a] of Object.entries(want)) if (k.startsWith("opt/")) expect(got.arrays[k]!.shape, k).toEqual(a.shape);
      expect(want["opt/d_step/m/0"]!.shape).toEqual([2, 2, 2]);
      // near-cancelling moments make their relative round-off larger than the parameters'; a misplaced part is off by O(1)
      expect(maxRel(got.arrays, want, "opt/d_step/")).toBeLessThan(1e-2);
    }
  });
});

describe("CLI with backend ort", () => {
  const ganc = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(REPO, "bin/ganc.js"), ...args], { cwd: REPO, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it("ganc train --backend ort writes graphs/ and trains; --resume on wasm continues it", () => {
    const run = join(tmp("cli"), "run");
    const a = ganc("train", "specs/vanilla_gan.gan", "--backend", "ort", "--steps", "30", "--no-eval", "-q", "--out", run);
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(/completed 30\/30 steps .*backend ort/);
    expect(readdirSync(join(run, "graphs")).sort()).toEqual(["d_step.onnx", "g_step.onnx", "plan.json"]);
    const plan = JSON.parse(readFileSync(join(run, "graphs/plan.json"), "utf8"));
    expect(plan.updates.map((u: { update: string; lossLine: string }) => `${u.update} ${u.lossLine}`)).toEqual(["d_step vanilla_gan.gan:44", "g_step vanilla_gan.gan:46"]);
    const summary = JSON.parse(readFileSync(join(run, "summary.json"), "utf8"));
    expect(summary.backend).toBe("ort");
    expect(summary.backend_note).toMatch(/onnxruntime-node 1\.30\.0, cpu, 1 thread/);
    const b = ganc("train", "--resume", run, "--backend", "wasm", "--steps", "40", "--no-eval", "-q");
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/completed 40\/40 steps .*backend wasm/);
  });

  it("a wasm run resumed on ort gets its graphs from the run's spec.gan, named after the original file", () => {
    const run = join(tmp("cli2"), "run");
    expect(ganc("train", "specs/vanilla_gan.gan", "--backend", "wasm", "--steps", "10", "--no-eval", "-q", "--out", run).code).toBe(0);
    expect(existsSync(join(run, "graphs"))).toBe(false);
    const b = ganc("train", "--resume", run, "--backend", "ort", "--steps", "20", "--no-eval", "-q");
    expect(b.code, b.err).toBe(0);
    expect(JSON.parse(readFileSync(join(run, "graphs/plan.json"), "utf8")).specFile).toBe("vanilla_gan.gan");
  });

  it("ganc compile --emit onnx -o DIR writes one model per update and the plan", () => {
    const out = tmp("onnx");
    const r = ganc("compile", "specs/gm_gan.gan", "--emit", "onnx", "-o", out);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split("\n").map((f) => f.replace(/^.*\//, ""))).toEqual(["d_step.onnx", "g_step.onnx", "plan.json"]);
    expect(ganc("compile", "specs/gm_gan.gan", "--emit", "onnx").code).toBe(2);
  });

  it("a spec the step IR does not lower: E0797 at its line on --backend ort, and nothing written", () => {
    // a plugin loss that uses a tf function the step-IR tracer does not cover
    const run = join(tmp("nolower"), "run");
    const r = ganc("train", "test/plugins/fixtures/cdf_gap_ring.gan", "--backend", "ort", "--steps", "2", "--out", run);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error\[E0797\]: plugin loss cdf_gap is not lowered to the step IR yet/);
    expect(r.err).toMatch(/cdf_gap_ring\.gan:9:12/);
    expect(r.err).toMatch(/\^/);
    expect(r.err).toMatch(/--backend wasm/);
    expect(existsSync(run)).toBe(false);
  });

  it("a backend that does not load leaves no run directory behind", () => {
    const run = join(tmp("nobackend"), "run");
    const r = ganc("train", "specs/vanilla_gan.gan", "--backend", "tensorflow", "--steps", "2", "--out", run);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/backend tensorflow is not available/);
    expect(existsSync(run)).toBe(false);
  });

  it("the default backend is ort; for a spec it cannot lower it notes E0797 and trains on wasm", () => {
    const d = tmp("default");
    const a = ganc("train", "specs/vanilla_gan.gan", "--steps", "5", "--no-eval", "-q", "--out", join(d, "a"));
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(/backend ort\)/);
    const b = ganc("train", "test/plugins/fixtures/cdf_gap_ring.gan", "--steps", "5", "--no-eval", "--out", join(d, "b"));
    expect(b.code, b.err).toBe(0);
    expect(b.err).toMatch(/note\[E0797\]: plugin loss cdf_gap is not lowered/);
    expect(b.out).toMatch(/backend wasm\)/);
    expect(JSON.parse(readFileSync(join(d, "b/summary.json"), "utf8")).backend_note).toMatch(/E0797/);
  });
});
