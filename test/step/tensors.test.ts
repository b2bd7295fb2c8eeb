// issue 21 items 2 and 6 in the step IR: one_hot, embedding and upsample (nearest, bilinear) lowered into an
// update's graph, its gradients (exposed as `grad:<store name>`) checked against float64 central differences of the
// loss (the forward values agree with the tfjs runtime's tf.image.resize* in test/ort/agreement.test.ts).
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/pipeline.ts";
import { lowerUpdate } from "../../compiler/step/lower.ts";
import { interpret } from "../../compiler/step/interp.ts";
import type { StepGraph } from "../../compiler/step/ir.ts";
import { finiteDiff, relErr, rng, size } from "./helpers.ts";

const spec = (mode: string) => `model t "tensors"
data x: Real[2] = ring()
latent z ~ Normal(0, 1, dim=3)
latent c ~ Categorical(3)
weights P: Real[3, 3] init eye fixed
generator G(z: Real[3], c: Index[3]) -> Image[8, 12, 1] =
  concat(z, one_hot(c, 3)) |> dense(12) |> reshape([2, 3, 2]) |> upsample(2, "${mode}") |> conv2d(2, 3) |> tanh()
    |> upsample(2, "${mode}") |> conv2d(1, 3)
network Emb(c: Index[3]) -> Real[4] = c |> embedding(3, 4, init=normal(0.5))
discriminator D(x: Image[8, 12, 1], c: Index[3]) -> Real = sum((x |> flatten() |> dense(4)) * Emb(c))
loss g = E[z, c] square(D(G(z, c), c)) + E[c] sum(one_hot(c, 3) @ P)
loss d = E[z, c] -D(G(z, c), c)
update d_step: D minimizes d with sgd(lr=0.1)
update g_step: G minimizes g with sgd(lr=0.1)
train { batch 3; steps 1 }
`;

function program(mode: string) {
  const r = checkSource(spec(mode), "t.gan");
  const errs = r.diagnostics.filter((d) => d.severity === "error");
  expect(errs.map((d) => d.message)).toEqual([]);
  return r.ir!;
}

/** random inputs for every graph input: floats in [-1, 1), class indices in 0..2 */
function inputs(g: StepGraph, seed: number): Record<string, number[]> {
  const r = rng(seed);
  const out: Record<string, number[]> = {};
  for (const i of g.inputs) {
    const v = g.values[i.id]!;
    out[i.name] = Array.from({ length: size(v.shape) }, () => (v.dtype === "i32" ? Math.floor(r() * 3) : 2 * r() - 1));
  }
  return out;
}

describe("one_hot, embedding and upsample: step-IR gradients = float64 finite differences", () => {
  for (const mode of ["nearest", "bilinear"]) {
    for (const upd of ["g_step", "d_step"]) {
      it(`${mode}, ${upd}`, () => {
        const ir = program(mode);
        const u = ir.updates.find((x) => x.name === upd)!;
        const g = lowerUpdate(ir, u, { exposeGrads: true });
        const inp = inputs(g, mode === "nearest" ? 1 : 2);
        const res = interpret(g, inp);
        const lossId = g.outputs.find((o) => o.name === `loss:${u.loss}`)!.id;
        let worst = 0, checked = 0, nonzero = 0;
        for (const v of u.groups.flatMap((x) => x.vars)) {
          const fd = finiteDiff(g, inp, lossId, v);
          const an = res[`grad:${v}`]!.data;
          for (let i = 0; i < fd.length; i++) {
            worst = Math.max(worst, relErr(an[i]!, fd[i]!));
            if (Math.abs(fd[i]!) > 1e-6) nonzero++;
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(10);
        expect(nonzero, "the check must see real gradients").toBeGreaterThan(checked / 3);
        expect(worst).toBeLessThan(1e-6);
      });
    }
  }

  it("a fixed tensor is read but never updated and gets no optimizer slot; the upsampled shapes flow", () => {
    const ir = program("nearest");
    expect(ir.weights.find((w) => w.name === "P")!.fixed).toBe(true);
    for (const u of ir.updates) expect(u.groups.flatMap((x) => x.vars)).not.toContain("P");
    const g = lowerUpdate(ir, ir.updates.find((x) => x.name === "g_step")!);
    expect(g.inputs.some((i) => i.name === "P" && i.kind === "param")).toBe(true);
    expect(g.outputs.some((o) => o.name === "P" || o.name.includes("/P"))).toBe(false);
    const G = ir.networks.find((n) => n.name === "G")!;
    expect(G.layers.filter((l) => l.kind === "upsample").map((l) => [l.inShape, l.outShape])).toEqual([
      [[2, 3, 2], [4, 6, 2]],
      [[4, 6, 2], [8, 12, 2]],
    ]);
  });
});
