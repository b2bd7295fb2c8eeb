// Sample counts that fit in memory (issue 18): what `ganc sample -n N` and the spec's evaluate metrics may ask for.
// The limits are fixed numbers, not a share of this machine's memory, so that `ganc check` gives the same answer on
// every machine (E0615 at the metric) and a spec that checks does not fail at its first evaluation elsewhere.
// - MAX_SAMPLE_VALUES: one float32 sample tensor of at most 2^28 values (1 GiB; tfjs-wasm's heap is 4 GiB in all,
//   and a sample is copied out of it once more).
// - MAX_CSV_SAMPLE_VALUES: `ganc sample --csv` builds its text in memory; V8 strings hold at most 2^29 - 24
//   characters, and a float32 cell takes up to 16 (with its comma), so 2^25 values.
export const MAX_SAMPLE_VALUES = 2 ** 28;
export const MAX_CSV_SAMPLE_VALUES = 2 ** 25;

const bytes = (n: number) => {
  for (const [u, s] of [[2 ** 40, "TiB"], [2 ** 30, "GiB"], [2 ** 20, "MiB"]] as const) if (n >= u) return `${(n / u).toFixed(1)} ${s}`;
  return `${n} bytes`;
};
const count = (n: number) => (n >= 1e9 ? n.toExponential(2).replace("e+", "e") : String(n));

/** The most samples of `d` values each that may be drawn at once (CSV text: fewer). */
export function maxSamples(d: number, o: { csv?: boolean } = {}): number {
  return Math.max(1, Math.floor((o.csv ? MAX_CSV_SAMPLE_VALUES : MAX_SAMPLE_VALUES) / Math.max(1, d)));
}

/** Why `n` samples of `d` values are too many (message and hint), or null when they fit. `what` names the request
 * (`-n 1000000000000`, `ndb(samples=...)`). */
export function sampleCountProblem(n: number, d: number, what: string, o: { csv?: boolean } = {}): { message: string; hint: string } | null {
  const max = maxSamples(d, o);
  if (n <= max) return null;
  const cap = o.csv ? `2^25 values as CSV text` : `2^28 float32 values, ${bytes(MAX_SAMPLE_VALUES * 4)}`;
  return {
    message:
      `${what} asks for ${count(n)} samples of ${d} value${d === 1 ? "" : "s"} (${bytes(n * d * 4)} as float32), ` +
      `beyond the limit of ${max} samples (${cap})`,
    hint: o.csv
      ? `ask for at most ${max}, or write a PNG (without --csv); for more rows run ganc sample several times and join the files`
      : `ask for at most ${max} samples`,
  };
}
