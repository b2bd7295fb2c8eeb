// Golden IR (after the passes) for every bundled spec with its defaults, plus the variants that switch code paths
// (image data, supervised / dynamic GMM, stand-alone head). UPDATE_GOLDEN=1 regenerates; review the diff.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../grammar/index.ts";
import { check } from "../../compiler/check/index.ts";
import { runPasses } from "../../compiler/passes/index.ts";
import { printIR } from "../../compiler/ir/print.ts";
import { expectGolden } from "../golden.ts";

const root = join(import.meta.dirname, "../..");
const goldenDir = join(import.meta.dirname, "golden");
const specs = readdirSync(join(root, "specs")).filter((f) => f.endsWith(".gan")).sort();

const variants: [string, Record<string, string>][] = [
  ...specs.map((f) => [f, {}] as [string, Record<string, string>]),
  ["gm_gan.gan", { supervised: "true", mode: "dynamic" }],
  ["pcm_gan.gan", { dataset: "fashion" }],
  ["pcm_gan.gan", { dataset: "fashion", shared: "false" }],
  ["mixture_gan.gan", { mu: "half", dataset: "grid" }],
  ["vanilla_gan.gan", { dataset: "fashion" }],
];

function goldenName(f: string, sets: Record<string, string>): string {
  const suffix = Object.entries(sets).map(([k, v]) => `@${k}=${v}`).join("");
  return f.replace(/\.gan$/, `${suffix}.ir.json`);
}

describe("IR goldens", () => {
  for (const [f, sets] of variants) {
    const name = goldenName(f, sets);
    it(name, () => {
      const file = `specs/${f}`;
      const text = readFileSync(join(root, file), "utf8");
      const p = parse(text, file);
      expect(p.diagnostics).toEqual([]);
      const r = check(p.spec, { overrides: sets });
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(r.ir).not.toBeNull();
      const out = printIR(runPasses(r.ir!));
      const g = join(goldenDir, name);
      expectGolden(g, out, `IR golden ${name} differs: if the spec/checker change is intended, run UPDATE_GOLDEN=1 npx vitest run test/ir and commit test/ir/golden`);
    });
  }

  // no timing assertion here (noise on a shared machine): test/grammar/bench-parse.ts measures check time
  it("every bundled spec checks with zero diagnostics", () => {
    for (const f of specs) {
      const file = `specs/${f}`;
      const p = parse(readFileSync(join(root, file), "utf8"), file);
      expect(check(p.spec).diagnostics).toEqual([]);
    }
  });
});
