// Mode coverage for 2-D (or any-D) mixture benchmarks such as the 8-Gaussian ring and the 5x5 grid, with the
// VEEGAN (Srivastava et al. 2017) convention: a sample is "high quality" when it lies within thresholdSigmas
// standard deviations of its nearest mode; a mode is covered when enough high-quality samples fall on it.

import { assignNearest } from "./kmeans.ts";
import { MetricError, checkMatrix, type Matrix } from "./matrix.ts";

export interface ModeCoverageOptions {
  /** standard deviation of each mode (isotropic) */
  std: number;
  /** radius of a mode in std units (default 3) */
  thresholdSigmas?: number;
  /** a mode is covered with at least this many high-quality samples (default: max(1, minFraction * n)) */
  minCount?: number;
  /** alternative to minCount as a fraction of all samples (default 0.01, i.e. 1% of the samples) */
  minFraction?: number;
}

export interface ModeCoverageResult {
  modesCovered: number;
  totalModes: number;
  /** fraction of samples within thresholdSigmas * std of their nearest mode */
  highQualityFraction: number;
  /** high-quality samples per mode */
  perMode: number[];
  covered: boolean[];
}

export function modeCoverage(samples: Matrix, centers: Matrix, opts: ModeCoverageOptions): ModeCoverageResult {
  checkMatrix(samples, "modeCoverage(samples)");
  checkMatrix(centers, "modeCoverage(centers)");
  if (samples.d !== centers.d) throw new MetricError(`modeCoverage: samples are ${samples.d}-D, modes ${centers.d}-D`);
  if (!(opts.std > 0)) throw new MetricError(`modeCoverage: std must be > 0, got ${opts.std}`);
  if (samples.n === 0) throw new MetricError("modeCoverage: no samples");
  const radius = (opts.thresholdSigmas ?? 3) * opts.std;
  const minCount = opts.minCount ?? Math.max(1, Math.ceil((opts.minFraction ?? 0.01) * samples.n));
  const { labels, dist } = assignNearest(samples.data, samples.n, samples.d, centers.data, centers.n);
  const perMode = Array<number>(centers.n).fill(0);
  let hq = 0;
  for (let i = 0; i < samples.n; i++)
    if (dist[i]! <= radius * radius) {
      hq++;
      perMode[labels[i]!]!++;
    }
  const covered = perMode.map((c) => c >= minCount);
  return {
    modesCovered: covered.filter(Boolean).length,
    totalModes: centers.n,
    highQualityFraction: hq / samples.n,
    perMode,
    covered,
  };
}
