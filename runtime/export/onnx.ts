// `ganc export RUNDIR --format onnx` (issue 18): the run's generator (and its PCM head, where the spec has one) as
// inference ONNX models with the latest checkpoint's weights embedded as initializers, for onnxruntime or any
// ONNX runtime (opset 17; a full-covariance prior's Cholesky factors are plain matmuls, no contrib ops).
//
// The generator model (FILE, default RUNDIR/export/<model>.onnx) computes what `ganc sample` / program.sample(n)
// computes (the generator in inference mode: batchnorm on its moving statistics, no dropout) from the latent draws:
//   - a latent the host draws whole (Normal, Uniform, ..., a GaussianMixture with fixed means and scales):
//     input `latent:<z>`, float32 [N, ...z's shape] (int32 [N] for a Categorical): the draw itself;
//   - a GaussianMixture whose means / scales are learned: inputs `latent:<z>.component` (int32 [N], the component
//     index of each row, in 0..K-1) and `noise:<z>.eps` (float32 [N, dim], standard-normal); the model computes
//     z = means[k] + L_k eps (L_k: the lower triangle of scale[k] for cov="full", scale[k] * I / diag(scale[k]))
//     with the learned means and scales embedded, so drawing one component is a constant component input.
// Output `samples`: float32 [N, ...sample shape] (images NHWC, as the spec's Image[h, w, c]).
// The head model (FILE with .head.onnx for .onnx) takes `x`, float32 [N, ...sample shape], and gives
// `responsibilities` [N, K] (program.assign / `ganc assign`).
// N is fixed at export (--batch, default 64): the step IR's reshapes carry static shapes.
// The models' metadata_props: ganc.model, ganc.graph, ganc.spec, ganc.step (checkpoint step), ganc.batch and
// ganc.inputs / ganc.outputs (JSON: name, shape, dtype of each).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { IRProgram } from "../../compiler/ir/ir.ts";
import { lowerNetworkForward, lowerSamplerForward, LowerError } from "../../compiler/step/lower.ts";
import { dce } from "../../compiler/passes/step-opt.ts";
import { verify } from "../../compiler/step/verify.ts";
import { printInferenceOnnx } from "../../compiler/emit/onnx/inference.ts";
import { onnxOutputName, type OnnxIo } from "../../compiler/emit/onnx/print.ts";
import { GancRuntimeError } from "../errors.ts";
import { makeDirs } from "../report/atomic.ts";
import { loadLatestCheckpoint, type Checkpoint } from "../train/checkpoint.ts";
import { readRunConfig } from "../train/rundir.ts";
import { createRng } from "../rng.ts";
import { NoiseSource } from "../ort/noise.ts";
import type { StepGraph } from "../../compiler/step/ir.ts";

export const DEFAULT_EXPORT_BATCH = 64;

export interface ExportedModel {
  role: "generator" | "head";
  network: string;
  file: string;
  inputs: OnnxIo[];
  outputs: OnnxIo[];
}

export interface RunArtifacts {
  ir: IRProgram;
  checkpoint: Checkpoint;
  /** the run's seed (the sampler's noise stream is rng(seed).fork("sample")) */
  seed: number;
  /** the base name of the spec file the run was started from ("vanilla_gan.gan") */
  specFile: string;
}

/** The typed IR a run was trained from (RUNDIR/spec.gan with its overrides and plugins) and its latest checkpoint. */
export async function readRunArtifacts(runDir: string): Promise<RunArtifacts> {
  if (!existsSync(runDir)) throw new GancRuntimeError(`run directory not found: ${runDir}`, { code: "run-dir" });
  const config = readRunConfig(runDir);
  const { checkSourceWithPlugins } = await import("../../compiler/plugins/compile.ts");
  const specCopy = join(runDir, "spec.gan");
  if (!existsSync(specCopy)) throw new GancRuntimeError(`${runDir} is not a ganc run directory: spec.gan is missing`, { code: "run-dir" });
  // checked as if it were still at its original place: relative data paths resolve against the spec's folder
  const r = await checkSourceWithPlugins(readFileSync(specCopy, "utf8"), join(config.specDir, basename(config.specPath)), { overrides: config.overrides, plugins: config.plugins });
  if (r.ir === null || r.diagnostics.some((d) => d.severity === "error"))
    throw new GancRuntimeError(`${runDir}/spec.gan no longer checks: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).slice(0, 3).join("; ")}`, { code: "run-dir" });
  const checkpoint = loadLatestCheckpoint(join(runDir, "checkpoints"));
  if (!checkpoint)
    throw new GancRuntimeError(`${runDir} has no checkpoint yet`, { code: "run-dir", hint: "train it first, or resume it with `ganc train --resume`" });
  const seed = Number((checkpoint.state as { seed?: number }).seed ?? r.ir.train.seed);
  return { ir: r.ir, checkpoint, seed, specFile: basename(config.specPath) };
}

/** the checkpoint's value of store tensor `name` (a parameter, else a moving statistic) */
export function checkpointValue(ck: Checkpoint, name: string): Float32Array | undefined {
  const a = ck.arrays[`param/${name}`] ?? ck.arrays[`state/${name}`];
  return a ? Float32Array.from(a.data) : undefined;
}

function prepare(g: StepGraph): StepGraph {
  const out = dce(g);
  const errs = verify(out);
  if (errs.length) throw new Error(`inference graph ${g.name} fails verification: ${errs.slice(0, 3).join("; ")}`);
  return out;
}

const ioJson = (xs: OnnxIo[]) => JSON.stringify(xs.map(({ onnx, shape, dtype }) => ({ name: onnx, shape, dtype })));

/** The head model's file next to the generator's: gen.onnx -> gen.head.onnx */
export const headFileOf = (file: string): string => join(dirname(file), `${basename(file).replace(/\.onnx$/i, "")}.head.onnx`);

/** Build the inference models of a run (bytes by role), not written. Throws GancRuntimeError for what does not lower. */
export function buildInferenceModels(a: RunArtifacts, batch: number): { role: "generator" | "head"; network: string; bytes: Uint8Array; inputs: OnnxIo[]; outputs: OnnxIo[] }[] {
  const { ir, checkpoint } = a;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new GancRuntimeError(`--batch must be a positive integer, got ${batch}`, { code: "usage" });
  const weights = (name: string) => checkpointValue(checkpoint, name);
  const meta = (g: StepGraph) => ({ "ganc.step": String(checkpoint.step), "ganc.batch": String(batch), "ganc.role": g.name });
  const out: ReturnType<typeof buildInferenceModels> = [];
  const build = (role: "generator" | "head", network: string, make: () => StepGraph) => {
    let g: StepGraph;
    try {
      g = prepare(make());
    } catch (e) {
      if (e instanceof LowerError) throw new GancRuntimeError(`the ${role} ${network} cannot be exported to ONNX yet: ${e.message}`, { code: "export" });
      throw e;
    }
    const m = {
      inputs: g.inputs.filter((i) => i.kind !== "param" && i.kind !== "state").map((i): OnnxIo => ({ name: i.name, onnx: i.name, shape: [...g.values[i.id]!.shape], dtype: g.values[i.id]!.dtype })),
      outputs: g.outputs.map((o): OnnxIo => ({ name: o.name, onnx: onnxOutputName(g, o), shape: [...g.values[o.id]!.shape], dtype: g.values[o.id]!.dtype })),
    };
    const withIo = printInferenceOnnx(g, weights, {
      specFile: a.specFile, model: ir.model.name,
      metadata: { ...meta(g), "ganc.role": role, "ganc.network": network, "ganc.inputs": ioJson(m.inputs), "ganc.outputs": ioJson(m.outputs) },
      docString: `ganc ${role} ${network} of model ${ir.model.name} (checkpoint step ${checkpoint.step}), batch ${batch}: inputs ${m.inputs.map((i) => `${i.onnx} ${i.dtype}[${i.shape.join(", ")}]`).join(", ")}; outputs ${m.outputs.map((o) => `${o.onnx} ${o.dtype}[${o.shape.join(", ")}]`).join(", ")}`,
    });
    out.push({ role, network, bytes: withIo.bytes, inputs: withIo.inputs, outputs: withIo.outputs });
  };
  if (!ir.sampler) throw new GancRuntimeError(`${ir.model.name} has no generator to export`, { code: "export" });
  build("generator", ir.sampler.network, () => lowerSamplerForward(ir, batch));
  if (ir.head) build("head", ir.head, () => lowerNetworkForward(ir, ir.head!, batch, { output: "responsibilities" }));
  return out;
}

/** Export a run's generator (and head) as ONNX: returns what was written. */
export async function exportOnnx(runDir: string, o: { output?: string; batch?: number } = {}): Promise<ExportedModel[]> {
  const a = await readRunArtifacts(runDir);
  const file = o.output ?? join(runDir, "export", `${a.ir.model.name}.onnx`);
  const models = buildInferenceModels(a, o.batch ?? DEFAULT_EXPORT_BATCH);
  makeDirs(dirname(file));
  return models.map((m) => {
    const f = m.role === "generator" ? file : headFileOf(file);
    writeFileSync(f, m.bytes);
    return { role: m.role, network: m.network, file: f, inputs: m.inputs, outputs: m.outputs };
  });
}

/**
 * The generator model's inputs for n rows, drawn exactly as program.sample(n) draws them on a freshly loaded run
 * (loadRun, then its first sample call): from rng(seed).fork("sample"), latents in declaration order. Feeding
 * these to the exported generator gives `ganc sample -n n`'s samples (to float32 round-off).
 */
export function drawSamplerInputs(a: RunArtifacts, inputs: OnnxIo[], n: number): Map<string, Float32Array | Int32Array> {
  const latents = a.ir.latents.map((z) => ({ name: z.name, dist: z.dist, shape: z.type.shape }));
  const src = new NoiseSource(latents, inputs.map((i) => ({ ...i, kind: "noise" as const })), n);
  const read = (name: string) => {
    const v = checkpointValue(a.checkpoint, name);
    if (!v) throw new GancRuntimeError(`checkpoint has no ${name}`, { code: "checkpoint" });
    return v;
  };
  const all = src.draw(createRng(a.seed).fork("sample"), read);
  return new Map(inputs.map((i) => [i.onnx, all.get(i.name)!]));
}
