// Checker behaviour beyond the corpus: overrides, shapes through layers, mapping, game rules, the signature
// table and plugin entries, and robustness on malformed ASTs.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../grammar/index.ts";
import { check, type CheckOptions } from "../../compiler/check/index.ts";
import {
  builtinSignatures,
  formatSignature,
  registerSignature,
  unregisterSignature,
  validateEntry,
  type SignatureEntry,
} from "../../compiler/check/signatures.ts";
import { convOut } from "../../compiler/check/layers.ts";
import type { Spec } from "../../grammar/ast.ts";

const root = join(import.meta.dirname, "../..");

function run(src: string, opts: CheckOptions = {}) {
  const p = parse(src, "t.gan");
  expect(p.diagnostics).toEqual([]);
  return check(p.spec, opts);
}
const codes = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => d.code);

const BASE = `model t
param dz: int in 1..64 = 4
data x: Real[2] = ring()
latent z ~ Normal(0, 1, dim=dz)
generator G(z: Real[dz]) -> Real[2] = z |> dense(16) |> relu() |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> dense(16) |> relu() |> dense(1)
loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = E[z] -log_sigmoid(D(G(z)))
update d_step: D maximizes d_loss with adam(lr=0.001)
update g_step: G minimizes g_loss with adam(lr=0.001)
`;

describe("params and overrides", () => {
  it("applies an override to shapes", () => {
    const r = run(BASE, { overrides: { dz: "7" } });
    expect(r.diagnostics).toEqual([]);
    expect(r.ir!.networks[0].inputs[0].type.shape).toEqual([7]);
    expect(r.ir!.params[0]).toMatchObject({ name: "dz", value: 7, from: "override" });
  });

  it("reports a bad override with the param declaration as related span", () => {
    const r = run(BASE, { overrides: { dz: "0" } });
    expect(codes(r)).toEqual(["E0503"]);
    expect(r.diagnostics[0].related[0].span.start.line).toBe(2);
  });

  it("points an override's diagnostic at the value in the flag, which is its own one-line source", () => {
    const r = run(BASE, { overrides: { dz: "abc" } });
    expect(codes(r)).toEqual(["E0502"]);
    const s = r.diagnostics[0].span;
    expect(s.file).toBe("--set dz=abc");
    expect(s.file.slice(s.start.offset, s.end.offset)).toBe("abc");
    const unknown = run(BASE, { overrides: { dzz: "3" } }).diagnostics[0];
    expect(unknown.span.file.slice(unknown.span.start.offset, unknown.span.end.offset)).toBe("dzz");
  });

  it("accepts the discriminator as gradient_penalty's critic (E0318 covers the wrong ones in the corpus)", () => {
    const src = BASE.replace("loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))", "loss d_loss = E[x, z] wasserstein(D(x), D(G(z))) - gradient_penalty(D, x, G(z))");
    expect(codes(run(src))).toEqual([]);
  });

  it("suggests a name for a transposed-letter typo (one edit, not two)", () => {
    const r = run(BASE, { overrides: { zd: "3" } });
    expect(codes(r)).toEqual(["E0501"]);
    expect(r.diagnostics[0].hints[0]).toBe("did you mean `dz`?");
    const g = run(BASE.replace("z |> dense(16)", "z |> desne(16)"));
    expect(g.diagnostics.map((d) => d.hints.join(" ")).join(" ")).toContain("dense");
  });

  it("accepts enum and bool overrides and rejects unknown members", () => {
    const src = readFileSync(join(root, "specs/gm_gan.gan"), "utf8");
    expect(codes(run(src, { overrides: { mode: "dynamic", supervised: "true" } }))).toEqual([]);
    const bad = run(src, { overrides: { mode: "dynamc" } });
    expect(codes(bad)).toEqual(["E0502"]);
    expect(bad.diagnostics[0].message).toContain("did you mean dynamic");
  });
});

describe("types and shapes", () => {
  it("conv arithmetic follows TensorFlow's same/valid rules", () => {
    expect(convOut(28, 5, 2, "same", false)).toBe(14);
    expect(convOut(28, 5, 1, "valid", false)).toBe(24);
    expect(convOut(7, 4, 2, "same", true)).toBe(14);
    expect(convOut(7, 4, 2, "valid", true)).toBe(16);
    const r = run(`model t
data x: Image[28, 28, 1] = fashion_mnist()
network Enc(x: Image[28, 28, 1]) -> Real[2304] = x |> conv2d(16, 5, padding="valid") |> maxpool(2) |> flatten()
discriminator D(x: Image[28, 28, 1]) -> Logit = Enc(x) |> dense(1)
loss l = E[x] log_sigmoid(D(x))
update u: D maximizes l with sgd(lr=0.1)
`);
    expect(r.diagnostics).toEqual([]);
    const e = r.ir!.networks.find((n) => n.name === "Enc")!;
    expect(e.layers.map((l) => l.outShape)).toEqual([[24, 24, 16], [12, 12, 16]]);
    expect(e.layers[0].params.map((p) => [p.name, p.shape])).toEqual([["Enc/conv2d_0/kernel", [5, 5, 1, 16]], ["Enc/conv2d_0/bias", [16]]]);
    expect(r.ir!.networks.find((n) => n.name === "D")!.vars).toContain("Enc/conv2d_0/kernel");
  });

  it("rejects an image generator feeding a flat discriminator, showing both spans", () => {
    const r = run(`model t
data x: Real[784] = fashion_mnist()
latent z ~ Normal(0, 1, dim=8)
generator G(z: Real[8]) -> Image[28, 28, 1] = z |> dense(784) |> reshape([28, 28, 1])
discriminator D(x: Real[784]) -> Logit = x |> dense(1)
loss l = E[z] log_sigmoid(D(G(z)))
update u: D maximizes l with sgd(lr=0.1)
update v: G minimizes l with sgd(lr=0.1)
`);
    expect(codes(r)).toEqual(["E0301"]);
    const d = r.diagnostics[0];
    expect(d.span.start.line).toBe(6);
    expect(d.related[0].span.start.line).toBe(5);
    expect(d.hints[0]).toContain("flatten");
  });

  it("maps a network over extra leading dims (each(z) -> K fakes per example)", () => {
    const r = run(`model t
data x: Real[2] = gmm(k=4, d=2)
latent z ~ GaussianMixture(4, 4, means=learn(uniform(-1, 1)), scale=learn(1.0), cov="full")
generator G(z: Real[4]) -> Real[2] = z |> mlp([16]) |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> mlp([16]) |> dense(1)
head C(x: Real[2]) -> Simplex[4] = x |> dense(4) |> softmax()
let fakes = G(each(z))
loss adv = E[x, z] mean(C(x) * (log_sigmoid(D(x)) + log_sigmoid(-D(fakes))))
loss mi = -mutual_info(responsibilities(each(z)), C(fakes))
update d_step: D maximizes adv with adam(lr=0.001)
update g_step: G, C, z.means, z.scale minimizes adv with adam(lr=0.001)
update p_step: C, z.means, z.scale minimizes mi with adam(lr=0.001)
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.ir!.losses.find((l) => l.name === "mi")!.uses.priorParams).toEqual(["z.means", "z.scale"]);
    const adv = r.ir!.losses.find((l) => l.name === "adv")!;
    const calls = adv.graph.values.filter((v) => v.op === "fold_call");
    expect(calls.map((c) => [c.attrs.network, c.attrs.mapDims, c.type.shape])).toEqual([
      ["C", 0, [4]],
      ["D", 0, []],
      ["G", 1, [4, 2]],
      ["D", 1, [4]],
    ]);
  });

  it("inserts expand_rank so elementwise operands have equal runtime rank", () => {
    const r = run(BASE.replace("loss g_loss = E[z] -log_sigmoid(D(G(z)))", "loss g_loss = E[z] sum(G(z) * [1.0, 2.0]) + E[z] 0 * log_sigmoid(D(G(z)))"));
    expect(r.diagnostics).toEqual([]);
    const g = r.ir!.losses.find((l) => l.name === "g_loss")!.graph;
    for (const v of g.values)
      if (["add", "sub", "mul", "div"].includes(v.op)) {
        const ranks = v.args.map((a) => g.values[a].type.shape.length + (g.values[a].type.batched ? 1 : 0));
        expect(new Set(ranks).size).toBe(1);
      }
  });

  it("requires a loss to be a whole-batch scalar and says which shape it has", () => {
    const r = run(BASE.replace("loss g_loss = E[z] -log_sigmoid(D(G(z)))", "loss g_loss = E[z] G(z)"));
    expect(codes(r)).toContain("E0309");
    expect(r.diagnostics.find((d) => d.code === "E0309")!.message).toContain("[2]");
  });
});

describe("game", () => {
  it("warns about a learnable prior parameter no update touches", () => {
    const r = run(`model t
data x: Real[2] = ring()
latent z ~ GaussianMixture(3, 2, means=learn(uniform(-1, 1)), scale=fixed(0.5))
generator G(z: Real[2]) -> Real[2] = z |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> dense(1)
loss l = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
update u: D maximizes l with sgd(lr=0.1)
update v: G minimizes l with sgd(lr=0.1)
`);
    expect(codes(r)).toEqual(["W0401"]);
    expect(r.ir).not.toBeNull();
    expect(r.ir!.sampler!.perComponent).toBe("z");
  });

  it("rejects updating a fixed prior member", () => {
    const r = run(`model t
data x: Real[2] = ring()
latent z ~ GaussianMixture(3, 2, means=fixed(uniform(-1, 1)))
generator G(z: Real[2]) -> Real[2] = z |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> dense(1)
loss l = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
update u: D maximizes l with sgd(lr=0.1)
update v: G, z.means minimizes l with sgd(lr=0.1)
`);
    expect(codes(r)).toEqual(["E0401"]);
  });

  it("fills train defaults, repeat_<update> and projections", () => {
    const r = run(BASE + "train { repeat_d_step 5 }\n");
    expect(r.ir!.train).toMatchObject({ batch: 64, steps: 1000, epochs: null, schedule: "alternating", seed: 0, logEvery: 100, checkpointEvery: 1000 });
    expect(r.ir!.updates.map((u) => u.repeat)).toEqual([5, 1]);
    // weights read by a called network belong to the caller's group; constrained ones are projected
    const gat = run(`model t
data x: Real[2] = gmm(k=2, d=2)
latent y ~ Categorical(2)
latent e ~ Normal(0, 1, dim=2)
weights mu: Real[2, 2] init data_points(x)
weights L: Real[2, 2, 2] init eye
weights A: Real[2, 2, 2] init zeros constrain sym_eig_below(0.99)
weights b: Real[2, 2] init zeros
weights c: Real[2] init zeros
generator G(y: Index[2], e: Real[2]) -> Real[2] = L[y] @ e + mu[y]
network Phi(x: Real[2]) -> Real[2] = 0.5 * quadform(A, x) + b @ x + c
discriminator D(x: Real[2]) -> Real = -logsumexp(-5 * Phi(x)) / 5
loss w2 = E[x] D(x) + E[y, e] sum(G(y, e) * G(y, e))
update d_step: D maximizes w2 with sgd(lr=0.01)
update g_step: G minimizes w2 with sgd(lr=0.001)
train { schedule simultaneous }
`).ir!;
    expect(gat.updates.map((u) => [u.name, u.project, u.groups[0].vars])).toEqual([
      ["d_step", ["A"], ["A", "b", "c"]],
      ["g_step", [], ["L", "mu"]],
    ]);
    expect(gat.train.schedule).toBe("simultaneous");
    expect(gat.sampler!.graph.values.map((v) => v.op)).toEqual(["latent", "latent", "fold_call"]);
  });
});

describe("signature table", () => {
  it("every built-in entry is well formed and documented", () => {
    for (const e of builtinSignatures) {
      expect(validateEntry(e), e.name).toEqual([]);
      expect(e.doc.length, e.name).toBeGreaterThan(3);
    }
  });

  it("lists every signature and why each fails", () => {
    const r = run(BASE + "evaluate { samples(m=3) }\n");
    const d = r.diagnostics.find((x) => x.code === "E0302")!;
    expect(d.hints).toHaveLength(3);
    expect(d.hints[0]).toMatch(/^samples\(n: int\) -> metric: no parameter named `m`/);
    expect(formatSignature("adam", builtinSignatures.find((e) => e.name === "adam")!.signatures[0])).toBe(
      "adam(lr: int, beta1: real = 0.9, beta2: real = 0.999, eps: real = 1e-8, schedule: schedule = none) -> optimizer".replace("lr: int", "lr: real"),
    );
  });

  const mmd: SignatureEntry = {
    name: "mmd",
    category: "loss",
    doc: "RBF-kernel MMD between two batches (whole-batch)",
    plugin: "./mmd.ts",
    signatures: [{ params: [{ name: "real", kind: "tensor", type: "Real[...s]" }, { name: "fake", kind: "tensor", type: "Real[...s]" }, { name: "sigma", kind: "real", default: 1 }], returns: "Real", batch: "reduce" }],
  };
  const src = BASE.replace("loss g_loss = E[z] -log_sigmoid(D(G(z)))", "loss g_loss = mmd(x, G(z), sigma=0.5)");

  it("accepts plugin entries through options and registerSignature", () => {
    expect(codes(run(src))).toContain("E0203");
    const r = run(src, { extraSignatures: [mmd] });
    expect(r.diagnostics).toEqual([]);
    const prim = r.ir!.losses.find((l) => l.name === "g_loss")!.graph.values.find((v) => v.op === "prim")!;
    expect(prim.attrs).toEqual({ name: "mmd", plugin: "./mmd.ts", named: { sigma: 0.5 } });
    expect(prim.type).toEqual({ elem: "real", shape: [], batched: false });
    registerSignature(mmd);
    try {
      expect(run(src).diagnostics).toEqual([]);
      expect(codes(run(src.replace("mmd(x, G(z), sigma=0.5)", "mmd(x, z)")))).toEqual(["E0302"]);
    } finally {
      unregisterSignature("mmd");
    }
  });

  it("rejects malformed plugin entries", () => {
    expect(() => registerSignature({ ...mmd, signatures: [{ params: [{ name: "a", kind: "tensor", type: "Reel[...s]" }], returns: "Real" }] })).toThrow(/unknown type "Reel"/);
    expect(validateEntry({ ...mmd, name: "bad name" })).not.toEqual([]);
  });
});

describe("robustness", () => {
  it("never throws, even on a malformed AST", () => {
    const span = { file: "t.gan", start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 2, offset: 1 } };
    const bad = { kind: "Spec", file: "t.gan", span, comments: [], items: [{ kind: "Loss", span, name: { kind: "Ident", name: "l", span }, value: null }] } as unknown as Spec;
    const r = check(bad);
    expect(r.ir).toBeNull();
    expect(codes(r)).toEqual(["E0799"]);
    expect(r.diagnostics[0].message).toContain("internal error");
  });

  it("reports several errors of one phase together", () => {
    const r = run(BASE.replace("dense(2)", "dens(2)").replace("log_sigmoid(D(x))", "log(D(x))") + "train { batch 0 }\n");
    expect(codes(r)).toEqual(["E0203", "E0310", "E0404"]);
  });
});

describe("evaluate", () => {
  it("checks what each metric needs from the spec", () => {
    const r = run(BASE + "evaluate every 100 steps { samples(per_component=4); gmm_recovery(means=W); modes() }\nweights W: Real[2, 2]\nupdate w: W minimizes g_loss with sgd(lr=0.1)\n");
    expect(r.diagnostics.map((d) => [d.code, d.message.split(":")[0]])).toEqual([
      ["E0405", "samples"],
      ["E0405", "gmm_recovery"],
      ["E0402", "loss `g_loss` does not depend on `W`, so `w` cannot update it"],
    ]);
    const ok = run(BASE + "evaluate every 100 steps { samples(n=10); modes(); ndb(bins=10) }\n");
    expect(ok.diagnostics).toEqual([]);
    expect(ok.ir!.evaluate).toMatchObject({ every: 100, metrics: [{ name: "samples", args: { n: 10 } }, { name: "modes", args: { samples: 10000 } }, { name: "ndb", args: { bins: 10, samples: 10000, significance: 0.05 } }] });
  });
});

describe("one-hot rows", () => {
  const MI = `model mi
param K: int = 3
data x: Real[2], y: Index[K] = gmm(k=K, d=2)
head C(x: Real[2]) -> Simplex[K] = x |> dense(K) |> softmax()
update c: C minimizes mi with adam(lr=0.1)
`;
  /** the type of the second argument of the loss's mutual_info prim */
  const secondArg = (r: ReturnType<typeof run>, loss: string) => {
    const g = r.ir!.losses.find((l) => l.name === loss)!.graph;
    const prim = g.values.find((v) => v.op === "prim" && v.attrs.name === "mutual_info")!;
    return g.values[prim.args[1]];
  };

  it("eye(K)[y] with a data label is Simplex[K], so mutual_info accepts it", () => {
    const r = run(MI + "loss mi = mutual_info(C(x), eye(K)[y])\n");
    expect(r.diagnostics).toEqual([]);
    const v = secondArg(r, "mi");
    expect(v.op).toBe("index");
    expect(v.type).toEqual({ elem: "real", shape: [3], batched: true, tag: "simplex", classes: 3 });
  });

  it("a row of eye picked by a latent's component (through a let) or by a constant is Simplex[K] too", () => {
    const r = run(
      MI +
        "latent z ~ GaussianMixture(K, 4, means=fixed(uniform(-1, 1)), scale=fixed(0.1))\n" +
        "generator G(z: Real[4]) -> Real[2] = z |> dense(2)\n" +
        "let I = eye(K)\nloss mi = mutual_info(C(G(z)), I[component(z)])\n" +
        "loss mi_const = mutual_info(C(G(z)), eye(K)[1])\nupdate g: G minimizes mi_const with adam(lr=0.1)\n",
    );
    expect(r.diagnostics).toEqual([]);
    expect(secondArg(r, "mi").type).toMatchObject({ shape: [3], batched: true, tag: "simplex", classes: 3 });
    expect(secondArg(r, "mi_const").type).toMatchObject({ shape: [3], batched: false, tag: "simplex", classes: 3 });
  });

  it("a row of another matrix stays Real[K]", () => {
    const r = run(MI + "weights P: Real[K, K]\nupdate p: P minimizes mi with adam(lr=0.1)\nloss mi = mutual_info(C(x), P[y])\n");
    expect(codes(r)).toEqual(["E0302"]);
  });
});

describe("no follow-on errors from a failed declaration", () => {
  it("a generator with an error in its body is not also missing for samples / ndb", () => {
    const r = run(BASE.replace("|> dense(2)\n", "|> dense(3)\n") + "evaluate { samples(n=10); ndb(bins=10) }\n");
    expect(codes(r)).toEqual(["E0308"]);
  });

  it("uses of a failed data binding, latent, weights or head report nothing more", () => {
    const r = run(`model t
param K: int = 3
data x: Real[0] = ring()
latent z ~ Normal(0, 1, dim=0)
latent e ~ Normal(0, 1, dim=4)
weights W: Real[2, 0]
generator G(z: Real[4]) -> Real[2] = z |> dense(2)
head C(x: Real[2]) -> Real[K] = x |> dense(K) |> softmax()
network F(x: Real[2]) -> Real[K] = C(x) |> dense(K)
discriminator D(x: Real[2]) -> Logit = x |> dense(1)
loss a = E[x] sum(softplus(x)) + E[z] sum(softplus(z)) + sum(W * W)
loss b = mutual_info(C(G(e)), C(G(e))) + E[e] sum(F(G(e)))
loss d = E[e] log_sigmoid(-D(G(e))) + gradient_penalty(D, x, G(e))
update u: W minimizes a with adam(lr=0.1)
update v: C, F, G minimizes b with adam(lr=0.1)
update w: D maximizes d with adam(lr=0.1)
evaluate { cluster_accuracy(head=C, labels=x); samples(n=10) }
`);
    expect(codes(r)).toEqual(["E0314", "E0316", "E0314", "E0315"]);
  });

  it("a data source that fails is not also missing for modes", () => {
    const r = run(BASE.replace("ring()", "rnig()") + "evaluate { modes() }\n");
    expect(codes(r)).toEqual(["E0203"]);
  });
});
