import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import * as L from "../../runtime/losses/index.ts";
import { createRng } from "../../runtime/rng.ts";
import { createParamStore } from "../../runtime/params.ts";
import { dense } from "../../runtime/layers/index.ts";
import { useBackend } from "./helpers.ts";

const v = async (t: tf.Tensor) => Array.from(await t.data());
const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe("losses", () => {
  beforeAll(() => useBackend("wasm"));
  it("logSigmoid / softplus / bce / hinge", async () => {
    const x = tf.tensor([-200, -1, 0, 2, 200]);
    const ls = await v(L.logSigmoid(x));
    expect(ls[0]).toBeCloseTo(-200, 3);
    expect(ls[1]).toBeCloseTo(Math.log(sig(-1)), 5);
    expect(ls[4]).toBeCloseTo(0, 6);
    const sp = await v(L.softplus(x));
    expect(sp[3]).toBeCloseTo(Math.log(1 + Math.exp(2)), 5);
    expect(sp[4]).toBeCloseTo(200, 3);
    const b = await v(L.bce(tf.tensor([2, -1]), tf.tensor([1, 0])));
    expect(b[0]).toBeCloseTo(-Math.log(sig(2)), 5);
    expect(b[1]).toBeCloseTo(-Math.log(1 - sig(-1)), 5);
    expect(await v(L.hinge(tf.tensor([0.5, 2])))).toEqual([0.5, 0]);
    expect(await v(L.hinge(tf.tensor([0.5, 2]), { margin: 3 }))).toEqual([2.5, 1]);
    // gradient stays finite at extreme logits
    const g = await v(tf.grad((t: tf.Tensor) => tf.sum(L.logSigmoid(t)))(x));
    expect(g.every(Number.isFinite)).toBe(true);
  });
  it("kl / js / entropy over the last axis", async () => {
    const p = [0.2, 0.8],
      q = [0.5, 0.5];
    const klh = 0.2 * Math.log(0.2 / 0.5) + 0.8 * Math.log(0.8 / 0.5);
    expect((await v(L.kl(tf.tensor([p]), tf.tensor([q]))))[0]).toBeCloseTo(klh, 5);
    // m = (p + q) / 2 = [0.35, 0.65]
    const jsh =
      0.5 * (0.2 * Math.log(0.2 / 0.35) + 0.8 * Math.log(0.8 / 0.65)) +
      0.5 * (0.5 * Math.log(0.5 / 0.35) + 0.5 * Math.log(0.5 / 0.65));
    expect((await v(L.js(tf.tensor([p]), tf.tensor([q]))))[0]).toBeCloseTo(jsh, 5);
    expect((await v(L.entropy(tf.tensor([[0.5, 0.5, 0]]))))[0]).toBeCloseTo(Math.log(2), 5);
  });
  it("wasserstein", async () => {
    expect((await v(L.wasserstein(tf.tensor([1, 3]), tf.tensor([0, 0, 3]))))[0]).toBeCloseTo(1, 6);
  });
  it("mutualInfo: hand-computed joint, symmetrised when K1 == K2", async () => {
    const p = [
      [1, 0],
      [0, 1],
      [0.5, 0.5],
    ];
    const q = [
      [1, 0],
      [1, 0],
      [0.5, 0.5],
    ];
    // joint = p^T q / 3 = [[1.25,.25],[1.25,.25]]/3 -> symmetrised [[1.25,.75],[.75,.25]]/3
    const J = [
      [1.25 / 3, 0.75 / 3],
      [0.75 / 3, 0.25 / 3],
    ];
    const r = [J[0][0] + J[0][1], J[1][0] + J[1][1]];
    const c = [J[0][0] + J[1][0], J[0][1] + J[1][1]];
    let mi = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) mi += J[i][j] * Math.log(J[i][j] / (r[i] * c[j]));
    expect((await v(L.mutualInfo(tf.tensor(p), tf.tensor(q))))[0]).toBeCloseTo(mi, 5);
    // identical one-hot assignments over K balanced clusters: MI = log K
    const eye = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], "int32"), 3).toFloat();
    expect((await v(L.mutualInfo(eye, eye)))[0]).toBeCloseTo(Math.log(3), 4);
    // K1 != K2 and extra leading axes
    const a = tf.softmax(tf.randomNormal([2, 4, 3], 0, 1, "float32", 1));
    const b = tf.softmax(tf.randomNormal([2, 4, 5], 0, 1, "float32", 2));
    expect((await v(L.mutualInfo(a, b)))[0]).toBeGreaterThanOrEqual(-1e-6);
  });
  it("marginalMatch = JS of batch means", async () => {
    const p = tf.tensor([
      [1, 0],
      [0, 1],
    ]); // mean [.5,.5]
    const q = tf.tensor([
      [0.2, 0.8],
      [0.2, 0.8],
    ]);
    const want = await v(L.js(tf.tensor([0.5, 0.5]), tf.tensor([0.2, 0.8])));
    expect((await v(L.marginalMatch(p, q)))[0]).toBeCloseTo(want[0], 6);
  });
  it("gradientPenalty: value by hand for a linear critic, and gradients reach the critic's weights", async () => {
    // f(x) = x @ w with |w| = 2 -> grad norm 2 everywhere -> penalty weight * (2-1)^2 = weight (default 10)
    const w = tf.tensor([[2], [0]]);
    const gp = L.gradientPenalty((x) => tf.matMul(x, w), tf.ones([4, 2]), tf.zeros([4, 2]), createRng(1));
    expect((await v(gp))[0]).toBeCloseTo(10, 3);
    const gp1 = L.gradientPenalty((x) => tf.matMul(x, w), tf.ones([4, 2]), tf.zeros([4, 2]), createRng(1), { weight: 1 });
    expect((await v(gp1))[0]).toBeCloseTo(1, 4);
    const store = createParamStore(createRng(1));
    const l1 = dense(store, "D/d0", 2, 8),
      l2 = dense(store, "D/d1", 8, 1);
    const o = { training: true, rng: createRng(1) };
    const f = (x: tf.Tensor) => l2.apply(tf.tanh(l1.apply(x, o)), o);
    const real = tf.randomNormal([6, 2], 0, 1, "float32", 3),
      fake = tf.randomNormal([6, 2], 0, 1, "float32", 4);
    const { grads } = tf.variableGrads(
      () => L.gradientPenalty(f, real, fake, createRng(2)) as tf.Scalar,
      store.names().map((n) => store.get(n)),
    );
    const k = await v(grads[store.get("D/d0/kernel").name]);
    expect(k.some((t) => Math.abs(t) > 0)).toBe(true);
    expect(k.every(Number.isFinite)).toBe(true);
  });
});
