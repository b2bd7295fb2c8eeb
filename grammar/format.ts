// Placeholder until the formatter lands (same session): format() returns the input unchanged when it parses.
import { parse } from "./parse.ts";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.ts";

export interface FormatResult {
  text: string | null;
  diagnostics: Diagnostic[];
}

export function format(text: string, file: string): FormatResult {
  const r = parse(text, file);
  return { text: r.diagnostics.some((d) => d.severity === "error") ? null : text, diagnostics: r.diagnostics };
}
