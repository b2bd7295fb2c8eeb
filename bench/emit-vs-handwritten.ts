// Step time of the compiled vanilla GAN with the fashion-size MLPs (specs/vanilla_gan.gan with dataset=fashion,
// or bench/vanilla_784.gan: the same model on synthetic 784-d data, the default) against a hand-written tfjs
// trainer of the same model (examples/handwritten/vanilla.ts), same backend, same data, same batch. One step = one
// D update + one G update on one minibatch, losses read back with await data().
// Run: npx tsx bench/emit-vs-handwritten.ts [--backend wasm|cpu|webgpu] [--steps 30] [--dz 100] [--fashion]
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as rt from "../runtime/index.ts";
import { compileFile } from "../compiler/pipeline.ts";
import { createHandwrittenVanilla } from "../examples/handwritten/vanilla.ts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
};
const backend = arg("backend", "wasm") as rt.BackendName;
const STEPS = Number(arg("steps", "30"));
const WARMUP = 5;
const dz = arg("dz", "100");
const ROOT = resolve(import.meta.dirname, "..");

async function main() {
  const used = await rt.initBackend(backend);
  const r = process.argv.includes("--fashion")
    ? await compileFile(join(ROOT, "specs/vanilla_gan.gan"), { overrides: { dataset: "fashion", dz } })
    : await compileFile(join(ROOT, "bench/vanilla_784.gan"), { overrides: { dz } });
  if (r.ts === null) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  const dir = join(ROOT, "test/emit/.out/bench"); // gitignored
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "vanilla_fashion.ts");
  writeFileSync(file, r.ts);
  const mod = (await import(file)) as rt.ProgramModule;
  const prog = await mod.createProgram({ rng: rt.createRng(0), baseDir: join(ROOT, "specs"), backend: used.name });

  // the hand-written trainer reads the same dataset through its own batcher
  const batcher = rt.createBatcher(prog.data, prog.meta.train.batch, rt.createRng(1));
  const hw = createHandwrittenVanilla({
    dz: Number(dz),
    batch: prog.meta.train.batch,
    lr: 2e-4,
    beta1: 0.5,
    seed: 0,
    nextBatch: () => {
      const cols = batcher.next();
      rt.tf.dispose(cols.slice(1));
      return cols[0] as rt.tf.Tensor2D;
    },
  });

  const time = async (f: (s: number) => Promise<unknown>) => {
    for (let s = 0; s < WARMUP; s++) await f(s);
    const t0 = performance.now();
    for (let s = WARMUP; s < WARMUP + STEPS; s++) await f(s);
    return (performance.now() - t0) / STEPS;
  };
  const compiled = await time((s) => prog.trainStep(s));
  const hand = await time(() => hw.step());
  const compiled2 = await time((s) => prog.trainStep(s + 1000)); // again, to expose drift from machine load
  const c = Math.min(compiled, compiled2);
  console.log(`backend ${used.name}, batch ${prog.meta.train.batch}, dz ${dz}, ${STEPS} timed steps each`);
  console.log(`compiled vanilla_gan : ${c.toFixed(1)} ms/step (runs: ${compiled.toFixed(1)}, ${compiled2.toFixed(1)})`);
  console.log(`hand-written tfjs    : ${hand.toFixed(1)} ms/step`);
  console.log(`ratio compiled / hand-written = ${(c / hand).toFixed(2)}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
