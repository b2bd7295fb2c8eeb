// Typed runtime error: the trainer/CLI prints message + hint (and the spec line when the emitter supplied one)
// instead of a stack trace.
export class GancRuntimeError extends Error {
  readonly code?: string;
  readonly hint?: string;
  readonly specLine?: string;
  constructor(message: string, opts: { code?: string; hint?: string; specLine?: string } = {}) {
    super(message);
    this.name = "GancRuntimeError";
    this.code = opts.code;
    this.hint = opts.hint;
    this.specLine = opts.specLine;
  }
}

/** The diagnostic code (diagnostics/codes/run.ts, docs/diagnostics.md) each runtime error code is
 * reported under: `error[E0612]: ...` like a compile-time diagnostic. Codes not listed (checkpoint, eval, usage...)
 * print as a plain `error:`. test/diagnostics/run-codes.test.ts checks these against the catalog. */
export const RUNTIME_DIAGNOSTIC_CODES: Readonly<Record<string, string>> = {
  "data-missing": "E0611",
  "data-format": "E0612",
  "data-shape": "E0613",
  "data-args": "E0613",
  "data-source": "E0613",
  "resume-steps": "E0614",
  "sample-limit": "E0615",
};

/** The catalog code of a runtime error (by name too: see format.ts), or undefined. */
export function runtimeDiagnosticCode(e: unknown): string | undefined {
  const code = e instanceof Error && e.name !== "TrainFailure" ? (e as { code?: unknown }).code : undefined;
  return typeof code === "string" && Object.hasOwn(RUNTIME_DIAGNOSTIC_CODES, code) ? RUNTIME_DIAGNOSTIC_CODES[code] : undefined;
}
