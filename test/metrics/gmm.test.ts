import { describe, expect, it } from "vitest";
import { fitGmmEm, gmmNll, gmmPredict, paramError, type Gmm } from "../../runtime/metrics/gmm.ts";
import { fromRows } from "../../runtime/metrics/matrix.ts";
import { clusterAccuracy } from "../../runtime/metrics/clustering.ts";
import { mulberry32 } from "../../runtime/metrics/rng.ts";

function sampleGmm(g: Gmm, n: number, seed: number): { data: Float64Array; labels: Int32Array } {
  // exact sampling through the Cholesky factor of each covariance (2-D here)
  const rng = mulberry32(seed);
  const data = new Float64Array(n * g.d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    let c = 0;
    while (c < g.k - 1 && u >= g.weights[c]!) u -= g.weights[c++]!;
    labels[i] = c;
    const S = g.covs.subarray(c * 4, c * 4 + 4);
    const l00 = Math.sqrt(S[0]!);
    const l10 = S[2]! / l00;
    const l11 = Math.sqrt(S[3]! - l10 * l10);
    const e0 = rng.normal();
    const e1 = rng.normal();
    data[i * 2] = g.means[c * 2]! + l00 * e0;
    data[i * 2 + 1] = g.means[c * 2 + 1]! + l10 * e0 + l11 * e1;
  }
  return { data, labels };
}

const truth: Gmm = {
  k: 3,
  d: 2,
  weights: Float64Array.from([0.5, 0.3, 0.2]),
  means: Float64Array.from([0, 0, 6, 0, 0, 6]),
  covs: Float64Array.from([1, 0.5, 0.5, 1, 0.5, 0, 0, 2, 1, -0.3, -0.3, 0.4]),
};

describe("gmmNll", () => {
  it("single standard normal, hand-computed", () => {
    const g: Gmm = { k: 1, d: 1, weights: Float64Array.from([1]), means: Float64Array.from([0]), covs: Float64Array.from([1]) };
    // -log N(0;0,1) = 0.5 log(2 pi); -log N(2;0,1) = 0.5 log(2 pi) + 2
    expect(gmmNll(fromRows([[0], [2]]), g)).toBeCloseTo(0.5 * Math.log(2 * Math.PI) + 1, 12);
  });
  it("two-component mixture and a correlated covariance, hand-computed", () => {
    const g: Gmm = {
      k: 2,
      d: 2,
      weights: Float64Array.from([0.25, 0.75]),
      means: Float64Array.from([0, 0, 1, 1]),
      covs: Float64Array.from([2, 1, 1, 2, 1, 0, 0, 1]),
    };
    // x = (1, 0): comp 0: det 3, inv = [[2,-1],[-1,2]]/3, maha = 2/3; comp 1: maha = 1
    const p0 = Math.exp(-1 / 3) / (2 * Math.PI * Math.sqrt(3));
    const p1 = Math.exp(-0.5) / (2 * Math.PI);
    expect(gmmNll(fromRows([[1, 0]]), g)).toBeCloseTo(-Math.log(0.25 * p0 + 0.75 * p1), 12);
  });
  it("far-away points stay finite (log-sum-exp)", () => {
    const g: Gmm = { k: 1, d: 1, weights: Float64Array.from([1]), means: Float64Array.from([0]), covs: Float64Array.from([1e-4]) };
    expect(Number.isFinite(gmmNll(fromRows([[1000]]), g))).toBe(true);
  });
});

describe("fitGmmEm", () => {
  const train = sampleGmm(truth, 4000, 1);
  const test = sampleGmm(truth, 4000, 2);
  it("recovers a 3-component full-covariance mixture", () => {
    const fit = fitGmmEm(train.data, 4000, 2, 3, { seed: 1, restarts: 3 });
    expect(fit.converged).toBe(true);
    const err = paramError(fit, truth);
    expect(err.meanError).toBeLessThan(0.1);
    expect(err.covError).toBeLessThan(0.2);
    const nllFit = gmmNll({ data: test.data, n: 4000, d: 2 }, fit);
    const nllTrue = gmmNll({ data: test.data, n: 4000, d: 2 }, truth);
    expect(Math.abs(nllFit - nllTrue)).toBeLessThan(0.02);
    expect(fit.logLik).toBeGreaterThan(-nllTrue - 0.05);
    const acc = clusterAccuracy(gmmPredict({ data: test.data, n: 4000, d: 2 }, fit), test.labels).accuracy;
    expect(acc).toBeGreaterThan(0.95);
  });
  it("diag and spherical constrain the covariances", () => {
    const diag = fitGmmEm(train.data, 4000, 2, 3, { seed: 1, cov: "diag" });
    const sph = fitGmmEm(train.data, 4000, 2, 3, { seed: 1, cov: "spherical" });
    for (let c = 0; c < 3; c++) {
      expect(diag.covs[c * 4 + 1]).toBe(0);
      expect(sph.covs[c * 4 + 1]).toBe(0);
      expect(sph.covs[c * 4]).toBe(sph.covs[c * 4 + 3]);
    }
    const full = fitGmmEm(train.data, 4000, 2, 3, { seed: 1, cov: "full" });
    expect(full.logLik).toBeGreaterThan(diag.logLik);
    expect(diag.logLik).toBeGreaterThanOrEqual(sph.logLik - 1e-9);
  });
  it("one EM step from a given init matches the hand M-step", () => {
    // two far-apart 1-D clusters: responsibilities are ~one-hot, so one step gives sample means/variances
    const X = Float64Array.from([-1, 0, 1, 9, 10, 11]);
    const fit = fitGmmEm(X, 6, 1, 2, {
      maxIter: 1,
      init: { means: [0, 10], covs: [1, 1], weights: [0.5, 0.5] },
    });
    expect(Array.from(fit.means)).toEqual([expect.closeTo(0, 9), expect.closeTo(10, 9)]);
    expect(fit.covs[0]).toBeCloseTo(2 / 3 + 1e-6, 9);
    expect(fit.weights[0]).toBeCloseTo(0.5, 12);
  });
  it("bad input is a clear error", () => {
    expect(() => fitGmmEm(Float64Array.from([1, 2]), 2, 1, 3)).toThrow(/fewer than k/);
    expect(() => fitGmmEm(Float64Array.from([1, 2, 3]), 3, 1, 1, { cov: "tied" as never })).toThrow(/covariance type/);
  });
});

describe("paramError", () => {
  it("finds the permutation (k = 3 exhaustive)", () => {
    const est = { k: 3, d: 1, means: [5, 0, 10], covs: [1, 1, 2] };
    const tru = { k: 3, d: 1, means: [0, 10, 5.5], covs: [1, 1, 1] };
    const r = paramError(est, tru);
    expect(r.perm).toEqual([1, 2, 0]);
    expect(r.meanError).toBeCloseTo(0.5 / 3, 12);
    expect(r.covError).toBeCloseTo(1 / 3, 12);
  });
  it("Hungarian path (k = 8) agrees with the known optimum", () => {
    const k = 8;
    const tru = { k, d: 1, means: Array.from({ length: k }, (_, i) => i * 10) };
    const perm = [3, 7, 0, 5, 1, 6, 2, 4];
    const means = Array<number>(k);
    perm.forEach((e, t) => (means[e] = t * 10 + 0.1));
    const r = paramError({ k, d: 1, means }, tru);
    expect(r.perm).toEqual(perm);
    expect(r.meanError).toBeCloseTo(0.1, 12);
    expect(Number.isNaN(r.covError)).toBe(true);
  });
});
