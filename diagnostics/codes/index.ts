// The catalog of every diagnostic code. docs/diagnostics.md is generated from it, and a test checks that every
// code has at least one case in the bad-spec corpus (test/bad/).
// Ranges: E01xx syntax, E02xx names, E03xx types and shapes, E04xx game, E05xx params and compile-time values,
// E060x plugins, E061x run time (data loaded, run directories, sample counts), E07xx CLI / files; W-codes are warnings.
import { syntaxCodes } from "./syntax.ts";
import { semanticCodes } from "./semantic.ts";
import { pluginCodes } from "./plugin.ts";
import { cliCodes } from "./cli.ts";
import { runCodes } from "./run.ts";

export interface CodeInfo {
  code: string;
  title: string;
  /** A minimal bad spec (or spec fragment) that triggers it. */
  example: string;
  /** How to fix it. */
  fix: string;
}

export const allCodes: readonly CodeInfo[] = [...syntaxCodes, ...semanticCodes, ...pluginCodes, ...runCodes, ...cliCodes];

/** Every catalogued code, as a type: `Diagnostic.code` is one of these, so a mistyped code fails tsc. */
export type DiagnosticCode = (typeof syntaxCodes | typeof semanticCodes | typeof pluginCodes | typeof runCodes | typeof cliCodes)[number]["code"];
