// Clean-up passes on the step IR. Each is a pure function StepGraph -> StepGraph (the argument is not modified) and
// keeps the graph verifiable: dense SSA ids, inputs and outputs renumbered, no unused nodes left behind.
//
//   dce(g)            dead-code elimination: keep what the outputs need (and every input: inputs are the graph's
//                     interface to the host, so an unused one stays)
//   cse(g)            common-subexpression elimination: a node equal to an earlier one (same op, arguments, attrs,
//                     type; arguments of commutative ops in any order; consts by value) is replaced by it
//   foldConstants(g, {maxElements}) evaluate nodes whose arguments are all consts with the interpreter's kernels;
//                     results stay consts when every element is equal (stored as one number) or there are at most
//                     maxElements (default 4096) of them and all are finite; then DCE
//   optimize(g)       foldConstants, cse, dce
import type { StepAttr, StepGraph, StepOp, StepValue } from "../step/ir.ts";
import { InterpError, evalNode, type Tensor } from "../step/interp.ts";

/** Keep the nodes marked in `keep`, sending each argument through `alias` (old id -> old id of its replacement)
 * first; ids are renumbered densely in order. */
function rebuild(g: StepGraph, keep: boolean[], alias: number[] = g.values.map((_, i) => i)): StepGraph {
  const newId = new Array<number>(g.values.length).fill(-1);
  const values: StepValue[] = [];
  g.values.forEach((v, i) => {
    if (!keep[i]) return;
    newId[i] = values.length;
    values.push({ ...v, id: values.length, args: v.args.map((a) => newId[alias[a]!]!), attrs: { ...v.attrs } });
  });
  const map = (id: number) => {
    const m = newId[alias[id]!]!;
    if (m < 0) throw new Error(`step-opt: %${id} is needed but was removed`);
    return m;
  };
  return {
    name: g.name,
    values,
    inputs: g.inputs.map((x) => ({ ...x, id: map(x.id) })),
    outputs: g.outputs.map((o) => ({ ...o, id: map(o.id) })),
  };
}

export function dce(g: StepGraph): StepGraph {
  const live = new Array<boolean>(g.values.length).fill(false);
  for (const o of g.outputs) live[o.id] = true;
  for (const x of g.inputs) live[x.id] = true;
  for (let i = g.values.length - 1; i >= 0; i--) if (live[i]) for (const a of g.values[i]!.args) live[a] = true;
  return rebuild(g, live);
}

const COMMUTATIVE: ReadonlySet<StepOp> = new Set<StepOp>(["add", "mul", "maximum", "minimum", "eq", "and", "or"]);

/** JSON with sorted keys, so attrs built in a different order still compare equal */
function stable(a: Record<string, StepAttr>): string {
  return JSON.stringify(Object.keys(a).sort().map((k) => [k, a[k]]));
}

export function cse(g: StepGraph): StepGraph {
  const seen = new Map<string, number>();
  const alias = g.values.map((_, i) => i);
  const keep = g.values.map(() => true);
  for (const v of g.values) {
    if (v.op === "input") continue;
    const args = v.args.map((a) => alias[a]!);
    if (COMMUTATIVE.has(v.op)) args.sort((x, y) => x - y);
    const key = `${v.op}|${args.join(",")}|${stable(v.attrs)}|${v.dtype}[${v.shape.join(",")}]`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, v.id);
    else {
      alias[v.id] = first;
      keep[v.id] = false;
    }
  }
  return rebuild(g, keep, alias);
}

export function foldConstants(g: StepGraph, opts: { maxElements?: number } = {}): StepGraph {
  const max = opts.maxElements ?? 4096;
  const vals: (Tensor | null)[] = [];
  const values = g.values.map((v) => {
    if (v.op === "const") {
      const t = evalNode(v, []);
      vals.push(t);
      return v;
    }
    if (v.op === "input" || v.args.some((a) => vals[a] === null)) {
      vals.push(null);
      return v;
    }
    let t: Tensor;
    try {
      t = evalNode(v, v.args.map((a) => vals[a]!));
    } catch (e) {
      // e.g. a constant gather out of range: leave it to the backend to report at run time
      if (!(e instanceof InterpError)) throw e;
      vals.push(null);
      return v;
    }
    const first = t.data[0];
    const uniform = t.data.every((x) => Object.is(x, first));
    const finite = t.data.every(Number.isFinite);
    if (!finite || (!uniform && t.data.length > max)) {
      vals.push(null);
      return v;
    }
    vals.push(t);
    const value: number | number[] = uniform && t.data.length > 0 ? first! : Array.from(t.data);
    const folded: StepValue = { ...v, op: "const", args: [], attrs: { value } };
    return folded;
  });
  return dce({ ...g, values });
}

export function optimize(g: StepGraph): StepGraph {
  return dce(cse(foldConstants(g)));
}
