// Reading a spec file from disk: the one place that turns an unreadable file into diagnostic E0701, shared by the
// pipeline, the plugin-aware wrappers and the check / fmt commands.
import { readFileSync } from "node:fs";
import { diagnostic, type Diagnostic, type Span } from "../diagnostics/diagnostic.ts";

/** A zero-width span at the start of `file`, for diagnostics about the file as a whole. */
export function fileSpan(file: string): Span {
  const p = { line: 1, column: 1, offset: 0 };
  return { file, start: p, end: p };
}

/** The file's text, or E0701 naming the path and why it could not be read. */
export function readSpecFile(path: string): { text: string } | { diagnostic: Diagnostic } {
  try {
    return { text: readFileSync(path, "utf8") };
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e);
    return { diagnostic: diagnostic("E0701", `cannot read file ${JSON.stringify(path)}: ${why}`, fileSpan(path)) };
  }
}
