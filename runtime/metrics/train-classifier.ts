// Trains the small Fashion-MNIST MLP whose 64-d penultimate layer defines the classifier-feature distance (CFD)
// and writes its weights to runtime/metrics/assets/fmnist-mlp.json.
// Run: npx tsx runtime/metrics/train-classifier.ts [--epochs 8] [--data /usr/share/datasets/fashion-mnist] [--out PATH]

import { writeFileSync, renameSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { DEFAULT_CLASSIFIER_PATH, classifierPredict, encodeFloats, type ClassifierWeights } from "./classifier.ts";
import { FASHION_MNIST_DIR, loadFashionMnist } from "./idx.ts";

const arg = (f: string): string | undefined => (process.argv.includes(f) ? process.argv[process.argv.indexOf(f) + 1] : undefined);
const epochs = Number(arg("--epochs") ?? 8);
const dir = arg("--data") ?? FASHION_MNIST_DIR;
const out = arg("--out") ?? DEFAULT_CLASSIFIER_PATH;
const seed = 7;

async function main(): Promise<void> {
  await tf.setBackend("wasm");
  await tf.ready();
  const train = loadFashionMnist("train", dir);
  const test = loadFashionMnist("test", dir);
  const arch = [784, 256, 64, 10];
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [784], units: 256, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  model.add(tf.layers.dense({ units: 64, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  model.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.losses.softmaxCrossEntropy, metrics: ["accuracy"] });
  const xs = tf.tensor2d(train.images, [train.n, 784]);
  const ys = tf.oneHot(tf.tensor1d(Array.from(train.labels), "int32"), 10).toFloat();
  const t0 = Date.now();
  await model.fit(xs, ys, {
    epochs,
    batchSize: 128,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: (e, logs) =>
        console.log(`epoch ${e + 1}/${epochs} loss ${logs?.loss?.toFixed(4)} acc ${logs?.acc?.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
    },
  });
  const layers: ClassifierWeights["layers"] = [];
  for (const l of model.layers) {
    const [k, b] = l.getWeights();
    layers.push({ kernel: encodeFloats((await k!.data()) as Float32Array), bias: encodeFloats((await b!.data()) as Float32Array) });
  }
  const meta = { data: "Fashion-MNIST train (60k), pixels / 255", epochs, batchSize: 128, optimizer: "adam 1e-3", seed, trainedWith: `tfjs ${tf.version.tfjs} ${tf.getBackend()}` };
  const w: ClassifierWeights = { arch, layers, meta };
  const tmp = `${out}.tmp`;
  writeFileSync(tmp, JSON.stringify(w));
  renameSync(tmp, out);
  // check the shipped weights with the plain-TS inference that classifierDistance uses
  const pred = classifierPredict({ data: test.images, n: test.n, d: 784 }, { weightsPath: out });
  let ok = 0;
  for (let i = 0; i < test.n; i++) if (pred[i] === test.labels[i]) ok++;
  const acc = ok / test.n;
  writeFileSync(tmp, JSON.stringify({ ...w, meta: { ...meta, testAccuracy: acc } }));
  renameSync(tmp, out);
  console.log(`test accuracy (TS inference) ${(acc * 100).toFixed(2)}%; wrote ${out}`);
}

main().catch((e: unknown) => {
  console.error(`train-classifier: ${(e as Error).message}`);
  process.exit(1);
});
