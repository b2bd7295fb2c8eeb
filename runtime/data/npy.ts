// Users' own data: NumPy .npy files. x from `path` (rows = the first axis, each row the remaining axes; a 1-D array
// gives one value per row), optional integer labels from a second 1-D .npy (`labels`).
//
// The format (numpy.lib.format, versions 1.0-3.0) is parsed here rather than with npyjs: npyjs's parse needs the
// whole file (the checker only reads the header), does not check the payload length against the shape (a truncated
// file yields fewer values without an error), ignores fortran_order and throws bare Errors/RangeErrors on a garbage
// file. The tests write their .npy files with npyjs's independent writer (`dump`).
import * as fs from "node:fs";
import type { Dataset } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { ArgReader, type Args } from "./args.ts";
import { dataPath, float32Rows, probeFile, problemError, readHead, type DataProblem } from "./files.ts";

export interface NpyHeader {
  /** e.g. "<f4", "|u1", ">i8" */
  descr: string;
  fortran: boolean;
  shape: number[];
  /** byte offset of the payload */
  offset: number;
  itemSize: number;
}

const KINDS: Record<string, number[]> = { f: [2, 4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1] };

/** Parse and validate the header of an .npy file of `size` bytes; a string is the problem. */
export function parseNpyHeader(head: Buffer, size: number, shown: string): NpyHeader | string {
  const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
  if (head.length < 10 || !head.subarray(0, 6).equals(MAGIC)) return `${shown}: not an .npy file (no \\x93NUMPY magic)`;
  const major = head[6]!;
  if (major < 1 || major > 3) return `${shown}: unsupported .npy version ${major}.${head[7]}`;
  const lenBytes = major === 1 ? 2 : 4;
  const hlen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const start = 8 + lenBytes;
  if (start + hlen > head.length) return `${shown}: truncated .npy header`;
  const dict = head.subarray(start, start + hlen).toString(major === 3 ? "utf8" : "latin1");
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(dict)?.[1];
  const fort = /'fortran_order'\s*:\s*(True|False)/.exec(dict)?.[1];
  const shp = /'shape'\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined || fort === undefined || shp === undefined)
    return `${shown}: malformed .npy header (needs descr, fortran_order and shape): ${dict.trim().slice(0, 80)}`;
  const parts = shp.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (!parts.every((s) => /^\d+$/.test(s))) return `${shown}: malformed .npy shape (${shp})`;
  const shape = parts.map(Number);
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  if (!m || !KINDS[m[2]!]!.includes(Number(m[3])))
    return `${shown}: unsupported .npy dtype '${descr}' (float16/32/64, int8-64, uint8-64 and bool are read; structured, complex, string and object arrays are not)`;
  const itemSize = Number(m[3]);
  const offset = start + hlen;
  const count = shape.reduce((a, b) => a * b, 1);
  if (size !== offset + count * itemSize)
    return `${shown}: the header says shape (${shape.join(", ")}) of '${descr}' = ${count * itemSize} bytes of data, the file has ${size - offset}${size < offset + count * itemSize ? " (truncated)" : ""}`;
  return { descr, fortran: fort === "True", shape, offset, itemSize };
}

/** The file is there and its header is a readable, consistent .npy header. */
export function probeNpy(rel: string, baseDir: string, arg = "path"): { problem: DataProblem } | { header: NpyHeader } {
  const p = probeFile("npy", rel, baseDir, arg === "path" ? "file" : `${arg} file`);
  if (p) return { problem: p };
  const { abs, shown } = dataPath(rel, baseDir);
  const size = fs.statSync(abs).size;
  const h = parseNpyHeader(readHead(abs, 65536 + 12), size, shown);
  if (typeof h === "string")
    return { problem: { code: "data-format", message: h, hint: "write the file with numpy.save(path, array) (a plain numeric array, not a pickle or .npz)" } };
  if (h.shape.length === 0) return { problem: { code: "data-format", message: `${shown}: a 0-d array (one scalar), not rows of data` } };
  return { header: h };
}

function f16(u: number): number {
  const s = u & 0x8000 ? -1 : 1;
  const e = (u >> 10) & 0x1f;
  const f = u & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Element reader for a validated header. */
function reader(buf: Buffer, h: NpyHeader): (i: number) => number {
  const le = h.descr[0] !== ">";
  const kind = h.descr[1]!;
  const dv = new DataView(buf.buffer, buf.byteOffset + h.offset, buf.length - h.offset);
  const s = h.itemSize;
  switch (`${kind}${s}`) {
    case "f2": return (i) => f16(dv.getUint16(i * 2, le));
    case "f4": return (i) => dv.getFloat32(i * 4, le);
    case "f8": return (i) => dv.getFloat64(i * 8, le);
    case "i1": return (i) => dv.getInt8(i);
    case "u1": case "b1": return (i) => dv.getUint8(i);
    case "i2": return (i) => dv.getInt16(i * 2, le);
    case "u2": return (i) => dv.getUint16(i * 2, le);
    case "i4": return (i) => dv.getInt32(i * 4, le);
    case "u4": return (i) => dv.getUint32(i * 4, le);
    case "i8": return (i) => Number(dv.getBigInt64(i * 8, le));
    default: return (i) => Number(dv.getBigUint64(i * 8, le));
  }
}

/** Row-major index -> storage index (fortran_order stores the first axis fastest). */
function storageIndex(shape: number[], fortran: boolean): (i: number) => number {
  if (!fortran || shape.length < 2) return (i) => i;
  const n = shape.length;
  return (i) => {
    let j = 0;
    let stride = 1;
    let rest = i;
    const idx = new Array<number>(n);
    for (let k = n - 1; k >= 0; k--) {
      idx[k] = rest % shape[k]!;
      rest = Math.floor(rest / shape[k]!);
    }
    for (let k = 0; k < n; k++) {
      j += idx[k]! * stride;
      stride *= shape[k]!;
    }
    return j;
  };
}

function readNpy(rel: string, baseDir: string, arg: string): { header: NpyHeader; get: (i: number) => number; shown: string } {
  const pr = probeNpy(rel, baseDir, arg);
  if ("problem" in pr) throw problemError(pr.problem);
  const { abs, shown } = dataPath(rel, baseDir);
  const buf = fs.readFileSync(abs);
  const h = parseNpyHeader(buf, buf.length, shown);
  if (typeof h === "string") throw new GancRuntimeError(h, { code: "data-format" }); // changed since the probe
  const el = reader(buf, h);
  const at = storageIndex(h.shape, h.fortran);
  return { header: h, get: (i) => el(at(i)), shown };
}

export function npy(args: Args, ctx: { baseDir: string }): Dataset {
  const a = new ArgReader("npy", args, ["path", "labels"]);
  const x = readNpy(a.str("path"), ctx.baseDir, "path");
  const shape = x.header.shape;
  const n = shape[0]!;
  if (n === 0) throw new GancRuntimeError(`${x.shown}: no rows (shape (${shape.join(", ")}))`, { code: "data-format" });
  const row = shape.length === 1 ? [1] : shape.slice(1);
  const w = row.reduce((p, q) => p * q, 1);
  if (w === 0) throw new GancRuntimeError(`${x.shown}: rows of 0 values (shape (${shape.join(", ")}))`, { code: "data-format" });
  const data = float32Rows(x.shown, n, w, (i) => x.get(i));
  const columns: Dataset["columns"] = [{ name: "x", shape: row, dtype: "float32", data }];
  const lrel = a.str("labels", "");
  if (lrel !== "") {
    const l = readNpy(lrel, ctx.baseDir, "labels");
    const ls = l.header.shape;
    if (ls.length !== 1 && !(ls.length === 2 && ls[1] === 1))
      throw new GancRuntimeError(`${l.shown}: labels must be a 1-D array of class indices, got shape (${ls.join(", ")})`, { code: "data-format" });
    if (ls[0] !== n)
      throw new GancRuntimeError(`${l.shown}: ${ls[0]} labels for ${n} rows of ${x.shown}`, { code: "data-format" });
    const y = new Int32Array(n);
    let maxY = -1;
    for (let i = 0; i < n; i++) {
      const v = l.get(i);
      if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1)
        throw new GancRuntimeError(`${l.shown}: label ${i} (0-based) is ${v}; labels must be non-negative integers`, { code: "data-format" });
      y[i] = v;
      if (v > maxY) maxY = v;
    }
    columns.push({ name: "y", shape: [], dtype: "int32", data: y, classes: maxY + 1 });
  }
  return { source: "npy", n, columns };
}
