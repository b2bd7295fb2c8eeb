// evaluate.ts metrics on hand-built programs (no training): image sample grids, GMM recovery, error reporting.
import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateProgram } from "../../runtime/train/evaluate.ts";
import { decodePng } from "../../runtime/report/png.ts";
import { initBackend } from "../../runtime/backend.ts";
import { createRng } from "../../runtime/rng.ts";
import { createParamStore } from "../../runtime/params.ts";
import type { Program, ProgramMeta } from "../../runtime/program.ts";
import type { Dataset } from "../../runtime/types.ts";

beforeAll(async () => {
  await initBackend("wasm");
});

function fakeProgram(meta: Partial<ProgramMeta>, data: Dataset, sample: Program["sample"], store = createParamStore(createRng(0))): Program {
  const full: ProgramMeta = {
    model: "fake", description: "", specFile: "fake.gan", params: {},
    train: { batch: 1, steps: 1, epochs: null, schedule: "alternating", seed: 0, logEvery: 1, checkpointEvery: 1 },
    evaluate: { every: null, metrics: [] }, updates: [], losses: [],
    sampleSpace: { name: "x", column: 0, shape: [2], image: false }, labels: null, components: null, head: null,
    ...meta,
  };
  return {
    meta: full, store, data, batcher: null as never, optimizers: {}, trainStep: async () => ({}),
    sample, assign: null, network: () => { throw new Error("none"); },
  };
}

describe("evaluate", () => {
  it("samples(per_component) draws one grid row per mixture component", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-ev-"));
    const calls: (number | undefined)[] = [];
    const data: Dataset = { source: "t", n: 2, columns: [{ name: "x", shape: [4, 4, 1], dtype: "float32", data: new Float32Array(32).fill(0.5) }] };
    const p = fakeProgram(
      { sampleSpace: { name: "x", column: 0, shape: [4, 4, 1], image: true }, components: 2, evaluate: { every: null, metrics: [{ name: "samples", args: { per_component: 3 } }] } },
      { ...data, columns: [{ ...data.columns[0]!, data: Float32Array.from({ length: 32 }, (_, i) => i / 31) }] },
      (n, o) => {
        calls.push(o?.component);
        return tf.fill([n, 4, 4, 1], o?.component ?? 0);
      },
    );
    const r = await evaluateProgram(p, { runDir: dir, step: 7, seed: 0 });
    expect(r.files).toEqual(["samples/step-7.png"]);
    expect(calls).toEqual([0, 1]);
    const png = decodePng(readFileSync(join(dir, "samples/step-7.png")));
    // the grid (4 px tiles: upscaled 8x, the cap) below a title, after a column of row labels (110 px), 40 px down
    const zoom = 8, left = 110, top = 40;
    expect([png.width, png.height]).toEqual([left + (3 * 4 + 4 * 2) * zoom + 10, top + (2 * 4 + 3 * 2) * zoom + 10]);
    // row 0 drew component 0 (value 0 -> black), row 1 component 1 (data max -> white)
    const at = (x: number, y: number) => png.data[((top + y * zoom + 4) * png.width + left + x * zoom + 4) * 4];
    expect(at(2, 2)).toBe(0);
    expect(at(2, 8)).toBe(255);
    const svg = readFileSync(join(dir, "samples/step-7.svg"), "utf8");
    for (const t of ["component 0", "component 1", "at step 7"]) expect(svg).toContain(t);
  });

  it("gmm_recovery: zero error and the truth's NLL when the weights equal the truth", async () => {
    const means = [[2, 0], [-2, 0]];
    const rng = createRng(1);
    const n = 500;
    const x = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const k = i % 2;
      x[2 * i] = means[k]![0]! + rng.normal();
      x[2 * i + 1] = means[k]![1]! + rng.normal();
    }
    const store = createParamStore(rng);
    store.create("mu", [2, 2], { kind: "values", values: [-2, 0, 2, 0] }); // permuted on purpose
    store.create("L", [2, 2, 2], { kind: "eye" });
    const p = fakeProgram(
      { evaluate: { every: null, metrics: [{ name: "gmm_recovery", args: { means: "mu", scales: "L" } }, { name: "modes", args: {} }, { name: "nmi", args: {} }] } },
      { source: "gmm", n, columns: [{ name: "x", shape: [2], dtype: "float32", data: x }], truth: { means, covs: [[[1, 0], [0, 1]], [[1, 0], [0, 1]]], weights: [0.5, 0.5] } },
      (k) => tf.zeros([k, 2]),
      store,
    );
    const r = await evaluateProgram(p, { runDir: mkdtempSync(join(tmpdir(), "ganc-ev-")), step: 1, seed: 0 });
    expect(r.metrics.mean_error).toBeCloseTo(0, 6);
    expect(r.metrics.cov_error).toBeCloseTo(0, 6);
    expect(r.metrics.nll).toBeCloseTo(r.metrics.nll_truth as number, 6);
    expect(r.files).toEqual(["plots/gmm-step-1.png"]);
    // metrics that cannot run are recorded, not thrown
    expect(r.metrics.modes_error).toMatch(/needs data with known mode centers/);
    expect(r.metrics.nmi_error).toMatch(/needs a PCM head/);
  });
});
