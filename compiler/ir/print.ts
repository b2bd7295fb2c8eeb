// Stable JSON for `ganc check --dump ir` and the IR golden files: keys in declaration order, 2-space indent,
// arrays of plain numbers/strings on one line, and spans as "file:line:col-line:col" to keep goldens small.
import type { Span } from "../../diagnostics/diagnostic.ts";
import type { IRProgram } from "./ir.ts";

export function spanString(s: Span): string {
  return `${s.file}:${s.start.line}:${s.start.column}-${s.end.line}:${s.end.column}`;
}

function isSpan(v: unknown): v is Span {
  if (!v || typeof v !== "object") return false;
  const o = v as Record<string, unknown>;
  return typeof o.file === "string" && typeof o.start === "object" && typeof o.end === "object" && Object.keys(o).length === 3;
}

function print(v: unknown, indent: string): string {
  if (isSpan(v)) return JSON.stringify(spanString(v));
  if (v === undefined) return "null";
  if (v === null || typeof v !== "object") {
    if (typeof v === "number" && !Number.isFinite(v)) return "null";
    return JSON.stringify(v);
  }
  const inner = indent + "  ";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    if (v.every((x) => x === null || typeof x !== "object")) return `[${v.map((x) => print(x, inner)).join(", ")}]`;
    return `[\n${v.map((x) => inner + print(x, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  // small flat objects (types, attrs, inits) on one line
  const flat = entries.every(([, x]) => x === null || typeof x !== "object" || isSpan(x) || (Array.isArray(x) && x.every((y) => y === null || typeof y !== "object")));
  if (flat) {
    const line = `{${entries.map(([k, x]) => `${JSON.stringify(k)}: ${print(x, inner)}`).join(", ")}}`;
    if (line.length + indent.length <= 120) return line;
  }
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${print(x, inner)}`).join(",\n")}\n${indent}}`;
}

export function printIR(ir: IRProgram): string {
  return print(ir, "") + "\n";
}

/** Same layout for any JSON-like value (ASTs, diagnostics). */
export function printJson(v: unknown): string {
  return print(v, "") + "\n";
}
