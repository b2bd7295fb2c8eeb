// `ganc check FILE... [--format text|json] [--dump ast] [--set k=v ...] [--plugin path ...]`
// Exit codes: 0 clean (warnings allowed), 1 errors in the input, 2 usage errors (unreadable file, bad option).
import type { Command } from "@commander-js/extra-typings";
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "../../../grammar/index.ts";
import type { Spec } from "../../../grammar/ast.ts";
import { diagnostic, hasErrors, type Diagnostic } from "../../diagnostics/diagnostic.ts";
import { diagnosticsToJson, renderDiagnostics } from "../../diagnostics/render.ts";

export interface CheckOptions {
  format?: "text" | "json";
  dump?: "ast";
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

type CheckSource = (
  text: string,
  file: string,
  opts: { overrides: Record<string, string>; plugins: string[] },
) => AnalyzeResult | Promise<AnalyzeResult>;

let pipelineLoaded = false;
let pipelineCheck: CheckSource | null = null;
let pipelineNote = "";

/** The pipeline's `checkSource` when compiler/pipeline.ts exists and exports it; otherwise null (parse only).
 *  TODO(lead): once compiler/pipeline.ts is final, replace this probe with a static import of checkSource. */
async function loadPipeline(): Promise<CheckSource | null> {
  if (pipelineLoaded) return pipelineCheck;
  pipelineLoaded = true;
  const url = new URL("../../pipeline.ts", import.meta.url);
  if (!existsSync(fileURLToPath(url))) return null;
  let mod: { checkSource?: unknown };
  try {
    mod = (await import(url.href)) as { checkSource?: unknown };
  } catch (err) {
    // The pipeline is under construction in the same tree: fall back to syntax checks and say so.
    pipelineNote = `note: semantic checks unavailable (compiler/pipeline.ts failed to load: ${(err as Error)?.message ?? String(err)}); checked syntax only\n`;
    return null;
  }
  pipelineCheck = typeof mod.checkSource === "function" ? (mod.checkSource as CheckSource) : null;
  return pipelineCheck;
}

/** Analyze one source text: the whole pipeline's checks when available, else syntax only. */
export async function analyze(text: string, file: string, opts: CheckOptions = {}): Promise<AnalyzeResult> {
  const check = await loadPipeline();
  if (check) return await check(text, file, { overrides: opts.overrides ?? {}, plugins: opts.plugins ?? [] });
  const r = parse(text, file);
  return { ast: r.spec, diagnostics: r.diagnostics };
}

/** Check files; returns what to print and the exit code (no process access, so it is testable in-process). */
export async function runCheck(files: string[], opts: CheckOptions = {}): Promise<CheckResult> {
  const sources = new Map<string, string>();
  const diags: Diagnostic[] = [];
  const dumps: unknown[] = [];
  let usage = false;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      const p = { line: 1, column: 1, offset: 0 };
      const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
      diags.push(diagnostic("E0701", `cannot read file "${file}": ${reason}`, { file, start: p, end: p }));
      usage = true;
      continue;
    }
    sources.set(file, text);
    const r = await analyze(text, file, opts);
    diags.push(...r.diagnostics);
    if (opts.dump === "ast") dumps.push(r.ast);
  }
  let stdout = "";
  let stderr = "";
  if (opts.dump === "ast") stdout += JSON.stringify(dumps.length === 1 ? dumps[0] : dumps, null, 2) + "\n";
  if (opts.format === "json") stdout += diagnosticsToJson(diags) + "\n";
  else stderr += renderDiagnostics(diags, sources, { color: opts.color ?? false });
  stderr += pipelineNote;
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
    .addOption(new Option("--dump <phase>", "print a phase's output").choices(["ast"] as const))
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
