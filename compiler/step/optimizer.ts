// Optimizers as step IR: each update's new parameters and optimizer slots computed in the graph, with the same
// formulas (and slot names, "m/<i>", "v/<i>", "buf/<i>", "sq/<i>" per variable index) as runtime/optim's tfjs
// optimizers, so checkpoints carry over. Step-dependent scalars (Adam's bias corrections) are `hyper` inputs the host
// computes from the step count, which keeps the graph free of a pow on a counter.
import type { IRUpdate } from "../ir/ir.ts";
import type { StepBuilder } from "./ir.ts";
import { hyperName, hyperValuesOf, scheduled } from "../../runtime/optim/hyper.ts";

export { hyperName } from "../../runtime/optim/hyper.ts";

/** the host's values of the hyper inputs of update `u` at its t-th application (t from 1) */
export function hyperValues(u: IRUpdate, t: number): Record<string, number> {
  return hyperValuesOf(u.name, u.optimizer, t);
}

export const slotName = (u: string, kind: string, i: number) => `${u}/${kind}/${i}`;

/** Variables of at most this many elements share one flat optimizer step (see optimizerStep). */
export const FLAT_MAX_ELEMENTS = 16384;

/** A flat slot input's name: `<update>/<kind>/<i>+<j>+...`, the variable indices it holds, in order. */
export const flatSlotName = (u: string, kind: string, idx: readonly number[]) => `${u}/${kind}/${idx.join("+")}`;

/** Append the optimizer step for `vars` (store names, graph ids `ids`, gradients `grads`; null = no gradient: the
 * variable and its slots are left as they are, as tfjs does). Outputs each new variable and slot.
 *
 * Small variables (biases, thin kernels: at most FLAT_MAX_ELEMENTS elements) share ONE step over the concatenation of
 * their gradients (reshape + concat), with their slots stored flat in one state input per kind,
 * `<update>/<kind>/<i>+<j>+...` (input attrs `slots`: the indices, `ranks` and `dims`: their variables' shapes), then a slice +
 * reshape of the step per variable. Same arithmetic per element as one step per variable, so the values are
 * identical; the graph has ~13 optimizer nodes for all of them instead of ~13 per variable (on onnxruntime each node
 * costs a few microseconds, more than its arithmetic on a small tensor). Large variables keep their own step: there
 * the concat and slice would be extra memory passes. Hosts split a flat slot into the per-variable slots `m/<i>`
 * when they write a checkpoint, so checkpoints do not depend on the layout. */
export function optimizerStep(b: StepBuilder, u: IRUpdate, vars: string[], ids: number[], grads: (number | null)[]): void {
  const o = u.optimizer;
  const c = (x: number) => b.const(x);
  const lrT = o.kind === "adam" ? b.input(hyperName.adamLr(u.name), "hyper", []) : -1;
  const sqrtBc2 = o.kind === "adam" ? b.input(hyperName.adamSqrtBc2(u.name), "hyper", []) : -1;
  // SGD / RMSprop: the lr is a constant, or with a schedule a hyper input the host sets per application (lr * f(t))
  const lrIn = o.kind !== "adam" && scheduled(o) ? b.input(hyperName.lr(u.name), "hyper", []) : -1;
  const lr = () => (lrIn >= 0 ? lrIn : c(o.lr));
  /** the step of one gradient g whose slots are `slot(kind)` (inputs), writing each new slot through `put` */
  const stepOf = (g: number, slot: (kind: string) => number, put: (id: number, kind: string) => void): number => {
    if (o.kind === "adam") {
      const m0 = slot("m"), v0 = slot("v");
      const m = b.add("add", [b.add("mul", [m0, c(o.beta1)]), b.add("mul", [g, c(1 - o.beta1)])]);
      const v = b.add("add", [b.add("mul", [v0, c(o.beta2)]), b.add("mul", [b.add("square", [g]), c(1 - o.beta2)])]);
      put(m, "m");
      put(v, "v");
      const denom = b.add("add", [b.add("div", [b.add("sqrt", [v]), sqrtBc2]), c(o.eps)]);
      return b.add("mul", [b.add("div", [m, denom]), lrT]);
    }
    if (o.kind === "sgd") {
      if (o.momentum > 0) {
        const buf = b.add("add", [b.add("mul", [slot("buf"), c(o.momentum)]), g]);
        put(buf, "buf");
        return b.add("mul", [buf, lr()]);
      }
      return b.add("mul", [g, lr()]);
    }
    const sq = b.add("add", [b.add("mul", [slot("sq"), c(o.decay)]), b.add("mul", [b.add("square", [g]), c(1 - o.decay)])]);
    put(sq, "sq");
    let st = b.add("div", [g, b.add("add", [b.add("sqrt", [sq]), c(o.eps)])]);
    if (o.momentum > 0) {
      st = b.add("add", [b.add("mul", [slot("buf"), c(o.momentum)]), st]);
      put(st, "buf");
    }
    return b.add("mul", [st, lr()]);
  };
  const size = (i: number) => b.get(ids[i]!).shape.reduce((a, d) => a * d, 1);
  const has = vars.map((_, i) => grads[i] !== null && grads[i] !== undefined);
  const flat = vars.map((_, i) => i).filter((i) => has[i] && size(i) <= FLAT_MAX_ELEMENTS);
  const useFlat = flat.length >= 2 && !(o.kind === "sgd" && o.momentum === 0); // plain SGD: 2 nodes a variable already
  const steps = new Map<number, number>();
  if (useFlat) {
    const sizes = flat.map(size);
    const n = sizes.reduce((a, x) => a + x, 0);
    const g = b.add("concat", flat.map((i) => (b.get(grads[i]!).shape.length === 1 ? grads[i]! : b.add("reshape", [grads[i]!], { shape: [size(i)] }))), { axis: 0 });
    const slot = (kind: string) => {
      const id = b.input(flatSlotName(u.name, kind, flat), "state", [n]);
      // the layout, for hosts that split the slot per variable: indices, then each variable's shape (rank, dims)
      Object.assign(b.get(id).attrs, { slots: flat, ranks: flat.map((i) => b.get(ids[i]!).shape.length), dims: flat.flatMap((i) => b.get(ids[i]!).shape) });
      return id;
    };
    const st = stepOf(g, slot, (id, kind) => b.output(id, flatSlotName(u.name, kind, flat), "update"));
    let off = 0;
    flat.forEach((i, k) => {
      const part = b.add("slice", [st], { start: off, end: off + sizes[k]!, axis: 0 });
      const shape = b.get(ids[i]!).shape;
      steps.set(i, shape.length === 1 ? part : b.add("reshape", [part], { shape: [...shape] }));
      off += sizes[k]!;
    });
  }
  // the update's `constrain clip(lo, hi) | nonneg` (issue 21), in the graph: every trained tensor, after its step
  // (also one without a gradient, which the tfjs trainer projects too)
  const k = u.constrain;
  const project = (id: number): number => {
    if (!k) return id;
    if (k.kind === "nonneg") return b.add("maximum", [id, c(0)]);
    return b.add("minimum", [b.add("maximum", [id, c(Number(k.args.lo))]), c(Number(k.args.hi))]);
  };
  vars.forEach((name, i) => {
    if (!has[i]) {
      if (k) b.output(project(ids[i]!), name, "update");
      return;
    }
    const step =
      steps.get(i) ??
      stepOf(
        grads[i]!,
        (kind) => b.input(slotName(u.name, kind, i), "state", b.get(ids[i]!).shape),
        (id, kind) => b.output(id, slotName(u.name, kind, i), "update"),
      );
    b.output(project(b.add("sub", [ids[i]!, step], {}, name)), name, "update");
  });
}
