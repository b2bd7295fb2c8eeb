// The run-directory commands (train --resume, sample, eval, assign) on a hand-made run directory whose trainer.ts
// re-exports the tiny fixture program, so these tests do not depend on the compiler.
import { describe, expect, it, beforeAll } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runTrain, type TrainCliOptions } from "../../compiler/cli/commands/train.ts";
import { runSample } from "../../compiler/cli/commands/sample.ts";
import { runEval } from "../../compiler/cli/commands/eval.ts";
import { runAssign } from "../../compiler/cli/commands/assign.ts";
import { decodePng } from "../../runtime/report/png.ts";

const FIXTURE = resolve(__dirname, "../train/fixtures/tiny-program.ts");

function io() {
  const o = { out: "", err: "" };
  return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
}

function makeRunDir(head: boolean, extra = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "ganc-cli-"));
  writeFileSync(join(dir, "spec.gan"), 'model tiny_ring "fixture"\n');
  writeFileSync(join(dir, "overrides.json"), JSON.stringify({ specPath: "tiny.gan", specDir: dir, overrides: {}, plugins: [], runtime: "" }));
  writeFileSync(
    join(dir, "trainer.ts"),
    `import { makeTinyModule } from ${JSON.stringify(FIXTURE)};\n` +
      `const m = makeTinyModule({ steps: 20, head: ${head}${extra} });\nexport const meta = m.meta;\nexport const createProgram = m.createProgram;\n`,
  );
  return dir;
}

const trainOpts = (o: Partial<TrainCliOptions>): TrainCliOptions => ({ set: {}, plugin: [], backend: "wasm", eval: true, quiet: true, ...o });

describe("train --resume / sample / eval / assign", () => {
  let dir: string;
  beforeAll(async () => {
    dir = makeRunDir(true);
    // a run dir with no checkpoint yet: --resume starts it from scratch
    const { o, io: i } = io();
    expect(await runTrain(undefined, trainOpts({ resume: dir, steps: 10 }), i)).toBe(0);
    expect(o.out).toMatch(/completed 10\/10 steps/);
    expect(o.out).toMatch(/modes_total\s+8/);
  });

  it("--resume with a raised --steps continues from the checkpoint", async () => {
    const { o, io: i } = io();
    expect(await runTrain(undefined, trainOpts({ resume: dir, steps: 20 }), i)).toBe(0);
    expect(o.out).toMatch(/completed 20\/20 steps/);
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    expect(summary.resumed_from).toBe(10);
    expect(existsSync(join(dir, "plots/losses.png"))).toBe(true);
  });

  it("sample writes a PNG and CSV", async () => {
    const a = io();
    const png = join(dir, "s.png");
    expect(await runSample(dir, { n: 50, output: png, backend: "wasm" }, a.io)).toBe(0);
    expect(decodePng(readFileSync(png)).width).toBe(512);
    const b = io();
    expect(await runSample(dir, { n: 5, csv: true, backend: "wasm" }, b.io)).toBe(0);
    const rows = b.o.out.trim().split("\n");
    expect(rows[0]).toBe("x0,x1");
    expect(rows.length).toBe(6);
    expect(rows.slice(1).every((r) => r.split(",").map(Number).every(Number.isFinite))).toBe(true);
    const c = io();
    expect(await runSample(dir, { n: 5, component: 1, backend: "wasm" }, c.io)).toBe(1);
    expect(c.o.err).toMatch(/no.*GaussianMixture|mixture/i);
  });

  it("eval prints JSON metrics of the latest checkpoint", async () => {
    const { o, io: i } = io();
    expect(await runEval(dir, { json: true, backend: "wasm" }, i)).toBe(0);
    const r = JSON.parse(o.out);
    expect(r.step).toBe(20);
    expect(r.metrics.modes_total).toBe(8);
    expect(r.metrics.cluster_accuracy).toBeGreaterThan(0);
    expect(r.metrics.cluster_accuracy).toBeLessThanOrEqual(1);
  });

  it("assign writes responsibilities that sum to 1", async () => {
    const csv = join(dir, "pts.csv");
    writeFileSync(csv, "a,b\n2,0\n0,2\n-2,0\n");
    const { o, io: i } = io();
    expect(await runAssign(dir, { data: csv, backend: "wasm" }, i)).toBe(0);
    const rows = o.out.trim().split("\n");
    expect(rows[0]).toBe("k,p0,p1,p2,p3,p4,p5,p6,p7");
    expect(rows.length).toBe(4);
    for (const r of rows.slice(1)) {
      const [k, ...p] = r.split(",").map(Number);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(p[k!]).toBe(Math.max(...p));
    }
  });

  it("assign without a head, and on a bad CSV, fails with a clear message", async () => {
    const nohead = makeRunDir(false);
    await runTrain(undefined, trainOpts({ resume: nohead, steps: 2, eval: false }), io().io);
    const a = io();
    expect(await runAssign(nohead, { data: "x.csv", backend: "wasm" }, a.io)).toBe(1);
    expect(a.o.err).toMatch(/error: model tiny_ring has no PCM head/);
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "1,2,3\n4,5,6\n");
    const b = io();
    expect(await runAssign(dir, { data: bad, backend: "wasm" }, b.io)).toBe(1);
    expect(b.o.err).toMatch(/rows have 3 values/);
  });

  it("a NaN loss exits 3 naming the spec line, keeping the last checkpoint", async () => {
    const nan = makeRunDir(false, ", nanAt: 7, checkpointEvery: 5");
    const { o, io: i } = io();
    expect(await runTrain(undefined, trainOpts({ resume: nan, eval: false }), i)).toBe(3);
    expect(o.err).toMatch(/^error: training stopped at step 7: loss g_loss is NaN.*tiny_ring\.gan:12.*step-5/);
    expect(existsSync(join(nan, "checkpoints/step-5.json"))).toBe(true);
  });

  it("usage errors exit 2 and missing run dirs exit 1", async () => {
    const a = io();
    expect(await runTrain("x.gan", trainOpts({ steps: 1, epochs: 1 }), a.io)).toBe(2);
    expect(await runTrain(undefined, trainOpts({}), a.io)).toBe(2);
    expect(await runTrain("x.gan", trainOpts({ resume: dir }), a.io)).toBe(2);
    expect(await runTrain(undefined, trainOpts({ resume: dir, seed: 3 }), a.io)).toBe(2);
    expect(a.o.err).toMatch(/do not pass a spec, --set, --plugin or --seed/);
    expect(await runTrain(undefined, trainOpts({ resume: join(dir, "nope") }), a.io)).toBe(2);
    const b = io();
    expect(await runEval(join(dir, "nope"), { backend: "wasm" }, b.io)).toBe(1);
    expect(b.o.err).toMatch(/run directory not found/);
  });
});
