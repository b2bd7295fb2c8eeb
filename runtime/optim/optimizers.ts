// Adam, SGD (momentum) and RMSprop written with plain tf ops so every moment is an explicit, checkpointable tensor.
// Update rules follow PyTorch's (torch.optim.Adam / SGD / RMSprop) so numbers compare with the reference code.
// State is keyed by the variable's position in the optimizer's fixed variable list: "m/0", "v/3", "t".
import * as tf from "@tensorflow/tfjs";
import type { NamedArrays, Optimizer, OptimizerSpec } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";

class TfOptimizer implements Optimizer {
  readonly kind: OptimizerSpec["kind"];
  private slots = new Map<string, tf.Variable>();
  private t = 0;
  constructor(private spec: OptimizerSpec) {
    this.kind = spec.kind;
  }

  private slot(key: string, like: tf.Tensor): tf.Variable {
    let s = this.slots.get(key);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
      this.slots.set(key, s);
    } else if (s.shape.join(",") !== like.shape.join(",")) {
      throw new GancRuntimeError(`optimizer state ${key} has shape [${s.shape}] but the variable has [${like.shape}]`, {
        code: "optim-state",
      });
    }
    return s;
  }

  apply(vars: tf.Variable[], grads: tf.Tensor[]): void {
    if (vars.length !== grads.length)
      throw new GancRuntimeError(`optimizer: ${vars.length} variables but ${grads.length} gradients`, {
        code: "optim",
      });
    this.t += 1;
    const t = this.t;
    const sp = this.spec;
    tf.tidy(() => {
      vars.forEach((v, i) => {
        const g = grads[i];
        if (!g) return; // variable did not influence the loss
        if (sp.kind === "adam") {
          const m = this.slot(`m/${i}`, v);
          const s = this.slot(`v/${i}`, v);
          m.assign(tf.add(tf.mul(m, sp.beta1), tf.mul(g, 1 - sp.beta1)));
          s.assign(tf.add(tf.mul(s, sp.beta2), tf.mul(tf.square(g), 1 - sp.beta2)));
          const bc1 = 1 - Math.pow(sp.beta1, t);
          const bc2 = 1 - Math.pow(sp.beta2, t);
          const denom = tf.add(tf.div(tf.sqrt(s), Math.sqrt(bc2)), sp.eps);
          v.assign(tf.sub(v, tf.mul(tf.div(m, denom), sp.lr / bc1)));
        } else if (sp.kind === "sgd") {
          if (sp.momentum > 0) {
            const b = this.slot(`buf/${i}`, v);
            // PyTorch initialises the buffer with g on the first step: same as mu * 0 + g
            b.assign(tf.add(tf.mul(b, sp.momentum), g));
            v.assign(tf.sub(v, tf.mul(b, sp.lr)));
          } else v.assign(tf.sub(v, tf.mul(g, sp.lr)));
        } else {
          const sq = this.slot(`sq/${i}`, v);
          sq.assign(tf.add(tf.mul(sq, sp.decay), tf.mul(tf.square(g), 1 - sp.decay)));
          const step = tf.div(g, tf.add(tf.sqrt(sq), sp.eps));
          if (sp.momentum > 0) {
            const b = this.slot(`buf/${i}`, v);
            b.assign(tf.add(tf.mul(b, sp.momentum), step));
            v.assign(tf.sub(v, tf.mul(b, sp.lr)));
          } else v.assign(tf.sub(v, tf.mul(step, sp.lr)));
        }
      });
    });
  }

  async getState(): Promise<NamedArrays> {
    const out: NamedArrays = { t: { shape: [], dtype: "int32", data: [this.t] } };
    for (const [k, v] of this.slots)
      out[k] = { shape: v.shape.slice(), dtype: "float32", data: Array.from(await v.data()) };
    return out;
  }

  setState(state: NamedArrays): void {
    const t = state?.t?.data?.[0];
    if (typeof t !== "number" || !Number.isInteger(t) || t < 0)
      throw new GancRuntimeError("optimizer state has no valid step count `t`", { code: "optim-state" });
    for (const s of this.slots.values()) s.dispose();
    this.slots.clear();
    for (const [k, a] of Object.entries(state)) {
      if (k === "t") continue;
      const n = a.shape.reduce((x, y) => x * y, 1);
      if (a.data.length !== n)
        throw new GancRuntimeError(`optimizer state ${k}: ${a.data.length} values for shape [${a.shape}]`, {
          code: "optim-state",
        });
      this.slots.set(k, tf.variable(tf.tensor(a.data, a.shape, "float32"), false));
    }
    this.t = t;
  }
}

function checkSpec(spec: OptimizerSpec): void {
  const bad = (what: string) => {
    throw new GancRuntimeError(`${spec.kind}: invalid ${what}`, { code: "optim" });
  };
  if (!(spec.lr > 0)) bad(`lr ${spec.lr} (must be > 0)`);
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
