import { buildProgram, headScores, samplesOf } from "./run.ts";
import { clusterAccuracy } from "../../runtime/metrics/clustering.ts";
import * as tf from "@tensorflow/tfjs";
const set: Record<string,string> = Object.fromEntries(process.argv.slice(3).map((a) => a.split("=") as [string,string]));
const steps = Number(process.argv[2]);
const p = await buildProgram(process.env.SPEC ?? new URL("../../specs/pcm_gan.gan", import.meta.url).pathname, { set, dir: "/tmp/h9probe" + Math.random() });
const K = p.meta.components!;
const truth = (p.data as any).truth.means;
console.log("true means", JSON.stringify(truth));
async function fakes() {
  const pred: number[] = [], lab: number[] = [];
  const cent: string[] = [];
  for (let k = 0; k < K; k++) {
    const s = await samplesOf(p, 500, k);
    let mx = 0, my = 0;
    for (let i = 0; i < 500; i++) { mx += s[2*i]!/500; my += s[2*i+1]!/500; }
    cent.push(`(${mx.toFixed(1)},${my.toFixed(1)})`);
    const r = p.assign!(tf.tensor(s, [500, 2]));
    const a = await r.argMax(1).data(); r.dispose();
    for (let i = 0; i < 500; i++) { pred.push(a[i]!); lab.push(k); }
  }
  return { fakeAcc: clusterAccuracy(pred, lab).accuracy.toFixed(3), cent: cent.join(" ") };
}
const t0 = Date.now();
const every = Number(process.env.EVERY ?? 50);
console.log(0, JSON.stringify(await headScores(p, 4000)), JSON.stringify(await fakes()));
for (let s = 0; s < steps; s++) {
  const l = await p.trainStep(s);
  if ((s + 1) % every === 0) console.log(s + 1, ((Date.now() - t0) / 1000).toFixed(0) + "s", Object.values(l).map((v) => v.toFixed(3)).join(" "), JSON.stringify(await headScores(p, 4000)), JSON.stringify(await fakes()));
}
