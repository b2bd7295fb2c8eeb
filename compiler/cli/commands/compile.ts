// `ganc compile SPEC -o DIR [--set k=v]... [--plugin p]... [--runtime-import spec]`: writes DIR/<model>.ts.
// Exit codes: 0 ok, 1 errors in the spec (rendered diagnostics on stderr), 2 usage errors (unreadable spec).
import type { Command } from "@commander-js/extra-typings";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { writeFileSync } from "node:fs";
import { makeDirs } from "../../../runtime/report/atomic.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Spec } from "../../../grammar/ast.ts";
import type { Diagnostic } from "../../../diagnostics/diagnostic.ts";

export function parseSet(v: string, prev: Record<string, string>): Record<string, string> {
  const i = v.indexOf("=");
  if (i <= 0) throw new InvalidArgumentError(`expected name=value, got "${v}"`);
  return { ...prev, [v.slice(0, i).trim()]: v.slice(i + 1).trim() };
}

export const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** Absolute path of runtime/index.ts: what run-directory trainers import, so they work from any folder. */
export const RUNTIME_INDEX = resolve(dirname(fileURLToPath(import.meta.url)), "../../../runtime/index.ts");

export function modelName(ast: Spec | null, fallback: string): string {
  const m = ast?.items.find((i) => i.kind === "Model") as { name?: { name?: string } } | undefined;
  return m?.name?.name ?? fallback;
}

export type CompileOutcome =
  | {
      ok: true;
      ts: string;
      model: string;
      specText: string;
      messages: string;
      /** the data declaration's source and arguments (`ganc train` loads the data before it writes a run) */
      data: { source: string; args: Record<string, number | string | boolean> } | null;
    }
  | { ok: false; exitCode: 1 | 2; messages: string };

/** Compile a spec file through the pipeline (with plugins); rendered warnings/errors in `messages`. */
export async function compileSpec(
  specPath: string,
  o: { overrides?: Record<string, string>; plugins?: string[]; runtimeImport?: string; color?: boolean },
): Promise<CompileOutcome> {
  // loaded lazily: `ganc list` and `ganc check` must not pay for (or break on) the whole compiler
  const { compileFileWithPlugins } = await import("../../plugins/compile.ts");
  const { renderDiagnostics } = await import("../../../diagnostics/render.ts");
  const { readFileSync } = await import("node:fs");
  const r = await compileFileWithPlugins(specPath, {
    overrides: o.overrides ?? {},
    plugins: o.plugins ?? [],
    runtimeImport: o.runtimeImport,
  });
  let specText = "";
  try {
    specText = readFileSync(specPath, "utf8");
  } catch {
    /* reported as E0701 */
  }
  const sources = new Map<string, string>(r.sources);
  if (specText) sources.set(specPath, specText);
  const messages = r.diagnostics.length ? renderDiagnostics(r.diagnostics, sources, { color: o.color ?? false }) : "";
  if (r.ts === null || r.diagnostics.some((d: Diagnostic) => d.severity === "error")) {
    const unreadable = r.diagnostics.some((d: Diagnostic) => d.code === "E0701");
    return { ok: false, exitCode: unreadable ? 2 : 1, messages };
  }
  const d = r.ir?.data[0];
  const data = d ? { source: d.source, args: d.args as Record<string, number | string | boolean> } : null;
  return { ok: true, ts: r.ts, model: modelName(r.ast, "model"), specText, messages, data };
}

type Lowered<T> = { ok: true; value: T; messages: string } | { ok: false; exitCode: 1 | 2; messages: string };

/** Check a spec and run `f` on its IR; a LowerError (what the step IR does not lower yet) becomes E0797 at its
 * span, rendered like every other diagnostic. */
async function withStepPlan<T>(
  specPath: string,
  o: { overrides?: Record<string, string>; plugins?: string[]; color?: boolean },
  f: (ir: import("../../ir/ir.ts").IRProgram) => T,
): Promise<Lowered<T>> {
  const { checkFileWithPlugins } = await import("../../plugins/compile.ts");
  const { renderDiagnostics } = await import("../../../diagnostics/render.ts");
  const { diagnostic } = await import("../../../diagnostics/diagnostic.ts");
  const { fileSpan } = await import("../../source-file.ts");
  const r = await checkFileWithPlugins(specPath, { overrides: o.overrides ?? {}, plugins: o.plugins ?? [] });
  const sources = new Map<string, string>(r.sources);
  const { readFileSync } = await import("node:fs");
  try {
    sources.set(specPath, readFileSync(specPath, "utf8"));
  } catch {
    /* reported as E0701 */
  }
  const render = (ds: Diagnostic[]) => (ds.length ? renderDiagnostics(ds, sources, { color: o.color ?? false }) : "");
  if (r.ir === null || r.diagnostics.some((d) => d.severity === "error")) {
    return { ok: false, exitCode: r.diagnostics.some((d) => d.code === "E0701") ? 2 : 1, messages: render(r.diagnostics) };
  }
  const { LowerError } = await import("../../step/lower.ts");
  try {
    return { ok: true, value: f(r.ir), messages: render(r.diagnostics) };
  } catch (e) {
    if (!(e instanceof LowerError)) throw e;
    const d = diagnostic("E0797", e.message, e.span ?? fileSpan(specPath), {
      hints: ["`ganc compile` without --emit and `ganc train --backend wasm` run the whole language on the tfjs trainer"],
    });
    return { ok: false, exitCode: 1, messages: render([...r.diagnostics, d]) };
  }
}

/** `--emit step-ir`: the step plan as text, or the rendered E0797 for what the step IR does not lower yet. */
export async function stepIrText(
  specPath: string,
  o: { overrides?: Record<string, string>; plugins?: string[]; color?: boolean },
): Promise<{ ok: true; text: string; messages: string } | { ok: false; exitCode: 1 | 2; messages: string }> {
  const { lowerStepPlan, printStepPlan } = await import("../../step/plan.ts");
  const r = await withStepPlan(specPath, o, (ir) => printStepPlan(lowerStepPlan(ir), ir.file.split("/").pop() ?? ir.file));
  return r.ok ? { ok: true, text: r.value, messages: r.messages } : r;
}

/** `--emit onnx` and `ganc train --backend ort`: the step plan's ONNX graphs and manifest, written into `dir`. */
export async function writeOnnxPlan(
  specPath: string,
  dir: string,
  o: { overrides?: Record<string, string>; plugins?: string[]; color?: boolean; specFile?: string },
): Promise<Lowered<string[]>> {
  const { buildOrtPlan, writeOrtPlan } = await import("../../emit/ort-plan.ts");
  const r = await withStepPlan(specPath, o, (ir) => buildOrtPlan(ir, { specFile: o.specFile }));
  if (!r.ok) return r;
  writeOrtPlan(dir, r.value);
  return { ok: true, value: [...r.value.models.keys(), "plan.json"].map((f) => join(dir, f)), messages: r.messages };
}

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description("compile a .gan spec to a standalone TypeScript trainer module (DIR/<model>.ts)")
    .argument("<spec>", "spec file")
    .option("-o, --out <dir>", "output folder (required for --emit ts and onnx)")
    .option("--emit <what>", "ts: the TypeScript trainer (default); step-ir: the step plan as text, on stdout; onnx: the step plan as ONNX graphs (DIR/<update>.onnx, DIR/plan.json)", "ts")
    .option("--set <name=value>", "override a param (repeatable)", parseSet, {} as Record<string, string>)
    .option("--plugin <path>", "load a loss-primitive plugin (repeatable)", collect, [] as string[])
    .option("--runtime-import <specifier>", "module the trainer imports the runtime from", "ganc/runtime")
    .action(async (spec, o) => {
      const color = process.stderr.isTTY === true && !process.env.NO_COLOR;
      if (o.emit !== "ts" && o.emit !== "step-ir" && o.emit !== "onnx") {
        process.stderr.write(`error: --emit takes ts, step-ir or onnx, got ${JSON.stringify(o.emit)}\n`);
        process.exitCode = 2;
        return;
      }
      if (o.emit === "step-ir") {
        const s = await stepIrText(spec, { overrides: o.set, plugins: o.plugin, color });
        process.stderr.write(s.messages);
        if (s.ok) process.stdout.write(s.text);
        else process.exitCode = s.exitCode;
        return;
      }
      if (o.out === undefined) {
        process.stderr.write("error: compile needs -o DIR (or --emit step-ir, which prints to stdout)\n");
        process.exitCode = 2;
        return;
      }
      const outDir = o.out;
      if (o.emit === "onnx") {
        let w: Awaited<ReturnType<typeof writeOnnxPlan>>;
        try {
          w = await writeOnnxPlan(spec, outDir, { overrides: o.set, plugins: o.plugin, color });
        } catch (e) {
          process.stderr.write(`error: cannot write the ONNX graphs into ${outDir}: ${(e as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
        process.stderr.write(w.messages);
        if (w.ok) process.stdout.write(w.value.join("\n") + "\n");
        else process.exitCode = w.exitCode;
        return;
      }
      const r = await compileSpec(spec, { overrides: o.set, plugins: o.plugin, runtimeImport: o.runtimeImport, color });
      process.stderr.write(r.messages);
      if (!r.ok) {
        process.exitCode = r.exitCode;
        return;
      }
      const out = join(outDir, `${r.model}.ts`);
      try {
        makeDirs(outDir);
        writeFileSync(out, r.ts);
      } catch (e) {
        process.stderr.write(`error: cannot write ${out}: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(`${out}\n`);
    });
}
