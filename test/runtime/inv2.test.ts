// runtime/ops.ts inv: the closed-form 2x2 path (adj/det) against Gauss-Jordan (d = 3 path) values and a numeric
// gradient, with leading dims.
import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import * as ops from "../../runtime/ops.ts";
import { relErr, useBackend } from "./helpers.ts";

describe("inv 2x2 closed form", () => {
  beforeAll(() => useBackend("wasm"));
  it("inverts batches with leading dims and has the analytic gradient -A^-T W A^-T", async () => {
    const a = tf.tensor([[[[0, 1], [2, 0]], [[4, 7], [2, 6]]], [[[1, -0.2], [0.3, 0.9]], [[2, 1], [0.5, 3]]]]); // [2,2,2,2]
    const ai = ops.inv(a);
    expect(ai.shape).toEqual([2, 2, 2, 2]);
    const prod = tf.matMul(tf.reshape(a, [4, 2, 2]) as tf.Tensor3D, tf.reshape(ai, [4, 2, 2]) as tf.Tensor3D);
    expect(relErr(await prod.data(), [1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1])).toBeLessThan(1e-5);
    const W = tf.tensor([[1, 2], [3, 4]]);
    const A0 = tf.tensor([[3, 1], [0.5, 2]]);
    const g = await tf.grad((m: tf.Tensor) => tf.sum(tf.mul(ops.inv(m), W)))(A0).data();
    const Ainv = ops.inv(A0);
    const want = tf.neg(tf.matMul(tf.matMul(tf.transpose(Ainv), W), tf.transpose(Ainv)));
    expect(relErr(g, await want.data())).toBeLessThan(1e-5);
  });
});
