// STUB: replaced by the owner of `ganc assign` (see docs/architecture.md, "Ownership").
import type { Command } from "@commander-js/extra-typings";

export function registerAssign(program: Command): void {
  program.command("assign").description("(not implemented yet)").action(() => {
    console.error("ganc assign: not implemented yet");
    process.exit(2);
  });
}
