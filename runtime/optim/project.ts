// Projections applied after an update (weights `constrain ...`). Async because they read the variable back
// (t.data(), never dataSync, which breaks webgpu): callers must `await rt.optim.project(...)`.
import * as tf from "@tensorflow/tfjs";
import { GancRuntimeError } from "../errors.ts";

export type ProjectionKind = "sym_eig_below" | "clip" | "nonneg";

/** Eigen-decomposition of a symmetric d x d matrix (row-major) by cyclic Jacobi rotations. */
export function symEig(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += A[p * d + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = A[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * d + q] - A[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          // rotate columns p, q
          const akp = A[k * d + p];
          const akq = A[k * d + q];
          A[k * d + p] = c * akp - s * akq;
          A[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          // rotate rows p, q
          const apk = A[p * d + k];
          const aqk = A[q * d + k];
          A[p * d + k] = c * apk - s * aqk;
          A[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = V[k * d + p];
          const vkq = V[k * d + q];
          V[k * d + p] = c * vkp - s * vkq;
          V[k * d + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = A[i * d + i];
  return { values, vectors: V }; // columns of V are eigenvectors
}

function num(args: Record<string, unknown> | number[], keys: string[], pos: number, what: string): number {
  const v = Array.isArray(args)
    ? args[pos]
    : (keys.map((k) => (args as Record<string, unknown>)[k]).find((x) => x !== undefined) ?? Object.values(args)[pos]);
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new GancRuntimeError(`projection ${what}: missing or non-numeric argument ${keys[0]}`, {
      code: "project-args",
    });
  return v;
}

/** Project the row-major values `data` of shape `shape` in place, on the host (plain JS, no tensors): what
 * `project` does to a variable, for hosts that hold the values as a Float32Array (the onnxruntime driver).
 * Same arithmetic as `project`, so both backends project identically. */
export function projectArray(kind: ProjectionKind, data: Float32Array, shape: readonly number[], args: Record<string, unknown> | number[] = {}): void {
  if (kind === "nonneg") {
    for (let i = 0; i < data.length; i++) if (!(data[i]! >= 0) && !Number.isNaN(data[i]!)) data[i] = 0;
    return;
  }
  if (kind === "clip") {
    const lo = num(args, ["lo", "min"], 0, "clip");
    const hi = num(args, ["hi", "max"], 1, "clip");
    if (!(lo <= hi)) throw new GancRuntimeError(`projection clip: lo ${lo} > hi ${hi}`, { code: "project-args" });
    const flo = Math.fround(lo), fhi = Math.fround(hi);
    for (let i = 0; i < data.length; i++) {
      const x = data[i]!;
      if (x < flo) data[i] = flo;
      else if (x > fhi) data[i] = fhi;
    }
    return;
  }
  if (kind !== "sym_eig_below")
    throw new GancRuntimeError(`unknown projection "${String(kind)}"`, {
      code: "project-args",
      hint: "available: sym_eig_below(bound), clip(lo, hi), nonneg",
    });
  const bound = num(args, ["bound", "max", "value"], 0, "sym_eig_below");
  const r = shape.length;
  const d = shape[r - 1]!;
  if (r < 2 || shape[r - 2] !== d)
    throw new GancRuntimeError(`sym_eig_below needs trailing square matrices, got shape [${shape}]`, {
      code: "project-args",
    });
  const M = new Float64Array(d * d);
  for (let b = 0; b < data.length / (d * d); b++) {
    const o = b * d * d;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) M[i * d + j] = 0.5 * (data[o + i * d + j]! + data[o + j * d + i]!);
    const { values, vectors: V } = symEig(M, d);
    // every entry of the block is read above, before any is written
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += V[i * d + k]! * Math.min(values[k]!, bound) * V[j * d + k]!;
        data[o + i * d + j] = s;
      }
  }
}

/** Project v in place. sym_eig_below(bound): each trailing [d,d] matrix is symmetrised and its eigenvalues clipped
 * to <= bound. clip(lo, hi): elementwise. nonneg: max(v, 0). */
export async function project(
  kind: ProjectionKind,
  v: tf.Variable,
  args: Record<string, unknown> | number[] = {},
): Promise<void> {
  if (kind === "nonneg") {
    tf.tidy(() => v.assign(tf.relu(v)));
    return;
  }
  if (kind === "clip") {
    const lo = num(args, ["lo", "min"], 0, "clip");
    const hi = num(args, ["hi", "max"], 1, "clip");
    if (!(lo <= hi)) throw new GancRuntimeError(`projection clip: lo ${lo} > hi ${hi}`, { code: "project-args" });
    tf.tidy(() => v.assign(tf.clipByValue(v, lo, hi)));
    return;
  }
  if (kind !== "sym_eig_below")
    throw new GancRuntimeError(`unknown projection "${String(kind)}"`, {
      code: "project-args",
      hint: "available: sym_eig_below(bound), clip(lo, hi), nonneg",
    });
  const out = Float32Array.from(await v.data());
  projectArray(kind, out, v.shape, args);
  tf.tidy(() => v.assign(tf.tensor(out, v.shape, "float32")));
}
