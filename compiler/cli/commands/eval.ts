// `ganc eval RUNDIR [--json] [--backend b]`: rebuild the trained program from the latest checkpoint and run the
// spec's evaluate metrics (table on stdout, or JSON {step, metrics, files}). The metrics draw from streams derived
// from the run seed and the step (runtime/train/evaluate.ts evalRng), so they equal the numbers training recorded
// for that step in evals.jsonl / summary.json. Pictures and metrics.json go to RUNDIR/eval/step-N/; training's own
// samples/ and plots/ are never touched.
import type { Command } from "@commander-js/extra-typings";
import { Option } from "@commander-js/extra-typings";
import { TFJS_BACKENDS } from "./train.ts";
import { runDirCommand, runUserCommand, stdio, type Io } from "../run-command.ts";

export async function runEval(
  runDir: string,
  o: { json?: boolean; backend: (typeof TFJS_BACKENDS)[number] },
  io: Io,
): Promise<number> {
  return runUserCommand(io, async () => {
    const { metricsTable } = await import("../../../runtime/train/format.ts");
    const { loadRun } = await import("../../../runtime/train/rundir.ts");
    const { evaluateProgram } = await import("../../../runtime/train/evaluate.ts");
    const run = await loadRun(runDir, { backend: o.backend });
    if (run.program.meta.evaluate.metrics.length === 0) io.err("note: the spec has no evaluate block\n");
    const { writeFileAtomic } = await import("../../../runtime/report/atomic.ts");
    const { join } = await import("node:path");
    const outDir = join("eval", `step-${run.step}`);
    const r = await evaluateProgram(run.program, { runDir, step: run.step, seed: run.seed, outDir });
    const metricsFile = join(outDir, "metrics.json");
    writeFileAtomic(join(runDir, metricsFile), JSON.stringify({ step: r.step, metrics: r.metrics }, null, 2) + "\n");
    r.files.push(metricsFile);
    if (o.json) io.out(JSON.stringify(r, null, 2) + "\n");
    else io.out(metricsTable(r.metrics, `${run.program.meta.model}: evaluation at step ${run.step}`));
    return 0;
  }, () => ({ runDir }));
}

export function registerEval(program: Command): void {
  runDirCommand(program, "eval", "run the spec's evaluate metrics on a trained run (latest checkpoint); files go to RUNDIR/eval/step-N/")
    .option("--json", "print JSON instead of a table")
    .addOption(new Option("--backend <name>", "compute backend").choices(TFJS_BACKENDS).default("wasm" as const))
    .action(async (runDir, o) => {
      process.exitCode = await runEval(runDir, o, stdio);
    });
}
