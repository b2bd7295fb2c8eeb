// Check-time view of a data source's files (compiler/check calls it when the path is known at check time): the
// first problem with the files, and what the header says about the columns. Synchronous, reads headers only,
// never throws (an unexpected file-system error is reported as a problem).
import { probeCsv } from "./csv.ts";
import { probeNpy } from "./npy.ts";
import { parseIdxHeader, probeIdx } from "./idx.ts";
import { probeImages } from "./images.ts";
import * as fs from "node:fs";
import { dataPath, probeDir, readHead, type DataProblem } from "./files.ts";

export interface DataProbe {
  /** the argument the problem is about ("path", "labels") */
  arg: string;
  problem: DataProblem;
}

/** Sources that read the user's files. */
export const FILE_SOURCES = ["csv", "npy", "idx", "images"] as const;

export function probeDataSource(source: string, args: Record<string, unknown>, baseDir: string): DataProbe | null {
  const str = (k: string) => (typeof args[k] === "string" ? (args[k] as string) : "");
  try {
    switch (source) {
      case "csv": {
        const p = str("path") && probeCsv(str("path"), baseDir);
        return p ? { arg: "path", problem: p } : null;
      }
      case "npy":
        for (const arg of ["path", "labels"]) {
          if (!str(arg)) continue;
          const r = probeNpy(str(arg), baseDir, arg);
          if ("problem" in r) return { arg, problem: r.problem };
        }
        return null;
      case "idx":
        for (const arg of ["path", "labels"]) {
          const p = str(arg) && probeIdx(str(arg), baseDir, arg);
          if (p) return { arg, problem: p };
        }
        return null;
      case "images": {
        if (!str("path")) return null;
        const r = probeImages(str("path"), baseDir, typeof args.channels === "number" ? args.channels : 0);
        return "problem" in r ? { arg: "path", problem: r.problem } : null;
      }
      case "fashion_mnist": {
        // only a path the spec gives: the default folder is the Debian package's, reported at load with its hint
        const p = str("path") && probeDir("fashion_mnist", str("path"), baseDir);
        return p ? { arg: "path", problem: p } : null;
      }
      default:
        return null;
    }
  } catch (e) {
    return { arg: "path", problem: { code: "data-format", message: `${source}: cannot read ${str("path")}: ${(e as Error).message}` } };
  }
}

/** What a sound file's header says about the columns (call after probeDataSource found no problem): the per-row
 * shape of x, and whether there is a label column (with its class count when the layout gives it). null: not known
 * without reading the data (csv, a gzipped IDX, the synthetic sources). */
export interface DataShape {
  x: number[];
  labels: boolean;
  classes?: number;
  /** how to add labels, for a message */
  labelHint: string;
}

export function probeDataShape(source: string, args: Record<string, unknown>, baseDir: string): DataShape | null {
  const str = (k: string) => (typeof args[k] === "string" ? (args[k] as string) : "");
  try {
    switch (source) {
      case "npy": {
        const r = probeNpy(str("path"), baseDir);
        if (!("header" in r)) return null;
        const s = r.header.shape;
        return { x: s.length === 1 ? [1] : s.slice(1), labels: str("labels") !== "", labelHint: 'add labels="<labels>.npy" (a 1-D integer array)' };
      }
      case "idx": {
        const h = idxHeaderOf(str("path"), baseDir);
        if (!h) return null;
        const d = h.dims;
        return { x: d.length === 1 ? [1] : d.length === 3 ? [d[1]!, d[2]!, 1] : d.slice(1), labels: str("labels") !== "", labelHint: 'add labels="<labels>-idx1-ubyte(.gz)"' };
      }
      case "images": {
        const r = probeImages(str("path"), baseDir, typeof args.channels === "number" ? args.channels : 0);
        if ("problem" in r) return null;
        return { x: r.shape, labels: r.classes > 0, classes: r.classes || undefined, labelHint: "put the images in one subfolder per class" };
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}

function idxHeaderOf(rel: string, baseDir: string) {
  const { abs, shown } = dataPath(rel, baseDir);
  const head = readHead(abs, 4 + 4 * 255);
  if (head[0] === 0x1f && head[1] === 0x8b) return null;
  const h = parseIdxHeader(head, shown, fs.statSync(abs).size);
  return typeof h === "string" ? null : h;
}
