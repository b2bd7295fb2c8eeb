// Deterministic, checkpointable random source: sfc32 (128-bit state, fast on 32-bit ints) with Box-Muller normals.
// The cached second Box-Muller value is part of the state so getState/setState round-trips exactly.
import type { Rng, RngState } from "./types.ts";
import { GancRuntimeError } from "./errors.ts";

/** 32-bit FNV-1a hash of a string (labels for fork). */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32: spreads a seed into well-mixed state words. */
function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t = t ^ (t >>> 15);
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

class Sfc32 implements Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  /** cached second normal of a Box-Muller pair; NaN when empty */
  private spare = NaN;
  /** the seed material this stream was built from (fork derives from it) */
  private seedWord: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new GancRuntimeError(`rng seed must be a finite number, got ${seed}`);
    this.seedWord = (Math.floor(Math.abs(seed)) ^ (seed < 0 ? 0x5bd1e995 : 0)) >>> 0;
    const sm = splitmix32(this.seedWord);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    for (let i = 0; i < 12; i++) this.next32();
  }

  private next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  uniform(): number {
    return this.next32() / 4294967296;
  }

  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u = 0;
    // u in (0,1] so log(u) is finite
    do u = this.uniform();
    while (u === 0);
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new GancRuntimeError(`rng.int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  normals(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }

  uniforms(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform();
    return out;
  }

  fork(label: string): Rng {
    // derived from the seed and label only, so a fork is the same whenever it is taken
    return new Sfc32((Math.imul(this.seedWord ^ 0x2545f491, 0x9e3779b1) ^ hashString(label)) >>> 0);
  }

  getState(): RngState {
    // spare: NaN is not JSON-safe, so encode "empty" as a flag
    const hasSpare = Number.isNaN(this.spare) ? 0 : 1;
    return {
      s: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0, this.seedWord, hasSpare, hasSpare ? this.spare : 0],
    };
  }

  setState(st: RngState): void {
    const s = st?.s;
    if (!Array.isArray(s) || s.length !== 7 || s.some((x) => typeof x !== "number" || !Number.isFinite(x)))
      throw new GancRuntimeError("invalid rng state: expected { s: number[7] } from Rng.getState()", {
        code: "rng-state",
      });
    this.a = s[0] | 0;
    this.b = s[1] | 0;
    this.c = s[2] | 0;
    this.d = s[3] | 0;
    this.seedWord = s[4] >>> 0;
    this.spare = s[5] ? s[6] : NaN;
  }
}

export function createRng(seed: number): Rng {
  return new Sfc32(seed);
}
