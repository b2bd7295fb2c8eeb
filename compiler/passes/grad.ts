// Reverse-mode AD on the step IR, in the style of tinygrad's gradient.py: one table of vector-Jacobian rules, each
// building its arguments' cotangents from primitives of the same IR. Every op a rule uses has a rule itself, so the
// backward graph can be differentiated again (a gradient penalty is the grad of a grad).
//
//   grad(b: StepBuilder, output: number, wrt: number[]): number[]
//       Appends the backward nodes of the scalar (one-element) f32 `output` to `b` and returns d output / d w for
//       each w of `wrt` (ids of f32 nodes: inputs or intermediate values), each of w's shape. Only nodes on a
//       differentiable path from some w to the output are visited, so nothing unneeded is built; a w the output
//       does not depend on gets a zero const. New nodes are marked grad: true and carry the span of the forward
//       node they differentiate. Throws GradError for an op on such a path that has no rule.
//   unbroadcast(b, ct, shape): number     sum a cotangent back to the shape of a broadcast operand
//   VJP                                   the rule table; NON_DIFFERENTIABLE: the ops deliberately without a rule
//
// Zero derivatives are structural: an argument with an integer/bool dtype, the condition of `where`, the indices
// of `gather`, the filter of a conv whose windows all lie in the padding, and the ops in ZERO_DERIVATIVE (step,
// sign, one_hot) never carry a cotangent, so their rules are never asked and no dead nodes are made.
import { OPS, StepBuilder, StepShapeError, type StepOp, type StepValue } from "../step/ir.ts";

export class GradError extends Error {}

/** A rule: the cotangent of each argument given the node and the cotangent `ct` of its output (null where not
 * needed or zero). `need[i]` says whether argument i is on a path to a wrt; rules build only what is needed. */
export type VJPRule = (b: StepBuilder, node: StepValue, ct: number, need: boolean[]) => (number | null)[];

/** Ops with no rule at all: leaves, and ops whose output is bool (never differentiable). */
export const NON_DIFFERENTIABLE: readonly StepOp[] = ["input", "const", "gt", "ge", "lt", "le", "eq", "and", "or", "not"];

/** Ops with a float output whose derivative is zero almost everywhere: rules return null for them. */
export const ZERO_DERIVATIVE: readonly StepOp[] = ["step", "sign", "one_hot", "stop_gradient"];

const c = (b: StepBuilder, x: number) => b.const(x);
const sameShape = (a: number[], s: number[]) => a.length === s.length && a.every((d, i) => d === s[i]);
const shapeOf = (b: StepBuilder, id: number) => b.get(id).shape;
const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

function reshape(b: StepBuilder, id: number, shape: number[]): number {
  return sameShape(shapeOf(b, id), shape) ? id : b.add("reshape", [id], { shape });
}

function broadcastTo(b: StepBuilder, id: number, shape: number[]): number {
  return sameShape(shapeOf(b, id), shape) ? id : b.add("broadcast_to", [id], { shape });
}

/** Sum cotangent `ct` (of a broadcast result) back to `shape`, the operand's shape before numpy broadcasting. */
export function unbroadcast(b: StepBuilder, ct: number, shape: number[]): number {
  const gs = shapeOf(b, ct);
  const lead = gs.length - shape.length;
  if (lead < 0) throw new StepShapeError(`unbroadcast: [${gs}] has lower rank than [${shape}]`);
  const axes: number[] = [];
  gs.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  const summed = axes.length ? b.add("sum", [ct], { axes, keepdims: true }) : ct;
  return reshape(b, summed, shape);
}

/** A reduction's cotangent in the keepdims layout, so that it broadcasts against the reduced operand. */
function keepShape(node: StepValue, x: StepValue): number[] {
  const r = x.shape.length;
  const raw = (node.attrs.axes as number[] | null | undefined) ?? null;
  const axes = raw === null ? [...Array(r).keys()] : raw.map((a) => (a < 0 ? a + r : a));
  return x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

const axisOf = (node: StepValue, dflt = -1) => (node.attrs.axis as number | undefined) ?? dflt;

/** Elementwise unary rule: ct * f'(x), with f' built by `deriv` from x and the output y. */
const chain = (deriv: (b: StepBuilder, x: number, y: number) => number): VJPRule => (b, node, ct) => [
  b.add("mul", [ct, deriv(b, node.args[0]!, node.id)]),
];

/** Binary rule from the two partial products before unbroadcasting. */
const binaryRule = (da: ((b: StepBuilder, ct: number, node: StepValue) => number) | null, db: ((b: StepBuilder, ct: number, node: StepValue) => number) | null): VJPRule =>
  (b, node, ct, need) => {
    const [a, x] = node.args as [number, number];
    return [
      need[0] && da ? unbroadcast(b, da(b, ct, node), shapeOf(b, a)) : null,
      need[1] && db ? unbroadcast(b, db(b, ct, node), shapeOf(b, x)) : null,
    ];
  };

/** where(mask, ct, 0) and where(mask, 0, ct): a cotangent routed by a bool mask */
const route = (b: StepBuilder, mask: number, ct: number, first: boolean) =>
  first ? b.add("where", [mask, ct, c(b, 0)]) : b.add("where", [mask, c(b, 0), ct]);

function swapLast(b: StepBuilder, id: number): number {
  const r = shapeOf(b, id).length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return b.add("transpose", [id], { perm });
}

/** The one table of vector-Jacobian rules. */
export const VJP: Partial<Record<StepOp, VJPRule>> = {
  neg: (b, _n, ct) => [b.add("neg", [ct])],
  exp: chain((_b, _x, y) => y),
  log: (b, node, ct) => [b.add("div", [ct, node.args[0]!])],
  sqrt: (b, node, ct) => [b.add("div", [ct, b.add("mul", [node.id, c(b, 2)])])],
  abs: chain((b, x) => b.add("sign", [x])),
  square: chain((b, x) => b.add("mul", [x, c(b, 2)])),
  sign: () => [null],
  stop_gradient: () => [null],
  relu: chain((b, x) => b.add("step", [x], { alpha: 0 })),
  tanh: chain((b, _x, y) => b.add("sub", [c(b, 1), b.add("square", [y])])),
  sigmoid: chain((b, _x, y) => b.add("mul", [y, b.add("sub", [c(b, 1), y])])),
  softplus: chain((b, x) => b.add("sigmoid", [x])),
  log_sigmoid: chain((b, x) => b.add("sigmoid", [b.add("neg", [x])])),
  step: () => [null],

  add: binaryRule((_b, ct) => ct, (_b, ct) => ct),
  sub: binaryRule((_b, ct) => ct, (b, ct) => b.add("neg", [ct])),
  mul: binaryRule((b, ct, n) => b.add("mul", [ct, n.args[1]!]), (b, ct, n) => b.add("mul", [ct, n.args[0]!])),
  // d(a/b)/db = -(a/b)/b, from the output so no a/b^2 is formed
  div: binaryRule((b, ct, n) => b.add("div", [ct, n.args[1]!]), (b, ct, n) => b.add("neg", [b.add("div", [b.add("mul", [ct, n.id]), n.args[1]!])])),
  pow: binaryRule(
    (b, ct, n) => b.add("mul", [ct, b.add("mul", [n.args[1]!, b.add("pow", [n.args[0]!, b.add("sub", [n.args[1]!, c(b, 1)])])])]),
    (b, ct, n) => b.add("mul", [ct, b.add("mul", [n.id, b.add("log", [n.args[0]!])])]),
  ),
  // ties go to the first operand (a subgradient)
  maximum: binaryRule(
    (b, ct, n) => route(b, b.add("ge", [n.args[0]!, n.args[1]!]), ct, true),
    (b, ct, n) => route(b, b.add("ge", [n.args[0]!, n.args[1]!]), ct, false),
  ),
  minimum: binaryRule(
    (b, ct, n) => route(b, b.add("le", [n.args[0]!, n.args[1]!]), ct, true),
    (b, ct, n) => route(b, b.add("le", [n.args[0]!, n.args[1]!]), ct, false),
  ),
  where: (b, node, ct, need) => {
    const [cond, x, y] = node.args as [number, number, number];
    return [
      null,
      need[1] ? unbroadcast(b, route(b, cond, ct, true), shapeOf(b, x)) : null,
      need[2] ? unbroadcast(b, route(b, cond, ct, false), shapeOf(b, y)) : null,
    ];
  },
  // only f32 -> f32 carries a cotangent (integer and bool arguments are cut structurally)
  cast: (b, node, ct) => [b.get(node.args[0]!).dtype === "f32" ? ct : null],

  matmul: (b, node, ct, need) => {
    const [x, y] = node.args as [number, number];
    return [
      need[0] ? unbroadcast(b, b.add("matmul", [ct, swapLast(b, y)]), shapeOf(b, x)) : null,
      need[1] ? unbroadcast(b, b.add("matmul", [swapLast(b, x), ct]), shapeOf(b, y)) : null,
    ];
  },

  // d(A^-1) = -A^-1 dA A^-1, so dA = -A^-T ct A^-T (written with the node itself: composes to any order)
  inv: (b, node, ct) => {
    const t = swapLast(b, node.id);
    return [b.add("neg", [b.add("matmul", [b.add("matmul", [t, ct]), t])])];
  },

  sum: (b, node, ct) => {
    const x = b.get(node.args[0]!);
    return [broadcastTo(b, reshape(b, ct, keepShape(node, x)), x.shape)];
  },
  mean: (b, node, ct) => {
    const x = b.get(node.args[0]!);
    const k = keepShape(node, x);
    const scaled = b.add("div", [reshape(b, ct, k), c(b, size(x.shape) / size(k))]);
    return [broadcastTo(b, scaled, x.shape)];
  },
  // max / min: the cotangent is shared equally by the elements that attain the extremum
  max: (b, node, ct) => [extremum(b, node, ct)],
  min: (b, node, ct) => [extremum(b, node, ct)],
  // softmax-weighted: ct * exp(x - lse)
  logsumexp: (b, node, ct) => {
    const x = b.get(node.args[0]!);
    const k = keepShape(node, x);
    return [b.add("mul", [reshape(b, ct, k), b.add("exp", [b.add("sub", [x.id, reshape(b, node.id, k)])])])];
  },

  reshape: (b, node, ct) => [reshape(b, ct, shapeOf(b, node.args[0]!))],
  transpose: (b, node, ct) => {
    const perm = node.attrs.perm as number[];
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [b.add("transpose", [ct], { perm: inv })];
  },
  broadcast_to: (b, node, ct) => [unbroadcast(b, ct, shapeOf(b, node.args[0]!))],
  // pad the cotangent with zeros back to the full axis
  slice: (b, node, ct) => {
    const xs = shapeOf(b, node.args[0]!);
    const r = xs.length;
    const ax = (axisOf(node) + r) % r;
    const st = node.attrs.start as number, en = node.attrs.end as number;
    const zeros = (n: number) => b.const(0, xs.map((d, i) => (i === ax ? n : d)));
    const parts = [...(st > 0 ? [zeros(st)] : []), ct, ...(en < xs[ax]! ? [zeros(xs[ax]! - en)] : [])];
    return [parts.length === 1 ? ct : b.add("concat", parts, { axis: ax })];
  },
  concat: (b, node, ct, need) => {
    const r = node.shape.length;
    const ax = (axisOf(node) + r) % r;
    let off = 0;
    return node.args.map((a, i) => {
      const len = shapeOf(b, a)[ax]!;
      const start = off;
      off += len;
      return need[i] ? b.add("slice", [ct], { axis: ax, start, end: start + len }) : null;
    });
  },
  // scatter-add as a matmul with the one-hot of the indices: dx[p, d, q] = sum_j [idx_j = d] ct[p, j, q]
  gather: (b, node, ct) => {
    const [x, idx] = [b.get(node.args[0]!), b.get(node.args[1]!)];
    const r = x.shape.length;
    const ax = (axisOf(node, 0) + r) % r;
    const P = size(x.shape.slice(0, ax)), D = x.shape[ax]!, Q = size(x.shape.slice(ax + 1)), J = size(idx.shape);
    const oh = b.add("one_hot", [reshape(b, idx.id, [J])], { depth: D });
    const g3 = reshape(b, ct, [P, J, Q]);
    const dx = b.add("matmul", [b.add("transpose", [oh], { perm: [1, 0] }), g3]);
    return [reshape(b, dx, x.shape), null];
  },
  one_hot: () => [null],

  softmax: (b, node, ct) => {
    const dot = b.add("sum", [b.add("mul", [ct, node.id])], { axes: [axisOf(node)], keepdims: true });
    return [b.add("mul", [node.id, b.add("sub", [ct, dot])])];
  },
  log_softmax: (b, node, ct) => {
    const tot = b.add("sum", [ct], { axes: [axisOf(node)], keepdims: true });
    return [b.add("sub", [ct, b.add("mul", [b.add("exp", [node.id]), tot])])];
  },

  // y = conv2d(x, w): dx is the transposed conv of ct with the same w, strides, dilations and pads, its
  // output_padding giving back x's size (the r rows / columns no window reaches); dw a correlation (filterGrad)
  conv2d: (b, node, ct, need) => {
    const [x, w] = [b.get(node.args[0]!), b.get(node.args[1]!)];
    const { s, d, p } = convAttrs(node);
    const r = unreached(x, w, node);
    return [
      need[0] ? b.add("conv2d_transpose", [ct, w.id], { strides: s, pads: p, dilations: d, output_padding: r }) : null,
      need[1] ? filterGrad(b, x.id, ct, s, d, p, r) : null,
    ];
  },
  // y = conv2d_transpose(x, w) (the input gradient of a conv2d of y-sized input with w): dx is that conv2d of ct;
  // dw the same correlation as conv2d's with the roles of x and ct exchanged
  conv2d_transpose: (b, node, ct, need) => {
    const [x, w] = [b.get(node.args[0]!), b.get(node.args[1]!)];
    const { s, d, p } = convAttrs(node);
    const op = (node.attrs.output_padding as number[] | undefined) ?? [0, 0];
    return [
      need[0] ? b.add("conv2d", [ct, w.id], { strides: s, pads: p, dilations: d }) : null,
      need[1] ? filterGrad(b, ct, x.id, s, d, p, op) : null,
    ];
  },
};

function convAttrs(node: StepValue): { s: number[]; d: number[]; p: number[] } {
  return {
    s: (node.attrs.strides as number[] | undefined) ?? [1, 1],
    d: (node.attrs.dilations as number[] | undefined) ?? [1, 1],
    p: (node.attrs.pads as number[] | undefined) ?? [0, 0, 0, 0],
  };
}

const swap01 = (b: StepBuilder, id: number) => b.add("transpose", [id], { perm: [1, 0, 2, 3] });

/**
 * The filter gradient of a conv y = conv2d(u, w) (strides s, dilations d, pads p, `r` unreached rows / columns of
 * u at the bottom / right): dw[o, c, a, b] = sum_{n, i, j} g[n, o, i, j] u[n, c, i s + a d - top, j s + b d - left],
 * for g = the cotangent of y. With the batch as the channel axis that is itself a conv2d, of u^T [C, N, H, W] with
 * g^T [O, N, Ho, Wo] as its filter, strides and dilations exchanged, the top / left pads kept and the bottom /
 * right ones reduced by r (cropping u where that is negative): [C, O, kh, kw], transposed to w's layout. Used by
 * both convs: y = conv2d_transpose(x, w) is the input gradient of x' = conv2d(y', w), so its dw is this with u = the
 * cotangent of y and g = x (r = its output_padding), and the result is in w's [C, O, kh, kw] layout as well.
 * Closed under differentiation: the correlation is a conv2d (strided when the conv was dilated, dilated when it was
 * strided), so gradients of any order compose.
 */
function filterGrad(b: StepBuilder, u: number, g: number, s: number[], d: number[], p: number[], r: number[]): number {
  const hw = shapeOf(b, u).slice(2);
  const pads = filterPads(p, r);
  let ut = swap01(b, u);
  for (const i of [0, 1]) {
    if (pads[i + 2]! >= 0) continue;
    ut = b.add("slice", [ut], { axis: 2 + i, start: 0, end: hw[i]! + pads[i + 2]! });
    pads[i + 2] = 0;
  }
  return swap01(b, b.add("conv2d", [ut, swap01(b, g)], { strides: d, pads, dilations: s }));
}

/** the pads of filterGrad's correlation before cropping: the bottom / right ones less the unreached rows */
const filterPads = (p: number[], r: number[]) => [p[0]!, p[1]!, p[2]! - r[0]!, p[3]! - r[1]!];

/** conv2d's rows / columns of x below the last window (0 <= r < stride) */
function unreached(x: StepValue, w: StepValue, node: StepValue): number[] {
  const { s, d, p } = convAttrs(node);
  return [0, 1].map((i) => x.shape[2 + i]! + p[i]! + p[i + 2]! - d[i]! * (w.shape[2 + i]! - 1) - 1 - s[i]! * (node.shape[2 + i]! - 1));
}

/** Whether a conv's output depends on its filter at all: false when every window lies in the padding (a strided
 * conv with a large top pad), so the filter gradient is structurally zero and no cotangent is routed to it. */
function filterMeetsInput(values: readonly StepValue[], node: StepValue): boolean {
  const [x, w] = [values[node.args[0]!]!, values[node.args[1]!]!];
  const { p } = convAttrs(node);
  const transpose = node.op === "conv2d_transpose";
  const pads = filterPads(p, transpose ? ((node.attrs.output_padding as number[] | undefined) ?? [0, 0]) : unreached(x, w, node));
  const hw = (transpose ? node : x).shape.slice(2);
  return [0, 1].every((i) => hw[i]! + Math.min(0, pads[i + 2]!) > 0);
}

function extremum(b: StepBuilder, node: StepValue, ct: number): number {
  const x = b.get(node.args[0]!);
  const k = keepShape(node, x);
  const raw = (node.attrs.axes as number[] | null | undefined) ?? null;
  const axes = raw === null ? null : raw.map((a) => (a < 0 ? a + x.shape.length : a));
  const mask = b.add("cast", [b.add("eq", [x.id, reshape(b, node.id, k)])], { to: "f32" });
  const count = b.add("sum", [mask], { axes, keepdims: true });
  return b.add("mul", [mask, b.add("div", [reshape(b, ct, k), count])]);
}

/** Whether a cotangent flows from `node` into its argument i (false: the partial derivative is zero). */
function flows(values: readonly StepValue[], node: StepValue, i: number): boolean {
  if (node.dtype !== "f32" || values[node.args[i]!]!.dtype !== "f32") return false;
  if (ZERO_DERIVATIVE.includes(node.op)) return false;
  if (node.op === "where" && i === 0) return false;
  if (node.op === "gather" && i === 1) return false;
  if ((node.op === "conv2d" || node.op === "conv2d_transpose") && i === 1) return filterMeetsInput(values, node);
  return true;
}

const where = (v: StepValue) => (v.span ? ` (${v.span.file}:${v.span.start.line})` : "");

export function grad(b: StepBuilder, output: number, wrt: number[]): number[] {
  const values = b.values;
  const n = values.length;
  const out = b.get(output);
  if (out.dtype !== "f32" || size(out.shape) !== 1) throw new GradError(`grad: the output %${output} must be a one-element f32, it is ${out.dtype}[${out.shape}]`);
  for (const w of wrt) {
    const v = b.get(w);
    if (v.dtype !== "f32") throw new GradError(`grad: cannot differentiate with respect to %${w} of dtype ${v.dtype}`);
  }
  // nodes reached from a wrt along edges a cotangent can flow back through...
  const fromWrt = new Array<boolean>(n).fill(false);
  for (const w of wrt) fromWrt[w] = true;
  for (let i = 0; i <= output; i++) {
    const v = values[i]!;
    if (!fromWrt[i] && v.args.some((a, k) => fromWrt[a] && flows(values, v, k))) fromWrt[i] = true;
  }
  // ...that the output depends on
  const toOut = new Array<boolean>(n).fill(false);
  toOut[output] = true;
  for (let i = output; i >= 0; i--) if (toOut[i]) for (const a of values[i]!.args) toOut[a] = true;
  const onPath = (i: number) => fromWrt[i]! && toOut[i]!;

  const saved = { grad: b.grad, span: b.span };
  b.grad = true;
  try {
    const ct = new Map<number, number>();
    b.span = out.span ?? saved.span;
    if (onPath(output)) ct.set(output, b.const(1, out.shape));
    for (let i = output; i >= 0; i--) {
      const g = ct.get(i);
      if (g === undefined) continue;
      const v = values[i]!;
      const need = v.args.map((a, k) => onPath(a) && flows(values, v, k));
      if (!need.some(Boolean)) continue; // a wrt (or a leaf): its cotangent is the answer
      const rule = VJP[v.op];
      if (!rule) throw new GradError(`grad: ${v.op} (%${i})${where(v)} is on the path to %${output} and has no vector-Jacobian rule`);
      b.span = v.span ?? saved.span;
      const cts = rule(b, v, g, need);
      v.args.forEach((a, k) => {
        const c = cts[k];
        if (!need[k] || c === null || c === undefined) return;
        const have = b.get(c).shape, want = values[a]!.shape;
        if (!sameShape(have, want)) throw new StepShapeError(`grad: the ${v.op} rule gave a [${have}] cotangent for a [${want}] argument`);
        const prev = ct.get(a);
        ct.set(a, prev === undefined ? c : b.add("add", [prev, c]));
      });
    }
    b.span = saved.span;
    return wrt.map((w) => ct.get(w) ?? b.const(0, values[w]!.shape));
  } finally {
    b.grad = saved.grad;
    b.span = saved.span;
  }
}

/** The ops that have a rule (the property tests cover each of them). */
export const DIFFERENTIABLE_OPS: readonly StepOp[] = (Object.keys(OPS) as StepOp[]).filter((op) => op in VJP);
