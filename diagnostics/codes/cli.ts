// CLI / file diagnostic codes (E07xx), reported by compiler/cli.
import type { CodeInfo } from "./index.ts";

export const cliCodes = [
  {
    code: "E0701",
    title: "cannot read file",
    example: "ganc check does_not_exist.gan",
    fix: "Check the path and the file's permissions.",
  },
  {
    code: "E0797",
    title: "not lowered to the step IR yet",
    example: "ganc compile specs/pcm_gan.gan --set dataset=fashion --emit step-ir   (conv2d layers are not lowered yet)",
    fix: "The step IR (ganc compile --emit step-ir) covers a growing subset of the language; the message names the construct and the caret its spec line. The tfjs trainer (`ganc compile`, `ganc train`) supports the whole language.",
  },
  {
    code: "E0798",
    title: "the emitter cannot lower an IR construct",
    example: "(none for a checked spec: the checker rejects what the emitter cannot lower; a bug in ganc otherwise)",
    fix: "Report it with the spec that triggered it; the diagnostic points at the spec line of the value.",
  },
] as const satisfies readonly CodeInfo[];
