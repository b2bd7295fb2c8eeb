import { describe, expect, it } from "vitest";
import { isSignatureError, parseSignature } from "../../compiler/plugins/signature.ts";
import { validateEntry } from "../../compiler/check/signatures.ts";

function ok(s: string) {
  const r = parseSignature(s);
  if (isSignatureError(r)) throw new Error(`unexpected error: ${r.message} at ${r.column}`);
  return r;
}
function bad(s: unknown) {
  const r = parseSignature(s);
  if (!isSignatureError(r)) throw new Error("expected an error");
  return r;
}

describe("plugin signature strings", () => {
  it("parse into the checker's table format", () => {
    const r = ok('(real: Real[d], fake: Real[d], bandwidths: real[] = [0.5, 1, 2], kind: string = "bce") -> Real');
    expect(r.params).toEqual([
      { name: "real", kind: "tensor", type: "Real[d]" },
      { name: "fake", kind: "tensor", type: "Real[d]" },
      { name: "bandwidths", kind: "reals", default: [0.5, 1, 2] },
      { name: "kind", kind: "string", default: "bce" },
    ]);
    expect(r.returns).toBe("Real");
    expect(r.batch).toBe("reduce");
    // the table's own validator accepts what we produce
    expect(validateEntry({ name: "m", category: "loss", doc: "d", signatures: [r] })).toEqual([]);
  });

  it("maps `batch` results to per-example (keep) and supports rest dims and all option kinds", () => {
    const r = ok("(p: Simplex[...s, K], q: Simplex[...s, K], n: int = 3, on: bool = false, w: int[] = [1, 2]) -> batch Real[...s]");
    expect(r.batch).toBe("keep");
    expect(r.returns).toBe("Real[...s]");
    expect(r.params.map((p) => [p.kind, p.default])).toEqual([
      ["tensor", undefined],
      ["tensor", undefined],
      ["int", 3],
      ["bool", false],
      ["ints", [1, 2]],
    ]);
    expect(ok("(x: Image[h, w, c]) -> Real").params[0].type).toBe("Image[h, w, c]");
    expect(ok("(y: Index[K], p: Simplex[K]) -> Real").params[0].type).toBe("Index[K]");
  });

  it("reports the column of each mistake", () => {
    expect(bad("(x: Real[d] -> Real")).toEqual({ message: "expected ',' or ')', found '->'", column: 12 });
    expect(bad("(x: Tensor) -> Real").column).toBe(4);
    expect(bad("(x: Real) => Real")).toEqual({ message: "unexpected character '>'", column: 11 });
    expect(bad("(x: Real, x: Real) -> Real").message).toMatch(/duplicate parameter 'x'/);
    expect(bad("(w: real = 1, x: Real) -> Real").message).toMatch(/must come before the option/);
    expect(bad("(x: Real = 1) -> Real").message).toMatch(/cannot have a default/);
    expect(bad("(x: Real, n: int = 1.5) -> Real").message).toMatch(/not a int/);
    expect(bad('(x: Real, s: string = 3) -> Real').message).toMatch(/not a string/);
    expect(bad("(n: int) -> Real").message).toMatch(/at least one tensor/);
    expect(bad("(x: Real) -> real").message).toMatch(/must be a tensor type/);
    expect(bad("(x: Real[d]) -> Real[k]").message).toMatch(/'k' does not appear/);
    expect(bad("(x: Real) -> Real extra").message).toMatch(/after the result type/);
    expect(bad("(x: batch Real) -> Real").message).toMatch(/only qualifies the result/);
    expect(bad("(x: Real[...a, ...b]) -> Real").message).toMatch(/at most one/);
    expect(bad("(x: Real) -> Real $").message).toMatch(/unexpected character/);
    expect(bad(42).message).toMatch(/must be a string/);
    expect(bad("").message).toMatch(/expected '\('/);
  });
});

describe("network params in signature strings", () => {
  it("`network` is a named, required param; `network(x)` applies it to tensor param x", () => {
    const r = ok("(real: Real[...s], critic: network(real), gamma: real = 10) -> Real");
    expect(r.params).toEqual([
      { name: "real", kind: "tensor", type: "Real[...s]" },
      { name: "critic", kind: "network", appliedTo: "real" },
      { name: "gamma", kind: "real", default: 10 },
    ]);
    expect(validateEntry({ name: "r1", category: "loss", doc: "d", signatures: [r] })).toEqual([]);
    expect(ok("(x: Real[d], net: network) -> Real").params[1]).toEqual({ name: "net", kind: "network" });
    // a param may be called `network` (names and types are separate)
    expect(ok("(network: Real[d]) -> Real").params[0]).toEqual({ name: "network", kind: "tensor", type: "Real[d]" });
    expect(ok("(a: Real, b: Real, f: network(b), g: network(a)) -> Real").params.map((p) => p.appliedTo)).toEqual([
      undefined,
      undefined,
      "b",
      "a",
    ]);
  });

  it("reports misplaced, defaulted and dangling network params with their column", () => {
    expect(bad("(x: Real, c: network(y)) -> Real")).toEqual({
      message: "network(y): 'y' is not a tensor parameter before 'c'",
      column: 21,
    });
    expect(bad("(x: Real, n: int = 1, c: network(x)) -> Real").message).toMatch(/follows an option with a default/);
    expect(bad("(x: Real, n: int, c: network(n)) -> Real").message).toBe("network(n): 'n' is not a tensor parameter before 'c'");
    expect(bad('(x: Real, c: network = "D") -> Real').message).toBe("network parameter 'c' cannot have a default");
    expect(bad("(x: Real, c: network(3)) -> Real")).toEqual({
      message: "expected the name of a tensor parameter in network(...), found '3'",
      column: 21,
    });
    expect(bad("(x: Real, c: network(x -> Real").message).toBe("expected ')', found '->'");
    expect(bad("(c: network, x: Real) -> Real").message).toMatch(/tensor parameter 'x' must come before/);
    expect(bad("(c: network) -> Real").message).toMatch(/at least one tensor/);
    expect(bad("(x: Real) -> network").message).toMatch(/not a network/);
  });
});
