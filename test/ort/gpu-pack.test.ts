// The GPU machine's kit (issue 15, bench/gpu/): pack.ts compiles a workload's step plan, bundles the runner and
// copies onnxruntime-node; the bundle, with only that copy of ORT (no node_modules), times the plan on the CPU
// engine here, and on the WebGPU engine either times it too (where ORT finds an adapter) or fails with the reason.
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadOrt, probeWebgpu } from "../../runtime/ort/session.ts";

const ROOT = resolve(__dirname, "../..");

describe("bench/gpu kit", () => {
  it("packs a plan and a bundled runner that times it with the packed ONNX Runtime", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-gpu-pack-"));
    const out = join(dir, "kit");
    const p = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/gpu/pack.ts"), "--out", out, "--only", "vanilla_ring", "--batches", "16", "--no-node", "--no-vulkan", "--xz", "0"], { cwd: ROOT, encoding: "utf8" });
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/packed 1 workloads x 1 batch sizes .* MiB/);
    const plan = JSON.parse(readFileSync(join(out, "plans/vanilla_ring-b16/plan.json"), "utf8")) as { batch: number; updates: unknown[] };
    expect(plan.batch).toBe(16);
    expect(plan.updates.length).toBe(2);
    for (const f of ["run-plan.cjs", "step-peer.py", "table.py", "device.sh", "workloads.json"]) expect(existsSync(join(out, f)), f).toBe(true);
    // unpack ORT as device.sh does, away from the repository's node_modules
    const ort = join(dir, "ort");
    cpSync(join(out, "ort"), ort, { recursive: true });
    const xz = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? xz(join(d, e.name)) : e.name.endsWith(".xz") ? [join(d, e.name)] : []));
    const packed = xz(ort);
    expect(packed.length).toBeGreaterThan(0);
    for (const f of packed) execFileSync("xz", ["-d", f]);
    const env = { ...process.env, ORT_NODE: join(ort, "node_modules/onnxruntime-node"), NODE_PATH: "" };
    const run = (provider: string) =>
      spawnSync(process.execPath, [join(out, "run-plan.cjs"), "--provider", provider, "--steps", "3", "--rounds", "1", join(out, "plans/vanilla_ring-b16")], { cwd: dir, env, encoding: "utf8" });
    const cpu = run("cpu");
    expect(cpu.status, cpu.stdout + cpu.stderr).toBe(0);
    const m = /cpu host batch 16: ([\d.]+) ms\/step .*losses d_step (\S+), g_step (\S+)/.exec(cpu.stdout);
    expect(m, cpu.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number.isFinite(Number(m![2])) && Number.isFinite(Number(m![3]))).toBe(true);
    const noGpu = await probeWebgpu(await loadOrt());
    const gpu = run("webgpu");
    if (noGpu === null) expect(gpu.stdout).toMatch(/webgpu host batch 16: [\d.]+ ms\/step/);
    else {
      console.log(`webgpu timing not run: ${noGpu}`);
      expect(gpu.status).toBe(1);
      expect(gpu.stdout).toMatch(/webgpu host: FAILED .*adapter/i);
    }
  }, 300_000);

  it("table.py joins the runner's JSON and the peer's lines into one markdown table with the ratio", () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-gpu-table-"));
    const peer = join(dir, "peer.txt");
    const ort = join(dir, "ort.json");
    writeFileSync(peer, "gm_gan 64 200.0 3.1\n");
    writeFileSync(ort, JSON.stringify([{ dir: "x/plans/gm_gan-b64/", batch: 64, provider: "webgpu", resident: "gpu", msPerStep: 2.5 }]));
    const t = execFileSync("python3", [join(ROOT, "bench/gpu/table.py"), peer, ort], { encoding: "utf8" });
    expect(t).toContain("| gm_gan | 64 | 2.500 | 5.000 | 2.00 |");
  });
});
