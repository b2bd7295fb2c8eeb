// Readers for `ganc view` / `ganc report`: find the run directories under the DIRs the user named (a run, a sweep
// with a sweep.json manifest, or a folder of runs) and read each run's files into one JSON-able object. Everything
// here only reads: the dashboard never writes into a run directory. Each call re-reads the files, so a run in
// progress shows its newest lines; a malformed JSONL line (e.g. one being written right now) is skipped and reported
// as a warning instead of failing the whole page.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { LOCK_FILE, pidAlive } from "../train/lock.ts";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";

export class ViewError extends Error {}

/** A run directory has at least one of the files `ganc train` writes. */
const RUN_MARKERS = ["summary.json", "metrics.jsonl", "overrides.json", "evals.jsonl"];

export function isRunDir(dir: string): boolean {
  return RUN_MARKERS.some((f) => existsSync(join(dir, f)));
}

export interface RunRef {
  /** stable id derived from the absolute path (used in URLs) */
  id: string;
  dir: string;
  /** short name shown in the page: the path relative to the root the user named (or its basename) */
  label: string;
  /** the sweep the run belongs to, when it was found through a sweep.json */
  sweep?: string;
  /** params recorded for this point in the sweep manifest */
  sweepParams?: Record<string, unknown>;
  sweepStatus?: string;
  /** the sweep point's id and its error, from the manifest */
  sweepPoint?: string;
  sweepError?: string;
  /** model name from the sweep manifest (for points whose run has not started) */
  sweepModel?: string;
  /** a point's process status file (DIR/points/<id>.json, written by `ganc sweep`), read when summary.json is absent */
  pointStateFile?: string;
  /** listed by a sweep but its run directory does not exist yet */
  missing?: boolean;
}

export interface SweepRef {
  dir: string;
  label: string;
  manifest: boolean;
  runs: string[];
  warnings: string[];
}

export interface Sources {
  runs: RunRef[];
  sweeps: SweepRef[];
  /** problems found while listing (e.g. a sweep point whose run dir does not exist yet) */
  warnings: string[];
}

export function runId(dir: string): string {
  return "r" + createHash("sha1").update(resolve(dir)).digest("hex").slice(0, 10);
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** The run dirs a sweep manifest names. The manifest written by `ganc sweep` (runtime/sweep/manifest.ts) has
 * `points: [{ id, config, seed, run_dir, status, error? }]`; a minimal manifest `{ "runs": ["a", "b"] }` or
 * `{ "points": [{ "run_dir": "a", "params": {...} }] }` works too. Paths are relative to the sweep directory. */
export interface ManifestPoint {
  dir: string;
  params?: Record<string, unknown>;
  status?: string;
  id?: string;
  error?: string;
}

export function manifestRuns(
  sweepDir: string,
  manifest: unknown,
): { runs: ManifestPoint[]; warnings: string[] } {
  const warnings: string[] = [];
  const out: ManifestPoint[] = [];
  const m = (manifest ?? {}) as Record<string, unknown>;
  const entries: unknown[] = Array.isArray(m.points) ? m.points : Array.isArray(m.runs) ? m.runs : [];
  if (!Array.isArray(m.points) && !Array.isArray(m.runs)) {
    warnings.push(`${join(sweepDir, "sweep.json")}: no "points" or "runs" list`);
  }
  for (const e of entries) {
    let p: unknown;
    let params: Record<string, unknown> | undefined;
    let status: string | undefined;
    let id: string | undefined;
    let error: string | undefined;
    if (typeof e === "string") p = e;
    else if (e && typeof e === "object") {
      const o = e as Record<string, unknown>;
      p = o.run_dir ?? o.runDir ?? o.dir ?? o.run ?? o.out ?? o.path;
      const pr = o.config ?? o.params ?? o.overrides ?? o.set;
      if (pr && typeof pr === "object") params = { ...(pr as Record<string, unknown>) };
      if (typeof o.id === "string") id = o.id;
      if (typeof o.error === "string") error = o.error;
      if (o.seed !== undefined && o.seed !== null) params = { ...(params ?? {}), seed: o.seed };
      if (typeof o.status === "string") status = o.status;
    }
    if (typeof p !== "string") {
      warnings.push(`${join(sweepDir, "sweep.json")}: a point without a run directory: ${JSON.stringify(e).slice(0, 120)}`);
      continue;
    }
    out.push({ dir: isAbsolute(p) ? p : resolve(sweepDir, p), params, status, id, error });
  }
  return { runs: out, warnings };
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(dir, d.name))
      .sort();
  } catch {
    return [];
  }
}

/** Resolve the DIRs given on the command line. Throws a ViewError naming the first one that is neither a run, a
 * sweep (sweep.json) nor a folder holding runs (directly or one level down). */
export function findSources(dirs: readonly string[]): Sources {
  const runs: RunRef[] = [];
  const sweeps: SweepRef[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const add = (dir: string, root: string, extra: Partial<RunRef> = {}) => {
    const abs = resolve(dir);
    if (seen.has(abs)) return;
    seen.add(abs);
    const rel = relative(resolve(root, ".."), abs);
    runs.push({ id: runId(abs), dir: abs, label: rel && !rel.startsWith("..") ? rel.split(sep).join("/") : basename(abs), ...extra });
  };
  for (const d of dirs) {
    const root = resolve(d);
    let st;
    try {
      st = statSync(root);
    } catch {
      throw new ViewError(`${d}: no such directory`);
    }
    if (!st.isDirectory()) throw new ViewError(`${d}: not a directory`);
    const manifestPath = join(root, "sweep.json");
    if (existsSync(manifestPath)) {
      let manifest: unknown;
      try {
        manifest = readJson(manifestPath);
      } catch (e) {
        throw new ViewError(`${manifestPath}: not valid JSON (${(e as Error).message})`);
      }
      const { runs: points, warnings: w } = manifestRuns(root, manifest);
      const sw: SweepRef = { dir: root, label: basename(root), manifest: true, runs: [], warnings: w };
      const model = typeof (manifest as { model?: unknown })?.model === "string" ? (manifest as { model: string }).model : undefined;
      for (const p of points) {
        const missing = !existsSync(p.dir);
        // a pending or queued point has no run directory yet: listed with its status, not a warning
        if (missing && !["pending", "queued"].includes(p.status ?? "")) {
          w.push(`${relative(process.cwd(), p.dir) || p.dir}: listed in ${manifestPath} but not there`);
        }
        add(p.dir, root, {
          sweep: sw.label,
          sweepParams: p.params,
          sweepStatus: p.status,
          ...(p.id ? { sweepPoint: p.id, pointStateFile: join(root, "points", `${p.id}.json`) } : {}),
          ...(p.error ? { sweepError: p.error } : {}),
          ...(model ? { sweepModel: model } : {}),
          ...(missing ? { missing: true } : {}),
        });
        sw.runs.push(runId(p.dir));
      }
      sweeps.push(sw);
      warnings.push(...w);
      continue;
    }
    if (isRunDir(root)) {
      add(root, root);
      continue;
    }
    // a folder of runs (e.g. runs/), or of sweeps and runs one level down
    const found: string[] = [];
    for (const sub of subdirs(root)) {
      if (existsSync(join(sub, "sweep.json"))) {
        const inner = findSources([sub]);
        for (const r of inner.runs) {
          const { id: _id, dir: _dir, label: _label, ...extra } = r;
          add(r.dir, root, extra);
        }
        sweeps.push(...inner.sweeps);
        warnings.push(...inner.warnings);
        found.push(sub);
      } else if (isRunDir(sub)) {
        add(sub, root);
        found.push(sub);
      }
    }
    if (found.length === 0) {
      throw new ViewError(
        `${d}: not a run directory (no summary.json, metrics.jsonl, overrides.json or evals.jsonl), not a sweep (no sweep.json) and holds no runs`,
      );
    }
  }
  return { runs, sweeps, warnings };
}

export interface Point {
  step: number;
  key: string;
  value: number;
}

export interface ImageRef {
  step: number | null;
  /** path relative to the run directory, with / separators */
  path: string;
}

export interface RunData {
  id: string;
  label: string;
  dir: string;
  sweep?: string;
  model: string | null;
  spec: string | null;
  params: Record<string, unknown>;
  seed: number | null;
  status: string;
  steps: number | null;
  targetSteps: number | null;
  error?: string;
  finalLosses: Record<string, number>;
  finalMetrics: Record<string, number>;
  losses: Point[];
  evals: Point[];
  samples: ImageRef[];
  plots: ImageRef[];
  warnings: string[];
}

/** Parse a JSONL file; a line that is not a JSON object is skipped with a warning (file:line). */
export function readJsonl(path: string, label: string, warnings: string[]): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const rows: Record<string, unknown>[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === "object" && !Array.isArray(v)) rows.push(v as Record<string, unknown>);
      else warnings.push(`${label}:${i + 1}: skipped a line that is not a JSON object`);
    } catch {
      const last = i === lines.length - 1;
      warnings.push(`${label}:${i + 1}: skipped a malformed line${last ? " (perhaps still being written)" : ""}: ${line.slice(0, 80)}`);
    }
  });
  return rows;
}

function numbers(o: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (o && typeof o === "object") {
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) if (typeof v === "number") out[k] = v;
  }
  return out;
}

function stepOf(file: string): number | null {
  const m = /step-(\d+)/.exec(file);
  return m ? Number(m[1]) : null;
}

function images(dir: string, sub: string): ImageRef[] {
  let files: string[];
  try {
    files = readdirSync(join(dir, sub));
  } catch {
    return [];
  }
  // a sample grid is written as base.svg and its rendering base.png: one picture, shown from the PNG
  const has = new Set(files);
  return files
    .filter((f) => /\.(png|svg)$/i.test(f))
    .filter((f) => sub !== "samples" || !/\.svg$/i.test(f) || !has.has(f.replace(/\.svg$/i, ".png")))
    .map((f) => ({ step: stepOf(f), path: `${sub}/${f}` }))
    .sort((a, b) => (a.step ?? -1) - (b.step ?? -1) || a.path.localeCompare(b.path));
}

/** Read one run directory (fresh from disk). */
export function readRun(ref: RunRef): RunData {
  const dir = ref.dir;
  const warnings: string[] = [];
  let summary: Record<string, unknown> = {};
  let overrides: Record<string, unknown> = {};
  const sj = join(dir, "summary.json");
  if (existsSync(sj)) {
    try {
      summary = readJson(sj) as Record<string, unknown>;
    } catch (e) {
      warnings.push(`${ref.label}/summary.json: unreadable (${(e as Error).message})`);
    }
  }
  const oj = join(dir, "overrides.json");
  if (existsSync(oj)) {
    try {
      overrides = readJson(oj) as Record<string, unknown>;
    } catch (e) {
      warnings.push(`${ref.label}/overrides.json: unreadable (${(e as Error).message})`);
    }
  }
  let model = typeof summary.model === "string" ? summary.model : ref.sweepModel ?? null;
  if (model === null && existsSync(join(dir, "spec.gan"))) {
    const m = /^\s*model\s+([A-Za-z_][A-Za-z0-9_]*)/m.exec(readFileSync(join(dir, "spec.gan"), "utf8"));
    if (m) model = m[1]!;
  }
  const losses: Point[] = [];
  for (const row of readJsonl(join(dir, "metrics.jsonl"), `${ref.label}/metrics.jsonl`, warnings)) {
    if (typeof row.step !== "number") continue;
    for (const [k, v] of Object.entries(numbers(row.losses))) losses.push({ step: row.step, key: k, value: v });
  }
  const evals: Point[] = [];
  for (const row of readJsonl(join(dir, "evals.jsonl"), `${ref.label}/evals.jsonl`, warnings)) {
    if (typeof row.step !== "number") continue;
    for (const [k, v] of Object.entries(numbers(row.metrics))) evals.push({ step: row.step, key: k, value: v });
  }
  const lastOf = (pts: Point[]) => {
    const out: Record<string, number> = {};
    for (const p of pts) out[p.key] = p.value; // rows are in step order
    return out;
  };
  const finalLosses = Object.keys(numbers(summary.final_losses)).length ? numbers(summary.final_losses) : lastOf(losses);
  const finalMetrics = Object.keys(numbers(summary.metrics)).length ? numbers(summary.metrics) : lastOf(evals);
  const lastStep = Math.max(-1, ...losses.map((p) => p.step), ...evals.map((p) => p.step));
  // the run's own overrides.json wins over the manifest's copy of the point's config
  const params = { ...(ref.sweepParams ?? {}), ...numbersOrValues(overrides.overrides) };
  const seed = typeof summary.seed === "number" ? summary.seed : typeof params.seed === "number" ? (params.seed as number) : null;
  let pointState: { status?: unknown; error?: unknown } = {};
  if (ref.pointStateFile && existsSync(ref.pointStateFile)) {
    try {
      pointState = readJson(ref.pointStateFile) as typeof pointState;
    } catch {
      // being replaced right now (it is written atomically, but be lenient)
    }
  }
  // freshest first: the run's summary, the process holding the run's lock, the sweep point's status file, the manifest
  const status =
    typeof summary.status === "string"
      ? summary.status
      : existsSync(join(dir, LOCK_FILE))
        ? lockStatus(dir)
        : typeof pointState.status === "string"
          ? pointState.status
          : ref.sweepStatus ?? (ref.missing ? "pending" : existsSync(join(dir, "metrics.jsonl")) ? "stopped" : "not started");
  const error =
    typeof summary.error === "string" ? summary.error : typeof pointState.error === "string" ? pointState.error : ref.sweepError;
  return {
    id: ref.id,
    label: ref.label,
    dir,
    ...(ref.sweep ? { sweep: ref.sweep } : {}),
    model,
    spec: typeof overrides.specPath === "string" ? overrides.specPath : existsSync(join(dir, "spec.gan")) ? "spec.gan" : null,
    params,
    seed,
    status,
    steps: typeof summary.steps === "number" ? summary.steps : lastStep >= 0 ? lastStep : null,
    targetSteps: typeof summary.target_steps === "number" ? summary.target_steps : typeof overrides.steps === "number" ? overrides.steps : null,
    ...(error ? { error } : {}),
    finalLosses,
    finalMetrics,
    losses,
    evals,
    samples: images(dir, "samples"),
    plots: images(dir, "plots"),
    warnings,
  };
}

/** A run without summary.json: RUNDIR/lock (runtime/train/lock.ts) names the process writing it. A live pid, or one
 * on another host (unknowable from here): running; a dead one: killed; no lock: stopped without a summary. */
function lockStatus(dir: string): string {
  let lock: { pid?: unknown; host?: unknown };
  try {
    lock = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as typeof lock;
  } catch {
    return existsSync(join(dir, "metrics.jsonl")) ? "stopped" : "not started";
  }
  if (typeof lock.host === "string" && lock.host !== hostname()) return "running";
  return typeof lock.pid === "number" && pidAlive(lock.pid) ? "running" : "killed";
}

function numbersOrValues(o: unknown): Record<string, unknown> {
  return o && typeof o === "object" && !Array.isArray(o) ? { ...(o as Record<string, unknown>) } : {};
}

export interface ViewData {
  generatedAt: string;
  roots: string[];
  runs: RunData[];
  sweeps: { label: string; dir: string; runs: string[] }[];
  warnings: string[];
}

/** Everything the page shows, read fresh. */
export function readAll(dirs: readonly string[]): ViewData {
  const src = findSources(dirs);
  const runs = src.runs.map(readRun);
  return {
    generatedAt: new Date().toISOString(),
    roots: dirs.map((d) => resolve(d)),
    runs,
    sweeps: src.sweeps.map((s) => ({ label: s.label, dir: s.dir, runs: s.runs })),
    warnings: [...src.warnings, ...runs.flatMap((r) => r.warnings)],
  };
}

/** The absolute path of an image a run wrote, or null when `rel` is not a PNG/SVG inside samples/ or plots/ of the
 * run (no path traversal). */
export function runImagePath(run: RunRef, rel: string): string | null {
  if (!/^(samples|plots)\/[^/\\]+\.(png|svg)$/i.test(rel) || rel.includes("..")) return null;
  const p = join(run.dir, rel);
  return existsSync(p) ? p : null;
}
