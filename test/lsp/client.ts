// A real LSP client for the tests: spawns `node --import tsx compiler/cli/main.ts lsp` and talks JSON-RPC over
// its stdio with vscode-languageserver-protocol, the library VS Code's own client is built on.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createProtocolConnection,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

export interface Client {
  conn: ProtocolConnection;
  child: ChildProcess;
  /** milliseconds from sending `initialize` (right after spawning the process) to its answer */
  initializeMs: number;
  initialize: InitializeResult;
  /** the stderr of the server so far (its log) */
  stderr: () => string;
  /** resolves with the next diagnostics published for `uri` (with `version`, when given) */
  diagnostics: (uri: string, version?: number) => Promise<PublishDiagnosticsParams>;
  close: () => Promise<void>;
}

export const uriOf = (path: string) => pathToFileURL(join(ROOT, path)).href;

export async function startClient(args: string[] = ["--debounce", "50"]): Promise<Client> {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "compiler/cli/main.ts"), "lsp", "--stdio", ...args], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  // diagnostics can arrive before a test asks for them: keep every notification, hand them out in order
  const seen: PublishDiagnosticsParams[] = [];
  const waiters: { uri: string; version?: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    const i = waiters.findIndex((w) => w.uri === p.uri && (w.version === undefined || w.version === p.version));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(p);
    else seen.push(p);
  });
  conn.listen();
  const t0 = performance.now();
  const initialize = await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(ROOT).href, capabilities: {}, workspaceFolders: null });
  const initializeMs = performance.now() - t0;
  await conn.sendNotification(InitializedNotification.type, {});
  return {
    conn,
    child,
    initializeMs,
    initialize,
    stderr: () => err,
    diagnostics: (uri, version) => {
      const i = seen.findIndex((p) => p.uri === uri && (version === undefined || p.version === version));
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no diagnostics for ${uri} v${version}; server log:\n${err}`)), 20_000);
        waiters.push({ uri, version, resolve: (p) => (clearTimeout(t), resolve(p)) });
      });
    },
    close: async () => {
      try {
        await conn.sendRequest("shutdown");
        await conn.sendNotification("exit");
      } catch {
        // already gone
      }
      conn.dispose();
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
    },
  };
}
