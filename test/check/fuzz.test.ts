// Mutated bundled specs must never crash the checker: every outcome is diagnostics, and never E0799 (which
// means an exception escaped). Deterministic: a fixed-seed generator picks the mutations.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../grammar/index.ts";
import { check } from "../../compiler/check/index.ts";
import { runPasses } from "../../compiler/passes/index.ts";

const root = join(import.meta.dirname, "../..");
const specs = readdirSync(join(root, "specs")).filter((f) => f.endsWith(".gan")).sort();

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const snippets = ["K", "0", "-1", "x", "z", "D", "G(z)", "E[x]", "[1, 2]", "\"s\"", "true", "dense(3)", "|>", "@", "*", ")", "(", ",", "each(z)", "log(", "Image[28, 28, 1]", "Real[0]", "1e9", "reshape([3])"];

describe("checker fuzz", () => {
  it("never throws and never reports an internal error on mutated specs", () => {
    const r = rng(42);
    let checked = 0;
    for (const f of specs) {
      const text = readFileSync(join(root, "specs", f), "utf8");
      for (let i = 0; i < 20; i++) {
        let t = text;
        const edits = 1 + Math.floor(r() * 3);
        for (let e = 0; e < edits; e++) {
          const pos = Math.floor(r() * t.length);
          const len = Math.floor(r() * 12);
          const ins = r() < 0.6 ? snippets[Math.floor(r() * snippets.length)] : "";
          t = t.slice(0, pos) + ins + t.slice(pos + len);
        }
        const p = parse(t, f);
        const res = check(p.spec);
        const internal = res.diagnostics.filter((d) => d.code === "E0799");
        expect(internal.map((d) => d.message), `mutation ${i} of ${f}:\n${t}`).toEqual([]);
        if (res.ir) runPasses(res.ir);
        checked++;
      }
    }
    expect(checked).toBe(specs.length * 20);
  });
});
