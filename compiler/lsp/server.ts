// The language server: wires LSP requests to the analysis of each open document. Diagnostics are published on
// open and, debounced, after changes; requests use the analysis of the document's current version (made on
// demand when the debounce has not run yet). No request can take the server down: an exception inside one answers
// that request with an error (and is logged), and the server keeps serving.
import {
  createConnection,
  ErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from "vscode-languageserver/node.js";
import { TextDocument } from "vscode-languageserver-textdocument";
import { fileURLToPath } from "node:url";
import type { Readable, Writable } from "node:stream";
import type { Analysis } from "./analysis.ts";
import { spanToRange } from "./positions.ts";

type Features = typeof import("./features.ts");

export interface ServerOptions {
  /** milliseconds of quiet after a change before diagnostics are recomputed */
  debounceMs?: number;
}

/** The file name the compiler sees for a document: its path for file: URIs, the URI itself otherwise. */
export function fileOf(uri: string): string {
  try {
    return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
  } catch {
    return uri;
  }
}

export function startServer(input: Readable, output: Writable, opts: ServerOptions = {}): Connection {
  const debounceMs = opts.debounceMs ?? 200;
  const connection = createConnection(ProposedFeatures.all, input, output);
  const documents = new TextDocuments(TextDocument);
  const analyses = new Map<string, Promise<Analysis>>();
  const timers = new Map<string, NodeJS.Timeout>();
  // loaded once `initialize` is answered (or earlier, by the first thing that needs it)
  let loading: Promise<Features> | null = null;
  const features = () => (loading ??= import("./features.ts"));

  const analysisOf = (doc: TextDocument): Promise<Analysis> => {
    const have = analyses.get(doc.uri);
    const fresh = have?.then((a) => (a.version === doc.version ? a : null)) ?? Promise.resolve(null);
    const p = fresh.then(async (a) => a ?? (await features()).analyze(doc.getText(), fileOf(doc.uri), doc.version));
    analyses.set(doc.uri, p);
    return p;
  };

  const publish = async (uri: string) => {
    const doc = documents.get(uri);
    if (!doc) return;
    try {
      const a = await analysisOf(doc);
      // a newer version arrived while checking: its own publish will follow
      if (documents.get(uri)?.version !== a.version) return;
      const { toLsp } = await features();
      await connection.sendDiagnostics({ uri, version: a.version, diagnostics: a.diagnostics.map((d) => toLsp(d, a.file, uri)) });
    } catch (e) {
      connection.console.error(`ganc lsp: diagnostics for ${uri} failed: ${(e as Error)?.stack ?? String(e)}`);
    }
  };

  // onDidChangeContent also fires for the open itself, which publishes at once without the debounce
  const opening = new Set<string>();
  documents.onDidOpen((e) => {
    opening.add(e.document.uri);
    void publish(e.document.uri);
  });
  documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    if (opening.delete(uri)) return;
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => void publish(uri), debounceMs));
  });
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    opening.delete(e.document.uri);
    analyses.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  /** Run one request with its document's analysis; an exception becomes that request's error response. */
  function guard<P extends { textDocument: { uri: string } }, R>(name: string, f: (a: Analysis, doc: TextDocument, p: P, F: Features) => R | Promise<R>) {
    return async (p: P): Promise<R | null> => {
      try {
        const doc = documents.get(p.textDocument.uri);
        if (!doc) return null;
        return await f(await analysisOf(doc), doc, p, await features());
      } catch (e) {
        connection.console.error(`ganc lsp: ${name} failed: ${(e as Error)?.stack ?? String(e)}`);
        throw new ResponseError(ErrorCodes.InternalError, `ganc lsp: ${name} failed: ${(e as Error)?.message ?? String(e)}`);
      }
    };
  }

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        completionProvider: { triggerCharacters: ["(", ",", " ", "="] },
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: ["quickfix"] },
      },
      serverInfo: { name: "ganc", version: "0.1.0" },
    }),
  );

  connection.onInitialized(() => void features());
  connection.onHover(guard("hover", (a, doc, p, F) => F.hover(a, doc.offsetAt(p.position))));
  connection.onDefinition(
    guard("definition", (a, doc, p, F) => {
      const s = F.symbolAt(a.index, doc.offsetAt(p.position));
      if (!s) return null;
      return F.declsOf(a.index, s.key).map((d) => ({ uri: doc.uri, range: spanToRange(d.nameSpan) }));
    }),
  );
  connection.onReferences(
    guard("references", (a, doc, p, F) => {
      const s = F.symbolAt(a.index, doc.offsetAt(p.position));
      if (!s) return null;
      return F.occurrences(a.index, s.key, p.context.includeDeclaration).map((sp) => ({ uri: doc.uri, range: spanToRange(sp) }));
    }),
  );
  connection.onDocumentSymbol(guard("documentSymbol", (a, _d, _p, F) => F.documentSymbols(a.spec, a.text)));
  connection.onCompletion(guard("completion", (a, doc, p, F) => F.complete(a, doc.getText(), doc.offsetAt(p.position))));
  connection.onDocumentFormatting(
    guard("formatting", (_a, doc, _p, F) => {
      const text = doc.getText();
      const r = F.format(text, fileOf(doc.uri));
      // a document with syntax errors is left as it is: its diagnostics say why
      if (r.text === null || r.text === text) return [];
      return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, newText: r.text }];
    }),
  );
  connection.onCodeAction(guard("codeAction", (_a, doc, p, F) => F.quickFixes(doc, p)));

  documents.listen(connection);
  connection.listen();
  return connection;
}

/** `ganc lsp`: serve on stdin/stdout. stdout carries the protocol, so stray console.log output goes to stderr. */
export function serveStdio(opts: ServerOptions = {}): Connection {
  console.log = console.error;
  console.info = console.error;
  process.on("uncaughtException", (e) => console.error(`ganc lsp: uncaught: ${e?.stack ?? String(e)}`));
  process.on("unhandledRejection", (e) => console.error(`ganc lsp: unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));
  // vscode-languageserver exits on `exit`, and when the client closes our stdin
  return startServer(process.stdin, process.stdout, opts);
}
