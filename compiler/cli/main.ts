// The ganc command line. It only wires phases together; each command lives in commands/<name>.ts and exports
// `register(program)`. Exit codes: 0 ok, 1 errors in the input (diagnostics, failed training), 2 usage errors.
import { Command } from "@commander-js/extra-typings";
import { readFileSync } from "node:fs";
import { registerCheck } from "./commands/check.ts";
import { registerFmt } from "./commands/fmt.ts";
import { registerCompile } from "./commands/compile.ts";
import { registerTrain } from "./commands/train.ts";
import { registerSample } from "./commands/sample.ts";
import { registerEval } from "./commands/eval.ts";
import { registerAssign } from "./commands/assign.ts";
import { registerList } from "./commands/list.ts";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

export function buildProgram(): Command {
  const program = new Command()
    .name("ganc")
    .description("Compiler for .gan adversarial-model specs: check, format, compile to TypeScript, train, evaluate")
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();
  registerCheck(program);
  registerFmt(program);
  registerCompile(program);
  registerTrain(program);
  registerSample(program);
  registerEval(program);
  registerAssign(program);
  registerList(program);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err: unknown) {
    const e = err as { code?: string; exitCode?: number };
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") {
      process.exit(0);
    }
    if (typeof e.code === "string" && e.code.startsWith("commander.")) process.exit(2);
    // Anything else is a bug in ganc, not in the user's input: say so without a raw stack unless asked.
    console.error(`ganc: internal error: ${(err as Error)?.message ?? String(err)}`);
    if (process.env.GANC_DEBUG) console.error((err as Error)?.stack);
    process.exit(70);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("compiler/cli/main.ts")) {
  void main();
}
