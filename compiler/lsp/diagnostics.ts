// ganc diagnostics as LSP diagnostics: code, severity, range, related spans; the hints are appended to the
// message (LSP has no field for them) and kept in `data` with the "did you mean" suggestion for the quick fix.
import { DiagnosticSeverity, type Diagnostic as LspDiag, type DiagnosticRelatedInformation } from "vscode-languageserver";
import { pathToFileURL } from "node:url";
import type { Span } from "../../diagnostics/diagnostic.ts";
import type { LspDiagnostic } from "./analysis.ts";
import { spanToRange, ZERO_RANGE } from "./positions.ts";

export interface DiagData {
  hints: string[];
  /** the replacement a "did you mean `x`?" proposes for the diagnostic's range */
  suggestion?: string;
  /** params selecting the `when` branch the diagnostic comes from */
  when?: Record<string, string>;
}

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, note: DiagnosticSeverity.Information } as const;

export function toLsp(ld: LspDiagnostic, file: string, uri: string): LspDiag {
  const d = ld.d;
  const here = d.span.file === file;
  const related: DiagnosticRelatedInformation[] = d.related.map((r) => ({ location: location(r.span, file, uri), message: r.message }));
  // a diagnostic inside another file (a plugin) is shown at the top of this one, pointing there
  if (!here) related.unshift({ location: location(d.span, file, uri), message: "reported here" });
  const when = ld.when ? Object.entries(ld.when).map(([k, v]) => `${k}=${v}`).join(", ") : "";
  let message = when ? `[with ${when}] ${d.message}` : d.message;
  if (d.hints.length) message += "\n" + d.hints.map((h) => `hint: ${h}`).join("\n");
  const suggestion = [d.message, ...d.hints].map((t) => /did you mean `?([A-Za-z_][A-Za-z0-9_]*)`?\?/.exec(t)?.[1]).find((x) => x);
  const data: DiagData = { hints: d.hints, ...(suggestion ? { suggestion } : {}), ...(ld.when ? { when: ld.when } : {}) };
  return {
    range: here ? spanToRange(d.span) : ZERO_RANGE,
    severity: SEVERITY[d.severity],
    code: d.code,
    source: "ganc",
    message,
    relatedInformation: related.length ? related : undefined,
    data,
  };
}

function location(s: Span, file: string, uri: string) {
  const u = s.file === file ? uri : /^[a-z][a-z0-9+.-]*:/i.test(s.file) && !/^[a-z]:[\\/]/i.test(s.file) ? s.file : pathToFileURL(s.file).href;
  return { uri: u, range: spanToRange(s) };
}
