import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import {
  beta,
  categorical,
  gaussianMixture,
  lgamma,
  mixture,
  normal,
  pointMass,
  uniform,
} from "../../runtime/priors/index.ts";
import { createRng } from "../../runtime/rng.ts";
import { createParamStore } from "../../runtime/params.ts";
import { useBackend } from "./helpers.ts";

const meanOf = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe("simple priors", () => {
  beforeAll(() => useBackend("wasm"));
  it("shapes, moments and determinism", async () => {
    const r = createRng(1);
    const n = normal(2, 0.5, [3]).sample(4000, r);
    expect(n.shape).toEqual([4000, 3]);
    expect(meanOf(await n.data())).toBeCloseTo(2, 1);
    const u = await uniform(-1, 3, [1]).sample(4000, r).data();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(meanOf(u)).toBeCloseTo(1, 1);
    const b = await beta(2, 5, [1]).sample(20000, r).data(); // mean a/(a+b)
    expect(Math.abs(meanOf(b) - 2 / 7)).toBeLessThan(0.01);
    const bs = await beta(0.5, 0.5, [1]).sample(20000, r).data(); // shape < 1 path
    expect(Math.abs(meanOf(bs) - 0.5)).toBeLessThan(0.01);
    expect(Array.from(await pointMass(0.3, [2]).sample(2, r).data())).toEqual(new Array(4).fill(Math.fround(0.3)));
    const c = categorical(3, [0.2, 0.3, 0.5]).sample(10000, r);
    expect(c.dtype).toBe("int32");
    expect(meanOf(await c.data())).toBeCloseTo(0.3 + 1.0, 1);
    expect(await normal(0, 1, [2]).sample(3, createRng(5)).data()).toEqual(
      await normal(0, 1, [2]).sample(3, createRng(5)).data(),
    );
  });
  it("logProb against hand computation", async () => {
    const lpN = await normal(1, 2, [2]).logProb!(tf.tensor([[1, 3]])).data();
    expect(lpN[0]).toBeCloseTo(2 * (-Math.log(2) - 0.5 * Math.log(2 * Math.PI)) - 0.5 * 1, 5); // z = (x-1)/2 = [0, 1]
    const lpB = await beta(2, 3, [1]).logProb!(tf.tensor([[0.4]])).data();
    expect(lpB[0]).toBeCloseTo(Math.log(12 * 0.4 * 0.36), 5); // 1/B(2,3) = 12
    expect(lgamma(5)).toBeCloseTo(Math.log(24), 10);
    const lpU = await uniform(0, 4, [1]).logProb!(tf.tensor([[1], [5]])).data();
    expect(lpU[0]).toBeCloseTo(-Math.log(4), 6);
    expect(lpU[1]).toBe(-Infinity);
  });
  it("mixture keeps row order and mixes", async () => {
    const m = mixture([0.5, 0.5], [pointMass(0, [1]), pointMass(1, [1])]);
    const v = await m.sample(2000, createRng(2)).data();
    expect(Math.abs(meanOf(v) - 0.5)).toBeLessThan(0.05);
    expect(new Set(Array.from(v))).toEqual(new Set([0, 1]));
    const mn = mixture([1, 3], [normal(0, 1, [1]), normal(0, 1, [1])]);
    const lp = await mn.logProb!(tf.tensor([[0]])).data();
    expect(lp[0]).toBeCloseTo(-0.5 * Math.log(2 * Math.PI), 5);
  });
});

describe("gaussianMixture", () => {
  beforeAll(() => useBackend("wasm"));
  const mk = (cov: "iso" | "diag" | "full", learn = true) =>
    gaussianMixture(createParamStore(createRng(1)), "z", {
      K: 2,
      dim: 2,
      cov,
      means: { learn, init: { kind: "values", values: [-3, 0, 3, 0] } },
      scale: { learn, init: 0.5 },
    });
  it("shapes and vars", () => {
    const g = mk("iso");
    const { value, component } = g.sample(5, createRng(1));
    expect(value.shape).toEqual([5, 2]);
    expect(component.dtype).toBe("int32");
    expect(g.sampleEach(4, createRng(1)).shape).toEqual([4, 2, 2]);
    expect(g.sampleComponent(1, 3, createRng(1)).shape).toEqual([3, 2]);
    expect(g.vars).toEqual(["z.means", "z.scale"]);
    expect(mk("iso", false).vars).toEqual([]);
  });
  it("sampleEach draws component k around mean k with std = scale", async () => {
    for (const cov of ["iso", "diag", "full"] as const) {
      const v = (await mk(cov).sampleEach(4000, createRng(3)).array()) as number[][][];
      const x1 = v.map((r) => r[1][0]);
      const m1 = meanOf(x1);
      expect(m1).toBeCloseTo(3, 1);
      const sd = Math.sqrt(meanOf(x1.map((t) => (t - m1) ** 2)));
      expect(Math.abs(sd - 0.5)).toBeLessThan(0.03);
    }
  });
  it("logProb and responsibilities match hand computation for all cov kinds", async () => {
    const z = tf.tensor([[1, 0.5]]);
    // hand: log(0.5 N(z;m0,.25I) + 0.5 N(z;m1,.25I))
    const ln = (m: number[]) => -Math.log(2 * Math.PI * 0.25) - ((z1 - m[0]) ** 2 + (0.5 - m[1]) ** 2) / (2 * 0.25);
    const z1 = 1;
    const l0 = ln([-3, 0]),
      l1 = ln([3, 0]);
    const mx = Math.max(l0, l1);
    const want = Math.log(0.5) + mx + Math.log(Math.exp(l0 - mx) + Math.exp(l1 - mx));
    for (const cov of ["iso", "diag", "full"] as const) {
      const g = mk(cov);
      expect((await g.logProb(z).data())[0]).toBeCloseTo(want, 4);
      const r = await g.responsibilities(z).data();
      expect(r[1]).toBeCloseTo(1 / (1 + Math.exp(l0 - l1)), 5);
    }
  });
  it("full cov with a non-diagonal factor matches a host Gaussian", async () => {
    const store = createParamStore(createRng(1));
    const g = gaussianMixture(store, "z", {
      K: 1,
      dim: 2,
      cov: "full",
      means: { learn: true, init: { kind: "zeros" } },
      scale: { learn: true, init: 1 },
    });
    store.get("z.scale").assign(
      tf.tensor([
        [
          [2, 0],
          [1, 0.5],
        ],
      ]),
    );
    // Sigma = L L^T = [[4,2],[2,1.25]], det = 1; x=[1,1]: Sigma^-1 = [[1.25,-2],[-2,4]] -> q = 1.25-4+4 = 1.25
    const lp = (await g.logProb(tf.tensor([[1, 1]])).data())[0];
    expect(lp).toBeCloseTo(-Math.log(2 * Math.PI) - 0.5 * Math.log(1) - 0.5 * 1.25, 5);
  });
  it("sampling is reparameterised: gradients reach means and scale", async () => {
    const store = createParamStore(createRng(1));
    const g = gaussianMixture(store, "z", {
      K: 3,
      dim: 2,
      cov: "diag",
      means: { learn: true, init: { kind: "uniform", lo: -1, hi: 1 } },
      scale: { learn: true, init: 1 },
    });
    const rng = createRng(4);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(g.sampleEach(8, rng))) as tf.Scalar,
      [store.get("z.means"), store.get("z.scale")],
    );
    for (const k of ["z.means", "z.scale"]) {
      const s = (await tf.sum(tf.abs(grads[store.get(k).name])).data())[0];
      expect(s).toBeGreaterThan(0);
    }
  });
});
