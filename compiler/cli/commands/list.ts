// STUB: replaced by the owner of `ganc list` (see docs/architecture.md, "Ownership").
import type { Command } from "@commander-js/extra-typings";

export function registerList(program: Command): void {
  program.command("list").description("(not implemented yet)").action(() => {
    console.error("ganc list: not implemented yet");
    process.exit(2);
  });
}
