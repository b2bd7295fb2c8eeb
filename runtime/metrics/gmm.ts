// Gaussian-mixture EM (the baseline GAN-learned GMMs are compared against), mixture negative log-likelihood and
// parameter error under the best label permutation. The EM loop mirrors scikit-learn's GaussianMixture (same
// M-step formulas, reg_covar on the diagonal, stop when the mean log-likelihood changes by less than tol) so both
// give the same answer from the same initialization (experiments/em_vs_sklearn.*).

import { hungarian } from "./hungarian.ts";
import { kmeans } from "./kmeans.ts";
import { MetricError, checkMatrix, cholesky, type Floats, type Matrix } from "./matrix.ts";
import { mulberry32 } from "./rng.ts";
import { logSumExp } from "./stats.ts";

export type CovType = "full" | "diag" | "spherical";

export interface Gmm {
  k: number;
  d: number;
  weights: Float64Array;
  /** k x d */
  means: Float64Array;
  /** k x d x d full matrices whatever the covariance type (diagonal / scaled identity for diag / spherical) */
  covs: Float64Array;
}

export interface GmmFit extends Gmm {
  cov: CovType;
  /** mean log-likelihood per sample of the training data under the returned parameters */
  logLik: number;
  iters: number;
  converged: boolean;
}

export interface EmOptions {
  cov?: CovType;
  /** independent k-means++ initializations; the best final log-likelihood wins (default 1) */
  restarts?: number;
  /** stop when the mean log-likelihood changes by less than tol (default 1e-3, sklearn's default) */
  tol?: number;
  maxIter?: number;
  seed?: number;
  /** added to covariance diagonals for stability (default 1e-6, sklearn's reg_covar) */
  reg?: number;
  /** explicit starting parameters (then restarts is ignored) */
  init?: { means: ArrayLike<number>; covs: ArrayLike<number>; weights: ArrayLike<number> };
}

const LOG2PI = Math.log(2 * Math.PI);
const NK_EPS = 10 * 2.220446049250313e-16; // sklearn adds 10 * float eps to component masses

export function fitGmmEm(X: Floats, n: number, d: number, k: number, opts: EmOptions = {}): GmmFit {
  checkMatrix({ data: X, n, d }, "fitGmmEm");
  if (!Number.isInteger(k) || k < 1) throw new MetricError(`fitGmmEm: k must be a positive integer, got ${k}`);
  if (n < k) throw new MetricError(`fitGmmEm: ${n} samples is fewer than k = ${k} components`);
  const cov = opts.cov ?? "full";
  if (!["full", "diag", "spherical"].includes(cov)) throw new MetricError(`fitGmmEm: unknown covariance type '${cov}'`);
  const tol = opts.tol ?? 1e-3;
  const maxIter = opts.maxIter ?? 100;
  const reg = opts.reg ?? 1e-6;
  const rng = mulberry32(opts.seed ?? 0);
  const restarts = opts.init ? 1 : Math.max(1, opts.restarts ?? 1);
  let best: GmmFit | null = null;
  for (let r = 0; r < restarts; r++) {
    let g: Gmm;
    if (opts.init) {
      g = {
        k,
        d,
        weights: Float64Array.from(opts.init.weights),
        means: Float64Array.from(opts.init.means),
        covs: Float64Array.from(opts.init.covs),
      };
      if (g.weights.length !== k || g.means.length !== k * d || g.covs.length !== k * d * d)
        throw new MetricError(`fitGmmEm: init needs ${k} weights, ${k}x${d} means and ${k}x${d}x${d} covs`);
    } else {
      g = gmmInitKmeans(X, n, d, k, { cov, reg, seed: rng.int(2 ** 31) });
    }
    const fit = runEm(X, n, d, g, cov, tol, maxIter, reg);
    if (best === null || fit.logLik > best.logLik) best = fit;
  }
  return best!;
}

/** Starting mixture from one k-means++ run: hard labels as responsibilities, then one M-step
 * (sklearn's init_params="kmeans"). */
export function gmmInitKmeans(
  X: Floats,
  n: number,
  d: number,
  k: number,
  opts: { cov?: CovType; reg?: number; seed?: number } = {},
): Gmm {
  const km = kmeans(X, n, d, k, { seed: opts.seed ?? 0, inits: 1 });
  const resp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) resp[i * k + km.labels[i]!] = 1;
  return mStep(X, n, d, k, resp, opts.cov ?? "full", opts.reg ?? 1e-6);
}

function runEm(X: Floats, n: number, d: number, g0: Gmm, cov: CovType, tol: number, maxIter: number, reg: number): GmmFit {
  let g = g0;
  let lower = -Infinity;
  let converged = false;
  let iters = 0;
  const resp = new Float64Array(n * g.k);
  for (let it = 1; it <= maxIter; it++) {
    iters = it;
    const prev = lower;
    lower = eStep(X, n, d, g, resp);
    g = mStep(X, n, d, g.k, resp, cov, reg);
    if (Math.abs(lower - prev) < tol) {
      converged = true;
      break;
    }
  }
  const logLik = -gmmNll({ data: X, n, d }, g);
  return { ...g, cov, logLik, iters, converged };
}

/** Log-density of every row under every component plus log weight: n x k. */
export function weightedLogProb(X: Floats, n: number, d: number, g: Gmm): Float64Array {
  const out = new Float64Array(n * g.k);
  const diff = new Float64Array(d);
  for (let c = 0; c < g.k; c++) {
    const L = cholesky(g.covs.subarray(c * d * d, (c + 1) * d * d), d);
    if (!L) throw new MetricError(`component ${c} has a covariance that is not positive definite`);
    let logDet = 0;
    for (let j = 0; j < d; j++) logDet += Math.log(L[j * d + j]!);
    const lw = Math.log(g.weights[c]!);
    for (let i = 0; i < n; i++) {
      // forward substitution L y = x - mu; Mahalanobis = ||y||^2
      let maha = 0;
      for (let a = 0; a < d; a++) {
        let s = X[i * d + a]! - g.means[c * d + a]!;
        for (let b = 0; b < a; b++) s -= L[a * d + b]! * diff[b]!;
        const y = s / L[a * d + a]!;
        diff[a] = y;
        maha += y * y;
      }
      out[i * g.k + c] = -0.5 * (d * LOG2PI + maha) - logDet + lw;
    }
  }
  return out;
}

/** Fills resp (n x k) with posteriors; returns the mean log-likelihood per sample. */
function eStep(X: Floats, n: number, d: number, g: Gmm, resp: Float64Array): number {
  const lp = weightedLogProb(X, n, d, g);
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const norm = logSumExp(lp, i * g.k, g.k);
    tot += norm;
    for (let c = 0; c < g.k; c++) resp[i * g.k + c] = Math.exp(lp[i * g.k + c]! - norm);
  }
  return tot / n;
}

function mStep(X: Floats, n: number, d: number, k: number, resp: Float64Array, cov: CovType, reg: number): Gmm {
  const nk = new Float64Array(k).fill(NK_EPS);
  const means = new Float64Array(k * d);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c]!;
      if (r === 0) continue;
      nk[c]! += r;
      for (let j = 0; j < d; j++) means[c * d + j]! += r * X[i * d + j]!;
    }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c * d + j]! /= nk[c]!;
  const covs = new Float64Array(k * d * d);
  for (let c = 0; c < k; c++) {
    const S = covs.subarray(c * d * d, (c + 1) * d * d);
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + c]!;
      if (r === 0) continue;
      for (let a = 0; a < d; a++) {
        const da = X[i * d + a]! - means[c * d + a]!;
        if (cov === "full") for (let b = 0; b <= a; b++) S[a * d + b]! += r * da * (X[i * d + b]! - means[c * d + b]!);
        else S[a * d + a]! += r * da * da;
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        const v = S[a * d + b]! / nk[c]!;
        S[a * d + b] = v;
        S[b * d + a] = v;
      }
      S[a * d + a]! += reg;
    }
    if (cov === "spherical") {
      let m = 0;
      for (let a = 0; a < d; a++) m += S[a * d + a]!;
      for (let a = 0; a < d; a++) S[a * d + a] = m / d;
    }
  }
  const weights = Float64Array.from(nk, (v) => v / n);
  return { k, d, weights, means, covs };
}

/** Mean negative log-likelihood per sample of X under the mixture (nats). */
export function gmmNll(X: Matrix, g: Gmm): number {
  checkMatrix(X, "gmmNll");
  if (X.d !== g.d) throw new MetricError(`gmmNll: data is ${X.d}-D, the mixture ${g.d}-D`);
  if (X.n === 0) throw new MetricError("gmmNll: no samples");
  const lp = weightedLogProb(X.data, X.n, X.d, g);
  let tot = 0;
  for (let i = 0; i < X.n; i++) tot += logSumExp(lp, i * g.k, g.k);
  return -tot / X.n;
}

/** Most probable component of each row. */
export function gmmPredict(X: Matrix, g: Gmm): Int32Array {
  const lp = weightedLogProb(X.data, X.n, X.d, g);
  const out = new Int32Array(X.n);
  for (let i = 0; i < X.n; i++) {
    let b = 0;
    for (let c = 1; c < g.k; c++) if (lp[i * g.k + c]! > lp[i * g.k + b]!) b = c;
    out[i] = b;
  }
  return out;
}

export interface ParamErrorResult {
  /** mean over components of ||mu_est - mu_true||_2 under the best permutation */
  meanError: number;
  /** mean over components of ||S_est - S_true||_F under the same permutation (NaN if covs missing) */
  covError: number;
  /** perm[i] = estimated component matched to true component i */
  perm: number[];
}

/**
 * Parameter error under the label permutation minimizing the mean error of the means. Exhaustive search for
 * k <= 6, Hungarian assignment above (same optimum, polynomial time).
 */
export function paramError(
  est: { means: ArrayLike<number>; covs?: ArrayLike<number>; k: number; d: number },
  truth: { means: ArrayLike<number>; covs?: ArrayLike<number>; k: number; d: number },
): ParamErrorResult {
  if (est.k !== truth.k || est.d !== truth.d)
    throw new MetricError(`paramError: estimate is ${est.k}x${est.d}, truth ${truth.k}x${truth.d}`);
  const { k, d } = truth;
  const cost = Array.from({ length: k }, (_, t) =>
    Array.from({ length: k }, (_, e) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (est.means[e * d + j]! - truth.means[t * d + j]!) ** 2;
      return Math.sqrt(s);
    }),
  );
  let perm: number[];
  if (k <= 6) {
    let bestCost = Infinity;
    perm = [];
    for (const p of permutations(k)) {
      const c = p.reduce((a, e, t) => a + cost[t]![e]!, 0);
      if (c < bestCost) {
        bestCost = c;
        perm = p;
      }
    }
  } else perm = hungarian(cost).rowToCol;
  const meanError = perm.reduce((a, e, t) => a + cost[t]![e]!, 0) / k;
  let covError = NaN;
  if (est.covs && truth.covs) {
    covError = 0;
    perm.forEach((e, t) => {
      let s = 0;
      for (let j = 0; j < d * d; j++) s += (est.covs![e * d * d + j]! - truth.covs![t * d * d + j]!) ** 2;
      covError += Math.sqrt(s);
    });
    covError /= k;
  }
  return { meanError, covError, perm };
}

function* permutations(k: number): Generator<number[]> {
  const a = Array.from({ length: k }, (_, i) => i);
  const c = Array<number>(k).fill(0);
  yield a.slice();
  let i = 0;
  while (i < k) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!;
      [a[j], a[i]] = [a[i]!, a[j]!];
      yield a.slice();
      c[i]!++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
}
