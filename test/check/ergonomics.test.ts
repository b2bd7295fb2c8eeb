// Issue 21, item 9: the papers' notation `c * E[x] f(x)`, losses that use losses, a declaration hiding a built-in,
// integer division `div`, and no cascade after a failed network.
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/index.ts";
import { format } from "../../grammar/format.ts";
import { checkSource } from "../../compiler/pipeline.ts";
import { printIR } from "../../compiler/ir/print.ts";

const HEAD = `model m "ergonomics"
param ng: int in 2..512 = 65
data x: Real[2] = ring()
latent z ~ Normal(0, 1, dim=4)
generator G(z: Real[4]) -> Real[2] = z |> dense(16) |> relu() |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> dense(16) |> relu() |> dense(1)
`;
const TAIL = `update d_step: D maximizes d with adam(lr=0.001)
update g_step: G minimizes g with adam(lr=0.001)
`;
const spec = (losses: string) => HEAD + losses + TAIL;
const strip = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x) => (k === "span" ? undefined : x)));
const exprOf = (src: string) => {
  const p = parse(`loss l = ${src}\n`, "t.gan");
  expect(p.diagnostics).toEqual([]);
  const it = p.spec.items[0]!;
  if (it.kind !== "Loss") throw new Error("not a loss");
  return strip(it.value);
};
const codes = (text: string) => checkSource(text, "t.gan").diagnostics.map((d) => d.code);
const irText = (text: string) => {
  const r = checkSource(text, "t.gan");
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  // spans differ between the two spellings; the computation must not
  return printIR(r.ir!).replace(/"span": "[^"]*"/g, "");
};

describe("E[x] in products (the papers' notation)", () => {
  it("c * E[x] f parses as c * (E[x] f), and the expectation's body runs to the end of the product", () => {
    expect(exprOf("0.5 * E[x] log_sigmoid(D(x))")).toEqual(exprOf("0.5 * (E[x] log_sigmoid(D(x)))"));
    expect(exprOf("2 * E[x] D(x) * 3")).toEqual(exprOf("2 * (E[x] (D(x) * 3))"));
    expect(exprOf("-E[z] D(G(z))")).toEqual(exprOf("-(E[z] D(G(z)))"));
    expect(exprOf("E[x] a + 0.5 * E[z] b")).toEqual(exprOf("(E[x] a) + (0.5 * (E[z] b))"));
  });

  it("gives no parse error (it used to be a 4-error cascade) and the same IR as the parenthesized form", () => {
    const a = spec("loss d = 0.5 * E[x] log_sigmoid(D(x)) + 0.5 * E[z] log_sigmoid(-D(G(z)))\nloss g = -E[z] log_sigmoid(D(G(z)))\n");
    const b = spec("loss d = 0.5 * (E[x] log_sigmoid(D(x))) + 0.5 * (E[z] log_sigmoid(-D(G(z))))\nloss g = -(E[z] log_sigmoid(D(G(z))))\n");
    expect(irText(a)).toBe(irText(b));
  });

  it("the formatter keeps the notation and parenthesizes only where a following * would join the body", () => {
    const src = "loss l = 0.5 * E[x] f(x) + (E[z] g(z)) * 2 - c * (-E[z] h(z)) * 3\n";
    const out = format(src, "t.gan").text!;
    expect(out).toBe("loss l = 0.5 * E[x] f(x) + (E[z] g(z)) * 2 - (c * -E[z] h(z)) * 3\n");
    expect(exprOf(out.slice("loss l = ".length))).toEqual(exprOf(src.slice("loss l = ".length)));
    expect(format(out, "t.gan").text).toBe(out);
  });
});

describe("losses that use losses", () => {
  it("loss g2 = g + 0.1 * d is the sum of the two computations", () => {
    const base = "loss d = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))\n";
    const a = spec(base + "loss g0 = -E[z] log_sigmoid(D(G(z)))\nloss g = g0 + 0.1 * d\n");
    const b = spec(base + "loss g0 = -E[z] log_sigmoid(D(G(z)))\nloss g = (-E[z] log_sigmoid(D(G(z)))) + 0.1 * (E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z))))\n");
    const r = checkSource(a, "t.gan");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const g = (t: string) => printIR(checkSource(t, "t.gan").ir!).split("\n").filter((l) => /^loss g\b/.test(l) || l.includes("loss g ")).join("\n");
    expect(g(a)).toBe(g(b));
    expect(r.ir!.losses.find((l) => l.name === "g")!.uses.data).toEqual(["x"]);
  });

  it("a cycle is one E0206, and the losses on it stay quiet otherwise", () => {
    const c = codes(spec("loss d = E[x] log_sigmoid(D(x)) + g\nloss g = 0.5 * d\n"));
    expect(c).toEqual(["E0206"]);
    expect(codes(spec("loss d = E[x] log_sigmoid(D(x)) + d\nloss g = -E[z] log_sigmoid(D(G(z)))\n"))).toEqual(["E0206"]);
  });

  it("a loss that fails is reported once, not again where another loss uses it", () => {
    const c = codes(spec("loss d = E[x] log_sigmoid(D(xx))\nloss g = -E[z] log_sigmoid(D(G(z))) + d\n"));
    expect(c).toEqual(["E0201"]);
  });
});

describe("integer division", () => {
  it("ng div 2 is an int (rounded down): a width", () => {
    const t = spec("loss d = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z))) * (ng div 2)\nloss g = -E[z] log_sigmoid(D(G(z)))\n").replace(
      "dense(16) |> relu() |> dense(2)",
      "dense(ng div 2) |> relu() |> dense(2)",
    );
    const r = checkSource(t, "t.gan");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const g = r.ir!.networks.find((n) => n.name === "G")!;
    expect(g.layers[0]!.params.find((p) => p.name.endsWith("kernel"))!.shape).toEqual([4, 32]);
    expect(codes(t.replace("param ng: int in 2..512 = 65", "param ng: int in 2..512 = 7").replace("dense(ng div 2)", "dense(ng div 2 * 2)"))).toEqual([]);
  });

  it("a real from `/` where an int is needed hints at div", () => {
    const t = spec("loss d = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))\nloss g = -E[z] log_sigmoid(D(G(z)))\n").replace(
      "dense(16) |> relu() |> dense(2)",
      "dense(ng / 2) |> relu() |> dense(2)",
    );
    const ds = checkSource(t, "t.gan").diagnostics;
    expect(ds.map((d) => d.code)).toEqual(["E0302"]);
    expect(ds[0]!.hints.join("\n")).toMatch(/expected an int, got 32\.5 \(for integer division write `a div b`/);
  });

  it("div of a real or a tensor is E0208; `div` stays usable as a name", () => {
    expect(codes(spec("loss d = E[x] log_sigmoid(D(x)) * (ng div 2.5)\nloss g = -E[z] log_sigmoid(D(G(z)))\n"))).toEqual(["E0208"]);
    expect(codes(spec("loss d = E[x] log_sigmoid(D(x)) div 2\nloss g = -E[z] log_sigmoid(D(G(z)))\n"))).toEqual(["E0208"]);
    const named = spec("loss d = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))\nloss g = -E[z] log_sigmoid(D(G(z)))\n").replace("param ng", "param div: int = 3\nparam ng");
    expect(codes(named.replace("dense(16) |> relu() |> dense(2)", "dense(div * 4) |> relu() |> dense(2)"))).toEqual([]);
  });
});

describe("a declaration hiding a built-in", () => {
  it("param modes, then modes(): E0207 naming both, the declaration as the related span", () => {
    const t = spec("loss d = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))\nloss g = -E[z] log_sigmoid(D(G(z)))\n").replace("param ng", "param modes: int = 8\nparam ng") +
      "evaluate every 10 steps { samples(n=10); modes() }\n";
    const ds = checkSource(t, "t.gan").diagnostics;
    expect(ds.map((d) => d.code)).toEqual(["E0207"]);
    expect(ds[0]!.message).toMatch(/`modes` is the param .*built-in evaluation metric `modes`/);
    expect(ds[0]!.related[0]!.span.start.line).toBe(2);
  });
});

describe("no cascade after a failed network", () => {
  it("one wrong conv2d_transpose argument in G is one error, not E0405s on the evaluate metrics", () => {
    const t = `model m "cascade"
data x: Image[28, 28, 1], y: Index[10] = fashion_mnist(split="test", n=64)
latent z ~ Normal(0, 1, dim=16)
generator G(z: Real[16]) -> Image[28, 28, 1] =
  z |> dense(6272) |> relu() |> reshape([7, 7, 128]) |> conv2d_transpose(64, 4, strid=2) |> conv2d_transpose(1, 4, stride=2) |> tanh()
discriminator D(x: Image[28, 28, 1]) -> Logit = x |> flatten() |> dense(1)
loss d = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g = -E[z] log_sigmoid(D(G(z)))
${TAIL}evaluate every 5 steps { samples(grid=4); ndb(bins=10); cfd() }
`;
    expect(codes(t)).toEqual(["E0302"]);
  });
});
