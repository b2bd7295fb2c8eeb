// The VS Code extension's TextMate grammar (editors/vscode/syntaxes/gan.tmLanguage.json), tokenised the way VS Code
// does it (vscode-textmate on the oniguruma wasm): over every bundled spec no character is left without a scope
// of its own, nothing is `invalid`, and keywords, numbers, strings, comments and operators get their scopes.
import { beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";
import { ROOT } from "./client.ts";

const GRAMMAR = join(ROOT, "editors/vscode/syntaxes/gan.tmLanguage.json");
let grammar: textmate.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(join(ROOT, "node_modules/vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope: string) => (scope === "source.gan" ? textmate.parseRawGrammar(readFileSync(GRAMMAR, "utf8"), GRAMMAR) : null),
  });
  const g = await registry.loadGrammar("source.gan");
  if (!g) throw new Error("grammar did not load");
  grammar = g;
});

interface Tok {
  text: string;
  scopes: string[];
  line: number;
}

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let stack = textmate.INITIAL;
  text.split(/\r?\n/).forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes, line: i + 1 });
    stack = r.ruleStack;
  });
  return out;
}

/** The innermost scope of the first token whose text is `text` (on the first line containing `onLine`). */
function scopeOf(toks: Tok[], src: string, onLine: string, text: string): string {
  const line = src.split(/\r?\n/).findIndex((l) => l.includes(onLine)) + 1;
  const t = toks.find((x) => x.line === line && x.text === text);
  if (!t) throw new Error(`no token ${JSON.stringify(text)} on line ${line}`);
  return t.scopes.at(-1)!;
}

const specs = readdirSync(join(ROOT, "specs")).filter((f) => f.endsWith(".gan"));

describe("gan.tmLanguage.json", () => {
  it.each(specs)("%s: every non-blank character has a scope, none invalid", (f) => {
    const toks = tokenize(readFileSync(join(ROOT, "specs", f), "utf8"));
    const bare = toks.filter((t) => t.text.trim() !== "" && t.scopes.length < 2);
    expect(bare.map((t) => `${t.line}: ${t.text}`)).toEqual([]);
    const invalid = toks.filter((t) => t.scopes.some((s) => s.startsWith("invalid")));
    expect(invalid.map((t) => `${t.line}: ${t.text}`)).toEqual([]);
  });

  it("a block declaration (examples/specs/resnet_blocks_ring.gan): `block` is a declaration head, `int` a type", () => {
    const src = readFileSync(join(ROOT, "examples/specs/resnet_blocks_ring.gan"), "utf8");
    const toks = tokenize(src);
    expect(toks.filter((t) => t.text.trim() !== "" && t.scopes.length < 2).map((t) => `${t.line}: ${t.text}`)).toEqual([]);
    expect(scopeOf(toks, src, "block res(", "block")).toBe("storage.type.network.gan");
    expect(scopeOf(toks, src, "block res(", "res")).toBe("entity.name.function.gan");
    expect(scopeOf(toks, src, "block res(", "int")).toBe("storage.type.primitive.gan");
    // `repeat depth { ... }` (issue 21): a loop keyword; the stages inside are calls as elsewhere
    expect(scopeOf(toks, src, "|> repeat depth", "repeat")).toBe("keyword.control.loop.gan");
    expect(scopeOf(toks, src, "|> repeat depth", "res")).toBe("entity.name.function.call.gan");
  });

  it("`repeat_d_step` (a train setting) is a name, not the keyword `repeat`", () => {
    const src = readFileSync(join(ROOT, "examples/specs/wgan_clip_ring.gan"), "utf8");
    const toks = tokenize(src);
    expect(toks.find((t) => t.text.startsWith("repeat"))!.text).toBe("repeat_d_step");
    expect(scopeOf(toks, src, "repeat_d_step", "repeat_d_step")).not.toBe("keyword.control.loop.gan");
  });

  it("keywords, types, names, numbers, strings, comments and operators get their scopes (specs/pcm_gan.gan)", () => {
    const src = readFileSync(join(ROOT, "specs/pcm_gan.gan"), "utf8");
    const toks = tokenize(src);
    const s = (onLine: string, text: string) => scopeOf(toks, src, onLine, text);
    expect(s("model pcm_gan", "model")).toBe("keyword.declaration.model.gan");
    expect(s("model pcm_gan", "pcm_gan")).toBe("entity.name.namespace.gan");
    expect(toks.find((t) => t.text.startsWith("PCM-GAN: GMM latent"))!.scopes).toContain("string.quoted.double.gan");
    expect(s("param K:", "param")).toBe("keyword.declaration.gan");
    expect(s("param K:", "int")).toBe("storage.type.primitive.gan");
    expect(s("param K:", "in")).toBe("keyword.other.gan");
    expect(s("param K:", "1000")).toBe("constant.numeric.gan");
    expect(s("param K:", "..")).toBe("keyword.operator.range.gan");
    expect(s("param shared", "true")).toBe("constant.language.boolean.gan");
    expect(s("param dataset", "enum")).toBe("storage.type.primitive.gan");
    expect(s("param sigma", "0.5")).toBe("constant.numeric.gan");
    expect(s("RECONSTRUCTION: short CPU runs", "//")).toBe("punctuation.definition.comment.gan");
    expect(toks.find((t) => t.text.includes("RECONSTRUCTION: short CPU runs"))!.scopes).toContain("comment.line.double-slash.gan");
    expect(s("when dataset == fashion", "when")).toBe("keyword.control.conditional.gan");
    expect(s("when dataset == fashion", "==")).toBe("keyword.operator.comparison.gan");
    expect(s("latent z ~", "~")).toBe("keyword.operator.distributed.gan");
    expect(s("latent z ~", "GaussianMixture")).toBe("entity.name.function.call.gan");
    expect(s("discriminator D(x: Real[2])", "discriminator")).toBe("storage.type.network.gan");
    expect(s("discriminator D(x: Real[2])", "D")).toBe("entity.name.function.gan");
    expect(s("discriminator D(x: Real[2])", "Real")).toBe("entity.name.type.gan");
    expect(s("discriminator D(x: Real[2])", "->")).toBe("keyword.operator.arrow.gan");
    expect(s("discriminator D(x: Real[2])", "|>")).toBe("keyword.operator.pipe.gan");
    expect(s("loss adv = E[x, z]", "E")).toBe("keyword.other.expectation.gan");
    expect(s("loss adv = E[x, z]", "*")).toBe("keyword.operator.arithmetic.gan");
    expect(s("marginal => marginal_match", "=>")).toBe("keyword.operator.arrow.gan");
    expect(s("let rate = if lr", "if")).toBe("keyword.control.conditional.gan");
    expect(s("let rate = if lr", "2e-4")).toBe("constant.numeric.gan");
    expect(s("update d_step:", "maximizes")).toBe("keyword.other.gan");
    expect(s("update d_step:", "with")).toBe("keyword.other.gan");
  });

  it("block comments span lines; strings keep escapes; `and`/`or`/`not` are operators", () => {
    const src = 'param a: bool = true and not false /* one\ntwo */ let s = "x\\"y" // end';
    const toks = tokenize(src);
    const s = (onLine: string, text: string) => scopeOf(toks, src, onLine, text);
    expect(s("param a", "and")).toBe("keyword.operator.logical.gan");
    expect(s("param a", "not")).toBe("keyword.operator.logical.gan");
    expect(toks.find((t) => t.text === "two ")!.scopes).toContain("comment.block.gan");
    expect(s("two */", "let")).toBe("keyword.declaration.gan");
    expect(s("two */", '\\"')).toBe("constant.character.escape.gan");
    expect(toks.find((t) => t.text === " end")!.scopes).toContain("comment.line.double-slash.gan");
  });
});
