// The ONNX printer of the step IR: printOnnx (print.ts) and the op table it uses (ops.ts). Sessions are the
// runtime's (runtime/ort/), so nothing here imports onnxruntime.
export { printOnnx, onnxOutputName, type OnnxIo, type OnnxModel, type OnnxPrintOptions } from "./print.ts";
export { ONNX_OPS, OnnxPrintError, ELEM, MS_DOMAIN, type Emit, type Rule } from "./ops.ts";
