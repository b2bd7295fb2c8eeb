// Parametric blocks and `repeat` in the editor outline (issue 21): a block is listed with its arguments, compile-time
// `int` ones included; a network's `repeat N { ... }` stages are children of it (the TextMate scopes of `block` and
// `repeat` are in grammar.test.ts).
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

it("outline: a network's repeat stages are its children, with their count and body, nested repeats inside", () => {
  const p = parse(text, file);
  const G = documentSymbols(p.spec, text).find((s) => s.name === "G")!;
  const rep = G.children!.filter((c) => c.name.startsWith("repeat"));
  expect(rep.map((c) => [c.name, c.detail])).toEqual([["repeat depth", "res(128) |> relu()"]]);
  const src = "model m\nnetwork N(h: Real[4]) -> Real[4] = h |> repeat 2 { repeat 3 { dense(4) } |> relu() } |> repeat 1 { tanh() }\n";
  const q = parse(src, "m.gan");
  expect(q.diagnostics).toEqual([]);
  const N = documentSymbols(q.spec, src).find((s) => s.name === "N")!;
  const outer = N.children!.filter((c) => c.name.startsWith("repeat"));
  expect(outer.map((c) => c.name)).toEqual(["repeat 2", "repeat 1"]);
  expect(outer[0]!.children!.map((c) => [c.name, c.detail])).toEqual([["repeat 3", "dense(4)"]]);
  // the selection is the count, inside the repeat's range
  expect(outer[0]!.selectionRange.start.character).toBe(src.split("\n")[1]!.indexOf("repeat 2") + "repeat ".length);
});
