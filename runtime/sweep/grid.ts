// Sweep grids: `--set name=v1,v2,...` (repeatable) and `--seeds 0..4`, expanded into points (the cartesian product
// of the values, in the order given, times the seeds). Errors are SweepError naming the flag and the bad part.

export class SweepError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = "SweepError";
  }
}

export type Grid = Array<{ name: string; values: string[] }>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parse one `--set name=v1,v2,...`; `prev` holds the earlier ones (a name given twice is an error). */
export function parseGridSet(arg: string, prev: Grid = []): Grid {
  const i = arg.indexOf("=");
  if (i < 0) throw new SweepError(`--set ${arg}: expected name=v1,v2,... (no "=")`);
  const name = arg.slice(0, i).trim();
  if (!name) throw new SweepError(`--set ${arg}: the param name before "=" is empty`);
  if (!NAME.test(name)) throw new SweepError(`--set ${arg}: "${name}" is not a param name (letters, digits, _)`);
  if (prev.some((g) => g.name === name))
    throw new SweepError(`--set ${name} is given twice; list all its values in one flag: --set ${name}=v1,v2`);
  const rest = arg.slice(i + 1);
  const values = rest.split(",").map((v) => v.trim());
  if (values.some((v) => v === ""))
    throw new SweepError(`--set ${arg}: empty value in "${rest}" (values are separated by single commas)`);
  const dup = values.find((v, k) => values.indexOf(v) !== k);
  if (dup !== undefined) throw new SweepError(`--set ${arg}: the value "${dup}" is listed twice`);
  return [...prev, { name, values }];
}

/** `0..4` (inclusive), `0,1,7`, or one seed `3`. */
export function parseSeeds(arg: string): number[] {
  const s = arg.trim();
  const range = /^(\d+)\s*\.\.\s*(\d+)$/.exec(s);
  let seeds: number[];
  if (range) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    if (b < a) throw new SweepError(`--seeds ${arg}: the range ends before it starts (write ${b}..${a})`);
    if (b - a >= 10000) throw new SweepError(`--seeds ${arg}: more than 10000 seeds`);
    seeds = Array.from({ length: b - a + 1 }, (_, k) => a + k);
  } else {
    const parts = s.split(",").map((p) => p.trim());
    if (parts.some((p) => !/^\d+$/.test(p)))
      throw new SweepError(`--seeds ${arg}: expected A..B (inclusive) or a list of non-negative integers like 0,1,2`);
    seeds = parts.map(Number);
  }
  const dup = seeds.find((v, k) => seeds.indexOf(v) !== k);
  if (dup !== undefined) throw new SweepError(`--seeds ${arg}: seed ${dup} is listed twice`);
  return seeds;
}

/** Every combination of the grid's values, the first param varying slowest. An empty grid is one configuration. */
export function configurations(grid: Grid): Array<Record<string, string>> {
  let out: Array<Record<string, string>> = [{}];
  for (const g of grid) out = out.flatMap((c) => g.values.map((v) => ({ ...c, [g.name]: v })));
  return out;
}

/** The params that take more than one value (what tells configurations apart). */
export const variedParams = (grid: Grid): string[] => grid.filter((g) => g.values.length > 1).map((g) => g.name);

/** `lr=0.1 K=2` from the varied params ("default" when nothing varies). */
export function configLabel(config: Record<string, string>, varied: string[]): string {
  const parts = varied.map((n) => `${n}=${config[n]}`);
  return parts.length ? parts.join(" ") : "default";
}

/** A folder name for a point: index, varied params and seed, with anything unusual replaced. */
export function pointId(index: number, total: number, config: Record<string, string>, varied: string[], seed: number | null): string {
  const width = String(Math.max(0, total - 1)).length;
  const parts = [`p${String(index).padStart(width, "0")}`, ...varied.map((n) => `${n}=${config[n]}`)];
  if (seed !== null) parts.push(`seed=${seed}`);
  return parts.join("_").replace(/[^A-Za-z0-9._=+-]/g, "-").slice(0, 120);
}
