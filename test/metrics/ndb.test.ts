import { describe, expect, it } from "vitest";
import {
  jsDivergence,
  klDivergence,
  ndb,
  ndbBins,
  ndbBinsFromJson,
  ndbBinsToJson,
  ndbEvaluate,
  twoProportionsZTest,
} from "../../runtime/metrics/ndb.ts";
import { erfc, normCdf } from "../../runtime/metrics/stats.ts";
import { fromRows } from "../../runtime/metrics/matrix.ts";
import { ring8, sampleIsoMixture } from "./helpers.ts";

describe("normal CDF", () => {
  it("matches known values", () => {
    expect(normCdf(0)).toBe(0.5);
    expect(normCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normCdf(-3)).toBeCloseTo(0.0013498980316301, 15);
    expect(erfc(3)).toBeCloseTo(2.209049699858544e-5, 18);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 15);
    expect(erfc(-1)).toBeCloseTo(1.8427007929497148, 15);
  });
  it("two-tailed p-values match scipy 2*norm.cdf(-|z|) to 1e-12 relative", () => {
    const cases: [number, number][] = [
      [0.5, 0.6170750774519738],
      [1.2, 0.23013934044341644],
      [2.5, 0.012419330651552265],
      [3.7, 0.00021559946695477646],
      [6.178, 6.491871475111766e-10],
      [-18.776, 1.1869199916777387e-78],
      [33.0, 8.12237124183171e-239],
    ];
    for (const [z, p] of cases) expect(Math.abs(erfc(Math.abs(z) / Math.SQRT2) / p - 1)).toBeLessThan(1e-12);
  });
});

describe("NDB reference unit vectors (seed-methods §4.1)", () => {
  const p1 = [0.1, 0.1, 0.1, 0.1, 0.6];
  const p2 = [0.12, 0.08, 0.1, 0, 0.7];
  it("z values, decisions and NDB = 4", () => {
    const t = twoProportionsZTest(p1, 50000, p2, 10000, { significance: 0.05 });
    const expected = [-5.998, 6.178, 0, 33.029, -18.776];
    t.z.forEach((z, i) => expect(z).toBeCloseTo(expected[i]!, 3));
    expect(t.different).toEqual([true, true, false, true, true]);
    expect(t.different.filter(Boolean).length).toBe(4);
    expect(t.pValues[2]).toBe(1);
  });
  it("JS = 0.037594 nats", () => {
    expect(jsDivergence(p1, p2)).toBeCloseTo(0.037594, 6);
  });
  it("z threshold mode", () => {
    const t = twoProportionsZTest(p1, 50000, p2, 10000, { zThreshold: 10 });
    expect(t.different).toEqual([false, false, false, true, true]);
  });
  it("hand-computed pooled SE case", () => {
    // p1 = .5 (n1 = 100), p2 = .3 (n2 = 100): p = .4, SE = sqrt(.24 * .02) = 0.069282, z = 2.886751
    const t = twoProportionsZTest([0.5], 100, [0.3], 100);
    expect(t.z[0]).toBeCloseTo(0.2 / Math.sqrt(0.24 * 0.02), 12);
    expect(t.pValues[0]).toBeCloseTo(2 * normCdf(-t.z[0]!), 14);
  });
  it("KL/JS edge cases", () => {
    expect(jsDivergence([1, 0], [0, 1])).toBeCloseTo(Math.LN2, 14);
    expect(jsDivergence([0.3, 0.7], [0.3, 0.7])).toBe(0);
    expect(() => klDivergence([0.5, 0.5], [1, 0])).toThrow(/undefined/);
  });
});

describe("NDB on samples", () => {
  it("tiny hand case: two clusters, query all in one", () => {
    const train = fromRows([[0], [0.1], [-0.1], [0.05], [10], [10.1], [9.9], [10.05]]);
    const bins = ndbBins(train, { bins: 2, seed: 1 });
    expect(Array.from(bins.proportions)).toEqual([0.5, 0.5]);
    const r = ndbEvaluate(bins, fromRows([[0], [0.2], [0.1], [-0.3]]));
    // the "near 0" bin gets everything
    expect(r.binProportionsTest.slice().sort()).toEqual([0, 1]);
    expect(r.js).toBeCloseTo(0.5 * (1 * Math.log(1 / 0.75) + 0.5 * Math.log(0.5 / 0.75)) + 0.5 * 0.5 * Math.log(0.5 / 0.25), 12);
  });

  it("null model: same distribution gives NDB/K near the significance level", () => {
    let tot = 0;
    const seeds = [1, 2, 3];
    for (const s of seeds) {
      const train = sampleIsoMixture(ring8, 0.3, 10000, 100 + s).x;
      const test = sampleIsoMixture(ring8, 0.3, 10000, 200 + s).x;
      tot += ndb(train, test, { bins: 50, seed: s, kmeans: { inits: 2 } }).ndbOverK;
    }
    const mean = tot / seeds.length;
    expect(mean).toBeGreaterThanOrEqual(0);
    expect(mean).toBeLessThan(0.12);
  });

  it("dropping one mode makes that mode's bins significant", () => {
    const { x: train, labels } = sampleIsoMixture(ring8, 0.2, 10000, 7);
    const test = sampleIsoMixture(ring8, 0.2, 10000, 8, [0, 1, 2, 3, 4, 5, 6]).x; // mode 7 dropped
    const bins = ndbBins(train, { bins: 40, seed: 3, kmeans: { inits: 2 } });
    const r = ndbEvaluate(bins, test);
    // bins whose training members are mostly mode 7
    const trainAssign = ndbEvaluate(bins, train).assignment;
    const mode7: number[] = [];
    for (let b = 0; b < bins.k; b++) {
      let all = 0;
      let m7 = 0;
      for (let i = 0; i < train.n; i++)
        if (trainAssign[i] === b) {
          all++;
          if (labels[i] === 7) m7++;
        }
      if (all > 0 && m7 / all > 0.9) mode7.push(b);
    }
    expect(mode7.length).toBeGreaterThan(0);
    for (const b of mode7) expect(r.significantBins).toContain(b);
    expect(r.ndbOverK).toBeGreaterThan(0.1);
  });

  it("whitening and dim subset", () => {
    const train = sampleIsoMixture([[0, 0, 0, 0], [5, 5, 5, 5]], 1, 600, 4).x;
    const bins = ndbBins(train, { bins: 3, whiten: true, maxDims: 2, seed: 9, kmeans: { inits: 1 } });
    expect(bins.usedDims.length).toBe(2);
    expect(bins.std![0]).toBeGreaterThan(2);
    const r = ndbEvaluate(bins, train);
    expect(r.ndb).toBe(0);
    expect(r.js).toBeLessThan(1e-12);
    // JSON round trip gives identical results
    const again = ndbBinsFromJson(JSON.parse(JSON.stringify(ndbBinsToJson(bins))));
    expect(ndbEvaluate(again, train).binProportionsTest).toEqual(r.binProportionsTest);
    expect(() => ndbBinsFromJson({ ...ndbBinsToJson(bins), centers: [1] })).toThrow(/centers/);
  });

  it("rejects bad input with clear errors", () => {
    const t = fromRows([[0], [1]]);
    expect(() => ndb(t, t, { bins: 5 })).toThrow(/fewer than 5 bins/);
    expect(() => ndb(t, fromRows([[0, 1]]), { bins: 2 })).toThrow(/dimensions/);
    expect(() => ndb({ data: new Float64Array([0, NaN]), n: 2, d: 1 }, t, { bins: 1 })).toThrow(/non-finite/);
  });
});
