// One analysis of one document version: the same front end and checker as `ganc check` (parse, plugins from `use`,
// check with the signature table), plus the diagnostics of the `when` branches the default params do not select,
// each marked with the params that select it. Never throws.
import { parse } from "../../grammar/index.ts";
import type * as A from "../../grammar/ast.ts";
import { checkSourceWithPlugins } from "../plugins/compile.ts";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.ts";
import { checkVariants } from "../check/variants.ts";
import type { IRProgram } from "../ir/ir.ts";
import type { SignatureEntry } from "../check/signatures.ts";
import { buildIndex, type SymbolIndex } from "./symbols.ts";

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
  // the variants the params select, and the merging of their diagnostics, are `ganc check`'s (compiler/check/variants.ts)
  const r = await checkVariants(spec, (overrides) => safeCheck(text, file, overrides), { cap: MAX_VARIANTS, capWarning: false });
  const base = r.base;
  const diagnostics: LspDiagnostic[] = r.diagnostics.map(({ variant, ...d }) => (variant ? { d, when: variant } : { d }));
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
