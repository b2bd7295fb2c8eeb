// Numerically stable logs: log(sigmoid(x)) -> log_sigmoid(x), log(1 - sigmoid(x)) -> log_sigmoid(-x),
// log(softmax(x)) -> log_softmax(x). Written by hand these underflow to -inf for large |x|.
import type { IRGraph, IRValue, TensorType } from "../ir/ir.ts";
import { rewrite } from "./graph.ts";

function plain(t: TensorType): TensorType {
  const { tag: _t, classes: _c, ...rest } = t;
  return rest;
}

function sameType(a: TensorType, b: TensorType): boolean {
  return a.batched === b.batched && a.shape.length === b.shape.length && a.shape.every((x, i) => x === b.shape[i]);
}

/** const 1 (possibly rank-expanded) */
function isOne(v: IRValue, get: (id: number) => IRValue): boolean {
  if (v.op === "expand_rank") return isOne(get(v.args[0]), get);
  return v.op === "const" && v.attrs.value === 1;
}

export function stableLog(g: IRGraph): IRGraph {
  return rewrite(g, (v, get, emit) => {
    if (v.op !== "log") return null;
    const a = get(v.args[0]);
    if (a.op === "sigmoid") return { ...v, op: "log_sigmoid", args: [a.args[0]], type: plain(v.type) };
    if (a.op === "softmax") return { ...v, op: "log_softmax", args: [a.args[0]], type: plain(v.type) };
    if (a.op === "sub" && isOne(get(a.args[0]), get)) {
      const s = get(a.args[1]);
      if (s.op === "sigmoid" && sameType(s.type, v.type)) {
        const x = get(s.args[0]);
        const neg = emit({ op: "neg", args: [x.id], attrs: {}, type: plain(x.type), span: s.span });
        return { ...v, op: "log_sigmoid", args: [neg], type: plain(v.type) };
      }
    }
    return null;
  });
}
