// CLI / file diagnostic codes (E07xx), reported by compiler/cli.
import type { CodeInfo } from "./index.ts";

export const cliCodes: CodeInfo[] = [
  {
    code: "E0701",
    title: "cannot read file",
    example: "ganc check does_not_exist.gan",
    fix: "Check the path and the file's permissions.",
  },
  {
    code: "E0798",
    title: "the emitter cannot lower an IR construct",
    example: "(none for a checked spec: the checker rejects what the emitter cannot lower; a bug in ganc otherwise)",
    fix: "Report it with the spec that triggered it; the diagnostic points at the spec line of the value.",
  },
];
