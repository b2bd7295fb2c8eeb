// Diagnostics are data; rendering lives in render.ts. Every phase returns all the diagnostics it can find.
import type { DiagnosticCode } from "./codes/index.ts";

export type { DiagnosticCode };

export interface Position {
  line: number; // 1-based
  column: number; // 1-based, in UTF-16 code units
  offset: number; // 0-based
}

export interface Span {
  file: string;
  start: Position;
  end: Position; // exclusive
}

export type Severity = "error" | "warning" | "note";

export interface RelatedSpan {
  span: Span;
  message: string;
}

export interface Diagnostic {
  /** Stable code, e.g. "E0101": one of the catalog's (diagnostics/codes/), listed in docs/diagnostics.md. */
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span: Span;
  hints: string[];
  related: RelatedSpan[];
  /** Set when only some variants have this diagnostic: the params (tested by `when`/`match`) that select it,
   *  e.g. { dataset: "fashion" }. Absent for the default params (compiler/check/variants.ts). */
  variant?: Record<string, string>;
}

/**
 * A diagnostic with `code`. A literal code must be in the catalog (`diagnostic("E0213", ...)` fails tsc when no
 * E0213 is catalogued); a code already widened to `string` (chevrotain-derived codes) is taken as it is.
 */
export function diagnostic<C extends string>(
  code: C & (string extends C ? unknown : DiagnosticCode),
  message: string,
  span: Span,
  opts: { severity?: Severity; hints?: string[]; related?: RelatedSpan[] } = {},
): Diagnostic {
  return {
    code: code as string as DiagnosticCode,
    severity: opts.severity ?? "error",
    message,
    span,
    hints: opts.hints ?? [],
    related: opts.related ?? [],
  };
}

/**
 * Diagnostics about a `--set name=value` flag use the flag itself as their span's file name, which doubles as the
 * one-line source text the renderer shows (Checker.cliSpan builds these spans).
 */
export function isCliFile(file: string): boolean {
  return file.startsWith("--set ");
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}
