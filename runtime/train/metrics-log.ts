// metrics.jsonl / evals.jsonl: one JSON object per line with a `step`. On resume, lines past the checkpoint's step
// are dropped (rewritten atomically) so the file equals the one an uninterrupted run would have written.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../report/atomic.ts";

export interface LogLine {
  step: number;
  losses: Record<string, number>;
  steps_per_s: number;
  elapsed_s: number;
}

export function readJsonl<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a torn last line from a killed process: ignore it (it is past any checkpoint anyway)
    }
  }
  return out;
}

/** Keep only complete lines with step <= maxStep. */
export function truncateJsonl(path: string, maxStep: number): void {
  if (!existsSync(path)) return;
  const kept = readJsonl<{ step?: number }>(path).filter((l) => typeof l.step === "number" && l.step <= maxStep);
  writeFileAtomic(path, kept.map((l) => JSON.stringify(l) + "\n").join(""));
}

export function appendJsonl(path: string, obj: unknown): void {
  // JSON.stringify writes NaN as null; keep it visible as a string instead
  appendFileSync(path, JSON.stringify(obj, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)) + "\n");
}
