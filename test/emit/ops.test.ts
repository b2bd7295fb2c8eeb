import { describe, expect, it, beforeAll } from "vitest";
import { tf } from "../../runtime/tf.ts";
import * as ops from "../../runtime/ops.ts";
import { GancRuntimeError } from "../../runtime/errors.ts";
import { defineLoss } from "../../runtime/plugin.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const arr = (t: tf.Tensor) => Array.from(t.dataSync());
const close = (a: number[], b: number[], tol = 1e-4) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(tol));
};

describe("runtime ops", () => {
  it("expandRank inserts axes after the batch axis or at the front", () => {
    expect(ops.expandRank(tf.zeros([5, 3]), 4, true).shape).toEqual([5, 1, 1, 3]);
    expect(ops.expandRank(tf.zeros([2, 3]), 3, false).shape).toEqual([1, 2, 3]);
    expect(ops.expandRank(tf.zeros([2, 3]), 2, false).shape).toEqual([2, 3]);
  });

  it("index modes", () => {
    const x = tf.tensor([[1, 2, 3], [4, 5, 6]]); // batched [N=2, 3]
    close(arr(ops.indexConst(x, 2, true)), [3, 6]);
    close(arr(ops.indexConst(x, 1, false)), [4, 5, 6]);
    expect(() => ops.indexConst(x, 3, true)).toThrow(GancRuntimeError);
    const table = tf.tensor([[10, 11], [20, 21], [30, 31]]); // [K=3, 2]
    close(arr(ops.gather(table, tf.tensor1d([2, 0], "int32"))), [30, 31, 10, 11]);
    close(arr(ops.batchGather(x, tf.tensor1d([1, 2], "int32"))), [2, 6]);
    // batch_gather is differentiable in its target
    const g = tf.grad((t: tf.Tensor) => tf.sum(ops.batchGather(t, tf.tensor1d([1, 2], "int32"))))(x);
    close(arr(g), [0, 1, 0, 0, 0, 1]);
  });

  it("matmul with vec flags and broadcast batch dims", () => {
    const b = tf.tensor([[1, 0], [0, 2], [1, 1]]); // [K=3, d=2], whole-batch
    const x = tf.tensor([[1, 2], [3, 4]]); // batched vectors [N=2, d=2]
    const y = ops.matmul(b, x, false, true); // [N, K]
    expect(y.shape).toEqual([2, 3]);
    close(arr(y), [1, 4, 3, 3, 8, 7]);
    const L = tf.tensor([[[2, 0], [0, 3]], [[1, 1], [0, 1]]]); // [N=2, 2, 2]
    close(arr(ops.matmul(L, x, false, true)), [2, 6, 7, 4]);
    // row vector times matrix
    close(arr(ops.matmul(tf.tensor1d([1, 1]), tf.tensor([[1, 2], [3, 4]]), true, false)), [4, 6]);
    // plain 2-D
    expect(ops.matmul(tf.zeros([4, 3]), tf.zeros([3, 5]), false, false).shape).toEqual([4, 5]);
  });

  it("quadform broadcasts A [K,d,d] against x [N,1,d]", () => {
    const A = tf.tensor([[[1, 0], [0, 1]], [[2, 1], [1, 3]]]);
    const x = tf.tensor([[[1, 2]], [[0, 1]]]); // [N=2, 1, 2]
    const q = ops.quadform(A, x);
    expect(q.shape).toEqual([2, 2]);
    // x=(1,2): I -> 5; [[2,1],[1,3]] -> 2 + 4 + 12 = 18; x=(0,1): 1, 3
    close(arr(q), [5, 18, 1, 3]);
  });

  it("inv matches the inverse (with pivoting) and has the right gradient", () => {
    const a = tf.tensor([[[0, 1], [2, 0]], [[4, 7], [2, 6]]]); // first needs a row swap
    const ai = ops.inv(a);
    close(arr(ai), [0, 0.5, 1, 0, 0.6, -0.7, -0.2, 0.4]);
    close(arr(tf.matMul(a as tf.Tensor3D, ai as tf.Tensor3D)), [1, 0, 0, 1, 1, 0, 0, 1]);
    // numeric gradient of sum(inv(A) * W) at a 3x3 matrix
    const A0 = tf.tensor([[3, 1, 0], [1, 4, 1], [0.5, 1, 5]]);
    const W = tf.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    const f = (m: tf.Tensor) => tf.sum(tf.mul(ops.inv(m), W));
    const g = arr(tf.grad(f)(A0));
    const base = A0.arraySync() as number[][];
    const eps = 1e-2;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        const p = base.map((r) => [...r]);
        const m = base.map((r) => [...r]);
        p[i]![j]! += eps;
        m[i]![j]! -= eps;
        const num = (f(tf.tensor(p)).dataSync()[0]! - f(tf.tensor(m)).dataSync()[0]!) / (2 * eps);
        expect(Math.abs(num - g[i * 3 + j]!)).toBeLessThan(2e-3);
      }
  });

  it("logsumexp and concat with broadcasting", () => {
    close(arr(ops.logsumexp(tf.tensor([[0, 0], [1000, 1000]]), [1])), [Math.log(2), 1000 + Math.log(2)], 1e-3);
    const c = ops.concat([tf.ones([3, 2]), tf.zeros([1])], -1);
    expect(c.shape).toEqual([3, 3]);
  });

  it("foldCall folds extra leading dims into the batch and back", () => {
    const x = tf.ones([4, 3, 5]); // N=4, K=3 per-example extra dim, features 5
    let seen: number[] = [];
    const out = ops.foldCall(1, [x], (a) => {
      seen = a.shape;
      return tf.sum(a, 1, true);
    });
    expect(seen).toEqual([12, 5]);
    expect(out.shape).toEqual([4, 3, 1]);
    expect(() => ops.foldCall(1, [x, tf.ones([4, 2, 5])], (a) => a)).toThrow(GancRuntimeError);
  });

  it("checkFinite / asScalar raise typed errors naming the loss and line", () => {
    expect(ops.checkFinite(1.5, "d", "x.gan:3", 0)).toBe(1.5);
    try {
      ops.checkFinite(NaN, "d_loss", "gm_gan.gan:31", 12);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GancRuntimeError);
      expect((e as Error).message).toBe("loss d_loss is NaN at step 12");
      expect((e as GancRuntimeError).specLine).toBe("gm_gan.gan:31");
    }
    expect(() => ops.asScalar(tf.zeros([3]), "l", "a.gan:1")).toThrow(/not a scalar/);
    expect(ops.asScalar(tf.zeros([1, 1]), "l", "a.gan:1").rank).toBe(0);
  });

  it("callPluginLoss runs a defineLoss primitive and rejects missing ones", () => {
    const mod = {
      default: [
        defineLoss({
          name: "myloss",
          signatures: ["(a: Real, w: real = 1) -> Real"],
          doc: "a times w",
          implementation: ([a], { w }, tfi) => tfi.mul(a!, w as number),
        }),
      ],
    };
    close(arr(ops.callPluginLoss(mod, "myloss", [tf.scalar(2)], { w: 3 })), [6]);
    expect(() => ops.callPluginLoss(mod, "nope", [], {})).toThrow(GancRuntimeError);
  });
});
