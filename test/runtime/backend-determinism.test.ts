import { describe, expect, it } from "vitest";
import * as rt from "../../runtime/index.ts";
import { tf } from "../../runtime/index.ts";

describe("backend", () => {
  it("tensorflow without tfjs-node is an error naming the alternative (no silent fallback); unknown name is a typed error", async () => {
    const err = await rt.initBackend("tensorflow").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(rt.GancRuntimeError);
    expect((err as rt.GancRuntimeError).message).toMatch(/backend tensorflow is not available: @tensorflow\/tfjs-node is not installed/);
    expect((err as rt.GancRuntimeError).hint).toMatch(/--backend wasm/);
    await rt.initBackend("wasm");
    await expect(rt.initBackend("bogus" as never)).rejects.toThrow(rt.GancRuntimeError);
    expect(await rt.readScalar(tf.scalar(2.5))).toBe(2.5);
    await expect(rt.readScalar(tf.ones([2]))).rejects.toThrow(/scalar/);
    expect(await rt.readArray(tf.tensor([1, 2]))).toEqual([1, 2]);
  });
});

/** A few steps of a small dense GAN on ring data (non-saturating loss, Adam), returning all losses. */
async function ganLosses(seed: number, steps: number): Promise<number[]> {
  const rng = rt.createRng(seed);
  const store = rt.createParamStore(rng.fork("init"));
  const ds = await rt.loadData("ring", { n: 512 }, { rng, baseDir: "." });
  const batcher = rt.createBatcher(ds, 32, rng.fork("data"));
  const g1 = rt.layers.dense(store, "G/dense_0", 4, 32),
    g2 = rt.layers.dense(store, "G/dense_1", 32, 2);
  const d1 = rt.layers.dense(store, "D/dense_0", 2, 32),
    d2 = rt.layers.dense(store, "D/dense_1", 32, 1);
  const o = { training: true, rng };
  const G = (z: rt.Tensor) => g2.apply(rt.layers.relu(g1.apply(z, o)), o);
  const D = (x: rt.Tensor) => d2.apply(rt.layers.leakyRelu(d1.apply(x, o), 0.2), o);
  const prior = rt.priors.normal(0, 1, [4]);
  const spec = { kind: "adam", lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 } as const;
  const optD = rt.makeOptimizer(spec),
    optG = rt.makeOptimizer(spec);
  const dVars = [...d1.vars, ...d2.vars].map((n) => store.get(n));
  const gVars = [...g1.vars, ...g2.vars].map((n) => store.get(n));
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const [x] = batcher.next();
    const z1 = prior.sample(32, rng),
      z2 = prior.sample(32, rng);
    const dl = tf.variableGrads(
      () =>
        tf.neg(
          tf.add(tf.mean(rt.losses.logSigmoid(D(x))), tf.mean(rt.losses.logSigmoid(tf.neg(D(G(z1)))))),
        ) as tf.Scalar,
      dVars,
    );
    optD.apply(
      dVars,
      dVars.map((v) => dl.grads[v.name]),
    );
    const gl = tf.variableGrads(() => tf.neg(tf.mean(rt.losses.logSigmoid(D(G(z2))))) as tf.Scalar, gVars);
    optG.apply(
      gVars,
      gVars.map((v) => gl.grads[v.name]),
    );
    out.push(await rt.readScalar(dl.value), await rt.readScalar(gl.value));
    tf.dispose([x, z1, z2, dl.value, gl.value, ...Object.values(dl.grads), ...Object.values(gl.grads)]);
  }
  return out;
}

describe("determinism", () => {
  it("same seed -> identical losses for a few dense GAN steps on wasm; another seed differs", async () => {
    await rt.initBackend("wasm");
    const a = await ganLosses(11, 5);
    const b = await ganLosses(11, 5);
    const c = await ganLosses(12, 5);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});
