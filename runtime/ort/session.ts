// onnxruntime-node, loaded on first use: sessions for the step plan's graphs with ganc's defaults. One intra-op
// thread unless asked (ORT's default pool spin-waits, which on a shared machine costs several times the CPU for
// nothing); with more threads, spinning is turned off. Full graph optimisation. The execution provider is ORT's CPU
// engine (`ort`) or its WebGPU engine (`ort-webgpu`, Dawn inside the package): ORT never falls back from WebGPU to
// CPU by itself, and ganc does not either, except for `auto`, which asks first (probeWebgpu) and says what it chose.
import type * as Ort from "onnxruntime-node";
import onnxProto from "onnx-proto";
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

export type OrtProvider = "cpu" | "webgpu";

export interface SessionOptions {
  /** intra-op threads (default 1) */
  threads?: number;
  /** execution provider (default cpu) */
  provider?: OrtProvider;
}

/** The first line of ORT's own message: for WebGPU it is the reason Dawn gave ("... No supported adapters"). */
export function ortReason(e: unknown): string {
  const lines = String((e as Error)?.message ?? e).split("\n").map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => /adapter|vulkan|webgpu|device/i.test(l)) ?? lines[0] ?? "unknown error";
  // "/onnxruntime_src/.../webgpu_context.cc:136 ... was false. Failed to get a WebGPU adapter: No supported adapters"
  const m = /(Failed to [^]*)$/.exec(why);
  return (m ? m[1]! : why).slice(0, 300);
}

export function webgpuUnavailable(e: unknown): GancRuntimeError {
  return new GancRuntimeError(`backend ort-webgpu is not available: ${ortReason(e)}`, {
    code: "backend-no-gpu",
    hint: "ONNX Runtime's WebGPU engine needs a GPU with a Vulkan driver (libvulkan.so.1 and the vendor's ICD); train on the CPU with --backend ort, or --backend auto to use the GPU where there is one",
  });
}

export async function createSession(ort: OrtModule, model: Uint8Array, o: SessionOptions = {}): Promise<Ort.InferenceSession> {
  const threads = Math.max(1, o.threads ?? 1);
  const provider = o.provider ?? "cpu";
  const session: Record<string, unknown> = {};
  if (threads > 1) session.intra_op = { allow_spinning: "0" };
  try {
    return await ort.InferenceSession.create(model, {
      executionProviders: [provider],
      graphOptimizationLevel: "all",
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      ...(Object.keys(session).length ? { extra: { session } } : {}),
    });
  } catch (e) {
    if (provider === "webgpu") throw webgpuUnavailable(e);
    throw e;
  }
}

/** A one-node model (y = Relu(x), float32[2]) to ask a provider whether it can run at all. */
function probeModel(): Uint8Array {
  const tensor = { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } };
  const P = onnxProto.onnx;
  return P.ModelProto.encode(
    P.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }],
      graph: { name: "probe", node: [{ opType: "Relu", input: ["x"], output: ["y"] }], input: [{ name: "x", type: tensor }], output: [{ name: "y", type: tensor }] },
    }),
  ).finish();
}

/** Can ONNX Runtime's WebGPU engine run here? null when it can, else the reason (for `--backend auto`). */
export async function probeWebgpu(ort: OrtModule): Promise<string | null> {
  try {
    const s = await ort.InferenceSession.create(probeModel(), { executionProviders: ["webgpu"] });
    const r = await s.run({ x: new ort.Tensor("float32", new Float32Array([-1, 2]), [2]) });
    const y = r.y?.data as Float32Array | undefined;
    await s.release();
    return y && y[0] === 0 && y[1] === 2 ? null : "the WebGPU engine ran a test graph with a wrong result";
  } catch (e) {
    return ortReason(e);
  }
}

export function ortVersion(ort: OrtModule): string {
  return (ort.env.versions as Record<string, string> | undefined)?.node ?? "?";
}
