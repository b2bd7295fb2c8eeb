// What an expression evaluates to inside the checker: a compile-time constant, a tensor value of the graph being
// built, a reference to a declaration, or a layer / distribution / initializer / ... value from the signature table.
import type { Span } from "../../diagnostics/diagnostic.ts";
import type {
  IRDist,
  IRGraph,
  IRInit,
  IROptimizer,
  IRValue,
  Json,
  OpName,
  TensorType,
} from "../ir/ir.ts";
import type { Signature, SignatureEntry } from "./signatures.ts";
import type { LrSchedule } from "../../runtime/optim/schedule.ts";

export type RefKind = "data" | "latent" | "weights" | "network" | "block" | "loss";

export interface BoundArg {
  val: Val;
  span: Span;
}

export type Val =
  | { k: "num"; v: number; isInt: boolean }
  | { k: "str"; v: string; /** enum members when the string came from an enum param or member */ members?: string[] }
  | { k: "bool"; v: boolean }
  | { k: "list"; items: Val[] }
  | { k: "tensor"; id: number; type: TensorType }
  | { k: "ref"; kind: RefKind; name: string }
  | { k: "prior"; latent: string; member: "means" | "scale" }
  /** a bare table name (`zeros`, `relu`, `flatten`): called with no args or applied, depending on where it is used */
  | { k: "entry"; entry: SignatureEntry }
  /** a layer / activation with its arguments bound, waiting for its input */
  | { k: "fn"; entry: SignatureEntry; sig: Signature; args: Map<string, BoundArg>; span: Span }
  | { k: "dist"; dist: IRDist; type: TensorType; learnable: string[] }
  | { k: "init"; init: IRInit }
  | { k: "priorSpec"; learn: boolean; init: IRInit | number | number[] } // a list: GaussianMixture weights
  | { k: "constraint"; kind: string; args: Record<string, Json> }
  | { k: "optimizer"; opt: IROptimizer }
  | { k: "schedule"; schedule: LrSchedule }
  | { k: "metric"; name: string; args: Record<string, Json> }
  | { k: "source"; name: string; args: Record<string, Json> }
  | { k: "error" };

export const ERR: Val = { k: "error" };

export function describe(v: Val): string {
  switch (v.k) {
    case "num":
      return v.isInt ? "an int" : "a real";
    case "str":
      return "a string";
    case "bool":
      return "a bool";
    case "list":
      return "a list";
    case "tensor":
      return "a tensor";
    case "ref":
      return `${v.kind} \`${v.name}\``;
    case "prior":
      return "a prior parameter";
    case "entry":
      return `${v.entry.category} \`${v.entry.name}\``;
    case "fn":
      return `${/^[aeiou]/.test(v.entry.category) ? "an" : "a"} ${v.entry.category} value`;
    case "dist":
      return "a distribution";
    case "init":
      return "an initializer";
    case "priorSpec":
      return "fixed(...)/learn(...)";
    case "constraint":
      return "a constraint";
    case "optimizer":
      return "an optimizer";
    case "schedule":
      return "a learning-rate schedule";
    case "metric":
      return "a metric";
    case "source":
      return "a data source";
    case "error":
      return "an erroneous value";
  }
}

/** Builds one SSA graph; identical pure ops are shared (a `let` or `G(z)` used twice is computed once). */
export class GraphBuilder {
  values: IRValue[] = [];
  private cse = new Map<string, number>();

  add(op: OpName, args: number[], attrs: Record<string, Json>, type: TensorType, span: Span | null, name?: string): Val {
    const key = JSON.stringify([op, args, attrs]);
    const hit = this.cse.get(key);
    if (hit !== undefined) return { k: "tensor", id: hit, type: this.values[hit].type };
    const id = this.values.length;
    const v: IRValue = { id, op, args, attrs, type, span };
    if (name !== undefined) v.name = name;
    this.values.push(v);
    this.cse.set(key, id);
    return { k: "tensor", id, type };
  }

  get(id: number): IRValue {
    return this.values[id];
  }

  /** Keep only what `output` needs, renumbered in order (failed branches and dead lets leave no trace). */
  finish(output: number): IRGraph {
    const live = new Set<number>();
    const stack = [output];
    while (stack.length) {
      const id = stack.pop()!;
      if (live.has(id)) continue;
      live.add(id);
      for (const a of this.values[id].args) stack.push(a);
    }
    const remap = new Map<number, number>();
    const out: IRValue[] = [];
    for (const v of this.values) {
      if (!live.has(v.id)) continue;
      const nv: IRValue = { ...v, id: out.length, args: v.args.map((a) => remap.get(a)!) };
      remap.set(v.id, nv.id);
      out.push(nv);
    }
    return { values: out, output: remap.get(output)! };
  }
}

export function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** numpy broadcasting of per-example shapes; null when incompatible */
export function broadcastShapes(a: number[], b: number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}
