// The golden-file helper: a missing golden fails (it is never created silently), a differing one fails.
import { expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectGolden } from "./golden.ts";

it("a missing golden fails unless UPDATE_GOLDEN is set; a differing one fails", () => {
  const dir = mkdtempSync(join(tmpdir(), "ganc-golden-"));
  const saved = process.env.UPDATE_GOLDEN;
  delete process.env.UPDATE_GOLDEN;
  try {
    expect(() => expectGolden(join(dir, "none.txt"), "x", "m")).toThrow(/missing golden file/);
    writeFileSync(join(dir, "g.txt"), "old");
    expect(() => expectGolden(join(dir, "g.txt"), "new", "m")).toThrow();
    expectGolden(join(dir, "g.txt"), "old", "m");
  } finally {
    if (saved !== undefined) process.env.UPDATE_GOLDEN = saved;
  }
});
