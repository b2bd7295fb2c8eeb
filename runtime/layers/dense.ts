// Fully connected layer with a hand-written gradient. wasm only sends NON-transposed matMul to its fast path, so
// the gradient uses explicit transposes (dx = dy @ W^T, dW = x^T @ dy): ~10x faster than tfjs's default
// matMul(.., transposeA/B) gradient there (docs/runtime.md has the numbers).
// The gradients are lazy (custom-op.ts): a G update does not compute D's weight gradients and no update computes dx
// of a data input. The bias gradient is ones[1,N] @ dy: wasm's Sum over axis 0 runs a transpose first and costs
// ~12x more (docs/performance.md).
import * as tf from "@tensorflow/tfjs";
import type { ApplyOpts, ParamStore, Tensor } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import type { Layer } from "./types.ts";
import { customOp } from "./custom-op.ts";

/** y = x @ W + b with wasm-friendly, lazily evaluated gradients; usable on its own (e.g. by generated code with
 * free weights). x [N, in], w [in, out], b [out]. */
export function denseOp(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return customOp(
    "gancDense",
    { x, w, b },
    (save) => {
      save([x, w]);
      return tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
    },
    (dy, saved) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return {
        x: () => tf.matMul(dy2, tf.transpose(ws)),
        w: () => tf.matMul(tf.transpose(xs), dy2),
        b: () => tf.reshape(tf.matMul(tf.ones([1, dy2.shape[0]]) as tf.Tensor2D, dy2), [dy2.shape[1]]),
      };
    },
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
