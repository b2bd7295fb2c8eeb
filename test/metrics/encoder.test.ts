// Encoder metrics (reconstruction, linear_probe) and the evaluate metric table: the checker's metrics and the
// runtime's handlers are one list, and heads/encoders see the per-example shape their data binding declares.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateProgram } from "../../runtime/train/evaluate.ts";
import { fitSoftmaxRegression, softmaxAccuracy } from "../../runtime/train/encoder-metrics.ts";
import { EVALUATE_METRIC_NAMES } from "../../runtime/train/metric-names.ts";
import { builtinSignatures } from "../../compiler/check/signatures.ts";
import { decodePng } from "../../runtime/report/png.ts";
import { initBackend } from "../../runtime/backend.ts";
import { createRng } from "../../runtime/rng.ts";
import { createParamStore } from "../../runtime/params.ts";
import type { Program, ProgramMeta } from "../../runtime/program.ts";
import type { Dataset } from "../../runtime/types.ts";

beforeAll(async () => {
  await initBackend("wasm");
});

function fakeProgram(meta: Partial<ProgramMeta>, data: Dataset, parts: Partial<Program>): Program {
  const full: ProgramMeta = {
    model: "fake", description: "", specFile: "fake.gan", params: {},
    train: { batch: 1, steps: 1, epochs: null, schedule: "alternating", seed: 0, logEvery: 1, checkpointEvery: 1 },
    evaluate: { every: null, metrics: [] }, updates: [], losses: [],
    sampleSpace: { name: "x", column: 0, shape: [16], image: false }, labels: null, components: null, head: null,
    ...meta,
  };
  return {
    meta: full, store: createParamStore(createRng(0)), data, batcher: null as never, optimizers: {}, trainStep: async () => ({}),
    sample: () => { throw new Error("no sampling here"); }, assign: null, network: () => { throw new Error("none"); },
    ...parts,
  };
}

/** n labelled 4 x 4 x 1 "images" stored as a loader stores them, the spec declaring x: Real[16] */
function imageData(n: number): Dataset {
  const rng = createRng(5);
  const x = new Float32Array(n * 16);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 16; j++) x[i * 16 + j] = (y[i] ? 0.5 : -0.5) * (j < 8 ? 1 : -1) + 0.3 * rng.normal();
  }
  return {
    source: "fake", n,
    columns: [
      { name: "x", shape: [4, 4, 1], dtype: "float32", data: x },
      { name: "y", shape: [], dtype: "int32", data: y, classes: 2 },
    ],
  };
}

const labels = { name: "y", column: 1, classes: 2 };

describe("evaluate metric table", () => {
  it("the signature table's metrics are exactly the runtime's (a metric the checker accepts always has a handler)", () => {
    const table = builtinSignatures.filter((e) => e.category === "metric").map((e) => e.name).sort();
    expect(table).toEqual([...EVALUATE_METRIC_NAMES].sort());
  });

  it("every metric name reaches its own handler, none the unknown-metric error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-mt-"));
    for (const name of EVALUATE_METRIC_NAMES) {
      const p = fakeProgram({ evaluate: { every: null, metrics: [{ name, args: {} }] } }, imageData(8), {});
      const r = await evaluateProgram(p, { runDir: dir, step: 0, seed: 0, plots: false });
      for (const v of Object.values(r.metrics)) expect(String(v)).not.toMatch(/unknown evaluate metric/);
    }
  });
});

describe("heads see their declared input shape", () => {
  it("cluster_accuracy and nmi feed [n, 16] to a head declared on Real[16] although the loader stores [4, 4, 1]", async () => {
    const seen: number[][] = [];
    const p = fakeProgram(
      { labels, head: "C", evaluate: { every: null, metrics: [{ name: "cluster_accuracy", args: { head: "C", labels: "y" } }, { name: "nmi", args: { head: "C", labels: "y" } }] } },
      imageData(40),
      {
        assign: (x) => {
          seen.push(x.shape);
          if (x.shape.length !== 2 || x.shape[1] !== 16) throw new Error(`head C expects [n, 16], got [${x.shape}]`);
          // a perfect head: the sign of the first half
          return tf.tidy(() => {
            const s = x.slice([0, 0], [-1, 8]).sum(1);
            return tf.stack([s.less(0).cast("float32"), s.greaterEqual(0).cast("float32")], 1);
          });
        },
      },
    );
    const r = await evaluateProgram(p, { runDir: mkdtempSync(join(tmpdir(), "ganc-head-")), step: 0, seed: 0 });
    expect(r.metrics.cluster_accuracy_error).toBeUndefined();
    expect(r.metrics.cluster_accuracy).toBe(1);
    expect(r.metrics.nmi).toBeCloseTo(1, 6);
    expect(seen.every((s) => s[1] === 16)).toBe(true);
  });
});

describe("encoder metrics", () => {
  it("reconstruction: zero error for an exact autoencoder, the squared error otherwise, and a 2-row picture", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-rec-"));
    for (const shift of [0, 0.5]) {
      const p = fakeProgram(
        { sampleSpace: { name: "x", column: 0, shape: [4, 4, 1], image: true }, evaluate: { every: null, metrics: [{ name: "reconstruction", args: { encoder: "E", generator: "G", n: 30, grid: 5 } }] } },
        imageData(30),
        {
          network: (name, x) => {
            if (name === "E") return x.reshape([x.shape[0]!, 16]).mul(2);
            if (name === "G") return x.div(2).add(shift).reshape([x.shape[0]!, 4, 4, 1]);
            throw new Error(name);
          },
        },
      );
      const r = await evaluateProgram(p, { runDir: dir, step: 3, seed: 0 });
      expect(r.metrics.reconstruction_mse as number).toBeCloseTo(shift * shift, 6);
      expect(r.files).toContain("samples/reconstruction-step-3.png");
      const png = decodePng(readFileSync(join(dir, "samples/reconstruction-step-3.png")));
      // 5 columns, 2 rows (originals above reconstructions) of 4 x 4 tiles
      expect(png.width).toBeGreaterThan(png.height);
      expect(png.width / png.height).toBeCloseTo((5 * 4 + 6) / (2 * 4 + 3), 0);
    }
  });

  it("softmax regression separates separable classes and is at chance on shuffled labels", () => {
    const n = 200, f = 3;
    const rng = createRng(2);
    const x = new Float64Array(n * f);
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      y.push(i % 3);
      for (let j = 0; j < f; j++) x[i * f + j] = (j === i % 3 ? 2 : 0) + 0.3 * rng.normal();
    }
    const w = fitSoftmaxRegression(x, y, n, f, 3);
    expect(softmaxAccuracy(w, x, y, n, f, 3)).toBeGreaterThan(0.97);
    const yBad = y.map((_, i) => Math.floor(rng.uniform() * 3) + 0 * i);
    const wBad = fitSoftmaxRegression(x, yBad, n, f, 3);
    expect(softmaxAccuracy(wBad, x, yBad, n, f, 3)).toBeLessThan(0.6);
  });

  it("linear_probe: near 1 on informative features, lower on constant features; 80/20 split without test data", async () => {
    const run = async (informative: boolean) => {
      const p = fakeProgram(
        { labels, evaluate: { every: null, metrics: [{ name: "linear_probe", args: { encoder: "E", labels: "y", n: 100 } }] } },
        imageData(100),
        {
          network: (name, x) => {
            if (name !== "E") throw new Error(name);
            if (x.shape[1] !== 16) throw new Error(`E expects [n, 16], got [${x.shape}]`);
            return informative ? x.slice([0, 0], [-1, 2]) : tf.zeros([x.shape[0]!, 2]);
          },
        },
      );
      return (await evaluateProgram(p, { runDir: mkdtempSync(join(tmpdir(), "ganc-lp-")), step: 0, seed: 0 })).metrics;
    };
    const good = await run(true);
    expect(good.linear_probe_error).toBeUndefined();
    expect(good.linear_probe as number).toBeGreaterThan(0.9);
    const bad = await run(false);
    expect(bad.linear_probe as number).toBeLessThanOrEqual(0.6);
  });
});
