// The VS Code client: starts `ganc lsp` (stdio) for .gan documents. The server does all the work; this file only
// finds the command: the `ganc.server.command` setting, else the workspace's own ganc (node_modules/.bin), else
// the ganc repository this folder sits in (editors/vscode/../..), else `npx ganc lsp`.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverCommand() {
  const configured = vscode.workspace.getConfiguration("ganc").get("server.command") ?? [];
  if (configured.length > 0) return { command: configured[0], args: configured.slice(1) };
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const bin = join(folder.uri.fsPath, "node_modules", ".bin", process.platform === "win32" ? "ganc.cmd" : "ganc");
    if (existsSync(bin)) return { command: bin, args: ["lsp"] };
  }
  // running from a checkout (`code --extensionDevelopmentPath editors/vscode`): that checkout's launcher
  const repoBin = join(__dirname, "..", "..", "bin", "ganc.js");
  if (existsSync(repoBin)) return { command: "node", args: [repoBin, "lsp"] };
  return { command: process.platform === "win32" ? "npx.cmd" : "npx", args: ["ganc", "lsp"] };
}

function activate(context) {
  const { command, args } = serverCommand();
  const run = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient(
    "ganc",
    "ganc language server",
    { run, debug: run },
    {
      documentSelector: [{ language: "gan" }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.gan") },
    },
  );
  context.subscriptions.push({ dispose: () => client?.stop() });
  return client.start();
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };
