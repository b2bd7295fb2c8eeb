import { describe, expect, it } from "vitest";
import { formatError, metricsTable } from "../../runtime/train/format.ts";
import { GancRuntimeError } from "../../runtime/errors.ts";

describe("format", () => {
  it("formats runtime errors with spec line and hint, and missing kernels with a backend hint", () => {
    expect(formatError(new GancRuntimeError("loss g is NaN", { specLine: "a.gan:3", hint: "lower lr" }))).toBe(
      "error: loss g is NaN\n  --> a.gan:3\n  = hint: lower lr\n",
    );
    expect(formatError(new Error("Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'"))).toMatch(
      /wasm backend has no UnsortedSegmentSum kernel.*\n.*--backend cpu/,
    );
  });
  it("prints metrics as a table, errors last", () => {
    const t = metricsTable({ modes_error: "no truth", ndb: 3, js: 0.12345 }, "m");
    expect(t.split("\n")).toEqual(["m", "  metric       value", "  -----------  -----", "  ndb          3", "  js           0.1235", "  modes_error  no truth", ""]);
  });
});
