// `ganc check FILE... [--format text|json] [--dump ast|ir] [--set k=v ...] [--plugin path ...]`
// Exit codes: 0 clean (warnings allowed), 1 errors in the input, 2 usage errors (unreadable file, bad option).
// Every variant the params can select (bool and enum params tested by `when`/`match`) is checked, not only the
// defaults; `--set` params are fixed. A diagnostic only some variants have names them ("note: in the variant ...").
import type { Command } from "@commander-js/extra-typings";
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { readSpecFile } from "../../source-file.ts";
import { checkSourceWithPlugins } from "../../plugins/compile.ts";
import { printIR } from "../../ir/print.ts";
import type { IRProgram } from "../../ir/ir.ts";
import type { Spec } from "../../../grammar/ast.ts";
import { hasErrors, type Diagnostic } from "../../../diagnostics/diagnostic.ts";
import { diagnosticsToJson, renderDiagnostics } from "../../../diagnostics/render.ts";
import { checkVariants } from "../../check/variants.ts";

export interface CheckOptions {
  format?: "text" | "json";
  dump?: "ast" | "ir";
  /** `--set k=v` overrides, as given. */
  overrides?: Record<string, string>;
  plugins?: string[];
  color?: boolean;
}

export interface AnalyzeResult {
  ast: Spec | null;
  ir?: unknown;
  diagnostics: Diagnostic[];
}

export interface CheckResult {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

/** Analyze one source text: parse, check and passes, with the spec's `use` plugins and `--plugin` modules loaded.
 *  `sources` gets the plugin files' texts so diagnostics inside them render with a code frame. With `variants`,
 *  every variant the spec's `when`/`match` params select is checked too (params given in `overrides` stay fixed),
 *  and diagnostics only some variants have carry `variant`; the AST and IR are the default variant's. */
export async function analyze(
  text: string,
  file: string,
  opts: CheckOptions & { variants?: boolean } = {},
  sources?: Map<string, string>,
): Promise<AnalyzeResult> {
  const one = async (overrides: Record<string, string>) => {
    const r = await checkSourceWithPlugins(text, file, { overrides, plugins: opts.plugins ?? [] });
    if (sources) for (const [k, v] of r.sources) if (!sources.has(k)) sources.set(k, v);
    return r;
  };
  if (!opts.variants) {
    const r = await one(opts.overrides ?? {});
    return { ast: r.ast, ir: r.ir, diagnostics: r.diagnostics };
  }
  const v = await checkVariants((b) => b.ast, one, { fixed: opts.overrides ?? {} });
  return { ast: v.base.ast, ir: v.base.ir, diagnostics: v.diagnostics };
}

/** Check files; returns what to print and the exit code (no process access, so it is testable in-process). */
export async function runCheck(files: string[], opts: CheckOptions = {}): Promise<CheckResult> {
  const sources = new Map<string, string>();
  const diags: Diagnostic[] = [];
  const dumps: unknown[] = [];
  let usage = false;
  for (const file of files) {
    const read = readSpecFile(file);
    if ("diagnostic" in read) {
      diags.push(read.diagnostic);
      usage = true;
      continue;
    }
    const text = read.text;
    sources.set(file, text);
    const r = await analyze(text, file, { ...opts, variants: true }, sources);
    diags.push(...r.diagnostics);
    if (opts.dump === "ast") dumps.push(r.ast);
    if (opts.dump === "ir") dumps.push(r.ir ?? null);
  }
  let stdout = "";
  let stderr = "";
  if (opts.dump === "ast") stdout += JSON.stringify(dumps.length === 1 ? dumps[0] : dumps, null, 2) + "\n";
  if (opts.dump === "ir") {
    // stable JSON from the IR printer; a spec with errors has no IR (null)
    const irs = dumps.map((d) => (d === null ? "null" : printIR(d as IRProgram)));
    stdout += (irs.length === 1 ? irs[0] : `[\n${irs.join(",\n")}\n]`) + "\n";
  }
  if (opts.format === "json") stdout += diagnosticsToJson(diags) + "\n";
  else stderr += renderDiagnostics(diags, sources, { color: opts.color ?? false });
  const exitCode = usage ? 2 : hasErrors(diags) ? 1 : 0;
  return { exitCode, stdout, stderr };
}

function parseSet(v: string, prev: Record<string, string>): Record<string, string> {
  const i = v.indexOf("=");
  if (i <= 0) throw new InvalidArgumentError(`expected key=value, got "${v}"`);
  return { ...prev, [v.slice(0, i)]: v.slice(i + 1) };
}

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("check .gan specs and report diagnostics")
    .argument("<files...>", "spec files")
    .addOption(new Option("--format <format>", "diagnostics format").choices(["text", "json"] as const).default("text" as const))
    .addOption(new Option("--dump <phase>", "print a phase's output").choices(["ast", "ir"] as const))
    .option("--set <key=value>", "override a param (repeatable)", parseSet, {} as Record<string, string>)
    .option("--plugin <path>", "load a loss-primitive plugin (repeatable)", (v: string, p: string[]) => [...p, v], [] as string[])
    .action(async (files, o) => {
      const r = await runCheck(files, {
        format: o.format,
        dump: o.dump,
        overrides: o.set,
        plugins: o.plugin,
        color: o.format === "text" && process.stderr.isTTY === true && !process.env.NO_COLOR,
      });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.exitCode;
    });
}
