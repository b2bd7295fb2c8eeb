// Fully connected layer with a hand-written gradient. wasm only sends NON-transposed matMul to its fast path, so
// the gradient uses explicit transposes (dx = dy @ W^T, dW = x^T @ dy): ~10x faster than tfjs's default
// matMul(.., transposeA/B) gradient there (docs/runtime.md has the numbers).
import * as tf from "@tensorflow/tfjs";
import type { ApplyOpts, ParamStore, Tensor } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import type { Layer } from "./types.ts";

/** y = x @ W + b with wasm-friendly gradients; usable on its own (e.g. by generated code with free weights). */
export const denseOp = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  const value = tf.add(tf.matMul(x, w), b);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy2), tf.sum(dy2, 0)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;

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
