// The sweep directory: sweep.json (the plan and each point's last known status, written atomically), one ordinary
// run directory per point under runs/, and points/<id>.json: the status file the process running a point writes
// (a local worker or a Slurm array task). Point files have one writer each, so tasks never race on sweep.json; the
// coordinator (`ganc sweep`, `ganc sweep status`) folds them, and the runs' own summary.json, into sweep.json.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../report/atomic.ts";
import { pidAlive } from "../train/lock.ts";
import { configurations, pointId, SweepError, variedParams, type Grid } from "./grid.ts";

export const MANIFEST = "sweep.json";

/** pending: never started; queued: waiting in Slurm; running; completed; failed: the run ended with an error
 * (kept until --retry-failed); interrupted: stopped with a checkpoint (SIGINT/SIGTERM, e.g. a Slurm preemption);
 * killed: its process died without a word (SIGKILL, OOM, a lost node). Interrupted and killed points resume. */
export type PointStatus = "pending" | "queued" | "running" | "completed" | "failed" | "interrupted" | "killed";

export interface TrainFlags {
  steps?: number;
  epochs?: number;
  backend?: string;
  threads?: number;
  eval: boolean;
  plugins: string[];
}

export interface SlurmOptions {
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  gres?: string;
  sbatchArgs: string[];
}

export interface SlurmSubmission {
  job_id: string;
  /** the --array spec submitted (point indices) */
  array: string;
  submitted: string;
}

export interface SweepPoint {
  index: number;
  id: string;
  /** every grid param's value at this point */
  config: Record<string, string>;
  /** null: the spec's own seed */
  seed: number | null;
  /** relative to the sweep directory */
  run_dir: string;
  status: PointStatus;
  attempts: number;
  exit_code?: number | null;
  error?: string;
  steps?: number;
  target_steps?: number;
  /** Slurm job id of the task that ran it last ("123_4") */
  slurm_task?: string;
}

export interface SweepManifest {
  kind: "ganc-sweep";
  version: 1;
  model: string;
  /** absolute path of the spec */
  spec: string;
  grid: Grid;
  seeds: Array<number | null>;
  train: TrainFlags;
  executor: { kind: "local"; jobs: number } | ({ kind: "slurm"; submissions: SlurmSubmission[] } & SlurmOptions);
  created: string;
  updated: string;
  points: SweepPoint[];
}

/** What a point's process writes: DIR/points/<id>.json. */
export interface PointState {
  status: "running" | "completed" | "failed" | "interrupted" | "killed";
  pid: number;
  host: string;
  started: string;
  finished?: string;
  attempt: number;
  exit_code?: number | null;
  error?: string;
  slurm_task?: string;
}

export function planPoints(grid: Grid, seeds: Array<number | null>): SweepPoint[] {
  const configs = configurations(grid);
  const varied = variedParams(grid);
  const total = configs.length * seeds.length;
  const points: SweepPoint[] = [];
  for (const config of configs)
    for (const seed of seeds) {
      const index = points.length;
      const id = pointId(index, total, config, varied, seed);
      points.push({ index, id, config, seed, run_dir: join("runs", id), status: "pending", attempts: 0 });
    }
  return points;
}

export const manifestPath = (dir: string) => join(dir, MANIFEST);

export function isSweepDir(dir: string): boolean {
  return existsSync(manifestPath(dir));
}

export function readManifest(dir: string): SweepManifest {
  const p = manifestPath(dir);
  if (!existsSync(p)) {
    const hint = existsSync(join(dir, "summary.json")) || existsSync(join(dir, "overrides.json"))
      ? "it is a run directory (ganc train); a sweep directory is what `ganc sweep SPEC --out DIR` wrote"
      : "pass the folder `ganc sweep SPEC --out DIR` wrote";
    throw new SweepError(`${dir} is not a sweep directory (no ${MANIFEST})`, hint);
  }
  let m: Partial<SweepManifest>;
  try {
    m = JSON.parse(readFileSync(p, "utf8")) as Partial<SweepManifest>;
  } catch (e) {
    throw new SweepError(`${p} is unreadable: ${(e as Error).message}`);
  }
  if (m.kind !== "ganc-sweep" || !Array.isArray(m.points)) throw new SweepError(`${p} is not a ganc sweep manifest`);
  return m as SweepManifest;
}

export function writeManifest(dir: string, m: SweepManifest): void {
  m.updated = new Date().toISOString();
  writeFileAtomic(manifestPath(dir), JSON.stringify(m, null, 2) + "\n");
}

const pointStatePath = (dir: string, p: SweepPoint) => join(dir, "points", `${p.id}.json`);

export function readPointState(dir: string, p: SweepPoint): PointState | null {
  try {
    return JSON.parse(readFileSync(pointStatePath(dir, p), "utf8")) as PointState;
  } catch {
    return null;
  }
}

export function writePointState(dir: string, p: SweepPoint, s: PointState): void {
  writeFileAtomic(pointStatePath(dir, p), JSON.stringify(s, null, 2) + "\n");
}

export interface RunSummaryLite {
  status?: string;
  steps?: number;
  target_steps?: number;
  seed?: number;
  metrics?: Record<string, number>;
  final_losses?: Record<string, number>;
  error?: string;
}

export function readRunSummary(runDir: string): RunSummaryLite | null {
  try {
    return JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8")) as RunSummaryLite;
  } catch {
    return null;
  }
}

export const hasCheckpoint = (runDir: string) => existsSync(join(runDir, "checkpoints", "latest"));

/** The last step metrics.jsonl logged (progress of a running point). */
function lastLoggedStep(runDir: string): number | undefined {
  try {
    const lines = readFileSync(join(runDir, "metrics.jsonl"), "utf8").trim().split("\n");
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        const s = (JSON.parse(lines[i]!) as { step?: number }).step;
        if (typeof s === "number") return s;
      } catch {
        /* torn line */
      }
    }
  } catch {
    /* none yet */
  }
  return undefined;
}

/** A point's status from its state file and its run's files (no scheduler). */
export function foldPoint(dir: string, p: SweepPoint): SweepPoint {
  const runDir = join(dir, p.run_dir);
  const st = readPointState(dir, p);
  const sum = readRunSummary(runDir);
  const out: SweepPoint = { ...p };
  delete out.error;
  delete out.exit_code;
  if (st) {
    out.attempts = Math.max(p.attempts, st.attempt);
    if (st.slurm_task) out.slurm_task = st.slurm_task;
    if (st.exit_code !== undefined) out.exit_code = st.exit_code;
  }
  if (sum?.steps !== undefined) out.steps = sum.steps;
  if (sum?.target_steps !== undefined) out.target_steps = sum.target_steps;
  if (sum?.status === "completed" && (st === null || st.status !== "running" || !alive(st))) {
    out.status = "completed";
    return out;
  }
  if (!st) {
    out.status = hasCheckpoint(runDir) ? "interrupted" : "pending";
    return out;
  }
  if (st.status === "running") {
    out.status = alive(st) ? "running" : "killed";
    if (out.status === "killed") out.error = `its process (pid ${st.pid} on ${st.host}) is gone without finishing`;
    const s = lastLoggedStep(runDir);
    if (s !== undefined) out.steps = s;
    return out;
  }
  out.status = st.status;
  if (st.error) out.error = st.error;
  return out;
}

/** Is the process of a "running" state still there? Unknowable for another host: trust the file. */
function alive(st: PointState): boolean {
  return st.host !== hostname() || pidAlive(st.pid);
}

export function foldManifest(dir: string, m: SweepManifest): SweepManifest {
  return { ...m, points: m.points.map((p) => foldPoint(dir, p)) };
}

/** Points that `ganc sweep DIR` runs again: never started, interrupted or killed (and failed with retryFailed). */
export function pointsToRun(m: SweepManifest, retryFailed: boolean): SweepPoint[] {
  return m.points.filter(
    (p) => p.status === "pending" || p.status === "interrupted" || p.status === "killed" || (retryFailed && p.status === "failed"),
  );
}

export function countByStatus(points: SweepPoint[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const p of points) c[p.status] = (c[p.status] ?? 0) + 1;
  return c;
}

/** Files in the sweep's logs folder for a point (worker logs and Slurm outputs). */
export function pointLogs(dir: string, p: SweepPoint): string[] {
  const logs = join(dir, "logs");
  if (!existsSync(logs)) return [];
  return readdirSync(logs)
    .filter((f) => f === `${p.id}.log` || f.endsWith(`_${p.index}.out`))
    .map((f) => join(logs, f));
}

export { variedParams };
