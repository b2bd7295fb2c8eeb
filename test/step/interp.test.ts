// The reference interpreter on hand-checked values: stable forms, broadcasting, reductions, ONNX Gather / OneHot,
// integer semantics and input errors.
import { describe, expect, it } from "vitest";
import { StepBuilder, type StepAttr, type StepOp } from "../../compiler/step/ir.ts";
import { InterpError, interpret } from "../../compiler/step/interp.ts";

/** one op on inputs (name -> [shape, data, dtype]) */
function run(op: StepOp, ins: [number[], number[], ("f32" | "i32" | "bool")?][], attrs: Record<string, StepAttr> = {}) {
  const b = new StepBuilder("t");
  const ids = ins.map(([s, , dt], i) => b.input(`a${i}`, "data", s, dt ?? "f32"));
  b.output(b.add(op, ids, attrs), "y", "result");
  const r = interpret(b.graph(), Object.fromEntries(ins.map(([, d], i) => [`a${i}`, d])));
  return { shape: r.y!.shape, data: Array.from(r.y!.data), dtype: r.y!.dtype };
}

const close = (a: number[], b: number[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(x).toBeCloseTo(b[i]!, 12));
};

describe("interpret", () => {
  it("evaluates the stable forms without overflow", () => {
    const xs = [-1000, -1, 0, 1, 1000];
    close(run("softplus", [[[5], xs]]).data, [0, Math.log1p(Math.exp(-1)), Math.log(2), 1 + Math.log1p(Math.exp(-1)), 1000]);
    close(run("log_sigmoid", [[[5], xs]]).data, [-1000, -1 - Math.log1p(Math.exp(-1)), -Math.log(2), -Math.log1p(Math.exp(-1)), 0]);
    close(run("sigmoid", [[[5], xs]]).data, [0, 1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-1)), 1]);
    close(run("logsumexp", [[[2, 2], [1000, 1000, -1000, -Infinity]]], { axes: [1], keepdims: false }).data, [1000 + Math.log(2), -1000]);
    const sm = run("softmax", [[[2, 3], [1, 2, 3, 1000, 1000, 0]]]).data;
    const e = [1, Math.E, Math.E ** 2].map((v) => v / (1 + Math.E + Math.E ** 2));
    close(sm, [...e, 0.5, 0.5, 0]);
    close(run("log_softmax", [[[2, 2], [0, 0, 1, 3]]], { axis: 0 }).data, [Math.log(1 / (1 + Math.E)), -Math.log1p(Math.exp(3)), Math.log(Math.E / (1 + Math.E)), 3 - Math.log1p(Math.exp(3))]);
    expect(run("step", [[[3], [-1, 0, 2]]], { alpha: 0.2 }).data).toEqual([0.2, 0.2, 1]);
  });

  it("broadcasts binary ops and where, numpy-style", () => {
    const r = run("sub", [[[2, 1], [10, 20]], [[3], [1, 2, 3]]]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.data).toEqual([9, 8, 7, 19, 18, 17]);
    const w = run("where", [[[1, 3], [1, 0, 1], "bool"], [[2, 1], [5, 6]], [[], [-1]]]);
    expect(w.shape).toEqual([2, 3]);
    expect(w.data).toEqual([5, -1, 5, 6, -1, 6]);
    expect(run("ge", [[[3], [1, 2, 3]], [[], [2]]]).data).toEqual([0, 1, 1]);
  });

  it("matmul broadcasts leading dims", () => {
    const A = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // [2,1,2,3]
    const B = Array.from({ length: 18 }, (_, i) => i - 5); // [3,3,2]
    const r = run("matmul", [[[2, 1, 2, 3], A], [[3, 3, 2], B]]);
    expect(r.shape).toEqual([2, 3, 2, 2]);
    const want: number[] = [];
    for (let p = 0; p < 2; p++)
      for (let q = 0; q < 3; q++)
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 2; j++) {
            let s = 0;
            for (let k = 0; k < 3; k++) s += A[p * 6 + i * 3 + k]! * B[q * 6 + k * 2 + j]!;
            want.push(s);
          }
    expect(r.data).toEqual(want);
  });

  it("reduces over axes, with and without keepdims", () => {
    const x = Array.from({ length: 24 }, (_, i) => i); // [2,3,4]
    const m = run("mean", [[[2, 3, 4], x]], { axes: [0, -1], keepdims: true });
    expect(m.shape).toEqual([1, 3, 1]);
    close(m.data, [0, 1, 2].map((j) => (4 * j + 1.5 + 12 + 4 * j + 1.5) / 2));
    const s = run("sum", [[[2, 3, 4], x]], { axes: null, keepdims: false });
    expect(s.shape).toEqual([]);
    expect(s.data).toEqual([276]);
    expect(run("max", [[[2, 3, 4], x]], { axes: [1], keepdims: false }).data).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
    expect(run("min", [[[2, 3], [3, -1, 2, 0, 5, -4]]], { axes: [0] }).data).toEqual([0, -1, -4]);
  });

  it("moves data: transpose, reshape, broadcast_to, slice, concat", () => {
    const x = Array.from({ length: 24 }, (_, i) => i);
    const t = run("transpose", [[[2, 3, 4], x]], { perm: [2, 0, 1] });
    expect(t.shape).toEqual([4, 2, 3]);
    // t[k, i, j] = x[i, j, k]
    expect(t.data[1 * 6 + 1 * 3 + 2]).toBe(x[1 * 12 + 2 * 4 + 1]);
    expect(run("reshape", [[[2, 3], [1, 2, 3, 4, 5, 6]]], { shape: [3, 2] }).data).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run("broadcast_to", [[[2, 1], [1, 2]]], { shape: [3, 2, 2] }).data).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2]);
    expect(run("slice", [[[2, 3], [1, 2, 3, 4, 5, 6]]], { axis: -1, start: 1, end: 3 }).data).toEqual([2, 3, 5, 6]);
    const c = run("concat", [[[2, 1], [1, 2]], [[2, 2], [3, 4, 5, 6]]], { axis: 1 });
    expect(c.shape).toEqual([2, 3]);
    expect(c.data).toEqual([1, 3, 4, 2, 5, 6]);
  });

  it("gathers like ONNX Gather and one-hots like ONNX OneHot", () => {
    // the ONNX spec's two examples
    const g0 = run("gather", [[[3, 2], [1, 1.2, 2.3, 3.4, 4.5, 5.7]], [[2, 2], [0, 1, 1, 2], "i32"]], { axis: 0 });
    expect(g0.shape).toEqual([2, 2, 2]);
    expect(g0.data).toEqual([1, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7]);
    const g1 = run("gather", [[[3, 3], [1, 1.2, 1.9, 2.3, 3.4, 3.9, 4.5, 5.7, 5.9]], [[1, 2], [0, 2], "i32"]], { axis: 1 });
    expect(g1.shape).toEqual([3, 1, 2]);
    expect(g1.data).toEqual([1, 1.9, 2.3, 3.9, 4.5, 5.9]);
    expect(run("gather", [[[3], [7, 8, 9]], [[], [-1], "i32"]], { axis: 0 }).data).toEqual([9]);
    expect(() => run("gather", [[[3], [7, 8, 9]], [[1], [3], "i32"]], { axis: 0 })).toThrow(InterpError);
    const oh = run("one_hot", [[[4], [0, 2, -1, 5], "i32"]], { depth: 3 });
    expect(oh.shape).toEqual([4, 3]);
    expect(oh.data).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]);
  });

  it("keeps integer and bool semantics", () => {
    const c = run("cast", [[[4], [2.7, -2.7, 0.5, 3]]], { to: "i32" });
    expect(c.dtype).toBe("i32");
    expect(c.data).toEqual([2, -2, 0, 3]);
    expect(run("cast", [[[3], [0, 0.5, -2]]], { to: "bool" }).data).toEqual([0, 1, 1]);
    expect(run("div", [[[2], [7, -7], "i32"], [[], [2], "i32"]]).data).toEqual([3, -3]);
    expect(run("and", [[[3], [1, 0, 1], "bool"], [[3], [1, 1, 0], "bool"]]).data).toEqual([1, 0, 0]);
    expect(run("not", [[[2], [1, 0], "bool"]]).data).toEqual([0, 1]);
    expect(run("sign", [[[3], [-2, 0, 3]]]).data).toEqual([-1, 0, 1]);
  });

  it("returns typed arrays per dtype and checks inputs", () => {
    const b = new StepBuilder("t");
    const x = b.input("x", "data", [2]);
    const i = b.input("i", "data", [2], "i32");
    b.output(b.add("gt", [x, b.const(0)]), "pos", "result");
    b.output(b.add("add", [i, b.const(1, [], "i32")]), "next", "result");
    b.output(x, "x", "result");
    const r = interpret(b.graph(), { x: [1, -1], i: [3, 4] });
    expect(r.pos!.data).toBeInstanceOf(Uint8Array);
    expect(r.next!.data).toBeInstanceOf(Int32Array);
    expect(r.x!.data).toBeInstanceOf(Float64Array);
    expect(Array.from(r.next!.data)).toEqual([4, 5]);
    expect(() => interpret(b.graph(), { x: [1, -1] })).toThrow(/no value for input i/);
    expect(() => interpret(b.graph(), { x: [1], i: [3, 4] })).toThrow(/1 values for shape \[2\]/);
    expect(Array.from(interpret(b.graph(), { x: 2, i: [0, 0] }).x!.data)).toEqual([2, 2]);
  });
});
