import { describe, expect, it } from "vitest";
import { assignNearest, kmeans, kmeansPlusPlus } from "../../runtime/metrics/kmeans.ts";
import { mulberry32 } from "../../runtime/metrics/rng.ts";
import { sampleIsoMixture } from "./helpers.ts";

describe("kmeans", () => {
  it("hand case: two 1-D groups", () => {
    const X = Float64Array.from([0, 1, 2, 10, 11, 12]);
    const r = kmeans(X, 6, 1, 2, { seed: 3 });
    const centers = Array.from(r.centers).sort((a, b) => a - b);
    expect(centers).toEqual([1, 11]);
    // inertia = 2 * (1 + 0 + 1)
    expect(r.inertia).toBeCloseTo(4, 12);
    expect(r.labels[0]).toBe(r.labels[2]);
    expect(r.labels[0]).not.toBe(r.labels[3]);
  });
  it("is deterministic for a seed and finds well-separated clusters", () => {
    const centers = [[0, 0], [5, 5], [-5, 5], [5, -5]];
    const { x, labels } = sampleIsoMixture(centers, 0.5, 800, 11);
    const a = kmeans(x.data, x.n, 2, 4, { seed: 1 });
    const b = kmeans(x.data, x.n, 2, 4, { seed: 1 });
    expect(Array.from(a.centers)).toEqual(Array.from(b.centers));
    // each found cluster is pure
    const purity = new Map<number, Set<number>>();
    a.labels.forEach((l, i) => purity.set(l, (purity.get(l) ?? new Set()).add(labels[i]!)));
    for (const s of purity.values()) expect(s.size).toBe(1);
    // inertia ~ n * d * std^2
    expect(a.inertia / (800 * 2 * 0.25)).toBeGreaterThan(0.8);
    expect(a.inertia / (800 * 2 * 0.25)).toBeLessThan(1.2);
  });
  it("more restarts never give a worse inertia", () => {
    const { x } = sampleIsoMixture([[0, 0], [3, 0], [0, 3], [3, 3], [1.5, 1.5]], 0.8, 600, 5);
    const one = kmeans(x.data, x.n, 2, 5, { seed: 2, inits: 1 });
    const ten = kmeans(x.data, x.n, 2, 5, { seed: 2, inits: 10 });
    expect(ten.inertia).toBeLessThanOrEqual(one.inertia + 1e-9);
  });
  it("k-means++ picks distinct data points; duplicates do not break it", () => {
    const X = Float64Array.from([0, 0, 0, 0, 5, 5]);
    const c = kmeansPlusPlus(X, 6, 1, 2, mulberry32(1));
    expect(new Set(Array.from(c)).size).toBe(2);
    const r = kmeans(X, 6, 1, 3, { seed: 1 });
    expect(r.inertia).toBe(0);
  });
  it("assignNearest on a coordinate subset", () => {
    const X = Float64Array.from([0, 100, 10, -100]);
    const C = Float64Array.from([0, -100, 10, 100]);
    expect(Array.from(assignNearest(X, 2, 2, C, 2).labels)).toEqual([1, 0]);
    expect(Array.from(assignNearest(X, 2, 2, C, 2, [0]).labels)).toEqual([0, 1]);
  });
  it("errors", () => {
    expect(() => kmeans(Float64Array.from([1, 2]), 2, 1, 3)).toThrow(/fewer than k/);
    expect(() => kmeans(Float64Array.from([1, 2]), 2, 1, 0)).toThrow(/positive integer/);
  });
});

describe("kmeans matches plain Lloyd", () => {
  // reference: textbook Lloyd from the same k-means++ seeding, full assignment every iteration
  function plainLloyd(X: Float64Array, n: number, d: number, k: number, init: Float64Array, maxIter: number): Int32Array {
    let centers = init;
    let labels: Int32Array = new Int32Array(n).fill(-1);
    for (let it = 0; it < maxIter; it++) {
      const a = assignNearest(X, n, d, centers, k).labels;
      const same = a.every((l, i) => l === labels[i]);
      labels = a;
      if (same) break;
      const next = new Float64Array(k * d);
      const cnt = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        cnt[a[i]!]!++;
        for (let j = 0; j < d; j++) next[a[i]! * d + j]! += X[i * d + j]!;
      }
      for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) next[c * d + j]! /= cnt[c]!;
      centers = next;
    }
    return labels;
  }
  it("same labels on overlapping clusters (bounds are exact)", () => {
    for (const seed of [1, 2, 3]) {
      const { x } = sampleIsoMixture([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], 0.6, 1500, seed);
      const X = x.data as Float64Array;
      const init = kmeansPlusPlus(X, x.n, 3, 12, mulberry32(seed));
      const ref = plainLloyd(X, x.n, 3, 12, init, 300);
      // the same seeding: kmeans() draws its first k-means++ from mulberry32(seed) too
      const got = kmeans(X, x.n, 3, 12, { seed, inits: 1, maxIter: 300, tol: 0 });
      expect(Array.from(got.labels)).toEqual(Array.from(ref));
    }
  });
});
