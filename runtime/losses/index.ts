// Loss primitives. Elementwise / per-example ones keep the batch axis (the trainer's E[...] reduces it);
// whole-batch ones (wasserstein, gradientPenalty, mutualInfo, marginalMatch) return scalars.
// Probabilities are clamped at EPS before logs so empty clusters never give NaN.
import * as tf from "@tensorflow/tfjs";
import type { Rng, Tensor } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { customOp } from "../layers/custom-op.ts";
import { exp, sigmoid } from "../layers/activations.ts";

export const EPS = 1e-8;

const ZERO = (): tf.Scalar => (zero ??= tf.keep(tf.scalar(0, "float32")));
let zero: tf.Scalar | undefined;

/** log(sigmoid(x)) = min(x,0) - log1p(exp(-|x|)): no overflow for large |x|. One tape node whose gradient is
 * dy * sigmoid(-x) (2 kernels) instead of backprop through the 6 ops of the forward formula. */
export function logSigmoid(x: Tensor): Tensor {
  return customOp(
    "gancLogSigmoid",
    { x },
    (save) => {
      save([x]);
      return tf.sub(tf.minimum(x, ZERO()), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    },
    (dy, saved) => ({ x: () => tf.mul(dy, sigmoid(tf.neg(saved[0]!))) }),
  );
}

/** log(1 + exp(x)) = max(x,0) + log1p(exp(-|x|)), with the second-order-safe exp (layers/activations.ts) */
export function softplus(x: Tensor): Tensor {
  return tf.tidy(() => tf.add(tf.relu(x), tf.log1p(exp(tf.neg(tf.abs(x))))));
}

/** binary cross-entropy with logits, elementwise: softplus(l) - t*l */
export function bce(logits: Tensor, target: Tensor | number): Tensor {
  return tf.tidy(() => tf.sub(softplus(logits), tf.mul(target, logits)));
}

/** relu(margin - x); margin defaults to 1 as in the signature table */
export function hinge(x: Tensor, opts: { margin?: number } = {}): Tensor {
  return tf.relu(tf.sub(opts.margin ?? 1, x));
}

const clampP = (p: Tensor): Tensor => tf.clipByValue(p, EPS, 1);

/** KL(p || q) over the last axis */
export function kl(p: Tensor, q: Tensor): Tensor {
  return tf.tidy(() => tf.sum(tf.mul(p, tf.sub(tf.log(clampP(p)), tf.log(clampP(q)))), -1));
}

/** Jensen-Shannon divergence over the last axis (natural log) */
export function js(p: Tensor, q: Tensor): Tensor {
  return tf.tidy(() => {
    const m = tf.mul(tf.add(p, q), 0.5);
    return tf.mul(tf.add(kl(p, m), kl(q, m)), 0.5);
  });
}

/** Shannon entropy over the last axis */
export function entropy(p: Tensor): Tensor {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(p, tf.log(clampP(p))), -1)));
}

/** mean(real) - mean(fake) (the critic maximises it) */
export function wasserstein(realScores: Tensor, fakeScores: Tensor): Tensor {
  return tf.tidy(() => tf.sub(tf.mean(realScores), tf.mean(fakeScores)));
}

/** WGAN-GP: weight * mean over rows of (||grad_x f(x_hat)|| - 1)^2 at x_hat = real + a (fake - real), a ~ U[0,1)
 * per row; weight defaults to 10 as in the signature table (Gulrajani et al.'s lambda).
 * Differentiable w.r.t. f's parameters (second-order gradients; verified on wasm and cpu in the tests). */
export function gradientPenalty(
  f: (x: Tensor) => Tensor,
  real: Tensor,
  fake: Tensor,
  rng: Rng,
  opts: { weight?: number } = {},
): Tensor {
  const weight = opts.weight ?? 10;
  if (real.shape.join(",") !== fake.shape.join(","))
    throw new GancRuntimeError(`gradientPenalty: real [${real.shape}] and fake [${fake.shape}] differ in shape`, {
      code: "shape",
    });
  const n = real.shape[0];
  const a = rng.uniforms(n);
  return tf.tidy(() => {
    const alpha = tf.tensor(a, [n, ...real.shape.slice(1).map(() => 1)]);
    const xhat = tf.add(real, tf.mul(alpha, tf.sub(fake, real)));
    const g = tf.grad((x: Tensor) => tf.sum(f(x)))(xhat);
    const axes = Array.from({ length: g.rank - 1 }, (_, i) => i + 1);
    const norm = tf.sqrt(tf.add(axes.length ? tf.sum(tf.square(g), axes) : tf.square(g), 1e-12));
    return tf.mul(weight, tf.mean(tf.square(tf.sub(norm, 1))));
  });
}

function rows(t: Tensor): Tensor {
  const K = t.shape[t.rank - 1];
  return tf.reshape(t, [-1, K]);
}

/** IIC mutual information between paired soft assignments p [...,K1] and q [...,K2] (rows paired). */
export function mutualInfo(p: Tensor, q: Tensor): Tensor {
  const lead = (t: Tensor) => t.shape.slice(0, -1).join(",");
  if (lead(p) !== lead(q))
    throw new GancRuntimeError(`mutualInfo: p [${p.shape}] and q [${q.shape}] must share their leading axes`, {
      code: "shape",
    });
  return tf.tidy(() => {
    const P2 = rows(p);
    const Q2 = rows(q);
    const N = P2.shape[0];
    let joint = tf.div(tf.matMul(tf.transpose(P2), Q2), N); // [K1,K2]
    if (joint.shape[0] === joint.shape[1]) joint = tf.mul(tf.add(joint, tf.transpose(joint)), 0.5);
    joint = tf.clipByValue(joint, EPS, 1);
    const m1 = tf.sum(joint, 1, true);
    const m2 = tf.sum(joint, 0, true);
    return tf.sum(tf.mul(joint, tf.sub(tf.sub(tf.log(joint), tf.log(m1)), tf.log(m2))));
  });
}

/** JS between the batch marginals of p and q (mean over all leading rows) */
export function marginalMatch(p: Tensor, q: Tensor): Tensor {
  return tf.tidy(() => js(tf.mean(rows(p), 0), tf.mean(rows(q), 0)));
}
