// Trace one GAT-GMM run step by step (mean error, mu, b, c): `npx tsx experiments/lib/trace-gat.ts steps=600 d=10 lr_g=0.1`
// (any other name=value is a param override; SPEC=path.gan traces another spec with the same weights).
import { compileModule, makeProgram, readParam } from "./spec-program.ts";
import { paramError } from "../../runtime/metrics/gmm.ts";
const ov: Record<string,string> = {};
for (const a of process.argv.slice(2)) { const [k,v] = a.split("="); ov[k!] = v!; }
const steps = Number(ov.steps ?? 300); delete ov.steps;
const { module } = await compileModule(process.env.SPEC ?? "gat_gmm", ov);
const p = await makeProgram(module);
const tm = (p.data.truth!.means as number[][]).flat(); const d = (p.data.truth!.means as number[][])[0]!.length; const k = tm.length / d;
console.log("truth", tm.map((v) => v.toFixed(2)).join(","));
const t0 = Date.now();
for (let s = 0; s < steps; s++) {
  const l = await p.trainStep(s);
  if (s % Math.max(1, Math.floor(steps/12)) === 0 || s === steps-1) {
    const mu = await readParam(p, "mu"), b = await readParam(p, "b"), c = await readParam(p, "c");
    const f = (x: number[]) => x.slice(0, 6).map((v) => v.toFixed(2)).join(",");
    const pe = paramError({ means: Float32Array.from(mu.data), k, d }, { means: tm, k, d });
    console.log(s, l.d_step?.toFixed(3), "err", pe.meanError.toFixed(3), "mu", f(mu.data), "b", f(b.data), "c", f(c.data), ((Date.now()-t0)/1000).toFixed(1)+"s");
  }
}
