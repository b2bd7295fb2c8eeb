// `ganc lsp [--stdio]`: the language server for editors (compiler/lsp/), speaking LSP over stdin/stdout.
// `--stdio` is accepted because LSP clients (vscode-languageclient) pass it; stdio is the only transport.
import type { Command } from "@commander-js/extra-typings";

export function registerLsp(program: Command): void {
  program
    .command("lsp")
    .description("run the language server (LSP over stdio) for editors")
    .option("--stdio", "talk LSP over stdin/stdout (the default and only transport)")
    .option("--debounce <ms>", "quiet time after an edit before diagnostics are recomputed", (v) => Number(v), 200)
    .action(async (o) => {
      // loaded here so that the other commands never load vscode-languageserver
      const { serveStdio } = await import("../../lsp/server.ts");
      serveStdio({ debounceMs: Number.isFinite(o.debounce) && o.debounce >= 0 ? o.debounce : 200 });
    });
}
