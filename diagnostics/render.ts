// Rendering of diagnostics: rustc-style text with code frames, and stable JSON.
import { isCliFile, type Diagnostic, type Span } from "./diagnostic.ts";

export interface RenderOptions {
  color?: boolean;
  /** at most this many diagnostics of one file are shown (default 100, DEFAULT_MAX_PER_FILE); the rest of that file
   * are one note "N more diagnostics not shown". The summary line still counts them all. */
  maxPerFile?: number;
}

export const DEFAULT_MAX_PER_FILE = 100;

const ANSI = {
  reset: "\x1b[0m",
  bold: "\x1b[1m",
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  blue: "\x1b[34m",
  cyan: "\x1b[36m",
};

/** Diagnostics in a stable order: by file, then start offset, then code. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.start.offset - b.span.start.offset ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

const TAB = "    ";

/** Expand tabs so that carets line up; returns the expanded line and a column mapper (1-based, UTF-16). */
function expandTabs(line: string): { text: string; col: (c: number) => number } {
  const map: number[] = [];
  let out = "";
  for (let i = 0; i < line.length; i++) {
    map.push(out.length);
    out += line[i] === "\t" ? TAB : line[i];
  }
  map.push(out.length);
  return { text: out, col: (c) => map[Math.max(0, Math.min(c - 1, map.length - 1))] + 1 };
}

interface Painter {
  (style: keyof typeof ANSI | (keyof typeof ANSI)[], s: string): string;
}

/** the lines of each source, split once per render (splitting per diagnostic is quadratic in big files) */
type LineCache = Map<string, string[] | null>;

function frame(span: Span, sources: Map<string, string>, cache: LineCache, gutter: number, paint: Painter, caretStyle: keyof typeof ANSI): string[] {
  let lines = cache.get(span.file);
  if (lines === undefined) {
    const src = sources.get(span.file) ?? (isCliFile(span.file) ? span.file : undefined);
    cache.set(span.file, (lines = src === undefined ? null : splitLines(src)));
  }
  if (lines === null) return [];
  const ln = span.start.line;
  if (ln < 1 || ln > lines.length) return [];
  const raw = lines[ln - 1];
  const { text, col } = expandTabs(raw.length > 400 ? raw.slice(0, 400) : raw);
  const startCol = col(span.start.column);
  // Multi-line spans: caret to the end of the first line.
  const endCol = span.end.line === ln ? col(span.end.column) : text.length + 1;
  const width = Math.max(1, endCol - startCol);
  const pad = " ".repeat(gutter);
  const bar = paint(["blue", "bold"], "|");
  const out = [
    `${pad} ${bar}`,
    `${paint(["blue", "bold"], String(ln).padStart(gutter))} ${bar} ${text}`.trimEnd(),
    `${pad} ${bar} ${" ".repeat(startCol - 1)}${paint([caretStyle, "bold"], "^".repeat(width))}`,
  ];
  if (span.end.line > ln) out.push(`${pad} ${bar} ${paint("blue", `... (continues to line ${span.end.line})`)}`);
  return out;
}

function location(span: Span): string {
  if (isCliFile(span.file)) return `command line, column ${span.start.column}`;
  return `${span.file}:${span.start.line}:${span.start.column}`;
}

/** "dataset=fashion, arch=conv" */
export function variantText(v: Record<string, string>): string {
  return Object.entries(v)
    .map(([k, x]) => `${k}=${x}`)
    .join(", ");
}

export function renderDiagnostics(
  diags: readonly Diagnostic[],
  sources: Map<string, string>,
  opts: RenderOptions = {},
): string {
  const color = opts.color ?? false;
  const paint: Painter = (style, s) => {
    if (!color) return s;
    const st = Array.isArray(style) ? style : [style];
    return st.map((k) => ANSI[k]).join("") + s + ANSI.reset;
  };
  const sorted = sortDiagnostics(diags);
  const max = opts.maxPerFile ?? DEFAULT_MAX_PER_FILE;
  const cache: LineCache = new Map();
  const blocks: string[] = [];
  // sorted by file: count per run of one file, and note what the cap left out when the file's run ends
  let file: string | null = null;
  let shown = 0;
  let hidden = 0;
  const noteHidden = () => {
    if (hidden > 0)
      blocks.push(`${paint(["cyan", "bold"], "note")}: ${hidden} more diagnostic${hidden === 1 ? "" : "s"} not shown${file !== null && !isCliFile(file) ? ` in ${file}` : ""} (the first ${shown} are; \`ganc check --format json\` lists all)`);
  };
  for (const d of sorted) {
    if (d.span.file !== file) {
      noteHidden();
      file = d.span.file;
      shown = 0;
      hidden = 0;
    }
    if (shown >= max) {
      hidden++;
      continue;
    }
    shown++;
    const lineNums = [d.span.start.line, ...d.related.map((r) => r.span.start.line)];
    const gutter = Math.max(...lineNums.map((n) => String(n).length));
    const pad = " ".repeat(gutter);
    const sevStyle = d.severity === "error" ? "red" : d.severity === "warning" ? "yellow" : "cyan";
    const lines: string[] = [];
    lines.push(`${paint([sevStyle, "bold"], `${d.severity}[${d.code}]`)}${paint("bold", `: ${d.message}`)}`);
    lines.push(`${pad}${paint(["blue", "bold"], "-->")} ${location(d.span)}`);
    lines.push(...frame(d.span, sources, cache, gutter, paint, sevStyle));
    if (d.variant) lines.push(`${pad} ${paint(["blue", "bold"], "=")} ${paint("bold", "note")}: in the variant ${variantText(d.variant)}`);
    for (const h of d.hints) lines.push(`${pad} ${paint(["blue", "bold"], "=")} ${paint("bold", "hint")}: ${h}`);
    for (const r of d.related) {
      lines.push(`${paint(["cyan", "bold"], "note")}: ${r.message}`);
      lines.push(`${pad}${paint(["blue", "bold"], "-->")} ${location(r.span)}`);
      lines.push(...frame(r.span, sources, cache, gutter, paint, "cyan"));
    }
    blocks.push(lines.join("\n"));
  }
  noteHidden();
  const summary = summaryLine(sorted);
  if (summary) blocks.push(summary);
  return blocks.length ? blocks.join("\n\n") + "\n" : "";
}

/** "2 errors, 1 warning" (empty when there is nothing to report). */
export function summaryLine(diags: readonly Diagnostic[]): string {
  let e = 0;
  let w = 0;
  for (const d of diags) {
    if (d.severity === "error") e++;
    else if (d.severity === "warning") w++;
  }
  const parts: string[] = [];
  if (e) parts.push(`${e} error${e === 1 ? "" : "s"}`);
  if (w) parts.push(`${w} warning${w === 1 ? "" : "s"}`);
  return parts.join(", ");
}

function spanJson(s: Span) {
  return {
    file: s.file,
    start: { line: s.start.line, column: s.start.column, offset: s.start.offset },
    end: { line: s.end.line, column: s.end.column, offset: s.end.offset },
  };
}

/** Stable JSON (fixed key order, sorted diagnostics): an array of diagnostics. */
export function diagnosticsToJson(diags: readonly Diagnostic[]): string {
  const arr = sortDiagnostics(diags).map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    span: spanJson(d.span),
    hints: [...d.hints],
    related: d.related.map((r) => ({ message: r.message, span: spanJson(r.span) })),
    ...(d.variant ? { variant: { ...d.variant } } : {}),
  }));
  return JSON.stringify(arr, null, 2);
}
