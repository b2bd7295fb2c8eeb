// STUB: replaced by the owner of `ganc eval` (see docs/architecture.md, "Ownership").
import type { Command } from "@commander-js/extra-typings";

export function registerEval(program: Command): void {
  program.command("eval").description("(not implemented yet)").action(() => {
    console.error("ganc eval: not implemented yet");
    process.exit(2);
  });
}
