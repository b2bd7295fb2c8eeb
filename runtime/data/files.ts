// Shared checks for users' own data files (csv, npy, idx, images): the path exists, is a regular file (not a
// device or a FIFO such as /dev/zero, which would be read without end) and fits the size cap; values fit float32.
// The `probe*` functions are synchronous, read at most a file's header and never throw: the checker
// (compiler/check) calls them for literal paths, so a missing or malformed file is a check-time error (E0321),
// and the loaders call them first so both report the same message.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GancRuntimeError } from "../errors.ts";

/** A problem with a data file: message (with the file name), hint, and the runtime error code. */
export interface DataProblem {
  message: string;
  hint?: string;
  code: "data-missing" | "data-format" | "data-args";
}

export const FLOAT32_MAX = 3.4028234663852886e38;

/** Largest data file read (bytes): GANC_MAX_DATA_BYTES, else a quarter of the memory, at most 2 GiB (Node's
 * readFile limit). Parsed data takes about as much memory again. */
export function maxDataBytes(): number {
  const env = Number(process.env.GANC_MAX_DATA_BYTES);
  if (Number.isFinite(env) && env > 0) return env;
  return Math.min(2 ** 31 - 1, Math.floor(os.totalmem() / 4));
}

export const fmtBytes = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`;

export function problemError(p: DataProblem): GancRuntimeError {
  return new GancRuntimeError(p.message, { code: p.code, ...(p.hint ? { hint: p.hint } : {}) });
}

/** Resolve a data path against the spec's folder (absolute paths stay); the display name keeps a relative
 * folder relative, so messages read like the spec. */
export function dataPath(rel: string, baseDir: string): { abs: string; shown: string } {
  return { abs: path.resolve(baseDir, rel), shown: path.isAbsolute(rel) ? rel : path.join(baseDir, rel) };
}

/** A regular, non-empty file within the size cap; null when it is one. */
export function probeFile(source: string, rel: string, baseDir: string, what = "file"): DataProblem | null {
  const { abs, shown } = dataPath(rel, baseDir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    return { code: "data-missing", message: `${source}: ${what} not found: ${shown}`, hint: `path is relative to ${baseDir}` };
  }
  if (st.isDirectory())
    return { code: "data-format", message: `${source}: ${shown} is a folder, not a ${what}`, hint: `${source}(path=...) names one file` };
  if (!st.isFile())
    return {
      code: "data-format",
      message: `${source}: ${shown} is not a regular file (a device, FIFO or socket)`,
      hint: "data is read from regular files only: it must have an end and a size",
    };
  if (st.size === 0) return { code: "data-format", message: `${shown}: empty file` };
  const cap = maxDataBytes();
  if (st.size > cap)
    return {
      code: "data-format",
      message: `${shown}: ${fmtBytes(st.size)} is larger than the data size limit (${fmtBytes(cap)})`,
      hint: "use a smaller file, or raise the limit with GANC_MAX_DATA_BYTES=<bytes> if the machine has the memory",
    };
  return null;
}

/** A folder (image folders). */
export function probeDir(source: string, rel: string, baseDir: string): DataProblem | null {
  const { abs, shown } = dataPath(rel, baseDir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    return { code: "data-missing", message: `${source}: folder not found: ${shown}`, hint: `path is relative to ${baseDir}` };
  }
  if (!st.isDirectory())
    return { code: "data-format", message: `${source}: ${shown} is not a folder`, hint: `${source}(path=...) names a folder of PNG files (one subfolder per class)` };
  return null;
}

/** The first `n` bytes of a file. */
export function readHead(abs: string, n: number): Buffer {
  const fd = fs.openSync(abs, "r");
  try {
    const buf = Buffer.alloc(n);
    const got = fs.readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/** Why a number cannot be a float32 data value (NaN, infinite, beyond ±3.4e38), or null. */
export function float32Problem(v: number): string | null {
  if (Number.isNaN(v)) return "is NaN";
  if (!Number.isFinite(v)) return "is infinite";
  if (Math.abs(v) > FLOAT32_MAX) return `is outside the float32 range (|v| <= 3.4e38)`;
  return null;
}

/** A cell as shown in a message: at most 24 characters, control bytes escaped. */
export function showCell(s: string): string {
  const t = s.length > 24 ? s.slice(0, 24) + "..." : s;
  return JSON.stringify(t);
}

/** `n` rows of `w` values read by `get(i)` (flat index) into float32, `map` applied after the check; a value
 * float32 cannot hold is an error naming its row and place (IDX and .npy payloads). */
export function float32Rows(shown: string, n: number, w: number, get: (i: number) => number, map: (v: number) => number = (v) => v): Float32Array {
  const data = new Float32Array(n * w);
  for (let i = 0; i < n * w; i++) {
    const v = get(i);
    const why = float32Problem(v);
    if (why) {
      const r = Math.floor(i / w);
      throw new GancRuntimeError(`${shown}: row ${r} (0-based), value ${i - r * w} of the row: ${v} ${why}`, {
        code: "data-format",
        hint: "data is trained in float32: drop or impute non-finite values, rescale large ones",
      });
    }
    data[i] = map(v);
  }
  return data;
}
