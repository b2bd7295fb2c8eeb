// The ONNX printer of the step IR (issue 14): one StepGraph -> one ONNX model (IR version 8, opset 17, plus
// com.microsoft Inverse when the graph inverts a matrix), for onnxruntime-node. Pure: no onnxruntime import here
// (the runtime owns sessions).
//
//   printOnnx(g, { specFile?, model? }) -> { bytes, inputs, outputs }
//
// Names (the runtime driver depends on them):
//   - every ONNX graph input is named exactly like its step-graph input ("data:x", "G/dense_0/kernel");
//   - an ONNX graph output is named like its step output, EXCEPT when that name is also a graph input's name
//     (an update output: a parameter "G/dense_0/kernel" or an optimizer slot "g_step/m/0" that replaces the input
//     of the same name): then it is `<name>:new`, since ONNX names one tensor per name;
//   - computed tensors and nodes are `n<id>_<op>` (the node that gives step value %id its value) and
//     `n<id>_<op>/<k>_<OnnxOp>` (the helpers of a multi-node form); an output's producing node writes the output's
//     name directly, and an output that is directly an input, or shares its node with an earlier output, is an
//     Identity `out<k>_identity`.
// Every graph input and output has its full static shape and elem type (f32 FLOAT, i32 INT32, bool BOOL).
// Constants are Constant nodes (one way: no initializers). Every node's doc_string says where it came from:
// `file:line` of the step node's span (`specFile` replaces the file part, as in compiler/step/print.ts; `-` for
// compiler-made nodes), `%id op`, `(grad)` on backward nodes and `# name` when the step node has one. The model's
// doc_string and metadata_props carry the spec file, model and graph name. Same graph, same bytes.
import { basename } from "node:path";
import pkg from "onnx-proto";
import type { DType, InputKind, StepGraph, StepOutput, StepValue } from "../../step/ir.ts";
import { ELEM, ELEM_INT64, MS_DOMAIN, ONNX_OPS, OnnxPrintError, type Emit } from "./ops.ts";

const { onnx } = pkg;

export interface OnnxIo {
  /** the step graph's name of this input / output */
  name: string;
  /** the ONNX graph's name: `name`, or `name:new` for an output whose name is also an input's */
  onnx: string;
  shape: number[];
  dtype: "f32" | "i32" | "bool";
}

export interface OnnxModel {
  bytes: Uint8Array;
  /** `slots` / `shapes`: a flat optimizer slot's variable indices and their shapes (compiler/step/optimizer.ts) */
  inputs: (OnnxIo & { kind: InputKind; slots?: number[]; shapes?: number[][] })[];
  outputs: (OnnxIo & { role: "update" | "log" | "result" })[];
}

export interface OnnxPrintOptions {
  /** replaces the file part of every span in doc strings (default: the span file's base name) */
  specFile?: string;
  /** the model's name, for the model doc string and metadata */
  model?: string;
}

/** the ONNX name of an output (see the head comment: the runtime driver relies on this rule) */
export function onnxOutputName(g: StepGraph, o: StepOutput): string {
  return g.inputs.some((i) => i.name === o.name) ? `${o.name}:new` : o.name;
}

const ATTR = onnx.AttributeProto.AttributeType;
type Node = pkg.onnx.INodeProto;
type Tensor = pkg.onnx.ITensorProto;

function tensorProto(values: readonly number[], shape: readonly number[], dtype: DType | "i64"): Tensor {
  const t: Tensor = { dims: [...shape], dataType: dtype === "i64" ? ELEM_INT64 : ELEM[dtype] };
  if (dtype === "f32") t.floatData = [...values];
  else if (dtype === "i64") t.int64Data = [...values];
  else t.int32Data = values.map((x) => (dtype === "bool" ? (x !== 0 ? 1 : 0) : Math.trunc(x) | 0)); // BOOL lives in int32_data
  return t;
}

function valueInfo(name: string, v: StepValue): pkg.onnx.IValueInfoProto {
  // an empty dim list is rank 0 (the shape message is present), not an unknown shape
  return { name, type: { tensorType: { elemType: ELEM[v.dtype], shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } } };
}

/** The nodes of one step value: what a rule adds through Emit, and where they came from. */
class NodeEmitter implements Emit {
  readonly nodes: Node[] = [];
  private k = 0;

  constructor(
    readonly v: StepValue,
    readonly args: readonly StepValue[],
    private readonly base: string,
    private readonly doc: string,
    private readonly domains: Set<string>,
  ) {}

  op(type: string, inputs: string[], attrs: Record<string, number | number[]> = {}, domain = ""): string {
    const name = `${this.base}/${this.k++}_${type}`;
    const attribute = Object.entries(attrs).map(([k, a]) => {
      const ints = Array.isArray(a) ? a : [a];
      if (!ints.every(Number.isInteger)) throw new OnnxPrintError(`%${this.v.id} ${this.v.op}: attribute ${k} of ${type} is not an integer: ${String(a)}`);
      return Array.isArray(a) ? { name: k, type: ATTR.INTS, ints: [...a] } : { name: k, type: ATTR.INT, i: a };
    });
    if (domain) this.domains.add(domain);
    this.nodes.push({ name, opType: type, input: inputs, output: [name], attribute, docString: this.doc, ...(domain ? { domain } : {}) });
    return name;
  }

  constant(values: readonly number[], shape: readonly number[], dtype: DType | "i64"): string {
    const name = `${this.base}/${this.k++}_Constant`;
    this.nodes.push({ name, opType: "Constant", input: [], output: [name], attribute: [{ name: "value", type: ATTR.TENSOR, t: tensorProto(values, shape, dtype) }], docString: this.doc });
    return name;
  }

  /** Make `result` (what the rule returned) the tensor `out`, written by a node named `base`: rename the node that
   * computed it, or add an Identity when the rule returned an operand (a no-op cast, a reduction over no axes). */
  finish(result: string, out: string): void {
    const last = this.nodes.find((n) => n.output![0] === result);
    if (!last) {
      this.nodes.push({ name: this.base, opType: "Identity", input: [result], output: [out], docString: this.doc });
      return;
    }
    for (const n of this.nodes) n.input = n.input!.map((t) => (t === result ? out : t));
    last.output = [out];
    last.name = this.base;
  }
}

function where(v: StepValue, opts: OnnxPrintOptions): string {
  const at = v.span ? `${opts.specFile ? basename(opts.specFile) : basename(v.span.file)}:${v.span.start.line}` : "-";
  return `${at} %${v.id} ${v.op}${v.grad ? " (grad)" : ""}${v.name && v.op !== "input" ? ` # ${v.name}` : ""}`;
}

export function printOnnx(g: StepGraph, opts: OnnxPrintOptions = {}): OnnxModel {
  const outNames = g.outputs.map((o) => onnxOutputName(g, o));
  if (new Set(outNames).size !== outNames.length) throw new OnnxPrintError(`graph ${g.name}: two outputs print to one ONNX name`);
  // the first output of a computed value names its node's output; the rest get Identity nodes
  const claimed = new Map<number, string>();
  g.outputs.forEach((o, k) => {
    if (g.values[o.id]?.op !== "input" && !claimed.has(o.id)) claimed.set(o.id, outNames[k]!);
  });

  const tensor: string[] = [];
  const produced = new Set<string>(g.inputs.map((i) => i.name));
  const nodes: Node[] = [];
  const domains = new Set<string>();
  const add = (ns: Node[]) => {
    for (const n of ns) {
      const out = n.output![0]!;
      if (produced.has(out)) throw new OnnxPrintError(`graph ${g.name}: tensor name ${out} is used twice (an input named like a computed value?)`);
      produced.add(out);
      nodes.push(n);
    }
  };

  for (const v of g.values) {
    if (v.op === "input") {
      tensor[v.id] = v.attrs.name as string;
      continue;
    }
    const rule = ONNX_OPS[v.op];
    if (!rule) throw new OnnxPrintError(`step op ${v.op} (%${v.id} of graph ${g.name}) has no ONNX form: add it to ONNX_OPS in compiler/emit/onnx/ops.ts`);
    const base = `n${v.id}_${v.op}`;
    const e = new NodeEmitter(v, v.args.map((a) => g.values[a]!), base, where(v, opts), domains);
    const out = claimed.get(v.id) ?? base;
    e.finish(rule(e, v.args.map((a) => tensor[a]!)), out);
    add(e.nodes);
    tensor[v.id] = out;
  }
  g.outputs.forEach((o, k) => {
    if (claimed.get(o.id) === outNames[k]) return;
    const v = g.values[o.id]!;
    add([{ name: `out${k}_identity`, opType: "Identity", input: [tensor[o.id]!], output: [outNames[k]!], docString: `output ${o.name} (${o.role}) = ${where(v, opts)}` }]);
  });

  const inputs = g.inputs.map((i) => {
    const v = g.values[i.id]!;
    const { slots, ranks, dims } = v.attrs;
    let flat = {};
    if (Array.isArray(slots) && Array.isArray(ranks) && Array.isArray(dims)) {
      let k = 0;
      flat = { slots: [...slots], shapes: ranks.map((r) => dims.slice(k, (k += r))) };
    }
    return { name: i.name, onnx: i.name, shape: [...v.shape], dtype: v.dtype, kind: i.kind, ...flat };
  });
  const outputs = g.outputs.map((o, k) => {
    const v = g.values[o.id]!;
    return { name: o.name, onnx: outNames[k]!, shape: [...v.shape], dtype: v.dtype, role: o.role };
  });

  const spec = opts.specFile ? basename(opts.specFile) : (g.values.find((v) => v.span)?.span?.file ?? "");
  const meta: [string, string][] = [
    ["ganc.graph", g.name],
    ...(opts.model ? [["ganc.model", opts.model] as [string, string]] : []),
    ...(spec ? [["ganc.spec", basename(spec)] as [string, string]] : []),
  ];
  const graph: pkg.onnx.IGraphProto = {
    name: g.name,
    node: nodes,
    input: g.inputs.map((i) => valueInfo(i.name, g.values[i.id]!)),
    output: g.outputs.map((o, k) => valueInfo(outNames[k]!, g.values[o.id]!)),
    docString: `step graph ${g.name}: ${g.values.length} values, ${g.inputs.length} inputs, ${g.outputs.length} outputs`,
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }, ...(domains.has(MS_DOMAIN) ? [{ domain: MS_DOMAIN, version: 1 }] : [])],
    producerName: "ganc",
    graph,
    docString: `ganc step graph ${g.name}${opts.model ? ` of model ${opts.model}` : ""}${spec ? ` (${basename(spec)})` : ""}`,
    metadataProps: meta.map(([key, value]) => ({ key, value })),
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), inputs, outputs };
}
