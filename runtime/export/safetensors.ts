// `ganc export RUNDIR --format safetensors` (issue 18): every parameter and batch-norm moving statistic of the
// run's latest checkpoint in the safetensors format (https://github.com/huggingface/safetensors), loadable with
// `safetensors.torch.load_file` / `safetensors.numpy.load_file`:
//   8 bytes: N, the header's byte length (unsigned 64-bit little-endian);
//   N bytes: a JSON object { "<name>": { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, ...,
//            "__metadata__": { "format": "pt", "model": ..., "step": ..., "spec": ... } } (string values only),
//            padded with spaces to a multiple of 8 bytes (the format allows trailing whitespace);
//   the tensors' bytes (float32 little-endian, row-major), back to back in header order, offsets relative to the
//   end of the header.
// Tensor names are the checkpoint's store names ("G/dense_0/kernel", "z.means", "G/batchnorm_0/moving_mean"):
// layouts are the tfjs trainer's (dense kernels [in, out], conv2d kernels [k, k, in, out], images NHWC). Optimizer
// state is not exported. Written directly: no npm package for the format is among the maintained, offline-usable
// ones this project can depend on, and the format is the few lines below.
import type { Checkpoint } from "../train/checkpoint.ts";

export interface SafetensorsTensor {
  name: string;
  shape: number[];
  data: ArrayLike<number>;
}

/** Serialise float32 tensors (in the given order) with string metadata. */
export function encodeSafetensors(tensors: SafetensorsTensor[], metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`${t.name}: ${t.data.length} values for shape [${t.shape.join(", ")}]`);
    if (t.name === "__metadata__" || t.name in header) throw new Error(`tensor name ${t.name} is used twice`);
    header[t.name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + size * 4] };
    offset += size * 4;
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) out.writeFloatLE(t.data[i]!, at);
  }
  return out;
}

/** Parse a safetensors buffer (F32 tensors only): for tests and round trips. */
export function decodeSafetensors(buf: Buffer): { tensors: Map<string, { shape: number[]; data: Float32Array }>; metadata: Record<string, string> } {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8")) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let metadata: Record<string, string> = {};
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = e as unknown as Record<string, string>;
      continue;
    }
    if (e.dtype !== "F32") throw new Error(`${name}: dtype ${e.dtype} is not F32`);
    const [b, end] = e.data_offsets;
    const data = new Float32Array((end - b) / 4);
    for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(base + b + i * 4);
    tensors.set(name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** The parameters (`param/`) and moving statistics (`state/`) of a checkpoint, by store name, in checkpoint order. */
export function checkpointTensors(ck: Checkpoint): SafetensorsTensor[] {
  const out: SafetensorsTensor[] = [];
  for (const [key, a] of Object.entries(ck.arrays)) {
    const slash = key.indexOf("/");
    const kind = key.slice(0, slash);
    if (kind !== "param" && kind !== "state") continue;
    if (a.dtype !== "float32") continue;
    out.push({ name: key.slice(slash + 1), shape: [...a.shape], data: a.data });
  }
  return out;
}

export function checkpointSafetensors(ck: Checkpoint, meta: { model: string; spec?: string }): Buffer {
  return encodeSafetensors(checkpointTensors(ck), {
    format: "pt",
    model: meta.model,
    step: String(ck.step),
    ...(meta.spec ? { spec: meta.spec } : {}),
  });
}
