// Bad-spec corpus for plugin errors (E06xx): each *.gan has a *.expected with the exact rendered diagnostics of
// checking it with its plugins (no color): the load errors plus whatever the checker still reports (calls of a failed
// plugin's losses must stay quiet). Regenerate with UPDATE_GOLDEN=1 (then review the diff!).
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkSourceWithPlugins } from "../../../compiler/plugins/compile.ts";
import { renderDiagnostics } from "../../../diagnostics/render.ts";
import { pluginCodes } from "../../../diagnostics/codes/plugin.ts";
import { expectGolden } from "../../golden.ts";

const dir = import.meta.dirname;
const cases = readdirSync(dir).filter((f) => f.endsWith(".gan")).sort();
// Paths in the output are relative to the repository root, where vitest runs.
const root = join(dir, "../../..");

describe("plugin corpus", () => {
  for (const f of cases) {
    it(f, async () => {
      const text = readFileSync(join(dir, f), "utf8");
      const file = `test/bad/plugin/${f}`;
      const r = await checkSourceWithPlugins(text, join(root, file), { cwd: root });
      // the spec is named as the user wrote it; the loader got an absolute path only to find its directory
      const diags = r.diagnostics.map((d) => ({
        ...d,
        span: d.span.file === join(root, file) ? { ...d.span, file } : d.span,
        related: d.related.map((x) => (x.span.file === join(root, file) ? { ...x, span: { ...x.span, file } } : x)),
      }));
      expect(diags.length).toBeGreaterThan(0);
      const sources = new Map([[file, text], ...r.sources]);
      const out = renderDiagnostics(diags, sources);
      const exp = join(dir, f.replace(/\.gan$/, ".expected"));
      expectGolden(exp, out, `${f}: rendered diagnostics differ (UPDATE_GOLDEN=1 after an intended change)`);
      const m = /^(E\d{4})_/.exec(f);
      if (m) expect(diags.map((d) => d.code)).toContain(m[1]);
      expect(r.ir).toBeNull();
    });
  }

  it("has a case for every plugin code", () => {
    for (const c of pluginCodes) expect(cases.some((f) => f.startsWith(c.code + "_"))).toBe(true);
  });
});
