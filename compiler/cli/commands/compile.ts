// STUB: replaced by the owner of `ganc compile` (see docs/architecture.md, "Ownership").
import type { Command } from "@commander-js/extra-typings";

export function registerCompile(program: Command): void {
  program.command("compile").description("(not implemented yet)").action(() => {
    console.error("ganc compile: not implemented yet");
    process.exit(2);
  });
}
