// Codes reported by compiler/check: E02xx names, E03xx types and shapes, E04xx the game, E05xx params and
// compile-time values, W04xx warnings, E0799 internal checker errors.
import type { CodeInfo } from "./index.ts";

export const semanticCodes = [
  // ---------- names ----------
  {
    code: "E0201",
    title: "unknown name",
    example: "loss l = E[x] D(xx)   // `xx` is not declared",
    fix: "Declare the name, or fix its spelling (the hint suggests the closest declared name).",
  },
  {
    code: "E0202",
    title: "duplicate declaration",
    example: "param K: int = 2\nparam K: int = 3",
    fix: "Rename one of the declarations; names are global to the spec (network arguments are local).",
  },
  {
    code: "E0203",
    title: "unknown function, layer or distribution",
    example: "generator G(z: Real[8]) -> Real[2] = z |> dens(2)",
    fix: "Use a name from the signature table (see the hint), or load a plugin that defines it with `use`.",
  },
  {
    code: "E0204",
    title: "unknown member",
    example: "update u: z.mean minimizes l with adam(lr=0.001)   // GaussianMixture members are means and scale",
    fix: "Only learnable prior parameters have members: `z.means` and `z.scale`.",
  },
  {
    code: "E0205",
    title: "expectation over something that is not data or a latent",
    example: "loss l = E[K] D(x)   // K is a param",
    fix: "`E[...]` averages over the batch of data bindings and latents only.",
  },
  // ---------- types and shapes ----------
  {
    code: "E0301",
    title: "argument type does not match the network's parameter",
    example:
      "generator G(z: Real[8]) -> Image[28, 28, 1] = ...\ndiscriminator D(x: Real[784]) -> Logit = ...\nloss l = E[z] D(G(z))",
    fix: "Make the types agree: flatten() or reshape([...]) the value, or change the declared parameter type.",
  },
  {
    code: "E0302",
    title: "no signature matches the arguments",
    example: "latent z ~ Normal(0, 1, dims=8)   // the named argument is `dim`",
    fix: "Call it with one of the signatures listed in the hints.",
  },
  {
    code: "E0303",
    title: "shapes cannot be broadcast together",
    example: "loss l = E[x] sum(x * mu)   // x: Real[2], mu: Real[3]",
    fix: "Elementwise operands must have equal trailing dims (or 1); reshape or index one of them.",
  },
  {
    code: "E0304",
    title: "matrix product dimensions do not match",
    example: "weights W: Real[3, 4]\nnetwork N(x: Real[3]) -> Real[3] = W @ x",
    fix: "The last dim of the left operand must equal the contracted dim of the right operand.",
  },
  {
    code: "E0305",
    title: "layer cannot be applied to this input shape",
    example: "network N(x: Real[10]) -> Real[10] = x |> conv2d(8, 3)   // conv2d needs [h, w, c]",
    fix: "Give the layer an input of the rank it needs (reshape), or fix kernel/stride so the output is positive.",
  },
  {
    code: "E0306",
    title: "reshape changes the number of elements",
    example: "generator G(z: Real[8]) -> Real[7, 7, 2] = z |> dense(100) |> reshape([7, 7, 2])",
    fix: "The product of the new dims must equal the input's element count.",
  },
  {
    code: "E0307",
    title: "invalid index",
    example: "loss l = E[x] log_softmax(D(x))[12]   // D returns Real[11]",
    fix: "Index with an integer constant in range, or with an Index[K] value whose K fits the indexed axis.",
  },
  {
    code: "E0308",
    title: "network body does not produce its declared type",
    example: "generator G(z: Real[8]) -> Real[2] = z |> dense(3)",
    fix: "Change the last layer or the declared return type so they agree.",
  },
  {
    code: "E0309",
    title: "loss is not a whole-batch scalar",
    example: "loss l = log_sigmoid(D(x))   // per-example: missing E[x]",
    fix: "Average over the batch with E[...] and reduce per-example axes with sum/mean.",
  },
  {
    code: "E0310",
    title: "log of a Logit",
    example: "loss l = E[x] log(D(x))   // D returns Logit",
    fix: "A Logit is pre-sigmoid: use log_sigmoid(D(x)) (and log_sigmoid(-D(x)) for log(1 - D)).",
  },
  {
    code: "E0311",
    title: "wrong number of arguments",
    example: "discriminator D(x: Real[2], t: Real) -> Logit = ...\nloss l = E[x] D(x)",
    fix: "Pass one argument per declared parameter.",
  },
  {
    code: "E0312",
    title: "value of the wrong kind here",
    example: "update u: G minimizes l with relu()   // `with` needs an optimizer",
    fix: "Each place takes one kind of value: `with` an optimizer, `init` an initializer, `constrain` a constraint, a latent a distribution, a data declaration a data source; networks are called, not used as values.",
  },
  {
    code: "E0313",
    title: "data binding does not match the source's column",
    example: "data x: Real[10] = fashion_mnist()   // the image column has 784 elements",
    fix: "Declare a type with the column's element count (any shape with the same count is reshaped).",
  },
  {
    code: "E0314",
    title: "invalid type",
    example: "weights W: Reel[3]",
    fix: "Types are Real, Image[h,w,c], Logit, Prob, Simplex[K], Index[K]; dims are positive integers.",
  },
  {
    code: "E0315",
    title: "a head must return Simplex[K]",
    example: "head C(x: Real[2]) -> Real[4] = x |> dense(4)",
    fix: "Declare `-> Simplex[K]` and end the body with softmax().",
  },
  {
    code: "E0316",
    title: "invalid distribution, initializer or constraint argument",
    example: "latent z ~ Normal(0, -1, dim=8)   // std must be > 0",
    fix: "Use a value inside the argument's documented domain.",
  },
  {
    code: "E0317",
    title: "network arguments map over different leading dims",
    example: "loss l = E[x, z] mean(D(each(z), x))",
    fix: "All arguments of a mapped network call need the same extra leading dims.",
  },
  {
    code: "E0318",
    title: "network passed to a primitive has the wrong signature",
    example: "loss gp = gradient_penalty(G, x, G(z))   // G returns Real[2]; a critic returns one score per example",
    fix: "Pass a network with one parameter of the tensor argument's type that returns Logit or Real (e.g. the discriminator).",
  },
  {
    code: "E0319",
    title: "more than one data declaration",
    example: "data x: Real[2] = ring()\ndata w: Real[2] = grid()",
    fix: "A spec trains on one data source per run: bind all its columns in one declaration (`data x: ..., y: ... = source(...)`), or select the source with `when` / `match` on a param.",
  },
  {
    code: "E0320",
    title: "no data declaration",
    example: 'model m "a GAN without data"\nlatent z ~ Normal(0, 1, dim=2)',
    fix: "Declare the data the spec trains on, e.g. `data x: Real[2] = ring()`; with `when` blocks, every branch the params can select needs one. An empty file is reported here too.",
  },
  {
    code: "E0321",
    title: "data file missing or unreadable",
    example: 'data x: Real[2] = csv(path="no_such_file.csv")',
    fix: "Point the path at the data (relative paths are relative to the spec's folder). The file must be a regular file of the source's format: CSV text for csv, a numpy.save array for npy, an MNIST-style IDX file for idx, a folder of PNGs for images. Values (NaN, non-numeric cells, sizes) are checked when the data is loaded.",
  },
  {
    code: "E0322",
    title: "not allowed in this context",
    example: "loss l = E[x] mean(dense(1)(x))   // layers only exist inside network bodies",
    fix: "Layers belong in network bodies; a network body reads only its arguments (pass data, latents and weights in); E[...] and prior parameters (`z.mu`) are read in losses.",
  },
  {
    code: "E0323",
    title: "recursive network call",
    example: "network A(x: Real[2]) -> Real[2] = B(x)\nnetwork B(x: Real[2]) -> Real[2] = A(x)",
    fix: "Networks are feed-forward: a network cannot call itself, directly or through others. Compose them in a loss instead.",
  },
  {
    code: "E0324",
    title: "per-example and whole-batch values mixed",
    example: "weights W: Real[2] init zeros\nloss l = -log_sigmoid(D(W))   // network arguments are per-example values",
    fix: "Pass networks per-example values (data, latents, what is computed from them); broadcast a whole-batch value explicitly, or concat only values of the same kind.",
  },
  {
    code: "E0325",
    title: "operation not defined for this element type",
    example: "latent c ~ Categorical(4)\nloss l = E[c] mean(c + 1)   // c is an Index[4]",
    fix: "Arithmetic and negation need real values; an Index is for indexing (`v[y]`) or one_hot(y).",
  },
  {
    code: "E0326",
    title: "invalid constant list",
    example: "weights W: Real[2, 2] init [[1, 0], [0]]",
    fix: "A list used as a tensor holds compile-time numbers and is rectangular (every row the same length).",
  },
  // ---------- the game ----------
  {
    code: "E0401",
    title: "update target is not a learnable group",
    example: "update u: x minimizes l with adam(lr=0.001)   // x is data",
    fix: "Targets are networks, weights, and learnable prior parameters (`z.means`, `z.scale` with learn(...)).",
  },
  {
    code: "E0402",
    title: "loss does not depend on the group it updates",
    example: "loss g = E[z] -log_sigmoid(D(G(z)))\nupdate u: C minimizes g with adam(lr=0.001)",
    fix: "Update only groups the loss reads, or use a loss that involves the group.",
  },
  {
    code: "E0403",
    title: "update names something that is not a loss",
    example: "update u: G minimizes G with adam(lr=0.001)",
    fix: "Name a `loss` declaration after minimizes / maximizes.",
  },
  {
    code: "E0404",
    title: "invalid train setting",
    example: "train { batch 0; stepz 100 }",
    fix: "Settings: batch, steps | epochs, schedule alternating|simultaneous, seed, log_every, checkpoint_every, repeat_<update>.",
  },
  {
    code: "E0405",
    title: "invalid evaluate block",
    example: "evaluate every 0 steps { samples(n=10) }",
    fix: "`every` is a positive int; metrics come from the evaluation table.",
  },
  {
    code: "E0406",
    title: "a group appears twice in one update",
    example: "update u: G, G minimizes l with adam(lr=0.001)",
    fix: "List each group once.",
  },
  {
    code: "E0412",
    title: "learning-rate schedule with unusable arguments",
    example: "update g: G minimizes l with adam(lr=2e-4, schedule=cosine(steps=100, warmup=500))",
    fix: "Give `steps` >= 1 and a `warmup` below `steps` (both count the update's applications), a final fraction (`end`, `min`) in [0, 1], and for step_decay `every` >= 1 and `gamma` in (0, 1].",
  },
  {
    code: "E0414",
    title: "an update's constraint is not an elementwise projection",
    example: "update d: D maximizes l with rmsprop(lr=5e-5) constrain sym_eig_below(1)",
    fix: "An update takes `constrain clip(lo, hi)` (WGAN weight clipping) or `constrain nonneg`, applied to every tensor it trains; matrix constraints go on a `weights` declaration.",
  },
  // ---------- params and compile-time values ----------
  {
    code: "E0501",
    title: "override for an unknown param",
    example: "ganc check spec.gan --set KK=3",
    fix: "Override a declared param (the hint suggests the closest one).",
  },
  {
    code: "E0502",
    title: "value of the wrong type for a param",
    example: "param K: int = 2.5",
    fix: "int params take integers, real params numbers, bool params true/false, enum params one of their members.",
  },
  {
    code: "E0503",
    title: "param value outside its declared range",
    example: "param K: int in 1..10 = 20",
    fix: "Choose a value inside `in lo..hi`, or widen the range.",
  },
  {
    code: "E0504",
    title: "condition is not a compile-time bool",
    example: "when K { ... }",
    fix: "Conditions of when/if must be bool expressions over params.",
  },
  {
    code: "E0505",
    title: "non-exhaustive match",
    example: "param m: enum { a, b } = a\nlatent t ~ match m { a => Uniform(0, 1) }",
    fix: "Add an arm for every enum member, or a `_` arm.",
  },
  {
    code: "E0506",
    title: "invalid match arm",
    example: "param m: enum { a, b } = a\nlatent t ~ match m { a => PointMass(1), c => Uniform(0, 1) }",
    fix: "Arms name members of the scrutinee's enum, each once.",
  },
  {
    code: "E0507",
    title: "value is not a compile-time constant",
    example: "weights W: Real[x]   // x is data",
    fix: "Dims, ranges and layer/optimizer arguments must be computed from literals and params.",
  },
  {
    code: "E0508",
    title: "invalid compile-time arithmetic",
    example: "param K: int = 4\nweights W: Real[K / 0]",
    fix: "Avoid division by zero and mixing strings with numbers.",
  },
  // ---------- warnings ----------
  {
    code: "W0401",
    title: "learnable parameter that no update touches",
    example: "weights A: Real[2, 2] init zeros   // never listed in an update",
    fix: "Add the group to an update, or use fixed(...) / remove it if it is meant to stay at its init.",
  },
  {
    code: "W0402",
    title: "expectation variable not used in its body",
    example: "loss l = E[x, z] log_sigmoid(D(x))   // z unused",
    fix: "Drop the variable from E[...].",
  },
  {
    code: "W0403",
    title: "network that nothing uses",
    example: "network Enc2(x: Real[2]) -> Real[8] = x |> dense(8)   // no loss or network calls Enc2",
    fix: "Call it from a loss or another network, or remove it.",
  },
  {
    code: "W0501",
    title: "not every variant was checked",
    example: "param a: bool = false   // ... seven bool params all tested by `when` conditions: 127 variants",
    fix: "`ganc check` checks at most 64 variants besides the defaults; fix some params with `--set name=value` to check the rest.",
  },
  // ---------- internal ----------
  {
    code: "E0799",
    title: "internal error in the checker",
    example: "(none: this is a bug in ganc)",
    fix: "Report it with the spec that triggered it.",
  },
] as const satisfies readonly CodeInfo[];
