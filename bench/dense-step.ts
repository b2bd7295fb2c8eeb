// Steps/s of one GAN step (D update + G update, batch 64) of a 784-512-256-1 D / 64-256-512-784 G MLP:
//   1. wasm + rt.layers.dense (custom gradient with explicit transposes)
//   2. wasm + plain dense (tf.matMul, tfjs's default gradient = transposed matMuls)
//   3. PyTorch CPU, torch.set_num_threads(2) and (1) (bench/dense-step.py, run with /usr/bin/python3)
// plus a DCGAN-ish conv step (rt.layers.conv2d / conv2dTranspose) on wasm.
// Run: npx tsx bench/dense-step.ts [--seconds 5]
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as rt from "../runtime/index.ts";
import { tf } from "../runtime/index.ts";

const SECONDS = Number(process.argv[process.argv.indexOf("--seconds") + 1]) || 5;
const B = 64;

type Net = { f: (x: rt.Tensor) => rt.Tensor; vars: tf.Variable[] };

/** plain dense: y = x @ W + b with tfjs's default matMul gradient */
function plainDense(store: rt.ParamStore, name: string, i: number, o: number) {
  const W = store.create(`${name}/kernel`, [i, o], { kind: "glorot_uniform", fanIn: i, fanOut: o });
  const b = store.create(`${name}/bias`, [o], { kind: "zeros" });
  return { vars: [`${name}/kernel`, `${name}/bias`], apply: (x: rt.Tensor) => tf.add(tf.matMul(x, W), b) };
}

function mlp(
  store: rt.ParamStore,
  name: string,
  sizes: number[],
  custom: boolean,
  act: (x: rt.Tensor) => rt.Tensor,
  out: (x: rt.Tensor) => rt.Tensor,
): Net {
  const o = { training: true, rng: rt.createRng(0) };
  const layers = sizes
    .slice(1)
    .map((n, i) =>
      custom
        ? rt.layers.dense(store, `${name}/dense_${i}`, sizes[i], n)
        : { ...plainDense(store, `${name}/dense_${i}`, sizes[i], n) },
    );
  return {
    vars: layers.flatMap((l) => l.vars).map((v) => store.get(v)),
    f: (x) => layers.reduce((h, l, i) => (i === layers.length - 1 ? out : act)(l.apply(h, o)), x),
  };
}

/** time GAN steps for SECONDS after 3 warm-up steps; returns steps/s */
async function timeGan(D: Net, G: Net, zDim: number, xShape: number[]): Promise<number> {
  const rng = rt.createRng(1);
  const spec = { kind: "adam", lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 } as const;
  const optD = rt.makeOptimizer(spec),
    optG = rt.makeOptimizer(spec);
  const x = tf.randomUniform([B, ...xShape], -1, 1);
  const step = async () => {
    const z1 = tf.tensor(rng.normals(B * zDim), [B, zDim]);
    const z2 = tf.tensor(rng.normals(B * zDim), [B, zDim]);
    const dl = tf.variableGrads(
      () =>
        tf.neg(
          tf.add(tf.mean(rt.losses.logSigmoid(D.f(x))), tf.mean(rt.losses.logSigmoid(tf.neg(D.f(G.f(z1)))))),
        ) as tf.Scalar,
      D.vars,
    );
    optD.apply(
      D.vars,
      D.vars.map((v) => dl.grads[v.name]),
    );
    const gl = tf.variableGrads(() => tf.neg(tf.mean(rt.losses.logSigmoid(D.f(G.f(z2))))) as tf.Scalar, G.vars);
    optG.apply(
      G.vars,
      G.vars.map((v) => gl.grads[v.name]),
    );
    await rt.readScalar(gl.value); // synchronise
    tf.dispose([z1, z2, dl.value, gl.value, ...Object.values(dl.grads), ...Object.values(gl.grads)]);
  };
  for (let i = 0; i < 3; i++) await step();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    await step();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

function denseNets(custom: boolean) {
  const store = rt.createParamStore(rt.createRng(0));
  const D = mlp(
    store,
    "D",
    [784, 512, 256, 1],
    custom,
    (x) => rt.layers.leakyRelu(x, 0.2),
    (x) => x,
  );
  const G = mlp(store, "G", [64, 256, 512, 784], custom, rt.layers.relu, rt.layers.tanh);
  return { D, G };
}

function convNets() {
  const store = rt.createParamStore(rt.createRng(0));
  const o = { training: true, rng: rt.createRng(0) };
  const gd = rt.layers.dense(store, "G/dense_0", 64, 7 * 7 * 64);
  const gt1 = rt.layers.conv2dTranspose(store, "G/convt_0", {
    inChannels: 64,
    filters: 32,
    kernel: 4,
    stride: 2,
    padding: "same",
    inH: 7,
    inW: 7,
  });
  const gt2 = rt.layers.conv2dTranspose(store, "G/convt_1", {
    inChannels: 32,
    filters: 1,
    kernel: 4,
    stride: 2,
    padding: "same",
    inH: 14,
    inW: 14,
  });
  const dc1 = rt.layers.conv2d(store, "D/conv_0", {
    inChannels: 1,
    filters: 32,
    kernel: 4,
    stride: 2,
    padding: "same",
  });
  const dc2 = rt.layers.conv2d(store, "D/conv_1", {
    inChannels: 32,
    filters: 64,
    kernel: 4,
    stride: 2,
    padding: "same",
  });
  const dd = rt.layers.dense(store, "D/dense_0", 7 * 7 * 64, 1);
  const lr = (x: rt.Tensor) => rt.layers.leakyRelu(x, 0.2);
  const G: Net = {
    vars: [...gd.vars, ...gt1.vars, ...gt2.vars].map((v) => store.get(v)),
    f: (z) =>
      rt.layers.tanh(
        gt2.apply(rt.layers.relu(gt1.apply(tf.reshape(rt.layers.relu(gd.apply(z, o)), [-1, 7, 7, 64]), o)), o),
      ),
  };
  const D: Net = {
    vars: [...dc1.vars, ...dc2.vars, ...dd.vars].map((v) => store.get(v)),
    f: (x) => dd.apply(tf.reshape(lr(dc2.apply(lr(dc1.apply(x, o)), o)), [-1, 7 * 7 * 64]), o),
  };
  return { D, G };
}

function torchBench(threads: number): { stepsPerSec: number } | { error: string } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const r = spawnSync("/usr/bin/python3", [path.join(here, "dense-step.py"), String(SECONDS), String(threads)], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || "python failed").trim().split("\n").pop()! };
  const m = /steps_per_sec=([\d.]+)/.exec(r.stdout);
  return m ? { stepsPerSec: Number(m[1]) } : { error: `unexpected output: ${r.stdout}` };
}

const be = await rt.initBackend("wasm");
console.log(`backend: ${be.name}; batch ${B}; ${SECONDS} s per measurement`);
const { D: Dc, G: Gc } = denseNets(true);
const custom = await timeGan(Dc, Gc, 64, [784]);
console.log(`dense GAN step, wasm, rt.layers.dense (explicit transposes): ${custom.toFixed(2)} steps/s`);
const { D: Dp, G: Gp } = denseNets(false);
const plain = await timeGan(Dp, Gp, 64, [784]);
console.log(`dense GAN step, wasm, plain tf.matMul default gradient:     ${plain.toFixed(2)} steps/s`);
// 2 threads is the comparison asked for; 1 thread matches wasm, which runs single-threaded under Node
for (const threads of [2, 1]) {
  const torch = torchBench(threads);
  if ("error" in torch) console.log(`PyTorch CPU (${threads} threads): not run (${torch.error})`);
  else
    console.log(
      `dense GAN step, PyTorch CPU (${threads} thread${threads > 1 ? "s" : ""}):                    ${torch.stepsPerSec.toFixed(2)} steps/s; custom/torch ${(custom / torch.stepsPerSec).toFixed(2)}x`,
    );
}
console.log(`ratio custom/plain: ${(custom / plain).toFixed(2)}x`);
const { D: Dk, G: Gk } = convNets();
const conv = await timeGan(Dk, Gk, 64, [28, 28, 1]);
console.log(`DCGAN-ish conv GAN step (28x28, 2 conv + 2 convT), wasm: ${conv.toFixed(2)} steps/s`);
