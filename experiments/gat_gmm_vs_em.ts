// Experiment 1 of issue 6: GAT-GMM (specs/gat_gmm.gan, compiled and trained in process) vs EM
// (runtime/metrics fitGmmEm) from the SAME initial means, on symmetric mixtures 1/2 N(theta, I) + 1/2 N(-theta, I)
// with |theta| = sep. Reports test NLL per sample (10k held-out points) and the mean error
// min over label permutations of mean_k |mu_k - m_k|_2.
//   npx tsx experiments/gat_gmm_vs_em.ts            d in {2,5,10}, sep in {1,2,4}, 5 seeds, 600 GDA steps (the spec default)
//   npx tsx experiments/gat_gmm_vs_em.ts --quick    d in {2,10}, sep in {1,2,4}, 2 seeds, 600 GDA steps
// Flags: --steps N, --seeds N override either preset; --dims 2,5,10,50 picks the dimensions (issue 16 adds d = 50:
//   npx tsx experiments/gat_gmm_vs_em.ts --dims 2,5,10,50);
// --backend ort|wasm (default ort: the compiled step graphs on onnxruntime-node, one thread; wasm: the tfjs trainer).
import { compileModule, makeOrtProgram, makeProgram, readParam } from "./lib/spec-program.ts";
import { fmtMeanStd, intFlag, markdownTable, parseFlags } from "./lib/table.ts";
import { fitGmmEm, gmmNll, paramError, type Gmm } from "../runtime/metrics/gmm.ts";
import type { Dataset } from "../runtime/types.ts";

const { quick, values } = parseFlags(process.argv.slice(2));
const DIMS = values.dims ? values.dims.split(",").map(Number) : quick ? [2, 10] : [2, 5, 10];
if (DIMS.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`--dims ${values.dims}: positive integers`);
const BACKEND = values.backend ?? "ort";
if (BACKEND !== "ort" && BACKEND !== "wasm") throw new Error(`--backend ${BACKEND}: ort or wasm`);
const SEPS = [1, 2, 4];
const SEEDS = intFlag(values, "seeds", quick ? 2 : 5);
const STEPS = intFlag(values, "steps", 600);

function eyeCovs(k: number, d: number): Float64Array {
  const c = new Float64Array(k * d * d);
  for (let i = 0; i < k; i++) for (let j = 0; j < d; j++) c[i * d * d + j * d + j] = 1;
  return c;
}

function matrixOf(ds: Dataset) {
  const col = ds.columns[0]!;
  const d = col.shape[0]!;
  return { data: Float64Array.from(col.data), n: ds.n, d };
}

interface Row {
  d: number;
  sep: number;
  gat: { nll: number[]; err: number[] };
  em: { nll: number[]; err: number[] };
  truth: number[];
  init: number[];
}

const rows: Row[] = [];
const t0 = performance.now();
for (const d of DIMS)
  for (const sep of SEPS) {
    const row: Row = { d, sep, gat: { nll: [], err: [] }, em: { nll: [], err: [] }, truth: [], init: [] };
    for (let s = 0; s < SEEDS; s++) {
      // seed s: data set data_seed = s + 1 and the program seed s (which draws the data-point init of mu)
      const c = await compileModule("gat_gmm", { d, sep, data_seed: s + 1 }, { graphs: BACKEND === "ort" });
      const ort = BACKEND === "ort" ? await makeOrtProgram(c, s) : null;
      const p = ort ? ort.program : await makeProgram(c.module, s);
      const truthMeans = (p.data.truth!.means as number[][]).flat();
      const k = 2;
      const truth: Gmm = { k, d, weights: Float64Array.from([0.5, 0.5]), means: Float64Array.from(truthMeans), covs: eyeCovs(k, d) };
      const init = Float64Array.from((await readParam(p, "mu")).data);
      if (ort) {
        for (let i = 0; i < STEPS; i++) await ort.stepper.trainStep(i);
        await ort.stepper.flush();
      } else for (let i = 0; i < STEPS; i++) await p.trainStep(i);
      const mu = Float64Array.from((await readParam(p, "mu")).data);
      const test = matrixOf(p.data.test!);
      // GAT-GMM's generator is exactly the mixture sum_k 1/2 N(mu_k, I) (cov = identity)
      const gat: Gmm = { k, d, weights: Float64Array.from([0.5, 0.5]), means: mu, covs: eyeCovs(k, d) };
      const train = matrixOf(p.data);
      const em = fitGmmEm(train.data, train.n, d, k, {
        cov: "full",
        init: { means: init, covs: eyeCovs(k, d), weights: [0.5, 0.5] },
        maxIter: 500,
      });
      row.gat.nll.push(gmmNll(test, gat));
      row.gat.err.push(paramError({ means: mu, k, d }, { means: truthMeans, k, d }).meanError);
      row.em.nll.push(gmmNll(test, em));
      row.em.err.push(paramError({ means: em.means, k, d }, { means: truthMeans, k, d }).meanError);
      row.truth.push(gmmNll(test, truth));
      row.init.push(paramError({ means: init, k, d }, { means: truthMeans, k, d }).meanError);
      process.stderr.write(
        `d=${d} sep=${sep} seed=${s}: GAT err ${row.gat.err.at(-1)!.toFixed(3)} nll ${row.gat.nll.at(-1)!.toFixed(4)} | ` +
          `EM err ${row.em.err.at(-1)!.toFixed(3)} nll ${row.em.nll.at(-1)!.toFixed(4)} | truth nll ${row.truth.at(-1)!.toFixed(4)} ` +
          `(${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
      );
    }
    rows.push(row);
  }

console.log(
  `GAT-GMM (backend ${BACKEND}, ${STEPS} simultaneous GDA steps, batch 1000, defaults of specs/gat_gmm.gan) vs EM (full covariances, ` +
    `same initial means, identity covariances, equal weights), ${SEEDS} seed(s); test NLL per sample on 10,000 held-out ` +
    `points; mean error = min over label permutations of mean_k |mu_k - m_k|; mean ± std over seeds.\n`,
);
console.log(
  markdownTable(
    ["d", "sep", "NLL GAT-GMM", "NLL EM", "NLL truth", "err GAT-GMM", "err EM", "err init"],
    rows.map((r) => [
      String(r.d),
      String(r.sep),
      fmtMeanStd(r.gat.nll),
      fmtMeanStd(r.em.nll),
      fmtMeanStd(r.truth),
      fmtMeanStd(r.gat.err),
      fmtMeanStd(r.em.err),
      fmtMeanStd(r.init),
    ]),
  ),
);
console.log(`\nwall time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
