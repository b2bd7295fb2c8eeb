// Learning-rate schedules (issue 21): the factor per application, the tfjs optimizer's lr per step, and a resumed
// run of examples/specs/cosine_ring.gan on the default backend (ort) continuing its schedules exactly.
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lrFactor, scheduleProblem, type LrSchedule } from "../../runtime/optim/schedule.ts";
import { hyperValuesOf } from "../../runtime/optim/hyper.ts";
import { compileModule, REPO } from "../../experiments/lib/spec-program.ts";
import { trainRun } from "../../runtime/train/run.ts";
import { loadLatestCheckpoint } from "../../runtime/train/checkpoint.ts";

const at = (s: LrSchedule, n: number) => Array.from({ length: n }, (_, i) => lrFactor(s, i + 1));

describe("lrFactor (t counts applications from 1)", () => {
  it("constant, warmup, linear_decay, cosine, step_decay", () => {
    expect(at({ kind: "constant" }, 3)).toEqual([1, 1, 1]);
    expect(at({ kind: "warmup", steps: 4 }, 6)).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    expect(at({ kind: "linear", steps: 4, warmup: 0, end: 0 }, 5)).toEqual([0.75, 0.5, 0.25, 0, 0]);
    // warm-up over 2, then the cosine from 1 at t = 2 to min at t = 4
    const c = at({ kind: "cosine", steps: 4, warmup: 2, min: 0.1 }, 6);
    [0.5, 1, 0.55, 0.1, 0.1, 0.1].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 12));
    expect(at({ kind: "step", every: 2, gamma: 0.5 }, 6)).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it("the step graphs' hyper inputs carry the scheduled lr", () => {
    const o = { kind: "rmsprop" as const, lr: 0.01, decay: 0.9, eps: 1e-7, momentum: 0, schedule: { kind: "step" as const, every: 1, gamma: 0.5 } };
    expect(hyperValuesOf("d", o, 3)).toEqual({ "d/lr_t": 0.0025 });
    expect(hyperValuesOf("d", { ...o, schedule: undefined }, 3)).toEqual({});
    const a = { kind: "adam" as const, lr: 0.01, beta1: 0.5, beta2: 0.999, eps: 1e-8, schedule: { kind: "warmup" as const, steps: 4 } };
    expect(hyperValuesOf("g", a, 1)["g/adam.lr_t"]).toBeCloseTo((0.01 * 0.25) / 0.5, 15);
  });

  it("rejects unusable arguments", () => {
    expect(scheduleProblem({ kind: "cosine", steps: 10, warmup: 10, min: 0 })).toMatch(/warmup/);
    expect(scheduleProblem({ kind: "step", every: 0, gamma: 0.5 })).toMatch(/every/);
    expect(scheduleProblem({ kind: "linear", steps: 5, warmup: 0, end: 2 })).toMatch(/end/);
    expect(scheduleProblem({ kind: "cosine", steps: 10, warmup: 2, min: 0.1 })).toBeNull();
  });
});

describe("cosine_ring: schedules resume exactly", () => {
  const overrides = { total: 5, warm: 2, halve: 2 };
  const tmp = (p: string) => mkdtempSync(join(tmpdir(), `ganc-sched-${p}-`));

  for (const backend of ["ort", "wasm"] as const) {
    it(`${backend}: 3 steps then resume to 6 = 6 straight (parameters, optimizer state)`, async () => {
      const { module, dir } = await compileModule(join(REPO, "examples/specs/cosine_ring.gan"), overrides, { graphs: true });
      const go = (runDir: string, steps: number, resume = false) =>
        trainRun({ module, runDir, backend, graphsDir: join(dir, "graphs"), steps, quiet: true, evaluate: false, resume, handleSigint: false });
      const full = tmp("full"), part = tmp("part");
      expect((await go(full, 6)).status).toBe("completed");
      await go(part, 3);
      const s = await go(part, 6, true);
      expect(s.resumed_from).toBe(3);
      const a = loadLatestCheckpoint(join(full, "checkpoints"))!.arrays;
      const b = loadLatestCheckpoint(join(part, "checkpoints"))!.arrays;
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
      for (const k of Object.keys(a)) expect(b[k]!.data, k).toEqual(a[k]!.data);
      expect(a["opt/g_step/t"]!.data).toEqual([6]);
    }, 120_000);
  }

  it("the schedule changes training (same spec without it differs after step 1)", async () => {
    const run = async (o: Record<string, number>) => {
      const { module } = await compileModule(join(REPO, "examples/specs/cosine_ring.gan"), o, { graphs: false });
      const d = tmp("cmp");
      const s = await trainRun({ module, runDir: d, backend: "wasm", steps: 4, quiet: true, evaluate: false, handleSigint: false });
      return s.final_losses;
    };
    // warm = 0, huge total and halve: lr is ~ constant for 4 steps
    expect(await run({ total: 5, warm: 2, halve: 1 })).not.toEqual(await run({ total: 1000000, warm: 0, halve: 1000000 }));
  }, 120_000);
});
