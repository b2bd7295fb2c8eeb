// A gradient of a gradient (gradient_penalty, R1) through every activation the language has: the gradient of the
// penalty with respect to the critic's weights equals central finite differences. tfjs's own tanh, sigmoid, exp and
// elu kernels fail this (they drop the saved output's dependence on the weights) and its leakyRelu throws; the
// runtime's versions (runtime/layers/activations.ts) pass. `tfjs` rows document the bug this guards against.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../runtime/backend.ts";
import { createRng } from "../../runtime/rng.ts";
import * as layers from "../../runtime/layers/index.ts";
import * as losses from "../../runtime/losses/index.ts";

beforeAll(async () => {
  await initBackend("wasm");
});

type Act = (x: tf.Tensor) => tf.Tensor;
const ACTS: Record<string, Act> = {
  tanh: layers.tanh,
  sigmoid: layers.sigmoid,
  exp: layers.exp,
  elu: layers.elu,
  leaky_relu: (x) => layers.leakyRelu(x, 0.2),
  softplus: losses.softplus,
  log_sigmoid: losses.logSigmoid,
};

const W0 = [0.3, -0.5, 0.8, 0.7, 0.2, -0.4];

/** weight 1 penalty of the critic sum(act(x W + 0.1) * v) between fixed real and fake points */
function penalty(act: Act, W: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const v = tf.tensor1d([0.5, -1.0, 0.75]);
    const real = tf.tensor2d([0.4, -0.3, 1.2, 0.5, -0.8, 0.9, 0.1, -1.1], [4, 2]);
    const fake = tf.tensor2d([-0.6, 0.2, 0.3, 0.8, 1.0, -0.2, -0.4, -0.5], [4, 2]);
    const critic = (x: tf.Tensor) => tf.sum(tf.mul(act(tf.add(tf.matMul(x, W), 0.1)), v), 1);
    return losses.gradientPenalty(critic, real, fake, createRng(7), { weight: 1 });
  });
}

/** largest |analytic - finite difference| / max(1, |fd|) over W's entries */
function worstError(act: Act): number {
  const W = tf.variable(tf.tensor2d(W0, [2, 3]));
  const { grads } = tf.variableGrads(() => penalty(act, W) as tf.Scalar, [W]);
  const g = Array.from(grads[W.name]!.dataSync());
  const eps = 1e-2;
  let worst = 0;
  W0.forEach((_, i) => {
    const at = (d: number) =>
      tf.tidy(() => {
        const w = [...W0];
        w[i]! += d;
        return penalty(act, tf.tensor2d(w, [2, 3])).dataSync()[0]!;
      });
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    worst = Math.max(worst, Math.abs(g[i]! - fd) / Math.max(1, Math.abs(fd)));
  });
  tf.dispose([W, grads[W.name]!]);
  return worst;
}

describe("second-order gradients through activations", () => {
  for (const [name, act] of Object.entries(ACTS)) {
    it(`${name}: d penalty / dW = finite differences`, () => {
      expect(worstError(act)).toBeLessThan(2e-3);
    });
  }

  it("tfjs: the kernels these replace are wrong here (if this fails, tfjs fixed #3252 and the wrappers can go)", () => {
    expect(worstError((x) => tf.tanh(x))).toBeGreaterThan(1e-2);
    expect(() => worstError((x) => tf.leakyRelu(x, 0.2))).toThrow();
  });
});
