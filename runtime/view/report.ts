// `ganc report`: the dashboard's views as one self-contained HTML file (scripts, data and images inlined), for
// sharing a run or a sweep without a server. Reads the run directories; writes only the output file.

import { readFileSync } from "node:fs";
import { readAll, type ViewData } from "./data.ts";
import { staticPage } from "./page.ts";
import { join } from "node:path";

const MIME: Record<string, string> = { png: "image/png", svg: "image/svg+xml" };

/** data: URLs for every sample grid of the runs (what the page shows), by run id and relative path. */
export function inlineImages(data: ViewData): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const run of data.runs) {
    const m: Record<string, string> = (out[run.id] = {});
    for (const img of run.samples) {
      const ext = img.path.split(".").pop()!.toLowerCase();
      try {
        m[img.path] = `data:${MIME[ext] ?? "application/octet-stream"};base64,${readFileSync(join(run.dir, img.path)).toString("base64")}`;
      } catch {
        // vanished between listing and reading: leave it out
      }
    }
  }
  return out;
}

export function buildReport(dirs: readonly string[], title = "ganc report"): string {
  const data = readAll(dirs);
  return staticPage(data, inlineImages(data), title);
}
