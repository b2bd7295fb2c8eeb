// Tensor type patterns of the signature table (also what plugins declare).
import { describe, expect, it } from "vitest";
import { instantiate, newBindings, parsePattern, unify, type TypePattern } from "../../compiler/check/patterns.ts";
import type { TensorType } from "../../compiler/ir/ir.ts";

const P = (s: string) => parsePattern(s) as TypePattern;
const real = (shape: number[], batched = true): TensorType => ({ elem: "real", shape, batched });
const simplex = (shape: number[]): TensorType => ({ elem: "real", shape, batched: true, tag: "simplex", classes: shape[shape.length - 1] });

describe("type patterns", () => {
  it("parses and rejects malformed patterns", () => {
    expect(P("Simplex[...s, K]").dims).toEqual([{ kind: "rest", name: "s" }, { kind: "sym", name: "K" }]);
    expect(parsePattern("Reel[3]")).toMatch(/unknown type "Reel"/);
    expect(parsePattern("Real[...a, ...b]")).toMatch(/at most one/);
    expect(parsePattern("Real[3-1]")).toMatch(/malformed dim/);
  });

  it("binds dims consistently across arguments", () => {
    const b = newBindings();
    expect(unify(P("Simplex[...s, K]"), simplex([4, 3]), b)).toBeNull();
    expect(unify(P("Simplex[...s, K]"), simplex([4, 3]), b)).toBeNull();
    expect(unify(P("Simplex[...s, K]"), simplex([5, 3]), b)).toMatch(/\.\.\.s = \[4\]/);
    expect(unify(P("Simplex[...t, K]"), simplex([2]), newBindings())).toBeNull();
    expect(unify(P("Simplex[K]"), real([3]), newBindings())).toMatch(/probability vector/);
    expect(unify(P("Real[n, n]"), real([2, 3]), newBindings())).toMatch(/expected Real\[n, n\]/);
    expect(unify(P("Real"), real([]), newBindings())).toBeNull();
    expect(unify(P("Real"), real([2]), newBindings())).not.toBeNull();
  });

  it("instantiates return patterns from the bindings", () => {
    const b = newBindings();
    unify(P("Real[...s, d, d]"), real([5, 2, 2]), b);
    expect(instantiate(P("Real[...s]"), b, true)).toEqual(real([5]));
    expect(instantiate(P("Simplex[...s, d]"), b, false)).toEqual({ elem: "real", shape: [5, 2], batched: false, tag: "simplex", classes: 2 });
    expect(instantiate(P("Real[q]"), b, true)).toMatch(/unbound dim q/);
  });
});
