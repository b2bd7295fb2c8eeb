// examples/specs/bigan_fashion.gan (issue 21, item 8) trains a few steps on both back ends and evaluates the encoder
// metrics: reconstruction error of G(Enc(x)) with its picture, and a linear probe on Enc(x).
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, trainSpec } from "../../experiments/lib/spec-program.ts";
import { readJsonl } from "../../runtime/train/metrics-log.ts";
import { decodePng } from "../../runtime/report/png.ts";

const FASHION = existsSync("/usr/share/datasets/fashion-mnist");
const SPEC = join(REPO, "examples/specs/bigan_fashion.gan");

describe.skipIf(!FASHION)("bigan_fashion", () => {
  for (const backend of ["ort", "wasm"] as const)
    it(`trains 3 steps on ${backend} and evaluates reconstruction and linear_probe`, async () => {
      const s = await trainSpec(SPEC, { backend, steps: 3, overrides: { n: 512, nh: 64 } });
      expect(s.status).toBe("completed");
      const evals = readJsonl(join(s.runDir, "evals.jsonl")) as unknown as { step: number; metrics: Record<string, number | string> }[];
      const m = evals[evals.length - 1]!.metrics;
      expect(Object.keys(m).filter((k) => k.endsWith("_error"))).toEqual([]);
      // an untrained tanh generator: squared errors of order 1 on [-1, 1] pixels, far from 0
      expect(m.reconstruction_mse as number).toBeGreaterThan(0.05);
      expect(m.reconstruction_mse as number).toBeLessThan(4);
      // random encoder features still carry class information: well above chance (0.1)
      expect(m.linear_probe as number).toBeGreaterThan(0.3);
      expect(m.linear_probe as number).toBeLessThanOrEqual(1);
      const png = decodePng(readFileSync(join(s.runDir, "samples/reconstruction-step-3.png")));
      expect(png.width).toBeGreaterThan(3 * png.height);
    }, 300_000);
});
