// STUB: replaced by the owner of `ganc fmt` (see docs/architecture.md, "Ownership").
import type { Command } from "@commander-js/extra-typings";

export function registerFmt(program: Command): void {
  program.command("fmt").description("(not implemented yet)").action(() => {
    console.error("ganc fmt: not implemented yet");
    process.exit(2);
  });
}
