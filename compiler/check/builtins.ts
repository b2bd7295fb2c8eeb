// How each signature-table entry becomes a checked value: argument acceptance (kinds, tensor patterns, domains),
// tensor functions and loss primitives as IR ops, and distributions, initializers, optimizers, data sources and
// metrics as compile-time values. Layers are in layers.ts.
import type { Span } from "../../diagnostics/diagnostic.ts";
import type { IRDist, IRInit, Json, OpName, TensorType } from "../ir/ir.ts";
import type { Checker, Cx } from "./checker.ts";
import { constJson, fmtNum } from "./checker.ts";
import { applyLayer, checkSpectralNorm } from "./layers.ts";
import { instantiate, newBindings, parsePattern, showType, unify, type Bindings } from "./patterns.ts";
import { isBuiltin, type SigParam, type Signature, type SignatureEntry } from "./signatures.ts";
import { ERR, broadcastShapes, describe, sameShape, type BoundArg, type Val } from "./values.ts";
import { scheduleProblem, type LrSchedule } from "../../runtime/optim/schedule.ts";

type Fail = { why: string; domain: boolean };
type TVal = Val & { k: "tensor" };

const fail = (why: string, domain = false): Fail => ({ why, domain });

function domainOf(p: SigParam, n: number): Fail | null {
  if (p.min !== undefined && (p.minExclusive ? !(n > p.min) : !(n >= p.min)))
    return fail(`must be ${p.minExclusive ? ">" : ">="} ${fmtNum(p.min)}, got ${fmtNum(n)}`, true);
  if (p.max !== undefined && !(n <= p.max)) return fail(`must be <= ${fmtNum(p.max)}, got ${fmtNum(n)}`, true);
  return null;
}

function showVal(v: Val): string {
  return v.k === "num" ? fmtNum(v.v) : describe(v);
}

const isIntVal = (v: Val): v is Val & { k: "num" } => v.k === "num" && Number.isInteger(v.v);

/** Does `v` fit parameter `p`? null when it does. Tensor patterns extend `b`. */
export function acceptArg(ck: Checker, p: SigParam, v: Val, b: Bindings): Fail | null {
  switch (p.kind) {
    case "tensor": {
      if (v.k === "ref" && (v.kind === "network" || v.kind === "loss")) return fail(`expected a tensor, got a ${v.kind}`);
      const t = ck.refType(v);
      if (!t) return fail(`expected a tensor, got ${describe(v)}`);
      const pat = parsePattern(p.type ?? "Real[...s]");
      if (typeof pat === "string") return fail(pat);
      const r = unify(pat, t, b);
      return r ? fail(r) : null;
    }
    case "int":
      if (!isIntVal(v))
        // a real from `/` (`ng / 2` is 31.5 or the real 32): the int division is `div`
        return fail(`expected an int, got ${showVal(v)}${(v as Val).k === "num" ? " (for integer division write `a div b`, e.g. `ng div 2`)" : ""}`);
      return domainOf(p, v.v);
    case "real":
      if (v.k !== "num") return fail(`expected a number, got ${describe(v)}`);
      return domainOf(p, v.v);
    case "bool":
      return v.k === "bool" ? null : fail(`expected true or false, got ${describe(v)}`);
    case "string":
      if (v.k !== "str") return fail(`expected a string, got ${describe(v)}`);
      if (p.oneOf && !p.oneOf.includes(v.v)) return fail(`must be one of ${p.oneOf.map((o) => `"${o}"`).join(", ")}, got "${v.v}"`, true);
      return null;
    case "ints":
      if (v.k !== "list" || !v.items.every(isIntVal)) return fail(`expected a list of ints like [128, 128], got ${describe(v)}`);
      for (const it of v.items) {
        const d = domainOf({ ...p, min: p.min ?? 1 }, (it as { v: number }).v);
        if (d) return d;
      }
      return null;
    case "reals":
      return v.k === "list" && v.items.every((x) => x.k === "num") ? null : fail(`expected a list of numbers, got ${describe(v)}`);
    case "dims":
      if (isIntVal(v)) return v.v >= 1 ? null : fail(`must be >= 1, got ${v.v}`, true);
      if (v.k === "list" && v.items.every((x) => isIntVal(x) && x.v >= 1)) return null;
      return fail(`expected a positive int or a list of them, got ${describe(v)}`);
    case "fn":
      if (v.k === "fn") return null;
      if (v.k === "entry" && (v.entry.category === "activation" || v.entry.category === "layer")) return null;
      return fail(`expected a layer or activation like relu(), got ${describe(v)}`);
    case "dist":
      return v.k === "dist" ? null : fail(`expected a distribution, got ${describe(v)}`);
    case "dists":
      return v.k === "list" && v.items.every((x) => x.k === "dist") ? null : fail(`expected a list of distributions, got ${describe(v)}`);
    case "init":
      if (v.k === "init" || (v.k === "entry" && v.entry.category === "init")) return null;
      return fail(`expected an initializer, got ${describe(v)}`);
    case "prior":
      if (v.k === "priorSpec" || v.k === "init" || v.k === "num" || (v.k === "entry" && v.entry.category === "init")) return null;
      if (v.k === "list" && v.items.length > 0 && v.items.every((x) => x.k === "num")) return null; // mixing weights
      return fail(`expected fixed(...), learn(...), an initializer, a number or a list of numbers, got ${describe(v)}`);
    case "network":
      return v.k === "ref" && v.kind === "network" ? null : fail(`expected a network name, got ${describe(v)}`);
    case "data":
      return v.k === "ref" && v.kind === "data" ? null : fail(`expected a data binding, got ${describe(v)}`);
    case "latent":
      return v.k === "ref" && v.kind === "latent" ? null : fail(`expected a latent, got ${describe(v)}`);
    case "weights":
      return v.k === "ref" && v.kind === "weights" ? null : fail(`expected weights, got ${describe(v)}`);
    case "schedule":
      if (v.k === "schedule" || (v.k === "entry" && v.entry.category === "schedule")) return null;
      return fail(`expected a learning-rate schedule (constant(), warmup(n), linear_decay(n), cosine(n), step_decay(n)), got ${describe(v)}`);
  }
}

// ---------- argument readers ----------

function get(bound: Map<string, BoundArg>, sig: Signature, name: string): Val | undefined {
  const b = bound.get(name);
  if (b) return b.val;
  const p = sig.params.find((x) => x.name === name);
  if (!p || p.default === undefined || p.default === null) return undefined;
  return jsonToVal(p.default);
}

function jsonToVal(j: Json): Val {
  if (typeof j === "number") return { k: "num", v: j, isInt: Number.isInteger(j) };
  if (typeof j === "string") return { k: "str", v: j };
  if (typeof j === "boolean") return { k: "bool", v: j };
  if (Array.isArray(j)) return { k: "list", items: j.map(jsonToVal) };
  return ERR;
}

const num = (v: Val | undefined, d = 0): number => (v && v.k === "num" ? v.v : d);
const str = (v: Val | undefined, d = ""): string => (v && v.k === "str" ? v.v : d);
const nums = (v: Val | undefined): number[] => (v && v.k === "list" ? v.items.map((x) => num(x)) : []);

/** Every parameter's value as JSON (defaults filled; references by name; `none` defaults left out). */
function argsJson(sig: Signature, bound: Map<string, BoundArg>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const p of sig.params) {
    const v = get(bound, sig, p.name);
    if (!v) continue;
    const j = valJson(v);
    if (j !== undefined) out[p.name] = j;
  }
  return out;
}

function valJson(v: Val): Json | undefined {
  if (v.k === "ref") return v.name;
  if (v.k === "str") return v.v;
  const c = constJson(v);
  return c === null ? undefined : c;
}

function toInit(ck: Checker, v: Val, span: Span, cx: Cx): IRInit | null {
  if (v.k === "entry") v = ck.callEntry(v.entry, [], cx, span, span);
  if (v.k === "init") return v.init;
  if (v.k === "num") return { kind: "const", value: v.v };
  return null;
}

// ---------- learning-rate schedules ----------

function toSchedule(name: string, A: (n: string) => Val | undefined): LrSchedule {
  switch (name) {
    case "warmup":
      return { kind: "warmup", steps: num(A("steps")) };
    case "linear_decay":
      return { kind: "linear", steps: num(A("steps")), warmup: num(A("warmup")), end: num(A("end")) };
    case "cosine":
      return { kind: "cosine", steps: num(A("steps")), warmup: num(A("warmup")), min: num(A("min")) };
    case "step_decay":
      return { kind: "step", every: num(A("every")), gamma: num(A("gamma"), 0.1) };
    default:
      return { kind: "constant" };
  }
}

function scheduleHint(s: LrSchedule): string[] {
  if (s.kind === "linear" || s.kind === "cosine") return ["`warmup` counts applications inside `steps`: e.g. cosine(steps=10000, warmup=500)"];
  return [];
}

// ---------- entry application ----------

export function applyEntry(ck: Checker, entry: SignatureEntry, sig: Signature, bound: Map<string, BoundArg>, cx: Cx, span: Span): Val {
  const A = (n: string) => get(bound, sig, n);
  const S = (n: string) => bound.get(n)?.span ?? span;
  if (sig.returns === "layer") return entry.name === "spectral_norm" ? checkSpectralNorm(ck, entry, sig, bound, cx, span) : { k: "fn", entry, sig, args: bound, span };
  if (sig.returns === "init" && entry.name === "eye") return { k: "init", init: { kind: "eye" } };
  switch (entry.category) {
    case "distribution":
      return applyDist(ck, entry.name, sig, bound, span);
    case "prior": {
      const v = A("init")!;
      if (v.k === "priorSpec") return ck.error("E0312", `${entry.name}(...) cannot wrap another fixed/learn`, S("init"));
      const init = v.k === "num" ? v.v : v.k === "list" ? nums(v) : toInit(ck, v, S("init"), cx);
      if (init === null) return ERR;
      return { k: "priorSpec", learn: entry.name === "learn", init };
    }
    case "data":
      return { k: "source", name: entry.name, args: argsJson(sig, bound) };
    case "init":
      switch (entry.name) {
        case "zeros":
        case "ones":
          return { k: "init", init: { kind: entry.name } };
        case "eye":
          return { k: "init", init: { kind: "eye" } };
        case "normal": {
          const mean = num(A("mean"));
          return { k: "init", init: { kind: "normal", std: num(A("std"), 1), ...(mean !== 0 ? { mean } : {}) } };
        }
        case "uniform":
          return { k: "init", init: { kind: "uniform", lo: num(A("lo")), hi: num(A("hi")) } };
        case "data_points":
          return { k: "init", init: { kind: "data_points", data: (A("data") as { name: string }).name } };
      }
      break;
    case "constraint": {
      const args = argsJson(sig, bound);
      // clip(c): the symmetric interval [-c, c], so every consumer sees clip's one form {lo, hi}
      if (entry.name === "clip" && typeof args.c === "number") return { k: "constraint", kind: "clip", args: { lo: -args.c, hi: args.c } };
      return { k: "constraint", kind: entry.name, args };
    }
    case "schedule": {
      const schedule = toSchedule(entry.name, A);
      const problem = scheduleProblem(schedule);
      if (problem) return ck.error("E0412", `${entry.name}(...): ${problem}`, span, scheduleHint(schedule));
      return { k: "schedule", schedule };
    }
    case "optimizer": {
      const kind = entry.name as "adam" | "sgd" | "rmsprop";
      let sv = A("schedule");
      if (sv && sv.k === "entry") sv = ck.callEntry(sv.entry, [], cx, S("schedule"), S("schedule"));
      if (sv && sv.k === "error") return ERR;
      const schedule = sv && sv.k === "schedule" && sv.schedule.kind !== "constant" ? { schedule: sv.schedule } : {};
      return {
        k: "optimizer",
        opt: {
          kind,
          lr: num(A("lr")),
          beta1: kind === "adam" ? num(A("beta1")) : 0,
          beta2: kind === "adam" ? num(A("beta2")) : 0,
          eps: kind === "sgd" ? 0 : num(A("eps")),
          momentum: kind === "adam" ? 0 : num(A("momentum")),
          decay: kind === "rmsprop" ? num(A("decay")) : 0,
          ...schedule,
        },
      };
    }
    case "metric":
      return { k: "metric", name: entry.name, args: argsJson(sig, bound) };
    default:
      break;
  }
  // tensor-valued: functions, activations, latent helpers, loss primitives
  if (cx.mode === "const") return ck.error("E0507", `\`${entry.name}(...)\` is not a compile-time constant (in ${cx.what})`, span);
  if (!isBuiltin(entry) || entry.category === "loss") {
    if (entry.name === "log_sigmoid" || entry.name === "softplus") return unaryOp(ck, entry.name, A("x")!, S("x"), cx, span, {});
    return applyPrim(ck, entry, sig, bound, cx, span);
  }
  switch (entry.name) {
    case "exp":
    case "sqrt":
    case "abs":
    case "square":
    case "relu":
    case "elu":
    case "tanh":
      return unaryOp(ck, entry.name, A("x")!, S("x"), cx, span, {});
    case "log": {
      const x = ck.toTensor(A("x")!, cx, S("x"));
      if (x.k === "tensor" && x.type.tag === "logit")
        return ck.error("E0310", `log of a Logit: ${showType(x.type)} is pre-sigmoid, so log(...) of it is not log D`, S("x"), [
          "use log_sigmoid(x) for log D(x), and log_sigmoid(-x) for log(1 - D(x))",
        ]);
      return unaryOp(ck, "log", x, S("x"), cx, span, {});
    }
    case "leaky_relu":
      return unaryOp(ck, "leaky_relu", A("x")!, S("x"), cx, span, { alpha: num(A("alpha"), 0.2) });
    case "sigmoid":
      return unaryOp(ck, "sigmoid", A("x")!, S("x"), cx, span, {}, "prob");
    case "softmax":
    case "log_softmax":
      return unaryOp(ck, entry.name, A("x")!, S("x"), cx, span, {}, entry.name === "softmax" ? "simplex" : undefined, true);
    case "sum":
    case "mean":
    case "max":
    case "min":
    case "logsumexp":
      return reduce(ck, entry.name, A("x")!, S("x"), A("axis"), S("axis"), cx, span);
    case "quadform":
      return quadform(ck, A("A")!, S("A"), A("x")!, S("x"), cx, span);
    case "inv":
    case "transpose": {
      const x = ck.toTensor(A(entry.name === "inv" ? "A" : "x")!, cx, span) as TVal;
      if (x.k !== "tensor") return ERR;
      const s = x.type.shape;
      const shape = entry.name === "inv" ? s : [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
      return cx.g!.add(entry.name, [x.id], {}, { elem: "real", shape, batched: x.type.batched }, span);
    }
    case "eye": {
      const n = num(A("n"));
      return cx.g!.add("eye", [], { n }, { elem: "real", shape: [n, n], batched: false }, span);
    }
    case "concat":
      return concat(ck, bound, cx, span);
    case "one_hot":
      return oneHot(ck, A("index")!, S("index"), num(A("classes")), S("classes"), cx, span);
    case "each":
    case "component": {
      const name = (A("z") as { name: string }).name;
      const l = ck.latent(name);
      if (!l) return ERR;
      if (cx.mode === "network") return ck.error("E0322", `a network body cannot read latent \`${name}\`; pass it as an argument`, S("z"));
      if (l.dist.kind !== "gaussian_mixture")
        return ck.error("E0302", `${entry.name}(${name}) needs a GaussianMixture latent; \`${name}\` is ${l.dist.kind}`, S("z"));
      const K = l.dist.components;
      if (entry.name === "each")
        return cx.g!.add("latent_each", [], { name }, { elem: "real", shape: [K, l.dist.dim], batched: true }, span);
      return cx.g!.add("latent_component", [], { name }, { elem: "int", shape: [], batched: true, tag: "index", classes: K }, span);
    }
    case "responsibilities":
      return responsibilities(ck, A("z")!, S("z"), cx, span);
    case "sqnorm": {
      const x = ck.toTensor(A("x")!, cx, S("x"));
      if (x.k !== "tensor") return ERR;
      const sq = cx.g!.add("square", [x.id], {}, { elem: "real", shape: x.type.shape, batched: x.type.batched }, span) as TVal;
      return cx.g!.add("sum", [sq.id], { axes: null }, { elem: "real", shape: [], batched: x.type.batched }, span);
    }
    case "grad":
      return gradOp(ck, A("f")!, S("f"), A("wrt")!, S("wrt"), cx, span);
  }
  return ck.error("E0799", `internal error: no implementation for \`${entry.name}\``, span);
}

function unaryOp(
  ck: Checker,
  op: string,
  xv: Val,
  xs: Span,
  cx: Cx,
  span: Span,
  attrs: Record<string, Json>,
  tag?: "prob" | "simplex",
  needsAxis = false,
): Val {
  const x = ck.toTensor(xv, cx, xs);
  if (x.k !== "tensor") return ERR;
  if (x.type.elem !== "real") return ck.error("E0302", `\`${op}\` needs a real tensor, got ${showType(x.type)}`, xs);
  if (needsAxis && x.type.shape.length === 0)
    return ck.error("E0302", `\`${op}\` works over the last axis; ${showType(x.type)} has none`, xs);
  const t: TensorType = { elem: "real", shape: x.type.shape, batched: x.type.batched };
  if (tag) t.tag = tag;
  if (tag === "simplex") t.classes = x.type.shape[x.type.shape.length - 1];
  return cx.g!.add(op as OpName, [x.id], attrs, t, span);
}

function reduce(ck: Checker, op: string, xv: Val, xs: Span, axisV: Val | undefined, axS: Span, cx: Cx, span: Span): Val {
  const x = ck.toTensor(xv, cx, xs);
  if (x.k !== "tensor") return ERR;
  if (x.type.elem !== "real") return ck.error("E0302", `\`${op}\` needs a real tensor, got ${showType(x.type)}`, xs);
  const s = x.type.shape;
  if (!axisV) return cx.g!.add(op as OpName, [x.id], { axes: null }, { elem: "real", shape: [], batched: x.type.batched }, span);
  const a = num(axisV);
  const ax = a < 0 ? s.length + a : a;
  if (ax < 0 || ax >= s.length) return ck.error("E0316", `${op}: axis ${a} is out of range for ${showType(x.type)}`, axS);
  return cx.g!.add(op as OpName, [x.id], { axes: [ax] }, { elem: "real", shape: s.filter((_, i) => i !== ax), batched: x.type.batched }, span);
}

function quadform(ck: Checker, Av: Val, As: Span, xv: Val, xs: Span, cx: Cx, span: Span): Val {
  const a = ck.toTensor(Av, cx, As);
  const x = ck.toTensor(xv, cx, xs);
  if (a.k !== "tensor" || x.k !== "tensor") return ERR;
  const lead = broadcastShapes(a.type.shape.slice(0, -2), x.type.shape.slice(0, -1));
  if (!lead) return ck.error("E0303", `quadform: leading dims of ${showType(a.type)} and ${showType(x.type)} do not broadcast`, span);
  const batched = a.type.batched || x.type.batched;
  const B = lead.length + (batched ? 1 : 0);
  const a2 = ck.expandTo(a, B + 2, cx, As);
  const x2 = ck.expandTo(x, B + 1, cx, xs);
  return cx.g!.add("quadform", [a2.id, x2.id], {}, { elem: "real", shape: lead, batched }, span);
}

function concat(ck: Checker, bound: Map<string, BoundArg>, cx: Cx, span: Span): Val {
  const parts: TVal[] = [];
  for (const [, b] of bound) {
    let t = ck.toTensor(b.val, cx, b.span);
    if (t.k !== "tensor") return ERR;
    if (t.type.shape.length === 0) t = cx.g!.add("reshape", [t.id], { shape: [1] }, { elem: "real", shape: [1], batched: t.type.batched }, b.span);
    parts.push(t as TVal);
  }
  const first = parts[0];
  const batched = first.type.batched;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    const [, sp] = [...bound.values()].map((b) => [b, b.span] as const)[i];
    if (p.type.batched !== batched)
      return ck.error("E0324", `concat mixes per-example and whole-batch values`, sp);
    if (!sameShape(p.type.shape.slice(0, -1), first.type.shape.slice(0, -1)))
      return ck.error("E0303", `concat: ${showType(p.type)} and ${showType(first.type)} differ before the last axis`, sp);
  }
  const last = parts.reduce((n, p) => n + p.type.shape[p.type.shape.length - 1], 0);
  const shape = [...first.type.shape.slice(0, -1), last];
  return cx.g!.add("concat", parts.map((p) => p.id), { axis: -1 }, { elem: "real", shape, batched }, span);
}

/** one_hot(index, classes): an Index[K] (K = classes) as its one-hot row, typed Simplex[K] like eye(K)[index] */
function oneHot(ck: Checker, iv: Val, is: Span, K: number, ks: Span, cx: Cx, span: Span): Val {
  const x = ck.toTensor(iv, cx, is);
  if (x.k !== "tensor") return ERR;
  if (x.type.classes !== undefined && x.type.classes !== K)
    return ck.error("E0330", `one_hot(..., ${K}) of ${showType(x.type)}: the index has ${x.type.classes} classes, not ${K}`, ks, [
      `write one_hot(..., ${x.type.classes}), or declare the index as Index[${K}]`,
    ]);
  return cx.g!.add("one_hot", [x.id], { classes: K }, { elem: "real", shape: [...x.type.shape, K], batched: x.type.batched, tag: "simplex", classes: K }, span);
}

function responsibilities(ck: Checker, zv: Val, zs: Span, cx: Cx, span: Span): Val {
  const z = ck.toTensor(zv, cx, zs);
  if (z.k !== "tensor") return ERR;
  const src = cx.g!.get(z.id);
  let name: string | null = null;
  if (src.op === "latent" || src.op === "latent_each") name = String(src.attrs.name);
  else {
    const gmms = [...ck.decls.entries()].filter(([n, d]) => d.kind === "latent" && ck.latent(n)?.dist.kind === "gaussian_mixture");
    if (gmms.length === 1) name = gmms[0][0];
    else return ck.error("E0302", `responsibilities(...) needs a draw of a GaussianMixture latent (z or each(z))`, zs);
  }
  const l = ck.latent(name);
  if (!l) return ERR;
  if (l.dist.kind !== "gaussian_mixture")
    return ck.error("E0302", `responsibilities(...) needs a GaussianMixture latent; \`${name}\` is ${l.dist.kind}`, zs);
  const d = l.dist.dim;
  const s = z.type.shape;
  if (s[s.length - 1] !== d) return ck.error("E0302", `responsibilities: expected Real[..., ${d}] (a draw of \`${name}\`), got ${showType(z.type)}`, zs);
  const K = l.dist.components;
  return cx.g!.add("responsibilities", [z.id], { latent: name }, { elem: "real", shape: [...s.slice(0, -1), K], batched: z.type.batched, tag: "simplex", classes: K }, span);
}

/** Loss primitives (built-in or plugin): a `prim` op typed by the signature's patterns. */
function applyPrim(ck: Checker, entry: SignatureEntry, sig: Signature, bound: Map<string, BoundArg>, cx: Cx, span: Span): Val {
  const b = newBindings();
  const ids: number[] = [];
  const named: Record<string, Json> = {};
  let batched = false;
  for (const p of sig.params) {
    const v = get(bound, sig, p.name);
    if (p.kind === "tensor") {
      if (!v) continue;
      const t = ck.toTensor(v, cx, bound.get(p.name)?.span ?? span);
      if (t.k !== "tensor") return ERR;
      const pat = parsePattern(p.type ?? "Real[...s]");
      if (typeof pat !== "string") unify(pat, t.type, b);
      batched ||= t.type.batched;
      ids.push(t.id);
    } else if (v) {
      const j = valJson(v);
      if (j !== undefined) named[p.name] = j;
    }
  }
  for (const p of sig.params) if (p.kind === "network" && !checkNetworkArg(ck, entry, p, bound, cx, span)) return ERR;
  const rp = parsePattern(sig.returns);
  if (typeof rp === "string") return ck.error("E0302", `${entry.name}: ${rp}`, span);
  const t = instantiate(rp, b, sig.batch === "reduce" ? false : batched);
  if (typeof t === "string") return ck.error("E0302", `${entry.name}: ${t}`, span);
  // prims list their network-valued params, so the emitter passes those as callables and the rest as options
  const networks = sig.params.filter((p) => p.kind === "network" && p.name in named).map((p) => p.name);
  const attrs = { name: entry.name, plugin: entry.plugin ?? null, named, ...(networks.length ? { networks } : {}) };
  return cx.g!.add("prim", ids, attrs, t, span);
}

/**
 * A network-valued argument (gradient_penalty's critic) is called by the runtime, not by the spec, so the usual
 * call check never sees it: check here that it takes the tensor it is applied to and returns one score per example.
 */
function checkNetworkArg(ck: Checker, entry: SignatureEntry, p: SigParam, bound: Map<string, BoundArg>, cx: Cx, span: Span): boolean {
  const arg = bound.get(p.name);
  if (!arg || arg.val.k !== "ref" || arg.val.kind !== "network") return true;
  const name = arg.val.name;
  const net = ck.network(name);
  if (!net) return false; // its own errors are already reported
  const where = [{ span: net.span, message: `\`${name}\` declared here` }];
  if (p.appliedTo) {
    const input = bound.get(p.appliedTo);
    const t = input ? ck.toTensor(input.val, cx, input.span) : null;
    if (t && t.k === "tensor") {
      const ok = net.inputs.length === 1 && net.inputs[0].type.elem === t.type.elem && sameShape(net.inputs[0].type.shape, t.type.shape);
      if (!ok) {
        const takes = net.inputs.map((i) => showType(i.type)).join(", ");
        ck.error("E0318", `${entry.name}: \`${p.name}\` = \`${name}\` takes (${takes}), but it is applied to \`${p.appliedTo}\`: ${showType(t.type)}`, arg.span, [
          `pass a network with one parameter of type ${showType(t.type)}`,
        ], where);
        return false;
      }
    }
  }
  if (p.scoreOut) {
    const o = net.output;
    const scalar = o.shape.length === 0 || (o.shape.length === 1 && o.shape[0] === 1);
    if (!scalar || o.elem !== "real") {
      ck.error("E0318", `${entry.name}: \`${p.name}\` = \`${name}\` returns ${showType(o)}, not one score per example`, arg.span, [
        "pass a network returning Logit or Real (the discriminator / critic)",
      ], where);
      return false;
    }
  }
  return true;
}

// ---------- layers / activations applied to an input ----------

export function applyFn(ck: Checker, f: Val & { k: "fn" }, input: Val, cx: Cx, span: Span, inSpan: Span): Val {
  if (f.entry.category === "activation") {
    const bound = new Map(f.args);
    bound.set("x", { val: input, span: inSpan });
    const sig = f.entry.signatures.find((s) => s.returns !== "layer")!;
    return applyEntry(ck, f.entry, sig, bound, cx, span);
  }
  return applyLayer(ck, f, input, cx, span, inSpan);
}

// ---------- distributions ----------

function applyDist(ck: Checker, name: string, sig: Signature, bound: Map<string, BoundArg>, span: Span): Val {
  const A = (n: string) => get(bound, sig, n);
  const S = (n: string) => bound.get(n)?.span ?? span;
  const dimOf = (): number[] => {
    const v = A("dim");
    if (!v) return [];
    return v.k === "num" ? [v.v] : nums(v);
  };
  const real = (shape: number[]): TensorType => ({ elem: "real", shape, batched: true });
  switch (name) {
    case "Normal": {
      const dim = dimOf();
      return { k: "dist", dist: { kind: "normal", mean: num(A("mean")), std: num(A("std")), dim }, type: real(dim), learnable: [] };
    }
    case "Uniform": {
      const lo = num(A("lo"));
      const hi = num(A("hi"));
      if (!(lo < hi)) return ck.error("E0316", `Uniform(lo, hi) needs lo < hi, got ${fmtNum(lo)} and ${fmtNum(hi)}`, span);
      const dim = dimOf();
      return { k: "dist", dist: { kind: "uniform", lo, hi, dim }, type: real(dim), learnable: [] };
    }
    case "Beta": {
      const dim = dimOf();
      return { k: "dist", dist: { kind: "beta", a: num(A("a")), b: num(A("b")), dim }, type: real(dim), learnable: [] };
    }
    case "PointMass": {
      const dim = dimOf();
      return { k: "dist", dist: { kind: "point_mass", value: num(A("value")), dim }, type: real(dim), learnable: [] };
    }
    case "Categorical": {
      const K = num(A("classes"));
      const pv = A("probs");
      let probs: number[] | null = null;
      if (pv) {
        probs = nums(pv);
        if (probs.length !== K) return ck.error("E0316", `Categorical(${K}, probs): probs has ${probs.length} entries, expected ${K}`, S("probs"));
        if (probs.some((p) => p < 0) || Math.abs(probs.reduce((a, b) => a + b, 0) - 1) > 1e-6)
          return ck.error("E0316", `Categorical probs must be non-negative and sum to 1`, S("probs"));
      }
      return { k: "dist", dist: { kind: "categorical", classes: K, probs }, type: { elem: "int", shape: [], batched: true, tag: "index", classes: K }, learnable: [] };
    }
    case "Mixture": {
      const w = nums(A("weights"));
      const comps = (A("components") as { items: Val[] }).items as (Val & { k: "dist" })[];
      if (w.length !== comps.length)
        return ck.error("E0316", `Mixture: ${w.length} weights for ${comps.length} components`, span);
      if (w.some((x) => x < 0) || Math.abs(w.reduce((a, b) => a + b, 0) - 1) > 1e-6)
        return ck.error("E0316", `Mixture weights must be non-negative and sum to 1`, S("weights"));
      if (comps.length === 0) return ck.error("E0316", `Mixture needs at least one component`, span);
      for (const c of comps)
        if (c.type.elem !== comps[0].type.elem || !sameShape(c.type.shape, comps[0].type.shape))
          return ck.error("E0316", `Mixture components must have the same type: ${showType(comps[0].type)} vs ${showType(c.type)}`, S("components"));
      if (comps.some((c) => c.learnable.length)) return ck.error("E0316", `Mixture components cannot have learnable parameters`, S("components"));
      if (comps.some((c) => c.dist.kind === "gaussian_mixture"))
        return ck.error("E0316", `a GaussianMixture cannot be a Mixture component`, S("components"), [
          "a GaussianMixture is already a mixture: give it weights=[...] instead, or use Normal components",
        ]);
      return { k: "dist", dist: { kind: "mixture", weights: w, components: comps.map((c) => c.dist) }, type: comps[0].type, learnable: [] };
    }
    case "GaussianMixture": {
      const K = num(A("components"));
      const d = num(A("dim"));
      const cov = str(A("cov"), "iso") as "iso" | "diag" | "full";
      const mv = A("means");
      let means: { learn: boolean; init: IRInit } = { learn: false, init: { kind: "normal", std: 1 } };
      if (bound.has("means") && mv) {
        const spec = mv.k === "priorSpec" ? mv : { learn: false, init: mv.k === "num" ? mv.v : mv.k === "init" ? mv.init : null };
        const init = typeof spec.init === "number" ? ({ kind: "const", value: spec.init } as IRInit) : spec.init;
        if (!init || Array.isArray(init)) return ck.error("E0316", `GaussianMixture means: expected an initializer`, S("means"), ["e.g. means=learn(uniform(-1, 1))"]);
        if (init.kind === "eye" || init.kind === "data_points" || init.kind === "glorot_uniform" || init.kind === "he_uniform")
          return ck.error("E0316", `GaussianMixture means cannot be initialised with ${init.kind}`, S("means"));
        means = { learn: spec.learn, init };
      }
      const sv = A("scale");
      let scale = { learn: false, init: 1 };
      if (sv) {
        const spec = sv.k === "priorSpec" ? sv : { learn: false, init: sv.k === "num" ? sv.v : sv.k === "init" ? sv.init : null };
        let s: number | null = null;
        if (typeof spec.init === "number") s = spec.init;
        else if (spec.init && !Array.isArray(spec.init) && spec.init.kind === "ones") s = 1;
        else if (spec.init && !Array.isArray(spec.init) && spec.init.kind === "const") s = spec.init.value;
        if (s === null) return ck.error("E0316", `GaussianMixture scale must be a number (the std), e.g. fixed(0.15)`, S("scale"));
        if (!(s > 0)) return ck.error("E0316", `GaussianMixture scale must be > 0, got ${fmtNum(s)}`, S("scale"));
        scale = { learn: spec.learn, init: s };
      }
      const weights = mixingWeights(ck, A("weights"), K, S("weights"));
      if (weights === "error") return ERR;
      const learnable: string[] = [];
      if (means.learn) learnable.push("means");
      if (scale.learn) learnable.push("scale");
      if (weights?.learn) learnable.push("weights");
      const dist: IRDist = { kind: "gaussian_mixture", components: K, dim: d, means, scale, cov, ...(weights ? { weights } : {}) };
      return { k: "dist", dist, type: real([d]), learnable };
    }
  }
  return ck.error("E0799", `internal error: unknown distribution ${name}`, span);
}

/** GaussianMixture `weights=`: [w1..wK] or fixed([...]) (positive, summing to 1), learn([...]) or learn(zeros) /
 * learn(ones) for learnable logits starting at log(w) (uniform for zeros / ones). Absent: uniform, fixed (undefined). */
function mixingWeights(ck: Checker, v: Val | undefined, K: number, span: Span): { learn: boolean; probs: number[] } | undefined | "error" {
  if (!v) return undefined;
  const learn = v.k === "priorSpec" && v.learn;
  const init = v.k === "priorSpec" ? v.init : v.k === "list" ? nums(v) : v.k === "num" ? v.v : v.k === "init" ? v.init : null;
  const hint = [`give ${K} positive numbers summing to 1, or weights=learn(zeros) for learnable weights that start uniform`];
  let probs: number[];
  if (Array.isArray(init)) probs = init;
  else if (init !== null && typeof init === "object" && (init.kind === "zeros" || init.kind === "ones") && learn) probs = new Array<number>(K).fill(1);
  else {
    ck.error("E0316", `GaussianMixture weights: expected a list of ${K} mixing weights${learn ? " (or zeros for uniform logits)" : ""}`, span, hint);
    return "error";
  }
  if (probs.length !== K) {
    ck.error("E0316", `GaussianMixture weights: ${probs.length} weight${probs.length === 1 ? "" : "s"} for ${K} components`, span, hint);
    return "error";
  }
  if (probs.some((p) => !(p > 0))) {
    ck.error("E0316", `GaussianMixture weights must be > 0 (a zero weight leaves a component that is never drawn), got ${probs.map(fmtNum).join(", ")}`, span, hint);
    return "error";
  }
  const total = probs.reduce((a, b) => a + b, 0);
  if (!(v.k === "priorSpec" && !Array.isArray(v.init)) && Math.abs(total - 1) > 1e-6) {
    ck.error("E0316", `GaussianMixture weights must sum to 1, got ${fmtNum(total)}`, span, hint);
    return "error";
  }
  return { learn, probs: probs.map((p) => p / total) };
}

export function evalDistValue(ck: Checker, v: Val, span: Span): (Val & { k: "dist" }) | null {
  if (v.k === "dist") return v;
  if (v.k === "error") return null;
  ck.error("E0312", `a latent needs a distribution (Normal, Uniform, Beta, PointMass, Categorical, Mixture, GaussianMixture), got ${describe(v)}`, span);
  return null;
}

// ---------- data sources ----------

/** The columns a data source produces (null: the spec's declared types are trusted, e.g. csv). */
export function dataColumns(source: string, args: Record<string, Json>): TensorType[] | null {
  const n = (k: string, d: number) => (typeof args[k] === "number" ? (args[k] as number) : d);
  const idx = (K: number): TensorType => ({ elem: "int", shape: [], batched: true, tag: "index", classes: K });
  switch (source) {
    case "gmm":
      return [{ elem: "real", shape: [n("d", 2)], batched: true }, idx(n("k", 2))];
    case "ring":
      return [{ elem: "real", shape: [2], batched: true }, idx(n("modes", 8))];
    case "grid":
      return [{ elem: "real", shape: [2], batched: true }, idx(n("size", 5) * n("size", 5))];
    case "fashion_mnist":
      return [{ elem: "real", shape: [28, 28, 1], batched: true, tag: "image" }, idx(10)];
    default:
      return null;
  }
}

// ---------- grad(f, wrt) (issue 21, item 3) ----------

/** Loss primitives that act on each example alone and whose tfjs and step-IR forms are second-order safe. */
const GRAD_SAFE_PRIMS = new Set(["log_sigmoid", "softplus", "bce", "hinge"]);

/** Layers whose derivative cannot be differentiated again on one of the back ends, or that couple examples. */
const GRAD_REFUSED_LAYERS: Record<string, string> = {
  batchnorm: "its batch statistics couple the examples, so the gradient of one example's score is not per-example (and the tfjs reference would move the moving statistics twice)",
  dropout: "its random mask would be drawn again by the tfjs reference's nested gradient, so the two back ends would differentiate different functions",
  maxpool: "the tfjs reference has no second derivative of its pooling kernel (MaxPoolGrad), which the update's gradient of the penalty needs",
  avgpool: "the tfjs reference has no second derivative of its pooling kernel (AvgPoolGrad), which the update's gradient of the penalty needs",
};

/**
 * grad(f, wrt): the gradient of the batch sum of the per-example scalar f with respect to the per-example tensor
 * wrt (a value of the same loss graph that f depends on: a data binding, a latent, a `let`, any expression, found by
 * the graph's CSE), typed like wrt. Each example's row is d f_i / d wrt_i, since nothing on the path couples the
 * examples (E[...], batch-statistics layers and whole-batch primitives are refused, E0343). IR: op `grad`
 * args [f, wrt]. Every op on the path from wrt to f is differentiated twice by the update (the penalty's gradient
 * with respect to the parameters), so ops without a second derivative on either back end are refused too.
 */
function gradOp(ck: Checker, fv: Val, fs: Span, wv: Val, ws: Span, cx: Cx, span: Span): Val {
  if (cx.mode !== "loss")
    return ck.error("E0345", `grad(...) is only allowed in losses (in ${cx.what})`, span, [
      "write the penalty in a loss, e.g. loss d = ... + E[x] 5 * sqnorm(grad(D(x), x))",
    ]);
  if (wv.k === "ref" && wv.kind === "weights")
    return ck.error("E0342", `grad with respect to weights \`${wv.name}\`: wrt must be a per-example input of the expression, not a parameter`, ws, [
      "the update already differentiates its loss with respect to the parameters it names; grad(f, wrt) is for input gradients such as R1's grad(D(x), x)",
    ]);
  if (wv.k === "prior")
    return ck.error("E0342", `grad with respect to the prior parameter \`${wv.latent}.${wv.member}\`: wrt must be a per-example input of the expression, not a parameter`, ws, [
      "the update already differentiates its loss with respect to the parameters it names; grad(f, wrt) is for input gradients such as R1's grad(D(x), x)",
    ]);
  const f = ck.toTensor(fv, cx, fs);
  const w = ck.toTensor(wv, cx, ws);
  if (f.k !== "tensor" || w.k !== "tensor") return ERR;
  const g = cx.g!;
  if (!f.type.batched || f.type.shape.reduce((p, d) => p * d, 1) !== 1)
    return ck.error("E0340", `grad differentiates a per-example scalar, but this is ${f.type.batched ? "" : "a whole-batch "}${showType(f.type)}`, fs, [
      f.type.batched
        ? "reduce it to one number per example first, e.g. grad(sum(G(z)), z) or grad(D(x), x)"
        : "differentiate the per-example score, e.g. grad(D(x), x), and take E[...] of the result: a batch mean couples the examples",
    ]);
  if (!w.type.batched) {
    const v = g.get(w.id);
    const param = v.op === "weight" || v.op === "prior_param";
    return ck.error("E0342", `grad with respect to ${param ? "a parameter" : `a whole-batch value (${showType(w.type)})`}: wrt must be a per-example input of the expression`, ws, [
      "wrt is a data binding, a latent or a per-example value computed from them that f depends on, e.g. grad(D(x), x); the update differentiates the parameters itself",
    ]);
  }
  // the values on a path from wrt to f
  const from = new Set([w.id]);
  for (let i = w.id + 1; i <= f.id; i++) if (g.get(i).args.some((a) => from.has(a))) from.add(i);
  if (!from.has(f.id))
    return ck.error("E0341", "grad: the expression does not depend on `wrt`", ws, [
      "wrt must be an input of the expression as written: grad(D(x), x), or name a computed input with let (let xp = x + u, then grad(D(xp), xp)); a new expression here, like x + 0, is a different value",
    ]);
  const toF = new Set([f.id]);
  for (let i = f.id; i >= w.id; i--) if (toF.has(i)) for (const a of g.get(i).args) toF.add(a);
  for (let i = w.id; i <= f.id; i++) {
    if (!from.has(i) || !toF.has(i) || i === w.id) continue;
    const v = g.get(i);
    const refuse = (what: string, why: string, related: { span: Span; message: string }[] = []) =>
      ck.error("E0343", `grad: ${what} is on the path from \`wrt\` to the expression: ${why}`, fs, [
        "keep grad's expression to networks of dense / conv layers and elementwise activations (relu, leaky_relu, tanh, sigmoid, softplus) and arithmetic",
      ], related);
    if (v.op === "grad") return refuse("another grad", "gradients of gradients inside a loss are not supported (the update's gradient would be a third derivative)");
    if (v.op === "expect") return refuse("E[...]", "a batch mean couples the examples, so the result would not be a per-example gradient");
    if (v.op === "responsibilities") return refuse("responsibilities(...)", "it has no second-order-safe form on the tfjs reference");
    if (v.op === "prim" && (typeof v.attrs.plugin === "string" || !GRAD_SAFE_PRIMS.has(String(v.attrs.name))))
      return refuse(`loss primitive \`${String(v.attrs.name)}\``, typeof v.attrs.plugin === "string"
        ? "a plugin's tfjs implementation is not known to be twice differentiable"
        : "it is not an elementwise, per-example function");
    if (v.op === "fold_call") {
      const bad = refusedLayer(ck, String(v.attrs.network), new Set());
      if (bad) return refuse(`layer \`${bad.layer.kind}\` of network \`${bad.net}\``, GRAD_REFUSED_LAYERS[bad.layer.kind]!, [{ span: bad.layer.span, message: `\`${bad.layer.kind}\` used here` }]);
    }
  }
  const t: TensorType = { elem: "real", shape: w.type.shape, batched: true };
  if (w.type.tag === "image") t.tag = "image";
  return g.add("grad", [f.id, w.id], {}, t, span);
}

/** The first layer of network `name` (or of a network it calls) that grad refuses. */
function refusedLayer(ck: Checker, name: string, seen: Set<string>): { net: string; layer: { kind: string; span: Span } } | null {
  if (seen.has(name)) return null;
  seen.add(name);
  const net = ck.network(name);
  if (!net) return null;
  for (const l of net.layers) {
    if (!(l.kind in GRAD_REFUSED_LAYERS)) continue;
    if (l.kind === "dropout" && !(Number(l.attrs.rate) > 0)) continue;
    return { net: name, layer: l };
  }
  for (const c of net.calls) {
    const r = refusedLayer(ck, c, seen);
    if (r) return r;
  }
  return null;
}
