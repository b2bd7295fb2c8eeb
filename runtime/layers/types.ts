import type { ApplyOpts, Tensor } from "../types.ts";

/** A layer instance: apply maps a batch; vars lists the ParamStore names it created. */
export interface Layer {
  apply(x: Tensor, o: ApplyOpts): Tensor;
  vars: string[];
}
