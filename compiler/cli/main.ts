// The ganc command line. It only wires phases together; each command lives in commands/<name>.ts and exports
// `register(program)`. Exit codes: 0 ok, 1 errors in the input (diagnostics, failed training), 2 usage errors.
import { Command } from "@commander-js/extra-typings";
import { readFileSync } from "node:fs";
// Commands are loaded lazily: `ganc check` must not pay for loading TensorFlow.js and the emitter. When argv names
// one command only that module is imported; help, --version and unknown commands load them all.
type Register = (program: Command) => void;
const commandModules: Record<string, () => Promise<Register>> = {
  check: async () => (await import("./commands/check.ts")).registerCheck as unknown as Register,
  fmt: async () => (await import("./commands/fmt.ts")).registerFmt as unknown as Register,
  compile: async () => (await import("./commands/compile.ts")).registerCompile as unknown as Register,
  train: async () => (await import("./commands/train.ts")).registerTrain as unknown as Register,
  sample: async () => (await import("./commands/sample.ts")).registerSample as unknown as Register,
  eval: async () => (await import("./commands/eval.ts")).registerEval as unknown as Register,
  assign: async () => (await import("./commands/assign.ts")).registerAssign as unknown as Register,
  list: async () => (await import("./commands/list.ts")).registerList as unknown as Register,
  lsp: async () => (await import("./commands/lsp.ts")).registerLsp as unknown as Register,
  export: async () => (await import("./commands/export.ts")).registerExport as unknown as Register,
  sweep: async () => (await import("./commands/sweep.ts")).registerSweep as unknown as Register,
  view: async () => (await import("./commands/view.ts")).registerView as unknown as Register,
  report: async () => (await import("./commands/report.ts")).registerReport as unknown as Register,
};

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command()
    .name("ganc")
    .description("Compiler for .gan adversarial-model specs: check, format, compile to TypeScript, train, evaluate")
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();
  const requested = argv[2];
  const names = requested !== undefined && requested in commandModules ? [requested] : Object.keys(commandModules);
  for (const name of names) (await commandModules[name]!())(program);
  return program;
}

/** Under bin/ganc.js: the launcher's IPC channel closes when the launcher dies (even by SIGKILL, which it cannot
 * forward); stop as on SIGTERM (training writes a checkpoint and exits) rather than run on as an orphan. The channel
 * is unref'd so it never keeps the CLI alive. */
function watchLauncher(): void {
  if (process.env.GANC_LAUNCHER_IPC !== "1" || !process.channel) return;
  process.channel.unref();
  process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
}

async function main(): Promise<void> {
  watchLauncher();
  const program = await buildProgram(process.argv);
  try {
    await program.parseAsync(process.argv);
  } catch (err: unknown) {
    const e = err as { code?: string; exitCode?: number };
    // `ganc` with no command prints the help as an error (commander's exitCode 1): a usage error, exit 2
    if (e.code === "commander.help" && e.exitCode) process.exit(2);
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
