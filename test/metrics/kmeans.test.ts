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
