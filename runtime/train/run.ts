// The training harness: backend, rng, program, the step loop, metrics.jsonl, atomic checkpoints, resume,
// periodic evaluation, summary.json and loss plots. The program (compiled trainer) owns the model; this file owns
// everything around it. See docs/architecture.md "Run directory".
import * as tf from "@tensorflow/tfjs";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Program, ProgramModule } from "../program.ts";
import type { NamedArrays, Rng, BatcherState, RngState } from "../types.ts";
import { initBackend, type BackendName } from "../backend.ts";
import { createRng } from "../rng.ts";
import { GancRuntimeError } from "../errors.ts";
import { makeDirs, writeFileAtomic } from "../report/atomic.ts";
import { loadLatestCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { appendJsonl, readJsonl, truncateJsonl, type LogLine } from "./metrics-log.ts";
import { createProgress } from "./progress.ts";
import { evaluateProgram, type EvalResult } from "./evaluate.ts";
import { writeLossPlots } from "./plots.ts";
import { checkProgramData } from "./data-check.ts";
import { acquireRunLock } from "./lock.ts";
import type { OrtStepper } from "../ort/driver.ts";

/** the tfjs backends, and `ort` / `ort-webgpu`: the compiled step plan on onnxruntime-node's CPU or WebGPU engine
 * (runtime/ort/), with tfjs wasm for evaluation and sampling. `auto` here is `ort-webgpu` where ORT finds a WebGPU
 * adapter, else `ort` (the tfjs `auto` of eval/sample is theirs) */
export type TrainBackend = BackendName | "ort" | "ort-webgpu";

/** Backends that train the compiled step plan (they need RUNDIR/graphs). */
export const isOrtBackend = (b: string | undefined): boolean => b === "ort" || b === "ort-webgpu" || b === "auto";

/** `auto` made concrete: ort-webgpu where a WebGPU adapter answers, else ort, with the reason as a note. */
async function resolveOrtBackend(b: TrainBackend | undefined): Promise<{ name: "ort" | "ort-webgpu"; note?: string }> {
  if (b !== "auto") return { name: b === "ort-webgpu" ? "ort-webgpu" : "ort" };
  const { loadOrt, probeWebgpu } = await import("../ort/session.ts");
  const why = await probeWebgpu(await loadOrt());
  return why === null ? { name: "ort-webgpu", note: "auto: ONNX Runtime found a WebGPU adapter" } : { name: "ort", note: `auto: no WebGPU (${why}), so ort on the CPU` };
}

export interface TrainOptions {
  module: ProgramModule;
  runDir: string;
  backend?: TrainBackend;
  /** backend ort: the step plan's folder (default RUNDIR/graphs) and intra-op threads (default 1) */
  graphsDir?: string;
  threads?: number;
  /** why the backend is what it is (the CLI's default falling back from ort), for summary.json */
  backendNote?: string;
  /** total target steps (overrides the spec); with resume, raises the target */
  steps?: number;
  epochs?: number;
  /** resume: the --steps / --epochs the run was started with (overrides.json), the target when neither a
   * checkpoint nor summary.json records one (a run killed before its first checkpoint) */
  planned?: { steps?: number; epochs?: number };
  seed?: number;
  resume?: boolean;
  quiet?: boolean;
  /** run the spec's evaluate block (default true) */
  evaluate?: boolean;
  onLog?: (line: LogLine) => void;
  /** directory of the spec, for relative data paths (default runDir) */
  baseDir?: string;
  /** install SIGINT and SIGTERM handlers that checkpoint and stop (default true) */
  handleSigint?: boolean;
  /**
   * Warm start (not with resume): copy the parameters and batchnorm state whose names and shapes match from the
   * latest checkpoint of this other run directory, e.g. a vanilla GAN's G and D into a GM-GAN (seed 002 fine-tunes
   * a 50-epoch vanilla GAN). Optimizer state and step count start fresh.
   */
  initFrom?: string;
}

export interface TrainSummary {
  model: string;
  status: "completed" | "interrupted" | "failed";
  /** the failure message when status is "failed" */
  error?: string;
  backend: string;
  backend_note?: string;
  seed: number;
  steps: number;
  target_steps: number;
  resumed_from: number | null;
  /** warm start: the run directory and step the matching parameters were copied from */
  init_from?: { run: string; step: number; loaded: string[]; skipped: string[] };
  wall_s: number;
  steps_per_s: number;
  final_losses: Record<string, number>;
  metrics: Record<string, unknown>;
  checkpoint: string | null;
  /** resume of a run that had already completed its target: nothing was trained or written */
  already_complete?: boolean;
}

/** Training stopped on a non-finite loss (or another runtime error in a step). Exit code 3 in the CLI. */
export class TrainFailure extends GancRuntimeError {
  readonly step: number;
  readonly exitCode = 3;
  constructor(message: string, step: number, cause: GancRuntimeError) {
    super(message, { code: cause.code ?? "train", hint: cause.hint, specLine: cause.specLine });
    this.name = "TrainFailure";
    this.step = step;
  }
}

interface LogAcc {
  sums: Record<string, number>;
  counts: Record<string, number>;
}

export interface CkState {
  seed: number;
  rng: RngState;
  batcher: BatcherState;
  acc: LogAcc;
  elapsed_s: number;
  model: string;
  /** the run's target steps when this checkpoint was written (a resume keeps it) */
  target_steps?: number;
}

function targetSteps(program: Program, o: TrainOptions, fallback: number | null): number {
  const { meta, data, batcher } = program;
  const perEpoch = Math.max(1, Math.floor(data.n / batcher.batchSize));
  if (o.steps !== undefined) return o.steps;
  if (o.epochs !== undefined) return o.epochs * perEpoch;
  if (fallback !== null) return fallback;
  if (meta.train.steps !== null) return meta.train.steps;
  if (meta.train.epochs !== null) return meta.train.epochs * perEpoch;
  throw new GancRuntimeError("the spec sets neither steps nor epochs", { hint: "pass --steps N or --epochs N" });
}

async function snapshot(program: Program): Promise<NamedArrays> {
  const out: NamedArrays = {};
  const read = async (prefix: string, name: string) => {
    const v = program.store.get(name);
    out[`${prefix}/${name}`] = { shape: v.shape, dtype: "float32", data: Array.from(await v.data()) };
  };
  for (const n of program.store.names()) await read("param", n);
  for (const n of program.store.stateNames()) await read("state", n);
  for (const [u, opt] of Object.entries(program.optimizers)) {
    const st = await opt.getState();
    for (const [k, a] of Object.entries(st)) out[`opt/${u}/${k}`] = a;
  }
  return out;
}

/** A checkpoint array key: "param/<name>", "state/<name>" or "opt/<update>/<slot>". */
function splitKey(key: string): { kind: string; rest: string } {
  const slash = key.indexOf("/");
  return { kind: key.slice(0, slash), rest: key.slice(slash + 1) };
}

/** Overwrite a store variable with a checkpoint array (shapes already checked by the caller). */
function assignArray(v: tf.Variable, a: NamedArrays[string]): void {
  const t = tf.tensor(a.data, a.shape, "float32");
  v.assign(t);
  t.dispose();
}

/**
 * Warm start: copy every checkpoint parameter / state array whose name and shape match a fresh program's. Returns
 * what was copied and what of the program's parameters was not (they keep their init). Throws when nothing matches.
 */
export function warmStartProgram(program: Program, fromRunDir: string): { step: number; loaded: string[]; skipped: string[] } {
  const ck = loadLatestCheckpoint(join(fromRunDir, "checkpoints"));
  if (!ck)
    throw new GancRuntimeError(`--init-from ${fromRunDir}: no checkpoint found in ${join(fromRunDir, "checkpoints")}`, {
      code: "checkpoint",
      hint: "point it at the run directory of a finished (or checkpointed) `ganc train`",
    });
  const loaded: string[] = [];
  for (const [key, a] of Object.entries(ck.arrays)) {
    const { kind, rest: name } = splitKey(key);
    if ((kind !== "param" && kind !== "state") || !program.store.has(name)) continue;
    const v = program.store.get(name);
    if (v.shape.join(",") !== a.shape.join(",")) continue;
    assignArray(v, a);
    if (kind === "param") loaded.push(name);
  }
  const copied = new Set(loaded);
  const skipped = program.store.names().filter((n) => !copied.has(n));
  if (!loaded.length)
    throw new GancRuntimeError(`--init-from ${fromRunDir}: none of its parameters matches this program by name and shape`, {
      code: "checkpoint",
      hint: `this program's parameters: ${program.store.names().slice(0, 6).join(", ")}${program.store.names().length > 6 ? ", ..." : ""}`,
    });
  return { step: ck.step, loaded, skipped };
}

/** Overwrite a fresh program's parameters, batchnorm state and optimizer states with a checkpoint's arrays. */
export function restoreProgram(program: Program, arrays: NamedArrays): void {
  const missing = program.store.names().filter((n) => !(`param/${n}` in arrays));
  if (missing.length)
    throw new GancRuntimeError(`checkpoint lacks parameter(s) ${missing.slice(0, 5).join(", ")} of the program`, {
      code: "checkpoint",
      hint: "the trainer was recompiled with a different spec or overrides since this checkpoint",
    });
  const opt: Record<string, NamedArrays> = {};
  for (const [key, a] of Object.entries(arrays)) {
    const { kind, rest } = splitKey(key);
    if (kind === "param" || kind === "state") {
      if (!program.store.has(rest))
        throw new GancRuntimeError(`checkpoint has parameter "${rest}" that the program does not define`, {
          code: "checkpoint",
          hint: "the trainer was recompiled with a different spec or overrides since this checkpoint",
        });
      const v = program.store.get(rest);
      if (v.shape.join(",") !== a.shape.join(","))
        throw new GancRuntimeError(`checkpoint shape [${a.shape}] for "${rest}" differs from the program's [${v.shape}]`, {
          code: "checkpoint",
        });
      assignArray(v, a);
    } else if (kind === "opt") {
      const s2 = rest.indexOf("/");
      const u = rest.slice(0, s2);
      (opt[u] ??= {})[rest.slice(s2 + 1)] = a;
    }
  }
  for (const [u, st] of Object.entries(opt)) {
    const o = program.optimizers[u];
    if (!o) throw new GancRuntimeError(`checkpoint has optimizer state for unknown update "${u}"`, { code: "checkpoint" });
    o.setState(st);
  }
}

function meanLosses(acc: LogAcc): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(acc.sums)) out[k] = acc.sums[k]! / Math.max(1, acc.counts[k]!);
  return out;
}

/** Run (or resume) training into runDir. Resolves with the summary; rejects with TrainFailure on a NaN loss.
 * Holds RUNDIR/lock throughout (runtime/train/lock.ts): a second process on the same run fails. */
export async function trainRun(o: TrainOptions): Promise<TrainSummary> {
  const lock = acquireRunLock(o.runDir);
  try {
    return await trainRunLocked(o);
  } finally {
    lock.release();
  }
}

async function trainRunLocked(o: TrainOptions): Promise<TrainSummary> {
  const runDir = o.runDir;
  const ckDir = join(runDir, "checkpoints");
  makeDirs(runDir);
  const metricsPath = join(runDir, "metrics.jsonl");
  const evalsPath = join(runDir, "evals.jsonl");

  const ck = o.resume ? loadLatestCheckpoint(ckDir) : null;
  const ckState = ck?.state as CkState | undefined;
  if (ckState && ckState.model !== o.module.meta.model)
    throw new GancRuntimeError(`checkpoint in ${ckDir} belongs to model "${ckState.model}", not "${o.module.meta.model}"`, {
      code: "checkpoint",
    });
  // a resumed run keeps its original seed: data and initial weights are regenerated from it, then overwritten
  const seed = ckState?.seed ?? o.seed ?? o.module.meta.train.seed;

  const useOrt = isOrtBackend(o.backend);
  const tfBackend = await initBackend(useOrt ? "wasm" : ((o.backend ?? "wasm") as BackendName));
  const rng: Rng = createRng(seed);
  const program = await o.module.createProgram({ rng, baseDir: o.baseDir ?? runDir, backend: tfBackend.name });
  checkProgramData(program);
  const meta = program.meta;
  // a raised --steps on resume extends the run; otherwise a resume keeps the original target
  const prevSummary = o.resume ? readSummary(runDir) : null;
  // precedence: --steps / --epochs now, the target the last checkpoint or summary recorded, the ones the run was
  // started with, the spec's
  const explicit = o.steps !== undefined || o.epochs !== undefined;
  const recorded = o.resume && !explicit ? (ckState?.target_steps ?? prevSummary?.target_steps ?? null) : null;
  const target =
    !o.resume || explicit
      ? targetSteps(program, o, null)
      : (recorded ?? targetSteps(program, { ...o, steps: o.planned?.steps, epochs: o.planned?.epochs }, null));

  let step = 0;
  let acc: LogAcc = { sums: {}, counts: {} };
  let elapsedBefore = 0;
  let initFrom: TrainSummary["init_from"];
  if (o.initFrom && !o.resume) {
    const w = warmStartProgram(program, o.initFrom);
    initFrom = { run: o.initFrom, ...w };
    if (!o.quiet)
      process.stderr.write(
        `warm start from ${o.initFrom} (step ${w.step}): ${w.loaded.length} parameter tensors copied` +
          `${w.skipped.length ? `; kept at init: ${w.skipped.join(", ")}` : ""}\n`,
      );
  }
  if (ck && ckState) {
    restoreProgram(program, ck.arrays);
    rng.setState(ckState.rng);
    program.batcher.setState(ckState.batcher);
    step = ck.step;
    acc = ckState.acc;
    elapsedBefore = ckState.elapsed_s;
  }
  // a run never trains backwards: --steps (or --epochs) below the step it is at is refused before anything is
  // written (E0614), rather than recorded as a completed run whose target lies behind it
  if (ck && explicit && target < step) {
    const asked = o.steps !== undefined ? `--steps ${o.steps}` : `--epochs ${o.epochs} (${target} steps)`;
    throw new GancRuntimeError(`${asked} is below the step run ${runDir} is at (${step}); a run does not train backwards`, {
      code: "resume-steps",
      hint:
        `give --steps N with N > ${step} to train further, leave --steps out to continue to the run's target ` +
        `(${ckState?.target_steps ?? prevSummary?.target_steps ?? "the spec's"}), or start a new run from these weights with ` +
        `ganc train SPEC --init-from ${runDir}`,
    });
  }
  // (after restoring, so a checkpoint that does not fit this program is still an error)
  if (ck && prevSummary?.status === "completed" && ck.step >= target && (prevSummary.steps ?? -1) === ck.step)
    // nothing to train: no second evaluation, checkpoint or summary for the same step
    return { ...(prevSummary as TrainSummary), already_complete: true };
  // after restore and warm start: the driver takes the program's current values
  let stepper: OrtStepper | null = null;
  let ortChoice: { name: "ort" | "ort-webgpu"; note?: string } | null = null;
  if (useOrt) {
    ortChoice = await resolveOrtBackend(o.backend);
    const { attachOrt } = await import("../ort/driver.ts");
    stepper = await attachOrt(program, o.graphsDir ?? join(runDir, "graphs"), rng, {
      threads: o.threads,
      provider: ortChoice.name === "ort-webgpu" ? "webgpu" : "cpu",
    });
  }
  const backend = stepper && ortChoice
    ? { name: ortChoice.name, note: [ortChoice.note, `${stepper.description}; evaluation and sampling on tfjs ${tfBackend.name}`].filter(Boolean).join("; ") }
    : o.backendNote
      ? { name: tfBackend.name, note: [o.backendNote, tfBackend.note].filter(Boolean).join("; ") }
      : tfBackend;
  // drop what an interrupted process logged after its last checkpoint (everything, when there is none)
  if (o.resume) {
    truncateJsonl(metricsPath, step);
    truncateJsonl(evalsPath, step);
  } else {
    writeFileAtomic(metricsPath, "");
    writeFileAtomic(evalsPath, "");
  }
  const logEvery = Math.max(1, meta.train.logEvery);
  const ckEvery = Math.max(1, meta.train.checkpointEvery);
  const doEval = o.evaluate !== false && meta.evaluate.metrics.length > 0;
  const evalEvery = meta.evaluate.every;

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  // SIGTERM too (a job scheduler's stop, `kill`, the bin/ganc.js launcher forwarding one): same clean stop
  // `on`, not `once`: a relayed duplicate (tsx's cli re-sends a signal its child has not acknowledged within 30 ms)
  // must not reach the default handler and kill the run before its checkpoint
  if (o.handleSigint !== false) for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, onSigint);

  const progress = createProgress({ total: target, start: step, quiet: o.quiet });
  if (backend.note) progress.log(`note: ${backend.note}`);
  const startStep = step;
  const t0 = performance.now();
  let windowStart = t0;
  let windowSteps = 0;
  let lastLosses: Record<string, number> = {};
  let lastCheckpoint: string | null = null;
  let lastEval: EvalResult | null = null;
  const elapsed = () => elapsedBefore + (performance.now() - t0) / 1000;

  const checkpoint = async () => {
    const state: CkState = {
      seed, rng: rng.getState(), batcher: program.batcher.getState(), acc, elapsed_s: elapsed(), model: meta.model,
      target_steps: target,
    };
    await stepper?.flush();
    lastCheckpoint = saveCheckpoint(ckDir, { step, arrays: await snapshot(program), state: { ...state } });
  };
  const evaluate = async () => {
    // evaluation must not disturb the training stream: a resumed run skips evaluations an uninterrupted run did
    const saved = rng.getState();
    await stepper?.flush();
    try {
      lastEval = await evaluateProgram(program, { runDir, step, seed });
    } finally {
      rng.setState(saved);
    }
    appendJsonl(evalsPath, { step, metrics: lastEval.metrics });
  };

  const makeSummary = (status: TrainSummary["status"], error?: string): TrainSummary => {
    const wall = (performance.now() - t0) / 1000;
    return {
      model: meta.model,
      status,
      ...(error ? { error } : {}),
      backend: backend.name,
      ...(backend.note ? { backend_note: backend.note } : {}),
      seed,
      steps: step,
      target_steps: target,
      resumed_from: ck ? ck.step : null,
      ...(initFrom ? { init_from: initFrom } : prevSummary?.init_from ? { init_from: prevSummary.init_from } : {}),
      wall_s: wall,
      steps_per_s: (step - startStep) / Math.max(1e-9, wall),
      final_losses: lastLosses,
      metrics: (lastEval as EvalResult | null)?.metrics ?? {},
      checkpoint: lastCheckpoint,
    };
  };
  const writeSummary = (sm: TrainSummary) =>
    writeFileAtomic(join(runDir, "summary.json"), JSON.stringify(sm, null, 2) + "\n");
  // A step on wasm/cpu only awaits resolved promises (microtasks), so signal handlers, which run from the event
  // loop, would never fire before the loop ends: give the event loop a turn every ~25 ms.
  let lastYield = Date.now();
  try {
    while (step < target && !interrupted) {
      if (Date.now() - lastYield >= 25) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = Date.now();
        if (interrupted) break;
      }
      let losses: Record<string, number>;
      try {
        losses = await (stepper ? stepper.trainStep(step) : program.trainStep(step));
      } catch (e) {
        // by name too: a trainer loaded through another instance of the runtime throws its own class
        if (e instanceof GancRuntimeError || (e instanceof Error && e.name === "GancRuntimeError")) {
          const re = e as GancRuntimeError;
          const where = re.specLine ? ` (${re.specLine})` : "";
          const failure = new TrainFailure(
            `training stopped at step ${step}: ${e.message}${where}; the last good checkpoint is ${lastCheckpoint ?? "(none yet)"}`,
            step,
            re,
          );
          writeSummary(makeSummary("failed", failure.message));
          throw failure;
        }
        throw e;
      }
      step++;
      windowSteps++;
      lastLosses = losses;
      for (const [k, v] of Object.entries(losses)) {
        acc.sums[k] = (acc.sums[k] ?? 0) + v;
        acc.counts[k] = (acc.counts[k] ?? 0) + 1;
      }
      const now = performance.now();
      const sps = (windowSteps * 1000) / Math.max(1e-9, now - windowStart);
      progress.update(step, losses, sps);
      if (step % logEvery === 0 || step === target) {
        const line: LogLine = { step, losses: meanLosses(acc), steps_per_s: sps, elapsed_s: elapsed() };
        appendJsonl(metricsPath, line);
        o.onLog?.(line);
        // a final line off the log grid keeps its window open: a resumed run (raised --steps) then logs the same
        // averages at the next multiple of log_every as an uninterrupted run
        if (step % logEvery === 0) {
          acc = { sums: {}, counts: {} };
          windowStart = now;
          windowSteps = 0;
        }
      }
      if (step % ckEvery === 0 && step < target) await checkpoint();
      if (doEval && evalEvery && step % evalEvery === 0 && step < target) await evaluate();
    }
    await checkpoint();
    if (doEval && !interrupted && (!lastEval || (lastEval as EvalResult).step !== step)) await evaluate();
  } finally {
    progress.stop();
    await stepper?.release();
    if (o.handleSigint !== false) for (const sig of ["SIGINT", "SIGTERM"] as const) process.removeListener(sig, onSigint);
  }

  const summary = makeSummary(interrupted ? "interrupted" : "completed");
  writeSummary(summary);
  await writeLossPlots(runDir, readJsonl<LogLine>(metricsPath)).catch((e: Error) =>
    progress.log(`note: loss plot not written: ${e.message}`),
  );
  return summary;
}

function readSummary(runDir: string): Partial<TrainSummary> | null {
  const p = join(runDir, "summary.json");
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as Partial<TrainSummary>;
  } catch {
    return null;
  }
}
