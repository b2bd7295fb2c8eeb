// Loss curves for a run directory (plots/losses.svg and .png). Uses the metrics helper's Vega charts
// (runtime/report/plot.ts) when present; loaded lazily so training never depends on the plotting stack.
import type { LogLine } from "./metrics-log.ts";

export async function writeLossPlots(runDir: string, lines: LogLine[]): Promise<string[]> {
  if (lines.length === 0) return [];
  // path kept in a variable: plot.ts is owned by another module and may not exist in every checkout
  const plotPath = "../report/plot.ts";
  const plot = (await import(plotPath)) as Record<string, unknown>;
  const lineChart = plot.lineChart as ((...a: unknown[]) => unknown) | undefined;
  const writePlot = plot.writePlot as ((...a: unknown[]) => unknown) | undefined;
  if (!lineChart || !writePlot) throw new Error("runtime/report/plot.ts has no lineChart/writePlot");
  const rows = lines.flatMap((l) => Object.entries(l.losses).map(([series, value]) => ({ step: l.step, series, value })));
  const spec = lineChart(rows, { x: "step", y: "value", series: "series", title: "losses" });
  return (await writePlot(spec, `${runDir}/plots/losses`)) as string[];
}
