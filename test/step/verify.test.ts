// The verifier catches malformed graphs; DCE, CSE and constant folding keep graphs verified and values unchanged.
import { describe, expect, it } from "vitest";
import { StepBuilder, type StepGraph } from "../../compiler/step/ir.ts";
import { interpret } from "../../compiler/step/interp.ts";
import { verify } from "../../compiler/step/verify.ts";
import { grad } from "../../compiler/passes/grad.ts";
import { cse, dce, foldConstants, optimize } from "../../compiler/passes/step-opt.ts";

/** y = sum(tanh(x @ W) * 2), with the update W - 0.1 dy/dW */
function small(): { g: StepGraph; inputs: Record<string, number[]> } {
  const b = new StepBuilder("small");
  const x = b.input("x", "data", [2, 3]);
  const W = b.input("W", "param", [3, 2]);
  const y = b.add("sum", [b.add("mul", [b.add("tanh", [b.add("matmul", [x, W])]), b.const(2)])], { axes: null, keepdims: false });
  b.output(y, "loss", "log");
  const [gW] = grad(b, y, [W]);
  b.output(b.add("sub", [W, b.add("mul", [gW!, b.const(0.1)])]), "W", "update");
  return { g: b.graph(), inputs: { x: [0.1, 0.2, -0.3, 0.4, -0.5, 0.6], W: [1, -1, 0.5, 0.25, -0.75, 2] } };
}

const clone = (g: StepGraph): StepGraph => structuredClone(g);

describe("verify", () => {
  it("accepts a well-formed graph with a gradient", () => {
    expect(verify(small().g)).toEqual([]);
  });

  it("catches a wrong shape and a wrong dtype", () => {
    const g = clone(small().g);
    const mm = g.values.find((v) => v.op === "matmul")!;
    mm.shape = [2, 3];
    const th = g.values.find((v) => v.op === "tanh")!;
    th.dtype = "i32";
    const errs = verify(g);
    expect(errs).toContain(`%${mm.id} matmul: has f32[2,3], its arguments give f32[2,2]`);
    expect(errs.some((e) => e.startsWith(`%${th.id} tanh: has i32[2,2]`))).toBe(true);
  });

  it("catches a forward reference, a bad id and a bad arity", () => {
    const g = clone(small().g);
    const th = g.values.find((v) => v.op === "tanh")!;
    th.args = [th.id + 1];
    expect(verify(g)).toContain(`%${th.id} tanh: argument %${th.id + 1} is not an earlier node`);
    const h = clone(small().g);
    h.values[3]!.id = 7;
    h.values[4]!.args = [4, 4];
    const errs = verify(h);
    expect(errs).toContain(`%3 ${h.values[3]!.op}: id is 7, expected its position 3`);
    expect(errs.some((e) => e.startsWith(`%4 ${h.values[4]!.op}: 2 argument(s)`))).toBe(true);
  });

  it("catches an unused node", () => {
    const b = new StepBuilder("u");
    const x = b.input("x", "data", [2]);
    const unused = b.add("exp", [x]);
    b.output(b.add("neg", [x]), "y", "result");
    expect(verify(b.graph())).toEqual([`%${unused} exp: unused (neither an argument nor an output)`]);
    expect(verify(dce(b.graph()))).toEqual([]);
  });

  it("checks inputs, outputs and consts", () => {
    const g = clone(small().g);
    g.inputs = g.inputs.filter((i) => i.name !== "x");
    g.outputs.push({ id: 999, name: "ghost", role: "result" }, { id: 0, name: "W", role: "update" });
    g.values.find((v) => v.op === "const")!.attrs.value = [1, 2, 3];
    const errs = verify(g);
    expect(errs).toContain("%0 input x: not in the inputs list");
    expect(errs).toContain("output ghost: no node %999");
    expect(errs).toContain("two outputs named W");
    expect(errs).toContain("output W: f32[2,3] updates an input of f32[3,2]");
    expect(errs.some((e) => /const: value does not fit shape \[\]/.test(e))).toBe(true);
  });
});

describe("step-opt passes", () => {
  const same = (a: StepGraph, b: StepGraph, inputs: Record<string, number[]>) => {
    const x = interpret(a, inputs), y = interpret(b, inputs);
    expect(Object.keys(y)).toEqual(Object.keys(x));
    for (const k of Object.keys(x)) expect(Array.from(y[k]!.data)).toEqual(Array.from(x[k]!.data));
  };

  it("each pass keeps the graph verified, its values, and does not modify its argument", () => {
    const { g, inputs } = small();
    const before = structuredClone(g);
    for (const p of [dce, cse, foldConstants, optimize]) {
      const out = p(g);
      expect(verify(out), p.name).toEqual([]);
      same(g, out, inputs);
    }
    expect(g).toEqual(before);
  });

  it("DCE removes unused gradient nodes and renumbers densely", () => {
    const b = new StepBuilder("d");
    const x = b.input("x", "param", [3]);
    const y = b.input("y", "param", [3]);
    const f = b.add("sum", [b.add("mul", [b.add("exp", [x]), b.add("tanh", [y])])], { axes: null, keepdims: false });
    const [gx, gy] = grad(b, f, [x, y]);
    b.output(gx!, "gx", "result");
    const g = b.graph();
    expect(verify(g).length).toBeGreaterThan(1); // f and the whole dy branch are unused
    const out = dce(g);
    expect(verify(out)).toEqual([]);
    expect(out.values.length).toBeLessThan(g.values.length);
    expect(out.values.every((v, i) => v.id === i)).toBe(true);
    // the dy-only nodes (1 - tanh^2 for y) are gone, the tanh itself stays (dx needs it)
    expect(out.values.filter((v) => v.op === "square")).toHaveLength(0);
    expect(out.values.filter((v) => v.op === "tanh")).toHaveLength(1);
    expect(out.inputs.map((i) => i.name)).toEqual(["x", "y"]);
    void gy;
    same(g, out, { x: [0.1, 0.2, 0.3], y: [1, 2, 3] });
  });

  it("CSE merges duplicates, commutative ones and equal consts", () => {
    const b = new StepBuilder("c");
    const x = b.input("x", "data", [2]);
    const y = b.input("y", "data", [2]);
    const t1 = b.add("tanh", [x]), t2 = b.add("tanh", [x]);
    const m1 = b.add("mul", [x, y]), m2 = b.add("mul", [y, x]);
    const s1 = b.add("sub", [x, y]), s2 = b.add("sub", [y, x]); // not commutative: kept apart
    const k1 = b.add("add", [t1, b.const(2)]), k2 = b.add("add", [t2, b.const(2)]);
    const r1 = b.add("sum", [k1], { axes: [0], keepdims: false }), r2 = b.add("sum", [k2], { keepdims: false, axes: [0] });
    b.output(b.add("add", [b.add("add", [m1, m2]), b.add("add", [s1, s2])]), "a", "result");
    b.output(r1, "r1", "result");
    b.output(r2, "r2", "result");
    const g = b.graph();
    const out = cse(g);
    expect(verify(out)).toEqual([]);
    const count = (op: string) => out.values.filter((v) => v.op === op).length;
    expect(count("tanh")).toBe(1);
    expect(count("mul")).toBe(1);
    expect(count("sub")).toBe(2);
    expect(count("const")).toBe(1);
    expect(count("sum")).toBe(1);
    expect(out.outputs[1]!.id).toBe(out.outputs[2]!.id);
    same(g, out, { x: [0.5, -1], y: [2, 3] });
  });

  it("constant folding folds const-only nodes and leaves inputs, non-finite and large results alone", () => {
    const b = new StepBuilder("f");
    const x = b.input("x", "data", [3]);
    const six = b.add("mul", [b.const(2), b.const(3)]);
    const big = b.add("broadcast_to", [b.const(1.5)], { shape: [100, 100] }); // uniform: folds to one number
    const ramp = b.add("add", [b.const(Array.from({ length: 5000 }, (_, i) => i), [5000]), b.const(1)]); // too large
    const inf = b.add("log", [b.const(0)]);
    const iota = b.add("cast", [b.add("add", [b.const([0, 1, 2], [3], "i32"), b.const(1, [], "i32")])], { to: "f32" });
    b.output(b.add("add", [x, six]), "y", "result");
    b.output(b.add("sum", [big], { axes: null, keepdims: false }), "s", "result");
    b.output(b.add("sum", [ramp], { axes: null, keepdims: false }), "r", "result");
    b.output(inf, "inf", "result");
    b.output(b.add("mul", [x, iota]), "z", "result");
    const g = b.graph();
    const out = foldConstants(g);
    expect(verify(out)).toEqual([]);
    const byName = (n: string) => out.values[out.outputs.find((o) => o.name === n)!.id]!;
    const y = byName("y");
    expect(out.values[y.args[1]!]!.attrs.value).toBe(6);
    expect(byName("s").op).toBe("const");
    expect(byName("s").attrs.value).toBe(15000);
    expect(byName("r").op).toBe("sum");
    expect(byName("inf").op).toBe("log");
    const z = byName("z");
    expect(out.values[z.args[1]!]!.attrs.value).toEqual([1, 2, 3]);
    expect(out.values.length).toBeLessThan(g.values.length);
    same(g, out, { x: [1, 2, 3] });
  });
});
