// The step-IR verifier, run after lowering and after every pass (a failure is a compiler bug).
//
//   verify(g: StepGraph): string[]      every problem found, [] when the graph is well formed
//
// Checks: ids are positions (dense SSA), every argument refers to an earlier node, arity, every computed node's
// shape and dtype equal what OPS[op].infer gives for its arguments (input and const nodes carry their own), const
// values fit their shapes, the inputs list and the input nodes agree one to one, outputs refer to existing nodes
// with unique names (an update output has the type of the input it replaces), and no non-input node is unused unless it is an output (run DCE first).
import { OPS, type InputKind, type StepGraph } from "./ir.ts";

const KINDS: readonly InputKind[] = ["param", "state", "data", "noise", "hyper"];
const ROLES = ["update", "log", "result"];
const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
const fmt = (s: number[]) => `[${s.join(",")}]`;

export function verify(g: StepGraph): string[] {
  const errs: string[] = [];
  const n = g.values.length;
  const used = new Array<boolean>(n).fill(false);

  g.values.forEach((v, i) => {
    const at = `%${i} ${v.op}`;
    if (v.id !== i) errs.push(`${at}: id is ${v.id}, expected its position ${i}`);
    if (!(v.op in OPS)) return void errs.push(`${at}: unknown op`);
    if (!v.shape.every((d) => Number.isInteger(d) && d >= 0)) errs.push(`${at}: bad shape ${fmt(v.shape)}`);
    const rule = OPS[v.op];
    if (rule.arity >= 0 ? v.args.length !== rule.arity : v.args.length === 0)
      errs.push(`${at}: ${v.args.length} argument(s), the op takes ${rule.arity < 0 ? "one or more" : rule.arity}`);
    let argsOk = true;
    for (const a of v.args) {
      if (!Number.isInteger(a) || a < 0 || a >= i) {
        errs.push(`${at}: argument %${a} is not an earlier node`);
        argsOk = false;
      } else used[a] = true;
    }
    if (v.op === "input") {
      if (typeof v.attrs.name !== "string") errs.push(`${at}: no name attr`);
      return;
    }
    if (v.op === "const") {
      const val = v.attrs.value;
      if (!(typeof val === "number" || (Array.isArray(val) && val.length === size(v.shape) && val.every((x) => typeof x === "number"))))
        errs.push(`${at}: value does not fit shape ${fmt(v.shape)}`);
      return;
    }
    if (!argsOk) return;
    try {
      const sig = rule.infer(v.args.map((a) => g.values[a]!), v.attrs);
      if (sig.dtype !== v.dtype || sig.shape.length !== v.shape.length || sig.shape.some((d, k) => d !== v.shape[k]))
        errs.push(`${at}: has ${v.dtype}${fmt(v.shape)}, its arguments give ${sig.dtype}${fmt(sig.shape)}`);
    } catch (e) {
      errs.push(`${at}: ${(e as Error).message}`);
    }
  });

  // inputs list <-> input nodes
  const listed = new Set<number>();
  const names = new Set<string>();
  for (const inp of g.inputs) {
    const v = g.values[inp.id];
    if (!v || v.op !== "input") errs.push(`input ${inp.name}: %${inp.id} is not an input node`);
    else if (v.attrs.name !== inp.name) errs.push(`input ${inp.name}: node %${inp.id} is named ${String(v.attrs.name)}`);
    if (!KINDS.includes(inp.kind)) errs.push(`input ${inp.name}: unknown kind ${inp.kind}`);
    if (listed.has(inp.id)) errs.push(`input %${inp.id} listed twice`);
    if (names.has(inp.name)) errs.push(`two inputs named ${inp.name}`);
    listed.add(inp.id);
    names.add(inp.name);
  }
  g.values.forEach((v, i) => {
    if (v.op === "input" && !listed.has(i)) errs.push(`%${i} input ${String(v.attrs.name)}: not in the inputs list`);
  });

  const outNames = new Set<string>();
  for (const o of g.outputs) {
    if (!Number.isInteger(o.id) || o.id < 0 || o.id >= n) errs.push(`output ${o.name}: no node %${o.id}`);
    else {
      used[o.id] = true;
      if (o.role === "update") {
        // a new value of the input of the same name: the host swaps it in, so it must have that input's type
        const inp = g.inputs.find((x) => x.name === o.name);
        const v = g.values[o.id]!, w = inp && g.values[inp.id];
        if (!w) errs.push(`output ${o.name}: an update of no input`);
        else if (v.dtype !== w.dtype || fmt(v.shape) !== fmt(w.shape))
          errs.push(`output ${o.name}: ${v.dtype}${fmt(v.shape)} updates an input of ${w.dtype}${fmt(w.shape)}`);
      }
    }
    if (outNames.has(o.name)) errs.push(`two outputs named ${o.name}`);
    if (!ROLES.includes(o.role)) errs.push(`output ${o.name}: unknown role ${o.role}`);
    outNames.add(o.name);
  }

  g.values.forEach((v, i) => {
    if (!used[i] && v.op !== "input") errs.push(`%${i} ${v.op}: unused (neither an argument nor an output)`);
  });
  return errs;
}
