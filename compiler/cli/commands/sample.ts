// STUB: replaced by the owner of `ganc sample` (see docs/architecture.md, "Ownership").
import type { Command } from "@commander-js/extra-typings";

export function registerSample(program: Command): void {
  program.command("sample").description("(not implemented yet)").action(() => {
    console.error("ganc sample: not implemented yet");
    process.exit(2);
  });
}
