// A hand-written tfjs trainer for the vanilla GAN (the same model as specs/vanilla_gan.gan with dataset=fashion):
// G dz-256-512-1024-784 (LeakyReLU 0.2, tanh), D 784-1024-512-256-1 (LeakyReLU 0.2), non-saturating G loss,
// Adam(lr, beta1) for both, one minibatch per step shared by the D and the G update. Written the way a tfjs user
// would: plain tf.matMul dense layers and tf.train.adam with optimizer.minimize. Used by
// bench/emit-vs-handwritten.ts as the baseline for the compiled trainer.
import * as tf from "@tensorflow/tfjs";

export interface HandwrittenOpts {
  dz: number;
  batch: number;
  lr: number;
  beta1: number;
  seed: number;
  /** next minibatch of real images [batch, 784] in [-1, 1] */
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

function mlp(layers: Dense[], x: tf.Tensor, last: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  let h = x;
  layers.forEach((l, i) => {
    h = tf.add(tf.matMul(h as tf.Tensor2D, l.W as tf.Tensor2D), l.b);
    h = i < layers.length - 1 ? tf.leakyRelu(h, 0.2) : last(h);
  });
  return h;
}

export function createHandwrittenVanilla(o: HandwrittenOpts) {
  const gSizes = [o.dz, 256, 512, 1024, 784];
  const dSizes = [784, 1024, 512, 256, 1];
  const G = gSizes.slice(1).map((n, i) => dense(gSizes[i]!, n, o.seed + i));
  const D = dSizes.slice(1).map((n, i) => dense(dSizes[i]!, n, o.seed + 10 + i));
  const gVars = G.flatMap((l) => [l.W, l.b]);
  const dVars = D.flatMap((l) => [l.W, l.b]);
  const optD = tf.train.adam(o.lr, o.beta1);
  const optG = tf.train.adam(o.lr, o.beta1);
  const gen = (z: tf.Tensor) => mlp(G, z, tf.tanh);
  const disc = (x: tf.Tensor) => tf.reshape(mlp(D, x, (t) => t), [-1]);
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
