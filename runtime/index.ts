// `ganc/runtime`: everything a compiled trainer uses (`import * as rt from "ganc/runtime"`). Keep the names stable:
// the emitter (compiler/emit) writes calls such as rt.layers.dense(...), rt.priors.gaussianMixture(...),
// rt.losses.logSigmoid(...), rt.optim.makeOptimizer(...), rt.data.loadData(...). docs/runtime.md documents each.
export { tf } from "./tf.ts";
export type * from "./types.ts";

export { GancRuntimeError } from "./errors.ts";
export { initBackend, readScalar, readArray } from "./backend.ts";
export type { BackendName } from "./backend.ts";
export { createRng } from "./rng.ts";
export { createParamStore } from "./params.ts";

export * as layers from "./layers/index.ts";
export * as priors from "./priors/index.ts";
export * as losses from "./losses/index.ts";
export * as optim from "./optim/index.ts";
export * as data from "./data/index.ts";
// Flat aliases for the most used entry points.
export { makeOptimizer, project } from "./optim/index.ts";
export { loadData, createBatcher, sampleRows } from "./data/index.ts";

// --- other helpers' modules (one line each; add here, do not reorder the lines above) ---
export * as ops from "./ops.ts";
export * from "./program.ts";
export * as metrics from "./metrics/index.ts";
