// Shared tail of the commands that run a trained or training model (train, eval, sample, assign, export): the
// `<rundir>` argument, the catch that turns an error into its message and exit code (1 for the user's input or
// environment, 70 for a bug in ganc), and the rendering of runtime errors that have a catalog code (E061x: data
// read at load time, --resume --steps, sample counts) like compile-time diagnostics: `error[E0612]: ...`, a code
// frame at the spec's data declaration (the path argument that names the file when the message names it), the hint
// and the summary line.
import type { Command } from "@commander-js/extra-typings";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Span } from "../../diagnostics/diagnostic.ts";
import { parse } from "../../grammar/index.ts";

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** the process's stdout / stderr, what the registered actions pass */
export const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Where a runtime error can be shown in the user's spec: a spec file, or a run directory's spec.gan. */
export interface SpecSite {
  specPath?: string;
  runDir?: string;
}

/** `program.command(name)` with the one `<rundir>` argument eval, sample, assign and export take. */
export function runDirCommand(program: Command, name: string, description: string) {
  return program.command(name).description(description).argument("<rundir>", "run directory written by ganc train");
}

/**
 * Run a command's body: its exit code, or for a thrown error the error rendered on `io.err` and 1 (a user error:
 * a bad run directory, data, file system) or 70 (an internal error). `site` says where in the user's spec a coded
 * runtime error points (called only on an error; null: no code frame).
 */
export async function runUserCommand(io: Io, f: () => Promise<number>, site?: () => SpecSite | null): Promise<number> {
  try {
    return await f();
  } catch (e) {
    const { isUserError } = await import("../../runtime/train/format.ts");
    io.err(await formatRunError(e, site?.() ?? null));
    return isUserError(e) ? 1 : 70;
  }
}

/** formatError (runtime/train/format.ts), with a coded data error rendered as a diagnostic at the spec's data
 * declaration when `site` has a spec that declares it. Never throws. */
export async function formatRunError(e: unknown, site: SpecSite | null, o: { color?: boolean } = {}): Promise<string> {
  const { formatError } = await import("../../runtime/train/format.ts");
  const { runtimeDiagnosticCode } = await import("../../runtime/errors.ts");
  const code = runtimeDiagnosticCode(e);
  if (!code || !site || !["E0611", "E0612", "E0613"].includes(code)) return formatError(e);
  try {
    const specPath = site.specPath ?? (site.runDir !== undefined ? join(site.runDir, "spec.gan") : undefined);
    if (specPath === undefined || !existsSync(specPath)) return formatError(e);
    const text = readFileSync(specPath, "utf8");
    const err = e as Error & { hint?: string };
    const span = dataSpan(text, specPath, err.message);
    if (!span) return formatError(e);
    const { diagnostic } = await import("../../diagnostics/diagnostic.ts");
    const { renderDiagnostics } = await import("../../diagnostics/render.ts");
    const d = diagnostic(code as "E0612", err.message, span, { hints: err.hint ? [err.hint] : [] });
    return renderDiagnostics([d], new Map([[specPath, text]]), { color: o.color ?? false });
  } catch {
    return formatError(e);
  }
}

/** The span a data error points at in the spec: the string literal of a path argument (`path=`, `labels=` or a
 * positional one) whose text the message names, else the source call of the spec's only data declaration. */
export function dataSpan(text: string, file: string, message: string): Span | null {
  const { spec } = parse(text, file);
  type Item = (typeof spec.items)[number];
  const decls: Extract<Item, { kind: "Data" }>[] = [];
  const walk = (items: readonly Item[]) => {
    for (const it of items) {
      if (it.kind === "Data") decls.push(it);
      else if (it.kind === "When") {
        walk(it.then);
        if (it.else) walk(it.else);
      }
    }
  };
  walk(spec.items);
  let best: { span: Span; len: number } | null = null;
  for (const d of decls) {
    if (d.source.kind !== "Call") continue;
    for (const a of d.source.args) {
      if (a.name && a.name.name !== "path" && a.name.name !== "labels") continue;
      for (const s of strings(a.value))
        if (s.value !== "" && message.includes(s.value) && (!best || s.value.length > best.len)) best = { span: s.span, len: s.value.length };
    }
  }
  if (best) return best.span;
  return decls.length === 1 ? decls[0]!.source.span : null;
}

/** the string literals in an expression (a path may be chosen with `if` / `match` on a param) */
function strings(x: unknown, out: { value: string; span: Span }[] = []): { value: string; span: Span }[] {
  if (x === null || typeof x !== "object") return out;
  if (Array.isArray(x)) {
    for (const v of x) strings(v, out);
    return out;
  }
  const n = x as { kind?: string; value?: unknown; span?: Span };
  if (n.kind === "String" && typeof n.value === "string" && n.span) out.push({ value: n.value, span: n.span });
  else for (const [k, v] of Object.entries(n)) if (k !== "span") strings(v, out);
  return out;
}
