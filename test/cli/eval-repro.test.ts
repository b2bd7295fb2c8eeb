// Reproducible evaluation and sampling (issue 17, item 2): evaluation draws from streams derived from the run seed
// and the step, so `ganc eval RUN --json` gives exactly the numbers training recorded for that step (summary.json,
// evals.jsonl), a resumed run records the same evaluations as an uninterrupted one, `ganc eval` writes into
// RUN/eval/step-N/ without touching training's pictures, and `ganc sample --seed N [--component k]` is repeatable.
// Through the real compiler on a small 2-D spec with a GaussianMixture latent and an evaluation before the end
// (which advanced the program's own sampling stream before the fix).
import { beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTrain, type TrainCliOptions } from "../../compiler/cli/commands/train.ts";
import { runEval } from "../../compiler/cli/commands/eval.ts";
import { runSample } from "../../compiler/cli/commands/sample.ts";
import { readJsonl } from "../../runtime/train/metrics-log.ts";

const SPEC = `model mix_ring "test: a 2-D GAN with a Gaussian-mixture latent"

param K: int in 1..10 = 4
data x: Real[2] = ring(modes=8, radius=2, std=0.05, n=2000)
latent z ~ GaussianMixture(K, 2, means=fixed(uniform(-1, 1)), scale=fixed(0.3), cov="iso")

generator G(z: Real[2]) -> Real[2] = z |> mlp([16], act=relu()) |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> mlp([16], act=relu()) |> dense(1)

loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = E[z] -log_sigmoid(D(G(z)))

update d_step: D maximizes d_loss with adam(lr=1e-3, beta1=0.5)
update g_step: G minimizes g_loss with adam(lr=1e-3, beta1=0.5)

train { batch 64; steps 20; schedule alternating; seed 3; log_every 5; checkpoint_every 10 }
evaluate every 10 steps { samples(n=300); modes(); ndb(bins=10, samples=400) }
`;

function io() {
  const o = { out: "", err: "" };
  return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
}
const opts = (o: Partial<TrainCliOptions>): TrainCliOptions => ({ set: {}, plugin: [], backend: "wasm", eval: true, quiet: true, ...o });
type EvalLine = { step: number; metrics: Record<string, number | string> };

describe("reproducible evaluation and sampling", () => {
  const root = mkdtempSync(join(tmpdir(), "ganc-repro-"));
  const spec = join(root, "mix.gan");
  const full = join(root, "full");
  const resumed = join(root, "resumed");
  beforeAll(async () => {
    writeFileSync(spec, SPEC);
    const a = io();
    expect(await runTrain(spec, opts({ out: full }), a.io), a.o.err).toBe(0);
  }, 300_000);

  it("ganc eval --json gives exactly the training-end numbers and writes only under eval/step-N/", async () => {
    const summary = JSON.parse(readFileSync(join(full, "summary.json"), "utf8"));
    const evals = readJsonl<EvalLine>(join(full, "evals.jsonl"));
    expect(evals.map((e) => e.step)).toEqual([10, 20]);
    expect(typeof summary.metrics.js).toBe("number");
    const trainingPng = join(full, "samples/step-20.png");
    // the samples picture (vega-lite): the data beside generated points coloured by mixture component, step in the title
    const svg = readFileSync(join(full, "samples/step-20.svg"), "utf8");
    for (const t of ["mix_ring: samples at step 20", ">data<", "component 0", "component 3"]) expect(svg, t).toContain(t);
    const before = { bytes: readFileSync(trainingPng), mtime: statSync(trainingPng).mtimeMs };
    const ndbBefore = existsSync(join(full, "plots/ndb-step-20.png")) ? readFileSync(join(full, "plots/ndb-step-20.png")) : null;

    const { o, io: i } = io();
    expect(await runEval(full, { json: true, backend: "wasm" }, i), o.err).toBe(0);
    const r = JSON.parse(o.out);
    expect(r.step).toBe(20);
    expect(r.metrics).toEqual(summary.metrics);
    expect(r.metrics).toEqual(evals[1]!.metrics);
    // twice: the same again
    const again = io();
    expect(await runEval(full, { json: true, backend: "wasm" }, again.io)).toBe(0);
    expect(JSON.parse(again.o.out).metrics).toEqual(r.metrics);

    expect(r.files).toContain("eval/step-20/samples/step-20.png");
    expect(r.files).toContain("eval/step-20/metrics.json");
    for (const f of r.files as string[]) expect(f.startsWith("eval/step-20/"), f).toBe(true);
    for (const f of r.files as string[]) expect(existsSync(join(full, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(full, "eval/step-20/metrics.json"), "utf8")).metrics).toEqual(r.metrics);
    // training's own pictures are untouched
    expect(readFileSync(trainingPng).equals(before.bytes)).toBe(true);
    expect(statSync(trainingPng).mtimeMs).toBe(before.mtime);
    if (ndbBefore) expect(readFileSync(join(full, "plots/ndb-step-20.png")).equals(ndbBefore)).toBe(true);
  }, 120_000);

  it("a run resumed after its step-10 evaluation records the same evaluations as the uninterrupted run", async () => {
    const a = io();
    expect(await runTrain(spec, opts({ out: resumed, steps: 10 }), a.io), a.o.err).toBe(0);
    const b = io();
    expect(await runTrain(undefined, opts({ resume: resumed, steps: 20 }), b.io), b.o.err).toBe(0);
    const want = readJsonl<EvalLine>(join(full, "evals.jsonl"));
    const got = readJsonl<EvalLine>(join(resumed, "evals.jsonl"));
    expect(got).toEqual(want);
    expect(JSON.parse(readFileSync(join(resumed, "summary.json"), "utf8")).metrics).toEqual(want[1]!.metrics);
  }, 300_000);

  it("ganc sample: the same --seed gives the same samples, another seed others; --component k draws one component", async () => {
    const csv = async (o: { seed?: number; component?: number }) => {
      const r = io();
      expect(await runSample(full, { n: 20, csv: true, backend: "wasm", ...o }, r.io), r.o.err).toBe(0);
      return r.o.out;
    };
    const s1 = await csv({ seed: 1 });
    expect(s1.trim().split("\n").length).toBe(21);
    expect(await csv({ seed: 1 })).toBe(s1);
    expect(await csv({ seed: 2 })).not.toBe(s1);
    // without --seed: derived from the run seed and step, so repeatable too
    expect(await csv({})).toBe(await csv({}));
    // one component: repeatable, and not the same draws as the whole mixture
    const k1 = await csv({ seed: 1, component: 1 });
    expect(await csv({ seed: 1, component: 1 })).toBe(k1);
    expect(k1).not.toBe(s1);
    expect(await csv({ seed: 1, component: 2 })).not.toBe(k1);
    // a PNG's default name says the seed and component, beside (not over) training's samples/step-N.png
    const p = io();
    expect(await runSample(full, { n: 16, seed: 7, component: 3, backend: "wasm" }, p.io)).toBe(0);
    expect(p.o.out.trim()).toBe(join(full, "samples", "sample-step-20-k3-seed7.png"));
    expect(existsSync(p.o.out.trim())).toBe(true);
    // k out of range
    const bad = io();
    expect(await runSample(full, { n: 5, component: 4, backend: "wasm" }, bad.io)).toBe(1);
    expect(bad.o.err).toMatch(/--component 4 is out of range: the mixture has components 0\.\.3/);
  }, 120_000);
});
