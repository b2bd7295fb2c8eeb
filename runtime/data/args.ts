// Argument checking shared by the data sources: unknown names and wrong types become GancRuntimeErrors.
import { GancRuntimeError } from "../errors.ts";

export type Args = Record<string, number | string | boolean>;

export class ArgReader {
  constructor(
    private source: string,
    private args: Args,
    allowed: string[],
  ) {
    for (const k of Object.keys(args))
      if (!allowed.includes(k))
        throw new GancRuntimeError(`${source}: unknown argument "${k}"`, {
          code: "data-args",
          hint: `${source} takes: ${allowed.join(", ")}`,
        });
  }
  num(name: string, def?: number, opts: { int?: boolean; min?: number } = {}): number {
    const v = this.args[name] ?? def;
    if (v === undefined)
      throw new GancRuntimeError(`${this.source}: missing argument "${name}"`, { code: "data-args" });
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new GancRuntimeError(`${this.source}: argument "${name}" must be a number, got ${JSON.stringify(v)}`, {
        code: "data-args",
      });
    if (opts.int && !Number.isInteger(v))
      throw new GancRuntimeError(`${this.source}: argument "${name}" must be an integer, got ${v}`, {
        code: "data-args",
      });
    if (opts.min !== undefined && v < opts.min)
      throw new GancRuntimeError(`${this.source}: argument "${name}" must be >= ${opts.min}, got ${v}`, {
        code: "data-args",
      });
    return v;
  }
  optNum(name: string, opts: { int?: boolean; min?: number } = {}): number | undefined {
    return this.args[name] === undefined ? undefined : this.num(name, undefined, opts);
  }
  str(name: string, def?: string): string {
    const v = this.args[name] ?? def;
    if (typeof v !== "string")
      throw new GancRuntimeError(`${this.source}: argument "${name}" must be a string, got ${JSON.stringify(v)}`, {
        code: "data-args",
      });
    return v;
  }
  bool(name: string, def: boolean): boolean {
    const v = this.args[name] ?? def;
    if (typeof v !== "boolean")
      throw new GancRuntimeError(`${this.source}: argument "${name}" must be true or false, got ${JSON.stringify(v)}`, {
        code: "data-args",
      });
    return v;
  }
  raw(name: string): number | string | boolean | undefined {
    return this.args[name];
  }
}
