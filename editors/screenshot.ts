// The screenshot in docs/editor.md: a bundled spec with one misspelt call, highlighted by the extension's TextMate
// grammar (vscode-textmate, as VS Code tokenises), with the diagnostic and a hover that the real `ganc lsp` answered
// (over its stdio, through test/lsp/client.ts), laid out like VS Code's dark editor and rendered by Debian's
// chromium through playwright-core. No VS Code runs here: the picture shows the server's real answers and the real
// grammar's scopes, drawn by this page.
//
//   npx tsx editors/screenshot.ts [--chromium /usr/bin/chromium] [-o docs/images/editor.png]
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as onigModule from "vscode-oniguruma";
import * as textmateModule from "vscode-textmate";
import { chromium } from "playwright-core";
import { DidOpenTextDocumentNotification, HoverRequest, type Diagnostic, type Hover, type MarkupContent } from "vscode-languageserver-protocol";
import { ROOT, startClient, uriOf } from "../test/lsp/client.ts";

const arg = (k: string, d: string) => {
  const i = process.argv.indexOf(k);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : d;
};
// CommonJS packages: under tsx their exports sit on `default`
const oniguruma = ((onigModule as { default?: typeof onigModule }).default ?? onigModule) as typeof onigModule;
const textmate = ((textmateModule as { default?: typeof textmateModule }).default ?? textmateModule) as typeof textmateModule;
const OUT = join(ROOT, arg("-o", "docs/images/editor.png"));
const CHROMIUM = arg("--chromium", "/usr/bin/chromium");

// VS Code's Dark+ colours for the grammar's scopes (the longest matching prefix wins)
const COLOURS: [string, string][] = [
  ["comment", "#6a9955"], ["string", "#ce9178"], ["constant.numeric", "#b5cea8"], ["constant.language", "#569cd6"],
  ["keyword.operator", "#d4d4d4"], ["keyword", "#c586c0"], ["storage.type", "#569cd6"], ["entity.name.type", "#4ec9b0"],
  ["entity.name.function", "#dcdcaa"], ["entity.name.namespace", "#4ec9b0"], ["variable", "#9cdcfe"],
];
const colour = (scopes: string[]) => {
  for (let i = scopes.length - 1; i >= 0; i--) for (const [p, c] of COLOURS) if (scopes[i]!.startsWith(p)) return c;
  return "#d4d4d4";
};
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

async function loadGrammar(): Promise<textmateModule.IGrammar> {
  const wasm = readFileSync(join(ROOT, "node_modules/vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const file = join(ROOT, "editors/vscode/syntaxes/gan.tmLanguage.json");
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) => (scope === "source.gan" ? textmate.parseRawGrammar(readFileSync(file, "utf8"), file) : null),
  });
  return (await registry.loadGrammar("source.gan"))!;
}

async function main() {
  const path = "specs/vanilla_gan.gan";
  const text = readFileSync(join(ROOT, path), "utf8").replace("loss g_loss = E[z] -log_sigmoid", "loss g_loss = E[z] -log_sigmod");
  const lines = text.split("\n");
  const first = lines.findIndex((l) => l.startsWith("} else {"));
  const last = lines.findIndex((l) => l.startsWith("update g_step")) + 1;
  const client = await startClient();
  const uri = uriOf("specs/vanilla_gan_typo.gan");
  await client.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "gan", version: 1, text } });
  const { diagnostics } = await client.diagnostics(uri, 1);
  const hoverLine = lines.findIndex((l) => l.startsWith("update d_step"));
  const hoverChar = lines[hoverLine]!.indexOf("adam(") + 1;
  const hover = (await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: hoverLine, character: hoverChar } })) as Hover | null;
  await client.close();
  if (diagnostics.length === 0 || !hover) throw new Error("the server gave no diagnostic or no hover");

  const grammar = await loadGrammar();
  let stack = textmate.INITIAL;
  const rows: string[] = [];
  lines.forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    if (i < first || i > last) return;
    const squiggles = diagnostics.filter((d: Diagnostic) => d.range.start.line === i);
    let html = "";
    for (const t of r.tokens) {
      const s = line.slice(t.startIndex, t.endIndex);
      const bad = squiggles.some((d) => t.startIndex < d.range.end.character && t.endIndex > d.range.start.character);
      html += `<span style="color:${colour(t.scopes)}"${bad ? ' class="err"' : ""}>${esc(s)}</span>`;
    }
    rows.push(`<div class="row"><span class="ln">${i + 1}</span><span class="code">${html || " "}</span></div>`);
    for (const d of squiggles)
      rows.push(`<div class="peek"><b>${esc(String(d.code ?? ""))}</b> ${esc(d.message).replace(/\n/g, "<br>")} <span class="src">ganc</span></div>`);
    if (i === hoverLine) {
      const md = ((hover.contents as MarkupContent).value ?? String(hover.contents)).trim();
      rows.push(`<div class="hover" style="margin-left:${5 + hoverChar}ch">${esc(md).replace(/```\w*\n?/g, "").replace(/\*\*(.+?)\*\*/g, "<b>$1</b>").replace(/`([^`]+)`/g, "<code>$1</code>").trim().replace(/\n+/g, "<br>")}</div>`);
    }
  });
  const page = `<!doctype html><meta charset="utf-8"><style>
    body { margin: 0; background: #1e1e1e; font: 14px/20px "DejaVu Sans Mono", monospace; color: #d4d4d4; }
    .bar { background: #2d2d2d; color: #ccc; padding: 6px 12px; font-family: sans-serif; font-size: 13px; }
    .row { white-space: pre; } .ln { display: inline-block; width: 4ch; color: #858585; text-align: right; margin-right: 2ch; }
    .err { text-decoration: underline wavy #f14c4c; text-underline-offset: 3px; }
    .peek { margin: 2px 0 6px 6ch; padding: 6px 10px; border-left: 3px solid #f14c4c; background: #252526; white-space: normal; max-width: 110ch; }
    .hover { margin: 2px 0 6px; padding: 6px 10px; border: 1px solid #454545; background: #252526; white-space: normal; max-width: 90ch; }
    .src { color: #858585; } code { color: #dcdcaa; }
  </style><div class="bar">vanilla_gan.gan — highlighted by editors/vscode/syntaxes/gan.tmLanguage.json; diagnostic and hover from ganc lsp</div>
  <div style="padding: 8px 0">${rows.join("\n")}</div>`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const tab = await browser.newPage({ viewport: { width: 1100, height: 400 }, deviceScaleFactor: 1 });
  await tab.setContent(page);
  mkdirSync(dirname(OUT), { recursive: true });
  await tab.screenshot({ path: OUT, fullPage: true });
  await browser.close();
  console.log(`wrote ${OUT} (${diagnostics.length} diagnostic(s), hover at ${hoverLine + 1}:${hoverChar + 1})`);
}

main().catch((e) => {
  console.error(String(e?.stack ?? e));
  process.exit(1);
});
