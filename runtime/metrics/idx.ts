// Reader for (optionally gzipped) IDX files, the Fashion-MNIST/MNIST container: a big-endian magic 0x0000TTNN
// (TT = element type, NN = number of dims), NN big-endian uint32 sizes, then the row-major payload.

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { MetricError } from "./matrix.ts";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

export function parseIdx(buf: Uint8Array, file = "<buffer>"): IdxArray {
  if (buf.length < 4) throw new MetricError(`${file}: too short for an IDX header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  const type = (magic >> 8) & 0xff;
  const ndim = magic & 0xff;
  if (magic >>> 16 !== 0 || ndim < 1 || ndim > 4) throw new MetricError(`${file}: not an IDX file (magic 0x${magic.toString(16)})`);
  if (type !== 0x08) throw new MetricError(`${file}: only unsigned-byte IDX data is supported (type 0x${type.toString(16)})`);
  if (buf.length < 4 + 4 * ndim) throw new MetricError(`${file}: truncated IDX header`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const off = 4 + 4 * ndim;
  if (buf.length - off !== size)
    throw new MetricError(`${file}: IDX header says ${dims.join("x")} = ${size} bytes, file has ${buf.length - off}`);
  return { dims, data: buf.subarray(off, off + size) };
}

export function readIdx(path: string): IdxArray {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new MetricError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let buf: Uint8Array = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      buf = gunzipSync(raw);
    } catch (e) {
      throw new MetricError(`${path}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return parseIdx(buf, path);
}

/** Fashion-MNIST images as n x 784 floats in [0, 1] and their labels. */
export function loadFashionMnist(split: "train" | "test", dir = FASHION_MNIST_DIR): { images: Float32Array; labels: Uint8Array; n: number } {
  const prefix = split === "train" ? "train" : "t10k";
  const img = readIdx(`${dir}/${prefix}-images-idx3-ubyte.gz`);
  const lab = readIdx(`${dir}/${prefix}-labels-idx1-ubyte.gz`);
  if (img.dims.length !== 3 || img.dims[1] !== 28 || img.dims[2] !== 28)
    throw new MetricError(`${dir}/${prefix}-images: expected n x 28 x 28 images, got ${img.dims.join("x")}`);
  if (lab.dims[0] !== img.dims[0]) throw new MetricError(`${dir}: ${img.dims[0]} images but ${lab.dims[0]} labels`);
  const images = Float32Array.from(img.data, (v) => v / 255);
  return { images, labels: lab.data, n: img.dims[0]! };
}
