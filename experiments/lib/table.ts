// Small shared helpers for experiment scripts: CLI flags, mean/std aggregation and Markdown tables.

/** `--quick`, `--seeds 3`, `--steps 500` style flags (value flags take the next argument). */
export function parseFlags(argv: string[]): { quick: boolean; values: Record<string, string> } {
  const values: Record<string, string> = {};
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") quick = true;
    else if (a.startsWith("--")) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new Error(`flag ${a} needs a value`);
      values[a.slice(2)] = next;
      i++;
    } else throw new Error(`unexpected argument "${a}"`);
  }
  return { quick, values };
}

export function intFlag(values: Record<string, string>, name: string, dflt: number): number {
  const v = values[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a non-negative integer, got "${v}"`);
  return n;
}

export function meanStd(xs: number[]): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const v = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}

/** "1.234 ± 0.056" (± omitted for a single value). */
export function fmtMeanStd(xs: number[], digits = 3): string {
  const { mean, std } = meanStd(xs);
  return xs.length > 1 ? `${mean.toFixed(digits)} ± ${std.toFixed(digits)}` : mean.toFixed(digits);
}

export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
