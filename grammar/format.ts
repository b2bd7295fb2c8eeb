// format(text, file): the canonical layout of a spec. Output depends only on the AST and the comments, so it is
// idempotent. Comments: own-line comments before a declaration stay before it, same-line comments after it stay
// after it, comments inside a declaration's expression are moved just above the declaration (never dropped).
// At most one blank line is kept between declarations. Parentheses are re-inserted exactly where needed.
import { parse, lex } from "./parse.ts";
import * as T from "./lexer.ts";
import type * as A from "./ast.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";

export interface FormatResult {
  text: string | null;
  diagnostics: Diagnostic[];
}

const WIDTH = 100;

/** Comments to print above a match arm (own-line comments between arms of a top-level match). Set per item. */
let armComments = new Map<A.MatchArm, A.Comment[]>();
const IND = "  ";

// ---------- expressions ----------

// Precedence levels (higher binds tighter), per docs/language.md.
const P = { pipe: 1, cond: 2, or: 3, and: 4, not: 5, compare: 6, add: 7, term: 8, mul: 9, unary: 10, power: 11, postfix: 12, primary: 13 };

function binPrec(op: A.BinaryOp): number {
  switch (op) {
    case "or": return P.or;
    case "and": return P.and;
    case "==": case "!=": case "<": case "<=": case ">": case ">=": return P.compare;
    case "+": case "-": return P.add;
    case "*": case "/": case "div": case "@": return P.mul;
    case "^": return P.power;
  }
}

function prec(e: A.Expr): number {
  switch (e.kind) {
    case "Pipe": return P.pipe;
    case "If": case "Match": return P.cond;
    case "Binary": return binPrec(e.op);
    case "Unary": return e.op === "not" ? P.not : P.unary;
    case "Expect": return P.unary;
    case "Call": case "Index": case "Member": return P.postfix;
    default: return P.primary;
  }
}

export function escapeString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** `open`: the expression is followed by something that could extend an if's else-branch (so wrap an `if`).
 * `mulOpen`: it is followed by a multiplicative operator, which would extend a trailing `E[x] body` (so wrap it). */
function expr(e: A.Expr, min = 0, open = false, mulOpen = false): string {
  const needParens = prec(e) < min || (open && endsWithIf(e)) || (mulOpen && endsWithExpect(e));
  return needParens ? `(${exprRaw(e, false)})` : exprRaw(e, open);
}

/** Does the printed form of `e` end with an unparenthesized expectation (whose body a following `*` would join)? */
function endsWithExpect(e: A.Expr): boolean {
  switch (e.kind) {
    case "Expect": return true;
    case "Binary": return prec(e.right) >= rightMin(e) && endsWithExpect(e.right);
    case "Unary": return e.op === "-" && endsWithExpect(e.operand);
    default: return false;
  }
}

/** Does the printed form of `e` end with an unparenthesized `if ... else <expr>`? */
function endsWithIf(e: A.Expr): boolean {
  switch (e.kind) {
    case "If": return true;
    case "Binary": return prec(e.right) >= rightMin(e) && endsWithIf(e.right);
    case "Unary": return prec(e.operand) >= (e.op === "not" ? P.not : P.unary) && endsWithIf(e.operand);
    case "Expect": return false; // body is mul-level: an if there is parenthesized
    case "Pipe": return prec(e.right) >= P.cond && endsWithIf(e.right);
    default: return false;
  }
}

function rightMin(e: A.Binary): number {
  const p = binPrec(e.op);
  if (e.op === "^") return P.unary;
  if (p === P.compare) return P.add;
  if (p === P.add) return P.term;
  if (p === P.mul) return P.unary;
  return p + 1;
}
function leftMin(e: A.Binary): number {
  const p = binPrec(e.op);
  if (e.op === "^") return P.postfix;
  if (p === P.compare) return P.add;
  return p;
}

function args(as: A.Arg[]): string {
  return as.map((a) => (a.name ? `${a.name.name}=${expr(a.value)}` : expr(a.value))).join(", ");
}

function exprRaw(e: A.Expr, open: boolean): string {
  switch (e.kind) {
    case "Number": return e.raw;
    case "String": return escapeString(e.value);
    case "Bool": return e.value ? "true" : "false";
    case "Name": return e.name;
    case "Error": return "<error>";
    case "List": return `[${e.items.map((i) => expr(i)).join(", ")}]`;
    case "Unary":
      return e.op === "not" ? `not ${expr(e.operand, P.not, open)}` : `-${expr(e.operand, P.unary, open)}`;
    case "Binary":
      return `${expr(e.left, leftMin(e), true, binPrec(e.op) === P.mul)} ${e.op} ${expr(e.right, rightMin(e), open)}`;
    case "Call": return `${expr(e.callee, P.postfix)}(${args(e.args)})`;
    case "Index": return `${expr(e.target, P.postfix)}[${e.indices.map((i) => expr(i)).join(", ")}]`;
    case "Member": return `${expr(e.target, P.postfix)}.${e.name.name}`;
    case "Expect": return `E[${e.vars.map((v) => v.name).join(", ")}] ${expr(e.body, P.mul, open)}`;
    case "Pipe": return `${expr(e.left, P.pipe, true)} |> ${expr(e.right, P.cond, open)}`;
    case "If": return `if ${expr(e.cond)} then ${expr(e.then)} else ${expr(e.else)}`;
    case "Match": return `match ${expr(e.scrutinee)} { ${e.arms.map(arm).join(", ")} }`;
    case "Repeat": return `repeat ${expr(e.count)} { ${expr(e.body)} }`;
  }
}

function arm(a: A.MatchArm): string {
  return `${a.pattern ? a.pattern.name : "_"} => ${expr(a.value)}`;
}

/** Lay out a (top-level) expression starting at column `col` with continuation indent `ind`. */
function layout(e: A.Expr, col: number, ind: string): string {
  const flat = expr(e);
  const hasArmComments = e.kind === "Match" && e.arms.some((a) => armComments.has(a));
  if (col + flat.length <= WIDTH && !hasArmComments) return flat;
  if (e.kind === "Pipe") {
    // Flatten the left-nested chain and pack stages greedily, breaking before `|>`.
    const stages: A.Expr[] = [];
    let cur: A.Expr = e;
    while (cur.kind === "Pipe") {
      stages.unshift(cur.right);
      cur = cur.left;
    }
    const parts = [expr(cur, P.pipe, true), ...stages.map((s, i) => expr(s, P.cond, i < stages.length - 1))];
    const lines: string[] = [];
    let line = parts[0];
    let start = col;
    for (const p of parts.slice(1)) {
      if (start + line.length + 4 + p.length <= WIDTH) line += ` |> ${p}`;
      else {
        lines.push(line);
        line = `|> ${p}`;
        start = ind.length + IND.length;
      }
    }
    lines.push(line);
    return lines.join(`\n${ind}${IND}`);
  }
  if (e.kind === "Match") {
    const inner = ind + IND;
    const arms = e.arms.map((a) => {
      const cs = (armComments.get(a) ?? []).map((c) => `${inner}${commentText(c)}\n`).join("");
      return `${cs}${inner}${a.pattern ? a.pattern.name : "_"} => ${layout(a.value, inner.length + 5, inner)},`;
    });
    return `match ${expr(e.scrutinee)} {\n${arms.join("\n")}\n${ind}}`;
  }
  if (e.kind === "Binary" && (e.op === "+" || e.op === "-")) {
    // Break a long sum before each top-level + / -.
    const terms: { op: string; e: A.Expr }[] = [];
    let cur: A.Expr = e;
    while (cur.kind === "Binary" && (cur.op === "+" || cur.op === "-") && prec(cur.right) >= P.term) {
      terms.unshift({ op: cur.op, e: cur.right });
      cur = cur.left;
    }
    const head = expr(cur, P.add, true);
    return [head, ...terms.map((t, i) => `${t.op} ${expr(t.e, P.term, i < terms.length - 1)}`)].join(`\n${ind}${IND}`);
  }
  if (e.kind === "Call" && e.args.length > 0) {
    const inner = ind + IND;
    const as = e.args.map((a) => (a.name ? `${a.name.name}=${layout(a.value, inner.length + a.name.name.length + 1, inner)}` : layout(a.value, inner.length, inner)));
    // No trailing comma: the grammar does not allow one in argument lists.
    return `${expr(e.callee, P.postfix)}(\n${as.map((a) => `${inner}${a}`).join(",\n")}\n${ind})`;
  }
  return flat;
}

// ---------- declarations ----------

function type(t: A.TypeExpr): string {
  return t.dims.length ? `${t.name.name}[${t.dims.map((d) => expr(d)).join(", ")}]` : t.name.name;
}
function binding(b: A.Binding): string {
  return `${b.name.name}: ${type(b.type)}`;
}
function paramType(t: A.ParamType): string {
  return t.kind === "enum" ? `enum { ${t.members.map((m) => m.name).join(", ")} }` : t.kind;
}

/** Header + a trailing expression: on one line when it fits, else the expression on the next lines. */
function headed(header: string, body: A.Expr, ind: string): string {
  const flat = expr(body);
  const forced = body.kind === "Match" && body.arms.some((a) => armComments.has(a));
  if (ind.length + header.length + 1 + flat.length <= WIDTH && !forced) return `${header} ${flat}`;
  // Keep short heads (match, calls) on the header line; otherwise move the body down one indent.
  if (body.kind === "Match" || body.kind === "Call") return `${header} ${layout(body, ind.length + header.length + 1, ind)}`;
  const inner = ind + IND;
  return `${header}\n${inner}${layout(body, inner.length, inner)}`;
}

function block(head: string, entries: string[], ind: string): string {
  const one = `${head} { ${entries.join("; ")} }`;
  if (entries.length === 0) return `${head} {}`;
  if (ind.length + one.length <= WIDTH) return one;
  // One entry per line; keep a ";" where the next entry would otherwise continue this one (`a` then `-b`/`(b)`/`[b]`).
  const lines = entries.map((s, i) => `${ind}${IND}${s}${/^[-([]/.test(entries[i + 1] ?? "") ? ";" : ""}`);
  return `${head} {\n${lines.join("\n")}\n${ind}}`;
}

function item(it: A.Item, ind: string, ctx: Ctx): string {
  switch (it.kind) {
    case "Model": return `model ${it.name.name}${it.description ? " " + escapeString(it.description.value) : ""}`;
    case "Use": return `use ${escapeString(it.path.value)}`;
    case "Param": {
      const range = it.range ? ` in ${expr(it.range.lo)}..${expr(it.range.hi)}` : "";
      return headed(`param ${it.name.name}: ${paramType(it.type)}${range} =`, it.default, ind);
    }
    case "Data": return headed(`data ${it.bindings.map(binding).join(", ")} =`, it.source, ind);
    case "Latent": return headed(`latent ${it.name.name} ~`, it.dist, ind);
    case "Weights":
      return `weights ${it.name.name}: ${type(it.type)}${it.init ? " init " + expr(it.init) : ""}${it.constrain ? " constrain " + expr(it.constrain) : ""}${it.fixed ? " fixed" : ""}`;
    case "Let": return headed(`let ${it.name.name} =`, it.value, ind);
    case "Network":
      return headed(`${it.role} ${it.name.name}(${it.params.map(binding).join(", ")}) -> ${type(it.returns)} =`, it.body, ind);
    case "Loss": return headed(`loss ${it.name.name} =`, it.value, ind);
    case "Update": {
      const targets = it.targets.map((t) => (t.member ? `${t.name.name}.${t.member.name}` : t.name.name)).join(", ");
      return `update ${it.name.name}: ${targets} ${it.direction} ${it.loss.name} with ${expr(it.optimizer)}${it.every ? " every " + expr(it.every) : ""}${it.constrain ? " constrain " + expr(it.constrain) : ""}`;
    }
    case "Train": return block("train", it.settings.map((s) => `${s.name.name} ${expr(s.value)}`), ind);
    case "Evaluate":
      return block(`evaluate${it.every ? ` every ${expr(it.every)} steps` : ""}`, it.metrics.map((m) => expr(m)), ind);
    case "When": return whenBlock(it, ind, ctx);
  }
}

// ---------- comments ----------

interface Ctx {
  comments: A.Comment[];
  used: Set<A.Comment>;
  elseOffsets: number[]; // offsets of `else` keyword tokens
}

function take(ctx: Ctx, pred: (c: A.Comment) => boolean): A.Comment[] {
  const out = ctx.comments.filter((c) => !ctx.used.has(c) && pred(c));
  for (const c of out) ctx.used.add(c);
  return out;
}

function commentText(c: A.Comment): string {
  return c.text.startsWith("//") ? c.text.trimEnd() : c.text;
}

function whenBlock(w: A.WhenBlock, ind: string, ctx: Ctx): string {
  const inner = ind + IND;
  const thenStart = w.cond.span.end.offset;
  const afterThen = w.then.length ? w.then[w.then.length - 1].span.end.offset : thenStart;
  const elseOff = w.else ? ctx.elseOffsets.find((o) => o >= afterThen && o < w.span.end.offset) ?? afterThen : w.span.end.offset;
  const thenBody = items(w.then, inner, ctx, thenStart, elseOff);
  let s = `when ${expr(w.cond)} {\n${thenBody}${ind}}`;
  if (w.else) s += ` else {\n${items(w.else, inner, ctx, elseOff, w.span.end.offset)}${ind}}`;
  return s;
}

/** Print the items of a region [from, to) with their comments; each line ends with "\n". */
function items(list: A.Item[], ind: string, ctx: Ctx, from: number, to: number): string {
  let out = "";
  let prevEndLine = -1;
  const emit = (text: string, startLine: number, endLine: number) => {
    if (prevEndLine >= 0 && startLine - prevEndLine > 1) out += "\n";
    out += text
      .split("\n")
      // Continuation lines already carry their absolute indentation (and block comments stay verbatim).
      .map((l, i) => (i === 0 ? ind + l : l))
      .join("\n")
      .replace(/^\s+$/gm, "") + "\n";
    prevEndLine = endLine;
  };
  for (const it of list) {
    for (const c of take(ctx, (c) => c.span.start.offset >= from && c.span.start.offset < it.span.start.offset)) {
      emit(commentText(c), c.span.start.line, c.span.end.line);
    }
    // Comments inside the declaration (except nested when-blocks, which place their own) go just above it.
    armComments = new Map();
    const m = topMatch(it);
    if (m) {
      // Own-line comments just before an arm stay with that arm.
      let prevEnd = m.scrutinee.span.end.offset;
      for (const a of m.arms) {
        const cs = take(ctx, (c) => c.span.start.offset > prevEnd && c.span.start.offset < a.span.start.offset);
        if (cs.length) armComments.set(a, cs);
        prevEnd = a.span.end.offset;
      }
    }
    const inner = it.kind === "When"
      ? take(ctx, (c) => c.span.start.offset > it.span.start.offset && c.span.start.offset < it.cond.span.end.offset)
      : take(ctx, (c) => c.span.start.offset > it.span.start.offset && c.span.start.offset < it.span.end.offset);
    let first = true;
    for (const c of inner) {
      emit(commentText(c), first ? it.span.start.line - 1 : prevEndLine + 1, prevEndLine + 1);
      first = false;
    }
    let text = item(it, ind, ctx);
    const trailing = take(ctx, (c) => c.span.start.offset >= it.span.end.offset && c.span.start.offset < to && c.span.start.line === it.span.end.line);
    let endLine = it.span.end.line;
    for (const c of trailing) {
      text += "  " + commentText(c);
      endLine = c.span.end.line;
    }
    emit(text, inner.length ? prevEndLine + 1 : it.span.start.line, endLine);
  }
  for (const c of take(ctx, (c) => c.span.start.offset >= from && c.span.start.offset < to)) {
    emit(commentText(c), c.span.start.line, c.span.end.line);
  }
  return out;
}

/** The match expression that is a declaration's whole value, if any (its arms can carry comments). */
function topMatch(it: A.Item): A.MatchExpr | null {
  const v =
    it.kind === "Let" || it.kind === "Loss" ? it.value
    : it.kind === "Latent" ? it.dist
    : it.kind === "Data" ? it.source
    : it.kind === "Param" ? it.default
    : it.kind === "Network" ? it.body
    : null;
  return v && v.kind === "Match" ? v : null;
}

export function format(text: string, file: string): FormatResult {
  try {
    const r = parse(text, file);
    if (r.diagnostics.some((d) => d.severity === "error")) return { text: null, diagnostics: r.diagnostics };
    const elseOffsets = lex(text, file).tokens.filter((t) => t.tokenType === T.KW.else).map((t) => t.startOffset);
    const ctx: Ctx = { comments: r.spec.comments, used: new Set(), elseOffsets };
    const body = items(r.spec.items, "", ctx, 0, text.length + 1);
    // Anything not placed (should not happen) is appended rather than lost.
    const rest = ctx.comments.filter((c) => !ctx.used.has(c)).map(commentText);
    armComments = new Map();
    const out = (body + (rest.length ? rest.join("\n") + "\n" : "")).replace(/\n{3,}/g, "\n\n").replace(/^\n+/, "");
    return { text: out, diagnostics: r.diagnostics };
  } catch (err) {
    const p = { line: 1, column: 1, offset: 0 };
    return {
      text: null,
      diagnostics: [
        {
          code: "E0101",
          severity: "error",
          message: `internal formatter error: ${(err as Error)?.message ?? String(err)}`,
          span: { file, start: p, end: p },
          hints: [],
          related: [],
        },
      ],
    };
  }
}
