// Contracts between the runtime's parts and the code the compiler emits. Implementations live in the files named
// on each interface; generated trainers only see these types through `ganc/runtime` (runtime/index.ts).
//
// Tensor layout rule: a *per-example* value has a leading batch axis N (extra per-example leading dims that a
// network maps over are folded into N by the caller); a *whole-batch* value (weights, prior parameters, results of
// E[...]) has no batch axis.

import type * as tf from "@tensorflow/tfjs";
import type { LrSchedule } from "./optim/schedule.ts";

export type Tensor = tf.Tensor;

/** Seeded, checkpointable random source (runtime/rng.ts). All randomness in a run comes from one Rng so that the
 * same seed on the same backend gives the same losses, and a resumed run continues the same stream. */
export interface RngState {
  s: number[];
}
export interface Rng {
  /** uniform in [0, 1) */
  uniform(): number;
  /** standard normal */
  normal(): number;
  /** integer in [0, n) */
  int(n: number): number;
  /** Float32Array of n standard normals / uniforms (fast path used for latent draws) */
  normals(n: number): Float32Array;
  uniforms(n: number): Float32Array;
  /** a derived independent stream (e.g. for data shuffling) */
  fork(label: string): Rng;
  getState(): RngState;
  setState(s: RngState): void;
}

/** Every learnable tensor of a program, by stable name (runtime/params.ts).
 * Names: network layers "D/dense_0/kernel", weights "A", prior parameters "z.means", "z.scale". */
export interface ParamStore {
  /** create (or return the existing) variable; init runs once with the store's rng */
  create(name: string, shape: number[], init: InitSpec): tf.Variable;
  get(name: string): tf.Variable;
  has(name: string): boolean;
  names(): string[];
  /** non-trainable state saved in checkpoints (batchnorm moving statistics, spectral_norm's power-iteration vector) */
  /** a constant fill, or an InitSpec drawn from the store's rng (spectral_norm's u) */
  createState(name: string, shape: number[], value: number | InitSpec): tf.Variable;
  stateNames(): string[];
}

export type InitSpec =
  | { kind: "zeros" }
  | { kind: "ones" }
  | { kind: "const"; value: number }
  | { kind: "eye" } // identity on the last two axes, broadcast over leading axes
  | { kind: "normal"; std: number; mean?: number }
  | { kind: "uniform"; lo: number; hi: number }
  | { kind: "glorot_uniform"; fanIn: number; fanOut: number }
  | { kind: "he_uniform"; fanIn: number }
  | { kind: "values"; values: number[] } // exact values (row-major), e.g. data_points(x) filled by the trainer
  ;

/** An optimizer over a fixed list of variables (runtime/optim/). Gradients are of the quantity to MINIMIZE; the
 * trainer negates a loss for `maximizes`. State (moments, step count) is checkpointable. */
export interface Optimizer {
  readonly kind: "adam" | "sgd" | "rmsprop";
  apply(vars: tf.Variable[], grads: tf.Tensor[]): void;
  getState(): Promise<NamedArrays>;
  setState(state: NamedArrays): void;
}
/** `schedule`: the lr multiplier per application (runtime/optim/schedule.ts); absent or null = constant */
export type OptimizerSpec =
  | { kind: "adam"; lr: number; beta1: number; beta2: number; eps: number; schedule?: LrSchedule | null }
  | { kind: "sgd"; lr: number; momentum: number; schedule?: LrSchedule | null }
  | { kind: "rmsprop"; lr: number; decay: number; eps: number; momentum: number; schedule?: LrSchedule | null };

/** Plain serialisable arrays keyed by name (checkpoints). */
export type NamedArrays = Record<string, { shape: number[]; dtype: "float32" | "int32"; data: number[] }>;

/** A loaded data source (runtime/data/). Columns are in the source's documented order; a spec's `data a: T, b: U`
 * binds a to column 0 and b to column 1. */
export interface Column {
  name: string;
  /** per-example shape, e.g. [784] or [28, 28, 1] or [] */
  shape: number[];
  dtype: "float32" | "int32";
  data: Float32Array | Int32Array; // n * prod(shape), row-major
  /** for int columns: number of classes */
  classes?: number;
}
export interface Dataset {
  source: string;
  n: number;
  columns: Column[];
  /** ground truth of synthetic sources (gmm: weights, means, covs; ring/grid: centers, std) */
  truth?: Record<string, unknown>;
  /** a held-out split of the same source when it has one (gmm: fresh test draw; fashion_mnist: t10k) */
  test?: Dataset;
}

/** Seeded minibatches over a Dataset (runtime/data/batcher.ts); its state is checkpointable. */
export interface BatcherState {
  epoch: number;
  pos: number;
  perm: number[];
  /** the batcher's own shuffling stream */
  rng: RngState;
}
export interface Batcher {
  readonly batchSize: number;
  /** one tensor per column: [batch, ...shape] */
  next(): tf.Tensor[];
  /** the same minibatch as flat row-major arrays (hosts that feed another engine); advances the same state */
  nextArrays(): (Float32Array | Int32Array)[];
  epoch(): number;
  getState(): BatcherState;
  setState(s: BatcherState): void;
}

/** Options every layer's apply gets. */
export interface ApplyOpts {
  training: boolean;
  rng: Rng;
}
