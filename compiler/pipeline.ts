// The compiler pipeline: parse -> check -> passes -> emit. The CLI uses only this module. Nothing here throws:
// every failure (unreadable file, internal error of a phase) becomes a diagnostic.

import { parse } from "../grammar/index.ts";
import { check } from "./check/index.ts";
import { runPasses } from "./passes/index.ts";
import { diagnostic, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { Spec } from "../grammar/ast.ts";
import type { IRProgram } from "./ir/ir.ts";
import { fileSpan, readSpecFile } from "./source-file.ts";

export interface PipelineOptions {
  /** `--set name=value` overrides, as written on the command line */
  overrides?: Record<string, string>;
  /** plugin module paths given with `--plugin` */
  plugins?: string[];
  /** module specifier the generated trainer imports the runtime from (default "ganc/runtime") */
  runtimeImport?: string;
}

export interface CheckResult {
  ast: Spec | null;
  ir: IRProgram | null;
  diagnostics: Diagnostic[];
}

export interface CompileResult extends CheckResult {
  ts: string | null;
}

/** A span covering the start of `file`, for diagnostics about the file as a whole. */
export { fileSpan, readSpecFile } from "./source-file.ts";

function internalError(file: string, phase: string, e: unknown): Diagnostic {
  const msg = e instanceof Error ? e.message : String(e);
  return diagnostic("E0799", `internal compiler error in ${phase}: ${msg}`, fileSpan(file), {
    hints: ["this is a bug in ganc; please report it with the spec that triggers it"],
  });
}

/** parse -> check -> passes. Stops before `check` when parsing reported errors. */
export function checkSource(text: string, file: string, opts: PipelineOptions = {}): CheckResult {
  const diagnostics: Diagnostic[] = [];
  let ast: Spec | null = null;
  try {
    const p = parse(text, file);
    ast = p.spec;
    diagnostics.push(...p.diagnostics);
  } catch (e) {
    return { ast: null, ir: null, diagnostics: [...diagnostics, internalError(file, "the parser", e)] };
  }
  if (hasErrors(diagnostics) || ast === null) return { ast, ir: null, diagnostics };

  let ir: IRProgram | null = null;
  try {
    // plugins are loaded (and their signatures registered) by compiler/plugins/compile.ts around this call
    const c = check(ast, { overrides: opts.overrides ?? {} });
    ir = c.ir;
    diagnostics.push(...c.diagnostics);
  } catch (e) {
    return { ast, ir: null, diagnostics: [...diagnostics, internalError(file, "the checker", e)] };
  }
  if (hasErrors(diagnostics) || ir === null) return { ast, ir: null, diagnostics };

  try {
    ir = runPasses(ir);
  } catch (e) {
    return { ast, ir: null, diagnostics: [...diagnostics, internalError(file, "the IR passes", e)] };
  }
  return { ast, ir: hasErrors(diagnostics) ? null : ir, diagnostics };
}

/** parse -> check -> passes -> emit. `ts` is the formatted trainer module, or null on errors. */
export async function compileSource(text: string, file: string, opts: PipelineOptions = {}): Promise<CompileResult> {
  const c = checkSource(text, file, opts);
  if (c.ir === null) return { ...c, ts: null };
  try {
    // loaded on demand: ts-morph and prettier are heavy and `ganc check` never needs them
    const { emit } = await import("./emit/index.ts");
    const e = await emit(c.ir, { runtimeImport: opts.runtimeImport });
    const diagnostics = [...c.diagnostics, ...e.diagnostics];
    return { ...c, diagnostics, ts: hasErrors(e.diagnostics) ? null : e.code };
  } catch (err) {
    return { ...c, ts: null, diagnostics: [...c.diagnostics, internalError(file, "the emitter", err)] };
  }
}

/** Reads `path` and compiles it. An unreadable file is diagnostic E0701 naming the path. */
export async function compileFile(path: string, opts: PipelineOptions = {}): Promise<CompileResult> {
  const s = readSpecFile(path);
  if ("diagnostic" in s) return { ast: null, ir: null, ts: null, diagnostics: [s.diagnostic] };
  return compileSource(s.text, path, opts);
}

/** Like compileFile but stops after the passes (for `ganc check`). */
export function checkFile(path: string, opts: PipelineOptions = {}): CheckResult {
  const s = readSpecFile(path);
  if ("diagnostic" in s) return { ast: null, ir: null, diagnostics: [s.diagnostic] };
  return checkSource(s.text, path, opts);
}
