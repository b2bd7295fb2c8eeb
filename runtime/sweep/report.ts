// `ganc sweep report DIR`: mean ± std (sample std, n - 1) over seeds per configuration, for every final metric
// (summary.json's metrics, then its final losses as `loss.<update>`), as markdown, CSV and JSON, and plots: each
// metric per configuration with its seeds and mean ± std; the loss curves of every run, coloured by configuration.
import { join } from "node:path";
import { writeFileAtomic } from "../report/atomic.ts";
import { writePlot, type PlotSpec } from "../report/plot.ts";
import { readJsonl } from "../train/metrics-log.ts";
import { configLabel, configurations, variedParams } from "./grid.ts";
import { foldManifest, readManifest, readRunSummary, type SweepManifest, type SweepPoint } from "./manifest.ts";

export interface MetricAgg {
  n: number;
  mean: number;
  /** sample standard deviation (n - 1); null for a single value */
  std: number | null;
  values: number[];
  seeds: Array<number | null>;
}

export interface ConfigRow {
  label: string;
  config: Record<string, string>;
  /** points of this configuration that completed, of the planned ones */
  completed: number;
  planned: number;
  metrics: Record<string, MetricAgg>;
}

export interface SweepReport {
  dir: string;
  model: string;
  spec: string;
  varied: string[];
  fixed: Record<string, string>;
  seeds: Array<number | null>;
  metrics: string[];
  rows: ConfigRow[];
  /** points not (yet) in the table: id, status and error */
  incomplete: Array<{ id: string; status: string; error?: string }>;
}

export function meanStd(xs: number[]): { mean: number; std: number | null } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, std: null };
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) };
}

/** The final metrics of a completed run: summary.json metrics, then final losses as loss.<name>. */
function finalMetrics(runDir: string): Record<string, number> | null {
  const s = readRunSummary(runDir);
  if (s?.status !== "completed") return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.metrics ?? {})) if (typeof v === "number") out[k] = v;
  for (const [k, v] of Object.entries(s.final_losses ?? {})) if (typeof v === "number") out[`loss.${k}`] = v;
  return out;
}

export function aggregate(dir: string, m0?: SweepManifest): SweepReport {
  const m = foldManifest(dir, m0 ?? readManifest(dir));
  const varied = variedParams(m.grid);
  const fixed: Record<string, string> = {};
  for (const g of m.grid) if (g.values.length === 1) fixed[g.name] = g.values[0]!;
  const metricNames: string[] = [];
  const rows: ConfigRow[] = [];
  const incomplete: SweepReport["incomplete"] = [];
  const key = (c: Record<string, string>) => JSON.stringify(varied.map((n) => c[n]));
  const byKey = new Map<string, SweepPoint[]>();
  for (const p of m.points) byKey.set(key(p.config), [...(byKey.get(key(p.config)) ?? []), p]);
  for (const config of configurations(m.grid)) {
    const pts = byKey.get(key(config)) ?? [];
    const row: ConfigRow = { label: configLabel(config, varied), config, completed: 0, planned: pts.length, metrics: {} };
    const collected: Record<string, { values: number[]; seeds: Array<number | null> }> = {};
    for (const p of pts) {
      const fm = p.status === "completed" ? finalMetrics(join(dir, p.run_dir)) : null;
      if (!fm) {
        incomplete.push({ id: p.id, status: p.status, ...(p.error ? { error: p.error } : {}) });
        continue;
      }
      row.completed++;
      for (const [k, v] of Object.entries(fm)) {
        if (!metricNames.includes(k)) metricNames.push(k);
        (collected[k] ??= { values: [], seeds: [] }).values.push(v);
        collected[k].seeds.push(p.seed);
      }
    }
    for (const [k, c] of Object.entries(collected)) row.metrics[k] = { n: c.values.length, ...meanStd(c.values), ...c };
    rows.push(row);
  }
  // evaluation metrics first (in order of appearance), then the losses
  metricNames.sort((a, b) => Number(a.startsWith("loss.")) - Number(b.startsWith("loss.")));
  return { dir, model: m.model, spec: m.spec, varied, fixed, seeds: m.seeds, metrics: metricNames, rows, incomplete };
}

/** 4 significant digits, plain notation where it is short. */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(4)));
  return x.toExponential(3);
}

export const fmtAgg = (a: MetricAgg | undefined): string =>
  a === undefined ? "–" : a.std === null ? fmtNum(a.mean) : `${fmtNum(a.mean)} ± ${fmtNum(a.std)}`;

const mdCell = (s: string) => s.replace(/\|/g, "\\|");

export function reportMarkdown(r: SweepReport): string {
  const nSeeds = r.seeds.length;
  const head = [
    `## ${r.model}: ${r.rows.length} configuration${r.rows.length === 1 ? "" : "s"} x ${nSeeds} seed${nSeeds === 1 ? "" : "s"}`,
    "",
    `spec ${r.spec}; seeds ${r.seeds.map((s) => (s === null ? "(spec's)" : s)).join(", ")}` +
      (Object.keys(r.fixed).length ? `; fixed ${Object.entries(r.fixed).map(([k, v]) => `${k}=${v}`).join(" ")}` : "") +
      "; mean ± sample std over seeds",
    "",
  ];
  const cols = [...(r.varied.length ? r.varied : ["configuration"]), "runs", ...r.metrics];
  const lines = [`| ${cols.map(mdCell).join(" | ")} |`, `|${cols.map(() => " --- ").join("|")}|`];
  for (const row of r.rows) {
    const cells = [
      ...(r.varied.length ? r.varied.map((n) => row.config[n]!) : [row.label]),
      `${row.completed}/${row.planned}`,
      ...r.metrics.map((k) => fmtAgg(row.metrics[k])),
    ];
    lines.push(`| ${cells.map(mdCell).join(" | ")} |`);
  }
  const tail = r.incomplete.length
    ? ["", `not in the table (${r.incomplete.length}):`, ...r.incomplete.map((p) => `- ${p.id}: ${p.status}${p.error ? `: ${p.error.split("\n")[0]}` : ""}`)]
    : [];
  return [...head, ...lines, ...tail, ""].join("\n");
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF (quotes doubled). */
export function csvField(v: string | number | null): string {
  const s = v === null ? "" : typeof v === "number" ? (Number.isFinite(v) ? String(v) : String(v)) : v;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Long format: one line per configuration and metric. */
export function reportCsv(r: SweepReport): string {
  const params = r.varied;
  const header = ["configuration", ...params, "metric", "n", "mean", "std", "values"];
  const lines = [header.map(csvField).join(",")];
  for (const row of r.rows)
    for (const k of r.metrics) {
      const a = row.metrics[k];
      if (!a) continue;
      lines.push(
        [row.label, ...params.map((n) => row.config[n]!), k, a.n, a.mean, a.std, a.values.join(";")].map(csvField).join(","),
      );
    }
  return lines.join("\r\n") + "\r\n";
}

export function metricPlot(r: SweepReport, metric: string): PlotSpec {
  const values = r.rows.flatMap((row) => {
    const a = row.metrics[metric];
    return a ? a.values.map((v, i) => ({ configuration: row.label, value: v, seed: String(a.seeds[i]) })) : [];
  });
  const order = r.rows.map((row) => row.label);
  const x = { field: "configuration", type: "nominal" as const, sort: order, title: r.varied.join(", ") || "configuration", axis: { labelAngle: -30 } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${r.model}: ${metric} per configuration (seeds, mean ± std)`,
    width: Math.max(240, 60 * r.rows.length),
    height: 260,
    config: { font: "DejaVu Sans", background: "white" },
    data: { values },
    layer: [
      { mark: { type: "errorbar", extent: "stdev", ticks: true }, encoding: { x, y: { field: "value", type: "quantitative", title: metric, scale: { zero: false } } } },
      { mark: { type: "tick", color: "black", thickness: 2 }, encoding: { x, y: { aggregate: "mean", field: "value", type: "quantitative" } } },
      { mark: { type: "point", filled: true, opacity: 0.7 }, encoding: { x, y: { field: "value", type: "quantitative" }, color: { field: "seed", type: "nominal", title: "seed" } } },
    ],
  } as PlotSpec;
}

export function lossCurvesPlot(r: SweepReport, m: SweepManifest, loss: string, curves: Map<string, Array<{ step: number; losses: Record<string, number> }>>): PlotSpec {
  const varied = r.varied;
  const values = m.points.flatMap((p) =>
    (curves.get(p.id) ?? [])
      .filter((l) => typeof l.losses?.[loss] === "number" && Number.isFinite(l.losses[loss]))
      .map((l) => ({ step: l.step, value: l.losses[loss]!, configuration: configLabel(p.config, varied), run: p.id })),
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${r.model}: loss ${loss} over steps (one line per run)`,
    width: 480,
    height: 280,
    config: { font: "DejaVu Sans", background: "white" },
    data: { values },
    mark: { type: "line", opacity: 0.8 },
    encoding: {
      x: { field: "step", type: "quantitative", title: "step" },
      y: { field: "value", type: "quantitative", title: loss, scale: { zero: false } },
      color: { field: "configuration", type: "nominal", sort: r.rows.map((row) => row.label) },
      detail: { field: "run", type: "nominal" },
    },
  } as PlotSpec;
}

const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");

/** Aggregate and write DIR/report.{md,csv,json} and DIR/plots/*.{svg,png}; returns the report and its files. */
export async function writeSweepReport(dir: string, o: { plots?: boolean } = {}): Promise<{ report: SweepReport; markdown: string; files: string[] }> {
  const m = foldManifest(dir, readManifest(dir));
  const report = aggregate(dir, m);
  const markdown = reportMarkdown(report);
  const files = [join(dir, "report.md"), join(dir, "report.csv"), join(dir, "report.json")];
  writeFileAtomic(files[0]!, markdown);
  writeFileAtomic(files[1]!, reportCsv(report));
  writeFileAtomic(files[2]!, JSON.stringify(report, null, 2) + "\n");
  if (o.plots !== false && report.rows.some((row) => row.completed > 0)) {
    for (const k of report.metrics) {
      const w = await writePlot(metricPlot(report, k), join(dir, "plots", `metric-${fileSafe(k)}`));
      files.push(w.svg, w.png);
    }
    const curves = new Map<string, Array<{ step: number; losses: Record<string, number> }>>();
    const lossNames: string[] = [];
    for (const p of m.points) {
      const lines = readJsonl<{ step: number; losses: Record<string, number> }>(join(dir, p.run_dir, "metrics.jsonl"));
      curves.set(p.id, lines);
      for (const l of lines) for (const k of Object.keys(l.losses ?? {})) if (!lossNames.includes(k)) lossNames.push(k);
    }
    for (const k of lossNames) {
      const w = await writePlot(lossCurvesPlot(report, m, k, curves), join(dir, "plots", `loss-${fileSafe(k)}`));
      files.push(w.svg, w.png);
    }
  }
  return { report, markdown, files };
}
