// The spec's `evaluate { ... }` metrics, run by the harness every `evaluate.every` steps and at the end, and by
// `ganc eval`. Each metric reads the program through the contract only (sample, assign, store, data). A metric that
// cannot run (no head, no ground truth, too few samples) records an `<name>_error` entry instead of failing the run.
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { Program } from "../program.ts";
import type { Column, Dataset } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { imageGrid, scatterPng, writePng } from "../report/png.ts";
import { ndbBins, ndbEvaluate, type NdbBins } from "../metrics/ndb.ts";
import { modeCoverage } from "../metrics/coverage.ts";
import { clusterAccuracy, nmi } from "../metrics/clustering.ts";
import { fitGmmEm, gmmNll, paramError, type Gmm } from "../metrics/gmm.ts";
import type { Matrix } from "../metrics/matrix.ts";
import { classifierDistance } from "../metrics/classifier.ts";
import { createRng } from "../rng.ts";
import type { Rng } from "../types.ts";
import { EVALUATE_METRIC_NAMES, isEvaluateMetric, type EvaluateMetricName } from "./metric-names.ts";
import { linearProbeMetric, reconstructionMetric } from "./encoder-metrics.ts";

export type MetricValue = number | string;

export interface EvalResult {
  step: number;
  metrics: Record<string, MetricValue>;
  /** files written, relative to the run directory */
  files: string[];
}

export interface EvalOptions {
  runDir: string;
  step: number;
  seed: number;
  /** restrict to these metric names (default: all of meta.evaluate.metrics) */
  only?: string[];
  /** also write Vega charts (NDB bars, 2-D mixture ellipses) under plots/ (default true) */
  plots?: boolean;
  /** folder the pictures go to, relative to runDir (default "": training's samples/ and plots/); `ganc eval`
   * writes into eval/step-N/ so that it never overwrites what training wrote */
  outDir?: string;
}

/**
 * The random stream of one evaluation metric: derived from the run seed, the step and the metric's name only, so an
 * evaluation gives the same numbers whenever it runs (at the end of training, after a resume, in `ganc eval`), and a
 * metric's draws do not depend on which metrics ran before it.
 */
export function evalRng(seed: number, step: number, metric: string): Rng {
  return createRng(seed).fork(`eval:${step}:${metric}`);
}

/** The stream `ganc sample` draws from: `--seed N` when given, else derived from the run seed and the step. */
export function sampleRng(runSeed: number, step: number, seed?: number): Rng {
  return seed === undefined ? createRng(runSeed).fork(`sample:${step}`) : createRng(seed).fork("sample");
}

/** Render a chart into plots/<name>-step-<n>.{svg,png}; a plotting failure never fails the evaluation. */
async function chart(o: EvalOptions, files: string[], name: string, make: (p: typeof import("../report/plot.ts")) => unknown): Promise<void> {
  if (o.plots === false) return;
  try {
    const plot = await import("../report/plot.ts");
    const rel = join(o.outDir ?? "", "plots", `${name}-step-${o.step}`);
    await plot.writePlot(make(plot) as Parameters<typeof plot.writePlot>[0], join(o.runDir, rel));
    files.push(`${rel}.png`);
  } catch {
    /* charts are a convenience; the numbers are in evals.jsonl */
  }
}

const num = (v: unknown, dflt: number): number => (typeof v === "number" && Number.isFinite(v) ? v : dflt);

/** Per-example sample-space layout: an image (h, w, c) or a flat vector of d values. */
export function sampleLayout(program: Program): { d: number; image: [number, number, number] | null } {
  const shape = program.meta.sampleSpace.shape;
  const d = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 3) return { d, image: [shape[0]!, shape[1]!, shape[2]!] };
  if (shape.length === 2) return { d, image: [shape[0]!, shape[1]!, 1] };
  // flat vectors of a square size (784 = 28x28) are shown as grayscale images
  const side = Math.round(Math.sqrt(d));
  if (d >= 64 && side * side === d) return { d, image: [side, side, 1] };
  return { d, image: null };
}

function column(ds: Dataset, i: number, what: string): Column {
  const c = ds.columns[i];
  if (!c) throw new GancRuntimeError(`${what}: the data has no column ${i}`, { code: "eval" });
  return c;
}

function rowsOf(c: Column, maxRows: number): Matrix {
  const d = c.shape.reduce((a, b) => a * b, 1);
  const n = Math.min(maxRows, Math.floor(c.data.length / Math.max(1, d)));
  return { data: Float32Array.from(c.data.subarray(0, n * d)), n, d };
}

async function drawSamples(program: Program, rng: Rng, n: number, component?: number): Promise<Float32Array> {
  const t = program.sample(n, component === undefined ? { rng } : { component, rng });
  try {
    return Float32Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

/** Value range of the real data, for mapping images to pixels (tanh generators and [-1,1] data agree). */
function dataRange(c: Column): [number, number] {
  let lo = Infinity, hi = -Infinity;
  const n = Math.min(c.data.length, 200_000);
  for (let i = 0; i < n; i++) {
    const v = c.data[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) && hi > lo ? [lo, hi] : [-1, 1];
}

// NDB bins depend only on the data: compute them once per (program, bins, samples)
const binCache = new WeakMap<Program, Map<string, NdbBins>>();

function truthOf(ds: Dataset): Record<string, unknown> {
  if (!ds.truth) throw new GancRuntimeError(`data source "${ds.source}" has no ground truth`, { code: "eval" });
  return ds.truth;
}

function flatNumbers(v: unknown, what: string): number[] {
  const out: number[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (ArrayBuffer.isView(x)) out.push(...Array.from(x as unknown as ArrayLike<number>));
    else if (typeof x === "number") out.push(x);
    else throw new GancRuntimeError(`ground truth ${what} is not numeric`, { code: "eval" });
  };
  walk(v);
  return out;
}

/** scales parameter -> k x d x d covariances: [K,d,d] is a scale matrix L (cov = L L^T), [K,d] a diagonal std,
 * [K] / [] an isotropic std. */
function covsFromScales(s: Float32Array, shape: number[], k: number, d: number): Float64Array {
  const covs = new Float64Array(k * d * d);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let v = 0;
        if (shape.length === 3) for (let t = 0; t < d; t++) v += s[c * d * d + i * d + t]! * s[c * d * d + j * d + t]!;
        else if (i === j) {
          const std = shape.length === 2 ? s[c * d + i]! : shape.length === 1 ? s[c]! : s[0]!;
          v = std * std;
        }
        covs[c * d * d + i * d + j] = v;
      }
  }
  return covs;
}

/** Everything a metric handler reads and writes. */
export interface MetricCx {
  program: Program;
  name: string;
  args: Record<string, unknown>;
  o: EvalOptions;
  out: Record<string, MetricValue>;
  files: string[];
  meta: Program["meta"];
  xcol: Column;
  d: number;
  image: [number, number, number] | null;
  heldOut: Dataset;
  /** the metric's own random stream (evalRng: run seed, step, metric name) */
  rng: Rng;
}

export type MetricHandler = (c: MetricCx) => Promise<void>;

const clusteringMetric: MetricHandler = async (c) => {
  const { program, name, args, out, meta, heldOut } = c;
  if (!program.assign)
    throw new GancRuntimeError(`${name} needs a PCM head, and the spec has none`, { code: "eval" });
  if (!meta.labels) throw new GancRuntimeError(`${name} needs labelled data (an Index[...] column)`, { code: "eval" });
  const x = column(heldOut, meta.sampleSpace.column, name);
  const y = column(heldOut, meta.labels.column, name);
  const n = Math.min(heldOut.n, Math.floor(num(args.n, 10000)));
  const pred = await assignLabels(program, x, n);
  const truthLabels = Array.from(y.data.subarray(0, n));
  if (name === "cluster_accuracy") out.cluster_accuracy = clusterAccuracy(pred, truthLabels).accuracy;
  else out.nmi = nmi(pred, truthLabels);
  return;
};

/** One handler per metric the checker accepts (EVALUATE_METRIC_NAMES): the table's type demands all of them. */
const METRIC_HANDLERS: Record<EvaluateMetricName, MetricHandler> = {
  samples: async (c) => {
    const { program, args, o, files, meta, xcol, d, image, rng } = c;
    const rel = join(o.outDir ?? "", "samples", `step-${o.step}.png`);
    const base = join(o.runDir, rel.slice(0, -".png".length));
    if (image) {
      const [h, w, c] = image;
      let imgs: Float32Array, n: number, cols: number;
      let rowLabels: string[] | undefined;
      if (args.per_component !== undefined && meta.components) {
        // one row per mixture component
        const per = Math.max(1, Math.floor(num(args.per_component, 10)));
        const rows: Float32Array[] = [];
        for (let k = 0; k < meta.components; k++) rows.push(await drawSamples(program, rng, per, k));
        imgs = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
        let off = 0;
        for (const r of rows) (imgs.set(r, off), (off += r.length));
        n = per * meta.components;
        cols = per;
        rowLabels = rows.map((_, k) => `component ${k}`);
      } else {
        const g = args.grid !== undefined ? Math.max(1, Math.floor(num(args.grid, 10))) : 0;
        const per = args.per_component !== undefined ? Math.max(1, Math.floor(num(args.per_component, 10))) : 0;
        n = g ? g * g : per ? per * per : Math.min(100, Math.max(1, Math.floor(num(args.n, 100))));
        cols = g || per || Math.ceil(Math.sqrt(n));
        imgs = await drawSamples(program, rng, n);
      }
      // at least 84 px per tile side (3x for 28 px tiles), at most 8x
      const zoom = Math.max(1, Math.min(8, Math.ceil(84 / Math.max(h, w))));
      const grid = imageGrid(imgs, n, h, w, c, cols, dataRange(xcol), zoom);
      const rows = Math.ceil(n / cols);
      try {
        const { gridSvg, writeSvgPlot } = await import("../report/plot.ts");
        const { width, height } = (await import("../report/png.ts")).decodePng(grid);
        const title = `${meta.model}: ${n} samples at step ${o.step}`;
        writeSvgPlot(gridSvg(grid, { width, height, scale: 1, title, rows, ...(rowLabels ? { rowLabels } : {}) }), base);
      } catch {
        writePng(join(o.runDir, rel), grid);
      }
    } else {
      const n = Math.max(1, Math.floor(num(args.n, 2000)));
      const K = meta.components;
      // a mixture latent: an equal share per component, so each point's colour is its component
      const labels: number[] = [];
      let s: Float32Array;
      let m = n;
      if (K) {
        const per = Math.max(1, Math.ceil(n / K));
        const parts: Float32Array[] = [];
        for (let k = 0; k < K; k++) (parts.push(await drawSamples(program, rng, per, k)), labels.push(...Array(per).fill(k)));
        m = per * K;
        s = new Float32Array(m * d);
        parts.forEach((p, k) => s.set(p, k * per * d));
      } else s = await drawSamples(program, rng, n);
      const real = rowsOf(xcol, Math.max(n, 2000));
      // first two coordinates
      const two = (data: ArrayLike<number>, rows: number) => {
        const p = new Float32Array(rows * 2);
        for (let i = 0; i < rows; i++) {
          p[2 * i] = data[i * d]!;
          p[2 * i + 1] = d > 1 ? data[i * d + 1]! : 0;
        }
        return p;
      };
      const rp = two(real.data, real.n), gp = two(s, m);
      try {
        const plot = await import("../report/plot.ts");
        // the axes come from the data alone, so every frame of a run has the same scale
        const spec = plot.samplesScatter({ points: rp, n: real.n }, { points: gp, n: m, ...(K ? { labels } : {}) }, {
          title: `${meta.model}: samples at step ${o.step}${K ? ` (${Math.ceil(n / K)} per component)` : ""}`,
          domain: plot.paddedDomain(rp, real.n),
        });
        await plot.writePlot(spec, base);
      } catch {
        writePng(join(o.runDir, rel), scatterPng([{ points: rp, color: [170, 170, 170] }, { points: gp, color: [31, 119, 180] }]));
      }
    }
    files.push(rel);
    return;
  },
  ndb: async (c) => {
    const { program, args, o, out, files, xcol, d } = c;
    const bins = Math.floor(num(args.bins, 100));
    const n = Math.floor(num(args.samples, 10000));
    const key = `${bins}:${n}`;
    let cache = binCache.get(program);
    if (!cache) binCache.set(program, (cache = new Map()));
    let b = cache.get(key);
    if (!b) {
      // reference set: up to max(n, 20 per bin) training rows (the reference code uses the training set)
      const ref = rowsOf(xcol, Math.max(n, 20 * bins));
      // k-means on images (10000 x 784, 100 bins) costs minutes per restart in JS: one k-means++ restart there
      const inits = ref.n * ref.d * bins > 1e8 ? 1 : 3;
      b = ndbBins(ref, { bins, seed: o.seed, kmeans: { inits } });
      cache.set(key, b);
    }
    const s = await drawSamples(program, c.rng, n);
    // the bins are cached per (bins, samples); the z-test's significance is the metric's own option
    const r = ndbEvaluate({ ...b, significance: num(args.significance, 0.05) }, { data: s, n, d });
    out.ndb = r.ndb;
    out.ndb_k = r.ndbOverK;
    out.js = r.js;
    await chart(o, files, "ndb", (p) => p.ndbBars(r, { title: `NDB/K = ${r.ndbOverK.toFixed(3)} at step ${o.step}` }));
    return;
  },
  modes: async (c) => {
    const { program, args, out, d } = c;
    const truth = truthOf(program.data);
    if (truth.centers === undefined || truth.std === undefined)
      throw new GancRuntimeError(`modes() needs data with known mode centers and std (ring, grid); "${program.data.source}" has none`, {
        code: "eval",
      });
    const centers = flatNumbers(truth.centers, "centers");
    const std = num(truth.std, NaN);
    const n = Math.floor(num(args.samples ?? args.n, 2000));
    const s = await drawSamples(program, c.rng, n);
    const r = modeCoverage({ data: s, n, d }, { data: Float64Array.from(centers), n: centers.length / d, d }, {
      std,
      ...(args.sigmas !== undefined ? { thresholdSigmas: num(args.sigmas, 3) } : {}),
    });
    out.modes_covered = r.modesCovered;
    out.modes_total = r.totalModes;
    out.high_quality = r.highQualityFraction;
    return;
  },
  gmm_recovery: async (c) => {
    const { program, name, args, o, out, files, meta, d, heldOut } = c;
    const truth = truthOf(program.data);
    const tMeans = flatNumbers(truth.means, "means");
    const k = tMeans.length / d;
    const tCovs = truth.covs !== undefined ? Float64Array.from(flatNumbers(truth.covs, "covs")) : undefined;
    const meansName = String(args.means ?? "mu");
    const mv = program.store.get(meansName);
    const est = Float32Array.from(await mv.data());
    if (est.length !== k * d)
      throw new GancRuntimeError(`"${meansName}" has shape [${mv.shape}], the truth has ${k} means of dimension ${d}`, {
        code: "eval",
      });
    let covs: Float64Array | undefined;
    if (args.scales !== undefined) {
      const sv = program.store.get(String(args.scales));
      covs = covsFromScales(Float32Array.from(await sv.data()), sv.shape, k, d);
    }
    const pe = paramError({ means: est, covs, k, d }, { means: tMeans, covs: tCovs, k, d });
    out.mean_error = pe.meanError;
    if (Number.isFinite(pe.covError)) out.cov_error = pe.covError;
    if (covs) {
      const weights = truth.weights !== undefined ? Float64Array.from(flatNumbers(truth.weights, "weights")) : new Float64Array(k).fill(1 / k);
      const g: Gmm = { k, d, weights, means: Float64Array.from(est), covs };
      const x = rowsOf(column(heldOut, meta.sampleSpace.column, name), 10000);
      out.nll = gmmNll(x, g);
      if (tCovs) out.nll_truth = gmmNll(x, { k, d, weights, means: Float64Array.from(tMeans), covs: tCovs });
      if (d === 2) await chart(o, files, "gmm", (p) => p.scatterWithEllipses(x, g, { title: `learned mixture at step ${o.step}`, maxPoints: 2000 }));
    }
    return;
  },
  cfd: async (c) => {
    const { program, name, args, out, meta, d, heldOut } = c;
    if (d !== 784)
      throw new GancRuntimeError(`cfd() compares Fashion-MNIST-shaped images (28 x 28 x 1 = 784 values); the samples have ${d}`, {
        code: "eval",
      });
    const n = Math.floor(num(args.samples, 10000));
    const ref = rowsOf(column(heldOut, meta.sampleSpace.column, name), n);
    const s = await drawSamples(program, c.rng, ref.n);
    // the data sources and generators work in [-1, 1]; the classifier maps that range to its [0, 1] inputs
    out.cfd = classifierDistance({ data: s, n: ref.n, d }, ref, { range: [-1, 1] });
    return;
  },
  gmm_fit: async (c) => {
    const { program, name, args, o, out, meta, d, heldOut } = c;
    // EM on generated samples, scored by the held-out data's NLL under the fitted mixture
    const k = Math.floor(num(args.k, meta.components ?? meta.labels?.classes ?? 10));
    const n = Math.floor(num(args.samples, 5000));
    const s = await drawSamples(program, c.rng, n);
    const fit = fitGmmEm(s, n, d, k, { seed: o.seed, cov: d > 16 ? "diag" : "full" });
    out.gmm_fit_nll = gmmNll(rowsOf(column(heldOut, meta.sampleSpace.column, name), 10000), fit);
    return;
  },
  cluster_accuracy: clusteringMetric,
  nmi: clusteringMetric,
  reconstruction: reconstructionMetric,
  linear_probe: linearProbeMetric,
};

async function runMetric(
  program: Program,
  name: string,
  args: Record<string, unknown>,
  o: EvalOptions,
  out: Record<string, MetricValue>,
  files: string[],
): Promise<void> {
  if (!isEvaluateMetric(name))
    throw new GancRuntimeError(`unknown evaluate metric "${name}"`, { code: "eval", hint: `known: ${EVALUATE_METRIC_NAMES.join(", ")}` });
  const meta = program.meta;
  const xcol = column(program.data, meta.sampleSpace.column, name);
  const { d, image } = sampleLayout(program);
  const heldOut = program.data.test ?? program.data;
  await METRIC_HANDLERS[name]({ program, name, args, o, out, files, meta, xcol, d, image, heldOut, rng: evalRng(o.seed, o.step, name) });
}

/**
 * The per-example shape the spec declared for a data column: a loader stores images as [28, 28, 1] whatever the
 * binding says, and `data x: Real[784] = fashion_mnist(...)` trains on flat rows, so the networks declared on
 * `x: Real[784]` (a head, an encoder) must see [n, 784] at evaluation too, not the loader's [n, 28, 28, 1].
 */
export function declaredShape(program: Program, x: Column): number[] {
  const ss = program.meta.sampleSpace;
  const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const sampleCol = program.data.columns[ss.column];
  return sampleCol !== undefined && x.name === sampleCol.name && numel(ss.shape) === numel(x.shape) ? ss.shape : x.shape;
}

/** Responsibilities from the PCM head in batches -> [n, K] (row-major). */
export async function assignResponsibilities(program: Program, x: Column, n: number): Promise<{ r: Float32Array; k: number }> {
  if (!program.assign) throw new GancRuntimeError("the spec has no PCM head (role `head`)", { code: "no-head" });
  const shape = declaredShape(program, x);
  const per = x.shape.reduce((a, b) => a * b, 1);
  const parts: Float32Array[] = [];
  let k = 0;
  for (let i = 0; i < n; i += 1000) {
    const m = Math.min(1000, n - i);
    const t = tf.tensor(x.data.subarray(i * per, (i + m) * per) as Float32Array, [m, ...shape], "float32");
    const r = program.assign(t);
    k = r.shape[1] ?? 1;
    parts.push(Float32Array.from(await r.data()));
    tf.dispose([t, r]);
  }
  const r = new Float32Array(n * k);
  let off = 0;
  for (const p of parts) (r.set(p, off), (off += p.length));
  return { r, k };
}

async function assignLabels(program: Program, x: Column, n: number): Promise<number[]> {
  const { r, k } = await assignResponsibilities(program, x, n);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (r[i * k + c]! > r[i * k + b]!) b = c;
    out.push(b);
  }
  return out;
}

/** Run the spec's evaluate metrics once. Never throws for a single failing metric (records `<name>_error`). */
export async function evaluateProgram(program: Program, o: EvalOptions): Promise<EvalResult> {
  const metrics: Record<string, MetricValue> = {};
  const files: string[] = [];
  for (const m of program.meta.evaluate.metrics) {
    if (o.only && !o.only.includes(m.name)) continue;
    try {
      await runMetric(program, m.name, m.args ?? {}, o, metrics, files);
    } catch (e) {
      metrics[`${m.name}_error`] = (e as Error).message;
    }
  }
  return { step: o.step, metrics, files };
}
