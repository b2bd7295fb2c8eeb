// Bad-spec corpus for syntax errors: each *.gan has a *.expected with the exact rendered diagnostics (no color).
// Regenerate with UPDATE_GOLDEN=1 (then review the diff!).
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../../grammar/index.ts";
import { renderDiagnostics } from "../../../diagnostics/render.ts";
import { syntaxCodes } from "../../../diagnostics/codes/syntax.ts";
import { expectGolden } from "../../golden.ts";

const dir = import.meta.dirname;
const cases = readdirSync(dir).filter((f) => f.endsWith(".gan")).sort();

describe("syntax corpus", () => {
  for (const f of cases) {
    it(f, () => {
      const text = readFileSync(join(dir, f), "utf8");
      const file = `test/bad/syntax/${f}`;
      const r = parse(text, file);
      expect(r.diagnostics.length).toBeGreaterThan(0);
      const out = renderDiagnostics(r.diagnostics, new Map([[file, text]]));
      const exp = join(dir, f.replace(/\.gan$/, ".expected"));
      expectGolden(exp, out, `${f}: rendered diagnostics differ (UPDATE_GOLDEN=1 after an intended change)`);
      // A file named after a code must report that code.
      const m = /^(E\d{4})_/.exec(f);
      if (m) expect(r.diagnostics.map((d) => d.code)).toContain(m[1]);
    });
  }

  it("has a case for every syntax code", () => {
    for (const c of syntaxCodes) expect(cases.some((f) => f.startsWith(c.code + "_"))).toBe(true);
  });

  it("reports all three errors of three_errors.gan", () => {
    const r = parse(readFileSync(join(dir, "three_errors.gan"), "utf8"), "three_errors.gan");
    expect(r.diagnostics.filter((d) => d.severity === "error").length).toBe(3);
    expect(r.diagnostics.map((d) => d.span.start.line)).toEqual([1, 3, 5]);
  });
});
