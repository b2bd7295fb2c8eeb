// Relativistic average GAN losses (Jolicoeur-Martineau 2018, "The relativistic discriminator"). With critic logits
// C(x_r), C(x_f) and the batch means of each, the discriminator judges whether real data is MORE realistic than the
// average fake (and vice versa):
//   L_D = -E_r[log s(C(x_r) - E C(x_f))] - E_f[log(1 - s(C(x_f) - E C(x_r)))]
//   L_G = -E_f[log s(C(x_f) - E C(x_r))] - E_r[log(1 - s(C(x_r) - E C(x_f)))]
// Both are minimized (D with ragan_d, G with ragan_g). log(1 - s(u)) = log s(-u), computed stably.
// kind = "hinge" gives RaHingeGAN: E_r[relu(1 - (C_r - E C_f))] + E_f[relu(1 + (C_f - E C_r))] for D, swapped for G.
import { defineLoss, type Tensor, type Tf } from "ganc/plugin";

/** [-E_a[loss+(a - E b)] - E_b[loss-(b - E a)]]: the shared shape of both losses; `a` plays "real" for D. */
function relativistic(tf: Tf, a: Tensor, b: Tensor, kind: string): Tensor {
  const ra = tf.sub(a, tf.mean(b)); // a relative to the average b
  const rb = tf.sub(b, tf.mean(a));
  if (kind === "hinge")
    return tf.add(tf.mean(tf.relu(tf.sub(1, ra))), tf.mean(tf.relu(tf.add(1, rb))));
  // log s(u) = -softplus(-u): stable, and unlike tf.logSigmoid its gradient is safe on wasm in tfjs 4.22
  return tf.add(tf.mean(tf.softplus(tf.neg(ra))), tf.mean(tf.softplus(rb)));
}

function checkKind(kind: unknown): string {
  if (kind !== "bce" && kind !== "hinge") throw new Error(`kind must be "bce" or "hinge", got ${JSON.stringify(kind)}`);
  return kind;
}

export const ragan_d = defineLoss({
  name: "ragan_d",
  signatures: ['(real: Logit, fake: Logit, kind: string = "bce") -> Real'],
  doc: "relativistic average discriminator loss on critic logits of real and fake batches (minimize w.r.t. D)",
  implementation: ([real, fake], named, tf) => relativistic(tf, real, fake, checkKind(named.kind)),
});

export const ragan_g = defineLoss({
  name: "ragan_g",
  signatures: ['(real: Logit, fake: Logit, kind: string = "bce") -> Real'],
  doc: "relativistic average generator loss on critic logits of real and fake batches (minimize w.r.t. G)",
  // the same loss with the roles of real and fake swapped
  implementation: ([real, fake], named, tf) => relativistic(tf, fake, real, checkKind(named.kind)),
});

export default [ragan_d, ragan_g];
