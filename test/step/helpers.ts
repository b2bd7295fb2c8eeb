// Shared by the step-IR tests: a seeded PRNG, a case context that records random inputs, and the finite-difference
// gradient check (float64 interpreter, central differences) used for first- and second-order derivatives.
import { StepBuilder, type StepGraph } from "../../compiler/step/ir.ts";
import { interpret, interpretValues } from "../../compiler/step/interp.ts";
import { grad } from "../../compiler/passes/grad.ts";
import { verify } from "../../compiler/step/verify.ts";
import { dce } from "../../compiler/passes/step-opt.ts";
import { mulberry32 } from "../../runtime/metrics/rng.ts";

/** a seeded uniform [0, 1) source for test data (the metrics' mulberry32) */
export function rng(seed: number): () => number {
  const r = mulberry32(seed);
  return () => r.uniform();
}

export const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

export class Ctx {
  readonly b = new StepBuilder("case");
  readonly data: Record<string, number[]> = {};
  readonly wrt: number[] = [];
  private n = 0;
  constructor(readonly r: () => number) {}

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.r();
  }
  shape(minRank = 0, maxRank = 3, maxDim = 3): number[] {
    return Array.from({ length: this.int(minRank, maxRank) }, () => this.int(1, maxDim));
  }
  /** a shape that numpy-broadcasts to `s`: some leading axes dropped, some axes set to 1 */
  bshape(s: number[]): number[] {
    return s.slice(this.int(0, s.length)).map((d) => (this.r() < 0.3 ? 1 : d));
  }
  /** f32 parameter input, differentiated; values from gen */
  x(shape: number[], gen: () => number = () => this.uniform(-1.5, 1.5)): number {
    const name = `x${this.n++}`;
    this.data[name] = Array.from({ length: size(shape) }, gen);
    const id = this.b.input(name, "param", shape);
    this.wrt.push(id);
    return id;
  }
  /** values with |v| in [lo, hi], random sign: away from the kinks at 0 */
  away(lo = 0.1, hi = 2): () => number {
    return () => (this.r() < 0.5 ? -1 : 1) * this.uniform(lo, hi);
  }
  /** i32 data input (not differentiated) */
  idx(shape: number[], lo: number, hi: number): number {
    const name = `i${this.n++}`;
    this.data[name] = Array.from({ length: size(shape) }, () => this.int(lo, hi));
    return this.b.input(name, "data", shape, "i32");
  }
  randConst(shape: number[]): number {
    return this.b.const(Array.from({ length: size(shape) }, () => this.uniform(-1, 1)), shape);
  }
  sumAll(id: number): number {
    return this.b.add("sum", [id], { axes: null, keepdims: false });
  }
}

export interface CheckResult {
  graph: StepGraph;
  inputs: Record<string, number[]>;
  worst: number;
  checked: number;
}

/** Central differences of a scalar-output graph with respect to one input's elements. */
export function finiteDiff(g: StepGraph, inputs: Record<string, number[]>, obj: number, name: string): Float64Array {
  const fg: StepGraph = { ...g, values: g.values.slice(0, obj + 1), outputs: [] };
  const base = inputs[name]!;
  const out = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const h = 1e-5 * Math.max(1, Math.abs(base[i]!));
    const at = (d: number) => {
      const pert = base.slice();
      pert[i] = base[i]! + d;
      return interpretValues(fg, { ...inputs, [name]: pert })[obj]!.data[0]!;
    };
    out[i] = (at(h) - at(-h)) / (2 * h);
  }
  return out;
}

/** relative error with a floor of 1 on the scale */
export const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Build y = build(ctx), f = sum(y * W) with random W; order 1 checks grad(f) against finite differences of f,
 * order 2 checks grad(h), h = sum_i sum(grad(f)_i * V_i) (a Hessian-vector product), against those of h.
 */
export function checkGrad(build: (c: Ctx) => number, seed: number, order: 1 | 2): CheckResult {
  const c = new Ctx(rng(seed));
  const b = c.b;
  const y = build(c);
  let obj = c.sumAll(b.add("mul", [y, c.randConst(b.get(y).shape)]));
  if (order === 2) {
    const g1 = grad(b, obj, c.wrt);
    for (const [i, g] of g1.entries()) {
      const t = c.sumAll(b.add("mul", [g, c.randConst(b.get(g).shape)]));
      obj = i === 0 ? t : b.add("add", [obj, t]);
    }
  }
  const gs = grad(b, obj, c.wrt);
  b.output(obj, "obj", "log");
  gs.forEach((g, i) => b.output(g, `d:${b.get(c.wrt[i]!).name}`, "result"));
  const graph = b.graph();
  // the forward objective is used only as the seed of its gradient, so DCE drops it; grad itself builds nothing dead
  const live = dce(graph);
  const errs = verify(live);
  if (errs.length) throw new Error(`verify: ${errs.join("; ")}`);
  const gradNodes = (g: StepGraph) => g.values.filter((v) => v.grad).length;
  if (gradNodes(live) !== gradNodes(graph)) throw new Error(`grad built ${gradNodes(graph) - gradNodes(live)} dead node(s)`);
  const res = interpret(graph, c.data);
  let worst = 0, checked = 0;
  for (const w of c.wrt) {
    const name = b.get(w).name!;
    const fd = finiteDiff(graph, c.data, obj, name);
    const an = res[`d:${name}`]!.data;
    for (let i = 0; i < fd.length; i++) {
      const e = relErr(an[i]!, fd[i]!);
      if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
      checked++;
    }
  }
  return { graph, inputs: c.data, worst, checked };
}
