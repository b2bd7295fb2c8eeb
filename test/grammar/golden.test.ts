// Golden AST JSON for every bundled spec and every extra good spec in test/specs/. Regenerate: UPDATE_GOLDEN=1.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "../../grammar/index.ts";
import { expectGolden } from "../golden.ts";

const root = join(import.meta.dirname, "..", "..");
const files = [
  ...readdirSync(join(root, "specs")).filter((f) => f.endsWith(".gan")).map((f) => `specs/${f}`),
  ...readdirSync(join(root, "test/specs")).filter((f) => f.endsWith(".gan")).map((f) => `test/specs/${f}`),
];

describe("golden ASTs", () => {
  it("finds the bundled specs", () => {
    expect(files.filter((f) => f.startsWith("specs/")).length).toBeGreaterThanOrEqual(5);
  });
  for (const file of files) {
    it(file, () => {
      const r = parse(readFileSync(join(root, file), "utf8"), file);
      expect(r.diagnostics).toEqual([]);
      const json = JSON.stringify(r.spec, null, 2) + "\n";
      const golden = join(root, "test/grammar/golden", basename(file, ".gan") + ".ast.json");
      // A spec edit changes its golden: review, then regenerate with UPDATE_GOLDEN=1 npx vitest run test/grammar.
      expectGolden(golden, json, `${file}: AST differs from ${golden} (regenerate with UPDATE_GOLDEN=1 if the spec changed on purpose)`);
    });
  }
});
