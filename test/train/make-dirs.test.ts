// makeDirs replaces mkdirSync({ recursive: true }), which never returns on Node 20 for a path like /proc/x
// (the first missing folder's parent answers ENOENT to mkdir): `ganc compile -o /proc/x` used to hang.
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirs } from "../../runtime/report/atomic.ts";

describe("makeDirs", () => {
  it("creates every missing level and accepts an existing folder", () => {
    const root = mkdtempSync(join(tmpdir(), "ganc-mk-"));
    const deep = join(root, "a", "b", "c");
    makeDirs(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeDirs(deep);
    makeDirs(root);
  });

  it("throws ENOTDIR when part of the path is a file", () => {
    const root = mkdtempSync(join(tmpdir(), "ganc-mk-"));
    writeFileSync(join(root, "f"), "x");
    expect(() => makeDirs(join(root, "f", "sub"))).toThrow(expect.objectContaining({ code: "ENOTDIR" }));
  });

  it.runIf(existsSync("/proc/self"))("returns an error for an uncreatable path under /proc instead of looping", () => {
    expect(() => makeDirs("/proc/ganc-no-such-dir/x")).toThrow(expect.objectContaining({ code: "ENOENT" }));
  });
});
