// Readable text dump of a step graph (`--emit step-ir`, golden files). One node per line, stable:
//
//   graph d_step: 12 values, 3 inputs, 2 outputs
//     %0 = input x                            f32[4,3]      data
//     %3 = matmul %0, %1                      f32[4,5]      mlp.gan:3  # h
//     %9 = sum %8 {axes: null, keepdims: false}  f32[]      mlp.gan:4  (grad)
//     output loss:adv = %9  (log)
//
//   printGraph(g: StepGraph, opts?: { specFile?: string }): string    (ends with a newline)
//   printValue(v: StepValue, opts?): string                           one node's line, without the indent
//
// Columns: the instruction padded to 40, the type padded to 14, then where it came from (the input kind for inputs,
// `file:line` of the span otherwise, `-` for compiler-made nodes), `(grad)` on backward nodes, `# name` last.
// `specFile` replaces the file part of every span (default: the span file's base name).
import { basename } from "node:path";
import type { StepAttr, StepGraph, StepValue } from "./ir.ts";

export interface PrintOptions {
  specFile?: string;
}

const MAX_LIST = 6;

function num(x: number): string {
  return Object.is(x, -0) ? "-0" : String(x);
}

function attr(a: StepAttr): string {
  if (a === null) return "null";
  if (Array.isArray(a)) {
    const shown = a.slice(0, MAX_LIST).map(num);
    return a.length > MAX_LIST ? `[${shown.join(", ")}, ... ${a.length} values]` : `[${shown.join(", ")}]`;
  }
  if (typeof a === "number") return num(a);
  if (typeof a === "string") return /^[\w.:-]+$/.test(a) ? a : JSON.stringify(a);
  return String(a);
}

export function typeString(v: Pick<StepValue, "dtype" | "shape">): string {
  return `${v.dtype}[${v.shape.join(",")}]`;
}

export function printValue(v: StepValue, opts: PrintOptions = {}, kind?: string): string {
  let ins: string;
  if (v.op === "input") ins = `input ${attr(v.attrs.name ?? null)}`;
  else if (v.op === "const") ins = `const ${attr(v.attrs.value ?? null)}`;
  else {
    const attrs = Object.entries(v.attrs).filter(([, x]) => x !== undefined);
    ins = `${v.op} ${v.args.map((a) => `%${a}`).join(", ")}`;
    if (attrs.length) ins += ` {${attrs.map(([k, x]) => `${k}: ${attr(x)}`).join(", ")}}`;
  }
  const where = v.op === "input" ? (kind ?? "?") : v.span ? `${opts.specFile ? basename(opts.specFile) : basename(v.span.file)}:${v.span.start.line}` : "-";
  let line = `${`%${v.id} = ${ins}`.padEnd(40)}  ${typeString(v).padEnd(14)}  ${where}`;
  if (v.grad) line += "  (grad)";
  if (v.name && v.op !== "input") line += `  # ${v.name}`;
  return line;
}

export function printGraph(g: StepGraph, opts: PrintOptions = {}): string {
  const kinds = new Map(g.inputs.map((i) => [i.id, i.kind]));
  const lines = [`graph ${g.name}: ${g.values.length} values, ${g.inputs.length} inputs, ${g.outputs.length} outputs`];
  for (const v of g.values) lines.push(`  ${printValue(v, opts, kinds.get(v.id))}`);
  for (const o of g.outputs) lines.push(`  output ${o.name} = %${o.id}  (${o.role})`);
  return lines.map((l) => l.trimEnd()).join("\n") + "\n";
}
