import { describe, expect, it, beforeEach } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listCheckpoints, loadLatestCheckpoint, saveCheckpoint } from "../../runtime/train/checkpoint.ts";
import { tempPathFor, writeAndSync, writeFileAtomic } from "../../runtime/report/atomic.ts";
import { appendJsonl, readJsonl, truncateJsonl } from "../../runtime/train/metrics-log.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ganc-ck-"));
});

const ck = (step: number) => ({
  step,
  arrays: {
    "param/G/w": { shape: [2, 3], dtype: "float32" as const, data: [1, 2, 3, 4, 5, step] },
    "opt/g/t": { shape: [], dtype: "int32" as const, data: [step] },
  },
  state: { rng: { s: [1, 2, 3] }, note: `at ${step}` },
});

describe("checkpoints", () => {
  it("round-trips arrays (float32 and int32) and JSON state", () => {
    saveCheckpoint(dir, ck(10));
    const got = loadLatestCheckpoint(dir)!;
    expect(got.step).toBe(10);
    expect(got.arrays["param/G/w"]).toEqual({ shape: [2, 3], dtype: "float32", data: [1, 2, 3, 4, 5, 10] });
    expect(got.arrays["opt/g/t"]).toEqual({ shape: [], dtype: "int32", data: [10] });
    expect(got.state).toEqual({ rng: { s: [1, 2, 3] }, note: "at 10" });
    expect(readFileSync(join(dir, "latest"), "utf8").trim()).toBe("step-10");
  });

  it("keeps only the last two", () => {
    for (const s of [10, 20, 30, 40]) saveCheckpoint(dir, ck(s));
    expect(listCheckpoints(dir)).toEqual([40, 30]);
    expect(readdirSync(dir).sort()).toEqual(["latest", "step-30.bin", "step-30.json", "step-40.bin", "step-40.json"]);
  });

  it("a crash between write and rename leaves no partial file under a final name", () => {
    saveCheckpoint(dir, ck(10));
    // simulate the next checkpoint's process dying after writing its temp files, before any rename
    writeAndSync(tempPathFor(join(dir, "step-20.bin")), Buffer.alloc(24, 7));
    writeAndSync(tempPathFor(join(dir, "step-20.json")), '{"format":"ganc-checkp'); // torn
    expect(existsSync(join(dir, "step-20.json"))).toBe(false);
    expect(existsSync(join(dir, "step-20.bin"))).toBe(false);
    const got = loadLatestCheckpoint(dir)!;
    expect(got.step).toBe(10);
    expect(got.arrays["param/G/w"]!.data[5]).toBe(10);
    // the next successful save cleans the leftovers
    saveCheckpoint(dir, ck(20));
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("falls back to an older complete checkpoint when the newest one is damaged", () => {
    saveCheckpoint(dir, ck(10));
    saveCheckpoint(dir, ck(20));
    truncateSync(join(dir, "step-20.bin"), 5);
    expect(loadLatestCheckpoint(dir)!.step).toBe(10);
    writeFileSync(join(dir, "latest"), "garbage");
    expect(loadLatestCheckpoint(dir)!.step).toBe(10);
  });

  it("returns null when there is none", () => {
    expect(loadLatestCheckpoint(join(dir, "nope"))).toBeNull();
  });

  it("writeFileAtomic replaces content and leaves no temp files", () => {
    const p = join(dir, "sub", "f.txt");
    writeFileAtomic(p, "one");
    writeFileAtomic(p, "two");
    expect(readFileSync(p, "utf8")).toBe("two");
    expect(readdirSync(join(dir, "sub"))).toEqual(["f.txt"]);
  });
});

describe("metrics.jsonl", () => {
  it("truncates past a step and ignores a torn last line", () => {
    const p = join(dir, "m.jsonl");
    for (const s of [5, 10, 15, 20]) appendJsonl(p, { step: s, losses: { a: s } });
    writeFileSync(p, readFileSync(p, "utf8") + '{"step":25,"los');
    expect(readJsonl(p).map((l) => l.step)).toEqual([5, 10, 15, 20]);
    truncateJsonl(p, 10);
    expect(readFileSync(p, "utf8")).toBe('{"step":5,"losses":{"a":5}}\n{"step":10,"losses":{"a":10}}\n');
  });

  it("writes non-finite numbers as strings", () => {
    const p = join(dir, "n.jsonl");
    appendJsonl(p, { step: 1, losses: { a: NaN, b: Infinity } });
    expect(readJsonl(p)[0]).toEqual({ step: 1, losses: { a: "NaN", b: "Infinity" } });
  });
});
