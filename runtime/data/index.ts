// Data sources by name (the signature table's `data` entries map to these).
import type { Dataset, Rng } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { gmm, grid, ring } from "./synthetic.ts";
import { checkFashionFiles, fashionMnist } from "./fashion.ts";
import { csv } from "./csv.ts";
import { npy } from "./npy.ts";
import { idx } from "./idx.ts";
import { images } from "./images.ts";

export { createBatcher, sampleRows } from "./batcher.ts";
export { parseIdx, DEFAULT_FASHION_PATH } from "./fashion.ts";
export { probeDataSource, FILE_SOURCES } from "./probe.ts";

export const DATA_SOURCES = ["gmm", "ring", "grid", "fashion_mnist", "csv", "npy", "idx", "images"] as const;

type Args = Record<string, number | string | boolean>;

/** Sources whose data depends on their files only (not on the rng): a preloaded copy can stand in for a load. */
const DETERMINISTIC = new Set(["csv", "npy", "idx", "images"]);
const preloaded = new Map<string, Dataset>();
const key = (source: string, args: Args, baseDir: string) => JSON.stringify([source, args, baseDir]);

async function load(source: string, args: Args, ctx: { rng: Rng; baseDir: string }): Promise<Dataset> {
  switch (source) {
    case "gmm":
      return gmm(args, ctx);
    case "ring":
      return ring(args, ctx);
    case "grid":
      return grid(args, ctx);
    case "fashion_mnist":
      return fashionMnist(args, ctx);
    case "csv":
      return csv(args, ctx);
    case "npy":
      return npy(args, ctx);
    case "idx":
      return idx(args, ctx);
    case "images":
      return images(args, ctx);
    default:
      throw new GancRuntimeError(`unknown data source "${source}"`, {
        code: "data-source",
        hint: `available: ${DATA_SOURCES.join(", ")}`,
      });
  }
}

export async function loadData(source: string, args: Args, ctx: { rng: Rng; baseDir: string }): Promise<Dataset> {
  const k = key(source, args, ctx.baseDir);
  const pre = preloaded.get(k);
  if (pre) {
    preloaded.delete(k);
    return pre;
  }
  return load(source, args, ctx);
}

/**
 * Load a spec's data before anything is written (`ganc train` calls it before it creates the run directory), so
 * a missing or malformed file fails with nothing on disk. Rejects with the loader's GancRuntimeError. A file
 * source's result is kept for the trainer's next loadData with the same arguments (read once); fashion_mnist's
 * files are checked to exist; synthetic sources read nothing (null).
 */
export async function preloadData(source: string, args: Args, ctx: { rng: Rng; baseDir: string }): Promise<Dataset | null> {
  if (source === "fashion_mnist") {
    // the system data set: its files must be there (a full read here would be a second read of 60,000 images)
    checkFashionFiles(args);
    return null;
  }
  if (!DETERMINISTIC.has(source)) return null;
  const ds = await load(source, args, ctx);
  preloaded.set(key(source, args, ctx.baseDir), ds);
  return ds;
}
