// Formatter: idempotent, keeps every comment, leaves the AST unchanged (modulo spans) on all good specs.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { format, parse } from "../../grammar/index.ts";

const root = join(import.meta.dirname, "..", "..");
const files = [
  ...readdirSync(join(root, "specs")).filter((f) => f.endsWith(".gan")).map((f) => `specs/${f}`),
  ...readdirSync(join(root, "test/specs")).filter((f) => f.endsWith(".gan")).map((f) => `test/specs/${f}`),
  // every example: spectral_norm(...) wrappers, blocks (`w: int` arguments), `repeat N { ... }`, grad, schedules
  ...readdirSync(join(root, "examples/specs")).filter((f) => f.endsWith(".gan")).map((f) => `examples/specs/${f}`),
];

export function stripSpans(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === "span" || k === "comments" ? undefined : v)));
}

describe("format", () => {
  for (const file of files) {
    it(`round-trips ${file}`, () => {
      const src = readFileSync(join(root, file), "utf8");
      const once = format(src, file);
      expect(once.diagnostics).toEqual([]);
      expect(once.text).not.toBeNull();
      const twice = format(once.text!, file);
      expect(twice.text).toBe(once.text);
      const a = parse(src, file).spec;
      const b = parse(once.text!, file).spec;
      expect(stripSpans(b)).toEqual(stripSpans(a));
      expect(b.comments.map((c) => c.text.trimEnd()).sort()).toEqual(a.comments.map((c) => c.text.trimEnd()).sort());
    });
  }

  it("re-inserts the parentheses the AST needs", () => {
    const src = "loss l = E[x, z] (a + b) * (c - (d - e)) ^ 2\nlet q = (if a then b else c) |> f\nlet r = (a ^ b) ^ c - -(x * y)\n";
    const out = format(src, "p.gan").text!;
    expect(out).toContain("E[x, z] (a + b) * (c - (d - e)) ^ 2");
    expect(out).toContain("(if a then b else c) |> f");
    expect(stripSpans(parse(out, "p.gan").spec)).toEqual(stripSpans(parse(src, "p.gan").spec));
  });

  it("keeps separators that the AST needs in multi-line blocks", () => {
    const long = "a_rather_long_metric_name(bins=100, samples=10000)";
    const src = `evaluate { ${long}; -x; ${long}; (y); [1, 2]; ${long} }\n`;
    const out = format(src, "b.gan").text!;
    expect(out.split("\n").length).toBeGreaterThan(3);
    expect(stripSpans(parse(out, "b.gan").spec)).toEqual(stripSpans(parse(src, "b.gan").spec));
  });

  it("keeps own-line comments between match arms in place", () => {
    const src = "loss l = match m {\n  a => 1,\n  // about b\n  b => 2,\n}\n";
    const out = format(src, "m.gan").text!;
    expect(out).toBe(src);
  });

  it("returns null on syntax errors", () => {
    const r = format("param K: int 10", "e.gan");
    expect(r.text).toBeNull();
    expect(r.diagnostics[0].code).toBe("E0102");
  });

  it("keeps comments that sit inside an expression", () => {
    const out = format("let x = 1 + /* one */ 2 // two\n", "c.gan").text!;
    expect(out).toBe("/* one */\nlet x = 1 + 2  // two\n");
  });
});
