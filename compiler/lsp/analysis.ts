// One analysis of one document version: the same front end and checker as `ganc check` (parse, plugins from `use`,
// check with the signature table), plus the diagnostics of the `when` branches the default params do not select,
// each marked with the params that select it. Never throws.
import { parse } from "../../grammar/index.ts";
import type * as A from "../../grammar/ast.ts";
import { checkSourceWithPlugins } from "../plugins/compile.ts";
import { diagnostic, isCliFile, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { IRProgram } from "../ir/ir.ts";
import type { SignatureEntry } from "../check/signatures.ts";
import { buildIndex, type SymbolIndex } from "./symbols.ts";

export interface Variant {
  /** params set away from their defaults, e.g. { dataset: "fashion" } */
  overrides: Record<string, string>;
}

export interface LspDiagnostic {
  d: Diagnostic;
  /** the params that select the branch this diagnostic comes from; absent for the default params */
  when?: Record<string, string>;
}

export interface Analysis {
  version: number;
  text: string;
  file: string;
  spec: A.Spec;
  index: SymbolIndex;
  diagnostics: LspDiagnostic[];
  ir: IRProgram | null;
  /** plugin losses loaded for this document (the checker's table for hover and completion) */
  pluginEntries: SignatureEntry[];
}

/** At most this many extra checks per analysis: a spec with many `when` params must not make typing slow. */
const MAX_VARIANTS = 15;

export async function analyze(text: string, file: string, version: number): Promise<Analysis> {
  const spec = navigationSpec(text, file);
  let index: SymbolIndex = { decls: [], refs: [] };
  try {
    index = buildIndex(spec, text);
  } catch {
    // navigation degrades to nothing; diagnostics still come
  }
  const base = await safeCheck(text, file, {});
  const diagnostics: LspDiagnostic[] = base.diagnostics.map((d) => ({ d }));
  const onlyParseErrors = base.diagnostics.some((d) => d.severity === "error" && /^E01/.test(d.code));
  if (!onlyParseErrors) {
    const seen = new Set(base.diagnostics.map(key));
    for (const v of variants(spec)) {
      const r = await safeCheck(text, file, v.overrides);
      for (const d of r.diagnostics) {
        // diagnostics about the override itself point at a `--set` pseudo-file: they are ours, not the user's
        if (isCliFile(d.span.file) || seen.has(key(d))) continue;
        seen.add(key(d));
        diagnostics.push({ d, when: v.overrides });
      }
    }
  }
  return { version, text, file, spec, index, diagnostics, ir: base.ir, pluginEntries: base.entries };
}

/** The AST that navigation, hover, outline and completion use. The parser's recovery can lose every item after a
 * half-typed line (`let q = dataset ==` at the end of a file leaves none), so when the text has syntax errors the
 * lines they are on are blanked (same length: offsets stay valid) and parsed again, keeping the richest AST. */
function navigationSpec(text: string, file: string): A.Spec {
  const empty: A.Spec = { kind: "Spec", file, items: [], comments: [], span: { file, start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } } };
  let best = empty;
  let cur = text;
  for (let round = 0; round < 4; round++) {
    let r: ReturnType<typeof parse>;
    try {
      r = parse(cur, file);
    } catch {
      break;
    }
    if (count(r.spec.items) > count(best.items)) best = r.spec;
    const errs = r.diagnostics.filter((d) => d.severity === "error");
    if (!errs.length) break;
    const src = cur.split("\n");
    const lines = new Set<number>();
    for (const d of errs) {
      const i = d.span.start.line - 1;
      lines.add(i);
      // an error at the start of a line usually belongs to the unfinished line above it
      if (src[i]?.slice(0, d.span.start.column - 1).trim() === "") {
        let j = i - 1;
        while (j >= 0 && src[j]!.trim() === "") j--;
        if (j >= 0) lines.add(j);
      }
    }
    const next = src.map((l, i) => (lines.has(i) ? l.replace(/[^\r]/g, " ") : l)).join("\n");
    if (next === cur) break;
    cur = next;
  }
  return best;
}

function count(items: A.Item[]): number {
  return items.reduce((n, it) => n + 1 + (it.kind === "When" ? count(it.then) + count(it.else ?? []) : 0), 0);
}

async function safeCheck(text: string, file: string, overrides: Record<string, string>) {
  try {
    const r = await checkSourceWithPlugins(text, file, { overrides });
    const entries = r.loaded.entries.map(({ pluginIndex: _i, implementation: _f, ...e }) => e as SignatureEntry);
    return { diagnostics: r.diagnostics, ir: r.ir, entries };
  } catch (e) {
    const at = { line: 1, column: 1, offset: 0 };
    const msg = e instanceof Error ? e.message : String(e);
    return {
      diagnostics: [diagnostic("E0799", `internal error while checking: ${msg}`, { file, start: at, end: at })],
      ir: null,
      entries: [] as SignatureEntry[],
    };
  }
}

function key(d: Diagnostic): string {
  return `${d.code}|${d.span.file}|${d.span.start.offset}|${d.span.end.offset}|${d.message}`;
}

/** The params that `when` conditions read (bool and enum params: the ones with few values), and every
 * combination of their values other than the defaults, fewest changes first, at most MAX_VARIANTS. */
export function variants(spec: A.Spec): Variant[] {
  const params = new Map<string, A.ParamDecl>();
  for (const it of spec.items) if (it.kind === "Param") params.set(it.name.name, it);
  const used: string[] = [];
  const names = (e: A.Expr | null | undefined): void => {
    if (!e) return;
    if (e.kind === "Name") {
      if (params.has(e.name) && !used.includes(e.name)) used.push(e.name);
      return;
    }
    for (const v of Object.values(e)) {
      if (v && typeof v === "object" && "kind" in v && v !== e.span) names(v as A.Expr);
      if (Array.isArray(v)) for (const x of v) if (x && typeof x === "object" && "kind" in x) names(x as A.Expr);
    }
  };
  const walk = (items: A.Item[]) => {
    for (const it of items)
      if (it.kind === "When") {
        names(it.cond);
        walk(it.then);
        if (it.else) walk(it.else);
      }
  };
  walk(spec.items);
  const domains: { name: string; values: string[]; dflt: string }[] = [];
  for (const n of used) {
    const p = params.get(n)!;
    const d = p.default;
    if (p.type.kind === "bool" && d.kind === "Bool") domains.push({ name: n, values: ["true", "false"], dflt: String(d.value) });
    else if (p.type.kind === "enum" && d.kind === "Name") domains.push({ name: n, values: p.type.members.map((m) => m.name), dflt: d.name });
  }
  // enumerate by number of changed params so that a diagnostic is attributed to the smallest selection
  const out: Variant[] = [];
  const rec = (i: number, cur: Record<string, string>, changes: number, want: number) => {
    if (out.length >= MAX_VARIANTS) return;
    if (i === domains.length) {
      if (changes === want) out.push({ overrides: { ...cur } });
      return;
    }
    const dom = domains[i]!;
    rec(i + 1, cur, changes, want);
    if (changes < want)
      for (const v of dom.values) {
        if (v === dom.dflt) continue;
        cur[dom.name] = v;
        rec(i + 1, cur, changes + 1, want);
        delete cur[dom.name];
      }
  };
  for (let k = 1; k <= domains.length && out.length < MAX_VARIANTS; k++) rec(0, {}, 0, k);
  return out;
}
