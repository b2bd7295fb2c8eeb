// Fréchet distance between Gaussians fitted to two feature sets:
// ||mu_a - mu_b||^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^{1/2} S_b S_a^{1/2})^{1/2}),
// with unbiased covariances (numpy's np.cov default). The symmetric form avoids the non-symmetric sqrtm.

import { MetricError, checkMatrix, matMul, meanCov, sqrtmPsd, symEig, type Matrix } from "./matrix.ts";

export interface Gaussian {
  mean: Float64Array;
  cov: Float64Array;
  d: number;
}

export function frechetGaussians(a: Gaussian, b: Gaussian): number {
  if (a.d !== b.d) throw new MetricError(`Fréchet distance: dimensions ${a.d} vs ${b.d}`);
  const d = a.d;
  let m = 0;
  let tr = 0;
  for (let j = 0; j < d; j++) {
    m += (a.mean[j]! - b.mean[j]!) ** 2;
    tr += a.cov[j * d + j]! + b.cov[j * d + j]!;
  }
  const sa = sqrtmPsd(a.cov, d);
  const inner = matMul(matMul(sa, b.cov, d, d, d), sa, d, d, d);
  for (let i = 0; i < d; i++)
    for (let j = i + 1; j < d; j++) {
      const s = (inner[i * d + j]! + inner[j * d + i]!) / 2; // symmetrize round-off
      inner[i * d + j] = s;
      inner[j * d + i] = s;
    }
  const { values } = symEig(inner, d);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(0, v));
  return Math.max(0, m + tr - 2 * trSqrt);
}

/** Fréchet distance between the Gaussian fits of two feature matrices (rows = samples). */
export function frechetDistance(featsA: Matrix, featsB: Matrix): number {
  checkMatrix(featsA, "frechetDistance(A)");
  checkMatrix(featsB, "frechetDistance(B)");
  if (featsA.d !== featsB.d) throw new MetricError(`frechetDistance: ${featsA.d} vs ${featsB.d} features`);
  if (featsA.n < 2 || featsB.n < 2) throw new MetricError("frechetDistance: need at least 2 samples per set");
  const a = meanCov(featsA, 1);
  const b = meanCov(featsB, 1);
  return frechetGaussians({ ...a, d: featsA.d }, { ...b, d: featsB.d });
}
