// Async front door for specs that use plugins: finds `use "..."` declarations, loads them and `--plugin` modules
// (compiler/plugins/load.ts), puts their losses into the signature table for the duration of the (synchronous)
// check, and records the modules in the IR so the emitter imports them. The CLI calls these instead of
// compiler/pipeline.ts's functions when plugins may be involved (they behave the same without any).

import { checkSource, compileSource, readSpecFile, type CheckResult, type CompileResult, type PipelineOptions } from "../pipeline.ts";
import { registerSignature, signatureTable, unregisterSignature } from "../check/signatures.ts";
import { hasErrors, type Diagnostic } from "../../diagnostics/diagnostic.ts";
import type { IRProgram } from "../ir/ir.ts";
import type { LoadResult } from "./load.ts";
import { addPluginHints, loadSpecPlugins, type PluginPipelineOptions } from "./uses.ts";

export { addPluginHints, collectUses, loadSpecPlugins, type PluginPipelineOptions } from "./uses.ts";

export interface WithPluginSources {
  /** plugin file texts (and the command line) for rendering diagnostics that point into them */
  sources: Map<string, string>;
  /** the validated plugin losses that were in the table */
  loaded: LoadResult;
}

/** Run `f` (a synchronous check) with the plugin losses registered in the signature table, then remove them. */
function withRegistered<T>(loaded: LoadResult, f: () => T): T {
  const before = signatureTable();
  const added: string[] = [];
  try {
    for (const e of loaded.entries) {
      if (before.has(e.name)) continue; // clashes were reported as E0606 already
      const { pluginIndex: _i, implementation: _f, ...entry } = e;
      registerSignature(entry);
      added.push(e.name);
    }
    return f();
  } finally {
    for (const n of added) unregisterSignature(n);
  }
}

function attachPlugins(ir: IRProgram | null, loaded: LoadResult): IRProgram | null {
  if (ir === null) return null;
  // The loader's records are authoritative: resolved paths, deduplicated, in load order.
  return { ...ir, plugins: loaded.plugins };
}

/** The pipeline's options without `plugins`: they are loaded here, the checker only sees their table entries. */
function pipelineOpts(opts: PluginPipelineOptions): PipelineOptions {
  const { plugins: _p, cwd: _c, ...rest } = opts;
  return rest;
}

function merge(loaded: LoadResult, rest: Diagnostic[]): Diagnostic[] {
  return [...loaded.diagnostics, ...addPluginHints(rest, loaded)];
}

export async function checkSourceWithPlugins(
  text: string,
  file: string,
  opts: PluginPipelineOptions = {},
): Promise<CheckResult & WithPluginSources> {
  const loaded = await loadSpecPlugins(text, file, opts);
  const r = withRegistered(loaded, () => checkSource(text, file, pipelineOpts(opts)));
  const diagnostics = merge(loaded, r.diagnostics);
  const ir = hasErrors(diagnostics) ? null : attachPlugins(r.ir, loaded);
  return { ...r, ir, diagnostics, sources: loaded.sources, loaded };
}

export async function compileSourceWithPlugins(
  text: string,
  file: string,
  opts: PluginPipelineOptions = {},
): Promise<CompileResult & WithPluginSources> {
  const loaded = await loadSpecPlugins(text, file, opts);
  if (hasErrors(loaded.diagnostics)) {
    // still check, so the user sees every other problem at once (calls of the failed plugin's losses stay quiet:
    // see addPluginHints)
    const r = withRegistered(loaded, () => checkSource(text, file, pipelineOpts(opts)));
    return { ...r, ir: null, ts: null, diagnostics: merge(loaded, r.diagnostics), sources: loaded.sources, loaded };
  }
  // compileSource runs the (synchronous) check before its first await, so the registration covers it.
  const pending = withRegistered(loaded, () => compileSource(text, file, pipelineOpts(opts)));
  const r = await pending;
  return { ...r, ir: attachPlugins(r.ir, loaded), diagnostics: merge(loaded, r.diagnostics), sources: loaded.sources, loaded };
}

const emptyLoad = (): LoadResult => ({ entries: [], plugins: [], diagnostics: [], sources: new Map() });

export async function checkFileWithPlugins(path: string, opts: PluginPipelineOptions = {}): Promise<CheckResult & WithPluginSources> {
  const s = readSpecFile(path);
  if ("diagnostic" in s) return { ast: null, ir: null, diagnostics: [s.diagnostic], sources: new Map(), loaded: emptyLoad() };
  return checkSourceWithPlugins(s.text, path, opts);
}

export async function compileFileWithPlugins(
  path: string,
  opts: PluginPipelineOptions = {},
): Promise<CompileResult & WithPluginSources> {
  const s = readSpecFile(path);
  if ("diagnostic" in s) return { ast: null, ir: null, ts: null, diagnostics: [s.diagnostic], sources: new Map(), loaded: emptyLoad() };
  return compileSourceWithPlugins(s.text, path, opts);
}
