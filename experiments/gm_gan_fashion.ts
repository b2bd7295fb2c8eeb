// Experiment 3 (issue 6): GM-GAN (static, dynamic) vs the vanilla GAN on Fashion-MNIST, scored by NDB/K and JS
// over K = 100 k-means bins of the test set (Richardson & Weiss), plus one sample-grid row per mixture component.
//
//   npx tsx experiments/gm_gan_fashion.ts [--quick] [--steps N] [--samples N] [--out DIR]
//
// Full: 3000 steps each (the specs' default), bins on all 10,000 test images, 10,000 generated samples.
// --quick: 200 steps each, bins on 5,000 test images, 5,000 generated samples (one k-means++ restart).
// Writes DIR/results.md (the table), DIR/results.json and DIR/<model>-components.png (default DIR:
// experiments/gm_gan_fashion.out). Backend: wasm (CPU), single-threaded tfjs.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cpus } from "node:os";
import { imageGrid, writePng } from "../runtime/report/png.ts";
import { ndbBins, ndbEvaluate } from "../runtime/metrics/ndb.ts";
import { disposeProgram, heldOut, loadTrained, mdTable, parseArgs, samplesOf, trainSpec } from "./lib-b/run.ts";

const ROOT = resolve(import.meta.dirname, "..");
const args = parseArgs(process.argv.slice(2));
const quick = args.quick === true;
const steps = Number(args.steps ?? (quick ? 200 : 3000));
const nGen = Number(args.samples ?? (quick ? 5000 : 10000));
const nRef = quick ? 5000 : 10000;
const outDir = resolve(String(args.out ?? join(ROOT, "experiments/gm_gan_fashion.out")));
const seed = Number(args.seed ?? 0);

interface Variant {
  name: string;
  spec: string;
  set: Record<string, string | number | boolean>;
}
const VARIANTS: Variant[] = [
  { name: "vanilla", spec: "specs/vanilla_gan.gan", set: { dataset: "fashion", dz: 100, beta1: 0.9 } },
  { name: "gm_gan static", spec: "specs/gm_gan.gan", set: { mode: "static" } },
  { name: "gm_gan dynamic", spec: "specs/gm_gan.gan", set: { mode: "dynamic" } },
];

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  let bins: ReturnType<typeof ndbBins> | null = null;
  let realRow: (string | number)[] | null = null;
  for (const v of VARIANTS) {
    const runDir = join(outDir, "runs", v.name.replace(/ /g, "_"));
    const t0 = Date.now();
    const summary = await trainSpec(join(ROOT, v.spec), { set: v.set, steps, out: runDir, seed });
    const run = await loadTrained(runDir);
    const p = run.program;
    const h = heldOut(p);
    const d = h.x.shape.reduce((a, b) => a * b, 1);
    if (!bins) {
      // bins on the test split, the same for every model (the data pipeline is identical across specs)
      const tb = Date.now();
      const ref = { data: Float32Array.from(h.x.data.subarray(0, nRef * d)), n: nRef, d };
      bins = ndbBins(ref, { bins: 100, seed, kmeans: { inits: 1 } });
      // reference row: held-out TRAIN images against the test bins (what a perfect model would score)
      const tr = p.data.columns[p.meta.sampleSpace.column]!;
      const r = ndbEvaluate(bins, { data: Float32Array.from(tr.data.subarray(0, nGen * d)), n: nGen, d });
      realRow = ["real train images (reference)", "-", r.ndbOverK, r.js, "-", ((Date.now() - tb) / 1000).toFixed(0) + " s (bins)"];
      console.error(`bins: ${((Date.now() - tb) / 1000).toFixed(0)} s`);
    }
    const s = await samplesOf(p, nGen);
    const r = ndbEvaluate(bins, { data: s, n: nGen, d });
    // sample grid: one row per component for GM-GANs, 10 x 10 for the vanilla GAN
    const K = p.meta.components;
    const per = 10;
    const imgs: Float32Array[] = [];
    if (K) for (let k = 0; k < K; k++) imgs.push(await samplesOf(p, per, k));
    else imgs.push(await samplesOf(p, 100));
    const all = new Float32Array(imgs.reduce((a, x) => a + x.length, 0));
    let off = 0;
    for (const x of imgs) (all.set(x, off), (off += x.length));
    const png = join(outDir, `${v.name.replace(/ /g, "_")}-${K ? "components" : "grid"}.png`);
    writePng(png, imageGrid(all, all.length / d, 28, 28, 1, per, [-1, 1]));
    const wall = (Date.now() - t0) / 1000;
    rows.push([v.name, summary.steps, r.ndbOverK, r.js, summary.steps_per_s.toFixed(1), wall.toFixed(0) + " s"]);
    json.push({ model: v.name, spec: v.spec, set: v.set, steps: summary.steps, ndb: r.ndb, ndb_k: r.ndbOverK, js: r.js, steps_per_s: summary.steps_per_s, png });
    console.error(`${v.name}: NDB/K ${r.ndbOverK.toFixed(3)} JS ${r.js.toFixed(4)} (${wall.toFixed(0)} s)`);
    disposeProgram(p);
  }
  if (realRow) rows.push(realRow);
  const header = ["model", "steps", "NDB/K", "JS", "steps/s", "wall (train + eval)"];
  const table = mdTable(header, rows);
  const md =
    `Command: \`npx tsx experiments/gm_gan_fashion.ts${quick ? " --quick" : ""}${args.steps ? ` --steps ${steps}` : ""}\`\n` +
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "cpu"}), backend wasm. Batch 64, seed ${seed}.\n` +
    `NDB: K = 100 k-means bins (1 k-means++ restart) on ${nRef} Fashion-MNIST test images; ${nGen} generated samples; ` +
    `alpha = 0.05.\n\n${table}\n`;
  writeFileSync(join(outDir, "results.md"), md);
  writeFileSync(join(outDir, "results.json"), JSON.stringify({ quick, steps, nGen, nRef, seed, results: json, reference: realRow }, null, 2));
  console.log(md);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
