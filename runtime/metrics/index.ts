// Public API of the evaluation metrics (see docs/metrics.md for the exact definitions).
export { type Matrix, type Floats, MetricError, matrix, fromRows, meanCov, cholesky, symEig, sqrtmPsd } from "./matrix.ts";
export { mulberry32, type MetricRng } from "./rng.ts";
export { erfc, normCdf, logSumExp } from "./stats.ts";
export { kmeans, kmeansPlusPlus, assignNearest, type KMeansOptions, type KMeansResult } from "./kmeans.ts";
export {
  ndb,
  ndbBins,
  ndbEvaluate,
  ndbBinsToJson,
  ndbBinsFromJson,
  twoProportionsZTest,
  jsDivergence,
  klDivergence,
  type NdbOptions,
  type NdbBins,
  type NdbResult,
} from "./ndb.ts";
export {
  fitGmmEm,
  gmmInitKmeans,
  gmmNll,
  gmmPredict,
  weightedLogProb,
  paramError,
  type CovType,
  type Gmm,
  type GmmFit,
  type EmOptions,
  type ParamErrorResult,
} from "./gmm.ts";
export { hungarian, type Assignment } from "./hungarian.ts";
export { clusterAccuracy, nmi } from "./clustering.ts";
export { modeCoverage, type ModeCoverageOptions, type ModeCoverageResult } from "./coverage.ts";
export { frechetDistance, frechetGaussians, type Gaussian } from "./frechet.ts";
export {
  classifierDistance,
  classifierFeatures,
  classifierPredict,
  loadClassifier,
  DEFAULT_CLASSIFIER_PATH,
  type CfdOptions,
} from "./classifier.ts";
export { readIdx, parseIdx, loadFashionMnist, FASHION_MNIST_DIR, type IdxArray } from "./idx.ts";
