// Shared by the sweep tests: the tiny fixture spec, in-process command io, and default CLI options.
import { resolve } from "node:path";
import type { SweepCliOptions } from "../../compiler/cli/commands/sweep.ts";

export const TINY = resolve(__dirname, "fixtures/tiny.gan");

export function io() {
  const o = { out: "", err: "" };
  return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
}

export const opts = (o: Partial<SweepCliOptions>): SweepCliOptions => ({ set: [], plugin: [], sbatchArg: [], eval: true, quiet: true, ...o });
