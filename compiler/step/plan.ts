// The step plan: every update of a spec as a step-IR graph (lower.ts + the grad pass + optimizer.ts, then the
// optimisation passes), and the schedule that says which graph runs when on one shared minibatch per step. Printed
// by `ganc compile SPEC --emit step-ir`; run by the reference interpreter in tests.
import type { IRProgram, IRUpdate } from "../ir/ir.ts";
import { StepBuilder, type StepGraph } from "./ir.ts";
import { optimizerStep } from "./optimizer.ts";
import { lowerUpdate } from "./lower.ts";
import { printGraph } from "./print.ts";
import { verify } from "./verify.ts";
import { cse, dce } from "../passes/step-opt.ts";

export interface PlannedUpdate {
  update: string;
  loss: string;
  every: number;
  repeat: number;
  graph: StepGraph;
}

export interface StepPlan {
  model: string;
  batch: number;
  schedule: "alternating" | "simultaneous";
  updates: PlannedUpdate[];
}

/** Lower every update; verify after each pass (a failure is a compiler bug, thrown). LowerError for what the step
 * IR does not cover yet. */
export function lowerStepPlan(ir: IRProgram, opts: { exposeGrads?: boolean } = {}): StepPlan {
  const updates = ir.updates.map((u) => {
    let g = lowerUpdate(ir, u, opts);
    // lowering leaves dead nodes (the objective itself, unused forward values): the verifier runs from the first DCE on
    for (const [pass, f] of [["dce", dce], ["cse", cse], ["dce after cse", dce]] as const) {
      g = f(g);
      const errs = verify(g);
      if (errs.length) throw new Error(`step IR of update ${u.name} fails verification after ${pass}: ${errs.slice(0, 3).join("; ")}`);
    }
    return { update: u.name, loss: u.loss, every: u.every, repeat: u.repeat, graph: g };
  });
  return { model: ir.model.name, batch: ir.train.batch, schedule: ir.train.schedule, updates };
}

/** The plan as text: the schedule, then each update's graph (one node per line, gradient nodes marked). */
export function printStepPlan(p: StepPlan, specFile: string): string {
  const head = [
    `# step plan of ${p.model}: batch ${p.batch}, schedule ${p.schedule}, one shared minibatch per step`,
    ...p.updates.map((u) => `#   ${u.update}: every ${u.every} step(s), ${u.repeat} time(s), loss ${u.loss}`),
    "",
  ];
  return [...head, ...p.updates.map((u) => printGraph(u.graph, { specFile }))].join("\n");
}

/** The update-group graphs of a simultaneous schedule: updates of one loss that are due at the same steps (same
 * `every`, one application each) as ONE graph: one forward pass and one backward pass of the loss to the union of
 * their variables (a maximizing update's gradients negated), then each update's own optimizer step, with the same
 * inputs and outputs (names) as its own graph. Not part of the printed plan: the ORT backend runs a group's graph in
 * place of its members' when all of them are due. A group is only formed when every member's graph draws exactly
 * the noise inputs the joint graph draws (so one draw consumes the run's RNG as the members' draws do) and updates
 * nothing but its variables and optimizer slots. */
export interface JointUpdate {
  updates: string[];
  loss: string;
  graph: StepGraph;
}

export function lowerJointUpdates(ir: IRProgram, plan: StepPlan): JointUpdate[] {
  if (ir.train.schedule !== "simultaneous") return [];
  const groups = new Map<string, IRUpdate[]>();
  for (const u of ir.updates) {
    if (u.repeat !== 1) continue;
    const k = `${u.loss}|${u.every}`;
    groups.set(k, [...(groups.get(k) ?? []), u]);
  }
  const out: JointUpdate[] = [];
  for (const us of groups.values()) {
    if (us.length < 2) continue;
    const g = jointGraph(ir, us, plan);
    if (g) out.push({ updates: us.map((u) => u.name), loss: us[0]!.loss, graph: g });
  }
  return out;
}

function jointGraph(ir: IRProgram, us: IRUpdate[], plan: StepPlan): StepGraph | null {
  const varsOf = (u: IRUpdate) => [...new Set(u.groups.flatMap((g) => g.vars))];
  const all = [...new Set(us.flatMap(varsOf))];
  if (all.length !== us.reduce((n, u) => n + varsOf(u).length, 0)) return null; // a variable in two updates
  const name = us.map((u) => u.name).join("+");
  // the loss and its gradients: a plain descent on the union (its own optimizer step is dropped below)
  const pseudo: IRUpdate = {
    ...us[0]!,
    name,
    direction: "minimizes",
    groups: [{ ...us[0]!.groups[0]!, vars: all }],
    optimizer: { ...us[0]!.optimizer, kind: "sgd", lr: 0, momentum: 0, schedule: undefined },
    project: [],
    constrain: undefined,
  };
  let base: StepGraph;
  try {
    base = lowerUpdate(ir, pseudo, { exposeGrads: true });
  } catch {
    return null;
  }
  const gradOut = new Map(base.outputs.filter((o) => o.name.startsWith("grad:")).map((o) => [o.name.slice(5), o.id]));
  if (all.some((v) => typeof gradOut.get(v) !== "number")) return null;
  const lossOut = base.outputs.find((o) => o.name === `loss:${us[0]!.loss}`);
  if (!lossOut || base.outputs.some((o) => o.role === "update" && !all.includes(o.name))) return null; // moving statistics
  const b = new StepBuilder(name);
  b.values.push(...base.values);
  b.inputs.push(...base.inputs);
  b.output(lossOut.id, lossOut.name, lossOut.role);
  const paramId = new Map(base.inputs.filter((i) => i.kind === "param").map((i) => [i.name, i.id]));
  for (const u of us) {
    const vars = varsOf(u);
    const ids = vars.map((v) => paramId.get(v)!);
    const grads = vars.map((v) => (u.direction === "maximizes" ? b.add("neg", [gradOut.get(v)!]) : gradOut.get(v)!));
    optimizerStep(b, u, vars, ids, grads);
  }
  let g = b.graph();
  for (const [pass, f] of [["dce", dce], ["cse", cse], ["dce after cse", dce]] as const) {
    g = f(g);
    const errs = verify(g);
    if (errs.length) throw new Error(`joint step IR of ${name} fails verification after ${pass}: ${errs.slice(0, 3).join("; ")}`);
  }
  // the members' contract: the same outputs by name, and the same noise draws
  const noise = (x: StepGraph) => x.inputs.filter((i) => i.kind === "noise").map((i) => i.name).sort().join(",");
  for (const u of us) {
    const own = plan.updates.find((p) => p.update === u.name)?.graph;
    if (!own || noise(own) !== noise(g)) return null;
    for (const o of own.outputs) if (o.role === "update" && !g.outputs.some((x) => x.name === o.name)) return null;
    if (own.outputs.some((o) => o.role === "update" && !varsOf(u).includes(o.name) && !o.name.startsWith(`${u.name}/`))) return null;
  }
  return g;
}
