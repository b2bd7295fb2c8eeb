// Clustering quality against ground-truth labels: accuracy under the best one-to-one cluster->class matching
// (Hungarian) and normalized mutual information with arithmetic-mean normalization (sklearn's default).

import { hungarian } from "./hungarian.ts";
import { MetricError } from "./matrix.ts";

type Labels = ArrayLike<number>;

function contingency(pred: Labels, truth: Labels): { table: number[][]; predIds: number[]; truthIds: number[] } {
  if (pred.length !== truth.length) throw new MetricError(`labels differ in length: ${pred.length} vs ${truth.length}`);
  if (pred.length === 0) throw new MetricError("no labels");
  const pIndex = new Map<number, number>();
  const tIndex = new Map<number, number>();
  for (let i = 0; i < pred.length; i++) {
    if (!Number.isInteger(pred[i]) || !Number.isInteger(truth[i])) throw new MetricError(`label ${i} is not an integer`);
    if (!pIndex.has(pred[i]!)) pIndex.set(pred[i]!, pIndex.size);
    if (!tIndex.has(truth[i]!)) tIndex.set(truth[i]!, tIndex.size);
  }
  const table = Array.from({ length: pIndex.size }, () => Array<number>(tIndex.size).fill(0));
  for (let i = 0; i < pred.length; i++) table[pIndex.get(pred[i]!)!]![tIndex.get(truth[i]!)!]!++;
  return { table, predIds: [...pIndex.keys()], truthIds: [...tIndex.keys()] };
}

/** Fraction of samples correctly labelled under the best one-to-one mapping of predicted clusters to classes. */
export function clusterAccuracy(pred: Labels, truth: Labels): { accuracy: number; mapping: Map<number, number> } {
  const { table, predIds, truthIds } = contingency(pred, truth);
  const a = hungarian(table.map((r) => r.map((c) => -c)));
  const mapping = new Map<number, number>();
  a.rowToCol.forEach((c, r) => {
    if (c >= 0) mapping.set(predIds[r]!, truthIds[c]!);
  });
  return { accuracy: -a.cost / pred.length, mapping };
}

function entropy(counts: number[], n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/** NMI = MI(U,V) / ((H(U) + H(V)) / 2), natural log; 1 when both labelings have a single cluster (as sklearn). */
export function nmi(pred: Labels, truth: Labels): number {
  const { table } = contingency(pred, truth);
  const n = pred.length;
  const rows = table.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = table[0]!.map((_, j) => table.reduce((a, r) => a + r[j]!, 0));
  if (rows.length === 1 && cols.length === 1) return 1;
  let mi = 0;
  for (let i = 0; i < rows.length; i++)
    for (let j = 0; j < cols.length; j++) {
      const c = table[i]![j]!;
      if (c > 0) mi += (c / n) * Math.log((c * n) / (rows[i]! * cols[j]!));
    }
  if (mi <= 0) return 0;
  const norm = (entropy(rows, n) + entropy(cols, n)) / 2;
  return Math.min(1, mi / norm);
}
