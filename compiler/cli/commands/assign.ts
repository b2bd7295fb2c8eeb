// `ganc assign RUNDIR --data FILE.csv|fashion_mnist [-o out.csv] [--backend b]`: mixture responsibilities of the
// PCM head for each row (CSV: k = argmax, p0..pK-1). With labelled data (fashion_mnist; a CSV `label` column is not
// assumed) the clustering accuracy and NMI go to stderr. Errors when the spec has no head.
import type { Command } from "@commander-js/extra-typings";
import { Option } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import { TFJS_BACKENDS } from "./train.ts";
import { runDirCommand, runUserCommand, stdio, type Io } from "../run-command.ts";

export async function runAssign(
  runDir: string,
  o: { data: string; output?: string; backend: (typeof TFJS_BACKENDS)[number] },
  io: Io,
): Promise<number> {
  // errors about the --data file point at no spec line: it is not the spec's data declaration
  let readingOwnData = false;
  return runUserCommand(io, async () => {
    const { loadRun } = await import("../../../runtime/train/rundir.ts");
    const { assignResponsibilities } = await import("../../../runtime/train/evaluate.ts");
    const { loadData } = await import("../../../runtime/data/index.ts");
    const { createRng } = await import("../../../runtime/rng.ts");
    const { writeFileAtomic } = await import("../../../runtime/report/atomic.ts");
    const { GancRuntimeError } = await import("../../../runtime/errors.ts");
    const { clusterAccuracy, nmi } = await import("../../../runtime/metrics/clustering.ts");
    const run = await loadRun(runDir, { backend: o.backend });
    const { program } = run;
    if (!program.assign)
      throw new GancRuntimeError(`model ${program.meta.model} has no PCM head, so there are no responsibilities to compute`, {
        code: "no-head",
        hint: "declare a `head C(x) -> Simplex[K]` in the spec (see specs/pcm_gan.gan)",
      });
    const ctx = { rng: createRng(0), baseDir: process.cwd() };
    readingOwnData = true;
    const ds =
      o.data === "fashion_mnist"
        ? await loadData("fashion_mnist", { split: "test" }, ctx)
        : await loadData("csv", { path: resolve(o.data) }, ctx);
    const x = ds.columns[0]!;
    const want = program.meta.sampleSpace.shape;
    const per = want.reduce((a, b) => a * b, 1);
    const have = x.shape.reduce((a, b) => a * b, 1);
    if (have !== per)
      throw new GancRuntimeError(`${o.data}: rows have ${have} values, the model's ${program.meta.sampleSpace.name} has ${per} ([${want}])`, {
        code: "data-format",
      });
    const { r, k } = await assignResponsibilities(program, { ...x, shape: want }, ds.n);
    const lines = [["k", ...Array.from({ length: k }, (_, j) => `p${j}`)].join(",")];
    const pred: number[] = [];
    for (let i = 0; i < ds.n; i++) {
      const row = r.subarray(i * k, (i + 1) * k);
      let b = 0;
      for (let j = 1; j < k; j++) if (row[j]! > row[b]!) b = j;
      pred.push(b);
      lines.push([b, ...Array.from(row, (v) => v.toPrecision(6))].join(","));
    }
    const text = lines.join("\n") + "\n";
    if (o.output) {
      writeFileAtomic(o.output, text);
      io.err(`wrote ${ds.n} rows to ${o.output}\n`);
    } else io.out(text);
    const y = ds.columns.find((c) => c.dtype === "int32");
    if (y) {
      const truth = Array.from(y.data.subarray(0, ds.n));
      io.err(`cluster accuracy ${clusterAccuracy(pred, truth).accuracy.toFixed(4)}, NMI ${nmi(pred, truth).toFixed(4)} against the data's labels\n`);
    }
    return 0;
  }, () => (readingOwnData ? null : { runDir }));
}

export function registerAssign(program: Command): void {
  runDirCommand(program, "assign", "mixture responsibilities of a trained PCM head for each data row (CSV)")
    .requiredOption("--data <source>", "a numeric CSV file, or fashion_mnist (its test split)")
    .option("-o, --output <file>", "write the CSV here instead of stdout")
    .addOption(new Option("--backend <name>", "compute backend").choices(TFJS_BACKENDS).default("wasm" as const))
    .action(async (runDir, o) => {
      process.exitCode = await runAssign(runDir, o, stdio);
    });
}
