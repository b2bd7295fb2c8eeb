// Lowering: typed IR (compiler/ir/ir.ts) -> primitive step IR (ir.ts), one graph per update. A network call is
// inlined (its layers become matmuls on `param` inputs named by their store names), a loss primitive becomes its
// formula in primitives, latents become `noise` inputs drawn by the host from the run's RNG (the reparameterised
// part of a learnable GaussianMixture stays in the graph), and the update's gradient comes from compiler/passes/
// grad.ts, followed by the optimizer as IR (optimizer.ts). Anything not lowered yet is a LowerError naming the spec
// line, so `ganc compile --emit step-ir` says what is missing instead of emitting a wrong graph.
//
// Conv networks (runtime/layers/conv.ts, norm.ts, activations.ts): the spec's and the store's layouts are tfjs's
// (images NHWC, conv2d kernels [k, k, in, out], conv2d_transpose kernels [k, k, out, in]; checkpoints keep them),
// the step IR's convs are ONNX's (NCHW, [out, in, k, k] / [in, out, k, k]). Kernels are transposed in the graph;
// activations are transposed to NCHW where a run of conv / batchnorm / pool layers starts and back to NHWC where
// anything else reads them (flatten, reshape, dense, a network's output), elementwise activations in between keep
// NCHW (the `nchw` set marks the step values that hold the NCHW form of an NHWC value of the typed IR). "same" pads
// as TensorFlow: the odd pixel at the bottom / right. Batchnorm in training mode, as the tfjs layer: batch moments
// over every axis but the channels, eps 1e-3, and each application moves the moving statistics (`state` inputs
// named by their store names, "Enc/batchnorm_0/moving_mean") by momentum 0.99, chained in application order, the
// last value an update output of the same name. Spectral normalization (spectralNormKernel) works the same way:
// its power-iteration vector u is a `state` input ("D/dense_0/sn_u"), each training-mode application moves it,
// the last value an update output; inference reads it unchanged.
import type { Span } from "../../diagnostics/diagnostic.ts";
import type { IRGraph, IRLatent, IRLayer, IRNetwork, IRProgram, IRUpdate, IRValue, Json, TensorType } from "../ir/ir.ts";
import { StepBuilder, type DType, type StepGraph } from "./ir.ts";
import { grad } from "../passes/grad.ts";
import { liveIds } from "../passes/graph.ts";
import { optimizerStep } from "./optimizer.ts";
import { TraceError, TracedTensor, tracingTf, type TracedNetwork } from "./trace-tf.ts";
import { pluginImplementation } from "../plugins/load.ts";
import { showType } from "../check/patterns.ts";

export class LowerError extends Error {
  constructor(
    message: string,
    readonly span: Span | null,
  ) {
    super(message);
  }
}

/** clamp of probabilities before logs, as runtime/losses EPS */
const EPS = 1e-8;

/** typed-IR ops that act elementwise on one image: they keep an NCHW operand NCHW */
const LAYOUT_FREE = new Set(["relu", "leaky_relu", "tanh", "sigmoid", "softplus", "log_sigmoid", "neg", "exp", "log", "sqrt", "abs", "square"]);

/** TensorFlow's padding of a conv of an n-pixel axis: "same" puts the odd pixel after (runtime/layers/conv-util.ts) */
function tfPads(n: number, k: number, s: number, same: boolean): { before: number; after: number } {
  if (!same) return { before: 0, after: 0 };
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  return { before: total >> 1, after: total - (total >> 1) };
}

const flat = (j: Json): number[] => (Array.isArray(j) ? j.flatMap(flat) : [Number(j)]);
const dtypeOf = (t: TensorType): DType => (t.elem === "int" ? "i32" : t.elem === "bool" ? "bool" : "f32");

/** Graph-input names: a data column, a latent's draw, its component index, its per-component draws, its noise. */
export const inputName = {
  data: (name: string) => `data:${name}`,
  latent: (name: string) => `latent:${name}`,
  component: (name: string) => `latent:${name}.component`,
  each: (name: string) => `latent:${name}.each`,
  eps: (name: string) => `noise:${name}.eps`,
  epsEach: (name: string) => `noise:${name}.each_eps`,
  alpha: (id: number) => `noise:gp${id}.alpha`,
};

/** Store names and shapes of every learnable (or frozen, checkpointed) tensor of the program. */
export function paramShapes(ir: IRProgram): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const n of ir.networks) for (const l of n.layers) for (const p of l.params) m.set(p.name, p.shape);
  for (const w of ir.weights) m.set(w.name, w.type.shape);
  for (const z of ir.latents) {
    if (z.dist.kind !== "gaussian_mixture") continue;
    const { components: K, dim: d, cov } = z.dist;
    m.set(`${z.name}.means`, [K, d]);
    m.set(`${z.name}.scale`, cov === "iso" ? [K] : cov === "diag" ? [K, d] : [K, d, d]);
    if (z.dist.weights?.learn) m.set(`${z.name}.weights`, [K]);
  }
  return m;
}

class Lowering {
  readonly b: StepBuilder;
  private readonly cache = new Map<string, number>();
  private readonly params: Map<string, number[]>;
  private readonly nets: Map<string, IRNetwork>;
  private readonly latents: Map<string, IRLatent>;
  private gpCount = 0;
  /** step values holding the NCHW form of an image the typed IR has as NHWC, and the transposes made of them */
  private readonly nchw = new Set<number>();
  private readonly layoutCache = new Map<string, number>();
  /** batch-norm moving statistics: store name -> the shape and the id of its current value (input or last update) */
  readonly stats = new Map<string, { shape: number[]; cur: number }>();
  /** inference (export, lowerNetworkForward): batchnorm reads the moving statistics, dropout is the identity */
  inference = false;

  constructor(
    readonly ir: IRProgram,
    name: string,
    readonly N: number,
  ) {
    this.b = new StepBuilder(name);
    this.params = paramShapes(ir);
    this.nets = new Map(ir.networks.map((n) => [n.name, n]));
    this.latents = new Map(ir.latents.map((z) => [z.name, z]));
  }

  /** one graph input per name, created on first use */
  private once(key: string, make: () => number): number {
    let id = this.cache.get(key);
    if (id === undefined) this.cache.set(key, (id = make()));
    return id;
  }

  param(name: string): number {
    const shape = this.params.get(name);
    if (!shape) throw new LowerError(`no learnable tensor named ${JSON.stringify(name)}`, null);
    return this.once(`param:${name}`, () => this.b.input(name, "param", shape));
  }

  /** the NHWC (typed-IR) layout of step value `id` */
  private nhwc(id: number): number {
    if (!this.nchw.has(id)) return id;
    return this.once(`nhwc:${id}`, () => this.b.add("transpose", [id], { perm: [0, 2, 3, 1] }));
  }

  /** the NCHW layout of the image `id` (rank 4) */
  private toNchw(id: number): number {
    if (this.nchw.has(id)) return id;
    let t = this.layoutCache.get(`nchw:${id}`);
    if (t === undefined) {
      t = this.b.add("transpose", [id], { perm: [0, 3, 1, 2] });
      this.layoutCache.set(`nchw:${id}`, t);
      this.nchw.add(t);
    }
    return t;
  }

  private markNchw(id: number): number {
    this.nchw.add(id);
    return id;
  }

  /** a batch-norm moving statistic: the state input on first use, then its value after the last application */
  private stat(name: string, shape: number[]): number {
    let s = this.stats.get(name);
    if (!s) this.stats.set(name, (s = { shape, cur: this.b.input(name, "state", shape) }));
    return s.cur;
  }

  private shapeOf(t: TensorType, n: number): number[] {
    return t.batched ? [n, ...t.shape] : t.shape;
  }

  /** a latent's draw; a learnable GaussianMixture is reparameterised in the graph from host noise */
  private latent(name: string, part: "value" | "component" | "each", v: IRValue): number {
    const z = this.latents.get(name);
    if (!z) throw new LowerError(`unknown latent ${name}`, v.span);
    const N = this.N;
    const d = z.dist;
    const gm = d.kind === "gaussian_mixture" ? d : null;
    if (part === "component") return this.once(inputName.component(name), () => this.b.input(inputName.component(name), "noise", [N], "i32"));
    if (!gm || z.learnable.length === 0 || z.learnable.every((p) => p.endsWith(".weights"))) {
      // a fixed prior: the host draws the value itself
      const key = part === "each" ? inputName.each(name) : inputName.latent(name);
      return this.once(key, () => this.b.input(key, "noise", this.shapeOf(v.type, N), dtypeOf(v.type)));
    }
    const K = gm.components, D = gm.dim;
    const means = this.param(`${name}.means`);
    const b = this.b;
    if (part === "each") {
      const eps = this.once(inputName.epsEach(name), () => b.input(inputName.epsEach(name), "noise", [N, K, D]));
      if (gm.cov === "full") {
        // z[n, k] = m_k + L_k eps[n, k]: [K, D, D] @ [N, K, D, 1] -> [N, K, D, 1]
        const Le = b.add("matmul", [this.cholesky(name), b.add("reshape", [eps], { shape: [N, K, D, 1] })]);
        return b.add("add", [means, b.add("reshape", [Le], { shape: [N, K, D] })]);
      }
      const s = gm.cov === "iso" ? b.add("reshape", [this.param(`${name}.scale`)], { shape: [K, 1] }) : this.param(`${name}.scale`);
      return b.add("add", [means, b.add("mul", [s, eps])]);
    }
    return this.once(`value:${name}`, () => {
      const comp = this.latent(name, "component", v);
      const eps = this.once(inputName.eps(name), () => b.input(inputName.eps(name), "noise", [N, D]));
      const m = b.add("gather", [means, comp], { axis: 0 });
      if (gm.cov === "full") {
        const L = b.add("gather", [this.cholesky(name), comp], { axis: 0 }); // [N, D, D]
        const Le = b.add("matmul", [L, b.add("reshape", [eps], { shape: [N, D, 1] })]);
        return b.add("add", [m, b.add("reshape", [Le], { shape: [N, D] })]);
      }
      let s = b.add("gather", [this.param(`${name}.scale`), comp], { axis: 0 });
      if (gm.cov === "iso") s = b.add("reshape", [s], { shape: [N, 1] });
      return b.add("add", [m, b.add("mul", [s, eps])]);
    });
  }

  /** Lower typed graph `g` at batch size `n`; `args` are the ids of a network's inputs. Returns its output id. */
  graph(g: IRGraph, n: number, args: number[] = [], net: IRNetwork | null = null): number {
    const ids = new Map<number, number>();
    const byId = new Map(g.values.map((v) => [v.id, v]));
    const need = liveIds(g);
    for (const v of g.values) {
      if (!need.has(v.id)) continue;
      const prev = this.b.span;
      this.b.span = v.span ?? prev;
      try {
        // layers and elementwise activations take an NCHW image as it is; everything else reads NHWC
        const keep = v.op === "layer" || LAYOUT_FREE.has(v.op);
        const a = v.args.map((x) => (keep ? ids.get(x)! : this.nhwc(ids.get(x)!)));
        const id = this.value(v, a, v.args.map((x) => byId.get(x)!.type), n, args, net);
        if (LAYOUT_FREE.has(v.op) && this.nchw.has(a[0]!)) this.markNchw(id);
        ids.set(v.id, id);
      } catch (e) {
        if (e instanceof LowerError) throw e;
        throw new LowerError(`${v.op}: ${(e as Error).message}`, v.span);
      } finally {
        this.b.span = prev;
      }
    }
    return this.nhwc(ids.get(g.output)!);
  }

  private value(v: IRValue, a: number[], at: TensorType[], n: number, netArgs: number[], net: IRNetwork | null): number {
    const b = this.b;
    const t = v.type;
    const shape = this.shapeOf(t, n);
    const attr = v.attrs;
    const bat = (i: number) => at[i]!.batched;
    switch (v.op) {
      case "const":
        return b.const(flat(attr.value as Json), shape, dtypeOf(t));
      case "data": {
        const name = String(attr.name);
        return this.once(inputName.data(name), () => b.input(inputName.data(name), "data", shape, dtypeOf(t)));
      }
      case "latent":
        return this.latent(String(attr.name), "value", v);
      case "latent_component":
        return this.latent(String(attr.name), "component", v);
      case "latent_each":
        return this.latent(String(attr.name), "each", v);
      case "weight":
        return this.param(String(attr.name));
      case "prior_param":
        if (attr.member === "weights") throw new LowerError("z.weights is not readable in a loss", v.span);
        return this.param(`${attr.latent}.${attr.member}`);
      case "input":
        return netArgs[Number(attr.index)]!;
      case "expand_rank":
      case "reshape":
      case "flatten":
        return b.add("reshape", [a[0]!], { shape });
      case "concat": {
        const axis = Number(attr.axis ?? -1);
        return b.add("concat", a, { axis: axis < 0 ? axis : axis + (t.batched ? 1 : 0) });
      }
      case "index": {
        if (attr.mode === "const") {
          const axis = bat(0) ? 1 : 0;
          const k = Number(attr.value);
          return b.add("reshape", [b.add("slice", [a[0]!], { axis, start: k, end: k + 1 })], { shape });
        }
        if (attr.mode === "gather") return b.add("gather", [a[0]!, a[1]!], { axis: 0 });
        if (attr.mode === "batch_gather") {
          // row i takes target[i, idx[i]]: a one-hot contraction over the component axis (differentiable)
          const tgt = b.get(a[0]!).shape;
          const K = tgt[1]!;
          const oh = b.add("one_hot", [a[1]!], { depth: K });
          const ohr = b.add("reshape", [oh], { shape: [n, K, ...tgt.slice(2).map(() => 1)] });
          return b.add("sum", [b.add("mul", [a[0]!, ohr])], { axes: [1], keepdims: false });
        }
        throw new LowerError(`index mode ${String(attr.mode)}`, v.span);
      }
      case "one_hot":
        return b.add("one_hot", [a[0]!], { depth: Number(attr.classes) });
      case "transpose": {
        const r = shape.length;
        const perm = [...Array(r).keys()];
        [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
        return b.add("transpose", [a[0]!], { perm });
      }
      case "fold_call": {
        const callee = this.nets.get(String(attr.network));
        if (!callee) throw new LowerError(`unknown network ${String(attr.network)}`, v.span);
        const mapDims = Number(attr.mapDims ?? 0);
        if (mapDims === 0) return this.graph(callee.body, n, a, callee);
        // [n, m1..mk, ...] -> [n*m, ...], call, unfold
        const lead = at[0]!.shape.slice(0, mapDims);
        const m = n * lead.reduce((p, q) => p * q, 1);
        const folded = a.map((id, i) => b.add("reshape", [id], { shape: [m, ...at[i]!.shape.slice(mapDims)] }));
        const out = this.graph(callee.body, m, folded, callee);
        return b.add("reshape", [out], { shape });
      }
      case "layer":
        return this.layer(v, a[0]!, net);
      case "add": case "sub": case "mul": case "div": case "pow":
      case "neg": case "exp": case "log": case "sqrt": case "abs": case "square": case "relu": case "tanh": case "sigmoid":
      case "softplus": case "log_sigmoid":
        return b.add(v.op, a);
      case "eq": case "lt": case "le": case "gt": case "ge": case "and": case "or": case "not":
        return b.add(v.op, a);
      case "ne":
        return b.add("not", [b.add("eq", a)]);
      case "leaky_relu":
        return b.add("mul", [a[0]!, b.add("step", [a[0]!], { alpha: Number(attr.alpha ?? 0.2) })]);
      case "softmax":
      case "log_softmax":
        return b.add(v.op, a, { axis: -1 });
      case "matmul": {
        const A = b.get(a[0]!).shape, B = b.get(a[1]!).shape;
        const x = attr.aVec === true ? b.add("reshape", [a[0]!], { shape: [...A.slice(0, -1), 1, A[A.length - 1]!] }) : a[0]!;
        const y = attr.bVec === true ? b.add("reshape", [a[1]!], { shape: [...B, 1] }) : a[1]!;
        return b.add("reshape", [b.add("matmul", [x, y])], { shape });
      }
      case "quadform": {
        // x' A x = sum(x * (A @ x[..., None])[..., 0], -1)
        const X = b.get(a[1]!).shape;
        const ax = b.add("matmul", [a[0]!, b.add("reshape", [a[1]!], { shape: [...X, 1] })]);
        const axs = b.add("reshape", [ax], { shape: b.get(ax).shape.slice(0, -1) });
        return b.add("reshape", [b.add("sum", [b.add("mul", [axs, a[1]!])], { axes: [-1], keepdims: false })], { shape });
      }
      case "inv":
        return b.add("inv", [a[0]!]);
      case "eye": {
        const k = Number(attr.n);
        return b.const(Array.from({ length: k * k }, (_, i) => (Math.floor(i / k) === i % k ? 1 : 0)), [k, k]);
      }
      case "sum": case "mean": case "max": case "min": case "logsumexp": {
        const x = at[0]!;
        const off = x.batched ? 1 : 0;
        const r = x.shape.length;
        const axes = Array.isArray(attr.axes) ? (attr.axes as number[]).map((q) => (q < 0 ? q + r : q) + off) : [...Array(r).keys()].map((q) => q + off);
        if (axes.length === 0) return a[0]!;
        return b.add(v.op, [a[0]!], { axes, keepdims: false });
      }
      case "expect":
        return bat(0) ? b.add("mean", [a[0]!], { axes: [0], keepdims: false }) : a[0]!;
      case "responsibilities":
        return this.responsibilities(String(attr.latent), a[0]!, v);
      case "prim":
        return this.prim(v, a, at, n);
      case "grad": {
        // grad(f, wrt): the compiler's own reverse pass over the nodes already built for f, here in the forward
        // graph, so the update's grad differentiates these backward nodes again (every rule is differentiable)
        const total = b.get(a[0]!).shape.length ? b.add("sum", [a[0]!], { axes: null, keepdims: false }) : a[0]!;
        return grad(b, total, [a[1]!])[0]!;
      }
      default:
        throw new LowerError(`op ${v.op} is not lowered to the step IR yet`, v.span);
    }
  }

  private layer(v: IRValue, x: number, net: IRNetwork | null): number {
    const l = net?.layers.find((q) => q.id === v.attrs.layer);
    if (!l) throw new LowerError(`layer ${String(v.attrs.layer)} not found`, v.span);
    const b = this.b;
    if (l.kind === "dense") {
      const [, bias] = l.params;
      return b.add("add", [b.add("matmul", [this.nhwc(x), this.kernel(l)]), this.param(bias!.name)]);
    }
    if (l.kind === "dropout" && (this.inference || !(Number(l.attrs.rate) > 0))) return x;
    if (l.kind === "conv2d" || l.kind === "conv2d_transpose") return this.conv(l, x);
    if (l.kind === "batchnorm") return this.batchnorm(l, x);
    if (l.kind === "maxpool" || l.kind === "avgpool") return this.pool(l, x);
    if (l.kind === "embedding") return b.add("gather", [this.param(l.params[0]!.name), this.nhwc(x)], { axis: 0 });
    if (l.kind === "upsample") return this.upsample(l, x);
    throw new LowerError(`layer ${l.kind} is not lowered to the step IR yet`, l.span);
  }

  /** a dense / conv layer's kernel in the store's layout: the parameter, or under spectral_norm W / sigma(W) */
  private kernel(l: IRLayer): number {
    const W = this.param(l.params[0]!.name);
    const iters = Number(l.attrs.spectralNorm ?? 0);
    if (!(iters > 0)) return W;
    const name = `${l.id}/sn_u`;
    const out = this.b.get(W).shape[l.kind === "conv2d_transpose" ? 2 : this.b.get(W).shape.length - 1]!;
    const u = this.stat(name, [out]);
    const r = spectralNormKernel(this.b, W, u, l.kind, iters, !this.inference);
    this.stats.get(name)!.cur = r.u;
    return r.kernel;
  }

  /** tfjs conv2d / conv2dTranspose (+ bias) on the NCHW image, the kernel transposed from the store's layout */
  private conv(l: IRLayer, x: number): number {
    const b = this.b;
    const xi = this.toNchw(x);
    const [, , H, W] = b.get(xi).shape as [number, number, number, number];
    const k = Number(l.attrs.kernel), s = Number(l.attrs.stride ?? 1);
    const same = l.attrs.padding !== "valid"; // as the tfjs emitter reads it
    const [, bias] = l.params;
    // [k, k, in, out] -> [out, in, k, k]; [k, k, out, in] -> [in, out, k, k]: the same permutation
    const w = b.add("transpose", [this.kernel(l)], { perm: [3, 2, 0, 1] });
    const F = b.get(w).shape[l.kind === "conv2d" ? 0 : 1]!;
    let y: number;
    if (l.kind === "conv2d") {
      const [gh, gw] = [tfPads(H, k, s, same), tfPads(W, k, s, same)];
      y = b.add("conv2d", [xi, w], { strides: [s, s], pads: [gh.before, gw.before, gh.after, gw.after] });
    } else {
      // the input gradient of a conv2d of the output size: its pads, and the output_padding that gives that size
      const [oh, ow] = same ? [H * s, W * s] : [(H - 1) * s + k, (W - 1) * s + k];
      const [gh, gw] = [tfPads(oh, k, s, same), tfPads(ow, k, s, same)];
      const op = [oh - (s * (H - 1) + k - gh.before - gh.after), ow - (s * (W - 1) + k - gw.before - gw.after)];
      if (op.some((p) => p < 0 || p >= s)) throw new LowerError(`conv2d_transpose: kernel ${k}, stride ${s} has no output_padding giving ${oh}x${ow}`, l.span);
      y = b.add("conv2d_transpose", [xi, w], { strides: [s, s], pads: [gh.before, gw.before, gh.after, gw.after], output_padding: op });
    }
    return this.markNchw(b.add("add", [y, b.add("reshape", [this.param(bias!.name)], { shape: [F, 1, 1] })]));
  }

  /** tfjs batchnorm in training mode: batch moments over every axis but the channels; the moving statistics move */
  private batchnorm(l: IRLayer, x: number): number {
    if (this.inference) return this.batchnormInference(l, x);
    const b = this.b;
    const image = b.get(x).shape.length === 4;
    const xi = image ? this.toNchw(x) : x;
    const shape = b.get(xi).shape;
    const C = Number(l.attrs.channels ?? shape[image ? 1 : shape.length - 1]);
    const momentum = Number(l.attrs.momentum ?? 0.99), eps = Number(l.attrs.eps ?? 1e-3);
    const axes = image ? [0, 2, 3] : shape.slice(0, -1).map((_, i) => i);
    const chan = image ? [C, 1, 1] : [C];
    const c = (v: number) => b.const(v);
    const mean = b.add("mean", [xi], { axes, keepdims: true });
    const d = b.add("sub", [xi, mean]);
    const variance = b.add("mean", [b.add("square", [d])], { axes, keepdims: true });
    for (const [stat, batch] of [["moving_mean", mean], ["moving_variance", variance]] as const) {
      const name = `${l.id}/${stat}`;
      const old = this.stat(name, [C]);
      const cur = b.add("add", [b.add("mul", [old, c(momentum)]), b.add("mul", [b.add("reshape", [batch], { shape: [C] }), c(1 - momentum)])]);
      this.stats.get(name)!.cur = cur;
    }
    const [gamma, beta] = l.params.map((p) => b.add("reshape", [this.param(p.name)], { shape: chan }));
    const y = b.add("add", [b.add("mul", [b.add("div", [d, b.add("sqrt", [b.add("add", [variance, c(eps)])])]), gamma!]), beta!]);
    return image ? this.markNchw(y) : y;
  }

  /** tfjs batchnorm in inference mode (runtime/layers/norm.ts, training false): (x - moving_mean) /
   * sqrt(moving_variance + eps) * gamma + beta, the moving statistics `state` inputs named by their store names */
  private batchnormInference(l: IRLayer, x: number): number {
    const b = this.b;
    const image = b.get(x).shape.length === 4;
    const xi = image ? this.toNchw(x) : x;
    const shape = b.get(xi).shape;
    const C = Number(l.attrs.channels ?? shape[image ? 1 : shape.length - 1]);
    const eps = Number(l.attrs.eps ?? 1e-3);
    const chan = image ? [C, 1, 1] : [C];
    const [mean, variance] = (["moving_mean", "moving_variance"] as const).map((s) => b.add("reshape", [this.stat(`${l.id}/${s}`, [C])], { shape: chan }));
    const [gamma, beta] = l.params.map((p) => b.add("reshape", [this.param(p.name)], { shape: chan }));
    const y = b.add("add", [b.add("mul", [b.add("div", [b.add("sub", [xi, mean!]), b.add("sqrt", [b.add("add", [variance!, b.const(eps)])])]), gamma!]), beta!]);
    return image ? this.markNchw(y) : y;
  }

  /** tfjs maxPool / avgPool where the windows tile the image (stride = size, no padding): a reshape into windows
   * and a max / mean over them */
  private pool(l: IRLayer, x: number): number {
    const b = this.b;
    const k = Number(l.attrs.size), s = Number(l.attrs.stride ?? k);
    const xi = this.toNchw(x);
    const [N, C, H, W] = b.get(xi).shape as [number, number, number, number];
    // "same" pads nothing when the size divides the image
    const noPad = l.attrs.padding !== "same" || (H % k === 0 && W % k === 0);
    if (s !== k || !noPad)
      throw new LowerError(`${l.kind} with size ${k}, stride ${s}, padding "${String(l.attrs.padding)}" is not lowered to the step IR yet (stride = size without padding is)`, l.span);
    const [oh, ow] = [Math.floor(H / k), Math.floor(W / k)];
    let t = xi;
    if (oh * k < H) t = b.add("slice", [t], { axis: 2, start: 0, end: oh * k });
    if (ow * k < W) t = b.add("slice", [t], { axis: 3, start: 0, end: ow * k });
    const windows = b.add("reshape", [t], { shape: [N, C, oh, k, ow, k] });
    return this.markNchw(b.add(l.kind === "maxpool" ? "max" : "mean", [windows], { axes: [3, 5], keepdims: false }));
  }

  /**
   * upsample(factor, mode) on the NCHW image, from primitives whose vector-Jacobian rules already exist (so its
   * gradient needs no rule of its own and composes to any order):
   * - nearest: reshape [N, C, H, 1, W, 1], broadcast_to [N, C, H, f, W, f], reshape [N, C, H f, W f]; the gradient
   *   (broadcast_to's) sums dy over each f x f block;
   * - bilinear: separable, y = A_h x A_w^T with the constant interpolation matrices A [n f, n] of TF's resize
   *   (align_corners false, half_pixel_centers false, as tf.image.resizeBilinear(x, size, false, false) and ONNX
   *   Resize with coordinate_transformation_mode "asymmetric"): output row o reads source s = o / f, rows floor(s)
   *   and min(floor(s) + 1, n - 1) with weights 1 - (s - floor(s)) and s - floor(s). The gradient (matmul's) is the
   *   transposed interpolation A_h^T dy A_w.
   */
  private upsample(l: IRLayer, x: number): number {
    const b = this.b;
    const f = Number(l.attrs.factor);
    const xi = this.toNchw(x);
    if (f === 1) return xi;
    const [N, C, H, W] = b.get(xi).shape as [number, number, number, number];
    if (l.attrs.mode !== "bilinear") {
      const r = b.add("reshape", [xi], { shape: [N, C, H, 1, W, 1] });
      const e = b.add("broadcast_to", [r], { shape: [N, C, H, f, W, f] });
      return this.markNchw(b.add("reshape", [e], { shape: [N, C, H * f, W * f] }));
    }
    const interp = (n: number): number[] => {
      const m = new Array<number>(n * f * n).fill(0);
      for (let o = 0; o < n * f; o++) {
        const src = o / f;
        const i0 = Math.floor(src), i1 = Math.min(i0 + 1, n - 1), w = src - i0;
        m[o * n + i0] += 1 - w;
        m[o * n + i1] += w;
      }
      return m;
    };
    const Ah = b.const(interp(H), [H * f, H]);
    const rows = b.add("matmul", [Ah, xi]); // [N, C, H f, W]
    const AwT = b.add("transpose", [b.const(interp(W), [W * f, W])], { perm: [1, 0] }); // [W, W f]
    return this.markNchw(b.add("matmul", [rows, AwT]));
  }

  /** the lower-triangular factors actually used, L = scale * tril (the upper triangle gets zero gradient), [K, D, D] */
  private cholesky(name: string): number {
    return this.once(`tril:${name}`, () => {
      const shape = this.params.get(`${name}.scale`)!;
      const D = shape[1]!;
      const tril = this.b.const(Array.from({ length: D * D }, (_, i) => (i % D <= Math.floor(i / D) ? 1 : 0)), [D, D]);
      return this.b.add("mul", [this.param(`${name}.scale`), tril]);
    });
  }

  /** -1/2 |L_k^-1 (z - m_k)|^2 - log |det L_k| for every k, by forward substitution (D sequential steps, as the
   * runtime does): diff [M, K, D] -> [M, K] */
  private fullLogDensity(name: string, diff: number, M: number, K: number, D: number): number {
    const b = this.b;
    const L = this.cholesky(name);
    const col = (i: number) => b.add("reshape", [b.add("slice", [L], { axis: 2, start: i, end: i + 1 })], { shape: [1, K, D] }); // L[:, :, i]
    let r = diff;
    let quad: number | null = null;
    let logdet: number | null = null;
    for (let i = 0; i < D; i++) {
      const lii = b.add("reshape", [b.add("slice", [b.add("slice", [L], { axis: 1, start: i, end: i + 1 })], { axis: 2, start: i, end: i + 1 })], { shape: [K] });
      const yi = b.add("div", [b.add("reshape", [b.add("slice", [r], { axis: 2, start: i, end: i + 1 })], { shape: [M, K] }), lii]);
      const q = b.add("square", [yi]);
      quad = quad === null ? q : b.add("add", [quad, q]);
      const ld = b.add("log", [b.add("abs", [lii])]);
      logdet = logdet === null ? ld : b.add("add", [logdet, ld]);
      if (i + 1 < D) r = b.add("sub", [r, b.add("mul", [b.add("reshape", [yi], { shape: [M, K, 1] }), col(i)])]);
    }
    return b.add("sub", [b.add("mul", [quad!, b.const(-0.5)]), logdet!]);
  }

  /** p(k | z) of GaussianMixture `name`: softmax_k(log w_k + log N(z; m_k, Sigma_k)) */
  private responsibilities(name: string, z: number, v: IRValue): number {
    const l = this.latents.get(name);
    if (!l || l.dist.kind !== "gaussian_mixture") throw new LowerError(`responsibilities of ${name}`, v.span);
    const { components: K, dim: D, cov } = l.dist;
    const b = this.b;
    const zs = b.get(z).shape;
    const lead = zs.slice(0, -1);
    const diff = b.add("sub", [b.add("reshape", [z], { shape: [...lead, 1, D] }), this.param(`${name}.means`)]);
    let lp: number; // [..., K]; the -D/2 log(2 pi) constant is dropped (softmax)
    if (cov === "full") {
      const M = lead.reduce((p, q) => p * q, 1);
      const flatDiff = b.add("reshape", [diff], { shape: [M, K, D] });
      lp = b.add("reshape", [this.fullLogDensity(name, flatDiff, M, K, D)], { shape: [...lead, K] });
    } else {
      const scale = this.param(`${name}.scale`);
      const s = cov === "iso" ? b.add("reshape", [scale], { shape: [K, 1] }) : scale; // [K, 1] | [K, D]
      const sq = b.add("div", [b.add("square", [diff]), b.add("mul", [b.const(2), b.add("square", [s])])]);
      const logs = cov === "iso" ? b.add("mul", [b.const(D), b.add("log", [scale])]) : b.add("sum", [b.add("log", [scale])], { axes: [1], keepdims: false });
      lp = b.add("sub", [b.add("neg", [b.add("sum", [sq], { axes: [-1], keepdims: false })]), logs]);
    }
    const w = l.dist.weights;
    if (w) {
      const logw = w.learn ? b.add("log_softmax", [this.param(`${name}.weights`)], { axis: -1 }) : b.const(w.probs.map(Math.log), [K]);
      lp = b.add("add", [lp, logw]);
    }
    return b.add("softmax", [lp], { axis: -1 });
  }

  private clampP(p: number): number {
    return this.b.add("maximum", [this.b.add("minimum", [p, this.b.const(1)]), this.b.const(EPS)]);
  }

  private kl(p: number, q: number): number {
    const b = this.b;
    return b.add("sum", [b.add("mul", [p, b.add("sub", [b.add("log", [this.clampP(p)]), b.add("log", [this.clampP(q)])])])], { axes: [-1], keepdims: false });
  }

  private rows(p: number): number {
    const s = this.b.get(p).shape;
    const K = s[s.length - 1]!;
    return this.b.add("reshape", [p], { shape: [s.reduce((x, y) => x * y, 1) / K, K] });
  }

  private meanAll(x: number): number {
    return this.b.get(x).shape.length ? this.b.add("mean", [x], { axes: null, keepdims: false }) : x;
  }

  /** A plugin loss: its tfjs implementation called once with the tracing `tf` (trace-tf.ts), so its formula becomes
   * step-IR nodes here and the update's grad differentiates it like a built-in's. */
  private pluginLoss(v: IRValue, a: number[], n: number, name: string, named: Record<string, Json>): number {
    const b = this.b;
    const impl = pluginImplementation(String(v.attrs.plugin), name);
    if (!impl) throw new LowerError(`plugin loss ${name}: its module was not loaded with the spec`, v.span);
    const nets = new Set(Array.isArray(v.attrs.networks) ? v.attrs.networks.map(String) : []);
    const values: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(named)) values[k] = nets.has(k) ? this.tracedNetwork(String(x), v) : x;
    const args = a.map((id) => new TracedTensor(id, b.get(id).shape));
    let out: unknown;
    try {
      out = impl(args as never, values as never, tracingTf(b) as never);
    } catch (e) {
      if (e instanceof LowerError) throw e;
      const msg = String((e as Error)?.message ?? e).split("\n")[0];
      if (e instanceof TraceError) throw new LowerError(`plugin loss ${name} is not lowered to the step IR yet: ${msg}`, v.span);
      throw new LowerError(`plugin loss ${name} is not lowered to the step IR yet: tracing its implementation failed: ${msg}`, v.span);
    }
    if (!(out instanceof TracedTensor)) throw new LowerError(`plugin loss ${name} is not lowered to the step IR yet: its implementation did not return a tensor of the tf it was given`, v.span);
    const want = this.shapeOf(v.type, n);
    if (out.shape.join(",") !== want.join(","))
      throw new LowerError(`plugin loss ${name} returned shape [${out.shape.join(", ")}], but its signature promises [${want.join(", ")}]`, v.span);
    return out.id;
  }

  /** network `netName` as a plugin's `network` argument: applying it inlines the network on the traced inputs */
  private tracedNetwork(netName: string, v: IRValue): TracedNetwork {
    const net = this.nets.get(netName);
    if (!net) throw new LowerError(`plugin argument ${netName} is not a network`, v.span);
    const f = (...xs: TracedTensor[]) => {
      if (xs.length !== net.inputs.length || !xs.every((x) => x instanceof TracedTensor))
        throw new TraceError(`network ${netName} takes ${net.inputs.length} traced tensor input(s), got ${xs.length}`);
      const out = this.nhwc(this.graph(net.body, xs[0]!.shape[0]!, xs.map((x) => x.id), net));
      return new TracedTensor(out, this.b.get(out).shape);
    };
    Object.defineProperties(f, {
      name: { value: netName },
      inputs: { value: Object.freeze(net.inputs.map((i) => showType(i.type))) },
      output: { value: showType(net.output) },
    });
    return f as unknown as TracedNetwork;
  }

  private prim(v: IRValue, a: number[], at: TensorType[], n: number): number {
    const b = this.b;
    const name = String(v.attrs.name);
    const named = (v.attrs.named ?? {}) as Record<string, Json>;
    if (typeof v.attrs.plugin === "string") return this.pluginLoss(v, a, n, name, named);
    const c = (x: number) => b.const(x);
    switch (name) {
      case "log_sigmoid":
      case "softplus":
        return b.add(name, a);
      case "bce":
        return b.add("sub", [b.add("softplus", [a[0]!]), b.add("mul", [a[1]!, a[0]!])]);
      case "hinge":
        return b.add("relu", [b.add("sub", [c(Number(named.margin ?? 1)), a[0]!])]);
      case "wasserstein":
        return b.add("sub", [this.meanAll(a[0]!), this.meanAll(a[1]!)]);
      case "kl":
        return this.kl(a[0]!, a[1]!);
      case "js": {
        const m = b.add("mul", [b.add("add", [a[0]!, a[1]!]), c(0.5)]);
        return b.add("mul", [b.add("add", [this.kl(a[0]!, m), this.kl(a[1]!, m)]), c(0.5)]);
      }
      case "entropy":
        return b.add("neg", [b.add("sum", [b.add("mul", [a[0]!, b.add("log", [this.clampP(a[0]!)])])], { axes: [-1], keepdims: false })]);
      case "marginal_match": {
        const mp = b.add("mean", [this.rows(a[0]!)], { axes: [0], keepdims: false });
        const mq = b.add("mean", [this.rows(a[1]!)], { axes: [0], keepdims: false });
        const m = b.add("mul", [b.add("add", [mp, mq]), c(0.5)]);
        return b.add("mul", [b.add("add", [this.kl(mp, m), this.kl(mq, m)]), c(0.5)]);
      }
      case "mutual_info": {
        const P = this.rows(a[0]!), Q = this.rows(a[1]!);
        const rowsN = b.get(P).shape[0]!;
        let joint = b.add("div", [b.add("matmul", [b.add("transpose", [P], { perm: [1, 0] }), Q]), c(rowsN)]);
        const [K1, K2] = b.get(joint).shape;
        if (K1 === K2) joint = b.add("mul", [b.add("add", [joint, b.add("transpose", [joint], { perm: [1, 0] })]), c(0.5)]);
        joint = this.clampP(joint);
        const m1 = b.add("sum", [joint], { axes: [1], keepdims: true });
        const m2 = b.add("sum", [joint], { axes: [0], keepdims: true });
        const lj = b.add("sub", [b.add("sub", [b.add("log", [joint]), b.add("log", [m1])]), b.add("log", [m2])]);
        return b.add("sum", [b.add("mul", [joint, lj])], { axes: null, keepdims: false });
      }
      case "gradient_penalty": {
        // weight * mean_i (|grad_x critic(x_hat_i)| - 1)^2, x_hat = real + alpha (fake - real), alpha ~ U[0,1) per row:
        // a gradient inside the forward graph, differentiated again by the update's grad
        const critic = this.nets.get(String(named.critic));
        if (!critic) throw new LowerError("gradient_penalty needs a critic network", v.span);
        const rs = b.get(a[0]!).shape;
        const key = inputName.alpha(this.gpCount++);
        const alpha = this.once(key, () => b.input(key, "noise", [rs[0]!, ...rs.slice(1).map(() => 1)]));
        const xhat = b.add("add", [a[0]!, b.add("mul", [alpha, b.add("sub", [a[1]!, a[0]!])])]);
        const score = this.graph(critic.body, rs[0]!, [xhat], critic);
        const total = b.add("sum", [score], { axes: null, keepdims: false });
        const [g] = grad(b, total, [xhat]);
        const axes = rs.slice(1).map((_, i) => i + 1);
        const sq = b.add("square", [g!]);
        const ss = axes.length ? b.add("sum", [sq], { axes, keepdims: false }) : sq;
        const norm = b.add("sqrt", [b.add("add", [ss, c(1e-12)])]);
        const pen = b.add("mean", [b.add("square", [b.add("sub", [norm, c(1)])])], { axes: null, keepdims: false });
        return b.add("mul", [c(Number(named.weight ?? 10)), pen]);
      }
      default:
        void at;
        void n;
        throw new LowerError(`loss primitive ${name} is not lowered to the step IR yet`, v.span);
    }
  }
}

/** Spectral normalization (Miyato et al. 2018) of kernel `W` (the store's layout: dense [in, out], conv2d
 * [k, k, in, out], conv2d_transpose [k, k, out, in]) from the power-iteration vector `u` [out], as
 * runtime/layers/spectral.ts computes it. M = the kernel as a [rest, out] matrix (out the output channels).
 * Training (`update`): `iters` times v = normalize(M u), u = normalize(v M); sigma = v M u. Inference: v =
 * normalize(M u) from the stored u, sigma = v M u, u unchanged. normalize(x) = x / max(|x|, 1e-12). u and v are
 * computed from stop_gradient(M) (and u's state), so they are constants to the grad pass: d sigma / d M = v^T u^T,
 * the paper's gradient. Returns W / sigma and u's new value. */
export function spectralNormKernel(b: StepBuilder, W: number, u0: number, kind: string, iters: number, update: boolean): { kernel: number; u: number } {
  const ws = b.get(W).shape;
  const perm = kind === "conv2d_transpose" ? b.add("transpose", [W], { perm: [0, 1, 3, 2] }) : W;
  const out = ws[kind === "conv2d_transpose" ? 2 : ws.length - 1]!;
  const rest = ws.reduce((p, q) => p * q, 1) / out;
  const M = ws.length === 2 ? perm : b.add("reshape", [perm], { shape: [rest, out] });
  const Ms = b.add("stop_gradient", [M]);
  const normalize = (x: number) =>
    b.add("div", [x, b.add("maximum", [b.add("sqrt", [b.add("sum", [b.add("square", [x])], { axes: null, keepdims: false })]), b.const(1e-12)])]);
  let u = b.add("reshape", [u0], { shape: [out, 1] });
  let v = normalize(b.add("reshape", [b.add("matmul", [Ms, u])], { shape: [1, rest] }));
  if (update)
    for (let i = 0; i < iters; i++) {
      if (i > 0) v = normalize(b.add("reshape", [b.add("matmul", [Ms, u])], { shape: [1, rest] }));
      u = b.add("reshape", [normalize(b.add("matmul", [v, Ms]))], { shape: [out, 1] });
    }
  const sigma = b.add("reshape", [b.add("matmul", [b.add("matmul", [v, M]), u])], { shape: [] });
  return { kernel: b.add("div", [W, sigma]), u: update ? b.add("reshape", [u], { shape: [out] }) : u0 };
}

/** The step graph of update `u`: inputs params / optimizer state / data / noise / hypers; outputs the loss as
 * declared (`loss:<name>`, logged), then every updated parameter and optimizer slot (same names as the inputs). */
export function lowerUpdate(ir: IRProgram, u: IRUpdate, opts: { exposeGrads?: boolean } = {}): StepGraph {
  const loss = ir.losses.find((l) => l.name === u.loss);
  if (!loss) throw new LowerError(`update ${u.name}: no loss ${u.loss}`, u.span);
  const L = new Lowering(ir, u.name, ir.train.batch);
  const b = L.b;
  b.span = loss.span;
  const value = L.graph(loss.graph, ir.train.batch);
  b.output(value, `loss:${u.loss}`, "log");
  b.span = u.span;
  const objective = u.direction === "maximizes" ? b.add("neg", [value]) : value;
  const vars = [...new Set(u.groups.flatMap((g) => g.vars))];
  const varIds = vars.map((v) => L.param(v));
  b.grad = true;
  const grads = grad(b, objective, varIds);
  b.grad = false;
  // for tests that compare the gradients themselves with another autodiff: `grad:<store name>`
  if (opts.exposeGrads) vars.forEach((v, i) => b.output(grads[i]!, `grad:${v}`, "log"));
  optimizerStep(b, u, vars, varIds, grads);
  // the moving statistics after the update's last batch-norm application
  for (const [name, s] of L.stats) b.output(s.cur, name, "update");
  return b.graph();
}

/** Export (issue 18): the inference forward graph of network `netName` at batch size `batch`, as the tfjs program's
 * `network(name, ...)` computes it (training false: batchnorm on the moving statistics, no dropout). Inputs: one
 * `data` input per network argument, named by the argument (`x`: [batch, ...its per-example shape]), the network's
 * parameters (`param`) and moving statistics (`state`) by their store names; output `output` (role result). */
export function lowerNetworkForward(ir: IRProgram, netName: string, batch: number, o: { output?: string } = {}): StepGraph {
  const net = ir.networks.find((n) => n.name === netName);
  if (!net) throw new LowerError(`no network named ${JSON.stringify(netName)}`, null);
  const L = new Lowering(ir, netName, batch);
  L.inference = true;
  const b = L.b;
  b.span = net.span;
  const args = net.inputs.map((i) => b.input(i.name, "data", [batch, ...i.type.shape], dtypeOf(i.type)));
  b.output(L.graph(net.body, batch, args, net), o.output ?? "output", "result");
  return b.graph();
}

/** Export (issue 18): the inference graph of the spec's sampler (what `ganc sample` draws: program.sample) at batch
 * size `batch`. Inputs: the latent draws it reads, named as in every step graph (inputName): `latent:<z>` for a
 * latent the host draws whole, and for a GaussianMixture with learned means / scales its component index
 * `latent:<z>.component` (i32 [batch]) and standard-normal `noise:<z>.eps` ([batch, dim]); the parameters and
 * moving statistics by store name. Output `samples` [batch, ...sample shape]. */
export function lowerSamplerForward(ir: IRProgram, batch: number, o: { output?: string } = {}): StepGraph {
  const s = ir.sampler;
  if (!s) throw new LowerError(`${ir.model.name} has no generator to sample from`, null);
  const L = new Lowering(ir, `sample_${s.network}`, batch);
  L.inference = true;
  const b = L.b;
  b.output(L.graph(s.graph, batch), o.output ?? "samples", "result");
  return b.graph();
}
