import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { makeOptimizer, project, symEig } from "../../runtime/optim/index.ts";
import type { OptimizerSpec } from "../../runtime/types.ts";
import { useBackend } from "./helpers.ts";

const specs: OptimizerSpec[] = [
  { kind: "adam", lr: 0.1, beta1: 0.5, beta2: 0.999, eps: 1e-8 },
  { kind: "sgd", lr: 0.1, momentum: 0.9 },
  { kind: "rmsprop", lr: 0.01, decay: 0.9, eps: 1e-8, momentum: 0.5 },
];

/** loss = sum((w - target)^2) */
function step(opt: ReturnType<typeof makeOptimizer>, w: tf.Variable) {
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(w, tf.tensor([1, -2, 3])))) as tf.Scalar, [w]);
  opt.apply([w], [grads[w.name]]);
}

describe("optimizers", () => {
  beforeAll(() => useBackend("wasm"));
  it("adam first step matches hand computation (PyTorch rule)", async () => {
    const w = tf.variable(tf.tensor([0, 0, 0]));
    const opt = makeOptimizer(specs[0]);
    step(opt, w);
    // g = -2*target; mhat = g, vhat = g^2 -> w = -lr * g/(|g|+eps) = lr*sign(target)
    expect(Array.from(await w.data()).map((x) => +x.toFixed(5))).toEqual([0.1, -0.1, 0.1]);
  });
  it("sgd momentum: two steps by hand", async () => {
    const w = tf.variable(tf.tensor([0, 0, 0]));
    const opt = makeOptimizer(specs[1]);
    step(opt, w); // g0 = [-2,4,-6], buf = g0, w = -0.1 g0 = [.2,-.4,.6]
    step(opt, w); // g1 = 2(w - t) = [-1.6, 3.2, -4.8], buf = .9 g0 + g1 = [-3.4, 6.8, -10.2], w -= .1 buf
    const got = Array.from(await w.data());
    [0.54, -1.08, 1.62].forEach((x, i) => expect(got[i]).toBeCloseTo(x, 5));
  });
  it("all optimizers converge and resumed training equals uninterrupted training exactly", async () => {
    for (const sp of specs) {
      const wa = tf.variable(tf.tensor([0, 0, 0]));
      const a = makeOptimizer(sp);
      for (let i = 0; i < 10; i++) step(a, wa);
      const wb = tf.variable(tf.tensor([0, 0, 0]));
      const b = makeOptimizer(sp);
      for (let i = 0; i < 4; i++) step(b, wb);
      const saved = JSON.parse(JSON.stringify(await b.getState()));
      const wsaved = Array.from(await wb.data());
      const c = makeOptimizer(sp);
      c.setState(saved);
      const wc = tf.variable(tf.tensor(wsaved));
      for (let i = 0; i < 6; i++) step(c, wc);
      expect(Array.from(await wc.data())).toEqual(Array.from(await wa.data()));
      for (let i = 0; i < 300; i++) step(a, wa);
      const fin = Array.from(await wa.data());
      [1, -2, 3].forEach((x, i) => expect(Math.abs(fin[i] - x)).toBeLessThan(0.05));
    }
  });
  it("rejects invalid specs and state", () => {
    expect(() => makeOptimizer({ kind: "adam", lr: -1, beta1: 0.5, beta2: 0.9, eps: 1e-8 })).toThrow(/lr/);
    expect(() => makeOptimizer(specs[0]).setState({})).toThrow(/step count/);
  });
});

describe("projections", () => {
  beforeAll(() => useBackend("wasm"));
  it("symEig reconstructs a matrix", () => {
    const A = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 1]);
    const { values, vectors: V } = symEig(A, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += V[i * 3 + k] * values[k] * V[j * 3 + k];
        expect(s).toBeCloseTo(A[i * 3 + j], 10);
      }
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(8, 10);
  });
  it("sym_eig_below symmetrises and clips eigenvalues of each matrix", async () => {
    // batch of 2: diag(3, 0.5) and [[0,2],[0,0]] (sym -> [[0,1],[1,0]], eig +-1)
    const v = tf.variable(
      tf.tensor([
        [
          [3, 0],
          [0, 0.5],
        ],
        [
          [0, 2],
          [0, 0],
        ],
      ]),
    );
    await project("sym_eig_below", v, { bound: 0.9 });
    const r = (await v.array()) as number[][][];
    expect(r[0][0][0]).toBeCloseTo(0.9, 5);
    expect(r[0][1][1]).toBeCloseTo(0.5, 5);
    // eig 1 -> 0.9, eig -1 stays: M = 0.95 [[-.0526..]] = V diag(.9,-1) V^T with V = [1,1]/sqrt2, [1,-1]/sqrt2
    expect(r[1][0][0]).toBeCloseTo(-0.05, 5);
    expect(r[1][0][1]).toBeCloseTo(0.95, 5);
    expect(r[1][1][0]).toBeCloseTo(0.95, 5);
  });
  it("clip and nonneg; bad args are typed errors", async () => {
    const v = tf.variable(tf.tensor([-2, 0.5, 3]));
    await project("clip", v, { lo: -1, hi: 1 });
    expect(Array.from(await v.data())).toEqual([-1, 0.5, 1]);
    await project("nonneg", v);
    expect(Array.from(await v.data())).toEqual([0, 0.5, 1]);
    await expect(project("sym_eig_below", v, { bound: 1 })).rejects.toThrow(/square/);
    await expect(project("clip", v, {})).rejects.toThrow(/argument/);
  });
});
