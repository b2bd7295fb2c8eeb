// Every ```gan example in docs/language.md parses, and checks (issue 21: every construct documented with an example
// that works). An example is usually a fragment, so it is checked inside a harness spec (a ring GAN with the params
// and names the docs use): the example's own declarations replace the harness's of the same name, and the merged
// spec must check without errors. The few examples that cannot stand in any harness are listed with the reason.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../grammar/index.ts";
import type * as A from "../../grammar/ast.ts";
import { check } from "../../compiler/check/index.ts";
import { renderDiagnostics } from "../../diagnostics/render.ts";

const REPO = join(import.meta.dirname, "../..");
const DOC = "docs/language.md";

const COMMON = `param K: int in 1..1000 = 10
param dz: int in 1..64 = 8
param width: int in 1..1024 = 64
param c: real = 0.1
param gamma: real = 10
param lambda: real = 10
param sigma: real = 0.15
param delta: real = 0.01
param d: int = 2
param mu: enum { delta1, uniform, beta21, beta51, half } = delta1
param supervised: bool = false
param mode: enum { static, dynamic } = static
latent z ~ Normal(0, 1, dim=dz)
loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = -E[z] log_sigmoid(D(G(z)))
loss adv = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_ns = E[z] -log_sigmoid(D(G(z)))
loss critic = wasserstein(D(x), D(G(z)))
update d_step: D maximizes d_loss with adam(lr=1e-3)
update g_step: G minimizes g_loss with adam(lr=1e-3)
`;

/** the contexts the docs' examples are written in: the 2-D ring, Fashion-MNIST as vectors and as images */
const HARNESSES: Record<string, string> = {
  ring: `model docs "the docs' examples on the ring"
data x: Real[2] = ring(modes=8, radius=2, std=0.02, n=2000)
generator G(z: Real[dz]) -> Real[2] = z |> dense(16) |> relu() |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> dense(16) |> relu() |> dense(1)
head C(x: Real[2]) -> Simplex[K] = x |> dense(K) |> softmax()
${COMMON}`,
  vectors: `model docs "the docs' examples on Fashion-MNIST vectors"
data x: Real[784], y: Index[10] = fashion_mnist(split="train")
generator G(z: Real[dz]) -> Real[784] = z |> dense(64) |> relu() |> dense(784) |> tanh()
discriminator D(x: Real[784]) -> Logit = x |> dense(64) |> relu() |> dense(1)
head C(x: Real[784]) -> Simplex[K] = x |> dense(K) |> softmax()
${COMMON}`,
  images: `model docs "the docs' examples on Fashion-MNIST images"
data x: Image[28, 28, 1], y: Index[10] = fashion_mnist(split="train")
generator G(z: Real[dz]) -> Image[28, 28, 1] = z |> dense(784) |> tanh() |> reshape([28, 28, 1])
discriminator D(x: Image[28, 28, 1]) -> Logit = x |> flatten() |> dense(1)
network Phi(x: Image[28, 28, 1]) -> Real[64] = x |> flatten() |> dense(64)
head C(x: Image[28, 28, 1]) -> Simplex[K] = x |> flatten() |> dense(K) |> softmax()
${COMMON}`,
};

/** examples that are not checkable as given, by their first two lines, with the reason */
const NOT_CHECKED: Record<string, string> = {
  'data x: Image[28, 28, 1], y: Index[10] = fashion_mnist(split="train")\ndata x: Real[2] = ring(modes=8, radius=2, std=0.02, n=20000)':
    "two alternative data declarations side by side (a spec has one); each is the data line of a checked example",
  "latent z ~ Normal(0, 1, dim=dz)\nlatent t ~ match mu { delta1 => PointMass(1), uniform => Uniform(0, 1), beta21 => Beta(2, 1),": "alternative declarations of one latent `z`, one per line",
  "latent c ~ Categorical(8)                                         // InfoGAN's categorical code\ngenerator G(z: Real[dz], c: Index[8]) -> Real[2] = concat(z, one_hot(c, 8)) |> mlp([128, 128]) |> dense(2)":
    "lines of examples/specs/infogan_ring.gan (Q and the code book are declared there; that spec checks in test/step/plan)",
  "weights code: Real[K, K] init eye fixed\nloss mi = E[z, c] -sum((one_hot(c, K) @ code) * log(Q(G(z, c))))": "continues the InfoGAN lines above (c and Q from examples/specs/infogan_ring.gan)",
  "update d_step: D maximizes adv with adam(lr=2e-4, beta1=0.5)\nupdate g_step: G minimizes g_ns with adam(lr=2e-4, beta1=0.5)":
    "the updates of specs/pcm_gan.gan (a learnable mixture prior z.means / z.scale, a head C and the loss mi); that spec checks in test/check",
};

function fences(md: string): { line: number; code: string }[] {
  return [...md.matchAll(/```gan\n([\s\S]*?)```/g)].map((m) => ({ line: md.slice(0, m.index).split("\n").length + 1, code: m[1]! }));
}

/** the names an item declares (networks, losses, params, data bindings, latents, weights, lets, updates, model) */
function declared(it: A.Item): string[] {
  switch (it.kind) {
    case "Data": return it.bindings.map((b) => b.name.name);
    case "Model": case "Param": case "Latent": case "Weights": case "Let": case "Network": case "Loss": case "Update": return [it.name.name];
    case "When": return [...it.then, ...(it.else ?? [])].flatMap(declared);
    default: return [];
  }
}

/** the names an item refers to (every Name node, call targets included) */
function uses(it: A.Item): Set<string> {
  const out = new Set<string>();
  const walk = (x: unknown): void => {
    if (x === null || typeof x !== "object") return;
    if (Array.isArray(x)) return x.forEach(walk);
    const n = x as { kind?: string; name?: unknown };
    if (n.kind === "Name" && typeof n.name === "string") out.add(n.name);
    for (const [k, v] of Object.entries(x)) if (k !== "span") walk(v);
  };
  walk(it);
  if (it.kind === "Network") for (const b of it.params) out.delete(b.name.name); // its arguments are local names
  if (it.kind === "Update") {
    out.add(it.loss.name);
    for (const t of it.targets) out.add(t.name.name);
  }
  return out;
}

/** The harness with the example's declarations in place of its own of the same names: a harness item that uses a
 * replaced (or dropped) name is dropped too, so the example's own networks and losses are what is checked; an
 * example's `data` replaces the harness's (a spec has one). */
function merged(example: A.Spec, harness: A.Spec): A.Spec {
  const gone = new Set(example.items.flatMap(declared));
  const hasData = example.items.some((i) => i.kind === "Data");
  const hasModel = example.items.some((i) => i.kind === "Model");
  let keep = harness.items.filter((it) => !(hasData && it.kind === "Data") && !(hasModel && it.kind === "Model"));
  for (const it of harness.items) if (!keep.includes(it)) declared(it).forEach((n) => gone.add(n));
  for (let changed = true; changed; ) {
    changed = false;
    keep = keep.filter((it) => {
      const drop = declared(it).some((n) => gone.has(n)) || [...uses(it)].some((n) => gone.has(n) && !declared(it).includes(n));
      if (drop) {
        declared(it).forEach((n) => gone.add(n));
        changed = true;
      }
      return !drop;
    });
  }
  return { ...harness, items: [...keep, ...example.items] };
}

describe(`every \`\`\`gan example of ${DOC}`, () => {
  const md = readFileSync(join(REPO, DOC), "utf8");
  const all = fences(md);
  const harnesses = Object.entries(HARNESSES).map(([name, text]) => ({ name, text, p: parse(text, `${name}.gan`) }));

  it("finds them, and each harness checks on its own", () => {
    expect(all.length).toBeGreaterThanOrEqual(20);
    for (const h of harnesses) {
      expect(h.p.diagnostics, h.name).toEqual([]);
      const errors = check(h.p.spec, {}).diagnostics.filter((d) => d.severity === "error");
      expect(errors, renderDiagnostics(errors, new Map([[`${h.name}.gan`, h.text]]))).toEqual([]);
    }
  });

  for (const { line, code } of all) {
    const first = code.split("\n")[0]!;
    const key = code.split("\n").slice(0, 2).join("\n");
    it(`${DOC}:${line}: ${first.slice(0, 70)}`, () => {
      const file = `${DOC}:${line}`;
      const p = parse(code, file);
      expect(p.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      if (NOT_CHECKED[key]) return;
      // checks in at least one harness; the errors of each are shown otherwise
      const tries = harnesses.map((h) => {
        const errors = check(merged(p.spec, h.p.spec), {}).diagnostics.filter((d) => d.severity === "error");
        return { h, errors, text: renderDiagnostics(errors, new Map([[file, code], [`${h.name}.gan`, h.text]])) };
      });
      const ok = tries.filter((t) => t.errors.length === 0);
      expect(ok.length, tries.map((t) => `in the ${t.h.name} harness:\n${t.text}`).join("\n")).toBeGreaterThan(0);
    });
  }

  it("the exemptions name examples that exist", () => {
    const firsts = new Set(all.map((f) => f.code.split("\n").slice(0, 2).join("\n")));
    for (const k of Object.keys(NOT_CHECKED)) expect(firsts.has(k), k).toBe(true);
  });
});
