// Minimum-cost assignment (Hungarian algorithm with potentials, O(n^2 m)) for rectangular cost matrices.

import { MetricError } from "./matrix.ts";

export interface Assignment {
  /** column assigned to each row (-1 for rows left unassigned when rows > cols) */
  rowToCol: number[];
  /** total cost of the assignment */
  cost: number;
}

export function hungarian(cost: number[][]): Assignment {
  const rows = cost.length;
  if (rows === 0) return { rowToCol: [], cost: 0 };
  const cols = cost[0]!.length;
  for (const [i, r] of cost.entries()) {
    if (r.length !== cols) throw new MetricError(`hungarian: row ${i} has ${r.length} entries, expected ${cols}`);
    for (const v of r) if (!Number.isFinite(v)) throw new MetricError(`hungarian: non-finite cost in row ${i}`);
  }
  if (cols === 0) return { rowToCol: Array(rows).fill(-1), cost: 0 };
  if (rows > cols) {
    // solve the transpose, then invert the matching
    const t = hungarian(Array.from({ length: cols }, (_, j) => cost.map((r) => r[j]!)));
    const rowToCol = Array<number>(rows).fill(-1);
    t.rowToCol.forEach((r, j) => {
      if (r >= 0) rowToCol[r] = j;
    });
    return { rowToCol, cost: t.cost };
  }
  const n = rows;
  const m = cols;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j] = row (1-based) matched to column j
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = Array<number>(n).fill(-1);
  let total = 0;
  for (let j = 1; j <= m; j++)
    if (p[j]! > 0) {
      rowToCol[p[j]! - 1] = j - 1;
      total += cost[p[j]! - 1]![j - 1]!;
    }
  return { rowToCol, cost: total };
}
