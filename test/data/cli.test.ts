// `ganc train` with users' own data and the run-directory rules, through the real CLI (node --import tsx
// compiler/cli/main.ts) and, for the format matrix, the same command in process (runTrain): each format trains;
// a bad file fails with a clear error and leaves NOTHING on disk; --out on a foreign folder is refused; a second
// process on a training run fails naming the holder's pid; a stale lock is taken over; --resume keeps the original
// target; resuming a completed run does nothing and says so.
import { describe, expect, it } from "vitest";
import { ownDataSpecText } from "./own-spec.ts";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { dump } from "npyjs";
import { runTrain, type TrainCliOptions } from "../../compiler/cli/commands/train.ts";

const REPO = join(import.meta.dirname, "../..");

function ganc(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(REPO, "compiler/cli/main.ts"), ...args], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function io() {
  const o = { out: "", err: "" };
  return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
}
const opts = (o: Partial<TrainCliOptions>): TrainCliOptions => ({ set: {}, plugin: [], backend: "wasm", eval: false, quiet: true, ...o });

/** A tiny GAN on `data` (x: Real[d]) in a fresh folder with `files`; returns the spec path. */
function spec(data: string, d: number, files: Record<string, Uint8Array | string> = {}, train = "batch 8; steps 4; seed 0; log_every 2; checkpoint_every 2", extra = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "ganc-own-"));
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  const p = join(dir, "own.gan");
  writeFileSync(
    p,
    ownDataSpecText(data, d, train, extra),
  );
  return p;
}
const csvRows = (n: number, w: number) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: w }, (_, j) => ((i * 7 + j * 3) % 11) / 10).join(",")).join("\n") + "\n";
const npy = (vals: number[], shape: number[]) => new Uint8Array(dump(Float64Array.from(vals), shape));
function png(w: number, h: number, v: number): Buffer {
  const p = new PNG({ width: w, height: h });
  p.data.fill(v);
  for (let i = 3; i < p.data.length; i += 4) p.data[i] = 255;
  return PNG.sync.write(p, { colorType: 0 });
}
function idx(dims: number[], payload: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 8;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, payload]);
}
const imgs = (n: number, w: number, h: number, odd?: [number, number]) =>
  Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`img/${i % 2 ? "b" : "a"}/${i}.png`, odd && i === n - 1 ? png(...odd, i * 20) : png(w, h, i * 20)]),
  );

describe("each own-data format trains (ganc train in process)", () => {
  const cases: [string, string, number, Record<string, Uint8Array | string>][] = [
    ["csv", 'csv(path="d.csv")', 2, { "d.csv": '"a","b"\n' + csvRows(16, 2) }],
    ["npy", 'npy(path="x.npy")', 3, { "x.npy": npy(Array.from({ length: 48 }, (_, i) => Math.sin(i)), [16, 3]) }],
    ["idx", 'idx(path="x.idx")', 4, { "x.idx": idx([16, 2, 2], Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256)) }],
    ["images", 'images(path="img")', 4, imgs(16, 2, 2)],
  ];
  for (const [name, data, d, files] of cases)
    it(name, async () => {
      const s = spec(data, d, files);
      const { o, io: i } = io();
      expect(await runTrain(s, opts({ out: join(s, "../run") }), i), o.err).toBe(0);
      expect(o.out).toMatch(/completed 4\/4 steps/);
    });
});

describe("a bad data file: a clear error and nothing on disk", () => {
  // [name, data, width, files, message]: header-level problems are check-time E0321, the values load-time
  const cases: [string, string, number, Record<string, Uint8Array | string>, RegExp][] = [
    ["csv missing", 'csv(path="none.csv")', 2, {}, /error\[E0321\]: csv: file not found: .*none\.csv/],
    ["csv empty", 'csv(path="d.csv")', 2, { "d.csv": "" }, /error\[E0321\]: .*d\.csv: empty file/],
    ["csv wrong width", 'csv(path="d.csv")', 2, { "d.csv": csvRows(10, 2) + "1,2,3\n" }, /d\.csv:11: expected 2 columns, found 3/],
    ["csv NaN", 'csv(path="d.csv")', 2, { "d.csv": "a,b\n" + csvRows(10, 2) + "nan,1\n" }, /d\.csv:12: column 1 \("a"\) is not a number: "nan"/],
    ["csv non-numeric", 'csv(path="d.csv")', 2, { "d.csv": "a,b\n" + csvRows(10, 2) + "1,two\n" }, /d\.csv:12: column 2 \("b"\) is not a number: "two"/],
    ["csv beyond float32", 'csv(path="d.csv")', 2, { "d.csv": "a,b\n" + csvRows(10, 2) + "1e39,1\n" }, /d\.csv:12: column 1 \("a"\) value 1e39 is outside the float32 range/],
    ["csv binary garbage", 'csv(path="d.csv")', 2, { "d.csv": Uint8Array.from({ length: 200 }, (_, i) => (i * 151) % 256) }, /error\[E0321\]: .*d\.csv: binary data, not CSV text/],
    ["csv a device", 'csv(path="/dev/zero")', 2, {}, /error\[E0321\]: csv: \/dev\/zero is not a regular file/],
    ["npy garbage", 'npy(path="x.npy")', 2, { "x.npy": "garbage, not numpy" }, /error\[E0321\]: .*x\.npy: not an \.npy file/],
    ["npy NaN", 'npy(path="x.npy")', 2, { "x.npy": npy([...Array(30).fill(0.5), NaN, 1], [16, 2]) }, /x\.npy: row 15 \(0-based\), value 0 of the row: NaN is NaN/],
    ["npy beyond float32", 'npy(path="x.npy")', 2, { "x.npy": npy([1e39, ...Array(31).fill(0.5)], [16, 2]) }, /x\.npy: row 0 .* outside the float32 range/],
    ["idx truncated", 'idx(path="x.idx")', 4, { "x.idx": idx([16, 2, 2], new Uint8Array(10)) }, /error\[E0321\]: .*x\.idx: the IDX header says 16x2x2 ubyte = 64 bytes of data, the file has 10 \(truncated\)/],
    ["images wrong size", 'images(path="img")', 4, imgs(16, 2, 2, [3, 2]), /img\/b\/15\.png: image is 3x2, the others are 2x2/],
    ["images missing", 'images(path="img")', 4, {}, /error\[E0321\]: images: folder not found: .*img/],
  ];
  for (const [name, data, d, files, re] of cases)
    it(name, async () => {
      const s = spec(data, d, files);
      const run = join(s, "../run");
      const { o, io: i } = io();
      expect(await runTrain(s, opts({ out: run }), i)).toBe(1);
      expect(o.err).toMatch(re);
      expect(o.err).not.toMatch(/internal error/);
      expect(existsSync(run), "no run directory is created for bad data").toBe(false);
    });

  it("also into an existing empty --out folder, which stays empty (real CLI)", () => {
    const s = spec('csv(path="d.csv")', 2, { "d.csv": "a,b\n" + csvRows(10, 2) + "1,NaN\n" });
    const run = join(s, "../run");
    mkdirSync(run);
    const r = ganc("train", s, "--backend", "wasm", "-q", "--out", run);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/d\.csv:12: column 2 \("b"\) is not a number: "NaN"/);
    expect(readdirSync(run)).toEqual([]);
  });
});

describe("run directories", () => {
  it("--out on a folder of other files (or a file) is refused, untouched", async () => {
    const s = spec('csv(path="d.csv")', 2, { "d.csv": csvRows(16, 2) });
    const foreign = join(s, "../mine");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "notes.txt"), "mine");
    const { o, io: i } = io();
    expect(await runTrain(s, opts({ out: foreign }), i)).toBe(2);
    expect(o.err).toMatch(/--out .*mine is a folder with other files in it \(notes\.txt\), not a ganc run directory/);
    expect(readdirSync(foreign)).toEqual(["notes.txt"]);
    const f = io();
    expect(await runTrain(s, opts({ out: join(foreign, "notes.txt") }), f.io)).toBe(2);
    expect(f.o.err).toMatch(/notes\.txt is a file, not a folder/);
  });

  it("a second process on a training run fails naming the holder's pid; a stale lock is taken over; the target is kept", async () => {
    const s = spec("ring(modes=4, n=256)", 2, {}, "batch 8; steps 4; seed 0; log_every 50; checkpoint_every 50");
    const run = join(s, "../run");
    // a long run in a real process
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO, "compiler/cli/main.ts"), "train", s, "--backend", "wasm", "-q", "--no-eval", "--steps", "200000", "--out", run], {
      cwd: REPO,
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    try {
      const t0 = Date.now();
      while (!existsSync(join(run, "checkpoints", "latest")) && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(join(run, "lock"))).toBe(true);
      expect(JSON.parse(readFileSync(join(run, "lock"), "utf8")).pid).toBe(child.pid);
      const second = ganc("train", "--resume", run, "--backend", "wasm", "-q");
      expect(second.code).toBe(1);
      expect(second.err).toMatch(new RegExp(`is in use by another ganc process \\(pid ${child.pid}, since `));
      expect(second.err).toMatch(/hint: wait for it to finish, or stop it/);
      // a new run into the same folder is refused too (it already holds a run)
      expect(ganc("train", s, "--backend", "wasm", "-q", "--out", run).code).toBe(2);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(130);
    expect(existsSync(join(run, "lock")), "a clean stop releases the lock").toBe(false);
    expect(JSON.parse(readFileSync(join(run, "overrides.json"), "utf8")).steps).toBe(200000);

    // a stale lock: its process is gone (SIGKILL leaves one)
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(join(run, "lock"), JSON.stringify({ pid: dead, host: (await import("node:os")).hostname(), started: "earlier" }));
    const at = JSON.parse(readFileSync(join(run, "summary.json"), "utf8")).steps as number;
    const r = ganc("train", "--resume", run, "--backend", "wasm", "-q", "--no-eval", "--steps", String(at + 20));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`completed ${at + 20}/${at + 20} steps`);
    expect(existsSync(join(run, "lock"))).toBe(false);
  }, 120000);

  it("--resume keeps the original --steps; resuming a completed run does nothing and says so", async () => {
    const s = spec("ring(modes=4, n=256)", 2, {}, "batch 8; steps 4; seed 0; log_every 2; checkpoint_every 2", "evaluate { modes() }");
    const run = join(s, "../run");
    const a = io();
    expect(await runTrain(s, opts({ out: run, steps: 6, eval: true }), a.io), a.o.err).toBe(0);
    expect(a.o.out).toMatch(/completed 6\/6 steps/);
    // a run killed before it wrote a checkpoint or summary: the target comes from overrides.json
    rmSync(join(run, "checkpoints"), { recursive: true });
    rmSync(join(run, "summary.json"));
    const b = ganc("train", "--resume", run, "--backend", "wasm", "-q");
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/completed 6\/6 steps/);
    // completed: nothing is trained or written
    const files = ["metrics.jsonl", "evals.jsonl", "summary.json"].map((f) => [f, readFileSync(join(run, f), "utf8"), statSync(join(run, f)).mtimeMs]);
    expect(readFileSync(join(run, "evals.jsonl"), "utf8").trim().split("\n").length).toBe(1);
    const cks = readdirSync(join(run, "checkpoints")).sort();
    const c = ganc("train", "--resume", run, "--backend", "wasm", "-q");
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/already completed its target \(6\/6 steps\); nothing to do/);
    for (const [f, text, mtime] of files) {
      expect(readFileSync(join(run, f as string), "utf8")).toBe(text);
      expect(statSync(join(run, f as string)).mtimeMs).toBe(mtime);
    }
    expect(readdirSync(join(run, "checkpoints")).sort()).toEqual(cks);
    // a raised target trains on
    const d = ganc("train", "--resume", run, "--backend", "wasm", "-q", "--steps", "8");
    expect(d.code, d.err).toBe(0);
    expect(d.out).toMatch(/completed 8\/8 steps/);
  }, 120000);
});
