// Every diagnostic code in the catalog has at least one case in the bad-spec corpus (test/bad/*/), whose exact
// expected output is checked by the phase's own corpus test. Internal-error codes have no user-triggerable case;
// E0701 (unreadable file) is covered by the CLI tests because the corpus is made of readable files.
import { expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { allCodes } from "../../diagnostics/codes/index.ts";

// E0797 (not lowered to the step IR yet) is a compile-phase diagnostic of checked specs: test/step/plan.test.ts
const NOT_IN_CORPUS = new Set(["E0701", "E0797", "E0798", "E0799"]);

function expectedFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? expectedFiles(join(dir, e.name)) : e.name.endsWith(".expected") ? [join(dir, e.name)] : [],
  );
}

it("every catalog code has a bad-spec case with its expected output", () => {
  const seen = new Set<string>();
  for (const f of expectedFiles(new URL(".", import.meta.url).pathname)) {
    for (const m of readFileSync(f, "utf8").matchAll(/(?:error|warning|note)\[([EW]\d{4})\]|"code":\s*"([EW]\d{4})"/g)) {
      seen.add(m[1] ?? m[2]!);
    }
  }
  const missing = allCodes.map((c) => c.code).filter((c) => !NOT_IN_CORPUS.has(c) && !seen.has(c));
  expect(missing).toEqual([]);
});
