// End to end: compile bundled specs, import the emitted module, train on the wasm backend and check that the
// model learns, that memory stays flat, and that NaN losses become typed errors naming the spec line.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as rt from "../../runtime/index.ts";
import { compileFile } from "../../compiler/pipeline.ts";
import { emit } from "../../compiler/emit/index.ts";
import { G, real, vanillaIR } from "./fixtures/ir-builders.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const OUT = join(ROOT, "test/emit/.out/e2e");

async function load(name: string, code: string): Promise<rt.ProgramModule> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.ts`);
  writeFileSync(file, code);
  return (await import(/* @vite-ignore */ file)) as rt.ProgramModule;
}

async function compileSpec(spec: string, overrides: Record<string, string> = {}): Promise<rt.ProgramModule> {
  const r = await compileFile(join(ROOT, "specs", `${spec}.gan`), { overrides });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return load(`${spec}_${Object.values(overrides).join("_")}`, r.ts!);
}

const ctx = (seed = 0): rt.ProgramContext => ({ rng: rt.createRng(seed), baseDir: join(ROOT, "specs"), backend: "wasm" });

beforeAll(async () => {
  await rt.initBackend("wasm");
});

describe("vanilla_gan on the ring", () => {
  it("trains: D loss moves, samples spread over the ring, tensor count stays flat", async () => {
    const mod = await compileSpec("vanilla_gan");
    const prog = await mod.createProgram(ctx());
    expect(prog.meta.sampleSpace).toEqual({ name: "x", column: 0, shape: [2], image: false });
    const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
    const spread = async () => {
      const x = prog.sample(1000);
      expect(x.shape).toEqual([1000, 2]);
      const pts = (await x.array()) as number[][];
      x.dispose();
      const radius = mean(pts.map(([u, v]) => Math.hypot(u!, v!)));
      const sd = Math.sqrt(mean(pts.map(([u]) => u! * u!)) - mean(pts.map(([u]) => u!)) ** 2);
      return { radius, sd };
    };
    const before = await spread();
    const d: number[] = [];
    let tensorsAt10 = 0;
    const N = 150;
    for (let s = 0; s < N; s++) {
      const l = await prog.trainStep(s);
      expect(Object.keys(l).sort()).toEqual(["d_step", "g_step"]);
      d.push(l["d_step"]!);
      if (s === 10) tensorsAt10 = rt.tf.memory().numTensors;
    }
    expect(rt.tf.memory().numTensors).toBe(tensorsAt10);
    // at init D is ~chance: d_loss = 2 log(1/2); it must have moved
    expect(Math.abs(mean(d.slice(-10)) - mean(d.slice(0, 3)))).toBeGreaterThan(0.05);
    const after = await spread();
    console.log(`vanilla ring: radius ${before.radius.toFixed(3)} -> ${after.radius.toFixed(3)}, sd ${before.sd.toFixed(3)} -> ${after.sd.toFixed(3)}`);
    // the ring has radius 2; an untrained G puts its samples near the origin
    expect(after.radius).toBeGreaterThan(Math.max(0.8, 2 * before.radius));
    expect(after.radius).toBeLessThan(3.5);
    expect(after.sd).toBeGreaterThan(2 * before.sd);
    // evaluation helpers
    const probe = rt.tf.zeros([5, 2]);
    const logits = prog.network("D", probe);
    expect(logits.shape).toEqual([5]);
    rt.tf.dispose([probe, logits]);
    expect(() => prog.network("nope")).toThrow(rt.GancRuntimeError);
    expect(() => prog.sample(2, { component: 0 })).toThrow(rt.GancRuntimeError);
    expect(prog.assign).toBeNull();
  });
});

describe("gat_gmm (simultaneous GDA with weights, gather, quadform, inv, projection)", () => {
  it("is deterministic for a seed and keeps A's eigenvalues below 1 - delta", async () => {
    const mod = await compileSpec("gat_gmm");
    const run = async () => {
      const prog = await mod.createProgram(ctx(3));
      const out: Record<string, number>[] = [];
      for (let s = 0; s < 20; s++) out.push(await prog.trainStep(s));
      return { out, prog };
    };
    const a = await run();
    const b = await run();
    expect(a.out).toEqual(b.out);
    // simultaneous: both updates see the same parameters and draws, so they report the same loss value
    for (const l of a.out) expect(l["d_step"]).toBe(l["g_step"]);
    const A = (await a.prog.store.get("A").array()) as number[][][];
    for (const m of A) {
      // 2x2 symmetric: largest eigenvalue
      const [p, q, r] = [m[0]![0]!, m[0]![1]!, m[1]![1]!];
      const lmax = (p + r) / 2 + Math.sqrt(((p - r) / 2) ** 2 + q * q);
      expect(lmax).toBeLessThanOrEqual(0.99 + 1e-4);
    }
  });
});

describe("gat_gmm learns the mixture means", () => {
  it("mu rows approach +-theta (seed 1, lr_g 0.01, 250 steps): each row within 0.7, total error down 40%", async () => {
    const mod = await compileSpec("gat_gmm", { lr_g: "0.01" });
    const prog = await mod.createProgram(ctx(1));
    const theta = (prog.data.truth as { means: number[][] }).means;
    const err = async () => {
      const mu = (await prog.store.get("mu").array()) as number[][];
      const d = (a: number[], b: number[]) => Math.hypot(...a.map((x, i) => x - b[i]!));
      // match rows to the two true means (either assignment)
      const e1 = [d(mu[0]!, theta[0]!), d(mu[1]!, theta[1]!)];
      const e2 = [d(mu[0]!, theta[1]!), d(mu[1]!, theta[0]!)];
      return e1[0]! + e1[1]! <= e2[0]! + e2[1]! ? e1 : e2;
    };
    const before = await err();
    for (let s = 0; s < 250; s++) await prog.trainStep(s);
    const after = await err();
    console.log(`gat_gmm mu error: [${before.map((x) => x.toFixed(3))}] -> [${after.map((x) => x.toFixed(3))}]`);
    for (const e of after) expect(e).toBeLessThan(0.7);
    expect(after[0]! + after[1]!).toBeLessThan(0.6 * (before[0]! + before[1]!));
  });
});

describe("mixture_gan and pcm_gan (2-D defaults) run with flat memory", () => {
  for (const spec of ["mixture_gan", "pcm_gan"]) {
    it(spec, async () => {
      const mod = await compileSpec(spec);
      const prog = await mod.createProgram(ctx());
      let n2 = 0;
      for (let s = 0; s < 8; s++) {
        const l = await prog.trainStep(s);
        expect(Object.keys(l).sort()).toEqual(prog.meta.updates.map((u) => u.name).sort());
        for (const v of Object.values(l)) expect(Number.isFinite(v)).toBe(true);
        if (s === 2) n2 = rt.tf.memory().numTensors;
      }
      expect(rt.tf.memory().numTensors).toBe(n2);
      const x = prog.sample(5, prog.meta.components ? { component: 1 } : {});
      expect(x.shape).toEqual([5, 2]);
      x.dispose();
      if (spec === "pcm_gan") {
        expect(prog.meta.components).toBe(4);
        expect(() => prog.sample(2, { component: 4 })).toThrow(rt.GancRuntimeError);
        const probe = rt.tf.zeros([3, 2]);
        const p = prog.assign!(probe);
        expect(p.shape).toEqual([3, 4]);
        const sums = (await rt.tf.sum(p, 1).array()) as number[];
        for (const v of sums) expect(v).toBeCloseTo(1, 4);
        rt.tf.dispose([probe, p]);
      }
    });
  }
});

describe("plugin loss primitives", () => {
  it("mmd_ring imports its plugin by resolved path (a string literal) and trains through it", async () => {
    const { compileFileWithPlugins } = await import("../../compiler/plugins/compile.ts");
    const r = await compileFileWithPlugins(join(ROOT, "examples/plugins/mmd_ring.gan"));
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const imports = r.ts!.split("\n").filter((l) => l.startsWith("import "));
    expect(imports).toEqual([
      'import * as rt from "ganc/runtime";',
      `import * as plugin_0 from ${JSON.stringify(join(ROOT, "examples/plugins/mmd.ts"))};`,
    ]);
    expect(r.ts).toContain('rt.ops.callPluginLoss(plugin_0, "mmd2_rbf"');
    const mod = await load("mmd_ring", r.ts!);
    const prog = await mod.createProgram(ctx());
    const a = await prog.trainStep(0);
    const b = await prog.trainStep(1);
    expect(Number.isFinite(a["g_step"])).toBe(true);
    expect(b["g_step"]).not.toBe(a["g_step"]);
  });
});

describe("schedule: every and repeat", () => {
  it("runs an update only on its steps, and repeats n_critic updates within a step", async () => {
    const ir = vanillaIR({ hidden: 8, dataArgs: { modes: 8, radius: 2, std: 0.02, n: 300 } });
    ir.updates[0]!.repeat = 3; // d_step three times per step
    ir.updates[1]!.every = 2; // g_step on even steps
    const r = await emit(ir);
    expect(r.diagnostics).toEqual([]);
    const mod = await load("schedule", r.code);
    const prog = await mod.createProgram(ctx());
    const dVar = prog.store.get("D/dense_0/bias");
    const gVar = prog.store.get("G/dense_0/bias");
    const snap = async () => [Array.from(await dVar.data()), Array.from(await gVar.data())] as const;
    const [d0, g0] = await snap();
    expect(Object.keys(await prog.trainStep(0)).sort()).toEqual(["d_step", "g_step"]);
    const [d1, g1] = await snap();
    expect(d1).not.toEqual(d0);
    expect(g1).not.toEqual(g0);
    expect(Object.keys(await prog.trainStep(1))).toEqual(["d_step"]);
    const [, g2] = await snap();
    expect(g2).toEqual(g1); // G untouched on an odd step
  });
});

describe("runtime errors name the loss and the spec line", () => {
  it("a NaN loss throws GancRuntimeError with the spec line", async () => {
    const ir = vanillaIR({ hidden: 8, dataArgs: { modes: 8, radius: 2, std: 0.02, n: 300 } });
    // g_loss := g_loss + log(-1)
    const gl = ir.losses[1]!.graph;
    const g = new G("specs/vanilla_gan.gan", 41);
    g.values = gl.values;
    const c = g.v("const", [], { value: -1 }, real([], false));
    const lg = g.v("log", [c], {}, real([], false));
    const out = g.v("add", [gl.output, lg], {}, real([], false));
    ir.losses[1]!.graph = g.done(out);
    const r = await emit(ir);
    expect(r.diagnostics).toEqual([]);
    const mod = await load("nan", r.code);
    const prog = await mod.createProgram(ctx());
    const err = await prog.trainStep(0).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(rt.GancRuntimeError);
    expect((err as Error).message).toBe("loss g_loss is NaN at step 0");
    expect((err as rt.GancRuntimeError).specLine).toBe("vanilla_gan.gan:41");
  });
});
