// Plugin params of kind `network`: the plugin receives the spec's network as a callable (runtime/plugin.ts
// PluginNetwork) that runs inside the trainer's tape. Checked on the R1 example (examples/plugins/r1.ts): it checks
// clean, the emitted trainer passes a callable and type-checks, the penalty's value and its gradient w.r.t. D's
// parameters (a gradient of a gradient) are right, and training through it works.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as rt from "../../runtime/index.ts";
import { tf } from "../../runtime/tf.ts";
import { parse } from "../../grammar/index.ts";
import { check } from "../../compiler/check/index.ts";
import { renderDiagnostics } from "../../diagnostics/render.ts";
import { loadSpecPlugins } from "../../compiler/plugins/uses.ts";
import { compileSourceWithPlugins } from "../../compiler/plugins/compile.ts";
import { callPluginLoss, pluginNetwork, type PluginNetwork } from "../../runtime/plugin.ts";
import * as r1Plugin from "../../examples/plugins/r1.ts";
import { typeCheck } from "../typecheck.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const OUT = join(ROOT, "test/plugins/.out/network");
const R1_SPEC = join(ROOT, "examples/plugins/r1_ring.gan");
const R1_TEXT = readFileSync(R1_SPEC, "utf8");
const R1_TERM = " + r1_penalty(x, D, gamma=gamma)";

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  await rt.initBackend("wasm");
});

async function checkText(text: string, file: string) {
  const loaded = await loadSpecPlugins(text, file, { cwd: ROOT });
  const c = check(parse(text, file).spec, { extraSignatures: loaded.entries, plugins: loaded.plugins });
  const diagnostics = [...loaded.diagnostics, ...c.diagnostics];
  return { ...c, loaded, diagnostics, rendered: renderDiagnostics(diagnostics, new Map([[file, text], ...loaded.sources])) };
}

/** Compile spec text (as if it were `file`) with its plugins; the trainer imports the runtime as "ganc/runtime". */
async function compile(text: string, file: string, overrides: Record<string, string> = {}) {
  const r = await compileSourceWithPlugins(text, file, { overrides, cwd: ROOT });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(r.ts).not.toBeNull();
  return r.ts!;
}

async function load(name: string, code: string): Promise<rt.ProgramModule> {
  const f = join(OUT, `${name}.ts`);
  writeFileSync(f, code);
  return (await import(/* @vite-ignore */ f)) as rt.ProgramModule;
}

const ctx = (seed = 0): rt.ProgramContext => ({ rng: rt.createRng(seed), baseDir: join(ROOT, "examples/plugins"), backend: "wasm" });


async function params(prog: rt.Program, prefix: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of prog.store.names().sort())
    if (name.startsWith(prefix)) out.push(...Array.from(await prog.store.get(name).data()));
  return out;
}

describe("network arguments of plugin losses: checking", () => {
  it("the R1 example checks clean; the prim records its network param", async () => {
    const r = await checkText(R1_TEXT, R1_SPEC);
    expect(r.rendered).toBe("");
    const prims = r.ir!.losses.flatMap((l) => l.graph.values.filter((v) => v.op === "prim"));
    expect(prims).toHaveLength(1);
    expect(prims[0]!.attrs).toEqual({
      name: "r1_penalty",
      plugin: join(ROOT, "examples/plugins/r1.ts"),
      named: { critic: "D", gamma: 10 },
      networks: ["critic"],
    });
    // D is read by d_loss (through the plugin only in the R1 term) and so is updated by it
    expect(r.ir!.losses.find((l) => l.name === "d_loss")!.uses.networks).toContain("D");
  });

  it("network(real) makes the checker verify that the network takes real's type (E0318)", async () => {
    const r = await checkText(R1_TEXT.replace("r1_penalty(x, D,", "r1_penalty(x, G,"), R1_SPEC);
    const errs = r.diagnostics.filter((d) => d.severity === "error");
    expect(errs.map((d) => d.code)).toEqual(["E0318"]);
    expect(errs[0]!.message).toBe("r1_penalty: `critic` = `G` takes (Real[8]), but it is applied to `real`: Real[2]");
    // a value that is not a network is an overload error listing the plugin's signature
    const r2 = await checkText(R1_TEXT.replace("r1_penalty(x, D,", "r1_penalty(x, x,"), R1_SPEC);
    const all = r2.diagnostics.map((d) => [d.message, ...d.hints].join("\n")).join("\n");
    expect(all).toMatch(/expected a network name/);
  });
});

describe("network arguments of plugin losses: emitted code", () => {
  it("passes a PluginNetwork callable with the network's name and types", async () => {
    const code = await compile(R1_TEXT, R1_SPEC);
    expect(code.replace(/\s+/g, " ")).toContain(
      'critic: rt.ops.pluginNetwork((x0) => net_D(training, x0), { name: "D", inputs: ["Real[2]"], output: "Logit" })',
    );
    expect(code.replace(/\s+/g, " ")).toMatch(/rt\.ops\.callPluginLoss\( plugin_0, "r1_penalty", \[x\], \{ critic: .*, gamma: 10, \}, 0, \)/);
    writeFileSync(join(OUT, "r1_ring_typecheck.ts"), code); // type-checked with the probe's trainer below
  });

  it("the plugin receives a function with the right name, inputs and output; string options stay strings; both trainers type-check", async () => {
    // a probe plugin: two network params (one applied, one not), a string option whose value is a network's name
    writeFileSync(
      join(OUT, "probe.ts"),
      `import { defineLoss } from "ganc/plugin";
export const probe = defineLoss({
  name: "probe_net",
  signatures: ['(real: Real[...s], critic: network(real), gen: network, who: string = "D") -> Real'],
  doc: "records what it receives",
  implementation: ([real], named, tf) => {
    const { critic, gen, who } = named;
    if (typeof critic !== "function" || typeof gen !== "function") throw new Error("not callable");
    const seen = (globalThis as Record<string, unknown>).__gancProbe as unknown[];
    const z = tf.zeros([real.shape[0], 8]);
    const xs = gen(z);
    seen.push({ critic: [typeof critic, critic.name, critic.inputs, critic.output], gen: [gen.name, gen.inputs, gen.output, xs.shape], who });
    return tf.mean(critic(real));
  },
});
export default [probe];
`,
    );
    const spec = join(OUT, "probe_ring.gan");
    const text = R1_TEXT.replace('use "./r1.ts"', 'use "./probe.ts"').replace(R1_TERM, " + probe_net(x, D, G)");
    writeFileSync(spec, text);
    const code = await compile(text, spec);
    expect(code.replace(/\s+/g, " ")).toContain(
      'gen: rt.ops.pluginNetwork((x0) => net_G(training, x0), { name: "G", inputs: ["Real[8]"], output: "Real[2]" })',
    );
    expect(code).toContain('who: "D"');
    const f = join(OUT, "probe_ring.ts");
    writeFileSync(f, code);
    // one tsc program for both emitted trainers (R1's from the test above)
    expect(typeCheck([join(OUT, "r1_ring_typecheck.ts"), f])).toEqual([]);
    const seen: unknown[] = [];
    (globalThis as Record<string, unknown>).__gancProbe = seen;
    const mod = await load("probe_ring_run", code);
    const prog = await mod.createProgram(ctx());
    const l = await prog.trainStep(0);
    expect(Number.isFinite(l["d_step"])).toBe(true);
    expect(seen[0]).toEqual({
      critic: ["function", "D", ["Real[2]"], "Logit"],
      gen: ["G", ["Real[8]"], "Real[2]", [256, 2]],
      who: "D",
    });
  });
});

describe("network arguments of plugin losses: runtime", () => {
  it("pluginNetwork: read-only description, calls through, rejects a wrong number of inputs", () => {
    const net = pluginNetwork((x) => tf.mul(x, 2), { name: "D", inputs: ["Real[2]"], output: "Logit" });
    expect([net.name, net.inputs, net.output]).toEqual(["D", ["Real[2]"], "Logit"]);
    expect(() => {
      (net as { output: string }).output = "x";
    }).toThrow(TypeError);
    const y = net(tf.ones([3, 2]));
    expect(Array.from(y.dataSync())).toEqual([2, 2, 2, 2, 2, 2]);
    expect(() => net()).toThrow(/network D takes 1 input \(Real\[2\]\), got 0/);
    tf.dispose(y);
  });

  it("R1 of a linear critic is gamma/2 |w|^2; gamma = 0 gives 0", () => {
    const w = tf.tensor1d([1, 2]);
    const critic = pluginNetwork((x) => tf.sum(tf.mul(x, w), 1), { name: "D", inputs: ["Real[2]"], output: "Logit" });
    const real = tf.randomNormal([16, 2], 0, 1, "float32", 1);
    const at = (gamma: number) => {
      const t = callPluginLoss(r1Plugin as Record<string, unknown>, "r1_penalty", [real], { critic, gamma }, tf, 0);
      const v = t.dataSync()[0]!;
      t.dispose();
      return v;
    };
    expect(at(10)).toBeCloseTo(25, 4);
    expect(at(0)).toBe(0);
    tf.dispose([w, real]);
  });

  // A ReLU critic, as in r1_ring. (tfjs 4.22 drops the second-order path through ops whose gradient reuses their
  // output, i.e. tanh, sigmoid, exp: tensorflow/tfjs#3252; docs/extending.md says so.)
  it("gradients flow through the penalty to a ReLU critic's parameters (gradient of a gradient = finite differences)", () => {
    const W0 = [
      [0.3, -0.5, 0.8],
      [0.7, 0.2, -0.4],
    ];
    const v = tf.tensor1d([0.5, -1.0, 0.75]);
    const real = tf.randomNormal([32, 2], 0, 1, "float32", 2);
    const penalty = (W: rt.tf.Tensor) => {
      const critic: PluginNetwork = pluginNetwork((x) => tf.sum(tf.mul(tf.relu(tf.add(tf.matMul(x, W), 0.1)), v), 1), {
        name: "D",
        inputs: ["Real[2]"],
        output: "Logit",
      });
      return callPluginLoss(r1Plugin as Record<string, unknown>, "r1_penalty", [real], { critic, gamma: 10 }, tf, 0);
    };
    const W = tf.variable(tf.tensor2d(W0), true, "probe_W");
    const { grads } = tf.variableGrads(() => penalty(W) as rt.tf.Scalar, [W]);
    const g = Array.from(grads["probe_W"]!.dataSync());
    expect(g.some((x) => Math.abs(x) > 1e-3)).toBe(true);
    const eps = 1e-2;
    for (let i = 0; i < 6; i++) {
      const shifted = (d: number) =>
        tf.tidy(() => {
          const flat = W0.flat();
          flat[i]! += d;
          return penalty(tf.tensor2d(flat, [2, 3])).dataSync()[0]!;
        });
      const fd = (shifted(eps) - shifted(-eps)) / (2 * eps);
      expect(Math.abs(g[i]! - fd)).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
    }
    tf.dispose([v, real, W, grads["probe_W"]!]);
  });
});

describe("network arguments of plugin losses: training", () => {
  it("trains r1_ring; gamma=0 equals no penalty, gamma=10 changes D's loss and D's updates", async () => {
    const noR1 = R1_TEXT.replace(R1_TERM, "");
    expect(noR1).not.toBe(R1_TEXT);
    const run = async (label: string, text: string, overrides: Record<string, string>) => {
      const mod = await load(`r1_${label}`, await compile(text, R1_SPEC, overrides));
      const prog = await mod.createProgram(ctx(0));
      const before = await params(prog, "D/");
      const first = await prog.trainStep(0);
      const afterOne = await params(prog, "D/");
      const losses = [first];
      for (let s = 1; s < 5; s++) losses.push(await prog.trainStep(s));
      for (const l of losses) for (const x of Object.values(l)) expect(Number.isFinite(x)).toBe(true);
      return { before, d0: first["d_step"]!, afterOne };
    };
    const base = await run("none", noR1, {});
    const g0 = await run("g0", R1_TEXT, { gamma: "0" });
    const g10 = await run("g10", R1_TEXT, { gamma: "10" });
    // same seed, same initial D
    expect(g0.before).toEqual(base.before);
    expect(g10.before).toEqual(base.before);
    // gamma = 0: the penalty is exactly 0, and so is its gradient
    expect(g0.d0).toBe(base.d0);
    expect(g0.afterOne).toEqual(base.afterOne);
    // gamma = 10: a positive penalty, and D's first update differs
    expect(g10.d0).toBeGreaterThan(base.d0);
    expect(g10.afterOne).not.toEqual(base.afterOne);
  });
});
