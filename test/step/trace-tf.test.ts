// The tracing `tf` of plugin losses (compiler/step/trace-tf.ts) against real tfjs: every traced function, called
// the way a plugin calls it (tfjs's argument conventions: default axes, keepDims, negative axes, numbers for
// tensors, transpose flags), gives the same values through the step IR's float64 interpreter as tfjs on cpu, and so
// do gradients taken with tf.grad / tf.grads; anything outside the subset is a TraceError naming it.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { StepBuilder } from "../../compiler/step/ir.ts";
import { interpret } from "../../compiler/step/interp.ts";
import { TRACED_TF_FUNCTIONS, TraceError, TracedTensor, tracingTf } from "../../compiler/step/trace-tf.ts";
import { initBackend } from "../../runtime/index.ts";

beforeAll(async () => {
  await initBackend("cpu");
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTf = Record<string, (...a: any[]) => any>;

/** deterministic values in (-2, 2), none near 0 (so sign, abs, relu and log of positives stay away from kinks) */
function values(n: number, seed: number, positive = false): number[] {
  let s = seed * 9301 + 49297;
  return Array.from({ length: n }, () => {
    s = (s * 9301 + 49297) % 233280;
    const u = 0.3 + 1.7 * (s / 233280);
    return positive ? u : (s % 2 ? u : -u);
  });
}

/** run `f` on real tfjs and on the tracer (then the interpreter), inputs of `shapes`; compare every output */
function same(f: (t: AnyTf, xs: unknown[]) => unknown, shapes: number[][], o: { positive?: boolean; tol?: number } = {}) {
  const data = shapes.map((s, i) => values(s.reduce((p, q) => p * q, 1), i + 1, o.positive));
  const real = tf.tidy(() => {
    const out = f(tf as unknown as AnyTf, shapes.map((s, i) => tf.tensor(data[i]!, s)));
    return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: (t as tf.Tensor).shape, data: Array.from((t as tf.Tensor).dataSync()) }));
  });
  const b = new StepBuilder("trace");
  const xs = shapes.map((s, i) => new TracedTensor(b.input(`x${i}`, "data", s), s));
  const traced = f(tracingTf(b) as AnyTf, xs);
  const outs = (Array.isArray(traced) ? traced : [traced]) as TracedTensor[];
  outs.forEach((t, i) => b.output(t.id, `out${i}`, "result"));
  const got = interpret(b.graph(), Object.fromEntries(data.map((d, i) => [`x${i}`, d])));
  outs.forEach((t, i) => {
    const want = real[i]!;
    expect(t.shape, `shape of output ${i}`).toEqual(want.shape);
    const g = Array.from(got[`out${i}`]!.data);
    const scale = Math.max(1, ...want.data.map(Math.abs));
    g.forEach((v, j) => expect(Math.abs(v - want.data[j]!), `output ${i}[${j}]: ${v} vs ${want.data[j]}`).toBeLessThan((o.tol ?? 1e-5) * scale));
  });
}

describe("the tracing tf = tfjs", () => {
  const M = [3, 4], V = [4], S: number[] = [];
  const cases: [string, (t: AnyTf, x: unknown[]) => unknown, number[][], { positive?: boolean; tol?: number }?][] = [
    ["add", (t, [a, b]) => t.add!(a, b), [M, V]],
    ["add (number first)", (t, [a]) => t.add!(1.5, a), [M]],
    ["sub", (t, [a, b]) => t.sub!(a, b), [M, M]],
    ["sub (number first)", (t, [a]) => t.sub!(1, a), [M]],
    ["mul", (t, [a, b]) => t.mul!(a, b), [M, S]],
    ["div", (t, [a, b]) => t.div!(a, b), [M, V]],
    ["maximum", (t, [a, b]) => t.maximum!(a, b), [M, M]],
    ["minimum", (t, [a]) => t.minimum!(a, 0.5), [M]],
    ["pow", (t, [a]) => t.pow!(a, 3), [M], { positive: true }],
    ["squaredDifference", (t, [a, b]) => t.squaredDifference!(a, b), [M, V]],
    ...(["neg", "exp", "abs", "square", "sign", "relu", "sigmoid", "tanh", "softplus", "logSigmoid", "reciprocal"] as const).map(
      (n) => [n, (t: AnyTf, [a]: unknown[]) => t[n]!(a), [M]] as [string, (t: AnyTf, x: unknown[]) => unknown, number[][]],
    ),
    ...(["log", "log1p", "sqrt", "rsqrt"] as const).map(
      (n) => [n, (t: AnyTf, [a]: unknown[]) => t[n]!(a), [M], { positive: true }] as [string, (t: AnyTf, x: unknown[]) => unknown, number[][], { positive: boolean }],
    ),
    ["leakyRelu (default alpha)", (t, [a]) => t.leakyRelu!(a), [M]],
    ["leakyRelu", (t, [a]) => t.leakyRelu!(a, 0.1), [M]],
    ["clipByValue", (t, [a]) => t.clipByValue!(a, -0.5, 0.7), [M]],
    ...(["sum", "mean", "max", "min", "logSumExp"] as const).flatMap((n) => [
      [`${n} (all)`, (t: AnyTf, [a]: unknown[]) => t[n]!(a), [M]],
      [`${n} axis 1`, (t: AnyTf, [a]: unknown[]) => t[n]!(a, 1), [M]],
      [`${n} axis -1 keepDims`, (t: AnyTf, [a]: unknown[]) => t[n]!(a, -1, true), [M]],
      [`${n} axes [0, 1]`, (t: AnyTf, [a]: unknown[]) => t[n]!(a, [0, 1]), [M]],
    ] as [string, (t: AnyTf, x: unknown[]) => unknown, number[][]][]),
    ["softmax", (t, [a]) => t.softmax!(a), [M]],
    ["logSoftmax axis -1", (t, [a]) => t.logSoftmax!(a, -1), [M]],
    ["softmax of a rank 3 (default axis)", (t, [a]) => t.softmax!(a), [[2, 3, 4]]],
    ["reshape with -1", (t, [a]) => t.reshape!(a, [2, -1]), [M]],
    ["transpose (default)", (t, [a]) => t.transpose!(a), [[2, 3, 4]]],
    ["transpose perm", (t, [a]) => t.transpose!(a, [1, 0, 2]), [[2, 3, 4]]],
    ["expandDims", (t, [a]) => t.expandDims!(a, 1), [M]],
    ["expandDims -1", (t, [a]) => t.expandDims!(a, -1), [M]],
    ["squeeze", (t, [a]) => t.squeeze!(a), [[3, 1, 4, 1]]],
    ["squeeze axis", (t, [a]) => t.squeeze!(a, [1]), [[3, 1, 4, 1]]],
    ["concat", (t, [a, b]) => t.concat!([a, b], -1), [M, [3, 2]]],
    ["slice", (t, [a]) => t.slice!(a, [1, 0], [2, -1]), [M]],
    ["slice (begin only)", (t, [a]) => t.slice!(a, [0, 2]), [M]],
    ["matMul", (t, [a, b]) => t.matMul!(a, b), [M, [4, 2]]],
    ["matMul transposeB", (t, [a, b]) => t.matMul!(a, b, false, true), [M, [2, 4]]],
    ["matMul transposeA", (t, [a, b]) => t.matMul!(a, b, true, false), [[4, 3], [4, 2]]],
    ["scalar", (t, [a]) => t.mul!(a, t.scalar!(2)), [M]],
    ["zerosLike", (t, [a]) => t.add!(t.zerosLike!(a), 1), [M]],
    ["onesLike", (t, [a]) => t.onesLike!(a), [M]],
    ["grad", (t, [a]) => t.grad!((x: unknown) => t.sum!(t.square!(t.tanh!(x))))(a), [M]],
    ["grad with dy", (t, [a, d]) => t.grad!((x: unknown) => t.exp!(x))(a, d), [M, M]],
    ["grad of grad", (t, [a]) => t.grad!((x: unknown) => t.sum!(t.grad!((y: unknown) => t.sum!(t.mul!(t.square!(y), y)))(x)))(a), [M]],
    ["grads", (t, [a, b]) => t.grads!((x: unknown, y: unknown) => t.sum!(t.mul!(t.sigmoid!(x), y)))([a, b]), [M, M]],
  ];

  for (const [label, f, shapes, o] of cases) it(label, () => same(f, shapes, o));

  it("every traced function has a case", () => {
    const covered = new Set(cases.map(([l]) => l.split(" ")[0]));
    expect(TRACED_TF_FUNCTIONS.filter((n) => !covered.has(n))).toEqual([]);
  });

  it("what is not traced is a TraceError naming it", () => {
    const b = new StepBuilder("t");
    const x = new TracedTensor(b.input("x", "data", [3]), [3]);
    const t = tracingTf(b) as AnyTf;
    expect(() => t.cumsum!(x)).toThrow(TraceError);
    expect(() => t.cumsum!(x)).toThrow(/tf\.cumsum is not traced/);
    expect(() => t.add!(x, "a")).toThrow(/expected a tensor or a number/);
    expect(() => t.add!(x, new TracedTensor(b.input("y", "data", [4]), [4]))).toThrow(TraceError);
    expect(() => t.leakyRelu!(x, 2)).toThrow(/alpha 2/);
    // not a thenable, so `await tf` inside a plugin does not hang
    expect((t as Record<string, unknown>).then).toBeUndefined();
  });
});
