// `ganc export --format onnx` (issue 18): onnxruntime-node on the exported inference model reproduces the tfjs
// program's sample (what `ganc sample` draws) from the same noise, to float32 round-off: vanilla_gan (Normal latent),
// pcm_gan (a learned full-covariance GaussianMixture: component index and eps as inputs) and its PCM head against
// program.assign, bn_gan (batchnorm on the moving statistics, dropout off), sn_gan (spectral_norm on the stored
// power-iteration vectors), and the CLI.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "onnx-proto";
import { REPO } from "../../experiments/lib/spec-program.ts";
import { loadRun } from "../../runtime/train/rundir.ts";
import { buildInferenceModels, drawSamplerInputs, exportOnnx, readRunArtifacts } from "../../runtime/export/onnx.ts";
import { makeRun, maxErr, runOnnx } from "./helpers.ts";
import { tf } from "../../runtime/tf.ts";

const TOL = 2e-5;

async function checkSampler(runDir: string, n: number) {
  const a = await readRunArtifacts(runDir);
  const [gen] = buildInferenceModels(a, n);
  const feeds = drawSamplerInputs(a, gen!.inputs, n);
  const got = await runOnnx(gen!.bytes, new Map(gen!.inputs.map((i) => [i.onnx, { data: feeds.get(i.onnx)!, shape: i.shape }])));
  const run = await loadRun(runDir, { backend: "wasm" });
  const t = run.program.sample(n);
  const want = Float32Array.from(await t.data());
  expect(got.samples!.dims).toEqual(t.shape);
  t.dispose();
  return { gen: gen!, err: maxErr(got.samples!.data, want), run, a };
}

describe("export --format onnx", () => {
  it("vanilla_gan: the exported generator reproduces program.sample on the same noise", async () => {
    const runDir = await makeRun("vanilla_gan", 30);
    const { gen, err } = await checkSampler(runDir, 50);
    expect(gen.inputs.map((i) => [i.onnx, i.dtype, i.shape])).toEqual([["latent:z", "f32", [50, 8]]]);
    expect(gen.outputs.map((o) => [o.onnx, o.shape])).toEqual([["samples", [50, 2]]]);
    expect(err).toBeLessThan(TOL);
  });

  it("pcm_gan: mixture latent as component + eps, and the head reproduces program.assign", async () => {
    const runDir = await makeRun("pcm_gan", 12, { batch_size: "16" });
    const n = 40;
    const { gen, err, run } = await checkSampler(runDir, n);
    expect(gen.inputs.map((i) => [i.onnx, i.dtype, i.shape]).sort()).toEqual([["latent:z.component", "i32", [n]], ["noise:z.eps", "f32", [n, 4]]]);
    expect(err).toBeLessThan(TOL);
    // the head on real rows
    const files = await exportOnnx(runDir, { batch: n });
    expect(files.map((f) => f.role)).toEqual(["generator", "head"]);
    const head = files[1]!;
    expect(head.file.endsWith(".head.onnx")).toBe(true);
    expect(head.inputs.map((i) => [i.onnx, i.shape])).toEqual([["x", [n, 2]]]);
    const col = run.program.data.columns[run.program.meta.sampleSpace.column]!;
    const x = Float32Array.from(Array.from(col.data).slice(0, n * 2));
    const got = await runOnnx(head.file, new Map([["x", { data: x, shape: [n, 2] }]]));
    const xt = tf.tensor2d(x, [n, 2]);
    const r = run.program.assign!(xt);
    const want = Float32Array.from(await r.data());
    expect(got.responsibilities!.dims).toEqual([n, 4]);
    expect(maxErr(got.responsibilities!.data, want)).toBeLessThan(TOL);
    xt.dispose();
    r.dispose();
    // one component: a constant component input gives that component's samples (program.sample({component}))
    const k = 2;
    const eps = drawSamplerInputs(await readRunArtifacts(runDir), gen.inputs, n).get("noise:z.eps")!;
    const one = await runOnnx(files[0]!.file, new Map<string, { data: Float32Array | Int32Array; shape: number[] }>([
      ["latent:z.component", { data: new Int32Array(n).fill(k), shape: [n] }],
      ["noise:z.eps", { data: eps, shape: [n, 4] }],
    ]));
    const fresh = await loadRun(runDir, { backend: "wasm" });
    const tk = fresh.program.sample(n, { component: k });
    // sampleComponent draws eps only (no component indices): the same stream gives different eps, so compare the
    // ORT model on the eps the tfjs call used (the first n*dim normals of the fork)
    const { createRng } = await import("../../runtime/rng.ts");
    const eps2 = createRng(fresh.seed).fork("sample").normals(n * 4);
    const one2 = await runOnnx(files[0]!.file, new Map<string, { data: Float32Array | Int32Array; shape: number[] }>([
      ["latent:z.component", { data: new Int32Array(n).fill(k), shape: [n] }],
      ["noise:z.eps", { data: Float32Array.from(eps2), shape: [n, 4] }],
    ]));
    expect(maxErr(one2.samples!.data, Float32Array.from(await tk.data()))).toBeLessThan(TOL);
    expect(one.samples!.data.length).toBe(n * 2);
    tk.dispose();
  });

  it("bn_gan: batchnorm uses the moving statistics, dropout is off (as program.sample)", async () => {
    const runDir = await makeRun(join(REPO, "test/export/bn_gan.gan"), 40);
    const { gen, err, a } = await checkSampler(runDir, 30);
    expect(Object.keys(a.checkpoint.arrays).some((k) => k.endsWith("moving_mean"))).toBe(true);
    // the moving statistics are initializers, not inputs
    const m = pkg.onnx.ModelProto.decode(gen.bytes);
    const inits = m.graph!.initializer!.map((t) => t.name!);
    expect(inits.filter((t) => /^G\/batchnorm_\d+\/moving_(mean|variance)$/.test(t))).toHaveLength(2);
    expect(m.graph!.input!.map((i) => i.name)).toEqual(["latent:z"]);
    expect(err).toBeLessThan(TOL);
  });

  it("sn_gan: spectral_norm reads the stored power-iteration vectors (as program.sample)", async () => {
    const runDir = await makeRun(join(REPO, "test/export/sn_gan.gan"), 20);
    const { gen, err, a } = await checkSampler(runDir, 30);
    expect(Object.keys(a.checkpoint.arrays).filter((k) => k.endsWith("/sn_u")).sort()).toEqual(["state/D/dense_0/sn_u", "state/G/dense_0/sn_u", "state/G/dense_1/sn_u"]);
    const m = pkg.onnx.ModelProto.decode(gen.bytes);
    const inits = m.graph!.initializer!.map((t) => t.name!);
    expect(inits.filter((t) => /^G\/dense_\d+\/sn_u$/.test(t))).toHaveLength(2);
    expect(m.graph!.input!.map((i) => i.name)).toEqual(["latent:z"]);
    expect(err).toBeLessThan(TOL);
  });

  it("ganc export writes the models and documents their inputs; a bad run directory is a clear error", () => {
    return (async () => {
      const runDir = await makeRun("vanilla_gan", 10);
      const r = spawnSync(process.execPath, [join(REPO, "bin/ganc.js"), "export", runDir, "--format", "onnx", "--batch", "8"], { cwd: REPO, encoding: "utf8" });
      expect(r.stderr).toContain("generator G: (latent:z: f32[8, 8]) -> (samples: f32[8, 2])");
      expect(r.status).toBe(0);
      const file = join(runDir, "export", "vanilla_gan.onnx");
      expect(r.stdout.trim()).toBe(file);
      expect(existsSync(file)).toBe(true);
      const m = pkg.onnx.ModelProto.decode(readFileSync(file));
      const meta = Object.fromEntries(m.metadataProps!.map((p) => [p.key, p.value]));
      expect(meta["ganc.step"]).toBe("10");
      expect(JSON.parse(meta["ganc.inputs"]!)).toEqual([{ name: "latent:z", shape: [8, 8], dtype: "f32" }]);
      const bad = spawnSync(process.execPath, [join(REPO, "bin/ganc.js"), "export", join(runDir, "nope")], { cwd: REPO, encoding: "utf8" });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain("run directory not found");
    })();
  });
});
