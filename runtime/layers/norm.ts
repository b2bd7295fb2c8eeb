// Batch normalisation (Keras semantics: momentum 0.99, eps 1e-3) and dropout.
import * as tf from "@tensorflow/tfjs";
import type { ApplyOpts, ParamStore, Tensor } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import type { Layer } from "./types.ts";

export function batchnorm(
  store: ParamStore,
  name: string,
  opts: { channels: number; momentum?: number; eps?: number },
): Layer {
  const C = opts.channels;
  const momentum = opts.momentum ?? 0.99;
  const eps = opts.eps ?? 1e-3;
  const gamma = store.create(`${name}/gamma`, [C], { kind: "ones" });
  const beta = store.create(`${name}/beta`, [C], { kind: "zeros" });
  const mMean = store.createState(`${name}/moving_mean`, [C], 0);
  const mVar = store.createState(`${name}/moving_variance`, [C], 1);
  return {
    vars: [`${name}/gamma`, `${name}/beta`],
    apply(x: Tensor, o: ApplyOpts): Tensor {
      if (x.rank < 2 || x.shape[x.rank - 1] !== C)
        throw new GancRuntimeError(`${name}: batchnorm expects last axis ${C}, got [${x.shape}]`, { code: "shape" });
      if (!o.training) return tf.add(tf.mul(tf.div(tf.sub(x, mMean), tf.sqrt(tf.add(mVar, eps))), gamma), beta);
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      // moving statistics are state, not part of the differentiated graph
      tf.tidy(() => {
        mMean.assign(tf.add(tf.mul(mMean, momentum), tf.mul(mean, 1 - momentum)));
        mVar.assign(tf.add(tf.mul(mVar, momentum), tf.mul(variance, 1 - momentum)));
      });
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
    },
  };
}

/** Inverted dropout; the mask comes from the run's Rng so runs are reproducible. */
export function dropout(rate: number): Layer {
  if (!(rate >= 0 && rate < 1))
    throw new GancRuntimeError(`dropout rate must be in [0, 1), got ${rate}`, { code: "layer-args" });
  return {
    vars: [],
    apply(x: Tensor, o: ApplyOpts): Tensor {
      if (!o.training || rate === 0) return x;
      const u = o.rng.uniforms(x.size);
      const mask = new Float32Array(x.size);
      for (let i = 0; i < u.length; i++) mask[i] = u[i] >= rate ? 1 / (1 - rate) : 0;
      return tf.mul(x, tf.tensor(mask, x.shape, "float32"));
    },
  };
}
