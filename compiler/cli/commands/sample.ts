// `ganc sample RUNDIR -n N [-o FILE] [--seed N] [--component k] [--csv] [--backend b]`: draw from a trained
// generator (latest checkpoint). Images -> a PNG grid, 2-D data -> a scatter PNG over the real data, --csv -> one row
// per sample. The latents come from --seed's stream, or without it from one derived from the run seed and the
// checkpoint step (runtime/train/evaluate.ts sampleRng): the same command gives the same samples.
import type { Command } from "@commander-js/extra-typings";
import { Option } from "@commander-js/extra-typings";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TFJS_BACKENDS, parsePositiveInt } from "./train.ts";
import { runDirCommand, runUserCommand, stdio, type Io } from "../run-command.ts";

export interface SampleCliOptions {
  n: number;
  output?: string;
  component?: number;
  /** seed of the sampling stream (default: derived from the run seed and the checkpoint step) */
  seed?: number;
  csv?: boolean;
  backend: (typeof TFJS_BACKENDS)[number];
}

export async function runSample(runDir: string, o: SampleCliOptions, io: Io): Promise<number> {
  if (!(o.n >= 1)) {
    io.err("error: -n must be at least 1\n");
    return 2;
  }
  return runUserCommand(io, async () => {
    const { loadRun } = await import("../../../runtime/train/rundir.ts");
    const { sampleLayout, sampleRng } = await import("../../../runtime/train/evaluate.ts");
    const { imageGrid, scatterPng, writePng } = await import("../../../runtime/report/png.ts");
    const { writeFileAtomic } = await import("../../../runtime/report/atomic.ts");
    const { GancRuntimeError } = await import("../../../runtime/errors.ts");
    // the count is judged before the run is loaded: -n 1e12 is refused at once, naming the limit (E0615)
    let module: import("../../../runtime/program.ts").ProgramModule | undefined;
    if (existsSync(join(runDir, "trainer.ts"))) {
      const { importTrainer } = await import("../../../runtime/train/rundir.ts");
      const { sampleCountProblem } = await import("../../../runtime/limits.ts");
      module = await importTrainer(join(runDir, "trainer.ts"));
      const d = module.meta.sampleSpace.shape.reduce((a, b) => a * b, 1);
      const p = sampleCountProblem(o.n, d, `ganc sample -n ${o.n}${o.csv ? " --csv" : ""}`, { csv: o.csv });
      if (p) throw new GancRuntimeError(p.message, { code: "sample-limit", hint: p.hint });
    }
    const run = await loadRun(runDir, { backend: o.backend, module });
    const { program } = run;
    const K = program.meta.components;
    if (o.component !== undefined && (K === null || o.component >= K))
      throw new GancRuntimeError(
        K === null
          ? "--component needs a generator with a GaussianMixture latent; this model has none"
          : `--component ${o.component} is out of range: the mixture has components 0..${K - 1}`,
        { code: "usage" },
      );
    const rng = sampleRng(run.seed, run.step, o.seed);
    const t = program.sample(o.n, o.component === undefined ? { rng } : { component: o.component, rng });
    const data = Float32Array.from(await t.data());
    t.dispose();
    const { d, image } = sampleLayout(program);
    if (o.csv) {
      const header = Array.from({ length: d }, (_, j) => `x${j}`).join(",");
      const rows: string[] = [header];
      for (let i = 0; i < o.n; i++) rows.push(Array.from(data.subarray(i * d, (i + 1) * d), (v) => String(v)).join(","));
      const text = rows.join("\n") + "\n";
      if (o.output) {
        writeFileAtomic(o.output, text);
        io.out(`${o.output}\n`);
      } else io.out(text);
      return 0;
    }
    const out = o.output ?? join(runDir, "samples", `sample-step-${run.step}${o.component !== undefined ? `-k${o.component}` : ""}${o.seed !== undefined ? `-seed${o.seed}` : ""}.png`);
    let png: Buffer;
    if (image) {
      const [h, w, c] = image;
      png = imageGrid(data, o.n, h, w, c, Math.ceil(Math.sqrt(o.n)));
    } else {
      const xcol = program.data.columns[program.meta.sampleSpace.column]!;
      const m = Math.min(program.data.n, o.n);
      const two = (src: ArrayLike<number>, rows: number) =>
        Float32Array.from({ length: rows * 2 }, (_, i) => (d > 1 || i % 2 === 0 ? src[Math.floor(i / 2) * d + (i % 2)]! : 0));
      png = scatterPng([
        { points: two(xcol.data, m), color: [170, 170, 170] },
        { points: two(data, o.n), color: [31, 119, 180] },
      ]);
    }
    writePng(out, png);
    io.out(`${out}\n`);
    return 0;
  }, () => ({ runDir }));
}

export function registerSample(program: Command): void {
  runDirCommand(program, "sample", "draw samples from a trained run (PNG grid / scatter, or CSV)")
    .requiredOption("-n, --n <count>", "number of samples", parsePositiveInt)
    .option("-o, --output <file>", "output file (default RUNDIR/samples/sample-step-<n>.png; CSV: stdout)")
    .option("--seed <n>", "seed of the sampling stream (default: derived from the run's seed and checkpoint step)", parsePositiveInt)
    .option("--component <k>", "draw from one component of the GaussianMixture latent only (0..K-1)", parsePositiveInt)
    .option("--csv", "write CSV instead of a PNG")
    .addOption(new Option("--backend <name>", "compute backend").choices(TFJS_BACKENDS).default("wasm" as const))
    .action(async (runDir, o) => {
      process.exitCode = await runSample(runDir, o, stdio);
    });
}
