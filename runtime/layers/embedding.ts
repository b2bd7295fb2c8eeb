// embedding(classes, dim): a learned [classes, dim] table read at an integer index, and upsample(factor, mode), the
// resize of resize-convolution generators. Both are differentiable tfjs compositions on every backend.
import * as tf from "@tensorflow/tfjs";
import type { ApplyOpts, InitSpec, ParamStore, Tensor } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import type { Layer } from "./types.ts";

/** one-hot rows of an int index of any shape: [...s] -> float32 [...s, depth] (tf.oneHot rejects depth 1) */
export function oneHot(index: Tensor, depth: number): Tensor {
  if (depth === 1) return tf.ones([...index.shape, 1]);
  return tf.oneHot(tf.cast(index, "int32"), depth).asType("float32");
}

/** table [K, d] at index [...s] -> [...s, d]: a one-hot matmul (tf.gather's gradient needs UnsortedSegmentSum,
 * which the wasm backend lacks), so an index outside 0..K-1 reads a zero row. */
export function embeddingLookup(table: Tensor, index: Tensor): Tensor {
  const [K, d] = table.shape as [number, number];
  const n = index.size;
  const oh = oneHot(tf.reshape(index, [n]), K) as tf.Tensor2D;
  return tf.reshape(tf.matMul(oh, table as tf.Tensor2D), [...index.shape, d]);
}

export function embedding(store: ParamStore, name: string, classes: number, dim: number, init: InitSpec): Layer {
  const key = `${name}/embeddings`;
  const W = store.create(key, [classes, dim], init);
  return {
    vars: [key],
    apply(x: Tensor, _o: ApplyOpts): Tensor {
      if (x.dtype !== "int32") throw new GancRuntimeError(`${name}: embedding expects an int32 index, got ${x.dtype}`, { code: "shape" });
      return embeddingLookup(W, x);
    },
  };
}

/** NHWC images [N, h, w, c] -> [N, h f, w f, c]: nearest repeats pixels (tf.image.resizeNearestNeighbor's result
 * for an integer factor); bilinear is TF's resize with
 * align_corners = false and half_pixel_centers = false (source pixel dst / f, clamped at the last row), the variant
 * whose gradient every tfjs backend implements (wasm's ResizeBilinearGrad ignores half_pixel_centers). */
export function upsample(x: Tensor, factor: number, mode: "nearest" | "bilinear"): Tensor {
  if (x.rank !== 4) throw new GancRuntimeError(`upsample expects [N, h, w, c], got [${x.shape}]`, { code: "shape" });
  if (factor === 1) return x;
  const [, h, w] = x.shape as [number, number, number, number];
  const size: [number, number] = [h * factor, w * factor];
  if (mode === "bilinear") return tf.image.resizeBilinear(x as tf.Tensor4D, size, false, false);
  // nearest as a broadcast, not tf.image.resizeNearestNeighbor: tfjs-backend-cpu 4.22's ResizeNearestNeighborGrad
  // offsets dy by the input's batch stride, so its gradient is wrong for every example after the first (wasm's is
  // right); rows, then columns, each a rank-3 broadcast (tfjs has tile gradients up to rank 4 only), whose
  // gradient sums dy over each factor x factor block on every backend
  const [n, , , c] = x.shape as [number, number, number, number];
  const rows = tf.reshape(tf.broadcastTo(tf.reshape(x, [n * h, 1, w * c]), [n * h, factor, w * c]), [n * h * factor * w, 1, c]);
  return tf.reshape(tf.broadcastTo(rows, [n * h * factor * w, factor, c]), [n, size[0], size[1], c]);
}
