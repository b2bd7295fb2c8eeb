// Plots for reports: build Vega-Lite specs, compile them to Vega, render SVG headlessly with vega's SVG renderer
// and rasterize to PNG with resvg (no browser). Text needs a real font: we point resvg at DejaVu Sans (Debian's
// fonts-dejavu-core) and fall back to the system fonts.

import { existsSync, renameSync, writeFileSync } from "node:fs";
import { makeDirs } from "./atomic.ts";
import { dirname } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Gmm } from "../metrics/gmm.ts";
import { MetricError, type Matrix } from "../metrics/matrix.ts";
import type { NdbResult } from "../metrics/ndb.ts";

export type PlotSpec = TopLevelSpec;

const FONT = "DejaVu Sans";
const FONT_FILES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
].filter((f) => existsSync(f));

const baseConfig = {
  font: FONT,
  background: "white",
  axis: { labelFont: FONT, titleFont: FONT },
  legend: { labelFont: FONT, titleFont: FONT },
  title: { font: FONT },
};

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  logY?: boolean;
}

/** One line per series (e.g. losses or NDB/K against training step). Non-finite points are dropped. */
export function lineChart(series: Series[], opts: ChartOptions = {}): PlotSpec {
  const values = series.flatMap((s) =>
    Array.from(s.x, (x, i) => ({ series: s.name, x, y: s.y[i]! })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)),
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: opts.title ?? "",
    width: opts.width ?? 480,
    height: opts.height ?? 280,
    config: baseConfig,
    data: { values },
    mark: { type: "line", point: values.length <= 60 },
    encoding: {
      x: { field: "x", type: "quantitative", title: opts.xLabel ?? "step" },
      y: { field: "y", type: "quantitative", title: opts.yLabel ?? "value", scale: opts.logY ? { type: "log" } : { zero: false } },
      color: { field: "series", type: "nominal", title: null },
    },
  };
}

/** NDB per bin, readable at 100 bins: one bar per bin of (query - reference) proportion, bins sorted by that
 * difference, coloured by whether the bin is statistically different (with a legend entry for each). */
export function ndbBars(result: NdbResult, opts: ChartOptions = {}): PlotSpec {
  const k = result.binProportionsTrain.length;
  const sig = new Set(result.significantBins);
  const SIG = "significantly different bin";
  const NOT = "not significant";
  const values = result.binProportionsTrain
    .map((p, b) => ({ bin: b, diff: result.binProportionsTest[b]! - p, set: sig.has(b) ? SIG : NOT }))
    .sort((a, b) => a.diff - b.diff || a.bin - b.bin)
    .map((v, rank) => ({ ...v, rank }));
  const title =
    opts.title ?? `NDB = ${result.ndb} of K = ${k} (NDB/K = ${result.ndbOverK.toFixed(3)}), JS = ${result.js.toFixed(4)} nats`;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle: `generated (n=${result.nTest}) minus reference (n=${result.nTrain}) proportion per bin` },
    width: opts.width ?? Math.max(300, Math.min(600, k * 6)),
    height: opts.height ?? 240,
    config: baseConfig,
    data: { values },
    mark: { type: "bar" },
    encoding: {
      x: {
        field: "rank",
        type: "ordinal",
        title: opts.xLabel ?? `${k} bins, sorted by difference`,
        axis: k > 30 ? { labels: false, ticks: false } : { labelExpr: "''" },
      },
      y: { field: "diff", type: "quantitative", title: opts.yLabel ?? "proportion difference (generated - reference)" },
      color: {
        field: "set", type: "nominal", title: null, legend: { labelLimit: 400 },
        scale: { domain: [SIG, NOT], range: ["#d62728", "#9e9e9e"] },
      },
      tooltip: [{ field: "bin", type: "ordinal" }, { field: "diff", type: "quantitative" }],
    },
  } as PlotSpec;
}

export interface SamplesScatterOptions {
  title: string;
  /** fixed axis domains (the same for every frame of a run: derived from the real data) */
  domain: { x: [number, number]; y: [number, number] };
  /** at most this many points per set (default 3000) */
  maxPoints?: number;
}

/** Axis domain of a point set: its range padded by 15% on each side (a run's frames all use the data's). */
export function paddedDomain(points: ArrayLike<number>, n: number): { x: [number, number]; y: [number, number] } {
  const r = (off: number): [number, number] => {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = points[2 * i + off]!;
      if (Number.isFinite(v)) (lo = Math.min(lo, v), (hi = Math.max(hi, v)));
    }
    if (!(hi >= lo)) return [-1, 1];
    const pad = Math.max(1e-6, (hi - lo) * 0.15);
    return [lo - pad, hi + pad];
  };
  return { x: r(0), y: r(1) };
}

/**
 * Real data (grey) beside the generated points, the latter coloured by mixture component when `labels` is given,
 * on fixed axes (points outside are clipped), with a legend and a title (which carries the step).
 */
export function samplesScatter(
  real: { points: ArrayLike<number>; n: number },
  gen: { points: ArrayLike<number>; n: number; labels?: ArrayLike<number> },
  o: SamplesScatterOptions,
): PlotSpec {
  const max = o.maxPoints ?? 3000;
  const rows: { x: number; y: number; set: string }[] = [];
  for (let i = 0; i < Math.min(real.n, max); i++) rows.push({ x: real.points[2 * i]!, y: real.points[2 * i + 1]!, set: "data" });
  for (let i = 0; i < Math.min(gen.n, max); i++)
    rows.push({ x: gen.points[2 * i]!, y: gen.points[2 * i + 1]!, set: gen.labels ? `component ${gen.labels[i]}` : "generated" });
  const sets = [...new Set(rows.map((r) => r.set))];
  const genSets = sets.filter((s) => s !== "data").sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79"];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: o.title,
    width: 420,
    height: 420,
    config: baseConfig,
    data: { values: rows.filter((r) => Number.isFinite(r.x) && Number.isFinite(r.y)) },
    mark: { type: "circle", size: 10, opacity: 0.55, clip: true },
    encoding: {
      x: { field: "x", type: "quantitative", title: "x1", scale: { domain: o.domain.x, nice: false } },
      y: { field: "y", type: "quantitative", title: "x2", scale: { domain: o.domain.y, nice: false } },
      color: {
        field: "set",
        type: "nominal",
        title: null,
        scale: { domain: ["data", ...genSets], range: ["#c7c7c7", ...genSets.map((_, i) => palette[i % palette.length]!)] },
      },
      order: { field: "set", type: "nominal" },
    },
  } as PlotSpec;
}

const xmlEscape = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * An image sample grid (a PNG from png.ts imageGrid) as an SVG: upscaled `scale` times (nearest neighbour), a title
 * and one label per row (the mixture component of the row, when given).
 */
export function gridSvg(gridPng: Buffer, o: { width: number; height: number; scale: number; title: string; rowLabels?: string[]; rows: number }): string {
  const W = o.width * o.scale, H = o.height * o.scale;
  const left = o.rowLabels ? 110 : 10, top = 40;
  const rowH = H / o.rows;
  const labels = (o.rowLabels ?? [])
    .map((l, r) => `<text x="${left - 8}" y="${(top + (r + 0.5) * rowH + 5).toFixed(1)}" text-anchor="end" font-family="${FONT}" font-size="14">${xmlEscape(l)}</text>`)
    .join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + W + 10}" height="${top + H + 10}">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${left}" y="26" font-family="${FONT}" font-size="18" font-weight="bold">${xmlEscape(o.title)}</text>` +
    labels +
    `<image x="${left}" y="${top}" width="${W}" height="${H}" style="image-rendering:pixelated" image-rendering="optimizeSpeed" href="data:image/png;base64,${gridPng.toString("base64")}"/>` +
    `</svg>`
  );
}

/** Writes `${path}.svg` and `${path}.png` of an SVG text (atomically); returns both paths. */
export function writeSvgPlot(svg: string, pathWithoutExt: string, pngScale = 1): { svg: string; png: string } {
  const png = svgToPng(svg, pngScale);
  makeDirs(dirname(pathWithoutExt));
  const out = { svg: `${pathWithoutExt}.svg`, png: `${pathWithoutExt}.png` };
  writeFileSync(`${out.svg}.tmp`, svg);
  renameSync(`${out.svg}.tmp`, out.svg);
  writeFileSync(`${out.png}.tmp`, png);
  renameSync(`${out.png}.tmp`, out.png);
  return out;
}

/** Points of a 2-D ellipse {x : (x-mu)^T S^-1 (x-mu) = r^2} as a closed polyline. */
export function ellipse2d(mean: ArrayLike<number>, cov: ArrayLike<number>, r = 2, segments = 72): [number, number][] {
  // eigen-decomposition of the symmetric 2x2 covariance
  const a = cov[0]!;
  const b = (cov[1]! + cov[2]!) / 2;
  const c = cov[3]!;
  const tr = (a + c) / 2;
  const disc = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  const l1 = Math.max(0, tr + disc);
  const l2 = Math.max(0, tr - disc);
  const theta = Math.abs(b) < 1e-300 && a >= c ? 0 : Math.atan2(l1 - a, b || 1e-300);
  const ct = Math.cos(theta);
  const st = Math.sin(theta);
  const pts: [number, number][] = [];
  for (let s = 0; s <= segments; s++) {
    const t = (2 * Math.PI * s) / segments;
    const u = r * Math.sqrt(l1) * Math.cos(t);
    const v = r * Math.sqrt(l2) * Math.sin(t);
    pts.push([mean[0]! + ct * u - st * v, mean[1]! + st * u + ct * v]);
  }
  return pts;
}

export interface ScatterOptions extends ChartOptions {
  /** ellipse radius in standard deviations (default 2) */
  sigmas?: number;
  /** at most this many points are drawn (first ones) to keep SVGs small (default 5000) */
  maxPoints?: number;
  /** optional per-point labels (e.g. component or class) used for colour */
  labels?: ArrayLike<number>;
}

/** 2-D samples with the 2-sigma ellipses and centers of a Gaussian mixture's components. */
export function scatterWithEllipses(points: Matrix, gmm: Gmm | null, opts: ScatterOptions = {}): PlotSpec {
  if (points.d !== 2) throw new MetricError(`scatterWithEllipses needs 2-D points, got ${points.d}-D`);
  if (gmm && gmm.d !== 2) throw new MetricError(`scatterWithEllipses needs a 2-D mixture, got ${gmm.d}-D`);
  const m = Math.min(points.n, opts.maxPoints ?? 5000);
  const pts = Array.from({ length: m }, (_, i) => ({
    x: points.data[2 * i]!,
    y: points.data[2 * i + 1]!,
    label: opts.labels ? String(opts.labels[i]) : "sample",
  }));
  const r = opts.sigmas ?? 2;
  const ell: { comp: string; order: number; x: number; y: number }[] = [];
  const centers: { x: number; y: number; comp: string; w: number }[] = [];
  if (gmm)
    for (let c = 0; c < gmm.k; c++) {
      const mu = gmm.means.subarray(2 * c, 2 * c + 2);
      ellipse2d(mu, gmm.covs.subarray(4 * c, 4 * c + 4), r).forEach(([x, y], o) => ell.push({ comp: `c${c}`, order: o, x, y }));
      centers.push({ x: mu[0]!, y: mu[1]!, comp: `c${c}`, w: gmm.weights[c]! });
    }
  const xEnc = { field: "x", type: "quantitative" as const, title: opts.xLabel ?? "x1", scale: { zero: false } };
  const yEnc = { field: "y", type: "quantitative" as const, title: opts.yLabel ?? "x2", scale: { zero: false } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: opts.title ?? (gmm ? `samples and ${r}-sigma ellipses of ${gmm.k} components` : "samples"),
    width: opts.width ?? 420,
    height: opts.height ?? 420,
    config: baseConfig,
    layer: [
      {
        data: { values: pts },
        mark: { type: "circle", size: 8, opacity: 0.45 },
        encoding: {
          x: xEnc,
          y: yEnc,
          color: opts.labels ? { field: "label", type: "nominal", title: "label" } : { value: "#1f77b4" },
        },
      },
      ...(gmm
        ? [
            {
              data: { values: ell },
              mark: { type: "line" as const, color: "#d62728", strokeWidth: 1.5 },
              encoding: { x: xEnc, y: yEnc, detail: { field: "comp", type: "nominal" as const }, order: { field: "order", type: "quantitative" as const } },
            },
            {
              data: { values: centers },
              mark: { type: "point" as const, shape: "cross", color: "black", size: 60, filled: true },
              encoding: { x: xEnc, y: yEnc },
            },
          ]
        : []),
    ],
  } as PlotSpec;
}

/** Vega-Lite spec -> SVG text (headless, no browser). */
export async function renderSvg(spec: PlotSpec): Promise<string> {
  const vg = compile(spec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG text -> PNG bytes with resvg, using DejaVu Sans (or system fonts when it is missing). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: {
      fontFiles: FONT_FILES,
      loadSystemFonts: FONT_FILES.length === 0,
      defaultFontFamily: FONT,
      sansSerifFamily: FONT,
    },
  });
  return resvg.render().asPng();
}

/** Writes `${path}.svg` and `${path}.png` (atomically: temp file then rename); returns both paths. */
export async function writePlot(spec: PlotSpec, pathWithoutExt: string): Promise<{ svg: string; png: string }> {
  // vega charts are rasterised at 2x (svgToPng's default); hand-built SVGs (writeSvgPlot) at their own size
  return writeSvgPlot(await renderSvg(spec), pathWithoutExt, 2);
}
