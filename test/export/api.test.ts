// `ganc/run` (runtime/api.ts, issue 18): the package entry resolves, docs/runtime.md's example runs as written on a
// real pcm_gan run, and sample / assign agree with the program they wrap.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../../experiments/lib/spec-program.ts";
import { loadRun } from "../../runtime/api.ts";
import { loadRun as loadRunDir } from "../../runtime/train/rundir.ts";
import { makeRun } from "./helpers.ts";

describe("ganc/run", async () => {
  const runDir = await makeRun("pcm_gan", 6, { batch_size: "16" });

  it("package.json exports ./run", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { exports: Record<string, string> };
    expect(pkg.exports["./run"]).toBe("./runtime/api.ts");
  });

  it("docs/runtime.md's example runs through the package entry", () => {
    const md = readFileSync(join(REPO, "docs/runtime.md"), "utf8");
    const m = /<!-- api-example -->\n```ts\n([\s\S]*?)```/.exec(md);
    expect(m, "the api-example block in docs/runtime.md").not.toBeNull();
    expect(m![1]).toContain('from "ganc/run"');
    // inside the package, so "ganc/run" resolves by the package's self-reference
    const file = join(REPO, "test/export", `.api-example-${process.pid}.ts`);
    writeFileSync(file, m![1]!);
    try {
      const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: REPO, encoding: "utf8", env: { ...process.env, RUN: runDir } });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { model: string; step: number; sample: number[]; assign: number[]; k: number[] };
      expect(out).toMatchObject({ model: "pcm_gan", step: 6, sample: [100, 2], assign: [100, 4] });
      expect(out.k.every((k) => k >= 0 && k < 4)).toBe(true);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("sample and assign are the program's, as plain arrays", async () => {
    const run = await loadRun(runDir);
    const ref = (await loadRunDir(runDir, { backend: "wasm" })).program;
    const s = await run.sample(10);
    const t = ref.sample(10);
    expect(s.shape).toEqual([10, 2]);
    expect(Array.from(s.data)).toEqual(Array.from(await t.data()));
    const r = await run.assign(s.data);
    expect(r.shape).toEqual([10, 4]);
    for (let i = 0; i < 10; i++) expect(r.data.subarray(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    await expect(run.assign(new Float32Array(3))).rejects.toThrow(/not whole rows of 2/);
    await expect(run.sample(0)).rejects.toThrow(/positive integer/);
    run.dispose();
    t.dispose();
  });

  it("assign without a head is a clear error", async () => {
    const v = await loadRun(await makeRun("vanilla_gan", 4));
    await expect(v.assign(new Float32Array(4))).rejects.toThrow(/has no PCM head/);
    v.dispose();
  });
});
