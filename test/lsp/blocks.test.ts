// Parametric blocks in the editor outline (issue 21): a block is listed with its arguments, compile-time `int`
// ones included (the TextMate scopes of `block` are in grammar.test.ts).
import { expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../grammar/index.ts";
import { documentSymbols } from "../../compiler/lsp/outline.ts";
import { ROOT } from "./client.ts";

const file = join(ROOT, "examples/specs/resnet_blocks_ring.gan");
const text = readFileSync(file, "utf8");

it("outline: a block with its tensor and compile-time arguments, next to the networks that use it", () => {
  const p = parse(text, file);
  expect(p.diagnostics).toEqual([]);
  const syms = documentSymbols(p.spec, text);
  const res = syms.find((s) => s.name === "res")!;
  expect(res.detail).toBe("block -> Real[width]");
  expect(res.children!.map((c) => [c.name, c.detail])).toEqual([["h", "Real[width]"], ["hidden", "int"]]);
  expect(syms.map((s) => s.name)).toEqual(expect.arrayContaining(["res", "G", "D"]));
});
