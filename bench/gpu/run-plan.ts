// Wall ms per training step of compiled step plans (graphs/plan.json + *.onnx, as `ganc compile --emit onnx` or
// bench/gpu/pack.ts write them) on one of ONNX Runtime's engines, with nothing but onnxruntime-node: no tfjs, no
// compiler, so that esbuild can bundle it into one file for the GPU machine (bench/gpu/pack.ts), where only the
// working tree travels. The values are not the spec's (parameters ~N(0, 0.05), optimizer slots 0, other state 0.1,
// data and noise uniform in [-1, 1], integer inputs 0): a step's cost does not depend on them. One step = every
// update of the schedule once (each `repeat` times), each graph's loss read back, as the ganc driver runs it.
// State placement (`--resident`): `host` keeps every updated tensor in host buffers (uploaded and downloaded per
// update on webgpu, as runtime/ort/driver.ts does today); `gpu` asks ORT to leave updated tensors on the device
// (preferredOutputLocation "gpu-buffer") and feeds them back as the next update's inputs (cpu: ignored).
// Usage: node run-plan.cjs [--provider cpu|webgpu] [--resident host|gpu] [--seconds 2] [--rounds 3] [--steps N]
//          [--json FILE] PLANDIR...
// Prints one line per plan: "<dir> <provider> <resident> batch <B>: <best wall ms/step> ms/step (rounds ...), losses ...".
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as OrtNs from "onnxruntime-node";
import type { OrtPlan, PlanInput, PlanOutput } from "../../runtime/ort/plan.ts";
import { hyperValuesOf } from "../../runtime/optim/hyper.ts";

type Ort = typeof OrtNs;
type Tensor = OrtNs.Tensor;

export interface PlanTiming {
  dir: string;
  model: string;
  batch: number;
  provider: string;
  resident: string;
  msPerStep: number;
  rounds: number[];
  steps: number;
  losses: Record<string, number>;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const isSlot = (name: string) => /\/(m|v|buf|sq)\/[\d+]+$/.test(name);

/** xorshift32: reproducible values without the runtime's RNG (which the bundle does not carry) */
function uniform(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function hostTensor(ort: Ort, i: { shape: number[]; dtype: string; name: string }, kind: string, rnd: () => number): Tensor {
  const n = size(i.shape);
  if (i.dtype === "i32") return new ort.Tensor("int32", new Int32Array(n), i.shape);
  if (i.dtype === "bool") return new ort.Tensor("bool", new Uint8Array(n), i.shape);
  const a = new Float32Array(n);
  if (kind === "param") for (let k = 0; k < n; k++) a[k] = 0.05 * Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  else if (kind === "state") a.fill(isSlot(i.name) ? 0 : 0.1);
  else for (let k = 0; k < n; k++) a[k] = 2 * rnd() - 1;
  return new ort.Tensor("float32", a, i.shape);
}

export async function timePlan(
  ort: Ort,
  dir: string,
  o: { provider?: "cpu" | "webgpu"; resident?: "host" | "gpu"; seconds?: number; rounds?: number; steps?: number } = {},
): Promise<PlanTiming> {
  const plan = JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as OrtPlan;
  const provider = o.provider ?? "cpu";
  const resident = provider === "webgpu" ? (o.resident ?? "host") : "host";
  const rnd = uniform(1);
  // the current value of every updated tensor, shared by the updates that read it
  const values = new Map<string, Tensor>();
  const graphs: { u: OrtPlan["updates"][number]; session: OrtNs.InferenceSession; updates: PlanOutput[]; lossOut: PlanOutput; fixed: Record<string, Tensor>; t: number }[] = [];
  for (const u of plan.updates) {
    const updates = u.outputs.filter((x) => x.role === "update");
    const lossOut = u.outputs.find((x) => x.name === `loss:${u.loss}`)!;
    const session = await ort.InferenceSession.create(readFileSync(join(dir, u.file)), {
      executionProviders: [provider],
      graphOptimizationLevel: "all",
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      ...(resident === "gpu"
        ? { preferredOutputLocation: Object.fromEntries(u.outputs.map((x) => [x.onnx, x.role === "update" ? "gpu-buffer" : "cpu"])) as Record<string, "gpu-buffer" | "cpu"> }
        : {}),
    });
    const fixed: Record<string, Tensor> = {};
    for (const i of u.inputs) {
      if (i.kind === "param" || i.kind === "state") {
        if (!values.has(i.name)) values.set(i.name, hostTensor(ort, i, i.kind, rnd));
      } else if (i.kind !== "hyper") fixed[i.onnx] = hostTensor(ort, i, i.kind, rnd);
    }
    graphs.push({ u, session, updates, lossOut, fixed, t: 0 });
  }

  const losses: Record<string, number> = {};
  const runUpdate = async (g: (typeof graphs)[number]): Promise<void> => {
    g.t++;
    const hv = hyperValuesOf(g.u.update, g.u.optimizer, g.t);
    const feeds: Record<string, Tensor> = { ...g.fixed };
    for (const i of g.u.inputs as PlanInput[]) {
      if (i.kind === "param" || i.kind === "state") feeds[i.onnx] = values.get(i.name)!;
      else if (i.kind === "hyper") feeds[i.onnx] = new ort.Tensor("float32", Float32Array.of(hv[i.name] ?? 0), i.shape);
    }
    const r = await g.session.run(feeds);
    for (const out of g.updates as PlanOutput[]) {
      const prev = values.get(out.name);
      values.set(out.name, r[out.onnx]!);
      if (resident === "gpu" && prev && prev !== r[out.onnx]) prev.dispose?.();
    }
    const loss = r[g.lossOut.onnx]!;
    const data = loss.location === "cpu" ? loss.data : await loss.getData();
    losses[g.u.update] = Number((data as Float32Array)[0]);
  };
  let step = 0;
  const runStep = async () => {
    for (const g of graphs) {
      if (step % g.u.every !== 0) continue;
      for (let k = 0; k < g.u.repeat; k++) await runUpdate(g);
    }
    step++;
  };
  for (let w = 0; w < 3; w++) await runStep();
  const rounds: number[] = [];
  for (let r = 0; r < (o.rounds ?? 3); r++) {
    let n = 0;
    const t0 = performance.now();
    while (o.steps !== undefined ? n < o.steps : performance.now() - t0 < (o.seconds ?? 2) * 1000 || n < 2) {
      await runStep();
      n++;
    }
    rounds.push((performance.now() - t0) / n);
  }
  for (const g of graphs) await g.session.release();
  return { dir, model: plan.model, batch: plan.batch, provider, resident, msPerStep: Math.min(...rounds), rounds, steps: step, losses };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    argv.splice(i, 2);
    return v;
  };
  const provider = (opt("provider") ?? "cpu") as "cpu" | "webgpu";
  const resident = (opt("resident") ?? "host") as "host" | "gpu";
  const seconds = Number(opt("seconds") ?? 2);
  const rounds = Number(opt("rounds") ?? 3);
  const stepsArg = opt("steps");
  const json = opt("json");
  if (!["cpu", "webgpu"].includes(provider) || !["host", "gpu"].includes(resident) || argv.length === 0) {
    process.stderr.write("usage: run-plan [--provider cpu|webgpu] [--resident host|gpu] [--seconds S] [--rounds R] [--steps N] [--json FILE] PLANDIR...\n");
    process.exit(2);
  }
  // ORT_NODE: the unpacked onnxruntime-node folder on the GPU machine (bench/gpu/device.sh)
  // (require, not import(): a folder path only resolves through CommonJS; the bundle is CommonJS, tsx is not)
  const req = typeof require === "function" ? require : createRequire(import.meta.url);
  const ort = req(process.env.ORT_NODE ?? "onnxruntime-node") as Ort & { default?: Ort };
  const O = ort.default ?? ort;
  const out: PlanTiming[] = [];
  let failed = false;
  for (const dir of argv) {
    try {
      const t = await timePlan(O, dir, { provider, resident, seconds, rounds, ...(stepsArg ? { steps: Number(stepsArg) } : {}) });
      out.push(t);
      const ls = Object.entries(t.losses).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(", ");
      process.stdout.write(`${dir} ${provider} ${t.resident} batch ${t.batch}: ${t.msPerStep.toFixed(3)} ms/step (rounds ${t.rounds.map((r) => r.toFixed(3)).join(" ")}), losses ${ls}\n`);
    } catch (e) {
      failed = true;
      process.stdout.write(`${dir} ${provider} ${resident}: FAILED ${String((e as Error).message ?? e).split("\n")[0]}\n`);
    }
  }
  if (json) writeFileSync(json, JSON.stringify(out, null, 2));
  process.exit(failed ? 1 : 0);
}

// run as a script (the bundle, or tsx), not when imported by a test
if (process.argv[1] && /run-plan\.(c?js|ts)$/.test(process.argv[1])) void main();
