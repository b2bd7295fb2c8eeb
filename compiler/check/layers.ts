// Layer shape inference: each layer call in a network body becomes one IRLayer instance (store names
// "<Net>/<kind>_<i>/kernel|bias|gamma|beta") and one `layer` op; reshape/flatten become plain ops; mlp expands to
// dense + activation pairs. Conv/pool arithmetic follows TensorFlow's "same"/"valid" rules (runtime/layers).
import type { Span } from "../../diagnostics/diagnostic.ts";
import type { IRInit, IRLayer, Json, OpName, TensorType } from "../ir/ir.ts";
import type { Signature, SignatureEntry } from "./signatures.ts";
import type { BoundArg } from "./values.ts";
import type { Checker, Cx } from "./checker.ts";
import { applyFn } from "./builtins.ts";
import { showShape, showType } from "./patterns.ts";
import { ERR, numel, type Val } from "./values.ts";

type TVal = Val & { k: "tensor" };

function argNum(f: Val & { k: "fn" }, name: string): number | null {
  const b = f.args.get(name);
  if (b && b.val.k === "num") return b.val.v;
  const p = f.sig.params.find((x) => x.name === name);
  return p && typeof p.default === "number" ? p.default : null;
}

function argStr(f: Val & { k: "fn" }, name: string): string {
  const b = f.args.get(name);
  if (b && b.val.k === "str") return b.val.v;
  const p = f.sig.params.find((x) => x.name === name);
  return typeof p?.default === "string" ? p.default : "";
}

function newLayer(cx: Cx, kind: string): string {
  const net = cx.net!;
  const i = net.counters.get(kind) ?? 0;
  net.counters.set(kind, i + 1);
  return `${net.name}/${kind}_${i}`;
}

function addLayer(cx: Cx, layer: IRLayer, x: TVal, out: TensorType, span: Span): Val {
  cx.net!.layers.push(layer);
  return cx.g!.add("layer", [x.id], { layer: layer.id }, out, span);
}

/** Spatial output size of a conv / pool (TensorFlow rules); <= 0 means the input is too small. */
export function convOut(h: number, k: number, stride: number, padding: string, transpose: boolean): number {
  if (transpose) return padding === "same" ? h * stride : (h - 1) * stride + k;
  return padding === "same" ? Math.ceil(h / stride) : Math.floor((h - k) / stride) + 1;
}

/** the layers spectral_norm can wrap: those with one weight kernel */
const KERNEL_LAYERS = new Set(["dense", "conv2d", "conv2d_transpose"]);

/** `spectral_norm(layer, iters)`: the wrapped value must be one dense / conv layer (E0350), not normalized already
 * (E0351). A bare layer name (`spectral_norm(flatten)`) is called with no arguments first. */
export function checkSpectralNorm(ck: Checker, entry: SignatureEntry, sig: Signature, bound: Map<string, BoundArg>, cx: Cx, span: Span): Val {
  const b = bound.get("layer")!;
  let inner = b.val;
  if (inner.k === "entry") inner = ck.callEntry(inner.entry, [], cx, b.span, b.span);
  if (inner.k !== "fn") return ERR;
  const k = inner.entry.name;
  if (k === "spectral_norm")
    return ck.error("E0351", "this layer is already spectrally normalized", b.span, ["wrap the layer once: `spectral_norm(dense(128))` (iters= sets the power iterations)"]);
  if (!KERNEL_LAYERS.has(k)) {
    const hint =
      inner.entry.category === "activation"
        ? `\`${k}\` has no weights; apply it after the wrapped layer: \`spectral_norm(dense(128)) |> ${k}()\``
        : k === "mlp"
          ? "wrap each dense layer of the stack: `spectral_norm(dense(128)) |> relu() |> spectral_norm(dense(128)) |> relu()`"
          : `\`${k}\` has no weight kernel; spectral normalization applies to dense, conv2d and conv2d_transpose`;
    return ck.error("E0350", `spectral_norm wraps a dense, conv2d or conv2d_transpose layer, not \`${k}\``, b.span, [hint]);
  }
  return { k: "fn", entry, sig, args: new Map([...bound, ["layer", { val: inner, span: b.span }]]), span };
}

export function applyLayer(ck: Checker, f: Val & { k: "fn" }, input: Val, cx: Cx, span: Span, inSpan: Span): Val {
  const kind = f.entry.name;
  if (cx.mode !== "network" || !cx.g || !cx.net)
    return ck.error("E0322", `layer \`${kind}\` can only be used inside a network body (in ${cx.what})`, f.span, [
      "declare a network (e.g. `network N(x: Real[d]) -> Real[k] = x |> ...`) and call it",
    ]);
  const x = ck.toTensor(input, cx, inSpan);
  if (x.k !== "tensor") return ERR;
  if (kind === "embedding") return embedding(ck, f, x, cx, span, inSpan);
  if (x.type.elem !== "real") return ck.error("E0305", `\`${kind}\` needs a real input, got ${showType(x.type)}`, inSpan);
  const s = x.type.shape;
  const batched = x.type.batched;
  const real = (shape: number[]): TensorType => ({ elem: "real", shape, batched });
  switch (kind) {
    case "spectral_norm": {
      // the wrapped layer as usual, then its kernel is marked: the back ends divide it by its spectral norm
      const inner = f.args.get("layer")!.val as Val & { k: "fn" };
      const before = cx.net.layers.length;
      const y = applyLayer(ck, inner, input, cx, span, inSpan);
      const layer = cx.net.layers[before];
      if (y.k === "error" || !layer) return y;
      layer.attrs.spectralNorm = argNum(f, "iters") ?? 1;
      return y;
    }
    case "dense": {
      if (s.length !== 1)
        return ck.error("E0305", `dense needs a vector input Real[n], got ${showType(x.type)}`, inSpan, [
          s.length === 0 ? "reshape([1]) a scalar first" : "flatten() it first",
        ]);
      const units = argNum(f, "units")!;
      const id = newLayer(cx, "dense");
      return addLayer(
        cx,
        {
          id,
          kind,
          attrs: { units, inUnits: s[0] },
          params: [
            { name: `${id}/kernel`, shape: [s[0], units], init: { kind: "glorot_uniform", fanIn: s[0], fanOut: units } },
            { name: `${id}/bias`, shape: [units], init: { kind: "zeros" } },
          ],
          inShape: s,
          outShape: [units],
          span: f.span,
        },
        x,
        real([units]),
        span,
      );
    }
    case "conv2d":
    case "conv2d_transpose":
    case "maxpool":
    case "avgpool": {
      if (s.length !== 3)
        return ck.error("E0305", `${kind} needs an image-shaped input [h, w, c], got ${showType(x.type)}`, inSpan, [
          s.length === 1 ? "reshape([h, w, c]) it first" : "",
        ].filter(Boolean));
      const [H, W, C] = s;
      const pool = kind === "maxpool" || kind === "avgpool";
      const k = pool ? argNum(f, "size")! : argNum(f, "kernel")!;
      const stride = argNum(f, "stride") ?? k;
      const padding = argStr(f, "padding");
      const tr = kind === "conv2d_transpose";
      const oh = convOut(H, k, stride, padding, tr);
      const ow = convOut(W, k, stride, padding, tr);
      if (oh < 1 || ow < 1)
        return ck.error("E0305", `${kind} with kernel ${k}, stride ${stride}, padding "${padding}" leaves no output for input ${showShape(s)}`, f.span, [
          `"valid" needs h, w >= kernel; use padding="same" or a smaller kernel`,
        ]);
      const id = newLayer(cx, kind);
      if (pool) {
        const out = [oh, ow, C];
        const attrs: Record<string, Json> = { size: k, stride, padding, inH: H, inW: W, inChannels: C };
        return addLayer(cx, { id, kind, attrs, params: [], inShape: s, outShape: out, span: f.span }, x, real(out), span);
      }
      const F = argNum(f, "filters")!;
      const out = [oh, ow, F];
      const attrs: Record<string, Json> = { filters: F, kernel: k, stride, padding, inChannels: C, inH: H, inW: W };
      const kshape = tr ? [k, k, F, C] : [k, k, C, F];
      return addLayer(
        cx,
        {
          id,
          kind,
          attrs,
          params: [
            { name: `${id}/kernel`, shape: kshape, init: { kind: "glorot_uniform", fanIn: k * k * C, fanOut: k * k * F } },
            { name: `${id}/bias`, shape: [F], init: { kind: "zeros" } },
          ],
          inShape: s,
          outShape: out,
          span: f.span,
        },
        x,
        real(out),
        span,
      );
    }
    case "upsample": {
      if (s.length !== 3)
        return ck.error("E0333", `upsample needs an image-shaped input [h, w, c], got ${showType(x.type)}`, inSpan, [
          s.length === 1 ? "reshape([h, w, c]) it first" : "upsample resizes the two spatial axes of an [h, w, c] image",
        ]);
      const factor = argNum(f, "factor")!;
      const mode = argStr(f, "mode");
      const [H, W, C] = s;
      const out = [H * factor, W * factor, C];
      const id = newLayer(cx, "upsample");
      return addLayer(cx, { id, kind, attrs: { factor, mode, inH: H, inW: W, inChannels: C }, params: [], inShape: s, outShape: out, span: f.span }, x, real(out), span);
    }
    case "batchnorm": {
      if (s.length === 0) return ck.error("E0305", `batchnorm needs at least one per-example axis, got ${showType(x.type)}`, inSpan);
      const C = s[s.length - 1];
      const id = newLayer(cx, "batchnorm");
      return addLayer(
        cx,
        {
          id,
          kind,
          attrs: { channels: C, momentum: 0.99, eps: 0.001 },
          params: [
            { name: `${id}/gamma`, shape: [C], init: { kind: "ones" } },
            { name: `${id}/beta`, shape: [C], init: { kind: "zeros" } },
          ],
          inShape: s,
          outShape: s,
          span: f.span,
        },
        x,
        real(s),
        span,
      );
    }
    case "dropout": {
      const id = newLayer(cx, "dropout");
      return addLayer(cx, { id, kind, attrs: { rate: argNum(f, "rate")! }, params: [], inShape: s, outShape: s, span: f.span }, x, real(s), span);
    }
    case "reshape": {
      const b = f.args.get("shape")!;
      const shape = b.val.k === "list" ? b.val.items.map((v) => (v.k === "num" ? v.v : 0)) : [];
      if (numel(shape) !== numel(s))
        return ck.error("E0306", `reshape to ${showShape(shape)} (${numel(shape)} elements) from ${showType(x.type)} (${numel(s)} elements)`, b.span);
      return cx.g.add("reshape", [x.id], { shape }, real(shape), span);
    }
    case "flatten":
      return cx.g.add("flatten", [x.id], {}, real([numel(s)]), span);
    case "mlp": {
      const widths = f.args.get("widths")!;
      const actB = f.args.get("act");
      let act: Val = actB ? actB.val : { k: "entry", entry: ck.table.get("relu")! };
      if (act.k === "entry") act = ck.callEntry(act.entry, [], cx, actB?.span ?? f.span, actB?.span ?? f.span);
      if (act.k !== "fn") return ERR;
      let cur: Val = x;
      const ws = widths.val.k === "list" ? widths.val.items : [];
      for (const w of ws) {
        const dense = ck.callEntry(ck.table.get("dense")!, [{ name: null, val: w, span: widths.span }], cx, f.span, f.span);
        if (dense.k !== "fn") return ERR;
        cur = applyLayer(ck, { ...dense, span: f.span }, cur, cx, span, inSpan);
        if (cur.k === "error") return ERR;
        cur = applyFn(ck, act, cur, cx, span, inSpan);
        if (cur.k === "error") return ERR;
      }
      return cur;
    }
  }
  return ck.error("E0799", `internal error: no shape rule for layer \`${kind}\``, span);
}

/** embedding(classes, dim): a learned [classes, dim] table (store name "<Net>/embedding_<i>/embeddings") read at an
 * integer index: [...s] -> [...s, dim]. */
function embedding(ck: Checker, f: Val & { k: "fn" }, x: TVal, cx: Cx, span: Span, inSpan: Span): Val {
  const K = argNum(f, "classes")!;
  const d = argNum(f, "dim")!;
  if (x.type.elem !== "int")
    return ck.error("E0330", `embedding(${K}, ${d}) needs an integer index (Index[${K}]), got ${showType(x.type)}`, inSpan, [
      x.type.tag === "simplex" ? "a one-hot / probability vector goes through dense(...) instead" : "give the network an argument of type Index[K] (a class label or a Categorical latent)",
    ]);
  if (x.type.classes !== undefined && x.type.classes !== K)
    return ck.error("E0330", `embedding(${K}, ${d}) of ${showType(x.type)}: the index has ${x.type.classes} classes, the table ${K} rows`, f.span, [
      `write embedding(${x.type.classes}, ${d})`,
    ]);
  let init: IRInit = { kind: "uniform", lo: -0.05, hi: 0.05 };
  const ib = f.args.get("init");
  if (ib) {
    let iv = ib.val;
    if (iv.k === "entry") iv = ck.callEntry(iv.entry, [], cx, ib.span, ib.span);
    if (iv.k !== "init") return ERR;
    if (iv.init.kind === "data_points") return ck.error("E0316", `embedding init cannot be data_points(...)`, ib.span, ["use zeros, ones, normal(std), uniform(lo, hi) or eye"]);
    if (iv.init.kind === "eye" && K !== d) return ck.error("E0316", `embedding init eye needs classes = dim, got ${K} and ${d}`, ib.span);
    init = iv.init;
  }
  const id = newLayer(cx, "embedding");
  const s = x.type.shape;
  const out = [...s, d];
  cx.net!.layers.push({ id, kind: "embedding", attrs: { classes: K, dim: d }, params: [{ name: `${id}/embeddings`, shape: [K, d], init }], inShape: s, outShape: out, span: f.span });
  return cx.g!.add("layer", [x.id], { layer: id }, { elem: "real", shape: out, batched: x.type.batched }, span);
}

export type { OpName };
