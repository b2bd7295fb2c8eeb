// Ops with their own gradients and LAZY per-input gradient functions, through the engine entry point that
// tf.customGrad itself uses (runKernelFunc; stable in the pinned tfjs 4.22). tf.customGrad computes the gradient
// of every input eagerly; here backprop calls only the gradients of inputs on the path to what is differentiated
// (a G update skips D's weight gradients, no update computes the gradient of a data input).
// Backward functions must use `saved` (kept clones), not tensors captured from the forward call: those may be
// disposed by an enclosing tidy before the backward pass runs.
import * as tf from "@tensorflow/tfjs";

type GradSave = (tensors: tf.Tensor[]) => void;
interface KernelFuncEngine {
  runKernelFunc(p: {
    forwardFunc: (backend: unknown, save: GradSave) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}

/** Run `forward(save)` as one tape node over `inputs`; `backward(dy, saved)` returns a gradient thunk per input
 * name. `scope` names the tape node: it must not be a registered kernel name (those gradients would win). */
export function customOp(
  scope: string,
  inputs: Record<string, tf.Tensor>,
  forward: (save: GradSave) => tf.Tensor,
  backward: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>,
): tf.Tensor {
  const engine = tf.engine() as unknown as KernelFuncEngine;
  return tf.tidy(scope, () =>
    engine.runKernelFunc({ forwardFunc: (_b, save) => forward(save), backwardsFunc: backward, inputs }),
  );
}
