// Golden files for every phase's tests: compared exactly; written only on request (UPDATE_GOLDEN=1), so a missing
// golden fails instead of being created silently from whatever the code prints today.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";

export function expectGolden(path: string, actual: string, message: string): void {
  if (process.env.UPDATE_GOLDEN) {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`missing golden file ${path}: review the output, then create it with UPDATE_GOLDEN=1`);
  expect(actual, message).toBe(readFileSync(path, "utf8"));
}
