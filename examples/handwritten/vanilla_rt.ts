// A hand-written trainer for the vanilla GAN that uses the SAME runtime primitives as the code ganc emits
// (rt.layers.dense with its wasm-friendly gradient, rt.optim.makeOptimizer adam, rt.losses.logSigmoid, rt.priors.normal,
// a ParamStore seeded like the compiled program's), but written directly the way a tfjs user would: one closure per
// network, one tf.variableGrads per update, no generic graph machinery (no Batch/Draws maps, no asScalar, no
// gradsFor, no per-update bookkeeping). bench/emit-vs-handwritten.ts compares it with the compiled trainer: the
// difference between the two is the emitter's overhead, nothing else.
import * as rt from "../../runtime/index.ts";
import type { MlpGanConfig } from "./vanilla.ts";

const tf = rt.tf;
type Tensor = rt.tf.Tensor;

export interface HandwrittenRtOpts extends MlpGanConfig {
  /** the run's rng, used like a compiled program uses its ctx.rng: rng.fork("params") seeds the weights and the
   * latents are drawn from rng itself, so with the same seed and batches both trainers compute the same numbers */
  rng: rt.Rng;
  /** next minibatch of real examples [batch, data dim] */
  nextBatch: () => Tensor;
}

export function createHandwrittenRtVanilla(o: HandwrittenRtOpts) {
  const store = rt.createParamStore(o.rng.fork("params"));
  const noise = o.rng;
  // same layer names as the compiled trainer ("G/dense_0", ...) so the store draws the same initial values in order
  const layers = (net: string, sizes: number[]) =>
    sizes.slice(1).map((n, i) => rt.layers.dense(store, `${net}/dense_${i}`, sizes[i]!, n));
  const G = layers("G", o.gSizes);
  const D = layers("D", o.dSizes);
  const gVars = G.flatMap((l) => l.vars.map((v) => store.get(v)));
  const dVars = D.flatMap((l) => l.vars.map((v) => store.get(v)));
  const act = o.act === "relu" ? (t: Tensor) => tf.relu(t) : (t: Tensor) => tf.leakyRelu(t, 0.2);
  const applyOpts = { training: true, rng: noise };
  const run = (ls: typeof G, x: Tensor, last: (t: Tensor) => Tensor) =>
    ls.reduce((h, l, i) => (i < ls.length - 1 ? act : last)(l.apply(h, applyOpts)), x);
  const gen = (z: Tensor) => run(G, z, o.outTanh ? (t) => tf.tanh(t) : (t) => t);
  const disc = (x: Tensor) => run(D, x, (t) => t); // [N, 1] logits
  const prior = rt.priors.normal(0, 1, [o.dz]);
  const adam = { kind: "adam" as const, lr: o.lr, beta1: o.beta1, beta2: 0.999, eps: 1e-8 };
  const optD = rt.optim.makeOptimizer(adam);
  const optG = rt.optim.makeOptimizer(adam);
  const ls = rt.losses.logSigmoid;

  /** one D update then one G update on one minibatch; returns the losses as declared in the spec */
  async function step(): Promise<{ d: number; g: number }> {
    const x = o.nextBatch();
    const dLoss = tf.tidy(() => {
      const z = prior.sample(o.batch, noise);
      // D maximizes E log sigmoid(D(x)) + E log sigmoid(-D(G(z))): descend its negation
      const { value, grads } = tf.variableGrads(
        () => tf.neg(tf.add(tf.mean(ls(disc(x))), tf.mean(ls(tf.neg(disc(gen(z))))))) as rt.tf.Scalar,
        dVars,
      );
      optD.apply(
        dVars,
        dVars.map((v) => grads[v.name]!),
      );
      return value;
    });
    const gLoss = tf.tidy(() => {
      const z = prior.sample(o.batch, noise);
      const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(ls(disc(gen(z))))) as rt.tf.Scalar, gVars);
      optG.apply(
        gVars,
        gVars.map((v) => grads[v.name]!),
      );
      return value;
    });
    const [d, g] = await Promise.all([dLoss.data(), gLoss.data()]);
    tf.dispose([x, dLoss, gLoss]);
    return { d: -d[0]!, g: g[0]! };
  }
  return { step, store };
}
