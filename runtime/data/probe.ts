// Check-time view of a data source's files (compiler/check calls it when the path is known at check time): the
// first problem with the files, and what the header says about the columns. Synchronous, reads headers only,
// never throws (an unexpected file-system error is reported as a problem).
import { probeCsv } from "./csv.ts";
import { probeNpy } from "./npy.ts";
import { probeIdx } from "./idx.ts";
import { probeImages } from "./images.ts";
import { probeDir, type DataProblem } from "./files.ts";

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
