// `ganc export --format safetensors` (issue 18): every parameter and moving statistic of the latest checkpoint,
// by store name, F32, with model / step metadata. Checked three ways: our decoder, an independent reader in plain
// Python (json + struct: the format's definition, no safetensors package), and `safetensors.torch.load_file` where
// the Python module is installed (Debian 12 has no python3-safetensors package: that test is skipped, saying so).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../../experiments/lib/spec-program.ts";
import { loadLatestCheckpoint } from "../../runtime/train/checkpoint.ts";
import { decodeSafetensors, encodeSafetensors } from "../../runtime/export/safetensors.ts";
import { makeRun } from "./helpers.ts";

// GANC_TEST_PYTHON: another interpreter (a venv with safetensors and torch) for the load_file test
const PY = process.env.GANC_TEST_PYTHON ?? "/usr/bin/python3";
const hasPy = (mod: string) => spawnSync(PY, ["-c", `import ${mod}`]).status === 0;
const hasSafetensors = hasPy("safetensors.torch") && hasPy("torch");
if (!hasSafetensors) console.log(`skipping the safetensors.torch.load_file test: ${PY} has no module safetensors (with torch); Debian 12 has no python3-safetensors package (set GANC_TEST_PYTHON to a python with both)`);

describe("export --format safetensors", async () => {
  const runDir = await makeRun(join(REPO, "test/export/bn_gan.gan"), 20);
  const file = join(runDir, "w.safetensors");
  const r = spawnSync(process.execPath, [join(REPO, "bin/ganc.js"), "export", runDir, "--format", "safetensors", "-o", file], { cwd: REPO, encoding: "utf8" });
  const ck = loadLatestCheckpoint(join(runDir, "checkpoints"))!;
  const want = Object.entries(ck.arrays).filter(([k]) => k.startsWith("param/") || k.startsWith("state/")).map(([k, a]) => [k.slice(k.indexOf("/") + 1), a] as const);

  it("writes every parameter and moving statistic by store name with the checkpoint's values", () => {
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(file);
    const buf = readFileSync(file);
    const n = Number(buf.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const { tensors, metadata } = decodeSafetensors(buf);
    expect(metadata).toEqual({ format: "pt", model: "bn_gan", step: "20", spec: "bn_gan.gan" });
    expect([...tensors.keys()].sort()).toEqual(want.map(([k]) => k).sort());
    expect([...tensors.keys()]).toContain("G/dense_0/kernel");
    expect([...tensors.keys()].some((k) => k.endsWith("/moving_variance"))).toBe(true);
    for (const [k, a] of want) {
      expect(tensors.get(k)!.shape, k).toEqual(a.shape);
      expect(Array.from(tensors.get(k)!.data), k).toEqual(Array.from(Float32Array.from(a.data)));
    }
    // no optimizer state
    expect([...tensors.keys()].some((k) => k.startsWith("opt/") || k.includes("d_step"))).toBe(false);
  });

  it("an independent reader (Python json + struct) reads the same values", () => {
    const py = [
      "import json, struct, sys",
      "b = open(sys.argv[1], 'rb').read()",
      "n = struct.unpack('<Q', b[:8])[0]",
      "h = json.loads(b[8:8 + n])",
      "meta = h.pop('__metadata__')",
      "out = {k: {'shape': v['shape'], 'sum': sum(struct.unpack('<%df' % ((v['data_offsets'][1] - v['data_offsets'][0]) // 4), b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]]))} for k, v in h.items() if v['dtype'] == 'F32'}",
      "print(json.dumps({'meta': meta, 'tensors': out, 'end': max(v['data_offsets'][1] for v in h.values()) + 8 + n == len(b)}))",
    ].join("\n");
    const p = spawnSync(PY, ["-c", py, file], { encoding: "utf8" });
    expect(p.stderr).toBe("");
    const got = JSON.parse(p.stdout) as { meta: Record<string, string>; tensors: Record<string, { shape: number[]; sum: number }>; end: boolean };
    expect(got.end).toBe(true);
    expect(got.meta.step).toBe("20");
    for (const [k, a] of want) {
      expect(got.tensors[k]!.shape).toEqual(a.shape);
      const s = Array.from(Float32Array.from(a.data)).reduce((x, y) => x + y, 0);
      expect(Math.abs(got.tensors[k]!.sum - s)).toBeLessThan(1e-9 * (1 + Math.abs(s)));
    }
  });

  it.skipIf(!hasSafetensors)("safetensors.torch.load_file loads it with the same values", () => {
    const py = [
      "import json, sys",
      "from safetensors.torch import load_file",
      "t = load_file(sys.argv[1])",
      "print(json.dumps({k: {'shape': list(v.shape), 'dtype': str(v.dtype), 'data': v.flatten().tolist()} for k, v in t.items()}))",
    ].join("\n");
    const p = spawnSync(PY, ["-c", py, file], { encoding: "utf8", maxBuffer: 1 << 28 });
    expect(p.status, p.stderr).toBe(0);
    const got = JSON.parse(p.stdout) as Record<string, { shape: number[]; dtype: string; data: number[] }>;
    expect(Object.keys(got).sort()).toEqual(want.map(([k]) => k).sort());
    for (const [k, a] of want) {
      expect(got[k]!.dtype).toBe("torch.float32");
      expect(got[k]!.shape).toEqual(a.shape);
      expect(got[k]!.data).toEqual(Array.from(Float32Array.from(a.data)));
    }
  });

  it("encodes scalars and empty metadata; rejects a size mismatch and duplicate names", () => {
    const b = encodeSafetensors([{ name: "s", shape: [], data: [1.5] }]);
    expect(decodeSafetensors(b).tensors.get("s")).toEqual({ shape: [], data: Float32Array.of(1.5) });
    expect(() => encodeSafetensors([{ name: "a", shape: [2], data: [1] }])).toThrow(/1 values for shape \[2\]/);
    expect(() => encodeSafetensors([{ name: "a", shape: [1], data: [1] }, { name: "a", shape: [1], data: [2] }])).toThrow(/used twice/);
  });
});
