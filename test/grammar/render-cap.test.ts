// The per-file cap on rendered diagnostics (diagnostics/render.ts): after 100 diagnostics of one file the
// rest are one note "N more diagnostics not shown"; the summary line counts all; rendering stays linear.
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/pipeline.ts";
import { DEFAULT_MAX_PER_FILE, diagnosticsToJson, renderDiagnostics } from "../../diagnostics/render.ts";

/** `n` lines `param pI int = 1` (a missing `:`), one syntax error each */
const manyErrors = (n: number) => "model m\n" + Array.from({ length: n }, (_, i) => `param p${i} int = 1\n`).join("");

const count = (s: string, sub: string) => s.split(sub).length - 1;

describe("diagnostics cap", () => {
  it("shows 100 of a spec's 500 errors and summarises the rest as one note", () => {
    const text = manyErrors(500);
    const r = checkSource(text, "many.gan");
    expect(r.diagnostics.length).toBe(500);
    const out = renderDiagnostics(r.diagnostics, new Map([["many.gan", text]]));
    expect(DEFAULT_MAX_PER_FILE).toBe(100);
    expect(count(out, "error[")).toBe(100);
    expect(out).toContain("note: 400 more diagnostics not shown in many.gan");
    expect(out.trimEnd().endsWith("500 errors")).toBe(true);
    // the first 100 by position are the ones shown
    expect(out).toContain("many.gan:101:");
    expect(out).not.toContain("many.gan:102:");
    // JSON is never capped
    expect(JSON.parse(diagnosticsToJson(r.diagnostics)).length).toBe(500);
    // the cap is per file: a second file gets its own 100 and its own note
    const other = r.diagnostics.map((d) => ({ ...d, span: { ...d.span, file: "b.gan" } }));
    const two = renderDiagnostics([...r.diagnostics, ...other], new Map([["many.gan", text], ["b.gan", text]]));
    expect(count(two, "error[")).toBe(200);
    expect(two).toContain("400 more diagnostics not shown in b.gan");
    expect(two.trimEnd().endsWith("1000 errors")).toBe(true);
    // no note at or under the cap, and a custom cap
    expect(renderDiagnostics(r.diagnostics.slice(0, 100), new Map([["many.gan", text]]))).not.toContain("not shown");
    expect(renderDiagnostics(r.diagnostics.slice(0, 2), new Map([["many.gan", text]]), { maxPerFile: 1 })).toContain(
      "note: 1 more diagnostic not shown in many.gan",
    );
  });

  it("renders a 5,000-error spec in linear time (printed, not asserted)", () => {
    const text = manyErrors(5000);
    const r = checkSource(text, "big.gan");
    expect(r.diagnostics.length).toBe(5000);
    const sources = new Map([["big.gan", text]]);
    let t = performance.now();
    const capped = renderDiagnostics(r.diagnostics, sources);
    const tCapped = performance.now() - t;
    t = performance.now();
    const all = renderDiagnostics(r.diagnostics, sources, { maxPerFile: Infinity });
    const tAll = performance.now() - t;
    console.log(`5,000 diagnostics: rendered capped in ${tCapped.toFixed(1)} ms, all 5,000 in ${tAll.toFixed(1)} ms`);
    expect(count(capped, "error[")).toBe(100);
    expect(count(all, "error[")).toBe(5000);
    expect(all).not.toContain("not shown");
  });
});
