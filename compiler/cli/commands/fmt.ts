// `ganc fmt FILE... [--check] [--write]`: print the canonical layout (default), rewrite files, or check them.
// Exit codes: 0 ok, 1 syntax errors or (with --check) a file that would change, 2 unreadable file.
import type { Command } from "@commander-js/extra-typings";
import { writeFileSync, renameSync } from "node:fs";
import { readSpecFile } from "../../source-file.ts";
import { format } from "../../../grammar/index.ts";
import type { Diagnostic } from "../../../diagnostics/diagnostic.ts";
import { renderDiagnostics } from "../../../diagnostics/render.ts";

export interface FmtOptions {
  check?: boolean;
  write?: boolean;
  color?: boolean;
}

export function runFmt(files: string[], opts: FmtOptions = {}): { exitCode: 0 | 1 | 2; stdout: string; stderr: string } {
  const sources = new Map<string, string>();
  const diags: Diagnostic[] = [];
  let stdout = "";
  let notes = "";
  let usage = false;
  let changed = false;
  for (const file of files) {
    const read = readSpecFile(file);
    if ("diagnostic" in read) {
      diags.push(read.diagnostic);
      usage = true;
      continue;
    }
    const text = read.text;
    sources.set(file, text);
    const r = format(text, file);
    diags.push(...r.diagnostics);
    if (r.text === null) continue;
    if (opts.check) {
      if (r.text !== text) {
        changed = true;
        notes += `${file}: would be reformatted\n`;
      }
    } else if (opts.write) {
      if (r.text !== text) {
        // Atomic replace: a crash never leaves a half-written spec.
        const tmp = `${file}.ganc-fmt.tmp`;
        writeFileSync(tmp, r.text);
        renameSync(tmp, file);
        notes += `${file}: formatted\n`;
      }
    } else {
      stdout += r.text;
    }
  }
  const stderr = renderDiagnostics(diags, sources, { color: opts.color ?? false }) + notes;
  const errors = diags.some((d) => d.severity === "error");
  return { exitCode: usage ? 2 : errors || changed ? 1 : 0, stdout, stderr };
}

export function registerFmt(program: Command): void {
  program
    .command("fmt")
    .description("format .gan specs (canonical layout, comments kept)")
    .argument("<files...>", "spec files")
    .option("--check", "exit 1 if a file would change; write nothing")
    .option("--write", "rewrite the files in place")
    .action((files, o) => {
      const r = runFmt(files, {
        check: o.check === true,
        write: o.write === true,
        color: process.stderr.isTTY === true && !process.env.NO_COLOR,
      });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.exitCode;
    });
}
