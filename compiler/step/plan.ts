// The step plan: every update of a spec as a step-IR graph (lower.ts + the grad pass + optimizer.ts, then the
// optimisation passes), and the schedule that says which graph runs when on one shared minibatch per step. Printed
// by `ganc compile SPEC --emit step-ir`; run by the reference interpreter in tests.
import type { IRProgram } from "../ir/ir.ts";
import type { StepGraph } from "./ir.ts";
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
