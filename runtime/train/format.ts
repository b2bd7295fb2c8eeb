// Text output shared by the train/eval/sample/assign commands: the evaluation table and runtime error messages.
import { GancRuntimeError, runtimeDiagnosticCode } from "../errors.ts";

const fmt = (v: unknown): string =>
  typeof v === "number" ? (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toFixed(4)) : String(v);

/** Two-column table "metric  value" (errors of metrics that could not run last). */
export function metricsTable(metrics: Record<string, unknown>, title?: string): string {
  const entries = Object.entries(metrics).sort(([a], [b]) => Number(a.endsWith("_error")) - Number(b.endsWith("_error")));
  if (entries.length === 0) return (title ? `${title}\n` : "") + "  (no metrics)\n";
  const w = Math.max(6, ...entries.map(([k]) => k.length));
  const lines = entries.map(([k, v]) => `  ${k.padEnd(w)}  ${fmt(v)}`);
  return (title ? `${title}\n` : "") + `  ${"metric".padEnd(w)}  value\n  ${"-".repeat(w)}  -----\n` + lines.join("\n") + "\n";
}

/** "error: message" plus the spec line and hint of a GancRuntimeError; other Errors get their message only. A data
 * error carries its catalog code (`error[E0612]: ...`, runtime/errors.ts); the CLI renders those with a code frame
 * at the spec's data declaration when it knows the spec (compiler/cli/run-command.ts), this is the plain form. */
export function formatError(e: unknown): string {
  if (isRuntimeError(e)) {
    const code = runtimeDiagnosticCode(e);
    let s = `error${code ? `[${code}]` : ""}: ${e.message}\n`;
    if (e.specLine && !e.message.includes(e.specLine)) s += `  --> ${e.specLine}\n`;
    if (e.hint) s += `  = hint: ${e.hint}\n`;
    return s;
  }
  if (e instanceof Error && e.name === "MetricError") return `error: ${e.message}\n`;
  if (isSystemError(e)) return `error: ${e.message}\n  = hint: ${SYSTEM_HINTS[e.code ?? ""] ?? "check the path and its permissions"}\n`;
  const msg = e instanceof Error ? e.message : String(e);
  const kernel = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(msg);
  if (kernel)
    return `error: the ${kernel[2]} backend has no ${kernel[1]} kernel, which this model needs\n  = hint: try --backend cpu (slower, complete) or webgpu\n`;
  return `error: internal error: ${msg}\n${process.env.GANC_DEBUG && e instanceof Error ? e.stack + "\n" : ""}`;
}

/** True for errors about the user's input or run (exit 1) rather than a bug in ganc. */
export function isUserError(e: unknown): boolean {
  return isRuntimeError(e) || (e instanceof Error && e.name === "MetricError") || isSystemError(e);
}

/** A failed file-system call (unwritable --out, a file where a folder should be, a full disk): the user's
 * environment, not a bug in ganc. */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  const x = e as NodeJS.ErrnoException;
  return e instanceof Error && typeof x.code === "string" && typeof x.syscall === "string";
}

const SYSTEM_HINTS: Record<string, string> = {
  EACCES: "you have no permission to write there; choose another folder (--out / -o)",
  EPERM: "you have no permission to write there; choose another folder (--out / -o)",
  EROFS: "the file system is read-only; choose another folder (--out / -o)",
  EEXIST: "a file is in the way of a folder ganc needs to create; choose another path",
  ENOTDIR: "part of the path is a file, not a folder; choose another path",
  ENOSPC: "the disk is full",
  ENOENT: "a file or folder in the path does not exist",
};

/** By name as well as by class: a trainer loaded through another module instance of the runtime (an old run
 * directory without package.json, a hand-compiled trainer) throws its own copy of the class. */
function isRuntimeError(e: unknown): e is GancRuntimeError {
  return e instanceof GancRuntimeError || (e instanceof Error && e.name === "GancRuntimeError");
}
