// `ganc train SPEC [--set k=v]... [--backend b] [--steps N | --epochs N] [--seed N] [--out RUNDIR] [--no-eval]
//  [--plugin p]... [--init-from RUNDIR]` and `ganc train --resume RUNDIR [--steps N]`.
// Compiles the spec into RUNDIR/trainer.ts (importing the runtime by absolute path), imports it (the CLI runs under
// tsx) and hands it to the harness (runtime/train/run.ts). Exit codes: 0 done, 1 spec/data/run errors, 2 usage,
// 3 training stopped on a NaN/Inf loss, 130 interrupted (Ctrl-C; a checkpoint was written).
import type { Command } from "@commander-js/extra-typings";
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { collect, compileSpec, parseSet, RUNTIME_INDEX, writeOnnxPlan } from "./compile.ts";
import type { Io } from "../run-command.ts";

/** tfjs backends: the reference trainer, and (for now) evaluation, sampling and assignment */
export const TFJS_BACKENDS = ["auto", "wasm", "cpu", "webgpu", "tensorflow"] as const;
/** training backends: `ort` runs the compiled step graphs on onnxruntime-node's CPU engine, `ort-webgpu` on its
 * WebGPU engine; `auto` (training only) is ort-webgpu where a WebGPU adapter exists, else ort */
export const BACKENDS = ["ort", "ort-webgpu", ...TFJS_BACKENDS] as const;
/** backends that need the step plan's graphs */
const isOrt = (b: string) => b === "ort" || b === "ort-webgpu" || b === "auto";

export function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${v}"`);
  return n;
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export interface TrainCliOptions {
  set: Record<string, string>;
  plugin: string[];
  /** undefined: the default, `ort`, falling back (with a note) to wasm for a spec the step IR does not lower yet */
  backend?: (typeof BACKENDS)[number];
  steps?: number;
  epochs?: number;
  seed?: number;
  out?: string;
  resume?: string;
  initFrom?: string;
  eval: boolean;
  quiet?: boolean;
  /** backend ort: intra-op threads */
  threads?: number;
}



/** What `ganc train` writes into a run directory: a folder holding one of these is a run (or a failed start). */
const RUN_MARKERS = ["overrides.json", "trainer.ts", "spec.gan", "checkpoints", "lock"];

/** Why --out must not be used for a new run: a file, or a folder of other files (training would mix its files
 * with them, and a failed start would not clean them up). null: absent, empty, or a run directory. */
function foreignOut(runDir: string): string | null {
  if (!existsSync(runDir)) return null;
  if (!statSync(runDir).isDirectory()) return `${runDir} is a file, not a folder`;
  const names = readdirSync(runDir);
  if (names.length === 0 || names.some((n) => RUN_MARKERS.includes(n))) return null;
  const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? `, ... (${names.length} entries)` : "");
  return `${runDir} is a folder with other files in it (${shown}), not a ganc run directory`;
}

/** summary.json of a run that completed (null otherwise). */
function completedSummary(runDir: string): { steps: number; target_steps: number } | null {
  try {
    const s = JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8")) as { status?: string; steps?: number; target_steps?: number };
    return s.status === "completed" && typeof s.steps === "number" && typeof s.target_steps === "number"
      ? { steps: s.steps, target_steps: s.target_steps }
      : null;
  } catch {
    return null;
  }
}

const alreadyComplete = (runDir: string, steps: number, target: number) =>
  `${runDir} already completed its target (${steps}/${target} steps); nothing to do. ` +
  `Train further with: ganc train --resume ${runDir} --steps N (N > ${steps})\n`;

/** The whole command as a function returning the exit code (testable in-process). */
export async function runTrain(spec: string | undefined, o: TrainCliOptions, io: Io): Promise<number> {
  if (o.steps !== undefined && o.epochs !== undefined) {
    io.err("error: give either --steps or --epochs, not both\n");
    return 2;
  }
  if (o.resume && (spec || Object.keys(o.set).length || o.plugin.length || o.seed !== undefined)) {
    io.err("error: --resume RUNDIR continues with RUNDIR/spec.gan, overrides.json and the run's seed; do not pass a spec, --set, --plugin or --seed\n");
    return 2;
  }
  if (o.resume && o.initFrom) {
    io.err("error: --init-from starts a new run from another run's weights; a resumed run already has its own\n");
    return 2;
  }
  if (!o.resume && !spec) {
    io.err("error: missing SPEC (or --resume RUNDIR)\n");
    return 2;
  }
  const { trainRun, TrainFailure } = await import("../../../runtime/train/run.ts");
  const { importTrainer, readRunConfig, writeRunFiles } = await import("../../../runtime/train/rundir.ts");
  const { isUserError, metricsTable } = await import("../../../runtime/train/format.ts");
  const { acquireRunLock } = await import("../../../runtime/train/lock.ts");
  let lock: { release(): void } | undefined;
  let planned: { steps?: number; epochs?: number } | undefined;
  let runDir: string | undefined;
  /** a run directory this command created: removed again when the run fails before its first checkpoint */
  let created = false;
  // an explicit --backend ort is an error for what the step IR does not lower; the default says so and uses wasm
  let backend = o.backend ?? "ort";
  let backendNote: string | undefined;
  const fallBack = (messages: string) => {
    backend = "wasm";
    backendNote = "the step IR does not lower this spec yet (E0797 above), so it trains on the tfjs trainer (wasm); --backend ort makes this an error";
    if (!o.quiet) io.err(messages.replace(/^error\[E0797\]/m, "note[E0797]").replace(/\n1 error\n?$/, "\n"));
  };
  try {
    let baseDir: string;
    if (o.resume) {
      runDir = o.resume;
      if (!existsSync(join(runDir, "trainer.ts")) || !existsSync(join(runDir, "spec.gan"))) {
        io.err(`error: ${runDir} is not a ganc run directory (no trainer.ts / spec.gan)\n`);
        return 2;
      }
      // before anything else: a second process on a run that is training fails here, naming the holder's pid
      lock = acquireRunLock(runDir);
      const config = readRunConfig(runDir);
      baseDir = config.specDir;
      planned = { steps: config.steps, epochs: config.epochs };
      const done = completedSummary(runDir);
      // (--steps below the run's step goes on to trainRun, which refuses it: E0614)
      if (done && o.epochs === undefined && (o.steps === undefined || o.steps === done.steps)) {
        io.out(alreadyComplete(runDir, done.steps, done.target_steps));
        return 0;
      }
      // a run started on a tfjs backend gets its graphs when it first resumes on ort
      if (isOrt(backend) && !existsSync(join(runDir, "graphs", "plan.json"))) {
        const w = await writeOnnxPlan(join(runDir, "spec.gan"), join(runDir, "graphs"), {
          overrides: config.overrides, plugins: config.plugins, specFile: basename(config.specPath),
        });
        if (!w.ok && (o.backend === undefined || o.backend === "auto")) fallBack(w.messages);
        else {
          io.err(w.messages);
          if (!w.ok) return w.exitCode;
        }
      }
    } else {
      const color = process.stderr.isTTY === true && !process.env.NO_COLOR;
      const c = await compileSpec(spec!, { overrides: o.set, plugins: o.plugin, runtimeImport: RUNTIME_INDEX, color });
      io.err(c.messages);
      if (!c.ok) return c.exitCode;
      runDir = o.out ?? join("runs", `${c.model}-${stamp()}`);
      const foreign = foreignOut(runDir);
      if (foreign) {
        io.err(`error: --out ${foreign}; training there would mix the run's files with them\n  = hint: choose a new or empty folder, e.g. --out ${join(runDir, `${c.model}-run`)}\n`);
        return 2;
      }
      const ckDir = join(runDir, "checkpoints");
      if (existsSync(ckDir) && readdirSync(ckDir).length > 0) {
        io.err(`error: ${runDir} already holds a run; continue it with --resume ${runDir} or choose another --out\n`);
        return 2;
      }
      baseDir = dirname(resolve(spec!));
      // the data is read (and kept for the trainer) before anything is written: a missing or malformed file leaves
      // no run directory behind
      if (c.data) {
        const { preloadData } = await import("../../../runtime/data/index.ts");
        const { createRng } = await import("../../../runtime/rng.ts");
        await preloadData(c.data.source, c.data.args, { rng: createRng(0), baseDir });
      }
      created = !existsSync(runDir);
      // a folder that is there (an earlier start, or a run starting right now): locked before anything is written
      if (!created) lock = acquireRunLock(runDir);
      if (isOrt(backend)) {
        // lowered before anything else is written: a spec the step IR does not lower leaves no run directory
        const w = await writeOnnxPlan(spec!, join(runDir, "graphs"), { overrides: o.set, plugins: o.plugin, color });
        if (!w.ok && (o.backend === undefined || o.backend === "auto")) fallBack(w.messages);
        else {
          io.err(w.messages);
          if (!w.ok) {
            io.err("the tfjs trainer runs every spec: add --backend wasm\n");
            return w.exitCode;
          }
        }
      }
      // after the plan (a spec the step IR does not lower leaves no folder), before the run's files
      lock ??= acquireRunLock(runDir);
      writeRunFiles(runDir, {
        specText: c.specText,
        trainerTs: c.ts,
        config: {
          specPath: spec!, specDir: baseDir, overrides: o.set, plugins: o.plugin, runtime: RUNTIME_INDEX,
          ...(o.steps !== undefined ? { steps: o.steps } : {}),
          ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
        },
      });
    }
    const module = await importTrainer(join(runDir, "trainer.ts"));
    if (!o.quiet) io.err(`run directory: ${runDir}\n`);
    const summary = await trainRun({
      module,
      runDir,
      backend,
      backendNote,
      steps: o.steps,
      epochs: o.epochs,
      seed: o.seed,
      resume: Boolean(o.resume),
      planned,
      initFrom: o.initFrom,
      quiet: o.quiet,
      threads: o.threads,
      evaluate: o.eval,
      baseDir,
    });
    if (summary.already_complete) {
      io.out(alreadyComplete(runDir, summary.steps, summary.target_steps));
      return 0;
    }
    if (Object.keys(summary.metrics).length)
      io.out(metricsTable(summary.metrics, `${summary.model}: evaluation at step ${summary.steps}`));
    io.out(
      `${summary.status} ${summary.steps}/${summary.target_steps} steps in ${summary.wall_s.toFixed(1)} s ` +
        `(${summary.steps_per_s.toFixed(1)} steps/s, backend ${summary.backend}); run directory: ${runDir}\n`,
    );
    if (summary.status === "interrupted") {
      io.err(`interrupted: checkpoint ${summary.checkpoint} written; continue with: ganc train --resume ${runDir}\n`);
      return 130;
    }
    return 0;
  } catch (e) {
    // a data error found at load time is shown at the spec's data declaration (E0611-E0613), like check's E0321
    const { formatRunError } = await import("../run-command.ts");
    io.err(await formatRunError(e, o.resume ? { runDir: o.resume } : spec ? { specPath: spec } : null));
    if (e instanceof TrainFailure) return e.exitCode;
    // a backend that does not load or data that does not read: leave no half-written run directory behind
    if (created && runDir !== undefined && existsSync(runDir) && !existsSync(join(runDir, "checkpoints", "latest"))) {
      try {
        rmSync(runDir, { recursive: true, force: true });
        io.err(`(removed the unfinished run directory ${runDir})\n`);
      } catch {
        /* nothing was created there after all (a path through a file), or it is not ours to remove */
      }
    }
    return isUserError(e) ? 1 : 70;
  } finally {
    lock?.release();
  }
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("compile a spec and train it into a run directory (or continue one with --resume)")
    .argument("[spec]", "spec file (not with --resume)")
    .option("--set <name=value>", "override a param (repeatable)", parseSet, {} as Record<string, string>)
    .addOption(
      new Option("--backend <name>", "ort (default): the compiled step graphs on onnxruntime (CPU); ort-webgpu: on its WebGPU engine (a GPU); auto: ort-webgpu where a GPU answers, else ort; the tfjs backends run the reference trainer")
        .choices(BACKENDS),
    )
    .option("--threads <n>", "backend ort: intra-op threads (default 1)", parsePositiveInt)
    .option("--steps <n>", "train to this many steps (with --resume: raises the target)", parsePositiveInt)
    .option("--epochs <n>", "train for this many epochs", parsePositiveInt)
    .option("--seed <n>", "random seed (default: the spec's)", parsePositiveInt)
    .option("--out <rundir>", "run directory (default runs/<model>-<time>)")
    .option("--resume <rundir>", "continue a run from its latest checkpoint")
    .option("--init-from <rundir>", "warm start: copy matching parameters (by name and shape) from another run's latest checkpoint")
    .option("--no-eval", "skip the spec's evaluate metrics")
    .option("--plugin <path>", "load a loss-primitive plugin (repeatable)", collect, [] as string[])
    .option("-q, --quiet", "no progress output")
    .action(async (spec, o) => {
      process.exitCode = await runTrain(spec, o, {
        out: (s) => process.stdout.write(s),
        err: (s) => process.stderr.write(s),
      });
    });
}
