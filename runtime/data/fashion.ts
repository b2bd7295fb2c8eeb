// Fashion-MNIST from Debian's dataset-fashion-mnist package (IDX files, gzip). x: [28,28,1] in [-1,1], y: 10 classes.
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { Dataset, Rng } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { ArgReader, type Args } from "./args.ts";

export const DEFAULT_FASHION_PATH = "/usr/share/datasets/fashion-mnist";

function readGz(file: string): Buffer {
  if (!fs.existsSync(file))
    throw new GancRuntimeError(`Fashion-MNIST file not found: ${file}`, {
      code: "data-missing",
      hint: 'install it with `apt-get install dataset-fashion-mnist`, or pass path="<dir with the *-idx?-ubyte.gz files>"',
    });
  try {
    const raw = fs.readFileSync(file);
    return raw[0] === 0x1f && raw[1] === 0x8b ? zlib.gunzipSync(raw) : raw;
  } catch (e) {
    throw new GancRuntimeError(`cannot read ${file}: ${(e as Error).message}`, { code: "data-format" });
  }
}

/** Parse an IDX file: magic 0x0000 08 <ndim> (unsigned bytes), then ndim big-endian int32 dims, then data. */
export function parseIdx(buf: Buffer, file: string): { dims: number[]; data: Uint8Array } {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08)
    throw new GancRuntimeError(`${file}: bad IDX magic number (expected 0x000008xx unsigned-byte data)`, {
      code: "data-format",
      hint: "the file is not an IDX ubyte file (or is corrupt)",
    });
  const nd = buf[3];
  if (buf.length < 4 + 4 * nd) throw new GancRuntimeError(`${file}: truncated IDX header`, { code: "data-format" });
  const dims = Array.from({ length: nd }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const off = 4 + 4 * nd;
  if (buf.length < off + size)
    throw new GancRuntimeError(`${file}: truncated IDX data (${buf.length - off} of ${size} bytes)`, {
      code: "data-format",
    });
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + off, size) };
}

function load(
  dir: string,
  split: "train" | "test",
  dominant: number,
  others: number,
  limit: number | undefined,
  rng: Rng,
): Dataset {
  const prefix = split === "train" ? "train" : "t10k";
  const imgFile = path.join(dir, `${prefix}-images-idx3-ubyte.gz`);
  const lblFile = path.join(dir, `${prefix}-labels-idx1-ubyte.gz`);
  const img = parseIdx(readGz(imgFile), imgFile);
  const lbl = parseIdx(readGz(lblFile), lblFile);
  if (img.dims.length !== 3 || img.dims[1] !== 28 || img.dims[2] !== 28)
    throw new GancRuntimeError(`${imgFile}: expected images [n,28,28], got [${img.dims}]`, { code: "data-format" });
  if (lbl.dims.length !== 1 || lbl.dims[0] !== img.dims[0])
    throw new GancRuntimeError(`${lblFile}: ${lbl.dims[0]} labels for ${img.dims[0]} images`, { code: "data-format" });
  let rows = Array.from({ length: img.dims[0] }, (_, i) => i);
  if (dominant >= 0) {
    // imbalanced subset: every example of `dominant`, `others` random examples of each other class (order kept)
    const keep = new Set<number>();
    for (let c = 0; c < 10; c++) {
      const idx = rows.filter((i) => lbl.data[i] === c);
      if (c === dominant) idx.forEach((i) => keep.add(i));
      else {
        for (let i = idx.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [idx[i], idx[j]] = [idx[j], idx[i]];
        }
        idx.slice(0, others).forEach((i) => keep.add(i));
      }
    }
    rows = rows.filter((i) => keep.has(i));
  }
  if (limit !== undefined) rows = rows.slice(0, limit);
  const n = rows.length;
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  rows.forEach((r, i) => {
    y[i] = lbl.data[r];
    for (let p = 0; p < 784; p++) x[i * 784 + p] = img.data[r * 784 + p] / 127.5 - 1;
  });
  return {
    source: "fashion_mnist",
    n,
    columns: [
      { name: "x", shape: [28, 28, 1], dtype: "float32", data: x },
      { name: "y", shape: [], dtype: "int32", data: y, classes: 10 },
    ],
  };
}

/** The split's two files exist (the full read is the trainer's); the same errors as a load. */
export function checkFashionFiles(args: Args): void {
  const split = args.split === "test" ? "t10k" : "train";
  const dir = (typeof args.path === "string" && args.path) || DEFAULT_FASHION_PATH;
  for (const f of [`${split}-images-idx3-ubyte.gz`, `${split}-labels-idx1-ubyte.gz`])
    if (!fs.existsSync(path.join(dir, f))) readGz(path.join(dir, f));
}

export function fashionMnist(args: Args, ctx: { rng: Rng }): Dataset {
  // `n` (0 = all) is the checker's name for `limit`; path "" means the default directory
  const a = new ArgReader("fashion_mnist", args, ["split", "path", "dominant", "others", "limit", "n"]);
  const split = a.str("split", "train");
  if (split !== "train" && split !== "test")
    throw new GancRuntimeError(`fashion_mnist: split must be "train" or "test", got "${split}"`, { code: "data-args" });
  const dir = a.str("path", DEFAULT_FASHION_PATH) || DEFAULT_FASHION_PATH;
  const dominant = a.num("dominant", -1, { int: true, min: -1 });
  if (dominant > 9)
    throw new GancRuntimeError(`fashion_mnist: dominant must be -1 or a class 0..9, got ${dominant}`, {
      code: "data-args",
    });
  const others = a.num("others", 1000, { int: true, min: 0 });
  const limit = a.optNum("limit", { int: true, min: 1 }) ?? (a.optNum("n", { int: true, min: 0 }) || undefined);
  const ds = load(dir, split, dominant, others, limit, ctx.rng.fork("data:fashion_mnist"));
  if (split === "train") {
    // the t10k split, loaded on first use (evaluation only)
    let test: Dataset | undefined;
    Object.defineProperty(ds, "test", {
      enumerable: false,
      configurable: true,
      get: () => (test ??= load(dir, "test", -1, others, limit, ctx.rng.fork("data:fashion_mnist:test"))),
    });
  }
  return ds;
}
