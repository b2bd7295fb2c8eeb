// Hover: for a declared name its declaration, the `when` branch it lives in and its checked type; for a built-in
// (or plugin) function its documentation and signatures from the one signature table; for a named argument the
// parameter it binds.
import { MarkupKind, type Hover } from "vscode-languageserver";
import type * as A from "../../grammar/ast.ts";
import { formatSignature, signatureTable, type SignatureEntry } from "../check/signatures.ts";
import type { Span } from "../../diagnostics/diagnostic.ts";
import type { Analysis } from "./analysis.ts";
import { spanHas, spanToRange } from "./positions.ts";
import { declsOf, symbolAt, type Decl } from "./symbols.ts";
import { TypeProbe } from "./types.ts";

const probes = new WeakMap<Analysis, TypeProbe>();

export function hover(a: Analysis, offset: number): Hover | null {
  const sym = symbolAt(a.index, offset);
  if (sym) {
    const decls = declsOf(a.index, sym.key);
    if (decls.length) return { contents: { kind: MarkupKind.Markdown, value: declHover(a, decls) }, range: spanToRange(sym.span) };
  }
  const word = wordAt(a.text, offset);
  if (!word) return null;
  const table = signatureTable(a.pluginEntries);
  const arg = namedArgAt(a.spec, offset);
  if (arg) {
    const entry = table.get(arg.callee);
    const p = entry?.signatures.flatMap((s) => s.params).find((x) => x.name === arg.name);
    if (entry && p) {
      const ty = p.kind === "tensor" ? (p.type ?? "Real[...s]") : p.oneOf ? p.oneOf.map((o) => `"${o}"`).join(" | ") : p.kind;
      const def = p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : "";
      const doc = p.doc ? `\n\n${p.doc}` : "";
      return { contents: { kind: MarkupKind.Markdown, value: `\`${arg.name}: ${ty}${def}\` — argument of \`${arg.callee}\`${doc}` }, range: spanToRange(arg.span) };
    }
  }
  const entry = table.get(word.text);
  if (entry) return { contents: { kind: MarkupKind.Markdown, value: entryDoc(entry) }, range: word.range };
  return null;
}

export function entryDoc(e: SignatureEntry): string {
  const sigs = e.signatures.map((s) => formatSignature(e.name, s)).join("\n");
  const from = e.plugin ? `\n\nfrom plugin \`${e.plugin}\`` : "";
  return `\`\`\`gan\n${sigs}\n\`\`\`\n${e.category}: ${e.doc}${from}`;
}

function declHover(a: Analysis, decls: Decl[]): string {
  let probe = probes.get(a);
  if (!probe) probes.set(a, (probe = new TypeProbe(a.spec, a.pluginEntries)));
  const parts: string[] = [];
  for (const d of decls) {
    const lines = [`\`\`\`gan\n${declText(a.text, d)}\n\`\`\``];
    const t = probe.typeOf(d);
    if (t) lines.push(`**${kindWord(d)}** \`${d.name}\`: ${t}`);
    else lines.push(`**${kindWord(d)}** \`${d.name}\``);
    if (d.when.length) lines.push(`in \`when ${d.when.join("\` and \`when ")}\`${t ? "" : " (not selected by the default params)"}`);
    parts.push(lines.join("\n\n"));
  }
  return parts.join("\n\n---\n\n");
}

function kindWord(d: Decl): string {
  if (d.kind === "local") return `parameter of ${d.network?.name.name ?? "a network"}`;
  if (d.kind === "enumMember") return "enum member";
  if (d.kind === "network" && d.item?.kind === "Network") return d.item.role;
  return d.kind;
}

/** The declaration's source, shortened to its head: a network's signature, a binding, the first line otherwise. */
function declText(text: string, d: Decl): string {
  const src = (s: Span) => text.slice(s.start.offset, s.end.offset);
  const it = d.item;
  if (d.kind === "local" && d.binding) return `${d.binding.name.name}: ${src(d.binding.type.span)}`;
  if (d.kind === "data" && d.binding) return `data ${d.binding.name.name}: ${src(d.binding.type.span)}`;
  if (it?.kind === "Network") return `${it.role} ${it.name.name}(${it.params.map((p) => src(p.span)).join(", ")}) -> ${src(it.returns.span)}`;
  const s = it ? src(it.span) : d.name;
  const first = s.split(/\r?\n/)[0]!;
  return first.length < s.length ? `${first} ...` : first;
}

/** `name=` of a call argument under `offset`, with the callee's name. */
function namedArgAt(spec: A.Spec, offset: number): { callee: string; name: string; span: Span } | null {
  let found: { callee: string; name: string; span: Span } | null = null;
  const visit = (v: unknown): void => {
    if (found || !v || typeof v !== "object") return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    const n = v as { kind?: string; span?: Span };
    if (n.span && n.kind !== undefined && !spanHas(n.span, offset)) return;
    if (n.kind === "Call") {
      const c = v as A.Call;
      for (const arg of c.args)
        if (arg.name && spanHas(arg.name.span, offset) && c.callee.kind === "Name") {
          found = { callee: c.callee.name, name: arg.name.name, span: arg.name.span };
          return;
        }
    }
    for (const [k, x] of Object.entries(v)) if (k !== "span") visit(x);
  };
  visit(spec.items);
  return found;
}

export function wordAt(text: string, offset: number): { text: string; start: number; end: number; range: ReturnType<typeof spanToRange> } | null {
  const isWord = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
  let s = offset;
  let e = offset;
  while (s > 0 && isWord(text[s - 1])) s--;
  while (isWord(text[e])) e++;
  if (s === e || /[0-9]/.test(text[s]!)) return null;
  const before = text.slice(0, s);
  const line = before.split("\n").length;
  const col = s - before.lastIndexOf("\n");
  const file = "";
  const span: Span = { file, start: { line, column: col, offset: s }, end: { line, column: col + (e - s), offset: e } };
  return { text: text.slice(s, e), start: s, end: e, range: spanToRange(span) };
}
