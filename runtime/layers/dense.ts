// Fully connected layer with a hand-written gradient. wasm only sends NON-transposed matMul to its fast path, so
// the gradient uses explicit transposes (dx = dy @ W^T, dW = x^T @ dy): ~10x faster than tfjs's default
// matMul(.., transposeA/B) gradient there (docs/runtime.md has the numbers).
// The op is registered through the engine's runKernelFunc (what tf.customGrad uses) with LAZY per-input gradients:
// backprop only evaluates the gradients of inputs on the path to the variables being differentiated, so a G update
// does not compute D's weight gradients and no update computes dx of a data input (tf.customGrad computes all three
// eagerly). The bias gradient is ones[1,N] @ dy: wasm's Sum over axis 0 runs a transpose first and costs ~12x more
// (docs/performance.md).
import * as tf from "@tensorflow/tfjs";
import type { ApplyOpts, ParamStore, Tensor } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import type { Layer } from "./types.ts";

type GradSave = (tensors: tf.Tensor[]) => void;
/** tfjs's (non-public) engine entry point for ops with their own gradients; stable in the pinned tfjs 4.22. */
interface KernelFuncEngine {
  runKernelFunc(p: {
    forwardFunc: (backend: unknown, save: GradSave) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}
const engine = tf.engine() as unknown as KernelFuncEngine;

/** y = x @ W + b with wasm-friendly, lazily evaluated gradients; usable on its own (e.g. by generated code with
 * free weights). x [N, in], w [in, out], b [out]. */
export function denseOp(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  // a named scope: the tape node is keyed by the scope name, which must not collide with a registered kernel
  return tf.tidy("gancDense", () =>
    engine.runKernelFunc({
      forwardFunc: (_backend, save) => {
        save([x, w]);
        return tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
      },
      backwardsFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dy2 = dy as tf.Tensor2D;
        return {
          x: () => tf.matMul(dy2, tf.transpose(ws)),
          w: () => tf.matMul(tf.transpose(xs), dy2),
          b: () => tf.reshape(tf.matMul(tf.ones([1, dy2.shape[0]]) as tf.Tensor2D, dy2), [dy2.shape[1]]),
        };
      },
      inputs: { x, w, b },
    }),
  );
}

export function dense(store: ParamStore, name: string, inUnits: number, units: number): Layer {
  const kernel = `${name}/kernel`;
  const bias = `${name}/bias`;
  const W = store.create(kernel, [inUnits, units], { kind: "glorot_uniform", fanIn: inUnits, fanOut: units });
  const b = store.create(bias, [units], { kind: "zeros" });
  return {
    vars: [kernel, bias],
    apply(x: Tensor, _o: ApplyOpts): Tensor {
      if (x.rank !== 2 || x.shape[1] !== inUnits)
        throw new GancRuntimeError(`${name}: dense expects input [N, ${inUnits}], got [${x.shape}]`, {
          code: "shape",
        });
      return denseOp(x, W, b);
    },
  };
}
