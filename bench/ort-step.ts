// CPU ms per training step of ganc's backends next to the one-thread PyTorch peer (issue 14, item 9), interleaved in
// one invocation: for each workload, ganc ort (the compiled step graphs on onnxruntime-node, 1 intra-op thread),
// ganc wasm (the tfjs trainer) and bench/step-peer.py (PyTorch CPU with OPENBLAS/OMP pinned to one thread before
// torch loads). One step = every due update on one minibatch, losses read back to the host, as `ganc train` runs it.
// CPU time (user + sys of the process) is the measure: robust to other load on a shared machine, since every engine
// runs on one thread here. Each engine is timed in several rounds; the best round is reported.
// Run: npx tsx bench/ort-step.ts [--seconds 2] [--rounds 3] [--only dense784,gm_gan] [--no-torch] [--no-wasm]
//      [--json out.json]
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compileModule, makeOrtProgram, makeProgram } from "../experiments/lib/spec-program.ts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const ROOT = resolve(import.meta.dirname, "..");
const SECONDS = Number(arg("seconds", "2"));
const ROUNDS = Number(arg("rounds", "3"));
const WARMUP = 5;

/** the workloads: a spec with overrides, and the PyTorch peer's name for the same step (bench/step-peer.py) */
const WORKLOADS: { name: string; spec: string; overrides: Record<string, string> }[] = [
  { name: "dense784", spec: join(ROOT, "bench/dense784.gan"), overrides: {} },
  { name: "vanilla_ring", spec: "vanilla_gan", overrides: {} },
  { name: "gat_gmm", spec: "gat_gmm", overrides: {} },
  { name: "mixture_gan", spec: "mixture_gan", overrides: {} },
  { name: "gm_gan", spec: "gm_gan", overrides: {} },
  { name: "pcm_gan_mlp", spec: "pcm_gan", overrides: { dataset: "fashion", arch: "mlp" } },
  { name: "pcm_gan_conv", spec: "pcm_gan", overrides: { dataset: "fashion" } },
];

interface Timing {
  cpuMs: number;
  sps: number;
}

async function timeSteps(step: (s: number) => Promise<unknown>): Promise<Timing & { rounds: number[] }> {
  let s = 0;
  for (; s < WARMUP; s++) await step(s);
  const rounds: Timing[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    while (performance.now() - t0 < SECONDS * 1000 || n < 2) {
      await step(s++);
      n++;
    }
    const c = process.cpuUsage(c0);
    rounds.push({ sps: (n * 1000) / (performance.now() - t0), cpuMs: (c.user + c.system) / 1000 / n });
  }
  return { cpuMs: Math.min(...rounds.map((r) => r.cpuMs)), sps: Math.max(...rounds.map((r) => r.sps)), rounds: rounds.map((r) => r.cpuMs) };
}

const PY = "/usr/bin/python3"; // Debian's, with python3-torch
const PIN = { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };

/** The PyTorch peer of a workload: bench/step-peer.py when it has the workload, else the older scripts
 * (bench/train-step.py: vanilla_ring, gat_gmm; bench/dense-step.py: dense784, which reports wall steps/s only:
 * one thread on an otherwise idle core, so 1000 / steps/s is its CPU ms). Threads pinned before torch loads. */
function torchPeer(name: string): (Timing & { note?: string }) | { error: string } {
  const run = (args: string[]) => spawnSync(PY, args, { encoding: "utf8", env: { ...process.env, ...PIN } });
  const fail = (p: ReturnType<typeof run>) => ({ error: ((p.stderr || p.error?.message || "no output").trim().split("\n").pop() ?? "").slice(0, 160) });
  if (existsSync(join(ROOT, "bench/step-peer.py"))) {
    const p = run([join(ROOT, "bench/step-peer.py"), "--seconds", String(SECONDS), "--rounds", String(ROUNDS), name]);
    const m = new RegExp(`^${name} ([\\d.]+) ([\\d.]+)`, "m").exec(p.stdout ?? "");
    if (p.status === 0 && m) return { sps: Number(m[1]), cpuMs: Number(m[2]) };
    if (!["vanilla_ring", "gat_gmm", "dense784"].includes(name)) return fail(p);
  }
  if (name === "vanilla_ring" || name === "gat_gmm") {
    const p = run([join(ROOT, "bench/train-step.py"), "--seconds", String(SECONDS), "--rounds", String(ROUNDS), name]);
    const m = new RegExp(`^${name} ([\\d.]+) ([\\d.]+)`, "m").exec(p.stdout ?? "");
    return p.status === 0 && m ? { sps: Number(m[1]), cpuMs: Number(m[2]) } : fail(p);
  }
  if (name === "dense784") {
    const p = run([join(ROOT, "bench/dense-step.py"), String(SECONDS * ROUNDS), "1"]);
    const m = /steps_per_sec=([\d.]+)/.exec(p.stdout ?? "");
    return p.status === 0 && m ? { sps: Number(m[1]), cpuMs: 1000 / Number(m[1]), note: "wall" } : fail(p);
  }
  return { error: "no PyTorch peer for this workload yet" };
}

const fmt = (t: Timing | { error: string } | null) => (t === null ? "-" : "error" in t ? "n/a" : t.cpuMs.toFixed(2));

async function main() {
  const only = arg("only", "");
  const list = only ? WORKLOADS.filter((w) => only.split(",").includes(w.name)) : WORKLOADS;
  const rows: Record<string, unknown>[] = [];
  console.log(`CPU ms per step, best of ${ROUNDS} rounds x ${SECONDS} s; ort and torch on one thread, wasm single-threaded`);
  for (const w of list) {
    const row: Record<string, unknown> = { name: w.name };
    let ort: (Timing & { hostShare?: number }) | { error: string };
    try {
      const c = await compileModule(w.spec, w.overrides, { graphs: true });
      const { stepper } = await makeOrtProgram(c);
      const t = await timeSteps((s) => stepper.trainStep(s));
      // host share: wall time outside session.run over a fixed stretch of steps
      const r0 = stepper.stats.runMs;
      const t0 = performance.now();
      for (let s = 0; s < 20; s++) await stepper.trainStep(1_000_000 + s);
      const wall = performance.now() - t0;
      ort = { ...t, hostShare: 1 - (stepper.stats.runMs - r0) / wall };
      await stepper.release();
    } catch (e) {
      ort = { error: (e as Error).message.split("\n")[0]!.slice(0, 160) };
    }
    let wasm: Timing | { error: string } | null = null;
    if (!flag("no-wasm")) {
      try {
        const c = await compileModule(w.spec, w.overrides);
        const p = await makeProgram(c.module);
        wasm = await timeSteps((s) => p.trainStep(s));
      } catch (e) {
        wasm = { error: (e as Error).message.split("\n")[0]!.slice(0, 160) };
      }
    }
    const torch = flag("no-torch") ? null : torchPeer(w.name);
    Object.assign(row, { ort, wasm, torch });
    const ratio = (a: Timing | { error: string } | null, b: Timing | { error: string } | null) =>
      a && b && !("error" in a) && !("error" in b) ? (b.cpuMs / a.cpuMs).toFixed(2) : "-";
    const host = "error" in ort ? "" : ` (host ${(100 * (ort.hostShare ?? 0)).toFixed(0)}% of wall)`;
    console.log(
      `${w.name.padEnd(13)} ort ${fmt(ort).padStart(8)}${host}  wasm ${fmt(wasm).padStart(8)}  torch ${fmt(torch).padStart(8)}` +
        `  | wasm/ort ${ratio(ort, wasm)}  torch/ort ${ratio(ort, torch)}`,
    );
    for (const [k, v] of Object.entries({ ort, wasm, torch })) if (v && "error" in v) console.log(`  ${k}: ${v.error}`);
    rows.push(row);
  }
  const out = arg("json", "");
  if (out) writeFileSync(out, JSON.stringify({ seconds: SECONDS, rounds: ROUNDS, rows }, null, 2) + "\n");
}

await main();
