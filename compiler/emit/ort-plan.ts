// The onnxruntime form of a spec: its step plan (compiler/step/plan.ts) printed as one ONNX model per update
// (compiler/emit/onnx) plus the manifest the runtime driver reads (runtime/ort/plan.ts). Written into a run
// directory's `graphs/` by `ganc train --backend ort` and by `ganc compile --emit onnx -o DIR`.
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { IRProgram } from "../ir/ir.ts";
import { lowerJointUpdates, lowerStepPlan } from "../step/plan.ts";
import { printOnnx } from "./onnx/index.ts";
import { makeDirs, writeFileAtomic } from "../../runtime/report/atomic.ts";
import { PLAN_FILE, PLAN_VERSION, type OrtPlan } from "../../runtime/ort/plan.ts";

export interface OrtPlanFiles {
  plan: OrtPlan;
  /** model bytes by file name (relative to the plan's directory) */
  models: Map<string, Uint8Array>;
}

/** a file name for an update's graph: its name where that is a safe file name, else a sanitised one */
const fileOf = (update: string, i: number) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(update) ? `${update}.onnx` : `update${i}.onnx`);

/** Lower and print every update. Throws LowerError (a construct the step IR does not lower yet) or OnnxPrintError. */
export function buildOrtPlan(ir: IRProgram, o: { specFile?: string } = {}): OrtPlanFiles {
  // a resumed run compiles RUNDIR/spec.gan: messages keep naming the file the user wrote
  const specFile = o.specFile ?? basename(ir.file);
  const step = lowerStepPlan(ir);
  const models = new Map<string, Uint8Array>();
  const updates = step.updates.map((pu, i) => {
    const u = ir.updates.find((x) => x.name === pu.update)!;
    const loss = ir.losses.find((l) => l.name === u.loss)!;
    const m = printOnnx(pu.graph, { specFile, model: ir.model.name });
    const file = fileOf(u.name, i);
    models.set(file, m.bytes);
    return {
      update: u.name,
      loss: u.loss,
      lossLine: `${specFile}:${loss.span.start.line}`,
      direction: u.direction,
      every: u.every,
      repeat: u.repeat,
      optimizer: u.optimizer,
      project: u.project.map((name) => {
        const w = ir.weights.find((x) => x.name === name);
        if (!w?.constrain) throw new Error(`update ${u.name} projects ${JSON.stringify(name)}, which has no constraint`);
        return { name, kind: w.constrain.kind, args: w.constrain.args };
      }),
      file,
      inputs: m.inputs,
      outputs: m.outputs,
    };
  });
  const joint = lowerJointUpdates(ir, step).map((j, i) => {
    const m = printOnnx(j.graph, { specFile, model: ir.model.name });
    const file = `joint${i}.onnx`;
    models.set(file, m.bytes);
    return { updates: j.updates, loss: j.loss, file, inputs: m.inputs, outputs: m.outputs };
  });
  const data = ir.data.flatMap((d) => d.bindings.map((b) => ({ name: b.name, column: b.column, int: b.type.elem === "int" })));
  const plan: OrtPlan = {
    version: PLAN_VERSION,
    model: ir.model.name,
    specFile,
    batch: ir.train.batch,
    schedule: ir.train.schedule,
    updates,
    ...(joint.length ? { joint } : {}),
    latents: ir.latents.map((z) => ({ name: z.name, dist: z.dist, shape: z.type.shape })),
    data,
  };
  return { plan, models };
}

/** Write the models and then the manifest (last, atomically: a directory with a plan.json is complete). */
export function writeOrtPlan(dir: string, files: OrtPlanFiles): void {
  makeDirs(dir);
  for (const [f, bytes] of files.models) writeFileSync(join(dir, f), bytes);
  writeFileAtomic(join(dir, PLAN_FILE), JSON.stringify(files.plan, null, 1) + "\n");
}
