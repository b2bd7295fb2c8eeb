// The ORT step plan as the runtime reads it: what `compiler/emit/ort-plan.ts` writes next to a trainer
// (`graphs/plan.json` and one `graphs/<update>.onnx` per update). Plain JSON, so a run directory carries everything
// the onnxruntime driver (driver.ts) needs to train, and a resumed run does not recompile.
import type { IRDist } from "../../compiler/ir/ir.ts";
import type { OptimizerSpec } from "../types.ts";

export const PLAN_FILE = "plan.json";
export const PLAN_VERSION = 1;

export type PlanDType = "f32" | "i32" | "bool";

export interface PlanInput {
  /** the step graph's input name ("G/dense_0/kernel", "data:x", "latent:z", "d_step/m/0", "d_step/adam.lr_t") */
  name: string;
  /** its name in the ONNX model (the same, by the printer's rule) */
  onnx: string;
  kind: "param" | "state" | "data" | "noise" | "hyper";
  shape: number[];
  dtype: PlanDType;
  /** a flat optimizer slot ("d_step/m/1+3+5"): the variable indices it holds, in order, and their element counts.
   * Checkpoints hold the per-variable slots ("m/1", "m/3", "m/5"): the driver joins them on load, splits on flush */
  slots?: number[];
  shapes?: number[][];
}

export interface PlanOutput {
  name: string;
  /** `<name>:new` where the output replaces the input of the same name (the printer's rule) */
  onnx: string;
  role: "update" | "log" | "result";
  shape: number[];
  dtype: PlanDType;
}

export interface PlanUpdate {
  update: string;
  loss: string;
  /** "file:line" of the loss declaration (NaN messages) */
  lossLine: string;
  direction: "minimizes" | "maximizes";
  every: number;
  repeat: number;
  optimizer: OptimizerSpec;
  /** weights projected onto their constraint set after the update (host ops: runtime/optim/project.ts) */
  project: { name: string; kind: string; args: Record<string, unknown> }[];
  /** the ONNX model file, relative to the plan's directory */
  file: string;
  inputs: PlanInput[];
  outputs: PlanOutput[];
}

/** A graph that runs several updates of one loss at once (the simultaneous schedule): one forward and backward
 * pass for all of them, each member's optimizer step; inputs and outputs named as in the members' own graphs. The
 * driver runs it in place of the members' graphs when all of them are due. */
export interface PlanJoint {
  updates: string[];
  loss: string;
  file: string;
  inputs: PlanInput[];
  outputs: PlanOutput[];
}

export interface PlanLatent {
  name: string;
  dist: IRDist;
  /** per-example shape of a draw */
  shape: number[];
}

export interface OrtPlan {
  version: number;
  model: string;
  specFile: string;
  batch: number;
  schedule: "alternating" | "simultaneous";
  updates: PlanUpdate[];
  /** joint graphs of simultaneous updates that share a loss (absent: none) */
  joint?: PlanJoint[];
  /** every latent in declaration order (the order the tfjs trainer draws them in) */
  latents: PlanLatent[];
  /** data bindings: graph input `data:<name>` is column `column` of the data set */
  data: { name: string; column: number; int: boolean }[];
}
