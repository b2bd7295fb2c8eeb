// Users' own data: IDX files (the MNIST container), plain or gzipped, by path. x from `path`: [n, h, w] gives
// images [h, w, 1], [n, d] rows [d], [n, ...] rows [...]; unsigned-byte data is scaled to [-1, 1] (v / 127.5 - 1,
// as fashion_mnist) unless scale=false; the other IDX types (int8/16/32, float32/64) are read as they are.
// Optional labels from a second, 1-D IDX file (`labels`).
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import type { Dataset } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { ArgReader, type Args } from "./args.ts";
import { dataPath, float32Rows, fmtBytes, maxDataBytes, probeFile, problemError, readHead, type DataProblem } from "./files.ts";

/** IDX element types: code -> [bytes, name] */
const TYPES: Record<number, [number, string]> = {
  0x08: [1, "ubyte"],
  0x09: [1, "byte"],
  0x0b: [2, "short"],
  0x0c: [4, "int"],
  0x0d: [4, "float"],
  0x0e: [8, "double"],
};

export interface IdxHeader {
  type: number;
  dims: number[];
  offset: number;
}

/** Parse the header of (decompressed) IDX bytes; when `size` is given the payload length must match. */
export function parseIdxHeader(buf: Buffer, shown: string, size?: number): IdxHeader | string {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || !(buf[2]! in TYPES) || buf[3] === 0)
    return `${shown}: not an IDX file (bad magic number 0x${buf.subarray(0, 4).toString("hex").padEnd(8, "0")}; expected 0x0000TTNN with type TT 08, 09, 0B-0E)`;
  const nd = buf[3]!;
  const off = 4 + 4 * nd;
  if (buf.length < off) return `${shown}: truncated IDX header (${nd} dimensions)`;
  const dims = Array.from({ length: nd }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  if (size !== undefined) {
    const want = dims.reduce((a, b) => a * b, 1) * TYPES[buf[2]!]![0];
    if (size - off !== want)
      return `${shown}: the IDX header says ${dims.join("x")} ${TYPES[buf[2]!]![1]} = ${want} bytes of data, the file has ${size - off}${size - off < want ? " (truncated)" : ""}`;
  }
  return { type: buf[2]!, dims, offset: off };
}

const isGz = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** The file is there, and is gzip or has a consistent IDX header (a gzipped file is checked when it is read). */
export function probeIdx(rel: string, baseDir: string, arg = "path"): DataProblem | null {
  const p = probeFile("idx", rel, baseDir, arg === "path" ? "file" : `${arg} file`);
  if (p) return p;
  const { abs, shown } = dataPath(rel, baseDir);
  const head = readHead(abs, 4 + 4 * 255);
  if (isGz(head)) return null;
  const h = parseIdxHeader(head, shown, fs.statSync(abs).size);
  return typeof h === "string" ? { code: "data-format", message: h, hint: "idx(path=...) reads MNIST-style IDX files (optionally .gz)" } : null;
}

export function readIdxFile(rel: string, baseDir: string, arg: string): { h: IdxHeader; get: (i: number) => number; shown: string } {
  const bad = probeIdx(rel, baseDir, arg);
  if (bad) throw problemError(bad);
  const { abs, shown } = dataPath(rel, baseDir);
  let buf = fs.readFileSync(abs);
  if (isGz(buf)) {
    try {
      buf = zlib.gunzipSync(buf, { maxOutputLength: maxDataBytes() });
    } catch (e) {
      const big = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
      throw new GancRuntimeError(
        big ? `${shown}: decompresses to more than the data size limit (${fmtBytes(maxDataBytes())})` : `${shown}: corrupt gzip data (${(e as Error).message})`,
        { code: "data-format", ...(big ? { hint: "raise the limit with GANC_MAX_DATA_BYTES=<bytes> if the machine has the memory" } : {}) },
      );
    }
  }
  const h = parseIdxHeader(buf, shown, buf.length);
  if (typeof h === "string") throw new GancRuntimeError(h, { code: "data-format" });
  const dv = new DataView(buf.buffer, buf.byteOffset + h.offset, buf.length - h.offset);
  const get: Record<number, (i: number) => number> = {
    0x08: (i) => dv.getUint8(i),
    0x09: (i) => dv.getInt8(i),
    0x0b: (i) => dv.getInt16(i * 2, false),
    0x0c: (i) => dv.getInt32(i * 4, false),
    0x0d: (i) => dv.getFloat32(i * 4, false),
    0x0e: (i) => dv.getFloat64(i * 8, false),
  };
  return { h, get: get[h.type]!, shown };
}

export function idx(args: Args, ctx: { baseDir: string }): Dataset {
  const a = new ArgReader("idx", args, ["path", "labels", "scale"]);
  const x = readIdxFile(a.str("path"), ctx.baseDir, "path");
  const scale = a.bool("scale", true) && x.h.type === 0x08;
  const dims = x.h.dims;
  const n = dims[0]!;
  if (n === 0) throw new GancRuntimeError(`${x.shown}: no rows (dims ${dims.join("x")})`, { code: "data-format" });
  const row = dims.length === 1 ? [1] : dims.length === 3 ? [dims[1]!, dims[2]!, 1] : dims.slice(1);
  const w = row.reduce((p, q) => p * q, 1);
  const data = float32Rows(x.shown, n, w, (i) => x.get(i), scale ? (v) => v / 127.5 - 1 : undefined);
  const columns: Dataset["columns"] = [{ name: "x", shape: row, dtype: "float32", data }];
  const lrel = a.str("labels", "");
  if (lrel !== "") {
    const l = readIdxFile(lrel, ctx.baseDir, "labels");
    if (l.h.dims.length !== 1 || l.h.type === 0x0d || l.h.type === 0x0e)
      throw new GancRuntimeError(`${l.shown}: labels must be a 1-D integer IDX file, got ${l.h.dims.join("x")} ${TYPES[l.h.type]![1]}`, { code: "data-format" });
    if (l.h.dims[0] !== n) throw new GancRuntimeError(`${l.shown}: ${l.h.dims[0]} labels for ${n} rows of ${x.shown}`, { code: "data-format" });
    const y = new Int32Array(n);
    let maxY = -1;
    for (let i = 0; i < n; i++) {
      const v = l.get(i);
      if (v < 0) throw new GancRuntimeError(`${l.shown}: label ${i} (0-based) is ${v}; labels must be non-negative`, { code: "data-format" });
      y[i] = v;
      if (v > maxY) maxY = v;
    }
    columns.push({ name: "y", shape: [], dtype: "int32", data: y, classes: maxY + 1 });
  }
  return { source: "idx", n, columns };
}
