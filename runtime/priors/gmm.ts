// Gaussian-mixture latent prior with optionally learnable means and scales (GM-GAN, PCM-GAN).
// Sigma convention: `scale` is the STANDARD DEVIATION, z = m_k + s_k * eps.
//   iso:  scale [K]          (one std per component)
//   diag: scale [K, dim]
//   full: scale [K, dim, dim] = the Cholesky factor L_k (Sigma_k = L_k L_k^T); only the lower triangle is used
//         (upper entries are masked out and get zero gradient). Initialised to s * I.
// Sampling is reparameterised (noise from the host Rng), so gradients flow to means and scale.
import * as tf from "@tensorflow/tfjs";
import type { InitSpec, ParamStore, Rng, Tensor } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { gather } from "../ops.ts";
import { cumulative, sampleIndex } from "./special.ts";

export interface GaussianMixtureOpts {
  K: number;
  dim: number;
  means: { learn: boolean; init: InitSpec };
  scale: { learn: boolean; init: number };
  cov: "iso" | "diag" | "full";
  /** mixing weights (default uniform), normalised here; with `learnWeights` they initialise learnable logits */
  weights?: number[];
  /** learn the mixing weights as logits `<name>.weights` [K] (weights = softmax(logits)) */
  learnWeights?: boolean;
}

export interface GaussianMixture {
  sample(n: number, rng: Rng): { value: Tensor; component: Tensor };
  sampleEach(n: number, rng: Rng): Tensor;
  sampleComponent(k: number, n: number, rng: Rng): Tensor;
  responsibilities(z: Tensor): Tensor;
  logProb(z: Tensor): Tensor;
  /** store names of the LEARNABLE parameters ("<name>.means" / "<name>.scale" when learn is true) */
  vars: string[];
  /** store names of the parameters, learnable or not (frozen ones are still checkpointed); weights only when learned */
  params: { means: string; scale: string; weights?: string };
}

export function gaussianMixture(store: ParamStore, name: string, o: GaussianMixtureOpts): GaussianMixture {
  const { K, dim, cov } = o;
  if (!Number.isInteger(K) || K < 1 || !Number.isInteger(dim) || dim < 1)
    throw new GancRuntimeError(`${name}: GaussianMixture needs integer K >= 1 and dim >= 1, got K=${K}, dim=${dim}`, {
      code: "prior-args",
    });
  if (cov !== "iso" && cov !== "diag" && cov !== "full")
    throw new GancRuntimeError(`${name}: cov must be iso, diag or full, got ${String(cov)}`, { code: "prior-args" });
  if (!(o.scale.init > 0))
    throw new GancRuntimeError(`${name}: scale (std) must be > 0, got ${o.scale.init}`, { code: "prior-args" });
  const w = o.weights ?? Array.from({ length: K }, () => 1 / K);
  if (w.length !== K || w.some((v) => !(v >= 0)) || !(w.reduce((a, b) => a + b, 0) > 0))
    throw new GancRuntimeError(`${name}: weights must be ${K} non-negative numbers with a positive sum`, {
      code: "prior-args",
    });
  const wsum = w.reduce((a, b) => a + b, 0);
  const logW0 = w.map((v) => Math.log(v / wsum));
  const weightsName = `${name}.weights`;
  // learned: logits in the store (checkpointed, updated as z.weights); fixed: a constant log-weight vector
  const logits = o.learnWeights ? store.create(weightsName, [K], { kind: "values", values: logW0.map((v) => (Number.isFinite(v) ? v : -30)) }) : null;
  const fixedLogW = logits ? null : tf.keep(tf.tensor1d(logW0));
  const fixedCum = cumulative(w);
  const logW = (): Tensor => (logits ? tf.logSoftmax(logits) : fixedLogW!);
  /** cumulative mixing weights for sampling component indices on the host (read from the logits when learned) */
  const cum = (): number[] => (logits ? cumulative(Array.from(tf.tidy(() => tf.softmax(logits)).dataSync())) : fixedCum);

  const meansName = `${name}.means`;
  const scaleName = `${name}.scale`;
  const means = store.create(meansName, [K, dim], o.means.init);
  const s0 = o.scale.init;
  let scale: tf.Variable;
  if (cov === "iso") scale = store.create(scaleName, [K], { kind: "const", value: s0 });
  else if (cov === "diag") scale = store.create(scaleName, [K, dim], { kind: "const", value: s0 });
  else {
    const vals = new Array<number>(K * dim * dim).fill(0);
    for (let k = 0; k < K; k++) for (let i = 0; i < dim; i++) vals[k * dim * dim + i * dim + i] = s0;
    scale = store.create(scaleName, [K, dim, dim], { kind: "values", values: vals });
  }
  const tril = cov === "full" ? tf.keep(tf.linalg.bandPart(tf.ones([dim, dim]), -1, 0)) : null;
  /** the lower-triangular factor actually used (full only) */
  const L = (): Tensor => tf.mul(scale, tril!);

  const vars: string[] = [];
  if (o.means.learn) vars.push(meansName);
  if (o.scale.learn) vars.push(scaleName);
  if (logits) vars.push(weightsName);

  const checkN = (n: number) => {
    if (!Number.isInteger(n) || n < 0)
      throw new GancRuntimeError(`${name}: sample size must be a non-negative integer, got ${n}`);
  };

  /** z = m + scale * eps for rows with components `comp` (int32 [n]); eps [n, dim]. Rows of the [K, ...] parameters
   * are picked with ops.gather (a one-hot matmul: differentiable on wasm, K = 1 safe). */
  function transform(comp: Tensor, eps: Tensor): Tensor {
    const m = gather(means, comp);
    if (cov === "iso") return tf.add(m, tf.mul(tf.expandDims(gather(scale, comp), 1), eps));
    if (cov === "diag") return tf.add(m, tf.mul(gather(scale, comp), eps));
    const Ls = gather(L(), comp) as tf.Tensor3D; // [n, dim, dim]
    return tf.add(m, tf.squeeze(tf.matMul(Ls, tf.expandDims(eps, 2) as tf.Tensor3D), [2]));
  }

  function sample(n: number, rng: Rng) {
    checkN(n);
    const ks = new Int32Array(n);
    const c = cum();
    for (let i = 0; i < n; i++) ks[i] = sampleIndex(c, rng);
    const eps = rng.normals(n * dim);
    const component = tf.tensor1d(ks, "int32");
    const value = tf.tidy(() => transform(component, tf.tensor2d(eps, [n, dim])));
    return { value, component };
  }

  function sampleEach(n: number, rng: Rng): Tensor {
    checkN(n);
    const eps = rng.normals(n * K * dim);
    return tf.tidy(() => {
      const e = tf.tensor3d(eps, [n, K, dim]);
      if (cov === "iso") return tf.add(tf.expandDims(means, 0), tf.mul(tf.reshape(scale, [1, K, 1]), e));
      if (cov === "diag") return tf.add(tf.expandDims(means, 0), tf.mul(tf.expandDims(scale, 0), e));
      // [K,dim,dim] @ [K,dim,n] -> [K,dim,n] -> [n,K,dim]
      const le = tf.matMul(L() as tf.Tensor3D, tf.transpose(e, [1, 2, 0]) as tf.Tensor3D);
      return tf.add(tf.expandDims(means, 0), tf.transpose(le, [2, 0, 1]));
    });
  }

  function sampleComponent(k: number, n: number, rng: Rng): Tensor {
    checkN(n);
    if (!Number.isInteger(k) || k < 0 || k >= K)
      throw new GancRuntimeError(`${name}: component ${k} out of range 0..${K - 1}`, { code: "prior-args" });
    const eps = rng.normals(n * dim);
    return tf.tidy(() => transform(tf.fill([n], k, "int32"), tf.tensor2d(eps, [n, dim])));
  }

  /** log N(z; m_k, Sigma_k) for every k: z [..., dim] -> [..., K] */
  function componentLogProbs(z: Tensor): Tensor {
    if (z.shape[z.rank - 1] !== dim)
      throw new GancRuntimeError(`${name}: expected last axis ${dim}, got [${z.shape}]`, { code: "shape" });
    return tf.tidy(() => {
      const lead = z.shape.slice(0, -1);
      const M = lead.reduce((a, b) => a * b, 1);
      const diff = tf.sub(tf.reshape(z, [M, 1, dim]), tf.expandDims(means, 0)); // [M,K,dim]
      const c = -0.5 * dim * Math.log(2 * Math.PI);
      let lp: Tensor;
      if (cov === "iso") {
        const s = tf.reshape(scale, [1, K]);
        lp = tf.sub(tf.sub(c, tf.mul(dim, tf.log(s))), tf.div(tf.sum(tf.square(diff), 2), tf.mul(2, tf.square(s))));
      } else if (cov === "diag") {
        const s = tf.expandDims(scale, 0);
        lp = tf.sub(c, tf.sum(tf.add(tf.log(s), tf.div(tf.square(diff), tf.mul(2, tf.square(s)))), 2));
      } else {
        // forward substitution L y = diff, column by column (differentiable, O(dim) ops)
        const Lm = L(); // [K,dim,dim]
        let r = diff;
        let quad: Tensor = tf.zeros([M, K]);
        let logdet: Tensor = tf.zeros([K]);
        for (let i = 0; i < dim; i++) {
          const lii = tf.reshape(tf.slice(Lm, [0, i, i], [K, 1, 1]), [K]);
          const yi = tf.div(tf.reshape(tf.slice(r, [0, 0, i], [M, K, 1]), [M, K]), lii); // [M,K]
          quad = tf.add(quad, tf.square(yi));
          logdet = tf.add(logdet, tf.log(tf.abs(lii)));
          if (i + 1 < dim) {
            const col = tf.reshape(tf.slice(Lm, [0, 0, i], [K, dim, 1]), [1, K, dim]); // L[:, :, i]
            r = tf.sub(r, tf.mul(tf.expandDims(yi, 2), col));
          }
        }
        lp = tf.sub(tf.sub(c, tf.expandDims(logdet, 0)), tf.mul(0.5, quad));
      }
      return tf.reshape(lp, [...lead, K]);
    });
  }

  return {
    sample,
    sampleEach,
    sampleComponent,
    responsibilities: (z) => tf.tidy(() => tf.softmax(tf.add(componentLogProbs(z), logW()), -1)),
    logProb: (z) => tf.tidy(() => tf.logSumExp(tf.add(componentLogProbs(z), logW()), -1)),
    vars,
    params: { means: meansName, scale: scaleName, ...(logits ? { weights: weightsName } : {}) },
  };
}
