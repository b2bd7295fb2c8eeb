import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { trainRun, TrainFailure } from "../../runtime/train/run.ts";
import { readJsonl } from "../../runtime/train/metrics-log.ts";
import { listCheckpoints } from "../../runtime/train/checkpoint.ts";
import { decodePng } from "../../runtime/report/png.ts";
import { makeTinyModule } from "./fixtures/tiny-program.ts";

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `ganc-${p}-`));
const losses = (runDir: string) => readJsonl<{ step: number; losses: Record<string, number> }>(join(runDir, "metrics.jsonl")).map((l) => ({ step: l.step, losses: l.losses }));

describe("trainRun", () => {
  it("writes a complete run directory", async () => {
    const dir = tmp("run");
    const s = await trainRun({ module: makeTinyModule({ steps: 20 }), runDir: dir, backend: "wasm", quiet: true });
    expect(s.status).toBe("completed");
    expect(s.steps).toBe(20);
    expect(s.backend).toBe("wasm");
    expect(Object.keys(s.final_losses).sort()).toEqual(["d_step", "g_step"]);
    for (const f of ["metrics.jsonl", "evals.jsonl", "summary.json", "checkpoints/latest", "checkpoints/step-20.json", "checkpoints/step-20.bin", "samples/step-20.png"])
      expect(existsSync(join(dir, f)), f).toBe(true);
    expect(losses(dir).map((l) => l.step)).toEqual([5, 10, 15, 20]);
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    expect(summary.metrics.modes_total).toBe(8);
    expect(typeof summary.metrics.ndb).toBe("number");
    const png = decodePng(readFileSync(join(dir, "samples/step-20.png")));
    // a vega-lite scatter (axes, legend, title with the step) rendered at 2x, with its SVG beside it
    expect(png.width).toBeGreaterThan(512);
    expect(readFileSync(join(dir, "samples/step-20.svg"), "utf8")).toContain("step 20");
  });

  it("is deterministic: same seed, same losses; another seed differs", async () => {
    const a = tmp("det"), b = tmp("det"), c = tmp("det");
    await trainRun({ module: makeTinyModule({ steps: 15, evaluateEvery: null }), runDir: a, backend: "wasm", quiet: true, evaluate: false });
    await trainRun({ module: makeTinyModule({ steps: 15, evaluateEvery: null }), runDir: b, backend: "wasm", quiet: true, evaluate: false });
    await trainRun({ module: makeTinyModule({ steps: 15, evaluateEvery: null }), runDir: c, backend: "wasm", quiet: true, evaluate: false, seed: 7 });
    expect(losses(a)).toEqual(losses(b));
    expect(losses(a)).not.toEqual(losses(c));
  });

  it("resume continues exactly (in process, with a raised --steps and evaluation in between)", async () => {
    const full = tmp("full"), part = tmp("part");
    const mod = () => makeTinyModule({ steps: 30, logEvery: 4, checkpointEvery: 6, evaluateEvery: 10 });
    await trainRun({ module: mod(), runDir: full, backend: "wasm", quiet: true });
    await trainRun({ module: mod(), runDir: part, backend: "wasm", quiet: true, steps: 14 });
    const s = await trainRun({ module: mod(), runDir: part, backend: "wasm", quiet: true, resume: true, steps: 30 });
    expect(s.resumed_from).toBe(14);
    // 14 is not a log step, so the partial window is carried in the checkpoint; the line at 14 (final of the first
    // session) is the one extra line
    expect(losses(part).filter((l) => l.step !== 14)).toEqual(losses(full));
  });

  it("SIGINT checkpoints and stops; resuming gives the uninterrupted losses", async () => {
    const full = tmp("ifull"), part = tmp("ipart");
    const mod = () => makeTinyModule({ steps: 20, logEvery: 2, checkpointEvery: 100, evaluateEvery: null });
    await trainRun({ module: mod(), runDir: full, backend: "wasm", quiet: true, evaluate: false });
    const s = await trainRun({
      module: mod(), runDir: part, backend: "wasm", quiet: true, evaluate: false,
      onLog: (l) => void (l.step === 8 && process.emit("SIGINT")),
    });
    expect(s.status).toBe("interrupted");
    expect(s.steps).toBe(8);
    expect(listCheckpoints(join(part, "checkpoints"))).toEqual([8]);
    expect(process.listenerCount("SIGINT")).toBe(0);
    await trainRun({ module: mod(), runDir: part, backend: "wasm", quiet: true, evaluate: false, resume: true });
    expect(losses(part)).toEqual(losses(full));
  });

  it("stops on a NaN loss with a TrainFailure naming the spec line and keeps the last good checkpoint", async () => {
    const dir = tmp("nan");
    const err = await trainRun({ module: makeTinyModule({ steps: 30, checkpointEvery: 5, nanAt: 12 }), runDir: dir, backend: "wasm", quiet: true }).catch((e) => e);
    expect(err).toBeInstanceOf(TrainFailure);
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/step 12.*g_loss.*tiny_ring\.gan:12.*step-10/);
    expect(listCheckpoints(join(dir, "checkpoints"))[0]).toBe(10);
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    expect(summary).toMatchObject({ status: "failed", steps: 12, checkpoint: "step-10" });
    expect(summary.error).toMatch(/g_loss is NaN/);
  });
});

function run(args: string[]): Promise<number | null> & { child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "fixtures/train-child.ts"), ...args], { stdio: "ignore" });
  const p = new Promise<number | null>((res) => child.on("exit", (code) => res(code))) as Promise<number | null> & { child: typeof child };
  p.child = child;
  return p;
}

describe("kill and resume", () => {
  it("SIGKILL mid-run, then --resume: metrics.jsonl equals an uninterrupted run", async () => {
    const full = tmp("kfull"), killed = tmp("kkill");
    const child = run([killed, "fresh", "60"]);
    // wait for the first checkpoint, then kill hard (before anything else loads this process's event loop)
    const ck = join(killed, "checkpoints");
    const t0 = Date.now();
    while (Date.now() - t0 < 60000 && listCheckpoints(ck).length === 0) await new Promise((r) => setTimeout(r, 20));
    child.child.kill("SIGKILL");
    expect(await child).toBe(null); // killed by the signal, not finished
    // reference run in this process (same module options as the child, no sleep)
    await trainRun({
      module: makeTinyModule({ steps: 60, logEvery: 3, checkpointEvery: 7, evaluateEvery: 20 }),
      runDir: full, backend: "wasm", quiet: true, handleSigint: false,
    });
    const at = listCheckpoints(ck)[0]!;
    expect(at).toBeGreaterThanOrEqual(7);
    expect(at).toBeLessThan(60);
    expect(await run([killed, "resume", "0"])).toBe(0);
    expect(losses(full).length).toBe(20);
    expect(losses(killed)).toEqual(losses(full));
    const evals = (d: string) => readJsonl(join(d, "evals.jsonl"));
    expect(evals(killed)).toEqual(evals(full));
  }, 120_000);
});

describe("restoreProgram", () => {
  it("rejects a checkpoint from a different program", async () => {
    const a = tmp("rp");
    await trainRun({ module: makeTinyModule({ steps: 2, evaluateEvery: null }), runDir: a, backend: "wasm", quiet: true, evaluate: false });
    // same model name, but with a head: the checkpoint lacks C's parameters
    const err = await trainRun({ module: makeTinyModule({ steps: 4, head: true }), runDir: a, backend: "wasm", quiet: true, resume: true }).catch((e) => e);
    expect(err.message).toMatch(/checkpoint lacks parameter\(s\) C\/dense_0\/kernel/);
  });
});
