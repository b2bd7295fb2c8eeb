// Data sources by name (the signature table's `data` entries map to these).
import type { Dataset, Rng } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { gmm, grid, ring } from "./synthetic.ts";
import { fashionMnist } from "./fashion.ts";
import { csv } from "./csv.ts";

export { createBatcher, sampleRows } from "./batcher.ts";
export { parseIdx, DEFAULT_FASHION_PATH } from "./fashion.ts";

export const DATA_SOURCES = ["gmm", "ring", "grid", "fashion_mnist", "csv"] as const;

export async function loadData(
  source: string,
  args: Record<string, number | string | boolean>,
  ctx: { rng: Rng; baseDir: string },
): Promise<Dataset> {
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
    default:
      throw new GancRuntimeError(`unknown data source "${source}"`, {
        code: "data-source",
        hint: `available: ${DATA_SOURCES.join(", ")}`,
      });
  }
}
