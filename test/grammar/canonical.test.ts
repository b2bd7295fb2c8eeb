// The bundled specs and examples are kept in the formatter's canonical layout (`ganc fmt --check` passes on them).
import { expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { format } from "../../grammar/index.ts";

const root = join(import.meta.dirname, "../..");
const files = ["specs", "examples/plugins"].flatMap((d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith(".gan"))
    .map((f) => join(d, f)),
).concat(["examples/specs/sngan_hinge_fashion.gan", "examples/specs/resnet_blocks_ring.gan"]); // the older examples/specs files predate this test

it.each(files)("%s is in canonical layout", (rel) => {
  const text = readFileSync(join(root, rel), "utf8");
  const r = format(text, rel);
  expect(r.diagnostics).toEqual([]);
  expect(r.text).toBe(text);
});
