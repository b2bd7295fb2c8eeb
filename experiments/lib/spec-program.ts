// Shared experiment helpers: compile a bundled spec (with param overrides) into a trainer module and build or train
// its program in process, through the same pipeline and harness as `ganc train`. Used by experiments/*.ts and the
// spec training tests (test/specs/train-*.test.ts).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileSpec, RUNTIME_INDEX, writeOnnxPlan } from "../../compiler/cli/commands/compile.ts";
import type { Program, ProgramModule } from "../../runtime/program.ts";
import { importTrainer } from "../../runtime/train/rundir.ts";
import { trainRun, type TrainBackend, type TrainSummary } from "../../runtime/train/run.ts";
import { initBackend } from "../../runtime/backend.ts";
import { createRng } from "../../runtime/rng.ts";
import { attachOrt, type OrtStepper } from "../../runtime/ort/driver.ts";

/** Repository root (this file is experiments/lib/spec-program.ts). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const specPath = (name: string): string => join(REPO, "specs", `${name}.gan`);

export class SpecCompileError extends Error {
  constructor(spec: string, messages: string) {
    super(`${spec} did not compile:\n${messages}`);
    this.name = "SpecCompileError";
  }
}

export interface Compiled {
  module: ProgramModule;
  /** folder holding trainer.ts (a fresh temp folder per compile), and graphs/ when compiled with `graphs` */
  dir: string;
  warnings: string;
}

/** Compile `specs/<name>.gan` (or a path ending in .gan) with overrides and import the trainer; with `graphs`, also
 * write the step plan's ONNX graphs into DIR/graphs (backend ort). */
export async function compileModule(spec: string, overrides: Record<string, string | number> = {}, o: { graphs?: boolean } = {}): Promise<Compiled> {
  const path = spec.endsWith(".gan") ? resolve(spec) : specPath(spec);
  const set = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, String(v)]));
  const c = await compileSpec(path, { overrides: set, runtimeImport: RUNTIME_INDEX });
  if (!c.ok) throw new SpecCompileError(path, c.messages);
  const dir = mkdtempSync(join(tmpdir(), "ganc-exp-"));
  mkdirSync(dir, { recursive: true });
  // a unique file name per compile: the ESM loader caches modules by URL
  const file = join(dir, "trainer.ts");
  writeFileSync(file, c.ts);
  if (o.graphs) {
    const w = await writeOnnxPlan(path, join(dir, "graphs"), { overrides: set });
    if (!w.ok) throw new SpecCompileError(path, w.messages);
  }
  return { module: await importTrainer(file), dir, warnings: c.messages };
}

/** Build a fresh (untrained) program on the wasm backend, for driving trainStep by hand. */
export async function makeProgram(module: ProgramModule, seed?: number): Promise<Program> {
  const b = await initBackend("wasm");
  const rng = createRng(seed ?? module.meta.train.seed);
  return module.createProgram({ rng, baseDir: join(REPO, "specs"), backend: b.name });
}

/** A fresh program (as makeProgram) with the onnxruntime driver attached: drive `stepper.trainStep` by hand and
 * `await stepper.flush()` before reading the program's store, sampling or scoring (compile with `graphs`). */
export async function makeOrtProgram(c: Compiled, seed?: number): Promise<{ program: Program; stepper: OrtStepper }> {
  const rng = createRng(seed ?? c.module.meta.train.seed);
  const b = await initBackend("wasm");
  const program = await c.module.createProgram({ rng, baseDir: join(REPO, "specs"), backend: b.name });
  const stepper = await attachOrt(program, join(c.dir, "graphs"), rng);
  return { program, stepper };
}

export interface TrainSpecOptions {
  overrides?: Record<string, string | number>;
  steps?: number;
  seed?: number;
  evaluate?: boolean;
  /** run directory (default: a fresh temp folder) */
  runDir?: string;
  /** default wasm */
  backend?: TrainBackend;
}

/** Compile and train a spec like `ganc train` (wasm backend unless told, quiet, no SIGINT handler). */
export async function trainSpec(spec: string, o: TrainSpecOptions = {}): Promise<TrainSummary & { runDir: string }> {
  const { module, dir } = await compileModule(spec, o.overrides ?? {}, { graphs: o.backend === "ort" });
  const runDir = o.runDir ?? mkdtempSync(join(tmpdir(), "ganc-run-"));
  const s = await trainRun({
    module,
    runDir,
    backend: o.backend ?? "wasm",
    graphsDir: join(dir, "graphs"),
    steps: o.steps,
    seed: o.seed,
    quiet: true,
    evaluate: o.evaluate ?? true,
    baseDir: join(REPO, "specs"),
    handleSigint: false,
  });
  return { ...s, runDir };
}

/** Read a learnable tensor of a program as a plain array with its shape. */
export async function readParam(program: Program, name: string): Promise<{ shape: number[]; data: number[] }> {
  const v = program.store.get(name);
  return { shape: [...v.shape], data: Array.from(await v.data()) };
}
