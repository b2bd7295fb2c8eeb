// Tensor helpers implementing the IR op semantics that tfjs does not provide directly (compiler/ir/ir.ts). Generated
// trainers call these; everything here is built from differentiable tf ops (or has a custom gradient) so that
// losses can be differentiated through them. No function reads tensor data synchronously (webgpu).

import { tf } from "./tf.ts";
import { GancRuntimeError } from "./errors.ts";
import { callPluginLoss as pluginCall, pluginNetwork as makePluginNetwork, type NamedValue, type PluginNetwork } from "./plugin.ts";

type Tensor = tf.Tensor;

/** Raise the runtime rank of `x` to `rank` by inserting 1-axes right after the batch axis (batched values) or at
 * the front (whole-batch values). */
export function expandRank(x: Tensor, rank: number, batched: boolean): Tensor {
  const extra = rank - x.rank;
  if (extra <= 0) return x;
  const ones = new Array<number>(extra).fill(1);
  const shape = batched ? [x.shape[0]!, ...ones, ...x.shape.slice(1)] : [...ones, ...x.shape];
  return tf.reshape(x, shape);
}

/** Element `value` of the first per-example axis (axis 1 when batched), that axis removed. */
export function indexConst(x: Tensor, value: number, batched: boolean): Tensor {
  const axis = batched ? 1 : 0;
  const n = x.shape[axis];
  if (n === undefined || value < 0 || value >= n) {
    throw new GancRuntimeError(`index ${value} is out of range for an axis of size ${n ?? 0}`);
  }
  const begin = new Array<number>(x.rank).fill(0);
  const size = x.shape.map((d) => d);
  begin[axis] = value;
  size[axis] = 1;
  return tf.squeeze(tf.slice(x, begin, size), [axis]);
}

/** float one-hot rows [N, depth]; tf.oneHot rejects depth 1 (a one-component mixture, d = 1), where every row is 1. */
export function oneHotF(index: Tensor, depth: number): Tensor {
  if (depth === 1) return tf.ones([index.shape[0]!, 1]);
  return tf.oneHot(tf.cast(index, "int32"), depth).asType("float32");
}

/** target [K, ...] (whole-batch) indexed by a batched int index [N] -> [N, ...]. Written as a one-hot matmul:
 * tf.gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks; K is small here. */
export function gather(target: Tensor, index: Tensor): Tensor {
  const K = target.shape[0]!;
  const rest = target.shape.slice(1);
  const R = rest.reduce((p, d) => p * d, 1);
  const oh = oneHotF(index, K) as tf.Tensor2D; // [N, K]
  const out = tf.matMul(oh, tf.reshape(target, [K, R]) as tf.Tensor2D);
  return tf.reshape(out, [index.shape[0]!, ...rest]);
}

/** target [N, K, ...] (batched) indexed per example by index [N] -> [N, ...]. One-hot weighting keeps it
 * differentiable on every backend (gather with batchDims has no gradient in tfjs). */
export function batchGather(target: Tensor, index: Tensor): Tensor {
  const K = target.shape[1]!;
  const oh = oneHotF(index, K); // [N, K]
  const shape = [oh.shape[0]!, K, ...new Array<number>(target.rank - 2).fill(1)];
  return tf.sum(tf.mul(target, tf.reshape(oh, shape)), 1);
}

/** Swap the last two axes. */
export function transposeLast(x: Tensor): Tensor {
  if (x.rank < 2) return x;
  const perm = [...Array(x.rank).keys()];
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return tf.transpose(x, perm);
}

/** The broadcast of several shapes (numpy rules, right-aligned). */
export function broadcastShapes(...shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new GancRuntimeError(`shapes [${shapes.map((x) => x.join(",")).join("] and [")}] do not broadcast`);
      }
    }
  }
  return out;
}

function broadcastTo(x: Tensor, shape: number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  // not tf.broadcastTo: it runs as Tile, whose gradient is one slice + add per repeat (1000 ops for a batch of
  // 1000); adding zeros broadcasts the same way and its gradient is a single sum over the broadcast axes
  return tf.add(x, tf.zeros(shape, x.dtype));
}

/** numpy matmul on the trailing dims with broadcast batch dims; `aVec` / `bVec` mark a rank-1 operand (its trailing
 * dim is a vector), so a batched vector x [N, d] is treated as [N, d, 1] on the right. */
export function matmul(a: Tensor, b: Tensor, aVec: boolean, bVec: boolean): Tensor {
  let A = aVec ? tf.expandDims(a, -2) : a; // [..., 1, d]
  let B = bVec ? tf.expandDims(b, -1) : b; // [..., d, 1]
  const batch = broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2));
  A = broadcastTo(A, [...batch, ...A.shape.slice(-2)]);
  B = broadcastTo(B, [...batch, ...B.shape.slice(-2)]);
  let out: Tensor;
  if (batch.length === 0) out = tf.matMul(A as tf.Tensor2D, B as tf.Tensor2D);
  else {
    // tf.matMul wants rank-3; fold the batch dims
    const nb = batch.reduce((p, d) => p * d, 1);
    const A3 = tf.reshape(A, [nb, A.shape[A.rank - 2]!, A.shape[A.rank - 1]!]) as tf.Tensor3D;
    const B3 = tf.reshape(B, [nb, B.shape[B.rank - 2]!, B.shape[B.rank - 1]!]) as tf.Tensor3D;
    const o = tf.matMul(A3, B3);
    out = tf.reshape(o, [...batch, A.shape[A.rank - 2]!, B.shape[B.rank - 1]!]);
  }
  if (bVec) out = tf.squeeze(out, [out.rank - 1]);
  if (aVec) out = tf.squeeze(out, [out.rank - (bVec ? 1 : 2)]);
  return out;
}

/** x' A x on the trailing dims: A [..., d, d], x [..., d] -> [...] (leading dims broadcast). Written with
 * elementwise products and sums: cheap for the small d of quadratic potentials, and differentiable in A and x. */
export function quadform(A: Tensor, x: Tensor): Tensor {
  const Ax = tf.sum(tf.mul(A, tf.expandDims(x, -2)), -1); // [..., d]
  return tf.sum(tf.mul(x, Ax), -1);
}

/** Gauss-Jordan inverse with partial pivoting, built from tf ops (no data reads), on [B, d, d]. */
function gaussJordan(a: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, d] = [a.shape[0], a.shape[1]];
    const I = tf.eye(d);
    let M: Tensor = tf.concat([a, tf.broadcastTo(I, [B, d, d])], 2); // [B, d, 2d]
    const rows = tf.range(0, d, 1, "int32");
    for (let k = 0; k < d; k++) {
      // partial pivot: the row >= k with the largest |M[:, row, k]|
      const col = tf.squeeze(tf.slice(M, [0, 0, k], [B, d, 1]), [2]); // [B, d]
      const masked = tf.where(tf.greaterEqual(rows, k), tf.abs(col), tf.fill([B, d], -1));
      const p = tf.argMax(masked, 1); // [B]
      const ek = oneHotF(tf.fill([B], k, "int32"), d); // [B, d]
      const ep = oneHotF(p, d);
      const outer = (u: Tensor, v: Tensor) => tf.mul(tf.expandDims(u, 2), tf.expandDims(v, 1));
      // permutation swapping rows k and p (identity when p == k)
      const P = tf.add(I.expandDims(0), tf.addN([tf.neg(outer(ek, ek)), tf.neg(outer(ep, ep)), outer(ek, ep), outer(ep, ek)]));
      M = tf.matMul(P as tf.Tensor3D, M as tf.Tensor3D);
      const rowK = tf.squeeze(tf.slice(M, [0, k, 0], [B, 1, 2 * d]), [1]); // [B, 2d]
      const piv = tf.slice(M, [0, k, k], [B, 1, 1]).reshape([B, 1]);
      const r = tf.div(rowK, piv);
      const colK = tf.squeeze(tf.slice(M, [0, 0, k], [B, d, 1]), [2]); // [B, d]
      M = tf.add(tf.sub(M, outer(colK, r)), outer(ek, r));
    }
    return tf.slice(M, [0, 0, d], [B, d, d]) as tf.Tensor3D;
  });
}

const invCore = tf.customGrad(((...inputs: Array<Tensor | tf.GradSaveFunc>) => {
  const a = inputs[0] as tf.Tensor3D;
  const save = inputs[1] as tf.GradSaveFunc;
  const value = gaussJordan(a);
  save([value]);
  // d(A^-1) = -A^-1 dA A^-1  =>  grad_A = -A^-T g A^-T
  return {
    value,
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const vt = transposeLast(saved[0]!);
      return tf.neg(tf.matMul(tf.matMul(vt as tf.Tensor3D, dy), vt as tf.Tensor3D));
    },
  };
}) as Parameters<typeof tf.customGrad<tf.Tensor3D>>[0]);

// 2x2 inverse adj(M)/det(M) on rows f = [a, b, c, d] of flattened matrices: adj = f @ P_ADJ = [d, -b, -c, a],
// det = sum(f * (f @ P_DET)) with f @ P_DET = [d, -c, 0, 0]. 7 kernels and autodiff gradients, where Gauss-Jordan
// takes ~30 kernels per pivot (docs/performance.md: gat_gmm 492 -> 412 kernels per step). Created lazily, kept.
let inv2Consts: { adj: tf.Tensor2D; det: tf.Tensor2D } | null = null;
function inv2x2(x: Tensor): Tensor {
  inv2Consts ??= {
    adj: tf.keep(tf.tensor2d([0, 0, 0, 1, 0, -1, 0, 0, 0, 0, -1, 0, 1, 0, 0, 0], [4, 4])),
    det: tf.keep(tf.tensor2d([0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 1, 0, 0, 0], [4, 4])),
  };
  const f = tf.reshape(x, [-1, 4]) as tf.Tensor2D;
  const det = tf.sum(tf.mul(f, tf.matMul(f, inv2Consts.det)), -1, true);
  return tf.reshape(tf.div(tf.matMul(f, inv2Consts.adj), det), x.shape);
}

/** Inverse of the trailing [d, d] matrices of x (any leading dims). Differentiable. */
export function inv(x: Tensor): Tensor {
  const d = x.shape[x.rank - 1]!;
  if (x.rank < 2 || x.shape[x.rank - 2] !== d) {
    throw new GancRuntimeError(`inv needs square trailing matrices, got shape [${x.shape.join(", ")}]`);
  }
  if (d === 2) return inv2x2(x);
  const lead = x.shape.slice(0, -2);
  const B = lead.reduce((p, q) => p * q, 1);
  const y = invCore(tf.reshape(x, [B, d, d]));
  return tf.reshape(y, x.shape);
}

/** log sum exp over `axes` (runtime axes), numerically stable and differentiable. */
export function logsumexp(x: Tensor, axes: number[]): Tensor {
  if (axes.length === 0) return x;
  return tf.logSumExp(x, axes, false);
}

/** Concatenate along a runtime axis, broadcasting the other axes (a whole-batch operand against batched ones). */
export function concat(xs: Tensor[], axis: number): Tensor {
  const rank = Math.max(...xs.map((x) => x.rank));
  const ax = axis < 0 ? axis + rank : axis;
  // lower-rank operands get leading 1-axes first (right-aligned broadcasting)
  const aligned = xs.map((x) => (x.rank < rank ? tf.reshape(x, [...new Array<number>(rank - x.rank).fill(1), ...x.shape]) : x));
  const others = aligned.map((x) => x.shape.filter((_, i) => i !== ax));
  const common = broadcastShapes(...others);
  const ys = aligned.map((x) => {
    const target = [...common];
    target.splice(ax, 0, x.shape[ax]!);
    return broadcastTo(x, target);
  });
  return tf.concat(ys, ax);
}

/** Call `fn` on args with `mapDims` extra leading per-example dims: [N, m1..mk, ...] is folded into
 * [N*m1*..*mk, ...], `fn` runs on the folded batch and its result is unfolded to [N, m1..mk, ...out]. */
export function foldCall(mapDims: number, args: Tensor[], fn: (...xs: Tensor[]) => Tensor): Tensor {
  if (mapDims === 0) return fn(...args);
  const first = args[0];
  if (first === undefined) throw new GancRuntimeError("foldCall needs at least one argument");
  const lead = first.shape.slice(0, 1 + mapDims);
  const folded = args.map((a) => {
    const l = a.shape.slice(0, 1 + mapDims);
    if (l.length !== lead.length || l.some((d, i) => d !== lead[i])) {
      throw new GancRuntimeError(
        `cannot map a network over arguments with different leading dims [${lead.join(", ")}] and [${l.join(", ")}]`,
      );
    }
    return tf.reshape(a, [-1, ...a.shape.slice(1 + mapDims)]);
  });
  const out = fn(...folded);
  return tf.reshape(out, [...lead, ...out.shape.slice(1)]);
}

/** Apply a row-wise function (e.g. GMM responsibilities of [n, dim]) to x [..., dim] with any leading dims. */
export function applyRows(x: Tensor, fn: (rows: Tensor) => Tensor): Tensor {
  const lead = x.shape.slice(0, -1);
  const out = fn(tf.reshape(x, [-1, x.shape[x.rank - 1]!]));
  return tf.reshape(out, [...lead, ...out.shape.slice(1)]);
}

/** A loss graph's output as a scalar: checks that it has exactly one element. */
export function asScalar(x: Tensor, loss: string, specLine: string): tf.Scalar {
  if (x.size !== 1) {
    throw new GancRuntimeError(`loss ${loss} is not a scalar: its value has shape [${x.shape.join(", ")}]`, {
      specLine,
      hint: "a loss must reduce the batch: wrap per-example terms in E[...]",
    });
  }
  return (x.rank === 0 ? x : tf.reshape(x, [])) as tf.Scalar;
}

/** Throws a GancRuntimeError naming the loss, the step and the spec line when `value` is NaN or infinite. */
export function checkFinite(value: number, loss: string, specLine: string, step: number): number {
  if (Number.isFinite(value)) return value;
  const what = Number.isNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity";
  throw new GancRuntimeError(`loss ${loss} is ${what} at step ${step}`, {
    specLine,
    hint: "lower the learning rate, check log/div/inv arguments, or prefer log_sigmoid / log_softmax over log of a probability",
  });
}

/** Gradients for `vars` from a tf.variableGrads result; a variable the loss does not reach gets zeros (so the
 * optimizer always sees the same variable list). */
export function gradsFor(vars: tf.Variable[], grads: tf.NamedTensorMap): Tensor[] {
  return vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
}

/** Calls loss primitive `name` of a user plugin module (runtime/plugin.ts) with tensor args and the evaluated
 * named args, on the runtime's tfjs instance. */
export function callPluginLoss(
  mod: Record<string, unknown>,
  name: string,
  args: Tensor[],
  named: Record<string, NamedValue>,
  expectRank?: number,
): Tensor {
  return pluginCall(mod, name, args, named, tf, expectRank);
}

/** A network of the trainer as a plugin loss's `network` argument (runtime/plugin.ts PluginNetwork): `fn` runs it
 * (in the trainer's training mode, on the tape), `info` describes it with the spec's type notation. */
export function pluginNetwork(
  fn: (...inputs: Tensor[]) => Tensor,
  info: { name: string; inputs: readonly string[]; output: string },
): PluginNetwork {
  return makePluginNetwork(fn, info);
}
