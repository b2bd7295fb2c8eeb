// The ONE signature table: built-in functions, activations, layers, distributions, data sources, initializers,
// constraints, optimizers, loss primitives and evaluate metrics. The checker resolves every call against it and
// lists its signatures in overload errors. Plugins add loss primitives in the same format (registerSignature, or
// check()'s `extraSignatures` option). Entries are plain data; how a built-in becomes IR lives in builtins.ts.
import type { Json } from "../ir/ir.ts";
import { parsePattern } from "./patterns.ts";

/** What an argument must be. `tensor` takes a value (a per-example or whole-batch tensor, or a number constant)
 * matching `type` (a pattern, default "Real[...s]"); the others are compile-time values or references. */
export type ArgKind =
  | "tensor"
  | "int"
  | "real"
  | "bool"
  | "string"
  | "ints" // list of ints, e.g. reshape([7, 7, 128])
  | "reals"
  | "dims" // an int or a list of ints (a distribution's dim)
  | "fn" // an activation / layer value, e.g. act=relu()
  | "dist"
  | "dists"
  | "init" // an initializer: zeros, uniform(-1, 1), ...
  | "prior" // fixed(init) | learn(init) | a number | an initializer
  | "network"
  | "data"
  | "latent"
  | "weights"
  | "schedule"; // a learning-rate schedule: cosine(steps=1000, warmup=100), ...

export interface SigParam {
  name: string;
  kind: ArgKind;
  /** tensor pattern for kind "tensor" */
  type?: string;
  /** present = optional, with this default */
  default?: Json;
  /** allowed strings for kind "string" */
  oneOf?: string[];
  /** numeric domain */
  min?: number;
  minExclusive?: boolean;
  max?: number;
  doc?: string;
  /** kind "network": the network is applied to the tensor argument of this name, one example at a time */
  appliedTo?: string;
  /** kind "network": it must return one score per example (Logit, Prob or Real / Real[1]) */
  scoreOut?: boolean;
}

export interface Signature {
  params: SigParam[];
  /** a tensor pattern ("Real[...s]", "Real") or a kind word ("layer", "distribution", "optimizer", ...) */
  returns: string;
  /** tensor returns: "keep" = batched when any tensor argument is (per-example); "reduce" = a whole-batch value */
  batch?: "keep" | "reduce";
  /** the last param repeats (concat(a, b, ...)) */
  variadic?: boolean;
}

export type Category =
  | "function"
  | "activation"
  | "layer"
  | "latent"
  | "distribution"
  | "prior"
  | "data"
  | "init"
  | "constraint"
  | "optimizer"
  | "schedule"
  | "loss"
  | "metric";

export interface SignatureEntry {
  name: string;
  category: Category;
  /** one line for docs and hints */
  doc: string;
  signatures: Signature[];
  /** module that defines it (plugins); null / absent for built-ins */
  plugin?: string | null;
}

const T = (name: string, type = "Real[...s]", extra: Partial<SigParam> = {}): SigParam => ({
  name,
  kind: "tensor",
  type,
  ...extra,
});
const P = (name: string, kind: ArgKind, extra: Partial<SigParam> = {}): SigParam => ({ name, kind, ...extra });

function unaryFn(name: string, doc: string, category: Category = "function"): SignatureEntry {
  return { name, category, doc, signatures: [{ params: [T("x")], returns: "Real[...s]", batch: "keep" }] };
}

/** Activations work both as layer values in pipelines (`x |> relu()`) and applied directly (`relu(x)`). */
function activation(name: string, doc: string, returns = "Real[...s]", extra: SigParam[] = []): SignatureEntry {
  return {
    name,
    category: "activation",
    doc,
    signatures: [
      { params: extra, returns: "layer" },
      { params: [T("x"), ...extra], returns, batch: "keep" },
    ],
  };
}

function reduction(name: string, doc: string): SignatureEntry {
  return {
    name,
    category: "function",
    doc,
    signatures: [{ params: [T("x"), P("axis", "int", { default: null })], returns: "Real[...r]", batch: "keep" }],
  };
}

const conv = (name: string, doc: string): SignatureEntry => ({
  name,
  category: "layer",
  doc,
  signatures: [
    {
      params: [
        P("filters", "int", { min: 1 }),
        P("kernel", "int", { min: 1 }),
        P("stride", "int", { min: 1, default: 1 }),
        P("padding", "string", { oneOf: ["same", "valid"], default: "same" }),
      ],
      returns: "layer",
    },
  ],
});

const pool = (name: string, doc: string): SignatureEntry => ({
  name,
  category: "layer",
  doc,
  signatures: [
    {
      params: [
        P("size", "int", { min: 1 }),
        P("stride", "int", { min: 1, default: null }),
        P("padding", "string", { oneOf: ["same", "valid"], default: "valid" }),
      ],
      returns: "layer",
    },
  ],
});

const samplesArg = P("samples", "int", { min: 1, default: 10000 });

export const builtinSignatures: readonly SignatureEntry[] = [
  // ---------- math ----------
  unaryFn("exp", "e^x, elementwise"),
  unaryFn("log", "natural log, elementwise (log of a Logit is an error: use log_sigmoid)"),
  unaryFn("sqrt", "square root, elementwise"),
  unaryFn("abs", "absolute value, elementwise"),
  unaryFn("square", "x^2, elementwise"),
  reduction("sum", "sum over per-example axes (all, or `axis`)"),
  reduction("mean", "mean over per-example axes (all, or `axis`)"),
  reduction("max", "max over per-example axes (all, or `axis`)"),
  reduction("min", "min over per-example axes (all, or `axis`)"),
  reduction("logsumexp", "log(sum(exp(x))) over per-example axes, computed stably"),
  {
    name: "quadform",
    category: "function",
    doc: "x' A x on the trailing dims: A [..., d, d], x [..., d] -> [...]",
    signatures: [{ params: [T("A", "Real[...a, d, d]"), T("x", "Real[...b, d]")], returns: "Real[...ab]", batch: "keep" }],
  },
  {
    name: "inv",
    category: "function",
    doc: "matrix inverse of the trailing [d, d]",
    signatures: [{ params: [T("A", "Real[...s, d, d]")], returns: "Real[...s, d, d]", batch: "keep" }],
  },
  {
    name: "eye",
    category: "function",
    doc: "identity matrix [n, n] (whole-batch); as an initializer: identity on the last two axes",
    signatures: [
      { params: [P("n", "int", { min: 1 })], returns: "Real[n, n]", batch: "reduce" },
      { params: [], returns: "init" },
    ],
  },
  {
    name: "one_hot",
    category: "function",
    doc: "one_hot(index, classes): an Index[classes] (a class label, a categorical code) as its one-hot row Simplex[classes]; usable in expressions and as a network input",
    signatures: [{ params: [T("index", "Index[K]"), P("classes", "int", { min: 1 })], returns: "Simplex[K]", batch: "keep" }],
  },
  {
    name: "transpose",
    category: "function",
    doc: "swap the last two axes",
    signatures: [{ params: [T("x", "Real[...s, m, n]")], returns: "Real[...s, n, m]", batch: "keep" }],
  },
  {
    name: "concat",
    category: "function",
    doc: "concatenate per-example values along the last axis (scalars count as [1])",
    signatures: [{ params: [T("a", "Real[...a]"), T("b", "Real[...b]")], returns: "Real[...c]", batch: "keep", variadic: true }],
  },
  {
    name: "sqnorm",
    category: "function",
    doc: "squared Euclidean norm over every per-example axis: sum(square(x)), e.g. sqnorm(grad(D(x), x))",
    signatures: [{ params: [T("x")], returns: "Real", batch: "keep" }],
  },
  {
    name: "grad",
    category: "function",
    doc: "the gradient of a per-example scalar f with respect to a per-example tensor wrt it depends on, typed like wrt (R1: sqnorm(grad(D(x), x)))",
    signatures: [{ params: [T("f", "Real[...f]"), T("wrt", "Real[...s]")], returns: "Real[...s]", batch: "keep" }],
  },
  // ---------- latent helpers ----------
  {
    name: "each",
    category: "latent",
    doc: "one draw from EVERY component of a GaussianMixture latent, per example: Real[K, dim]",
    signatures: [{ params: [P("z", "latent")], returns: "Real[K, d]", batch: "keep" }],
  },
  {
    name: "responsibilities",
    category: "latent",
    doc: "p(k | z) under a GaussianMixture latent's prior, as Simplex[K] (log-sum-exp)",
    signatures: [{ params: [T("z", "Real[...s, d]")], returns: "Simplex[...s, K]", batch: "keep" }],
  },
  {
    name: "component",
    category: "latent",
    doc: "the component index of a GaussianMixture latent's draw: Index[K]",
    signatures: [{ params: [P("z", "latent")], returns: "Index[K]", batch: "keep" }],
  },
  // ---------- activations ----------
  activation("relu", "max(x, 0)"),
  activation("leaky_relu", "x if x > 0 else alpha * x", "Real[...s]", [P("alpha", "real", { default: 0.2, min: 0 })]),
  activation("elu", "x if x > 0 else exp(x) - 1"),
  activation("tanh", "hyperbolic tangent"),
  activation("sigmoid", "1 / (1 + exp(-x)), a Prob", "Prob[...s]"),
  activation("softmax", "softmax over the last axis, a Simplex", "Simplex[...s, K]"),
  activation("log_softmax", "log of softmax over the last axis, computed stably", "Real[...s]"),
  // ---------- layers ----------
  {
    name: "dense",
    category: "layer",
    doc: "fully connected layer on the last axis (kernel glorot_uniform, bias zeros)",
    signatures: [{ params: [P("units", "int", { min: 1 })], returns: "layer" }],
  },
  conv("conv2d", "2-D convolution on [h, w, c] (padding same: ceil(h / stride); valid: floor((h - k) / stride) + 1)"),
  conv("conv2d_transpose", "transposed 2-D convolution on [h, w, c] (same: h * stride; valid: (h - 1) * stride + k)"),
  pool("maxpool", "max pooling on [h, w, c] (stride defaults to size)"),
  pool("avgpool", "average pooling on [h, w, c] (stride defaults to size)"),
  {
    name: "embedding",
    category: "layer",
    doc: "a learned [classes, dim] table indexed by an int / Index[classes] input: [...s] -> [...s, dim] (init uniform(-0.05, 0.05) unless `init`)",
    signatures: [
      {
        params: [
          P("classes", "int", { min: 1 }),
          P("dim", "int", { min: 1 }),
          P("init", "init", { default: null, doc: "the table's initializer: zeros, ones, normal(std), uniform(lo, hi), eye (classes = dim)" }),
        ],
        returns: "layer",
      },
    ],
  },
  {
    name: "upsample",
    category: "layer",
    doc: "resize an image [h, w, c] to [h * factor, w * factor, c]: mode \"nearest\" repeats pixels, \"bilinear\" interpolates (TF's align_corners=false, half_pixel_centers=false; ONNX Resize \"asymmetric\")",
    signatures: [
      {
        params: [P("factor", "int", { min: 1 }), P("mode", "string", { oneOf: ["nearest", "bilinear"], default: "nearest" })],
        returns: "layer",
      },
    ],
  },
  {
    name: "reshape",
    category: "layer",
    doc: "per-example reshape; the element count must not change",
    signatures: [{ params: [P("shape", "ints")], returns: "layer" }],
  },
  {
    name: "flatten",
    category: "layer",
    doc: "per-example flatten to [n]",
    signatures: [{ params: [], returns: "layer" }],
  },
  {
    name: "batchnorm",
    category: "layer",
    doc: "batch normalisation over the last axis (gamma ones, beta zeros; Keras momentum 0.99, eps 1e-3)",
    signatures: [{ params: [], returns: "layer" }],
  },
  {
    name: "dropout",
    category: "layer",
    doc: "inverted dropout while training",
    signatures: [{ params: [P("rate", "real", { min: 0, max: 0.999999 })], returns: "layer" }],
  },
  {
    name: "spectral_norm",
    category: "layer",
    doc: "spectral normalization (Miyato et al. 2018) of one dense / conv2d / conv2d_transpose layer: its kernel as a [out, rest] matrix divided by its largest singular value, estimated by `iters` power iterations per training-mode application from a persistent vector (state `<layer>/sn_u`, checkpointed, not trained); evaluation and sampling read the stored vector",
    signatures: [{ params: [P("layer", "fn"), P("iters", "int", { default: 1, min: 1, max: 100 })], returns: "layer" }],
  },
  {
    name: "mlp",
    category: "layer",
    doc: "a stack of dense layers, each followed by `act`",
    signatures: [{ params: [P("widths", "ints"), P("act", "fn", { default: "relu" })], returns: "layer" }],
  },
  // ---------- distributions ----------
  {
    name: "Normal",
    category: "distribution",
    doc: "Normal(mean, std): std is the standard deviation",
    signatures: [
      {
        params: [P("mean", "real"), P("std", "real", { min: 0, minExclusive: true }), P("dim", "dims", { default: [] })],
        returns: "distribution",
      },
    ],
  },
  {
    name: "Uniform",
    category: "distribution",
    doc: "Uniform(lo, hi) on [lo, hi)",
    signatures: [{ params: [P("lo", "real"), P("hi", "real"), P("dim", "dims", { default: [] })], returns: "distribution" }],
  },
  {
    name: "Beta",
    category: "distribution",
    doc: "Beta(a, b) on [0, 1]",
    signatures: [
      {
        params: [
          P("a", "real", { min: 0, minExclusive: true }),
          P("b", "real", { min: 0, minExclusive: true }),
          P("dim", "dims", { default: [] }),
        ],
        returns: "distribution",
      },
    ],
  },
  {
    name: "PointMass",
    category: "distribution",
    doc: "all mass at `value`",
    signatures: [{ params: [P("value", "real"), P("dim", "dims", { default: [] })], returns: "distribution" }],
  },
  {
    name: "Categorical",
    category: "distribution",
    doc: "a class index Index[K], uniform or with `probs`",
    signatures: [
      { params: [P("classes", "int", { min: 1 }), P("probs", "reals", { default: null })], returns: "distribution" },
    ],
  },
  {
    name: "Mixture",
    category: "distribution",
    doc: "a mixture of distributions of the same shape with the given weights (summing to 1)",
    signatures: [{ params: [P("weights", "reals"), P("components", "dists")], returns: "distribution" }],
  },
  {
    name: "GaussianMixture",
    category: "distribution",
    doc: "K Gaussian components in `dim` dims; means/scale/weights fixed(...) or learn(...); std = scale; weights uniform unless given",
    signatures: [
      {
        params: [
          P("components", "int", { min: 1 }),
          P("dim", "int", { min: 1 }),
          P("means", "prior", { default: "normal" }),
          P("scale", "prior", { default: 1 }),
          P("cov", "string", { oneOf: ["iso", "diag", "full"], default: "iso" }),
          P("weights", "prior", {
            default: null,
            doc: "mixing weights: a list of K positive numbers (normalised), fixed([...]), or learn([...]) / learn(zeros) for learnable logits (update as z.weights)",
          }),
        ],
        returns: "distribution",
      },
    ],
  },
  {
    name: "fixed",
    category: "prior",
    doc: "a frozen prior parameter with this init (saved in checkpoints)",
    signatures: [{ params: [P("init", "prior")], returns: "prior" }],
  },
  {
    name: "learn",
    category: "prior",
    doc: "a learnable prior parameter (update it as z.means / z.scale / z.weights)",
    signatures: [{ params: [P("init", "prior")], returns: "prior" }],
  },
  // ---------- data sources (columns in order; see dataColumns in builtins.ts) ----------
  {
    name: "gmm",
    category: "data",
    doc: "synthetic Gaussian mixture: columns x: Real[d], y: Index[k] (true component); ground truth saved; seed defaults to the run's",
    signatures: [
      {
        params: [
          P("k", "int", { min: 1 }),
          P("d", "int", { min: 1 }),
          P("sep", "real", { default: 4, min: 0 }),
          P("n", "int", { default: 10000, min: 1 }),
          P("symmetric", "bool", { default: false }),
          P("std", "real", { default: 1, min: 0, minExclusive: true }),
          P("seed", "int", { default: null }),
        ],
        returns: "data",
      },
    ],
  },
  {
    name: "ring",
    category: "data",
    doc: "2-D ring of Gaussian modes: columns x: Real[2], y: Index[modes]",
    signatures: [
      {
        params: [
          P("modes", "int", { default: 8, min: 1 }),
          P("radius", "real", { default: 2, min: 0 }),
          P("std", "real", { default: 0.02, min: 0 }),
          P("n", "int", { default: 20000, min: 1 }),
          P("seed", "int", { default: null }),
        ],
        returns: "data",
      },
    ],
  },
  {
    name: "grid",
    category: "data",
    doc: "2-D size x size grid of Gaussian modes: columns x: Real[2], y: Index[size * size]",
    signatures: [
      {
        params: [
          P("size", "int", { default: 5, min: 1 }),
          P("spacing", "real", { default: 2, min: 0 }),
          P("std", "real", { default: 0.05, min: 0 }),
          P("n", "int", { default: 20000, min: 1 }),
          P("seed", "int", { default: null }),
        ],
        returns: "data",
      },
    ],
  },
  {
    name: "fashion_mnist",
    category: "data",
    doc: "Fashion-MNIST scaled to [-1, 1]: columns x: Image[28, 28, 1], y: Index[10]; optional imbalanced subset",
    signatures: [
      {
        params: [
          P("split", "string", { oneOf: ["train", "test"], default: "train" }),
          P("path", "string", { default: "" }),
          P("dominant", "int", { default: -1, min: -1, max: 9 }),
          P("others", "int", { default: 1000, min: 0 }),
          P("n", "int", { default: 0, min: 0 }),
        ],
        returns: "data",
      },
    ],
  },
  {
    name: "csv",
    category: "data",
    doc: "a CSV file of numbers; the spec's bindings say how many columns each takes (types are trusted)",
    signatures: [
      // header null: auto (a first row with any non-numeric cell is a header), as docs/runtime.md says
      { params: [P("path", "string"), P("header", "bool", { default: null }), P("label", "string", { default: "" })], returns: "data" },
    ],
  },
  {
    name: "npy",
    category: "data",
    doc: "a NumPy .npy array (rows = first axis): column x; labels=\"y.npy\" (1-D integers) adds y",
    signatures: [{ params: [P("path", "string"), P("labels", "string", { default: "" })], returns: "data" }],
  },
  {
    name: "idx",
    category: "data",
    doc: "an IDX file (MNIST format, optionally .gz): column x ([n,h,w] gives images [h,w,1]; ubyte scaled to [-1, 1] unless scale=false); labels=... (1-D IDX) adds y",
    signatures: [
      { params: [P("path", "string"), P("labels", "string", { default: "" }), P("scale", "bool", { default: true })], returns: "data" },
    ],
  },
  {
    name: "images",
    category: "data",
    doc: "a folder of PNG images scaled to [-1, 1]: column x [h, w, channels]; one subfolder per class adds y (classes in name order)",
    signatures: [
      { params: [P("path", "string"), P("channels", "int", { default: 0, min: 0, max: 4, doc: "0 (from the first image), 1, 3 or 4" })], returns: "data" },
    ],
  },
  // ---------- initializers ----------
  { name: "zeros", category: "init", doc: "all zeros", signatures: [{ params: [], returns: "init" }] },
  { name: "ones", category: "init", doc: "all ones", signatures: [{ params: [], returns: "init" }] },
  {
    name: "normal",
    category: "init",
    doc: "normal(std, mean=0) entries",
    signatures: [
      { params: [P("std", "real", { default: 1, min: 0 }), P("mean", "real", { default: 0 })], returns: "init" },
    ],
  },
  {
    name: "uniform",
    category: "init",
    doc: "uniform(lo, hi) entries",
    signatures: [{ params: [P("lo", "real"), P("hi", "real")], returns: "init" }],
  },
  {
    name: "data_points",
    category: "init",
    doc: "rows drawn from a data binding (e.g. GMM means initialised at data points)",
    signatures: [{ params: [P("data", "data")], returns: "init" }],
  },
  // ---------- constraints ----------
  {
    name: "sym_eig_below",
    category: "constraint",
    doc: "symmetrise the trailing [d, d] matrices and clip their eigenvalues at `bound`",
    signatures: [{ params: [P("bound", "real")], returns: "constraint" }],
  },
  {
    name: "clip",
    category: "constraint",
    doc: "clip entries to [lo, hi]; clip(c) is clip(-c, c) (the original WGAN's weight clipping, c = 0.01)",
    signatures: [
      { params: [P("lo", "real"), P("hi", "real")], returns: "constraint" },
      { params: [P("c", "real", { min: 0, doc: "the clipping bound: entries go to [-c, c]" })], returns: "constraint" },
    ],
  },
  { name: "nonneg", category: "constraint", doc: "clip entries at 0 from below", signatures: [{ params: [], returns: "constraint" }] },
  // ---------- optimizers ----------
  {
    name: "adam",
    category: "optimizer",
    doc: "Adam (Kingma & Ba)",
    signatures: [
      {
        params: [
          P("lr", "real", { min: 0, minExclusive: true }),
          P("beta1", "real", { default: 0.9, min: 0, max: 1 }),
          P("beta2", "real", { default: 0.999, min: 0, max: 1 }),
          P("eps", "real", { default: 1e-8, min: 0 }),
          P("schedule", "schedule", { default: null, doc: "learning-rate schedule: constant(), warmup(n), linear_decay(n), cosine(n), step_decay(n); none = constant" }),
        ],
        returns: "optimizer",
      },
    ],
  },
  {
    name: "sgd",
    category: "optimizer",
    doc: "plain / momentum gradient descent",
    signatures: [
      {
        params: [P("lr", "real", { min: 0, minExclusive: true }), P("momentum", "real", { default: 0, min: 0, max: 1 }), P("schedule", "schedule", { default: null, doc: "learning-rate schedule: constant(), warmup(n), linear_decay(n), cosine(n), step_decay(n); none = constant" })],
        returns: "optimizer",
      },
    ],
  },
  {
    name: "rmsprop",
    category: "optimizer",
    doc: "RMSProp",
    signatures: [
      {
        params: [
          P("lr", "real", { min: 0, minExclusive: true }),
          P("decay", "real", { default: 0.9, min: 0, max: 1 }),
          P("eps", "real", { default: 1e-7, min: 0 }),
          P("momentum", "real", { default: 0, min: 0, max: 1 }),
          P("schedule", "schedule", { default: null, doc: "learning-rate schedule: constant(), warmup(n), linear_decay(n), cosine(n), step_decay(n); none = constant" }),
        ],
        returns: "optimizer",
      },
    ],
  },
  // ---------- learning-rate schedules (an optimizer's schedule=; t counts the update's applications, from 1) ----------
  { name: "constant", category: "schedule", doc: "the optimizer's lr at every step (the default)", signatures: [{ params: [], returns: "schedule" }] },
  {
    name: "warmup",
    category: "schedule",
    doc: "linear warm-up: lr * t / steps for the first `steps` applications, then lr",
    signatures: [{ params: [P("steps", "int", { min: 1 })], returns: "schedule" }],
  },
  {
    name: "linear_decay",
    category: "schedule",
    doc: "linear warm-up over `warmup` applications, then linear from lr to end * lr at application `steps`, then constant",
    signatures: [
      {
        params: [P("steps", "int", { min: 1 }), P("warmup", "int", { default: 0, min: 0 }), P("end", "real", { default: 0, min: 0, max: 1, doc: "final lr as a fraction of lr" })],
        returns: "schedule",
      },
    ],
  },
  {
    name: "cosine",
    category: "schedule",
    doc: "linear warm-up over `warmup` applications, then half a cosine from lr to min * lr at application `steps`, then constant",
    signatures: [
      {
        params: [P("steps", "int", { min: 1 }), P("warmup", "int", { default: 0, min: 0 }), P("min", "real", { default: 0, min: 0, max: 1, doc: "final lr as a fraction of lr" })],
        returns: "schedule",
      },
    ],
  },
  {
    name: "step_decay",
    category: "schedule",
    doc: "lr * gamma^floor((t - 1) / every): multiply the lr by gamma every `every` applications (PyTorch StepLR)",
    signatures: [{ params: [P("every", "int", { min: 1 }), P("gamma", "real", { default: 0.1, min: 0, minExclusive: true, max: 1 })], returns: "schedule" }],
  },
  // ---------- loss primitives ----------
  {
    name: "log_sigmoid",
    category: "loss",
    doc: "log(sigmoid(x)) computed stably: log D for a Logit",
    signatures: [{ params: [T("x")], returns: "Real[...s]", batch: "keep" }],
  },
  {
    name: "softplus",
    category: "loss",
    doc: "log(1 + exp(x)) computed stably",
    signatures: [{ params: [T("x")], returns: "Real[...s]", batch: "keep" }],
  },
  {
    name: "bce",
    category: "loss",
    doc: "binary cross-entropy of logits against targets in [0, 1], per example",
    signatures: [{ params: [T("logits"), T("targets")], returns: "Real[...s]", batch: "keep" }],
  },
  {
    name: "hinge",
    category: "loss",
    doc: "max(0, margin - x), per example",
    signatures: [{ params: [T("x"), P("margin", "real", { default: 1 })], returns: "Real[...s]", batch: "keep" }],
  },
  {
    name: "wasserstein",
    category: "loss",
    doc: "batch mean of critic(real) minus batch mean of critic(fake) (whole-batch)",
    signatures: [{ params: [T("real", "Real"), T("fake", "Real")], returns: "Real", batch: "reduce" }],
  },
  {
    name: "gradient_penalty",
    category: "loss",
    doc: "WGAN-GP: weight * E (|grad critic(x_hat)| - 1)^2 at random interpolates of real and fake (whole-batch)",
    signatures: [
      {
        params: [P("critic", "network", { appliedTo: "real", scoreOut: true }), T("real"), T("fake"), P("weight", "real", { default: 10, min: 0 })],
        returns: "Real",
        batch: "reduce",
      },
    ],
  },
  {
    name: "kl",
    category: "loss",
    doc: "KL(p || q) over the last axis, per example",
    signatures: [{ params: [T("p", "Simplex[...s, K]"), T("q", "Simplex[...s, K]")], returns: "Real[...s]", batch: "keep" }],
  },
  {
    name: "js",
    category: "loss",
    doc: "Jensen-Shannon divergence over the last axis (nats), per example",
    signatures: [{ params: [T("p", "Simplex[...s, K]"), T("q", "Simplex[...s, K]")], returns: "Real[...s]", batch: "keep" }],
  },
  {
    name: "entropy",
    category: "loss",
    doc: "entropy of a probability vector (nats), per example",
    signatures: [{ params: [T("p", "Simplex[...s, K]")], returns: "Real[...s]", batch: "keep" }],
  },
  {
    name: "mutual_info",
    category: "loss",
    doc: "IIC-style batch mutual information between paired probability vectors (pooled over the batch and leading dims)",
    signatures: [{ params: [T("p", "Simplex[...s, K]"), T("q", "Simplex[...s, L]")], returns: "Real", batch: "reduce" }],
  },
  {
    name: "marginal_match",
    category: "loss",
    doc: "JS divergence between the batch-mean probability vectors of p and q (whole-batch)",
    signatures: [{ params: [T("p", "Simplex[...s, K]"), T("q", "Simplex[...t, K]")], returns: "Real", batch: "reduce" }],
  },
  // ---------- evaluate metrics ----------
  {
    name: "ndb",
    category: "metric",
    doc: "NDB/K and JS over k-means bins of the data (Richardson & Weiss)",
    signatures: [
      {
        params: [P("bins", "int", { default: 100, min: 2 }), samplesArg, P("significance", "real", { default: 0.05, min: 0, max: 1 })],
        returns: "metric",
      },
    ],
  },
  {
    name: "samples",
    category: "metric",
    doc: "save generator samples: n points, a grid x grid image, or per_component rows",
    signatures: [
      { params: [P("n", "int", { min: 1 })], returns: "metric" },
      { params: [P("grid", "int", { min: 1 })], returns: "metric" },
      { params: [P("per_component", "int", { min: 1 })], returns: "metric" },
    ],
  },
  { name: "modes", category: "metric", doc: "2-D benchmarks: modes covered and high-quality fraction", signatures: [{ params: [samplesArg], returns: "metric" }] },
  {
    name: "gmm_recovery",
    category: "metric",
    doc: "parameter error of learned means/scales against the gmm source's truth (best permutation), and test NLL",
    signatures: [{ params: [P("means", "weights"), P("scales", "weights", { default: null })], returns: "metric" }],
  },
  {
    name: "gmm_fit",
    category: "metric",
    doc: "EM fit of a k-component GMM to generator samples, scored by the held-out data's NLL (k: the mixture latent's components, else the label classes, else 10)",
    signatures: [{ params: [P("k", "int", { min: 1, default: null }), P("samples", "int", { min: 2, default: 5000 })], returns: "metric" }],
  },
  {
    name: "cluster_accuracy",
    category: "metric",
    doc: "clustering accuracy (Hungarian) of a head's argmax against labels",
    signatures: [{ params: [P("head", "network"), P("labels", "data")], returns: "metric" }],
  },
  {
    name: "nmi",
    category: "metric",
    doc: "normalised mutual information of a head's argmax against labels",
    signatures: [{ params: [P("head", "network"), P("labels", "data")], returns: "metric" }],
  },
  {
    name: "cfd",
    category: "metric",
    doc: "classifier-feature Frechet distance on images (a small shipped classifier; not an Inception FID)",
    signatures: [{ params: [samplesArg], returns: "metric" }],
  },
  {
    name: "reconstruction",
    category: "metric",
    doc: "BiGAN/ALI: mean squared error of generator(encoder(x)) on n held-out rows, and a picture of grid originals above their reconstructions",
    signatures: [
      {
        params: [P("encoder", "network"), P("generator", "network"), P("n", "int", { min: 1, default: 1000 }), P("grid", "int", { min: 1, default: 8 })],
        returns: "metric",
      },
    ],
  },
  {
    name: "linear_probe",
    category: "metric",
    doc: "BiGAN/ALI: accuracy of a logistic regression on encoder(x) features against the labels (fitted on n training rows, scored on n held-out rows; 80/20 of the rows without a test split)",
    signatures: [
      {
        params: [P("encoder", "network"), P("labels", "data"), P("n", "int", { min: 2, default: 2000 }), P("iters", "int", { min: 1, default: 300 })],
        returns: "metric",
      },
    ],
  },
];

// ---------- registry ----------

const registered = new Map<string, SignatureEntry>();

/** Check an entry's shape (plugins can declare anything). Returns problems; empty when fine. */
export function validateEntry(e: SignatureEntry): string[] {
  const errs: string[] = [];
  if (!e || typeof e !== "object") return ["a signature entry must be an object"];
  if (typeof e.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name))
    errs.push(`name must be an identifier, got ${JSON.stringify(e.name)}`);
  if (typeof e.doc !== "string") errs.push(`${e.name}: doc must be a string`);
  if (!Array.isArray(e.signatures) || e.signatures.length === 0) {
    errs.push(`${e.name}: signatures must be a non-empty array`);
    return errs;
  }
  e.signatures.forEach((s, i) => {
    if (!s || !Array.isArray(s.params)) {
      errs.push(`${e.name}: signature ${i + 1} has no params array`);
      return;
    }
    const seen = new Set<string>();
    let optional = false;
    for (const p of s.params) {
      if (!p || typeof p.name !== "string") {
        errs.push(`${e.name}: signature ${i + 1} has a param without a name`);
        continue;
      }
      if (seen.has(p.name)) errs.push(`${e.name}: duplicate param ${p.name}`);
      seen.add(p.name);
      if (p.default !== undefined) optional = true;
      else if (optional) errs.push(`${e.name}: required param ${p.name} follows an optional one`);
      if (p.kind === "tensor") {
        const r = parsePattern(p.type ?? "Real[...s]");
        if (typeof r === "string") errs.push(`${e.name}(${p.name}): ${r}`);
      }
    }
    const kindWords = ["layer", "init", "distribution", "prior", "data", "constraint", "optimizer", "schedule", "metric"];
    if ((e.category === "loss" || e.category === "function") && !kindWords.includes(s.returns)) {
      const r = parsePattern(s.returns);
      if (typeof r === "string") errs.push(`${e.name}: returns: ${r}`);
    }
  });
  return errs;
}

/** Add a plugin entry to the table (replaces an earlier registration with the same name). Throws on a malformed
 * entry so that a plugin loader can turn it into a diagnostic naming the plugin. */
export function registerSignature(entry: SignatureEntry): void {
  const errs = validateEntry(entry);
  if (errs.length) throw new Error(`malformed signature: ${errs.join("; ")}`);
  registered.set(entry.name, entry);
}

export function unregisterSignature(name: string): void {
  registered.delete(name);
}

const builtinByName = new Map(builtinSignatures.map((e) => [e.name, e] as const));

/** The table as the checker sees it: built-ins, then registered plugins, then `extra` (later wins). */
export function signatureTable(extra: readonly SignatureEntry[] = []): Map<string, SignatureEntry> {
  const m = new Map(builtinByName);
  for (const [k, v] of registered) m.set(k, v);
  for (const e of extra) m.set(e.name, e);
  return m;
}

export function isBuiltin(entry: SignatureEntry): boolean {
  return builtinByName.get(entry.name) === entry;
}

function showDefault(v: Json): string {
  if (typeof v === "string") return JSON.stringify(v);
  return JSON.stringify(v);
}

/** `adam(lr: real, beta1: real = 0.9, ...) -> optimizer` */
export function formatSignature(name: string, s: Signature): string {
  const ps = s.params.map((p) => {
    const ty = p.kind === "tensor" ? (p.type ?? "Real[...s]") : p.oneOf ? p.oneOf.map((o) => `"${o}"`).join(" | ") : p.kind;
    const def = p.default !== undefined ? ` = ${p.default === null ? "none" : showDefault(p.default)}` : "";
    return `${p.name}: ${ty}${def}`;
  });
  if (s.variadic) ps.push("...");
  const batch = s.batch === "reduce" ? " (whole-batch)" : "";
  return `${name}(${ps.join(", ")}) -> ${s.returns}${batch}`;
}
