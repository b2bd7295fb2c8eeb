// Named learnable tensors of a program. Initial values are generated on the host from the store's Rng so that a
// seed gives the same weights on every backend.
import * as tf from "@tensorflow/tfjs";
import type { InitSpec, ParamStore, Rng } from "./types.ts";
import { GancRuntimeError } from "./errors.ts";

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkShape(name: string, shape: number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new GancRuntimeError(`parameter "${name}": invalid shape [${shape}]`, { code: "param-shape" });
}

/** Host-side initial values for an InitSpec (Keras conventions for glorot/he). */
export function initValues(name: string, shape: number[], init: InitSpec, rng: Rng): Float32Array {
  const n = sizeOf(shape);
  const out = new Float32Array(n);
  const uniform = (lo: number, hi: number) => {
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.uniform();
  };
  switch (init.kind) {
    case "zeros":
      break;
    case "ones":
      out.fill(1);
      break;
    case "const":
      out.fill(init.value);
      break;
    case "eye": {
      if (shape.length < 2)
        throw new GancRuntimeError(`parameter "${name}": eye init needs at least 2 axes, shape is [${shape}]`, {
          code: "param-init",
        });
      const r = shape[shape.length - 2];
      const c = shape[shape.length - 1];
      for (let b = 0; b < n / (r * c || 1); b++)
        for (let i = 0; i < Math.min(r, c); i++) out[b * r * c + i * c + i] = 1;
      break;
    }
    case "normal": {
      const m = init.mean ?? 0;
      for (let i = 0; i < n; i++) out[i] = m + init.std * rng.normal();
      break;
    }
    case "uniform":
      uniform(init.lo, init.hi);
      break;
    case "glorot_uniform": {
      const lim = Math.sqrt(6 / Math.max(1, init.fanIn + init.fanOut));
      uniform(-lim, lim);
      break;
    }
    case "he_uniform": {
      const lim = Math.sqrt(6 / Math.max(1, init.fanIn));
      uniform(-lim, lim);
      break;
    }
    case "values": {
      if (init.values.length !== n)
        throw new GancRuntimeError(
          `parameter "${name}": init has ${init.values.length} values but shape [${shape}] needs ${n}`,
          { code: "param-init" },
        );
      out.set(init.values);
      break;
    }
    default:
      throw new GancRuntimeError(`parameter "${name}": unknown init ${(init as { kind: string }).kind}`, {
        code: "param-init",
      });
  }
  return out;
}

class Store implements ParamStore {
  private vars = new Map<string, tf.Variable>();
  private state = new Map<string, tf.Variable>();
  constructor(private rng: Rng) {}

  create(name: string, shape: number[], init: InitSpec): tf.Variable {
    const existing = this.vars.get(name);
    if (existing) {
      if (existing.shape.join(",") !== shape.join(","))
        throw new GancRuntimeError(
          `parameter "${name}" already exists with shape [${existing.shape}], requested [${shape}]`,
          { code: "param-shape" },
        );
      return existing;
    }
    checkShape(name, shape);
    const values = initValues(name, shape, init, this.rng);
    // variable names must be unique per tfjs engine; suffix with an id so that two stores can coexist
    const v = tf.variable(tf.tensor(values, shape, "float32"), true, `${name}#${uid++}`);
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name) ?? this.state.get(name);
    if (!v)
      throw new GancRuntimeError(`unknown parameter "${name}"`, {
        code: "param-unknown",
        hint: `known: ${[...this.vars.keys()].slice(0, 20).join(", ") || "(none)"}`,
      });
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name) || this.state.has(name);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  createState(name: string, shape: number[], value: number | InitSpec): tf.Variable {
    const existing = this.state.get(name);
    if (existing) return existing;
    checkShape(name, shape);
    const init = typeof value === "number" ? tf.fill(shape, value, "float32") : tf.tensor(initValues(name, shape, value, this.rng), shape, "float32");
    const v = tf.variable(init, false, `${name}#${uid++}`);
    this.state.set(name, v);
    return v;
  }

  stateNames(): string[] {
    return [...this.state.keys()];
  }
}
let uid = 0;

export function createParamStore(rng: Rng): ParamStore {
  return new Store(rng);
}
