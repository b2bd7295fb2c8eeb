// CLI / file diagnostic codes (E07xx), reported by compiler/cli.
import type { CodeInfo } from "./index.ts";

export const cliCodes: CodeInfo[] = [
  {
    code: "E0701",
    title: "cannot read file",
    example: "ganc check does_not_exist.gan",
    fix: "Check the path and the file's permissions.",
  },
];
