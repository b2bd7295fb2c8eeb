// R1 gradient penalty (Mescheder, Geiger & Nowozin 2018, "Which training methods for GANs do actually converge?"):
//   R1 = gamma / 2 * E_x ||grad_x D(x)||^2   at real data x
// added to the discriminator's loss. It needs the discriminator itself, not just its scores: the `critic` param is
// of kind `network`, so the implementation receives D as a callable (a PluginNetwork) and differentiates through
// it. The trainer differentiates the penalty again w.r.t. D's parameters (a gradient of a gradient), so only
// differentiable tfjs ops may be used here.
import { defineLoss, type PluginNetwork, type Tensor, type Tf } from "ganc/plugin";

/** gamma / 2 * mean over the batch of the squared norm of grad_x critic(x) (per-example axes summed). */
export function r1(tf: Tf, critic: PluginNetwork, real: Tensor, gamma: number): Tensor {
  // critic(x) has one score per example; the gradient of their sum is the per-example gradient, row by row
  const g = tf.grad((x: Tensor) => tf.sum(critic(x)))(real);
  const axes = Array.from({ length: g.rank - 1 }, (_, i) => i + 1);
  const sq = axes.length ? tf.sum(tf.square(g), axes) : tf.square(g);
  return tf.mul(gamma / 2, tf.mean(sq));
}

export const r1_penalty = defineLoss({
  name: "r1_penalty",
  signatures: [
    // network(real): the checker verifies that `critic` takes one input of real's type
    "(real: Real[...s], critic: network(real), gamma: real = 10) -> Real",
  ],
  doc: "R1 penalty gamma/2 * E ||grad_x critic(x)||^2 at real data (add to the discriminator's loss)",
  implementation: ([real], { critic, gamma }, tf) => {
    if (typeof critic !== "function") throw new Error("critic must be a network");
    if (typeof gamma !== "number" || !(gamma >= 0)) throw new Error(`gamma must be a number >= 0, got ${String(gamma)}`);
    return r1(tf, critic, real, gamma);
  },
});

export default [r1_penalty];
