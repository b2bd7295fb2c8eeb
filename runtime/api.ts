// `ganc/run`: use a trained run from code (issue 18). docs/runtime.md §"Using a trained run" documents it.
//
//   import { loadRun } from "ganc/run";
//   const run = await loadRun("runs/pcm_gan-20260101-120000");
//   const s = await run.sample(100);              // { data: Float32Array, shape: [100, ...sample shape] }
//   const r = await run.assign(s.data);           // PCM head responsibilities { data, shape: [100, K] }
//   run.dispose();
//
// loadRun rebuilds the trained program from the run's latest checkpoint (as `ganc sample` does: the same draws for
// the same calls); sample and assign take and give plain typed arrays (row-major, images NHWC), so a caller needs
// no TensorFlow.js. `run.program` is the full Program (runtime/program.ts) for anything else.
import type { BackendName } from "./backend.ts";
import type { Program, ProgramMeta } from "./program.ts";
import { GancRuntimeError } from "./errors.ts";
import { tf } from "./tf.ts";
import { loadRun as loadRunDir } from "./train/rundir.ts";
import { sampleRng } from "./train/evaluate.ts";

export interface Samples {
  data: Float32Array;
  shape: number[];
}

export interface TrainedRun {
  dir: string;
  /** the model's name and the spec's compiled settings */
  meta: ProgramMeta;
  /** the checkpoint step the parameters come from */
  step: number;
  /** n generator samples [n, ...meta.sampleSpace.shape]; `component`: from one mixture component only; `seed`: the
   * draws of `ganc sample --seed` (without it, the program's own stream, which advances with each call) */
  sample(n: number, opts?: { component?: number; seed?: number }): Promise<Samples>;
  /** the PCM head's responsibilities [n, K] for rows x (n * prod(sample shape) values); throws when the spec has
   * no head (meta.head === null) */
  assign(x: ArrayLike<number>): Promise<Samples>;
  /** the underlying program (tfjs tensors) */
  program: Program;
  /** free the program's tensors */
  dispose(): void;
}

/** Load a run directory written by `ganc train` (its latest checkpoint). Backend: wasm unless told. */
export async function loadRun(dir: string, opts: { backend?: BackendName } = {}): Promise<TrainedRun> {
  const run = await loadRunDir(dir, { backend: opts.backend ?? "wasm" });
  const { program } = run;
  const shape = program.meta.sampleSpace.shape;
  const per = shape.reduce((a, b) => a * b, 1);
  return {
    dir,
    meta: program.meta,
    step: run.step,
    program,
    async sample(n, o) {
      if (!(Number.isInteger(n) && n >= 1)) throw new GancRuntimeError(`sample: n must be a positive integer, got ${n}`, { code: "usage" });
      const rng = o?.seed === undefined ? undefined : sampleRng(run.seed, run.step, o.seed);
      const t = program.sample(n, { ...(o?.component === undefined ? {} : { component: o.component }), ...(rng ? { rng } : {}) });
      try {
        return { data: Float32Array.from(await t.data()), shape: [...t.shape] };
      } finally {
        t.dispose();
      }
    },
    async assign(x) {
      if (!program.assign)
        throw new GancRuntimeError(`model ${program.meta.model} has no PCM head, so there are no responsibilities to compute`, { code: "no-head" });
      if (x.length === 0 || x.length % per !== 0)
        throw new GancRuntimeError(`assign: ${x.length} values are not whole rows of ${per} ([${shape.join(", ")}])`, { code: "shape" });
      const xt = tf.tensor(Float32Array.from(x), [x.length / per, ...shape], "float32");
      const r = program.assign(xt);
      try {
        return { data: Float32Array.from(await r.data()), shape: [...r.shape] };
      } finally {
        xt.dispose();
        r.dispose();
      }
    },
    dispose() {
      // the store's variables (parameters and moving statistics); a disposed run cannot sample again
      for (const n of [...program.store.names(), ...program.store.stateNames()]) program.store.get(n).dispose();
    },
  };
}

export { exportOnnx, type ExportedModel } from "./export/onnx.ts";
export { checkpointSafetensors, encodeSafetensors, decodeSafetensors } from "./export/safetensors.ts";
