// Grid and seed parsing, point planning, CSV quoting and mean/std: no training.
import { describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { configurations, parseGridSet, parseSeeds, pointId, SweepError, type Grid } from "../../runtime/sweep/grid.ts";
import { planPoints } from "../../runtime/sweep/manifest.ts";
import { csvField, fmtAgg, meanStd } from "../../runtime/sweep/report.ts";
import { arraySpec, sbatchScript } from "../../runtime/sweep/slurm.ts";

describe("--set grids", () => {
  it("parses values and keeps their order", () => {
    let g: Grid = parseGridSet("lr=0.1,0.01");
    g = parseGridSet("K = 2", g);
    expect(g).toEqual([{ name: "lr", values: ["0.1", "0.01"] }, { name: "K", values: ["2"] }]);
    expect(configurations(g)).toEqual([{ lr: "0.1", K: "2" }, { lr: "0.01", K: "2" }]);
    expect(configurations([{ name: "a", values: ["1", "2"] }, { name: "b", values: ["x", "y"] }])).toEqual([
      { a: "1", b: "x" }, { a: "1", b: "y" }, { a: "2", b: "x" }, { a: "2", b: "y" },
    ]);
  });
  it.each([
    ["lr", /--set lr: expected name=v1,v2/],
    ["=1,2", /param name before "=" is empty/],
    ["lr=", /empty value/],
    ["lr=0.1,,0.2", /empty value in "0.1,,0.2"/],
    ["lr=0.1,0.1", /"0.1" is listed twice/],
    ["l-r=1", /"l-r" is not a param name/],
  ])("rejects %s naming the problem", (arg, re) => {
    expect(() => parseGridSet(arg)).toThrow(SweepError);
    expect(() => parseGridSet(arg)).toThrow(re);
  });
  it("rejects a param given twice", () => {
    expect(() => parseGridSet("lr=2", parseGridSet("lr=1"))).toThrow(/--set lr is given twice/);
  });
});

describe("--seeds", () => {
  it("takes ranges, lists and one seed", () => {
    expect(parseSeeds("0..4")).toEqual([0, 1, 2, 3, 4]);
    expect(parseSeeds("3, 5,9")).toEqual([3, 5, 9]);
    expect(parseSeeds("7")).toEqual([7]);
  });
  it.each([["4..0", /ends before it starts/], ["a", /expected A\.\.B/], ["1,1", /seed 1 is listed twice/], ["-1", /expected/]])(
    "rejects %s",
    (arg, re) => expect(() => parseSeeds(arg)).toThrow(re),
  );
});

describe("points", () => {
  it("are configurations x seeds with readable, unique folder names", () => {
    const pts = planPoints([{ name: "lr", values: ["0.1", "1e-3"] }, { name: "K", values: ["2"] }], [0, 1]);
    expect(pts.map((p) => p.id)).toEqual(["p0_lr=0.1_seed=0", "p1_lr=0.1_seed=1", "p2_lr=1e-3_seed=0", "p3_lr=1e-3_seed=1"]);
    expect(pts[2]).toMatchObject({ index: 2, config: { lr: "1e-3", K: "2" }, seed: 0, run_dir: "runs/p2_lr=1e-3_seed=0", status: "pending" });
    expect(pointId(3, 12, { a: "x/y" }, ["a"], null)).toBe("p03_a=x-y");
  });
});

describe("report helpers", () => {
  it("sample std and formatting", () => {
    const { mean, std } = meanStd([1, 2, 3, 4]);
    expect(mean).toBe(2.5);
    expect(std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanStd([5]).std).toBeNull();
    expect(fmtAgg({ n: 2, mean: 0.123456, std: 0.0012346, values: [], seeds: [] })).toBe("0.1235 ± 0.001235");
  });
  it("CSV fields are quoted so csv-parse reads them back", () => {
    const row = ["plain", "a,b", 'say "hi"', "two\nlines", " padded", 1.5, null].map(csvField).join(",");
    expect(parse(row + "\r\n")).toEqual([["plain", "a,b", 'say "hi"', "two\nlines", " padded", "1.5", ""]]);
  });
  it("Slurm array specs and the batch script", () => {
    expect(arraySpec([0, 1, 2, 5, 7, 8])).toBe("0-2,5,7-8");
    const s = sbatchScript("/tmp/sw", { model: "m", spec: "/x.gan" } as never, { partition: "debug", time: "0:10:00", sbatchArgs: [] }, ["node", "/r/main.ts", "sweep", "run-point", "/tmp/sw"]);
    expect(s).toMatch(/#SBATCH --partition=debug/);
    expect(s).toMatch(/#SBATCH --requeue/);
    expect(s).toMatch(/exec node \/r\/main.ts sweep run-point \/tmp\/sw "\$SLURM_ARRAY_TASK_ID"/);
  });
});
