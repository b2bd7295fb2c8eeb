// Safe names and text for generated code. Spec-derived names become identifiers only after validation; spec text
// reaches the output only as JSON string literals or sanitised one-line comments.

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** JS/TS reserved and strict-mode words, plus globals a generated module must not shadow. */
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "as implements interface let package private protected public static yield any boolean constructor declare get " +
    "module require number set string symbol type from of async await arguments eval undefined NaN Infinity " +
    "globalThis process console Object Array Number String Boolean Math JSON Promise Error Symbol Record never " +
    "unknown object keyof readonly infer is asserts satisfies accessor out abstract override"
  ).split(" "),
);

export function isIdentifier(name: string): boolean {
  return IDENT.test(name);
}

/** A valid spec identifier as a TS identifier: reserved words get a trailing `_`. Invalid names return null. */
export function safeIdent(name: string): string | null {
  if (!isIdentifier(name)) return null;
  return RESERVED.has(name) ? `${name}_` : name;
}

/** Anything (e.g. a layer id "D/dense_0") as an identifier fragment: non-identifier characters become `_`. */
export function identFragment(text: string): string {
  const s = text.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/** One line of comment text: no line breaks, no comment terminators, bounded length. */
export function commentText(text: string, max = 160): string {
  let s = text.replace(/[\r\n\u2028\u2029\u0085\v\f]+/g, " ").replace(/\*\//g, "* /").replace(/\/\*/g, "/ *");
  // other control characters are dropped
  s = s.replace(/[\u0000-\u001f\u007f]/g, "");
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** A string literal for generated code. JSON.stringify escapes quotes, backslashes and control characters; the
 * two line separators it leaves raw are escaped too, so the literal is valid on any JS/TS parser. */
export function str(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A property key for an object literal in generated code. `"__proto__": v` in a literal sets the prototype
 * instead of defining a key, so that one name is written as a computed key (`["__proto__"]: v`), which defines an
 * own property like every other name. */
export function key(name: string): string {
  return name === "__proto__" ? `[${str(name)}]` : str(name);
}

/** Names of Object.prototype members (and `__proto__`): as keys of a plain object they read or set inherited
 * members instead of own entries. */
const PROTO_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), "__proto__"]);

/** Whether a spec name is an Object.prototype member name (`constructor`, `toString`, `__proto__`, ...). */
export function isProtoName(name: string): boolean {
  return PROTO_NAMES.has(name);
}

/** An empty record keyed by spec names in generated code: `{}`, or a null-prototype object when one of `names`
 * is an Object.prototype member name, so that `r[name] = v` always defines an own property (even `__proto__`) and
 * no lookup reads an inherited member. Ordinary specs keep the plain `{}`. */
export function emptyRecord(names: Iterable<string>): string {
  for (const n of names) if (isProtoName(n)) return "Object.create(null)";
  return "{}";
}

/** Any JSON value as a literal expression (numbers that JSON cannot write are spelled out). */
export function lit(v: unknown): string {
  if (typeof v === "number") return num(v);
  if (typeof v === "string") return str(v);
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map(lit).join(", ")}]`;
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${key(k)}: ${lit(x)}`);
    return `{ ${entries.join(", ")} }`;
  }
  return "null";
}

export function num(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

/** Hands out unique identifiers within one scope; names taken by an outer scope are avoided too. */
export class Namer {
  private readonly used: Set<string>;
  constructor(taken: Iterable<string> = [], private readonly parent?: Namer) {
    this.used = new Set(taken);
  }
  has(name: string): boolean {
    return this.used.has(name) || (this.parent?.has(name) ?? false);
  }
  /** `base` if free, else base_2, base_3, ... `base` must already be an identifier. */
  fresh(base: string): string {
    let b = RESERVED.has(base) ? `${base}_` : base;
    if (!isIdentifier(b)) b = identFragment(b);
    let name = b;
    for (let i = 2; this.has(name); i++) name = `${b}_${i}`;
    this.used.add(name);
    return name;
  }
  child(taken: Iterable<string> = []): Namer {
    return new Namer(taken, this);
  }
}
