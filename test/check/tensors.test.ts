// issue 21 items 2 and 6 in the checker: one_hot, embedding, upsample shapes and types, and frozen (`fixed`)
// weights: parsed, formatted, kept out of every update and of the never-updated warning.
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/index.ts";
import { format } from "../../grammar/format.ts";
import { check } from "../../compiler/check/index.ts";

function run(src: string) {
  const p = parse(src, "t.gan");
  expect(p.diagnostics).toEqual([]);
  return check(p.spec, {});
}
const codes = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => d.code);

const spec = (g: string, extra = "") => `model t
data x: Image[28, 28, 1], y: Index[10] = fashion_mnist()
latent z ~ Normal(0, 1, dim=4)
latent c ~ Categorical(10)
${extra}
${g}
discriminator D(x: Image[28, 28, 1]) -> Logit = x |> flatten() |> dense(1)
loss d_loss = E[x] log_sigmoid(D(x)) + E[z, c] log_sigmoid(-D(G(z, c)))
loss g_loss = E[z, c] -log_sigmoid(D(G(z, c)))
update d_step: D maximizes d_loss with adam(lr=0.001)
update g_step: G minimizes g_loss with adam(lr=0.001)
`;

describe("one_hot, embedding, upsample", () => {
  it("shapes flow: upsample multiplies h and w, embedding appends dim, one_hot is Simplex[K]", () => {
    const r = run(spec(`generator G(z: Real[4], c: Index[10]) -> Image[28, 28, 1] =
  concat(z, one_hot(c, 10), c |> embedding(10, 6, init=normal(0.1))) |> dense(49) |> reshape([7, 7, 1])
    |> upsample(2) |> upsample(2, "bilinear")`));
    expect(codes(r)).toEqual([]);
    const G = r.ir!.networks.find((n) => n.name === "G")!;
    const ups = G.layers.filter((l) => l.kind === "upsample");
    expect(ups.map((l) => [l.inShape, l.outShape, l.attrs.mode])).toEqual([
      [[7, 7, 1], [14, 14, 1], "nearest"],
      [[14, 14, 1], [28, 28, 1], "bilinear"],
    ]);
    const emb = G.layers.find((l) => l.kind === "embedding")!;
    expect(emb.params).toEqual([{ name: "G/embedding_0/embeddings", shape: [10, 6], init: { kind: "normal", std: 0.1 } }]);
    expect(emb.outShape).toEqual([6]);
    const oh = G.body.values.find((v) => v.op === "one_hot")!;
    expect(oh.type).toMatchObject({ elem: "real", shape: [10], tag: "simplex", classes: 10, batched: true });
  });

  it("misuse is diagnosed: wrong class count, a real index, a vector upsampled, a bad factor or mode", () => {
    const g = (body: string) => codes(run(spec(`generator G(z: Real[4], c: Index[10]) -> Image[28, 28, 1] = ${body}`)));
    expect(g(`concat(z, one_hot(c, 9)) |> dense(784) |> reshape([28, 28, 1])`)).toContain("E0330");
    expect(g(`c |> embedding(5, 784) |> reshape([28, 28, 1])`)).toContain("E0330");
    expect(g(`z |> embedding(10, 784) |> reshape([28, 28, 1])`)).toContain("E0330");
    expect(g(`z |> dense(784) |> upsample(2) |> reshape([28, 28, 1])`)).toContain("E0333");
    const bad = g(`z |> dense(196) |> reshape([14, 14, 1]) |> upsample(0)`);
    expect(bad.length).toBeGreaterThan(0);
    expect(bad).not.toContain("E0799");
    const mode = g(`z |> dense(196) |> reshape([14, 14, 1]) |> upsample(2, "cubic")`);
    expect(mode.length).toBeGreaterThan(0);
    expect(mode).not.toContain("E0799");
    // the upsampled shape must match the declared output
    expect(g(`z |> dense(196) |> reshape([14, 14, 1]) |> upsample(3)`).length).toBeGreaterThan(0);
  });
});

describe("fixed weights", () => {
  const G = `generator G(z: Real[4], c: Index[10]) -> Image[28, 28, 1] = (concat(z, one_hot(c, 10)) @ T) |> dense(784) |> reshape([28, 28, 1])`;
  it("parse, format round trip, IR flag, no W0401, left out of the network's group", () => {
    const src = spec(G, "weights T: Real[14, 14] init eye fixed");
    const f = format(src, "t.gan").text!;
    expect(f).toContain("weights T: Real[14, 14] init eye fixed");
    expect(format(f, "t.gan").text).toBe(f);
    const r = run(src);
    expect(codes(r)).toEqual([]);
    expect(r.ir!.weights[0]).toMatchObject({ name: "T", fixed: true, constrain: null });
    expect(r.ir!.networks.find((n) => n.name === "G")!.vars).not.toContain("T");
    // without fixed, T joins G's group (it is read in G's body): the control for the assertion above
    const learn = run(spec(G, "weights T: Real[14, 14] init eye"));
    expect(learn.ir!.networks.find((n) => n.name === "G")!.vars).toContain("T");
    expect(learn.ir!.weights[0]!.fixed).toBeUndefined();
  });

  it("`fixed(...)` after a weights declaration is still a call, not the fixed marker", () => {
    const r = run(spec(G, "weights T: Real[14, 14] init eye\nlatent w ~ GaussianMixture(2, 2, means=fixed(zeros))"));
    expect(codes(r).filter((c) => c.startsWith("E"))).toEqual([]);
    expect(r.ir!.weights[0]!.fixed).toBeUndefined();
  });
});
