// GaussianMixture(..., weights=...): fixed mixing weights are checked and reach the sampler; learn(...) makes them
// learnable logits (z.weights) that an update can move and checkpoints keep.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as rt from "../../runtime/index.ts";
import { parse } from "../../grammar/index.ts";
import { check } from "../../compiler/check/index.ts";
import { compileSource } from "../../compiler/pipeline.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const OUT = join(ROOT, "test/emit/.out/gmm-weights");

beforeAll(async () => {
  await rt.initBackend("wasm");
});

const spec = (weights: string, extraUpdate = "") => `model w "mixing weights"
data x: Real[2] = ring()
latent z ~ GaussianMixture(2, 2, means=fixed(uniform(-3, 3)), ${weights})
generator G(z: Real[2]) -> Real[2] = z |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> dense(1)
loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = E[z] -log_sigmoid(D(G(z)))
// the responsibility of component 0, averaged over the prior's own draws: rises with component 0's weight
loss r0 = E[z] -sum(responsibilities(z) * eye(2)[0])
update d_step: D maximizes d_loss with adam(lr=0.001)
update g_step: G minimizes g_loss with adam(lr=0.001)
${extraUpdate}
train { batch 64; steps 20; seed 0 }
`;

describe("GaussianMixture weights", () => {
  it("checks: fixed weights are normalised into the IR; learn(...) adds a learnable z.weights", () => {
    const fixed = check(parse(spec("weights=[0.8, 0.2]"), "w.gan").spec, {});
    expect(fixed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const z = fixed.ir!.latents.find((l) => l.name === "z")!;
    expect(z.dist.kind === "gaussian_mixture" && z.dist.weights).toEqual({ learn: false, probs: [0.8, 0.2] });
    expect(z.learnable).toEqual([]);

    const learned = check(parse(spec("weights=learn(zeros)", "update w_step: z.weights minimizes r0 with sgd(lr=0.5)"), "w.gan").spec, {});
    expect(learned.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const zl = learned.ir!.latents.find((l) => l.name === "z")!;
    expect(zl.dist.kind === "gaussian_mixture" && zl.dist.weights).toEqual({ learn: true, probs: [0.5, 0.5] });
    expect(zl.learnable).toEqual(["z.weights"]);
  });

  it("fixed weights cannot be updated (E0401), with a hint to learn them", () => {
    const r = check(parse(spec("weights=[0.8, 0.2]", "update w_step: z.weights minimizes r0 with sgd(lr=0.5)"), "w.gan").spec, {});
    const e = r.diagnostics.find((d) => d.code === "E0401")!;
    expect(e.message).toBe("`z.weights` is fixed, so it cannot be updated");
    expect(e.hints).toEqual(["declare it with learn(...) in the latent's weights="]);
  });

  it("the sampler draws components with the fixed weights", () => {
    const store = rt.createParamStore(rt.createRng(1));
    const gm = rt.priors.gaussianMixture(store, "z", {
      K: 2,
      dim: 2,
      means: { learn: false, init: { kind: "zeros" } },
      scale: { learn: false, init: 1 },
      cov: "iso",
      weights: [0.8, 0.2],
    });
    const { value, component } = gm.sample(4000, rt.createRng(2));
    const ks = component.dataSync();
    const share0 = ks.filter((k) => k === 0).length / ks.length;
    expect(share0).toBeGreaterThan(0.77);
    expect(share0).toBeLessThan(0.83);
    rt.tf.dispose([value, component]);
  });

  it("learned weights move under their update and are stored as logits", async () => {
    const r = await compileSource(spec("weights=learn([0.5, 0.5])", "update w_step: z.weights minimizes r0 with sgd(lr=0.5)"), join(OUT, "w.gan"), {
      runtimeImport: join(ROOT, "runtime/index.ts"),
    });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ts).toMatch(/weights: \[0\.5, 0\.5\],\s*learnWeights: true/);
    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, "learned.ts");
    writeFileSync(file, r.ts!);
    const mod = (await import(/* @vite-ignore */ file)) as rt.ProgramModule;
    const prog = await mod.createProgram({ rng: rt.createRng(0), baseDir: OUT, backend: "wasm" });
    const w0 = () => rt.tf.tidy(() => rt.tf.softmax(prog.store.get("z.weights")).dataSync()[0]!);
    expect(w0()).toBeCloseTo(0.5, 6);
    const r0: number[] = [];
    for (let s = 0; s < 20; s++) r0.push((await prog.trainStep(s))["w_step"]!);
    expect(w0()).toBeGreaterThan(0.6);
    expect(prog.store.names()).toContain("z.weights");
  });
});
