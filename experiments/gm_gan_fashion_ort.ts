// Issue 16 item 1: seed 002's GM-GAN recipe on Fashion-MNIST on the ort backend (one onnxruntime thread).
// Vanilla GAN (batch 64, Adam 2e-4) for E epochs; from its epoch-E checkpoint (`ganc train --init-from`) GM-GAN
// static and dynamic fine-tuned for F epochs, and the vanilla run continued for F epochs (`--resume`) as the control.
// After every epoch of every run: NDB/K and JS over K = 100 k-means bins of the Fashion-MNIST test set (alpha 0.05),
// the classifier-feature distance (CFD) to the test set and the modes of the class histogram of the samples (the
// shipped classifier's labels: classes holding >= 1% of the samples); at the end NDB bar charts, NDB/K-per-epoch
// curves and per-component sample grids.
//
//   npx tsx experiments/gm_gan_fashion_ort.ts --quick                      CI preset: 1 + 1 "epochs" of 10 steps, 500 samples, 10 bins
//   npx tsx experiments/gm_gan_fashion_ort.ts --vanilla-epochs 0.3 --finetune-epochs 0.1 --seeds 0   (docs/results.md §0.3, 2026-12-03)
//   npx tsx experiments/gm_gan_fashion_ort.ts --vanilla-epochs 50 --finetune-epochs 20 --seeds 0,1,2   (the paper's recipe)
// Flags: --out DIR (default experiments/gm_gan_fashion_ort.out; --quick: a temp folder), --samples N, --backend ort|wasm.
// Writes DIR/results.json, DIR/results.md and PNGs; training is resumable (an existing run dir is continued).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join, resolve } from "node:path";
import { runTrain } from "../compiler/cli/commands/train.ts";
import { imageGrid, writePng } from "../runtime/report/png.ts";
import { lineChart, ndbBars, writePlot } from "../runtime/report/plot.ts";
import { ndbBins, ndbBinsFromJson, ndbBinsToJson, ndbEvaluate, type NdbBins, type NdbResult } from "../runtime/metrics/ndb.ts";
import { classifierDistance, classifierPredict } from "../runtime/metrics/classifier.ts";
import { disposeProgram, heldOut, loadTrained, mdTable, parseArgs, samplesOf } from "./lib-b/run.ts";

const ROOT = resolve(import.meta.dirname, "..");
const args = parseArgs(process.argv.slice(2));
const quick = args.quick === true;
const N_TRAIN = 60000;
const BATCH = 64;
const stepsPerEpoch = quick ? Number(args["epoch-steps"] ?? 10) : Math.ceil(N_TRAIN / BATCH);
const E = Number(args["vanilla-epochs"] ?? 1);
const F = Number(args["finetune-epochs"] ?? 1);
const seeds = String(args.seeds ?? "0").split(",").map(Number);
const nGen = Number(args.samples ?? (quick ? 500 : 10000));
const nRef = quick ? 1000 : 10000;
const K_BINS = quick ? 10 : 100;
const backend = String(args.backend ?? "ort") as "ort" | "wasm";
const outDir = resolve(String(args.out ?? (quick ? mkdtempSync(join(tmpdir(), "gm-fashion-")) : join(ROOT, "experiments/gm_gan_fashion_ort.out"))));
const VANILLA_SET = { dataset: "fashion", dz: "100", beta1: "0.9" };

interface EpochScore { epoch: number; steps: number; ndb_k: number; js: number; cfd: number; modes: number; hist: number[]; wall_s: number }
interface RunRec { model: string; seed: number; runDir: string; scores: EpochScore[] }

async function train(o: { spec?: string; set?: Record<string, string>; steps: number; out: string; seed?: number; resume?: boolean; initFrom?: string }): Promise<number> {
  let err = "";
  const t0 = Date.now();
  const resume = o.resume || existsSync(join(o.out, "summary.json"));
  const code = await runTrain(
    resume ? undefined : o.spec,
    resume
      ? { set: {}, plugin: [], backend, threads: 1, steps: o.steps, resume: o.out, eval: false, quiet: true }
      : { set: o.set ?? {}, plugin: [], backend, threads: 1, steps: o.steps, seed: o.seed, out: o.out, initFrom: o.initFrom, eval: false, quiet: true },
    { out: () => {}, err: (s) => void (err += s) },
  );
  if (code !== 0) throw new Error(`train ${o.out} exited ${code}:\n${err}`);
  return (Date.now() - t0) / 1000;
}

let bins: NdbBins | null = null;
let testImgs: { data: Float32Array; n: number; d: number } | null = null;

async function score(runDir: string, epoch: number, trainWall: number): Promise<{ s: EpochScore; ndb: NdbResult }> {
  const run = await loadTrained(runDir);
  const p = run.program;
  const h = heldOut(p);
  const d = h.x.shape.reduce((a, b) => a * b, 1);
  if (!bins) {
    testImgs = { data: Float32Array.from(h.x.data.subarray(0, nRef * d)), n: nRef, d };
    const cache = join(outDir, `bins-${K_BINS}-${nRef}.json`);
    if (existsSync(cache)) bins = ndbBinsFromJson(JSON.parse(readFileSync(cache, "utf8")));
    else {
      bins = ndbBins(testImgs, { bins: K_BINS, seed: 0, kmeans: { inits: 1 } });
      writeFileSync(cache, JSON.stringify(ndbBinsToJson(bins)));
    }
  }
  const x = await samplesOf(p, nGen);
  const r = ndbEvaluate(bins, { data: x, n: nGen, d });
  const m = { data: x, n: nGen, d };
  const cls = classifierPredict(m, { range: [-1, 1] });
  const hist = new Array(10).fill(0);
  for (const c of cls) hist[c]++;
  const cfd = classifierDistance(m, testImgs!, { range: [-1, 1] });
  const steps = JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8")).steps as number;
  disposeProgram(p);
  return { s: { epoch, steps, ndb_k: r.ndbOverK, js: r.js, cfd, modes: hist.filter((c) => c >= 0.01 * nGen).length, hist, wall_s: trainWall }, ndb: r };
}

async function grid(runDir: string, png: string): Promise<void> {
  const run = await loadTrained(runDir);
  const p = run.program;
  const K = p.meta.components;
  const per = 10;
  const imgs: Float32Array[] = [];
  if (K && K > 1) for (let k = 0; k < K; k++) imgs.push(await samplesOf(p, per, k));
  else imgs.push(await samplesOf(p, 100));
  const all = new Float32Array(imgs.reduce((a, x) => a + x.length, 0));
  let off = 0;
  for (const x of imgs) (all.set(x, off), (off += x.length));
  writePng(png, imageGrid(all, all.length / 784, 28, 28, 1, per, [-1, 1]));
  disposeProgram(p);
}

const log = (s: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const fmt = (xs: number[], dg = 3) => {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return n > 1 ? `${mean.toFixed(dg)} ± ${sd.toFixed(dg)}` : mean.toFixed(dg);
};

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const t0 = Date.now();
  const recs: RunRec[] = [];
  const lastNdb = new Map<string, NdbResult>();
  for (const seed of seeds) {
    const vdir = join(outDir, "runs", `vanilla-seed${seed}`);
    const van: RunRec = { model: "vanilla", seed, runDir: vdir, scores: [] };
    for (let i = 1; i <= Math.ceil(E); i++) {
      const e = Math.min(i, E); // E may be fractional too
      const w = await train({ spec: join(ROOT, "specs/vanilla_gan.gan"), set: VANILLA_SET, steps: Math.round(e * stepsPerEpoch), out: vdir, seed });
      const { s } = await score(vdir, e, w);
      van.scores.push(s);
      log(`seed ${seed} vanilla epoch ${e}: NDB/K ${s.ndb_k.toFixed(3)} JS ${s.js.toFixed(4)} CFD ${s.cfd.toFixed(2)} modes ${s.modes} (train ${w.toFixed(0)} s)`);
    }
    recs.push(van);
    // fine-tunes from the epoch-E checkpoint; the control continues the vanilla run itself (copied first)
    const ctrlDir = join(outDir, "runs", `vanilla-continued-seed${seed}`);
    if (!existsSync(ctrlDir)) {
      mkdirSync(ctrlDir, { recursive: true });
      const { cpSync } = await import("node:fs");
      cpSync(vdir, ctrlDir, { recursive: true });
    }
    const branches = [
      { model: "vanilla continued", dir: ctrlDir, spec: undefined as string | undefined, set: {} as Record<string, string> },
      { model: "gm_gan static", dir: join(outDir, "runs", `gm_static-seed${seed}`), spec: join(ROOT, "specs/gm_gan.gan"), set: { mode: "static" } },
      { model: "gm_gan dynamic", dir: join(outDir, "runs", `gm_dynamic-seed${seed}`), spec: join(ROOT, "specs/gm_gan.gan"), set: { mode: "dynamic" } },
    ];
    for (const b of branches) {
      const rec: RunRec = { model: b.model, seed, runDir: b.dir, scores: [] };
      for (let i = 1; i <= Math.ceil(F); i++) {
        const f = Math.min(i, F); // F may be fractional (0.5: half an epoch)
        // vanilla continued: the step target counts from 0; the fine-tunes start a new run at step 0
        const target = Math.round(b.spec ? f * stepsPerEpoch : (E + f) * stepsPerEpoch);
        const w = await train(b.spec
          ? { spec: b.spec, set: b.set, steps: target, out: b.dir, seed, initFrom: i === 1 ? vdir : undefined }
          : { steps: target, out: b.dir, resume: true });
        const { s, ndb } = await score(b.dir, E + f, w);
        rec.scores.push(s);
        lastNdb.set(`${b.model}|${seed}`, ndb);
        log(`seed ${seed} ${b.model} epoch ${E + f}: NDB/K ${s.ndb_k.toFixed(3)} JS ${s.js.toFixed(4)} CFD ${s.cfd.toFixed(2)} modes ${s.modes} (train ${w.toFixed(0)} s)`);
      }
      recs.push(rec);
      if (seed === seeds[0]) await grid(b.dir, join(outDir, `${b.model.replace(/ /g, "_")}-components.png`));
      writeFileSync(join(outDir, "results.json"), JSON.stringify({ quick, backend, E, F, stepsPerEpoch, nGen, nRef, bins: K_BINS, seeds, runs: recs }, null, 2));
    }
  }
  // pictures: NDB bars of the first seed's final models, NDB/K per epoch (mean over seeds)
  const s0 = seeds[0]!;
  for (const [key, r] of lastNdb) {
    const [model, seed] = key.split("|");
    if (Number(seed) !== s0) continue;
    await writePlot(ndbBars(r, { title: `${model}, epoch ${E + F}, seed ${s0}: NDB/K = ${r.ndbOverK.toFixed(2)}, JS = ${r.js.toFixed(3)} (red: significantly different bins)` }), join(outDir, `ndb-${model!.replace(/ /g, "_")}`));
  }
  const models = ["vanilla continued", "gm_gan static", "gm_gan dynamic"];
  const series = models.map((m) => {
    const rs = recs.filter((r) => r.model === m);
    const pre = recs.filter((r) => r.model === "vanilla");
    const ep = [...pre[0]!.scores.map((s) => s.epoch), ...rs[0]!.scores.map((s) => s.epoch)];
    const y = ep.map((e) => {
      const vals = [...pre, ...rs].flatMap((r) => r.scores.filter((s) => s.epoch === e && (r.model === m || r.model === "vanilla")).map((s) => s.ndb_k));
      return vals.reduce((a, b) => a + b, 0) / vals.length;
    });
    return { name: m, x: ep, y };
  });
  await writePlot(lineChart(series, { title: `NDB/K per epoch (vanilla to epoch ${E}, then each branch; mean over ${seeds.length} seed(s))`, xLabel: "epoch", yLabel: "NDB/K" }), join(outDir, "ndb-per-epoch"));
  // table at the final epoch
  const rows = ["vanilla", ...models].map((m) => {
    const rs = recs.filter((r) => r.model === m);
    const last = rs.map((r) => r.scores.at(-1)!);
    return [m, String(last[0]!.epoch), fmt(last.map((s) => s.ndb_k)), fmt(last.map((s) => s.js), 4), fmt(last.map((s) => s.cfd), 2), fmt(last.map((s) => s.modes), 1), String(rs.length)];
  });
  const table = mdTable(["model", "epoch", "NDB/K", "JS", "CFD", "class modes (of 10)", "seeds"], rows);
  const md =
    `Backend ${backend} (1 thread), ${cpus().length} cores (${cpus()[0]?.model ?? "cpu"}); vanilla ${E} epoch(s) then ${F} fine-tune epoch(s) ` +
    `(${stepsPerEpoch} steps per epoch, batch ${BATCH}); seeds ${seeds.join(",")}; NDB over ${K_BINS} bins of ${nRef} test images, ${nGen} samples, alpha 0.05; ` +
    `wall ${((Date.now() - t0) / 1000).toFixed(0)} s.\n\n${table}\n`;
  writeFileSync(join(outDir, "results.md"), md);
  console.log(md);
  console.log(`out: ${outDir}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
