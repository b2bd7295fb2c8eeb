// The ground floor imports nothing above it: grammar/ may use diagnostics/, diagnostics/ uses neither grammar/ nor
// compiler/ nor runtime/ (issue 17: the front end and its error types stand on their own).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Top-level folders of the repository that `file` imports through relative specifiers. */
function importedFolders(file: string): Set<string> {
  const out = new Set<string>();
  for (const m of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    out.add(relative(root, resolve(dirname(file), m[1])).split("/")[0]);
  }
  return out;
}

describe("layering", () => {
  for (const [floor, allowed] of [
    ["diagnostics", ["diagnostics", "docs"]],
    ["grammar", ["grammar", "diagnostics"]],
  ] as const) {
    it(`${floor}/ imports only ${allowed.join(", ")}`, () => {
      const bad: string[] = [];
      for (const f of tsFiles(join(root, floor)))
        for (const d of importedFolders(f)) if (!(allowed as readonly string[]).includes(d)) bad.push(`${relative(root, f)} -> ${d}/`);
      expect(bad).toEqual([]);
      expect(tsFiles(join(root, floor)).length).toBeGreaterThan(2);
    });
  }
});
