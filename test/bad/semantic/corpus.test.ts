// Bad-spec corpus for the checker: each <code>-<slug>.gan has a .expected with the exact rendered diagnostics
// (no color), as `ganc check` gives them: every variant the params select is checked (compiler/check/variants.ts),
// a diagnostic only some variants have says which. A first line `// --set name=value ...` gives CLI overrides (fixed). Regenerate with UPDATE_GOLDEN=1 (then
// review the diff!).
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../../grammar/index.ts";
import { check } from "../../../compiler/check/index.ts";
import { checkVariants } from "../../../compiler/check/variants.ts";
import { renderDiagnostics } from "../../../diagnostics/render.ts";
import { semanticCodes } from "../../../diagnostics/codes/semantic.ts";
import { expectGolden } from "../../golden.ts";

const dir = import.meta.dirname;
const cases = readdirSync(dir).filter((f) => f.endsWith(".gan")).sort();

function overridesOf(text: string): Record<string, string> {
  const m = /^\/\/ --set (.*)$/m.exec(text.split("\n")[0]);
  const out: Record<string, string> = {};
  if (!m) return out;
  for (const kv of m[1].trim().split(/\s+/)) {
    const i = kv.indexOf("=");
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

describe("semantic corpus", () => {
  for (const f of cases) {
    it(f, async () => {
      const text = readFileSync(join(dir, f), "utf8");
      const file = `test/bad/semantic/${f}`;
      const p = parse(text, file);
      expect(p.diagnostics).toEqual([]);
      const v = await checkVariants(p.spec, (overrides) => check(p.spec, { overrides }), { fixed: overridesOf(text) });
      const r = { ...v.base, diagnostics: v.diagnostics };
      const out = renderDiagnostics(r.diagnostics, new Map([[file, text]]));
      const exp = join(dir, f.replace(/\.gan$/, ".expected"));
      expectGolden(exp, out, `${f}: rendered diagnostics differ; if intended, run UPDATE_GOLDEN=1 npx vitest run test/bad/semantic and review`);
      const code = f.split("-")[0];
      expect(r.diagnostics.map((d) => d.code)).toContain(code);
      // errors mean no IR; warnings alone still give one (an error only a non-default variant has leaves the
      // default variant's IR)
      const inDefault = r.diagnostics.some((d) => d.severity === "error" && !d.variant);
      if (code.startsWith("E")) expect(r.ir === null).toBe(inDefault);
      else expect(r.ir).not.toBeNull();
    });
  }

  it("has a case for every semantic code", () => {
    // E0799 is an internal error: no spec should trigger it.
    const missing = semanticCodes.filter((c) => c.code !== "E0799" && !cases.some((f) => f.startsWith(c.code + "-")));
    expect(missing.map((c) => c.code)).toEqual([]);
  });
});
