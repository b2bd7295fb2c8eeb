// Encoder metrics for BiGAN / ALI models (issue 21, item 8): how well G(E(x)) reconstructs held-out data (with a
// picture of originals above their reconstructions), and a linear probe: multinomial logistic regression on the
// features E(x) against the labels, fitted on training rows and scored on held-out rows. Both read the program
// through its contract only (`network`, `data`, `meta`), so they run the same after a tfjs or an ort run (the ort
// driver flushes its parameters into the store before an evaluation).
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { Program } from "../program.ts";
import type { Column } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { imageGrid, scatterPng, writePng } from "../report/png.ts";
import type { MetricCx } from "./evaluate.ts";

const num = (v: unknown, dflt: number): number => (typeof v === "number" && Number.isFinite(v) ? v : dflt);
const numel = (s: number[]): number => s.reduce((a, b) => a * b, 1);

function sampleColumn(c: MetricCx, split: "train" | "test"): Column {
  const ds = split === "test" ? c.heldOut : c.program.data;
  const col = ds.columns[c.meta.sampleSpace.column];
  if (!col) throw new GancRuntimeError(`${c.name}: the data has no column ${c.meta.sampleSpace.column}`, { code: "eval" });
  return col;
}

/** Apply `fn` to the first n rows of a column, shaped as the spec declared the binding, 500 rows at a time. */
async function mapRows(program: Program, x: Column, n: number, fn: (t: tf.Tensor) => tf.Tensor): Promise<{ data: Float32Array; per: number }> {
  const shape = program.meta.sampleSpace.shape;
  const per = numel(x.shape);
  if (numel(shape) !== per) throw new GancRuntimeError(`the data column has ${per} values per example, the spec declares ${numel(shape)}`, { code: "eval" });
  const parts: Float32Array[] = [];
  let outPer = 0;
  for (let i = 0; i < n; i += 500) {
    const m = Math.min(500, n - i);
    const out = tf.tidy(() => fn(tf.tensor(x.data.subarray(i * per, (i + m) * per) as Float32Array, [m, ...shape], "float32")));
    outPer = numel(out.shape.slice(1));
    parts.push(Float32Array.from(await out.data()));
    out.dispose();
  }
  const data = new Float32Array(n * outPer);
  let off = 0;
  for (const p of parts) (data.set(p, off), (off += p.length));
  return { data, per: outPer };
}

function rowsAvailable(x: Column): number {
  return Math.floor(x.data.length / Math.max(1, numel(x.shape)));
}

function networkArg(c: MetricCx, key: string): string {
  const v = c.args[key];
  if (typeof v !== "string") throw new GancRuntimeError(`${c.name} needs ${key}=<network>`, { code: "eval" });
  return v;
}

/** reconstruction(encoder=E, generator=G): mean squared error of G(E(x)) against x on held-out rows, and a picture. */
export async function reconstructionMetric(c: MetricCx): Promise<void> {
  const { program, args, o, out, files, d, image } = c;
  const enc = networkArg(c, "encoder");
  const gen = networkArg(c, "generator");
  const x = sampleColumn(c, "test");
  const n = Math.min(rowsAvailable(x), Math.max(1, Math.floor(num(args.n, 1000))));
  const rec = await mapRows(program, x, n, (t) => program.network(gen, program.network(enc, t)));
  if (rec.per !== d) throw new GancRuntimeError(`${gen}(${enc}(x)) has ${rec.per} values per example, the data ${d}`, { code: "eval" });
  let se = 0;
  for (let i = 0; i < n * d; i++) {
    const e = rec.data[i]! - x.data[i]!;
    se += e * e;
  }
  out.reconstruction_mse = se / (n * d);
  // the picture: `grid` originals in the top row, their reconstructions below (images); originals grey and
  // reconstructions blue (vectors, first two coordinates)
  const g = Math.min(n, Math.max(1, Math.floor(num(args.grid, 8))));
  const rel = join("samples", `reconstruction-step-${o.step}.png`);
  let png: Buffer;
  if (image) {
    const [h, w, ch] = image;
    const imgs = new Float32Array(2 * g * d);
    imgs.set(x.data.subarray(0, g * d), 0);
    imgs.set(rec.data.subarray(0, g * d), g * d);
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < Math.min(x.data.length, 200_000); i++) (lo = Math.min(lo, x.data[i]!)), (hi = Math.max(hi, x.data[i]!));
    png = imageGrid(imgs, 2 * g, h, w, ch, g, Number.isFinite(lo) && hi > lo ? [lo, hi] : [-1, 1]);
  } else {
    const m = Math.min(n, 2000);
    const two = (data: ArrayLike<number>) => {
      const p = new Float32Array(m * 2);
      for (let i = 0; i < m; i++) (p[2 * i] = data[i * d]!), (p[2 * i + 1] = d > 1 ? data[i * d + 1]! : 0);
      return p;
    };
    png = scatterPng([
      { points: two(x.data), color: [170, 170, 170] },
      { points: two(rec.data), color: [31, 119, 180] },
    ]);
  }
  writePng(join(o.runDir, rel), png);
  files.push(rel);
}

/**
 * Multinomial logistic regression on standardized features, full-batch gradient descent from zero weights
 * (deterministic), L2 1e-4. Returns the fitted weights [f + 1, k] (the last row is the bias).
 */
export function fitSoftmaxRegression(x: Float64Array, y: number[], n: number, f: number, k: number, iters = 300, lr = 0.5): Float64Array {
  const w = new Float64Array((f + 1) * k);
  const p = new Float64Array(k);
  const grad = new Float64Array((f + 1) * k);
  for (let it = 0; it < iters; it++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = w[f * k + c]!;
        for (let j = 0; j < f; j++) s += x[i * f + j]! * w[j * k + c]!;
        p[c] = s;
        if (s > mx) mx = s;
      }
      let z = 0;
      for (let c = 0; c < k; c++) z += (p[c] = Math.exp(p[c]! - mx));
      for (let c = 0; c < k; c++) {
        const g = p[c]! / z - (y[i] === c ? 1 : 0);
        for (let j = 0; j < f; j++) grad[j * k + c]! += g * x[i * f + j]!;
        grad[f * k + c]! += g;
      }
    }
    for (let t = 0; t < w.length; t++) w[t]! -= lr * (grad[t]! / n + (t < f * k ? 1e-4 * w[t]! : 0));
  }
  return w;
}

export function softmaxAccuracy(w: Float64Array, x: Float64Array, y: number[], n: number, f: number, k: number): number {
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0, bestS = -Infinity;
    for (let c = 0; c < k; c++) {
      let s = w[f * k + c]!;
      for (let j = 0; j < f; j++) s += x[i * f + j]! * w[j * k + c]!;
      if (s > bestS) (bestS = s), (best = c);
    }
    if (best === y[i]) right++;
  }
  return n ? right / n : NaN;
}

/** linear_probe(encoder=E, labels=y): test accuracy of a logistic regression on E(x) fitted on training rows. */
export async function linearProbeMetric(c: MetricCx): Promise<void> {
  const { program, args, out, meta } = c;
  const enc = networkArg(c, "encoder");
  if (!meta.labels) throw new GancRuntimeError(`linear_probe needs labelled data (an Index[...] column)`, { code: "eval" });
  const labels = meta.labels;
  const k = labels.classes;
  const nWant = Math.max(2, Math.floor(num(args.n, 2000)));
  const train = sampleColumn(c, "train");
  const test = sampleColumn(c, "test");
  const sameSplit = c.heldOut === program.data;
  // without a held-out split: the first 80% of the rows fit the probe, the rest score it
  const nAll = Math.min(rowsAvailable(train), nWant);
  const nTrain = sameSplit ? Math.floor(nAll * 0.8) : nAll;
  const nTest = sameSplit ? nAll - nTrain : Math.min(rowsAvailable(test), nWant);
  if (nTrain < 1 || nTest < 1) throw new GancRuntimeError(`linear_probe needs at least 2 labelled rows, got ${nAll}`, { code: "eval" });
  const feats = async (col: Column, from: number, n: number) => {
    const per = numel(col.shape);
    const sub: Column = { ...col, data: col.data.subarray(from * per, (from + n) * per) as Float32Array };
    return mapRows(program, sub, n, (t) => {
      const e = program.network(enc, t);
      return e.reshape([e.shape[0]!, -1]);
    });
  };
  const trainF = await feats(train, 0, nTrain);
  const testF = await feats(test, sameSplit ? nTrain : 0, nTest);
  const f = trainF.per;
  const yOf = (ds: typeof program.data, from: number, n: number) => {
    const col = ds.columns[labels.column];
    if (!col) throw new GancRuntimeError(`linear_probe: the data has no label column ${labels.column}`, { code: "eval" });
    return Array.from(col.data.subarray(from, from + n), (v) => Math.round(v));
  };
  const yTrain = yOf(program.data, 0, nTrain);
  const yTest = yOf(sameSplit ? program.data : c.heldOut, sameSplit ? nTrain : 0, nTest);
  // standardize with the training rows' statistics
  const mean = new Float64Array(f), sd = new Float64Array(f);
  for (let i = 0; i < nTrain; i++) for (let j = 0; j < f; j++) mean[j]! += trainF.data[i * f + j]! / nTrain;
  for (let i = 0; i < nTrain; i++) for (let j = 0; j < f; j++) sd[j]! += (trainF.data[i * f + j]! - mean[j]!) ** 2 / nTrain;
  for (let j = 0; j < f; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const std = (src: Float32Array, n: number) => {
    const o = new Float64Array(n * f);
    for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) o[i * f + j] = (src[i * f + j]! - mean[j]!) / sd[j]!;
    return o;
  };
  const xTrain = std(trainF.data, nTrain);
  const xTest = std(testF.data, nTest);
  const w = fitSoftmaxRegression(xTrain, yTrain, nTrain, f, k, Math.max(1, Math.floor(num(args.iters, 300))));
  out.linear_probe = softmaxAccuracy(w, xTest, yTest, nTest, f, k);
  out.linear_probe_train = softmaxAccuracy(w, xTrain, yTrain, nTrain, f, k);
}
