// k-means with greedy k-means++ seeding and several restarts, following scikit-learn's KMeans (the clustering the
// NDB reference code uses): n_init restarts keep the lowest inertia, Lloyd iterations stop on unchanged labels or
// when the squared center shift falls below tol * mean per-feature variance.

import { MetricError, checkMatrix, sqDist, type Floats } from "./matrix.ts";
import { mulberry32, type MetricRng } from "./rng.ts";

export interface KMeansOptions {
  seed?: number;
  /** restarts; the one with the lowest inertia wins (sklearn's n_init; 10 in the NDB reference era) */
  inits?: number;
  maxIter?: number;
  /** relative tolerance, scaled by the mean per-feature variance like sklearn (default 1e-4) */
  tol?: number;
}

export interface KMeansResult {
  /** k x d row-major */
  centers: Float64Array;
  /** cluster index per row */
  labels: Int32Array;
  /** sum of squared distances to the assigned centers */
  inertia: number;
  iters: number;
}

export function kmeans(X: Floats, n: number, d: number, k: number, opts: KMeansOptions = {}): KMeansResult {
  checkMatrix({ data: X, n, d }, "kmeans");
  if (!Number.isInteger(k) || k < 1) throw new MetricError(`kmeans: k must be a positive integer, got ${k}`);
  if (n < k) throw new MetricError(`kmeans: ${n} samples is fewer than k = ${k} clusters`);
  const inits = opts.inits ?? 10;
  const maxIter = opts.maxIter ?? 100;
  const rng = mulberry32(opts.seed ?? 0);
  const tol = (opts.tol ?? 1e-4) * meanVariance(X, n, d);
  let best: KMeansResult | null = null;
  for (let r = 0; r < inits; r++) {
    const centers = kmeansPlusPlus(X, n, d, k, rng);
    const res = lloyd(X, n, d, k, centers, maxIter, tol);
    if (best === null || res.inertia < best.inertia) best = res;
  }
  return best!;
}

function meanVariance(X: Floats, n: number, d: number): number {
  let tot = 0;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += X[i * d + j]!;
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (X[i * d + j]! - m) ** 2;
    tot += v / n;
  }
  return tot / d;
}

/** Greedy k-means++ (Arthur & Vassilvitskii; sklearn tries 2 + floor(ln k) candidates per step, keeps the best).
 * Exact triangle-inequality pruning: a point whose nearest center a is at least twice its distance away from the
 * candidate c (|a - c| >= 2 |x - a|) cannot get closer to c, so its distance is not computed. */
export function kmeansPlusPlus(X: Floats, n: number, d: number, k: number, rng: MetricRng): Float64Array {
  const centers = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  centers.set(X.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  const nearest = new Int32Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = sqDist(X, i * d, centers, 0, d);
    pot += closest[i]!;
  }
  const cand = new Float64Array(n);
  const bestDist = new Float64Array(n);
  const centerDist = new Float64Array(k);
  for (let c = 1; c < k; c++) {
    let bestPot = Infinity;
    let bestId = -1;
    for (let t = 0; t < trials; t++) {
      // sample proportionally to the current squared distance
      const target = rng.uniform() * pot;
      let acc = 0;
      let id = n - 1;
      for (let i = 0; i < n; i++) {
        acc += closest[i]!;
        if (acc > target) {
          id = i;
          break;
        }
      }
      for (let c2 = 0; c2 < c; c2++) centerDist[c2] = sqDist(X, id * d, centers, c2 * d, d);
      let p = 0;
      for (let i = 0; i < n; i++) {
        const ci = closest[i]!;
        const dd = centerDist[nearest[i]!]! >= 4 * ci ? ci : Math.min(ci, sqDist(X, i * d, X, id * d, d));
        cand[i] = dd;
        p += dd;
      }
      if (p < bestPot) {
        bestPot = p;
        bestId = id;
        bestDist.set(cand);
      }
    }
    centers.set(X.subarray(bestId * d, bestId * d + d), c * d);
    for (let i = 0; i < n; i++) if (bestDist[i]! < closest[i]!) nearest[i] = c;
    closest.set(bestDist);
    pot = bestPot;
  }
  return centers;
}

/** Nearest center per row (squared L2), optionally over a subset of the coordinates. */
export function assignNearest(
  X: Floats,
  n: number,
  d: number,
  centers: Floats,
  k: number,
  dims?: ArrayLike<number>,
): { labels: Int32Array; dist: Float64Array } {
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let bi = 0;
    for (let c = 0; c < k; c++) {
      let s: number;
      if (dims) {
        s = 0;
        for (let t = 0; t < dims.length; t++) {
          const j = dims[t]!;
          const v = X[i * d + j]! - centers[c * d + j]!;
          s += v * v;
        }
      } else s = sqDist(X, i * d, centers, c * d, d);
      if (s < best) {
        best = s;
        bi = c;
      }
    }
    labels[i] = bi;
    dist[i] = best;
  }
  return { labels, dist };
}

/**
 * Lloyd iterations with Hamerly's bounds (exact: same fixed points and labels as plain Lloyd, but most
 * point-center distances are skipped once clusters settle). upper[i] bounds the distance to the assigned center,
 * lower[i] the distance to every other center; a point is rescanned only when the bounds cannot rule out a change.
 */
function lloyd(
  X: Floats,
  n: number,
  d: number,
  k: number,
  init: Float64Array,
  maxIter: number,
  tol: number,
): KMeansResult {
  let centers = init;
  let labels: Int32Array = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const half = new Float64Array(k);
  const move = new Float64Array(k);
  let fullScan = true;
  let iters = 0;
  let strict = false;
  const scan = (i: number): void => {
    let b1 = Infinity;
    let b2 = Infinity;
    let bi = 0;
    for (let c = 0; c < k; c++) {
      const s = sqDist(X, i * d, centers, c * d, d);
      if (s < b1) {
        b2 = b1;
        b1 = s;
        bi = c;
      } else if (s < b2) b2 = s;
    }
    labels[i] = bi;
    upper[i] = Math.sqrt(b1);
    lower[i] = Math.sqrt(b2);
  };
  for (let it = 0; it < maxIter; it++) {
    iters = it + 1;
    prev.set(labels);
    if (fullScan) {
      for (let i = 0; i < n; i++) scan(i);
      fullScan = false;
    } else {
      for (let c = 0; c < k; c++) {
        let m = Infinity;
        for (let c2 = 0; c2 < k; c2++) if (c2 !== c) m = Math.min(m, sqDist(centers, c * d, centers, c2 * d, d));
        half[c] = Math.sqrt(m) / 2;
      }
      for (let i = 0; i < n; i++) {
        const bound = Math.max(half[labels[i]!]!, lower[i]!);
        if (upper[i]! <= bound) continue;
        upper[i] = Math.sqrt(sqDist(X, i * d, centers, labels[i]! * d, d));
        if (upper[i]! <= bound) continue;
        scan(i);
      }
    }
    const next = new Float64Array(k * d);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const c = labels[i]!;
      counts[c]!++;
      for (let j = 0; j < d; j++) next[c * d + j]! += X[i * d + j]!;
    }
    if (counts.some((c) => c === 0)) {
      // rare: exact distances for the relocation rule, then rebuild all bounds with a full scan next time
      const a = assignNearest(X, n, d, centers, k);
      labels = a.labels;
      counts.fill(0);
      next.fill(0);
      for (let i = 0; i < n; i++) {
        const c = labels[i]!;
        counts[c]!++;
        for (let j = 0; j < d; j++) next[c * d + j]! += X[i * d + j]!;
      }
      relocateEmpty(X, n, d, k, labels, a.dist, counts, next);
      fullScan = true;
    }
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) next[c * d + j]! /= counts[c]!;
    let same = true;
    for (let i = 0; i < n; i++)
      if (labels[i] !== prev[i]) {
        same = false;
        break;
      }
    if (same) {
      strict = true; // centers were already the means of these labels
      break;
    }
    let shift = 0;
    let max1 = 0;
    let max2 = 0;
    let arg1 = -1;
    for (let c = 0; c < k; c++) {
      const m2 = sqDist(next, c * d, centers, c * d, d);
      shift += m2;
      const m = Math.sqrt(m2);
      move[c] = m;
      if (m > max1) {
        max2 = max1;
        max1 = m;
        arg1 = c;
      } else if (m > max2) max2 = m;
    }
    centers = next;
    for (let i = 0; i < n; i++) {
      upper[i]! += move[labels[i]!]!;
      lower[i]! -= labels[i] === arg1 ? max2 : max1;
    }
    if (shift <= tol) break;
  }
  let inertia = 0;
  if (!strict) {
    // final assignment so labels match the returned centers
    const a = assignNearest(X, n, d, centers, k);
    labels = a.labels;
    for (let i = 0; i < n; i++) inertia += a.dist[i]!;
  } else for (let i = 0; i < n; i++) inertia += sqDist(X, i * d, centers, labels[i]! * d, d);
  return { centers, labels, inertia, iters };
}

/** Empty clusters take the points farthest from their current centers (sklearn's relocation rule). */
function relocateEmpty(
  X: Floats,
  n: number,
  d: number,
  k: number,
  labels: Int32Array,
  dist: Float64Array,
  counts: Float64Array,
  sums: Float64Array,
): void {
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length === 0) return;
  const far = Array.from({ length: n }, (_, i) => i).sort((a, b) => dist[b]! - dist[a]!);
  let f = 0;
  for (const c of empty) {
    // skip points whose cluster would become empty
    while (f < n && counts[labels[far[f]!]!]! <= 1) f++;
    if (f >= n) break;
    const i = far[f++]!;
    const old = labels[i]!;
    counts[old]!--;
    for (let j = 0; j < d; j++) sums[old * d + j]! -= X[i * d + j]!;
    labels[i] = c;
    counts[c] = 1;
    dist[i] = 0;
    for (let j = 0; j < d; j++) sums[c * d + j] = X[i * d + j]!;
  }
}
