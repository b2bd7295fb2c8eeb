// Start-up: a fresh `ganc lsp` process answers `initialize` with its capabilities. The time from spawning it to
// the answer is printed, not asserted (CI machines are shared); the server defers loading the compiler until after
// `initialize` (compiler/lsp/features.ts) so that this stays small.
import { expect, it } from "vitest";
import { startClient } from "./client.ts";

it("answers initialize with its capabilities (time printed)", async () => {
  const c = await startClient();
  try {
    console.log(`ganc lsp: initialize answered ${c.initializeMs.toFixed(0)} ms after spawning the server process`);
    expect(c.initialize.serverInfo?.name).toBe("ganc");
    const caps = c.initialize.capabilities;
    expect(caps.hoverProvider && caps.definitionProvider && caps.referencesProvider && caps.documentSymbolProvider).toBe(true);
    expect(caps.documentFormattingProvider).toBe(true);
    expect(caps.completionProvider).toBeTruthy();
    expect(caps.codeActionProvider).toBeTruthy();
    expect(caps.textDocumentSync).toMatchObject({ openClose: true, change: 2 });
  } finally {
    await c.close();
  }
  expect(c.child.exitCode).toBe(0);
});
