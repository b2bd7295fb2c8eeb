// Spectral normalization (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks"): a
// dense / conv layer's kernel divided by its largest singular value sigma, estimated by power iteration from a
// persistent vector u. The kernel is read as a [rest, out] matrix M (out = the layer's output channels; the store's
// layouts: dense [in, out], conv2d [k, k, in, out], conv2d_transpose [k, k, out, in]). In training mode each
// application runs `iters` iterations v = normalize(M u), u = normalize(v M) and assigns u (state
// "<layer>/sn_u", checkpointed, not trained); sigma = v M u. Inference: v = normalize(M u) from the stored u,
// u unchanged. u and v are constants to autodiff (computed from a stop-gradient copy of M), so d sigma / d M is
// v^T u^T as in the paper. normalize(x) = x / max(|x|, 1e-12). The step IR computes the same
// (compiler/step/lower.ts spectralNormKernel).
import * as tf from "@tensorflow/tfjs";
import type { ParamStore, Tensor } from "../types.ts";
import { customOp } from "./custom-op.ts";

export type KernelLayout = "dense" | "conv2d" | "conv2d_transpose";

/** the identity with a zero gradient */
export function stopGradient(x: Tensor): Tensor {
  return customOp("gancStopGradient", { x }, () => tf.clone(x), (dy) => ({ x: () => tf.zerosLike(dy) }));
}

function normalize(x: Tensor): Tensor {
  return tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x))), 1e-12));
}

/** `kernel(training)`: W / sigma(W) with the power iteration above; creates the state `${name}/sn_u` ([out],
 * a standard-normal draw from the store's rng, normalized). */
export function spectralNorm(store: ParamStore, name: string, W: tf.Variable, layout: KernelLayout, iters: number): (training: boolean) => Tensor {
  const shape = W.shape;
  const out = shape[layout === "conv2d_transpose" ? 2 : shape.length - 1]!;
  const rest = W.size / out;
  const u = store.createState(`${name}/sn_u`, [out], { kind: "normal", std: 1 });
  tf.tidy(() => u.assign(normalize(u)));
  const n = Math.max(1, Math.floor(iters));
  return (training) => {
    const perm = layout === "conv2d_transpose" ? tf.transpose(W, [0, 1, 3, 2]) : W;
    const M = shape.length === 2 ? (perm as tf.Tensor2D) : tf.reshape(perm, [rest, out]) as tf.Tensor2D;
    const Ms = stopGradient(M) as tf.Tensor2D;
    let uc = tf.reshape(u, [out, 1]) as tf.Tensor2D;
    let v = normalize(tf.reshape(tf.matMul(Ms, uc), [1, rest])) as tf.Tensor2D;
    if (training) {
      for (let i = 0; i < n; i++) {
        if (i > 0) v = normalize(tf.reshape(tf.matMul(Ms, uc), [1, rest])) as tf.Tensor2D;
        uc = tf.reshape(normalize(tf.matMul(v, Ms)), [out, 1]) as tf.Tensor2D;
      }
      // the vector is state, not part of the differentiated graph
      const next = uc;
      tf.tidy(() => u.assign(tf.reshape(next, [out])));
    }
    const sigma = tf.reshape(tf.matMul(tf.matMul(v, M), uc), []);
    return tf.div(W, sigma);
  };
}
