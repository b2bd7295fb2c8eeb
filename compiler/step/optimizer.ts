// Optimizers as step IR: each update's new parameters and optimizer slots computed in the graph, with the same
// formulas (and slot names, "m/<i>", "v/<i>", "buf/<i>", "sq/<i>" per variable index) as runtime/optim's tfjs
// optimizers, so checkpoints carry over. Step-dependent scalars (Adam's bias corrections) are `hyper` inputs the host
// computes from the step count, which keeps the graph free of a pow on a counter.
import type { IRUpdate } from "../ir/ir.ts";
import type { StepBuilder } from "./ir.ts";
import { hyperName, hyperValuesOf } from "../../runtime/optim/hyper.ts";

export { hyperName } from "../../runtime/optim/hyper.ts";

/** the host's values of the hyper inputs of update `u` at its t-th application (t from 1) */
export function hyperValues(u: IRUpdate, t: number): Record<string, number> {
  return hyperValuesOf(u.name, u.optimizer, t);
}

export const slotName = (u: string, kind: string, i: number) => `${u}/${kind}/${i}`;

/** Append the optimizer step for `vars` (store names, graph ids `ids`, gradients `grads`; null = no gradient: the
 * variable and its slots are left as they are, as tfjs does). Outputs each new variable and slot. */
export function optimizerStep(b: StepBuilder, u: IRUpdate, vars: string[], ids: number[], grads: (number | null)[]): void {
  const o = u.optimizer;
  const c = (x: number) => b.const(x);
  const slot = (kind: string, i: number) => b.input(slotName(u.name, kind, i), "state", b.get(ids[i]!).shape);
  const lrT = o.kind === "adam" ? b.input(hyperName.adamLr(u.name), "hyper", []) : -1;
  const sqrtBc2 = o.kind === "adam" ? b.input(hyperName.adamSqrtBc2(u.name), "hyper", []) : -1;
  vars.forEach((name, i) => {
    const g = grads[i];
    if (g === null || g === undefined) return;
    const p = ids[i]!;
    let step: number;
    if (o.kind === "adam") {
      const m0 = slot("m", i), v0 = slot("v", i);
      const m = b.add("add", [b.add("mul", [m0, c(o.beta1)]), b.add("mul", [g, c(1 - o.beta1)])]);
      const v = b.add("add", [b.add("mul", [v0, c(o.beta2)]), b.add("mul", [b.add("square", [g]), c(1 - o.beta2)])]);
      b.output(m, slotName(u.name, "m", i), "update");
      b.output(v, slotName(u.name, "v", i), "update");
      const denom = b.add("add", [b.add("div", [b.add("sqrt", [v]), sqrtBc2]), c(o.eps)]);
      step = b.add("mul", [b.add("div", [m, denom]), lrT]);
    } else if (o.kind === "sgd") {
      if (o.momentum > 0) {
        const buf = b.add("add", [b.add("mul", [slot("buf", i), c(o.momentum)]), g]);
        b.output(buf, slotName(u.name, "buf", i), "update");
        step = b.add("mul", [buf, c(o.lr)]);
      } else step = b.add("mul", [g, c(o.lr)]);
    } else {
      const sq = b.add("add", [b.add("mul", [slot("sq", i), c(o.decay)]), b.add("mul", [b.add("square", [g]), c(1 - o.decay)])]);
      b.output(sq, slotName(u.name, "sq", i), "update");
      let st = b.add("div", [g, b.add("add", [b.add("sqrt", [sq]), c(o.eps)])]);
      if (o.momentum > 0) {
        st = b.add("add", [b.add("mul", [slot("buf", i), c(o.momentum)]), st]);
        b.output(st, slotName(u.name, "buf", i), "update");
      }
      step = b.add("mul", [st, c(o.lr)]);
    }
    b.output(b.add("sub", [p, step], {}, name), name, "update");
  });
}
