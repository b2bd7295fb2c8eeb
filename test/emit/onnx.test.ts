// The ONNX printer (compiler/emit/onnx) op by op: every primitive of OPS as a one-node step graph, run through
// printOnnx + onnxruntime-node (CPU, one thread) and through the float64 reference interpreter, on seeded random
// inputs (several shapes and attrs per op: broadcasting, negative axes, axes null, keepdims, |x| = 100 and 1000 for
// the stable ops, batch-broadcast matmul, well-conditioned inverses). f32 results agree within 1e-5 of max |ref|
// unless a case says why float32 needs more; i32 and bool exactly. conv2d / conv2d_transpose are checked against
// naive loops written here as well as against the interpreter (both with dilations, as filter gradients use them). Then the printer's contract: names
// (`:new`), Identity outputs, static shapes, doc strings, metadata, determinism, and errors for what has no form.
import { afterAll, describe, expect, it } from "vitest";
import ort from "onnxruntime-node";
import pkg from "onnx-proto";
import { OPS, StepBuilder, type DType, type StepAttr, type StepGraph, type StepOp, type StepValue } from "../../compiler/step/ir.ts";
import { KERNELS, interpret } from "../../compiler/step/interp.ts";
import { ONNX_OPS, OnnxPrintError, printOnnx, type OnnxModel } from "../../compiler/emit/onnx/index.ts";
import { checkFile } from "../../compiler/pipeline.ts";
import { lowerStepPlan } from "../../compiler/step/plan.ts";
import { mulberry32, type MetricRng } from "../../runtime/metrics/rng.ts";
import { join } from "node:path";

const { onnx } = pkg;
const ROOT = join(import.meta.dirname, "../..");
const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

type Feed = { data: ArrayLike<number>; shape: number[]; dtype: DType };

async function runOrt(m: OnnxModel, feeds: Record<string, Feed>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(m.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  const t: Record<string, ort.Tensor> = {};
  for (const i of m.inputs) {
    const f = feeds[i.name]!;
    t[i.onnx] =
      f.dtype === "f32" ? new ort.Tensor("float32", Float32Array.from(f.data), f.shape)
      : f.dtype === "i32" ? new ort.Tensor("int32", Int32Array.from(f.data), f.shape)
      : new ort.Tensor("bool", Uint8Array.from(f.data, (x) => (x ? 1 : 0)), f.shape);
  }
  const out = await s.run(t);
  await s.release();
  return out;
}

/** max |a - b| / max |b| (finite parts; non-finite values must match exactly), and whether the pattern matches */
function relMaxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0, d = 0;
  for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i]!)) m = Math.max(m, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) {
    const x = Number(a[i]), y = Number(b[i]);
    if (!Number.isFinite(y)) {
      if (!Object.is(x, y) && !(Number.isNaN(x) && Number.isNaN(y))) return Infinity;
    } else d = Math.max(d, Math.abs(x - y));
  }
  return m === 0 ? d : d / m;
}

// ---- cases ----------------------------------------------------------------------------------------------------

type Gen = (r: MetricRng, i: number, shape: number[]) => number;
interface Arg {
  shape: number[];
  dtype?: DType;
  gen?: Gen;
}
interface Case {
  op: string;
  args: Arg[];
  attrs?: Record<string, StepAttr>;
  /** relative to max |ref| (default 1e-5) */
  tol?: number;
  /** also element-wise relative error (for the stable forms whose outputs are tiny) */
  elementwise?: number;
  label?: string;
}

const U = (lo: number, hi: number): Gen => (r) => lo + (hi - lo) * r.uniform();
const N = (sd = 1): Gen => (r) => sd * r.normal();
const INT = (lo: number, hi: number): Gen => (r) => lo + r.int(hi - lo + 1);
const BOOL: Gen = (r) => (r.uniform() < 0.5 ? 1 : 0);
/** ordinary values with |x| = 100 and 1000 mixed in (the stable ops) */
const EXTREME: Gen = (r, i) => [100, -100, 1000, -1000][i % 7] ?? N(3)(r, i, []);
/** small integers as floats: ties for the comparisons, exact zeros for sign / step / the truth casts */
const TIES: Gen = (r) => r.int(5) - 2;
/** well-conditioned matrices: I + 0.3 N(0, 1) / sqrt(d) per trailing [d, d] block */
const WELL: Gen = (r, i, s) => {
  const d = s[s.length - 1]!;
  const row = Math.floor(i / d) % d, col = i % d;
  return (row === col ? 1 : 0) + (0.3 * r.normal()) / Math.sqrt(d);
};
const f = (shape: number[], gen: Gen = N()): Arg => ({ shape, gen });
const i32 = (shape: number[], gen: Gen = INT(-5, 5)): Arg => ({ shape, dtype: "i32", gen });
const b8 = (shape: number[]): Arg => ({ shape, dtype: "bool", gen: BOOL });

const unaryShapes = [[], [5], [2, 3, 4]];
const CASES: Case[] = [
  ...["exp", "relu", "tanh", "sigmoid", "softplus", "log_sigmoid", "neg", "abs", "square", "sign", "stop_gradient"].flatMap((op) => unaryShapes.map((s) => ({ op, args: [f(s, N(2))] }))),
  ...["tanh", "sigmoid", "softplus", "log_sigmoid"].map((op) => ({ op, args: [f([4, 7], EXTREME)], label: "|x| = 100, 1000" })),
  // tiny outputs: softplus(x) ~ e^x for x << 0 must keep float32's relative precision (log(1 + e^x) would give 0)
  { op: "softplus", args: [f([64], U(-80, -15))], elementwise: 1e-5, label: "tiny outputs" },
  { op: "log_sigmoid", args: [f([64], U(15, 80))], elementwise: 1e-5, label: "tiny outputs" },
  { op: "log", args: [f([3, 4], U(0.01, 10))] },
  { op: "sqrt", args: [f([3, 4], U(0, 10))] },
  ...["neg", "abs", "square", "sign"].map((op) => ({ op, args: [i32([3, 4])] })),
  { op: "sign", args: [f([10], TIES)], label: "zeros" },
  { op: "step", args: [f([3, 4], TIES)], attrs: { alpha: 0.2 }, label: "alpha 0.2, zeros" },
  { op: "step", args: [f([2, 5], N())], label: "alpha default" },
  { op: "relu", args: [f([10], TIES)], label: "zeros" },

  ...["add", "sub", "mul", "div", "pow", "maximum", "minimum"].flatMap((op) => {
    const a = op === "pow" ? U(0.1, 3) : N();
    const b = op === "div" ? U(0.5, 2) : op === "pow" ? U(-2, 2) : N();
    return [
      { op, args: [f([2, 3], a), f([3], b)] },
      { op, args: [f([4, 1, 3], a), f([2, 1], b)] },
      { op, args: [f([], a), f([2, 2], b)] },
    ];
  }),
  { op: "pow", args: [f([6], U(-3, 3)), f([6], INT(0, 3))], label: "negative base, integer exponents" },
  ...["add", "sub", "mul", "maximum", "minimum"].map((op) => ({ op, args: [i32([2, 3]), i32([3])] })),
  { op: "div", args: [i32([2, 4], INT(-9, 9)), i32([4], (r) => (r.uniform() < 0.5 ? -1 : 1) * (1 + r.int(4)))], label: "truncates" },
  { op: "pow", args: [i32([5], INT(-3, 3)), i32([5], INT(0, 3))] },

  ...["gt", "ge", "lt", "le", "eq"].flatMap((op) => [
    { op, args: [f([3, 4], TIES), f([4], TIES)] },
    { op, args: [i32([2, 3], INT(-2, 2)), i32([], INT(-1, 1))] },
    { op, args: [b8([2, 3]), b8([3])], label: "bool" },
  ]),
  { op: "and", args: [b8([2, 3]), b8([3])] },
  { op: "or", args: [b8([4, 1]), b8([1, 3])] },
  { op: "not", args: [b8([5])] },
  { op: "and", args: [f([6], TIES), f([6], TIES)], label: "f32 truth" },
  { op: "or", args: [i32([6], INT(-1, 1)), i32([6], INT(-1, 1))], label: "i32 truth" },
  { op: "not", args: [f([6], TIES)], label: "f32 truth" },
  { op: "where", args: [b8([1, 3]), f([2, 1]), f([])] },
  { op: "where", args: [b8([2, 3]), i32([3]), i32([2, 3])] },
  { op: "where", args: [b8([4]), b8([4]), b8([])], label: "bool branches" },

  { op: "cast", args: [f([8], U(-5, 5))], attrs: { to: "i32" } },
  { op: "cast", args: [f([8], TIES)], attrs: { to: "bool" } },
  { op: "cast", args: [f([8], N())], attrs: { to: "f32" }, label: "no-op" },
  { op: "cast", args: [i32([8])], attrs: { to: "f32" } },
  { op: "cast", args: [i32([8], INT(-1, 1))], attrs: { to: "bool" } },
  { op: "cast", args: [b8([8])], attrs: { to: "f32" } },
  { op: "cast", args: [b8([8])], attrs: { to: "i32" } },

  { op: "matmul", args: [f([3, 4]), f([4, 5])] },
  { op: "matmul", args: [f([2, 3, 4]), f([4, 5])] },
  { op: "matmul", args: [f([2, 1, 3, 4]), f([5, 4, 2])], label: "batch broadcast" },
  { op: "matmul", args: [f([3, 4]), f([2, 4, 5])], label: "batch broadcast" },
  { op: "matmul", args: [f([64, 100]), f([100, 32])], tol: 3e-6, label: "k = 100" },
  // float32 LU round-off grows with the condition number (here below ~10): 1e-5 of max |ref| holds
  { op: "inv", args: [f([3, 3], WELL)] },
  { op: "inv", args: [f([2, 4, 4], WELL)] },
  { op: "inv", args: [f([2, 3, 2, 2], WELL)] },
  { op: "inv", args: [f([1, 8, 8], WELL)] },

  ...["sum", "mean", "max", "min", "logsumexp"].flatMap((op) => [
    { op, args: [f([2, 3, 4])], attrs: { axes: null, keepdims: false } },
    { op, args: [f([2, 3, 4])], attrs: { axes: null, keepdims: true } },
    { op, args: [f([2, 3, 4])], attrs: { axes: [0, -1], keepdims: true } },
    { op, args: [f([2, 3, 4])], attrs: { axes: [-2], keepdims: false } },
    { op, args: [f([5])], attrs: { axes: [0], keepdims: false } },
    { op, args: [f([])], attrs: { axes: null, keepdims: false }, label: "rank 0" },
  ]),
  ...["sum", "mean", "max", "min"].map((op) => ({ op, args: [i32([6, 4], INT(-9, 9))], attrs: { axes: [1], keepdims: false } })),
  { op: "logsumexp", args: [f([4, 7], EXTREME)], attrs: { axes: [1], keepdims: false }, label: "|x| = 100, 1000" },
  { op: "logsumexp", args: [f([3, 2], (_, i) => [1000, 1000, -Infinity, -Infinity, -1000, -Infinity][i]!)], attrs: { axes: [-1], keepdims: true }, label: "-inf rows" },

  { op: "reshape", args: [f([2, 3, 4])], attrs: { shape: [6, 4] } },
  { op: "reshape", args: [f([2, 3, 4])], attrs: { shape: [4, 1, 6] } },
  { op: "reshape", args: [f([])], attrs: { shape: [1, 1] } },
  { op: "reshape", args: [i32([1])], attrs: { shape: [] } },
  { op: "transpose", args: [f([2, 3, 4])], attrs: { perm: [2, 0, 1] } },
  { op: "transpose", args: [i32([3, 5])], attrs: { perm: [1, 0] } },
  { op: "transpose", args: [f([4])], attrs: { perm: [0] } },
  { op: "broadcast_to", args: [f([3])], attrs: { shape: [2, 3] } },
  { op: "broadcast_to", args: [f([2, 1])], attrs: { shape: [3, 2, 4] } },
  { op: "broadcast_to", args: [i32([])], attrs: { shape: [2, 2] } },
  { op: "broadcast_to", args: [b8([1, 3])], attrs: { shape: [2, 3] } },
  { op: "slice", args: [f([2, 5])], attrs: { axis: -1, start: 1, end: 3 } },
  { op: "slice", args: [f([4, 3, 2])], attrs: { axis: 0, start: 0, end: 4 } },
  { op: "slice", args: [i32([4, 3, 2])], attrs: { axis: 1, start: 2, end: 3 } },
  { op: "concat", args: [f([2, 1]), f([2, 2])], attrs: { axis: 1 } },
  { op: "concat", args: [f([2, 3, 1]), f([2, 3, 2]), f([2, 3, 1])], attrs: { axis: -1 } },
  { op: "concat", args: [i32([1, 2]), i32([3, 2])], attrs: { axis: 0 } },
  { op: "concat", args: [f([3])], attrs: { axis: 0 }, label: "one operand" },
  { op: "gather", args: [f([3, 2]), i32([2, 2], INT(-3, 2))], attrs: { axis: 0 }, label: "negative indices" },
  { op: "gather", args: [f([3, 3]), i32([1, 2], INT(0, 2))], attrs: { axis: 1 } },
  { op: "gather", args: [f([2, 3, 4]), i32([5], INT(0, 3))], attrs: { axis: -1 } },
  { op: "gather", args: [i32([4, 2]), i32([], INT(0, 3))], attrs: { axis: 0 }, label: "scalar index" },
  { op: "one_hot", args: [i32([6], (_, i) => [0, 2, -1, 5, 1, -3][i]!)], attrs: { depth: 3 }, label: "negative, out of range" },
  { op: "one_hot", args: [i32([2, 3], INT(0, 3))], attrs: { depth: 4 } },
  ...["softmax", "log_softmax"].flatMap((op) => [
    { op, args: [f([3, 5], N(2))] },
    { op, args: [f([3, 5], N(2))], attrs: { axis: 0 } },
    { op, args: [f([2, 3, 4], N(2))], attrs: { axis: 1 } },
    { op, args: [f([4, 7], EXTREME)], attrs: { axis: -1 }, label: "|x| = 100, 1000" },
  ]),
];

/** ops exercised by their own tests below rather than by CASES */
const ELSEWHERE: Record<string, string> = {
  input: "every case feeds graph inputs; an output that is an input is the Identity test",
  const: "the const test (scalar, list, a number filling a shape; f32, i32, bool)",
  conv2d: "the conv tests (naive loops and the interpreter)",
  conv2d_transpose: "the conv tests (naive loops and the interpreter)",
};

// ---- running a case --------------------------------------------------------------------------------------------

const worst = new Map<string, number>();
const note = (key: string, e: number) => worst.set(key, Math.max(worst.get(key) ?? 0, e));

function randomData(r: MetricRng, a: Arg): number[] {
  const g = a.gen ?? N();
  return Array.from({ length: size(a.shape) }, (_, i) => {
    const x = g(r, i, a.shape);
    return (a.dtype ?? "f32") === "f32" ? Math.fround(x) : x;
  });
}

/** a one-node graph */
function oneNode(op: string, args: Arg[], attrs: Record<string, StepAttr>): StepGraph {
  const b = new StepBuilder(`case_${op}`);
  const ids = args.map((a, i) => b.input(`a${i}`, "data", a.shape, a.dtype ?? "f32"));
  b.output(b.add(op as StepOp, ids, attrs), "y", "result");
  return b.graph();
}

async function check(g: StepGraph, data: number[][]): Promise<{ ort: ort.Tensor; ref: ReturnType<typeof interpret>["y"] | null }> {
  const m = printOnnx(g);
  const feeds = Object.fromEntries(g.inputs.map((inp, i) => [inp.name, { data: data[i]!, shape: g.values[inp.id]!.shape, dtype: g.values[inp.id]!.dtype }]));
  const out = await runOrt(m, feeds);
  const y = out[m.outputs[0]!.onnx]!;
  expect(y.dims).toEqual(g.values[g.outputs[0]!.id]!.shape);
  const ref = g.values.every((v) => v.op in KERNELS) ? interpret(g, Object.fromEntries(g.inputs.map((inp, i) => [inp.name, data[i]!])))["y"]! : null;
  return { ort: y, ref };
}

function compare(key: string, y: ort.Tensor, ref: { dtype: DType; data: ArrayLike<number> }, tol: number, elementwise?: number) {
  const got = Array.from(y.data as ArrayLike<number>, Number);
  if (ref.dtype !== "f32") {
    expect(y.type).toBe(ref.dtype === "i32" ? "int32" : "bool");
    expect(got, key).toEqual(Array.from(ref.data));
    note(key, 0);
    return;
  }
  expect(y.type).toBe("float32");
  const e = relMaxErr(got, ref.data);
  note(key, e);
  expect(e, key).toBeLessThanOrEqual(tol);
  if (elementwise !== undefined)
    got.forEach((x, i) => expect(Math.abs(x - ref.data[i]!) / Math.abs(ref.data[i]!), `${key} element ${i}`).toBeLessThan(elementwise));
}

describe("ONNX printer: every op against the reference interpreter", () => {
  it("every op of OPS has an ONNX form and a case (or a named test that covers it)", () => {
    const covered = new Set([...CASES.map((c) => c.op), ...Object.keys(ELSEWHERE)]);
    for (const op of Object.keys(OPS)) {
      expect(ONNX_OPS[op], `ONNX_OPS has no entry for ${op}`).toBeTypeOf("function");
      expect(covered.has(op), `no ORT-vs-interpreter case for ${op}`).toBe(true);
    }
    // and nothing in the table that is not a step op
    for (const op of Object.keys(ONNX_OPS)) expect(op in OPS, `${op} is not a step op`).toBe(true);
  });

  it("each case agrees (f32 within 1e-5 of max |ref|, i32 / bool exactly)", async () => {
    const r = mulberry32(14);
    // all cases run; the failures are reported together
    const failures: string[] = [];
    for (const c of CASES) {
      const g = oneNode(c.op, c.args, c.attrs ?? {});
      const data = c.args.map((a) => randomData(r, a));
      const key = `${c.op}${c.label ? ` (${c.label})` : ""} [${c.args.map((a) => `${a.dtype ?? "f32"}[${a.shape}]`).join(", ")}]`;
      try {
        const { ort: y, ref } = await check(g, data);
        compare(`${c.op}${c.label ? ` (${c.label})` : ""}`, y, ref!, c.tol ?? 1e-5, c.elementwise);
      } catch (err) {
        failures.push(`${key} ${JSON.stringify(c.attrs ?? {})}: ${String(err).split("\n")[0]!.slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("const: scalars, lists and a number filling a shape, in every dtype", async () => {
    const b = new StepBuilder("consts");
    const x = b.input("x", "data", [2, 3]);
    b.output(b.const(2.5), "scalar", "result");
    b.output(b.const([1.5], []), "one_list", "result");
    b.output(b.const([1, -2, 3.25, 0, 5, 6], [2, 3]), "list", "result");
    b.output(b.const(0, [4, 1, 3]), "filled", "result");
    b.output(b.const([7, -8], [2], "i32"), "ints", "result");
    b.output(b.const(3, [2, 2], "i32"), "int_filled", "result");
    b.output(b.const([1, 0, 1], [3], "bool"), "bools", "result");
    b.output(b.add("mul", [x, b.const([1, 2, 3], [3])]), "scaled", "result");
    const g = b.graph();
    const xs = [1, 2, 3, 4, 5, 6];
    const m = printOnnx(g);
    const out = await runOrt(m, { x: { data: xs, shape: [2, 3], dtype: "f32" } });
    const ref = interpret(g, { x: xs });
    for (const o of m.outputs) {
      expect(out[o.onnx]!.dims).toEqual(o.shape);
      compare(`const ${o.name}`, out[o.onnx]!, ref[o.name]!, 0);
    }
    // a filling number is one scalar Constant expanded, not a materialised tensor
    const nodes = onnx.ModelProto.decode(m.bytes).graph!.node!;
    expect(nodes.find((n) => n.output![0] === "filled")!.opType).toBe("Expand");
  });
});

// ---- convolutions ----------------------------------------------------------------------------------------------

/** naive conv2d: x [N, C, H, W], w [O, C, kh, kw], pads [top, left, bottom, right], dilations [dh, dw] */
function convRef(x: number[], xs: number[], w: number[], ws: number[], [sh, sw]: number[], [pt, pl, pb, pr]: number[], [dh, dw]: number[] = [1, 1]) {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [O, , kh, kw] = ws as [number, number, number, number];
  const Ho = Math.floor((H + pt! + pb! - dh! * (kh - 1) - 1) / sh!) + 1, Wo = Math.floor((W + pl! + pr! - dw! * (kw - 1) - 1) / sw!) + 1;
  const out = new Float64Array(N * O * Ho * Wo);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          let s = 0;
          for (let c = 0; c < C; c++)
            for (let a = 0; a < kh; a++)
              for (let b = 0; b < kw; b++) {
                const h = i * sh! + a * dh! - pt!, v = j * sw! + b * dw! - pl!;
                if (h >= 0 && h < H && v >= 0 && v < W) s += x[((n * C + c) * H + h) * W + v]! * w[((o * C + c) * kh + a) * kw + b]!;
              }
          out[((n * O + o) * Ho + i) * Wo + j] = s;
        }
  return { data: out, shape: [N, O, Ho, Wo] };
}

/** naive transposed conv (the gradient of conv2d wrt its input): x [N, C, H, W], w [C, O, kh, kw]; every input
 * pixel scatters w into the full output, which is then cropped by pads and extended by output_padding */
function convTRef(x: number[], xs: number[], w: number[], ws: number[], [sh, sw]: number[], [pt, pl, pb, pr]: number[], [ph, pw]: number[], [dh, dw]: number[] = [1, 1]) {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [, O, kh, kw] = ws as [number, number, number, number];
  const Ho = sh! * (H - 1) + ph! + dh! * (kh - 1) + 1 - pt! - pb!, Wo = sw! * (W - 1) + pw! + dw! * (kw - 1) + 1 - pl! - pr!;
  const out = new Float64Array(N * O * Ho * Wo);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let o = 0; o < O; o++)
            for (let a = 0; a < kh; a++)
              for (let b = 0; b < kw; b++) {
                const h = i * sh! + a * dh! - pt!, v = j * sw! + b * dw! - pl!;
                if (h >= 0 && h < Ho && v >= 0 && v < Wo) out[((n * O + o) * Ho + h) * Wo + v]! += x[((n * C + c) * H + i) * W + j]! * w[((c * O + o) * kh + a) * kw + b]!;
              }
  return { data: out, shape: [N, O, Ho, Wo] };
}

describe("ONNX printer: conv2d and conv2d_transpose", () => {
  const convCases: { strides: number[]; pads: number[]; dilations?: number[]; x: number[]; w: number[] }[] = [
    { strides: [1, 1], pads: [0, 0, 0, 0], x: [2, 3, 5, 5], w: [4, 3, 3, 3] },
    { strides: [2, 2], pads: [1, 1, 1, 1], x: [1, 2, 7, 6], w: [3, 2, 3, 3] },
    { strides: [2, 1], pads: [0, 2, 1, 0], x: [2, 1, 6, 5], w: [2, 1, 2, 3] }, // asymmetric pads and strides
    { strides: [1, 2], pads: [2, 0, 0, 1], x: [1, 3, 4, 8], w: [2, 3, 4, 4] },
    // the filter gradient of a stride-2 conv: batch as channels, the cotangent as a dilated filter
    { strides: [1, 1], pads: [1, 1, 0, 1], dilations: [2, 2], x: [3, 4, 8, 8], w: [2, 4, 4, 4] },
    { strides: [2, 1], pads: [0, 1, 2, 0], dilations: [1, 2], x: [1, 2, 7, 7], w: [3, 2, 3, 2] },
  ];
  it("conv2d = naive loops = the interpreter", async () => {
    const r = mulberry32(20);
    for (const c of convCases) {
      const x = randomData(r, f(c.x)), w = randomData(r, f(c.w));
      const want = convRef(x, c.x, w, c.w, c.strides, c.pads, c.dilations);
      const g = oneNode("conv2d", [f(c.x), f(c.w)], { strides: c.strides, pads: c.pads, ...(c.dilations ? { dilations: c.dilations } : {}) });
      expect(g.values[2]!.shape).toEqual(want.shape);
      const { ort: y, ref } = await check(g, [x, w]);
      expect(y.dims).toEqual(want.shape);
      const key = `conv2d s${c.strides} p${c.pads} d${c.dilations ?? [1, 1]}`;
      compare(`${key} vs loops`, y, { dtype: "f32", data: want.data }, 1e-5);
      expect(ref).not.toBeNull();
      compare(key, y, ref!, 1e-5);
    }
  });

  const convTCases: { strides: number[]; pads: number[]; output_padding: number[]; dilations?: number[]; x: number[]; w: number[] }[] = [
    { strides: [1, 1], pads: [0, 0, 0, 0], output_padding: [0, 0], x: [2, 3, 4, 4], w: [3, 2, 3, 3] },
    { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1], x: [1, 2, 4, 3], w: [2, 3, 4, 4] }, // DCGAN's upsampling, + 1
    { strides: [2, 2], pads: [0, 1, 1, 0], output_padding: [1, 0], x: [2, 1, 3, 3], w: [1, 2, 3, 2] }, // asymmetric
    { strides: [2, 1], pads: [2, 0, 1, 1], output_padding: [0, 0], x: [1, 2, 3, 5], w: [2, 2, 5, 3] },
    // the input gradient of a dilated conv (second-order gradients through a conv's filter gradient)
    { strides: [1, 2], pads: [1, 0, 0, 1], output_padding: [0, 1], dilations: [2, 2], x: [2, 2, 4, 4], w: [2, 3, 3, 2] },
  ];
  it("conv2d_transpose = naive loops = the interpreter", async () => {
    const r = mulberry32(21);
    for (const c of convTCases) {
      const x = randomData(r, f(c.x)), w = randomData(r, f(c.w));
      const want = convTRef(x, c.x, w, c.w, c.strides, c.pads, c.output_padding, c.dilations);
      const attrs = { strides: c.strides, pads: c.pads, output_padding: c.output_padding, ...(c.dilations ? { dilations: c.dilations } : {}) };
      const g = oneNode("conv2d_transpose", [f(c.x), f(c.w)], attrs);
      expect(g.values[2]!.shape).toEqual(want.shape);
      const { ort: y, ref } = await check(g, [x, w]);
      expect(y.dims).toEqual(want.shape);
      const key = `conv2d_transpose s${c.strides} p${c.pads} op${c.output_padding} d${c.dilations ?? [1, 1]}`;
      compare(`${key} vs loops`, y, { dtype: "f32", data: want.data }, 1e-5);
      expect(ref).not.toBeNull();
      compare(key, y, ref!, 1e-5);
    }
  });
});

// ---- the printer's contract ------------------------------------------------------------------------------------

describe("ONNX printer: names, shapes, doc strings, determinism", () => {
  it("inputs keep their names; an output named like an input is `<name>:new`; Identity where an output has no node of its own", async () => {
    const b = new StepBuilder("names");
    const p = b.input("G/dense_0/kernel", "param", [2, 3]);
    const m0 = b.input("g_step/m/0", "state", [2, 3]);
    const x = b.input("data:x", "data", [2, 3]);
    const k = b.input("data:k", "data", [], "i32");
    const s = b.add("sub", [p, x]);
    b.output(s, "G/dense_0/kernel", "update"); // writes the node's output itself
    b.output(m0, "g_step/m/0", "update"); // an input passed through: Identity
    b.output(s, "diff", "log"); // shares the node: Identity
    b.output(x, "data:x", "result"); // an input, named like one: Identity, `:new`
    b.output(b.add("gt", [k, b.const(0, [], "i32")]), "pos", "result");
    const g = b.graph();
    const m = printOnnx(g);
    expect(m.inputs.map((i) => [i.name, i.onnx, i.kind, i.dtype, i.shape])).toEqual([
      ["G/dense_0/kernel", "G/dense_0/kernel", "param", "f32", [2, 3]],
      ["g_step/m/0", "g_step/m/0", "state", "f32", [2, 3]],
      ["data:x", "data:x", "data", "f32", [2, 3]],
      ["data:k", "data:k", "data", "i32", []],
    ]);
    expect(m.outputs.map((o) => [o.name, o.onnx, o.role, o.dtype])).toEqual([
      ["G/dense_0/kernel", "G/dense_0/kernel:new", "update", "f32"],
      ["g_step/m/0", "g_step/m/0:new", "update", "f32"],
      ["diff", "diff", "log", "f32"],
      ["data:x", "data:x:new", "result", "f32"],
      ["pos", "pos", "result", "bool"],
    ]);
    const proto = onnx.ModelProto.decode(m.bytes);
    const nodes = proto.graph!.node!;
    expect(nodes.find((n) => n.output![0] === "G/dense_0/kernel:new")!.name).toBe(`n${s}_sub`);
    expect(nodes.filter((n) => n.opType === "Identity").map((n) => [n.input![0], n.output![0]])).toEqual([
      ["g_step/m/0", "g_step/m/0:new"],
      ["G/dense_0/kernel:new", "diff"],
      ["data:x", "data:x:new"],
    ]);
    // full static shapes and elem types on every graph input and output (a scalar is rank 0, not unknown)
    const io = [...proto.graph!.input!, ...proto.graph!.output!];
    for (const v of io) expect(v.type!.tensorType!.shape).toBeTruthy();
    expect(proto.graph!.input!.map((v) => [v.type!.tensorType!.elemType, v.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue))])).toEqual([
      [1, [2, 3]], [1, [2, 3]], [1, [2, 3]], [6, []],
    ]);
    expect(proto.graph!.output!.map((v) => v.type!.tensorType!.elemType)).toEqual([1, 1, 1, 1, 9]);
    const P = [1, 2, 3, 4, 5, 6], M = [0.5, 0, 0, 0, 0, 1], X = [6, 5, 4, 3, 2, 1];
    const out = await runOrt(m, {
      "G/dense_0/kernel": { data: P, shape: [2, 3], dtype: "f32" },
      "g_step/m/0": { data: M, shape: [2, 3], dtype: "f32" },
      "data:x": { data: X, shape: [2, 3], dtype: "f32" },
      "data:k": { data: [2], shape: [], dtype: "i32" },
    });
    expect(Array.from(out["G/dense_0/kernel:new"]!.data as Float32Array)).toEqual(P.map((v, i) => v - X[i]!));
    expect(Array.from(out["diff"]!.data as Float32Array)).toEqual(P.map((v, i) => v - X[i]!));
    expect(Array.from(out["g_step/m/0:new"]!.data as Float32Array)).toEqual(M);
    expect(Array.from(out["data:x:new"]!.data as Float32Array)).toEqual(X);
    expect(Array.from(out["pos"]!.data as Uint8Array)).toEqual([1]);
  });

  it("a bundled spec: unique readable node names, doc strings with file:line, name and (grad), metadata, same bytes twice", () => {
    const ir = checkFile(join(ROOT, "specs/vanilla_gan.gan"), { overrides: {} }).ir!;
    const plan = lowerStepPlan(ir);
    const g = plan.updates[0]!.graph;
    const m = printOnnx(g, { specFile: "specs/vanilla_gan.gan", model: plan.model });
    const proto = onnx.ModelProto.decode(m.bytes);
    const nodes = proto.graph!.node!;
    const names = nodes.map((n) => n.name!);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^(n\d+_[a-z_0-9]+(\/\d+_[A-Za-z]+)?|out\d+_identity)$/);
    // each computed step value has its node n<id>_<op>, whose doc string says where it came from
    const byName = new Map(nodes.map((n) => [n.name!, n]));
    let grads = 0, spans = 0;
    for (const v of g.values as StepValue[]) {
      if (v.op === "input") continue;
      const n = byName.get(`n${v.id}_${v.op}`)!;
      expect(n, `node of %${v.id}`).toBeTruthy();
      const where = v.span ? `vanilla_gan.gan:${v.span.start.line}` : "-";
      expect(n.docString).toBe(`${where} %${v.id} ${v.op}${v.grad ? " (grad)" : ""}${v.name ? ` # ${v.name}` : ""}`);
      if (v.grad) grads++;
      if (v.span) spans++;
    }
    expect(grads).toBeGreaterThan(10);
    expect(spans).toBeGreaterThan(10);
    for (const n of nodes) expect(n.docString).toMatch(/^(vanilla_gan\.gan:\d+|-|output .*) /);
    expect(nodes.some((n) => / # \S/.test(n.docString!)) || g.values.every((v) => !v.name || v.op === "input")).toBe(true);
    expect(proto.docString).toBe("ganc step graph d_step of model vanilla_gan (vanilla_gan.gan)");
    expect(proto.metadataProps!.map((p) => [p.key, p.value])).toEqual([
      ["ganc.graph", "d_step"],
      ["ganc.model", "vanilla_gan"],
      ["ganc.spec", "vanilla_gan.gan"],
    ]);
    expect(proto.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([["", 17]]);
    expect(Number(proto.irVersion)).toBe(8);
    // deterministic: the same graph, and a structural copy of it, print to the same bytes
    expect(Buffer.from(printOnnx(g, { specFile: "specs/vanilla_gan.gan", model: plan.model }).bytes).equals(Buffer.from(m.bytes))).toBe(true);
    const copy = JSON.parse(JSON.stringify(g)) as StepGraph;
    expect(Buffer.from(printOnnx(copy, { specFile: "specs/vanilla_gan.gan", model: plan.model }).bytes).equals(Buffer.from(m.bytes))).toBe(true);
  });

  it("imports com.microsoft only for a graph that inverts a matrix", () => {
    const b = new StepBuilder("inv");
    b.output(b.add("inv", [b.input("a", "data", [2, 2])]), "y", "result");
    const proto = onnx.ModelProto.decode(printOnnx(b.graph()).bytes);
    expect(proto.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([["", 17], ["com.microsoft", 1]]);
    expect(proto.graph!.node!.find((n) => n.opType === "Inverse")!.domain).toBe("com.microsoft");
  });

  it("an op or dtype without an ONNX form is a thrown error naming it, not a graph", () => {
    const b = new StepBuilder("bad");
    const x = b.input("x", "data", [2]);
    b.values.push({ id: 1, op: "frobnicate" as StepOp, args: [x], attrs: {}, shape: [2], dtype: "f32", span: null });
    b.output(1, "y", "result");
    expect(() => printOnnx(b.graph())).toThrow(/step op frobnicate \(%1 of graph bad\) has no ONNX form/);
    const c = new StepBuilder("bad_dtype");
    c.output(c.add("neg", [c.input("x", "data", [2], "bool")]), "y", "result");
    expect(() => printOnnx(c.graph())).toThrow(OnnxPrintError);
    expect(() => printOnnx(c.graph())).toThrow(/neg .* on bool has no ONNX form/);
  });
});

afterAll(() => {
  const rows = [...worst.entries()].sort((a, b) => b[1] - a[1]);
  console.log(`ONNX vs interpreter, worst max-relative error per case (f32; i32 / bool are exact):\n${rows.slice(0, 25).map(([k, e]) => `  ${e.toExponential(2).padStart(9)}  ${k}`).join("\n")}\n  ... ${rows.length} cases`);
});
