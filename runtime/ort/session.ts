// onnxruntime-node, loaded on first use: sessions for the step plan's graphs with ganc's defaults. One intra-op
// thread unless asked (ORT's default pool spin-waits, which on a shared machine costs several times the CPU for
// nothing); with more threads, spinning is turned off. Full graph optimisation.
import type * as Ort from "onnxruntime-node";
import { GancRuntimeError } from "../errors.ts";

export type OrtModule = typeof Ort;
let loaded: OrtModule | null = null;

export async function loadOrt(): Promise<OrtModule> {
  if (loaded) return loaded;
  try {
    const m = (await import("onnxruntime-node")) as OrtModule & { default?: OrtModule };
    loaded = m.default ?? m;
    return loaded;
  } catch (e) {
    throw new GancRuntimeError(`backend ort is not available: onnxruntime-node failed to load (${(e as Error).message.split("\n")[0]})`, {
      code: "backend-no-ort",
      hint: "reinstall with `npm ci` (the repository's .npmrc skips onnxruntime-node's network download; its CPU engine ships in the package), or use --backend wasm",
    });
  }
}

export interface SessionOptions {
  /** intra-op threads (default 1) */
  threads?: number;
}

export async function createSession(ort: OrtModule, model: Uint8Array, o: SessionOptions = {}): Promise<Ort.InferenceSession> {
  const threads = Math.max(1, o.threads ?? 1);
  const session: Record<string, unknown> = {};
  if (threads > 1) session.intra_op = { allow_spinning: "0" };
  return ort.InferenceSession.create(model, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    ...(Object.keys(session).length ? { extra: { session } } : {}),
  });
}

export function ortVersion(ort: OrtModule): string {
  return (ort.env.versions as Record<string, string> | undefined)?.node ?? "?";
}
