// Finding a spec's plugins: its `use "..."` declarations plus `--plugin` paths, loaded with compiler/plugins/load.ts.
// Kept apart from compile.ts so that loading needs only the parser, not the whole pipeline.

import { dirname, resolve } from "node:path";
import { parse } from "../../grammar/index.ts";
import type { Item, Spec } from "../../grammar/ast.ts";
import { hasErrors, type Diagnostic } from "../../diagnostics/diagnostic.ts";
import type { PipelineOptions } from "../pipeline.ts";
import { loadPlugins, type LoadResult, type PluginRequest } from "./load.ts";

export interface PluginPipelineOptions extends PipelineOptions {
  /** base directory of --plugin paths (default process.cwd()) */
  cwd?: string;
}

/** Every `use "..."` of a spec, including those inside `when` blocks, in source order. */
export function collectUses(spec: Spec): PluginRequest[] {
  const out: PluginRequest[] = [];
  const walk = (items: Item[]) => {
    for (const it of items) {
      if (it.kind === "Use") out.push({ request: it.path.value, span: it.path.span, from: "use" });
      else if (it.kind === "When") {
        walk(it.then);
        if (it.else) walk(it.else);
      }
    }
  };
  walk(spec.items);
  return out;
}

/** Parse just enough to find the plugins and load them. Parse errors are left to the pipeline to report. */
export async function loadSpecPlugins(text: string, file: string, opts: PluginPipelineOptions = {}): Promise<LoadResult> {
  let uses: PluginRequest[] = [];
  try {
    uses = collectUses(parse(text, file).spec);
  } catch {
    // the pipeline reports the parser's failure itself
  }
  const cli: PluginRequest[] = (opts.plugins ?? []).map((p) => ({ request: p, span: null, from: "cli" }));
  return loadPlugins([...uses, ...cli], dirname(resolve(file)), { cwd: opts.cwd });
}


/**
 * The checker's unknown-function diagnostics (E0203) do not know about plugins; this reconciles them with the load.
 *
 * - When a plugin failed to load (wholly or one of its losses: any loader error), every E0203 is dropped. What the
 *   plugin would have provided is unknown, so an unknown function is most likely one of its losses, and the load
 *   error already says what to fix; an E0203 telling the user to add a `use` line the spec already has would only
 *   mislead. (A misspelt built-in then shows up on the next check, once the plugin loads.)
 * - Otherwise each E0203 gets a hint on how to load a plugin, naming those loaded (the name may be a typo of one of
 *   their losses).
 */
export function addPluginHints(diags: readonly Diagnostic[], loaded: LoadResult): Diagnostic[] {
  const loadFailed = hasErrors(loaded.diagnostics);
  const out: Diagnostic[] = [];
  for (const d of diags) {
    const m = d.code === "E0203" ? /^unknown function `([A-Za-z_][A-Za-z0-9_]*)`/.exec(d.message) : null;
    if (!m) out.push(d);
    else if (!loadFailed) {
      const from = loaded.plugins.length ? ` (loaded: ${loaded.plugins.map((p) => JSON.stringify(p.request)).join(", ")})` : "";
      const hint = `if \`${m[1]}\` is a loss primitive from a plugin, load its module with \`use "./file.ts"\` in the spec or \`--plugin file.ts\`${from}`;
      out.push({ ...d, hints: [...d.hints, hint] });
    }
  }
  return out;
}
