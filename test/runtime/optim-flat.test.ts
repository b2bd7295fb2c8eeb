// The optimizers update every variable through one flat vector per moment (runtime/optim/optimizers.ts). These
// tests pin that this is only a speed change: the same numbers as a per-variable reference of the PyTorch rules,
// per-variable checkpoint keys, untouched variables when a gradient is missing, and few kernels per step.
import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { makeOptimizer } from "../../runtime/optim/index.ts";
import type { OptimizerSpec } from "../../runtime/types.ts";
import { useBackend } from "./helpers.ts";

const specs: OptimizerSpec[] = [
  { kind: "adam", lr: 0.05, beta1: 0.5, beta2: 0.999, eps: 1e-8 },
  { kind: "sgd", lr: 0.1, momentum: 0 },
  { kind: "sgd", lr: 0.1, momentum: 0.9 },
  { kind: "rmsprop", lr: 0.01, decay: 0.9, eps: 1e-8, momentum: 0.5 },
  { kind: "rmsprop", lr: 0.01, decay: 0.9, eps: 1e-8, momentum: 0 },
];

/** The per-variable rules, op for op as the optimizer computes them (float32 tensors, same op order). */
function reference(sp: OptimizerSpec) {
  const st = new Map<string, tf.Tensor>();
  const get = (k: string, v: tf.Tensor) => st.get(k) ?? tf.zerosLike(v);
  let t = 0;
  return (vars: tf.Tensor[], grads: tf.Tensor[]): tf.Tensor[] => {
    t += 1;
    return vars.map((v, i) => {
      const g = grads[i]!;
      const put = (k: string, x: tf.Tensor) => (st.set(k, x), x);
      if (sp.kind === "adam") {
        const m = put(`m${i}`, tf.add(tf.mul(get(`m${i}`, v), sp.beta1), tf.mul(g, 1 - sp.beta1)));
        const s = put(`v${i}`, tf.add(tf.mul(get(`v${i}`, v), sp.beta2), tf.mul(tf.square(g), 1 - sp.beta2)));
        const denom = tf.add(tf.div(tf.sqrt(s), Math.sqrt(1 - Math.pow(sp.beta2, t))), sp.eps);
        return tf.sub(v, tf.mul(tf.div(m, denom), sp.lr / (1 - Math.pow(sp.beta1, t))));
      }
      if (sp.kind === "sgd") {
        if (sp.momentum === 0) return tf.sub(v, tf.mul(g, sp.lr));
        const b = put(`b${i}`, tf.add(tf.mul(get(`b${i}`, v), sp.momentum), g));
        return tf.sub(v, tf.mul(b, sp.lr));
      }
      const sq = put(`s${i}`, tf.add(tf.mul(get(`s${i}`, v), sp.decay), tf.mul(tf.square(g), 1 - sp.decay)));
      const step = tf.div(g, tf.add(tf.sqrt(sq), sp.eps));
      if (sp.momentum === 0) return tf.sub(v, tf.mul(step, sp.lr));
      const b = put(`b${i}`, tf.add(tf.mul(get(`b${i}`, v), sp.momentum), step));
      return tf.sub(v, tf.mul(b, sp.lr));
    });
  };
}

/** three variables of different ranks and a loss that couples them */
function problem() {
  const vars = [
    tf.variable(tf.tensor2d([0.3, -0.2, 0.1, 0.5, -0.4, 0.2], [2, 3])),
    tf.variable(tf.tensor1d([0.1, -0.3])),
    tf.variable(tf.scalar(0.7)),
  ];
  const loss = (w: tf.Tensor[]) =>
    tf.add(tf.sum(tf.square(tf.sub(tf.matMul(w[0]! as tf.Tensor2D, tf.ones([3, 1])), tf.reshape(w[1]!, [2, 1])))), tf.mul(tf.square(w[2]!), tf.sum(w[1]!))) as tf.Scalar;
  return { vars, loss };
}

describe("flat optimizers", () => {
  beforeAll(() => useBackend("wasm"));

  it("match the per-variable rules exactly over several steps (adam, sgd, sgd+momentum, rmsprop)", async () => {
    for (const sp of specs) {
      const { vars, loss } = problem();
      let ref: tf.Tensor[] = vars.map((v) => v.clone());
      const opt = makeOptimizer(sp);
      const refStep = reference(sp);
      for (let s = 0; s < 5; s++) {
        const { grads } = tf.variableGrads(() => loss(vars), vars);
        opt.apply(vars, vars.map((v) => grads[v.name]!));
        const rg = tf.grads((...w: tf.Tensor[]) => loss(w))(ref);
        ref = refStep(ref, rg);
      }
      for (let i = 0; i < vars.length; i++)
        expect(Array.from(await vars[i]!.data()), `${sp.kind} var ${i}`).toEqual(Array.from(await ref[i]!.data()));
    }
  });

  it("checkpoint state keeps one entry per variable and moment, with the variable's shape", async () => {
    const { vars, loss } = problem();
    const opt = makeOptimizer(specs[0]!);
    const { grads } = tf.variableGrads(() => loss(vars), vars);
    opt.apply(vars, vars.map((v) => grads[v.name]!));
    const st = await opt.getState();
    expect(Object.keys(st).sort()).toEqual(["m/0", "m/1", "m/2", "t", "v/0", "v/1", "v/2"]);
    expect(st["m/0"]!.shape).toEqual([2, 3]);
    expect(st["v/2"]!.shape).toEqual([]);
    expect(st["t"]!.data).toEqual([1]);
    // state restored before the first apply is laid out on the next apply, and checked against the variables
    const other = makeOptimizer(specs[0]!);
    other.setState(st);
    expect(await other.getState()).toEqual(st);
    expect(() => other.apply([vars[1]!, vars[0]!, vars[2]!], [grads[vars[1]!.name]!, grads[vars[0]!.name]!, grads[vars[2]!.name]!])).toThrow(/shape/);
  });

  it("a variable without a gradient keeps its value and its moments", async () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3]));
    const opt = makeOptimizer(specs[0]!);
    opt.apply([a, b], [tf.tensor1d([0.5, -0.5]), tf.tensor1d([1])]);
    const before = await opt.getState();
    const bVal = Array.from(await b.data());
    opt.apply([a, b], [tf.tensor1d([0.5, -0.5]), undefined as unknown as tf.Tensor]);
    const after = await opt.getState();
    expect(Array.from(await b.data())).toEqual(bVal);
    expect(after["m/1"]).toEqual(before["m/1"]);
    expect(after["v/1"]).toEqual(before["v/1"]);
    expect(after["m/0"]).not.toEqual(before["m/0"]);
  });

  it("an Adam step over 8 variables runs a bounded number of kernels and allocates no scalars per variable", async () => {
    const vars = Array.from({ length: 8 }, (_, i) => tf.variable(tf.fill([4, i + 1], 0.1)));
    const grads = vars.map((v) => tf.onesLike(v));
    const opt = makeOptimizer(specs[0]!);
    opt.apply(vars, grads); // lays out the slots
    const prof = await tf.profile(() => opt.apply(vars, grads));
    // per-variable updates took ~13 kernels per variable (104 here); the flat update needs ~12 + 3 per variable
    expect(prof.kernels.length).toBeLessThanOrEqual(12 + 3 * vars.length + 4);
    const n = tf.memory().numTensors;
    opt.apply(vars, grads);
    expect(tf.memory().numTensors).toBe(n);
  });
});
