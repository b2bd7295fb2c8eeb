// Lowering of one IR graph (a network body, a loss, the sampler) to TypeScript statements: one `const` per IR
// value reachable from the output, named after the spec's `let` / argument names, grouped under `// file:line`
// comments. Op semantics follow compiler/ir/ir.ts; helpers that tfjs lacks live in runtime/ops.ts (`rt.ops`).

import type { IRGraph, IRLayer, IRValue, Json, TensorType } from "../ir/ir.ts";
import { Namer, commentText, lit, num, safeIdent, str } from "./names.ts";
import { showType } from "../check/patterns.ts";
import { liveIds } from "../passes/graph.ts";

export class EmitError extends Error {
  constructor(
    message: string,
    readonly value?: IRValue,
  ) {
    super(message);
  }
}

/** How a graph's sources are reached from the function being emitted. */
export interface GraphEnv {
  /** expression of data binding `name` in this function */
  data(name: string): string;
  /** expression of a latent draw: value, component index or per-component draws */
  latent(name: string, part: "value" | "component" | "each"): string;
  /** expression of network argument `index` */
  input(index: number): string;
  /** identifier of the hoisted `weights` variable */
  weight(name: string): string;
  /** expression of a prior parameter tensor (z.means / z.scale) */
  priorParam(latent: string, member: string): string;
  /** identifier of the prior object of a latent (for responsibilities) */
  prior(latent: string): string;
  isNetwork(name: string): boolean;
  /** identifier of the function of network `name` */
  network(name: string): string;
  /** per-example input and output types of network `name` (plugin network arguments describe themselves) */
  networkType(name: string): { inputs: TensorType[]; output: TensorType };
  /** the layer objects of the network being emitted, by IR layer id */
  layer(id: string): { layer: IRLayer; ident: string | null };
  /** identifier of plugin module `resolvedPath` */
  plugin(resolvedPath: string): string;
  /** expression of the `training` flag */
  training: string;
  /** basename of the spec file, for `// file:line` comments */
  specFile: string;
}

/** Built-in loss primitives and their runtime functions (rt.losses). */
const BUILTIN_PRIMS: Record<string, string> = {
  log_sigmoid: "logSigmoid",
  softplus: "softplus",
  bce: "bce",
  hinge: "hinge",
  kl: "kl",
  js: "js",
  entropy: "entropy",
  wasserstein: "wasserstein",
  gradient_penalty: "gradientPenalty",
  mutual_info: "mutualInfo",
  marginal_match: "marginalMatch",
};

const UNARY_TF: Partial<Record<string, string>> = {
  neg: "neg", log: "log", sqrt: "sqrt", abs: "abs", square: "square", relu: "relu", not: "logicalNot",
};
// ops whose tfjs kernels are wrong in a gradient of a gradient: the runtime's versions (runtime/layers/activations.ts)
const UNARY_RT: Partial<Record<string, string>> = {
  exp: "rt.layers.exp", elu: "rt.layers.elu", tanh: "rt.layers.tanh", sigmoid: "rt.layers.sigmoid", softplus: "rt.losses.softplus",
};
const BINARY_TF: Partial<Record<string, string>> = {
  add: "add", sub: "sub", mul: "mul", div: "div", pow: "pow",
  eq: "equal", ne: "notEqual", lt: "less", le: "lessEqual", gt: "greater", ge: "greaterEqual",
  and: "logicalAnd", or: "logicalOr",
};

const runtimeRank = (t: TensorType) => t.shape.length + (t.batched ? 1 : 0);

/** Per-example axes (null = all) as runtime axes. */
function runtimeAxes(axes: unknown, t: TensorType): number[] {
  const r = t.shape.length;
  const off = t.batched ? 1 : 0;
  const list = Array.isArray(axes) ? (axes as unknown[]).map(Number) : [...Array(r).keys()];
  return list.map((a) => (a < 0 ? a + r : a) + off);
}

const nattr = (v: IRValue, key: string, dflt?: number): number => {
  const x = v.attrs[key];
  if (typeof x === "number") return x;
  if (dflt !== undefined) return dflt;
  throw new EmitError(`op ${v.op} (value ${v.id}) lacks numeric attribute ${key}`, v);
};
const sattr = (v: IRValue, key: string): string => {
  const x = v.attrs[key];
  if (typeof x === "string") return x;
  throw new EmitError(`op ${v.op} (value ${v.id}) lacks string attribute ${key}`, v);
};

export interface LoweredGraph {
  lines: string[];
  result: string;
}

/** Values reachable from the output, in id order (graphs are SSA: args precede their users). A `grad` value
 * recomputes the values between its wrt and its f inside its closure, so it needs only wrt and what that path
 * reads from outside: those path values are emitted outside too only when something else uses them. */
function reachable(g: IRGraph): IRValue[] {
  let keep: Set<number>;
  try {
    keep = liveIds(g);
  } catch (e) {
    throw new EmitError((e as Error).message);
  }
  if (!g.values.some((v) => v.op === "grad" && keep.has(v.id))) return g.values.filter((v) => keep.has(v.id));
  const byId = new Map(g.values.map((v) => [v.id, v] as const));
  const live = new Set<number>();
  const stack = [g.output];
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    const v = byId.get(id)!;
    if (v.op !== "grad") {
      stack.push(...v.args);
      continue;
    }
    const [f, w] = v.args as [number, number];
    const path = gradPath(byId, f, w);
    stack.push(w);
    for (const p of path) for (const a of byId.get(p)!.args) if (a !== w && !path.includes(a)) stack.push(a);
  }
  return g.values.filter((v) => live.has(v.id));
}

/** The ids (ascending) of the values on a path from `w` (excluded) to `f` (included). */
function gradPath(byId: Map<number, IRValue>, f: number, w: number): number[] {
  const from = new Set([w]);
  const ids = [...byId.keys()].filter((i) => i > w && i <= f).sort((a, b) => a - b);
  for (const i of ids) if (byId.get(i)!.args.some((a) => from.has(a))) from.add(i);
  if (!from.has(f)) throw new EmitError(`grad: value ${f} does not depend on value ${w}`, byId.get(f));
  const toF = new Set([f]);
  for (const i of [...ids].reverse()) if (toF.has(i)) for (const a of byId.get(i)!.args) toF.add(a);
  return ids.filter((i) => from.has(i) && toF.has(i));
}

export function lowerGraph(g: IRGraph, env: GraphEnv, scope: Namer, firstLine = -1): LoweredGraph {
  const values = reachable(g);
  const byId = new Map(g.values.map((v) => [v.id, v] as const));
  const types = new Map(g.values.map((v) => [v.id, v.type]));
  const exprOf = new Map<number, string>();
  const lines: string[] = [];
  let lastLine = firstLine;
  const nameFor = (v: IRValue) => {
    const hint = v.name ?? (v.op === "data" || v.op === "latent" ? (v.attrs["name"] as string) : undefined);
    return scope.fresh(hint !== undefined && safeIdent(hint) !== null ? safeIdent(hint)! : `v${v.id}`);
  };
  for (const v of values) {
    if (v.op === "grad") {
      // tf.grad of the batch sum of f as a function of wrt: the path from wrt to f is recomputed in the closure
      // (its other inputs read from outside); the update's tape differentiates this gradient again
      const [f, w] = v.args as [number, number];
      const wExpr = exprOf.get(w);
      if (wExpr === undefined) throw new EmitError(`value ${v.id} uses value ${w} before it is defined`, v);
      const inner = new Map(exprOf);
      const param = scope.fresh("wrt");
      inner.set(w, param);
      const body: string[] = [];
      for (const id of gradPath(byId, f, w)) {
        const u = byId.get(id)!;
        const args = u.args.map((a) => {
          const e = inner.get(a);
          if (e === undefined) throw new EmitError(`value ${u.id} uses value ${a} before it is defined`, u);
          return e;
        });
        const n = nameFor(u);
        body.push(`  const ${n} = ${lowerOp(u, args, u.args.map((a) => types.get(a)!), env)};`);
        inner.set(id, n);
      }
      const name = nameFor(v);
      if (v.span && v.span.start.line !== lastLine) {
        lastLine = v.span.start.line;
        lines.push(`// ${commentText(`${env.specFile}:${lastLine}`)}`);
      }
      lines.push(`const ${name} = tf.grad((${param}) => {`, ...body, `  return tf.sum(${inner.get(f)!});`, `})(${wExpr});`);
      exprOf.set(v.id, name);
      continue;
    }
    const args = v.args.map((a) => {
      const e = exprOf.get(a);
      if (e === undefined) throw new EmitError(`value ${v.id} uses value ${a} before it is defined`, v);
      return e;
    });
    const argT = v.args.map((a) => types.get(a)!);
    const expr = lowerOp(v, args, argT, env);
    // sources that are already names need no new const
    if (isPlainRef(v) && /^[A-Za-z_$][\w$]*$/.test(expr)) {
      exprOf.set(v.id, expr);
      continue;
    }
    const name = nameFor(v);
    if (v.span && v.span.start.line !== lastLine) {
      lastLine = v.span.start.line;
      lines.push(`// ${commentText(`${env.specFile}:${lastLine}`)}`);
    }
    lines.push(`const ${name} = ${expr};`);
    exprOf.set(v.id, name);
  }
  return { lines, result: exprOf.get(g.output)! };
}

const isPlainRef = (v: IRValue) => v.op === "input" || v.op === "weight";

function lowerOp(v: IRValue, a: string[], at: TensorType[], env: GraphEnv): string {
  const t = v.type;
  const un = UNARY_TF[v.op];
  if (un && a.length === 1) return `tf.${un}(${a[0]})`;
  const unRt = UNARY_RT[v.op];
  if (unRt && a.length === 1) return `${unRt}(${a[0]})`;
  const bin = BINARY_TF[v.op];
  if (bin && a.length === 2) return `tf.${bin}(${a[0]}, ${a[1]})`;
  switch (v.op) {
    case "const": {
      const dtype = t.elem === "bool" ? "bool" : "float32";
      const val = v.attrs["value"];
      if (typeof val === "number") return `tf.scalar(${num(val)}, ${str(dtype)})`;
      if (typeof val === "boolean") return `tf.scalar(${val}, "bool")`;
      if (Array.isArray(val)) return `tf.tensor(${lit(val)}, undefined, ${str(dtype)})`;
      throw new EmitError(`const value ${v.id} is neither a number nor an array`, v);
    }
    case "data":
      return env.data(sattr(v, "name"));
    case "latent":
      return env.latent(sattr(v, "name"), "value");
    case "latent_component":
      return env.latent(sattr(v, "name"), "component");
    case "latent_each":
      return env.latent(sattr(v, "name"), "each");
    case "weight":
      return env.weight(sattr(v, "name"));
    case "prior_param":
      return env.priorParam(sattr(v, "latent"), sattr(v, "member"));
    case "input":
      return env.input(nattr(v, "index"));
    case "expand_rank":
      return `rt.ops.expandRank(${a[0]}, ${nattr(v, "rank")}, ${at[0]!.batched})`;
    case "reshape": {
      const shape = (v.attrs["shape"] as number[] | undefined) ?? t.shape;
      return `tf.reshape(${a[0]}, ${lit(t.batched ? [-1, ...shape] : shape)})`;
    }
    case "flatten": {
      const size = at[0]!.shape.reduce((p, d) => p * d, 1);
      return `tf.reshape(${a[0]}, ${lit(t.batched ? [-1, size] : [size])})`;
    }
    case "concat": {
      const axis = nattr(v, "axis", -1);
      const ax = axis < 0 ? axis : axis + (t.batched ? 1 : 0);
      return `rt.ops.concat([${a.join(", ")}], ${ax})`;
    }
    case "index": {
      const mode = v.attrs["mode"];
      if (mode === "const") return `rt.ops.indexConst(${a[0]}, ${nattr(v, "value")}, ${at[0]!.batched})`;
      if (mode === "gather") return `rt.ops.gather(${a[0]}, ${a[1]})`;
      if (mode === "batch_gather") return `rt.ops.batchGather(${a[0]}, ${a[1]})`;
      throw new EmitError(`unknown index mode ${JSON.stringify(mode)}`, v);
    }
    case "transpose":
      return `rt.ops.transposeLast(${a[0]})`;
    case "one_hot":
      return `rt.layers.oneHot(${a[0]}, ${nattr(v, "classes")})`;
    case "fold_call": {
      const fn = env.network(sattr(v, "network"));
      const mapDims = nattr(v, "mapDims", 0);
      if (mapDims === 0) return `${fn}(${[env.training, ...a].join(", ")})`;
      const ps = a.map((_, i) => `x${i}`);
      return `rt.ops.foldCall(${mapDims}, [${a.join(", ")}], (${ps.join(", ")}) => ${fn}(${[env.training, ...ps].join(", ")}))`;
    }
    case "layer":
      return lowerLayer(v, a[0]!, env);
    case "matmul":
      return `rt.ops.matmul(${a[0]}, ${a[1]}, ${v.attrs["aVec"] === true}, ${v.attrs["bVec"] === true})`;
    case "quadform":
      return `rt.ops.quadform(${a[0]}, ${a[1]})`;
    case "inv":
      return `rt.ops.inv(${a[0]})`;
    case "eye":
      return `tf.eye(${nattr(v, "n")})`;
    case "sum":
    case "mean":
    case "max":
    case "min":
    case "logsumexp": {
      const axes = runtimeAxes(v.attrs["axes"], at[0]!);
      if (axes.length === 0) return a[0]!;
      if (v.op === "logsumexp") return `rt.ops.logsumexp(${a[0]}, ${lit(axes)})`;
      return `tf.${v.op}(${a[0]}, ${lit(axes)})`;
    }
    case "expect":
      return at[0]!.batched ? `tf.mean(${a[0]}, 0)` : a[0]!;
    case "leaky_relu":
      return `rt.layers.leakyRelu(${a[0]}, ${num(nattr(v, "alpha", 0.2))})`;
    case "softmax":
      return `tf.softmax(${a[0]}, -1)`;
    // tf.logSigmoid / tf.logSoftmax are custom-gradient ops whose saved input can be disposed before the backward
    // pass inside nested tidies; the runtime's versions are composed of plain differentiable ops.
    case "log_softmax":
      return `rt.layers.logSoftmax(${a[0]})`;
    case "log_sigmoid":
      return `rt.losses.logSigmoid(${a[0]})`;
    case "responsibilities":
      return `rt.ops.applyRows(${a[0]}, (rows) => ${env.prior(sattr(v, "latent"))}.responsibilities(rows))`;
    case "prim":
      return lowerPrim(v, a, env);
    default:
      throw new EmitError(`the tfjs emitter cannot lower op ${JSON.stringify(v.op)} with ${a.length} argument(s)`, v);
  }
}

function lowerLayer(v: IRValue, x: string, env: GraphEnv): string {
  const { layer, ident } = env.layer(sattr(v, "layer"));
  const at = layer.attrs;
  const n = (k: string, d: number) => (typeof at[k] === "number" ? (at[k] as number) : d);
  const pad = typeof at["padding"] === "string" ? (at["padding"] as string) : "valid";
  switch (layer.kind) {
    case "maxpool":
    case "avgpool": {
      const size = n("size", n("pool", 2));
      const fn = layer.kind === "maxpool" ? "maxPool" : "avgPool";
      return `rt.layers.${fn}(${x}, ${size}, ${n("stride", size)}, ${str(pad === "same" ? "same" : "valid")})`;
    }
    case "upsample":
      return `rt.layers.upsample(${x}, ${n("factor", 2)}, ${str(at["mode"] === "bilinear" ? "bilinear" : "nearest")})`;
    default:
      if (ident === null) throw new EmitError(`layer ${layer.id} has no runtime object`, v);
      return `${ident}.apply(${x}, { ${env.training === "training" ? "training" : `training: ${env.training}`}, rng })`;
  }
}

/** The network-valued params of a prim (attrs.networks, set by the checker). */
const networkParams = (v: IRValue): Set<string> =>
  new Set(Array.isArray(v.attrs["networks"]) ? (v.attrs["networks"] as unknown[]).map(String) : []);

/** A plugin prim's `named` object: options as literals, network params as rt.ops.pluginNetwork callables that run
 * the network with the function's training flag. */
function pluginNamed(v: IRValue, named: Record<string, unknown>, env: GraphEnv): string {
  const nets = networkParams(v);
  if (nets.size === 0) return lit(named);
  const entries = Object.entries(named).map(([k, x]) => {
    if (!nets.has(k)) return `${str(k)}: ${lit(x)}`;
    if (typeof x !== "string" || !env.isNetwork(x)) throw new EmitError(`plugin argument ${k} is not a network`, v);
    const t = env.networkType(x);
    const ps = t.inputs.map((_, i) => `x${i}`);
    const fn = `(${ps.join(", ")}) => ${env.network(x)}(${[env.training, ...ps].join(", ")})`;
    const info = lit({ name: x, inputs: t.inputs.map(showType), output: showType(t.output) });
    return `${str(k)}: rt.ops.pluginNetwork(${fn}, ${info})`;
  });
  return `{ ${entries.join(", ")} }`;
}

function lowerPrim(v: IRValue, a: string[], env: GraphEnv): string {
  const name = sattr(v, "name");
  const named = (v.attrs["named"] ?? {}) as Record<string, unknown>;
  const plugin = v.attrs["plugin"];
  if (typeof plugin === "string") {
    const rank = runtimeRank(v.type);
    return `rt.ops.callPluginLoss(${env.plugin(plugin)}, ${str(name)}, [${a.join(", ")}], ${pluginNamed(v, named, env)}, ${rank})`;
  }
  const fn = BUILTIN_PRIMS[name];
  if (fn === undefined) {
    throw new EmitError(
      `loss primitive ${JSON.stringify(name)} has no tfjs implementation (known: ${Object.keys(BUILTIN_PRIMS).join(", ")})`,
      v,
    );
  }
  // Every option reaches the runtime as one object (defaults were filled in by the checker), so an option cannot be
  // dropped here; network-valued params are passed as functions.
  const nets = networkParams(v);
  const opts = Object.fromEntries(Object.entries(named).filter(([k]) => !nets.has(k)));
  const optsLit = lit(opts as Json);
  if (name === "gradient_penalty") {
    const critic = named[[...nets][0] ?? ""];
    if (typeof critic !== "string" || !env.isNetwork(critic)) throw new EmitError("gradient_penalty needs a critic network", v);
    return `rt.losses.gradientPenalty((x) => ${env.network(critic)}(${env.training}, x), ${a[0]}, ${a[1]}, rng, ${optsLit})`;
  }
  return Object.keys(opts).length ? `rt.losses.${fn}(${a.join(", ")}, ${optsLit})` : `rt.losses.${fn}(${a.join(", ")})`;
}
