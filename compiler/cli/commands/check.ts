// STUB: replaced by the owner of `ganc check` (see docs/architecture.md, "Ownership").
import type { Command } from "@commander-js/extra-typings";

export function registerCheck(program: Command): void {
  program.command("check").description("(not implemented yet)").action(() => {
    console.error("ganc check: not implemented yet");
    process.exit(2);
  });
}
