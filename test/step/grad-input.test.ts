// grad(f, wrt) (issue 21, item 3) in the step IR, against float64 finite differences of the compiler's own graphs:
// - first order: the R1 penalty's value E |grad_x D(x)|^2 equals the same mean built from central differences of
//   D's forward graph (lowerNetworkForward) at each example;
// - second order: the update's gradient of the whole penalty with respect to every parameter of D equals central
//   differences of the penalty along a random direction (the best of several step sizes, as
//   test/step/agreement.test.ts: a leaky ReLU kink within h spoils the larger ones).
// The tfjs reference (nested tf.grad) is compared in test/step/agreement.test.ts and test/ort/agreement.test.ts.
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/pipeline.ts";
import { lowerNetworkForward, lowerUpdate } from "../../compiler/step/lower.ts";
import { hyperValues } from "../../compiler/step/optimizer.ts";
import { interpret } from "../../compiler/step/interp.ts";
import type { StepGraph } from "../../compiler/step/ir.ts";

const N = 6;
const spec = (act: string, penalty: string) => `model t "grad penalty"
data x: Real[2] = ring()
latent z ~ Normal(0, 1, dim=4)
latent u ~ Uniform(0, 1, dim=2)
generator G(z: Real[4]) -> Real[2] = z |> dense(8) |> relu() |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> mlp([16, 16], act=${act}) |> dense(1)
let xp = x + 0.5 * u
loss pen = ${penalty}
loss g_loss = E[z] softplus(-D(G(z)))
update d_step: D minimizes pen with sgd(lr=0.1)
update g_step: G minimizes g_loss with sgd(lr=0.1)
train { batch ${N}; steps 1 }
`;

/** a deterministic pseudo-random stream in (-1, 1) */
function stream(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
}

function inputsOf(g: StepGraph, seed: number): Record<string, Float64Array> {
  const r = stream(seed);
  const out: Record<string, Float64Array> = {};
  for (const inp of g.inputs) {
    const n = g.values[inp.id]!.shape.reduce((a, b) => a * b, 1);
    out[inp.name] = Float64Array.from({ length: n }, () => (inp.kind === "noise" ? (r() + 1) / 2 : inp.kind === "data" ? 2 * r() : 0.7 * r()));
  }
  return out;
}

function lowered(act: string, penalty: string) {
  const r = checkSource(spec(act, penalty), "t.gan");
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const ir = r.ir!;
  const u = ir.updates.find((x) => x.name === "d_step")!;
  const g = lowerUpdate(ir, u, { exposeGrads: true });
  const inputs = inputsOf(g, 7);
  for (const [k, v] of Object.entries(hyperValues(u, 1))) inputs[k] = Float64Array.of(v);
  return { ir, g, inputs, vars: [...new Set(u.groups.flatMap((q) => q.vars))] };
}

const l2 = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((a, v) => a + v * v, 0));

describe("grad(f, wrt): float64 finite differences", () => {
  it("first order: R1's E |grad_x D(x)|^2 equals the mean of central differences of D's forward graph", () => {
    const { ir, g, inputs } = lowered("tanh()", "E[x] sqnorm(grad(D(x), x))");
    const value = interpret(g, inputs)["loss:pen"]!.data[0]!;
    const fwd = lowerNetworkForward(ir, "D", N);
    const fin: Record<string, Float64Array> = {};
    for (const inp of fwd.inputs) fin[inp.name] = inp.kind === "data" ? Float64Array.from(inputs["data:x"]!) : inputs[inp.name]!;
    const D = (x: Float64Array) => interpret(fwd, { ...fin, x })["output"]!.data;
    const h = 1e-5;
    let total = 0;
    const x0 = fin["x"]!;
    const gsq = new Float64Array(N);
    for (let j = 0; j < 2; j++) {
      const up = Float64Array.from(x0), dn = Float64Array.from(x0);
      for (let i = 0; i < N; i++) (up[i * 2 + j] += h), (dn[i * 2 + j] -= h);
      const a = D(up), b = D(dn);
      for (let i = 0; i < N; i++) gsq[i] += ((a[i]! - b[i]!) / (2 * h)) ** 2;
    }
    for (let i = 0; i < N; i++) total += gsq[i]! / N;
    expect(total).toBeGreaterThan(1e-3); // not a vacuous comparison
    expect(Math.abs(value - total) / total).toBeLessThan(1e-7);
  });

  for (const [label, act, penalty] of [
    ["R1, tanh", "tanh()", "E[x] 0.5 * 10 * sqnorm(grad(D(x), x))"],
    ["R1, leaky_relu", "leaky_relu(0.2)", "E[x] 5 * sqnorm(grad(D(x), x))"],
    ["R1, sigmoid then softplus", "sigmoid()", "E[x] sqnorm(grad(softplus(D(x)), x))"],
    ["DRAGAN at a let, tanh", "tanh()", "E[x, u] 10 * square(sqrt(sqnorm(grad(D(xp), xp)) + 1e-12) - 1)"],
    ["R2 on fakes, relu", "relu()", "E[z] 5 * sqnorm(grad(D(G(z)), G(z)))"],
  ] as const) {
    it(`second order: d penalty / d D's parameters (${label})`, () => {
      const { g, inputs, vars } = lowered(act, penalty);
      const out = interpret(g, inputs);
      const at = (p: string, v: Float64Array, h: number) =>
        interpret(g, { ...inputs, [p]: Float64Array.from(inputs[p]!, (x, i) => x + h * v[i]!) })["loss:pen"]!.data[0]!;
      let checked = 0;
      for (const p of vars) {
        const grad = out[`grad:${p}`]!.data;
        const r = stream(p.length * 31 + 1);
        const v = Float64Array.from(inputs[p]!, () => r());
        const nv = l2(v);
        v.forEach((x, i) => (v[i] = x / nv));
        const an = Array.from(grad).reduce((a, x, i) => a + x * v[i]!, 0);
        const gn = Math.max(l2(grad), 1e-12);
        const err = Math.min(...[1e-4, 1e-5, 1e-6].map((h) => Math.abs((at(p, v, h) - at(p, v, -h)) / (2 * h) - an) / gn));
        expect(err, `${label}: ${p}`).toBeLessThan(1e-6);
        if (l2(grad) > 1e-8) checked++;
      }
      // the penalty reaches at least every kernel of D (with piecewise-linear activations the input gradient does
      // not depend on the biases, and never on the output bias: those gradients are 0, and FD agree with that)
      expect(checked).toBeGreaterThanOrEqual(vars.filter((v) => v.endsWith("/kernel")).length);
    });
  }
});
