// Stateless activations and pools (thin wrappers so generated code only imports the runtime).
//
// tanh, sigmoid, exp, elu and leaky_relu are custom ops whose gradients are recomputed from the saved INPUT.
// tfjs's own kernels save their output as a detached clone (tensorflow/tfjs#3252), so a gradient of a gradient
// (gradient_penalty, an R1 plugin) silently loses the output's dependence on the parameters, and leakyRelu's
// gradient uses `greater`, which has no gradient of its own (the second pass throws). A backward pass written in
// differentiable ops of the input is exact to any order; test/runtime/second-order.test.ts checks each against
// finite differences.
import * as tf from "@tensorflow/tfjs";
import type { Tensor } from "../types.ts";
import { customOp } from "./custom-op.ts";

/** elementwise f(x) as one tape node with dy * f'(x) computed from the saved input */
function unary(scope: string, f: (x: Tensor) => Tensor, df: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return (x) =>
    customOp(
      scope,
      { x },
      (save) => {
        save([x]);
        return f(x);
      },
      (dy, saved) => ({ x: () => tf.mul(dy, df(saved[0]!)) }),
    );
}

export const relu = (x: Tensor): Tensor => tf.relu(x);
/** exp(x); d/dx = exp(x), recomputed */
export const exp = unary("gancExp", (x) => tf.exp(x), (x) => exp(x));
/** tanh(x); d/dx = 1 - tanh(x)^2 */
export const tanh = unary("gancTanh", (x) => tf.tanh(x), (x) => tf.sub(1, tf.square(tanh(x))));
/** sigmoid(x); d/dx = s (1 - s) */
export const sigmoid = unary("gancSigmoid", (x) => tf.sigmoid(x), (x) => {
  const s = sigmoid(x);
  return tf.mul(s, tf.sub(1, s));
});
/** x if x > 0 else exp(x) - 1; d/dx = step(x) + (1 - step(x)) exp(min(x, 0)). step's gradient is zero. */
export const elu = unary("gancElu", (x) => tf.elu(x), (x) => {
  const up = tf.step(x);
  return tf.add(up, tf.mul(tf.sub(1, up), exp(tf.minimum(x, 0))));
});
/** x if x > 0 else alpha x; d/dx = step(x, alpha) */
export function leakyRelu(x: Tensor, alpha = 0.2): Tensor {
  return unary("gancLeakyRelu", (t) => tf.leakyRelu(t, alpha), (t) => tf.step(t, alpha))(x);
}
/** softmax over the last axis */
export const softmax = (x: Tensor): Tensor => tf.softmax(x, -1);
/** log-softmax over the last axis (x - logsumexp(x)), stable */
export const logSoftmax = (x: Tensor): Tensor => tf.sub(x, tf.logSumExp(x, -1, true));

export function maxPool(x: Tensor, size: number, stride: number, padding: "same" | "valid" = "valid"): Tensor {
  return tf.maxPool(x as tf.Tensor4D, size, stride, padding);
}
export function avgPool(x: Tensor, size: number, stride: number, padding: "same" | "valid" = "valid"): Tensor {
  return tf.avgPool(x as tf.Tensor4D, size, stride, padding);
}
