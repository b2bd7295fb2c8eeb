// Shared synthetic-data helpers for the metrics tests.
import { mulberry32 } from "../../runtime/metrics/rng.ts";
import type { Matrix } from "../../runtime/metrics/matrix.ts";

/** n draws from an isotropic 2-D (or d-D) mixture with equal weights; returns points and component labels. */
export function sampleIsoMixture(
  centers: number[][],
  std: number,
  n: number,
  seed: number,
  allowed?: number[],
): { x: Matrix; labels: Int32Array } {
  const rng = mulberry32(seed);
  const d = centers[0]!.length;
  const comps = allowed ?? centers.map((_, i) => i);
  const data = new Float64Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = comps[rng.int(comps.length)]!;
    labels[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = centers[c]![j]! + std * rng.normal();
  }
  return { x: { data, n, d }, labels };
}

export const ring8 = Array.from({ length: 8 }, (_, i) => [2 * Math.cos((2 * Math.PI * i) / 8), 2 * Math.sin((2 * Math.PI * i) / 8)]);
