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
import { spectralNorm } from "./spectral.ts";

/** 2-D transpose; a [1, n] or [n, 1] matrix is only reshaped (wasm's Transpose costs ~1 us per 128 elements and
 * grows faster than linearly: 256x128 ~0.2 ms, 512x512 ~2 ms). */
function t2(m: tf.Tensor2D): tf.Tensor2D {
  const [r, c] = m.shape;
  return r === 1 || c === 1 ? tf.reshape(m, [c, r]) : tf.transpose(m);
}
const tcost = (r: number, c: number) => (r === 1 || c === 1 ? 0 : r * c);

/** x^T @ dy for x [N, in], dy [N, out], through the cheaper set of transposes: x^T, or (dy^T @ x)^T when out is
 * small (the last layer of a discriminator has out = 1, where both transposes are reshapes). */
function weightGrad(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  const [n, nin] = x.shape;
  const nout = dy.shape[1];
  if (tcost(n, nout) + tcost(nout, nin) < tcost(n, nin)) return t2(tf.matMul(t2(dy), x));
  return tf.matMul(t2(x), dy);
}

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
        x: () => tf.matMul(dy2, t2(ws)),
        w: () => weightGrad(xs, dy2),
        b: () => tf.reshape(tf.matMul(tf.ones([1, dy2.shape[0]]) as tf.Tensor2D, dy2), [dy2.shape[1]]),
      };
    },
  );
}

/** `opts.spectralNorm`: power iterations per training application of spectral normalization (spectral.ts) */
export function dense(store: ParamStore, name: string, inUnits: number, units: number, opts: { spectralNorm?: number } = {}): Layer {
  const kernel = `${name}/kernel`;
  const bias = `${name}/bias`;
  const W = store.create(kernel, [inUnits, units], { kind: "glorot_uniform", fanIn: inUnits, fanOut: units });
  const b = store.create(bias, [units], { kind: "zeros" });
  const sn = opts.spectralNorm ? spectralNorm(store, name, W, "dense", opts.spectralNorm) : null;
  return {
    vars: [kernel, bias],
    apply(x: Tensor, _o: ApplyOpts): Tensor {
      if (x.rank !== 2 || x.shape[1] !== inUnits)
        throw new GancRuntimeError(`${name}: dense expects input [N, ${inUnits}], got [${x.shape}]`, {
          code: "shape",
        });
      return denseOp(x, sn ? sn(_o.training) : W, b);
    },
  };
}
