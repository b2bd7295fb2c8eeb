// Inference models for `ganc export --format onnx` (issue 18): a step graph printed by printOnnx (print.ts, which
// has no initializers: every step input is a graph input), with its `param` and `state` inputs (network weights,
// prior parameters, batch-norm moving statistics) turned into float32 initializers holding a checkpoint's values.
// What is left as graph inputs is what the caller feeds (latent draws, a network's argument). Pure: no
// onnxruntime import.
import pkg from "onnx-proto";
import type { StepGraph } from "../../step/ir.ts";
import { printOnnx, type OnnxIo, type OnnxPrintOptions } from "./print.ts";
import { ELEM, OnnxPrintError } from "./ops.ts";

const { onnx } = pkg;

export interface InferenceOnnx {
  bytes: Uint8Array;
  /** the inputs a caller feeds (in graph order) */
  inputs: OnnxIo[];
  outputs: OnnxIo[];
  /** store names embedded as initializers */
  initializers: string[];
}

export interface InferenceOptions extends OnnxPrintOptions {
  /** extra metadata_props (key -> value), after the printer's ganc.graph / ganc.model / ganc.spec */
  metadata?: Record<string, string>;
  /** the model's doc string (default: the printer's) */
  docString?: string;
}

/** Print `g` and embed `weights(name)` for each of its param / state inputs (an error names one without a value or
 * with the wrong size). */
export function printInferenceOnnx(g: StepGraph, weights: (name: string) => Float32Array | undefined, opts: InferenceOptions = {}): InferenceOnnx {
  const printed = printOnnx(g, opts);
  const model = onnx.ModelProto.decode(printed.bytes);
  const graph = model.graph!;
  const embed = new Map(printed.inputs.filter((i) => i.kind === "param" || i.kind === "state").map((i) => [i.onnx, i]));
  const initializer: pkg.onnx.ITensorProto[] = [];
  for (const [name, io] of embed) {
    const w = weights(io.name);
    const size = io.shape.reduce((a, b) => a * b, 1);
    if (!w) throw new OnnxPrintError(`no value for ${io.kind} ${io.name} to embed in the inference model`);
    if (w.length !== size) throw new OnnxPrintError(`${io.name}: ${w.length} values for shape [${io.shape.join(", ")}]`);
    const raw = new Uint8Array(size * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < size; i++) view.setFloat32(i * 4, w[i]!, true);
    initializer.push({ name, dims: [...io.shape], dataType: ELEM.f32, rawData: raw });
  }
  graph.input = (graph.input ?? []).filter((i) => !embed.has(i.name!));
  graph.initializer = [...(graph.initializer ?? []), ...initializer];
  const meta = Object.entries(opts.metadata ?? {});
  model.metadataProps = [...(model.metadataProps ?? []).filter((p) => !meta.some(([k]) => k === p.key)), ...meta.map(([key, value]) => ({ key, value }))];
  if (opts.docString !== undefined) model.docString = opts.docString;
  const strip = ({ name, onnx: o, shape, dtype }: OnnxIo): OnnxIo => ({ name, onnx: o, shape, dtype });
  return {
    bytes: onnx.ModelProto.encode(model).finish(),
    inputs: printed.inputs.filter((i) => !embed.has(i.onnx)).map(strip),
    outputs: printed.outputs.map(strip),
    initializers: [...embed.values()].map((i) => i.name),
  };
}
