// `update ... constrain clip(lo, hi)` (issue 21, WGAN weight clipping): after every critic update each tensor the
// update trains lies in [lo, hi] on both back ends, the generator's do not (they are not constrained), and the
// formatter keeps the clause.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileModule, REPO } from "../../experiments/lib/spec-program.ts";
import { trainRun } from "../../runtime/train/run.ts";
import { loadLatestCheckpoint } from "../../runtime/train/checkpoint.ts";
import { format } from "../../grammar/index.ts";

const SPEC = join(REPO, "examples/specs/wgan_clip_ring.gan");

describe("update constrain clip", () => {
  for (const backend of ["ort", "wasm"] as const) {
    it(`${backend}: D's parameters are clipped to [-c, c] after training, G's are not`, async () => {
      const { module, dir } = await compileModule(SPEC, { clip_c: 0.05, n_critic: 2 }, { graphs: true });
      const runDir = mkdtempSync(join(tmpdir(), "ganc-clip-"));
      const s = await trainRun({ module, runDir, backend, graphsDir: join(dir, "graphs"), steps: 3, quiet: true, evaluate: false, handleSigint: false });
      expect(s.status).toBe("completed");
      const arrays = loadLatestCheckpoint(join(runDir, "checkpoints"))!.arrays;
      const maxAbs = (prefix: string) =>
        Math.max(...Object.entries(arrays).filter(([k]) => k.startsWith(`param/${prefix}/`)).flatMap(([, a]) => a.data.map(Math.abs)));
      expect(maxAbs("D")).toBeLessThanOrEqual(Math.fround(0.05));
      // glorot init of a 128-wide dense layer reaches ~0.15: the clip is what keeps D inside, so it is active
      expect(maxAbs("D")).toBeCloseTo(0.05, 6);
      expect(maxAbs("G")).toBeGreaterThan(0.05);
    }, 120_000);
  }

  it("the formatter keeps `constrain` on an update", () => {
    const text = readFileSync(SPEC, "utf8");
    const out = format(text, SPEC).text ?? "";
    expect(out).toContain("with rmsprop(lr=5e-5) constrain clip(-clip_c, clip_c)");
  });
});
