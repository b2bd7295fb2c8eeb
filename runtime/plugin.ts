// The public plugin API ("ganc/plugin"): how users add loss primitives without touching the compiler.
//
//   import { defineLoss } from "ganc/plugin";
//   export default [
//     defineLoss({
//       name: "my_loss",
//       signatures: ["(real: Real[d], fake: Real[d], scale: real = 1) -> Real"],
//       doc: "one line shown in diagnostics and `ganc list`",
//       implementation: ([real, fake], { scale }, tf) => ...,   // a tfjs scalar
//     }),
//   ];
//
// Signatures are strings in the language's own type notation, parsed by compiler/plugins/signature.ts into the
// checker's signature table format (compiler/check/signatures.ts), so plugins get the same overload checking and
// hints as the built-ins:
//   sig    = "(" [ param { "," param } ] ")" "->" result
//   param  = IDENT ":" type [ "=" literal ]                 (tensor params first; only options have defaults)
//   type   = Tensor [ "[" dim { "," dim } "]" ]             (Real, Logit, Prob, Simplex[...s, K], Index[K], Image[h,w,c])
//          | "real" | "int" | "bool" | "string" | "real[]" | "int[]"        (compile-time options)
//          | "network" [ "(" IDENT ")" ]                    (a network of the spec; never has a default)
//   result = [ "batch" ] Tensor [ "[" dim { "," dim } "]" ]
//   dim    = INT | IDENT | "..." IDENT                      (names bind equal sizes across params; ...s binds a list)
// Per-example dims only: a per-example argument arrives with a leading batch axis N in front of them (see
// runtime/types.ts), a whole-batch one without. `-> Real` is a whole-batch scalar (shape []): the usual loss.
// `-> batch Real[...]` is a per-example result (leading batch axis kept), to be reduced in the spec with E[...].
// Tensor params are passed, in signature order, as `args`; option params by name in `named`, with defaults filled
// in by the compiler. A structured entry in the table's own format ({ params, returns, batch }) is accepted too.
//
// A `network` param takes one of the spec's networks by name (`r1_penalty(x, D)`), and the implementation receives
// it in `named` as a PluginNetwork: a function `(...inputs: Tensor[]) => Tensor` that runs the network in training
// mode inside the trainer's gradient tape, so gradients flow both to the network's parameters and to its inputs
// (tf.grad of a PluginNetwork inside a loss gives gradient penalties such as R1; see examples/plugins/r1.ts). Its
// inputs are batched (leading axis N), like the tensor args. Read-only properties describe it: `name` ("D"),
// `inputs` (the per-example input types, e.g. ["Real[2]"]) and `output` (e.g. "Logit"). `network(real)` declares
// that the network is applied to tensor param `real`, so the checker verifies that it takes that param's type
// (the structured form's { kind: "network", appliedTo, scoreOut } can also require one score per example).
//
// The implementation runs inside the trainer's gradient tape: use differentiable tfjs ops only (no dataSync, no
// arraySync) and do not dispose the inputs. Use the `tf` it is given (the runtime's own tfjs instance and backend).

import type * as tfjs from "@tensorflow/tfjs";
import { GancRuntimeError } from "./errors.ts";

export type Tf = typeof tfjs;
export type Tensor = tfjs.Tensor;

/** A network of the spec passed to a plugin loss (a `network` param): call it on batched inputs. */
export interface PluginNetwork {
  (...inputs: Tensor[]): Tensor;
  /** the network's name in the spec, e.g. "D" */
  readonly name: string;
  /** its per-example input types, e.g. ["Real[2]"] */
  readonly inputs: readonly string[];
  /** its per-example output type, e.g. "Logit" */
  readonly output: string;
}

export type NamedValue = number | boolean | string | number[] | PluginNetwork;
export type NamedValues = Record<string, NamedValue>;
export type LossImplementation = (args: Tensor[], named: NamedValues, tf: Tf) => Tensor;

/** A signature in the checker's table format (compiler/check/signatures.ts `Signature`). */
export interface StructuredSignature {
  params: { name: string; kind: string; type?: string; default?: unknown }[];
  returns: string;
  batch?: "keep" | "reduce";
}

export interface LossDefinition {
  /** an identifier, unique among built-in and plugin primitives */
  name: string;
  /** one or more overloads, e.g. "(real: Logit, fake: Logit) -> Real" (or structured table entries) */
  signatures: string | readonly (string | StructuredSignature)[];
  /** one line shown in diagnostics, hover and `ganc list` */
  doc: string;
  implementation: LossImplementation;
}

/** Brand that lets the loader tell defineLoss results from other exports. */
export const PLUGIN_LOSS = Symbol.for("ganc.pluginLoss");

export interface PluginLoss {
  readonly [PLUGIN_LOSS]: true;
  readonly kind: "loss";
  readonly name: string;
  readonly signatures: readonly (string | StructuredSignature)[];
  readonly doc: string;
  readonly implementation: LossImplementation;
}

/**
 * Declare a loss primitive. It only packages the definition (frozen); validation happens when the compiler loads
 * the plugin, so that every problem is reported as a diagnostic with the plugin's path instead of a stack trace.
 */
export function defineLoss(def: LossDefinition): PluginLoss {
  const d = (def ?? {}) as Partial<LossDefinition>;
  const sigs = typeof d.signatures === "string" ? [d.signatures] : Array.isArray(d.signatures) ? [...d.signatures] : d.signatures;
  return Object.freeze({
    [PLUGIN_LOSS]: true as const,
    kind: "loss" as const,
    name: d.name as string,
    signatures: (Array.isArray(sigs) ? Object.freeze(sigs) : sigs) as readonly (string | StructuredSignature)[],
    doc: d.doc as string,
    implementation: d.implementation as LossImplementation,
  });
}

export function isPluginLoss(x: unknown): x is PluginLoss {
  return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[PLUGIN_LOSS] === true;
}

/**
 * Every PluginLoss a module exports: `export default [a, b]`, `export default a`, or named exports
 * (`export const a = defineLoss(...)`), in that order, without duplicates.
 */
export function collectLosses(mod: Record<string, unknown>): PluginLoss[] {
  const out: PluginLoss[] = [];
  const add = (x: unknown) => {
    if (isPluginLoss(x) && !out.includes(x)) out.push(x);
  };
  const def = mod.default;
  if (Array.isArray(def)) def.forEach(add);
  else add(def);
  for (const [k, v] of Object.entries(mod)) {
    if (k === "default") continue;
    if (Array.isArray(v)) v.forEach(add);
    else add(v);
  }
  return out;
}

/**
 * Called by generated trainers (through runtime/ops.ts `callPluginLoss`): find `name` in the imported plugin module
 * and run it. `expectRank` (the rank the checker inferred, batch axis included) catches a plugin whose result
 * disagrees with its own signature, naming the plugin instead of failing later inside tfjs.
 */
export function callPluginLoss(
  mod: Record<string, unknown>,
  name: string,
  args: Tensor[],
  named: NamedValues,
  tf: Tf,
  expectRank?: number,
): Tensor {
  const loss = collectLosses(mod).find((l) => l.name === name);
  if (!loss)
    throw new GancRuntimeError(`plugin loss "${name}" is not exported by its module any more`, {
      code: "plugin-missing",
      hint: "recompile the spec after changing a plugin",
    });
  let out: unknown;
  try {
    out = loss.implementation(args, named, tf);
  } catch (err) {
    if (err instanceof GancRuntimeError) throw err;
    const first = String((err as Error)?.message ?? err).split("\n")[0];
    throw new GancRuntimeError(`plugin loss "${name}" failed: ${first}`, { code: "plugin-failed" });
  }
  if (!(out instanceof tf.Tensor))
    throw new GancRuntimeError(`plugin loss "${name}" returned ${describe(out)} instead of a tensor`, {
      code: "plugin-result",
      hint: "an implementation must return a tfjs Tensor (e.g. tf.mean(...))",
    });
  if (expectRank !== undefined && out.rank !== expectRank)
    throw new GancRuntimeError(
      `plugin loss "${name}" returned a tensor of shape [${out.shape.join(", ")}], but its signature promises rank ${expectRank}`,
      { code: "plugin-result", hint: "a whole-batch Real is a scalar: reduce with tf.mean / tf.sum" },
    );
  return out;
}

/**
 * Called by generated trainers (through runtime/ops.ts `pluginNetwork`): wrap `fn` (the network's function, bound to
 * the trainer's training flag) as the PluginNetwork a plugin receives. A call with the wrong number of inputs is an
 * error naming the network.
 */
export function pluginNetwork(
  fn: (...inputs: Tensor[]) => Tensor,
  info: { name: string; inputs: readonly string[]; output: string },
): PluginNetwork {
  const inputs = Object.freeze([...info.inputs]);
  const net = (...xs: Tensor[]): Tensor => {
    if (xs.length !== inputs.length)
      throw new GancRuntimeError(
        `network ${info.name} takes ${inputs.length} input${inputs.length === 1 ? "" : "s"} (${inputs.join(", ")}), got ${xs.length}`,
        { code: "plugin-network", hint: "call a network argument with one batched tensor per network parameter" },
      );
    return fn(...xs);
  };
  Object.defineProperties(net, {
    name: { value: info.name, enumerable: true },
    inputs: { value: inputs, enumerable: true },
    output: { value: info.output, enumerable: true },
  });
  return Object.freeze(net) as PluginNetwork;
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  return typeof x === "object" ? "an object" : `a ${typeof x}`;
}
