// The onnxruntime driver: runs a compiled step plan (runtime/ort/plan.ts, written by compiler/emit/ort-plan.ts) in
// place of the tfjs trainer's trainStep. One session per update, created once. Parameters, optimizer slots and
// moving statistics live here between steps, in two preallocated buffer sets per updated tensor: a graph reads the
// current set and writes the spare one (passed as `fetches`, so ORT allocates nothing), then the two swap ("ping-
// pong"; an input never aliases an output). The tfjs program keeps the model for everything else (evaluation,
// sampling, checkpoints): `flush()` writes the driver's values into its store and optimizers, and the harness
// calls it before reading them. Minibatches come from the program's batcher and noise from the run's RNG in the
// tfjs trainer's order (noise.ts), so a step here consumes the same streams as a step there and runs resume and
// switch backends bit-exactly at checkpoints.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type * as Ort from "onnxruntime-node";
import type { Program } from "../program.ts";
import type { NamedArrays, Rng } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { checkFinite } from "../ops.ts";
import { hyperValuesOf } from "../optim/hyper.ts";
import { projectArray, type ProjectionKind } from "../optim/project.ts";
import { NoiseSource } from "./noise.ts";
import { PLAN_FILE, PLAN_VERSION, type OrtPlan, type PlanDType, type PlanInput, type PlanOutput, type PlanUpdate } from "./plan.ts";
import { createSession, loadOrt, ortVersion, type OrtModule, type OrtProvider } from "./session.ts";

type Buf = Float32Array | Int32Array | Uint8Array;

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const ORT_TYPE: Record<PlanDType, "float32" | "int32" | "bool"> = { f32: "float32", i32: "int32", bool: "bool" };
const alloc = (d: PlanDType, n: number): Buf => (d === "f32" ? new Float32Array(n) : d === "i32" ? new Int32Array(n) : new Uint8Array(n));

/** an optimizer slot input of update `u` ("d_step/m/3") -> its key in the tfjs optimizer's state ("m/3") */
const slotKey = (u: string, name: string): string | null => {
  const m = /^(.*)\/(m|v|buf|sq)\/(\d+)$/.exec(name);
  return m && m[1] === u ? `${m[2]}/${m[3]}` : null;
};

/** a flat optimizer slot input of update `u` ("d_step/m/1+3", slots [1, 3]) -> its parts: the tfjs optimizer's
 * keys ("m/1", "m/3"), offsets and sizes */
const flatParts = (u: string, i: PlanInput): { key: string; off: number; n: number; shape: number[] }[] | null => {
  const m = /^(.*)\/(m|v|buf|sq)\/(\d+(?:\+\d+)+)$/.exec(i.name);
  if (!m || m[1] !== u || !i.slots || !i.shapes || i.slots.length !== i.shapes.length) return null;
  let off = 0;
  return i.slots.map((k, j) => {
    const shape = i.shapes![j]!;
    const part = { key: `${m[2]}/${k}`, off, n: size(shape), shape };
    off += part.n;
    return part;
  });
};

export interface OrtStepper {
  /** every update due at `step`, as Program.trainStep */
  trainStep(step: number): Promise<Record<string, number>>;
  /** write parameters, moving statistics and optimizer states into the tfjs program */
  flush(): Promise<void>;
  /** what ran: "onnxruntime-node 1.30.0, cpu, 1 thread" */
  readonly description: string;
  /** session.run calls and the wall ms spent inside them (the rest of a step is host work: feeds, RNG, batches) */
  readonly stats: { runs: number; runMs: number };
  release(): Promise<void>;
}

export interface AttachOptions {
  threads?: number;
  /** ORT's execution provider (default cpu); webgpu keeps the same host-side ping-pong buffers, so every update
   * uploads its inputs and downloads its outputs (GPU-resident state is not built: no GPU to verify it on) */
  provider?: OrtProvider;
}

export function readOrtPlan(dir: string): OrtPlan {
  let plan: OrtPlan;
  try {
    plan = JSON.parse(readFileSync(join(dir, PLAN_FILE), "utf8")) as OrtPlan;
  } catch (e) {
    throw new GancRuntimeError(`cannot read the step plan ${join(dir, PLAN_FILE)}: ${(e as Error).message.split("\n")[0]}`, {
      code: "ort-plan",
      hint: "`ganc train --backend ort` writes it into the run directory's graphs/ folder",
    });
  }
  if (plan.version !== PLAN_VERSION)
    throw new GancRuntimeError(`step plan ${join(dir, PLAN_FILE)} has version ${plan.version}; this ganc reads version ${PLAN_VERSION}`, {
      code: "ort-plan",
      hint: "delete the graphs/ folder: `ganc train --resume` writes it again from the run's spec",
    });
  return plan;
}

interface Slot {
  /** the tensor graphs read now, and the one the next update of it writes */
  cur: Ort.Tensor;
  spare: Ort.Tensor;
  dtype: PlanDType;
  shape: number[];
}

interface Joint {
  members: Update[];
  inputs: PlanInput[];
  outputs: PlanOutput[];
  session: Ort.InferenceSession;
  noise: NoiseSource;
  hyper: Map<string, { buf: Float32Array; tensor: Ort.Tensor }>;
  lossOut: string;
  lossBuf: Float32Array;
  lossTensor: Ort.Tensor;
}

interface Update {
  p: PlanUpdate;
  session: Ort.InferenceSession;
  noise: NoiseSource;
  /** applications so far (the tfjs optimizer's `t`) */
  t: number;
  /** the tfjs optimizer's state when attached (keys the graph does not update are written back as they were) */
  optState: NamedArrays;
  lossOut: string;
  lossBuf: Float32Array;
  lossTensor: Ort.Tensor;
  hyper: Map<string, { buf: Float32Array; tensor: Ort.Tensor }>;
}

/** Build the sessions and load the program's current values (call after restore / warm start). */
export async function attachOrt(program: Program, planDir: string, rng: Rng, o: AttachOptions = {}): Promise<OrtStepper> {
  const plan = readOrtPlan(planDir);
  if (plan.model !== program.meta.model)
    throw new GancRuntimeError(`step plan in ${planDir} is for model "${plan.model}", not "${program.meta.model}"`, { code: "ort-plan" });
  if (plan.batch !== program.batcher.batchSize)
    throw new GancRuntimeError(`step plan in ${planDir} was compiled for batch ${plan.batch}, the trainer uses ${program.batcher.batchSize}`, { code: "ort-plan" });
  const ort: OrtModule = await loadOrt();
  const threads = Math.max(1, o.threads ?? 1);
  const provider = o.provider ?? "cpu";
  const slots = new Map<string, Slot>();
  const storeNames = new Set([...program.store.names(), ...program.store.stateNames()]);

  const updates: Update[] = [];
  for (const p of plan.updates) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(planDir, p.file));
    } catch (e) {
      throw new GancRuntimeError(`cannot read graph ${join(planDir, p.file)}: ${(e as Error).message.split("\n")[0]}`, { code: "ort-plan" });
    }
    const session = await createSession(ort, bytes, { threads, provider });
    const opt = program.optimizers[p.update];
    if (!opt) throw new GancRuntimeError(`step plan update ${p.update} has no optimizer in the trainer`, { code: "ort-plan" });
    const optState = await opt.getState();
    const t = Number(optState.t?.data[0] ?? 0);
    const hyper = new Map<string, { buf: Float32Array; tensor: Ort.Tensor }>();
    for (const i of p.inputs) {
      if (i.kind === "hyper") {
        const buf = new Float32Array(1);
        hyper.set(i.name, { buf, tensor: new ort.Tensor("float32", buf, i.shape) });
        continue;
      }
      if (i.kind !== "param" && i.kind !== "state") continue;
      if (slots.has(i.name)) continue;
      const n = size(i.shape);
      const a = alloc(i.dtype, n), b = alloc(i.dtype, n);
      const key = slotKey(p.update, i.name);
      const parts = i.kind === "state" ? flatParts(p.update, i) : null;
      if (parts) {
        if (parts.reduce((a, x) => a + x.n, 0) !== n) throw new GancRuntimeError(`flat optimizer slot ${i.name}: sizes do not add up to [${i.shape}]`, { code: "ort-plan" });
        for (const part of parts) {
          const s = optState[part.key];
          if (!s) continue;
          if (s.data.length !== part.n) throw new GancRuntimeError(`optimizer state ${p.update} ${part.key}: ${s.data.length} values, the graph wants ${part.n}`, { code: "optim-state" });
          a.set(s.data, part.off);
        }
      } else if (key !== null) {
        const s = optState[key];
        if (s) {
          if (s.data.length !== n) throw new GancRuntimeError(`optimizer state ${p.update} ${key}: ${s.data.length} values, the graph wants [${i.shape}]`, { code: "optim-state" });
          a.set(s.data);
        }
      } else if (storeNames.has(i.name)) {
        const v = program.store.get(i.name);
        if (v.size !== n) throw new GancRuntimeError(`${i.name}: the store holds shape [${v.shape}], the graph wants [${i.shape}]`, { code: "ort-plan" });
        a.set((await v.data()) as Float32Array);
      } else throw new GancRuntimeError(`graph input ${i.name} of update ${p.update} is neither a store tensor nor an optimizer slot`, { code: "ort-plan" });
      slots.set(i.name, { cur: new ort.Tensor(ORT_TYPE[i.dtype], a, i.shape), spare: new ort.Tensor(ORT_TYPE[i.dtype], b, i.shape), dtype: i.dtype, shape: i.shape });
    }
    const lossName = `loss:${p.loss}`;
    const lossOut = p.outputs.find((x) => x.name === lossName)?.onnx;
    if (!lossOut) throw new GancRuntimeError(`graph of update ${p.update} does not output ${lossName}`, { code: "ort-plan" });
    const lossBuf = new Float32Array(1);
    updates.push({
      p, session, noise: new NoiseSource(plan.latents, p.inputs, plan.batch), t, optState, lossOut, lossBuf,
      lossTensor: new ort.Tensor("float32", lossBuf, []), hyper,
    });
  }
  for (const u of updates)
    for (const out of u.p.outputs)
      if (out.role === "update" && !slots.has(out.name))
        throw new GancRuntimeError(`update output ${out.name} of ${u.p.update} has no matching input`, { code: "ort-plan" });

  // joint graphs (simultaneous updates of one loss): run in place of their members' graphs when all are due
  const joints: Joint[] = [];
  for (const j of plan.schedule === "simultaneous" ? (plan.joint ?? []) : []) {
    const members = j.updates.map((n) => updates.find((u) => u.p.update === n));
    if (members.some((m) => !m)) throw new GancRuntimeError(`joint graph ${j.file} names an update the plan does not have`, { code: "ort-plan" });
    for (const i of j.inputs)
      if ((i.kind === "param" || i.kind === "state") && !slots.has(i.name))
        throw new GancRuntimeError(`joint graph ${j.file}: input ${i.name} is in no update's graph`, { code: "ort-plan" });
    const lossOut = j.outputs.find((x) => x.name === `loss:${j.loss}`)?.onnx;
    if (!lossOut) throw new GancRuntimeError(`joint graph ${j.file} does not output loss:${j.loss}`, { code: "ort-plan" });
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(planDir, j.file));
    } catch (e) {
      throw new GancRuntimeError(`cannot read graph ${join(planDir, j.file)}: ${(e as Error).message.split("\n")[0]}`, { code: "ort-plan" });
    }
    const hyper = new Map<string, { buf: Float32Array; tensor: Ort.Tensor }>();
    for (const i of j.inputs)
      if (i.kind === "hyper") {
        const buf = new Float32Array(1);
        hyper.set(i.name, { buf, tensor: new ort.Tensor("float32", buf, i.shape) });
      }
    const lossBuf = new Float32Array(1);
    joints.push({
      members: members as Update[], inputs: j.inputs, outputs: j.outputs, session: await createSession(ort, bytes, { threads, provider }),
      noise: new NoiseSource(plan.latents, j.inputs, plan.batch), hyper, lossOut, lossBuf, lossTensor: new ort.Tensor("float32", lossBuf, []),
    });
  }

  const stats = { runs: 0, runMs: 0 };
  const read = (name: string): Float32Array => {
    const s = slots.get(name);
    if (s) return s.cur.data as Float32Array;
    return program.store.get(name).dataSync() as Float32Array;
  };

  const feedsOf = (
    g: { inputs: PlanInput[]; hyper: Update["hyper"] },
    hv: Record<string, number>,
    batch: Map<string, Buf>,
    noise: Map<string, Buf>,
  ): Record<string, Ort.Tensor> => {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const i of g.inputs) {
      switch (i.kind) {
        case "param":
        case "state":
          feeds[i.onnx] = slots.get(i.name)!.cur;
          break;
        case "hyper": {
          const h = g.hyper.get(i.name)!;
          const v = hv[i.name];
          if (v === undefined) throw new GancRuntimeError(`no host value for hyper input ${i.name}`, { code: "internal" });
          h.buf[0] = v;
          feeds[i.onnx] = h.tensor;
          break;
        }
        case "data":
        case "noise": {
          const src = (i.kind === "data" ? batch : noise).get(i.name);
          if (!src) throw new GancRuntimeError(`no host value for graph input ${i.name}`, { code: "internal" });
          feeds[i.onnx] = new ort.Tensor(ORT_TYPE[i.dtype], asDtype(src, i), i.shape);
          break;
        }
      }
    }
    return feeds;
  };
  const hyperOf = (u: Update) => hyperValuesOf(u.p.update, u.p.optimizer, u.t + 1);

  /** run one graph; its updated tensors land in the spare buffers (not swapped yet) */
  const runGraph = async (
    g: { session: Ort.InferenceSession; outputs: PlanOutput[]; lossOut: string; lossTensor: Ort.Tensor; lossBuf: Float32Array },
    feeds: Record<string, Ort.Tensor>,
    first: PlanUpdate,
    step: number,
  ): Promise<number> => {
    const fetches: Record<string, Ort.Tensor> = { [g.lossOut]: g.lossTensor };
    for (const out of g.outputs) if (out.role === "update") fetches[out.onnx] = slots.get(out.name)!.spare;
    const t0 = performance.now();
    await g.session.run(feeds, fetches);
    stats.runMs += performance.now() - t0;
    stats.runs++;
    return checkFinite(g.lossBuf[0]!, first.loss, first.lossLine, step);
  };
  const run = (u: Update, feeds: Record<string, Ort.Tensor>, step: number) => runGraph({ ...u, outputs: u.p.outputs }, feeds, u.p, step);

  const swap = (u: Update) => {
    for (const out of u.p.outputs) {
      if (out.role !== "update") continue;
      const s = slots.get(out.name)!;
      [s.cur, s.spare] = [s.spare, s.cur];
    }
    u.t++;
    // projections (weights `constrain ...`): on the host buffer, with the arithmetic of the tfjs trainer's project()
    for (const pr of u.p.project) {
      const s = slots.get(pr.name);
      if (s) projectArray(pr.kind as ProjectionKind, s.cur.data as Float32Array, s.shape, pr.args);
    }
  };

  const batchArrays = (): Map<string, Buf> => {
    const cols = program.batcher.nextArrays();
    return new Map(plan.data.map((d) => [`data:${d.name}`, cols[d.column]!]));
  };

  const trainStep = async (step: number): Promise<Record<string, number>> => {
    const batch = batchArrays();
    const losses: Record<string, number> = {};
    if (plan.schedule === "alternating") {
      for (const u of updates) {
        if (step % u.p.every !== 0) continue;
        for (let r = 0; r < u.p.repeat; r++) {
          const noise = u.noise.draw(rng, read);
          losses[u.p.update] = await run(u, feedsOf({ inputs: u.p.inputs, hyper: u.hyper }, hyperOf(u), batch, noise), step);
          swap(u);
        }
      }
      return losses;
    }
    // simultaneous: every due update at the same parameters and the same draws (the stream rewound per update,
    // as the tfjs trainer rewinds it per loss), then all of them applied. Updates of one loss that have a joint
    // graph run as one graph (one forward and backward pass); its one draw is each member's draw, so the stream
    // ends where the last due update's draw leaves it, as with one graph per update.
    const start = rng.getState();
    const due = updates.filter((u) => step % u.p.every === 0);
    const ran = new Set<Update>();
    let end = start;
    for (const u of due) {
      if (ran.has(u)) continue;
      const j = joints.find((x) => x.members.includes(u) && x.members.every((m) => due.includes(m)));
      rng.setState(start);
      if (j) {
        const noise = j.noise.draw(rng, read);
        const hv = Object.assign({}, ...j.members.map(hyperOf)) as Record<string, number>;
        const loss = await runGraph(j, feedsOf(j, hv, batch, noise), u.p, step);
        for (const m of j.members) {
          losses[m.p.update] = loss;
          ran.add(m);
        }
      } else {
        const noise = u.noise.draw(rng, read);
        losses[u.p.update] = await run(u, feedsOf({ inputs: u.p.inputs, hyper: u.hyper }, hyperOf(u), batch, noise), step);
        ran.add(u);
      }
      end = rng.getState();
    }
    rng.setState(end);
    for (const u of due) swap(u);
    return losses;
  };

  const flush = async () => {
    for (const [name, s] of slots) {
      if (!storeNames.has(name)) continue;
      const v = program.store.get(name);
      const t = tf.tensor(Float32Array.from(s.cur.data as Float32Array), s.shape, "float32");
      v.assign(t);
      t.dispose();
    }
    for (const u of updates) {
      const st: NamedArrays = { ...u.optState, t: { shape: [], dtype: "int32", data: [u.t] } };
      for (const i of u.p.inputs) {
        if (i.kind !== "state") continue;
        const cur = slots.get(i.name)!.cur.data as Float32Array;
        const parts = flatParts(u.p.update, i);
        // a flat slot is split into the per-variable slots, shaped like their variables (the tfjs optimizer's state)
        if (parts) {
          for (const part of parts) {
            st[part.key] = { shape: part.shape.slice(), dtype: "float32", data: Array.from(cur.subarray(part.off, part.off + part.n)) };
          }
          continue;
        }
        const key = slotKey(u.p.update, i.name);
        if (key === null) continue;
        st[key] = { shape: i.shape.slice(), dtype: "float32", data: Array.from(cur) };
      }
      u.optState = st;
      program.optimizers[u.p.update]!.setState(st);
    }
  };

  return {
    trainStep,
    flush,
    stats,
    description: `onnxruntime-node ${ortVersion(ort)}, ${provider}, ${threads} thread${threads > 1 ? "s" : ""}`,
    async release() {
      for (const u of updates) await u.session.release();
      for (const j of joints) await j.session.release();
    },
  };
}

/** a host array in the graph input's dtype (int label columns arrive as float32 from some sources) */
function asDtype(a: Buf, i: PlanInput): Buf {
  if (i.dtype === "f32") return a instanceof Float32Array ? a : Float32Array.from(a);
  if (i.dtype === "i32") return a instanceof Int32Array ? a : Int32Array.from(a);
  return a instanceof Uint8Array ? a : Uint8Array.from(a);
}
