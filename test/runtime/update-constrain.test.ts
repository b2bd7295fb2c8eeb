// `update ... constrain clip(lo, hi)` (issue 21, WGAN weight clipping): after every critic update each tensor the
// update trains lies in [lo, hi] on both back ends, the generator's do not (they are not constrained), and the
// formatter keeps the clause. The example writes the shorthand `clip(c)` = clip(-c, c), which checks to the same IR.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileModule, REPO } from "../../experiments/lib/spec-program.ts";
import { trainRun } from "../../runtime/train/run.ts";
import { loadLatestCheckpoint } from "../../runtime/train/checkpoint.ts";
import { format, parse } from "../../grammar/index.ts";
import { check } from "../../compiler/check/index.ts";

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
    expect(out).toContain("with rmsprop(lr=5e-5) constrain clip(clip_c)");
  });

  it("clip(c) is clip(-c, c): the same IR on an update and on a weights declaration; a negative c is refused", () => {
    const text = readFileSync(SPEC, "utf8");
    const ir = (t: string, overrides: Record<string, string> = {}) => {
      const p = parse(t, SPEC);
      expect(p.diagnostics).toEqual([]);
      return check(p.spec, { overrides });
    };
    const short = ir(text).ir!;
    const long = ir(text.replace("constrain clip(clip_c)", "constrain clip(-clip_c, clip_c)")).ir!;
    expect(long.updates[0]!.constrain!.args).toEqual({ lo: -0.01, hi: 0.01 });
    expect(short.updates[0]!.constrain!.kind).toBe("clip");
    expect(short.updates[0]!.constrain!.args).toEqual(long.updates[0]!.constrain!.args);
    expect(ir(text, { clip_c: "0.5" }).ir!.updates[0]!.constrain!.args).toEqual({ lo: -0.5, hi: 0.5 });
    expect(ir(text.replace("constrain clip(clip_c)", "constrain clip(c=0.25)")).ir!.updates[0]!.constrain!.args).toEqual({ lo: -0.25, hi: 0.25 });
    // on weights: the same projection arguments
    const w = (c: string) => ir(text + `weights W: Real[2, 2] init zeros constrain ${c}\nloss extra = g_loss + sum(W @ W)\nupdate w_step: W minimizes extra with sgd(lr=0.1)\n`).ir!.weights.find((x) => x.name === "W")!;
    const kindArgs = (c: string) => {
      const k = w(c).constrain!;
      return { kind: k.kind, args: k.args };
    };
    expect(kindArgs("clip(0.3)")).toEqual({ kind: "clip", args: { lo: -0.3, hi: 0.3 } });
    expect(kindArgs("clip(0.3)")).toEqual(kindArgs("clip(-0.3, 0.3)"));
    const bad = ir(text.replace("constrain clip(clip_c)", "constrain clip(-0.01)"));
    expect(bad.ir).toBeNull();
    expect(bad.diagnostics.map((d) => d.code)).toHaveLength(1);
  });
});
