// `ganc train --init-from RUNDIR`: a new run starts from another run's parameters where names and shapes match
// (seed 002's recipe: fine-tune a GM-GAN from a trained vanilla GAN); the rest keep their init.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTrain, type TrainCliOptions } from "../../compiler/cli/commands/train.ts";
import { importTrainer, loadRun } from "../../runtime/train/rundir.ts";
import { warmStartProgram } from "../../runtime/train/run.ts";
import { initBackend } from "../../runtime/backend.ts";
import { createRng } from "../../runtime/rng.ts";

const opts = (o: Partial<TrainCliOptions>): TrainCliOptions => ({ set: {}, plugin: [], backend: "wasm", eval: false, quiet: true, ...o });
const sink = () => {
  const o = { out: "", err: "" };
  return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
};

function spec(dir: string, name: string, dHidden: number): string {
  const p = join(dir, `${name}.gan`);
  writeFileSync(
    p,
    `model ${name} "warm start"
data x: Real[2] = ring(modes=4, n=256)
latent z ~ Normal(0, 1, dim=2)
generator G(z: Real[2]) -> Real[2] = z |> dense(8) |> relu() |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> dense(${dHidden}) |> relu() |> dense(1)
loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = E[z] -log_sigmoid(D(G(z)))
update d_step: D maximizes d_loss with adam(lr=0.01)
update g_step: G minimizes g_loss with adam(lr=0.01)
train { batch 16; steps 4; seed 0; log_every 2; checkpoint_every 2 }
`,
  );
  return p;
}

describe("--init-from", () => {
  it("copies the parameters that match by name and shape and keeps the others at their init", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-warm-"));
    const a = join(dir, "a");
    const b = join(dir, "b");
    expect(await runTrain(spec(dir, "first", 8), opts({ out: a }), sink().io)).toBe(0);
    // D is wider in the second spec: its first two tensors cannot be copied; G and D's output bias can
    expect(await runTrain(spec(dir, "second", 16), opts({ out: b, initFrom: a, steps: 1 }), sink().io)).toBe(0);
    const summary = JSON.parse(readFileSync(join(b, "summary.json"), "utf8"));
    expect(summary.init_from.step).toBe(4);
    const gNames = summary.init_from.loaded.filter((n: string) => n.startsWith("G"));
    expect(gNames.length).toBe(4);
    expect(summary.init_from.skipped.length).toBeGreaterThan(0);
    expect(summary.init_from.skipped.every((n: string) => n.startsWith("D"))).toBe(true);

    // a fresh program of the second spec, warm-started, holds exactly the first run's final G
    const trained = (await loadRun(a)).program;
    const backend = await initBackend("wasm");
    const fresh = await (await importTrainer(join(b, "trainer.ts"))).createProgram({ rng: createRng(7), baseDir: dir, backend: backend.name });
    const w = warmStartProgram(fresh, a);
    expect(w.loaded).toEqual(expect.arrayContaining(gNames));
    for (const n of gNames) expect(Array.from(fresh.store.get(n).dataSync())).toEqual(Array.from(trained.store.get(n).dataSync()));
  }, 120_000);

  it("a folder without checkpoints is a clear user error; with --resume it is a usage error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-warm-"));
    const s = sink();
    expect(await runTrain(spec(dir, "first", 8), opts({ out: join(dir, "b"), initFrom: join(dir, "nothing") }), s.io)).toBe(1);
    expect(s.o.err).toMatch(/--init-from .*no checkpoint found/);
    const r = sink();
    expect(await runTrain(undefined, opts({ resume: join(dir, "b"), initFrom: join(dir, "a") }), r.io)).toBe(2);
  }, 60_000);
});
