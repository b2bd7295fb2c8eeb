// Learning-rate schedules (issue 21): the factor an optimizer's base lr is multiplied by at its t-th application
// (t from 1, the optimizer's own step counter `t`, which checkpoints carry, so a resumed run continues the schedule
// exactly). One definition for every host: the tfjs optimizers (runtime/optim/optimizers.ts) and the hyper inputs of
// the compiled step graphs (runtime/optim/hyper.ts) both call lrFactor, in float64, then round the lr to float32.
import { GancRuntimeError } from "../errors.ts";

export type LrSchedule =
  | { kind: "constant" }
  /** linear warm-up from lr/steps to lr over `steps` applications, then constant */
  | { kind: "warmup"; steps: number }
  /** linear warm-up over `warmup`, then linear from lr to end*lr at application `steps`, then constant */
  | { kind: "linear"; steps: number; warmup: number; end: number }
  /** linear warm-up over `warmup`, then half a cosine from lr to min*lr at application `steps`, then constant */
  | { kind: "cosine"; steps: number; warmup: number; min: number }
  /** lr * gamma^floor((t - 1) / every) (PyTorch's StepLR) */
  | { kind: "step"; every: number; gamma: number };

/** the multiplier of the base lr at the t-th application (t >= 1) */
export function lrFactor(s: LrSchedule | null | undefined, t: number): number {
  if (!s || s.kind === "constant") return 1;
  const warm = (w: number) => (w > 0 && t < w ? t / w : 1);
  switch (s.kind) {
    case "warmup":
      return warm(s.steps);
    case "linear":
    case "cosine": {
      if (s.warmup > 0 && t < s.warmup) return warm(s.warmup);
      const span = s.steps - s.warmup;
      const p = span > 0 ? Math.min(1, Math.max(0, (t - s.warmup) / span)) : 1;
      if (s.kind === "linear") return 1 + (s.end - 1) * p;
      return s.min + (1 - s.min) * 0.5 * (1 + Math.cos(Math.PI * p));
    }
    case "step":
      return Math.pow(s.gamma, Math.floor((t - 1) / s.every));
  }
  throw new GancRuntimeError(`unknown lr schedule ${JSON.stringify((s as { kind: unknown }).kind)}`, { code: "optim" });
}

/** the schedule's arguments are usable (the checker reports E0412 for the same conditions, with a span) */
export function scheduleProblem(s: LrSchedule): string | null {
  const posInt = (x: number) => Number.isInteger(x) && x >= 1;
  switch (s.kind) {
    case "constant":
      return null;
    case "warmup":
      return posInt(s.steps) ? null : `warmup steps must be an int >= 1, got ${s.steps}`;
    case "linear":
    case "cosine": {
      if (!posInt(s.steps)) return `${s.kind} steps must be an int >= 1, got ${s.steps}`;
      if (!(Number.isInteger(s.warmup) && s.warmup >= 0 && s.warmup < s.steps)) return `${s.kind} warmup must be an int in 0..steps-1 (${s.steps - 1}), got ${s.warmup}`;
      const end = s.kind === "linear" ? s.end : s.min;
      if (!(end >= 0 && end <= 1)) return `${s.kind} ${s.kind === "linear" ? "end" : "min"} must be in [0, 1] (a fraction of lr), got ${end}`;
      return null;
    }
    case "step":
      if (!posInt(s.every)) return `step every must be an int >= 1, got ${s.every}`;
      return s.gamma > 0 && s.gamma <= 1 ? null : `step gamma must be in (0, 1], got ${s.gamma}`;
  }
  return `unknown schedule ${JSON.stringify((s as { kind: unknown }).kind)}`;
}
