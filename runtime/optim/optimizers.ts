// Adam, SGD (momentum) and RMSprop written with plain tf ops so every moment is an explicit, checkpointable tensor.
// Update rules follow PyTorch's (torch.optim.Adam / SGD / RMSprop) so numbers compare with the reference code.
// State is keyed by the variable's position in the optimizer's fixed variable list: "m/0", "v/3", "t".
import * as tf from "@tensorflow/tfjs";
import type { NamedArrays, Optimizer, OptimizerSpec } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { lrAt, scheduled } from "./hyper.ts";
import { scheduleProblem } from "./schedule.ts";

/** Moment slots each optimizer kind keeps per variable (the "m/0"-style state keys). */
function slotKinds(spec: OptimizerSpec): string[] {
  if (spec.kind === "adam") return ["m", "v"];
  if (spec.kind === "sgd") return spec.momentum > 0 ? ["buf"] : [];
  return spec.momentum > 0 ? ["sq", "buf"] : ["sq"];
}

// Speed (docs/performance.md): the update runs on ONE flat vector per slot kind holding every variable of the
// optimizer, so a step costs ~12 + 3 x (number of variables) kernels instead of ~13 per variable, and the
// hyper-parameters are kept scalar tensors (tf.mul(t, 0.5) uploads a fresh scalar each call, ~35 us on wasm).
// The arithmetic is the same, op for op, as the per-variable PyTorch rule, so results are unchanged bit for bit.
// Checkpoint state keeps the per-variable keys ("m/0", "v/3", "t").
class TfOptimizer implements Optimizer {
  readonly kind: OptimizerSpec["kind"];
  /** flat slot per kind ("m", "v", "buf", "sq"), created at the first apply */
  private flat = new Map<string, tf.Variable>();
  /** per-variable shapes the flat slots were laid out for */
  private layout: number[][] | null = null;
  /** state given to setState before the layout is known (resume before the first step) */
  private pending: NamedArrays = {};
  private consts: Record<string, tf.Scalar> | null = null;
  private t = 0;
  constructor(private spec: OptimizerSpec) {
    this.kind = spec.kind;
  }

  private c(name: string): tf.Scalar {
    if (this.consts === null) {
      const sp = this.spec;
      const v: Record<string, number> = { lr: sp.lr };
      if (sp.kind === "adam") Object.assign(v, { b1: sp.beta1, nb1: 1 - sp.beta1, b2: sp.beta2, nb2: 1 - sp.beta2, eps: sp.eps });
      else if (sp.kind === "sgd") Object.assign(v, { mom: sp.momentum });
      else Object.assign(v, { dec: sp.decay, ndec: 1 - sp.decay, eps: sp.eps, mom: sp.momentum });
      this.consts = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tf.keep(tf.scalar(x, "float32"))]));
    }
    return this.consts[name]!;
  }

  /** Create the flat slots for `vars` (from pending state or zeros), or check they match the known layout. */
  private ensureLayout(vars: tf.Variable[]): void {
    if (this.layout !== null) {
      const ok =
        this.layout.length === vars.length && vars.every((v, i) => v.shape.join(",") === this.layout![i]!.join(","));
      if (!ok)
        throw new GancRuntimeError(
          `optimizer state was laid out for variables of shapes ${this.layout.map((s) => `[${s}]`).join(" ")} ` +
            `but got ${vars.map((v) => `[${v.shape}]`).join(" ")}`,
          { code: "optim-state" },
        );
      return;
    }
    const total = vars.reduce((a, v) => a + v.size, 0);
    for (const kind of slotKinds(this.spec)) {
      const buf = new Float32Array(total);
      let off = 0;
      vars.forEach((v, i) => {
        const st = this.pending[`${kind}/${i}`];
        if (st) {
          if (st.shape.join(",") !== v.shape.join(","))
            throw new GancRuntimeError(
              `optimizer state ${kind}/${i} has shape [${st.shape}] but the variable has [${v.shape}]`,
              { code: "optim-state" },
            );
          buf.set(st.data, off);
        }
        off += v.size;
      });
      this.flat.set(kind, tf.variable(tf.tensor1d(buf, "float32"), false));
    }
    this.layout = vars.map((v) => v.shape.slice());
    this.pending = {};
  }

  apply(vars: tf.Variable[], grads: tf.Tensor[]): void {
    if (vars.length !== grads.length)
      throw new GancRuntimeError(`optimizer: ${vars.length} variables but ${grads.length} gradients`, {
        code: "optim",
      });
    if (vars.length === 0) return;
    this.ensureLayout(vars);
    this.t += 1;
    const t = this.t;
    const sp = this.spec;
    const sizes = vars.map((v) => v.size);
    // the lr of this application (a schedule: lr * factor(t), runtime/optim/schedule.ts)
    const lr = () => (scheduled(sp) ? tf.scalar(lrAt(sp, t), "float32") : this.c("lr"));
    tf.tidy(() => {
      // a variable that did not influence the loss keeps its value and its moments (PyTorch skips grad None)
      const missing = grads.some((g) => !g);
      const flatG = (gs: tf.Tensor[]) => (gs.length === 1 ? tf.reshape(gs[0]!, [-1]) : tf.concat(gs.map((g) => tf.reshape(g, [-1]))));
      const g = flatG(vars.map((v, i) => grads[i] ?? tf.zeros([v.size])));
      const keep = missing
        ? tf.tensor1d(
            Int32Array.from(vars.flatMap((v, i) => new Array<number>(v.size).fill(grads[i] ? 1 : 0))),
            "bool",
          )
        : null;
      const set = (slot: tf.Variable, value: tf.Tensor) => slot.assign(keep ? tf.where(keep, value, slot) : value);
      let step: tf.Tensor;
      if (sp.kind === "adam") {
        const m = this.flat.get("m")!;
        const s = this.flat.get("v")!;
        set(m, tf.add(tf.mul(m, this.c("b1")), tf.mul(g, this.c("nb1"))));
        set(s, tf.add(tf.mul(s, this.c("b2")), tf.mul(tf.square(g), this.c("nb2"))));
        const bc1 = 1 - Math.pow(sp.beta1, t);
        const bc2 = 1 - Math.pow(sp.beta2, t);
        const denom = tf.add(tf.div(tf.sqrt(s), tf.scalar(Math.sqrt(bc2), "float32")), this.c("eps"));
        step = tf.mul(tf.div(m, denom), tf.scalar(lrAt(sp, t) / bc1, "float32"));
      } else if (sp.kind === "sgd") {
        if (sp.momentum > 0) {
          const b = this.flat.get("buf")!;
          // PyTorch initialises the buffer with g on the first step: same as mu * 0 + g
          set(b, tf.add(tf.mul(b, this.c("mom")), g));
          step = tf.mul(b, lr());
        } else step = tf.mul(g, lr());
      } else {
        const sq = this.flat.get("sq")!;
        set(sq, tf.add(tf.mul(sq, this.c("dec")), tf.mul(tf.square(g), this.c("ndec"))));
        const st = tf.div(g, tf.add(tf.sqrt(sq), this.c("eps")));
        if (sp.momentum > 0) {
          const b = this.flat.get("buf")!;
          set(b, tf.add(tf.mul(b, this.c("mom")), st));
          step = tf.mul(b, lr());
        } else step = tf.mul(st, lr());
      }
      const parts = vars.length === 1 ? [step] : tf.split(step, sizes);
      vars.forEach((v, i) => {
        if (grads[i]) v.assign(tf.sub(v, tf.reshape(parts[i]!, v.shape)));
      });
    });
  }

  async getState(): Promise<NamedArrays> {
    const out: NamedArrays = { t: { shape: [], dtype: "int32", data: [this.t] } };
    if (this.layout === null) return { ...this.pending, ...out };
    for (const [kind, flat] of this.flat) {
      const data = await flat.data();
      let off = 0;
      this.layout.forEach((shape, i) => {
        const n = shape.reduce((a, b) => a * b, 1);
        out[`${kind}/${i}`] = { shape: shape.slice(), dtype: "float32", data: Array.from(data.subarray(off, off + n)) };
        off += n;
      });
    }
    return out;
  }

  setState(state: NamedArrays): void {
    const t = state?.t?.data?.[0];
    if (typeof t !== "number" || !Number.isInteger(t) || t < 0)
      throw new GancRuntimeError("optimizer state has no valid step count `t`", { code: "optim-state" });
    const pending: NamedArrays = {};
    for (const [k, a] of Object.entries(state)) {
      if (k === "t") continue;
      const n = a.shape.reduce((x, y) => x * y, 1);
      if (a.data.length !== n)
        throw new GancRuntimeError(`optimizer state ${k}: ${a.data.length} values for shape [${a.shape}]`, {
          code: "optim-state",
        });
      pending[k] = a;
    }
    // re-lay the flat slots at the next apply (the variable list is only known then)
    for (const f of this.flat.values()) f.dispose();
    this.flat.clear();
    this.layout = null;
    this.pending = pending;
    this.t = t;
  }
}

function checkSpec(spec: OptimizerSpec): void {
  const bad = (what: string) => {
    throw new GancRuntimeError(`${spec.kind}: invalid ${what}`, { code: "optim" });
  };
  if (!(spec.lr > 0)) bad(`lr ${spec.lr} (must be > 0)`);
  if (spec.schedule) {
    const p = scheduleProblem(spec.schedule);
    if (p) bad(`schedule: ${p}`);
  }
  if (spec.kind === "adam") {
    if (!(spec.beta1 >= 0 && spec.beta1 < 1)) bad(`beta1 ${spec.beta1}`);
    if (!(spec.beta2 >= 0 && spec.beta2 < 1)) bad(`beta2 ${spec.beta2}`);
    if (!(spec.eps > 0)) bad(`eps ${spec.eps}`);
  } else if (spec.kind === "sgd") {
    if (!(spec.momentum >= 0 && spec.momentum < 1)) bad(`momentum ${spec.momentum}`);
  } else if (spec.kind === "rmsprop") {
    if (!(spec.decay >= 0 && spec.decay < 1)) bad(`decay ${spec.decay}`);
    if (!(spec.eps > 0)) bad(`eps ${spec.eps}`);
    if (!(spec.momentum >= 0 && spec.momentum < 1)) bad(`momentum ${spec.momentum}`);
  } else bad(`kind ${(spec as { kind: string }).kind}`);
}

export function makeOptimizer(spec: OptimizerSpec): Optimizer {
  checkSpec(spec);
  return new TfOptimizer(spec);
}
