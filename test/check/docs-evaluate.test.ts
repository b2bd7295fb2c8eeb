// Every `evaluate` example in docs/language.md and docs/metrics.md checks (issue 21: the docs' example used
// cluster_accuracy(head=C) without labels, which is E0302). Each evaluate block of a ```gan fence is checked inside a
// spec that declares the names the docs use (G, D, a head C, an encoder Enc, data x with labels y, K, dz).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkSource } from "../../compiler/pipeline.ts";
import { renderDiagnostics } from "../../diagnostics/render.ts";

const REPO = join(import.meta.dirname, "../..");

const HARNESS = `model docs "harness for the docs' evaluate examples"
param K: int = 10
param dz: int = 8
data x: Real[784], y: Index[10] = gmm(k=10, d=784, n=64, seed=1)
latent z ~ Normal(0, 1, dim=dz)
generator G(z: Real[dz]) -> Real[784] = z |> dense(784) |> tanh()
discriminator D(x: Real[784]) -> Logit = x |> dense(1)
head C(x: Real[784]) -> Simplex[K] = x |> dense(K) |> softmax()
network Enc(x: Real[784]) -> Real[dz] = x |> dense(dz)
loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = -E[z] log_sigmoid(D(G(z))) - E[x] sum(C(x) * log(C(x))) + E[x] sum(square(Enc(x)))
update d_step: D maximizes d_loss with adam(lr=0.001)
update g_step: G, C, Enc minimizes g_loss with adam(lr=0.001)
`;

/** The evaluate blocks (keyword to its closing brace) of every ```gan fence in a markdown file. */
export function evaluateExamples(md: string): string[] {
  const out: string[] = [];
  for (const m of md.matchAll(/```gan\n([\s\S]*?)```/g)) {
    const code = m[1]!;
    for (const e of code.matchAll(/^\s*evaluate\b/gm)) {
      const start = e.index! + e[0].indexOf("evaluate");
      const open = code.indexOf("{", start);
      let depth = 0, end = open;
      for (; end < code.length; end++) {
        if (code[end] === "{") depth++;
        else if (code[end] === "}" && --depth === 0) break;
      }
      out.push(code.slice(start, end + 1));
    }
  }
  return out;
}

describe("the docs' evaluate examples check", () => {
  const docs = ["docs/language.md", "docs/metrics.md"];
  const all = docs.flatMap((d) => evaluateExamples(readFileSync(join(REPO, d), "utf8")).map((ex) => ({ doc: d, ex })));

  it("finds the examples (both files have some)", () => {
    for (const d of docs) expect(all.filter((a) => a.doc === d).length, d).toBeGreaterThan(0);
  });

  for (const [i, { doc, ex }] of all.entries())
    it(`${doc} #${i + 1}: ${ex.replace(/\s+/g, " ").slice(0, 70)}`, () => {
      const text = HARNESS + ex + "\n";
      const r = checkSource(text, "docs.gan");
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      expect(errors, renderDiagnostics(errors, new Map([["docs.gan", text]]))).toEqual([]);
    });

  it("would catch the old example (cluster_accuracy without labels)", () => {
    const r = checkSource(HARNESS + "evaluate every 1000 steps { cluster_accuracy(head=C) }\n", "docs.gan");
    expect(r.diagnostics.map((d) => d.code)).toContain("E0302");
  });
});
