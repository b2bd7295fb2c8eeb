// Where an update graph's time goes on onnxruntime: compiles SPEC's step plan, opens UPDATE's graph with ORT's
// profiler (one intra-op thread, graph optimisation "all", as backend ort), runs it 30 times on random inputs after
// 30 warm-up runs, and prints ms per run, kernel ms per run, and kernel time by ONNX op type (after ORT's fusions).
// UPDATE may name a joint graph of simultaneous updates by its members, e.g. g_step+d_step.
// Run: npx tsx bench/ort-profile.ts SPEC UPDATE ['{"param":"value"}'] [--nodes]   (--nodes: the 25 slowest nodes with shapes)
//   e.g. npx tsx bench/ort-profile.ts bench/dense784.gan d_step
//        npx tsx bench/ort-profile.ts pcm_gan c_step '{"dataset":"fashion","arch":"mlp"}'
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { compileModule } from "../experiments/lib/spec-program.ts";
import { readOrtPlan } from "../runtime/ort/driver.ts";

const [spec, update] = [process.argv[2], process.argv[3] ?? "d_step"];
if (!spec) throw new Error("usage: npx tsx bench/ort-profile.ts SPEC UPDATE ['{overrides json}']");
const overrides = JSON.parse(process.argv[4]?.startsWith("{") ? process.argv[4] : "{}") as Record<string, string>;
const RUNS = 30;

const c = await compileModule(spec, overrides, { graphs: true });
const plan = readOrtPlan(join(c.dir, "graphs"));
// an update's graph, or a joint graph of simultaneous updates by its members ("g_step+d_step")
const u = plan.updates.find((x) => x.update === update) ?? plan.joint?.find((j) => j.updates.join("+") === update);
if (!u) throw new Error(`no update ${update}: ${[...plan.updates.map((x) => x.update), ...(plan.joint ?? []).map((j) => j.updates.join("+"))].join(", ")}`);
process.chdir(c.dir); // the profile file is written into the working directory
const session = await ort.InferenceSession.create(readFileSync(join(c.dir, "graphs", u.file)), {
  executionProviders: ["cpu"], graphOptimizationLevel: "all", intraOpNumThreads: 1, interOpNumThreads: 1,
  enableProfiling: true, profileFilePrefix: "ort-profile",
});
const feeds: Record<string, ort.Tensor> = {};
for (const i of u.inputs) {
  const n = i.shape.reduce((a, b) => a * b, 1);
  // small positive values: a valid probability, scale or step size everywhere; index inputs 0
  const data = i.dtype === "f32" ? Float32Array.from({ length: n }, () => 0.01 + 0.09 * Math.random()) : i.dtype === "i32" ? new Int32Array(n) : new Uint8Array(n);
  feeds[i.onnx] = new ort.Tensor(i.dtype === "f32" ? "float32" : i.dtype === "i32" ? "int32" : "bool", data, i.shape);
}
for (let r = 0; r < RUNS; r++) await session.run(feeds);
const t0 = performance.now();
for (let r = 0; r < RUNS; r++) await session.run(feeds);
const msPerRun = (performance.now() - t0) / RUNS;
session.endProfiling();
const file = readdirSync(c.dir).find((f) => f.startsWith("ort-profile"))!;
const events = JSON.parse(readFileSync(join(c.dir, file), "utf8")) as {
  cat: string; name: string; dur: number; args: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}[];
const byNode = new Map<string, { op: string; us: number; shapes: string }>();
const byOp = new Map<string, { n: number; us: number }>();
let total = 0;
for (const e of events) {
  if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
  const k = e.args.op_name ?? "?";
  const x = byOp.get(k) ?? { n: 0, us: 0 };
  x.n++;
  x.us += e.dur;
  byOp.set(k, x);
  total += e.dur;
  const shapes = (xs?: Record<string, number[]>[]) => (xs ?? []).map((o) => `[${Object.values(o)[0]}]`).join(",");
  const node = byNode.get(e.name) ?? { op: k, us: 0, shapes: `${shapes(e.args.input_type_shape)} -> ${shapes(e.args.output_type_shape)}` };
  node.us += e.dur;
  byNode.set(e.name, node);
}
const runs = 2 * RUNS; // the profile covers warm-up and timed runs
console.log(`${spec} ${update}: ${msPerRun.toFixed(2)} ms per run, ${(total / 1000 / runs).toFixed(2)} ms of it in kernels`);
console.log("op type              nodes/run  kernel ms/run");
for (const [k, v] of [...byOp].sort((a, b) => b[1].us - a[1].us).slice(0, 20))
  console.log(`${k.padEnd(20)} ${(v.n / runs).toFixed(0).padStart(9)} ${(v.us / 1000 / runs).toFixed(3).padStart(14)}`);
if (process.argv.includes("--nodes")) {
  console.log("\nslowest nodes                                       kernel ms/run  shapes");
  for (const [name, v] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 25))
    console.log(`${name.replace(/_kernel_time$/, "").slice(0, 50).padEnd(50)} ${(v.us / 1000 / runs).toFixed(3).padStart(8)}  ${v.op} ${v.shapes}`);
}
