// Shared by the fuzz test (test/fuzz/fuzz.test.ts, CI-sized) and the long runner (test/fuzz/run.ts): the bundled
// specs as seeds, a seeded mutator, a diagnostic well-formedness check, and one fuzz case through the whole
// pipeline (parse -> check -> passes -> emit -> step-IR lowering).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { lex } from "../../grammar/index.ts";
import type { Diagnostic } from "../../diagnostics/diagnostic.ts";
import { checkSource, compileSource } from "../../compiler/pipeline.ts";
import { lowerStepPlan } from "../../compiler/step/plan.ts";
import { LowerError } from "../../compiler/step/lower.ts";
import { mulberry32 } from "../../runtime/metrics/rng.ts";

const root = join(import.meta.dirname, "..", "..");
export const seeds: string[] = readdirSync(join(root, "specs"))
  .filter((f) => f.endsWith(".gan"))
  .sort()
  .map((f) => readFileSync(join(root, "specs", f), "utf8"));

/** a seeded uniform [0, 1) source for test data (the metrics' mulberry32) */
export function rng(seed: number): () => number {
  const r = mulberry32(seed);
  return () => r.uniform();
}

const SNIPPETS = ["(", ")", "{", "}", "[", "]", ",", ";", "=", "|>", "E[", "match", "if", "else", '"', "/*", "*/", "//", "..", "->", "=>", "_", "\n", "1e", "\\", "#", "\u0000", "\u00e9", "\r"];

const tokCache = new Map<string, ReturnType<typeof lex>["tokens"]>();

/** 1-4 edits of one kind: delete a run, insert a snippet, swap two tokens, insert random bytes, duplicate a slice */
export function mutate(src: string, r: () => number): string {
  let toks = tokCache.get(src);
  if (!toks) tokCache.set(src, (toks = lex(src, "m.gan").tokens));
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const kind = Math.floor(r() * 5);
  const n = 1 + Math.floor(r() * 4);
  let s = src;
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (s.length + 1));
    if (kind === 0) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20)); // delete a run
    else if (kind === 1) s = s.slice(0, at) + pick(SNIPPETS) + s.slice(at); // insert a snippet
    else if (kind === 2 && toks.length > 2) {
      // swap two tokens' texts
      const a = pick(toks);
      const b = pick(toks);
      if (a.startOffset < b.startOffset && a.endOffset! < b.startOffset)
        s = src.slice(0, a.startOffset) + b.image + src.slice(a.endOffset! + 1, b.startOffset) + a.image + src.slice(b.endOffset! + 1);
    } else if (kind === 3) {
      // random bytes
      let junk = "";
      for (let i = 0; i < 1 + r() * 8; i++) junk += String.fromCharCode(Math.floor(r() * 256));
      s = s.slice(0, at) + junk + s.slice(at);
    } else {
      // duplicate a slice
      const len = Math.floor(r() * 60);
      s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
    }
  }
  return s;
}

/** What is wrong with `diags` for input `text` of `file`: a missing code, message or span, or a span outside the
 * input (empty when all are well formed). */
export function diagnosticProblems(text: string, file: string, diags: readonly Diagnostic[]): string[] {
  const out: string[] = [];
  for (const d of diags) {
    const where = `${d?.code} ${JSON.stringify(d?.message)}`;
    if (typeof d?.code !== "string" || !/^[EW]\d{4}$/.test(d.code)) out.push(`bad code: ${where}`);
    if (typeof d?.message !== "string" || d.message.length === 0) out.push(`empty message: ${where}`);
    const sp = d?.span;
    if (!sp || !sp.start || !sp.end) {
      out.push(`no span: ${where}`);
      continue;
    }
    if (sp.file !== file) out.push(`span in file ${JSON.stringify(sp.file)}: ${where}`);
    const { start, end } = sp;
    if (!(start.line >= 1 && start.column >= 1 && start.offset >= 0)) out.push(`bad span start ${JSON.stringify(start)}: ${where}`);
    if (!(end.offset >= start.offset && end.offset <= text.length)) out.push(`bad span end ${JSON.stringify(end)} (input ${text.length}): ${where}`);
  }
  return out;
}

export interface CaseResult {
  /** E0799 diagnostics (an internal error of a phase, caught by the pipeline) */
  internal: string[];
  /** exceptions that escaped (checkSource, compileSource or lowerStepPlan threw something other than a LowerError) */
  aborts: string[];
  /** malformed diagnostics */
  bad: string[];
  /** the input checked without errors */
  clean: boolean;
  compiled: boolean;
  lowered: boolean;
}

const msg = (e: unknown) => (e instanceof Error ? `${e.message}\n${e.stack?.split("\n").slice(1, 6).join("\n")}` : String(e));

/** One input through checkSource, then (when it checks clean and `compile`) compileSource, then lowerStepPlan. */
export async function pipelineCase(text: string, file: string, opts: { compile: boolean }): Promise<CaseResult> {
  const res: CaseResult = { internal: [], aborts: [], bad: [], clean: false, compiled: false, lowered: false };
  const look = (diags: readonly Diagnostic[]) => {
    res.bad.push(...diagnosticProblems(text, file, diags));
    for (const d of diags) if (d.code === "E0799") res.internal.push(d.message);
  };
  let c;
  try {
    c = checkSource(text, file);
  } catch (e) {
    res.aborts.push(`checkSource threw: ${msg(e)}`);
    return res;
  }
  look(c.diagnostics);
  if (c.ir === null) return res;
  res.clean = true;
  if (opts.compile) {
    try {
      const r = await compileSource(text, file);
      res.compiled = true;
      // compileSource re-runs check: only the emitter's diagnostics are new
      look(r.diagnostics.slice(c.diagnostics.length));
    } catch (e) {
      res.aborts.push(`compileSource threw: ${msg(e)}`);
    }
  }
  try {
    lowerStepPlan(c.ir);
    res.lowered = true;
  } catch (e) {
    if (!(e instanceof LowerError)) res.aborts.push(`lowerStepPlan threw: ${msg(e)}`);
  }
  return res;
}
