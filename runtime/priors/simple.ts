// Elementary priors. Noise is generated on the host from the run's Rng, so draws are identical on every backend.
// logProb of a per-example value [n, ...dim] sums over the event dims and returns [n].
import * as tf from "@tensorflow/tfjs";
import type { Rng, Tensor } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { cumulative, lgamma, sampleGamma, sampleIndex } from "./special.ts";

export interface Prior {
  sample(n: number, rng: Rng): Tensor;
  logProb?(x: Tensor): Tensor;
}

function size(dim: number[]): number {
  return dim.reduce((a, b) => a * b, 1);
}
function checkN(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new GancRuntimeError(`sample size must be a non-negative integer, got ${n}`);
}
function checkDim(what: string, dim: number[]): void {
  if (!Array.isArray(dim) || dim.some((d) => !Number.isInteger(d) || d < 1))
    throw new GancRuntimeError(`${what}: dims must be positive integers, got [${dim}]`, { code: "prior-args" });
}
/** sum over all axes but the first */
function sumEvent(t: Tensor): Tensor {
  return t.rank <= 1
    ? t
    : tf.sum(
        t,
        Array.from({ length: t.rank - 1 }, (_, i) => i + 1),
      );
}

export function normal(mean: number, std: number, dim: number[]): Prior {
  checkDim("normal", dim);
  if (!(std > 0))
    throw new GancRuntimeError(`normal: std must be > 0, got ${std}`, {
      code: "prior-args",
    });
  return {
    sample(n, rng) {
      checkN(n);
      const e = rng.normals(n * size(dim));
      for (let i = 0; i < e.length; i++) e[i] = mean + std * e[i];
      return tf.tensor(e, [n, ...dim], "float32");
    },
    logProb(x) {
      const z = tf.div(tf.sub(x, mean), std);
      return sumEvent(tf.sub(tf.mul(tf.square(z), -0.5), Math.log(std) + 0.5 * Math.log(2 * Math.PI)));
    },
  };
}

export function uniform(lo: number, hi: number, dim: number[]): Prior {
  checkDim("uniform", dim);
  if (!(hi > lo))
    throw new GancRuntimeError(`uniform: need lo < hi, got ${lo}, ${hi}`, {
      code: "prior-args",
    });
  return {
    sample(n, rng) {
      checkN(n);
      const u = rng.uniforms(n * size(dim));
      for (let i = 0; i < u.length; i++) u[i] = lo + (hi - lo) * u[i];
      return tf.tensor(u, [n, ...dim], "float32");
    },
    logProb(x) {
      const inside = tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi));
      const lp = tf.where(inside, tf.fill(x.shape, -Math.log(hi - lo)), tf.fill(x.shape, -Infinity));
      return sumEvent(lp);
    },
  };
}

export function beta(a: number, b: number, dim: number[]): Prior {
  checkDim("beta", dim);
  if (!(a > 0 && b > 0))
    throw new GancRuntimeError(`beta: a and b must be > 0, got ${a}, ${b}`, {
      code: "prior-args",
    });
  const logB = lgamma(a) + lgamma(b) - lgamma(a + b);
  return {
    sample(n, rng) {
      checkN(n);
      const out = new Float32Array(n * size(dim));
      for (let i = 0; i < out.length; i++) {
        const x = sampleGamma(a, rng);
        const y = sampleGamma(b, rng);
        out[i] = x / (x + y);
      }
      return tf.tensor(out, [n, ...dim], "float32");
    },
    logProb(x) {
      const lp = tf.sub(tf.add(tf.mul(tf.log(x), a - 1), tf.mul(tf.log(tf.sub(1, x)), b - 1)), logB);
      return sumEvent(lp);
    },
  };
}

export function pointMass(value: number, dim: number[]): Prior {
  checkDim("pointMass", dim);
  return {
    sample(n) {
      checkN(n);
      return tf.fill([n, ...dim], value, "float32");
    },
  };
}

/** Categorical over {0..K-1}; samples are int32 [n]. */
export function categorical(K: number, probs?: number[]): Prior {
  if (!Number.isInteger(K) || K < 1)
    throw new GancRuntimeError(`categorical: K must be a positive integer, got ${K}`, { code: "prior-args" });
  const p = probs ?? Array.from({ length: K }, () => 1 / K);
  if (p.length !== K || p.some((v) => !(v >= 0)) || !(p.reduce((s, v) => s + v, 0) > 0))
    throw new GancRuntimeError(`categorical: probs must be ${K} non-negative numbers with a positive sum`, {
      code: "prior-args",
    });
  const total = p.reduce((s, v) => s + v, 0);
  const cum = cumulative(p);
  const logp = tf.keep(tf.tensor1d(p.map((v) => Math.log(v / total))));
  return {
    sample(n, rng) {
      checkN(n);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = sampleIndex(cum, rng);
      return tf.tensor1d(out, "int32");
    },
    logProb(x) {
      return tf.gather(logp, tf.cast(x, "int32"));
    },
  };
}

/** Mixture of priors with fixed weights; each row picks a component (rows keep their order). */
export function mixture(weights: number[], comps: Prior[]): Prior {
  if (weights.length !== comps.length || comps.length === 0)
    throw new GancRuntimeError(`mixture: ${weights.length} weights for ${comps.length} components`, {
      code: "prior-args",
    });
  if (weights.some((w) => !(w >= 0)) || !(weights.reduce((s, v) => s + v, 0) > 0))
    throw new GancRuntimeError("mixture: weights must be non-negative with a positive sum", { code: "prior-args" });
  const total = weights.reduce((s, v) => s + v, 0);
  const cum = cumulative(weights);
  const hasLogProb = comps.every((c) => c.logProb);
  return {
    sample(n, rng) {
      checkN(n);
      if (n === 0) return comps[0].sample(0, rng);
      const which = Array.from({ length: n }, () => sampleIndex(cum, rng));
      return tf.tidy(() => {
        // draw each component's rows in one batch, then restore the row order with a gather
        const parts: Tensor[] = [];
        const order: number[] = [];
        comps.forEach((c, k) => {
          const rows = which.flatMap((w, i) => (w === k ? [i] : []));
          if (rows.length === 0) return;
          parts.push(c.sample(rows.length, rng));
          order.push(...rows);
        });
        const inv = new Int32Array(n);
        order.forEach((row, j) => (inv[row] = j));
        return tf.gather(parts.length === 1 ? parts[0] : tf.concat(parts, 0), tf.tensor1d(inv, "int32"));
      });
    },
    logProb: hasLogProb
      ? (x) =>
          tf.logSumExp(
            tf.stack(
              comps.map((c, k) => tf.add(c.logProb!(x), Math.log(weights[k] / total))),
              -1,
            ),
            -1,
          )
      : undefined,
  };
}
