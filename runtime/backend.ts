// tfjs backend selection: the reference trainer, evaluation and sampling (training defaults to ort, runtime/ort/).
// wasm's .wasm binaries ship in node_modules, so it works offline; webgpu needs a Dawn adapter from the `webgpu`
// npm package; tensorflow needs tfjs-node(-gpu), which we never depend on (its install downloads libtensorflow) but use when the user installed it.
import * as tf from "@tensorflow/tfjs";
import { GancRuntimeError } from "./errors.ts";

export type BackendName = "auto" | "wasm" | "cpu" | "webgpu" | "tensorflow";

async function activate(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

async function initWasm(): Promise<void> {
  await import("@tensorflow/tfjs-backend-wasm");
  if (!(await activate("wasm")))
    throw new GancRuntimeError("could not initialise the wasm backend", {
      code: "backend",
      hint: "check that node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm exist (npm install)",
    });
}

async function initCpu(): Promise<void> {
  await import("@tensorflow/tfjs-backend-cpu");
  if (!(await activate("cpu"))) throw new GancRuntimeError("could not initialise the cpu backend", { code: "backend" });
}

async function initWebgpu(): Promise<void> {
  let gpu: unknown;
  try {
    const mod = (await import("webgpu")) as unknown as { create: (o: string[]) => unknown; globals: object };
    Object.assign(globalThis, mod.globals);
    gpu = mod.create([]);
  } catch (e) {
    throw new GancRuntimeError(`could not load the webgpu (Dawn) package: ${(e as Error).message}`, {
      code: "backend",
    });
  }
  const adapter = await (gpu as { requestAdapter(): Promise<unknown> }).requestAdapter().catch(() => null);
  if (!adapter)
    throw new GancRuntimeError("no WebGPU adapter found", {
      code: "backend-no-gpu",
      hint: "this machine has no usable GPU; use --backend wasm (or auto, which falls back to wasm)",
    });
  // navigator must exist before the backend module is evaluated
  Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await activate("webgpu")))
    throw new GancRuntimeError("the webgpu backend failed to initialise although an adapter exists", {
      code: "backend",
    });
}

async function initTensorflow(): Promise<void> {
  // names held in variables so bundlers/tsc don't require the optional packages
  const candidates = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];
  for (const pkg of candidates) {
    try {
      await import(pkg);
      if (await activate("tensorflow")) return;
    } catch {
      // not installed or libtensorflow missing: try the next one
    }
  }
  throw new GancRuntimeError("tfjs-node not installed", { code: "backend-no-tensorflow" });
}

/** Select and initialise a backend; returns the backend actually in use and a note when it fell back. */
export async function initBackend(name: BackendName): Promise<{ name: string; note?: string }> {
  switch (name) {
    case "wasm":
      await initWasm();
      return { name: "wasm" };
    case "cpu":
      await initCpu();
      return { name: "cpu" };
    case "webgpu":
      await initWebgpu();
      return { name: "webgpu" };
    case "tensorflow":
      // asked for by name: no silent fallback (auto is the backend that picks what is there)
      try {
        await initTensorflow();
        return { name: "tensorflow" };
      } catch {
        throw new GancRuntimeError("backend tensorflow is not available: @tensorflow/tfjs-node is not installed (ganc does not depend on it: its install downloads libtensorflow)", {
          code: "backend-no-tensorflow",
          hint: "use --backend ort (the default) or --backend wasm (the embedded tfjs CPU backend), or `npm install @tensorflow/tfjs-node` where libtensorflow can be downloaded",
        });
      }
    case "auto": {
      const notes: string[] = [];
      try {
        await initTensorflow();
        return { name: "tensorflow" };
      } catch {
        notes.push("tfjs-node not installed");
      }
      try {
        await initWebgpu();
        return { name: "webgpu", note: notes.join("; ") || undefined };
      } catch (e) {
        notes.push(e instanceof GancRuntimeError ? e.message : "webgpu unavailable");
      }
      await initWasm();
      return { name: "wasm", note: `${notes.join("; ")}; using wasm` };
    }
    default:
      throw new GancRuntimeError(`unknown backend "${name as string}"`, {
        code: "backend",
        hint: "choose one of auto, wasm, cpu, webgpu, tensorflow",
      });
  }
}

/** Read a scalar tensor. Always async: dataSync breaks the webgpu backend under node. */
export async function readScalar(t: tf.Tensor): Promise<number> {
  const d = await t.data();
  if (d.length !== 1)
    throw new GancRuntimeError(`expected a scalar tensor, got shape [${t.shape}]`, { code: "not-scalar" });
  return d[0] as number;
}

export async function readArray(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data()) as number[];
}
