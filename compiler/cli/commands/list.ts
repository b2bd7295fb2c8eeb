// `ganc list`: the bundled specs (specs/*.gan) with each model's one-line description, read with the parser.
import type { Command } from "@commander-js/extra-typings";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "../../../grammar/index.ts";

export const SPECS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../specs");

export interface SpecEntry {
  file: string;
  model: string | null;
  description: string | null;
  error?: string;
}

export function listSpecs(dir = SPECS_DIR): SpecEntry[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".gan")).sort();
  } catch {
    return [];
  }
  return files.map((f) => {
    const path = join(dir, f);
    try {
      const { spec, diagnostics } = parse(readFileSync(path, "utf8"), path);
      const m = spec.items.find((i) => i.kind === "Model") as { name?: { name?: string }; description?: { value?: string } | null } | undefined;
      const errors = diagnostics.filter((d) => d.severity === "error").length;
      return {
        file: path,
        model: m?.name?.name ?? null,
        description: m?.description?.value ?? null,
        ...(errors ? { error: `${errors} syntax error(s); run ganc check` } : {}),
      };
    } catch (e) {
      return { file: path, model: null, description: null, error: (e as Error).message };
    }
  });
}

export function formatSpecList(entries: SpecEntry[], cwd = process.cwd()): string {
  if (entries.length === 0) return "no bundled specs found\n";
  const w = Math.max(...entries.map((e) => (e.model ?? "?").length));
  return entries
    .map((e) => `${(e.model ?? "?").padEnd(w)}  ${e.description ?? e.error ?? ""}  (${relative(cwd, e.file) || e.file})`)
    .join("\n") + "\n";
}

export function registerList(program: Command): void {
  program
    .command("list")
    .description("list the bundled specs with their descriptions")
    .option("--json", "print JSON")
    .action((o) => {
      const entries = listSpecs();
      process.stdout.write(o.json ? JSON.stringify(entries, null, 2) + "\n" : formatSpecList(entries));
    });
}
