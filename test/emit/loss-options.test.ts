// Regression tests for issue 22: gradient_penalty's weight and hinge's margin were dropped by the emitter, so a
// WGAN-GP spec trained with weight 1 whatever it declared, and every margin acted as 1. Both example specs are
// trained a few steps with two values of the option (set with --set, as a user would) from the same seed.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as rt from "../../runtime/index.ts";
import { compileFile } from "../../compiler/pipeline.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const OUT = join(ROOT, "test/emit/.out/loss-options");

beforeAll(async () => {
  await rt.initBackend("wasm");
});

/** The first `steps` losses of example spec `name` with `overrides`. */
async function losses(name: string, overrides: Record<string, string>, steps: number): Promise<Record<string, number>[]> {
  const r = await compileFile(join(ROOT, "examples/specs", `${name}.gan`), { overrides });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}_${Object.entries(overrides).map(([k, v]) => `${k}-${v}`).join("_")}.ts`);
  writeFileSync(file, r.ts!);
  const mod = (await import(/* @vite-ignore */ file)) as rt.ProgramModule;
  const prog = await mod.createProgram({ rng: rt.createRng(0), baseDir: join(ROOT, "examples/specs"), backend: "wasm" });
  const out: Record<string, number>[] = [];
  for (let s = 0; s < steps; s++) out.push(await prog.trainStep(s));
  return out;
}

describe("loss options reach the trainer", () => {
  it("WGAN-GP trains with the gradient-penalty weight it declares", async () => {
    const [w0, w10, w20] = await Promise.all([
      losses("wgan_gp_ring", { gp_weight: "0", n_critic: "1" }, 3),
      losses("wgan_gp_ring", { gp_weight: "10", n_critic: "1" }, 3),
      losses("wgan_gp_ring", { gp_weight: "20", n_critic: "1" }, 3),
    ]);
    // with one critic update per step, the first critic value is computed before any update, from the same weights, batch, latents and interpolates:
    // critic = W - weight * P, so it is linear in the weight
    const p10 = w0[0]!.d_step! - w10[0]!.d_step!;
    const p20 = w0[0]!.d_step! - w20[0]!.d_step!;
    expect(p10).toBeGreaterThan(1e-3);
    expect(p20 / p10).toBeCloseTo(2, 3);
    // and the updates differ from then on
    expect(w10[2]!.d_step).not.toBe(w0[2]!.d_step);
    expect(w10[2]!.g_step).not.toBe(w0[2]!.g_step);
  });

  it("hinge uses its margin", async () => {
    const [m1, m5] = await Promise.all([losses("hinge_ring", { margin: "1" }, 3), losses("hinge_ring", { margin: "5" }, 3)]);
    // at initialisation |D| is small: each hinge term is about its margin, so d_loss is about 2 * margin
    expect(m1[0]!.d_step).toBeGreaterThan(1.5);
    expect(m1[0]!.d_step).toBeLessThan(2.5);
    expect(m5[0]!.d_step).toBeGreaterThan(9.5);
    expect(m5[0]!.d_step).toBeLessThan(10.5);
    // while every hinge is active its gradient does not depend on the margin, so the losses stay 2 * (5 - 1) apart
    expect(m5[2]!.d_step! - m1[2]!.d_step!).toBeCloseTo(8, 1);
  });
});
