// The long fuzz run (docs/robustness.md): `npx tsx test/fuzz/run.ts --cases 100000 [--seed S] [--compile-every N]
// [--minutes M]`. The mutations of the bundled specs go through the whole pipeline (test/fuzz/mutate.ts); it prints
// the cases run, internal errors (E0799), aborts (exceptions that escaped), malformed diagnostics and cases/s, and
// the first few failing inputs. Exit status 1 when any case failed.
import { mkdirSync, writeFileSync } from "node:fs";
import { pipelineCase, mutate, rng, seeds } from "./mutate.ts";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const cases = arg("cases", 100_000);
const seed = arg("seed", 1);
const compileEvery = arg("compile-every", 50); // compileSource (ts-morph + prettier) on every Nth clean case
const minutes = arg("minutes", Infinity); // stop early after this much wall time
const failDir = process.env.FUZZ_FAIL_DIR;

const r = rng(seed);
const t0 = Date.now();
let ran = 0, internal = 0, aborts = 0, bad = 0, clean = 0, compiled = 0, lowered = 0;
const shown: string[] = [];
const seen = new Set<string>();
for (let i = 0; i < cases; i++) {
  if ((Date.now() - t0) / 60_000 > minutes) break;
  const src = mutate(seeds[i % seeds.length], r);
  const res = await pipelineCase(src, "m.gan", { compile: clean % compileEvery === 0 });
  ran++;
  if (res.clean) clean++;
  if (res.compiled) compiled++;
  if (res.lowered) lowered++;
  internal += res.internal.length ? 1 : 0;
  aborts += res.aborts.length ? 1 : 0;
  bad += res.bad.length ? 1 : 0;
  for (const p of [...res.internal, ...res.aborts, ...res.bad]) {
    const key = p.split("\n")[0].slice(0, 120);
    if (seen.has(key)) continue;
    seen.add(key);
    shown.push(`case ${i}: ${p}\n  input: ${JSON.stringify(src.slice(0, 400))}`);
    if (failDir) {
      mkdirSync(failDir, { recursive: true });
      writeFileSync(`${failDir}/case-${i}.gan`, src);
    }
  }
  if (ran % 5000 === 0) console.error(`.. ${ran} cases, ${((ran * 1000) / (Date.now() - t0)).toFixed(0)}/s, ${internal + aborts + bad} failing`);
}
const s = (Date.now() - t0) / 1000;
console.log(`seed ${seed}: ${ran} cases in ${s.toFixed(1)} s (${(ran / s).toFixed(0)} cases/s)`);
console.log(`checked clean ${clean}, compiled ${compiled}, lowered to the step IR ${lowered}`);
console.log(`internal errors (E0799) ${internal}, aborts (throws) ${aborts}, malformed diagnostics ${bad}`);
for (const x of shown.slice(0, 20)) console.log(x);
process.exitCode = internal + aborts + bad ? 1 : 0;
