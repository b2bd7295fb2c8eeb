// denseOp's gradients are evaluated lazily (runtime/layers/dense.ts): backprop computes only the gradients on the
// path to what is differentiated. These tests pin the values and the saved work.
import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { denseOp } from "../../runtime/layers/index.ts";
import { relErr, randn, useBackend } from "./helpers.ts";

const matmuls = (p: { kernels: { name: string }[] }) =>
  p.kernels.filter((k) => k.name === "BatchMatMul").length;

describe("denseOp lazy gradients", () => {
  beforeAll(() => useBackend("wasm"));

  it("gradients match tfjs's own matMul + add", async () => {
    const x = randn([6, 4], 1);
    const w = randn([4, 3], 2);
    const b = randn([3], 3);
    const probe = randn([6, 3], 4);
    const f = (op: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
      tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(op(a, c, d), probe)))([x, w, b]);
    const got = f(denseOp);
    const ref = f((a, c, d) => tf.add(tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), d));
    for (let i = 0; i < 3; i++) expect(relErr(await got[i]!.data(), await ref[i]!.data())).toBeLessThan(1e-5);
  });

  it("differentiating w.r.t. the input only skips the weight and bias gradients", async () => {
    const x = randn([8, 5], 1);
    const w = tf.variable(randn([5, 5], 2));
    const b = tf.variable(randn([5], 3));
    // forward: 1 matmul; backward for x only: dy @ W^T = 1 matmul (no x^T @ dy, no ones @ dy)
    const onlyX = await tf.profile(() => tf.grad((a: tf.Tensor) => tf.sum(denseOp(a, w, b)))(x));
    expect(matmuls(onlyX)).toBe(2);
    // for the weights (x is data): x^T @ dy and ones @ dy, and no dx
    const onlyW = await tf.profile(() => tf.variableGrads(() => tf.sum(denseOp(x, w, b)) as tf.Scalar, [w, b]).grads);
    expect(matmuls(onlyW)).toBe(3);
    expect(onlyW.kernels.filter((k) => k.name === "Transpose").length).toBe(1);
  });
});

describe("logSigmoid custom op", () => {
  beforeAll(() => useBackend("wasm"));
  const composed = (x: tf.Tensor) => tf.sub(tf.minimum(x, 0), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
  it("value and gradient match the composed formula (also for large |x|); second order works (the composed one has none)", async () => {
    const { logSigmoid } = await import("../../runtime/losses/index.ts");
    const x = tf.tensor1d([-80, -5, -0.3, 0, 0.7, 4, 90]);
    expect(relErr(await logSigmoid(x).data(), await composed(x).data())).toBeLessThan(1e-6);
    const g = (f: (x: tf.Tensor) => tf.Tensor) => tf.grad((v: tf.Tensor) => tf.sum(f(v)))(x);
    expect(relErr(await g(logSigmoid).data(), await g(composed).data())).toBeLessThan(1e-6);
    const w = tf.tensor1d([0.5, -1.5, 2, 0.1, 1, -0.2, 0.3]);
    // d/dw of |d/dx sum(logSigmoid(w * x))|^2: needs the backward pass to be differentiable
    const pen = (f: (x: tf.Tensor) => tf.Tensor) =>
      tf.grad((wv: tf.Tensor) => tf.sum(tf.square(tf.grad((xv: tf.Tensor) => tf.sum(f(tf.mul(wv, xv))))(x))))(w);
    // analytic: S(w) = sum_i (w_i s_i)^2 with s_i = sigmoid(-w_i x_i); dS/dw_i = 2 w s (s - w x s (1 - s))
    const xs = await x.data();
    const want = Array.from(await w.data()).map((wi, i) => {
      const s = 1 / (1 + Math.exp(wi * xs[i]!));
      return 2 * wi * s * (s - wi * xs[i]! * s * (1 - s));
    });
    expect(relErr(await pen(logSigmoid).data(), want)).toBeLessThan(1e-5);
  });
});

describe("denseOp weight gradient layouts", () => {
  beforeAll(() => useBackend("wasm"));
  it("narrow outputs (1 or 2 units) and narrow inputs give tfjs's gradients, with fewer transposes", async () => {
    for (const [n, nin, nout] of [
      [16, 12, 1],
      [16, 12, 2],
      [16, 1, 12],
      [16, 12, 12],
    ] as const) {
      const x = randn([n, nin], 1);
      const w = randn([nin, nout], 2);
      const b = randn([nout], 3);
      const probe = randn([n, nout], 4);
      const f = (op: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
        tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(op(a, c, d), probe)))([x, w, b]);
      const got = f(denseOp);
      const ref = f((a, c, d) => tf.add(tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), d));
      for (let i = 0; i < 3; i++)
        expect(relErr(await got[i]!.data(), await ref[i]!.data()), `[${n},${nin}]->${nout} grad ${i}`).toBeLessThan(1e-5);
    }
    // out = 1: no Transpose kernel at all in the backward pass
    const x = randn([16, 12], 1);
    const w = tf.variable(randn([12, 1], 2));
    const b = tf.variable(randn([1], 3));
    const prof = await tf.profile(() => tf.variableGrads(() => tf.sum(denseOp(x, w, b)) as tf.Scalar, [w, b]).grads);
    expect(prof.kernels.filter((k) => k.name === "Transpose").length).toBe(0);
  });
});
