// Spans (1-based lines and columns, UTF-16 columns, exclusive end: diagnostics/diagnostic.ts) to LSP ranges
// (0-based lines, UTF-16 characters) and back. Nothing else in the server converts positions.
import type { Position as LspPosition, Range } from "vscode-languageserver";
import type { Span } from "../../diagnostics/diagnostic.ts";

export function spanToRange(s: Span): Range {
  return {
    start: { line: Math.max(0, s.start.line - 1), character: Math.max(0, s.start.column - 1) },
    end: { line: Math.max(0, s.end.line - 1), character: Math.max(0, s.end.column - 1) },
  };
}

/** Does `s` contain the offset (end inclusive, so a cursor just after a name is on it)? */
export function spanHas(s: Span, offset: number): boolean {
  return s.start.offset <= offset && offset <= s.end.offset;
}

export function sameSpan(a: Span, b: Span): boolean {
  return a.start.offset === b.start.offset && a.end.offset === b.end.offset;
}

export function rangesOverlap(a: Range, b: Range): boolean {
  const before = (p: LspPosition, q: LspPosition) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

export const ZERO_RANGE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
