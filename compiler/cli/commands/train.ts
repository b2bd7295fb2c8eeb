// STUB: replaced by the owner of `ganc train` (see docs/architecture.md, "Ownership").
import type { Command } from "@commander-js/extra-typings";

export function registerTrain(program: Command): void {
  program.command("train").description("(not implemented yet)").action(() => {
    console.error("ganc train: not implemented yet");
    process.exit(2);
  });
}
