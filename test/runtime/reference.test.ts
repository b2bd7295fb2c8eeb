// The runtime's gradient / optimizer path checked against independent tfjs references (plain tf ops, tf.grad,
// tf.train.adam), so a regression in a hand-written gradient or the flat Adam shows up here and not as "the GAN
// does not learn". Small sizes, wasm backend (the default training backend).
import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { makeOptimizer } from "../../runtime/optim/index.ts";
import { denseOp, dense } from "../../runtime/layers/dense.ts";
import { logSigmoid } from "../../runtime/losses/index.ts";
import { normal } from "../../runtime/priors/simple.ts";
import { gaussianMixture } from "../../runtime/priors/gmm.ts";
import { createParamStore } from "../../runtime/params.ts";
import { createRng } from "../../runtime/rng.ts";
import { randn, relErr, useBackend } from "./helpers.ts";

const arr = async (t: tf.Tensor) => Array.from(await t.data());

describe("runtime vs independent tfjs references", () => {
  beforeAll(() => useBackend("wasm"));

  it("adam (flat, PyTorch rule) tracks tf.train.adam over 20 steps on several variables", async () => {
    const shapes = [[3, 4], [4], [4, 1], [1]];
    const init = shapes.map((s, i) => randn(s, 10 + i));
    const mine = init.map((t) => tf.variable(t.clone()));
    const ref = init.map((t) => tf.variable(t.clone()));
    const lr = 1e-3;
    const opt = makeOptimizer({ kind: "adam", lr, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
    const refOpt = tf.train.adam(lr, 0.5, 0.999, 1e-8);
    for (let s = 0; s < 20; s++) {
      // the same gradients for both: random, varying in sign and scale from step to step
      const grads = shapes.map((sh, i) => tf.mul(randn(sh, 100 * s + i), 1 + s));
      opt.apply(mine, grads);
      refOpt.applyGradients(ref.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
      tf.dispose(grads);
    }
    for (let i = 0; i < shapes.length; i++) {
      const a = await arr(mine[i]!);
      const b = await arr(ref[i]!);
      // tfjs folds eps in slightly differently (eps * sqrt(bc2)); the difference is ~1e-8 relative here
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThan(1e-6);
      // and the variables moved (random-sign gradients: a random walk of ~lr steps)
      const i0 = await arr(init[i]!);
      expect(Math.max(...a.map((x, j) => Math.abs(x - i0[j]!)))).toBeGreaterThan(lr);
    }
    tf.dispose([...mine, ...ref, ...init]);
  });

  it("adam descends: the update has the sign of -grad (minimizes)", async () => {
    const w = tf.variable(tf.tensor([0, 0]));
    const opt = makeOptimizer({ kind: "adam", lr: 0.1, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
    opt.apply([w], [tf.tensor([2, -3])]);
    const v = await arr(w);
    expect(v[0]).toBeCloseTo(-0.1, 5);
    expect(v[1]).toBeCloseTo(0.1, 5);
  });

  // shapes the GAN layers hit: the 1-wide D output (reshape transposes), the 2-wide G output, square hidden layers
  for (const [n, nin, nout] of [
    [16, 2, 8],
    [16, 8, 8],
    [32, 8, 1],
    [32, 8, 2],
    [1, 5, 3],
    [7, 1, 4],
  ] as const) {
    it(`denseOp [${n},${nin}]x[${nin},${nout}] forward and every gradient match matMul+add with tf.grads`, async () => {
      const x = randn([n, nin], 1);
      const w = randn([nin, nout], 2);
      const b = randn([nout], 3);
      const r = randn([n, nout], 4); // a random cotangent through sum(r * y)
      const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(r, denseOp(xx, ww, bb)));
      const g = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(r, tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb)));
      expect(relErr(await arr(denseOp(x, w, b)), await arr(tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b)))).toBeLessThan(1e-6);
      const mine = tf.grads(f)([x, w, b]);
      const ref = tf.grads(g)([x, w, b]);
      for (let i = 0; i < 3; i++) {
        expect(mine[i]!.shape).toEqual(ref[i]!.shape);
        expect(relErr(await arr(mine[i]!), await arr(ref[i]!))).toBeLessThan(1e-5);
      }
    });
  }

  it("dense layer variables get tf.variableGrads equal to the plain-ops reference (only the asked variables)", async () => {
    const store = createParamStore(createRng(3));
    const l1 = dense(store, "D/dense_0", 2, 8);
    const l2 = dense(store, "D/dense_1", 8, 1);
    const vars = ["D/dense_0/kernel", "D/dense_0/bias", "D/dense_1/kernel", "D/dense_1/bias"].map((k) => store.get(k));
    const x = randn([16, 2], 7);
    const opts = { training: true, rng: createRng(0) };
    const mine = tf.variableGrads(
      () => tf.mean(logSigmoid(tf.reshape(l2.apply(tf.relu(l1.apply(x, opts)), opts), [-1]))) as tf.Scalar,
      vars,
    );
    const plain = (h: tf.Tensor, i: number) => tf.add(tf.matMul(h as tf.Tensor2D, vars[2 * i] as tf.Tensor2D), vars[2 * i + 1]!);
    const ref = tf.variableGrads(
      () => tf.mean(tf.neg(tf.softplus(tf.neg(tf.reshape(plain(tf.relu(plain(x, 0)), 1), [-1]))))) as tf.Scalar,
      vars,
    );
    expect(Math.abs((await arr(mine.value))[0]! - (await arr(ref.value))[0]!)).toBeLessThan(1e-6);
    for (const v of vars) expect(relErr(await arr(mine.grads[v.name]!), await arr(ref.grads[v.name]!))).toBeLessThan(1e-5);
  });

  it("logSigmoid value and gradient equal -softplus(-x), including large |x|", async () => {
    const x = tf.tensor([-80, -20, -3, -0.5, 0, 0.5, 3, 20, 80]);
    const r = tf.tensor([1, -2, 0.5, 3, -1, 2, 1, -0.5, 4]);
    const ref = (t: tf.Tensor) => tf.neg(tf.softplus(tf.neg(t)));
    expect(relErr(await arr(logSigmoid(x)), await arr(ref(x)))).toBeLessThan(1e-6);
    const gm = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(r, logSigmoid(t))))(x);
    const gr = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(r, ref(t))))(x);
    expect(relErr(await arr(gm), await arr(gr))).toBeLessThan(1e-6);
    // d/dx log sigmoid(x) = sigmoid(-x): 1 at -inf, 0.5 at 0, 0 at +inf (times r)
    const g = await arr(gm);
    expect(g[0]).toBeCloseTo(1, 5);
    expect(g[4]).toBeCloseTo(-0.5, 5);
    expect(g[8]).toBeCloseTo(0, 5);
  });

  it("normal prior samples have the requested mean and std, independent coordinates", async () => {
    const z = normal(1.5, 2, [4]).sample(20000, createRng(11));
    expect(z.shape).toEqual([20000, 4]);
    const { mean, variance } = tf.moments(z, 0);
    for (const m of await arr(mean)) expect(Math.abs(m - 1.5)).toBeLessThan(0.06);
    for (const v of await arr(variance)) expect(Math.abs(Math.sqrt(v) - 2)).toBeLessThan(0.05);
    const c = tf.div(tf.matMul(tf.transpose(tf.sub(z, mean)) as tf.Tensor2D, tf.sub(z, mean) as tf.Tensor2D), 20000);
    const cv = await arr(c);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) if (i !== j) expect(Math.abs(cv[i * 4 + j]!)).toBeLessThan(0.12);
  });

  it("Gaussian-mixture prior samples sit on their component means with the given std", async () => {
    const store = createParamStore(createRng(5));
    const K = 3;
    const means = [
      [5, 0],
      [-5, 0],
      [0, 5],
    ];
    const gm = gaussianMixture(store, "z", {
      K,
      dim: 2,
      means: { learn: false, init: { kind: "values", values: means.flat() } },
      scale: { learn: false, init: 0.5 },
      cov: "iso",
    });
    const { value, component } = gm.sample(6000, createRng(9));
    const v = await arr(value);
    const c = await arr(component);
    const counts = new Array<number>(K).fill(0);
    const sq = new Array<number>(K).fill(0);
    for (let i = 0; i < c.length; i++) {
      const k = c[i]!;
      counts[k]! += 1;
      sq[k]! += (v[2 * i]! - means[k]![0]!) ** 2 + (v[2 * i + 1]! - means[k]![1]!) ** 2;
    }
    for (let k = 0; k < K; k++) {
      expect(counts[k]! / 6000).toBeGreaterThan(0.28); // uniform weights by default
      expect(Math.sqrt(sq[k]! / counts[k]! / 2)).toBeCloseTo(0.5, 1);
    }
  });
  it("a small GAN trained 15 alternating steps with runtime layers/losses/adam equals plain tfjs (tf.train.adam)", async () => {
    // runtime path (what ganc emits): rt dense layers from a ParamStore, logSigmoid, flat adam, D ascends d_loss
    const store = createParamStore(createRng(1));
    const sizes = { G: [4, 16, 16, 2], D: [2, 16, 16, 1] };
    const mk = (net: "G" | "D") =>
      sizes[net].slice(1).map((n, i) => dense(store, `${net}/dense_${i}`, sizes[net][i]!, n));
    const G = mk("G");
    const D = mk("D");
    const o = { training: true, rng: createRng(0) };
    const run = (ls: typeof G, x: tf.Tensor) => ls.reduce((h, l, i) => (i < ls.length - 1 ? tf.relu(l.apply(h, o)) : l.apply(h, o)), x);
    const gv = G.flatMap((l) => l.vars.map((v) => store.get(v)));
    const dv = D.flatMap((l) => l.vars.map((v) => store.get(v)));
    // reference path: copies of the same initial values, plain matMul+add, -softplus(-x), tf.train.adam
    const gr = gv.map((v) => tf.variable(v.clone()));
    const gv0 = gv[4]!.clone();
    const dr = dv.map((v) => tf.variable(v.clone()));
    const plain = (vs: tf.Variable[], x: tf.Tensor) => {
      let h = x;
      for (let i = 0; i < vs.length / 2; i++) {
        h = tf.add(tf.matMul(h as tf.Tensor2D, vs[2 * i] as tf.Tensor2D), vs[2 * i + 1]!);
        if (i < vs.length / 2 - 1) h = tf.relu(h);
      }
      return tf.reshape(h, [-1, h.shape[1]!]);
    };
    const ls = (x: tf.Tensor) => tf.neg(tf.softplus(tf.neg(x)));
    const spec = { kind: "adam" as const, lr: 1e-2, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
    const [oD, oG] = [makeOptimizer(spec), makeOptimizer(spec)];
    const [rD, rG] = [tf.train.adam(1e-2, 0.5, 0.999, 1e-8), tf.train.adam(1e-2, 0.5, 0.999, 1e-8)];
    for (let s = 0; s < 15; s++) {
      const x = tf.add(randn([32, 2], 1000 + s), 2);
      const zD = randn([32, 4], 2000 + s);
      const zG = randn([32, 4], 3000 + s);
      tf.tidy(() => {
        // d_loss as declared; maximizing it = descending its negation
        const dLoss = () => tf.add(tf.mean(logSigmoid(run(D, x))), tf.mean(logSigmoid(tf.neg(run(D, run(G, zD)))))) as tf.Scalar;
        const gd = tf.variableGrads(() => tf.neg(dLoss()) as tf.Scalar, dv);
        oD.apply(dv, dv.map((v) => gd.grads[v.name]!));
        const gg = tf.variableGrads(() => tf.neg(tf.mean(logSigmoid(run(D, run(G, zG))))) as tf.Scalar, gv);
        oG.apply(gv, gv.map((v) => gg.grads[v.name]!));
        rD.minimize(() => tf.neg(tf.add(tf.mean(ls(plain(dr, x))), tf.mean(ls(tf.neg(plain(dr, plain(gr, zD))))))) as tf.Scalar, false, dr);
        rG.minimize(() => tf.neg(tf.mean(ls(plain(dr, plain(gr, zG))))) as tf.Scalar, false, gr);
      });
      tf.dispose([x, zD, zG]);
    }
    // float32 rounding differences are amplified a little by Adam's normalisation over 15 steps
    const pairs: [tf.Tensor, tf.Tensor][] = [...gv.map((v, i) => [v, gr[i]!] as [tf.Tensor, tf.Tensor]), ...dv.map((v, i) => [v, dr[i]!] as [tf.Tensor, tf.Tensor])];
    for (const [a, b] of pairs) expect(relErr(await arr(a), await arr(b))).toBeLessThan(1e-3);
    // and training moved the weights well beyond the tolerance
    const moved = relErr(await arr(gv[4]!), await arr(gv0));
    expect(moved).toBeGreaterThan(0.05);
  });
});
