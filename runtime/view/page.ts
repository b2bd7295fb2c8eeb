// The dashboard's HTML: one page shell used by both `ganc view` (scripts loaded from the server, data fetched live)
// and `ganc report` (vega, vega-lite, the page script, the data and every image inlined into one file that opens
// offline). vega and vega-lite come from node_modules (their UMD builds); nothing is fetched from a CDN.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ViewData } from "./data.ts";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The installed package's folder (its package.json is not in "exports", so walk up from its entry point). */
function packageDir(name: string): string {
  let d = dirname(require.resolve(name));
  for (;;) {
    const pj = join(d, "package.json");
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, "utf8")) as { name?: string }).name === name) return d;
    const up = dirname(d);
    if (up === d) throw new Error(`cannot find the ${name} package`);
    d = up;
  }
}

/** Files the page needs, by the name it asks for them. */
export function assetPath(name: string): string | null {
  switch (name) {
    case "vega.min.js":
      return join(packageDir("vega"), "build", "vega.min.js");
    case "vega-lite.min.js":
      return join(packageDir("vega-lite"), "build", "vega-lite.min.js");
    case "app.js":
      return join(here, "app.js");
    default:
      return null;
  }
}

function asset(name: string): string {
  return readFileSync(assetPath(name)!, "utf8");
}

const CSS = `
body { font: 14px/1.4 "DejaVu Sans", system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #263238; color: #eee; padding: 8px 16px; display: flex; gap: 16px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
#status { font-size: 12px; color: #b0bec5; }
#status .err { color: #ff8a80; }
main { padding: 8px 16px 32px; }
section { background: white; border: 1px solid #ddd; border-radius: 4px; margin: 12px 0; padding: 8px 12px; }
h2 { font-size: 15px; margin: 4px 0 8px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #eee; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.kv { white-space: nowrap; margin-right: 4px; }
.tag { font-size: 11px; background: #e3f2fd; border-radius: 3px; padding: 0 4px; }
.status.completed { color: #2e7d32; } .status.failed { color: #c62828; } .status.running { color: #1565c0; }
.status.interrupted, .status.killed, .status.stopped { color: #ef6c00; } .status.pending { color: #888; }
.errmsg { font-size: 11px; color: #c62828; max-width: 320px; white-space: pre-wrap; }
#warnings { background: #fff8e1; border-color: #ffcc80; }
#warnings ul { margin: 4px 0; padding-left: 20px; font-family: monospace; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { min-width: 300px; }
.none { color: #888; font-style: italic; }
.strip { display: flex; flex-wrap: wrap; gap: 4px; margin: 8px 0; }
.thumb { border: 2px solid transparent; background: none; padding: 0; cursor: pointer; text-align: center; font-size: 11px; }
.thumb.on { border-color: #1565c0; }
.thumb img { width: 64px; height: 64px; display: block; image-rendering: pixelated; }
figure { margin: 0; } figure img { max-width: 512px; width: 100%; border: 1px solid #ddd; }
.pair { display: flex; gap: 16px; margin: 8px 0; }
.side { flex: 1; max-width: 420px; } .side h3 { margin: 0; font-size: 14px; }
.cmp-img { width: 100%; max-width: 400px; border: 1px solid #ddd; }
#cmp-steps { margin-top: 8px; }
`;

function body(title: string): string {
  return `<header><h1>${escapeHtml(title)}</h1><span id="status">loading…</span></header>
<main>
<section id="warnings" hidden></section>
<section><h2>Runs</h2><div id="runs"></div></section>
<section><h2>Losses (selected runs)</h2><div id="losses" class="charts"></div></section>
<section><h2>Evaluation metrics (selected runs)</h2><div id="metrics" class="charts"></div></section>
<section><h2>Sample grids by step</h2><div id="samples"></div></section>
<section><h2>Compare two runs</h2><div id="compare"></div></section>
</main>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The page `ganc view` serves: scripts from the server, data from /api/data. */
export function livePage(title = "ganc view"): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
<script src="vendor/vega.min.js"></script>
<script src="vendor/vega-lite.min.js"></script>
</head><body>
${body(title)}
<script src="app.js"></script>
</body></html>
`;
}

/** Make text safe inside a <script> element. */
function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** One self-contained HTML file: the same page with its scripts, data and images (data: URLs) inlined. */
export function staticPage(data: ViewData, images: Record<string, Record<string, string>>, title = "ganc report"): string {
  // JSON inside a script: escape "<" so no "</script>" or "<!--" can end or alter it.
  const payload = JSON.stringify({ data, images }).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
<script>${scriptText(asset("vega.min.js"))}</script>
<script>${scriptText(asset("vega-lite.min.js"))}</script>
</head><body>
${body(title)}
<script>window.GANC_STATIC = ${payload};</script>
<script>${scriptText(asset("app.js"))}</script>
</body></html>
`;
}
