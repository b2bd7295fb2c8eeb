// Experiment 4 (issue 6): PCM-GAN's head as a clusterer, on a 2-D GMM and on Fashion-MNIST, and the imbalanced
// Fashion-MNIST case (one dominant class) compared with the vanilla GAN and GM-GAN by NDB/K.
//
//   npx tsx experiments/pcm_gan.ts [--quick] [--part gmm|fashion|imbalanced|all] [--seeds N] [--out DIR]
//
// 2-D GMM (K = 4, sep 4, unit std): shared and stand-alone heads, marginal and literal-MI consistency. Scores on
// 10,000 held-out points: Hungarian accuracy and NMI of argmax C(x) against the true components, next to chance
// (1/K), the same head before training (a random head on well-separated blobs is already far above chance), k-means
// on the raw points and the Bayes rule with the true parameters.
// Fashion-MNIST (K = 10): accuracy and NMI of the head on the 10,000 test images.
// Imbalanced: class `dominant` (default 1, "Trouser", as in the paper's imbalanced-MNIST figure) keeps its 6,000
// training images, the others 1,000 each; NDB/K and JS of 5,000 generated samples over K = 100 bins of that
// training set. The vanilla GAN is gm_gan.gan with K = 1, c = 0, sigma = 1 (z ~ N(0, I), same MLPs as GM-GAN).
// --quick: gmm 400 steps, Fashion 30 steps at batch 8, imbalanced 150 steps (PCM-GAN: 10 at batch 8);
// full: the specs' defaults, 3000 / 2000 / 3000 steps. Lengths: --gmm-steps, --fashion-steps, --imbalanced-steps,
// --imbalanced-pcm-steps. Fashion and imbalanced PCM runs: --arch conv|mlp, --fashion-batch N; --fashion-heads
// shared,stand-alone,shared+align,stand-alone+align; --align (imbalanced PCM row). 2-D part: --seeds N.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cpus } from "node:os";
import { kmeans } from "../runtime/metrics/kmeans.ts";
import { fmtMeanStd } from "./lib/table.ts";
import { clusterAccuracy, nmi } from "../runtime/metrics/clustering.ts";
import { ndbBins, ndbEvaluate } from "../runtime/metrics/ndb.ts";
import { imageGrid, writePng } from "../runtime/report/png.ts";
import {
  buildProgram,
  disposeProgram,
  headScores,
  heldOut,
  loadTrained,
  mdTable,
  parseArgs,
  samplesOf,
  trainSpec,
} from "./lib-b/run.ts";

const ROOT = resolve(import.meta.dirname, "..");
const PCM = join(ROOT, "specs/pcm_gan.gan");
const GM = join(ROOT, "specs/gm_gan.gan");
const args = parseArgs(process.argv.slice(2));
const quick = args.quick === true;
const part = String(args.part ?? "all");
const outDir = resolve(String(args.out ?? join(ROOT, "experiments/pcm_gan.out")));
const seed = Number(args.seed ?? 0);
const dominant = Number(args.dominant ?? 1);
const SEEDS = Number(args.seeds ?? 1); // 2-D GMM part: seeds seed .. seed + SEEDS - 1
// Fashion-MNIST PCM-GAN runs (fashion and imbalanced parts): --arch mlp swaps in seed 002's MLPs for Table I's conv
// nets (a DEVIATION in the spec, for CPU-sized runs); --fashion-batch N (quick: 8; else the spec's 32).
const ARCH = String(args.arch ?? "conv");
const FASHION_BATCH = args["fashion-batch"] !== undefined ? Number(args["fashion-batch"]) : quick ? 8 : 0;
/** --set values of a Fashion-MNIST PCM-GAN run and its table label (e.g. "shared+align, mlp"). */
function fashionPcm(head: string, extra: Record<string, string | number> = {}): { name: string; set: Record<string, string | number> } {
  const shared = head.startsWith("shared") ? "true" : "false";
  const align = head.endsWith("+align") ? "true" : "false";
  return {
    name: `${head}${ARCH === "conv" ? "" : `, ${ARCH}`}`,
    set: { dataset: "fashion", K: 10, dz: 100, shared, align, arch: ARCH, ...extra, ...(FASHION_BATCH ? { batch_size: FASHION_BATCH } : {}) },
  };
}
const IMBALANCED_STEPS = Number(args["imbalanced-steps"] ?? (quick ? 150 : 3000));
const STEPS = {
  gmm: Number(args["gmm-steps"] ?? (quick ? 400 : 3000)),
  fashion: Number(args["fashion-steps"] ?? (quick ? 30 : 2000)),
  imbalanced: IMBALANCED_STEPS,
  // the imbalanced part's PCM-GAN row: quick runs give its costly steps a fifteenth of the others' length
  imbalancedPcm: Number(args["imbalanced-pcm-steps"] ?? (quick ? Math.max(1, Math.round(IMBALANCED_STEPS / 15)) : IMBALANCED_STEPS)),
};
const sections: string[] = [];
const results: Record<string, unknown> = { quick, seed, steps: STEPS };
const slug = (s: string) => s.replace(/[^A-Za-z0-9]+/g, "_");

async function gmmPart(): Promise<void> {
  const variants: { name: string; set: Record<string, string | number> }[] = [
    { name: "shared, marginal", set: { shared: "true", consistency: "marginal" } },
    { name: "stand-alone, marginal", set: { shared: "false", consistency: "marginal" } },
    { name: "shared, literal_mi", set: { shared: "true", consistency: "literal_mi" } },
    // DEVIATION (param align): eq. 4 plus the cross-entropy to the latent responsibilities
    { name: "shared, marginal, align", set: { shared: "true", consistency: "marginal", align: "true" } },
    { name: "stand-alone, marginal, align", set: { shared: "false", consistency: "marginal", align: "true" } },
  ];
  const rows: (string | number)[][] = [];
  const out: unknown[] = [];
  let refRows: (string | number)[][] = [];
  for (const v of variants) {
    const acc0: number[] = [], nmi0: number[] = [], acc1: number[] = [], nmi1: number[] = [], walls: number[] = [];
    for (let s = seed; s < seed + SEEDS; s++) {
      const dir = join(outDir, "runs", `gmm_${slug(v.name)}_seed${s}`);
      // the untrained head: same seed, so the same initial weights as the run below
      const p0 = await buildProgram(PCM, { set: v.set, dir: join(dir, "init"), seed: s });
      const s0 = await headScores(p0);
      disposeProgram(p0);
      const t0 = Date.now();
      const summary = await trainSpec(PCM, { set: v.set, steps: STEPS.gmm, out: dir, seed: s });
      const run = await loadTrained(dir);
      const s1 = await headScores(run.program);
      const K = run.program.meta.components!;
      acc0.push(s0.accuracy), nmi0.push(s0.nmi), acc1.push(s1.accuracy), nmi1.push(s1.nmi), walls.push((Date.now() - t0) / 1000);
      out.push({ variant: v.name, set: v.set, seed: s, steps: summary.steps, init: s0, trained: s1, steps_per_s: summary.steps_per_s });
      console.error(`gmm ${v.name} seed ${s}: acc ${s0.accuracy.toFixed(3)} -> ${s1.accuracy.toFixed(3)}, nmi ${s0.nmi.toFixed(3)} -> ${s1.nmi.toFixed(3)}`);
      if (!refRows.length) refRows = references(run.program, K);
      disposeProgram(run.program);
    }
    const ms = (xs: number[]) => (SEEDS > 1 ? fmtMeanStd(xs) : xs[0]!);
    rows.push([v.name, STEPS.gmm, ms(acc0), ms(nmi0), ms(acc1), ms(nmi1), `${(walls.reduce((a, b) => a + b, 0) / walls.length).toFixed(0)} s`]);
  }
  results.gmm = out;
  sections.push(
    `### 2-D GMM (K = 4, sep = 4, unit std; 10,000 held-out points; ${SEEDS} seed(s) from ${seed}${SEEDS > 1 ? ", mean ± std" : ""})\n\n` +
      mdTable(["head", "steps", "acc (init)", "NMI (init)", "acc (trained)", "NMI (trained)", "wall per run"], rows) +
      "\n\nReferences on the same points:\n\n" +
      mdTable(["reference", "acc", "NMI"], refRows),
  );
}

/**
 * What a clusterer gets without any GAN, on up to 10,000 held-out points: chance, k-means on the raw inputs and,
 * when the data knows its true means (the 2-D GMM), the Bayes rule (nearest true mean: equal weights, shared iso cov).
 */
function references(program: import("../runtime/program.ts").Program, K: number, inits = 10): (string | number)[][] {
  const h = heldOut(program);
  const n = Math.min(10000, h.n);
  const d = h.x.shape.reduce((a, b) => a * b, 1);
  const X = Float64Array.from(h.x.data.subarray(0, n * d));
  const truth = Array.from(h.y!.data.subarray(0, n));
  const kmLab = Array.from(kmeans(X, n, d, K, { seed, inits }).labels);
  const rows: (string | number)[][] = [
    ["chance (1/K)", 1 / K, 0],
    [`k-means on ${d > 2 ? "pixels" : "x"} (${inits} restarts)`, clusterAccuracy(kmLab, truth).accuracy, nmi(kmLab, truth)],
  ];
  const means = (program.data.truth as { means?: number[][] } | undefined)?.means;
  if (means) {
    const bayes: number[] = [];
    for (let i = 0; i < n; i++) {
      let b = 0, bd = Infinity;
      means.forEach((m, k) => {
        let s = 0;
        for (let j = 0; j < d; j++) s += (X[i * d + j]! - m[j]!) ** 2;
        if (s < bd) (bd = s), (b = k);
      });
      bayes.push(b);
    }
    rows.push(["Bayes rule, true parameters", clusterAccuracy(bayes, truth).accuracy, nmi(bayes, truth)]);
  }
  return rows;
}

async function fashionPart(): Promise<void> {
  const rows: (string | number)[][] = [];
  const out: unknown[] = [];
  // --fashion-heads picks from shared, stand-alone, shared+align, stand-alone+align (align: the CE deviation)
  const heads = String(args["fashion-heads"] ?? "shared,stand-alone").split(",");
  let refRows: (string | number)[][] = [];
  for (const head of heads) {
    const { name, set } = fashionPcm(head);
    const dir = join(outDir, "runs", `fashion_${slug(name)}`);
    const t0 = Date.now();
    const summary = await trainSpec(PCM, { set, steps: STEPS.fashion, out: dir, seed });
    const run = await loadTrained(dir);
    const s = await headScores(run.program);
    await componentGrid(run.program, join(outDir, `pcm_fashion_${slug(name)}-components.png`));
    rows.push([name, summary.steps, FASHION_BATCH || 32, s.accuracy, s.nmi, summary.steps_per_s.toFixed(2), `${((Date.now() - t0) / 1000).toFixed(0)} s`]);
    out.push({ head: name, steps: summary.steps, ...s, steps_per_s: summary.steps_per_s });
    console.error(`fashion ${name}: acc ${s.accuracy.toFixed(3)} nmi ${s.nmi.toFixed(3)}`);
    if (!refRows.length) refRows = references(run.program, 10, 3);
    disposeProgram(run.program);
  }
  results.fashion = out;
  sections.push(
    `### Fashion-MNIST (K = 10; 10,000 test images; chance 0.1)\n\n` +
      mdTable(["head", "steps", "batch", "acc", "NMI", "steps/s", "wall"], rows) +
      "\n\nReferences on the same images:\n\n" +
      mdTable(["reference", "acc", "NMI"], refRows),
  );
}

async function componentGrid(program: import("../runtime/program.ts").Program, path: string): Promise<void> {
  const K = program.meta.components ?? 1;
  const per = 10;
  const parts: Float32Array[] = [];
  for (let k = 0; k < K; k++) parts.push(await samplesOf(program, per, k));
  const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) (all.set(p, off), (off += p.length));
  writePng(path, imageGrid(all, K * per, 28, 28, 1, per, [-1, 1]));
}

async function imbalancedPart(): Promise<void> {
  // --arch, --fashion-batch as in the Fashion part; --align adds the CE deviation
  const pcm = fashionPcm(args.align ? "shared+align" : "shared", { dominant });
  const variants: { name: string; spec: string; set: Record<string, string | number> }[] = [
    // one component at 0 with scale 1 is exactly z ~ N(0, I): the vanilla GAN with GM-GAN's networks and optimizer
    { name: "vanilla (gm_gan K=1, c=0, sigma=1)", spec: GM, set: { K: 1, c: 0, sigma: 1, dominant } },
    { name: "GM-GAN static", spec: GM, set: { mode: "static", dominant } },
    { name: "GM-GAN dynamic", spec: GM, set: { mode: "dynamic", dominant } },
    // a conv PCM-GAN step (K = 10 fakes per real, dz = 100 full scales) costs ~20 s on this CPU: quick runs give
    // it a batch of 8 and a fifteenth of the steps
    { name: `PCM-GAN ${pcm.name}`, spec: PCM, set: pcm.set },
  ];
  const rows: (string | number)[][] = [];
  const out: unknown[] = [];
  let bins: ReturnType<typeof ndbBins> | null = null;
  const nGen = 5000;
  for (const v of variants) {
    const dir = join(outDir, "runs", `imb_${slug(v.name)}`);
    const t0 = Date.now();
    const steps = v.spec === PCM ? STEPS.imbalancedPcm : STEPS.imbalanced;
    const summary = await trainSpec(v.spec, { set: v.set, steps, out: dir, seed });
    const run = await loadTrained(dir);
    const p = run.program;
    const xc = p.data.columns[p.meta.sampleSpace.column]!;
    const d = xc.shape.reduce((a, b) => a * b, 1);
    if (!bins) {
      // bins on (a random-order prefix of) the imbalanced training set every model was trained on
      const nRef = Math.min(quick ? 5000 : 15000, p.data.n);
      bins = ndbBins({ data: Float32Array.from(xc.data.subarray(0, nRef * d)), n: nRef, d }, { bins: 100, seed, kmeans: { inits: 1 } });
    }
    const s = await samplesOf(p, nGen);
    const r = ndbEvaluate(bins, { data: s, n: nGen, d });
    rows.push([v.name, summary.steps, r.ndbOverK, r.js, `${((Date.now() - t0) / 1000).toFixed(0)} s`]);
    out.push({ model: v.name, set: v.set, steps: summary.steps, ndb_k: r.ndbOverK, js: r.js });
    console.error(`imbalanced ${v.name}: NDB/K ${r.ndbOverK.toFixed(3)} JS ${r.js.toFixed(4)}`);
    await componentGrid(p, join(outDir, `imb_${slug(v.name)}-components.png`));
    disposeProgram(p);
  }
  results.imbalanced = out;
  sections.push(
    `### Imbalanced Fashion-MNIST (class ${dominant} whole, others 1,000 each; NDB over K = 100 bins of the training set, ${nGen} samples)\n\n` +
      mdTable(["model", "steps", "NDB/K", "JS", "wall"], rows),
  );
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const t0 = Date.now();
  if (part === "all" || part === "gmm") await gmmPart();
  if (part === "all" || part === "fashion") await fashionPart();
  if (part === "all" || part === "imbalanced") await imbalancedPart();
  const cmd = ["npx tsx experiments/pcm_gan.ts", ...process.argv.slice(2)].join(" ");
  const md =
    `Command: \`${cmd}\`; machine: ${cpus().length} cores (${cpus()[0]?.model ?? "cpu"}), backend wasm; seed ${seed}; ` +
    `steps: gmm ${STEPS.gmm}, fashion ${STEPS.fashion}, imbalanced ${STEPS.imbalanced}; total ${((Date.now() - t0) / 1000).toFixed(0)} s.\n\n` +
    sections.join("\n\n") +
    "\n";
  writeFileSync(join(outDir, `results${part === "all" ? "" : "-" + part}.md`), md);
  writeFileSync(join(outDir, `results${part === "all" ? "" : "-" + part}.json`), JSON.stringify(results, null, 2));
  console.log(md);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
