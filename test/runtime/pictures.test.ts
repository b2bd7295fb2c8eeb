// The run pictures (issue 17, item 6) render through vega-lite / resvg into real PNGs: the 2-D scatter has axes,
// fixed domains, a legend with one entry per mixture component beside the data, and the step in its title; the NDB
// chart stays a readable size at 100 bins and has a legend entry for significant bins; an image grid of 28 px tiles
// is upscaled at least 3x with a title and one label per component row.
import { describe, expect, it } from "vitest";
import { decodePng, imageGrid } from "../../runtime/report/png.ts";
import { gridSvg, ndbBars, paddedDomain, renderSvg, samplesScatter, svgToPng } from "../../runtime/report/plot.ts";
import type { NdbResult } from "../../runtime/metrics/ndb.ts";

const png = (b: Uint8Array) => decodePng(Buffer.from(b));

describe("pictures", () => {
  it("2-D scatter: axes, fixed domain, legend by component, title with the step", async () => {
    const real = Float32Array.from({ length: 400 }, (_, i) => Math.sin(i * 1.7) * 2);
    const gen = Float32Array.from({ length: 300 }, (_, i) => Math.cos(i * 0.3) * 5); // some outside the domain
    const labels = Array.from({ length: 150 }, (_, i) => i % 3);
    const domain = paddedDomain(real, 200);
    expect(domain.x[0]).toBeLessThan(-2);
    expect(domain.x[1]).toBeGreaterThan(2);
    expect(domain.x[1]).toBeLessThan(3);
    const svg = await renderSvg(samplesScatter({ points: real, n: 200 }, { points: gen, n: 150, labels }, { title: "m: samples at step 700", domain }));
    for (const t of ["m: samples at step 700", "component 0", "component 1", "component 2", ">data<", ">x1<", ">x2<"]) expect(svg, t).toContain(t);
    // the axis ends at the fixed domain, not at the generated points' range (up to 5)
    expect(svg).not.toMatch(/>5(\.0)?</);
    const p = png(svgToPng(svg));
    expect(p.width).toBeGreaterThan(800);
    expect(p.width).toBeLessThan(1400);
  });

  it("NDB chart at 100 bins: bounded width, legend for significant bins", async () => {
    const k = 100;
    const train = Array.from({ length: k }, () => 1 / k);
    const test = train.map((p, b) => p + (b % 10 === 0 ? 0.004 : -0.004 / 9));
    const r: NdbResult = {
      ndb: 10, ndbOverK: 0.1, js: 0.01, binProportionsTrain: train, binProportionsTest: test,
      significantBins: Array.from({ length: 10 }, (_, i) => i * 10), different: [], z: [], pValues: [], nTrain: 20000, nTest: 10000,
      assignment: new Int32Array(0),
    } as NdbResult;
    const svg = await renderSvg(ndbBars(r, { title: "NDB/K = 0.100 at step 5" }));
    // the legend's text element in full (not an ellipsised one)
    expect(svg).toMatch(/<text[^>]*>significantly different bin<\/text>/);
    expect(svg).toContain("not significant");
    expect(svg).toContain("NDB/K = 0.100 at step 5");
    const p = png(svgToPng(svg));
    expect(p.width).toBeLessThan(2000); // 2x zoom of a < 1000 px chart (was 2884 px before)
    expect(p.width).toBeGreaterThan(600);
  });

  it("sample grid: 28 px tiles upscaled 3x, a title and component row labels", async () => {
    const n = 4 * 5, h = 28, w = 28;
    const imgs = Float32Array.from({ length: n * h * w }, (_, i) => Math.sin(i));
    const grid = imageGrid(imgs, n, h, w, 1, 5, [-1, 1], 3);
    const g = decodePng(grid);
    expect(g.width).toBe((5 * 28 + 6 * 2) * 3);
    const rowLabels = ["component 0", "component 1", "component 2", "component 3"];
    const svg = gridSvg(grid, { width: g.width, height: g.height, scale: 1, title: "m: 20 samples at step 9", rows: 4, rowLabels });
    for (const t of [...rowLabels, "m: 20 samples at step 9"]) expect(svg).toContain(t);
    const p = png(svgToPng(svg, 1));
    expect(p.width).toBeGreaterThanOrEqual(3 * 28 * 5);
    expect(p.height).toBeGreaterThan(g.height);
    // escaped, never raw markup
    expect(gridSvg(grid, { width: 1, height: 1, scale: 1, title: "<x&y>", rows: 1 })).toContain("&lt;x&amp;y&gt;");
  });
});
