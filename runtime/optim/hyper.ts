// The step-dependent scalars of a compiled optimizer step: the step IR takes them as `hyper` inputs that the host
// sets before each application (compiler/step/optimizer.ts names them; the onnxruntime driver and the tests feed
// them), so the graph never raises a counter to a power. Defined once here for every host.
import type { OptimizerSpec } from "../types.ts";
import { lrFactor } from "./schedule.ts";

/** hyper input names of update `u` */
export const hyperName = {
  /** Adam: lr / (1 - beta1^t) */
  adamLr: (u: string) => `${u}/adam.lr_t`,
  /** Adam: sqrt(1 - beta2^t) */
  adamSqrtBc2: (u: string) => `${u}/adam.sqrt_bc2`,
  /** SGD / RMSprop with an lr schedule: lr * schedule(t) */
  lr: (u: string) => `${u}/lr_t`,
};

/** the optimizer's lr varies with t: its step graph reads it as a hyper input (Adam always does) */
export const scheduled = (o: OptimizerSpec): boolean => !!o.schedule && o.schedule.kind !== "constant";

/** lr * schedule(t): the same float64 expression on every host */
export const lrAt = (o: OptimizerSpec, t: number): number => o.lr * lrFactor(o.schedule, t);

/** the values of update `u`'s hyper inputs at its t-th application (t from 1), by input name */
export function hyperValuesOf(u: string, o: OptimizerSpec, t: number): Record<string, number> {
  if (o.kind !== "adam") return scheduled(o) ? { [hyperName.lr(u)]: lrAt(o, t) } : {};
  return {
    [hyperName.adamLr(u)]: lrAt(o, t) / (1 - Math.pow(o.beta1, t)),
    [hyperName.adamSqrtBc2(u)]: Math.sqrt(1 - Math.pow(o.beta2, t)),
  };
}
