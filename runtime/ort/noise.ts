// Host draws for the `noise` inputs of compiled step graphs: latents, a Gaussian mixture's component indices and
// standard-normal noise (the reparameterised part stays in the graph), gradient-penalty interpolation weights and
// dropout masks. Each latent is drawn the way runtime/priors draws it, from the same Rng calls in the same order, so
// a step on onnxruntime consumes the run's stream exactly as the tfjs trainer's step does.
import type { IRDist } from "../../compiler/ir/ir.ts";
import type { Rng } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { cumulative, sampleGamma, sampleIndex } from "../priors/special.ts";
import type { PlanInput, PlanLatent } from "./plan.ts";

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** What a graph's noise inputs ask of one latent: a `sample` (value and/or component, drawn together) and/or a
 * draw for every component (`each`); for a learnable mixture the graph takes the noise, not the value. */
interface LatentNeed {
  latent: PlanLatent;
  sample: boolean;
  each: boolean;
}

/** The current prior parameters a fixed Gaussian mixture's draw is computed from (store values). */
export type ParamReader = (name: string) => Float32Array;

/** A draw of one fixed-prior latent of n rows: values [n, ...shape] (f32, or i32 for categorical). */
function drawSimple(d: IRDist, n: number, rng: Rng): Float32Array | Int32Array {
  switch (d.kind) {
    case "normal": {
      const e = rng.normals(n * size(d.dim));
      for (let i = 0; i < e.length; i++) e[i] = d.mean + d.std * e[i]!;
      return e;
    }
    case "uniform": {
      const u = rng.uniforms(n * size(d.dim));
      for (let i = 0; i < u.length; i++) u[i] = d.lo + (d.hi - d.lo) * u[i]!;
      return u;
    }
    case "beta": {
      const out = new Float32Array(n * size(d.dim));
      for (let i = 0; i < out.length; i++) {
        const x = sampleGamma(d.a, rng);
        const y = sampleGamma(d.b, rng);
        out[i] = x / (x + y);
      }
      return out;
    }
    case "point_mass":
      return new Float32Array(n * size(d.dim)).fill(d.value);
    case "categorical": {
      const p = d.probs ?? Array.from({ length: d.classes }, () => 1 / d.classes);
      const cum = cumulative(p);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = sampleIndex(cum, rng);
      return out;
    }
    case "mixture": {
      // as runtime/priors mixture(): every row's component first, then each component's rows in one draw
      const cum = cumulative(d.weights);
      const which = Array.from({ length: n }, () => sampleIndex(cum, rng));
      let out: Float32Array | Int32Array | null = null;
      let w = 0;
      d.components.forEach((c, k) => {
        const rows = which.flatMap((x, i) => (x === k ? [i] : []));
        if (rows.length === 0) return;
        const part = drawSimple(c, rows.length, rng);
        w = part.length / rows.length;
        out ??= part instanceof Int32Array ? new Int32Array(n * w) : new Float32Array(n * w);
        rows.forEach((r, j) => out!.set(part.subarray(j * w, j * w + w), r * w));
      });
      return out ?? new Float32Array(0);
    }
    case "gaussian_mixture":
      throw new GancRuntimeError("a Gaussian mixture is drawn by drawMixture", { code: "internal" });
  }
}

type GM = Extract<IRDist, { kind: "gaussian_mixture" }>;

/** cumulative mixing weights: the fixed ones, or softmax of the learned logits `<z>.weights` */
function mixtureCum(z: string, d: GM, read: ParamReader): number[] {
  if (!d.weights?.learn) return cumulative(d.weights?.probs ?? Array.from({ length: d.components }, () => 1 / d.components));
  const l = read(`${z}.weights`);
  const m = Math.max(...l);
  return cumulative(Array.from(l, (x) => Math.exp(x - m)));
}

/** m_k + L_k eps for row r's component k (iso: s_k, diag: diag(s_k), full: the lower triangle of scale[k]) */
function transformRow(d: GM, means: Float32Array, scale: Float32Array, k: number, eps: Float32Array, e0: number, out: Float32Array, o0: number): void {
  const D = d.dim;
  for (let i = 0; i < D; i++) {
    let acc = means[k * D + i]!;
    if (d.cov === "iso") acc += scale[k]! * eps[e0 + i]!;
    else if (d.cov === "diag") acc += scale[k * D + i]! * eps[e0 + i]!;
    else for (let j = 0; j <= i; j++) acc += scale[k * D * D + i * D + j]! * eps[e0 + j]!;
    out[o0 + i] = acc;
  }
}

/** Draws the noise inputs of one graph (or of several graphs that share one draw: the simultaneous schedule). */
export class NoiseSource {
  private readonly needs: LatentNeed[] = [];
  private readonly alphas: PlanInput[] = [];
  private readonly masks: PlanInput[] = [];

  constructor(
    latents: PlanLatent[],
    inputs: PlanInput[],
    private readonly n: number,
  ) {
    const noise = inputs.filter((i) => i.kind === "noise");
    const has = (name: string) => noise.some((i) => i.name === name);
    for (const z of latents) {
      const sample = has(`latent:${z.name}`) || has(`latent:${z.name}.component`) || has(`noise:${z.name}.eps`);
      const each = has(`latent:${z.name}.each`) || has(`noise:${z.name}.each_eps`);
      if (sample || each) this.needs.push({ latent: z, sample, each });
    }
    const known = new Set(this.needs.flatMap(({ latent: { name: z } }) => [`latent:${z}`, `latent:${z}.component`, `noise:${z}.eps`, `latent:${z}.each`, `noise:${z}.each_eps`]));
    for (const i of noise) {
      if (known.has(i.name)) continue;
      if (/^noise:gp\d+\.alpha$/.test(i.name)) this.alphas.push(i);
      else if (/\.mask$/.test(i.name)) this.masks.push(i);
      else throw new GancRuntimeError(`step graph input ${i.name}: no host draw is defined for it`, { code: "internal" });
    }
    // interpolation weights in the order the losses draw them (gp0, gp1, ...)
    this.alphas.sort((a, b) => Number(/\d+/.exec(a.name)![0]) - Number(/\d+/.exec(b.name)![0]));
  }

  /** one fresh draw of every noise input, by input name, in the tfjs trainer's order: latents in declaration order
   * (sample, then each), then interpolation weights, then dropout masks (uniforms in [0, 1)) */
  draw(rng: Rng, read: ParamReader): Map<string, Float32Array | Int32Array> {
    const out = new Map<string, Float32Array | Int32Array>();
    const n = this.n;
    for (const { latent: z, sample, each } of this.needs) {
      const d = z.dist;
      if (d.kind !== "gaussian_mixture") {
        if (sample) out.set(`latent:${z.name}`, drawSimple(d, n, rng));
        continue;
      }
      const K = d.components, D = d.dim;
      if (sample) {
        const cum = mixtureCum(z.name, d, read);
        const ks = new Int32Array(n);
        for (let i = 0; i < n; i++) ks[i] = sampleIndex(cum, rng);
        const eps = rng.normals(n * D);
        out.set(`latent:${z.name}.component`, ks);
        out.set(`noise:${z.name}.eps`, eps);
        const means = read(`${z.name}.means`), scale = read(`${z.name}.scale`);
        const v = new Float32Array(n * D);
        for (let r = 0; r < n; r++) transformRow(d, means, scale, ks[r]!, eps, r * D, v, r * D);
        out.set(`latent:${z.name}`, v);
      }
      if (each) {
        const eps = rng.normals(n * K * D);
        out.set(`noise:${z.name}.each_eps`, eps);
        const means = read(`${z.name}.means`), scale = read(`${z.name}.scale`);
        const v = new Float32Array(n * K * D);
        for (let r = 0; r < n; r++) for (let k = 0; k < K; k++) transformRow(d, means, scale, k, eps, (r * K + k) * D, v, (r * K + k) * D);
        out.set(`latent:${z.name}.each`, v);
      }
    }
    for (const a of this.alphas) out.set(a.name, rng.uniforms(size(a.shape)));
    for (const m of this.masks) out.set(m.name, rng.uniforms(size(m.shape)));
    return out;
  }
}
