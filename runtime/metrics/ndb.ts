// NDB (number of statistically different bins) and JS divergence, Richardson & Weiss 2018, following the authors'
// reference code (eitanrich/gans-n-gmms utils/ndb.py) step by step; see docs/metrics.md for the definition.

import { assignNearest, kmeans, type KMeansOptions } from "./kmeans.ts";
import { MetricError, checkMatrix, type Matrix } from "./matrix.ts";
import { mulberry32, sampleWithoutReplacement } from "./rng.ts";
import { erfc } from "./stats.ts";

export interface NdbOptions {
  /** number of k-means bins K (default 100) */
  bins?: number;
  /** two-tailed significance level of the per-bin z-test (default 0.05); ignored when zThreshold is set */
  significance?: number;
  /** flag a bin when |z| > zThreshold instead of using a p-value (the MNIST demo uses 4) */
  zThreshold?: number;
  /** subtract the training mean and divide by (training std + 1e-6) per dimension (default false) */
  whiten?: boolean;
  /** cluster and assign on a random subset of this many coordinates; default d/6 when d > 1000, else all */
  maxDims?: number;
  /** seeds the coordinate subset and k-means */
  seed?: number;
  /** k-means restarts (default 10, sklearn's n_init of the reference era) and iterations (default 100) */
  kmeans?: Omit<KMeansOptions, "seed">;
}

/** Bins built on the reference (training) set; reusable for many query sets. */
export interface NdbBins {
  k: number;
  d: number;
  /** k x d bin centers in whitened space, sorted by decreasing training bin size */
  centers: Float64Array;
  proportions: Float64Array;
  refSampleSize: number;
  mean: Float64Array | null;
  std: Float64Array | null;
  usedDims: number[];
  significance: number;
  zThreshold: number | undefined;
}

export interface NdbResult {
  ndb: number;
  ndbOverK: number;
  /** Jensen-Shannon divergence between the bin histograms, natural log (max ln 2) */
  js: number;
  binProportionsTrain: number[];
  binProportionsTest: number[];
  /** indices of the statistically different bins */
  significantBins: number[];
  different: boolean[];
  z: number[];
  pValues: number[];
  nTrain: number;
  nTest: number;
  /** bin index of each query sample */
  assignment: Int32Array;
}

const NDB_EPS = 1e-6;

export function ndbBins(train: Matrix, opts: NdbOptions = {}): NdbBins {
  checkMatrix(train, "ndb(train)");
  const { n, d } = train;
  const k = opts.bins ?? 100;
  if (!Number.isInteger(k) || k < 1) throw new MetricError(`ndb: bins must be a positive integer, got ${k}`);
  if (n < k) throw new MetricError(`ndb: ${n} training samples is fewer than ${k} bins (aim for ~500 per bin)`);
  const significance = opts.significance ?? 0.05;
  if (!(significance > 0 && significance < 1)) throw new MetricError(`ndb: significance must be in (0,1), got ${significance}`);
  const rng = mulberry32(opts.seed ?? 0);

  let mean: Float64Array | null = null;
  let std: Float64Array | null = null;
  if (opts.whiten) {
    mean = new Float64Array(d);
    std = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += train.data[i * d + j]!;
    for (let j = 0; j < d; j++) mean[j]! /= n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j]! += (train.data[i * d + j]! - mean[j]!) ** 2;
    for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]! / n) + NDB_EPS;
  }
  const w = whitenData(train, mean, std);

  const maxDims = opts.maxDims ?? (d > 1000 ? Math.floor(d / 6) : d);
  const dUsed = Math.min(d, maxDims);
  const usedDims = dUsed === d ? Array.from({ length: d }, (_, j) => j) : sampleWithoutReplacement(d, dUsed, rng).sort((a, b) => a - b);
  const sub = new Float64Array(n * dUsed);
  for (let i = 0; i < n; i++) for (let t = 0; t < dUsed; t++) sub[i * dUsed + t] = w[i * d + usedDims[t]!]!;

  const km = kmeans(sub, n, dUsed, k, { maxIter: 100, inits: 10, ...opts.kmeans, seed: rng.int(2 ** 31) });
  // bin centers: mean of the whitened samples of each cluster over ALL coordinates
  const counts = new Float64Array(k);
  const sums = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    const c = km.labels[i]!;
    counts[c]!++;
    for (let j = 0; j < d; j++) sums[c * d + j]! += w[i * d + j]!;
  }
  // sort bins by decreasing size (stable on ties, like argsort of unique labels' counts)
  const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const centers = new Float64Array(k * d);
  const proportions = new Float64Array(k);
  order.forEach((c, r) => {
    proportions[r] = counts[c]! / n;
    for (let j = 0; j < d; j++) centers[r * d + j] = sums[c * d + j]! / counts[c]!;
  });
  return { k, d, centers, proportions, refSampleSize: n, mean, std, usedDims, significance, zThreshold: opts.zThreshold };
}

export function ndbEvaluate(bins: NdbBins, query: Matrix): NdbResult {
  checkMatrix(query, "ndb(test)");
  if (query.d !== bins.d) throw new MetricError(`ndb: query has ${query.d} dimensions, the bins were built on ${bins.d}`);
  if (query.n < 1) throw new MetricError("ndb: empty query set");
  const w = whitenData(query, bins.mean, bins.std);
  const { labels } = assignNearest(w, query.n, query.d, bins.centers, bins.k, bins.usedDims);
  const q = new Float64Array(bins.k);
  for (let i = 0; i < query.n; i++) q[labels[i]!]!++;
  for (let c = 0; c < bins.k; c++) q[c]! /= query.n;
  const t = twoProportionsZTest(bins.proportions, bins.refSampleSize, q, query.n, {
    significance: bins.significance,
    zThreshold: bins.zThreshold,
  });
  const ndb = t.different.filter(Boolean).length;
  return {
    ndb,
    ndbOverK: ndb / bins.k,
    js: jsDivergence(bins.proportions, q),
    binProportionsTrain: Array.from(bins.proportions),
    binProportionsTest: Array.from(q),
    significantBins: t.different.flatMap((b, i) => (b ? [i] : [])),
    different: t.different,
    z: t.z,
    pValues: t.pValues,
    nTrain: bins.refSampleSize,
    nTest: query.n,
    assignment: labels,
  };
}

/** Build bins on `train` and evaluate `test` against them. */
export function ndb(train: Matrix, test: Matrix, opts: NdbOptions = {}): NdbResult {
  return ndbEvaluate(ndbBins(train, opts), test);
}

/**
 * Per-bin two-proportion z-test with pooled standard error: p = (p1 n1 + p2 n2)/(n1+n2),
 * SE = sqrt(p(1-p)(1/n1+1/n2)), z = (p1-p2)/SE, p-value = 2 Phi(-|z|).
 * A bin empty (or full) in both sets has SE = 0; the reference code gets NaN there and never flags it; we report
 * z = 0, p = 1 (same decision).
 */
export function twoProportionsZTest(
  p1: ArrayLike<number>,
  n1: number,
  p2: ArrayLike<number>,
  n2: number,
  opts: { significance?: number; zThreshold?: number } = {},
): { z: number[]; pValues: number[]; different: boolean[] } {
  if (p1.length !== p2.length) throw new MetricError(`z-test: ${p1.length} vs ${p2.length} bins`);
  const alpha = opts.significance ?? 0.05;
  const z: number[] = [];
  const pValues: number[] = [];
  const different: boolean[] = [];
  for (let i = 0; i < p1.length; i++) {
    const p = (p1[i]! * n1 + p2[i]! * n2) / (n1 + n2);
    const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
    const zi = se > 0 ? (p1[i]! - p2[i]!) / se : 0;
    const pv = erfc(Math.abs(zi) / Math.SQRT2); // = 2 * Phi(-|z|)
    z.push(zi);
    pValues.push(pv);
    different.push(opts.zThreshold !== undefined ? Math.abs(zi) > opts.zThreshold : pv < alpha);
  }
  return { z, pValues, different };
}

/** KL(p||q) in nats, summing over p > 0 only. */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    if (pi > 0) {
      if (!(q[i]! > 0)) throw new MetricError(`KL divergence undefined: p[${i}] > 0 but q[${i}] = 0`);
      s += pi * Math.log(pi / q[i]!);
    }
  }
  return s;
}

/** Jensen-Shannon divergence in nats: KL(p||m)/2 + KL(q||m)/2 with m = (p+q)/2. */
export function jsDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new MetricError(`JS divergence: ${p.length} vs ${q.length} bins`);
  const m = Array.from(p, (v, i) => (v + q[i]!) / 2);
  return 0.5 * (klDivergence(p, m) + klDivergence(q, m));
}

function whitenData(m: Matrix, mean: Float64Array | null, std: Float64Array | null): Float64Array {
  const { n, d } = m;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const v = m.data[i * d + j]!;
      out[i * d + j] = mean && std ? (v - mean[j]!) / std[j]! : v;
    }
  return out;
}

/** Plain-JSON form of the bins, so a run can build them once and cache them (e.g. in its run directory). */
export function ndbBinsToJson(b: NdbBins): Record<string, unknown> {
  return {
    ...b,
    centers: Array.from(b.centers),
    proportions: Array.from(b.proportions),
    mean: b.mean && Array.from(b.mean),
    std: b.std && Array.from(b.std),
  };
}

export function ndbBinsFromJson(j: unknown): NdbBins {
  const o = j as Record<string, unknown>;
  const num = (v: unknown, what: string): number => {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new MetricError(`ndb bins file: '${what}' is not a number`);
    return v;
  };
  const arr = (v: unknown, len: number, what: string): Float64Array => {
    if (!Array.isArray(v) || v.length !== len || v.some((x) => typeof x !== "number"))
      throw new MetricError(`ndb bins file: '${what}' must be ${len} numbers`);
    return Float64Array.from(v as number[]);
  };
  if (typeof o !== "object" || o === null) throw new MetricError("ndb bins file: not an object");
  const k = num(o.k, "k");
  const d = num(o.d, "d");
  const usedDims = o.usedDims;
  if (!Array.isArray(usedDims) || usedDims.some((x) => !Number.isInteger(x) || x < 0 || x >= d))
    throw new MetricError("ndb bins file: 'usedDims' must be coordinate indices");
  return {
    k,
    d,
    centers: arr(o.centers, k * d, "centers"),
    proportions: arr(o.proportions, k, "proportions"),
    refSampleSize: num(o.refSampleSize, "refSampleSize"),
    mean: o.mean == null ? null : arr(o.mean, d, "mean"),
    std: o.std == null ? null : arr(o.std, d, "std"),
    usedDims: usedDims as number[],
    significance: num(o.significance, "significance"),
    zThreshold: o.zThreshold == null ? undefined : num(o.zThreshold, "zThreshold"),
  };
}
