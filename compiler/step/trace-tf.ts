// Plugin losses in the step IR: a plugin's `implementation(args, named, tf)` is written against tfjs; here it is
// called once at compile time with a stand-in `tf` whose functions add step-IR nodes instead of computing, so the
// same implementation that trains on wasm becomes part of the update's graph, and the compiler's grad pass
// differentiates it (gradients of gradients included: tf.grad inside a loss, as in R1). Only a subset of tfjs is
// traced: the functions below, with tfjs's argument conventions. Anything else (another tf function, a chained
// tensor method, reading values with dataSync) stops the trace with a TraceError naming it, which the lowering
// reports as E0797, so the spec still trains on the tfjs trainer.
import { StepBuilder, StepShapeError, normAxes, type StepAttr, type StepOp } from "./ir.ts";
import { grad as gradOf } from "../passes/grad.ts";

/** something the tracer does not cover: its message names it */
export class TraceError extends Error {}

/** A traced tensor: a step-IR value with tfjs's read-only shape properties. */
export class TracedTensor {
  constructor(
    readonly id: number,
    readonly shape: number[],
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.shape.reduce((p, q) => p * q, 1);
  }
  get dtype(): string {
    return "float32";
  }
}

export interface TracedNetwork {
  (...inputs: TracedTensor[]): TracedTensor;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly output: string;
}

type T = TracedTensor | number;
type Axis = number | number[] | null | undefined;

/** the traced subset of tfjs, by name (kept in one list so the error for anything else can list it) */
export const TRACED_TF_FUNCTIONS = [
  "add", "sub", "mul", "div", "maximum", "minimum", "pow", "squaredDifference",
  "neg", "exp", "log", "log1p", "sqrt", "rsqrt", "abs", "square", "sign", "reciprocal",
  "relu", "leakyRelu", "sigmoid", "tanh", "softplus", "logSigmoid", "clipByValue",
  "sum", "mean", "max", "min", "logSumExp", "softmax", "logSoftmax",
  "reshape", "transpose", "expandDims", "squeeze", "concat", "slice", "matMul",
  "scalar", "zerosLike", "onesLike", "grad", "grads",
] as const;

/** A tfjs stand-in over builder `b`. */
export function tracingTf(b: StepBuilder): Record<string, unknown> {
  const wrap = (id: number) => new TracedTensor(id, b.get(id).shape);
  const id = (x: T, what: string): number => {
    if (x instanceof TracedTensor) return x.id;
    if (typeof x === "number") return b.const(x);
    throw new TraceError(`${what}: expected a tensor or a number, got ${describe(x)}`);
  };
  const op = (name: StepOp, args: number[], attrs: Record<string, StepAttr> = {}) => {
    try {
      return wrap(b.add(name, args, attrs));
    } catch (e) {
      if (e instanceof StepShapeError) throw new TraceError(e.message);
      throw e;
    }
  };
  const unary = (name: StepOp) => (x: T) => op(name, [id(x, name)]);
  const binary = (name: StepOp) => (x: T, y: T) => op(name, [id(x, name), id(y, name)]);
  const axes = (axis: Axis): number[] | null => (axis === undefined || axis === null ? null : typeof axis === "number" ? [axis] : [...axis]);
  const reduce = (name: StepOp) => (x: T, axis?: Axis, keepDims = false) => {
    const t = id(x, name);
    if (b.get(t).shape.length === 0) return wrap(t);
    const ax = axes(axis);
    return op(name, [t], { axes: ax === null ? null : normAxes(ax, b.get(t).shape.length), keepdims: keepDims });
  };
  const tensorOf = (x: T, what: string): TracedTensor => (x instanceof TracedTensor ? x : wrap(id(x, what)));
  const posAxis = (t: TracedTensor, axis: number): number => {
    try {
      return normAxes([axis], t.rank)[0]!;
    } catch (e) {
      throw new TraceError((e as Error).message);
    }
  };
  const reshape = (x: T, shape: number[]) => {
    const t = tensorOf(x, "reshape");
    const known = shape.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
    const s = shape.map((d) => (d === -1 ? t.size / Math.max(known, 1) : d));
    if (s.join(",") === t.shape.join(",")) return t;
    return op("reshape", [t.id], { shape: s });
  };
  const transpose = (x: T, perm?: number[]) => {
    const t = tensorOf(x, "transpose");
    return op("transpose", [t.id], { perm: perm ?? t.shape.map((_, i) => t.rank - 1 - i) });
  };
  const swapLast = (t: TracedTensor) => transpose(t, t.shape.map((_, i) => (i < t.rank - 2 ? i : i === t.rank - 2 ? t.rank - 1 : t.rank - 2)));
  const gradients = (f: (...xs: TracedTensor[]) => TracedTensor, xs: TracedTensor[], dy?: TracedTensor) => {
    let out = f(...xs);
    if (!(out instanceof TracedTensor)) throw new TraceError(`the function given to tf.grad returned ${describe(out)}`);
    // tfjs's tf.grad(f)(x, dy): the gradient of sum(dy * f(x)), dy = ones by default
    if (dy !== undefined) out = op("mul", [out.id, dy.id]);
    const total = out.rank ? op("sum", [out.id], { axes: null, keepdims: false }) : out;
    return gradOf(b, total.id, xs.map((x) => x.id)).map(wrap);
  };
  const fns: Record<string, unknown> = {
    add: binary("add"), sub: binary("sub"), mul: binary("mul"), div: binary("div"),
    maximum: binary("maximum"), minimum: binary("minimum"), pow: binary("pow"),
    squaredDifference: (x: T, y: T) => op("square", [op("sub", [id(x, "squaredDifference"), id(y, "squaredDifference")]).id]),
    neg: unary("neg"), exp: unary("exp"), log: unary("log"), sqrt: unary("sqrt"), abs: unary("abs"),
    square: unary("square"), sign: unary("sign"), relu: unary("relu"), sigmoid: unary("sigmoid"), tanh: unary("tanh"),
    softplus: unary("softplus"), logSigmoid: unary("log_sigmoid"),
    log1p: (x: T) => op("log", [op("add", [id(x, "log1p"), b.const(1)]).id]),
    rsqrt: (x: T) => op("div", [b.const(1), op("sqrt", [id(x, "rsqrt")]).id]),
    reciprocal: (x: T) => op("div", [b.const(1), id(x, "reciprocal")]),
    // tfjs's default alpha 0.2; max(x, alpha x) for alpha <= 1
    leakyRelu: (x: T, alpha = 0.2) => {
      if (!(alpha >= 0 && alpha <= 1)) throw new TraceError(`leakyRelu with alpha ${alpha} (outside [0, 1])`);
      const t = id(x, "leakyRelu");
      return op("maximum", [t, op("mul", [t, b.const(alpha)]).id]);
    },
    clipByValue: (x: T, lo: number, hi: number) => op("minimum", [op("maximum", [id(x, "clipByValue"), b.const(lo)]).id, b.const(hi)]),
    sum: reduce("sum"), mean: reduce("mean"), max: reduce("max"), min: reduce("min"), logSumExp: reduce("logsumexp"),
    softmax: (x: T, dim = -1) => op("softmax", [id(x, "softmax")], { axis: posAxis(tensorOf(x, "softmax"), dim) }),
    logSoftmax: (x: T, axis = -1) => op("log_softmax", [id(x, "logSoftmax")], { axis: posAxis(tensorOf(x, "logSoftmax"), axis) }),
    reshape,
    transpose,
    expandDims: (x: T, axis = 0) => {
      const t = tensorOf(x, "expandDims");
      const a = axis < 0 ? t.rank + 1 + axis : axis;
      return op("reshape", [t.id], { shape: [...t.shape.slice(0, a), 1, ...t.shape.slice(a)] });
    },
    squeeze: (x: T, axis?: number[]) => {
      const t = tensorOf(x, "squeeze");
      const drop = axis === undefined ? t.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : normAxes(axis, t.rank);
      return op("reshape", [t.id], { shape: t.shape.filter((_, i) => !drop.includes(i)) });
    },
    concat: (xs: T[], axis = 0) => op("concat", xs.map((x) => id(x, "concat")), { axis: posAxis(tensorOf(xs[0]!, "concat"), axis) }),
    slice: (x: T, begin: number | number[], size?: number | number[]) => {
      let t = tensorOf(x, "slice");
      const bs = typeof begin === "number" ? [begin] : begin;
      const ss = size === undefined ? [] : typeof size === "number" ? [size] : size;
      bs.forEach((start, ax) => {
        const len = ss[ax] === undefined || ss[ax] === -1 ? t.shape[ax]! - start : ss[ax]!;
        if (start !== 0 || len !== t.shape[ax]) t = op("slice", [t.id], { axis: ax, start, end: start + len });
      });
      return t;
    },
    matMul: (a: T, c: T, transposeA = false, transposeB = false) => {
      let x = tensorOf(a, "matMul"), y = tensorOf(c, "matMul");
      if (transposeA) x = swapLast(x);
      if (transposeB) y = swapLast(y);
      return op("matmul", [x.id, y.id]);
    },
    scalar: (v: number) => {
      if (typeof v !== "number") throw new TraceError(`scalar of ${describe(v)}`);
      return wrap(b.const(v));
    },
    zerosLike: (x: T) => op("mul", [id(x, "zerosLike"), b.const(0)]),
    onesLike: (x: T) => op("add", [op("mul", [id(x, "onesLike"), b.const(0)]).id, b.const(1)]),
    grad: (f: (x: TracedTensor) => TracedTensor) => (x: TracedTensor, dy?: TracedTensor) => gradients(f, [tensorOf(x, "grad")], dy)[0]!,
    grads: (f: (...xs: TracedTensor[]) => TracedTensor) => (xs: TracedTensor[], dy?: TracedTensor) => gradients(f, xs.map((x) => tensorOf(x, "grads")), dy),
    Tensor: TracedTensor,
  };
  return new Proxy(fns, {
    get(target, prop) {
      if (typeof prop !== "string") return undefined;
      if (prop in target) return target[prop];
      if (prop === "then") return undefined; // not a thenable
      return () => {
        throw new TraceError(`tf.${prop} is not traced (docs/extending.md lists the tf functions that are)`);
      };
    },
  });
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  return typeof x === "object" ? "an object" : `${typeof x} ${String(x)}`;
}
