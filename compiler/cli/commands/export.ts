// `ganc export RUNDIR --format onnx|safetensors [-o FILE] [--batch N]` (issue 18): a trained run in a standard
// format. onnx: the generator (and the PCM head, FILE.head.onnx) as inference models with the latest checkpoint's
// weights embedded (runtime/export/onnx.ts documents the inputs and outputs); safetensors: every parameter and
// moving statistic of the latest checkpoint by store name (runtime/export/safetensors.ts). docs/training.md §Export.
import type { Command } from "@commander-js/extra-typings";
import { Option } from "@commander-js/extra-typings";
import { join } from "node:path";
import { parsePositiveInt } from "./train.ts";
import { runDirCommand, runUserCommand, stdio, type Io } from "../run-command.ts";

export const EXPORT_FORMATS = ["onnx", "safetensors"] as const;

export interface ExportCliOptions {
  format: (typeof EXPORT_FORMATS)[number];
  output?: string;
  batch?: number;
}

export async function runExport(runDir: string, o: ExportCliOptions, io: Io): Promise<number> {
  return runUserCommand(io, async () => {
    if (o.format === "onnx") {
      const { exportOnnx } = await import("../../../runtime/export/onnx.ts");
      const models = await exportOnnx(runDir, { output: o.output, batch: o.batch });
      for (const m of models) {
        const sig = (xs: { onnx: string; dtype: string; shape: number[] }[]) => xs.map((x) => `${x.onnx}: ${x.dtype}[${x.shape.join(", ")}]`).join(", ");
        io.err(`${m.role} ${m.network}: (${sig(m.inputs)}) -> (${sig(m.outputs)})\n`);
        io.out(`${m.file}\n`);
      }
      return 0;
    }
    if (o.batch !== undefined) io.err("note: --batch applies to --format onnx only; ignored\n");
    const { readRunArtifacts } = await import("../../../runtime/export/onnx.ts");
    const { checkpointSafetensors } = await import("../../../runtime/export/safetensors.ts");
    const { writeFileAtomic, makeDirs } = await import("../../../runtime/report/atomic.ts");
    const { dirname } = await import("node:path");
    const a = await readRunArtifacts(runDir);
    const file = o.output ?? join(runDir, "export", `${a.ir.model.name}.safetensors`);
    makeDirs(dirname(file));
    writeFileAtomic(file, checkpointSafetensors(a.checkpoint, { model: a.ir.model.name, spec: a.specFile }));
    io.out(`${file}\n`);
    return 0;
  }, () => ({ runDir }));
}

export function registerExport(program: Command): void {
  runDirCommand(program, "export", "export a trained run: the generator (and PCM head) as ONNX, or the weights as safetensors")
    .addOption(new Option("--format <format>", "output format").choices(EXPORT_FORMATS).default("onnx" as const))
    .option("-o, --output <file>", "output file (default RUNDIR/export/<model>.onnx | .safetensors; the head goes to <file>.head.onnx)")
    .option("--batch <n>", "onnx: the models' batch size (static; default 64)", parsePositiveInt)
    .action(async (runDir, o) => {
      process.exitCode = await runExport(runDir, o, stdio);
    });
}
