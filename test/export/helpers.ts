// Export tests' helpers: a real run directory (spec.gan, overrides.json, trainer.ts, checkpoints) from a short
// in-process `trainRun`, as `ganc train --steps N --out DIR` writes it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import * as ort from "onnxruntime-node";
import { compileSpec, RUNTIME_INDEX } from "../../compiler/cli/commands/compile.ts";
import { specPath } from "../../experiments/lib/spec-program.ts";
import { importTrainer, writeRunFiles } from "../../runtime/train/rundir.ts";
import { trainRun } from "../../runtime/train/run.ts";

export async function makeRun(spec: string, steps: number, overrides: Record<string, string> = {}): Promise<string> {
  const path = spec.endsWith(".gan") ? resolve(spec) : specPath(spec);
  const c = await compileSpec(path, { overrides, runtimeImport: RUNTIME_INDEX });
  if (!c.ok) throw new Error(c.messages);
  const runDir = mkdtempSync(join(tmpdir(), `ganc-export-${c.model}-`));
  writeRunFiles(runDir, {
    specText: c.specText,
    trainerTs: c.ts,
    config: { specPath: path, specDir: dirname(path), overrides, plugins: [], runtime: RUNTIME_INDEX, steps },
  });
  const module = await importTrainer(join(runDir, "trainer.ts"));
  await trainRun({ module, runDir, backend: "wasm", steps, quiet: true, evaluate: false, baseDir: dirname(path), handleSigint: false });
  return runDir;
}

/** Run an ONNX model on onnxruntime-node: feeds by ONNX input name, outputs as Float32Arrays. */
export async function runOnnx(model: string | Uint8Array, feeds: Map<string, { data: Float32Array | Int32Array; shape: number[] }>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const s = typeof model === "string" ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  const f: Record<string, ort.Tensor> = {};
  for (const [k, v] of feeds) f[k] = new ort.Tensor(v.data instanceof Int32Array ? "int32" : "float32", v.data, v.shape);
  const r = await s.run(f);
  const out: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const [k, t] of Object.entries(r)) out[k] = { data: t.data as Float32Array, dims: t.dims };
  await s.release();
  return out;
}

/** max |a - b| / max(1, max |b|): float32 round-off of small nets is ~1e-6 */
export function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, m = 1;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}
