// Run directories outside the training loop: the files `ganc train` writes before training (spec.gan,
// overrides.json, trainer.ts), importing the compiled trainer, and rebuilding a trained program from the latest
// checkpoint (for `ganc sample`, `ganc eval`, `ganc assign`).
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Program, ProgramModule } from "../program.ts";
import { initBackend, type BackendName } from "../backend.ts";
import { createRng } from "../rng.ts";
import { GancRuntimeError } from "../errors.ts";
import { writeFileAtomic } from "../report/atomic.ts";
import { loadLatestCheckpoint } from "./checkpoint.ts";
import { restoreProgram, type CkState } from "./run.ts";
import { checkProgramData } from "./data-check.ts";

/** overrides.json: what the trainer was compiled from, besides spec.gan. */
export interface RunConfig {
  /** the spec's original path (for messages) and folder (relative data paths resolve against it) */
  specPath: string;
  specDir: string;
  /** `--set` overrides as given */
  overrides: Record<string, string>;
  plugins: string[];
  /** absolute path of runtime/index.ts the trainer imports */
  runtime: string;
  /** --steps / --epochs the run was started with (a resume keeps that target) */
  steps?: number;
  epochs?: number;
}

export function writeRunFiles(runDir: string, f: { specText: string; trainerTs: string; config: RunConfig }): void {
  // Outside a "type": "module" package tsx would load trainer.ts as CommonJS, giving it a second copy of the
  // runtime (its GancRuntimeError is then another class and user errors look like internal ones).
  writeFileAtomic(join(runDir, "package.json"), RUN_PACKAGE_JSON);
  writeFileAtomic(join(runDir, "spec.gan"), f.specText);
  writeFileAtomic(join(runDir, "overrides.json"), JSON.stringify(f.config, null, 2) + "\n");
  writeFileAtomic(join(runDir, "trainer.ts"), f.trainerTs);
}

function notARun(runDir: string, what: string): GancRuntimeError {
  return new GancRuntimeError(`${runDir} is not a ganc run directory: ${what}`, {
    code: "run-dir",
    hint: "pass the folder `ganc train` wrote (--out), e.g. runs/gm_gan-20250101-120000",
  });
}

export function readRunConfig(runDir: string): RunConfig {
  const p = join(runDir, "overrides.json");
  if (!existsSync(p)) throw notARun(runDir, "overrides.json is missing");
  try {
    const c = JSON.parse(readFileSync(p, "utf8")) as Partial<RunConfig>;
    return {
      specPath: c.specPath ?? join(runDir, "spec.gan"),
      specDir: c.specDir ?? runDir,
      overrides: c.overrides ?? {},
      plugins: c.plugins ?? [],
      runtime: c.runtime ?? "",
      ...(typeof c.steps === "number" ? { steps: c.steps } : {}),
      ...(typeof c.epochs === "number" ? { epochs: c.epochs } : {}),
    };
  } catch (e) {
    throw notARun(runDir, `overrides.json is unreadable (${(e as Error).message})`);
  }
}

const RUN_PACKAGE_JSON = JSON.stringify({ private: true, type: "module" }, null, 2) + "\n";

/** Import a compiled trainer module and check it has the contract's exports. */
export async function importTrainer(path: string): Promise<ProgramModule> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new GancRuntimeError(`trainer module not found: ${abs}`, { code: "run-dir" });
  let mod: Partial<ProgramModule>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Partial<ProgramModule>;
  } catch (e) {
    throw new GancRuntimeError(`cannot load the trainer ${abs}: ${(e as Error).message}`, {
      code: "trainer-load",
      hint: "the trainer must run under tsx (ganc runs it so); recompile it with `ganc compile` if the runtime moved",
    });
  }
  if (typeof mod.createProgram !== "function" || typeof mod.meta !== "object" || mod.meta === null)
    throw new GancRuntimeError(`${abs} does not export meta and createProgram (runtime/program.ts)`, { code: "trainer-load" });
  return mod as ProgramModule;
}

export interface LoadedRun {
  runDir: string;
  module: ProgramModule;
  program: Program;
  /** checkpoint step the parameters come from */
  step: number;
  seed: number;
  backend: string;
  config: RunConfig;
}

/** Rebuild the trained program of a run directory from its latest checkpoint. */
export async function loadRun(runDir: string, opts: { backend?: BackendName; module?: ProgramModule } = {}): Promise<LoadedRun> {
  if (!existsSync(runDir)) throw new GancRuntimeError(`run directory not found: ${runDir}`, { code: "run-dir" });
  const config = readRunConfig(runDir);
  const module = opts.module ?? (await importTrainer(join(runDir, "trainer.ts")));
  const ck = loadLatestCheckpoint(join(runDir, "checkpoints"));
  if (!ck) throw notARun(runDir, "it has no checkpoint yet (train it first, or resume it with `ganc train --resume`)");
  const st = ck.state as unknown as CkState;
  const backend = await initBackend(opts.backend ?? "wasm");
  const rng = createRng(st.seed);
  const program = await module.createProgram({ rng, baseDir: config.specDir, backend: backend.name });
  checkProgramData(program);
  restoreProgram(program, ck.arrays);
  rng.setState(st.rng);
  program.batcher.setState(st.batcher);
  return { runDir, module, program, step: ck.step, seed: st.seed, backend: backend.name, config };
}
