// Tensor type patterns used by the signature table: "Real[...s]", "Simplex[...s, K]", "Index[K]", "Logit", "Real".
// A pattern binds symbolic dims (K) and dim lists (...s) while matching argument types; the return pattern is then
// instantiated with those bindings. Plugins declare their loss signatures with the same strings.
import type { TensorType } from "../ir/ir.ts";

export type PatternDim = { kind: "num"; value: number } | { kind: "sym"; name: string } | { kind: "rest"; name: string };

export interface TypePattern {
  /** Real, Logit, Prob, Simplex, Index, Image */
  base: "Real" | "Logit" | "Prob" | "Simplex" | "Index" | "Image";
  dims: PatternDim[];
  text: string;
}

const BASES = new Set(["Real", "Logit", "Prob", "Simplex", "Index", "Image"]);

const cache = new Map<string, TypePattern | string>();

/** Parse a pattern; returns an error message for malformed text (plugins may declare bad ones). */
export function parsePattern(text: string): TypePattern | string {
  let r = cache.get(text);
  if (r === undefined) {
    r = parseUncached(text);
    cache.set(text, r);
  }
  return r;
}

function parseUncached(text: string): TypePattern | string {
  const m = /^\s*([A-Za-z]+)\s*(?:\[(.*)\])?\s*$/.exec(text);
  if (!m) return `malformed type pattern "${text}"`;
  const base = m[1];
  if (!BASES.has(base)) return `unknown type "${base}" in pattern "${text}" (expected ${[...BASES].join(", ")})`;
  const dims: PatternDim[] = [];
  if (m[2] !== undefined) {
    const parts = m[2].split(",").map((p) => p.trim());
    let rest = 0;
    for (const p of parts) {
      if (/^\d+$/.test(p)) dims.push({ kind: "num", value: Number(p) });
      else if (/^\.\.\.[A-Za-z_]\w*$/.test(p)) {
        rest++;
        dims.push({ kind: "rest", name: p.slice(3) });
      } else if (/^[A-Za-z_]\w*$/.test(p)) dims.push({ kind: "sym", name: p });
      else return `malformed dim "${p}" in pattern "${text}"`;
    }
    if (rest > 1) return `at most one "...name" per pattern: "${text}"`;
  }
  return { base: base as TypePattern["base"], dims, text };
}

export interface Bindings {
  syms: Map<string, number>;
  rests: Map<string, number[]>;
}

export function newBindings(): Bindings {
  return { syms: new Map(), rests: new Map() };
}

export function showShape(shape: number[]): string {
  return `[${shape.join(", ")}]`;
}

export function showType(t: TensorType): string {
  const b = t.batched ? "" : " (whole-batch)";
  if (t.elem === "bool") return `Bool${t.shape.length ? showShape(t.shape) : ""}${b}`;
  switch (t.tag) {
    case "logit":
      return `Logit${t.shape.length ? showShape(t.shape) : ""}${b}`;
    case "prob":
      return `Prob${t.shape.length ? showShape(t.shape) : ""}${b}`;
    case "simplex":
      return `Simplex${showShape(t.shape)}${b}`;
    case "index":
      return `Index[${t.classes ?? "?"}]${t.shape.length ? " " + showShape(t.shape) : ""}${b}`;
    case "image":
      return `Image${showShape(t.shape)}${b}`;
  }
  if (t.elem === "int") return `Int${t.shape.length ? showShape(t.shape) : ""}${b}`;
  return `Real${t.shape.length ? showShape(t.shape) : ""}${b}`;
}

/** Match a type against a pattern, extending `b`. Returns null on success or the reason it fails. */
export function unify(p: TypePattern, t: TensorType, b: Bindings): string | null {
  if (p.base === "Index") {
    if (t.elem !== "int") return `expected ${p.text}, got ${showType(t)}`;
  } else if (t.elem !== "real") return `expected ${p.text}, got ${showType(t)}`;
  if (p.base === "Simplex" && t.tag !== "simplex") return `expected ${p.text} (a probability vector), got ${showType(t)}`;
  // A pattern without brackets is a per-example scalar, except Index[K] whose shape is [] too.
  const dims = p.dims;
  if (p.base === "Index") {
    const want = dims[0];
    if (want && t.classes !== undefined) {
      if (!bindDim(want, t.classes, b)) return `expected ${p.text}, got Index[${t.classes}]`;
    }
    return t.shape.length === 0 ? null : `expected ${p.text}, got ${showType(t)}`;
  }
  const restIdx = dims.findIndex((d) => d.kind === "rest");
  if (restIdx < 0) {
    if (dims.length !== t.shape.length) return `expected ${p.text}, got ${showType(t)}`;
    for (let i = 0; i < dims.length; i++)
      if (!bindDim(dims[i], t.shape[i], b)) return `expected ${p.text}, got ${showType(t)}`;
    return null;
  }
  const before = dims.slice(0, restIdx);
  const after = dims.slice(restIdx + 1);
  if (t.shape.length < before.length + after.length) return `expected ${p.text}, got ${showType(t)}`;
  for (let i = 0; i < before.length; i++)
    if (!bindDim(before[i], t.shape[i], b)) return `expected ${p.text}, got ${showType(t)}`;
  for (let i = 0; i < after.length; i++)
    if (!bindDim(after[i], t.shape[t.shape.length - after.length + i], b))
      return `expected ${p.text}, got ${showType(t)}`;
  const rest = t.shape.slice(before.length, t.shape.length - after.length);
  const r = dims[restIdx] as { kind: "rest"; name: string };
  const prev = b.rests.get(r.name);
  if (prev && showShape(prev) !== showShape(rest))
    return `expected ${p.text} with ...${r.name} = ${showShape(prev)}, got ${showType(t)}`;
  b.rests.set(r.name, rest);
  return null;
}

function bindDim(d: PatternDim, n: number, b: Bindings): boolean {
  if (d.kind === "num") return d.value === n;
  if (d.kind === "sym") {
    const prev = b.syms.get(d.name);
    if (prev !== undefined) return prev === n;
    b.syms.set(d.name, n);
    return true;
  }
  return false;
}

/** Instantiate a return pattern; unbound names are an error string. */
export function instantiate(p: TypePattern, b: Bindings, batched: boolean): TensorType | string {
  const shape: number[] = [];
  for (const d of p.dims) {
    if (d.kind === "num") shape.push(d.value);
    else if (d.kind === "sym") {
      const v = b.syms.get(d.name);
      if (v === undefined) return `return pattern "${p.text}" uses unbound dim ${d.name}`;
      shape.push(v);
    } else {
      const v = b.rests.get(d.name);
      if (v === undefined) return `return pattern "${p.text}" uses unbound ...${d.name}`;
      shape.push(...v);
    }
  }
  switch (p.base) {
    case "Index": {
      const k = shape[0];
      return { elem: "int", shape: [], batched, tag: "index", ...(k !== undefined ? { classes: k } : {}) };
    }
    case "Simplex":
      return { elem: "real", shape, batched, tag: "simplex", classes: shape[shape.length - 1] };
    case "Logit":
      return { elem: "real", shape, batched, tag: "logit" };
    case "Prob":
      return { elem: "real", shape, batched, tag: "prob" };
    case "Image":
      return { elem: "real", shape, batched, tag: "image" };
    default:
      return { elem: "real", shape, batched };
  }
}
