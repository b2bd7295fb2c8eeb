import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ellipse2d, lineChart, ndbBars, renderSvg, scatterWithEllipses, writePlot } from "../../runtime/report/plot.ts";
import { twoProportionsZTest } from "../../runtime/metrics/ndb.ts";
import type { NdbResult } from "../../runtime/metrics/ndb.ts";
import { fromRows } from "../../runtime/metrics/matrix.ts";

describe("plots", () => {
  it("2-sigma ellipse of a rotated covariance", () => {
    // S = R diag(4, 1) R^T, R = 45 degrees: semi-axes 2*2 = 4 along (1,1)/sqrt2 and 2*1 = 2 along (-1,1)/sqrt2
    const S = [2.5, 1.5, 1.5, 2.5];
    const pts = ellipse2d([1, -1], S, 2, 360);
    const radii = pts.map(([x, y]) => Math.hypot(x - 1, y + 1));
    expect(Math.max(...radii)).toBeCloseTo(4, 3);
    expect(Math.min(...radii)).toBeCloseTo(2, 3);
    const far = pts[radii.indexOf(Math.max(...radii))]!;
    expect(Math.abs(far[0] - 1)).toBeCloseTo(Math.abs(far[1] + 1), 3);
    // every point satisfies (x-mu)^T S^-1 (x-mu) = 4
    const det = 2.5 * 2.5 - 1.5 * 1.5;
    for (const [x, y] of pts) {
      const dx = x - 1;
      const dy = y + 1;
      expect((2.5 * dx * dx - 3 * dx * dy + 2.5 * dy * dy) / det).toBeCloseTo(4, 9);
    }
  });

  it("renders text-bearing SVG and PNG files", async () => {
    const t = twoProportionsZTest([0.5, 0.3, 0.2], 1000, [0.4, 0.4, 0.2], 1000);
    const r: NdbResult = {
      ndb: 2,
      ndbOverK: 2 / 3,
      js: 0.01,
      binProportionsTrain: [0.5, 0.3, 0.2],
      binProportionsTest: [0.4, 0.4, 0.2],
      significantBins: [0, 1],
      different: t.different,
      z: t.z,
      pValues: t.pValues,
      nTrain: 1000,
      nTest: 1000,
      assignment: new Int32Array(0),
    };
    const svg = await renderSvg(ndbBars(r));
    expect(svg).toContain("NDB = 2 of K = 3");
    const dir = mkdtempSync(join(tmpdir(), "plot-"));
    const gmm = { k: 1, d: 2, weights: Float64Array.from([1]), means: Float64Array.from([0, 0]), covs: Float64Array.from([1, 0, 0, 1]) };
    for (const [name, spec] of [
      ["ndb", ndbBars(r)],
      ["scatter", scatterWithEllipses(fromRows([[0, 0], [1, 1], [-1, 0.5]]), gmm)],
      ["line", lineChart([{ name: "loss", x: [0, 1, 2], y: [1, NaN, 0.5] }], { title: "loss curve" })],
    ] as const) {
      const out = await writePlot(spec, join(dir, name));
      const png = readFileSync(out.png);
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      expect(png.length).toBeGreaterThan(2000);
      expect(readFileSync(out.svg, "utf8")).toMatch(/^<svg/);
    }
  });

  it("rejects non-2-D scatter input", () => {
    expect(() => scatterWithEllipses(fromRows([[0, 0, 0]]), null)).toThrow(/2-D/);
  });
});
