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

/** Per-bin proportions of the reference (train) and query sets, bins ordered as NDB orders them (by train size);
 * statistically different bins are marked with a red dot above their bars. */
export function ndbBars(result: NdbResult, opts: ChartOptions = {}): PlotSpec {
  const k = result.binProportionsTrain.length;
  const refName = `reference (n=${result.nTrain})`;
  const queryName = `query (n=${result.nTest})`;
  const values = [
    ...result.binProportionsTrain.map((p, b) => ({ bin: b, set: refName, p })),
    ...result.binProportionsTest.map((p, b) => ({ bin: b, set: queryName, p })),
  ];
  const sig = result.significantBins.map((b) => ({
    bin: b,
    top: Math.max(result.binProportionsTrain[b]!, result.binProportionsTest[b]!) * 1.05,
  }));
  const title =
    opts.title ?? `NDB = ${result.ndb} of K = ${k} (NDB/K = ${result.ndbOverK.toFixed(3)}), JS = ${result.js.toFixed(4)} nats`;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: opts.width ?? Math.max(360, Math.min(1200, k * 12)),
    height: opts.height ?? 260,
    config: baseConfig,
    layer: [
      {
        data: { values },
        mark: { type: "bar" },
        encoding: {
          x: { field: "bin", type: "ordinal", title: opts.xLabel ?? "bin (sorted by reference size)", axis: { labelOverlap: true } },
          xOffset: { field: "set", type: "nominal", sort: [refName, queryName] },
          y: { field: "p", type: "quantitative", title: opts.yLabel ?? "proportion" },
          color: { field: "set", type: "nominal", title: null, scale: { domain: [refName, queryName], range: ["#9e9e9e", "#1f77b4"] } },
        },
      },
      {
        data: { values: sig },
        mark: { type: "point", filled: true, color: "#d62728", size: 30 },
        encoding: {
          x: { field: "bin", type: "ordinal" },
          y: { field: "top", type: "quantitative" },
        },
      },
    ],
  };
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
  const svg = await renderSvg(spec);
  const png = svgToPng(svg);
  makeDirs(dirname(pathWithoutExt));
  const out = { svg: `${pathWithoutExt}.svg`, png: `${pathWithoutExt}.png` };
  writeFileSync(`${out.svg}.tmp`, svg);
  renameSync(`${out.svg}.tmp`, out.svg);
  writeFileSync(`${out.png}.tmp`, png);
  renameSync(`${out.png}.tmp`, out.png);
  return out;
}
