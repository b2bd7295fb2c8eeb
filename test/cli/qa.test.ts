// Regression tests from user-facing QA: bad inputs must give a clear message and the documented exit code
// (0 ok, 1 input errors, 2 usage, 3 NaN), never exit 70 "internal error".
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTrain, type TrainCliOptions } from "../../compiler/cli/commands/train.ts";
import { trainRun } from "../../runtime/train/run.ts";
import { listCheckpoints } from "../../runtime/train/checkpoint.ts";
import { makeTinyModule } from "../train/fixtures/tiny-program.ts";

function io() {
  const o = { out: "", err: "" };
  return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
}
const opts = (o: Partial<TrainCliOptions>): TrainCliOptions => ({ set: {}, plugin: [], backend: "wasm", eval: false, quiet: true, ...o });

// A tiny 2-D GAN on a data source given as text; the spec lives in a temp folder OUTSIDE the package (the
// run directory too), as a researcher's files would.
function tinySpec(data: string, files: Record<string, string> = {}, extra = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "ganc-qa-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const spec = join(dir, "tiny.gan");
  writeFileSync(
    spec,
    `model tiny "qa"
param lr: real in 0..1000000 = 0.001
latent z ~ Normal(0, 1, dim=2)
data x: Real[2] = ${data}
generator G(z: Real[2]) -> Real[2] = z |> mlp([8], act=relu()) |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> mlp([8], act=relu()) |> dense(1)
loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = E[z] -log_sigmoid(D(G(z)))
update d_step: D maximizes d_loss with adam(lr=lr)
update g_step: G minimizes g_loss with adam(lr=lr)
train { batch 8; steps 4; seed 0; log_every 2; checkpoint_every 2 }
${extra}`,
  );
  return spec;
}
const rows = (n: number, w: number) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: w }, (_, j) => ((i * 7 + j * 3) % 11) / 10).join(",")).join("\n") + "\n";

describe("data errors are user errors (exit 1 with the hint), also for run dirs outside the package", () => {
  it("missing CSV", async () => {
    const spec = tinySpec('csv(path="nope.csv")');
    const { o, io: i } = io();
    expect(await runTrain(spec, opts({ out: join(spec, "../run") }), i)).toBe(1);
    expect(o.err).toMatch(/csv: file not found: .*nope\.csv/);
    expect(o.err).toMatch(/hint: path is relative to/);
    expect(o.err).not.toMatch(/internal error/);
    // a run that fails before its first checkpoint leaves no half-written run directory (issue 18)
    expect(existsSync(join(spec, "../run"))).toBe(false);
  });

  it("non-numeric CSV cell", async () => {
    const spec = tinySpec('csv(path="d.csv")', { "d.csv": "a,b\n" + rows(20, 2) + "3,abc\n" });
    const { o, io: i } = io();
    expect(await runTrain(spec, opts({ out: join(spec, "../run") }), i)).toBe(1);
    expect(o.err).toMatch(/d\.csv:22: column 2 \("b"\) is not a number: "abc"/);
  });

  it("a CSV wider than the declared type is refused, not silently re-cut into rows", async () => {
    const spec = tinySpec('csv(path="d.csv")', { "d.csv": rows(40, 3) });
    const { o, io: i } = io();
    expect(await runTrain(spec, opts({ out: join(spec, "../run") }), i)).toBe(1);
    expect(o.err).toMatch(/`x` is declared with 2 values per row \(\[2\]\), but the data has 3/);
    expect(existsSync(join(spec, "../run/checkpoints"))).toBe(false);
  });

  it("a headerless numeric CSV keeps its first row (header defaults to auto)", async () => {
    const spec = tinySpec('csv(path="d.csv")', { "d.csv": rows(16, 2) });
    const { o, io: i } = io();
    // 16 rows, batch 8, 4 steps = 2 epochs exactly; had the first row been eaten as a header, 15 rows give 1 batch
    // per epoch and the run would end in epoch 3
    expect(await runTrain(spec, opts({ out: join(spec, "../run") }), i)).toBe(0);
    const trainer = readFileSync(join(spec, "../run/trainer.ts"), "utf8");
    expect(trainer).not.toMatch(/header: true/);
    // the run dir declares ESM so tsx does not load trainer.ts as CommonJS with a second runtime copy
    expect(JSON.parse(readFileSync(join(spec, "../run/package.json"), "utf8")).type).toBe("module");
    expect(o.out).toMatch(/completed 4\/4 steps/);
  });
});

it("an --out that cannot be created is a user error (exit 1 with a hint), not an internal one", async () => {
  const spec = tinySpec("ring(modes=4, n=64)");
  const blocker = join(spec, "../blocker");
  writeFileSync(blocker, "a file where the run folder should go");
  const { o, io: i } = io();
  expect(await runTrain(spec, opts({ out: join(blocker, "run") }), i)).toBe(1);
  expect(o.err).toMatch(/ENOTDIR/);
  expect(o.err).toMatch(/hint: part of the path is a file/);
  expect(o.err).not.toMatch(/internal error/);
});

describe("a real SIGTERM / SIGINT during training checkpoints and stops", () => {
  for (const sig of ["SIGTERM", "SIGINT"] as const)
    it(sig, async () => {
      const dir = mkdtempSync(join(tmpdir(), "ganc-qa-sig-"));
      const mod = makeTinyModule({ steps: 400, logEvery: 2, checkpointEvery: 1000, evaluateEvery: null });
      // a step that keeps the CPU busy without ever yielding to the event loop, like a wasm step
      const create = mod.createProgram;
      mod.createProgram = async (ctx) => {
        const p = await create(ctx);
        const step = p.trainStep.bind(p);
        p.trainStep = async (i) => {
          const until = Date.now() + 5;
          while (Date.now() < until);
          if (i === 3) process.kill(process.pid, sig); // delivered through the event loop, not synchronously
          return step(i);
        };
        return p;
      };
      // keeps the default action (exit) away from the test worker should the harness miss the signal
      const guard = () => {};
      process.on(sig, guard);
      try {
        const s = await trainRun({ module: mod, runDir: dir, backend: "wasm", quiet: true, evaluate: false });
        expect(s.status).toBe("interrupted");
        expect(s.steps).toBeLessThan(400);
        expect(listCheckpoints(join(dir, "checkpoints"))).toEqual([s.steps]);
      } finally {
        process.removeListener(sig, guard);
      }
    });
});
