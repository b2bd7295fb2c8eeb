// parse(text, file): lex, turn malformed lexemes into diagnostics, parse with recovery, never throw.
import type { IRecognitionException, IToken } from "chevrotain";
import { EOF, tokenMatcher } from "./chevrotain.ts";
import * as T from "./lexer.ts";
import { getParser, NestingTooDeep } from "./parser.ts";
import type { Comment, Expr, Item, Spec } from "./ast.ts";
import { diagnostic, type Diagnostic, type Position, type Span } from "../diagnostics/diagnostic.ts";

export interface ParseResult {
  spec: Spec;
  diagnostics: Diagnostic[];
}

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  diagnostics: Diagnostic[];
}

function tokSpan(t: IToken, file: string): Span {
  return {
    file,
    start: { line: t.startLine!, column: t.startColumn!, offset: t.startOffset },
    end: { line: t.endLine!, column: t.endColumn! + 1, offset: t.endOffset! + 1 },
  };
}

/** Position of `offset` in `text` (1-based line/column, UTF-16 columns). */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      col = 1;
    } else if (c !== 13) col++;
    else col++;
  }
  return { line, column: col, offset: Math.min(offset, text.length) };
}

/** Lex `text`; malformed tokens are reported and replaced by their well-formed counterparts (or dropped). */
export function lex(text: string, file: string): LexResult {
  const diagnostics: Diagnostic[] = [];
  const r = T.ganLexer.tokenize(text);
  for (const e of r.errors) {
    const bad = text.slice(e.offset, e.offset + e.length);
    const start: Position = { line: e.line ?? 1, column: e.column ?? 1, offset: e.offset };
    // Skipped characters never include line breaks (whitespace is a token), so the end is on the same line.
    const end: Position = { line: start.line, column: start.column + e.length, offset: e.offset + e.length };
    const shown = bad.length > 20 ? bad.slice(0, 20) + "..." : bad;
    const hints: string[] = [];
    if (bad.startsWith("#")) hints.push("comments are written `// ...` or `/* ... */`");
    diagnostics.push(
      diagnostic("E0106", `invalid character${bad.length > 1 ? "s" : ""} ${JSON.stringify(shown)}`, { file, start, end }, { hints }),
    );
  }
  const tokens: IToken[] = [];
  for (const t of r.tokens) {
    if (t.tokenType === T.UnterminatedComment) {
      diagnostics.push(
        diagnostic("E0105", "unterminated block comment", tokSpan(t, file), { hints: ["close the comment with `*/`"] }),
      );
      continue;
    }
    if (t.tokenType === T.UnterminatedString) {
      diagnostics.push(
        diagnostic("E0104", "unterminated string", tokSpan(t, file), {
          hints: ['close the string with `"` on the same line'],
        }),
      );
      tokens.push({ ...t, tokenType: T.StringLit, tokenTypeIdx: T.StringLit.tokenTypeIdx!, unterminated: true } as IToken);
      continue;
    }
    if (t.tokenType === T.InvalidNumber) {
      diagnostics.push(
        diagnostic("E0107", `invalid number ${JSON.stringify(t.image)}`, tokSpan(t, file), {
          hints: ["numbers are written `12`, `0.5`, `2e-4` or `1.5E3`; separate a number from a name with a space"],
        }),
      );
      tokens.push({ ...t, tokenType: T.NumberLit, tokenTypeIdx: T.NumberLit.tokenTypeIdx!, image: "0" } as IToken);
      continue;
    }
    tokens.push(t);
  }
  return { tokens, comments: (r.groups.comments ?? []) as IToken[], diagnostics };
}

function emptySpec(text: string, file: string, comments: Comment[]): Spec {
  return {
    kind: "Spec",
    file,
    items: [],
    comments,
    span: { file, start: { line: 1, column: 1, offset: 0 }, end: positionAt(text, text.length) },
  };
}

function errorSpan(e: IRecognitionException, file: string, text: string, fallback: IToken | undefined): Span {
  const t = e.token;
  const prevTok = (e as { previousToken?: IToken }).previousToken;
  const prevReal = prevTok && prevTok.tokenType !== EOF && Number.isFinite(prevTok.startOffset);
  // Something missing at the end of a line: point just after the last good token (rustc style), not at the
  // first token of the next line.
  if (t && t.tokenType !== EOF && prevReal && t.startLine! > prevTok!.endLine! && e.name !== "NotAllInputParsedException") {
    const p: Position = { line: prevTok!.endLine!, column: prevTok!.endColumn! + 1, offset: prevTok!.endOffset! + 1 };
    return { file, start: p, end: p };
  }
  if (t && t.tokenType !== EOF && Number.isFinite(t.startOffset)) return tokSpan(t, file);
  // At EOF: point just after the last real token (where the missing thing should go).
  const prev = (e as { previousToken?: IToken }).previousToken ?? fallback;
  if (prev && prev.tokenType !== EOF && Number.isFinite(prev.startOffset)) {
    const p: Position = { line: prev.endLine!, column: prev.endColumn! + 1, offset: prev.endOffset! + 1 };
    return { file, start: p, end: p };
  }
  const p = positionAt(text, text.length);
  return { file, start: p, end: p };
}

export function parse(text: string, file: string): ParseResult {
  try {
    return parseUnsafe(text, file);
  } catch (err) {
    // Should not happen; the front end must never crash the compiler. Report it as a diagnostic at the start.
    const p = { line: 1, column: 1, offset: 0 };
    const e = err instanceof RangeError ? "nesting too deep (the parser ran out of stack)" : `internal parser error: ${(err as Error)?.message ?? String(err)}`;
    return {
      spec: emptySpec(typeof text === "string" ? text : "", file, []),
      diagnostics: [diagnostic(err instanceof RangeError ? "E0109" : "E0101", e, { file, start: p, end: p })],
    };
  }
}

function parseUnsafe(text: string, file: string): ParseResult {
  const lexed = lex(text, file);
  const diagnostics = [...lexed.diagnostics];
  const comments: Comment[] = lexed.comments.map((c) => ({ text: c.image, span: tokSpan(c, file) }));
  const parser = getParser();
  parser.setInput(lexed.tokens, file, text);
  let items;
  try {
    items = parser.spec();
  } catch (err) {
    if (err instanceof NestingTooDeep || err instanceof RangeError) {
      const tok = err instanceof NestingTooDeep ? err.token : undefined;
      const span =
        tok && tok.tokenType !== EOF && Number.isFinite(tok.startOffset)
          ? tokSpan(tok, file)
          : { file, start: positionAt(text, 0), end: positionAt(text, 0) };
      diagnostics.push(
        diagnostic("E0109", "expression nested too deeply", span, {
          hints: ["split the expression with `let` bindings"],
        }),
      );
      parser.reset();
      return { spec: emptySpec(text, file, comments), diagnostics };
    }
    throw err;
  }
  for (const e of parser.errors) {
    const span = errorSpan(e, file, text, lexed.tokens[lexed.tokens.length - 1]);
    const atEof = !e.token || e.token.tokenType === EOF;
    const code = atEof ? "E0103" : e.name === "MismatchedTokenException" ? "E0102" : "E0101";
    const hints: string[] = [];
    const stack = e.context?.ruleStack ?? [];
    if (stack.includes("setting") && e.token?.tokenType === T.Equals) {
      hints.push("train settings are written `name value` without \"=\", e.g. `batch 64`");
    }
    if (stack[stack.length - 1] === "matchExpr" && e.token?.tokenType === T.Identifier) {
      hints.push('separate match arms with ","');
    }
    // a keyword where a name was expected: `network E(...)`, `param in: ...`
    if (!atEof && e.token && tokenMatcher(e.token, T.Keyword) && /expected a name/.test(e.message)) {
      hints.push(`\`${e.token.image}\` is a keyword of the language${e.token.image === "E" ? " (E[...] is the expectation)" : ""}; choose another name`);
    }
    if (atEof) hints.push("the file ends before this construct is complete");
    diagnostics.push(diagnostic(code, atEof ? e.message.replace(/found end of input$/, "found end of input") : e.message, span, { hints }));
  }
  for (const x of parser.extraErrors) diagnostics.push(diagnostic(x.code, x.message, x.span, { hints: x.hints }));
  // Flat chains (`a + b + ...`, `x |> f |> ...`, `x.a.b...`) are parsed by loops into left-deep trees that every
  // later phase walks recursively: cap the height of each declaration's syntax tree (E0111); an item that is too
  // deep is dropped, so no later walk ever sees it.
  const kept: Item[] = [];
  for (const it of items ?? []) {
    const deep = tooDeep(it);
    if (deep === null) {
      kept.push(it);
      continue;
    }
    diagnostics.push(
      diagnostic("E0111", `expression too long: more than ${MAX_EXPR_HEIGHT} levels deep`, deep, {
        hints: [
          `each operand of a flat chain (\`a + b + ...\`) and each stage of a pipeline (\`x |> f |> ...\`) is a level`,
          "split the expression with `let` bindings, or use a layer that repeats (e.g. `mlp([...])`)",
        ],
      }),
    );
  }
  const spec: Spec = {
    kind: "Spec",
    file,
    items: kept,
    comments,
    span: { file, start: { line: 1, column: 1, offset: 0 }, end: positionAt(text, text.length) },
  };
  diagnostics.sort((a, b) => a.span.start.offset - b.span.start.offset);
  return { spec, diagnostics };
}

/** Most levels one declaration's syntax tree may have (a chain of n operands has n levels). Later phases walk the
 *  tree recursively; this keeps them far below the JS stack limit. */
export const MAX_EXPR_HEIGHT = 1000;

/**
 * Iteratively computes the height of `item`'s expression trees (expression nodes count one level each; other nodes,
 * arrays and spans are transparent).
 * Returns null when it is at most MAX_EXPR_HEIGHT, else the span to report: the part of the chain that first
 * exceeds the limit (the operand or postfix after the MAX_EXPR_HEIGHT-th level).
 */
export function tooDeep(item: Item): Span | null {
  const height = new Map<object, number>();
  // explicit post-order: [node, childrenPushed]
  const stack: [object, boolean][] = [[item, false]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, expanded] = top;
    const kids = childNodes(node);
    if (!expanded) {
      top[1] = true;
      for (const k of kids) if (!height.has(k)) stack.push([k, false]);
      continue;
    }
    stack.pop();
    let h = 0;
    for (const k of kids) h = Math.max(h, height.get(k) ?? 0);
    if (EXPR_KINDS.has((node as { kind?: unknown }).kind as string)) h += 1;
    height.set(node, h);
    if (h > MAX_EXPR_HEIGHT) return overflowSpan(node as Expr);
  }
  return null;
}

const EXPR_KINDS = new Set<string>([
  "Number", "String", "Bool", "Name", "List", "Unary", "Binary", "Call", "Index", "Member", "Expect", "Pipe", "If", "Match", "Repeat", "Error",
] satisfies Expr["kind"][]);

function childNodes(node: object): object[] {
  const out: object[] = [];
  for (const [key, v] of Object.entries(node)) {
    if (key === "span" || v === null || typeof v !== "object") continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === "object") out.push(x as object);
    } else out.push(v as object);
  }
  return out;
}

function overflowSpan(e: Expr): Span {
  switch (e.kind) {
    case "Binary":
    case "Pipe":
      return e.right.span;
    case "Call":
    case "Index":
    case "Member": {
      const inner = e.kind === "Call" ? e.callee : e.target;
      return { file: e.span.file, start: inner.span.end, end: e.span.end };
    }
    default:
      return e.span;
  }
}
