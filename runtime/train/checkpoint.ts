// Checkpoints: checkpoints/step-<n>.bin (raw little-endian arrays) + step-<n>.json (manifest: array index and the
// JSON-able state: rng, batcher, log accumulators) + `latest` (name of the newest complete checkpoint).
// Every file is written atomically (temp, fsync, rename) in the order bin -> json -> latest, so a crash leaves the
// previous checkpoint intact and never a half-written file under a final name. The last `keep` are kept.
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { makeDirs, writeFileAtomic } from "../report/atomic.ts";
import { GancRuntimeError } from "../errors.ts";
import type { NamedArrays } from "../types.ts";

export interface Checkpoint {
  step: number;
  arrays: NamedArrays;
  /** any JSON-serialisable state */
  state: Record<string, unknown>;
}

interface Manifest {
  format: "ganc-checkpoint";
  version: 1;
  step: number;
  bin: string;
  binBytes: number;
  entries: { key: string; shape: number[]; dtype: "float32" | "int32"; offset: number; length: number }[];
  state: Record<string, unknown>;
}

const NAME = /^step-(\d+)\.json$/;

export function checkpointName(step: number): string {
  return `step-${step}`;
}

export function saveCheckpoint(dir: string, ck: Checkpoint, keep = 2): string {
  makeDirs(dir);
  const name = checkpointName(ck.step);
  const entries: Manifest["entries"] = [];
  let bytes = 0;
  for (const [key, a] of Object.entries(ck.arrays)) {
    entries.push({ key, shape: a.shape, dtype: a.dtype, offset: bytes, length: a.data.length });
    bytes += a.data.length * 4;
  }
  const bin = Buffer.alloc(bytes);
  for (const e of entries) {
    const a = ck.arrays[e.key]!;
    const view = a.dtype === "int32"
      ? new Int32Array(bin.buffer, bin.byteOffset + e.offset, e.length)
      : new Float32Array(bin.buffer, bin.byteOffset + e.offset, e.length);
    view.set(a.data);
  }
  writeFileAtomic(join(dir, `${name}.bin`), bin);
  const manifest: Manifest = {
    format: "ganc-checkpoint", version: 1, step: ck.step, bin: `${name}.bin`, binBytes: bytes, entries, state: ck.state,
  };
  writeFileAtomic(join(dir, `${name}.json`), JSON.stringify(manifest));
  writeFileAtomic(join(dir, "latest"), name + "\n");
  prune(dir, keep);
  return name;
}

/** Steps of the complete checkpoints in `dir`, newest first. */
export function listCheckpoints(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const steps: number[] = [];
  for (const f of readdirSync(dir)) {
    const m = NAME.exec(f);
    if (m && existsSync(join(dir, `step-${m[1]}.bin`))) steps.push(Number(m[1]));
  }
  return steps.sort((a, b) => b - a);
}

function prune(dir: string, keep: number): void {
  for (const step of listCheckpoints(dir).slice(keep)) {
    for (const ext of [".json", ".bin"]) {
      const p = join(dir, `${checkpointName(step)}${ext}`);
      if (existsSync(p)) unlinkSync(p);
    }
  }
  // leftovers of a crashed write
  for (const f of readdirSync(dir)) if (f.startsWith(".") && f.includes(".tmp-")) unlinkSync(join(dir, f));
}

function readOne(dir: string, name: string): Checkpoint {
  const jsonPath = join(dir, `${name}.json`);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(jsonPath, "utf8")) as Manifest;
  } catch (e) {
    throw new GancRuntimeError(`checkpoint ${jsonPath} is unreadable: ${(e as Error).message}`, { code: "checkpoint" });
  }
  if (m.format !== "ganc-checkpoint" || m.version !== 1 || !Array.isArray(m.entries))
    throw new GancRuntimeError(`${jsonPath} is not a ganc checkpoint (version 1)`, { code: "checkpoint" });
  const binPath = join(dir, m.bin);
  if (!existsSync(binPath) || statSync(binPath).size !== m.binBytes)
    throw new GancRuntimeError(`checkpoint data ${binPath} is missing or has the wrong size (expected ${m.binBytes} bytes)`, {
      code: "checkpoint",
    });
  const bin = readFileSync(binPath);
  const arrays: NamedArrays = {};
  for (const e of m.entries) {
    const src = e.dtype === "int32"
      ? new Int32Array(bin.buffer, bin.byteOffset + e.offset, e.length)
      : new Float32Array(bin.buffer, bin.byteOffset + e.offset, e.length);
    arrays[e.key] = { shape: e.shape, dtype: e.dtype, data: Array.from(src) };
  }
  return { step: m.step, arrays, state: m.state ?? {} };
}

/** The newest complete checkpoint: the `latest` pointer, else the newest readable step-*.json; null when none. */
export function loadLatestCheckpoint(dir: string): Checkpoint | null {
  const latest = join(dir, "latest");
  if (existsSync(latest)) {
    const name = readFileSync(latest, "utf8").trim();
    if (/^step-\d+$/.test(name) && existsSync(join(dir, `${name}.json`))) {
      try {
        return readOne(dir, name);
      } catch {
        /* fall back to scanning */
      }
    }
  }
  let lastErr: unknown = null;
  for (const step of listCheckpoints(dir)) {
    try {
      return readOne(dir, checkpointName(step));
    } catch (e) {
      lastErr = e;
    }
  }
  if (lastErr) throw lastErr;
  return null;
}
