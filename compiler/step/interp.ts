// The float64 reference interpreter of the step IR: what every op of OPS (ir.ts) means, executed plainly, for tests
// (finite differences against the grad pass, backends against it) and for constant folding.
//
//   interpret(graph, inputs) -> Record<outputName, {shape, dtype, data}>
//       inputs: by graph-input name, a flat row-major array (or a number for a one-element input).
//       f32 results come back as Float64Array (no rounding to float32: this is the exact reference), i32 as
//       Int32Array, bool as 0/1 Uint8Array.
//   interpretValues(graph, inputs) -> Tensor[]      every node's value, indexed by id (for debugging / tests)
//   evalNode(node, args) -> Tensor                   one node from its argument values (KERNELS + dtype rounding)
//   KERNELS: Record<StepOp, Kernel>                  the one table of op semantics, keyed like OPS
//
// Internally every value is a Float64Array whatever its dtype; evalNode truncates i32 results toward zero and maps
// bool results to 0/1, so integer ops (index arithmetic, comparisons) mean what ONNX means by them.
import { normAxes, type DType, type StepAttr, type StepGraph, type StepOp, type StepValue } from "./ir.ts";

export interface Tensor {
  shape: number[];
  data: Float64Array;
}

export interface Result {
  shape: number[];
  dtype: DType;
  data: Float64Array | Int32Array | Uint8Array;
}

export type InputValue = ArrayLike<number> | number;

/** One op's semantics: argument values and the node (attrs, inferred output shape) -> the flat output. */
export type Kernel = (args: Tensor[], node: StepValue) => Float64Array;

export class InterpError extends Error {}

export const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i]!;
  }
  return st;
}

/** Walk every flat index of `shape` in row-major order while tracking a second flat offset that moves by
 * `step[a]` along axis a (0 for a broadcast or reduced axis): the core of broadcast, reduce and transpose. */
function walk(shape: readonly number[], step: readonly number[], visit: (k: number, src: number) => void): void {
  const n = size(shape);
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  let src = 0;
  for (let k = 0; k < n; k++) {
    visit(k, src);
    for (let a = r - 1; a >= 0; a--) {
      idx[a]!++;
      src += step[a]!;
      if (idx[a]! < shape[a]!) break;
      src -= step[a]! * shape[a]!;
      idx[a] = 0;
    }
  }
}

/** numpy broadcast of t to shape, materialised (the data itself when the shape is already right) */
export function expand(t: Tensor, shape: readonly number[]): Float64Array {
  if (sameShape(t.shape, shape)) return t.data;
  const off = shape.length - t.shape.length;
  const own = stridesOf(t.shape);
  const step = shape.map((_, a) => (a < off || t.shape[a - off] === 1 ? 0 : own[a - off]!));
  const out = new Float64Array(size(shape));
  walk(shape, step, (k, src) => (out[k] = t.data[src]!));
  return out;
}

/** For a reduction of `shape` over `axes`: the output flat index of every input element, and the output size. */
function reduceMap(shape: readonly number[], axes: readonly number[]): { map: Int32Array; n: number } {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const ks = stridesOf(kept);
  const step = shape.map((_, i) => (axes.includes(i) ? 0 : ks[i]!));
  const map = new Int32Array(size(shape));
  walk(shape, step, (k, dst) => (map[k] = dst));
  return { map, n: size(kept) };
}

const axesAttr = (node: StepValue, rank: number) => normAxes((node.attrs.axes as number[] | null | undefined) ?? null, rank);
const axisAttr = (node: StepValue, rank: number, dflt = -1) => normAxes([(node.attrs.axis as number | undefined) ?? dflt], rank)[0]!;

function reduceWith(init: number, f: (acc: number, x: number) => number): Kernel {
  return ([x], node) => {
    const { map, n } = reduceMap(x!.shape, axesAttr(node, x!.shape.length));
    const out = new Float64Array(n).fill(init);
    for (let i = 0; i < map.length; i++) out[map[i]!] = f(out[map[i]!]!, x!.data[i]!);
    return out;
  };
}

/** logsumexp over the given axes, in the (flat) reduced layout: max-shifted so large inputs do not overflow */
function lse(x: Tensor, axes: number[]): { out: Float64Array; map: Int32Array } {
  const { map, n } = reduceMap(x.shape, axes);
  const m = new Float64Array(n).fill(-Infinity);
  for (let i = 0; i < map.length; i++) m[map[i]!] = Math.max(m[map[i]!]!, x.data[i]!);
  const s = new Float64Array(n);
  for (let i = 0; i < map.length; i++) s[map[i]!]! += Math.exp(x.data[i]! - m[map[i]!]!);
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) out[j] = Number.isFinite(m[j]!) ? m[j]! + Math.log(s[j]!) : m[j]!;
  return { out, map };
}

const unary = (f: (x: number, node: StepValue) => number): Kernel => ([x], node) => x!.data.map((v) => f(v, node));
const binary = (f: (a: number, b: number) => number): Kernel => ([a, b], node) => {
  const A = expand(a!, node.shape), B = expand(b!, node.shape);
  const out = new Float64Array(A.length);
  for (let i = 0; i < out.length; i++) out[i] = f(A[i]!, B[i]!);
  return out;
};

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const b01 = (c: boolean) => (c ? 1 : 0);

function constValue(node: StepValue): Float64Array {
  const v = node.attrs.value as StepAttr;
  const n = size(node.shape);
  if (typeof v === "number") return new Float64Array(n).fill(v);
  if (typeof v === "boolean") return new Float64Array(n).fill(v ? 1 : 0);
  if (Array.isArray(v) && v.length === n) return Float64Array.from(v);
  throw new InterpError(`const %${node.id}: value does not fit shape [${node.shape}]`);
}

/** the attrs of a conv node: strides, dilations, pads [top, left, bottom, right] */
function convAttrs(node: StepValue): { s: number[]; d: number[]; p: number[] } {
  const at = node.attrs;
  return {
    s: (at.strides as number[] | undefined) ?? [1, 1],
    d: (at.dilations as number[] | undefined) ?? [1, 1],
    p: (at.pads as number[] | undefined) ?? [0, 0, 0, 0],
  };
}

/** the k with 0 <= k < n and 0 <= k s + off < size: [lo, hi] (empty when lo > hi) */
function validRange(n: number, s: number, off: number, size: number): [number, number] {
  return [Math.max(0, Math.ceil(-off / s)), Math.min(n - 1, Math.floor((size - 1 - off) / s))];
}

/** conv2d (ONNX Conv): y[n, o, i, j] = sum_{c, a, b} x[n, c, i sh + a dh - top, j sw + b dw - left] w[o, c, a, b].
 * As im2col and dot products, image by image: the patch of each output pixel is gathered into one contiguous row
 * (zeros in the padding), so the innermost loop is a plain dot product of length C kh kw with the filter (the float64
 * reference has to be fast enough for whole conv GAN updates in tests). */
function conv2dKernel(x: Tensor, w: Tensor, node: StepValue): Float64Array {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , kh, kw] = w.shape as [number, number, number, number];
  const [, , Ho, Wo] = node.shape as [number, number, number, number];
  const { s: [sh, sw], d: [dh, dw], p: [pt, pl] } = convAttrs(node) as { s: [number, number]; d: [number, number]; p: [number, number] };
  const X = x.data, K = w.data;
  const Q = C * kh * kw, P = Ho * Wo;
  const out = new Float64Array(N * O * P);
  const cols = new Float64Array(P * Q);
  for (let n = 0; n < N; n++) {
    cols.fill(0);
    for (let c = 0; c < C; c++)
      for (let a = 0; a < kh; a++) {
        const [i0, i1] = validRange(Ho, sh, a * dh - pt, H);
        for (let b = 0; b < kw; b++) {
          const [j0, j1] = validRange(Wo, sw, b * dw - pl, W);
          const q = (c * kh + a) * kw + b;
          const xo = (n * C + c) * H * W + b * dw - pl;
          for (let i = i0; i <= i1; i++) {
            const xr = xo + (i * sh + a * dh - pt) * W;
            for (let j = j0; j <= j1; j++) cols[(i * Wo + j) * Q + q] = X[xr + j * sw]!;
          }
        }
      }
    for (let o = 0; o < O; o++) {
      const wo = o * Q, yo = (n * O + o) * P;
      for (let p = 0; p < P; p++) {
        const po = p * Q;
        let acc = 0;
        for (let q = 0; q < Q; q++) acc += cols[po + q]! * K[wo + q]!;
        out[yo + p] = acc;
      }
    }
  }
  return out;
}

/** conv2d_transpose (ONNX ConvTranspose): y[n, o, i sh + a dh - top, j sw + b dw - left] += x[n, c, i, j] w[c, o, a, b].
 * As a product and col2im, image by image: cols[pixel, (o, a, b)] = sum_c x[c, pixel] w[c, (o, a, b)] with a
 * contiguous innermost loop of length O kh kw, then every column scattered to its output pixel. */
function conv2dTransposeKernel(x: Tensor, w: Tensor, node: StepValue): Float64Array {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, O, kh, kw] = w.shape as [number, number, number, number];
  const [, , Ho, Wo] = node.shape as [number, number, number, number];
  const { s: [sh, sw], d: [dh, dw], p: [pt, pl] } = convAttrs(node) as { s: [number, number]; d: [number, number]; p: [number, number] };
  const X = x.data, K = w.data;
  const Q = O * kh * kw, P = H * W;
  const out = new Float64Array(N * O * Ho * Wo);
  const cols = new Float64Array(P * Q);
  for (let n = 0; n < N; n++) {
    cols.fill(0);
    for (let p = 0; p < P; p++) {
      const po = p * Q;
      for (let c = 0; c < C; c++) {
        const xv = X[(n * C + c) * P + p]!;
        const wo = c * Q;
        for (let q = 0; q < Q; q++) cols[po + q]! += xv * K[wo + q]!;
      }
    }
    for (let o = 0; o < O; o++)
      for (let a = 0; a < kh; a++) {
        const [i0, i1] = validRange(H, sh, a * dh - pt, Ho);
        for (let b = 0; b < kw; b++) {
          const [j0, j1] = validRange(W, sw, b * dw - pl, Wo);
          const q = (o * kh + a) * kw + b;
          const yo = (n * O + o) * Ho * Wo + b * dw - pl;
          for (let i = i0; i <= i1; i++) {
            const yr = yo + (i * sh + a * dh - pt) * Wo;
            for (let j = j0; j <= j1; j++) out[yr + j * sw]! += cols[(i * W + j) * Q + q]!;
          }
        }
      }
  }
  return out;
}

/** The one table of op semantics. Output shapes are the node's (already inferred by OPS and checked by verify). */
export const KERNELS: Record<StepOp, Kernel> = {
  input: (_, node) => {
    throw new InterpError(`input %${node.id} has no kernel: its value comes from the caller`);
  },
  const: (_, node) => constValue(node),
  neg: unary((x) => -x),
  exp: unary(Math.exp),
  log: unary(Math.log),
  sqrt: unary(Math.sqrt),
  abs: unary(Math.abs),
  square: unary((x) => x * x),
  sign: unary((x) => Math.sign(x)),
  stop_gradient: unary((x) => x),
  relu: unary((x) => (x > 0 ? x : 0)),
  tanh: unary(Math.tanh),
  sigmoid: unary(sigmoid),
  softplus: unary(softplus),
  log_sigmoid: unary((x) => -softplus(-x)),
  step: unary((x, node) => (x > 0 ? 1 : ((node.attrs.alpha as number | undefined) ?? 0))),
  add: binary((a, b) => a + b),
  sub: binary((a, b) => a - b),
  mul: binary((a, b) => a * b),
  div: binary((a, b) => a / b),
  pow: binary(Math.pow),
  maximum: binary(Math.max),
  minimum: binary(Math.min),
  gt: binary((a, b) => b01(a > b)),
  ge: binary((a, b) => b01(a >= b)),
  lt: binary((a, b) => b01(a < b)),
  le: binary((a, b) => b01(a <= b)),
  eq: binary((a, b) => b01(a === b)),
  and: binary((a, b) => b01(a !== 0 && b !== 0)),
  or: binary((a, b) => b01(a !== 0 || b !== 0)),
  not: unary((x) => b01(x === 0)),
  where: ([c, a, b], node) => {
    const C = expand(c!, node.shape), A = expand(a!, node.shape), B = expand(b!, node.shape);
    return C.map((cv, i) => (cv !== 0 ? A[i]! : B[i]!));
  },
  cast: ([x]) => x!.data.slice(), // the dtype rounding in evalNode does the conversion
  matmul: ([a, b], node) => {
    const S = node.shape, r = S.length;
    const m = S[r - 2]!, n = S[r - 1]!, k = a!.shape[a!.shape.length - 1]!;
    const lead = S.slice(0, -2);
    const A = expand(a!, [...lead, m, k]), B = expand(b!, [...lead, k, n]);
    const out = new Float64Array(size(S));
    for (let t = 0; t < size(lead); t++) {
      const ao = t * m * k, bo = t * k * n, oo = t * m * n;
      for (let i = 0; i < m; i++)
        for (let p = 0; p < k; p++) {
          const av = A[ao + i * k + p]!;
          for (let j = 0; j < n; j++) out[oo + i * n + j]! += av * B[bo + p * n + j]!;
        }
    }
    return out;
  },
  // Gauss-Jordan elimination with partial pivoting, per trailing matrix; a singular matrix gives non-finite values
  inv: ([x], node) => {
    const S = node.shape, d = S[S.length - 1]!;
    const out = new Float64Array(size(S));
    for (let t = 0; t < size(S) / (d * d); t++) {
      const a = Array.from({ length: d }, (_, i) => [...x!.data.subarray(t * d * d + i * d, t * d * d + (i + 1) * d), ...Array.from({ length: d }, (_, j) => (i === j ? 1 : 0))]);
      for (let c = 0; c < d; c++) {
        let p = c;
        for (let r = c + 1; r < d; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
        [a[c], a[p]] = [a[p]!, a[c]!];
        const piv = a[c]![c]!;
        for (let j = 0; j < 2 * d; j++) a[c]![j]! /= piv;
        for (let r = 0; r < d; r++) {
          if (r === c) continue;
          const f = a[r]![c]!;
          if (f !== 0) for (let j = 0; j < 2 * d; j++) a[r]![j]! -= f * a[c]![j]!;
        }
      }
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[t * d * d + i * d + j] = a[i]![d + j]!;
    }
    return out;
  },
  sum: reduceWith(0, (s, x) => s + x),
  mean: ([x], node) => {
    const axes = axesAttr(node, x!.shape.length);
    const count = size(axes.map((a) => x!.shape[a]!));
    return KERNELS.sum([x!], node).map((s) => s / count);
  },
  max: reduceWith(-Infinity, Math.max),
  min: reduceWith(Infinity, Math.min),
  logsumexp: ([x], node) => lse(x!, axesAttr(node, x!.shape.length)).out,
  reshape: ([x]) => x!.data.slice(),
  transpose: ([x], node) => {
    const perm = node.attrs.perm as number[];
    const st = stridesOf(x!.shape);
    const out = new Float64Array(x!.data.length);
    walk(node.shape, perm.map((p) => st[p]!), (k, src) => (out[k] = x!.data[src]!));
    return out;
  },
  broadcast_to: ([x], node) => expand(x!, node.shape).slice(),
  slice: ([x], node) => {
    const ax = axisAttr(node, x!.shape.length);
    const st = node.attrs.start as number, en = node.attrs.end as number;
    const outer = size(x!.shape.slice(0, ax)), inner = size(x!.shape.slice(ax + 1)), dim = x!.shape[ax]!;
    const out = new Float64Array(size(node.shape));
    let o = 0;
    for (let i = 0; i < outer; i++) {
      const from = (i * dim + st) * inner;
      out.set(x!.data.subarray(from, from + (en - st) * inner), o);
      o += (en - st) * inner;
    }
    return out;
  },
  concat: (xs, node) => {
    const ax = axisAttr(node, node.shape.length);
    const outer = size(node.shape.slice(0, ax));
    const out = new Float64Array(size(node.shape));
    let o = 0;
    for (let i = 0; i < outer; i++)
      for (const x of xs) {
        const chunk = size(x.shape.slice(ax));
        out.set(x.data.subarray(i * chunk, (i + 1) * chunk), o);
        o += chunk;
      }
    return out;
  },
  gather: ([x, idx], node) => {
    // ONNX Gather: out[pre, j..., post] = x[pre, idx[j...], post]; negative indices count from the end
    const ax = axisAttr(node, x!.shape.length, 0);
    const outer = size(x!.shape.slice(0, ax)), inner = size(x!.shape.slice(ax + 1)), dim = x!.shape[ax]!;
    const out = new Float64Array(size(node.shape));
    let o = 0;
    for (let i = 0; i < outer; i++)
      for (const raw of idx!.data) {
        const j = raw < 0 ? raw + dim : raw;
        if (!(j >= 0 && j < dim)) throw new InterpError(`gather %${node.id}: index ${raw} out of range for axis of size ${dim}`);
        const from = (i * dim + j) * inner;
        out.set(x!.data.subarray(from, from + inner), o);
        o += inner;
      }
    return out;
  },
  one_hot: ([idx], node) => {
    // ONNX OneHot: negative indices count from the end, out-of-range ones give an all-zero row
    const depth = node.attrs.depth as number;
    const out = new Float64Array(idx!.data.length * depth);
    idx!.data.forEach((raw, i) => {
      const j = raw < 0 ? raw + depth : raw;
      if (j >= 0 && j < depth) out[i * depth + j] = 1;
    });
    return out;
  },
  softmax: ([x], node) => {
    const { out: l, map } = lse(x!, [axisAttr(node, x!.shape.length)]);
    return x!.data.map((v, i) => Math.exp(v - l[map[i]!]!));
  },
  log_softmax: ([x], node) => {
    const { out: l, map } = lse(x!, [axisAttr(node, x!.shape.length)]);
    return x!.data.map((v, i) => v - l[map[i]!]!);
  },
  conv2d: ([x, w], node) => conv2dKernel(x!, w!, node),
  conv2d_transpose: ([x, w], node) => conv2dTransposeKernel(x!, w!, node),
};

/** Round a raw kernel result to the node's dtype (i32: toward zero, bool: 0/1). */
function toDType(data: Float64Array, dtype: DType): Float64Array {
  if (dtype === "i32") return data.map((v) => Math.trunc(v) | 0);
  if (dtype === "bool") return data.map((v) => (v !== 0 ? 1 : 0));
  return data;
}

/** The value of one non-input node from its arguments' values. */
export function evalNode(node: StepValue, args: Tensor[]): Tensor {
  const data = toDType(KERNELS[node.op](args, node), node.dtype);
  if (data.length !== size(node.shape)) throw new InterpError(`%${node.id} ${node.op}: kernel gave ${data.length} values for shape [${node.shape}]`);
  return { shape: node.shape, data };
}

/** Every node's value, by id. Throws InterpError for a missing or mis-sized input. */
export function interpretValues(g: StepGraph, inputs: Record<string, InputValue>): Tensor[] {
  const vals: Tensor[] = [];
  for (const v of g.values) {
    if (v.op === "input") {
      const name = v.attrs.name as string;
      const raw = inputs[name];
      if (raw === undefined) throw new InterpError(`graph ${g.name}: no value for input ${name}`);
      const data = toDType(typeof raw === "number" ? new Float64Array(size(v.shape)).fill(raw) : Float64Array.from(raw), v.dtype);
      if (data.length !== size(v.shape)) throw new InterpError(`input ${name}: ${data.length} values for shape [${v.shape}]`);
      vals.push({ shape: v.shape, data });
    } else vals.push(evalNode(v, v.args.map((a) => vals[a]!)));
  }
  return vals;
}

export function toResult(t: Tensor, dtype: DType): Result {
  const data = dtype === "f32" ? t.data : dtype === "i32" ? Int32Array.from(t.data) : Uint8Array.from(t.data);
  return { shape: t.shape, dtype, data };
}

/** Evaluate the graph; the result of every output, by output name. */
export function interpret(g: StepGraph, inputs: Record<string, InputValue>): Record<string, Result> {
  const vals = interpretValues(g, inputs);
  const out: Record<string, Result> = {};
  for (const o of g.outputs) out[o.name] = toResult(vals[o.id]!, g.values[o.id]!.dtype);
  return out;
}
