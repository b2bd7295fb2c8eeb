// Diagnostic rendering: rustc-style frames, hints, related notes, summary, color, stable JSON.
import { describe, expect, it } from "vitest";
import { diagnostic } from "../../diagnostics/diagnostic.ts";
import { diagnosticsToJson, renderDiagnostics, summaryLine } from "../../diagnostics/render.ts";

const src = "model m\nlet a = foo(1)\n\tlet b = a + 1\n";
const sources = new Map([["s.gan", src]]);
const span = (line: number, c1: number, c2: number, endLine = line) => ({
  file: "s.gan",
  start: { line, column: c1, offset: line * 100 + c1 },
  end: { line: endLine, column: c2, offset: endLine * 100 + c2 },
});

describe("renderDiagnostics", () => {
  it("renders header, location, frame, caret, hint, related note and summary", () => {
    const d = diagnostic("E0201", "unknown name \"foo\"", span(2, 9, 12), {
      hints: ["did you mean \"f\"?"],
      related: [{ message: "model declared here", span: span(1, 7, 8) }],
    });
    const w = diagnostic("W0401", "unused", span(3, 6, 7), { severity: "warning" });
    expect(renderDiagnostics([w, d], sources)).toBe(
      [
        'error[E0201]: unknown name "foo"',
        " --> s.gan:2:9",
        "  |",
        "2 | let a = foo(1)",
        "  |         ^^^",
        '  = hint: did you mean "f"?',
        "note: model declared here",
        " --> s.gan:1:7",
        "  |",
        "1 | model m",
        "  |       ^",
        "",
        "warning[W0401]: unused",
        " --> s.gan:3:6",
        "  |",
        "3 |     let b = a + 1",
        "  |         ^",
        "",
        "1 error, 1 warning",
        "",
      ].join("\n"),
    );
  });
  it("puts the caret on the first line of a multi-line span and handles unknown files", () => {
    const out = renderDiagnostics([diagnostic("E0101", "m", span(1, 7, 3, 2))], sources);
    expect(out).toContain("  |       ^\n  | ... (continues to line 2)");
    const none = renderDiagnostics([diagnostic("E0701", "cannot read", { ...span(1, 1, 1), file: "x.gan" })], sources);
    expect(none).toBe("error[E0701]: cannot read\n --> x.gan:1:1\n\n1 error\n");
  });
  it("colors only when asked", () => {
    const d = [diagnostic("E0101", "m", span(1, 1, 2))];
    expect(renderDiagnostics(d, sources)).not.toContain("\x1b[");
    expect(renderDiagnostics(d, sources, { color: true })).toContain("\x1b[31m");
  });
  it("summarizes counts", () => {
    expect(summaryLine([])).toBe("");
    expect(renderDiagnostics([], sources)).toBe("");
  });
});

describe("diagnosticsToJson", () => {
  it("is stable: sorted by file then offset, fixed key order", () => {
    const a = diagnostic("E0102", "b", { ...span(2, 1, 2), file: "b.gan" });
    const b = diagnostic("E0101", "a", span(3, 1, 2));
    const c = diagnostic("E0103", "c", span(1, 1, 2));
    const json = diagnosticsToJson([a, b, c]);
    expect(JSON.parse(json).map((d: { code: string }) => d.code)).toEqual(["E0102", "E0103", "E0101"]);
    expect(json).toBe(diagnosticsToJson([c, b, a]));
    expect(Object.keys(JSON.parse(json)[0])).toEqual(["code", "severity", "message", "span", "hints", "related"]);
  });
});
