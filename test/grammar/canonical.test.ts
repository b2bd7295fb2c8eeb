// The bundled specs and every example are kept in the formatter's canonical layout (`ganc fmt --check` passes on
// them): each file is a fixed point of `format`.
import { expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { format } from "../../grammar/index.ts";

const root = join(import.meta.dirname, "../..");
const DIRS = ["specs", "examples/plugins", "examples/specs"];
const files = DIRS.flatMap((d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith(".gan"))
    .map((f) => join(d, f)),
);

it("finds every example spec", () => {
  // the recipes of issue 21 and the older examples: a directory listing that came back empty would pass vacuously
  expect(files.filter((f) => f.startsWith("examples/specs/")).length).toBeGreaterThanOrEqual(11);
});

it.each(files)("%s is in canonical layout", (rel) => {
  const text = readFileSync(join(root, rel), "utf8");
  const r = format(text, rel);
  expect(r.diagnostics).toEqual([]);
  expect(r.text).toBe(text);
});
