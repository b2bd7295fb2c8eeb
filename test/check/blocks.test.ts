// Parametric blocks and spectral_norm in the checker (issue 21): each use of a block is its own set of layers,
// named under the using network; compile-time arguments set the widths; a network argument typed `int` is refused
// without a crash; spectral_norm marks the wrapped layer and nothing else.
import { expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../grammar/index.ts";
import { check } from "../../compiler/check/index.ts";

const ROOT = join(import.meta.dirname, "../..");

function checkText(text: string, file = "t.gan") {
  const p = parse(text, file);
  expect(p.diagnostics).toEqual([]);
  return check(p.spec, {});
}

it("resnet_blocks_ring: five uses of `res` (two through `repeat depth`), each with its own layers and widths", () => {
  const file = join(ROOT, "examples/specs/resnet_blocks_ring.gan");
  const r = checkText(readFileSync(file, "utf8"), file);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const layers = (net: string) => r.ir!.networks.find((n) => n.name === net)!.layers.map((l) => [l.id, l.attrs.units]);
  expect(layers("G")).toEqual([
    ["G/dense_0", 64],
    ["G/repeat_0/0/res_0/dense_0", 128], ["G/repeat_0/0/res_0/dense_1", 64],
    ["G/repeat_0/1/res_0/dense_0", 128], ["G/repeat_0/1/res_0/dense_1", 64],
    ["G/res_0/dense_0", 64], ["G/res_0/dense_1", 64],
    ["G/dense_1", 2],
  ]);
  expect(layers("D").map(([id]) => id)).toEqual(["D/dense_0", "D/res_0/dense_0", "D/res_0/dense_1", "D/res_1/dense_0", "D/res_1/dense_1", "D/dense_1"]);
  // every instance's parameters are in D's group, none shared
  const vars = r.ir!.networks.find((n) => n.name === "D")!.vars;
  expect(new Set(vars).size).toBe(vars.length);
  expect(vars).toContain("D/res_1/dense_0/kernel");
});

const base = (body: string, extra = "") => `model t "t"
data x: Real[2] = ring()
latent z ~ Normal(0, 1, dim=2)
${extra}
generator G(z: Real[2]) -> Real[2] = z |> dense(2)
discriminator D(x: Real[2]) -> Logit = ${body}
loss d = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
update u: D maximizes d with adam(lr=0.001)
update v: G minimizes d with adam(lr=0.001)
`;

it("a block error in its body is reported once for several uses, with no cascade", () => {
  const r = checkText(base("x |> b(3) |> b(3) |> dense(1)", "block b(h: Real[2], w: int) -> Real[2] = h |> dense(w) |> nosuch()"));
  expect(r.diagnostics.map((d) => d.code)).toEqual(["E0203"]);
});

it("blocks nest; the inner block's layers are named under the outer use", () => {
  const r = checkText(base("x |> outer(4) |> dense(1)", "block inner(h: Real[2], w: int) -> Real[2] = h |> dense(w) |> dense(2)\nblock outer(h: Real[2], w: int) -> Real[2] = h |> inner(w) |> inner(w)"));
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(r.ir!.networks.find((n) => n.name === "D")!.layers.map((l) => l.id)).toEqual([
    "D/outer_0/inner_0/dense_0", "D/outer_0/inner_0/dense_1", "D/outer_0/inner_1/dense_0", "D/outer_0/inner_1/dense_1", "D/dense_0",
  ]);
});

it("a network argument typed `int` is an unknown type (E0314), a block as an update target is refused", () => {
  const r = checkText(base("x |> dense(1)", "network N(x: int) -> Real[2] = x"));
  expect(r.diagnostics.map((d) => d.code)).toContain("E0314");
  const r2 = checkText(base("x |> dense(1)", "block b(h: Real[2]) -> Real[2] = h |> dense(2)") + "update w: b minimizes d with adam(lr=0.001)\n");
  expect(r2.diagnostics.some((d) => d.severity === "error")).toBe(true);
  expect(r2.diagnostics.map((d) => d.code)).not.toContain("E0799");
});

it("spectral_norm marks only the wrapped layer with its iterations", () => {
  const r = checkText(base("x |> spectral_norm(dense(4), iters=3) |> relu() |> dense(1)"));
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(r.ir!.networks.find((n) => n.name === "D")!.layers.map((l) => [l.id, l.attrs.spectralNorm ?? null])).toEqual([["D/dense_0", 3], ["D/dense_1", null]]);
});
