// grad(f, wrt) in the checker (issue 21): the forms the docs show check and give the IR op `grad` typed like wrt;
// each misuse gets its code (the bad-spec corpus has the rendered form of one case per code).
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/pipeline.ts";

const spec = (extra: string, loss: string, d = "x |> mlp([16], act=leaky_relu(0.2)) |> dense(1)") => `model t "grad"
data x: Real[2] = ring()
latent z ~ Normal(0, 1, dim=4)
latent y ~ Normal(0, 1, dim=2)
latent u ~ Uniform(0, 1, dim=2)
generator G(z: Real[4]) -> Real[2] = z |> dense(8) |> relu() |> dense(2)
discriminator D(x: Real[2]) -> Logit = ${d}
${extra}
loss d_loss = E[x] softplus(-D(x)) + E[z] softplus(D(G(z))) + ${loss}
loss g_loss = E[z] softplus(-D(G(z)))
update d_step: D minimizes d_loss with adam(lr=0.001)
update g_step: G minimizes g_loss with adam(lr=0.001)
`;
const errors = (text: string) => checkSource(text, "t.gan").diagnostics.filter((d) => d.severity === "error").map((d) => d.code);

describe("grad(f, wrt) in the checker", () => {
  for (const [label, extra, loss] of [
    ["R1", "", "E[x] 5 * sqnorm(grad(D(x), x))"],
    ["R2 (G(z) twice is one value)", "", "E[z] 5 * sqnorm(grad(D(G(z)), G(z)))"],
    ["DRAGAN at a let", "let xp = x + 0.5 * u", "E[x, u] square(sqrt(sqnorm(grad(D(xp), xp)) + 1e-12) - 1)"],
    ["path length w.r.t. a latent", "", "E[z, y] 0.01 * sqnorm(grad(sum(G(z) * y), z))"],
  ] as const) {
    it(`${label} checks and is the IR op grad, typed like wrt`, () => {
      const r = checkSource(spec(extra, loss), "t.gan");
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const g = r.ir!.losses.find((l) => l.name === "d_loss")!.graph;
      const gv = g.values.filter((v) => v.op === "grad");
      expect(gv.length).toBe(1);
      const wrt = g.values[gv[0]!.args[1]!]!;
      expect(gv[0]!.type).toEqual({ elem: "real", shape: wrt.type.shape, batched: true });
    });
  }

  it("misuses: E0340 non-scalar, E0341 not an input, E0342 parameter / whole-batch, E0345 outside a loss", () => {
    expect(errors(spec("", "E[z] sqnorm(grad(G(z), z))"))).toEqual(["E0340"]);
    expect(errors(spec("", "sqnorm(grad(E[x] D(x), x))"))).toEqual(["E0340"]);
    expect(errors(spec("", "E[x] sqnorm(grad(D(x), x + 0))"))).toEqual(["E0341"]);
    expect(errors(spec("", "E[x, z] sqnorm(grad(D(x), z))"))).toEqual(["E0341"]);
    expect(errors(spec("weights W: Real[2] init ones", "E[x] sqnorm(grad(D(x * W), W))"))).toEqual(["E0342"]);
    expect(errors(spec("weights W: Real[2] init ones", "E[x] sqnorm(grad(D(x * W), W * 2))"))).toEqual(["E0342"]);
    expect(errors(spec("", "E[x] 1", "sum(grad(sum(x |> dense(1)), x))"))).toContain("E0345");
  });

  for (const [what, d, loss] of [
    ["batchnorm", "x |> dense(16) |> batchnorm() |> relu() |> dense(1)", "E[x] sqnorm(grad(D(x), x))"],
    ["dropout", "x |> dense(16) |> dropout(0.5) |> relu() |> dense(1)", "E[x] sqnorm(grad(D(x), x))"],
    ["E[...]", undefined, "E[x] sqnorm(grad(D(x) + E[x] D(x), x))"],
    ["another grad", undefined, "E[x] sqnorm(grad(sum(grad(D(x), x)), x))"],
    ["wasserstein", undefined, "E[x] sqnorm(grad(D(x) * wasserstein(D(x), D(x)), x))"],
  ] as const) {
    it(`E0343 names ${what} on the path`, () => {
      const r = checkSource(spec("", loss, d), "t.gan");
      const e = r.diagnostics.filter((x) => x.severity === "error");
      expect(e.map((x) => x.code)).toEqual(["E0343"]);
      expect(e[0]!.message).toContain(what === "wasserstein" ? "`wasserstein`" : what);
    });
  }

  it("dropout(0) is the identity and allowed", () => {
    expect(errors(spec("", "E[x] sqnorm(grad(D(x), x))", "x |> dense(16) |> dropout(0) |> relu() |> dense(1)"))).toEqual([]);
  });
});
