// Steps per second of the COMPILED trainers (what `ganc train` runs) for the 2-D / small bundled specs, next to
// hand-written PyTorch equivalents (bench/train-step.py, torch.set_num_threads(1)) measured in the same run.
// One step = Program.trainStep(step): every due update on one minibatch, losses read back to the host.
// The machine is shared: each spec is timed in several rounds and the best round is reported (least disturbed).
// Run: npx tsx bench/train-step.ts [--backend wasm|cpu|webgpu] [--seconds 2] [--rounds 3] [--no-torch]
//      [--only vanilla_gan,gat_gmm] [--json out.json] [--profile]   (--profile: time trainStep's parts)
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import * as rt from "../runtime/index.ts";
import { compileFile } from "../compiler/pipeline.ts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const ROOT = resolve(import.meta.dirname, "..");
const backend = arg("backend", "wasm") as rt.BackendName;
const SECONDS = Number(arg("seconds", "2"));
const ROUNDS = Number(arg("rounds", "3"));
const WARMUP = 10;

/** the compiled specs measured, with the overrides that pick the 2-D setting */
const SPECS: { name: string; file: string; overrides: Record<string, string>; torch?: string }[] = [
  { name: "vanilla_gan", file: "specs/vanilla_gan.gan", overrides: { dataset: "ring" }, torch: "vanilla_ring" },
  { name: "mixture_gan", file: "specs/mixture_gan.gan", overrides: { dataset: "ring" } },
  { name: "gat_gmm", file: "specs/gat_gmm.gan", overrides: {}, torch: "gat_gmm" },
];

interface Result {
  name: string;
  stepsPerSec: number;
  cpuMsPerStep: number;
  kernelsPerStep: number;
  rounds: { sps: number; cpuMs: number }[];
  tensorsLeaked: number;
}

async function loadProgram(file: string, overrides: Record<string, string>, tag: string): Promise<rt.Program> {
  const r = await compileFile(join(ROOT, file), {
    overrides,
    runtimeImport: join(ROOT, "runtime/index.ts"),
  });
  if (r.ts === null) throw new Error(`${file}: ${r.diagnostics.map((d) => d.message).join("\n")}`);
  const dir = join(ROOT, "test/emit/.out/bench-train-step"); // gitignored
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${tag}.ts`);
  writeFileSync(out, r.ts);
  const mod = (await import(out)) as rt.ProgramModule;
  return mod.createProgram({ rng: rt.createRng(0), baseDir: join(ROOT, "specs"), backend: rt.tf.getBackend() });
}

/** Per round: wall steps/s and CPU ms/step (process user+sys: robust to other processes on a loaded machine,
 * since the wasm backend runs single-threaded here). */
async function timeSteps(step: (s: number) => Promise<unknown>, first: number): Promise<{ sps: number; cpuMs: number }[]> {
  let s = first;
  const rounds: { sps: number; cpuMs: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    while (performance.now() - t0 < SECONDS * 1000) {
      await step(s++);
      n++;
    }
    const c = process.cpuUsage(c0);
    rounds.push({ sps: (n * 1000) / (performance.now() - t0), cpuMs: (c.user + c.system) / 1000 / n });
  }
  return rounds;
}

/** Kernels per step by name (tf.profile; kernel times are wall times, so only meaningful on a quiet machine). */
async function profile(prog: rt.Program, steps: number, first: number): Promise<void> {
  const info = await rt.tf.profile(async () => {
    for (let s = 0; s < steps; s++) await prog.trainStep(first + s);
  });
  const by = new Map<string, { n: number; ms: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    by.set(k.name, e);
  }
  const rows = [...by.entries()].sort((x, y) => y[1].n - x[1].n);
  const total = rows.reduce((a, [, e]) => a + e.n, 0);
  console.log(`  profile: ${(total / steps).toFixed(0)} kernels/step; by kernel (count/step, ms/step):`);
  console.log(
    "   " + rows.slice(0, 24).map(([k, e]) => `${k} ${(e.n / steps).toFixed(0)}/${(e.ms / steps).toFixed(2)}`).join(", "),
  );
}

async function main() {
  const used = await rt.initBackend(backend);
  const only = arg("only", "");
  const specs = only ? SPECS.filter((s) => only.split(",").includes(s.name)) : SPECS;
  console.log(`backend ${used.name}, ${ROUNDS} rounds x ${SECONDS} s per spec (best round reported)`);
  const results: Result[] = [];
  for (const sp of specs) {
    const prog = await loadProgram(sp.file, sp.overrides, sp.name);
    for (let st = 0; st < WARMUP; st++) await prog.trainStep(st);
    const before = rt.tf.memory().numTensors;
    const rounds = await timeSteps((st) => prog.trainStep(st), WARMUP);
    const leaked = rt.tf.memory().numTensors - before;
    const prof = await rt.tf.profile(async () => {
      for (let st = 0; st < 5; st++) await prog.trainStep(500_000 + st);
    });
    const kernels = prof.kernels.length / 5; // deterministic, unlike times on a shared machine
    const best = Math.max(...rounds.map((r) => r.sps));
    const cpu = Math.min(...rounds.map((r) => r.cpuMs));
    results.push({ name: sp.name, stepsPerSec: best, cpuMsPerStep: cpu, kernelsPerStep: kernels, rounds, tensorsLeaked: leaked });
    console.log(
      `compiled ${sp.name.padEnd(12)} ${best.toFixed(1).padStart(7)} steps/s wall, ${cpu.toFixed(2).padStart(7)} CPU ms/step ` +
        `(= ${(1000 / cpu).toFixed(1)} steps/s on an idle core; ${kernels.toFixed(0)} kernels/step; rounds ${rounds.map((r) => r.sps.toFixed(1)).join(", ")}; ` +
        `tensors +${leaked})`,
    );
    if (flag("profile")) await profile(prog, 20, 1_000_000);
  }

  const torchRes: Record<string, { sps: number; cpuMs: number }> = {};
  if (!flag("no-torch")) {
    const wanted = specs.filter((s) => s.torch).map((s) => s.torch!);
    if (wanted.length) {
      const p = spawnSync(
        "/usr/bin/python3",
        [join(ROOT, "bench/train-step.py"), "--seconds", String(SECONDS), "--rounds", String(ROUNDS), ...wanted],
        { encoding: "utf8" },
      );
      if (p.status !== 0) console.log(`torch reference failed: ${(p.stderr || p.error?.message || "").trim()}`);
      else {
        for (const line of p.stdout.trim().split("\n")) {
          const m = /^(\S+) ([\d.]+) ([\d.]+)/.exec(line);
          if (m) torchRes[m[1]!] = { sps: Number(m[2]), cpuMs: Number(m[3]) };
        }
      }
    }
  }
  for (const sp of specs) {
    const t = sp.torch ? torchRes[sp.torch] : undefined;
    if (!t) continue;
    const c = results.find((r) => r.name === sp.name)!;
    console.log(
      `torch    ${sp.torch!.padEnd(12)} ${t.sps.toFixed(1).padStart(7)} steps/s wall, ${t.cpuMs.toFixed(2).padStart(7)} CPU ms/step; ` +
        `compiled/torch: wall ${(c.stepsPerSec / t.sps).toFixed(2)}x, CPU ${(t.cpuMs / c.cpuMsPerStep).toFixed(2)}x ` +
        `(>1 = compiled faster)`,
    );
  }
  const json = arg("json", "");
  if (json) writeFileSync(json, JSON.stringify({ backend: used.name, compiled: results, torch: torchRes }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
