// The example plugins' losses against naive reference formulas, and a short training run through the plugin API
// alone (a generator minimizing the MMD to a 2-D ring): its loss must go down.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../runtime/backend.ts";
import { callPluginLoss, collectLosses, defineLoss, isPluginLoss } from "../../runtime/plugin.ts";
import * as mmdModule from "../../examples/plugins/mmd.ts";
import * as raganModule from "../../examples/plugins/ragan.ts";
import { GancRuntimeError } from "../../runtime/errors.ts";

beforeAll(async () => {
  await initBackend("wasm");
});

function rows(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

function naiveMmd(x: number[][], y: number[][], bws: number[]): number {
  const k = (a: number[], b: number[]) => {
    const d2 = a.reduce((s, ai, i) => s + (ai - b[i]) ** 2, 0);
    return bws.reduce((s, bw) => s + Math.exp(-d2 / (2 * bw * bw)), 0);
  };
  let xx = 0, yy = 0, xy = 0;
  for (let i = 0; i < x.length; i++) for (let j = 0; j < x.length; j++) if (i !== j) xx += k(x[i], x[j]);
  for (let i = 0; i < y.length; i++) for (let j = 0; j < y.length; j++) if (i !== j) yy += k(y[i], y[j]);
  for (const a of x) for (const b of y) xy += k(a, b);
  const m = x.length, n = y.length;
  return xx / (m * (m - 1)) + yy / (n * (n - 1)) - (2 * xy) / (m * n);
}

const logSig = (u: number) => -Math.log1p(Math.exp(-u));
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

describe("example plugin losses", () => {
  it("mmd2_rbf matches the naive unbiased estimator (vectors and images)", () => {
    const x = tf.randomNormal([7, 3], 0, 1, "float32", 1);
    const y = tf.randomNormal([9, 3], 0.5, 1, "float32", 2);
    const bws = [0.5, 1, 2];
    const got = callPluginLoss(mmdModule, "mmd2_rbf", [x, y], { bandwidths: bws }, tf, 0).arraySync() as number;
    expect(got).toBeCloseTo(naiveMmd(rows(x), rows(y), bws), 4);
    // images are flattened per example
    const xi = tf.reshape(x, [7, 1, 3, 1]);
    const yi = tf.reshape(y, [9, 1, 3, 1]);
    const gotImg = callPluginLoss(mmdModule, "mmd2_rbf", [xi, yi], { bandwidths: bws }, tf, 0).arraySync() as number;
    expect(gotImg).toBeCloseTo(got, 5);
  });

  it("mmd2_rbf is about zero for two batches of the same distribution and positive otherwise", () => {
    const a = tf.randomNormal([200, 2], 0, 1, "float32", 3);
    const b = tf.randomNormal([200, 2], 0, 1, "float32", 4);
    const c = tf.randomNormal([200, 2], 2, 1, "float32", 5);
    const same = callPluginLoss(mmdModule, "mmd2_rbf", [a, b], { bandwidths: [1] }, tf).arraySync() as number;
    const diff = callPluginLoss(mmdModule, "mmd2_rbf", [a, c], { bandwidths: [1] }, tf).arraySync() as number;
    expect(Math.abs(same)).toBeLessThan(0.02);
    expect(diff).toBeGreaterThan(0.3);
  });

  it("ragan_d / ragan_g match the relativistic average formulas (bce and hinge)", () => {
    const r = [1.5, -0.2, 0.7];
    const f = [-1.0, 0.3, -0.4, 0.1];
    const R = tf.tensor1d(r);
    const F = tf.tensor1d(f);
    const mr = mean(r), mf = mean(f);
    const dRef = -mean(r.map((v) => logSig(v - mf))) - mean(f.map((v) => logSig(-(v - mr))));
    const gRef = -mean(f.map((v) => logSig(v - mr))) - mean(r.map((v) => logSig(-(v - mf))));
    const d = callPluginLoss(raganModule, "ragan_d", [R, F], { kind: "bce" }, tf, 0).arraySync() as number;
    const g = callPluginLoss(raganModule, "ragan_g", [R, F], { kind: "bce" }, tf, 0).arraySync() as number;
    expect(d).toBeCloseTo(dRef, 5);
    expect(g).toBeCloseTo(gRef, 5);
    const relu = (u: number) => Math.max(0, u);
    const dHinge = mean(r.map((v) => relu(1 - (v - mf)))) + mean(f.map((v) => relu(1 + (v - mr))));
    const dh = callPluginLoss(raganModule, "ragan_d", [R, F], { kind: "hinge" }, tf).arraySync() as number;
    expect(dh).toBeCloseTo(dHinge, 5);
  });

  it("runtime errors name the plugin loss instead of failing inside tfjs", () => {
    const R = tf.tensor1d([1, 2]);
    expect(() => callPluginLoss(raganModule, "ragan_d", [R, R], { kind: "wgan" }, tf)).toThrow(
      /plugin loss "ragan_d" failed: kind must be "bce" or "hinge"/,
    );
    expect(() => callPluginLoss(raganModule, "nope", [R], {}, tf)).toThrow(GancRuntimeError);
    const perExample = { default: [defineLoss({ name: "pe", signatures: ["(x: Real) -> Real"], doc: "d", implementation: ([x]) => x })] };
    expect(() => callPluginLoss(perExample, "pe", [R], {}, tf, 0)).toThrow(/shape \[2\], but its signature promises rank 0/);
    const notTensor = { l: defineLoss({ name: "nt", signatures: ["(x: Real) -> Real"], doc: "d", implementation: () => 3 as unknown as tf.Tensor }) };
    expect(() => callPluginLoss(notTensor, "nt", [R], {}, tf)).toThrow(/returned a number instead of a tensor/);
  });

  it("collects losses from default arrays, single defaults and named exports without duplicates", () => {
    expect(collectLosses(mmdModule).map((l) => l.name)).toEqual(["mmd2_rbf"]);
    expect(collectLosses(raganModule).map((l) => l.name)).toEqual(["ragan_d", "ragan_g"]);
    const a = defineLoss({ name: "a", signatures: "(x: Real) -> Real", doc: "d", implementation: ([x]) => x });
    expect(collectLosses({ default: a, other: 3, list: [a] })).toEqual([a]);
    expect(Object.isFrozen(a) && isPluginLoss(a) && !isPluginLoss({ name: "a" })).toBe(true);
    expect(a.signatures).toEqual(["(x: Real) -> Real"]);
  });
});

describe("training through the plugin API alone", () => {
  it("a small generator minimizing mmd2_rbf to a 2-D ring: the loss goes down", async () => {
    // ring data: 8 modes of radius 2
    const ring = (n: number, seed: number) => {
      const k = tf.floor(tf.mul(tf.randomUniform([n], 0, 1, "float32", seed), 8));
      const ang = tf.mul(k, (2 * Math.PI) / 8);
      const pts = tf.stack([tf.mul(tf.cos(ang), 2), tf.mul(tf.sin(ang), 2)], 1);
      return tf.add(pts, tf.randomNormal([n, 2], 0, 0.02, "float32", seed + 1));
    };
    const w1 = tf.variable(tf.randomNormal([4, 64], 0, 0.5, "float32", 7));
    const b1 = tf.variable(tf.zeros([64]));
    const w2 = tf.variable(tf.randomNormal([64, 2], 0, 0.1, "float32", 8));
    const b2 = tf.variable(tf.zeros([2]));
    const G = (z: tf.Tensor) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(z, w1), b1)), w2), b2);
    const opt = tf.train.adam(1e-2);
    const named = { bandwidths: [0.1, 0.3, 1, 3] };
    const losses: number[] = [];
    for (let step = 0; step < 80; step++) {
      const x = ring(128, 100 + 2 * step);
      const z = tf.randomNormal([128, 4], 0, 1, "float32", 5000 + step);
      const cost = opt.minimize(() => callPluginLoss(mmdModule, "mmd2_rbf", [x, G(z)], named, tf, 0) as tf.Scalar, true);
      losses.push((await cost!.data())[0]);
      tf.dispose([x, z, cost!]);
    }
    const first = mean(losses.slice(0, 10));
    const last = mean(losses.slice(-10));
    if (process.env.GANC_VERBOSE) console.log(`mmd2 first10=${first.toFixed(4)} last10=${last.toFixed(4)}`);
    expect(last).toBeLessThan(first * 0.7);
  });
});
