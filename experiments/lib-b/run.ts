// Part-B experiment helpers: train a bundled spec in process (the same code path as `ganc train`), reload the
// trained program from its run directory, and score a PCM head / a generator with the runtime's metrics.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { runTrain } from "../../compiler/cli/commands/train.ts";
import { compileSpec, RUNTIME_INDEX } from "../../compiler/cli/commands/compile.ts";
import { importTrainer, loadRun, type LoadedRun } from "../../runtime/train/rundir.ts";
import { initBackend } from "../../runtime/backend.ts";
import { createRng } from "../../runtime/rng.ts";
import type { TrainSummary } from "../../runtime/train/run.ts";
import type { Program } from "../../runtime/program.ts";
import type { Column } from "../../runtime/types.ts";
import { assignResponsibilities } from "../../runtime/train/evaluate.ts";
import { clusterAccuracy, nmi } from "../../runtime/metrics/clustering.ts";

export interface TrainSpecOptions {
  set?: Record<string, string | number | boolean>;
  steps: number;
  out: string;
  seed?: number;
  /** run the spec's own evaluate block at the end (default false: the experiments score runs themselves) */
  evaluate?: boolean;
}

/** `ganc train SPEC --set ... --steps N --out DIR -q` in process; throws with the CLI's messages on failure. */
export async function trainSpec(spec: string, o: TrainSpecOptions): Promise<TrainSummary> {
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.set ?? {})) set[k] = String(v);
  let err = "";
  const code = await runTrain(
    spec,
    { set, plugin: [], backend: "wasm", steps: o.steps, seed: o.seed, out: o.out, eval: o.evaluate ?? false, quiet: true },
    { out: () => {}, err: (s) => void (err += s) },
  );
  if (code !== 0) throw new Error(`ganc train ${spec} ${JSON.stringify(set)} exited ${code}:\n${err}`);
  return JSON.parse(readFileSync(join(o.out, "summary.json"), "utf8")) as TrainSummary;
}

/** The trained program of a run directory (latest checkpoint). */
export const loadTrained = (runDir: string): Promise<LoadedRun> => loadRun(runDir, { backend: "wasm" });

/** The held-out split of the run's data (falls back to the training data) and its sample/label columns. */
export function heldOut(program: Program): { x: Column; y: Column | null; n: number } {
  const ds = program.data.test ?? program.data;
  const meta = program.meta;
  const x = ds.columns[meta.sampleSpace.column]!;
  const y = meta.labels ? ds.columns[meta.labels.column]! : null;
  return { x, y, n: ds.n };
}

/** Hungarian accuracy and NMI of argmax C(x) on n held-out points, and how many head outputs argmax ever picks. */
export async function headScores(program: Program, n = 10000): Promise<{ accuracy: number; nmi: number; n: number; clusters: number }> {
  const h = heldOut(program);
  if (!h.y) throw new Error("the data has no labels");
  const m = Math.min(n, h.n);
  const { r, k } = await assignResponsibilities(program, h.x, m);
  const pred: number[] = [];
  for (let i = 0; i < m; i++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (r[i * k + c]! > r[i * k + b]!) b = c;
    pred.push(b);
  }
  const truth = Array.from(h.y.data.subarray(0, m));
  return { accuracy: clusterAccuracy(pred, truth).accuracy, nmi: nmi(pred, truth), n: m, clusters: new Set(pred).size };
}

/** n generator samples as a flat Float32Array (optionally from one mixture component). */
export async function samplesOf(program: Program, n: number, component?: number): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let i = 0; i < n; i += 1000) {
    const m = Math.min(1000, n - i);
    const t = program.sample(m, component === undefined ? undefined : { component });
    parts.push(Float32Array.from(await t.data()));
    t.dispose();
  }
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) (out.set(p, off), (off += p.length));
  return out;
}

/** Dispose a program's variables (experiments build many programs in one process). */
export function disposeProgram(program: Program): void {
  for (const name of program.store.names()) program.store.get(name).dispose();
  for (const name of program.store.stateNames()) program.store.get(name).dispose();
}

/**
 * Compile a spec with overrides into `dir/trainer.ts` and build a fresh program (wasm backend) without the
 * harness: experiments that need scores during training drive `program.trainStep` themselves.
 */
export async function buildProgram(
  spec: string,
  o: { set?: Record<string, string | number | boolean>; dir: string; seed?: number },
): Promise<Program> {
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.set ?? {})) set[k] = String(v);
  const c = await compileSpec(spec, { overrides: set, runtimeImport: RUNTIME_INDEX });
  if (!c.ok) throw new Error(`cannot compile ${spec} ${JSON.stringify(set)}:\n${c.messages}`);
  mkdirSync(o.dir, { recursive: true });
  const path = join(o.dir, "trainer.ts");
  writeFileSync(path, c.ts);
  const module = await importTrainer(path);
  const backend = await initBackend("wasm");
  const rng = createRng(o.seed ?? module.meta.train.seed);
  return module.createProgram({ rng, baseDir: dirname(resolve(spec)), backend: backend.name });
}

/** Markdown table from rows of cells. */
export function mdTable(header: string[], rows: (string | number)[][]): string {
  const fmt = (v: string | number) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : v);
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(fmt).join(" | ")} |`),
  ].join("\n");
}

/** Parse `--flag` / `--key value` command-line arguments. */
export function parseArgs(argv: string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith("--")) (out[a.slice(2)] = next), i++;
    else out[a.slice(2)] = true;
  }
  return out;
}
