// The program contract: what a compiled trainer module exports and what the training harness (runtime/train/)
// gives it. The emitter (compiler/emit) writes modules of exactly this shape:
//
//   import * as rt from "ganc/runtime";
//   export const meta: rt.ProgramMeta = { ... };
//   export async function createProgram(ctx: rt.ProgramContext): Promise<rt.Program> { ... }
//
// The harness owns backends, run directories, logging, checkpoints and evaluation; the program owns the model:
// parameters, data, optimizers and one training step.

import type * as tf from "@tensorflow/tfjs";
import type { Batcher, Dataset, Optimizer, ParamStore, Rng } from "./types.ts";

export type ParamValue = number | boolean | string;

export interface ProgramMeta {
  model: string;
  description: string;
  /** spec file name as compiled (for messages: "gm_gan.gan:31") */
  specFile: string;
  /** every param's final value (defaults + overrides) */
  params: Record<string, ParamValue>;
  train: {
    batch: number;
    steps: number | null;
    epochs: number | null;
    schedule: "alternating" | "simultaneous";
    seed: number;
    logEvery: number;
    checkpointEvery: number;
  };
  evaluate: { every: number | null; metrics: { name: string; args: Record<string, unknown> }[] };
  updates: { name: string; loss: string; direction: "minimizes" | "maximizes"; every: number; repeat: number }[];
  losses: string[];
  /** the data binding that lives in sample space (what G produces): name, data column and per-example shape */
  sampleSpace: { name: string; column: number; shape: number[]; image: boolean };
  /** the first Index[...] data binding (class labels / true components), if any */
  labels: { name: string; column: number; classes: number } | null;
  /** number of mixture components when the generator's latent is a GaussianMixture (one sample-grid row each) */
  components: number | null;
  /** name of the PCM head (role head), if any */
  head: string | null;
}

export interface ProgramContext {
  /** the run's random source: the program draws ALL its randomness from it (or from batcher/forks it exposes) */
  rng: Rng;
  /** directory of the spec, for relative data paths */
  baseDir: string;
  /** the backend actually in use */
  backend: string;
}

export interface Program {
  meta: ProgramMeta;
  store: ParamStore;
  data: Dataset;
  batcher: Batcher;
  /** by update name */
  optimizers: Record<string, Optimizer>;
  /**
   * Run every update due at `step` (0-based) following the schedule, on ONE shared minibatch from `batcher`.
   * Returns the value of each update's loss (as declared, before the update) keyed by update name.
   * Throws GancRuntimeError naming the spec line and the loss when a loss is NaN or infinite.
   */
  trainStep(step: number): Promise<Record<string, number>>;
  /** gradient-checking hooks (see ReferenceHooks); optional for hand-written programs */
  reference?: ReferenceHooks;
  /** n generator samples [n, ...sampleSpace.shape]; `component` draws from one mixture component only; `rng`
   * draws the latents from that stream instead of the program's own sampling stream (evaluation and `ganc sample`
   * pass one derived from the run seed and the step, so their numbers do not depend on earlier draws) */
  sample(n: number, opts?: { component?: number; rng?: Rng }): tf.Tensor;
  /** PCM head responsibilities for x [n, ...sampleSpace.shape] -> [n, K]; null when the spec has no head */
  assign: ((x: tf.Tensor) => tf.Tensor) | null;
  /** apply any network by name to per-example inputs (evaluation metrics) */
  network(name: string, ...inputs: tf.Tensor[]): tf.Tensor;
}

/** Hooks a test uses to check another backend's gradients against this trainer's tfjs autodiff. */
export interface ReferenceHooks {
  /** the training stream: draws made inside a loss (gradient_penalty's interpolation weights) come from it */
  rng: Rng;
  /** the next minibatch (advances the batcher), one tensor per data binding */
  nextBatch(): Record<string, tf.Tensor>;
  /** fresh latent draws for `update`'s loss from the training RNG ("z", "z.component", "z.each") */
  draw(update: string): Record<string, tf.Tensor>;
  /** `update`'s loss as declared and the gradients of the quantity it minimizes, by store name; not applied. With
   * `draws`, at those draws (held constant: no gradient reaches a learnable prior through them); without, the
   * latents are drawn inside the gradient tape from `rng`, as training does */
  grads(update: string, batch: Record<string, tf.Tensor>, draws?: Record<string, tf.Tensor>): { value: tf.Tensor; grads: Record<string, tf.Tensor> };
}

export type CreateProgram = (ctx: ProgramContext) => Promise<Program>;

/** What `import("trainer.ts")` yields. */
export interface ProgramModule {
  meta: ProgramMeta;
  createProgram: CreateProgram;
}
