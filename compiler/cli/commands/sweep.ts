// `ganc sweep SPEC --set name=v1,v2 ... [--seeds 0..4] [train flags] [--out DIR] [--jobs N]
//  [--executor local|slurm --partition P --time T --cpus-per-task N --gres G --sbatch-arg A ... --wait]`,
// `ganc sweep DIR [--retry-failed]` (resume), `ganc sweep status DIR`, `ganc sweep report DIR`, and the per-point
// worker `ganc sweep run-point DIR I` that local workers and Slurm array tasks run. Every point is an ordinary run
// directory trained by runTrain (the code path of `ganc train`), in its own process. docs/sweeps.md.
// Exit codes: 0 every point completed (or submitted), 1 spec errors / failed points / Slurm errors, 2 usage,
// 130 interrupted.
import type { Command } from "@commander-js/extra-typings";
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { existsSync, rmSync, statSync } from "node:fs";
import { availableParallelism, hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { collect, compileSpec } from "./compile.ts";
import { BACKENDS, parsePositiveInt, runTrain } from "./train.ts";
import { configLabel, configurations, parseGridSet, parseSeeds, SweepError, variedParams, type Grid } from "../../../runtime/sweep/grid.ts";
import {
  countByStatus, foldManifest, hasCheckpoint, isSweepDir, planPoints, pointsToRun, readManifest, readPointState,
  writeManifest, writePointState, type SlurmOptions, type SweepManifest, type SweepPoint, type TrainFlags,
} from "../../../runtime/sweep/manifest.ts";

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface SweepCliOptions {
  set: string[];
  seeds?: string;
  steps?: number;
  epochs?: number;
  backend?: string;
  threads?: number;
  eval: boolean;
  plugin: string[];
  out?: string;
  jobs?: number;
  executor?: "local" | "slurm";
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  gres?: string;
  sbatchArg: string[];
  retryFailed?: boolean;
  wait?: boolean;
  quiet?: boolean;
}

const MAIN_TS = resolve(dirname(fileURLToPath(import.meta.url)), "../main.ts");

/** argv running one point (index appended): node with tsx's loader on the CLI, no launcher in between, so a
 * signal (Ctrl-C, scancel, preemption) reaches the training process itself. */
export function pointCommand(dir: string): string[] {
  return [process.execPath, "--import", import.meta.resolve("tsx"), MAIN_TS, "sweep", "run-point", resolve(dir)];
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function sweepErr(e: unknown, io: Io): number {
  if (e instanceof SweepError) {
    io.err(`error: ${e.message}\n${e.hint ? `  = hint: ${e.hint}\n` : ""}`);
    return 2;
  }
  throw e;
}

const samePlan = (a: SweepManifest, b: SweepManifest) =>
  a.spec === b.spec && JSON.stringify([a.grid, a.seeds, a.train]) === JSON.stringify([b.grid, b.seeds, b.train]);

/** `ganc sweep SPEC ...` (a new sweep, or the same command again: resume) and `ganc sweep DIR` (resume). */
export async function runSweep(target: string | undefined, o: SweepCliOptions, io: Io): Promise<number> {
  if (!target) {
    io.err("error: missing SPEC (a .gan file to sweep) or DIR (a sweep directory to continue)\n");
    return 2;
  }
  if (o.steps !== undefined && o.epochs !== undefined) {
    io.err("error: give either --steps or --epochs, not both\n");
    return 2;
  }
  const slurmOpts: SlurmOptions = {
    ...(o.partition ? { partition: o.partition } : {}),
    ...(o.time ? { time: o.time } : {}),
    ...(o.cpusPerTask ? { cpusPerTask: o.cpusPerTask } : {}),
    ...(o.gres ? { gres: o.gres } : {}),
    sbatchArgs: o.sbatchArg,
  };
  const slurmFlagsGiven = Boolean(o.partition || o.time || o.cpusPerTask || o.gres || o.sbatchArg.length);
  let dir: string;
  let m: SweepManifest;
  try {
    const isDir = existsSync(target) && statSync(target).isDirectory();
    if (isDir) {
      // resume: the plan is the manifest's
      if (o.set.length || o.seeds || o.steps !== undefined || o.epochs !== undefined || o.plugin.length || o.out) {
        io.err(`error: ${target} is a sweep directory: it is continued with its own plan (sweep.json); do not pass --set, --seeds, --steps, --epochs, --plugin or --out\n`);
        return 2;
      }
      dir = target;
      m = readManifest(dir);
      if (o.executor && o.executor !== m.executor.kind) {
        io.err(`error: ${dir} is a ${m.executor.kind} sweep; --executor ${o.executor} cannot take it over\n`);
        return 2;
      }
      if (m.executor.kind === "local" && o.jobs) m.executor.jobs = o.jobs;
      if (m.executor.kind === "slurm" && slurmFlagsGiven) Object.assign(m.executor, slurmOpts);
    } else {
      if (!existsSync(target)) {
        io.err(`error: ${target} does not exist (expected a .gan spec, or a sweep directory to continue)\n`);
        return 2;
      }
      if ((o.executor ?? "local") === "local" && slurmFlagsGiven) {
        io.err("error: --partition, --time, --cpus-per-task, --gres and --sbatch-arg are for --executor slurm\n");
        return 2;
      }
      let grid: Grid = [];
      for (const s of o.set) grid = parseGridSet(s, grid);
      const seeds: Array<number | null> = o.seeds !== undefined ? parseSeeds(o.seeds) : [null];
      const train: TrainFlags = {
        ...(o.steps !== undefined ? { steps: o.steps } : {}),
        ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
        ...(o.backend ? { backend: o.backend } : {}),
        ...(o.threads !== undefined ? { threads: o.threads } : {}),
        eval: o.eval,
        plugins: o.plugin.map((p) => resolve(p)),
      };
      // every configuration is checked by the compiler before anything is written: an unknown param or a value
      // out of its range is the checker's diagnostic (E0501, E0502, ...) naming the --set
      let model = basename(target).replace(/\.gan$/, "");
      for (const config of configurations(grid)) {
        const c = await compileSpec(target, { overrides: config, plugins: train.plugins, color: false });
        if (!c.ok) {
          io.err(c.messages);
          if (grid.length) io.err(`(in the sweep configuration ${configLabel(config, grid.map((g) => g.name))})\n`);
          return c.exitCode;
        }
        model = c.model;
      }
      dir = o.out ?? join("sweeps", `${model}-${stamp()}`);
      const jobs = o.jobs ?? Math.max(1, Math.floor(availableParallelism() / (o.threads ?? 1)));
      const now = new Date().toISOString();
      const planned: SweepManifest = {
        kind: "ganc-sweep", version: 1, model, spec: resolve(target), grid, seeds, train,
        executor: (o.executor ?? "local") === "slurm" ? { kind: "slurm", ...slurmOpts, submissions: [] } : { kind: "local", jobs },
        created: now, updated: now, points: planPoints(grid, seeds),
      };
      if (isSweepDir(dir)) {
        const old = readManifest(dir);
        if (!samePlan(old, planned)) {
          io.err(`error: ${dir} already holds a different sweep (${old.spec}); continue it with: ganc sweep ${dir}\n  = hint: or choose another --out\n`);
          return 2;
        }
        m = old;
        io.err(`${dir} holds this sweep already: continuing it\n`);
      } else if (existsSync(dir) && !statSync(dir).isDirectory()) {
        io.err(`error: --out ${dir} is a file, not a folder\n`);
        return 2;
      } else {
        m = planned;
        writeManifest(dir, m);
      }
    }
  } catch (e) {
    return sweepErr(e, io);
  }

  m = foldManifest(dir, m);
  if (m.executor.kind === "slurm") return runSlurm(dir, m, o, io);

  const todo = pointsToRun(m, o.retryFailed === true);
  const busy = m.points.filter((p) => p.status === "running");
  if (busy.length) io.err(`note: ${busy.length} point(s) are running in another process; left to it: ${busy.map((p) => p.id).join(", ")}\n`);
  const skippedFailed = o.retryFailed ? [] : m.points.filter((p) => p.status === "failed");
  const done = m.points.filter((p) => p.status === "completed").length;
  const jobs = o.jobs ?? m.executor.jobs;
  io.err(`sweep ${dir}: ${m.points.length} points (${done} completed, ${todo.length} to run, ${jobs} at a time)\n`);
  if (skippedFailed.length)
    io.err(`note: ${skippedFailed.length} failed point(s) are not rerun; retry them with: ganc sweep ${dir} --retry-failed\n`);
  writeManifest(dir, m);
  const { runLocalPool } = await import("../../../runtime/sweep/local.ts");
  const cmd = pointCommand(dir);
  const { interrupted } = await runLocalPool(dir, m, todo, {
    jobs,
    pointCommand: (_d, i) => [...cmd, String(i)],
    onPointStart: (p) => {
      if (!o.quiet) io.err(`start ${p.id}\n`);
    },
    onPointEnd: (p) => {
      m = foldManifest(dir, m);
      writeManifest(dir, m);
      const q = m.points[p.index]!;
      if (!o.quiet) io.err(`${q.status} ${q.id}${q.error ? `: ${q.error.split("\n")[0]}` : ""}\n`);
    },
  });
  m = foldManifest(dir, m);
  writeManifest(dir, m);
  io.out(statusTable(m));
  if (interrupted) {
    io.err(`interrupted; continue with: ganc sweep ${dir}\n`);
    return 130;
  }
  return finish(dir, m, io);
}

async function finish(dir: string, m: SweepManifest, io: Io): Promise<number> {
  const bad = m.points.filter((p) => p.status !== "completed");
  if (bad.length === 0) {
    const { writeSweepReport } = await import("../../../runtime/sweep/report.ts");
    const r = await writeSweepReport(dir);
    io.out("\n" + r.markdown);
    return 0;
  }
  const failed = bad.filter((p) => p.status === "failed");
  const other = bad.filter((p) => p.status !== "failed");
  for (const p of failed) io.err(`failed ${p.id}: ${p.error ?? "(no error recorded)"}\n`);
  if (failed.length) io.err(`${failed.length} point(s) failed; retry them with: ganc sweep ${dir} --retry-failed\n`);
  if (other.length) io.err(`${other.length} point(s) not completed (${other.map((p) => `${p.id}: ${p.status}`).join(", ")}); continue with: ganc sweep ${dir}\n`);
  io.err(`the table of the completed points: ganc sweep report ${dir}\n`);
  return 1;
}

/** Slurm: submit the points to run as one array job (and with --wait, follow it to the end). */
async function runSlurm(dir: string, m0: SweepManifest, o: SweepCliOptions, io: Io): Promise<number> {
  const slurm = await import("../../../runtime/sweep/slurm.ts");
  let m = m0;
  const ex = m.executor as Extract<SweepManifest["executor"], { kind: "slurm" }>;
  try {
    m = withQueue(dir, m, slurm.squeueTasks);
    const todo = pointsToRun(m, o.retryFailed === true);
    const inQueue = m.points.filter((p) => p.status === "queued" || p.status === "running");
    if (inQueue.length) io.err(`note: ${inQueue.length} point(s) are already queued or running in Slurm\n`);
    if (todo.length) {
      const sub = slurm.submitArray(dir, m, ex, pointCommand(dir), todo.map((p) => p.index));
      ex.submissions.push({ job_id: sub.jobId, array: sub.array, submitted: new Date().toISOString() });
      for (const p of todo) m.points[p.index] = { ...m.points[p.index]!, status: "queued" };
      writeManifest(dir, m);
      io.err(`submitted Slurm job ${sub.jobId} (array ${sub.array}, script ${sub.script}); follow it with: ganc sweep status ${dir}\n`);
    } else {
      writeManifest(dir, m);
      io.err("nothing to submit\n");
    }
    if (!o.wait) return 0;
    const jobIds = ex.submissions.map((s) => s.job_id);
    for (;;) {
      const q = slurm.squeueTasks(jobIds);
      if (q.size === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    m = withQueue(dir, readManifest(dir), slurm.squeueTasks);
    writeManifest(dir, m);
    io.out(statusTable(m));
    return finish(dir, m, io);
  } catch (e) {
    if (e instanceof SweepError) {
      io.err(`error: ${e.message}\n${e.hint ? `  = hint: ${e.hint}\n` : ""}`);
      return 1;
    }
    throw e;
  }
}

type QueueReader = (ids: string[]) => Map<number, { state: string; task: string; reason: string }>;

/** Fold the point files, then what squeue says about the sweep's array tasks. */
function withQueue(dir: string, m0: SweepManifest, squeue: QueueReader | null): SweepManifest {
  const m = foldManifest(dir, m0);
  if (m.executor.kind !== "slurm" || !squeue) return m;
  const subs = m.executor.submissions;
  if (!subs.length) return m;
  const q = squeue(subs.map((s) => s.job_id));
  for (const p of m.points) {
    const t = q.get(p.index);
    if (t) {
      p.slurm_task = t.task;
      if (p.status === "running" || p.status === "completed") continue;
      if (t.state === "RUNNING" || t.state === "COMPLETING") p.status = "running";
      else if (t.state === "PENDING" || t.state === "CONFIGURING" || t.state === "REQUEUED") p.status = "queued";
      continue;
    }
    // submitted, out of the queue, and no word from the point: the task ended without running it
    if (p.status === "pending" && p.attempts === 0 && readPointState(dir, p) === null && subs.some((s) => arrayHas(s.array, p.index))) {
      p.status = "failed";
      p.error = `its Slurm task left the queue without running the point (see ${join(dir, "logs")}/slurm-<job>_${p.index}.out)`;
    }
  }
  return m;
}

function arrayHas(array: string, i: number): boolean {
  return array.split(",").some((part) => {
    const [a, b] = part.split("-").map(Number);
    return b === undefined ? a === i : i >= a! && i <= b;
  });
}

export function statusTable(m: SweepManifest): string {
  const varied = variedParams(m.grid);
  const rows = m.points.map((p) => [
    p.id,
    configLabel(p.config, varied),
    p.seed === null ? "spec" : String(p.seed),
    p.status,
    p.steps !== undefined ? `${p.steps}${p.target_steps !== undefined ? `/${p.target_steps}` : ""}` : "",
    p.error ? p.error.split("\n")[0]!.slice(0, 100) : "",
  ]);
  const head = ["point", "configuration", "seed", "status", "steps", "error"];
  const w = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (r: string[]) => r.map((c, k) => c.padEnd(w[k]!)).join("  ").trimEnd() + "\n";
  const counts = Object.entries(countByStatus(m.points)).map(([k, v]) => `${v} ${k}`).join(", ");
  return line(head) + line(w.map((n) => "-".repeat(n))) + rows.map(line).join("") + `${m.points.length} points: ${counts}\n`;
}

export async function sweepStatus(dir: string, io: Io): Promise<number> {
  try {
    let m = readManifest(dir);
    let reader: QueueReader | null = null;
    if (m.executor.kind === "slurm") {
      const slurm = await import("../../../runtime/sweep/slurm.ts");
      if (slurm.haveCommand("squeue")) reader = slurm.squeueTasks;
      else io.err("note: squeue is not on PATH: the status comes from the runs' files only\n");
    }
    m = withQueue(dir, m, reader);
    writeManifest(dir, m);
    io.out(statusTable(m));
    for (const p of m.points.filter((q) => q.status === "failed")) io.out(`\nfailed ${p.id}:\n${p.error ?? "(no error recorded)"}\n`);
    return 0;
  } catch (e) {
    if (e instanceof SweepError) return sweepErr(e, io);
    throw e;
  }
}

export async function sweepReport(dir: string, o: { plots: boolean }, io: Io): Promise<number> {
  try {
    const { writeSweepReport } = await import("../../../runtime/sweep/report.ts");
    const r = await writeSweepReport(dir, { plots: o.plots });
    io.out(r.markdown);
    io.err(`wrote ${r.files.filter((f) => !f.endsWith(".png")).join(", ")}\n`);
    return r.report.rows.some((row) => row.completed > 0) ? 0 : 1;
  } catch (e) {
    return sweepErr(e, io);
  }
}

/** The first error of a run's messages (from "error" to the end), for the manifest. */
function errorText(err: string, code: number): string {
  const plain = err.replace(/\x1b\[[0-9;]*m/g, "");
  const at = plain.search(/^error/m);
  const text = (at >= 0 ? plain.slice(at) : plain.split("\n").slice(-12).join("\n")).trim();
  return (text || `ganc train exited ${code}`).slice(0, 2000);
}

/** One point, in this process: fresh, or resumed from its checkpoint (a killed, interrupted or requeued run). */
export async function sweepRunPoint(dir: string, index: number, io: Io): Promise<number> {
  let m: SweepManifest;
  try {
    m = readManifest(dir);
  } catch (e) {
    return sweepErr(e, io);
  }
  const p: SweepPoint | undefined = m.points[index];
  if (!p) {
    io.err(`error: ${dir} has ${m.points.length} points (0..${m.points.length - 1}); there is no point ${index}\n`);
    return 2;
  }
  const runDir = join(dir, p.run_dir);
  const prev = readPointState(dir, p);
  const slurmTask = process.env.SLURM_ARRAY_JOB_ID ? `${process.env.SLURM_ARRAY_JOB_ID}_${process.env.SLURM_ARRAY_TASK_ID}` : undefined;
  const started = new Date().toISOString();
  const attempt = (prev?.attempt ?? 0) + 1;
  const base = { pid: process.pid, host: hostname(), started, attempt, ...(slurmTask ? { slurm_task: slurmTask } : {}) };
  writePointState(dir, p, { status: "running", ...base });
  let err = "";
  const cap: Io = { out: (s) => io.out(s), err: (s) => { err += s; io.err(s); } };
  const t = m.train;
  const resume = hasCheckpoint(runDir);
  io.err(`point ${p.index} ${p.id} (attempt ${attempt}): ${resume ? `resuming ${runDir}` : `training into ${runDir}`}\n`);
  // a start that failed before its first checkpoint leaves files but nothing to resume: start over
  if (!resume && existsSync(runDir)) rmSync(runDir, { recursive: true, force: true });
  let code: number;
  try {
    code = await runTrain(
      resume ? undefined : m.spec,
      {
        set: resume ? {} : p.config,
        plugin: resume ? [] : t.plugins,
        ...(t.backend ? { backend: t.backend as (typeof BACKENDS)[number] } : {}),
        ...(t.steps !== undefined ? { steps: t.steps } : {}),
        ...(t.epochs !== undefined ? { epochs: t.epochs } : {}),
        ...(!resume && p.seed !== null ? { seed: p.seed } : {}),
        ...(resume ? { resume: runDir } : { out: runDir }),
        ...(t.threads !== undefined ? { threads: t.threads } : {}),
        eval: t.eval,
        quiet: true,
      },
      cap,
    );
  } catch (e) {
    err += `error: ${(e as Error).message}\n`;
    code = 70;
  }
  const status = code === 0 ? "completed" : code === 130 ? "interrupted" : "failed";
  writePointState(dir, p, {
    status, ...base, finished: new Date().toISOString(), exit_code: code,
    ...(status === "failed" ? { error: errorText(err, code) } : {}),
  });
  // a Slurm sweep has no coordinator waiting: the last point to finish writes the aggregate
  if (m.executor.kind === "slurm") {
    const folded = foldManifest(dir, m);
    if (folded.points.every((q) => q.status === "completed" || q.status === "failed")) {
      try {
        const { writeSweepReport } = await import("../../../runtime/sweep/report.ts");
        await writeSweepReport(dir);
      } catch (e) {
        io.err(`note: the sweep report was not written: ${(e as Error).message}\n`);
      }
    }
  }
  return code;
}

function parseJobs(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}

const setIo: Io = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) };

export function registerSweep(program: Command): void {
  const sweep = program
    .command("sweep")
    .description("train a grid of configurations x seeds (locally or on Slurm), follow it, and aggregate it");
  sweep
    .command("start", { isDefault: true, hidden: true })
    .description("start a sweep of SPEC, or continue the sweep in DIR")
    .argument("[target]", "a .gan spec (a new sweep) or a sweep directory (continue it)")
    .option("--set <name=v1,v2,...>", "a param's values (repeatable: the grid is every combination)", collect, [] as string[])
    .option("--seeds <A..B|a,b,c>", "seeds of every configuration, e.g. 0..4 (default: the spec's seed)")
    .option("--steps <n>", "train each point to this many steps", parsePositiveInt)
    .option("--epochs <n>", "train each point for this many epochs", parsePositiveInt)
    .addOption(new Option("--backend <name>", "training backend of every point (as ganc train)").choices(BACKENDS))
    .option("--threads <n>", "backend ort: intra-op threads per point", parsePositiveInt)
    .option("--no-eval", "skip the spec's evaluate metrics")
    .option("--plugin <path>", "load a loss-primitive plugin (repeatable)", collect, [] as string[])
    .option("--out <dir>", "sweep directory (default sweeps/<model>-<time>)")
    .option("--jobs <n>", "local: points trained at once (default: cores / threads)", parseJobs)
    .addOption(new Option("--executor <kind>", "where points run (default local)").choices(["local", "slurm"] as const))
    .option("--partition <p>", "slurm: partition")
    .option("--time <t>", "slurm: time limit per task (e.g. 1:00:00)")
    .option("--cpus-per-task <n>", "slurm: CPUs per task", parseJobs)
    .option("--gres <g>", "slurm: generic resources (e.g. gpu:1)")
    .option("--sbatch-arg <arg>", "slurm: extra sbatch argument (repeatable), e.g. --sbatch-arg=--qos=short", collect, [] as string[])
    .option("--retry-failed", "continuing a sweep: rerun its failed points too")
    .option("--wait", "slurm: wait for the array job to finish, then print the status and the report")
    .option("-q, --quiet", "no per-point progress lines")
    .action(async (target, o) => {
      process.exitCode = await runSweep(target, o as SweepCliOptions, setIo);
    });
  sweep
    .command("status")
    .description("each point's status (the runs' files, and squeue for a Slurm sweep)")
    .argument("<dir>", "sweep directory")
    .action(async (dir) => {
      process.exitCode = await sweepStatus(dir, setIo);
    });
  sweep
    .command("report")
    .description("mean ± std per configuration per final metric: markdown on stdout; report.csv, report.json and plots/ in DIR")
    .argument("<dir>", "sweep directory")
    .option("--no-plots", "skip the plots")
    .action(async (dir, o) => {
      process.exitCode = await sweepReport(dir, { plots: o.plots }, setIo);
    });
  sweep
    .command("run-point")
    .description("train one point of a sweep (what local workers and Slurm array tasks run)")
    .argument("<dir>", "sweep directory")
    .argument("<index>", "point index", parsePositiveInt)
    .action(async (dir, index) => {
      process.exitCode = await sweepRunPoint(dir, index, setIo);
    });
}
