// Shared test helpers: backend switching and closeness checks.
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../runtime/backend.ts";

export async function useBackend(name: "wasm" | "cpu"): Promise<void> {
  await initBackend(name);
}

export function randn(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, "float32", seed);
}

/** max |a-b| / max(|b|) over the arrays */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 1e-12;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}
