// Parser for plugin signature strings (grammar in runtime/plugin.ts). It produces the checker's own Signature
// (compiler/check/signatures.ts), so plugin primitives go through the same overload resolution, hints and docs as
// the built-ins. Pure: returns the Signature or an error with the 0-based column in the string, so the loader can
// point at the exact character.

import { parsePattern } from "../check/patterns.ts";
import type { SigParam, Signature } from "../check/signatures.ts";
import type { Json } from "../ir/ir.ts";

export interface ParsedSignature extends Signature {
  /** the string as written (shown in diagnostics) */
  text: string;
}
export interface SignatureError {
  message: string;
  /** 0-based offset into the signature string */
  column: number;
}

// Option types: the language's lower-case compile-time types; lists map to the table's "reals" / "ints".
const OPTION_KINDS: Record<string, SigParam["kind"]> = { real: "real", int: "int", bool: "bool", string: "string" };
export const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Tok = { t: "id" | "num" | "str" | "p"; v: string; at: number };

function lex(s: string): Tok[] | SignatureError {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = s.slice(i);
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^\.\.\.[A-Za-z_][A-Za-z0-9_]*/))) out.push({ t: "id", v: m[0], at: i });
    else if ((m = rest.match(/^[A-Za-z_][A-Za-z0-9_]*/))) out.push({ t: "id", v: m[0], at: i });
    else if ((m = rest.match(/^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/))) out.push({ t: "num", v: m[0], at: i });
    else if ((m = rest.match(/^"([^"\\]|\\.)*"/))) out.push({ t: "str", v: m[0], at: i });
    else if (rest.startsWith("->")) out.push({ t: "p", v: "->", at: i });
    else if ("()[],:=".includes(c)) out.push({ t: "p", v: c, at: i });
    else return { message: `unexpected character '${c}'`, column: i };
    i += out[out.length - 1].v.length;
  }
  return out;
}

class Fail {
  constructor(readonly err: SignatureError) {}
}

type ParsedType =
  | { kind: "tensor"; text: string; batched: boolean; at: number }
  | { kind: "option"; type: SigParam["kind"] }
  // a network of the spec, passed by name and called by the implementation; `appliedTo` names a tensor param
  | { kind: "network"; appliedTo?: { name: string; at: number } };

export function parseSignature(text: unknown): ParsedSignature | SignatureError {
  if (typeof text !== "string") return { message: `a signature must be a string, got ${typeof text}`, column: 0 };
  const toks = lex(text);
  if (!Array.isArray(toks)) return toks;
  let k = 0;
  const end = text.length;
  const peek = (): Tok | undefined => toks[k];
  const fail = (message: string, at?: number): never => {
    throw new Fail({ message, column: at ?? peek()?.at ?? end });
  };
  const what = (t: Tok | undefined) => (t ? `'${t.v}'` : "end of signature");
  const isP = (v: string) => peek()?.t === "p" && peek()?.v === v;
  const expectP = (v: string) => {
    if (!isP(v)) fail(`expected '${v}', found ${what(peek())}`);
    k++;
  };

  const parseType = (): ParsedType => {
    const t = peek();
    if (!t || t.t !== "id") return fail(`expected a type, found ${what(t)}`);
    k++;
    if (t.v === "network") {
      if (!isP("(")) return { kind: "network" };
      k++;
      const a = peek();
      if (!a || a.t !== "id" || !IDENT_RE.test(a.v)) return fail(`expected the name of a tensor parameter in network(...), found ${what(a)}`);
      k++;
      expectP(")");
      return { kind: "network", appliedTo: { name: a.v, at: a.at } };
    }
    if (t.v in OPTION_KINDS) {
      if (isP("[")) {
        k++;
        expectP("]");
        if (t.v !== "real" && t.v !== "int") fail(`only real[] and int[] lists are supported, not ${t.v}[]`, t.at);
        return { kind: "option", type: t.v === "real" ? "reals" : "ints" };
      }
      return { kind: "option", type: OPTION_KINDS[t.v] };
    }
    let batched = false;
    let base = t;
    if (t.v === "batch") {
      batched = true;
      const b = peek();
      if (!b || b.t !== "id") return fail(`expected a tensor type after 'batch', found ${what(b)}`);
      base = b;
      k++;
    }
    // Collect the pattern's text and let the checker's own pattern parser judge it.
    let pat = base.v;
    if (isP("[")) {
      k++;
      const dims: string[] = [];
      while (!isP("]")) {
        const d = peek();
        if (d?.t === "num" && /^\d+$/.test(d.v)) dims.push(d.v);
        else if (d?.t === "id") dims.push(d.v);
        else fail(`expected a dimension (an integer, a name or ...name), found ${what(d)}`);
        k++;
        if (isP(",")) k++;
        else if (!isP("]")) fail(`expected ',' or ']', found ${what(peek())}`);
      }
      k++;
      pat += `[${dims.join(", ")}]`;
    }
    const checked = parsePattern(pat);
    if (typeof checked === "string") {
      const known = ["Real", "Logit", "Prob", "Simplex", "Index", "Image", ...Object.keys(OPTION_KINDS)].join(", ");
      fail(/unknown type/.test(checked) ? `unknown type '${base.v}' (expected one of: ${known})` : checked, base.at);
    }
    return { kind: "tensor", text: pat, batched, at: t.at };
  };

  const parseDefault = (type: SigParam["kind"]): Json => {
    const t = peek();
    if (type === "reals" || type === "ints") {
      expectP("[");
      const xs: number[] = [];
      while (!isP("]")) {
        const n = peek();
        if (n?.t !== "num" || (type === "ints" && !/^-?\d+$/.test(n.v)))
          fail(`expected ${type === "ints" ? "an int" : "a number"} in the default list, found ${what(n)}`);
        xs.push(Number(n!.v));
        k++;
        if (isP(",")) k++;
        else if (!isP("]")) fail(`expected ',' or ']', found ${what(peek())}`);
      }
      k++;
      return xs;
    }
    if (type === "real" && t?.t === "num") return k++, Number(t.v);
    if (type === "int" && t?.t === "num" && /^-?\d+$/.test(t.v)) return k++, Number(t.v);
    if (type === "bool" && t?.t === "id" && (t.v === "true" || t.v === "false")) return k++, t.v === "true";
    if (type === "string" && t?.t === "str") return k++, JSON.parse(t.v) as string;
    return fail(`default ${what(t)} is not a ${type}`);
  };

  try {
    expectP("(");
    const params: SigParam[] = [];
    const seen = new Set<string>();
    let sawOption = false;
    while (!isP(")")) {
      const n = peek();
      if (!n || n.t !== "id" || !IDENT_RE.test(n.v)) fail(`expected a parameter name, found ${what(n)}`);
      if (seen.has(n!.v)) fail(`duplicate parameter '${n!.v}'`, n!.at);
      seen.add(n!.v);
      k++;
      expectP(":");
      const type = parseType();
      let p: SigParam;
      if (type.kind === "tensor") {
        if (type.batched) fail("'batch' only qualifies the result type (a per-example result)", type.at);
        p = { name: n!.v, kind: "tensor", type: type.text };
        // Tensors are positional, options named: tensors first keeps positional calls unambiguous.
        if (sawOption) fail(`tensor parameter '${p.name}' must come before the option parameters`, n!.at);
        if (isP("=")) fail(`tensor parameter '${p.name}' cannot have a default`);
      } else if (type.kind === "network") {
        // passed by name like an option (after the tensors), but always required: there is no default network
        sawOption = true;
        p = { name: n!.v, kind: "network" };
        if (type.appliedTo) {
          const target = params.find((q) => q.name === type.appliedTo!.name);
          if (!target || target.kind !== "tensor")
            fail(`network(${type.appliedTo.name}): '${type.appliedTo.name}' is not a tensor parameter before '${p.name}'`, type.appliedTo.at);
          p.appliedTo = type.appliedTo.name;
        }
        if (isP("=")) fail(`network parameter '${p.name}' cannot have a default`);
        if (params.some((q) => q.default !== undefined))
          fail(`network '${p.name}' follows an option with a default (a network is always required)`, n!.at);
      } else {
        sawOption = true;
        p = { name: n!.v, kind: type.type };
        if (isP("=")) {
          k++;
          p.default = parseDefault(type.type);
        } else if (params.some((q) => q.default !== undefined))
          fail(`option '${p.name}' without a default follows one with a default`, n!.at);
      }
      params.push(p);
      if (isP(",")) k++;
      else if (!isP(")")) fail(`expected ',' or ')', found ${what(peek())}`);
    }
    k++;
    expectP("->");
    const ret = parseType();
    if (ret.kind !== "tensor") return fail(`the result must be a tensor type (Real, Logit, ...), not ${ret.kind === "network" ? "a network" : "an option type"}`, toks[k - 1].at);
    if (k < toks.length) fail(`unexpected ${what(peek())} after the result type`);
    if (!params.some((p) => p.kind === "tensor")) fail("a loss primitive needs at least one tensor parameter", 0);
    // Every dim name of the result must be bound by a parameter, or the checker could not compute its shape.
    const names = (pat: string) => (pat.match(/[A-Za-z_.][A-Za-z0-9_.]*/g) ?? []).slice(1);
    const bound = new Set(params.flatMap((p) => (p.kind === "tensor" ? names(p.type!) : [])));
    for (const d of names(ret.text))
      if (!bound.has(d)) fail(`result dimension '${d}' does not appear in any parameter`, ret.at);
    return { text, params, returns: ret.text, batch: ret.batched ? "keep" : "reduce" };
  } catch (e) {
    if (e instanceof Fail) return e.err;
    throw e;
  }
}

export function isSignatureError(x: ParsedSignature | SignatureError): x is SignatureError {
  return (x as ParsedSignature).params === undefined;
}
