// IR -> IR rewrites, run in order after the checker. Each pass maps graphs to graphs and never changes types.
import type { IRGraph, IRProgram } from "../ir/ir.ts";
import { stableLog } from "./stable-log.ts";

export interface Pass {
  name: string;
  graph: (g: IRGraph) => IRGraph;
}

export const passes: readonly Pass[] = [{ name: "stable-log", graph: stableLog }];

/** Apply every pass to every graph (network bodies, losses, sampler). Pure: the input is not modified. */
export function runPasses(ir: IRProgram, only: readonly Pass[] = passes): IRProgram {
  const out: IRProgram = structuredClone(ir);
  for (const p of only) {
    out.networks = out.networks.map((n) => ({ ...n, body: p.graph(n.body) }));
    out.losses = out.losses.map((l) => ({ ...l, graph: p.graph(l.graph) }));
    if (out.sampler) out.sampler = { ...out.sampler, graph: p.graph(out.sampler.graph) };
  }
  return out;
}
