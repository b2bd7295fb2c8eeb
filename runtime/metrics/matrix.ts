// Row-major dense matrices (n x d) shared by all metrics, plus the small linear algebra they need
// (Cholesky, symmetric eigendecomposition). Kept dependency-free and in float64.

export type Floats = Float64Array | Float32Array;

export interface Matrix {
  data: Floats;
  /** number of rows (samples) */
  n: number;
  /** number of columns (features) */
  d: number;
}

/** Thrown for bad metric inputs (wrong shapes, empty sets, non-finite values). */
export class MetricError extends Error {
  override name = "MetricError";
}

export function matrix(data: Floats | number[], n: number, d: number): Matrix {
  const arr = Array.isArray(data) ? Float64Array.from(data) : data;
  checkMatrix({ data: arr, n, d }, "matrix");
  return { data: arr, n, d };
}

/** Build a Matrix from nested rows (tests, small inputs). */
export function fromRows(rows: number[][]): Matrix {
  const n = rows.length;
  if (n === 0) throw new MetricError("fromRows: no rows");
  const d = rows[0]!.length;
  const data = new Float64Array(n * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new MetricError(`fromRows: row ${i} has ${r.length} values, expected ${d}`);
    data.set(r, i * d);
  });
  return { data, n, d };
}

export function checkMatrix(m: Matrix, what: string): void {
  if (!Number.isInteger(m.n) || !Number.isInteger(m.d) || m.n < 0 || m.d < 1)
    throw new MetricError(`${what}: bad shape ${m.n} x ${m.d}`);
  if (m.data.length < m.n * m.d)
    throw new MetricError(`${what}: data has ${m.data.length} values, shape ${m.n} x ${m.d} needs ${m.n * m.d}`);
  for (let i = 0; i < m.n * m.d; i++)
    if (!Number.isFinite(m.data[i]!)) throw new MetricError(`${what}: non-finite value at row ${Math.floor(i / m.d)}`);
}

export function sqDist(a: Floats, ai: number, b: Floats, bi: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = a[ai + j]! - b[bi + j]!;
    s += t * t;
  }
  return s;
}

/** Column means and the (biased if ddof=0, unbiased if ddof=1) covariance of a matrix. */
export function meanCov(m: Matrix, ddof = 1): { mean: Float64Array; cov: Float64Array } {
  const { n, d, data } = m;
  if (n - ddof <= 0) throw new MetricError(`covariance needs more than ${ddof} rows, got ${n}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b]! += ra * row[b]!;
    }
  }
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / (n - ddof);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  return { mean, cov };
}

/** Lower Cholesky factor L (row-major d x d) of a symmetric positive-definite matrix, or null if not PD. */
export function cholesky(a: Floats, d: number): Float64Array | null {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * d + i] = Math.sqrt(s);
      } else {
        L[i * d + j] = s / L[j * d + j]!;
      }
    }
  }
  return L;
}

/**
 * Eigendecomposition of a symmetric matrix by cyclic Jacobi rotations (accurate; fine for d <= a few hundred).
 * Returns eigenvalues and eigenvectors as columns of V (row-major), so A = V diag(w) V^T.
 */
export function symEig(a: Floats, d: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a.subarray(0, d * d));
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < d; p++) {
      diag += A[p * d + p]! * A[p * d + p]!;
      for (let q = p + 1; q < d; q++) off += A[p * d + q]! * A[p * d + q]!;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = A[p * d + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = A[p * d + p]!;
        const aqq = A[q * d + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = A[k * d + p]!;
          const akq = A[k * d + q]!;
          A[k * d + p] = c * akp - s * akq;
          A[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = A[p * d + k]!;
          const aqk = A[q * d + k]!;
          A[p * d + k] = c * apk - s * aqk;
          A[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = V[k * d + p]!;
          const vkq = V[k * d + q]!;
          V[k * d + p] = c * vkp - s * vkq;
          V[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = A[i * d + i]!;
  return { values, vectors: V };
}

/** Symmetric PSD square root via eigendecomposition (negative round-off eigenvalues clipped to 0). */
export function sqrtmPsd(a: Floats, d: number): Float64Array {
  const { values, vectors: V } = symEig(a, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(0, values[k]!));
    if (s === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = V[i * d + k]! * s;
      if (vik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j]! += vik * V[j * d + k]!;
    }
  }
  return out;
}

export function matMul(a: Floats, b: Floats, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < k; t++) {
      const ait = a[i * k + t]!;
      if (ait === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j]! += ait * b[t * m + j]!;
    }
  return out;
}
