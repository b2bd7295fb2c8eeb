import { describe, expect, it, beforeAll } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { createBatcher, loadData, parseIdx, sampleRows } from "../../runtime/data/index.ts";
import { createRng } from "../../runtime/rng.ts";
import { GancRuntimeError } from "../../runtime/errors.ts";
import { useBackend } from "./helpers.ts";

const ctx = (seed = 1, baseDir = "/") => ({ rng: createRng(seed), baseDir });
const FASHION = "/usr/share/datasets/fashion-mnist";
const hasFashion = fs.existsSync(path.join(FASHION, "t10k-images-idx3-ubyte.gz"));

describe("synthetic sources", () => {
  it("gmm symmetric: +-theta with |theta| = sep, truth and a test split", async () => {
    const ds = await loadData("gmm", { k: 2, d: 5, sep: 3, n: 4000, symmetric: true, seed: 1 }, ctx());
    const t = ds.truth as { means: number[][]; weights: number[]; covs: number[][][] };
    expect(Math.hypot(...t.means[0])).toBeCloseTo(3, 6);
    expect(t.means[1]).toEqual(t.means[0].map((v) => -v));
    expect(ds.columns.map((c) => [c.name, c.shape, c.dtype])).toEqual([
      ["x", [5], "float32"],
      ["y", [], "int32"],
    ]);
    expect(ds.test!.n).toBe(4000);
    // empirical mean of component 0 near theta
    const x = ds.columns[0].data,
      y = ds.columns[1].data;
    let m0 = 0,
      c0 = 0;
    for (let i = 0; i < ds.n; i++)
      if (y[i] === 0) {
        m0 += x[i * 5];
        c0++;
      }
    expect(m0 / c0).toBeCloseTo(t.means[0][0], 1);
    // same seed -> same data regardless of ctx rng
    const again = await loadData("gmm", { k: 2, d: 5, sep: 3, n: 4000, symmetric: true, seed: 1 }, ctx(99));
    expect(again.columns[0].data).toEqual(ds.columns[0].data);
  });
  it("gmm non-symmetric: pairwise separation >= sep", async () => {
    const ds = await loadData("gmm", { k: 6, d: 2, sep: 4, n: 100, seed: 3 }, ctx());
    const m = (ds.truth as { means: number[][] }).means;
    for (let i = 0; i < 6; i++)
      for (let j = i + 1; j < 6; j++)
        expect(Math.hypot(m[i][0] - m[j][0], m[i][1] - m[j][1])).toBeGreaterThanOrEqual(4);
    expect(ds.columns[1].classes).toBe(6);
  });
  it("ring and grid centers", async () => {
    const r = await loadData("ring", { n: 100 }, ctx());
    const c = (r.truth as { centers: number[][] }).centers;
    expect(c.length).toBe(8);
    expect(c[2][1]).toBeCloseTo(2, 10);
    const g = await loadData("grid", {}, ctx());
    const gc = (g.truth as { centers: number[][] }).centers;
    expect(gc.length).toBe(25);
    expect(gc[0]).toEqual([-4, -4]);
    expect(g.n).toBe(20000);
  });
  it("argument errors", async () => {
    await expect(loadData("ring", { modes: 2.5 }, ctx())).rejects.toThrow(/integer/);
    await expect(loadData("ring", { bogus: 1 }, ctx())).rejects.toThrow(/unknown argument "bogus"/);
    await expect(loadData("gmm", { k: 3, d: 2, sep: 1, n: 5, symmetric: true }, ctx())).rejects.toThrow(
      /two-component/,
    );
    await expect(loadData("nope", {}, ctx())).rejects.toThrow(GancRuntimeError);
  });
});

describe("csv", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ganc-csv-"));
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  it("header auto-detect, label by name, relative path", async () => {
    write("ok.csv", "a,b,cls\n1,2,0\n3,4.5,2\n\n");
    const ds = await loadData("csv", { path: "ok.csv", label: "cls" }, ctx(1, dir));
    expect(ds.n).toBe(2);
    expect(Array.from(ds.columns[0].data)).toEqual([1, 2, 3, 4.5]);
    expect(Array.from(ds.columns[1].data)).toEqual([0, 2]);
    expect(ds.columns[1].classes).toBe(3);
    const nolabel = await loadData("csv", { path: "ok.csv", label: "", header: true }, ctx(1, dir));
    expect(nolabel.columns.length).toBe(1);
    expect(nolabel.columns[0].shape).toEqual([3]);
  });
  it("errors name file:line", async () => {
    write("wide.csv", "1,2\n3,4\n5,6,7\n");
    await expect(loadData("csv", { path: "wide.csv" }, ctx(1, dir))).rejects.toThrow(
      /wide\.csv:3: expected 2 columns, found 3/,
    );
    write("nan.csv", "x,y\n1,2\n3,abc\n");
    await expect(loadData("csv", { path: "nan.csv" }, ctx(1, dir))).rejects.toThrow(
      /nan\.csv:3: column 2 \("y"\) is not a number/,
    );
    await expect(loadData("csv", { path: "missing.csv" }, ctx(1, dir))).rejects.toThrow(/not found/);
  });
});

describe("fashion_mnist", () => {
  it("missing directory names the path and the apt package", async () => {
    const p = loadData("fashion_mnist", { path: "/nonexistent/fm" }, ctx());
    await expect(p).rejects.toThrow(/\/nonexistent\/fm\/train-images-idx3-ubyte\.gz/);
    try {
      await loadData("fashion_mnist", { path: "/nonexistent/fm" }, ctx());
    } catch (e) {
      expect((e as GancRuntimeError).hint).toMatch(/apt-get install dataset-fashion-mnist/);
    }
  });
  it("bad magic is a clear error", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ganc-idx-"));
    fs.writeFileSync(path.join(dir, "train-images-idx3-ubyte.gz"), zlib.gzipSync(Buffer.from([1, 2, 3, 4, 5])));
    fs.writeFileSync(
      path.join(dir, "train-labels-idx1-ubyte.gz"),
      zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 0])),
    );
    await expect(loadData("fashion_mnist", { path: dir }, ctx())).rejects.toThrow(/bad IDX magic/);
    expect(parseIdx(Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]), "f").dims).toEqual([2]);
  });
  it.skipIf(!hasFashion)("loads t10k scaled to [-1,1]; dominant subset is imbalanced and seeded", async () => {
    const ds = await loadData("fashion_mnist", { split: "test" }, ctx());
    expect(ds.n).toBe(10000);
    expect(ds.columns[0].shape).toEqual([28, 28, 1]);
    const x = ds.columns[0].data;
    let lo = 1,
      hi = -1;
    for (let i = 0; i < 784 * 100; i++) {
      lo = Math.min(lo, x[i]);
      hi = Math.max(hi, x[i]);
    }
    expect(lo).toBe(-1);
    expect(hi).toBe(1);
    const sub = await loadData("fashion_mnist", { split: "test", dominant: 3, others: 50 }, ctx(5));
    const counts = new Array(10).fill(0);
    for (const v of sub.columns[1].data) counts[v]++;
    expect(counts[3]).toBe(1000);
    expect(counts.filter((c, i) => i !== 3).every((c) => c === 50)).toBe(true);
    // the checker's defaults: path "" = default directory, n = row limit (0 = all)
    const lim = await loadData("fashion_mnist", { split: "test", path: "", dominant: -1, others: 0, n: 7 }, ctx());
    expect(lim.n).toBe(7);
    const sub2 = await loadData("fashion_mnist", { split: "test", dominant: 3, others: 50 }, ctx(5));
    expect(sub2.columns[1].data).toEqual(sub.columns[1].data);
  });
});

describe("batcher and sampleRows", () => {
  beforeAll(() => useBackend("wasm"));
  it("covers each row once per epoch, checkpoint state resumes exactly", async () => {
    const ds = await loadData("ring", { n: 10 }, ctx());
    const b = createBatcher(ds, 3, createRng(1));
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [x, y] = b.next();
      expect(x.shape).toEqual([3, 2]);
      expect(y.dtype).toBe("int32");
      seen.push(...Array.from(await x.data()).filter((_, j) => j % 2 === 0));
    }
    expect(new Set(seen).size).toBe(9); // 3 batches of an epoch of 10: distinct rows
    const st = JSON.parse(JSON.stringify(b.getState()));
    const cont = [];
    for (let i = 0; i < 5; i++) cont.push(Array.from(await b.next()[0].data()));
    expect(b.epoch()).toBeGreaterThan(0);
    const b2 = createBatcher(ds, 3, createRng(77));
    b2.setState(st);
    for (let i = 0; i < 5; i++) expect(Array.from(await b2.next()[0].data())).toEqual(cont[i]);
    expect(() => createBatcher(ds, 11, createRng(1))).toThrow(/larger than the data set/);
  });
  it("sampleRows returns flat values of distinct rows", async () => {
    const ds = await loadData("grid", { n: 50 }, ctx());
    const v = sampleRows(ds, "x", 4, createRng(2));
    expect(v.length).toBe(8);
    expect(() => sampleRows(ds, "zz", 1, createRng(1))).toThrow(/no column/);
  });
});
