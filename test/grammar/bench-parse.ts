// Timing of the front end (not a test): warm in-process parse of a ~200-line spec and of 1 MB.
// Run: npx tsx test/grammar/bench-parse.ts
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse, format } from "../../grammar/index.ts";

const root = join(import.meta.dirname, "..", "..");
const all = readdirSync(join(root, "specs")).sort().map((f) => readFileSync(join(root, "specs", f), "utf8"));
let text = "";
for (let i = 0; text.split("\n").length < 200; i++) text += all[i % all.length] + "\n";
const lines = text.split("\n").length;
const t0 = performance.now();
parse(text, "bench.gan");
const cold = performance.now() - t0;
const times: number[] = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  parse(text, "bench.gan");
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const ft: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  format(text.replace(/^model .*$/gm, ""), "bench.gan");
  ft.push(performance.now() - t);
}
ft.sort((a, b) => a - b);
let big = "";
while (big.length < 1_000_000) big += all[1] + "\n";
const tb = performance.now();
parse(big, "big.gan");
const bigMs = performance.now() - tb;
console.log(
  `parse ${lines} lines: first ${cold.toFixed(1)} ms, warm median ${times[25].toFixed(2)} ms (min ${times[0].toFixed(2)}); ` +
    `format median ${ft[10].toFixed(2)} ms; parse 1 MB: ${bigMs.toFixed(0)} ms`,
);
