// `ganc compile` and `ganc train SPEC` through the real pipeline (in process), on a bundled spec cut short.
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compileSpec } from "../../compiler/cli/commands/compile.ts";
import { runTrain } from "../../compiler/cli/commands/train.ts";
import { readJsonl } from "../../runtime/train/metrics-log.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "ganc-ct-"));
const VANILLA = resolve(__dirname, "../../specs/vanilla_gan.gan");

function io() {
  const o = { out: "", err: "" };
  return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
}

describe("compile", () => {
  it("renders diagnostics and exits 1 on a bad spec, 2 on an unreadable one", async () => {
    const dir = tmp();
    const bad = join(dir, "bad.gan");
    writeFileSync(bad, 'model bad "x"\nparam K: int in 1..10 = 3\nloss l = E[x] foo(K)\n');
    const r = await compileSpec(bad, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.exitCode).toBe(1);
    expect(r.messages).toMatch(/error\[E\d+\]/);
    expect(r.messages).toMatch(/bad\.gan:3/);
    const u = await compileSpec(join(dir, "missing.gan"), {});
    expect(u.ok ? 0 : u.exitCode).toBe(2);
    const o = await compileSpec(VANILLA, { overrides: { dz: "0" } });
    expect(o.ok ? 0 : o.exitCode).toBe(1);
  });
});

describe("train SPEC", () => {
  it("writes a complete run directory, can be interrupted and resumed", async () => {
    const out = join(tmp(), "run");
    const a = io();
    const code = await runTrain(VANILLA, { set: { dz: "4" }, plugin: [], backend: "wasm", eval: true, quiet: true, steps: 30, out }, a.io);
    expect(a.o.err).not.toMatch(/error/);
    expect(code).toBe(0);
    for (const f of ["spec.gan", "overrides.json", "trainer.ts", "metrics.jsonl", "summary.json", "checkpoints/latest", "plots/losses.svg", "samples/step-30.png"])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, "spec.gan"), "utf8")).toBe(readFileSync(VANILLA, "utf8"));
    expect(JSON.parse(readFileSync(join(out, "overrides.json"), "utf8")).overrides).toEqual({ dz: "4" });
    // the trainer imports the runtime by absolute path, so the run dir works anywhere
    const trainer = readFileSync(join(out, "trainer.ts"), "utf8");
    expect(trainer).toContain(JSON.stringify(resolve(__dirname, "../../runtime/index.ts")));
    expect(trainer).toMatch(/export async function createProgram/);
    expect(a.o.out).toMatch(/modes_total\s+8/);
    // same run dir again without --resume: refused
    const b = io();
    expect(await runTrain(VANILLA, { set: {}, plugin: [], backend: "wasm", eval: false, quiet: true, steps: 5, out }, b.io)).toBe(2);
    expect(b.o.err).toMatch(/already holds a run/);
    // --resume with a raised target continues from step 30
    const c = io();
    expect(await runTrain(undefined, { set: {}, plugin: [], backend: "wasm", eval: false, quiet: true, steps: 40, resume: out }, c.io)).toBe(0);
    // log_every is 100: only the final line of each session
    expect(readJsonl<{ step: number }>(join(out, "metrics.jsonl")).map((l) => l.step)).toEqual([30, 40]);
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))).toMatchObject({ steps: 40, resumed_from: 30 });
  });
});
