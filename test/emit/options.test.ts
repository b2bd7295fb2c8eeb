// Every value-taking parameter of every built-in reaches the code that computes with it (issue 22: the emitter used
// to drop gradient_penalty's weight and hinge's margin). Generated from the signature table: for each parameter a
// probe spec (test/emit/fixtures/option-probes.ts) is compiled and run with two values, and both the emitted code
// and what the trainer computes (losses of 3 steps, parameters after them, samples, evaluate metrics and the files
// they write, or the error the run stops with) must differ. A parameter without a probe or a documented exemption
// fails, so a new option cannot go unchecked. Backend-neutral: it goes through the program contract only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import * as rt from "../../runtime/index.ts";
import { compileFile } from "../../compiler/pipeline.ts";
import { renderDiagnostics } from "../../diagnostics/render.ts";
import { evaluateProgram } from "../../runtime/train/evaluate.ts";
import { EXEMPT, PROBES, probeText, probedParams, type Probe } from "./fixtures/option-probes.ts";

const RUNTIME = resolve(import.meta.dirname, "../../runtime/index.ts");
const tmp = mkdtempSync(join(tmpdir(), "ganc-options-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await rt.initBackend("wasm");
});

/** Code without comments and blank lines: a value that only reached a comment does not count. */
const codeOnly = (ts: string) =>
  ts
    .split("\n")
    .map((l) => l.replace(/\/\/.*$/, "").trim())
    .filter((l) => l !== "" && !l.startsWith("*") && !l.startsWith("/**"))
    .join("\n");

const digest = (x: unknown) => createHash("sha256").update(typeof x === "string" || Buffer.isBuffer(x) ? x : JSON.stringify(x)).digest("hex").slice(0, 16);

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    out = statSync(p).isDirectory() ? [...out, ...filesUnder(p)] : [...out, p];
  }
  return out;
}

let counter = 0;

/** Compile and run one probe value; returns the emitted code and a summary of everything the trainer computed. */
async function run(probe: Probe, i: 0 | 1): Promise<{ code: string; observed: Record<string, unknown> }> {
  const dir = join(tmp, `p${counter++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(probe.files ?? {})) writeFileSync(join(dir, name), text);
  const spec = join(dir, "probe.gan");
  const text = probeText(probe, i);
  writeFileSync(spec, text);
  const r = await compileFile(spec, { runtimeImport: RUNTIME });
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length || r.ts === null) throw new Error(`probe spec does not compile:\n${text}\n${renderDiagnostics(r.diagnostics, new Map([[spec, text]]))}`);
  const trainer = join(dir, "trainer.ts");
  writeFileSync(trainer, r.ts);
  const mod = (await import(/* @vite-ignore */ trainer)) as rt.ProgramModule;
  const observed: Record<string, unknown> = {};
  try {
    const prog = await mod.createProgram({ rng: rt.createRng(0), baseDir: dir, backend: "wasm" });
    observed.losses = [];
    for (let s = 0; s < 3; s++) (observed.losses as unknown[]).push(await prog.trainStep(s));
    observed.params = prog.store.names().map((n) => {
      const t = prog.store.get(n);
      return [n, t.shape, digest(Array.from(t.dataSync()))];
    });
    const x = prog.sample(4);
    observed.samples = digest(Array.from(x.dataSync()));
    x.dispose();
    if (prog.meta.evaluate.metrics.length) {
      const runDir = join(dir, "run");
      mkdirSync(runDir, { recursive: true });
      const ev = await evaluateProgram(prog, { runDir, step: 3, seed: 0, plots: false });
      observed.metrics = ev.metrics;
      observed.files = filesUnder(runDir).map((f) => [relative(runDir, f), digest(readFileSync(f))]);
    }
  } catch (e) {
    observed.error = e instanceof Error ? e.message : String(e);
  }
  return { code: codeOnly(r.ts), observed };
}

describe("every built-in option reaches the computation", () => {
  const params = probedParams();

  it("the probe table has no stale entries (each names a parameter of the signature table)", () => {
    const keys = new Set(params.map((p) => p.key));
    const stale = [...Object.keys(PROBES), ...Object.keys(EXEMPT)].filter((k) => !keys.has(k));
    expect(stale).toEqual([]);
    const both = Object.keys(PROBES).filter((k) => k in EXEMPT);
    expect(both).toEqual([]);
  });

  for (const { key, param } of params) {
    const exempt = EXEMPT[key];
    if (exempt) {
      it.skip(`${key}: exempt (${exempt.why})`, () => {});
      continue;
    }
    it(`${key} (${param.kind}${param.default !== undefined ? `, default ${JSON.stringify(param.default)}` : ""})`, async () => {
      const probe = PROBES[key];
      if (!probe) throw new Error(`no probe for ${key}: add one to test/emit/fixtures/option-probes.ts (or an exemption with the reason)`);
      expect(probe.values[0], `${key}: the two probe values must differ`).not.toBe(probe.values[1]);
      const a = await run(probe, 0);
      const b = await run(probe, 1);
      expect(a.code, `${key}: ${probe.values.join(" vs ")} give the same emitted code`).not.toBe(b.code);
      expect(JSON.stringify(a.observed), `${key}: ${probe.values.join(" vs ")} compute the same values`).not.toBe(
        JSON.stringify(b.observed),
      );
      // a probe that fails in both runs proves nothing (fashion_mnist.path fails on purpose in its second run only)
      expect(a.observed.error, `${key} (${probe.values[0]}) failed to run`).toBeUndefined();
    });
  }
});
