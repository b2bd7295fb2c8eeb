import { existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_CLASSIFIER_PATH,
  classifierDistance,
  classifierPredict,
  decodeMlp,
  encodeFloats,
  mlpForward,
} from "../../runtime/metrics/classifier.ts";
import { FASHION_MNIST_DIR, loadFashionMnist, parseIdx, readIdx } from "../../runtime/metrics/idx.ts";
import type { Matrix } from "../../runtime/metrics/matrix.ts";

function idxBytes(dims: number[], payload: number[]): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x0800 | dims.length, 0);
  dims.forEach((v, i) => head.writeUInt32BE(v, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([head, Buffer.from(payload)]));
}

describe("IDX reader", () => {
  it("parses a hand-made 2x2x3 file, gzipped or not", () => {
    const bytes = idxBytes([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const a = parseIdx(bytes);
    expect(a.dims).toEqual([2, 2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const dir = mkdtempSync(join(tmpdir(), "idx-"));
    writeFileSync(join(dir, "a.gz"), gzipSync(bytes));
    expect(readIdx(join(dir, "a.gz")).dims).toEqual([2, 2, 3]);
  });
  it("clear errors for bad files", () => {
    expect(() => parseIdx(idxBytes([2, 2], [1, 2, 3]), "x.idx")).toThrow(/x.idx: IDX header says 2x2 = 4 bytes, file has 3/);
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4, 5]), "y")).toThrow(/not an IDX file/);
    expect(() => readIdx("/nonexistent/file.gz")).toThrow(/cannot read/);
  });
});

describe("MLP inference", () => {
  it("hand-computed 2-2-1 network", () => {
    // h = relu([x1 - x2, x1 + x2] + [0, -1]); out = 2 h1 - h2 + 0.5
    const mlp = decodeMlp({
      arch: [2, 2, 1],
      layers: [
        { kernel: encodeFloats(Float32Array.from([1, 1, -1, 1])), bias: encodeFloats(Float32Array.from([0, -1])) },
        { kernel: encodeFloats(Float32Array.from([2, -1])), bias: encodeFloats(Float32Array.from([0.5])) },
      ],
      meta: {},
    });
    const x = Float64Array.from([3, 1, 0, 2]);
    expect(Array.from(mlpForward(mlp, x, 2, 1))).toEqual([2, 3, 0, 1]);
    expect(Array.from(mlpForward(mlp, x, 2))).toEqual([2 * 2 - 3 + 0.5, 0 - 1 + 0.5]);
  });
  it("rejects malformed weights", () => {
    expect(() => decodeMlp({ arch: [2, 1], layers: [{ kernel: encodeFloats(new Float32Array(3)), bias: "" }], meta: {} })).toThrow(
      /layer 0 kernel has 3 values, expected 2/,
    );
  });
});

const haveData = existsSync(`${FASHION_MNIST_DIR}/t10k-images-idx3-ubyte.gz`) && existsSync(DEFAULT_CLASSIFIER_PATH);

describe.skipIf(!haveData)("classifier-feature distance on Fashion-MNIST (needs the dataset)", () => {
  const test = haveData ? loadFashionMnist("test") : { images: new Float32Array(0), labels: new Uint8Array(0), n: 0 };
  const pick = (idx: number[]): Matrix => {
    const data = new Float32Array(idx.length * 784);
    idx.forEach((j, i) => data.set(test.images.subarray(j * 784, (j + 1) * 784), i * 784));
    return { data, n: idx.length, d: 784 };
  };
  it("shipped weights classify the test set well", () => {
    const idx = Array.from({ length: 1000 }, (_, i) => i);
    const pred = classifierPredict(pick(idx));
    const acc = idx.filter((j, i) => pred[i] === test.labels[j]).length / idx.length;
    expect(acc).toBeGreaterThan(0.85);
  });
  it("same distribution is close; a missing class and noise are far", () => {
    const a = pick(Array.from({ length: 1000 }, (_, i) => i));
    const b = pick(Array.from({ length: 1000 }, (_, i) => 1000 + i));
    const noClass0: number[] = [];
    for (let j = 3000; j < test.n && noClass0.length < 1000; j++) if (test.labels[j] !== 0) noClass0.push(j);
    const c = pick(noClass0);
    const same = classifierDistance(a, b);
    const dropped = classifierDistance(a, c);
    const noise = classifierDistance(a, { data: Float32Array.from({ length: 1000 * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000), n: 1000, d: 784 });
    expect(same).toBeGreaterThanOrEqual(0);
    expect(dropped).toBeGreaterThan(2 * same);
    expect(noise).toBeGreaterThan(10 * dropped);
    // [-1, 1] inputs mapped back give the same value
    const a2 = { ...a, data: a.data.map((v) => 2 * v - 1) };
    const b2 = { ...b, data: b.data.map((v) => 2 * v - 1) };
    expect(classifierDistance(a2, b2, { range: [-1, 1] }) - same).toBeCloseTo(0, 4);
    console.log(`CFD same-distribution ${same.toFixed(3)}, class 0 dropped ${dropped.toFixed(3)}, noise ${noise.toFixed(1)}`);
  });
  it("wrong image size is a clear error", () => {
    expect(() => classifierDistance({ data: new Float32Array(10), n: 1, d: 10 }, { data: new Float32Array(10), n: 1, d: 10 })).toThrow(
      /classifier takes 784/,
    );
  });
});
