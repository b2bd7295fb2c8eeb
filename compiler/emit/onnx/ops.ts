// The ONNX form of every step-IR primitive (opset 17, plus com.microsoft Inverse): ONE table, ONNX_OPS, keyed like
// OPS (compiler/step/ir.ts) and the interpreter's KERNELS (compiler/step/interp.ts), whose semantics it must
// reproduce in float32. Each entry is a rule that adds ONNX nodes through an Emit and returns the tensor holding
// the step node's value; print.ts gives that last node the step node's name (or adds an Identity when a rule
// returns one of its operands). Shapes are all static, so axes are normalised here and shapes are constants.
//
// Where ONNX and the interpreter could disagree, the rule says why its form agrees:
//   - softplus: ONNX defines Softplus as ln(e^x + 1), but ORT's CPU kernel is the stable
//     x > 0 ? x + log1p(e^-x) : log1p(e^x), more accurate than any composition of Log and Exp (no log1p in ONNX);
//     test/emit/onnx.test.ts pins it at |x| = 100 and 1000 and element-wise on tiny outputs.
//   - logsumexp: ORT's CPU ReduceLogSumExp is max-shifted and gives -inf for an all -inf row, like the interpreter
//     (pinned by the same test at |x| = 1000).
//   - integer ops: Div of int32 truncates toward zero and Cast float -> int32 truncates, as the interpreter does.
//   - dtypes ONNX does not take (a bool operand of an ordering comparison, a non-bool operand of And/Or/Not) are
//     cast first; a dtype neither side can take is a thrown OnnxPrintError, never a wrong graph.
import { normAxes, type DType, type StepOp, type StepValue } from "../../step/ir.ts";

/** A step graph the printer cannot express (an op or dtype without an ONNX form): a compiler bug. */
export class OnnxPrintError extends Error {}

/** onnx.TensorProto.DataType of each step dtype */
export const ELEM = { f32: 1, i32: 6, bool: 9 } as const;
export const ELEM_INT64 = 7;

/** the domain of com.microsoft contrib ops (ORT's CPU provider has Inverse in version 1) */
export const MS_DOMAIN = "com.microsoft";

/** What a rule sees and can do: its step node, its arguments' nodes, and node / constant builders. */
export interface Emit {
  /** the step node being printed */
  readonly v: StepValue;
  /** its argument nodes, in order (dtype and shape) */
  readonly args: readonly StepValue[];
  /** add a node with one output; integer (list) attributes only; returns the output tensor's name */
  op(type: string, inputs: string[], attrs?: Record<string, number | number[]>, domain?: string): string;
  /** a Constant node of the given flat row-major values, shape and dtype ("i64" for shapes and axes) */
  constant(values: readonly number[], shape: readonly number[], dtype: DType | "i64"): string;
}

/** args: the ONNX tensor names of the step node's arguments */
export type Rule = (e: Emit, args: string[]) => string;

const F32: readonly DType[] = ["f32"];
const NUM: readonly DType[] = ["f32", "i32"];
const ALL: readonly DType[] = ["f32", "i32", "bool"];

/** throws unless every argument has one of the dtypes */
function expect(e: Emit, dtypes: readonly DType[]): void {
  for (const a of e.args)
    if (!dtypes.includes(a.dtype)) throw new OnnxPrintError(`step op ${e.v.op} (%${e.v.id}) on ${a.dtype} has no ONNX form`);
}

/** the op is one ONNX node of the same operands */
const one = (type: string, dtypes: readonly DType[] = F32): Rule => (e, x) => {
  expect(e, dtypes);
  return e.op(type, x);
};

const scalar = (e: Emit, value: number, dtype: DType = "f32") => e.constant([value], [], dtype);
const i64 = (e: Emit, values: readonly number[]) => e.constant(values, [values.length], "i64");
const rank = (e: Emit, i = 0) => e.args[i]!.shape.length;
/** the step node's one axis attr, normalised (ONNX takes negative axes too, but a plain one reads better) */
const axisOf = (e: Emit, dflt: number) => normAxes([(e.v.attrs.axis as number | undefined) ?? dflt], rank(e))[0]!;

/** ONNX's ordering comparisons take no bool: compare bools as 0 / 1 int32, as the interpreter does */
const compare = (type: string): Rule => (e, x) => {
  expect(e, ALL);
  return e.op(type, e.args[0]!.dtype === "bool" ? x.map((t) => e.op("Cast", [t], { to: ELEM.i32 })) : x);
};

/** a truth value of any dtype: nonzero is true (Cast to BOOL), as the interpreter's and / or / not read it */
const truth = (e: Emit, t: string, i: number) => (e.args[i]!.dtype === "bool" ? t : e.op("Cast", [t], { to: ELEM.bool }));
const logic = (type: string): Rule => (e, x) => e.op(type, x.map((t, i) => truth(e, t, i)));

/** a reduction over the normalised axes (null: all); no axes at all (a rank-0 operand) reduces nothing */
const reduce = (type: string, dtypes: readonly DType[], axesAsInput = false): Rule => (e, [x]) => {
  expect(e, dtypes);
  const axes = normAxes((e.v.attrs.axes as number[] | null | undefined) ?? null, rank(e));
  if (axes.length === 0) return x!; // ONNX would read empty axes as "all"
  const keepdims = e.v.attrs.keepdims === true ? 1 : 0;
  // opset 13+ ReduceSum takes its axes as an input; the others still take an attribute until opset 18
  return axesAsInput ? e.op(type, [x!, i64(e, axes)], { keepdims }) : e.op(type, [x!], { axes, keepdims });
};

const pair = (a: unknown, dflt: number[]): number[] => (Array.isArray(a) ? (a as number[]) : dflt);

/** The one table: every StepOp of OPS. */
export const ONNX_OPS: Record<StepOp, Rule> & Record<string, Rule | undefined> = {
  input: (e) => {
    throw new OnnxPrintError(`input %${e.v.id} is an ONNX graph input, not a node`);
  },
  // a number fills the shape: a scalar Constant expanded (keeps a zeros [512, 4, 3] from being 6144 floats)
  const: (e) => {
    const v = e.v.attrs.value;
    const n = e.v.shape.reduce((p, d) => p * d, 1);
    const num = typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : Array.isArray(v) && v.length === 1 ? v[0]! : null;
    if (num !== null && e.v.shape.length > 0) return e.op("Expand", [scalar(e, num, e.v.dtype), i64(e, e.v.shape)]);
    if (num !== null) return scalar(e, num, e.v.dtype);
    if (Array.isArray(v) && v.length === n) return e.constant(v, e.v.shape, e.v.dtype);
    throw new OnnxPrintError(`const %${e.v.id}: value does not fit shape [${e.v.shape}]`);
  },

  neg: one("Neg", NUM),
  exp: one("Exp"),
  log: one("Log"),
  sqrt: one("Sqrt"),
  abs: one("Abs", NUM),
  square: (e, [x]) => (expect(e, NUM), e.op("Mul", [x!, x!])),
  sign: one("Sign", NUM),
  stop_gradient: one("Identity"),
  relu: one("Relu"),
  tanh: one("Tanh"),
  sigmoid: one("Sigmoid"),
  softplus: one("Softplus"), // stable on ORT's CPU provider (see the head comment)
  log_sigmoid: (e, [x]) => (expect(e, F32), e.op("Neg", [e.op("Softplus", [e.op("Neg", [x!])])])), // -softplus(-x)
  // 1 where x > 0, alpha elsewhere (NaN included: NaN > 0 is false on both sides)
  step: (e, [x]) => {
    expect(e, F32);
    return e.op("Where", [e.op("Greater", [x!, scalar(e, 0)]), scalar(e, 1), scalar(e, (e.v.attrs.alpha as number | undefined) ?? 0)]);
  },

  add: one("Add", NUM),
  sub: one("Sub", NUM),
  mul: one("Mul", NUM),
  div: one("Div", NUM), // int32: truncates toward zero, as the interpreter does
  pow: one("Pow", NUM),
  maximum: one("Max", NUM),
  minimum: one("Min", NUM),
  gt: compare("Greater"),
  ge: compare("GreaterOrEqual"),
  lt: compare("Less"),
  le: compare("LessOrEqual"),
  eq: one("Equal", ALL),
  and: logic("And"),
  or: logic("Or"),
  not: logic("Not"),
  // where(cond, a, b), all three broadcast; OPS makes cond bool. ORT's CPU Where has no bool kernel: bool
  // branches are (cond and a) or (not cond and b)
  where: (e, [c, a, b]) =>
    e.args[1]!.dtype === "bool" ? e.op("Or", [e.op("And", [c!, a!]), e.op("And", [e.op("Not", [c!]), b!])]) : e.op("Where", [c!, a!, b!]),
  // float -> int32 truncates toward zero, nonzero -> true, as the interpreter does; a no-op cast is the operand
  cast: (e, [x]) => (e.args[0]!.dtype === e.v.dtype ? x! : e.op("Cast", [x!], { to: ELEM[e.v.dtype] })),

  matmul: one("MatMul"), // numpy semantics, leading dims broadcast
  inv: (e, [x]) => (expect(e, F32), e.op("Inverse", [x!], {}, MS_DOMAIN)), // per trailing [d, d] matrix

  sum: reduce("ReduceSum", NUM, true),
  mean: reduce("ReduceMean", NUM),
  max: reduce("ReduceMax", NUM),
  min: reduce("ReduceMin", NUM),
  logsumexp: reduce("ReduceLogSumExp", F32), // max-shifted on ORT (see the head comment)

  // allowzero: a 0 in the shape is a zero-sized axis, not "copy this axis" (the step IR's shapes are literal)
  reshape: (e, [x]) => e.op("Reshape", [x!, i64(e, e.v.attrs.shape as number[])], { allowzero: 1 }),
  transpose: (e, [x]) => e.op("Transpose", [x!], { perm: e.v.attrs.perm as number[] }),
  broadcast_to: (e, [x]) => e.op("Expand", [x!, i64(e, e.v.attrs.shape as number[])]),
  slice: (e, [x]) => e.op("Slice", [x!, i64(e, [e.v.attrs.start as number]), i64(e, [e.v.attrs.end as number]), i64(e, [axisOf(e, 0)])]),
  concat: (e, xs) => e.op("Concat", xs, { axis: axisOf(e, 0) }),
  gather: (e, [x, i]) => e.op("Gather", [x!, i!], { axis: axisOf(e, 0) }), // negative indices count from the end
  // OneHot(indices, depth, [off, on]): f32 rows; negative indices count from the end, out-of-range ones give zeros
  one_hot: (e, [i]) => e.op("OneHot", [i!, scalar(e, e.v.attrs.depth as number, "i32"), e.constant([0, 1], [2], "f32")], { axis: -1 }),
  softmax: (e, [x]) => (expect(e, F32), e.op("Softmax", [x!], { axis: axisOf(e, -1) })),
  log_softmax: (e, [x]) => (expect(e, F32), e.op("LogSoftmax", [x!], { axis: axisOf(e, -1) })),

  // x [N, C, H, W], w [O, C, kh, kw]; pads [top, left, bottom, right] is ONNX's [x1_begin, x2_begin, x1_end, x2_end];
  // dilations (the filter gradient of a strided conv is a dilated conv, see compiler/passes/grad.ts)
  conv2d: (e, [x, w]) => {
    expect(e, F32);
    const a = e.v.attrs;
    return e.op("Conv", [x!, w!], {
      kernel_shape: e.args[1]!.shape.slice(2),
      strides: pair(a.strides, [1, 1]),
      pads: pair(a.pads, [0, 0, 0, 0]),
      dilations: pair(a.dilations, [1, 1]),
      group: 1,
    });
  },
  // x [N, C, H, W], w [C, O, kh, kw] -> [N, O, sh (H - 1) + ph + kh - top - bottom, ...]: explicit pads and
  // output_padding (no auto_pad, no output_shape, which would make ORT compute the pads itself)
  conv2d_transpose: (e, [x, w]) => {
    expect(e, F32);
    const a = e.v.attrs;
    return e.op("ConvTranspose", [x!, w!], {
      kernel_shape: e.args[1]!.shape.slice(2),
      strides: pair(a.strides, [1, 1]),
      pads: pair(a.pads, [0, 0, 0, 0]),
      output_padding: pair(a.output_padding, [0, 0]),
      dilations: pair(a.dilations, [1, 1]),
      group: 1,
    });
  },
};
