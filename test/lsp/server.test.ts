// `ganc lsp` against a real client over the server process's stdio (test/lsp/client.ts): every bundled spec is
// clean, a spec with three errors gives three diagnostics, edits update them, and the requests answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type {
  CodeAction,
  CompletionItem,
  CompletionList,
  Diagnostic,
  DocumentSymbol,
  Hover,
  Location,
  TextEdit,
} from "vscode-languageserver-protocol";
import { ROOT, startClient, uriOf, type Client } from "./client.ts";

let c: Client;
const versions = new Map<string, number>();

beforeAll(async () => {
  c = await startClient();
});
afterAll(async () => {
  await c?.close();
});

async function open(uri: string, text: string): Promise<Diagnostic[]> {
  versions.set(uri, 1);
  await c.conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "gan", version: 1, text } });
  return (await c.diagnostics(uri, 1)).diagnostics;
}

async function change(uri: string, changes: { range?: { start: Pos; end: Pos }; text: string }[]): Promise<Diagnostic[]> {
  const version = (versions.get(uri) ?? 1) + 1;
  versions.set(uri, version);
  await c.conn.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: changes });
  return (await c.diagnostics(uri, version)).diagnostics;
}

interface Pos {
  line: number;
  character: number;
}
const at = (line: number, character: number): Pos => ({ line, character });
const req = <R,>(method: string, params: object) => c.conn.sendRequest(method, params) as Promise<R>;
const markdown = (h: Hover | null) => (h && typeof h.contents === "object" && "value" in h.contents ? h.contents.value : "");
const labels = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : (r?.items ?? [])).map((i) => i.label);

/** The 0-based position of the `n`-th occurrence of `needle` in `text` (plus `delta` characters). */
function find(text: string, needle: string, n = 0, delta = 0): Pos {
  let i = -1;
  for (let k = 0; k <= n; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, i + delta);
  return at(before.split("\n").length - 1, before.length - before.lastIndexOf("\n") - 1);
}

const specs = readdirSync(join(ROOT, "specs")).filter((f) => f.endsWith(".gan"));

describe("diagnostics", () => {
  it.each(specs)("bundled spec %s: no diagnostics, in any `when` branch", async (f) => {
    const d = await open(uriOf(`specs/${f}`), readFileSync(join(ROOT, "specs", f), "utf8"));
    expect(d).toEqual([]);
  });

  const three = readFileSync(join(ROOT, "test/lsp/fixtures/three_errors.gan"), "utf8");
  const threeUri = uriOf("test/lsp/fixtures/three_errors.gan");

  let threeDiags: Diagnostic[] = [];
  it("a spec with three errors: three diagnostics with codes, ranges and hints", async () => {
    const d = (threeDiags = await open(threeUri, three));
    expect(d.map((x) => x.code)).toEqual(["E0201", "E0203", "E0302"]);
    expect(d.every((x) => x.severity === 1 && x.source === "ganc")).toBe(true);
    expect(d[0]!.range).toEqual({ start: at(11, 61), end: at(11, 63) }); // `zz`
    expect(d[1]!.range).toEqual({ start: at(12, 20), end: at(12, 30) }); // `log_sigmod`
    expect(d[2]!.range).toEqual({ start: at(15, 39), end: at(15, 62) }); // the adam(...) call
    expect(d[1]!.message).toContain("hint: did you mean `log_sigmoid`?");
    expect(d[2]!.message).toContain("no parameter named `beta`");
  });

  it("the quick fix replaces a misspelt name with the suggestion", async () => {
    const range = { start: at(12, 20), end: at(12, 30) };
    const none = await req<CodeAction[]>("textDocument/codeAction", { textDocument: { uri: threeUri }, range, context: { diagnostics: [] } });
    expect(none).toEqual([]); // no diagnostics in the context: nothing to fix
    const fixes = await req<CodeAction[]>("textDocument/codeAction", { textDocument: { uri: threeUri }, range, context: { diagnostics: threeDiags } });
    // the E0201 `zz` -> `dz` fix and the E0203 one; E0302's range is the whole call, which a name cannot replace
    expect(fixes.map((f) => f.title)).toEqual(["Change `zz` to `dz`", "Change `log_sigmod` to `log_sigmoid`"]);
    expect(fixes[1]!.edit!.changes![threeUri]).toEqual([{ range, newText: "log_sigmoid" }]);
  });

  it("incremental edits: fixing the errors one by one, then breaking the syntax", async () => {
    // fix `log_sigmod` (line 13): insert the missing `i`
    let d = await change(threeUri, [{ range: { start: at(12, 29), end: at(12, 29) }, text: "i" }]);
    expect(d.map((x) => x.code)).toEqual(["E0201", "E0302"]);
    // `zz` -> `z` and `beta` -> `beta1`, in one change notification with two edits (later edit first)
    d = await change(threeUri, [
      { range: { start: at(15, 57), end: at(15, 57) }, text: "1" },
      { range: { start: at(11, 62), end: at(11, 63) }, text: "" },
    ]);
    expect(d).toEqual([]);
    // a half-typed declaration: a syntax error, no crash
    d = await change(threeUri, [{ range: { start: at(16, 59), end: at(16, 59) }, text: "\nloss broken = E[x] (" }]);
    expect(d.length).toBeGreaterThan(0);
    expect(d[0]!.code).toMatch(/^E01/);
    expect(d[0]!.range.start.line).toBeGreaterThanOrEqual(17);
  });

  it("a `when` branch the defaults do not select: its diagnostics are marked with the params selecting it", async () => {
    const spec = readFileSync(join(ROOT, "specs/vanilla_gan.gan"), "utf8").replace("samples(grid=10)", "samples(gird=10)");
    const uri = pathToFileURL(join(ROOT, "test/lsp/fixtures/vanilla_when.gan")).href;
    const d = await open(uri, spec);
    expect(d).toHaveLength(1);
    expect(d[0]!.message).toMatch(/^\[with dataset=fashion\] /);
    expect(d[0]!.data).toMatchObject({ when: { dataset: "fashion" } });
    expect(d[0]!.range.start).toEqual(find(spec, "samples(gird=10)"));
  });
});

describe("requests on specs/pcm_gan.gan", () => {
  const text = readFileSync(join(ROOT, "specs/pcm_gan.gan"), "utf8");
  const uri = uriOf("specs/pcm_gan.gan");
  const doc = { textDocument: { uri } };

  it("hover: a latent's type and shape, a let's type, a built-in's documentation and signature", async () => {
    const z = markdown(await req<Hover>("textDocument/hover", { ...doc, position: find(text, "latent z", 0, 7) }));
    expect(z).toContain("**latent** `z`: Real[4] per example, GaussianMixture of 4 components in 4 dims");
    const zk = markdown(await req<Hover>("textDocument/hover", { ...doc, position: find(text, "let zk", 0, 4) }));
    expect(zk).toContain("`zk`: Real[4, 4]");
    const adam = markdown(await req<Hover>("textDocument/hover", { ...doc, position: find(text, "adam(", 0, 1) }));
    expect(adam).toContain("adam(lr: real, beta1: real = 0.9");
    expect(adam).toContain("optimizer: ");
    const param = markdown(await req<Hover>("textDocument/hover", { ...doc, position: find(text, "param dataset", 0, 7) }));
    expect(param).toContain("enum {gmm2d, fashion} = gmm2d");
    // a network declared in both branches of `when dataset == fashion`: both declarations, the selected one typed
    const d = markdown(await req<Hover>("textDocument/hover", { ...doc, position: find(text, "log_sigmoid(D(x))", 0, 12) }));
    expect(d).toContain("discriminator D(x: Image[28, 28, 1]) -> Logit");
    expect(d).toContain("discriminator D(x: Real[2]) -> Logit");
    expect(d).toContain("(x: Real[2]) -> Logit");
    expect(d).toContain("not selected by the default params");
    const arg = markdown(await req<Hover>("textDocument/hover", { ...doc, position: find(text, "beta1=", 0, 1) }));
    expect(arg).toContain("argument of `adam`");
  });

  it("definition: every declaration of the name (one per `when` branch)", async () => {
    const locs = await req<Location[]>("textDocument/definition", { ...doc, position: find(text, "C(fakes)", 0) });
    expect(locs.map((l) => l.range.start)).toEqual([1, 2, 3].map((n) => find(text, "head C(", n, 5)));
    // a network's parameter resolves to itself, not to the data binding `x`
    const local = await req<Location[]>("textDocument/definition", { ...doc, position: find(text, "x |> mlp([128, 128], act=leaky", 0) });
    expect(local.map((l) => l.range.start)).toEqual([find(text, "network Enc(x: Real[2])", 0, 12)]);
  });

  it("references: the uses of a loss, with and without its declaration", async () => {
    const pos = find(text, "loss adv", 0, 5);
    const without = await req<Location[]>("textDocument/references", { ...doc, position: pos, context: { includeDeclaration: false } });
    expect(without.map((l) => l.range.start)).toEqual([find(text, "maximizes adv", 0, 10), find(text, "minimizes adv", 0, 10)]);
    const withDecl = await req<Location[]>("textDocument/references", { ...doc, position: pos, context: { includeDeclaration: true } });
    expect(withDecl).toHaveLength(3);
  });

  it("document symbols: the outline, `when` branches nested", async () => {
    const syms = await req<DocumentSymbol[]>("textDocument/documentSymbol", doc);
    const names = syms.map((s) => s.name);
    expect(names.slice(0, 2)).toEqual(["pcm_gan", "dataset"]);
    expect(names).toContain("when dataset == fashion");
    expect(names).toContain("consistency_loss");
    const when = syms.find((s) => s.name === "when dataset == fashion")!;
    expect(when.children!.map((s) => s.name)).toContain("when arch == conv");
    expect(when.children!.map((s) => s.name)).toContain("else");
  });

  it("completion: keywords at a line start, declared names, built-ins with argument names, enum values", async () => {
    const line = text.split("\n").length - 1; // the last (empty) line
    const top = labels(await req("textDocument/completion", { ...doc, position: at(line, 0) }));
    expect(top).toEqual(expect.arrayContaining(["param", "latent", "network", "loss", "update", "when", "adv", "zk", "dataset", "adam"]));
    // inside adam( ... ): its argument names
    await change(uri, [{ range: { start: at(line, 0), end: at(line, 0) }, text: "let o = adam(lr=0.1, " }]);
    const args = labels(await req("textDocument/completion", { ...doc, position: at(line, 21) }));
    expect(args).toEqual(expect.arrayContaining(["beta1=", "beta2=", "eps="]));
    // after `dataset == `: the enum's members come first
    await change(uri, [{ range: { start: at(line, 0), end: at(line, 21) }, text: "let q = dataset == " }]);
    const r = await req<CompletionItem[]>("textDocument/completion", { ...doc, position: at(line, 19) });
    const sorted = [...r].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label));
    expect(sorted.slice(0, 2).map((i) => i.label).sort()).toEqual(["fashion", "gmm2d"]);
    // a `train { }` block: its settings (the names game.ts accepts)
    const train = find(text, "    steps 3000");
    const settings = labels(await req("textDocument/completion", { ...doc, position: at(train.line, 4) }));
    expect(settings).toEqual(["batch", "steps", "epochs", "schedule", "seed", "log_every", "checkpoint_every"]);
  });

  it("formatting: the `ganc fmt` layout as one edit; a formatted spec gets none", async () => {
    await change(uri, [{ text }]);
    expect(await req<TextEdit[]>("textDocument/formatting", { ...doc, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
    const messy = text.replace("param K: int in 1..1000 = 4", "param   K :int in 1 .. 1000=4");
    await change(uri, [{ text: messy }]);
    const edits = await req<TextEdit[]>("textDocument/formatting", { ...doc, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toBe(text);
  });
});

describe("robustness", () => {
  it("malformed documents: diagnostics, and every request still answers", async () => {
    const uri = uriOf("test/lsp/fixtures/malformed.gan");
    const texts = ["", "model", "network D(x: Real[", 'param p: enum { a, b = "\n/* unterminated', "when {{{ ) ] E[ |> |>", "loss l = E[x] (((((((((("];
    for (const [i, t] of texts.entries()) {
      const d = i === 0 ? await open(uri, t) : await change(uri, [{ text: t }]);
      expect(Array.isArray(d)).toBe(true);
      for (const line of [0, 1])
        for (const ch of [0, 3, 8]) {
          const position = at(line, ch);
          await req("textDocument/hover", { textDocument: { uri }, position });
          await req("textDocument/completion", { textDocument: { uri }, position });
          await req("textDocument/definition", { textDocument: { uri }, position });
          await req("textDocument/references", { textDocument: { uri }, position, context: { includeDeclaration: true } });
        }
      await req("textDocument/documentSymbol", { textDocument: { uri } });
      await req("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    }
  });

  it("an exception inside a request answers it with an error; the server keeps serving", async () => {
    await expect(req("textDocument/hover", {})).rejects.toThrow(/hover failed/);
    const uri = uriOf("specs/vanilla_gan.gan");
    const h = await req<Hover>("textDocument/hover", { textDocument: { uri }, position: find(readFileSync(join(ROOT, "specs/vanilla_gan.gan"), "utf8"), "loss d_loss", 0, 5) });
    expect(markdown(h)).toContain("d_loss");
    expect(c.child.exitCode).toBe(null);
  });
});
