// The checker's core: declarations, compile-time evaluation, name resolution and expression typing. Expressions
// are evaluated directly into IR graphs (one per network body and per loss), so types, shapes and the IR are
// computed in one walk. Built-in calls are in builtins.ts; the game, train and evaluate checks in game.ts.
import type * as A from "../../grammar/ast.ts";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { diagnostic, isCliFile, type Diagnostic, type DiagnosticCode, type RelatedSpan, type Span } from "../../diagnostics/diagnostic.ts";
import { probeDataShape, probeDataSource, type DataShape } from "../../runtime/data/probe.ts";
import type {
  IRData,
  IRLatent,
  IRLayer,
  IRLoss,
  IRNetwork,
  IRParam,
  IRWeights,
  Json,
  OpName,
  TensorType,
} from "../ir/ir.ts";
import { showShape, showType } from "./patterns.ts";
import { formatSignature, type SigParam, type Signature, type SignatureEntry } from "./signatures.ts";
import {
  ERR,
  GraphBuilder,
  broadcastShapes,
  describe,
  numel,
  sameShape,
  type BoundArg,
  type Val,
} from "./values.ts";
import { suggest } from "../../diagnostics/suggest.ts";
import { acceptArg, applyEntry, applyFn, dataColumns, evalDistValue } from "./builtins.ts";

export type Decl =
  | { kind: "param"; decl: A.ParamDecl; span: Span }
  | { kind: "data"; decl: A.DataDecl; binding: A.Binding; column: number; span: Span }
  | { kind: "latent"; decl: A.LatentDecl; span: Span }
  | { kind: "weights"; decl: A.WeightsDecl; span: Span }
  | { kind: "let"; decl: A.LetDecl; span: Span }
  | { kind: "network"; decl: A.NetworkDecl; span: Span }
  | { kind: "block"; decl: A.NetworkDecl; span: Span }
  | { kind: "loss"; decl: A.LossDecl; span: Span };

export interface NetState {
  name: string;
  layers: IRLayer[];
  counters: Map<string, number>;
  calls: string[];
  weights: string[];
}

export interface Cx {
  mode: "const" | "network" | "loss";
  g: GraphBuilder | null;
  locals: Map<string, Val>;
  lets: Map<string, Val>;
  net: NetState | null;
  /** for messages: "network D", "loss adv", "a data source" */
  what: string;
}

export interface CallArg {
  name: A.Ident | null;
  val: Val;
  span: Span;
  /** the argument as written, for hints */
  expr?: A.Expr;
}

/** An enum type's member names: one array per enum type, computed once (values and lookups share it). */
const enumNameCache = new WeakMap<object, string[]>();
function enumNames(t: { members: A.Ident[] }): string[] {
  let ns = enumNameCache.get(t);
  if (!ns) enumNameCache.set(t, (ns = t.members.map((m) => m.name)));
  return ns;
}
/** Membership in an enum's member list in constant time (a Set per list, built once). */
const memberSets = new WeakMap<string[], Set<string>>();
function isMember(members: string[], name: string): boolean {
  let set = memberSets.get(members);
  if (!set) memberSets.set(members, (set = new Set(members)));
  return set.has(name);
}
/** Members for a message: all of a small enum, the first 20 of a large one. */
function showMembers(members: string[]): string {
  return members.length <= 20 ? members.join(", ") : `${members.slice(0, 20).join(", ")}, ... (${members.length - 20} more)`;
}

const TYPE_NAMES = ["Real", "Image", "Logit", "Prob", "Simplex", "Index"];

export class Checker {
  diags: Diagnostic[] = [];
  decls = new Map<string, Decl>();
  /** enum member -> its enum's members (the first enum param declaring it) */
  enumMembers = new Map<string, string[]>();
  paramVals = new Map<string, Val>();
  paramBusy = new Set<string>();
  irParams: IRParam[] = [];
  latents = new Map<string, IRLatent | null>();
  latentBusy = new Set<string>();
  weights = new Map<string, IRWeights | null>();
  networks = new Map<string, IRNetwork | null>();
  netBusy = new Set<string>();
  networkOrder: IRNetwork[] = [];
  data: IRData[] = [];
  dataTypes = new Map<string, TensorType | null>();
  losses = new Map<string, IRLoss | null>();
  /**
   * Declarations (data bindings, latents, weights, networks, losses) whose own check failed. Their errors were
   * reported once, where they are; every later use of one (a call from a loss or another network, an update group,
   * an evaluate metric, a network- or data-valued argument) stays quiet instead of reporting follow-on errors.
   * `evName` turns a reference to a failed data binding, latent or weights into an erroneous value, which every check
   * passes on silently; networks and losses stay references, and their consumers find them failed (`network(name)`,
   * `losses.get(name)` are null). Checks that ask whether the spec has something (game.ts metricProblem) consult it.
   */
  failed = new Set<string>();
  /** a data declaration's source failed to check: which sources the spec reads is unknown (see game.ts metrics) */
  dataSourceFailed = false;
  /** items after `when` resolution, in source order */
  items: A.Item[] = [];

  constructor(
    readonly spec: A.Spec,
    readonly table: Map<string, SignatureEntry>,
    readonly overrides: Record<string, string>,
  ) {}

  // ---------- diagnostics ----------

  error(code: DiagnosticCode, message: string, span: Span, hints: string[] = [], related: RelatedSpan[] = []): Val {
    this.diags.push(diagnostic(code, message, span, { hints, related }));
    return ERR;
  }

  warn(code: DiagnosticCode, message: string, span: Span, hints: string[] = [], related: RelatedSpan[] = []): void {
    this.diags.push(diagnostic(code, message, span, { severity: "warning", hints, related }));
  }

  // ---------- declarations ----------

  /** Collect params (top level), then resolve `when` blocks and collect every other declaration. */
  collect(): void {
    for (const it of this.spec.items) if (it.kind === "Param") this.declare(it.name.name, { kind: "param", decl: it, span: it.name.span });
    for (const it of this.spec.items)
      if (it.kind === "Param" && it.type.kind === "enum") {
        // one members array per enum, shared by all its members (one per member made this quadratic)
        const names = enumNames(it.type);
        for (const m of names) if (!this.enumMembers.has(m)) this.enumMembers.set(m, names);
      }
    this.checkOverrideNames();
    for (const it of this.spec.items) if (it.kind === "Param") this.paramValue(it.name.name);
    this.flatten(this.spec.items, true);
  }

  private flatten(items: A.Item[], top: boolean): void {
    for (const it of items) {
      switch (it.kind) {
        case "When": {
          const c = this.ev(it.cond, this.constCx("a when condition"));
          if (c.k === "error") break;
          if (c.k !== "bool") {
            this.error("E0504", `a \`when\` condition must be a compile-time bool, got ${describe(c)}`, it.cond.span);
            break;
          }
          if (c.v) this.flatten(it.then, false);
          else if (it.else) this.flatten(it.else, false);
          break;
        }
        case "Param":
          if (!top) this.error("E0507", `params must be declared at the top level, not inside \`when\``, it.span);
          break;
        case "Data":
          it.bindings.forEach((b, i) => this.declare(b.name.name, { kind: "data", decl: it, binding: b, column: i, span: b.name.span }));
          this.items.push(it);
          break;
        case "Latent":
          this.declare(it.name.name, { kind: "latent", decl: it, span: it.name.span });
          this.items.push(it);
          break;
        case "Weights":
          this.declare(it.name.name, { kind: "weights", decl: it, span: it.name.span });
          this.items.push(it);
          break;
        case "Let":
          this.declare(it.name.name, { kind: "let", decl: it, span: it.name.span });
          this.items.push(it);
          break;
        case "Network":
          this.declare(it.name.name, { kind: it.role === "block" ? "block" : "network", decl: it, span: it.name.span });
          this.items.push(it);
          break;
        case "Loss":
          this.declare(it.name.name, { kind: "loss", decl: it, span: it.name.span });
          this.items.push(it);
          break;
        default:
          this.items.push(it);
      }
    }
  }

  private declare(name: string, d: Decl): void {
    const prev = this.decls.get(name);
    if (prev) {
      this.error("E0202", `\`${name}\` is declared twice`, d.span, [], [{ span: prev.span, message: "first declared here" }]);
      return;
    }
    this.decls.set(name, d);
  }

  // ---------- params ----------

  private checkOverrideNames(): void {
    for (const name of Object.keys(this.overrides)) {
      const d = this.decls.get(name);
      if (!d || d.kind !== "param") {
        const params = [...this.decls.values()].filter((x) => x.kind === "param").map((x) => (x.decl as A.ParamDecl).name.name);
        const s = suggest(name, params);
        this.error("E0501", `--set ${name}: the spec has no param \`${name}\``, this.cliSpan(`${name}=${this.overrides[name]}`, "name"), [
          s ? `did you mean \`${s}\`?` : `declared params: ${params.join(", ") || "(none)"}`,
        ]);
      }
    }
  }

  /**
   * Overrides come from the command line: their diagnostics point into a pseudo-file whose name is the flag as
   * typed (`--set K=abc`), which is also its one-line source text (see `isCliFile` in diagnostics/diagnostic.ts).
   * The span covers the value, or the name when `on` is "name".
   */
  cliSpan(text: string, on: "name" | "value" = "value"): Span {
    const file = `--set ${text}`;
    const eq = file.indexOf("=");
    const [from, to] = on === "name" || eq < 0 ? [6, eq < 0 ? file.length : eq] : [eq + 1, Math.max(eq + 2, file.length)];
    const at = (o: number) => ({ line: 1, column: o + 1, offset: o });
    return { file, start: at(from), end: at(to) };
  }

  paramValue(name: string): Val {
    const have = this.paramVals.get(name);
    if (have) return have;
    const d = this.decls.get(name);
    if (!d || d.kind !== "param") return ERR;
    if (this.paramBusy.has(name)) {
      return this.error("E0507", `param \`${name}\` depends on itself`, d.decl.default.span);
    }
    this.paramBusy.add(name);
    const v = this.computeParam(d.decl);
    this.paramBusy.delete(name);
    this.paramVals.set(name, v);
    return v;
  }

  private computeParam(p: A.ParamDecl): Val {
    const cx = this.constCx(`param ${p.name.name}`);
    const name = p.name.name;
    // own properties only: a param named `constructor` or `toString` must not read Object.prototype
    const ov = Object.hasOwn(this.overrides, name) ? this.overrides[name] : undefined;
    let v: Val;
    let from: "default" | "override" = "default";
    const related = [{ span: p.span, message: `param \`${name}\` declared here` }];
    if (ov !== undefined) {
      from = "override";
      const parsed = this.parseOverride(p, ov);
      if (typeof parsed === "string") {
        this.error("E0502", `--set ${name}=${ov}: ${parsed}`, this.cliSpan(`${name}=${ov}`), [], related);
        v = ERR;
      } else v = parsed;
    } else {
      v = this.ev(p.default, cx);
      const why = v.k === "error" ? null : this.paramTypeError(p, v);
      if (why) {
        this.error("E0502", `param \`${name}\`: ${why}`, p.default.span);
        v = ERR;
      }
    }
    if (v.k === "error") {
      // keep checking with the default when an override was bad, so later errors are still found
      if (from === "override") {
        const dv = this.ev(p.default, cx);
        if (dv.k !== "error" && !this.paramTypeError(p, dv)) v = dv;
      }
      if (v.k === "error") return ERR;
    }
    if (p.type.kind === "enum" && v.k === "str") v = { k: "str", v: v.v, members: enumNames(p.type) };
    if (p.type.kind === "real" && v.k === "num") v = { k: "num", v: v.v, isInt: false };
    if (p.range && v.k === "num") {
      const lo = this.ev(p.range.lo, cx);
      const hi = this.ev(p.range.hi, cx);
      if (lo.k !== "num" && lo.k !== "error") this.error("E0507", `range bounds must be numbers`, p.range.lo.span);
      else if (hi.k !== "num" && hi.k !== "error") this.error("E0507", `range bounds must be numbers`, p.range.hi.span);
      else if (lo.k === "num" && hi.k === "num" && (v.v < lo.v || v.v > hi.v)) {
        const msg = `param \`${name}\` = ${fmtNum(v.v)} is outside its range ${fmtNum(lo.v)}..${fmtNum(hi.v)}`;
        if (from === "override") {
          this.error("E0503", `--set ${name}=${ov}: ${msg.replace(/^param /, "")}`, this.cliSpan(`${name}=${ov}`), [], related);
          // keep checking with the default so that later errors are not consequences of the bad override
          const dv = this.ev(p.default, cx);
          if (dv.k === "num" && !this.paramTypeError(p, dv) && dv.v >= lo.v && dv.v <= hi.v) v = { ...dv, isInt: p.type.kind === "int" };
        } else this.error("E0503", msg, p.default.span, [], [{ span: p.range.lo.span, message: "range declared here" }]);
      }
    }
    this.irParams.push({
      name,
      type: p.type.kind,
      value: v.k === "num" || v.k === "str" || v.k === "bool" ? v.v : 0,
      from,
      span: p.span,
    });
    return v;
  }

  private paramTypeError(p: A.ParamDecl, v: Val): string | null {
    switch (p.type.kind) {
      case "int":
        return v.k === "num" && v.isInt ? null : `expected an int, got ${v.k === "num" ? fmtNum(v.v) : describe(v)}`;
      case "real":
        return v.k === "num" ? null : `expected a real, got ${describe(v)}`;
      case "bool":
        return v.k === "bool" ? null : `expected true or false, got ${describe(v)}`;
      case "string":
        return v.k === "str" ? null : `expected a string, got ${describe(v)}`;
      case "enum":
        return v.k === "str" && isMember(enumNames(p.type), v.v) ? null : `expected one of ${showMembers(enumNames(p.type))}`;
    }
  }

  private parseOverride(p: A.ParamDecl, text: string): Val | string {
    const t = text.trim();
    switch (p.type.kind) {
      case "int":
        return /^[+-]?\d+$/.test(t) ? { k: "num", v: Number(t), isInt: true } : `expected an int, got "${text}"`;
      case "real": {
        const n = Number(t);
        return t !== "" && Number.isFinite(n) ? { k: "num", v: n, isInt: false } : `expected a real, got "${text}"`;
      }
      case "bool":
        return t === "true" ? { k: "bool", v: true } : t === "false" ? { k: "bool", v: false } : `expected true or false, got "${text}"`;
      case "string":
        return { k: "str", v: text };
      case "enum": {
        const ms = enumNames(p.type);
        if (isMember(ms, t)) return { k: "str", v: t };
        const s = suggest(t, ms);
        return `expected one of ${showMembers(ms)}${s ? ` (did you mean ${s}?)` : ""}, got "${text}"`;
      }
    }
  }

  // ---------- contexts ----------

  constCx(what: string): Cx {
    return { mode: "const", g: null, locals: new Map(), lets: new Map(), net: null, what };
  }

  // ---------- expressions ----------

  ev(e: A.Expr, cx: Cx): Val {
    switch (e.kind) {
      case "Number":
        return { k: "num", v: e.value, isInt: e.isInt };
      case "String":
        return { k: "str", v: e.value };
      case "Bool":
        return { k: "bool", v: e.value };
      case "Error":
        return ERR;
      case "List":
        return { k: "list", items: e.items.map((x) => this.ev(x, cx)) };
      case "Name":
        return this.evName(e, cx);
      case "Unary":
        return this.evUnary(e, cx);
      case "Binary":
        return this.evBinary(e, cx);
      case "Call":
        return this.evCall(e, cx);
      case "Index":
        return this.evIndex(e, cx);
      case "Member":
        return this.evMember(e, cx);
      case "Expect":
        return this.evExpect(e, cx);
      case "Pipe": {
        const left = this.ev(e.left, cx);
        return this.applyStage({ name: null, val: left, span: e.left.span, expr: e.left }, e.right, cx, e.span);
      }
      case "Repeat":
        this.ev(e.count, this.constCx("a repeat count"));
        return this.error("E0359", "`repeat` is a stage of a network's pipeline: it needs an input", e.span, [
          `pipe a value into it: \`h |> repeat ${e.count.kind === "Number" ? e.count.raw : "N"} { ... }\``,
        ]);
      case "If": {
        const c = this.ev(e.cond, this.constCx("an if condition"));
        if (c.k === "error") return ERR;
        if (c.k !== "bool")
          return this.error("E0504", `an \`if\` condition must be a compile-time bool, got ${describe(c)}`, e.cond.span);
        return this.ev(c.v ? e.then : e.else, cx);
      }
      case "Match":
        return this.evMatch(e, cx);
    }
  }

  private allNames(cx: Cx): string[] {
    return [...cx.locals.keys(), ...this.decls.keys(), ...this.enumMembers.keys()];
  }

  private evName(e: A.NameRef, cx: Cx): Val {
    const name = e.name;
    const local = cx.locals.get(name);
    if (local) return local;
    const d = this.decls.get(name);
    if (d) {
      switch (d.kind) {
        case "param":
          return this.paramValue(name);
        // a failed declaration already reported its errors: its uses give an erroneous value, so they stay quiet
        case "data":
          this.dataType(name);
          return this.failed.has(name) ? ERR : { k: "ref", kind: "data", name };
        case "latent":
          if (!this.latentBusy.has(name)) this.latent(name);
          return this.failed.has(name) ? ERR : { k: "ref", kind: "latent", name };
        case "weights":
          this.weight(name);
          return this.failed.has(name) ? ERR : { k: "ref", kind: "weights", name };
        // networks stay references: they are built on demand by their callers (dependency order, cycle and
        // self-call messages), and every consumer of a network checks `network(name)`, null when it failed
        case "network":
          return { k: "ref", kind: "network", name };
        case "block":
          return { k: "ref", kind: "block", name };
        // inside a loss, another loss stands for its value (`loss g2 = g + 0.1 * d`); elsewhere it is a reference
        // (updates name losses)
        case "loss":
          return cx.mode === "loss" ? this.inlineLoss(d.decl, cx, e.span) : { k: "ref", kind: "loss", name };
        case "let":
          return this.evLet(d.decl, cx, e.span);
      }
    }
    const members = this.enumMembers.get(name);
    if (members) return { k: "str", v: name, members };
    const entry = this.table.get(name);
    if (entry) return { k: "entry", entry };
    const s = suggest(name, [...this.allNames(cx), ...this.table.keys()]);
    return this.error("E0201", `unknown name \`${name}\``, e.span, s ? [`did you mean \`${s}\`?`] : []);
  }

  private letBusy = new Set<string>();
  /** losses being checked, innermost last: a loss met again while it is busy closes a cycle (E0206) */
  private lossBusy: string[] = [];

  /**
   * The value of loss `l` used inside another loss: its expression evaluated again in the caller's graph, so the
   * caller's IR holds the whole computation and both back ends see ordinary ops. `l` is checked on its own first
   * (its errors are reported there, once); a failed loss gives an erroneous value, which stays quiet.
   */
  private inlineLoss(l: A.LossDecl, cx: Cx, use: Span): Val {
    const name = l.name.name;
    if (this.lossBusy.includes(name)) {
      const cycle = [...this.lossBusy.slice(this.lossBusy.indexOf(name)), name];
      this.failed.add(name);
      return this.error("E0206", `losses refer to each other in a cycle: ${cycle.join(" -> ")}`, use, [
        "a loss may use other losses, but not (through them) itself",
      ], [{ span: l.name.span, message: `\`${name}\` declared here` }]);
    }
    if (!this.losses.has(name)) this.checkLoss(l);
    if (this.failed.has(name) || !this.losses.get(name)) return ERR;
    const n = this.diags.length;
    this.lossBusy.push(name);
    const v = this.ev(l.value, cx);
    this.lossBusy.pop();
    this.diags.length = n; // reported when `l` was checked on its own
    return v;
  }

  private evLet(d: A.LetDecl, cx: Cx, use: Span): Val {
    const name = d.name.name;
    const hit = cx.lets.get(name);
    if (hit) return hit;
    if (this.letBusy.has(name)) return this.error("E0507", `\`let ${name}\` refers to itself`, use);
    this.letBusy.add(name);
    let v = this.ev(d.value, cx);
    this.letBusy.delete(name);
    if (v.k === "tensor" && cx.g) {
      const iv = cx.g.get(v.id);
      if (iv.name === undefined) iv.name = name;
    }
    cx.lets.set(name, v);
    return v;
  }

  private evUnary(e: A.Unary, cx: Cx): Val {
    const v = this.ev(e.operand, cx);
    if (v.k === "error") return ERR;
    if (e.op === "not") {
      if (v.k === "bool") return { k: "bool", v: !v.v };
      const t = this.toTensor(v, cx, e.operand.span);
      if (t.k !== "tensor") return ERR;
      if (t.type.elem !== "bool") return this.error("E0302", `\`not\` needs a bool, got ${showType(t.type)}`, e.operand.span);
      return cx.g!.add("not", [t.id], {}, t.type, e.span);
    }
    if (v.k === "num") return { k: "num", v: -v.v, isInt: v.isInt };
    const t = this.toTensor(v, cx, e.operand.span);
    if (t.k !== "tensor") return ERR;
    if (t.type.elem !== "real") return this.error("E0325", `cannot negate ${showType(t.type)}`, e.operand.span);
    const ty: TensorType = { ...t.type };
    if (ty.tag !== "logit") {
      delete ty.tag;
      delete ty.classes;
    }
    return cx.g!.add("neg", [t.id], {}, ty, e.span);
  }

  private evBinary(e: A.Binary, cx: Cx): Val {
    const a = this.ev(e.left, cx);
    const b = this.ev(e.right, cx);
    if (a.k === "error" || b.k === "error") return ERR;
    const folded = this.fold(e, a, b);
    if (folded) return folded;
    if (e.op === "div") {
      const notInt = [[a, e.left.span], [b, e.right.span]].find(([v]) => !((v as Val).k === "num" && (v as { isInt: boolean }).isInt));
      if (notInt)
        return this.error("E0208", `\`div\` is integer division of compile-time ints, got ${describe(notInt[0] as Val)}`, notInt[1] as Span, [
          "use `/` for real division; `div` divides ints and rounds down (`ng div 2`)",
        ]);
    }
    if (e.op === "@") return this.matmul(a, b, cx, e);
    const opMap: Record<string, OpName> = {
      "+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow",
      "==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge", and: "and", or: "or",
    };
    return this.elementwise(opMap[e.op], a, b, cx, e.span, e.left.span, e.right.span);
  }

  /** Compile-time folding of constant operands; null when an operand is not a constant. */
  private fold(e: A.Binary, a: Val, b: Val): Val | null {
    const op = e.op;
    if (a.k === "num" && b.k === "num") {
      const isInt = a.isInt && b.isInt;
      switch (op) {
        case "+": return { k: "num", v: a.v + b.v, isInt };
        case "-": return { k: "num", v: a.v - b.v, isInt };
        case "*": return { k: "num", v: a.v * b.v, isInt };
        case "/":
          if (b.v === 0) return this.error("E0508", `division by zero in a compile-time expression`, e.span);
          return { k: "num", v: a.v / b.v, isInt: false };
        case "div":
          if (!isInt) return null; // E0208 in evBinary
          if (b.v === 0) return this.error("E0508", `division by zero in a compile-time expression`, e.span);
          return { k: "num", v: Math.floor(a.v / b.v), isInt: true };
        case "^": return { k: "num", v: Math.pow(a.v, b.v), isInt: isInt && b.v >= 0 };
        case "==": return { k: "bool", v: a.v === b.v };
        case "!=": return { k: "bool", v: a.v !== b.v };
        case "<": return { k: "bool", v: a.v < b.v };
        case "<=": return { k: "bool", v: a.v <= b.v };
        case ">": return { k: "bool", v: a.v > b.v };
        case ">=": return { k: "bool", v: a.v >= b.v };
        default:
          return this.error("E0508", `\`${op}\` needs bools, got numbers`, e.span);
      }
    }
    if (a.k === "bool" && b.k === "bool") {
      switch (op) {
        case "and": return { k: "bool", v: a.v && b.v };
        case "or": return { k: "bool", v: a.v || b.v };
        case "==": return { k: "bool", v: a.v === b.v };
        case "!=": return { k: "bool", v: a.v !== b.v };
        default:
          return this.error("E0508", `\`${op}\` is not defined on bools`, e.span);
      }
    }
    if (a.k === "str" && b.k === "str") {
      if (op === "==" || op === "!=") {
        const members = a.members ?? b.members;
        for (const [s, sp] of [[a, e.left.span], [b, e.right.span]] as const)
          if (members && !isMember(members, s.v))
            this.error("E0506", `\`${s.v}\` is not a member of the enum {${showMembers(members)}}`, sp);
        return { k: "bool", v: op === "==" ? a.v === b.v : a.v !== b.v };
      }
      return this.error("E0508", `\`${op}\` is not defined on strings`, e.span);
    }
    const isC = (v: Val) => v.k === "num" || v.k === "bool" || v.k === "str";
    if (isC(a) && isC(b)) return this.error("E0508", `cannot apply \`${op}\` to ${describe(a)} and ${describe(b)}`, e.span);
    if (a.k === "str" || b.k === "str")
      return this.error("E0508", `cannot apply \`${op}\` to a string`, a.k === "str" ? e.left.span : e.right.span);
    return null;
  }

  /** Turn a value into a tensor of the current graph (materializing constants and references). */
  toTensor(v: Val, cx: Cx, span: Span): Val {
    switch (v.k) {
      case "tensor":
      case "error":
        return v;
      case "num":
      case "bool":
      case "list": {
        if (!cx.g) return this.error("E0507", `a tensor is not a compile-time constant`, span);
        const c = constJson(v);
        if (c === null) return this.error("E0326", `this list is not a numeric constant`, span);
        const shape = constShape(c);
        if (!shape) return this.error("E0326", `a constant list must be rectangular`, span);
        return cx.g.add("const", [], { value: c }, { elem: v.k === "bool" ? "bool" : "real", shape, batched: false }, span);
      }
      case "ref":
        return this.refTensor(v.kind, v.name, cx, span);
      case "prior":
        return this.priorTensor(v.latent, v.member, cx, span);
      default:
        return this.error("E0312", `expected a tensor value here, got ${describe(v)}`, span);
    }
  }

  /** The type a reference would have as a tensor (without adding it to a graph), or null. */
  refType(v: Val): TensorType | null {
    if (v.k === "tensor") return v.type;
    if (v.k === "num") return { elem: "real", shape: [], batched: false };
    if (v.k === "ref") {
      if (v.kind === "data") return this.dataType(v.name);
      if (v.kind === "latent") return this.latent(v.name)?.type ?? null;
      if (v.kind === "weights") return this.weight(v.name)?.type ?? null;
    }
    if (v.k === "prior") return this.priorType(v.latent, v.member);
    if (v.k === "list") {
      const c = constJson(v);
      const s = c === null ? null : constShape(c);
      return s ? { elem: "real", shape: s, batched: false } : null;
    }
    return null;
  }

  private refTensor(kind: string, name: string, cx: Cx, span: Span): Val {
    if (kind === "network" || kind === "loss")
      return this.error("E0312", `\`${name}\` is a ${kind}, not a value${kind === "network" ? `: call it, e.g. ${name}(x)` : ""}`, span);
    if (cx.mode === "const")
      return this.error("E0507", `\`${name}\` is ${kind === "weights" ? "weights" : kind}, not a compile-time constant (in ${cx.what})`, span);
    if (cx.mode === "network" && (kind === "data" || kind === "latent"))
      return this.error("E0322", `a network body cannot read ${kind} \`${name}\` (in ${cx.what}); pass it as an argument`, span);
    if (kind === "data") {
      const t = this.dataType(name);
      return t ? cx.g!.add("data", [], { name }, t, span) : ERR;
    }
    if (kind === "latent") {
      const l = this.latent(name);
      return l ? cx.g!.add("latent", [], { name }, l.type, span) : ERR;
    }
    const w = this.weight(name);
    if (!w) return ERR;
    if (cx.net && !cx.net.weights.includes(name)) cx.net.weights.push(name);
    return cx.g!.add("weight", [], { name }, w.type, span);
  }

  priorType(latent: string, member: "means" | "scale"): TensorType | null {
    const l = this.latent(latent);
    if (!l || l.dist.kind !== "gaussian_mixture") return null;
    const { components: K, dim: d, cov } = l.dist;
    const shape = member === "means" ? [K, d] : cov === "iso" ? [K] : cov === "diag" ? [K, d] : [K, d, d];
    return { elem: "real", shape, batched: false };
  }

  private priorTensor(latent: string, member: "means" | "scale", cx: Cx, span: Span): Val {
    if (cx.mode !== "loss") return this.error("E0322", `prior parameter \`${latent}.${member}\` can only be read in a loss`, span);
    const t = this.priorType(latent, member);
    return t ? cx.g!.add("prior_param", [], { latent, member }, t, span) : ERR;
  }

  // ---------- elementwise, matmul, indexing ----------

  /** Insert expand_rank so a value has runtime rank `rank` (see ir.ts broadcasting contract). */
  expandTo(t: Val & { k: "tensor" }, rank: number, cx: Cx, span: Span): Val & { k: "tensor" } {
    const have = t.type.shape.length + (t.type.batched ? 1 : 0);
    if (have >= rank) return t;
    const shape = [...Array(rank - have).fill(1), ...t.type.shape];
    const ty: TensorType = { ...t.type, shape };
    delete ty.tag;
    delete ty.classes;
    return cx.g!.add("expand_rank", [t.id], { rank }, ty, span) as Val & { k: "tensor" };
  }

  elementwise(op: OpName, av: Val, bv: Val, cx: Cx, span: Span, aSpan: Span, bSpan: Span): Val {
    const a = this.toTensor(av, cx, aSpan);
    const b = this.toTensor(bv, cx, bSpan);
    if (a.k !== "tensor" || b.k !== "tensor") return ERR;
    const logical = op === "and" || op === "or";
    for (const [t, sp] of [[a, aSpan], [b, bSpan]] as const) {
      if (logical && t.type.elem !== "bool") return this.error("E0302", `\`${op}\` needs bools, got ${showType(t.type)}`, sp);
      if (!logical && t.type.elem !== "real")
        return this.error("E0325", `arithmetic on ${showType(t.type)} is not allowed; index with it instead`, sp);
    }
    const shape = broadcastShapes(a.type.shape, b.type.shape);
    if (!shape)
      return this.error(
        "E0303",
        `cannot broadcast ${showType(a.type)} with ${showType(b.type)}`,
        span,
        [`trailing dims must be equal or 1: ${showShape(a.type.shape)} vs ${showShape(b.type.shape)}`],
        [
          { span: aSpan, message: `this is ${showType(a.type)}` },
          { span: bSpan, message: `this is ${showType(b.type)}` },
        ],
      );
    const batched = a.type.batched || b.type.batched;
    const rank = shape.length + (batched ? 1 : 0);
    const a2 = this.expandTo(a, rank, cx, aSpan);
    const b2 = this.expandTo(b, rank, cx, bSpan);
    const cmp = ["eq", "ne", "lt", "le", "gt", "ge", "and", "or"].includes(op);
    return cx.g!.add(op, [a2.id, b2.id], {}, { elem: cmp ? "bool" : "real", shape, batched }, span);
  }

  private matmul(av: Val, bv: Val, cx: Cx, e: A.Binary): Val {
    const a = this.toTensor(av, cx, e.left.span);
    const b = this.toTensor(bv, cx, e.right.span);
    if (a.k !== "tensor" || b.k !== "tensor") return ERR;
    const sa = a.type.shape;
    const sb = b.type.shape;
    if (sa.length === 0 || sb.length === 0)
      return this.error("E0304", `\`@\` needs vectors or matrices, got ${showType(a.type)} @ ${showType(b.type)}`, e.span, [
        "use `*` to multiply by a scalar",
      ]);
    const aVec = sa.length === 1;
    const bVec = sb.length === 1;
    const inA = sa[sa.length - 1];
    const inB = bVec ? sb[0] : sb[sb.length - 2];
    const lead = broadcastShapes(sa.slice(0, aVec ? 0 : -2), sb.slice(0, bVec ? 0 : -2));
    if (inA !== inB || !lead)
      return this.error(
        "E0304",
        `matrix product ${showType(a.type)} @ ${showType(b.type)}: ${inA !== inB ? `inner dims ${inA} and ${inB} differ` : "leading dims do not broadcast"}`,
        e.span,
        [],
        [
          { span: e.left.span, message: `left is ${showType(a.type)}` },
          { span: e.right.span, message: `right is ${showType(b.type)}` },
        ],
      );
    const shape = [...lead, ...(aVec ? [] : [sa[sa.length - 2]]), ...(bVec ? [] : [sb[sb.length - 1]])];
    const batched = a.type.batched || b.type.batched;
    const B = lead.length + (batched ? 1 : 0);
    const a2 = this.expandTo(a, B + (aVec ? 1 : 2), cx, e.left.span);
    const b2 = this.expandTo(b, B + (bVec ? 1 : 2), cx, e.right.span);
    return cx.g!.add("matmul", [a2.id, b2.id], { aVec, bVec }, { elem: "real", shape, batched }, e.span);
  }

  private evIndex(e: A.Index, cx: Cx): Val {
    const tv = this.ev(e.target, cx);
    if (tv.k === "error") return ERR;
    if (e.indices.length !== 1) return this.error("E0307", `index one axis at a time: x[i][j]`, e.span);
    const iv = this.ev(e.indices[0], cx);
    if (iv.k === "error") return ERR;
    const t = this.toTensor(tv, cx, e.target.span);
    if (t.k !== "tensor") return ERR;
    const shape = t.type.shape;
    if (shape.length === 0) return this.error("E0307", `cannot index ${showType(t.type)}: it has no axes`, e.span);
    const rest: TensorType = { elem: t.type.elem, shape: shape.slice(1), batched: t.type.batched };
    // a row of an identity matrix is a one-hot vector, so a probability vector: `eye(K)[y]` is Simplex[K]. Known
    // from the indexed value's op (also through a `let`), not from how the expression is written.
    if (cx.g && cx.g.get(t.id).op === "eye" && shape.length === 2) {
      rest.tag = "simplex";
      rest.classes = shape[1];
    }
    if (iv.k === "num") {
      if (!iv.isInt && !Number.isInteger(iv.v)) return this.error("E0307", `index ${fmtNum(iv.v)} is not an integer`, e.indices[0].span);
      if (iv.v < 0 || iv.v >= shape[0])
        return this.error("E0307", `index ${iv.v} is out of range for ${showType(t.type)} (0..${shape[0] - 1})`, e.indices[0].span);
      return cx.g!.add("index", [t.id], { mode: "const", value: iv.v, axis: 0 }, rest, e.span);
    }
    const i = this.toTensor(iv, cx, e.indices[0].span);
    if (i.k !== "tensor") return ERR;
    if (i.type.elem !== "int" || i.type.shape.length !== 0 || !i.type.batched)
      return this.error("E0307", `an index must be an int constant or a per-example Index[K], got ${showType(i.type)}`, e.indices[0].span);
    if (i.type.classes !== undefined && i.type.classes > shape[0])
      return this.error(
        "E0307",
        `Index[${i.type.classes}] can exceed the first axis of ${showType(t.type)} (size ${shape[0]})`,
        e.indices[0].span,
        [],
        [{ span: e.target.span, message: `this is ${showType(t.type)}` }],
      );
    const mode = t.type.batched ? "batch_gather" : "gather";
    return cx.g!.add("index", [t.id, i.id], { mode }, { ...rest, batched: true }, e.span);
  }

  private evMember(e: A.Member, cx: Cx): Val {
    if (e.target.kind !== "Name") return this.error("E0204", `only prior parameters have members (z.means, z.scale)`, e.span);
    const base = this.ev(e.target, cx);
    if (base.k === "error") return ERR;
    const m = e.name.name;
    if (base.k !== "ref" || base.kind !== "latent" || this.latent(base.name)?.dist.kind !== "gaussian_mixture")
      return this.error("E0204", `\`${e.target.name}\` has no member \`${m}\`: only GaussianMixture latents have members (means, scale)`, e.name.span);
    if (m !== "means" && m !== "scale") {
      const s = suggest(m, ["means", "scale"]);
      return this.error("E0204", `a GaussianMixture latent has no member \`${m}\``, e.name.span, [
        s ? `did you mean \`${s}\`?` : "members: means, scale",
      ]);
    }
    return { k: "prior", latent: base.name, member: m };
  }

  private evExpect(e: A.Expect, cx: Cx): Val {
    let ok = true;
    for (const v of e.vars) {
      const d = this.decls.get(v.name);
      if (!d) {
        const s = suggest(v.name, [...this.decls.entries()].filter(([, x]) => x.kind === "data" || x.kind === "latent").map(([k]) => k));
        this.error("E0201", `unknown name \`${v.name}\` in E[...]`, v.span, s ? [`did you mean \`${s}\`?`] : []);
        ok = false;
      } else if (d.kind !== "data" && d.kind !== "latent") {
        this.error("E0205", `E[...] averages over data and latents; \`${v.name}\` is a ${d.kind}`, v.span);
        ok = false;
      }
    }
    if (cx.mode !== "loss") return this.error("E0322", `E[...] is only allowed in losses (in ${cx.what})`, e.span);
    const body = this.ev(e.body, cx);
    if (body.k === "error" || !ok) return ERR;
    const t = this.toTensor(body, cx, e.body.span);
    if (t.k !== "tensor") return ERR;
    const deps = this.sources(cx.g!, t.id);
    for (const v of e.vars)
      if (!deps.has(v.name)) this.warn("W0402", `\`${v.name}\` in E[...] is not used by the expression it averages`, v.span);
    if (!t.type.batched) return t;
    return cx.g!.add("expect", [t.id], {}, { ...t.type, batched: false }, e.span);
  }

  /** names of data and latents a graph value reads */
  sources(g: GraphBuilder, id: number): Set<string> {
    const out = new Set<string>();
    const seen = new Set<number>();
    const stack = [id];
    while (stack.length) {
      const i = stack.pop()!;
      if (seen.has(i)) continue;
      seen.add(i);
      const v = g.get(i);
      if (["data", "latent", "latent_each", "latent_component"].includes(v.op)) out.add(String(v.attrs.name));
      stack.push(...v.args);
    }
    return out;
  }

  private evMatch(e: A.MatchExpr, cx: Cx): Val {
    const s = this.ev(e.scrutinee, this.constCx("a match scrutinee"));
    if (s.k === "error") return ERR;
    if (s.k !== "str" && s.k !== "num" && s.k !== "bool")
      return this.error("E0504", `match needs a compile-time value, got ${describe(s)}`, e.scrutinee.span);
    const members = s.k === "str" ? s.members : undefined;
    const seen = new Map<string, Span>();
    let wildcard: A.MatchArm | null = null;
    let chosen: A.MatchArm | null = null;
    let bad = false;
    for (const arm of e.arms) {
      if (!arm.pattern) {
        wildcard ??= arm;
        continue;
      }
      const p = arm.pattern.name;
      if (members && !isMember(members, p)) {
        const sg = suggest(p, members);
        this.error("E0506", `\`${p}\` is not a member of the enum {${showMembers(members)}}`, arm.pattern.span, sg ? [`did you mean \`${sg}\`?`] : []);
        bad = true;
      }
      const prev = seen.get(p);
      if (prev) {
        this.error("E0506", `duplicate match arm \`${p}\``, arm.pattern.span, [], [{ span: prev, message: "first arm here" }]);
        bad = true;
      }
      seen.set(p, arm.pattern.span);
      if (!chosen && String(s.v) === p) chosen = arm;
    }
    if (members && !wildcard) {
      const missing = members.filter((m) => !seen.has(m));
      if (missing.length) {
        this.error("E0505", `match is not exhaustive: missing ${missing.map((m) => `\`${m}\``).join(", ")}`, e.span, [
          "add the missing arms or a `_ => ...` arm",
        ]);
        bad = true;
      }
    }
    chosen ??= wildcard;
    if (!chosen) {
      if (!bad) this.error("E0505", `no arm matches the value \`${String(s.v)}\``, e.span);
      return ERR;
    }
    return this.ev(chosen.value, cx);
  }

  // ---------- calls ----------

  /** `input |> stage`: a block use (the piped value is its first argument), a `repeat`, or a callable value. */
  private applyStage(input: CallArg, r: A.Expr, cx: Cx, span: Span): Val {
    if (r.kind === "Call" && r.callee.kind === "Name" && !cx.locals.has(r.callee.name) && this.decls.get(r.callee.name)?.kind === "block") {
      const rest = this.evArgs(r.args, cx);
      if (input.val.k === "error" || rest.some((a) => a.val.k === "error")) return ERR;
      return this.instantiateBlock(r.callee.name, [input, ...rest], cx, r.span);
    }
    if (r.kind === "Repeat") return this.applyRepeat(r, input, cx);
    const f = this.ev(r, cx);
    return this.applyValue(f, [input], cx, span, r.span);
  }

  /** the most repetitions a `repeat` may expand to (each one adds its layers to the network) */
  static readonly MAX_REPEAT = 1024;

  /**
   * `input |> repeat N { s1 |> s2 }`: the stages applied N times in a row inside a network body, each repetition
   * with its own layers, named `<Net>/repeat_<k>/<i>/<kind>_<j>` (k counts the network's repeats, i the
   * repetition). N is a compile-time int in 1..MAX_REPEAT; the body must keep its input's shape (E0356), so that
   * every repetition takes what the one before returns. A failing body is reported once (its first repetition).
   */
  applyRepeat(r: A.RepeatExpr, input: CallArg, cx: Cx): Val {
    // the count may use params and, inside a block, the block's compile-time arguments
    const ccx = this.constCx("a repeat count");
    for (const [name, v] of cx.locals) if (v.k === "num") ccx.locals.set(name, v);
    const n = this.ev(r.count, ccx);
    if (input.val.k === "error" || n.k === "error") return ERR;
    if (n.k !== "num" || !n.isInt)
      return this.error("E0357", `a repeat count must be a compile-time int, got ${describe(n)}`, r.count.span, [
        "write a literal or an int param: `repeat 4 { ... }`, `repeat depth { ... }` (`div` divides ints)",
      ]);
    if (n.v < 1 || n.v > Checker.MAX_REPEAT)
      return this.error("E0358", `a repeat count must be between 1 and ${Checker.MAX_REPEAT}, got ${n.v}`, r.count.span, [
        n.v < 1 ? "a stage repeated zero times is no stage: leave the `repeat` out" : "each repetition adds its own layers; use fewer, wider stages",
      ]);
    if (cx.mode !== "network" || !cx.net || !cx.g)
      return this.error("E0359", `\`repeat\` can only be used inside a network body (in ${cx.what})`, r.span, [
        "repeat stages in a network and call it: `network N(h: Real[64]) -> Real[64] = h |> repeat 2 { dense(64) |> relu() }`",
      ]);
    const stages: A.Expr[] = [];
    let cur: A.Expr = r.body;
    while (cur.kind === "Pipe") {
      stages.unshift(cur.right);
      cur = cur.left;
    }
    stages.unshift(cur);
    const net = cx.net;
    const k = net.counters.get("repeat") ?? 0;
    net.counters.set("repeat", k + 1);
    const inT = this.toTensor(input.val, cx, input.span);
    if (inT.k !== "tensor") return ERR;
    let val: Val = inT;
    for (let i = 0; i < n.v; i++) {
      const inner: NetState = { name: `${net.name}/repeat_${k}/${i}`, layers: net.layers, counters: new Map(), calls: net.calls, weights: net.weights };
      const icx: Cx = { ...cx, net: inner };
      const before = val;
      for (const st of stages) {
        val = this.applyStage({ name: null, val, span: input.span, expr: input.expr }, st, icx, st.span);
        if (val.k === "error") return ERR;
      }
      const t = this.toTensor(val, icx, r.body.span);
      if (t.k !== "tensor") return ERR;
      const b = before as Val & { k: "tensor" };
      if (!sameShape(t.type.shape, b.type.shape) || t.type.batched !== b.type.batched)
        return this.error("E0356", `the body of \`repeat\` must keep its input's shape: it takes ${showType(b.type)} and returns ${showType(t.type)}`, r.body.span, [
          "each repetition takes what the one before returns; change the shape before or after the `repeat`",
        ], [{ span: input.span, message: `the input ${showType(b.type)}` }]);
      val = t;
    }
    return val;
  }

  private evArgs(args: A.Arg[], cx: Cx): CallArg[] {
    return args.map((a) => ({ name: a.name, val: this.ev(a.value, cx), span: a.value.span, expr: a.value }));
  }

  private evCall(e: A.Call, cx: Cx): Val {
    if (e.callee.kind === "Name") {
      const name = e.callee.name;
      const d = cx.locals.has(name) ? null : this.decls.get(name);
      if (!cx.locals.has(name) && !d) {
        const entry = this.table.get(name);
        if (!entry) {
          const names = [...this.table.keys(), ...[...this.decls.entries()].filter(([, x]) => x.kind === "network").map(([k]) => k)];
          const s = suggest(name, names);
          this.evArgs(e.args, cx);
          return this.error("E0203", `unknown function \`${name}\``, e.callee.span, [
            s ? `did you mean \`${s}\`?` : "see docs/language.md for the built-in functions, layers and distributions",
          ]);
        }
        return this.callEntry(entry, this.evArgs(e.args, cx), cx, e.span, e.callee.span);
      }
    }
    if (e.callee.kind === "Name") {
      const name = e.callee.name;
      const d = cx.locals.has(name) ? null : this.decls.get(name);
      const entry = this.table.get(name);
      // a declaration that cannot be called hides a built-in of the same name: say so, naming both
      if (d && d.kind !== "network" && entry) {
        this.evArgs(e.args, cx);
        const what = entry.category === "metric" ? "evaluation metric" : entry.category;
        return this.error(
          "E0207",
          `\`${name}\` is the ${d.kind} declared in this spec, which hides the built-in ${what} \`${name}\``,
          e.callee.span,
          [`rename the ${d.kind}: a declaration takes precedence over a built-in of the same name`],
          [{ span: d.span, message: `${d.kind} \`${name}\` declared here` }],
        );
      }
    }
    if (e.callee.kind === "Repeat") {
      // `repeat 2 { ... }(h)`: the call form of `h |> repeat 2 { ... }`
      const args = this.evArgs(e.args, cx);
      if (args.some((a) => a.val.k === "error")) return ERR;
      if (args.length !== 1 || args[0].name)
        return this.error("E0311", `a repeated stage takes exactly one input, got ${args.length}`, e.span);
      return this.applyRepeat(e.callee, args[0], cx);
    }
    const f = this.ev(e.callee, cx);
    const args = this.evArgs(e.args, cx);
    return this.applyValue(f, args, cx, e.span, e.callee.span);
  }

  /** Apply a callable value (network, layer, bare table entry) to arguments. */
  applyValue(f: Val, args: CallArg[], cx: Cx, span: Span, fSpan: Span): Val {
    if (f.k === "error" || args.some((a) => a.val.k === "error")) return ERR;
    if (f.k === "ref" && f.kind === "network") return this.callNetwork(f.name, args, cx, span);
    if (f.k === "ref" && f.kind === "block") return this.instantiateBlock(f.name, args, cx, span);
    if (f.k === "entry") {
      if (f.entry.category === "layer") {
        const fn = this.callEntry(f.entry, [], cx, fSpan, fSpan);
        return this.applyValue(fn, args, cx, span, fSpan);
      }
      return this.callEntry(f.entry, args, cx, span, fSpan);
    }
    if (f.k === "fn") {
      if (args.length !== 1 || args[0].name)
        return this.error("E0311", `a ${f.entry.category} takes exactly one input, got ${args.length}`, span);
      return applyFn(this, f, args[0].val, cx, span, args[0].span);
    }
    return this.error("E0312", `${describe(f)} cannot be called`, fSpan);
  }

  /** Resolve a call against the entry's signatures; report an overload error when none matches. */
  callEntry(entry: SignatureEntry, args: CallArg[], cx: Cx, span: Span, calleeSpan: Span): Val {
    if (args.some((a) => a.val.k === "error")) return ERR;
    const fails: { sig: Signature; why: string; domain: boolean; span: Span }[] = [];
    for (const sig of entry.signatures) {
      const r = this.bind(entry, sig, args, cx, calleeSpan);
      if ("why" in r) {
        fails.push({ sig, ...r });
        continue;
      }
      return applyEntry(this, entry, sig, r.bound, cx, span);
    }
    if (fails.length === 1 && fails[0].domain) return this.error("E0316", `${entry.name}: ${fails[0].why}`, fails[0].span);
    return this.error(
      "E0302",
      `no signature of \`${entry.name}\` matches these arguments`,
      span,
      fails.map((f) => `${formatSignature(entry.name, f.sig)}: ${f.why}`),
    );
  }

  private bind(
    entry: SignatureEntry,
    sig: Signature,
    args: CallArg[],
    cx: Cx,
    calleeSpan: Span,
  ): { bound: Map<string, BoundArg> } | { why: string; domain: boolean; span: Span } {
    const bound = new Map<string, BoundArg>();
    const ps = sig.params;
    let pos = 0;
    let variadicN = 0;
    for (const a of args) {
      if (a.name) {
        const p = ps.find((x) => x.name === a.name!.name);
        if (!p) {
          const s = suggest(a.name.name, ps.map((x) => x.name));
          return { why: `no parameter named \`${a.name.name}\`${s ? ` (did you mean \`${s}\`?)` : ""}`, domain: false, span: a.name.span };
        }
        if (bound.has(p.name)) return { why: `\`${p.name}\` is given twice`, domain: false, span: a.span };
        bound.set(p.name, { val: a.val, span: a.span });
      } else {
        if (pos >= ps.length) {
          if (!sig.variadic || ps.length === 0)
            return { why: `takes at most ${ps.length} positional argument${ps.length === 1 ? "" : "s"}, got ${args.filter((x) => !x.name).length}`, domain: false, span: a.span };
          bound.set(`${ps[ps.length - 1].name}#${variadicN++}`, { val: a.val, span: a.span });
          continue;
        }
        bound.set(ps[pos].name, { val: a.val, span: a.span });
        pos++;
      }
    }
    for (const p of ps) if (!bound.has(p.name) && p.default === undefined) return { why: `missing \`${p.name}\``, domain: false, span: calleeSpan };
    const state = { syms: new Map<string, number>(), rests: new Map<string, number[]>() };
    for (const [key, b] of bound) {
      const p: SigParam = ps.find((x) => x.name === key.split("#")[0])!;
      // repeated variadic arguments each get their own dims
      const r = acceptArg(this, p, b.val, key.includes("#") ? { syms: new Map(), rests: new Map() } : state);
      if (r) return { why: `\`${p.name}\`: ${r.why}`, domain: r.domain, span: b.span };
    }
    return { bound };
  }

  // ---------- networks ----------

  network(name: string): IRNetwork | null {
    if (this.networks.has(name)) return this.networks.get(name)!;
    const d = this.decls.get(name);
    if (!d || d.kind !== "network") return null;
    if (this.netBusy.has(name)) {
      const cycle = [...this.netBusy, name];
      const from = cycle.indexOf(name);
      this.error("E0323", `networks call each other in a cycle: ${cycle.slice(from).join(" -> ")}`, d.decl.name.span);
      return null;
    }
    this.netBusy.add(name);
    const ir = this.buildNetwork(d.decl);
    this.netBusy.delete(name);
    this.networks.set(name, ir);
    if (ir) this.networkOrder.push(ir);
    else this.failed.add(name);
    return ir;
  }

  private buildNetwork(n: A.NetworkDecl): IRNetwork | null {
    const name = n.name.name;
    const g = new GraphBuilder();
    const net: NetState = { name, layers: [], counters: new Map(), calls: [], weights: [] };
    const cx: Cx = { mode: "network", g, locals: new Map(), lets: new Map(), net, what: `network ${name}` };
    const inputs: { name: string; type: TensorType }[] = [];
    let ok = true;
    const seen = new Map<string, Span>();
    n.params.forEach((b, i) => {
      const prev = seen.get(b.name.name);
      if (prev) this.error("E0202", `argument \`${b.name.name}\` is declared twice`, b.name.span, [], [{ span: prev, message: "first declared here" }]);
      seen.set(b.name.name, b.name.span);
      const t = this.evType(b.type, true);
      if (!t) {
        ok = false;
        cx.locals.set(b.name.name, ERR);
        return;
      }
      inputs.push({ name: b.name.name, type: t });
      cx.locals.set(b.name.name, g.add("input", [], { index: i }, t, b.span, b.name.name));
    });
    const out = this.evType(n.returns, true);
    // a head with a wrong return type is still checked, then counts as failed: its callers would only repeat it
    const badHead = n.role === "head" && !!out && out.tag !== "simplex";
    if (badHead)
      this.error("E0315", `head \`${name}\` must return Simplex[K], not ${showType(out)}`, n.returns.span, [
        "end the body with softmax() and declare `-> Simplex[K]`",
      ]);
    if (!ok || !out) {
      this.ev(n.body, cx);
      return null;
    }
    const body = this.ev(n.body, cx);
    if (body.k === "error") return null;
    let t = this.toTensor(body, cx, n.body.span);
    if (t.k !== "tensor" || badHead) return null;
    if (!t.type.batched) {
      this.error("E0308", `network \`${name}\` does not use its inputs: its body is a whole-batch value`, n.body.span);
      return null;
    }
    if (!sameShape(t.type.shape, out.shape)) {
      const squeeze = numel(t.type.shape) === numel(out.shape) && (t.type.shape.length <= 1 && out.shape.length <= 1);
      if (!squeeze) {
        this.error(
          "E0308",
          `network \`${name}\` is declared to return ${showType(out)} but its body produces ${showType(t.type)}`,
          n.body.span,
          numel(t.type.shape) === numel(out.shape) ? ["add |> flatten() or |> reshape([...]) at the end of the body"] : [],
          [{ span: n.returns.span, message: `declared return type ${showType(out)}` }],
        );
        return null;
      }
      t = g.add("reshape", [t.id], { shape: out.shape }, { ...out }, n.body.span);
    } else if (t.type.elem !== out.elem) {
      this.error("E0308", `network \`${name}\` returns ${showType(out)} but its body produces ${showType(t.type)}`, n.body.span, [], [
        { span: n.returns.span, message: "declared here" },
      ]);
      return null;
    }
    const graph = g.finish((t as Val & { k: "tensor" }).id);
    const last = graph.values[graph.output];
    last.type = { ...out };
    const vars: string[] = [];
    for (const l of net.layers) for (const p of l.params) vars.push(p.name);
    for (const w of net.weights) if (!this.weight(w)?.fixed) vars.push(w); // frozen tensors are read, never updated
    for (const c of net.calls) for (const v of this.networks.get(c)?.vars ?? []) if (!vars.includes(v)) vars.push(v);
    return {
      name,
      role: n.role as IRNetwork["role"],
      inputs,
      output: out,
      layers: net.layers,
      body: graph,
      calls: net.calls,
      vars,
      span: n.span,
    };
  }

  /** A declared type to a TensorType (per-example types are `batched`). */
  evType(te: A.TypeExpr, batched: boolean, locals?: Map<string, Val>): TensorType | null {
    const cx = this.constCx("a type");
    if (locals) for (const [k, v] of locals) if (v.k === "num") cx.locals.set(k, v);
    const name = te.name.name;
    const dims: number[] = [];
    let ok = true;
    for (const d of te.dims) {
      const v = this.ev(d, cx);
      if (v.k === "error") {
        ok = false;
        continue;
      }
      if (v.k === "ref" || v.k === "prior" || v.k === "tensor") {
        this.error("E0507", `a dim must be a compile-time int (literals and params), not ${describe(v)}`, d.span);
        ok = false;
        continue;
      }
      if (v.k !== "num" || !Number.isInteger(v.v) || v.v < 1) {
        this.error("E0314", `a dim must be a positive int, got ${v.k === "num" ? fmtNum(v.v) : describe(v)}`, d.span);
        ok = false;
        continue;
      }
      dims.push(v.v);
    }
    if (!TYPE_NAMES.includes(name)) {
      const s = suggest(name, TYPE_NAMES);
      this.error("E0314", `unknown type \`${name}\``, te.name.span, [s ? `did you mean \`${s}\`?` : `types: ${TYPE_NAMES.join(", ")}`]);
      return null;
    }
    if (!ok) return null;
    const arity = (n: number, what: string): boolean => {
      if (dims.length === n) return true;
      this.error("E0314", `${name} takes ${what}, got ${dims.length} dim${dims.length === 1 ? "" : "s"}`, te.span);
      return false;
    };
    switch (name) {
      case "Real":
        return { elem: "real", shape: dims, batched };
      case "Image":
        return arity(3, "3 dims [h, w, c]") ? { elem: "real", shape: dims, batched, tag: "image" } : null;
      case "Logit":
        return arity(0, "no dims") ? { elem: "real", shape: [], batched, tag: "logit" } : null;
      case "Prob":
        return arity(0, "no dims") ? { elem: "real", shape: [], batched, tag: "prob" } : null;
      case "Simplex":
        return arity(1, "one dim [K]") ? { elem: "real", shape: dims, batched, tag: "simplex", classes: dims[0] } : null;
      default:
        return arity(1, "one dim [K]") ? { elem: "int", shape: [], batched, tag: "index", classes: dims[0] } : null;
    }
  }

  /** Call a network: arguments must match its declared inputs, possibly with extra leading dims (mapping). */
  // ---------- parametric blocks ----------

  /** blocks being expanded (recursion is refused: E0355) */
  blockBusy: string[] = [];
  /** blocks whose body failed once: later uses stay quiet */
  failedBlocks = new Set<string>();

  /** A block's compile-time arguments are `int` / `real` (no dims); the others are typed tensor inputs. */
  static blockScalar(b: A.Binding): "int" | "real" | null {
    const n = b.type.name.name;
    return (n === "int" || n === "real") && b.type.dims.length === 0 ? n : null;
  }

  /** Check a block declaration on its own: argument names once, at least one tensor input. The body is checked at each use, with the arguments bound. */
  checkBlockDecl(n: A.NetworkDecl): void {
    const seen = new Map<string, Span>();
    let tensors = 0;
    for (const b of n.params) {
      const prev = seen.get(b.name.name);
      if (prev) this.error("E0202", `argument \`${b.name.name}\` is declared twice`, b.name.span, [], [{ span: prev, message: "first declared here" }]);
      seen.set(b.name.name, b.name.span);
      if (!Checker.blockScalar(b)) tensors++;
    }
    if (tensors === 0)
      this.error("E0353", `block \`${n.name.name}\` has no tensor input`, n.name.span, [
        "declare the input it transforms, e.g. `block res(x: Real[64], w: int) -> Real[64] = ...`",
      ]);
  }

  /** `res(h, 128)` inside a network body: the block's body expanded in place, its layers new instances named
   * `<Net>/<block>_<i>/<kind>_<j>` (so each use has its own parameters, readable in checkpoints). */
  instantiateBlock(name: string, args: CallArg[], cx: Cx, span: Span): Val {
    const d = this.decls.get(name) as Extract<Decl, { kind: "block" }>;
    const decl = d.decl;
    const where = [{ span: decl.name.span, message: `block \`${name}\` declared here` }];
    const sig = `${name}(${decl.params.map((p) => `${p.name.name}: ${p.type.name.name}${p.type.dims.length ? "[...]" : ""}`).join(", ")})`;
    if (cx.mode !== "network" || !cx.net || !cx.g)
      return this.error("E0354", `block \`${name}\` can only be used inside a network body (in ${cx.what})`, span, [
        `use it in a network: \`network N(x: ...) -> ... = ${name}(x, ...)\`, then call N`,
      ], where);
    const from = this.blockBusy.indexOf(name);
    if (from >= 0)
      return this.error("E0355", `block \`${name}\` is used inside itself: ${[...this.blockBusy.slice(from), name].join(" -> ")}`, span, [
        "blocks are expanded at each use, so a recursive block never ends; repeat it with `h |> repeat N { ... }` instead",
      ], where);
    if (args.length !== decl.params.length)
      return this.error("E0352", `block \`${name}\` takes ${decl.params.length} argument${decl.params.length === 1 ? "" : "s"}, got ${args.length}`, span, [`it is ${sig}`], where);
    if (this.failedBlocks.has(name)) return ERR;
    const locals = new Map<string, Val>();
    for (let i = 0; i < args.length; i++) {
      const a = args[i], p = decl.params[i];
      const declared = [{ span: p.type.span, message: `\`${p.name.name}\` is declared here` }];
      if (a.name && a.name.name !== p.name.name)
        return this.error("E0352", `argument ${i + 1} of block \`${name}\` is \`${p.name.name}\`, not \`${a.name.name}\``, a.name.span, [`it is ${sig}`], declared);
      const sc = Checker.blockScalar(p);
      if (sc) {
        if (a.val.k !== "num" || (sc === "int" && !a.val.isInt))
          return this.error("E0353", `argument \`${p.name.name}\` of block \`${name}\` is a compile-time ${sc}, got ${describe(a.val)}`, a.span, [
            "pass a literal or a param (block arguments are fixed when the network is built)",
          ], declared);
        locals.set(p.name.name, a.val);
        continue;
      }
      const want = this.evType(p.type, true, locals);
      if (!want) return ERR;
      const t = this.toTensor(a.val, cx, a.span);
      if (t.k !== "tensor") return ERR;
      if (t.type.elem !== want.elem || !sameShape(t.type.shape, want.shape) || !t.type.batched)
        return this.error("E0353", `argument \`${p.name.name}\` of block \`${name}\` expects ${showType(want)}, got ${showType(t.type)}`, a.span, [], [
          { span: p.type.span, message: `\`${p.name.name}\` is declared as ${showType(want)} here` },
        ]);
      locals.set(p.name.name, t);
    }
    const out = this.evType(decl.returns, true, locals);
    if (!out) return ERR;
    const net = cx.net;
    const key = `block:${name}`;
    const k = net.counters.get(key) ?? 0;
    net.counters.set(key, k + 1);
    const inner: NetState = { name: `${net.name}/${name}_${k}`, layers: net.layers, counters: new Map(), calls: net.calls, weights: net.weights };
    const icx: Cx = { mode: "network", g: cx.g, locals, lets: new Map(), net: inner, what: `block ${name} (in ${cx.what})` };
    const before = this.diags.length;
    this.blockBusy.push(name);
    const body = this.ev(decl.body, icx);
    this.blockBusy.pop();
    const t = body.k === "error" ? body : this.toTensor(body, icx, decl.body.span);
    if (t.k !== "tensor") {
      if (this.diags.length > before) this.failedBlocks.add(name);
      return ERR;
    }
    if (t.type.elem !== out.elem || !sameShape(t.type.shape, out.shape)) {
      this.failedBlocks.add(name);
      return this.error("E0308", `block \`${name}\` is declared to return ${showType(out)} but its body produces ${showType(t.type)}`, decl.body.span, [], [
        { span: decl.returns.span, message: `declared return type ${showType(out)}` },
      ]);
    }
    return t;
  }

  callNetwork(name: string, args: CallArg[], cx: Cx, span: Span): Val {
    const d = this.decls.get(name) as Extract<Decl, { kind: "network" }>;
    if (cx.mode === "const") return this.error("E0507", `a network call is not a compile-time constant (in ${cx.what})`, span);
    if (cx.net && cx.net.name === name) return this.error("E0323", `network \`${name}\` calls itself`, span);
    const net = this.network(name);
    const params = d.decl.params;
    if (args.length !== params.length)
      return this.error("E0311", `\`${name}\` takes ${params.length} argument${params.length === 1 ? "" : "s"}, got ${args.length}`, span, [], [
        { span: d.decl.name.span, message: `\`${name}\` declared here` },
      ]);
    if (!net) {
      // keep checking the arguments, but the callee already reported its own errors
      for (const a of args) this.toTensor(a.val, cx, a.span);
      return ERR;
    }
    const ids: number[] = [];
    let mapDims: number[] | null = null;
    let mapSpan: Span | null = null;
    let anyBatched = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a.name && a.name.name !== params[i].name.name)
        return this.error("E0311", `argument ${i + 1} of \`${name}\` is \`${params[i].name.name}\`, not \`${a.name.name}\``, a.name.span);
      const t = this.toTensor(a.val, cx, a.span);
      if (t.k !== "tensor") return ERR;
      const want = net.inputs[i].type;
      const extra = t.type.shape.length - want.shape.length;
      const compatibleElem = want.elem === t.type.elem;
      const suffixOk = extra >= 0 && sameShape(t.type.shape.slice(extra), want.shape);
      const idxOk = want.tag !== "index" || t.type.classes === undefined || t.type.classes <= (want.classes ?? Infinity);
      if (!compatibleElem || !suffixOk || !idxOk) {
        const hints: string[] = [];
        if (compatibleElem && numel(t.type.shape) === numel(want.shape))
          hints.push(
            want.shape.length === 1
              ? `flatten it: ${exprText(a)} |> flatten(), or declare the parameter as ${showType({ ...t.type, batched: true })}`
              : `reshape it: ${exprText(a)} |> reshape([${want.shape.join(", ")}])`,
          );
        return this.error(
          "E0301",
          `argument \`${params[i].name.name}\` of \`${name}\` expects ${showType(want)}, got ${showType(t.type)}`,
          a.span,
          hints,
          [{ span: params[i].type.span, message: `\`${params[i].name.name}\` is declared as ${showType(want)} here` }],
        );
      }
      const lead = t.type.shape.slice(0, extra);
      if (!t.type.batched && cx.mode === "loss")
        return this.error("E0324", `network arguments must be per-example values; \`${exprText(a)}\` is a whole-batch value`, a.span);
      anyBatched ||= t.type.batched;
      if (mapDims === null) {
        mapDims = lead;
        mapSpan = a.span;
      } else if (!sameShape(mapDims, lead))
        return this.error(
          "E0317",
          `arguments of \`${name}\` map over different leading dims: ${showShape(mapDims)} and ${showShape(lead)}`,
          a.span,
          [],
          mapSpan ? [{ span: mapSpan, message: `this maps over ${showShape(mapDims)}` }] : [],
        );
      ids.push(t.id);
    }
    if (!anyBatched) return this.error("E0324", `network \`${name}\` is called with no per-example argument`, span);
    const md = mapDims ?? [];
    if (cx.net && !cx.net.calls.includes(name)) cx.net.calls.push(name);
    const out: TensorType = { ...net.output, shape: [...md, ...net.output.shape], batched: true };
    return cx.g!.add("fold_call", ids, { network: name, mapDims: md.length }, out, span);
  }

  // ---------- data, latents, weights ----------

  dataType(name: string): TensorType | null {
    if (this.dataTypes.has(name)) return this.dataTypes.get(name)!;
    const d = this.decls.get(name);
    if (!d || d.kind !== "data") return null;
    const t = this.evType(d.binding.type, true);
    this.dataTypes.set(name, t);
    if (!t) this.failed.add(name);
    return t;
  }

  checkData(it: A.DataDecl): void {
    const cx = this.constCx("a data source");
    const src = this.ev(it.source, cx);
    const types = it.bindings.map((b) => this.dataType(b.name.name));
    if (src.k === "error") {
      this.dataSourceFailed = true;
      return;
    }
    if (src.k === "entry" && src.entry.category === "data") return this.checkData({ ...it, source: { kind: "Call", callee: it.source, args: [], span: it.source.span } as A.Call });
    if (src.k !== "source") {
      this.dataSourceFailed = true;
      this.error("E0312", `a data declaration needs a data source (gmm, ring, grid, fashion_mnist, csv, npy, idx, images), got ${describe(src)}`, it.source.span);
      return;
    }
    if (!this.checkDataFiles(src.name, src.args, it)) return;
    const cols = dataColumns(src.name, src.args);
    const known = cols ? null : this.dataFileShape(src.name, src.args);
    const bindings: IRData["bindings"] = [];
    it.bindings.forEach((b, i) => {
      const t = types[i];
      if (!t) return;
      if (known) {
        // the file's header gives the columns: x's width, and whether there are labels
        const what = `\`${src.name}\` (by the file's header)`;
        if (i === 0 && t.elem === "real" && numel(t.shape) !== numel(known.x)) {
          this.error("E0313", `column 0 of ${what} has ${numel(known.x)} values per row ([${known.x.join(", ")}]), but \`${b.name.name}\` is declared ${showType(t)}`, b.type.span,
            [`declare a type with ${numel(known.x)} elements, e.g. ${known.x.length === 3 ? `Image[${known.x.join(", ")}]` : `Real[${numel(known.x)}]`}`],
            [{ span: it.source.span, message: "data source" }]);
          return;
        }
        if (i === 1 && !known.labels) {
          this.error("E0313", `${what} has 1 column (x); \`${b.name.name}\` has none`, b.span, [known.labelHint]);
          return;
        }
        if (i === 1 && known.classes !== undefined && t.tag === "index" && t.classes !== undefined && t.classes < known.classes) {
          this.error("E0313", `${what} has ${known.classes} classes, but \`${b.name.name}\` is declared ${showType(t)}`, b.type.span, [`declare it as Index[${known.classes}]`]);
          return;
        }
        if (i >= 2) {
          this.error("E0313", `${what} has at most 2 columns (x and labels); \`${b.name.name}\` has none`, b.span);
          return;
        }
      }
      if (cols) {
        const col = cols[i];
        if (!col) {
          this.error("E0313", `\`${src.name}\` has ${cols.length} column${cols.length === 1 ? "" : "s"} (${cols.map((c) => showType(c)).join(", ")}); \`${b.name.name}\` has none`, b.span);
          return;
        }
        const bad =
          col.elem !== t.elem ||
          numel(col.shape) !== numel(t.shape) ||
          (col.tag === "index" && (t.tag !== "index" || t.classes !== col.classes));
        if (bad) {
          this.error(
            "E0313",
            `column ${i} of \`${src.name}\` is ${showType(col)}, but \`${b.name.name}\` is declared ${showType(t)}`,
            b.type.span,
            col.elem === t.elem && col.tag !== "index"
              ? [`declare a type with ${numel(col.shape)} elements, e.g. ${showType(col)} or Real[${numel(col.shape)}]`]
              : [`declare it as ${showType(col)}`],
            [{ span: it.source.span, message: "data source" }],
          );
          return;
        }
      }
      bindings.push({ name: b.name.name, column: i, type: t });
    });
    const first = this.data[0];
    if (first) {
      // every batch, sampler and metric reads one source; `when` / `match` choose between several
      this.error("E0319", `a spec has one data declaration; \`${first.source}\` is already declared`, it.span, [
        "bind several columns in one declaration (`data x: ..., y: ... = source(...)`), or choose the source with `when` / `match` on a param",
      ], [{ span: first.span, message: "the data declaration" }]);
      return;
    }
    this.data.push({ source: src.name, args: src.args, bindings, span: it.span });
  }

  /**
   * A source that reads the user's files (csv, npy, idx, images, fashion_mnist with a path): when the spec is a
   * file on disk, its paths are checked now, relative to the spec's folder as the trainer reads them: the file
   * exists, is a regular file within the size cap, and its header is sound (E0321 at the path argument). False
   * when a problem was reported. The values themselves are checked when the data is loaded.
   */
  checkDataFiles(source: string, args: Record<string, Json>, it: A.DataDecl): boolean {
    const file = this.spec.file;
    if (isCliFile(file) || !existsSync(file)) return true;
    const pr = probeDataSource(source, args, dirname(file) || ".");
    if (!pr) return true;
    this.dataSourceFailed = true;
    const call = it.source.kind === "Call" ? it.source : null;
    const params = this.table.get(source)?.signatures[0]?.params ?? [];
    const pos = params.findIndex((p) => p.name === pr.arg);
    const arg = call?.args.find((a) => a.name?.name === pr.arg) ?? (pos >= 0 ? call?.args.filter((a) => !a.name)[pos] : undefined);
    this.error("E0321", pr.problem.message, arg?.span ?? it.source.span, pr.problem.hint ? [pr.problem.hint] : []);
    return false;
  }

  /** the columns a file source's header gives (null: unknown until loaded, or the spec is not on disk) */
  dataFileShape(source: string, args: Record<string, Json>): DataShape | null {
    const file = this.spec.file;
    if (isCliFile(file) || !existsSync(file)) return null;
    return probeDataShape(source, args, dirname(file) || ".");
  }

  latent(name: string): IRLatent | null {
    if (this.latents.has(name)) return this.latents.get(name)!;
    const d = this.decls.get(name);
    if (!d || d.kind !== "latent") return null;
    if (this.latentBusy.has(name)) {
      this.error("E0507", `latent \`${name}\` refers to itself`, d.decl.dist.span);
      return null;
    }
    this.latentBusy.add(name);
    const v = evalDistValue(this, this.ev(d.decl.dist, this.constCx(`latent ${name}`)), d.decl.dist.span);
    this.latentBusy.delete(name);
    if (!v) this.failed.add(name);
    const ir: IRLatent | null = v
      ? {
          name,
          dist: v.dist,
          type: { ...v.type, batched: true },
          learnable: v.learnable.map((m) => `${name}.${m}`),
          span: d.decl.span,
        }
      : null;
    this.latents.set(name, ir);
    return ir;
  }

  weight(name: string): IRWeights | null {
    if (this.weights.has(name)) return this.weights.get(name)!;
    const d = this.decls.get(name);
    if (!d || d.kind !== "weights") return null;
    this.weights.set(name, null);
    const w = d.decl;
    const t = this.evType(w.type, false);
    if (!t || t.elem !== "real") {
      if (t) this.error("E0314", `weights must be real tensors, not ${showType(t)}`, w.type.span);
      this.failed.add(name);
      return null;
    }
    const cx = this.constCx(`weights ${name}`);
    let init: IRWeights["init"] = { kind: "zeros" };
    if (w.init) {
      let iv = this.ev(w.init, cx);
      if (iv.k === "entry") iv = this.callEntry(iv.entry, [], cx, w.init.span, w.init.span);
      if (iv.k === "num") iv = { k: "init", init: { kind: "const", value: iv.v } };
      if (iv.k === "init") {
        init = iv.init;
        const problem = initProblem(this, init, t.shape);
        if (problem) this.error("E0316", `init of \`${name}\`: ${problem}`, w.init.span);
      } else if (iv.k !== "error") this.error("E0312", `\`init\` needs an initializer (zeros, ones, eye, normal, uniform, data_points), got ${describe(iv)}`, w.init.span);
    }
    let constrain: IRWeights["constrain"] = null;
    if (w.constrain) {
      let cv = this.ev(w.constrain, cx);
      if (cv.k === "entry") cv = this.callEntry(cv.entry, [], cx, w.constrain.span, w.constrain.span);
      if (cv.k === "constraint") {
        constrain = { kind: cv.kind, args: cv.args, span: w.constrain.span };
        const s = t.shape;
        if (cv.kind === "sym_eig_below" && (s.length < 2 || s[s.length - 1] !== s[s.length - 2]))
          this.error("E0316", `sym_eig_below needs square trailing dims [..., d, d], \`${name}\` is ${showType(t)}`, w.constrain.span);
      } else if (cv.k !== "error") this.error("E0312", `\`constrain\` needs a constraint (sym_eig_below, clip, nonneg), got ${describe(cv)}`, w.constrain.span);
    }
    if (w.fixed && w.constrain)
      this.error("E0332", `\`${name}\` is fixed, so its constraint would never be applied`, w.constrain.span, [
        "a constraint projects a tensor after each update, and a fixed tensor has none: drop `constrain` or `fixed`",
      ], [{ span: w.fixed.span, message: "declared fixed here" }]);
    const ir: IRWeights = { name, type: t, init, constrain: w.fixed ? null : constrain, ...(w.fixed ? { fixed: true } : {}), span: w.span };
    this.weights.set(name, ir);
    return ir;
  }

  // ---------- losses ----------

  evalStandalone(e: A.Expr, what: string): void {
    const cx: Cx = { mode: "loss", g: new GraphBuilder(), locals: new Map(), lets: new Map(), net: null, what };
    this.ev(e, cx);
  }

  checkLoss(l: A.LossDecl): void {
    const name = l.name.name;
    if (this.losses.has(name)) return; // already checked, as a loss another loss refers to
    this.losses.set(name, null);
    this.lossBusy.push(name);
    const ir = this.buildLoss(l);
    this.lossBusy.pop();
    // a loss on a cycle is failed even if its own evaluation ended quietly
    const bad = !ir || this.failed.has(name);
    this.losses.set(name, bad ? null : ir);
    if (bad) this.failed.add(name);
  }

  private buildLoss(l: A.LossDecl): IRLoss | null {
    const name = l.name.name;
    const g = new GraphBuilder();
    const cx: Cx = { mode: "loss", g, locals: new Map(), lets: new Map(), net: null, what: `loss ${name}` };
    const v = this.ev(l.value, cx);
    if (v.k === "error") return null;
    const t = this.toTensor(v, cx, l.value.span);
    if (t.k !== "tensor") return null;
    if (t.type.batched || t.type.shape.length !== 0 || t.type.elem !== "real") {
      const why = t.type.batched
        ? `it is per-example ${showType(t.type)}`
        : t.type.elem !== "real"
          ? `it is ${showType(t.type)}`
          : `it has shape ${showShape(t.type.shape)}`;
      this.error("E0309", `loss \`${name}\` must be a whole-batch scalar, but ${why}`, l.value.span, [
        t.type.batched ? "average over the batch with E[...] (e.g. E[x] ...)" : "reduce it with sum(...) or mean(...)",
      ]);
      return null;
    }
    const graph = g.finish(t.id);
    const uses: IRLoss["uses"] = { data: [], latents: [], networks: [], weights: [], priorParams: [] };
    const add = (arr: string[], x: string) => {
      if (!arr.includes(x)) arr.push(x);
    };
    for (const iv of graph.values) {
      switch (iv.op) {
        case "data":
          add(uses.data, String(iv.attrs.name));
          break;
        case "latent":
        case "latent_each":
        case "latent_component":
        case "responsibilities": {
          const ln = String(iv.op === "responsibilities" ? iv.attrs.latent : iv.attrs.name);
          add(uses.latents, ln);
          if (iv.op !== "latent_component") for (const p of this.latents.get(ln)?.learnable ?? []) add(uses.priorParams, p);
          break;
        }
        case "fold_call":
          add(uses.networks, String(iv.attrs.network));
          break;
        case "weight":
          add(uses.weights, String(iv.attrs.name));
          break;
        case "prior_param":
          add(uses.priorParams, `${iv.attrs.latent}.${iv.attrs.member}`);
          break;
        case "prim":
          for (const v2 of Object.values((iv.attrs.named ?? {}) as Record<string, Json>))
            if (typeof v2 === "string" && this.networks.get(v2)) add(uses.networks, v2);
          break;
      }
    }
    return { name, graph, uses, span: l.span };
  }
}

// ---------- helpers ----------

export function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

function exprText(a: CallArg): string {
  const t = a.expr ? show(a.expr) : null;
  return t ?? (a.val.k === "ref" ? a.val.name : "the argument");
}

/** Short source-like text of simple expressions (names, calls, members, numbers); null for anything longer. */
function show(e: A.Expr, depth = 0): string | null {
  if (depth > 4) return null;
  switch (e.kind) {
    case "Name":
      return e.name;
    case "Number":
      return e.raw;
    case "Member": {
      const t = show(e.target, depth + 1);
      return t && `${t}.${e.name.name}`;
    }
    case "Call": {
      const c = show(e.callee, depth + 1);
      const args = e.args.map((a) => {
        const v = show(a.value, depth + 1);
        return v && (a.name ? `${a.name.name}=${v}` : v);
      });
      return c && args.every((x) => x !== null) ? `${c}(${args.join(", ")})` : null;
    }
    default:
      return null;
  }
}

export function constJson(v: Val): Json | null {
  if (v.k === "num") return v.v;
  if (v.k === "bool") return v.v;
  if (v.k === "list") {
    const items = v.items.map(constJson);
    return items.some((x) => x === null) ? null : (items as Json[]);
  }
  return null;
}

function constShape(c: Json): number[] | null {
  if (!Array.isArray(c)) return [];
  if (c.length === 0) return [0];
  const inner = c.map(constShape);
  if (inner.some((s) => !s || !sameShape(s, inner[0]!))) return null;
  return [c.length, ...inner[0]!];
}

function initProblem(ck: Checker, init: IRWeights["init"], shape: number[]): string | null {
  if (init.kind === "eye" && (shape.length < 2 || shape[shape.length - 1] !== shape[shape.length - 2]))
    return `eye needs square trailing dims [..., d, d], got ${showShape(shape)}`;
  if (init.kind === "uniform" && !(init.lo <= init.hi)) return `uniform(lo, hi) needs lo <= hi`;
  if (init.kind === "data_points") {
    const t = ck.dataType(init.data);
    if (t && (shape.length < 1 || !sameShape(shape.slice(1), t.shape)))
      return `data_points(${init.data}) gives rows of shape ${showShape(t.shape)}; the weights need [n, ${t.shape.join(", ")}], got ${showShape(shape)}`;
  }
  return null;
}
