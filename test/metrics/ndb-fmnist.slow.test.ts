// Slow end-to-end NDB check on Fashion-MNIST pixels (minutes on 2 cores): only with GANC_SLOW_TESTS=1 and the
// Debian dataset installed. Run: GANC_SLOW_TESTS=1 npx vitest run test/metrics/ndb-fmnist.slow.test.ts
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FASHION_MNIST_DIR, loadFashionMnist } from "../../runtime/metrics/idx.ts";
import { ndbBins, ndbEvaluate } from "../../runtime/metrics/ndb.ts";
import { mulberry32, sampleWithoutReplacement } from "../../runtime/metrics/rng.ts";
import type { Matrix } from "../../runtime/metrics/matrix.ts";

const enabled = !!process.env.GANC_SLOW_TESTS && existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);

describe.skipIf(!enabled)("NDB on Fashion-MNIST pixels (slow)", () => {
  it("null model near alpha; dropping class 9 flags its bins", { timeout: 1_800_000 }, () => {
    const tr = loadFashionMnist("train");
    const perm = sampleWithoutReplacement(tr.n, tr.n, mulberry32(1));
    const take = (idx: number[]): Matrix => {
      const data = new Float32Array(idx.length * 784);
      idx.forEach((j, i) => data.set(tr.images.subarray(j * 784, (j + 1) * 784), i * 784));
      return { data, n: idx.length, d: 784 };
    };
    const refIdx = perm.slice(0, 20000);
    const nullIdx = perm.slice(20000, 30000);
    const no9Idx = perm.slice(30000).filter((j) => tr.labels[j] !== 9).slice(0, 10000);
    const t0 = Date.now();
    const bins = ndbBins(take(refIdx), { bins: 100, seed: 1, kmeans: { inits: 1 } });
    const t1 = Date.now();
    const nul = ndbEvaluate(bins, take(nullIdx));
    const no9 = ndbEvaluate(bins, take(no9Idx));
    const refAssign = ndbEvaluate(bins, take(refIdx)).assignment;
    const nine: number[] = [];
    for (let b = 0; b < bins.k; b++) {
      let all = 0;
      let c9 = 0;
      refIdx.forEach((j, i) => {
        if (refAssign[i] === b) {
          all++;
          if (tr.labels[j] === 9) c9++;
        }
      });
      if (all > 0 && c9 / all > 0.9) nine.push(b);
    }
    const flagged = nine.filter((b) => no9.significantBins.includes(b)).length;
    console.log(
      `Fashion-MNIST NDB (K=100, 20k reference, 10k queries, k-means ${((t1 - t0) / 1000).toFixed(0)} s): ` +
        `null NDB/K = ${nul.ndbOverK.toFixed(3)} JS = ${nul.js.toFixed(4)}; ` +
        `without class 9: NDB/K = ${no9.ndbOverK.toFixed(3)} JS = ${no9.js.toFixed(4)}, ${flagged}/${nine.length} class-9 bins flagged`,
    );
    expect(nul.ndbOverK).toBeLessThan(0.15);
    expect(nine.length).toBeGreaterThan(0);
    expect(flagged).toBe(nine.length);
    expect(no9.ndbOverK).toBeGreaterThan(nul.ndbOverK);
  });
});
