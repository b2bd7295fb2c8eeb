// Seeded mutation fuzzing: parse() and format() must never throw, every diagnostic must have a code and a
// well-formed span inside the input, and whatever format() accepts must be a fixed point; and every mutated spec
// goes through checkSource, compileSource (every Nth clean case) and lowerStepPlan without an exception or an
// internal error (E0799). The mutator is shared with the long runner, test/fuzz/run.ts (docs/robustness.md).
import { describe, expect, it } from "vitest";
import { format, parse } from "../../grammar/index.ts";
import type { Diagnostic } from "../../diagnostics/diagnostic.ts";
import { mutate, pipelineCase, rng, seeds } from "./mutate.ts";

function checkDiagnostics(text: string, file: string, diags: Diagnostic[]): void {
  for (const d of diags) {
    expect(d.code).toMatch(/^[EW]\d{4}$/);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.span.file).toBe(file);
    const { start, end } = d.span;
    expect(start.line).toBeGreaterThanOrEqual(1);
    expect(start.column).toBeGreaterThanOrEqual(1);
    expect(start.offset).toBeGreaterThanOrEqual(0);
    expect(end.offset).toBeGreaterThanOrEqual(start.offset);
    expect(end.offset).toBeLessThanOrEqual(text.length);
  }
}

const strip = (x: unknown): unknown =>
  JSON.parse(JSON.stringify(x, (k, v) => (k === "span" || k === "comments" ? undefined : v)));

function roundTrip(text: string, file: string): void {
  const p = parse(text, file);
  checkDiagnostics(text, file, p.diagnostics);
  const f = format(text, file);
  checkDiagnostics(text, file, f.diagnostics);
  if (f.text !== null) {
    // Accepted input: its formatting parses cleanly and is a fixed point.
    const again = format(f.text, file);
    expect(again.diagnostics).toEqual([]);
    expect(strip(parse(f.text, file).spec)).toEqual(strip(p.spec));
    expect(again.text).toBe(f.text);
  }
}

describe("front-end fuzzing", () => {
  it("survives 300 seeded mutations of the bundled specs", () => {
    const r = rng(20261124);
    for (let i = 0; i < 300; i++) {
      const src = mutate(seeds[i % seeds.length], r);
      try {
        roundTrip(src, "m.gan");
      } catch (err) {
        throw new Error(`case ${i} failed on input ${JSON.stringify(src.slice(0, 2000))}: ${(err as Error).message}`);
      }
    }
  });

  it("runs 300 seeded mutations through check, compile and step-IR lowering", async () => {
    const r = rng(20261203);
    const t0 = Date.now();
    let clean = 0;
    let compiled = 0;
    for (let i = 0; i < 300; i++) {
      const src = mutate(seeds[i % seeds.length], r);
      const res = await pipelineCase(src, "m.gan", { compile: clean % 20 === 0 });
      if (res.clean) clean++;
      if (res.compiled) compiled++;
      const problems = [...res.internal, ...res.aborts, ...res.bad];
      if (problems.length) throw new Error(`case ${i} failed on input ${JSON.stringify(src.slice(0, 2000))}:\n${problems.join("\n")}`);
    }
    console.log(`pipeline fuzz: 300 cases (${clean} clean, ${compiled} compiled) in ${Date.now() - t0} ms`);
    expect(clean).toBeGreaterThan(15);
    expect(compiled).toBeGreaterThan(0);
  }, 120_000);

  it("handles pure random bytes", () => {
    const r = rng(7);
    for (let i = 0; i < 20; i++) {
      let s = "";
      for (let j = 0; j < 2000; j++) s += String.fromCharCode(Math.floor(r() * 0x3000));
      roundTrip(s, "rand.gan");
    }
  });

  it("handles a 1 MB input", () => {
    // 1 MB of spec text with an error every ~50 lines: all errors reported, spans valid.
    let s = "";
    let n = 0;
    while (s.length < 1_000_000) s += seeds[1].replace("param K: int", n++ % 2 ? "param K int" : "param K: int") + "\n";
    const p = parse(s, "big.gan");
    checkDiagnostics(s, "big.gan", p.diagnostics);
    expect(p.spec.items.length).toBeGreaterThan(1000);
    expect(p.diagnostics.length).toBe(Math.floor(n / 2));
    // And 100 KB of garbage (invalid characters between operators).
    const junk = "@#$%".repeat(25_000);
    const q = parse(junk, "junk.gan");
    expect(q.diagnostics.length).toBeGreaterThan(0);
    checkDiagnostics(junk, "junk.gan", q.diagnostics);
  });

  it("reports deep nesting instead of overflowing the stack", () => {
    for (const s of [
      "let x = " + "(".repeat(5000) + "1" + ")".repeat(5000),
      "let x = " + "(".repeat(5000),
      "let x = " + "-".repeat(5000) + "1",
      "let x = " + "not ".repeat(5000) + "1",
      "let x = " + "[".repeat(5000),
      "let x = " + "if a then ".repeat(3000) + "1",
      "let x = " + "f(".repeat(5000),
      "when a { ".repeat(3000),
    ]) {
      const p = parse(s, "deep.gan");
      expect(p.diagnostics.length).toBeGreaterThan(0);
      checkDiagnostics(s, "deep.gan", p.diagnostics);
      expect(format(s, "deep.gan").text).toBeNull();
    }
    expect(parse("let x = " + "(".repeat(5000) + "1" + ")".repeat(5000), "d").diagnostics[0].code).toBe("E0109");
  });

  it("handles edge inputs", () => {
    for (const s of ["", "\n", "//", "/*", '"', "\\", "E", "E[", "model", "}", "\uFEFFmodel m", "\r\n\r\n", "train {", "param"]) {
      roundTrip(s, "edge.gan");
    }
  });
});
