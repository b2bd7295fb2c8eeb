// Loss curves for a run directory: plots/losses.svg and plots/losses.png, one line per update, x = step.
// plot.ts (Vega) is imported lazily: it is only needed at the end of a run and loads slowly.
import type { LogLine } from "./metrics-log.ts";

export async function writeLossPlots(runDir: string, lines: LogLine[]): Promise<{ svg: string; png: string } | null> {
  if (lines.length === 0) return null;
  const { lineChart, writePlot } = await import("../report/plot.ts");
  const names = [...new Set(lines.flatMap((l) => Object.keys(l.losses)))];
  const series = names.map((name) => {
    const pts = lines.filter((l) => typeof l.losses[name] === "number");
    return { name, x: pts.map((l) => l.step), y: pts.map((l) => l.losses[name]!) };
  });
  return writePlot(lineChart(series, { title: "losses", xLabel: "step", yLabel: "loss" }), `${runDir}/plots/losses`);
}
