// Stateless activations and pools (thin wrappers so generated code only imports the runtime).
import * as tf from "@tensorflow/tfjs";
import type { Tensor } from "../types.ts";

export const relu = (x: Tensor): Tensor => tf.relu(x);
export const leakyRelu = (x: Tensor, alpha = 0.2): Tensor => tf.leakyRelu(x, alpha);
export const elu = (x: Tensor): Tensor => tf.elu(x);
export const tanh = (x: Tensor): Tensor => tf.tanh(x);
export const sigmoid = (x: Tensor): Tensor => tf.sigmoid(x);
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
