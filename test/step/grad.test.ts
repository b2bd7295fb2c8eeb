// The grad pass against central finite differences of the float64 interpreter: every op with a VJP rule, random
// shapes (broadcasting, keepdims, negative axes), several seeds, first order and second order (Hessian-vector
// products, so every rule's own ops are differentiated too), and a WGAN-GP-like penalty of a tiny tanh MLP.
import { describe, expect, it } from "vitest";
import { OPS, StepBuilder, type StepAttr, type StepOp } from "../../compiler/step/ir.ts";
import { interpret } from "../../compiler/step/interp.ts";
import { verify } from "../../compiler/step/verify.ts";
import { DIFFERENTIABLE_OPS, GradError, NON_DIFFERENTIABLE, VJP, ZERO_DERIVATIVE, grad } from "../../compiler/passes/grad.ts";
import { dce, optimize } from "../../compiler/passes/step-opt.ts";
import { Ctx, checkGrad, finiteDiff, relErr, rng, size } from "./helpers.ts";

interface Case {
  op: StepOp;
  name: string;
  build: (c: Ctx) => number;
}

const unaryDomain: Partial<Record<StepOp, (c: Ctx) => () => number>> = {
  log: (c) => () => c.uniform(0.3, 2),
  sqrt: (c) => () => c.uniform(0.3, 2),
  abs: (c) => c.away(),
  sign: (c) => c.away(),
  relu: (c) => c.away(),
  step: (c) => c.away(),
  exp: (c) => () => c.uniform(-1.5, 1.5),
};
const unaries: StepOp[] = ["neg", "exp", "log", "sqrt", "abs", "square", "sign", "relu", "tanh", "sigmoid", "softplus", "log_sigmoid", "step"];

const binaryDomain: Partial<Record<StepOp, [(c: Ctx) => () => number, (c: Ctx) => () => number]>> = {
  div: [(c) => () => c.uniform(-2, 2), (c) => c.away(0.5, 2)],
  pow: [(c) => () => c.uniform(0.5, 2), (c) => () => c.uniform(-1.5, 1.5)],
};
const binaries: StepOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"];

const reduceAttrs = (c: Ctx, r: number) => {
  const axes = r === 0 || c.r() < 0.3 ? null : [...new Set(Array.from({ length: c.int(1, Math.max(1, r)) }, () => c.int(0, r - 1)))].map((a) => (c.r() < 0.3 ? a - r : a));
  return { axes, keepdims: c.r() < 0.5 };
};

/** Random conv geometry: N, C, O <= 2, H, W in 2..6, kernels 1..3, strides and dilations 1 or 2 (dilations
 * sometimes left to their default), pads 0..2 on each side independently, output_padding below the stride; redrawn
 * until the output is non-empty. Input and weight are both differentiated (first and second order). */
function convCase(c: Ctx, transpose: boolean): number {
  for (;;) {
    const [N, C, O, H, W, kh, kw] = [c.int(1, 2), c.int(1, 2), c.int(1, 2), c.int(2, 6), c.int(2, 6), c.int(1, 3), c.int(1, 3)];
    const strides = [c.int(1, 2), c.int(1, 2)];
    const dilations = c.r() < 0.5 ? null : [c.int(1, 2), c.int(1, 2)];
    const d = dilations ?? [1, 1];
    const pads = [c.int(0, 2), c.int(0, 2), c.int(0, 2), c.int(0, 2)];
    const op = [c.int(0, strides[0]! - 1), c.int(0, strides[1]! - 1)];
    const k = [kh, kw], hw = [H, W];
    const ok = [0, 1].every((i) =>
      transpose
        ? strides[i]! * (hw[i]! - 1) + op[i]! + d[i]! * (k[i]! - 1) + 1 - pads[i]! - pads[i + 2]! >= 1
        : hw[i]! + pads[i]! + pads[i + 2]! - d[i]! * (k[i]! - 1) - 1 >= 0,
    );
    if (!ok) continue;
    const attrs: Record<string, StepAttr> = { strides, pads, ...(dilations ? { dilations } : {}), ...(transpose ? { output_padding: op } : {}) };
    return c.b.add(transpose ? "conv2d_transpose" : "conv2d", [c.x([N, C, H, W]), c.x(transpose ? [C, O, kh, kw] : [O, C, kh, kw])], attrs);
  }
}

const CONV_CASES: Case[] = [
  { op: "conv2d", name: "conv2d (random geometry: strides, dilations, asymmetric pads)", build: (c) => convCase(c, false) },
  { op: "conv2d_transpose", name: "conv2d_transpose (random geometry, output_padding)", build: (c) => convCase(c, true) },
  {
    op: "conv2d",
    name: "conv2d whose last rows no window reaches (the filter gradient crops x)",
    build: (c) => c.b.add("conv2d", [c.x([2, 2, 6, 5]), c.x([2, 2, 3, 2])], { strides: [2, 2], pads: [0, 1, 0, 0] }),
  },
  {
    op: "conv2d",
    name: "conv2d whose only window lies in the padding (zero filter gradient)",
    build: (c) => c.b.add("conv2d", [c.x([1, 2, 1, 3]), c.x([1, 2, 1, 2])], { strides: [3, 1], pads: [2, 0, 0, 0] }),
  },
  {
    op: "conv2d_transpose",
    name: "conv2d_transpose DCGAN upsampling (k 4, s 2, pads 1, as tfjs 'same')",
    build: (c) => c.b.add("conv2d_transpose", [c.x([2, 2, 3, 3]), c.x([2, 2, 4, 4])], { strides: [2, 2], pads: [1, 1, 1, 1] }),
  },
  {
    op: "conv2d",
    name: "conv2d of conv2d_transpose (tanh between: the pair composes)",
    build: (c) => {
      const up = c.b.add("conv2d_transpose", [c.x([1, 2, 2, 3]), c.x([2, 1, 3, 3])], { strides: [2, 2], pads: [1, 0, 1, 1], output_padding: [1, 0] });
      return c.b.add("conv2d", [c.b.add("tanh", [up]), c.x([2, 1, 3, 2])], { strides: [2, 1], pads: [0, 1, 1, 0] });
    },
  },
];

const CASES: Case[] = [
  ...unaries.map((op) => ({
    op,
    name: op,
    build: (c: Ctx) => c.b.add(op, [c.x(c.shape(), (unaryDomain[op] ?? ((k: Ctx) => () => k.uniform(-3, 3)))(c))], op === "step" ? { alpha: 0.3 } : {}),
  })),
  ...binaries.map((op) => ({
    op,
    name: `${op} (broadcast)`,
    build: (c: Ctx) => {
      const s = c.shape(0, 3);
      const [da, db] = binaryDomain[op] ?? [(k: Ctx) => () => k.uniform(-2, 2), (k: Ctx) => () => k.uniform(-2, 2)];
      return c.b.add(op, [c.x(c.bshape(s), da(c)), c.x(c.bshape(s), db(c))]);
    },
  })),
  { op: "mul", name: "mul by a const", build: (c) => c.b.add("mul", [c.x(c.shape(1)), c.b.const(2.5)]) },
  { op: "pow", name: "pow to a const", build: (c) => c.b.add("pow", [c.x(c.shape(1), () => c.uniform(0.5, 2)), c.b.const(2.5)]) },
  { op: "mul", name: "mul of x by itself", build: (c) => { const x = c.x(c.shape(1)); return c.b.add("mul", [x, x]); } },
  {
    op: "where",
    name: "where (broadcast, cond of a param)",
    build: (c) => {
      const s = c.shape(1, 3);
      const cond = c.b.add("gt", [c.x(c.bshape(s), c.away()), c.b.const(0)]);
      return c.b.add("where", [cond, c.x(c.bshape(s)), c.x(c.bshape(s))]);
    },
  },
  { op: "cast", name: "cast f32 -> f32", build: (c) => c.b.add("cast", [c.x(c.shape())], { to: "f32" }) },
  {
    op: "cast",
    name: "cast through i32 (zero derivative)",
    build: (c) => {
      const x = c.x(c.shape(), () => c.int(-3, 3) + c.uniform(0.2, 0.8));
      return c.b.add("add", [c.b.add("cast", [c.b.add("cast", [x], { to: "i32" })], { to: "f32" }), c.b.add("square", [x])]);
    },
  },
  {
    op: "matmul",
    name: "matmul (broadcast leading dims)",
    build: (c) => {
      const [m, k, n] = [c.int(1, 3), c.int(1, 3), c.int(1, 3)];
      const [la, lb] = c.pick([[[], []], [[2], []], [[], [3]], [[2, 1], [3]], [[2], [2]], [[1], [2]]] as [number[], number[]][]);
      return c.b.add("matmul", [c.x([...la, m, k]), c.x([...lb, k, n])]);
    },
  },
  {
    op: "inv",
    name: "inv (batched, well-conditioned)",
    build: (c) => {
      const d = c.int(1, 3);
      const lead = c.pick([[], [2]] as number[][]);
      // identity plus a small perturbation: far from singular
      const eye = c.b.const(Array.from({ length: d * d }, (_, i) => (Math.floor(i / d) === i % d ? 2 : 0)), [d, d]);
      return c.b.add("inv", [c.b.add("add", [eye, c.x([...lead, d, d], () => c.uniform(-0.4, 0.4))])]);
    },
  },
  ...(["sum", "mean", "max", "min", "logsumexp"] as StepOp[]).map((op) => ({
    op,
    name: `${op} (axes, keepdims)`,
    build: (c: Ctx) => {
      const s = c.shape(op === "max" || op === "min" ? 1 : 0, 3);
      return c.b.add(op, [c.x(s, () => c.uniform(-2, 2))], reduceAttrs(c, s.length));
    },
  })),
  {
    op: "reshape",
    name: "reshape",
    build: (c) => {
      const s = c.shape(1, 3);
      return c.b.add("reshape", [c.x(s)], { shape: c.r() < 0.5 ? [size(s)] : [...s].reverse() });
    },
  },
  {
    op: "transpose",
    name: "transpose",
    build: (c) => {
      const s = c.shape(1, 3);
      const perm = s.map((_, i) => i).sort(() => c.r() - 0.5);
      return c.b.add("transpose", [c.x(s)], { perm });
    },
  },
  {
    op: "broadcast_to",
    name: "broadcast_to",
    build: (c) => {
      const s = c.shape(1, 3);
      return c.b.add("broadcast_to", [c.x(c.bshape(s))], { shape: s });
    },
  },
  {
    op: "slice",
    name: "slice",
    build: (c) => {
      const s = c.shape(1, 3, 4);
      const ax = c.int(0, s.length - 1);
      const start = c.int(0, s[ax]! - 1), end = c.int(start + 1, s[ax]!);
      return c.b.add("slice", [c.x(s)], { axis: c.r() < 0.3 ? ax - s.length : ax, start, end });
    },
  },
  {
    op: "concat",
    name: "concat",
    build: (c) => {
      const s = c.shape(1, 3);
      const ax = c.int(0, s.length - 1);
      const parts = Array.from({ length: c.int(1, 3) }, () => c.x(s.map((d, i) => (i === ax ? c.int(1, 3) : d))));
      return c.b.add("concat", parts, { axis: ax });
    },
  },
  ...[false, true].map((asInput) => ({
    op: "gather" as StepOp,
    name: `gather (indices ${asInput ? "input" : "const"}, negative and repeated)`,
    build: (c: Ctx) => {
      const s = c.shape(1, 3);
      const ax = c.int(0, s.length - 1);
      const D = s[ax]!;
      const is = c.shape(0, 2);
      const idx = asInput ? c.idx(is, -D, D - 1) : c.b.const(Array.from({ length: size(is) }, () => c.int(-D, D - 1)), is, "i32");
      return c.b.add("gather", [c.x(s), idx], { axis: ax });
    },
  })),
  {
    op: "stop_gradient",
    name: "stop_gradient of a constant times a param",
    build: (c) => {
      const s = c.shape(1, 3);
      return c.b.add("mul", [c.x(s), c.b.add("stop_gradient", [c.randConst(s)])]);
    },
  },
  {
    op: "one_hot",
    name: "one_hot times a param",
    build: (c) => {
      const D = c.int(2, 4), n = c.int(1, 3);
      return c.b.add("mul", [c.b.add("one_hot", [c.idx([n], -D, D - 1)], { depth: D }), c.x(c.r() < 0.5 ? [n, D] : [D])]);
    },
  },
  ...(["softmax", "log_softmax"] as StepOp[]).map((op) => ({
    op,
    name: `${op} (axis)`,
    build: (c: Ctx) => {
      const s = c.shape(1, 3);
      const at: Record<string, StepAttr> = c.r() < 0.3 ? {} : { axis: c.int(-s.length, s.length - 1) };
      return c.b.add(op, [c.x(s, () => c.uniform(-3, 3))], at);
    },
  })),
  ...CONV_CASES,
];

const SEEDS = [1, 2, 3, 4];

describe("grad: vector-Jacobian rules against finite differences", () => {
  for (const cs of CASES)
    it(cs.name, () => {
      for (const seed of SEEDS)
        for (const order of [1, 2] as const) {
          const r = checkGrad(cs.build, seed * 7919 + cs.name.length, order);
          expect(r.worst, `${cs.name}, seed ${seed}, order ${order}`).toBeLessThan(1e-6);
        }
    });

  it("covers every op: a rule with a case, or a documented reason to have none", () => {
    const tested = new Set(CASES.map((c) => c.op));
    for (const op of Object.keys(OPS) as StepOp[]) {
      if (op in VJP) expect(tested.has(op), `${op} has a rule but no property case`).toBe(true);
      else expect(NON_DIFFERENTIABLE, `${op} has no VJP rule and is not listed as non-differentiable`).toContain(op);
    }
    for (const op of NON_DIFFERENTIABLE) expect(op in VJP).toBe(false);
    for (const op of ZERO_DERIVATIVE) expect(VJP[op]).toBeDefined();
    expect(DIFFERENTIABLE_OPS.length + NON_DIFFERENTIABLE.length).toBe(Object.keys(OPS).length);
    // the non-differentiable ones are leaves or have bool outputs
    const f = { shape: [2], dtype: "f32" as const }, t = { shape: [2], dtype: "bool" as const };
    for (const op of NON_DIFFERENTIABLE) {
      if (op === "input" || op === "const") continue;
      const args = ["and", "or", "not"].includes(op) ? [t, t] : [f, f];
      expect(OPS[op].infer(args.slice(0, OPS[op].arity), {}).dtype).toBe("bool");
    }
  });

  it("the passes keep every case's gradient graph verified and its values", () => {
    for (const cs of CASES) {
      const { graph, inputs } = checkGrad(cs.build, 11, 2);
      const opt = optimize(graph);
      expect(verify(opt), cs.name).toEqual([]);
      expect(opt.values.length).toBeLessThanOrEqual(graph.values.length);
      const a = interpret(graph, inputs), b = interpret(opt, inputs);
      for (const k of Object.keys(a)) {
        const x = a[k]!.data, y = b[k]!.data;
        expect(y.length).toBe(x.length);
        for (let i = 0; i < x.length; i++) expect(relErr(x[i]!, y[i]!), `${cs.name} ${k}`).toBeLessThan(1e-12);
      }
    }
  });
});

describe("grad: structure", () => {
  it("builds only what wrt needs, marks backward nodes and gives zeros off the path", () => {
    const b = new StepBuilder("g");
    const x = b.input("x", "param", [3]);
    const y = b.input("y", "param", [3]);
    const z = b.input("z", "param", [2]);
    const f = b.add("sum", [b.add("add", [b.add("tanh", [x]), b.add("exp", [y])])], { axes: null, keepdims: false });
    const n0 = b.values.length;
    const [gx, gz] = grad(b, f, [x, z]);
    b.output(gx!, "gx", "result");
    b.output(gz!, "gz", "result");
    // only f, the seed, is unused: nothing was built for y
    expect(verify(b.graph())).toEqual([`%${f} sum: unused (neither an argument nor an output)`]);
    expect(b.values.slice(n0).every((v) => v.grad === true)).toBe(true);
    expect(b.values.slice(n0).some((v) => v.op === "exp")).toBe(false);
    expect(b.get(gz!).op).toBe("const");
    expect(b.grad).toBe(false);
    const r = interpret(b.graph(), { x: [0.1, -0.2, 0.3], y: [0, 0, 0], z: [1, 2] });
    expect(Array.from(r.gx!.data)).toEqual([0.1, -0.2, 0.3].map((v) => 1 - Math.tanh(v) ** 2));
  });

  it("differentiates with respect to an intermediate value (as a gradient penalty does)", () => {
    const b = new StepBuilder("g");
    const x = b.input("x", "param", [2]);
    const h = b.add("mul", [x, b.const(3)]);
    const f = b.add("sum", [b.add("square", [h])], { axes: null, keepdims: false });
    const [gh] = grad(b, f, [h]);
    b.output(gh!, "gh", "result");
    // f itself is only the seed of its gradient: unused until DCE removes it
    expect(verify(b.graph())).toEqual([`%${f} sum: unused (neither an argument nor an output)`]);
    expect(verify(dce(b.graph()))).toEqual([]);
    expect(Array.from(interpret(b.graph(), { x: [1, -2] }).gh!.data)).toEqual([6, -12]);
  });

  it("reports an op without a rule on the path, and a non-scalar output", () => {
    const b = new StepBuilder("g");
    const x = b.input("x", "param", [2]);
    const f = b.add("sum", [b.add("tanh", [x])], { axes: null, keepdims: false });
    const saved = VJP.tanh;
    delete VJP.tanh;
    try {
      expect(() => grad(b, f, [x])).toThrow(GradError);
      expect(() => grad(b, f, [x])).toThrow(/tanh .* no vector-Jacobian rule/);
    } finally {
      VJP.tanh = saved;
    }
    expect(() => grad(b, x, [x])).toThrow(GradError);
    expect(() => grad(b, f, [b.input("i", "data", [2], "i32")])).toThrow(GradError);
  });
});

describe("grad: second order", () => {
  it("the gradient of a WGAN-GP-like penalty of a tanh MLP equals finite differences", () => {
    const c = new Ctx(rng(42));
    const b = c.b;
    const [B, I, H] = [4, 3, 5];
    const name = "x_data";
    c.data[name] = Array.from({ length: B * I }, () => c.uniform(-1, 1));
    const x = b.input(name, "data", [B, I]);
    const W1 = c.x([I, H]), b1 = c.x([H]), W2 = c.x([H, 1]), b2 = c.x([1]);
    const h = b.add("tanh", [b.add("add", [b.add("matmul", [x, W1]), b1])]);
    const score = b.add("add", [b.add("matmul", [h, W2]), b2]);
    const f = c.sumAll(score);
    const [gx] = grad(b, f, [x]);
    // mean_i (||d f / d x_i|| - 1)^2
    const norm = b.add("sqrt", [b.add("add", [b.add("sum", [b.add("square", [gx!])], { axes: [1], keepdims: false }), b.const(1e-12)])]);
    const pen = b.add("mean", [b.add("square", [b.add("sub", [norm, b.const(1)])])], { axes: null, keepdims: false });
    const params = [W1, b1, W2, b2];
    const gs = grad(b, pen, params);
    b.output(pen, "pen", "log");
    gs.forEach((g, i) => b.output(g, `d${i}`, "result"));
    expect(verify(dce(b.graph()))).toEqual([]);
    const res = interpret(b.graph(), c.data);
    let checked = 0;
    params.forEach((p, i) => {
      const fd = finiteDiff(b.graph(), c.data, pen, b.get(p).name!);
      const an = res[`d${i}`]!.data;
      for (let k = 0; k < fd.length; k++) {
        expect(relErr(an[k]!, fd[k]!), `param ${i}[${k}]`).toBeLessThan(1e-6);
        checked++;
      }
    });
    expect(checked).toBe(I * H + H + H + 1);
    // b2 does not move the input gradient: exactly zero
    expect(Array.from(res.d3!.data)).toEqual([0]);
    expect(Math.max(...Array.from(res.d0!.data).map(Math.abs))).toBeGreaterThan(1e-3);
  });
});
