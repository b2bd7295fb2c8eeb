// A plugin-defined loss end to end: load the plugin named by `use`, check the spec against the signature table with
// the plugin's entries, emit the trainer (which imports the plugin module), train it briefly: the MMD goes down.
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "../../grammar/index.ts";
import { check } from "../../compiler/check/index.ts";
import { emit } from "../../compiler/emit/index.ts";
import { renderDiagnostics } from "../../diagnostics/render.ts";
import { addPluginHints, loadSpecPlugins } from "../../compiler/plugins/uses.ts";
import type { LogLine } from "../../runtime/train/metrics-log.ts";

const root = resolve(import.meta.dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "ganc-plugins-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function checkSpec(rel: string, cli: string[] = []) {
  const file = join(root, rel);
  const text = readFileSync(file, "utf8");
  const loaded = await loadSpecPlugins(text, file, { plugins: cli, cwd: root });
  const c = check(parse(text, file).spec, { extraSignatures: loaded.entries, plugins: loaded.plugins });
  const diagnostics = [...loaded.diagnostics, ...c.diagnostics];
  const rendered = renderDiagnostics(diagnostics, new Map([[file, text], ...loaded.sources]));
  return { ...c, loaded, diagnostics, rendered };
}

describe("plugin losses end to end", () => {
  it("the example specs check, with prim ops naming their plugin module", async () => {
    for (const spec of ["examples/plugins/mmd_ring.gan", "examples/plugins/ragan_ring.gan"]) {
      const r = await checkSpec(spec);
      expect(r.rendered).toBe("");
      const prims = r.ir!.losses.flatMap((l) => l.graph.values.filter((v) => v.op === "prim"));
      expect(prims.length).toBeGreaterThan(0);
      for (const p of prims) expect(p.attrs.plugin).toBe(r.loaded.plugins[0].resolved);
      expect(r.ir!.plugins.map((p) => p.resolved)).toEqual([r.loaded.plugins[0].resolved]);
    }
  });

  it("--plugin paths work like `use` (relative to the current directory)", async () => {
    const text = readFileSync(join(root, "examples/plugins/mmd_ring.gan"), "utf8").replace('use "./mmd.ts"', "");
    const file = join(tmp, "no_use.gan");
    writeFileSync(file, text);
    const loaded = await loadSpecPlugins(text, file, { plugins: ["examples/plugins/mmd.ts"], cwd: root });
    expect(loaded.diagnostics).toEqual([]);
    const c = check(parse(text, file).spec, { extraSignatures: loaded.entries, plugins: loaded.plugins });
    expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    // without the plugin, the primitive is unknown
    const bare = check(parse(text, file).spec, {});
    const unknown = addPluginHints(bare.diagnostics, loaded).find((d) => d.code === "E0203")!;
    expect(unknown.message).toBe("unknown function `mmd2_rbf`");
    expect(unknown.hints[unknown.hints.length - 1]).toBe(
      'if `mmd2_rbf` is a loss primitive from a plugin, load its module with `use "./file.ts"` in the spec or `--plugin file.ts` (loaded: "examples/plugins/mmd.ts")',
    );
  });

  it("arguments are checked against the plugin's signatures like a built-in's", async () => {
    const text = readFileSync(join(root, "examples/plugins/ragan_ring.gan"), "utf8").replace(
      "ragan_d(D(x), D(G(z)), kind=kind)",
      "ragan_d(D(x), G(z), kind=kind)",
    );
    const file = join(root, "examples/plugins/_wrong_args.gan");
    const loaded = await loadSpecPlugins(text, file, { cwd: root });
    const c = check(parse(text, file).spec, { extraSignatures: loaded.entries, plugins: loaded.plugins });
    const errs = c.diagnostics.filter((d) => d.severity === "error");
    expect(errs.length).toBeGreaterThan(0);
    const all = errs.map((d) => [d.message, ...d.hints].join("\n")).join("\n");
    expect(all).toMatch(/ragan_d/);
  });

  /** Write an emitted trainer into the temp dir and train it on wasm for `steps`; returns the summary and log lines. */
  async function trainEmitted(code: string, name: string, steps: number) {
    const trainer = join(tmp, `${name}_trainer.ts`);
    writeFileSync(trainer, code);
    const mod = await import(pathToFileURL(trainer).href);
    const { trainRun } = await import("../../runtime/train/run.ts");
    const logs: LogLine[] = [];
    const runDir = join(tmp, `${name}-run`);
    const summary = await trainRun({
      module: mod,
      runDir,
      backend: "wasm",
      steps,
      quiet: true,
      evaluate: false,
      handleSigint: false,
      onLog: (l) => logs.push(l),
    });
    return { summary, logs, runDir };
  }

  it("compiles to a trainer that imports the plugin and trains: the MMD goes down", async () => {
    const r = await checkSpec("examples/plugins/mmd_ring.gan");
    expect(r.ir).not.toBeNull();
    const e = await emit(r.ir!, { runtimeImport: pathToFileURL(join(root, "runtime/index.ts")).href });
    expect(e.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(e.code).toContain(`from ${JSON.stringify(r.loaded.plugins[0].resolved)}`);
    expect(e.code).toContain('callPluginLoss(plugin_0, "mmd2_rbf"');
    const { summary, logs, runDir } = await trainEmitted(e.code!, "mmd", 100);
    expect(summary.status).toBe("completed");
    const series = logs.map((l) => l.losses.g_step).filter((v) => typeof v === "number");
    expect(series.length).toBeGreaterThanOrEqual(2);
    if (process.env.GANC_VERBOSE) console.log(`mmd_ring g_step loss by log line: ${series.map((v) => v.toFixed(4)).join(" ")}`);
    expect(series[series.length - 1]).toBeLessThan(series[0] * 0.7);
    expect(existsSync(runDir)).toBe(true);
  });

  it("the RaGAN example (two updates through plugin losses) trains with finite losses", async () => {
    const r = await checkSpec("examples/plugins/ragan_ring.gan");
    expect(r.ir).not.toBeNull();
    const e = await emit(r.ir!, { runtimeImport: pathToFileURL(join(root, "runtime/index.ts")).href });
    const { summary, logs } = await trainEmitted(e.code!, "ragan", 40);
    expect(summary.status).toBe("completed");
    const d = logs.map((l) => l.losses.d_step);
    expect(d.length).toBeGreaterThan(0);
    for (const v of d) expect(Number.isFinite(v)).toBe(true);
  });
});
