// Synthetic sources with ground truth: Gaussian mixtures, 2-D ring and grid. Columns: x (float), y (int component).
import type { Dataset, Rng } from "../types.ts";
import { createRng } from "../rng.ts";
import { ArgReader, type Args } from "./args.ts";
import { GancRuntimeError } from "../errors.ts";

function mixtureDraw(n: number, means: number[][], std: number, rng: Rng): { x: Float32Array; y: Int32Array } {
  const k = means.length;
  const d = means[0].length;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(k);
    y[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = means[c][j] + std * rng.normal();
  }
  return { x, y };
}

function dataset(
  source: string,
  d: number,
  k: number,
  drawn: { x: Float32Array; y: Int32Array },
  truth: Record<string, unknown>,
): Dataset {
  return {
    source,
    n: drawn.y.length,
    columns: [
      { name: "x", shape: [d], dtype: "float32", data: drawn.x },
      { name: "y", shape: [], dtype: "int32", data: drawn.y, classes: k },
    ],
    truth,
  };
}

/** k means in R^d with minimum pairwise distance >= sep (rejection in a box that grows when crowded). */
function separatedMeans(k: number, d: number, sep: number, rng: Rng): number[][] {
  let R = sep * Math.max(1, Math.pow(k, 1 / d)) * 0.75;
  const means: number[][] = [];
  let tries = 0;
  while (means.length < k) {
    const m = Array.from({ length: d }, () => (2 * rng.uniform() - 1) * R);
    if (means.every((o) => Math.hypot(...o.map((v, i) => v - m[i])) >= sep)) means.push(m);
    else if (++tries > 200) {
      R *= 1.1;
      tries = 0;
    }
  }
  return means;
}

export function gmm(args: Args, ctx: { rng: Rng }): Dataset {
  const a = new ArgReader("gmm", args, ["k", "d", "sep", "n", "symmetric", "seed", "std"]);
  const k = a.num("k", undefined, { int: true, min: 1 });
  const d = a.num("d", undefined, { int: true, min: 1 });
  const sep = a.num("sep", undefined, { min: 0 });
  const n = a.num("n", undefined, { int: true, min: 1 });
  const symmetric = a.bool("symmetric", false);
  const seed = a.optNum("seed", { int: true });
  const std = a.num("std", 1, { min: 0 });
  if (symmetric && k !== 2)
    throw new GancRuntimeError(
      `gmm: symmetric=true is the two-component model 1/2 N(theta) + 1/2 N(-theta); got k=${k}`,
      {
        code: "data-args",
        hint: "use k=2 with symmetric=true",
      },
    );
  const rng = seed !== undefined ? createRng(seed) : ctx.rng.fork("data:gmm");
  let means: number[][];
  if (symmetric) {
    const dir = Array.from({ length: d }, () => rng.normal());
    const norm = Math.hypot(...dir) || 1;
    const theta = dir.map((v) => (v / norm) * sep);
    means = [theta, theta.map((v) => -v)];
  } else means = separatedMeans(k, d, sep, rng);
  const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? std * std : 0)));
  const truth = { weights: new Array(k).fill(1 / k), means, covs: means.map(() => cov.map((r) => r.slice())) };
  const ds = dataset("gmm", d, k, mixtureDraw(n, means, std, rng.fork("train")), truth);
  ds.test = dataset("gmm", d, k, mixtureDraw(n, means, std, rng.fork("test")), truth);
  return ds;
}

function centersDataset(source: string, centers: number[][], std: number, n: number, rng: Rng): Dataset {
  const truth = { centers, std };
  const ds = dataset(source, 2, centers.length, mixtureDraw(n, centers, std, rng.fork("train")), truth);
  ds.test = dataset(source, 2, centers.length, mixtureDraw(n, centers, std, rng.fork("test")), truth);
  return ds;
}

/** `modes` Gaussians evenly spaced on a circle of `radius` */
export function ring(args: Args, ctx: { rng: Rng }): Dataset {
  const a = new ArgReader("ring", args, ["modes", "radius", "std", "n", "seed"]);
  const modes = a.num("modes", 8, { int: true, min: 1 });
  const radius = a.num("radius", 2, { min: 0 });
  const std = a.num("std", 0.02, { min: 0 });
  const n = a.num("n", 20000, { int: true, min: 1 });
  const seed = a.optNum("seed", { int: true });
  const centers = Array.from({ length: modes }, (_, i) => [
    radius * Math.cos((2 * Math.PI * i) / modes),
    radius * Math.sin((2 * Math.PI * i) / modes),
  ]);
  return centersDataset("ring", centers, std, n, seed !== undefined ? createRng(seed) : ctx.rng.fork("data:ring"));
}

/** size x size Gaussians on a grid centred at the origin with `spacing` between neighbours */
export function grid(args: Args, ctx: { rng: Rng }): Dataset {
  const a = new ArgReader("grid", args, ["size", "spacing", "std", "n", "seed"]);
  const size = a.num("size", 5, { int: true, min: 1 });
  const spacing = a.num("spacing", 2, { min: 0 });
  const std = a.num("std", 0.05, { min: 0 });
  const n = a.num("n", 20000, { int: true, min: 1 });
  const seed = a.optNum("seed", { int: true });
  const off = ((size - 1) * spacing) / 2;
  const centers: number[][] = [];
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) centers.push([i * spacing - off, j * spacing - off]);
  return centersDataset("grid", centers, std, n, seed !== undefined ? createRng(seed) : ctx.rng.fork("data:grid"));
}
