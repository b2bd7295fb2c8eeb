// Type-checking generated code in tests, with the project's strict compiler options.
import ts from "typescript";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

/** Type-check files with the project's compiler options (strict); returns formatted errors. */
export function typeCheck(files: string[]): string[] {
  const cfg = ts.readConfigFile(join(ROOT, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, ROOT);
  const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || files.includes(resolve(d.file.fileName)))
    .map((d) => {
      const msg = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (!d.file || d.start === undefined) return msg;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${d.file.fileName}:${line + 1}: ${msg}`;
    });
}
