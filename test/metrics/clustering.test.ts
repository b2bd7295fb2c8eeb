import { describe, expect, it } from "vitest";
import { hungarian } from "../../runtime/metrics/hungarian.ts";
import { clusterAccuracy, nmi } from "../../runtime/metrics/clustering.ts";
import { modeCoverage } from "../../runtime/metrics/coverage.ts";
import { frechetDistance, frechetGaussians } from "../../runtime/metrics/frechet.ts";
import { fromRows } from "../../runtime/metrics/matrix.ts";
import { mulberry32 } from "../../runtime/metrics/rng.ts";
import { ring8, sampleIsoMixture } from "./helpers.ts";

describe("hungarian", () => {
  it("classic 3x3", () => {
    const r = hungarian([
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ]);
    expect(r.cost).toBe(5);
    expect(r.rowToCol).toEqual([1, 0, 2]);
  });
  it("rectangular both ways", () => {
    expect(hungarian([[1, 5, 0]]).rowToCol).toEqual([2]);
    const t = hungarian([[3], [1], [2]]);
    expect(t.rowToCol).toEqual([-1, 0, -1]);
    expect(t.cost).toBe(1);
  });
  it("matches brute force on random 5x5", () => {
    const rng = mulberry32(5);
    for (let trial = 0; trial < 20; trial++) {
      const c = Array.from({ length: 5 }, () => Array.from({ length: 5 }, () => Math.round(rng.uniform() * 20)));
      let best = Infinity;
      const perm = (p: number[], used: Set<number>): void => {
        if (p.length === 5) best = Math.min(best, p.reduce((a, j, i) => a + c[i]![j]!, 0));
        for (let j = 0; j < 5; j++) if (!used.has(j)) perm([...p, j], new Set([...used, j]));
      };
      perm([], new Set());
      expect(hungarian(c).cost).toBe(best);
    }
  });
  it("rejects ragged input", () => {
    expect(() => hungarian([[1, 2], [1]])).toThrow(/row 1/);
  });
});

describe("clusterAccuracy / NMI", () => {
  it("permuted labels are perfect", () => {
    expect(clusterAccuracy([2, 2, 0, 0, 1], [0, 0, 1, 1, 2]).accuracy).toBe(1);
    expect(nmi([2, 2, 0, 0, 1], [0, 0, 1, 1, 2])).toBeCloseTo(1, 12);
  });
  it("hand case", () => {
    // pred clusters {0:[0,0,1], 1:[1,1,1]}; best map 0->0, 1->1 gives 5/6
    const pred = [0, 0, 0, 1, 1, 1];
    const truth = [0, 0, 1, 1, 1, 1];
    expect(clusterAccuracy(pred, truth).accuracy).toBeCloseTo(5 / 6, 12);
    // sklearn 1.2 normalized_mutual_info_score(truth, pred) = 0.47870397138567977 (arithmetic)
    const n = 6;
    const mi = (2 / n) * Math.log((2 * n) / (3 * 2)) + (1 / n) * Math.log((1 * n) / (3 * 4)) + (3 / n) * Math.log((3 * n) / (3 * 4));
    const hU = -2 * 0.5 * Math.log(0.5);
    const hV = -(2 / 6) * Math.log(2 / 6) - (4 / 6) * Math.log(4 / 6);
    expect(nmi(pred, truth)).toBeCloseTo(mi / ((hU + hV) / 2), 12);
    expect(nmi(pred, truth)).toBeCloseTo(0.47870397138567977, 12);
  });
  it("independent labels give NMI 0; single clusters give 1", () => {
    expect(nmi([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
    expect(nmi([3, 3, 3], [1, 1, 1])).toBe(1);
    expect(nmi([0, 0, 0, 0], [0, 1, 0, 1])).toBe(0);
  });
  it("more clusters than classes", () => {
    expect(clusterAccuracy([0, 1, 2, 3], [0, 0, 1, 1]).accuracy).toBe(0.5);
  });
  it("errors", () => {
    expect(() => nmi([0], [0, 1])).toThrow(/length/);
  });
});

describe("modeCoverage", () => {
  const centers = fromRows(ring8);
  it("counts modes and high-quality samples", () => {
    const s = sampleIsoMixture(ring8, 0.05, 2000, 1, [0, 1, 2, 3, 4, 5]).x;
    const r = modeCoverage(s, centers, { std: 0.05 });
    expect(r.modesCovered).toBe(6);
    expect(r.covered.slice(6)).toEqual([false, false]);
    expect(r.highQualityFraction).toBeGreaterThan(0.98);
  });
  it("hand case", () => {
    const r = modeCoverage(fromRows([[2, 0], [2.1, 0], [0, 0], [0, 2.05]]), centers, { std: 0.05, minCount: 1 });
    // (2.1,0) is 2 sigma from mode 0: high quality; (0,0) is far from every mode
    expect(r.perMode[0]).toBe(2);
    expect(r.perMode[2]).toBe(1);
    expect(r.highQualityFraction).toBe(0.75);
    expect(r.modesCovered).toBe(2);
  });
});

describe("frechetDistance", () => {
  it("closed form for 1-D and diagonal Gaussians", () => {
    // 1-D: (m1-m2)^2 + (s1 - s2)^2
    const g = (m: number[], c: number[]) => ({ mean: Float64Array.from(m), cov: Float64Array.from(c), d: m.length });
    expect(frechetGaussians(g([1], [4]), g([0], [1]))).toBeCloseTo(1 + 1, 12);
    expect(frechetGaussians(g([0, 0], [4, 0, 0, 9]), g([1, 1], [1, 0, 0, 1]))).toBeCloseTo(2 + 1 + 4, 10);
    // non-commuting covariances: tr sqrt(A^1/2 B A^1/2) against a direct 2x2 formula
    const A = [2, 1, 1, 2];
    const B = [1, 0, 0, 3];
    // for 2x2 PSD M, tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)); M = A^1/2 B A^1/2 has tr = tr(AB), det = det A det B
    const trAB = 2 * 1 + 1 * 0 + 1 * 0 + 2 * 3;
    const trSqrt = Math.sqrt(trAB + 2 * Math.sqrt(3 * 3));
    expect(frechetGaussians(g([0, 0], A), g([0, 0], B))).toBeCloseTo(4 + 4 - 2 * trSqrt, 10);
  });
  it("sample sets: identical is 0, shifted is the squared shift", () => {
    const a = sampleIsoMixture([[0, 0, 0]], 1, 500, 3).x;
    expect(frechetDistance(a, a)).toBeLessThan(1e-9);
    const b = { ...a, data: a.data.map((v, i) => (i % 3 === 0 ? v + 2 : v)) };
    expect(frechetDistance(a, b)).toBeCloseTo(4, 8);
  });
});
