// Does the emitted code add overhead over hand-written tfjs? (issue 4). For two models it times three trainers of the
// SAME model on the same backend, data and batch:
//   compiled   the trainer ganc emits for the spec
//   hand-rt    examples/handwritten/vanilla_rt.ts: written by hand with the SAME runtime primitives (rt dense layer,
//              rt adam, rt logSigmoid, same init): compiled / hand-rt is the emitter's own overhead
//   hand-tfjs  examples/handwritten/vanilla.ts: plain tfjs (tf.matMul layers, tf.train.adam): what the runtime's
//              primitives buy over tfjs alone
// Models: "784" (bench/vanilla_784.gan: fashion-size MLPs on synthetic 784-d data, batch 64: FLOP-bound) and
// "ring" (specs/vanilla_gan.gan, dataset=ring: 3x128 ReLU MLPs on 2-D data, batch 256: per-op overhead dominates).
// One step = one D update + one G update on one minibatch, losses read back with await data(). Repetitions are
// interleaved (A B C A B C ...) so machine load hits all three alike; each repetition times `steps` steps; the
// report gives the median steps/s per trainer (wall clock and process CPU time) and the median over repetitions of
// the paired time ratios.
// Run: npx tsx bench/emit-vs-handwritten.ts [--quick] [--backend wasm|cpu|webgpu] [--reps 9] [--steps N]
//      [--models 784,ring] [--json out.json]
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as rt from "../runtime/index.ts";
import { compileFile } from "../compiler/pipeline.ts";
import { createHandwrittenVanilla, FASHION_MLP, RING_MLP, type MlpGanConfig } from "../examples/handwritten/vanilla.ts";
import { createHandwrittenRtVanilla } from "../examples/handwritten/vanilla_rt.ts";

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const quick = argv.includes("--quick");
const backend = arg("backend", "wasm") as rt.BackendName;
const REPS = Number(arg("reps", quick ? "3" : "9"));
// steps per repetition; by default each model's own (a 784 step is ~20x a ring step)
const STEPS_ARG = arg("steps", "");
const STEPS = STEPS_ARG === "" ? 0 : Number(STEPS_ARG);
const WARMUP = quick ? 2 : 5;
const MODELS = arg("models", "784,ring").split(",");
const jsonOut = arg("json", "");
const ROOT = resolve(import.meta.dirname, "..");
for (const [k, v] of [["reps", REPS], ["steps", STEPS_ARG === "" ? 1 : STEPS]] as const)
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${k} must be a positive integer`);
    process.exit(2);
  }

interface ModelCase {
  name: string;
  spec: string;
  overrides: Record<string, string>;
  shape: (dz: number) => Omit<MlpGanConfig, "batch" | "lr" | "beta1">;
  /** default steps per repetition: [full, --quick] */
  steps: [number, number];
}
const CASES: Record<string, ModelCase> = {
  "784": { name: "784", spec: "bench/vanilla_784.gan", overrides: { dz: "100" }, shape: FASHION_MLP, steps: [5, 2] },
  ring: { name: "ring", spec: "specs/vanilla_gan.gan", overrides: { dataset: "ring", lr: "0.001" }, shape: RING_MLP, steps: [20, 5] },
};

/** one training step; returns [d_loss, g_loss] as declared */
type StepFn = () => Promise<number[]>;
interface Sample {
  wall: number; // ms per step
  cpu: number; // ms of process CPU time per step
}

async function timeSteps(f: StepFn, n: number): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall: wall / n, cpu: (c.user + c.system) / 1000 / n };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function setup(mc: ModelCase, backendName: string): Promise<{ fns: Record<string, StepFn>; batch: number }> {
  const r = await compileFile(join(ROOT, mc.spec), { overrides: mc.overrides });
  if (r.ts === null) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  const dir = join(ROOT, "test/emit/.out/bench"); // gitignored
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `emit_vs_hand_${mc.name}.ts`);
  writeFileSync(file, r.ts);
  const mod = (await import(file)) as rt.ProgramModule;
  const prog = await mod.createProgram({ rng: rt.createRng(0), baseDir: join(ROOT, "specs"), backend: backendName });
  const { batch } = prog.meta.train;
  const p = prog.meta.params;
  const cfg: MlpGanConfig = {
    ...mc.shape(Number(p["dz"])),
    batch,
    lr: Number(p["lr"]),
    beta1: Number(p["beta1"]),
  };
  // each hand-written trainer reads the same data set through its own batcher (seeded like the compiled one's)
  const firstColumn = () => {
    const b = rt.createBatcher(prog.data, batch, rt.createRng(0).fork("batcher"));
    return () => {
      const cols = b.next();
      rt.tf.dispose(cols.slice(1));
      return cols[0] as rt.tf.Tensor2D;
    };
  };
  const handRt = createHandwrittenRtVanilla({ ...cfg, rng: rt.createRng(0), nextBatch: firstColumn() });
  const handTf = createHandwrittenVanilla({ ...cfg, seed: 0, nextBatch: firstColumn() });
  let s = 0;
  const pair = (l: { d: number; g: number }) => [l.d, l.g];
  const fns: Record<string, StepFn> = {
    compiled: async () => {
      const l = await prog.trainStep(s++);
      return [l["d_step"]!, l["g_step"]!];
    },
    "hand-rt": async () => pair(await handRt.step()),
    "hand-tfjs": async () => pair(await handTf.step()),
  };
  return { fns, batch };
}

interface Result {
  model: string;
  batch: number;
  steps: number;
  /** step 0 of compiled and hand-rt gave bit-identical losses */
  sameLosses: boolean;
  firstLosses: { compiled: number[]; handRt: number[] };
  /** tfjs kernels launched by one step of each trainer */
  kernels: Record<string, number>;
  median: Record<string, { stepsPerSec: number; cpuMsPerStep: number; wallMsPerStep: number }>;
  ratios: Record<string, { wall: number; cpu: number }>;
  /** quartiles of the per-repetition compiled/hand-rt time ratio */
  iqr: { wall: [number, number]; cpu: [number, number] };
  samples: Record<string, Sample[]>;
}

async function benchModel(mc: ModelCase, backendName: string): Promise<Result> {
  const { fns, batch } = await setup(mc, backendName);
  const names = Object.keys(fns);
  // same work: from the same seed the compiled and the hand-rt trainer must compute the same losses...
  const first = { compiled: await fns["compiled"]!(), handRt: await fns["hand-rt"]!() };
  const sameLosses = first.compiled.every((v, i) => v === first.handRt[i]);
  for (const n of names) await timeSteps(fns[n]!, WARMUP);
  // ...and run the same kernels per step (counted by the engine's profiler; independent of machine load)
  const kernels: Record<string, number> = {};
  for (const n of names) kernels[n] = (await rt.tf.profile(async () => void (await fns[n]!()))).kernels.length;
  const samples: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]));
  const steps = STEPS || mc.steps[quick ? 1 : 0];
  for (let r = 0; r < REPS; r++) for (const n of names) samples[n]!.push(await timeSteps(fns[n]!, steps));
  const med = Object.fromEntries(
    names.map((n) => {
      const w = median(samples[n]!.map((x) => x.wall));
      return [n, { stepsPerSec: 1000 / w, wallMsPerStep: w, cpuMsPerStep: median(samples[n]!.map((x) => x.cpu)) }];
    }),
  );
  // paired ratios: repetition r of A and of B ran back to back, under about the same load
  const pairs = (a: string, b: string, k: keyof Sample) => samples[a]!.map((x, i) => x[k] / samples[b]![i]![k]);
  const paired = (a: string, b: string, k: keyof Sample) => median(pairs(a, b, k));
  // spread of the emitter-overhead ratio: the middle half of the repetitions lies within [q1, q3]
  const q = (xs: number[], f: number) => [...xs].sort((x, y) => x - y)[Math.floor(f * (xs.length - 1))]!;
  const spread = (k: keyof Sample) => {
    const xs = pairs("compiled", "hand-rt", k);
    return [q(xs, 0.25), q(xs, 0.75)] as [number, number];
  };
  const ratios = Object.fromEntries(
    (
      [
        ["compiled/hand-rt", "compiled", "hand-rt"],
        ["compiled/hand-tfjs", "compiled", "hand-tfjs"],
        ["hand-rt/hand-tfjs", "hand-rt", "hand-tfjs"],
      ] as const
    ).map(([label, a, b]) => [label, { wall: paired(a, b, "wall"), cpu: paired(a, b, "cpu") }]),
  );
  const iqr = { wall: spread("wall"), cpu: spread("cpu") };
  return { model: mc.name, batch, steps, sameLosses, firstLosses: first, kernels, median: med, ratios, iqr, samples };
}

async function main() {
  const unknown = MODELS.filter((m) => !(m in CASES));
  if (unknown.length > 0) {
    console.error(`unknown model ${JSON.stringify(unknown[0])} (have: ${Object.keys(CASES).join(", ")})`);
    process.exit(2);
  }
  const used = await rt.initBackend(backend);
  console.log(
    `backend ${used.name}; ${REPS} interleaved repetitions per trainer (after ${WARMUP} warm-up steps); ` +
      `time ratios are medians of per-repetition ratios (> 1: the first is slower)`,
  );
  const results: Result[] = [];
  for (const m of MODELS) {
    const mc = CASES[m];
    if (!mc) throw new Error(`unknown model ${JSON.stringify(m)} (have: ${Object.keys(CASES).join(", ")})`);
    const res = await benchModel(mc, used.name);
    results.push(res);
    console.log(`\nmodel ${mc.name} (${mc.spec}${mc.name === "ring" ? ", dataset=ring" : ""}), batch ${res.batch}, ${res.steps} steps per repetition`);
    const f = res.firstLosses;
    console.log(
      `  step-0 losses (d, g): compiled ${f.compiled.join(", ")}; hand-rt ${f.handRt.join(", ")} ` +
        (res.sameLosses ? "(identical)" : "(DIFFER: the two trainers do not compute the same thing)"),
    );
    console.log("  trainer      steps/s   wall ms/step   cpu ms/step   kernels/step");
    for (const [n, v] of Object.entries(res.median))
      console.log(
        `  ${n.padEnd(10)} ${v.stepsPerSec.toFixed(2).padStart(9)} ${v.wallMsPerStep.toFixed(2).padStart(14)} ` +
          `${v.cpuMsPerStep.toFixed(2).padStart(13)} ${String(res.kernels[n]).padStart(14)}`,
      );
    for (const [label, v] of Object.entries(res.ratios))
      console.log(`  time ${label.padEnd(19)} wall ${v.wall.toFixed(3)}  cpu ${v.cpu.toFixed(3)}`);
    const iq = (x: [number, number]) => `[${x[0].toFixed(3)}, ${x[1].toFixed(3)}]`;
    console.log(`  compiled/hand-rt quartiles over repetitions: wall ${iq(res.iqr.wall)}  cpu ${iq(res.iqr.cpu)}`);
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ backend: used.name, reps: REPS, results }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
