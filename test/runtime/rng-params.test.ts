import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { createRng } from "../../runtime/rng.ts";
import { createParamStore } from "../../runtime/params.ts";
import { GancRuntimeError } from "../../runtime/errors.ts";
import { useBackend } from "./helpers.ts";

describe("rng", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = createRng(42),
      b = createRng(42),
      c = createRng(43);
    const xa = Array.from(a.uniforms(5)),
      xb = Array.from(b.uniforms(5)),
      xc = Array.from(c.uniforms(5));
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });
  it("getState/setState round-trips exactly, including the cached normal", () => {
    const r = createRng(7);
    r.normal(); // leaves a spare Box-Muller value cached
    const st = JSON.parse(JSON.stringify(r.getState()));
    const cont = [r.normal(), r.normal(), r.uniform(), r.int(10)];
    const r2 = createRng(1);
    r2.setState(st);
    expect([r2.normal(), r2.normal(), r2.uniform(), r2.int(10)]).toEqual(cont);
  });
  it("normals have mean ~0 and variance ~1; uniforms in [0,1)", () => {
    const r = createRng(3);
    const x = r.normals(20000);
    const m = x.reduce((s, v) => s + v, 0) / x.length;
    const v = x.reduce((s, t) => s + (t - m) ** 2, 0) / x.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.04);
    const u = r.uniforms(1000);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
  });
  it("fork depends on seed and label, not on position in the stream", () => {
    const r = createRng(5);
    const f1 = r.fork("data").uniform();
    r.uniforms(10);
    expect(r.fork("data").uniform()).toBe(f1);
    expect(r.fork("other").uniform()).not.toBe(f1);
    expect(createRng(6).fork("data").uniform()).not.toBe(f1);
  });
  it("rejects bad state and bad arguments with typed errors", () => {
    expect(() => createRng(1).setState({ s: [1, 2] })).toThrow(GancRuntimeError);
    expect(() => createRng(1).int(0)).toThrow(GancRuntimeError);
    expect(() => createRng(NaN)).toThrow(GancRuntimeError);
  });
});

describe("param store", () => {
  beforeAll(() => useBackend("wasm"));
  it("inits: eye broadcasts, glorot bound, values, const", async () => {
    const s = createParamStore(createRng(1));
    const e = (await s.create("A", [2, 3, 3], { kind: "eye" }).array()) as number[][][];
    expect(e[1]).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const g = await s.create("W", [100, 50], { kind: "glorot_uniform", fanIn: 100, fanOut: 50 }).data();
    const lim = Math.sqrt(6 / 150);
    expect(Math.max(...Array.from(g).map(Math.abs))).toBeLessThanOrEqual(lim);
    expect(Math.max(...Array.from(g).map(Math.abs))).toBeGreaterThan(0.9 * lim);
    expect(Array.from(await s.create("v", [3], { kind: "values", values: [1, 2, 3] }).data())).toEqual([1, 2, 3]);
    expect(Array.from(await s.create("c", [2], { kind: "const", value: 0.5 }).data())).toEqual([0.5, 0.5]);
    expect(s.names()).toEqual(["A", "W", "v", "c"]);
  });
  it("same seed gives same weights; create is idempotent; errors are typed", async () => {
    const a = createParamStore(createRng(9)),
      b = createParamStore(createRng(9));
    const init = { kind: "normal", std: 1 } as const;
    expect(await a.create("x", [4], init).data()).toEqual(await b.create("x", [4], init).data());
    expect(a.create("x", [4], init)).toBe(a.get("x"));
    expect(() => a.create("x", [5], init)).toThrow(/already exists/);
    expect(() => a.get("nope")).toThrow(GancRuntimeError);
    expect(() => a.create("y", [3], { kind: "values", values: [1] })).toThrow(/needs 3/);
    const st = a.createState("bn/moving_mean", [2], 0);
    expect(st.trainable).toBe(false);
    expect(a.stateNames()).toEqual(["bn/moving_mean"]);
    expect(tf.memory().numTensors).toBeGreaterThan(0);
  });
});
