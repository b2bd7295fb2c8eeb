// MMD^2 with a multi-bandwidth RBF kernel (Gretton et al. 2012; Li et al. 2015, "generative moment matching
// networks"), as a ganc loss primitive. Unbiased estimator:
//   MMD^2 = 1/(m(m-1)) sum_{i!=j} k(x_i, x_j) + 1/(n(n-1)) sum_{i!=j} k(y_i, y_j) - 2/(mn) sum_{i,j} k(x_i, y_j)
// with k(a, b) = sum_s exp(-|a - b|^2 / (2 s^2)) over the bandwidths s.
import { defineLoss, type Tensor, type Tf } from "ganc/plugin";

/** Pairwise squared distances of the rows of a [m, d] and b [n, d]: [m, n]. */
function sqDists(tf: Tf, a: Tensor, b: Tensor): Tensor {
  const aa = tf.sum(tf.square(a), 1, true); // [m, 1]
  const bb = tf.reshape(tf.sum(tf.square(b), 1), [1, -1]); // [1, n]
  // transpose explicitly: wasm only sends non-transposed matMul to its fast path (docs/runtime.md)
  const ab = tf.matMul(a, tf.transpose(b));
  return tf.relu(tf.sub(tf.add(aa, bb), tf.mul(2, ab))); // relu: round-off can make it slightly negative
}

function kernel(tf: Tf, d2: Tensor, bandwidths: number[]): Tensor {
  let k: Tensor | null = null;
  for (const s of bandwidths) {
    const term = tf.exp(tf.mul(d2, -1 / (2 * s * s)));
    k = k === null ? term : tf.add(k, term);
  }
  return k!;
}

/** Mean of the off-diagonal entries of a square [m, m] kernel matrix. */
function offDiagMean(tf: Tf, k: Tensor, m: number, nb: number): Tensor {
  // the diagonal is exactly nb (k(a, a) = 1 per bandwidth): subtract it instead of masking
  return tf.div(tf.sub(tf.sum(k), m * nb), m * (m - 1));
}

export const mmd2_rbf = defineLoss({
  name: "mmd2_rbf",
  signatures: [
    "(real: Real[d], fake: Real[d], bandwidths: real[] = [0.05, 0.1, 0.2, 0.5, 1, 2]) -> Real",
    "(real: Image[h, w, c], fake: Image[h, w, c], bandwidths: real[] = [2, 5, 10, 20, 40]) -> Real",
  ],
  doc: "unbiased MMD^2 between two batches with a sum of RBF kernels (one per bandwidth); minimize it w.r.t. G",
  implementation([real, fake], named, tf) {
    const bw = named.bandwidths as number[];
    const x = tf.reshape(real, [real.shape[0], -1]);
    const y = tf.reshape(fake, [fake.shape[0], -1]);
    const m = x.shape[0];
    const n = y.shape[0];
    const kxx = offDiagMean(tf, kernel(tf, sqDists(tf, x, x), bw), m, bw.length);
    const kyy = offDiagMean(tf, kernel(tf, sqDists(tf, y, y), bw), n, bw.length);
    const kxy = tf.mean(kernel(tf, sqDists(tf, x, y), bw));
    return tf.sub(tf.add(kxx, kyy), tf.mul(2, kxy));
  },
});

export default [mmd2_rbf];
