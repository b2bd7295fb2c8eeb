// Experiment 2 of issue 6: Mixture GAN (specs/mixture_gan.gan) for each mu on the 8-mode ring and the 5x5 grid,
// plus the vanilla baseline (specs/vanilla_gan.gan), compiled and trained in process with the specs' defaults.
// Reports modes covered (>= 1% of 2000 samples within 3 std of the mode), the high-quality fraction (samples
// within 3 std of some mode) and NDB/K (50 k-means bins, 5000 samples); mean ± std over seeds.
//   npx tsx experiments/mixture_gan_2d.ts           3000 steps (the specs' default), 3 seeds
//   npx tsx experiments/mixture_gan_2d.ts --quick   1000 steps, 1 seed
// Flags: --steps N, --seeds N override either preset; --datasets ring,grid and --mus delta1,uniform pick a subset;
// --lr X overrides both specs' Adam learning rate (default: the specs' 2-D default, 1e-3). docs/results.md §2 holds
// the full run (3000 steps, 3 seeds) and an 8000-step grid run (--datasets grid --steps 8000 --seeds 2) on wasm, and
// the long ort grid run (issue 16 item 4):
//   npx tsx experiments/mixture_gan_2d.ts --datasets grid --steps 15000 --seeds 3 --jsonl experiments/mixture_gan_2d.out/grid-15k.jsonl
// --backend ort|wasm (default ort, one onnxruntime thread). Seeds run outermost (every model for seed 0, then seed 1, ...)
// so that a stopped run still has whole seeds; --jsonl FILE appends one line per finished run, and
// --table-from FILE prints the table of such a file (every finished run, n seeds per row) without training.
import { appendFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { TrainBackend } from "../runtime/train/run.ts";
import { trainSpec } from "./lib/spec-program.ts";
import { fmtMeanStd, intFlag, markdownTable, parseFlags } from "./lib/table.ts";

const { quick, values } = parseFlags(process.argv.slice(2));
const SEEDS = intFlag(values, "seeds", quick ? 1 : 3);
const STEPS = intFlag(values, "steps", quick ? 1000 : 3000);
const MUS = (values.mus ?? "delta1,uniform,beta21,beta51,half").split(",");
const DATASETS = (values.datasets ?? "ring,grid").split(",");
const LR = values.lr;
const BACKEND = (values.backend ?? "ort") as TrainBackend;
if (BACKEND !== "ort" && BACKEND !== "wasm") throw new Error(`--backend ${BACKEND}: ort or wasm`);
const JSONL = values.jsonl;
if (values["table-from"]) {
  const lines = readFileSync(values["table-from"], "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number | string>);
  const by = new Map<string, Array<Record<string, number | string>>>();
  for (const l of lines) by.set(`${l.dataset}|${l.model}`, [...(by.get(`${l.dataset}|${l.model}`) ?? []), l]);
  const col = (ls: Array<Record<string, number | string>>, k: string) => ls.map((l) => Number(l[k]));
  console.log(
    markdownTable(
      ["dataset", "model", "steps", "seeds", "modes covered", "high quality", "NDB/K", "steps/s"],
      [...by].map(([key, ls]) => [
        key.split("|")[0]!, key.split("|")[1]!, String(ls[0]!.steps), ls.map((l) => l.seed).join(","),
        `${fmtMeanStd(col(ls, "modes_covered"), 1)} / ${ls[0]!.modes_total}`, fmtMeanStd(col(ls, "high_quality")),
        fmtMeanStd(col(ls, "ndb_k")), fmtMeanStd(col(ls, "steps_per_s"), 1),
      ]),
    ),
  );
  process.exit(0);
}
if (JSONL) mkdirSync(dirname(JSONL), { recursive: true });

interface Cell {
  modes: number[];
  total: number;
  hq: number[];
  ndbk: number[];
  sps: number[];
}

const t0 = performance.now();
const results = new Map<string, Cell>();
const runs: Array<{ spec: string; label: string; overrides: Record<string, string> }> = [];
for (const dataset of DATASETS) {
  const lr: Record<string, string> = LR !== undefined ? { lr: LR } : {};
  runs.push({ spec: "vanilla_gan", label: `vanilla_gan`, overrides: { dataset, ...lr } });
  for (const mu of MUS) runs.push({ spec: "mixture_gan", label: `mixture_gan mu=${mu}`, overrides: { dataset, mu, ...lr } });
}
for (const r of runs) results.set(`${r.overrides.dataset}|${r.label}`, { modes: [], total: 0, hq: [], ndbk: [], sps: [] });
for (let s = 0; s < SEEDS; s++)
  for (const r of runs) {
    const key = `${r.overrides.dataset}|${r.label}`;
    const cell = results.get(key)!;
    const sum = await trainSpec(r.spec, { overrides: r.overrides, steps: STEPS, seed: s, backend: BACKEND });
    const m = sum.metrics as Record<string, number>;
    cell.modes.push(m.modes_covered!);
    cell.total = m.modes_total!;
    cell.hq.push(m.high_quality!);
    cell.ndbk.push(m.ndb_k!);
    cell.sps.push(sum.steps_per_s);
    rmSync(sum.runDir, { recursive: true, force: true });
    if (JSONL)
      appendFileSync(JSONL, JSON.stringify({ dataset: r.overrides.dataset, model: r.label, seed: s, steps: STEPS, backend: BACKEND, ...m, steps_per_s: sum.steps_per_s, wall_s: sum.wall_s }) + "\n");
    process.stderr.write(
      `${key} seed=${s}: modes ${m.modes_covered}/${m.modes_total} hq ${m.high_quality!.toFixed(3)} ` +
        `ndb/k ${m.ndb_k!.toFixed(3)} (${sum.steps_per_s.toFixed(1)} steps/s, ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
    );
  }

console.log(
  `Mixture GAN and vanilla GAN on 2-D benchmarks: ${STEPS} alternating steps (batch 256, Adam lr ${LR ?? "1e-3 (spec default)"}, beta1 0.5), ` +
    `${SEEDS} seed(s), backend ${BACKEND}; modes covered of the total, high-quality fraction, NDB/K (lower is better); mean ± std over seeds.\n`,
);
for (const dataset of DATASETS) {
  console.log(`\n${dataset === "ring" ? "8-mode ring (radius 2, std 0.02)" : "5x5 grid (spacing 2, std 0.05)"}\n`);
  const rows = runs
    .filter((r) => r.overrides.dataset === dataset)
    .map((r) => {
      const c = results.get(`${dataset}|${r.label}`)!;
      return [r.label, `${fmtMeanStd(c.modes, 1)} / ${c.total}`, fmtMeanStd(c.hq), fmtMeanStd(c.ndbk), fmtMeanStd(c.sps, 1)];
    });
  console.log(markdownTable(["model", "modes covered", "high quality", "NDB/K", "steps/s"], rows));
}
console.log(`\nwall time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
