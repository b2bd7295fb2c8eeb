// The typed IR: the checker's output and the emitter's input. Backend-neutral, plain JSON (printable with
// `ganc check --dump ir`, compared by golden tests). All params are already substituted: shapes are concrete
// numbers, `when`/`if`/`match` are resolved, names are resolved to declarations.
//
// Runtime layout rule (shared with runtime/types.ts): a value with `batched: true` has a leading batch axis N at
// run time, followed by `shape`; a value with `batched: false` has exactly `shape`.
//
// Broadcasting contract: the checker inserts explicit `expand_rank` ops so that the operands of every elementwise
// binary op (add, sub, mul, div, pow, compare) have the SAME runtime rank; then plain right-aligned (numpy/tf)
// broadcasting gives the language's semantics. Same for the batch dims of `matmul`.

import type { Span } from "../../diagnostics/diagnostic.ts";
import type { LrSchedule } from "../../runtime/optim/schedule.ts";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type ElemType = "real" | "int" | "bool";

/** The checked type of a value. `tag` keeps the language-level meaning (Logit, Prob, Simplex, Index, Image). */
export interface TensorType {
  elem: ElemType;
  shape: number[]; // per-example shape
  batched: boolean;
  tag?: "logit" | "prob" | "simplex" | "index" | "image";
  /** Index[K] / Simplex[K]: K */
  classes?: number;
}

/** One SSA value of a graph. `args` are ids of earlier values in the same graph. */
export interface IRValue {
  id: number;
  op: OpName;
  args: number[];
  attrs: Record<string, Json>;
  type: TensorType;
  span: Span | null;
  /** the `let` (or network argument) name this value came from, for readable generated code */
  name?: string;
}

/**
 * Ops and their attrs. Unless noted, ops are elementwise / per-example and keep `batched`.
 * Sources:
 *   const        {value: number | nested number[]}           a constant (never batched)
 *   data         {name}                                       the step's minibatch column bound to `name`
 *   latent       {name}                                       this graph's draw of latent `name` (value)
 *   latent_component {name}                                   the component index of a GaussianMixture draw (int)
 *   latent_each  {name}                                       one draw from every component: batched [K, dim]
 *   weight       {name}                                       a `weights` tensor (not batched)
 *   prior_param  {latent, member}                             z.means / z.scale as a tensor (not batched)
 *   input        {index}                                      (network graphs only) the index-th argument
 * Structure:
 *   expand_rank  {rank}        runtime rank -> `rank` by inserting 1-axes right after the batch axis (batched) or at
 *                              the front (not batched)
 *   reshape      {shape}       per-example reshape;   flatten {}   per-example flatten
 *   concat       {axis}        along a per-example axis (negative counts from the end), args already rank-aligned
 *   index        {mode: "const", value: number, axis: 0}  take element `value` of the first per-example axis
 *                {mode: "gather"}        target not batched [K, ...], index batched [] int -> batched [...]
 *                {mode: "batch_gather"}  target batched [K, ...], index batched [] int -> batched [...]
 *   transpose    {}            swap the last two axes
 *   one_hot      {classes}     an int index [...] -> real one-hot rows [..., classes] (Simplex[classes])
 *   fold_call    {network, mapDims}   call network `network` on args whose per-example shapes have `mapDims` extra
 *                              leading dims: the runtime folds [N, m1..mk, ...] into [N*m1*..*mk, ...], calls, unfolds
 *   layer        {layer}       (network graphs only) apply layer instance `layer` (an IRLayer id) to args[0]
 * Arithmetic: add sub mul div pow neg exp log sqrt abs square; eq ne lt le gt ge and or not (bool)
 *   matmul       {aVec, bVec}  numpy matmul on per-example trailing dims; aVec/bVec: operand is a vector (rank 1)
 *   quadform     {}            x' A x on trailing dims: A [..., d, d], x [..., d] -> [...]
 *   inv          {}            inverse of trailing [d, d]
 *   eye          {n}           identity [n, n] (not batched)
 * Reductions over per-example axes (batch axis kept):
 *   sum mean max min logsumexp {axes: number[] | null}   null = all per-example axes
 * Batch reductions:
 *   expect       {}            mean over the batch axis: batched -> not batched
 * Activations / nonlinearities (also usable as layers): relu, leaky_relu {alpha}, elu, tanh, sigmoid,
 *   softmax, log_softmax (last axis), softplus, log_sigmoid
 * Priors:
 *   responsibilities {latent}  p(k | z) of GaussianMixture `latent`, args[0] = z [..., dim] -> [..., K] simplex
 * Input gradients (issue 21):
 *   grad         {}            args [f, wrt]: d (sum over the batch of f) / d wrt, typed like wrt (batched). f is a
 *                              per-example scalar that depends on the earlier value wrt; each row is d f_i / d wrt_i.
 *                              The values on the path from wrt to f are differentiated as a function of wrt (the
 *                              rest of the graph held fixed).
 * Loss primitives (from the signature table, built-in or plugin):
 *   prim         {name, plugin: string | null, named: Record<string, Json>}   args = tensor args in signature order;
 *                a network-valued argument (gradient_penalty's critic) is passed as attrs.named.<param> = network name;
 *                and every prim lists those params in attrs.networks: string[] (absent when none)
 */
export type OpName =
  | "const" | "data" | "latent" | "latent_component" | "latent_each" | "weight" | "prior_param" | "input"
  | "expand_rank" | "reshape" | "flatten" | "concat" | "index" | "transpose" | "fold_call" | "layer"
  | "add" | "sub" | "mul" | "div" | "pow" | "neg" | "exp" | "log" | "sqrt" | "abs" | "square"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "and" | "or" | "not"
  | "matmul" | "quadform" | "inv" | "eye"
  | "sum" | "mean" | "max" | "min" | "logsumexp" | "expect"
  | "relu" | "leaky_relu" | "elu" | "tanh" | "sigmoid" | "softmax" | "log_softmax" | "softplus" | "log_sigmoid"
  | "responsibilities" | "prim" | "grad" | "one_hot";

export interface IRGraph {
  values: IRValue[];
  output: number;
}

// ---------- declarations ----------

export interface IRParam {
  name: string;
  type: "int" | "real" | "bool" | "string" | "enum";
  value: number | boolean | string;
  /** where the value came from */
  from: "default" | "override";
  span: Span;
}

export interface IRData {
  source: string; // data source name from the signature table: gmm, ring, grid, fashion_mnist, csv
  args: Record<string, Json>; // evaluated named arguments (positional ones are named by the signature)
  bindings: { name: string; column: number; type: TensorType /* batched */ }[];
  span: Span;
}

export type IRDist =
  | { kind: "normal"; mean: number; std: number; dim: number[] }
  | { kind: "uniform"; lo: number; hi: number; dim: number[] }
  | { kind: "beta"; a: number; b: number; dim: number[] }
  | { kind: "point_mass"; value: number; dim: number[] }
  | { kind: "categorical"; classes: number; probs: number[] | null }
  | { kind: "mixture"; weights: number[]; components: IRDist[] }
  | {
      kind: "gaussian_mixture";
      components: number;
      dim: number;
      means: { learn: boolean; init: IRInit };
      scale: { learn: boolean; init: number };
      cov: "iso" | "diag" | "full";
      /** mixing weights (normalised, summing to 1); learn: learnable logits `<name>.weights` initialised at log(probs) */
      weights?: { learn: boolean; probs: number[] };
    };

export interface IRLatent {
  name: string;
  dist: IRDist;
  type: TensorType; // batched
  /** store names of learnable prior parameters ("z.means", "z.scale"); empty when fixed */
  learnable: string[];
  span: Span;
}

export type IRInit =
  | { kind: "zeros" }
  | { kind: "ones" }
  | { kind: "const"; value: number }
  | { kind: "eye" }
  | { kind: "normal"; std: number; mean?: number }
  | { kind: "uniform"; lo: number; hi: number }
  | { kind: "glorot_uniform"; fanIn: number; fanOut: number }
  | { kind: "he_uniform"; fanIn: number }
  | { kind: "data_points"; data: string }; // rows of a data binding, drawn by the trainer

export interface IRConstraint {
  kind: string; // "sym_eig_below" | "clip" | "nonneg" (signature table)
  args: Record<string, Json>;
  span: Span;
}

export interface IRWeights {
  name: string;
  type: TensorType; // not batched
  init: IRInit;
  constrain: IRConstraint | null;
  /** `fixed`: frozen (no update may name it, no optimizer slots; still in the store, checkpoints and exports) */
  fixed?: boolean;
  span: Span;
}

/** One layer instance inside a network body. */
export interface IRLayer {
  id: string; // "D/dense_0" — also the prefix of its store names
  kind: string; // dense | conv2d | conv2d_transpose | batchnorm | dropout | maxpool | avgpool
  attrs: Record<string, Json>; // units, inUnits, filters, kernel, stride, padding, inChannels, inH, inW, rate, ...
  /** learnable tensors: store name, shape, init */
  params: { name: string; shape: number[]; init: IRInit }[];
  inShape: number[];
  outShape: number[];
  span: Span;
}

export interface IRNetwork {
  name: string;
  role: "generator" | "discriminator" | "head" | "network";
  inputs: { name: string; type: TensorType }[]; // per-example types (batched)
  output: TensorType;
  layers: IRLayer[];
  body: IRGraph;
  /** networks it calls (shared parameters) */
  calls: string[];
  /** every store name reachable (own layers + called networks) */
  vars: string[];
  span: Span;
}

export interface IRLoss {
  name: string;
  graph: IRGraph; // output is a not-batched scalar
  /** what the graph reads: drives fresh draws and the dependency check */
  uses: { data: string[]; latents: string[]; networks: string[]; weights: string[]; priorParams: string[] };
  span: Span;
}

export interface IRUpdateGroup {
  kind: "network" | "weights" | "prior";
  name: string; // D, A, z.means
  vars: string[]; // store names
  span: Span;
}

export interface IROptimizer {
  kind: "adam" | "sgd" | "rmsprop";
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  momentum: number;
  decay: number;
  /** the lr schedule (absent: constant); runtime/optim/schedule.ts */
  schedule?: LrSchedule;
}

export interface IRUpdate {
  name: string;
  groups: IRUpdateGroup[];
  loss: string;
  direction: "minimizes" | "maximizes";
  optimizer: IROptimizer;
  every: number;
  repeat: number; // n_critic (train { repeat_d_step 5 })
  /** weights/prior constraints to apply after this update: weight names with a `constrain` */
  project: string[];
  /** `update ... constrain clip(lo, hi) | nonneg` (issue 21): an elementwise projection of every tensor the update
   * trains, after its optimizer step and before the weights' own constraints; absent when not written */
  constrain?: IRConstraint;
  span: Span;
}

export interface IRTrain {
  batch: number;
  steps: number | null;
  epochs: number | null;
  schedule: "alternating" | "simultaneous";
  seed: number;
  logEvery: number;
  checkpointEvery: number;
  span: Span | null;
}

export interface IRMetric {
  name: string; // ndb, samples, modes, gmm_recovery, cluster_accuracy, nmi, cfd, ...
  args: Record<string, Json>; // evaluated; network / weights / data references as their names
  span: Span;
}

export interface IREvaluate {
  every: number | null;
  metrics: IRMetric[];
  span: Span | null;
}

export interface IRPlugin {
  /** the path as written (use "...") or given with --plugin */
  request: string;
  /** absolute path of the module */
  resolved: string;
  span: Span | null;
}

export interface IRProgram {
  irVersion: 1;
  model: { name: string; description: string };
  file: string;
  params: IRParam[];
  plugins: IRPlugin[];
  data: IRData[];
  latents: IRLatent[];
  weights: IRWeights[];
  networks: IRNetwork[]; // in dependency order (callees first)
  losses: IRLoss[];
  updates: IRUpdate[];
  train: IRTrain;
  evaluate: IREvaluate;
  /** the generator used by `ganc sample` / sample grids: the network with role generator (first), and how to draw
   * its inputs: a graph with no data inputs whose output is a batched sample (built by the checker from the
   * generator's arguments: each argument that is a latent in the spec is drawn from it) */
  sampler: { network: string; graph: IRGraph; perComponent: string | null /* GMM latent to draw per component */ } | null;
  /** the PCM head used by `ganc assign` and clustering metrics */
  head: string | null;
}
