// The evaluate metrics the runtime implements, one name each: the checker accepts exactly these (a signature-table
// entry of category "metric" must be one of them, test/metrics/metric-table.test.ts), and runtime/train/evaluate.ts
// has one handler per name (its table is typed by this list, so a missing handler does not compile). Kept free of
// tfjs so the checker and the language server can import it.
export const EVALUATE_METRIC_NAMES = [
  "samples",
  "ndb",
  "modes",
  "gmm_recovery",
  "gmm_fit",
  "cluster_accuracy",
  "nmi",
  "cfd",
  "reconstruction",
  "linear_probe",
] as const;

export type EvaluateMetricName = (typeof EVALUATE_METRIC_NAMES)[number];

export function isEvaluateMetric(name: string): name is EvaluateMetricName {
  return (EVALUATE_METRIC_NAMES as readonly string[]).includes(name);
}
