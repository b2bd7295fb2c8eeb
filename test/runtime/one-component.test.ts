// K = 1 (a one-component mixture) and d = 1 are legal param values: the one-hot paths must not call tf.oneHot with
// depth 1, which tfjs rejects.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import * as ops from "../../runtime/ops.ts";
import { gaussianMixture } from "../../runtime/priors/gmm.ts";
import { createParamStore } from "../../runtime/params.ts";
import { createRng } from "../../runtime/rng.ts";
import { useBackend } from "./helpers.ts";

describe("one-component mixtures", () => {
  beforeAll(async () => {
    await useBackend("wasm");
  });

  it("gather / batchGather with K = 1 select the only row", async () => {
    const idx = tf.tensor1d([0, 0, 0], "int32");
    const g = ops.gather(tf.tensor2d([[2, 3]]), idx);
    expect(g.shape).toEqual([3, 2]);
    expect(Array.from(await g.data())).toEqual([2, 3, 2, 3, 2, 3]);
    const b = ops.batchGather(tf.tensor2d([[1], [4], [5]]), idx);
    expect(Array.from(await b.data())).toEqual([1, 4, 5]);
  });

  it("a K = 1 GaussianMixture samples from its one component", async () => {
    const rng = createRng(3);
    const store = createParamStore(rng);
    const gm = gaussianMixture(store, "z", {
      K: 1,
      dim: 2,
      means: { learn: true, init: { kind: "const", value: 5 } },
      scale: { learn: false, init: 0.01 },
      cov: "iso",
    });
    const { value, component } = gm.sample(64, rng);
    expect(value.shape).toEqual([64, 2]);
    expect(Array.from(await component.data()).every((k) => k === 0)).toBe(true);
    const mean = (await tf.mean(value).data())[0]!;
    expect(Math.abs(mean - 5)).toBeLessThan(0.05);
  });
});
