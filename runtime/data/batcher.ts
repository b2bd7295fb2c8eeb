// Seeded minibatches. The batcher shuffles with its own stream (rng.fork("batcher"), so it never consumes the
// caller's stream); {epoch, pos, perm, rng state} is the complete checkpoint state. Incomplete final batches are
// dropped.
import * as tf from "@tensorflow/tfjs";
import type { Batcher, BatcherState, Column, Dataset, Rng } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";

function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function gatherRows(c: Column, rows: ArrayLike<number>): Float32Array | Int32Array {
  const w = c.shape.reduce((a, b) => a * b, 1);
  const out = c.dtype === "int32" ? new Int32Array(rows.length * w) : new Float32Array(rows.length * w);
  for (let i = 0; i < rows.length; i++) out.set(c.data.subarray(rows[i] * w, rows[i] * w + w), i * w);
  return out;
}

export function createBatcher(ds: Dataset, batchSize: number, rng: Rng): Batcher {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new GancRuntimeError(`batch size must be a positive integer, got ${batchSize}`, { code: "batch" });
  if (batchSize > ds.n)
    throw new GancRuntimeError(`batch size ${batchSize} is larger than the data set (${ds.n} rows of ${ds.source})`, {
      code: "batch",
      hint: "lower `batch` in the train block or use more data",
    });
  const own = rng.fork("batcher");
  let st = { epoch: 0, pos: 0, perm: permutation(ds.n, own) };
  const nextArrays = (): (Float32Array | Int32Array)[] => {
    if (st.pos + batchSize > ds.n) {
      const e = st.epoch + 1;
      st = { epoch: e, pos: 0, perm: permutation(ds.n, own) };
    }
    const rows = st.perm.slice(st.pos, st.pos + batchSize);
    st.pos += batchSize;
    return ds.columns.map((c) => gatherRows(c, rows));
  };
  return {
    batchSize,
    next: (): tf.Tensor[] => nextArrays().map((a, i) => tf.tensor(a, [batchSize, ...ds.columns[i].shape], ds.columns[i].dtype)),
    nextArrays,
    epoch: () => st.epoch,
    getState: (): BatcherState => ({ epoch: st.epoch, pos: st.pos, perm: st.perm.slice(), rng: own.getState() }),
    setState(s: BatcherState) {
      if (!s || !Array.isArray(s.perm) || s.perm.length !== ds.n || !(s.pos >= 0 && s.pos <= ds.n))
        throw new GancRuntimeError(`batcher state does not fit this data set (${ds.n} rows)`, { code: "batch-state" });
      own.setState(s.rng);
      st = { epoch: s.epoch, pos: s.pos, perm: s.perm.slice() };
    },
  };
}

/** `count` random rows of a column as flat values (data_points(x) initialisation); without replacement when possible. */
export function sampleRows(ds: Dataset, column: number | string, count: number, rng: Rng): number[] {
  const c = typeof column === "number" ? ds.columns[column] : ds.columns.find((k) => k.name === column);
  if (!c)
    throw new GancRuntimeError(`data ${ds.source} has no column ${JSON.stringify(column)}`, {
      code: "data-args",
      hint: `columns: ${ds.columns.map((k) => k.name).join(", ")}`,
    });
  const w = c.shape.reduce((a, b) => a * b, 1);
  const rows =
    count <= ds.n ? permutation(ds.n, rng).slice(0, count) : Array.from({ length: count }, () => rng.int(ds.n));
  const out: number[] = [];
  for (const r of rows) for (let j = 0; j < w; j++) out.push(c.data[r * w + j]);
  return out;
}
