// Helpers shared by IR passes: rebuild a graph value by value (with insertions), then drop dead values.
import type { IRGraph, IRValue } from "../ir/ir.ts";

/** Ids of the values the output depends on (itself included); throws on an argument that is not in the graph. */
export function liveIds(g: IRGraph): Set<number> {
  const live = new Set<number>();
  const byId = new Map(g.values.map((v) => [v.id, v] as const));
  const stack = [g.output];
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    const v = byId.get(id);
    if (!v) throw new Error(`graph refers to missing value ${id}`);
    live.add(id);
    stack.push(...v.args);
  }
  return live;
}

/** Keep only what the output needs, renumbered in order. */
export function compact(g: IRGraph): IRGraph {
  const live = liveIds(g);
  const remap = new Map<number, number>();
  const values: IRValue[] = [];
  for (const v of g.values) {
    if (!live.has(v.id)) continue;
    const nv: IRValue = { ...v, id: values.length, args: v.args.map((a) => remap.get(a)!) };
    remap.set(v.id, nv.id);
    values.push(nv);
  }
  return { values, output: remap.get(g.output)! };
}

/**
 * Rewrite a graph: `fn` sees each value (with args already remapped to the new graph) and returns the values to
 * emit in its place; the last one stands for the original. `emit` appends a helper value and returns its new id.
 */
export function rewrite(
  g: IRGraph,
  fn: (v: IRValue, get: (id: number) => IRValue, emit: (v: Omit<IRValue, "id">) => number) => IRValue | null,
): IRGraph {
  const out: IRValue[] = [];
  const remap = new Map<number, number>();
  const get = (id: number) => out[id];
  const emit = (v: Omit<IRValue, "id">) => {
    out.push({ ...v, id: out.length } as IRValue);
    return out.length - 1;
  };
  for (const v of g.values) {
    const cur: IRValue = { ...v, args: v.args.map((a) => remap.get(a)!) };
    const r = fn(cur, get, emit) ?? cur;
    const id = emit({ ...r });
    remap.set(v.id, id);
  }
  return compact({ values: out, output: remap.get(g.output)! });
}
