import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { relErr, useBackend } from "./helpers.ts";
import {
  conv2dOp,
  conv2dTransposeOp,
  denseOp,
  dense,
  batchnorm,
  dropout,
  logSoftmax,
} from "../../runtime/layers/index.ts";
import { createParamStore } from "../../runtime/params.ts";
import { createRng } from "../../runtime/rng.ts";

function arr(shape: number[], seed: number): number[] {
  const r = createRng(seed);
  return Array.from(r.normals(shape.reduce((a, b) => a * b, 1)));
}

type Case = { N: number; H: number; W: number; C: number; F: number; k: number; s: number; p: "same" | "valid" };
const convCases: Case[] = [
  { N: 2, H: 7, W: 6, C: 3, F: 4, k: 3, s: 1, p: "same" },
  { N: 2, H: 8, W: 8, C: 2, F: 3, k: 4, s: 2, p: "same" },
  { N: 1, H: 9, W: 7, C: 2, F: 2, k: 3, s: 2, p: "valid" },
  { N: 2, H: 5, W: 5, C: 1, F: 2, k: 5, s: 1, p: "valid" },
];

/** gradient of sum(f(x,w,b) * probe) w.r.t. x, w, b; values as plain arrays */
async function grads(
  f: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  xs: number[],
  xShape: number[],
  ws: number[],
  wShape: number[],
  bs: number[],
): Promise<{ y: number[]; g: number[][] }> {
  const x = tf.tensor(xs, xShape);
  const w = tf.tensor(ws, wShape);
  const b = tf.tensor(bs, [bs.length]);
  const y = f(x, w, b);
  const probe = tf.tensor(arr(y.shape, 99), y.shape);
  const g = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, c, d), probe)))([x, w, b]);
  return { y: Array.from(await y.data()), g: await Promise.all(g.map(async (t) => Array.from(await t.data()))) };
}

describe("conv layers: custom gradients on wasm match cpu tf.grad", () => {
  for (const c of convCases) {
    it(`conv2d ${JSON.stringify(c)}`, async () => {
      const xs = arr([c.N, c.H, c.W, c.C], 1);
      const ws = arr([c.k, c.k, c.C, c.F], 2);
      const bs = arr([c.F], 3);
      await useBackend("cpu");
      const ref = await grads(
        (x, w, b) => tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.p), b),
        xs,
        [c.N, c.H, c.W, c.C],
        ws,
        [c.k, c.k, c.C, c.F],
        bs,
      );
      await useBackend("wasm");
      const got = await grads(conv2dOp(c.s, c.p), xs, [c.N, c.H, c.W, c.C], ws, [c.k, c.k, c.C, c.F], bs);
      expect(relErr(got.y, ref.y)).toBeLessThan(1e-5);
      for (let i = 0; i < 3; i++) expect(relErr(got.g[i], ref.g[i])).toBeLessThan(1e-5);
    });
    it(`conv2dTranspose ${JSON.stringify(c)}`, async () => {
      // transposed conv whose output is [N,H,W,F]; input is the forward conv's output size
      const outH = c.p === "same" ? Math.ceil(c.H / c.s) : Math.floor((c.H - c.k) / c.s) + 1;
      const outW = c.p === "same" ? Math.ceil(c.W / c.s) : Math.floor((c.W - c.k) / c.s) + 1;
      const xShape = [c.N, outH, outW, c.C];
      const wShape = [c.k, c.k, c.F, c.C];
      const xs = arr(xShape, 4);
      const ws = arr(wShape, 5);
      const bs = arr([c.F], 6);
      await useBackend("cpu");
      const ref = await grads(
        (x, w, b) => tf.add(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [c.N, c.H, c.W, c.F], c.s, c.p), b),
        xs,
        xShape,
        ws,
        wShape,
        bs,
      );
      await useBackend("wasm");
      const got = await grads(conv2dTransposeOp(c.s, c.p, c.H, c.W), xs, xShape, ws, wShape, bs);
      expect(relErr(got.y, ref.y)).toBeLessThan(1e-5);
      for (let i = 0; i < 3; i++) expect(relErr(got.g[i], ref.g[i])).toBeLessThan(1e-5);
    });
  }
});

describe("conv layers: second-order gradients (gradient penalty through a conv critic)", () => {
  for (const transpose of [false, true]) {
    it(`${transpose ? "conv2dTranspose" : "conv2d"}: d/dW sum(grad_x(sum tanh(conv))^2) on wasm matches cpu`, async () => {
      const xShape = transpose ? [2, 3, 3, 2] : [2, 6, 6, 2];
      const wShape = [3, 3, 2, 2];
      const xs = arr(xShape, 7),
        ws = arr(wShape, 8);
      const pen = async (conv: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor) => {
        const x = tf.tensor(xs, xShape),
          w = tf.tensor(ws, wShape);
        const g = tf.grad((wv: tf.Tensor) => {
          const gx = tf.grad((xv: tf.Tensor) => tf.sum(tf.tanh(conv(xv, wv))))(x);
          return tf.sum(tf.square(gx));
        })(w);
        return Array.from(await g.data());
      };
      await useBackend("cpu");
      const ref = await pen((x, w) =>
        transpose
          ? tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 6, 6, 2], 2, "same")
          : tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same"),
      );
      await useBackend("wasm");
      const b = tf.zeros([2]);
      const got = await pen((x, w) => (transpose ? conv2dTransposeOp(2, "same", 6, 6) : conv2dOp(2, "same"))(x, w, b));
      expect(relErr(got, ref)).toBeLessThan(1e-4);
    });
  }
});

describe("dense", () => {
  beforeAll(() => useBackend("wasm"));
  it("custom gradient equals the default matMul gradient", async () => {
    const xs = arr([5, 4], 1),
      ws = arr([4, 3], 2),
      bs = arr([3], 3);
    const ref = await grads((x, w, b) => tf.add(tf.matMul(x, w), b), xs, [5, 4], ws, [4, 3], bs);
    const got = await grads(denseOp, xs, [5, 4], ws, [4, 3], bs);
    expect(relErr(got.y, ref.y)).toBeLessThan(1e-6);
    for (let i = 0; i < 3; i++) expect(relErr(got.g[i], ref.g[i])).toBeLessThan(1e-5);
  });
  it("second-order gradients flow through denseOp (needed by gradient penalty)", async () => {
    const x = tf.tensor(arr([3, 4], 1), [3, 4]);
    const w = tf.tensor(arr([4, 2], 2), [4, 2]);
    const b = tf.zeros([2]);
    const pen = (f: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
      tf.grad((wv: tf.Tensor) => {
        const gx = tf.grad((xv: tf.Tensor) => tf.sum(tf.tanh(f(xv, wv, b))))(x);
        return tf.sum(tf.square(gx));
      })(w);
    const ref = await pen((x, w, b) => tf.add(tf.matMul(x, w), b)).data();
    const got = await pen(denseOp).data();
    expect(relErr(Array.from(got), Array.from(ref))).toBeLessThan(1e-5);
  });
  it("layer creates named vars and checks input width", () => {
    const store = createParamStore(createRng(1));
    const l = dense(store, "D/dense_0", 4, 3);
    expect(l.vars).toEqual(["D/dense_0/kernel", "D/dense_0/bias"]);
    expect(store.get("D/dense_0/kernel").shape).toEqual([4, 3]);
    expect(() => l.apply(tf.zeros([2, 5]), { training: true, rng: createRng(1) })).toThrow(/expects input \[N, 4\]/);
  });
});

describe("batchnorm, dropout, activations", () => {
  beforeAll(() => useBackend("wasm"));
  it("batchnorm normalises in training and updates moving stats", async () => {
    const store = createParamStore(createRng(1));
    const bn = batchnorm(store, "bn", { channels: 2, momentum: 0.5, eps: 0 });
    const x = tf.tensor([
      [1, 10],
      [3, 30],
    ]);
    const y = (await bn.apply(x, { training: true, rng: createRng(1) }).array()) as number[][];
    expect(y[0][0]).toBeCloseTo(-1, 4);
    expect(y[1][1]).toBeCloseTo(1, 4);
    expect(Array.from(await store.get("bn/moving_mean").data())).toEqual([1, 10]); // 0.5*0 + 0.5*[2,20]
    expect(store.stateNames()).toEqual(["bn/moving_mean", "bn/moving_variance"]);
    const yi = await bn.apply(tf.tensor([[1, 10]]), { training: false, rng: createRng(1) }).data();
    // moving var = 0.5*1 + 0.5*[1,100]
    expect(yi[0]).toBeCloseTo(0, 5);
    expect(yi[1]).toBeCloseTo(0, 5);
  });
  it("batchnorm trains inside variableGrads (gradients reach gamma/beta, stats update) on NHWC input", async () => {
    const store = createParamStore(createRng(1));
    const bn = batchnorm(store, "D/bn_0", { channels: 3 });
    const x = tf.randomNormal([4, 2, 2, 3], 0, 1, "float32", 1);
    const w = tf.randomNormal([4, 2, 2, 3], 0, 1, "float32", 2);
    const vars = bn.vars.map((n) => store.get(n));
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(bn.apply(x, { training: true, rng: createRng(1) }), w)) as tf.Scalar,
      vars,
    );
    expect(Object.keys(grads).length).toBe(2);
    const mm = Array.from(await store.get("D/bn_0/moving_mean").data());
    expect(mm.some((v) => v !== 0)).toBe(true);
  });
  it("dropout is seeded and inverted", async () => {
    const d = dropout(0.5);
    const a = await d.apply(tf.ones([1000]), { training: true, rng: createRng(3) }).data();
    const b = await d.apply(tf.ones([1000]), { training: true, rng: createRng(3) }).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(new Set(Array.from(a))).toEqual(new Set([0, 2]));
    expect(await d.apply(tf.ones([3]), { training: false, rng: createRng(3) }).data()).toEqual(
      new Float32Array([1, 1, 1]),
    );
  });
  it("logSoftmax matches log(softmax)", async () => {
    const x = tf.tensor([
      [1, 2, 3],
      [1000, 0, -1000],
    ]);
    const v = (await logSoftmax(x).array()) as number[][];
    expect(v[0][2]).toBeCloseTo(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 5);
    expect(v[1][0]).toBeCloseTo(0, 5);
    expect(Number.isFinite(v[1][2])).toBe(true);
  });
});
