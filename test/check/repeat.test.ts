// `repeat N { ... }` in network bodies (issue 21): each repetition is its own set of layers named
// `<Net>/repeat_<k>/<i>/...`; the count is a compile-time int (literals, params, a block's int argument, `div`);
// the body must keep its input's shape; errors point at the count, the body or the repeat, once and without cascades.
import { expect, it } from "vitest";
import { parse } from "../../grammar/index.ts";
import { check } from "../../compiler/check/index.ts";

function checkText(text: string, overrides: Record<string, string> = {}) {
  const p = parse(text, "t.gan");
  expect(p.diagnostics).toEqual([]);
  return check(p.spec, { overrides });
}

const base = (body: string, extra = "") => `model t "t"
param depth: int in 0..8 = 3
data x: Real[2] = ring()
latent z ~ Normal(0, 1, dim=2)
${extra}
generator G(z: Real[2]) -> Real[2] = z |> dense(2)
discriminator D(x: Real[2]) -> Logit = ${body}
loss d = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
update u: D maximizes d with adam(lr=0.001)
update v: G minimizes d with adam(lr=0.001)
`;

const layerIds = (r: ReturnType<typeof checkText>, net = "D") => r.ir!.networks.find((n) => n.name === net)!.layers.map((l) => l.id);
const errors = (r: ReturnType<typeof checkText>) => r.diagnostics.filter((d) => d.severity === "error");

it("each repetition has its own layers, in order, and all are in the network's group", () => {
  const r = checkText(base("x |> dense(8) |> repeat depth { dense(8) |> relu() } |> repeat 2 { dense(8) } |> dense(1)"));
  expect(errors(r)).toEqual([]);
  expect(layerIds(r)).toEqual([
    "D/dense_0",
    "D/repeat_0/0/dense_0", "D/repeat_0/1/dense_0", "D/repeat_0/2/dense_0",
    "D/repeat_1/0/dense_0", "D/repeat_1/1/dense_0",
    "D/dense_1",
  ]);
  const vars = r.ir!.networks.find((n) => n.name === "D")!.vars;
  expect(new Set(vars).size).toBe(vars.length);
  expect(vars).toContain("D/repeat_0/2/dense_0/kernel");
  expect(vars).toContain("D/repeat_1/1/dense_0/bias");
});

it("the count follows a --set override of its param", () => {
  const body = "x |> dense(8) |> repeat depth { dense(8) |> relu() } |> dense(1)";
  expect(layerIds(checkText(base(body), { depth: "1" })).filter((id) => id.includes("repeat"))).toEqual(["D/repeat_0/0/dense_0"]);
  expect(layerIds(checkText(base(body), { depth: "5" })).filter((id) => id.includes("repeat")).length).toBe(5);
});

it("blocks inside a repeat and a repeat inside a block (its count a block argument); nested repeats", () => {
  const r = checkText(base(
    "x |> repeat 2 { res(4) |> relu() } |> stack(3) |> repeat 2 { repeat depth div 2 { dense(2) } } |> dense(1)",
    "block res(h: Real[2], w: int) -> Real[2] = h + (h |> dense(w) |> relu() |> dense(2))\n" +
      "block stack(h: Real[2], n: int) -> Real[2] = h |> repeat n { dense(2) |> tanh() }",
  ));
  expect(errors(r)).toEqual([]);
  expect(layerIds(r)).toEqual([
    "D/repeat_0/0/res_0/dense_0", "D/repeat_0/0/res_0/dense_1",
    "D/repeat_0/1/res_0/dense_0", "D/repeat_0/1/res_0/dense_1",
    "D/stack_0/repeat_0/0/dense_0", "D/stack_0/repeat_0/1/dense_0", "D/stack_0/repeat_0/2/dense_0",
    "D/repeat_1/0/repeat_0/0/dense_0", "D/repeat_1/1/repeat_0/0/dense_0",
    "D/dense_0",
  ]);
  const widths = r.ir!.networks.find((n) => n.name === "D")!.layers.map((l) => l.attrs.units);
  expect(widths.slice(0, 4)).toEqual([4, 2, 4, 2]);
});

it("the call form `repeat N { ... }(h)` is the piped one", () => {
  const piped = checkText(base("x |> repeat 2 { dense(2) |> relu() } |> dense(1)"));
  const called = checkText(base("dense(1)(repeat 2 { dense(2) |> relu() }(x))"));
  expect(errors(called)).toEqual([]);
  expect(layerIds(called)).toEqual(layerIds(piped));
});

it("a body that changes the shape is E0356 at the body, with the input as related span", () => {
  const r = checkText(base("x |> repeat 2 { dense(8) |> relu() } |> dense(1)"));
  expect(r.diagnostics.map((d) => d.code)).toEqual(["E0356"]);
  const d = r.diagnostics[0];
  expect(d.message).toContain("Real[2]");
  expect(d.message).toContain("Real[8]");
  expect(d.span.start.column).toBe("discriminator D(x: Real[2]) -> Logit = x |> repeat 2 { ".length + 1);
  expect(d.related[0].span.start.column).toBe("discriminator D(x: Real[2]) -> Logit = ".length + 1);
  // N = 1 is refused too: the rule does not depend on the count (so `--set depth=2` cannot break a checked spec)
  expect(checkText(base("x |> repeat 1 { dense(8) } |> dense(1)")).diagnostics.map((d) => d.code)).toEqual(["E0356"]);
});

it("a failing body is reported once, not once per repetition", () => {
  const r = checkText(base("x |> repeat 4 { dense(2) |> nosuch() } |> dense(1)"));
  expect(r.diagnostics.map((d) => d.code)).toEqual(["E0203"]);
});

it("count errors: not an int (E0357), out of 1..1024 (E0358), at the count's span", () => {
  for (const [count, code] of [["2.5", "E0357"], ["true", "E0357"], ["x", "E0357"], ["0", "E0358"], ["depth", "E0358"], ["2000", "E0358"], ["depth - 4", "E0358"]] as const) {
    const r = checkText(base(`x |> repeat ${count} { dense(2) } |> dense(1)`), count === "depth" ? { depth: "0" } : {});
    expect(r.diagnostics.map((d) => d.code), count).toContain(code);
    const d = r.diagnostics.find((x) => x.code === code)!;
    expect(d.span.start.column, count).toBe("discriminator D(x: Real[2]) -> Logit = x |> repeat ".length + 1);
  }
});

it("repeat outside a network body, or with no input, is E0359", () => {
  expect(checkText(base("x |> dense(1)") + "loss l = E[x] mean(x |> repeat 2 { relu() })\n").diagnostics.map((d) => d.code)).toContain("E0359");
  expect(checkText(base("repeat 2 { dense(2) } |> dense(1)")).diagnostics.map((d) => d.code)).toEqual(["E0359"]);
  expect(checkText(base("x |> dense(1)") + "let r = repeat 2 { relu() }\n").diagnostics.map((d) => d.code)).not.toContain("E0799");
});
