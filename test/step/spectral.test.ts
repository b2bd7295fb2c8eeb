// Spectral normalization (issue 21, item 1): the step IR's spectralNormKernel (compiler/step/lower.ts) against the
// tfjs reference layer (runtime/layers/spectral.ts) for each kernel layout, training and inference; its gradient
// (u, v constants: the paper's d sigma / dW) against float64 finite differences where the power iteration has
// converged (there the paper's gradient is the derivative of the largest singular value itself); stop_gradient.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import * as rt from "../../runtime/index.ts";
import { StepBuilder } from "../../compiler/step/ir.ts";
import { spectralNormKernel } from "../../compiler/step/lower.ts";
import { interpret } from "../../compiler/step/interp.ts";
import { grad } from "../../compiler/passes/grad.ts";
import { createParamStore } from "../../runtime/params.ts";
import { spectralNorm } from "../../runtime/layers/spectral.ts";
import { finiteDiff, rng, size } from "./helpers.ts";

/** ||a - b|| / ||b|| */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, n = 1e-30;
  for (let i = 0; i < b.length; i++) {
    d += (Number(a[i]) - Number(b[i])) ** 2;
    n += Number(b[i]) ** 2;
  }
  return Math.sqrt(d / n);
}

beforeAll(async () => {
  await rt.initBackend("cpu");
});

const LAYOUTS: [string, number[], number][] = [
  ["dense", [5, 3], 3],
  ["conv2d", [3, 3, 2, 4], 4],
  ["conv2d_transpose", [2, 2, 3, 2], 3],
];

function graph(kind: string, shape: number[], out: number, iters: number, update: boolean) {
  const b = new StepBuilder("sn");
  const W = b.input("W", "param", shape);
  const u = b.input("u", "state", [out]);
  const r = spectralNormKernel(b, W, u, kind, iters, update);
  b.output(r.kernel, "kernel", "result");
  b.output(r.u, "u", "update");
  return { b, W, r };
}

describe("spectral_norm: step IR = tfjs reference", () => {
  for (const [kind, shape, out] of LAYOUTS)
    for (const training of [true, false])
      it(`${kind} ${training ? "training (u moves)" : "inference (u read)"}`, () => {
        const store = createParamStore(rt.createRng(3));
        const W = store.create("L/kernel", shape, { kind: "glorot_uniform", fanIn: 4, fanOut: 4 });
        const f = spectralNorm(store, "L", W, kind as "dense", 2);
        const u0 = Float64Array.from(store.get("L/sn_u").dataSync());
        expect(Math.hypot(...u0)).toBeCloseTo(1, 6);
        const want = tf.tidy(() => f(training).dataSync());
        const uAfter = store.get("L/sn_u").dataSync();
        const g = graph(kind, shape, out, 2, training);
        const got = interpret(g.b.graph(), { W: Float64Array.from(W.dataSync()), u: u0 });
        expect(relErr(got.kernel!.data, want)).toBeLessThan(1e-5);
        expect(relErr(got.u!.data, uAfter)).toBeLessThan(1e-5);
        if (!training) expect(Array.from(uAfter)).toEqual(Array.from(u0, Math.fround));
        else expect(relErr(uAfter, u0)).toBeGreaterThan(1e-3); // it did move
      });

  it("a kernel divided by its spectral norm has largest singular value ~1 after enough iterations", () => {
    const r = rng(5);
    const shape = [6, 4];
    const W = Array.from({ length: 24 }, () => r() * 2 - 1);
    const g = graph("dense", shape, 4, 50, true);
    const out = interpret(g.b.graph(), { W: Float64Array.from(W), u: Float64Array.of(1, 0, 0, 0) });
    // power iteration on K^T K of the normalized kernel K [6, 4]
    const K = out.kernel!.data;
    let x = [1, 1, 1, 1];
    let s = 0;
    for (let it = 0; it < 200; it++) {
      const y = Array.from({ length: 6 }, (_, i) => x.reduce((a, xj, j) => a + K[i * 4 + j]! * xj, 0));
      const z = Array.from({ length: 4 }, (_, j) => y.reduce((a, yi, i) => a + K[i * 4 + j]! * yi, 0));
      s = Math.hypot(...z);
      x = z.map((v) => v / s);
    }
    expect(Math.sqrt(s)).toBeCloseTo(1, 6);
  });
});

describe("spectral_norm: gradient", () => {
  for (const [kind, shape, out] of LAYOUTS)
    it(`${kind}: the paper's gradient (u, v constant) = finite differences at the converged power iteration`, () => {
      const r = rng(11 + shape.length);
      const { b, W, r: res } = graph(kind, shape, out, 60, true);
      const C = b.const(Array.from({ length: size(shape) }, () => r() * 2 - 1), shape);
      const obj = b.add("sum", [b.add("mul", [res.kernel, C])], { axes: null, keepdims: false });
      const [gW] = grad(b, obj, [W]);
      b.output(obj, "obj", "log");
      b.output(gW!, "gW", "log");
      const g = b.graph();
      const inputs = { W: Array.from({ length: size(shape) }, () => r() * 2 - 1), u: Array.from({ length: out }, () => r() - 0.5) };
      const ad = interpret(g, { W: Float64Array.from(inputs.W), u: Float64Array.from(inputs.u) }).gW!.data;
      const fd = finiteDiff(g, inputs, obj, "W");
      expect(relErr(ad, fd)).toBeLessThan(1e-5);
    });

  it("stop_gradient: d/dx sum(stop_gradient(x) * x) = x, not 2x", () => {
    const b = new StepBuilder("sg");
    const x = b.input("x", "param", [3]);
    const obj = b.add("sum", [b.add("mul", [b.add("stop_gradient", [x]), x])], { axes: null, keepdims: false });
    const [g] = grad(b, obj, [x]);
    b.output(g!, "g", "log");
    const out = interpret(b.graph(), { x: Float64Array.of(1, -2, 3) }).g!.data;
    expect(Array.from(out)).toEqual([1, -2, 3]);
  });
});

describe("spectral_norm in a compiled trainer (tfjs reference)", () => {
  it("training steps move the power-iteration vectors, sampling reads them unchanged; they are state, not parameters", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const { join, resolve } = await import("node:path");
    const { compileFile } = await import("../../compiler/pipeline.ts");
    const root = resolve(import.meta.dirname, "../..");
    const out = join(root, "test/step/.out");
    mkdirSync(out, { recursive: true });
    const spec = join(out, "sn_ring.gan");
    writeFileSync(spec, [
      'model sn_ring "spectral_norm in G and D"',
      "data x: Real[2] = ring(n=512)",
      "latent z ~ Normal(0, 1, dim=4)",
      "generator G(z: Real[4]) -> Real[2] = z |> spectral_norm(dense(16), iters=2) |> relu() |> dense(2)",
      "discriminator D(x: Real[2]) -> Logit = x |> spectral_norm(dense(16)) |> relu() |> spectral_norm(dense(1))",
      "loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))",
      "loss g_loss = E[z] -log_sigmoid(D(G(z)))",
      "update d_step: D maximizes d_loss with adam(lr=0.001)",
      "update g_step: G minimizes g_loss with adam(lr=0.001)",
      "train { batch 16; steps 3 }",
      "",
    ].join("\n"));
    const r = await compileFile(spec, {});
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ts).toContain("spectralNorm: 2");
    const file = join(out, "sn_ring.ts");
    writeFileSync(file, r.ts!);
    const mod = (await import(/* @vite-ignore */ file)) as rt.ProgramModule;
    const prog = await mod.createProgram({ rng: rt.createRng(0), baseDir: out, backend: "cpu" });
    const names = ["G/dense_0/sn_u", "D/dense_0/sn_u", "D/dense_1/sn_u"];
    expect(prog.store.stateNames().filter((n) => n.endsWith("/sn_u")).sort()).toEqual([...names].sort());
    expect(prog.store.names().some((n) => n.endsWith("/sn_u"))).toBe(false);
    const read = () => names.map((n) => Array.from(prog.store.get(n).dataSync()));
    const before = read();
    const x = prog.sample(8);
    x.dispose();
    expect(read()).toEqual(before);
    await prog.trainStep(0);
    const after = read();
    expect(relErr(after[0]!, before[0]!)).toBeGreaterThan(1e-4); // G's moved (G update, and D's update through G(z))
    expect(relErr(after[1]!, before[1]!)).toBeGreaterThan(1e-4);
    for (const u of after) expect(Math.hypot(...u)).toBeCloseTo(1, 5);
  });
});
