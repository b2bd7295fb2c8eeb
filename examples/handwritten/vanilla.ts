// A hand-written tfjs trainer for the vanilla GAN of specs/vanilla_gan.gan with MLP networks of any sizes
// (fashion: G dz-256-512-1024-784 LeakyReLU 0.2 + tanh, D 784-1024-512-256-1; 2-D: 3 x 128 ReLU MLPs),
// non-saturating G loss, Adam(lr, beta1) for both, one minibatch per step shared by the D and the G update. Written
// the way a tfjs user would with tfjs alone: plain tf.matMul dense layers (tfjs's default matMul gradient) and
// tf.train.adam with optimizer.minimize. Used by bench/emit-vs-handwritten.ts as the "plain tfjs" baseline.
import * as tf from "@tensorflow/tfjs";

/** The model both hand-written trainers build: layer widths include the input and output widths. */
export interface MlpGanConfig {
  dz: number;
  batch: number;
  lr: number;
  beta1: number;
  /** [dz, hidden..., data dim] */
  gSizes: number[];
  /** [data dim, hidden..., 1] */
  dSizes: number[];
  /** hidden activation: LeakyReLU(0.2) or ReLU */
  act: "leaky_relu" | "relu";
  /** tanh on the generator output */
  outTanh: boolean;
}

/** The fashion-size MLPs of specs/vanilla_gan.gan (dataset=fashion) and bench/vanilla_784.gan. */
export const FASHION_MLP = (dz: number): Omit<MlpGanConfig, "batch" | "lr" | "beta1"> => ({
  dz,
  gSizes: [dz, 256, 512, 1024, 784],
  dSizes: [784, 1024, 512, 256, 1],
  act: "leaky_relu",
  outTanh: true,
});
/** The 2-D MLPs of specs/vanilla_gan.gan (dataset=ring|grid): mlp([128,128,128], act=relu()) |> dense(...). */
export const RING_MLP = (dz: number): Omit<MlpGanConfig, "batch" | "lr" | "beta1"> => ({
  dz,
  gSizes: [dz, 128, 128, 128, 2],
  dSizes: [2, 128, 128, 128, 1],
  act: "relu",
  outTanh: false,
});

export interface HandwrittenOpts extends MlpGanConfig {
  seed: number;
  /** next minibatch of real examples [batch, data dim] */
  nextBatch: () => tf.Tensor2D;
}

interface Dense {
  W: tf.Variable;
  b: tf.Variable;
}

function dense(i: number, o: number, seed: number): Dense {
  const lim = Math.sqrt(6 / (i + o)); // glorot uniform, like the runtime's default
  return { W: tf.variable(tf.randomUniform([i, o], -lim, lim, "float32", seed)), b: tf.variable(tf.zeros([o])) };
}

function mlp(layers: Dense[], x: tf.Tensor, act: (t: tf.Tensor) => tf.Tensor, last: (t: tf.Tensor) => tf.Tensor) {
  let h = x;
  layers.forEach((l, i) => {
    h = tf.add(tf.matMul(h as tf.Tensor2D, l.W as tf.Tensor2D), l.b);
    h = i < layers.length - 1 ? act(h) : last(h);
  });
  return h;
}

export function createHandwrittenVanilla(o: HandwrittenOpts) {
  const { gSizes, dSizes } = o;
  const G = gSizes.slice(1).map((n, i) => dense(gSizes[i]!, n, o.seed + i));
  const D = dSizes.slice(1).map((n, i) => dense(dSizes[i]!, n, o.seed + 10 + i));
  const gVars = G.flatMap((l) => [l.W, l.b]);
  const dVars = D.flatMap((l) => [l.W, l.b]);
  const optD = tf.train.adam(o.lr, o.beta1);
  const optG = tf.train.adam(o.lr, o.beta1);
  const act = o.act === "relu" ? (t: tf.Tensor) => tf.relu(t) : (t: tf.Tensor) => tf.leakyRelu(t, 0.2);
  const gen = (z: tf.Tensor) => mlp(G, z, act, o.outTanh ? (t) => tf.tanh(t) : (t) => t);
  const disc = (x: tf.Tensor) => tf.reshape(mlp(D, x, act, (t) => t), [-1]);
  // log sigmoid(x) = -softplus(-x), from plain ops
  const logSig = (x: tf.Tensor) => tf.neg(tf.softplus(tf.neg(x)));
  let seed = o.seed * 1000;

  /** one D update then one G update on one minibatch; returns the losses as declared in the spec */
  async function step(): Promise<{ d: number; g: number }> {
    const x = o.nextBatch();
    const zD = tf.randomNormal([o.batch, o.dz], 0, 1, "float32", seed++);
    const dLoss = optD.minimize(
      () => tf.neg(tf.add(tf.mean(logSig(disc(x))), tf.mean(logSig(tf.neg(disc(gen(zD))))))) as tf.Scalar,
      true,
      dVars,
    )!;
    const zG = tf.randomNormal([o.batch, o.dz], 0, 1, "float32", seed++);
    const gLoss = optG.minimize(() => tf.neg(tf.mean(logSig(disc(gen(zG))))) as tf.Scalar, true, gVars)!;
    const [d, g] = await Promise.all([dLoss.data(), gLoss.data()]);
    tf.dispose([x, zD, zG, dLoss, gLoss]);
    return { d: -d[0]!, g: g[0]! };
  }
  return { step };
}
