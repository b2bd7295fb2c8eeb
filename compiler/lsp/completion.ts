// Completion. The document being typed rarely parses, so the context is read from the text before the cursor
// (line start, `param x:`, a type position, an open call, a `train {` block); the candidates come from the last
// analysis (declared names, enum members) and the signature table (built-ins with their argument names).
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem } from "vscode-languageserver";
import { formatSignature, signatureTable, type SignatureEntry } from "../check/signatures.ts";
import type { Analysis } from "./analysis.ts";
import { entryDoc } from "./hover.ts";
import type { DeclKind } from "./symbols.ts";

const DECL_KEYWORDS = ["model", "use", "param", "data", "latent", "weights", "let", "generator", "discriminator", "head", "network", "block", "loss", "update", "train", "evaluate", "when", "else"];
const EXPR_KEYWORDS = ["if", "then", "else", "match", "repeat", "E", "true", "false", "and", "or", "not", "with", "every", "steps", "minimizes", "maximizes", "init", "constrain", "in"];
const PARAM_TYPES = ["int", "real", "bool", "string", "enum"];
const TYPE_NAMES = ["Real", "Image", "Logit", "Prob", "Simplex", "Index"];
// game.ts's train settings (kept in sync by test/lsp/server.test.ts's completion case)
const TRAIN_SETTINGS = ["batch", "steps", "epochs", "schedule", "seed", "log_every", "checkpoint_every"];

const declKind: Record<DeclKind, CompletionItemKind> = {
  model: CompletionItemKind.Module,
  param: CompletionItemKind.Constant,
  data: CompletionItemKind.Field,
  latent: CompletionItemKind.Variable,
  weights: CompletionItemKind.Variable,
  let: CompletionItemKind.Variable,
  network: CompletionItemKind.Function,
  loss: CompletionItemKind.Event,
  update: CompletionItemKind.Method,
  local: CompletionItemKind.Variable,
  enumMember: CompletionItemKind.EnumMember,
};

export function complete(a: Analysis, text: string, offset: number): CompletionItem[] {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  const line = before.slice(lineStart);
  const prefix = /[A-Za-z_][A-Za-z0-9_]*$/.exec(line)?.[0] ?? "";
  const head = line.slice(0, line.length - prefix.length);
  if (inCommentOrString(before)) return [];
  const table = signatureTable(a.pluginEntries);
  const kw = (words: readonly string[], sort = "1") =>
    words.map((w): CompletionItem => ({ label: w, kind: CompletionItemKind.Keyword, sortText: `${sort}${w}` }));

  if (/^\s*param\s+[A-Za-z_][A-Za-z0-9_]*\s*:\s*$/.test(head)) return kw(PARAM_TYPES);
  // a type: after `name:` inside a binding list or data declaration, or after `->`
  if (/(->\s*|[(,]\s*[A-Za-z_][A-Za-z0-9_]*\s*:\s*|^\s*(data|weights)\s+[^=]*:\s*)$/.test(head))
    return TYPE_NAMES.map((t) => ({ label: t, kind: CompletionItemKind.TypeParameter, sortText: `1${t}` }));
  if (/^\s*$/.test(head) && enclosingBlock(before) === "train")
    return TRAIN_SETTINGS.map((s) => ({ label: s, kind: CompletionItemKind.Property, sortText: `1${s}` }));

  const items: CompletionItem[] = [];
  // declarations start a line at top level or in `when` branches, not inside `evaluate { }` or `repeat N { }`
  const inBlock = enclosingBlock(before);
  if (/^\s*$/.test(head) && inBlock !== "evaluate" && inBlock !== "repeat") items.push(...kw(DECL_KEYWORDS, "0"));
  const call = openCall(before.slice(0, before.length - prefix.length));
  if (call) {
    const entry = table.get(call);
    // an optimizer's `schedule=` value: the schedules alone, each with its arguments
    if (entry?.category === "optimizer" && /\bschedule\s*=\s*$/.test(head)) return scheduleItems(table);
    if (entry) items.push(...argNames(entry));
  }
  const enumPreferred = enumContext(head, before, a);
  const seen = new Set<string>();
  for (const d of a.index.decls) {
    if (d.kind === "model" || d.kind === "update" || d.kind === "local" || seen.has(d.name)) continue;
    seen.add(d.name);
    const pri = d.kind === "enumMember" && enumPreferred?.includes(d.name) ? "0" : "2";
    items.push({ label: d.name, kind: declKind[d.kind], detail: d.kind === "enumMember" ? "enum member" : d.kind, sortText: `${pri}${d.name}` });
  }
  // a network's own parameters, when the cursor is in its body
  for (const d of a.index.decls)
    if (d.kind === "local" && d.network && d.network.span.start.offset <= offset && offset <= d.network.span.end.offset + 1 && !seen.has(d.name)) {
      seen.add(d.name);
      items.push({ label: d.name, kind: CompletionItemKind.Variable, detail: `parameter of ${d.network.name.name}`, sortText: `1${d.name}` });
    }
  for (const e of table.values()) {
    if (seen.has(e.name)) continue;
    items.push({
      label: e.name,
      kind: e.category === "loss" || e.category === "function" || e.category === "activation" ? CompletionItemKind.Function : CompletionItemKind.Constructor,
      detail: formatSignature(e.name, e.signatures[0]!),
      documentation: { kind: MarkupKind.Markdown, value: entryDoc(e) },
      sortText: `3${e.name}`,
    });
  }
  items.push(...kw(EXPR_KEYWORDS, "4"));
  return items;
}

/** The learning-rate schedules of the signature table (category "schedule"), for an optimizer's `schedule=`: the
 * signature with every argument as the detail, a snippet with the required arguments as tab stops. */
function scheduleItems(table: Map<string, SignatureEntry>): CompletionItem[] {
  const out: CompletionItem[] = [];
  for (const e of table.values()) {
    if (e.category !== "schedule") continue;
    const sig = e.signatures[0]!;
    const required = sig.params.filter((p) => p.default === undefined);
    out.push({
      label: e.name,
      kind: CompletionItemKind.Function,
      detail: formatSignature(e.name, sig),
      documentation: { kind: MarkupKind.Markdown, value: entryDoc(e) },
      insertText: `${e.name}(${required.map((p, i) => `${p.name}=\${${i + 1}}`).join(", ")})$0`,
      insertTextFormat: InsertTextFormat.Snippet,
      sortText: `0${e.name}`,
    });
  }
  return out;
}

/** `lr=`, `beta1=` ... for a call of `entry`: every parameter name over all its signatures, with its type. */
function argNames(entry: SignatureEntry): CompletionItem[] {
  const out: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const s of entry.signatures)
    for (const p of s.params) {
      if (seen.has(p.name)) continue;
      seen.add(p.name);
      const ty = p.kind === "tensor" ? (p.type ?? "Real[...s]") : p.oneOf ? p.oneOf.map((o) => `"${o}"`).join(" | ") : p.kind;
      out.push({
        label: `${p.name}=`,
        kind: CompletionItemKind.Field,
        detail: `${p.name}: ${ty}${p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : ""}`,
        documentation: p.doc,
        insertText: `${p.name}=$0`,
        insertTextFormat: InsertTextFormat.Snippet,
        filterText: p.name,
        sortText: `0${p.name}`,
      });
    }
  return out;
}

/** The members of the enum param compared or matched just before the cursor (`dataset == `, `match mode {`). */
function enumContext(head: string, before: string, a: Analysis): string[] | null {
  const name = /([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=)\s*$/.exec(head)?.[1] ?? /\bmatch\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(innermostBlock(before)?.lead ?? "")?.[1];
  if (!name) return null;
  const p = a.index.decls.find((d) => d.kind === "param" && d.name === name)?.item;
  return p?.kind === "Param" && p.type.kind === "enum" ? p.type.members.map((x) => x.name) : null;
}

/** The name of the innermost call whose `(` is still open before the cursor, or null. */
function openCall(before: string): string | null {
  let depth = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const c = before[i];
    if (c === ")") depth++;
    else if (c === "(") {
      if (depth === 0) return /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(before.slice(0, i))?.[1] ?? null;
      depth--;
    } else if (c === "\n" && depth === 0 && /\n\s*\n$/.test(before.slice(0, i + 1))) return null; // a blank line ends any call
  }
  return null;
}

/** The innermost unclosed `{` block before the cursor: its keyword (train, evaluate, when, else, enum, match, repeat)
 * and the text before the `{` on its line; null at top level. */
function innermostBlock(before: string): { word: string; lead: string } | null {
  const stack: { word: string; lead: string }[] = [];
  const src = stripCommentsAndStrings(before);
  for (let i = 0; i < src.length; i++) {
    if (src[i] === "{") {
      const lead = src.slice(Math.max(0, src.lastIndexOf("\n", i - 1) + 1), i);
      const word = /\b(train|evaluate|when|else|enum|match|repeat)\b/.exec(lead)?.[1] ?? "block";
      stack.push({ word, lead });
    } else if (src[i] === "}") stack.pop();
  }
  return stack.at(-1) ?? null;
}

function enclosingBlock(before: string): string | null {
  return innermostBlock(before)?.word ?? null;
}

function stripCommentsAndStrings(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"/g, (m) => m.replace(/[^\n]/g, " "));
}

/** Is the end of `before` inside a comment or a string? (a small scanner of the lexer's comment/string rules) */
function inCommentOrString(before: string): boolean {
  let state: "code" | "line" | "block" | "string" = "code";
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    const n = before[i + 1];
    if (state === "code") {
      if (c === "/" && n === "/") state = "line";
      else if (c === "/" && n === "*") (state = "block"), i++;
      else if (c === '"') state = "string";
    } else if (state === "line") {
      if (c === "\n") state = "code";
    } else if (state === "block") {
      if (c === "*" && n === "/") (state = "code"), i++;
    } else if (c === "\\") i++;
    else if (c === '"' || c === "\n") state = "code";
  }
  return state !== "code";
}
