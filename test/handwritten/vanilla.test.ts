// The hand-written baselines of bench/emit-vs-handwritten.ts: the one on runtime primitives must compute exactly what
// the compiled trainer computes (else the bench compares different work), and launch no fewer kernels; the
// compiled one may add only a few per step (the Logit reshape, the batch reshape, maximize's second negation).
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as rt from "../../runtime/index.ts";
import { compileFile } from "../../compiler/pipeline.ts";
import { createHandwrittenVanilla, RING_MLP } from "../../examples/handwritten/vanilla.ts";
import { createHandwrittenRtVanilla } from "../../examples/handwritten/vanilla_rt.ts";

const ROOT = resolve(import.meta.dirname, "../..");

beforeAll(async () => {
  await rt.initBackend("wasm");
});

async function ringProgram(): Promise<rt.Program> {
  const r = await compileFile(join(ROOT, "specs/vanilla_gan.gan"), { overrides: { dataset: "ring" } });
  expect(r.ts).not.toBeNull();
  const dir = join(ROOT, "test/emit/.out/handwritten"); // gitignored
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "vanilla_ring.ts");
  writeFileSync(file, r.ts!);
  const mod = (await import(/* @vite-ignore */ file)) as rt.ProgramModule;
  return mod.createProgram({ rng: rt.createRng(0), baseDir: join(ROOT, "specs"), backend: "wasm" });
}

const firstColumn = (prog: rt.Program) => {
  const b = rt.createBatcher(prog.data, prog.meta.train.batch, rt.createRng(0).fork("batcher"));
  return () => {
    const cols = b.next();
    rt.tf.dispose(cols.slice(1));
    return cols[0] as rt.tf.Tensor2D;
  };
};
const cfg = { ...RING_MLP(8), batch: 256, lr: 1e-3, beta1: 0.5 }; // the spec's 2-D default

describe("hand-written vanilla GAN on runtime primitives", () => {
  it("computes the compiled trainer's losses bit for bit, step after step", async () => {
    const prog = await ringProgram();
    const hand = createHandwrittenRtVanilla({ ...cfg, rng: rt.createRng(0), nextBatch: firstColumn(prog) });
    for (let s = 0; s < 3; s++) {
      const c = await prog.trainStep(s);
      const h = await hand.step();
      expect([h.d, h.g]).toEqual([c["d_step"], c["g_step"]]);
    }
    // and the weights agree after the updates
    const w = async (st: rt.ParamStore) => Array.from(await st.get("G/dense_3/kernel").data());
    expect(await w(hand.store)).toEqual(await w(prog.store));
  });

  it("launches about as many kernels per step as the compiled trainer, and leaks no tensors", async () => {
    const prog = await ringProgram();
    const hand = createHandwrittenRtVanilla({ ...cfg, rng: rt.createRng(0), nextBatch: firstColumn(prog) });
    await prog.trainStep(0);
    await hand.step();
    const pc = await rt.tf.profile(async () => void (await prog.trainStep(1)));
    const ph = await rt.tf.profile(async () => void (await hand.step()));
    expect(pc.kernels.length).toBeGreaterThanOrEqual(ph.kernels.length);
    expect(pc.kernels.length).toBeLessThanOrEqual(ph.kernels.length * 1.05);
    const before = rt.tf.memory().numTensors;
    for (let s = 0; s < 3; s++) await hand.step();
    expect(rt.tf.memory().numTensors).toBe(before);
  });
});

describe("hand-written vanilla GAN on plain tfjs", () => {
  it("trains the ring model with finite losses and flat memory", async () => {
    const prog = await ringProgram();
    const hand = createHandwrittenVanilla({ ...cfg, seed: 0, nextBatch: firstColumn(prog) });
    const l0 = await hand.step();
    // log 2 per term at initialisation: d ~ -2 log 2, g ~ log 2
    expect(l0.d).toBeGreaterThan(-1.6);
    expect(l0.d).toBeLessThan(-1.2);
    expect(l0.g).toBeGreaterThan(0.5);
    expect(l0.g).toBeLessThan(0.9);
    const before = rt.tf.memory().numTensors;
    for (let s = 0; s < 3; s++) {
      const l = await hand.step();
      expect(Number.isFinite(l.d) && Number.isFinite(l.g)).toBe(true);
    }
    expect(rt.tf.memory().numTensors).toBe(before);
  });
});
