// Classifier-feature distance (CFD): the Fréchet distance between Gaussian fits of two image sets in the 64-d
// penultimate layer of a small MLP (784-256-64-10, ReLU) that train-classifier.ts trained on Fashion-MNIST.
// It plays the role FID plays for natural images, but it is NOT an Inception FID and its values are not
// comparable with FID numbers. Inference is plain TypeScript so it needs no tfjs backend.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { frechetDistance } from "./frechet.ts";
import { MetricError, checkMatrix, type Matrix } from "./matrix.ts";

export interface ClassifierWeights {
  /** layer widths, e.g. [784, 256, 64, 10] */
  arch: number[];
  /** per dense layer: kernel (in x out, row-major) and bias as base64 float32 little-endian */
  layers: { kernel: string; bias: string }[];
  meta: Record<string, unknown>;
}

export interface Mlp {
  arch: number[];
  kernels: Float32Array[];
  biases: Float32Array[];
  meta: Record<string, unknown>;
}

export const DEFAULT_CLASSIFIER_PATH = join(dirname(fileURLToPath(import.meta.url)), "assets", "fmnist-mlp.json");

export function encodeFloats(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

function decodeFloats(s: string, expected: number, what: string): Float32Array {
  const b = Buffer.from(s, "base64");
  if (b.length !== expected * 4) throw new MetricError(`classifier weights: ${what} has ${b.length / 4} values, expected ${expected}`);
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

export function decodeMlp(w: ClassifierWeights): Mlp {
  if (!Array.isArray(w.arch) || w.arch.length < 2 || w.layers?.length !== w.arch.length - 1)
    throw new MetricError("classifier weights: malformed file (arch/layers)");
  const kernels = w.layers.map((l, i) => decodeFloats(l.kernel, w.arch[i]! * w.arch[i + 1]!, `layer ${i} kernel`));
  const biases = w.layers.map((l, i) => decodeFloats(l.bias, w.arch[i + 1]!, `layer ${i} bias`));
  return { arch: w.arch, kernels, biases, meta: w.meta ?? {} };
}

let cached: { path: string; mlp: Mlp } | null = null;

export function loadClassifier(path = DEFAULT_CLASSIFIER_PATH): Mlp {
  if (cached?.path === path) return cached.mlp;
  let w: ClassifierWeights;
  try {
    w = JSON.parse(readFileSync(path, "utf8")) as ClassifierWeights;
  } catch (e) {
    throw new MetricError(`cannot load classifier weights ${path}: ${(e as Error).message}`);
  }
  const mlp = decodeMlp(w);
  cached = { path, mlp };
  return mlp;
}

/** Activations of layer `upTo` (1-based count of dense layers applied; ReLU on hidden layers, raw logits last). */
export function mlpForward(mlp: Mlp, x: Float32Array | Float64Array, n: number, upTo = mlp.arch.length - 1): Float64Array {
  let cur: Float32Array | Float64Array = x;
  for (let l = 0; l < upTo; l++) {
    const din = mlp.arch[l]!;
    const dout = mlp.arch[l + 1]!;
    const W = mlp.kernels[l]!;
    const b = mlp.biases[l]!;
    const out = new Float64Array(n * dout);
    const last = l === mlp.arch.length - 2;
    for (let i = 0; i < n; i++) {
      const o = i * dout;
      for (let j = 0; j < dout; j++) out[o + j] = b[j]!;
      for (let t = 0; t < din; t++) {
        const v = cur[i * din + t]!;
        if (v === 0) continue;
        const wo = t * dout;
        for (let j = 0; j < dout; j++) out[o + j]! += v * W[wo + j]!;
      }
      if (!last) for (let j = 0; j < dout; j++) if (out[o + j]! < 0) out[o + j] = 0;
    }
    cur = out;
  }
  return cur as Float64Array;
}

export interface CfdOptions {
  /** pixel range of the inputs; they are mapped to [0, 1] (default [0, 1]) */
  range?: [number, number];
  weightsPath?: string;
}

function toUnit(images: Matrix, range: [number, number], mlp: Mlp, what: string): Float64Array {
  checkMatrix(images, what);
  if (images.d !== mlp.arch[0]) throw new MetricError(`${what}: images have ${images.d} values each, the classifier takes ${mlp.arch[0]} (28x28x1)`);
  const [lo, hi] = range;
  const out = new Float64Array(images.n * images.d);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, (images.data[i]! - lo) / (hi - lo)));
  return out;
}

/** 64-d penultimate features of n x 784 images. */
export function classifierFeatures(images: Matrix, opts: CfdOptions = {}): Matrix {
  const mlp = loadClassifier(opts.weightsPath);
  const x = toUnit(images, opts.range ?? [0, 1], mlp, "classifierFeatures");
  const layer = mlp.arch.length - 2;
  return { data: mlpForward(mlp, x, images.n, layer), n: images.n, d: mlp.arch[layer]! };
}

/** Predicted class of each image (used to check the shipped weights). */
export function classifierPredict(images: Matrix, opts: CfdOptions = {}): Int32Array {
  const mlp = loadClassifier(opts.weightsPath);
  const x = toUnit(images, opts.range ?? [0, 1], mlp, "classifierPredict");
  const logits = mlpForward(mlp, x, images.n);
  const c = mlp.arch[mlp.arch.length - 1]!;
  return Int32Array.from({ length: images.n }, (_, i) => {
    let b = 0;
    for (let j = 1; j < c; j++) if (logits[i * c + j]! > logits[i * c + b]!) b = j;
    return b;
  });
}

/** Classifier-feature distance (CFD) between two sets of Fashion-MNIST-shaped images (n x 784). */
export function classifierDistance(imagesA: Matrix, imagesB: Matrix, opts: CfdOptions = {}): number {
  return frechetDistance(classifierFeatures(imagesA, opts), classifierFeatures(imagesB, opts));
}
