// EM (runtime/metrics/gmm.ts) against scikit-learn's GaussianMixture on the same synthetic data and the same
// initialization. Run: npx tsx experiments/em_vs_sklearn.ts [--python /usr/bin/python3]
// Prints a table of test NLL (nats/sample) for both and their difference; goal |diff| < 1e-3.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { fitGmmEm, gmmInitKmeans, gmmNll, type CovType, type Gmm } from "../runtime/metrics/gmm.ts";
import { cholesky } from "../runtime/metrics/matrix.ts";
import { mulberry32, type MetricRng } from "../runtime/metrics/rng.ts";

function randomGmm(k: number, d: number, sep: number, rng: MetricRng): Gmm {
  const weights = Float64Array.from({ length: k }, () => 0.5 + rng.uniform());
  const tw = weights.reduce((a, b) => a + b);
  weights.forEach((w, i) => (weights[i] = w / tw));
  const means = Float64Array.from({ length: k * d }, () => sep * rng.normal());
  const covs = new Float64Array(k * d * d);
  for (let c = 0; c < k; c++) {
    const A = Float64Array.from({ length: d * d }, () => rng.normal());
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let s = i === j ? 0.2 : 0;
        for (let t = 0; t < d; t++) s += (A[i * d + t]! * A[j * d + t]!) / d;
        covs[c * d * d + i * d + j] = s;
      }
  }
  return { k, d, weights, means, covs };
}

function sample(g: Gmm, n: number, rng: MetricRng): Float64Array {
  const { k, d } = g;
  const Ls = Array.from({ length: k }, (_, c) => cholesky(g.covs.subarray(c * d * d, (c + 1) * d * d), d)!);
  const out = new Float64Array(n * d);
  const e = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    let c = 0;
    while (c < k - 1 && u >= g.weights[c]!) u -= g.weights[c++]!;
    for (let j = 0; j < d; j++) e[j] = rng.normal();
    for (let a = 0; a < d; a++) {
      let s = g.means[c * d + a]!;
      for (let b = 0; b <= a; b++) s += Ls[c]![a * d + b]! * e[b]!;
      out[i * d + a] = s;
    }
  }
  return out;
}

const rows = (x: Float64Array, d: number): number[][] =>
  Array.from({ length: x.length / d }, (_, i) => Array.from(x.subarray(i * d, i * d + d)));

const settings: { k: number; d: number; sep: number }[] = [
  { k: 2, d: 2, sep: 2 },
  { k: 3, d: 5, sep: 1.5 },
  { k: 4, d: 10, sep: 1 },
  { k: 8, d: 3, sep: 2 },
];
const covTypes: CovType[] = ["full", "diag", "spherical"];
const nTrain = 5000;
const nTest = 5000;
const arg = (flag: string): string | undefined => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);
const tol = Number(arg("--tol") ?? 1e-3);
const maxIter = 100;
const reg = 1e-6;

const python = arg("--python") ?? "/usr/bin/python3";
const cases: Record<string, unknown>[] = [];
const ours: { name: string; cov: CovType; nll: number; iters: number; converged: boolean; ms: number }[] = [];
let seed = 1;
for (const s of settings) {
  const rng = mulberry32(1000 + seed);
  const truth = randomGmm(s.k, s.d, s.sep, rng);
  const train = sample(truth, nTrain, rng);
  const test = sample(truth, nTest, rng);
  for (const cov of covTypes) {
    const name = `k=${s.k} d=${s.d}`;
    const init = gmmInitKmeans(train, nTrain, s.d, s.k, { cov, reg, seed: seed++ });
    const t0 = performance.now();
    const fit = fitGmmEm(train, nTrain, s.d, s.k, { cov, tol, maxIter, reg, init });
    const ms = performance.now() - t0;
    ours.push({ name, cov, nll: gmmNll({ data: test, n: nTest, d: s.d }, fit), iters: fit.iters, converged: fit.converged, ms });
    cases.push({
      name,
      cov,
      k: s.k,
      d: s.d,
      tol,
      reg,
      max_iter: maxIter,
      train: rows(train, s.d),
      test: rows(test, s.d),
      init: { weights: Array.from(init.weights), means: rows(init.means, s.d), covs: rows(init.covs, s.d * s.d).map((r) => rows(Float64Array.from(r), s.d)) },
    });
  }
}

const dir = mkdtempSync(join(tmpdir(), "em-vs-sklearn-"));
writeFileSync(join(dir, "in.json"), JSON.stringify({ cases }));
const here = dirname(fileURLToPath(import.meta.url));
try {
  execFileSync(python, [join(here, "em_vs_sklearn.py"), join(dir, "in.json"), join(dir, "out.json")], { stdio: "inherit" });
} catch (e) {
  console.error(`could not run ${python} experiments/em_vs_sklearn.py (needs numpy + scikit-learn): ${(e as Error).message}`);
  process.exit(1);
}
const sk = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as {
  sklearn: string;
  results: { test_nll: number; n_iter: number; converged: boolean }[];
};
console.log(`EM (ganc) vs sklearn ${sk.sklearn} GaussianMixture, same data and init; n_train = n_test = ${nTrain}, tol ${tol}\n`);
console.log("| case | cov | test NLL ganc | test NLL sklearn | abs diff | iters ganc / sklearn | ganc ms |");
console.log("|---|---|---|---|---|---|---|");
let worst = 0;
ours.forEach((o, i) => {
  const r = sk.results[i]!;
  const diff = Math.abs(o.nll - r.test_nll);
  worst = Math.max(worst, diff);
  console.log(
    `| ${o.name} | ${o.cov} | ${o.nll.toFixed(6)} | ${r.test_nll.toFixed(6)} | ${diff.toExponential(2)} | ${o.iters} / ${r.n_iter} | ${o.ms.toFixed(0)} |`,
  );
});
console.log(`\nmax |diff| = ${worst.toExponential(2)} (goal < 1e-3): ${worst < 1e-3 ? "PASS" : "FAIL"}`);
process.exit(worst < 1e-3 ? 0 : 2);
