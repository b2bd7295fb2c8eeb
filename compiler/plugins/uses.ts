// Finding a spec's plugins: its `use "..."` declarations plus `--plugin` paths, loaded with compiler/plugins/load.ts.
// Kept apart from compile.ts so that loading needs only the parser, not the whole pipeline.

import { dirname, resolve } from "node:path";
import { parse } from "../../grammar/index.ts";
import type { Item, Spec } from "../../grammar/ast.ts";
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

