// Positions inside plugin source files, so plugin diagnostics point at the offending text of the plugin itself.

import type { Span } from "../../diagnostics/diagnostic.ts";

/** Offset of the content of the first string literal equal to `s` ('...', "..." or `...`) at or after `from`; -1 if none. */
export function locateString(text: string, s: string, from = 0): number {
  let best = -1;
  for (const q of ['"', "'", "`"]) {
    const i = text.indexOf(q + s + q, from);
    if (i >= 0 && (best < 0 || i + 1 < best)) best = i + 1;
  }
  return best;
}

/** Offset of the first occurrence of `word` at or after `from`; -1 if none. */
export function locateWord(text: string, word: string, from = 0): number {
  return text.indexOf(word, from);
}

/** A span of `len` characters at `offset` in `text` (clamped to the text). */
export function spanAt(file: string, text: string, offset: number, len = 1): Span {
  const pos = (off: number) => {
    const o = Math.max(0, Math.min(off, text.length));
    const before = text.slice(0, o);
    const line = before.split("\n").length;
    const column = o - (before.lastIndexOf("\n") + 1) + 1;
    return { line, column, offset: o };
  };
  const start = pos(offset);
  return { file, start, end: pos(Math.min(offset + Math.max(len, 1), Math.max(text.length, offset + 1))) };
}

/** The first syntax error of a .ts/.js module (TypeScript's parser), or null. */
export async function syntaxError(file: string, text: string): Promise<{ message: string; span: Span } | null> {
  const ts = (await import("typescript")).default;
  const out = ts.transpileModule(text, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const d = (out.diagnostics ?? []).find((x) => x.category === ts.DiagnosticCategory.Error && x.start !== undefined);
  if (!d) return null;
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0];
  return { message, span: spanAt(file, text, d.start!, d.length ?? 1) };
}
