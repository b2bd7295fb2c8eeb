// The primitive step IR (issue 13): what one training update, the sampler or an evaluation graph computes, as a
// flat SSA graph of primitive tensor ops with static shapes and dtypes. Below the typed IR (compiler/ir/ir.ts):
// layers, priors and losses are already lowered to these ops; parameters, optimizer state, data batches and random
// draws are explicit graph inputs, new parameters and state explicit outputs. Backends are printers of it (ONNX for
// onnxruntime-node, the float64 reference interpreter for tests).
//
// Layout: every shape includes the batch axis when there is one (shapes are fully static: the batch size is the
// train block's). Broadcasting is numpy's, right-aligned, on the operands of the binary ops only; everything else
// states its shapes exactly. One table, OPS, gives each op its arity and shape/dtype rule; the interpreter
// (interp.ts) and the vector-Jacobian rules (compiler/passes/grad.ts) are keyed by the same names.
import type { Span } from "../../diagnostics/diagnostic.ts";

export type DType = "f32" | "i32" | "bool";

export interface StepValue {
  id: number;
  op: StepOp;
  args: number[];
  attrs: Record<string, StepAttr>;
  shape: number[];
  dtype: DType;
  /** the spec span this node came from (null for nodes the compiler adds: optimizer math, reshapes) */
  span: Span | null;
  /** set by the grad pass on nodes of a backward computation */
  grad?: boolean;
  /** readable name: the spec's let / parameter name, or what the compiler made it for */
  name?: string;
}

export type StepAttr = number | string | boolean | number[] | null;

/** Where a graph input comes from at run time. */
export type InputKind =
  | "param" // a learnable tensor in the store (network weights, weights decls, prior parameters)
  | "state" // optimizer state, batch-norm moving statistics, step counters
  | "data" // a minibatch column
  | "noise" // a random draw from the run's RNG (latent noise, interpolation weights, component indices)
  | "hyper"; // a scalar the host sets each step (learning-rate schedule, Adam's bias corrections)

export interface StepInput {
  id: number;
  name: string;
  kind: InputKind;
}

export interface StepOutput {
  id: number;
  name: string;
  /** what the host does with it: a new value of an input (same name), a logged value, a result */
  role: "update" | "log" | "result";
}

export interface StepGraph {
  name: string;
  values: StepValue[];
  inputs: StepInput[];
  outputs: StepOutput[];
}

export type StepOp =
  | "input" | "const"
  | "neg" | "exp" | "log" | "sqrt" | "abs" | "square" | "sign" | "relu" | "tanh" | "sigmoid" | "softplus"
  | "log_sigmoid" | "step"
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum"
  | "gt" | "ge" | "lt" | "le" | "eq" | "and" | "or" | "not" | "where" | "cast"
  | "matmul" | "inv"
  | "sum" | "mean" | "max" | "min" | "logsumexp"
  | "reshape" | "transpose" | "broadcast_to" | "slice" | "concat" | "gather" | "one_hot"
  | "softmax" | "log_softmax"
  | "conv2d" | "conv2d_transpose"
  | "stop_gradient";

export class StepShapeError extends Error {}

const fail = (msg: string): never => {
  throw new StepShapeError(msg);
};

/** numpy broadcast of two shapes, or throws */
export function broadcast(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) fail(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** normalise possibly negative axes of a rank-r value, sorted and unique */
export function normAxes(axes: number[] | null, r: number): number[] {
  const list = axes === null ? [...Array(r).keys()] : axes.map((a) => (a < 0 ? a + r : a));
  for (const a of list) if (a < 0 || a >= r) fail(`axis ${a} out of range for rank ${r}`);
  return [...new Set(list)].sort((x, y) => x - y);
}

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

type Sig = { shape: number[]; dtype: DType };
export interface OpRule {
  /** number of arguments (-1: one or more) */
  arity: number;
  /** output shape and dtype from the arguments' and the attrs; throws StepShapeError when they do not fit */
  infer(args: Sig[], attrs: Record<string, StepAttr>): Sig;
}

const same = (dtype?: DType): OpRule => ({ arity: 1, infer: ([x]) => ({ shape: x!.shape, dtype: dtype ?? x!.dtype }) });
const floatUnary: OpRule = {
  arity: 1,
  infer: ([x]) => (x!.dtype === "f32" ? { shape: x!.shape, dtype: "f32" } : fail(`expected f32, got ${x!.dtype}`)),
};
const binary = (out?: DType): OpRule => ({
  arity: 2,
  infer: ([a, b]) => {
    if (a!.dtype !== b!.dtype) fail(`operand dtypes differ: ${a!.dtype} and ${b!.dtype}`);
    return { shape: broadcast(a!.shape, b!.shape), dtype: out ?? a!.dtype };
  },
});
const reduction: OpRule = {
  arity: 1,
  infer: ([x], at) => {
    const axes = normAxes((at.axes as number[] | null) ?? null, x!.shape.length);
    const keep = at.keepdims === true;
    const shape = keep ? x!.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x!.shape.filter((_, i) => !axes.includes(i));
    return { shape, dtype: x!.dtype };
  },
};

/** a float op along one axis: checks the axis is in range */
const alongAxis: OpRule = {
  arity: 1,
  infer: (xs, at) => {
    normAxes([(at.axis as number | undefined) ?? -1], xs[0]!.shape.length);
    return floatUnary.infer(xs, at);
  },
};

/** the [h, w] pair (or 4 pads) attr `k` of a conv node (default all `dflt`), checked to be integers >= min */
function pairAttr(at: Record<string, StepAttr>, k: string, n: number, dflt: number, min: number): number[] {
  const v = at[k] ?? Array<number>(n).fill(dflt);
  if (!Array.isArray(v) || v.length !== n || v.some((d) => !Number.isInteger(d) || d < min)) fail(`${k} must be ${n} integers >= ${min}, got ${JSON.stringify(v)}`);
  return v as number[];
}

/** the common checks of conv2d / conv2d_transpose: x [N, C, H, W] f32, w rank 4 f32 whose axis `wIn` is C */
function convArgs(x: Sig, w: Sig, wIn: number, at: Record<string, StepAttr>) {
  if (x.dtype !== "f32" || w.dtype !== "f32") fail("operands must be f32");
  if (x.shape.length !== 4 || w.shape.length !== 4) fail(`x and w must be rank 4, got [${x.shape}] and [${w.shape}]`);
  if (x.shape[1] !== w.shape[wIn]) fail(`x [${x.shape}] has ${x.shape[1]} channels, w [${w.shape}] expects ${w.shape[wIn]}`);
  return {
    strides: pairAttr(at, "strides", 2, 1, 1),
    dilations: pairAttr(at, "dilations", 2, 1, 1),
    pads: pairAttr(at, "pads", 4, 0, 0),
    k: [w.shape[2]!, w.shape[3]!],
  };
}

/** The one op table: arity and shape rule of every primitive. Attrs are documented per op. */
export const OPS: Record<StepOp, OpRule> = {
  // {name} the graph input of that name (shape and dtype set by whoever adds it)
  input: { arity: 0, infer: () => fail("input nodes carry their own shape") },
  // {value: number | number[]} with the node's shape (a flat row-major list, or one number broadcast to it)
  const: { arity: 0, infer: () => fail("const nodes carry their own shape") },
  neg: same(), exp: floatUnary, log: floatUnary, sqrt: floatUnary, abs: same(), square: same(), sign: same(),
  relu: floatUnary, tanh: floatUnary, sigmoid: floatUnary,
  softplus: floatUnary, // log(1 + e^x), stable
  log_sigmoid: floatUnary, // log(sigmoid(x)), stable
  step: floatUnary, // {alpha}: 1 where x > 0, alpha elsewhere (its own derivative is zero)
  add: binary(), sub: binary(), mul: binary(), div: binary(), pow: binary(), maximum: binary(), minimum: binary(),
  gt: binary("bool"), ge: binary("bool"), lt: binary("bool"), le: binary("bool"), eq: binary("bool"),
  and: binary("bool"), or: binary("bool"), not: same("bool"),
  // where(cond, a, b): all three broadcast
  where: {
    arity: 3,
    infer: ([c, a, b]) => {
      if (c!.dtype !== "bool") fail("where: the condition must be bool");
      if (a!.dtype !== b!.dtype) fail("where: branch dtypes differ");
      return { shape: broadcast(c!.shape, broadcast(a!.shape, b!.shape)), dtype: a!.dtype };
    },
  },
  // {to: DType}
  cast: { arity: 1, infer: ([x], at) => ({ shape: x!.shape, dtype: at.to as DType }) },
  // numpy matmul of rank >= 2 operands: [..., m, k] @ [..., k, n], leading dims broadcast
  matmul: {
    arity: 2,
    infer: ([a, b]) => {
      const A = a!.shape, B = b!.shape;
      if (A.length < 2 || B.length < 2) fail(`matmul needs rank >= 2, got [${A}] and [${B}]`);
      if (A[A.length - 1] !== B[B.length - 2]) fail(`matmul: [${A}] @ [${B}]: inner dims differ`);
      const lead = broadcast(A.slice(0, -2), B.slice(0, -2));
      return { shape: [...lead, A[A.length - 2]!, B[B.length - 1]!], dtype: "f32" };
    },
  },
  // inverse of each trailing [d, d] matrix (ONNX: com.microsoft Inverse; the ONNX printer decides how to emit it)
  inv: {
    arity: 1,
    infer: ([x]) => {
      const s = x!.shape;
      if (s.length < 2 || s[s.length - 1] !== s[s.length - 2]) fail(`inv needs trailing square matrices, got [${s}]`);
      return { shape: s, dtype: "f32" };
    },
  },
  // {axes: number[] | null (all), keepdims: boolean}
  sum: reduction, mean: reduction, max: reduction, min: reduction, logsumexp: reduction,
  // {shape}
  reshape: {
    arity: 1,
    infer: ([x], at) => {
      const s = at.shape as number[];
      if (size(s) !== size(x!.shape)) fail(`reshape [${x!.shape}] -> [${s}] changes the element count`);
      return { shape: s, dtype: x!.dtype };
    },
  },
  // {perm}
  transpose: {
    arity: 1,
    infer: ([x], at) => {
      const p = at.perm as number[];
      if (p.length !== x!.shape.length || [...p].sort((u, v) => u - v).some((v, i) => v !== i)) fail(`transpose: bad perm [${p}]`);
      return { shape: p.map((i) => x!.shape[i]!), dtype: x!.dtype };
    },
  },
  // {shape}: numpy broadcast of x to shape
  broadcast_to: {
    arity: 1,
    infer: ([x], at) => {
      const s = at.shape as number[];
      const b = broadcast(x!.shape, s);
      if (b.length !== s.length || b.some((d, i) => d !== s[i])) fail(`cannot broadcast [${x!.shape}] to [${s}]`);
      return { shape: s, dtype: x!.dtype };
    },
  },
  // {axis, start, end}: x[..., start:end, ...] along one axis
  slice: {
    arity: 1,
    infer: ([x], at) => {
      const [ax] = normAxes([at.axis as number], x!.shape.length);
      const st = at.start as number, en = at.end as number;
      if (!(0 <= st && st < en && en <= x!.shape[ax!]!)) fail(`slice ${st}:${en} out of range for axis of size ${x!.shape[ax!]}`);
      return { shape: x!.shape.map((d, i) => (i === ax ? en - st : d)), dtype: x!.dtype };
    },
  },
  // {axis}: all arguments equal except along axis
  concat: {
    arity: -1,
    infer: (xs, at) => {
      const r = xs[0]!.shape.length;
      const [ax] = normAxes([at.axis as number], r);
      for (const x of xs)
        if (x.shape.length !== r || x.shape.some((d, i) => i !== ax && d !== xs[0]!.shape[i]) || x.dtype !== xs[0]!.dtype)
          fail(`concat: [${x.shape}] does not match [${xs[0]!.shape}] off axis ${ax}`);
      return { shape: xs[0]!.shape.map((d, i) => (i === ax ? xs.reduce((n, x) => n + x.shape[ax!]!, 0) : d)), dtype: xs[0]!.dtype };
    },
  },
  // gather(x, idx) {axis}: ONNX Gather; idx i32 of any shape replaces axis
  gather: {
    arity: 2,
    infer: ([x, i], at) => {
      if (i!.dtype !== "i32") fail("gather: indices must be i32");
      const [ax] = normAxes([at.axis as number], x!.shape.length);
      return { shape: [...x!.shape.slice(0, ax), ...i!.shape, ...x!.shape.slice(ax! + 1)], dtype: x!.dtype };
    },
  },
  // one_hot(idx) {depth}: f32 [..., depth]
  one_hot: {
    arity: 1,
    infer: ([i], at) => (i!.dtype === "i32" ? { shape: [...i!.shape, at.depth as number], dtype: "f32" } : fail("one_hot: indices must be i32")),
  },
  // {axis} (default -1)
  softmax: alongAxis,
  log_softmax: alongAxis,
  // ONNX Conv (group 1): x [N, C, H, W], w [O, C, kh, kw] -> [N, O, Ho, Wo],
  //   y[n, o, i, j] = sum_{c, a, b} x[n, c, i sh + a dh - top, j sw + b dw - left] w[o, c, a, b] (zero outside x),
  //   Ho = floor((H + top + bottom - dh (kh - 1) - 1) / sh) + 1.
  // {strides: [sh, sw] (default [1, 1]), pads: [top, left, bottom, right] (default 0), dilations: [dh, dw]
  // (default [1, 1]; the filter gradient of a strided conv is a dilated one)}
  conv2d: {
    arity: 2,
    infer: ([x, w], at) => {
      const { strides, dilations, pads, k } = convArgs(x!, w!, 1, at);
      const out = [0, 1].map((i) => {
        const span = x!.shape[2 + i]! + pads[i]! + pads[i + 2]! - dilations[i]! * (k[i]! - 1) - 1;
        if (span < 0) fail(`the ${i ? "width" : "height"} of x [${x!.shape}] with pads [${pads}] is smaller than the dilated kernel`);
        return Math.floor(span / strides[i]!) + 1;
      });
      return { shape: [x!.shape[0]!, w!.shape[0]!, ...out], dtype: "f32" };
    },
  },
  // ONNX ConvTranspose (group 1), the input gradient of conv2d: x [N, C, H, W], w [C, O, kh, kw] -> [N, O, Ho, Wo],
  //   y[n, o, i sh + a dh - top, j sw + b dw - left] += x[n, c, i, j] w[c, o, a, b] (what lands outside y is dropped),
  //   Ho = sh (H - 1) + ph + dh (kh - 1) + 1 - top - bottom.
  // {strides, pads, dilations as conv2d; output_padding: [ph, pw] (default [0, 0]), each below its stride}
  conv2d_transpose: {
    arity: 2,
    infer: ([x, w], at) => {
      const { strides, dilations, pads, k } = convArgs(x!, w!, 0, at);
      const op = pairAttr(at, "output_padding", 2, 0, 0);
      const out = [0, 1].map((i) => {
        if (op[i]! >= strides[i]!) fail(`output_padding [${op}] must be below the strides [${strides}]`);
        const o = strides[i]! * (x!.shape[2 + i]! - 1) + op[i]! + dilations[i]! * (k[i]! - 1) + 1 - pads[i]! - pads[i + 2]!;
        if (o < 1) fail(`pads [${pads}] leave no output for x [${x!.shape}] and w [${w!.shape}]`);
        return o;
      });
      return { shape: [x!.shape[0]!, w!.shape[1]!, ...out], dtype: "f32" };
    },
  },
  // the identity whose derivative is zero: what is computed from its argument is a constant to the grad pass
  // (spectral normalization's power-iteration vectors, Miyato et al. 2018)
  stop_gradient: same(),
};

/** Builds one graph: adds nodes with inferred shapes (a shape error names the op and is a compiler bug). */
export class StepBuilder {
  readonly values: StepValue[] = [];
  readonly inputs: StepInput[] = [];
  readonly outputs: StepOutput[] = [];
  /** span given to nodes added while it is set */
  span: Span | null = null;
  grad = false;

  constructor(readonly name: string) {}

  get(id: number): StepValue {
    const v = this.values[id];
    if (!v || v.id !== id) throw new Error(`step IR: no value ${id}`);
    return v;
  }

  input(name: string, kind: InputKind, shape: number[], dtype: DType = "f32"): number {
    const id = this.push({ op: "input", args: [], attrs: { name }, shape, dtype, name });
    this.inputs.push({ id, name, kind });
    return id;
  }

  const(value: number | number[], shape: number[] = [], dtype: DType = "f32"): number {
    return this.push({ op: "const", args: [], attrs: { value }, shape, dtype });
  }

  add(op: StepOp, args: number[], attrs: Record<string, StepAttr> = {}, name?: string): number {
    const rule = OPS[op];
    if (rule.arity >= 0 && args.length !== rule.arity) throw new StepShapeError(`${op} takes ${rule.arity} argument(s), got ${args.length}`);
    let sig: Sig;
    try {
      sig = rule.infer(args.map((a) => this.get(a)), attrs);
    } catch (e) {
      throw new StepShapeError(`${op}: ${(e as Error).message}`);
    }
    return this.push({ op, args, attrs, ...sig, ...(name ? { name } : {}) });
  }

  output(id: number, name: string, role: StepOutput["role"]): void {
    this.outputs.push({ id, name, role });
  }

  graph(): StepGraph {
    return { name: this.name, values: this.values, inputs: this.inputs, outputs: this.outputs };
  }

  private push(v: Omit<StepValue, "id" | "span">): number {
    const id = this.values.length;
    this.values.push({ id, ...v, span: this.span, ...(this.grad ? { grad: true } : {}) });
    return id;
  }
}
