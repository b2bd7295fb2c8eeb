// Users' own data formats through the real loaders, on real files written into a temp folder: CSV (csv-parse),
// .npy (written with npyjs's writer), PNG image folders (pngjs) and IDX files (plain and gzipped). Each format:
// a good file, and the bad files a user meets (missing, empty, wrong width, NaN, non-numeric, binary garbage,
// wrong image size, values beyond float32), each a coded GancRuntimeError naming the file (and line or row).
import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { PNG } from "pngjs";
import { dump } from "npyjs";
import { loadData, preloadData, probeDataSource } from "../../runtime/data/index.ts";
import { createRng } from "../../runtime/rng.ts";
import { GancRuntimeError } from "../../runtime/errors.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ganc-data-"));
const ctx = { rng: createRng(1), baseDir: dir };
const write = (name: string, data: string | Uint8Array) => {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  return name;
};
const load = (source: string, args: Record<string, number | string | boolean>) => loadData(source, args, ctx);

/** the loader rejects with a GancRuntimeError of `code` whose message matches `re` */
async function rejects(p: Promise<unknown>, code: string, re: RegExp): Promise<GancRuntimeError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected a rejection matching ${re}`).toBeInstanceOf(GancRuntimeError);
  const g = err as GancRuntimeError;
  expect(g.message).toMatch(re);
  expect(g.code).toBe(code);
  return g;
}

const GARBAGE = Uint8Array.from({ length: 300 }, (_, i) => (i * 151 + 7) % 256);

describe("csv (csv-parse)", () => {
  it("header row, quoted fields, CRLF, BOM, label column", async () => {
    write("q.csv", '\ufeff"a","b, with comma","cls"\r\n1,"2.5",0\r\n"-3e2",4,2\r\n\r\n');
    const ds = await load("csv", { path: "q.csv", label: "cls" });
    expect(ds.n).toBe(2);
    expect(Array.from(ds.columns[0]!.data)).toEqual([1, 2.5, -300, 4]);
    expect(Array.from(ds.columns[1]!.data)).toEqual([0, 2]);
    expect(ds.columns[1]!.classes).toBe(3);
  });
  it("headerless numeric file keeps its first row", async () => {
    write("nh.csv", "1,2\n3,4\n");
    expect((await load("csv", { path: "nh.csv" })).n).toBe(2);
  });
  it("missing", async () => {
    const e = await rejects(load("csv", { path: "nope.csv" }), "data-missing", /csv: file not found: .*nope\.csv/);
    expect(e.hint).toMatch(/relative to/);
  });
  it("empty, and header only", async () => {
    write("empty.csv", "");
    await rejects(load("csv", { path: "empty.csv" }), "data-format", /empty\.csv: empty file/);
    write("blank.csv", "\n\n");
    await rejects(load("csv", { path: "blank.csv" }), "data-format", /blank\.csv: empty CSV/);
    write("hdr.csv", "a,b\n");
    await rejects(load("csv", { path: "hdr.csv" }), "data-format", /hdr\.csv: no data rows/);
  });
  it("wrong width names file:line", async () => {
    write("wide.csv", "a,b\n1,2\n3,4,5\n");
    await rejects(load("csv", { path: "wide.csv" }), "data-format", /wide\.csv:3: expected 2 columns, found 3/);
  });
  it("NaN, Infinity, non-numeric, empty cell, hex", async () => {
    write("nan.csv", "a,b\n1,2\n3,NaN\n");
    const e = await rejects(load("csv", { path: "nan.csv" }), "data-format", /nan\.csv:3: column 2 \("b"\) is not a number: "NaN"/);
    expect(e.hint).toMatch(/NaN and infinite/);
    write("inf.csv", "a,b\n1,-Infinity\n");
    await rejects(load("csv", { path: "inf.csv" }), "data-format", /inf\.csv:2: column 2/);
    write("word.csv", "a,b\n1,2\n3,abc\n");
    await rejects(load("csv", { path: "word.csv" }), "data-format", /word\.csv:3: column 2 \("b"\) is not a number: "abc"/);
    write("hole.csv", "a,b\n1,\n");
    await rejects(load("csv", { path: "hole.csv" }), "data-format", /hole\.csv:2: column 2 \("b"\) is not a number: ""/);
    write("hex.csv", "a,b\n1,0x10\n");
    await rejects(load("csv", { path: "hex.csv" }), "data-format", /hex\.csv:2: column 2/);
  });
  it("values beyond float32 are rejected with file:line", async () => {
    write("big.csv", "a,b\n1,2\n1e39,0\n");
    await rejects(load("csv", { path: "big.csv" }), "data-format", /big\.csv:3: column 1 \("a"\) value 1e39 is outside the float32 range/);
  });
  it("a quoted field over several lines counts its lines; a broken quote is file:line", async () => {
    write("ml.csv", 'a,"b\nsecond line"\n"1",2\n3,x\n');
    await rejects(load("csv", { path: "ml.csv" }), "data-format", /ml\.csv:4: column 2 \("b\nsecond line"\) is not a number: "x"/);
    write("quote.csv", 'a,b\n1,2\n3,"4"x\n');
    await rejects(load("csv", { path: "quote.csv" }), "data-format", /quote\.csv:3: malformed CSV/);
  });
  it("binary garbage is refused as binary", async () => {
    write("bin.csv", GARBAGE);
    await rejects(load("csv", { path: "bin.csv" }), "data-format", /bin\.csv: binary data, not CSV text/);
  });
  it("a device or FIFO (no end) is refused without reading it; the size cap is enforced", async () => {
    await rejects(load("csv", { path: "/dev/zero" }), "data-format", /\/dev\/zero is not a regular file/);
    write("cap.csv", "1,2\n3,4\n");
    process.env.GANC_MAX_DATA_BYTES = "4";
    try {
      await rejects(load("csv", { path: "cap.csv" }), "data-format", /cap\.csv: 8 bytes is larger than the data size limit/);
    } finally {
      delete process.env.GANC_MAX_DATA_BYTES;
    }
  });
});

const npyFile = (name: string, data: Float32Array | Float64Array | Int32Array | Uint8Array, shape: number[]) =>
  write(name, new Uint8Array(dump(data, shape)));

describe("npy", () => {
  it("float32 rows, float64 images, integer labels", async () => {
    npyFile("x.npy", Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
    npyFile("y.npy", Int32Array.from([0, 2, 1]), [3]);
    const ds = await load("npy", { path: "x.npy", labels: "y.npy" });
    expect(ds.n).toBe(3);
    expect(ds.columns[0]!.shape).toEqual([2]);
    expect(Array.from(ds.columns[0]!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(ds.columns[1]!.data)).toEqual([0, 2, 1]);
    expect(ds.columns[1]!.classes).toBe(3);
    npyFile("img.npy", Float64Array.from({ length: 2 * 2 * 2 }, (_, i) => i / 8), [2, 2, 2, 1]);
    const im = await load("npy", { path: "img.npy" });
    expect(im.columns[0]!.shape).toEqual([2, 2, 1]);
    expect(im.columns[0]!.data[7]).toBeCloseTo(7 / 8);
  });
  it("fortran order is read as row-major", async () => {
    // [[1,2,3],[4,5,6]] stored column-major: 1 4 2 5 3 6
    const fort = Buffer.from(dump(Float32Array.from([1, 4, 2, 5, 3, 6]), [2, 3]));
    const s = fort.toString("latin1");
    const patched = Buffer.from(s.replace("'fortran_order':False", "'fortran_order':True "), "latin1");
    expect(patched.length).toBe(fort.length);
    write("fort.npy", patched);
    expect(Array.from((await load("npy", { path: "fort.npy" })).columns[0]!.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it("missing, empty, garbage", async () => {
    await rejects(load("npy", { path: "nope.npy" }), "data-missing", /npy: file not found: .*nope\.npy/);
    write("empty.npy", "");
    await rejects(load("npy", { path: "empty.npy" }), "data-format", /empty\.npy: empty file/);
    write("garbage.npy", GARBAGE);
    await rejects(load("npy", { path: "garbage.npy" }), "data-format", /garbage\.npy: not an \.npy file/);
    write("zero.npy", new Uint8Array(dump(new Float32Array(0), [0, 2])));
    await rejects(load("npy", { path: "zero.npy" }), "data-format", /zero\.npy: no rows/);
  });
  it("truncated payload, wrong label count (width), non-integer labels", async () => {
    const full = Buffer.from(dump(Float32Array.from([1, 2, 3, 4]), [2, 2]));
    write("trunc.npy", full.subarray(0, full.length - 3));
    await rejects(load("npy", { path: "trunc.npy" }), "data-format", /trunc\.npy: the header says shape \(2, 2\) .* \(truncated\)/);
    npyFile("x2.npy", Float32Array.from([1, 2, 3, 4]), [2, 2]);
    npyFile("y3.npy", Int32Array.from([0, 1, 1]), [3]);
    await rejects(load("npy", { path: "x2.npy", labels: "y3.npy" }), "data-format", /y3\.npy: 3 labels for 2 rows/);
    npyFile("yf.npy", Float32Array.from([0, 1.5]), [2]);
    await rejects(load("npy", { path: "x2.npy", labels: "yf.npy" }), "data-format", /yf\.npy: label 1 \(0-based\) is 1\.5/);
  });
  it("NaN and values beyond float32 name the row", async () => {
    npyFile("nan.npy", Float64Array.from([1, 2, 3, NaN]), [2, 2]);
    await rejects(load("npy", { path: "nan.npy" }), "data-format", /nan\.npy: row 1 \(0-based\), value 1 of the row: NaN is NaN/);
    npyFile("big.npy", Float64Array.from([1, 1e39, 3, 4]), [2, 2]);
    await rejects(load("npy", { path: "big.npy" }), "data-format", /big\.npy: row 0 \(0-based\), value 1 of the row: 1e\+39 is outside the float32 range/);
  });
  it("unsupported dtype", async () => {
    const b = Buffer.from(dump(Float32Array.from([1, 2]), [2]));
    write("c8.npy", Buffer.from(b.toString("latin1").replace("'<f4'", "'<c8'"), "latin1"));
    await rejects(load("npy", { path: "c8.npy" }), "data-format", /unsupported \.npy dtype '<c8'/);
  });
});

function png(w: number, h: number, f: (x: number, y: number) => [number, number, number], colorType: 0 | 2 | 6 = 6): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, b] = f(x, y);
      p.data.set([r, g, b, 255], 4 * (y * w + x));
    }
  return PNG.sync.write(p, { colorType });
}

describe("images (PNG folders)", () => {
  it("one subfolder per class gives labels; gray images give 1 channel in [-1, 1]", async () => {
    write("cls/cat/a.png", png(3, 2, () => [255, 255, 255], 0));
    write("cls/cat/b.png", png(3, 2, () => [0, 0, 0], 0));
    write("cls/dog/c.png", png(3, 2, (x) => [x * 100, x * 100, x * 100], 0));
    write("cls/.DS_Store", "ignored");
    const ds = await load("images", { path: "cls" });
    expect(ds.n).toBe(3);
    expect(ds.columns[0]!.shape).toEqual([2, 3, 1]);
    expect(Array.from(ds.columns[1]!.data)).toEqual([0, 0, 1]);
    expect(ds.columns[1]!.classes).toBe(2);
    expect(ds.columns[0]!.data[0]).toBe(1);
    expect(ds.columns[0]!.data[6]).toBe(-1);
    const rgb = await load("images", { path: "cls", channels: 3 });
    expect(rgb.columns[0]!.shape).toEqual([2, 3, 3]);
  });
  it("a flat folder has no labels; colour keeps 3 channels", async () => {
    write("flat/1.png", png(2, 2, () => [255, 0, 0]));
    write("flat/2.png", png(2, 2, () => [0, 255, 0]));
    const ds = await load("images", { path: "flat" });
    expect(ds.columns.length).toBe(1);
    expect(ds.columns[0]!.shape).toEqual([2, 2, 3]);
    expect(Array.from(ds.columns[0]!.data.slice(0, 3))).toEqual([1, -1, -1]);
  });
  it("missing folder, empty folder, a file for a folder", async () => {
    await rejects(load("images", { path: "nope" }), "data-missing", /images: folder not found: .*nope/);
    fs.mkdirSync(path.join(dir, "none"), { recursive: true });
    await rejects(load("images", { path: "none" }), "data-format", /none: no PNG images/);
    await rejects(load("images", { path: "flat/1.png" }), "data-format", /1\.png is not a folder/);
  });
  it("wrong image size names the file", async () => {
    write("sz/a.png", png(4, 4, () => [1, 1, 1]));
    write("sz/b.png", png(4, 5, () => [1, 1, 1]));
    await rejects(load("images", { path: "sz" }), "data-format", /sz\/b\.png: image is 4x5, the others are 4x4/);
  });
  it("garbage with a .png name, a non-PNG file, a mixed layout", async () => {
    write("bad/a.png", png(2, 2, () => [1, 1, 1]));
    write("bad/b.png", GARBAGE);
    await rejects(load("images", { path: "bad" }), "data-format", /bad\/b\.png: not a readable PNG image/);
    write("bad0/a.png", GARBAGE);
    await rejects(load("images", { path: "bad0" }), "data-format", /bad0\/a\.png: not a PNG image \(bad signature\)/);
    write("jpg/a.jpg", "x");
    await rejects(load("images", { path: "jpg" }), "data-format", /a\.jpg: not a \.png file/);
    write("mixed/a.png", png(2, 2, () => [1, 1, 1]));
    write("mixed/k/b.png", png(2, 2, () => [1, 1, 1]));
    await rejects(load("images", { path: "mixed" }), "data-format", /holds both files/);
  });
});

/** IDX bytes: magic 0 0 type ndim, big-endian dims, payload */
function idxBytes(type: number, dims: number[], payload: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = type;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, payload]);
}

describe("idx (by path, plain or gzipped)", () => {
  it("ubyte images scaled to [-1, 1] with labels; gz", async () => {
    write("im.idx", idxBytes(8, [2, 2, 2], Uint8Array.from([0, 255, 0, 255, 255, 255, 0, 0])));
    write("lb.idx.gz", zlib.gzipSync(idxBytes(8, [2], Uint8Array.from([3, 1]))));
    const ds = await load("idx", { path: "im.idx", labels: "lb.idx.gz" });
    expect(ds.columns[0]!.shape).toEqual([2, 2, 1]);
    expect(Array.from(ds.columns[0]!.data.slice(0, 4))).toEqual([-1, 1, -1, 1]);
    expect(Array.from(ds.columns[1]!.data)).toEqual([3, 1]);
    const raw = await load("idx", { path: "im.idx", scale: false });
    expect(raw.columns[0]!.data[1]).toBe(255);
  });
  it("float64 rows", async () => {
    const b = Buffer.alloc(3 * 2 * 8);
    [1, 2, 3, 4, 5, 6].forEach((v, i) => b.writeDoubleBE(v, 8 * i));
    write("f.idx", idxBytes(0x0e, [3, 2], b));
    const ds = await load("idx", { path: "f.idx" });
    expect(ds.columns[0]!.shape).toEqual([2]);
    expect(Array.from(ds.columns[0]!.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it("missing, empty, garbage, truncated, corrupt gzip, label count, NaN / beyond float32", async () => {
    await rejects(load("idx", { path: "nope.idx" }), "data-missing", /idx: file not found/);
    write("empty.idx", "");
    await rejects(load("idx", { path: "empty.idx" }), "data-format", /empty\.idx: empty file/);
    write("garbage.idx", GARBAGE);
    await rejects(load("idx", { path: "garbage.idx" }), "data-format", /garbage\.idx: not an IDX file \(bad magic/);
    write("trunc.idx", idxBytes(8, [2, 3], Uint8Array.from([1, 2, 3])));
    await rejects(load("idx", { path: "trunc.idx" }), "data-format", /trunc\.idx: the IDX header says 2x3 ubyte = 6 bytes of data, the file has 3 \(truncated\)/);
    write("bad.gz", Buffer.concat([Buffer.from([0x1f, 0x8b]), GARBAGE]));
    await rejects(load("idx", { path: "bad.gz" }), "data-format", /bad\.gz: corrupt gzip data/);
    write("l3.idx", idxBytes(8, [3], Uint8Array.from([0, 1, 2])));
    await rejects(load("idx", { path: "im.idx", labels: "l3.idx" }), "data-format", /l3\.idx: 3 labels for 2 rows/);
    const nan = Buffer.alloc(2 * 8);
    nan.writeDoubleBE(1, 0);
    nan.writeDoubleBE(NaN, 8);
    write("nan.idx", idxBytes(0x0e, [2, 1], nan));
    await rejects(load("idx", { path: "nan.idx" }), "data-format", /nan\.idx: row 1 \(0-based\), value 0 of the row: NaN is NaN/);
    const big = Buffer.alloc(8);
    big.writeDoubleBE(1e39, 0);
    write("big.idx", idxBytes(0x0e, [1, 1], big));
    await rejects(load("idx", { path: "big.idx" }), "data-format", /big\.idx: row 0 .* outside the float32 range/);
  });
});

describe("check-time probe (what the checker reports as E0321)", () => {
  it("finds the same problems from headers only", () => {
    expect(probeDataSource("csv", { path: "nope.csv" }, dir)?.problem.message).toMatch(/file not found/);
    expect(probeDataSource("csv", { path: "bin.csv" }, dir)?.problem.message).toMatch(/binary data/);
    expect(probeDataSource("npy", { path: "x2.npy", labels: "garbage.npy" }, dir)?.arg).toBe("labels");
    expect(probeDataSource("idx", { path: "trunc.idx" }, dir)?.problem.message).toMatch(/truncated/);
    expect(probeDataSource("images", { path: "bad0" }, dir)?.problem.message).toMatch(/bad signature/);
    expect(probeDataSource("csv", { path: "q.csv" }, dir)).toBeNull();
    expect(probeDataSource("npy", { path: "x.npy", labels: "y.npy" }, dir)).toBeNull();
    expect(probeDataSource("images", { path: "cls" }, dir)).toBeNull();
    expect(probeDataSource("ring", {}, dir)).toBeNull();
  });
});

describe("check time: a file's header against the declared types (E0313)", () => {
  const specWith = async (decl: string, x = "Real[2]") => {
    const p = path.join(dir, "t.gan");
    fs.writeFileSync(
      p,
      `latent z ~ Normal(0, 1, dim=2)
${decl}
generator G(z: Real[2]) -> ${x} = z |> dense(${/\[(.*)\]/.exec(x)![1]!.split(",").reduce((a, b) => a * Number(b), 1)}) |> reshape([${/\[(.*)\]/.exec(x)![1]}])
discriminator D(x: ${x}) -> Logit = x |> flatten() |> dense(1)
loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = E[z] -log_sigmoid(D(G(z)))
update d_step: D maximizes d_loss with adam(lr=0.001)
update g_step: G minimizes g_loss with adam(lr=0.001)
`,
    );
    const { checkFileWithPlugins } = await import("../../compiler/plugins/compile.ts");
    return (await checkFileWithPlugins(p, {})).diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`);
  };
  it("width, missing labels, too few classes; a fitting declaration passes", async () => {
    expect(await specWith('data x: Real[4] = npy(path="x.npy")', "Real[4]")).toEqual([
      "E0313 column 0 of `npy` (by the file's header) has 2 values per row ([2]), but `x` is declared Real[4]",
    ]);
    expect(await specWith('data x: Real[2], y: Index[3] = npy(path="x.npy")')).toEqual([
      "E0313 `npy` (by the file's header) has 1 column (x); `y` has none",
    ]);
    expect(await specWith('data x: Real[2], y: Index[3] = npy(path="x.npy", labels="y.npy")')).toEqual([]);
    write("four/a/1.png", png(2, 2, () => [1, 1, 1], 0));
    write("four/b/1.png", png(2, 2, () => [1, 1, 1], 0));
    write("four/c/1.png", png(2, 2, () => [1, 1, 1], 0));
    expect(await specWith('data x: Image[2, 2, 1], y: Index[2] = images(path="four")', "Image[2, 2, 1]")).toEqual([
      "E0313 `images` (by the file's header) has 3 classes, but `y` is declared Index[2]",
    ]);
    expect(await specWith('data x: Image[2, 2, 1], y: Index[3] = images(path="four")', "Image[2, 2, 1]")).toEqual([]);
    expect(await specWith('data x: Image[2, 2, 1] = idx(path="im.idx")', "Image[2, 2, 1]")).toEqual([]);
  });
});

it("preloadData reads a file source once: the trainer's loadData with the same arguments gets that copy", async () => {
  write("once.csv", "a,b\n1,2\n3,4\n");
  const pre = await preloadData("csv", { path: "once.csv", label: "" }, ctx);
  fs.rmSync(path.join(dir, "once.csv"));
  expect(await load("csv", { path: "once.csv", label: "" })).toBe(pre);
  // consumed: a second load reads the (now missing) file again
  await rejects(load("csv", { path: "once.csv", label: "" }), "data-missing", /file not found/);
  // fashion_mnist: its files are checked, not read twice
  await rejects(preloadData("fashion_mnist", { path: path.join(dir, "nowhere") }, ctx), "data-missing", /Fashion-MNIST file not found/);
});
