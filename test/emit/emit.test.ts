// Emitter tests: golden trainer modules for every bundled spec (type-checked together with one tsc program),
// escaping of spec text, identifier mangling, and diagnostics instead of exceptions.
import { describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { compileFile, compileSource, checkSource } from "../../compiler/pipeline.ts";
import { emit, EMIT_ERROR } from "../../compiler/emit/index.ts";
import { commentText, safeIdent, str } from "../../compiler/emit/names.ts";
import { vanillaIR, G, real } from "./fixtures/ir-builders.ts";
import { expectGolden } from "../golden.ts";
import { typeCheck } from "../typecheck.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const OUT = join(ROOT, "test/emit/.out/golden");
const GOLDEN = join(ROOT, "test/emit/golden");
const SPECS = readdirSync(join(ROOT, "specs"))
  .filter((f) => f.endsWith(".gan"))
  .map((f) => f.slice(0, -4))
  .sort();


describe("emitted trainers for the bundled specs", () => {
  const emitted = new Map<string, string>();

  it("every bundled spec compiles without diagnostics and matches its golden file", async () => {
    mkdirSync(OUT, { recursive: true });
    for (const spec of SPECS) {
      const r = await compileFile(join("specs", `${spec}.gan`));
      expect(r.diagnostics.filter((d) => d.severity === "error"), spec).toEqual([]);
      expect(r.ts, spec).not.toBeNull();
      emitted.set(spec, r.ts!);
      const golden = join(GOLDEN, `${spec}.ts.txt`);
      expectGolden(golden, r.ts!, `${spec}: run with UPDATE_GOLDEN=1 after an intended change`);
    }
  });

  it("the emitted modules type-check under the project's strict tsconfig (one program)", () => {
    expect(emitted.size).toBe(SPECS.length);
    const files = SPECS.map((s) => {
      const f = join(OUT, `${s}.ts`);
      writeFileSync(f, emitted.get(s)!);
      return f;
    });
    expect(typeCheck(files)).toEqual([]);
  });

  it("emits readable code: one function per network and loss, spec-line comments, only the runtime import", () => {
    const code = emitted.get("vanilla_gan")!;
    expect(code).toMatch(/function net_G\(training: boolean, z: Tensor\): Tensor/);
    expect(code).toMatch(/function net_D\(/);
    expect(code).toMatch(/function loss_d_loss\(batch: Batch, lat: Draws, training: boolean\): Tensor/);
    expect(code).toMatch(/\/\/ vanilla_gan\.gan:\d+/);
    const imports = code.split("\n").filter((l) => l.startsWith("import "));
    expect(imports).toEqual(['import * as rt from "ganc/runtime";']);
    expect(code).not.toMatch(/dataSync|arraySync/);
  });
});

describe("escaping and identifiers", () => {
  const EVIL = '"); process.exit(1); ("';

  it("spec strings only appear inside string literals, comments are sanitised", async () => {
    const desc = `${EVIL} */ \n process.exit(2) // \u2028 end`;
    const ir = vanillaIR({ description: desc, dataArgs: { modes: 8, radius: 2, std: 0.02, n: 500, note: EVIL } });
    const r = await emit(ir);
    expect(r.diagnostics).toEqual([]);
    const sf = ts.createSourceFile("t.ts", r.code, ts.ScriptTarget.ES2022, true);
    // no identifier `process` anywhere in the syntax tree: the text is data, never code
    const idents: string[] = [];
    const walk = (n: ts.Node) => {
      if (ts.isIdentifier(n)) idents.push(n.text);
      n.forEachChild(walk);
    };
    walk(sf);
    expect(idents).not.toContain("process");
    expect(idents).not.toContain("exit");
    // the header comment is one line per comment and has no terminator
    for (const line of r.code.split("\n").filter((l) => l.startsWith("//"))) expect(line).not.toMatch(/\*\//);
    // and the string survives intact in meta
    const strings: string[] = [];
    const walkS = (n: ts.Node) => {
      if (ts.isStringLiteral(n)) strings.push(n.text);
      n.forEachChild(walkS);
    };
    walkS(sf);
    expect(strings).toContain(desc);
    expect(strings).toContain(EVIL);
  });

  it("running the emitted module with a hostile description is safe and keeps the text as data", async () => {
    const desc = `${EVIL} */ \n x`;
    const r = await emit(vanillaIR({ description: desc, hidden: 8 }));
    const dir = join(ROOT, "test/emit/.out");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "evil.ts");
    writeFileSync(file, r.code);
    const mod = (await import(/* @vite-ignore */ file)) as { meta: { description: string } };
    expect(mod.meta.description).toBe(desc);
  });

  it("reserved words are mangled and invalid names are rejected with a diagnostic", async () => {
    expect(safeIdent("delete")).toBe("delete_");
    expect(safeIdent("x1")).toBe("x1");
    expect(safeIdent("a b")).toBeNull();
    expect(commentText("a */ b\nc")).toBe("a * / b c");
    expect(str("\u2028")).toBe('"\\u2028"');

    const ir = vanillaIR({ hidden: 8 });
    ir.networks[0]!.inputs[0]!.name = "new"; // G(new: Real[8])
    ir.losses[0]!.graph.values[0]!.name = "function";
    const ok = await emit(ir);
    expect(ok.diagnostics).toEqual([]);
    expect(ok.code).toContain("function net_G(training: boolean, new_: Tensor)");
    expect(ok.code).toContain('const function_ = batch["x"]');

    const bad = vanillaIR();
    bad.networks[1]!.name = "D); process.exit(1); (";
    const r = await emit(bad);
    expect(r.code).toBe("");
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.code).toBe(EMIT_ERROR);
    expect(r.diagnostics[0]!.message).toMatch(/not a valid identifier/);
  });

  it("an op the back end cannot lower is a diagnostic on its span, not an exception", async () => {
    const ir = vanillaIR();
    const g = new G("specs/vanilla_gan.gan", 41);
    const z = g.v("latent", [], { name: "z" }, real([8]), "z");
    const out = g.v("frobnicate" as never, [z], {}, real([], false));
    ir.losses[1]!.graph = g.done(out);
    const r = await emit(ir);
    expect(r.diagnostics.map((d) => [d.code, d.span.start.line])).toEqual([[EMIT_ERROR, 41]]);
    expect(r.diagnostics[0]!.message).toMatch(/frobnicate/);
  });
});

describe("pipeline", () => {
  it("an unreadable file is E0701 naming the path", async () => {
    const r = await compileFile("specs/does_not_exist.gan");
    expect(r.ts).toBeNull();
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E0701"]);
    expect(r.diagnostics[0]!.message).toContain("specs/does_not_exist.gan");
  });

  it("stops before checking when parsing fails, and never throws", async () => {
    const r = await compileSource("model m \"x\"\nparam K: int = = 3\n", "bad.gan");
    expect(r.ts).toBeNull();
    expect(r.ir).toBeNull();
    expect(r.diagnostics.some((d) => d.code.startsWith("E01"))).toBe(true);
    const c = checkSource(readFileSync(join(ROOT, "specs/gat_gmm.gan"), "utf8"), "gat_gmm.gan", { overrides: { K: "3" } });
    expect(c.ir?.params.find((p) => p.name === "K")?.value).toBe(3);
  });
});
