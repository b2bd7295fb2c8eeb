// Users' own data: a numeric CSV, streamed through csv-parse (RFC 4180: quoted fields, "" escapes, CRLF, a BOM).
// Columns: x (all feature columns, float [ncol]) and, with label=..., y (int). Every error names file:line.
import * as fs from "node:fs";
import { parse, CsvError } from "csv-parse";
import type { Dataset } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { ArgReader, type Args } from "./args.ts";
import { dataPath, float32Problem, probeFile, problemError, readHead, showCell, type DataProblem } from "./files.ts";

/** a decimal number as CSV files write it (no hex, no "Infinity", no empty cell) */
const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const isNum = (s: string) => NUM.test(s);

/** The file is there and is text (no NUL byte in its first 64 KiB). */
export function probeCsv(rel: string, baseDir: string): DataProblem | null {
  const p = probeFile("csv", rel, baseDir);
  if (p) return p;
  const { abs, shown } = dataPath(rel, baseDir);
  const head = readHead(abs, 65536);
  if (head.includes(0))
    return { code: "data-format", message: `${shown}: binary data, not CSV text (a NUL byte at offset ${head.indexOf(0)})`, hint: "csv(path=...) reads comma-separated numbers; .npy files are read with npy(path=...), IDX files with idx(path=...)" };
  return null;
}

/** Growable typed array. */
class Grow<T extends Float32Array | Int32Array> {
  n = 0;
  constructor(public a: T) {}
  push(v: number) {
    if (this.n === this.a.length) {
      const b = new (this.a.constructor as new (n: number) => T)(Math.max(1024, this.a.length * 2));
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): T {
    return this.a.slice(0, this.n) as T;
  }
}

export async function csv(args: Args, ctx: { baseDir: string }): Promise<Dataset> {
  const a = new ArgReader("csv", args, ["path", "label", "header"]);
  const rel = a.str("path");
  const bad = probeCsv(rel, ctx.baseDir);
  if (bad) throw problemError(bad);
  const { abs, shown: file } = dataPath(rel, ctx.baseDir);
  const hdrArg = a.raw("header");
  const headerGiven = hdrArg === undefined || hdrArg === null ? null : a.bool("header", false);
  // label "" (the checker's default) means no label column
  const labelArg = a.raw("label") === "" ? undefined : a.raw("label");

  const fail = (line: number, msg: string, hint?: string) =>
    new GancRuntimeError(`${file}:${line}: ${msg}`, { code: "data-format", ...(hint ? { hint } : {}) });
  const parser = fs.createReadStream(abs).pipe(
    parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }),
  );
  let names: string[] | null = null;
  let width = -1;
  let labelCol = -1;
  let d = 0;
  const x = new Grow(new Float32Array(1024));
  const y = new Grow(new Int32Array(256));
  let n = 0;
  let maxY = -1;
  let sawRecord = false;
  const setColumns = (cells: string[], header: boolean) => {
    names = header ? cells : cells.map((_, i) => `c${i}`);
    width = names.length;
    if (typeof labelArg === "number") labelCol = labelArg;
    else if (typeof labelArg === "string") {
      labelCol = names.indexOf(labelArg);
      if (labelCol < 0)
        throw new GancRuntimeError(`${file}: no column named "${labelArg}"`, {
          code: "data-args",
          hint: header ? `columns: ${names.join(", ")}` : "the file has no header row; give label as a column index",
        });
    }
    if (labelArg !== undefined && (!Number.isInteger(labelCol) || labelCol < 0 || labelCol >= width))
      throw new GancRuntimeError(`${file}: label column ${String(labelArg)} out of range 0..${width - 1}`, {
        code: "data-args",
      });
    d = labelCol >= 0 ? width - 1 : width;
  };
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const cells = rec.record;
      const line = rec.info.lines;
      if (!sawRecord) {
        sawRecord = true;
        // default (absent or null, the checker's default): the first row is a header when any cell is not a number
        const header = headerGiven ?? cells.some((c) => !isNum(c));
        setColumns(cells, header);
        if (header) continue;
      }
      if (cells.length !== width) throw fail(line, `expected ${width} columns, found ${cells.length}`);
      for (let col = 0; col < width; col++) {
        const c = cells[col]!;
        const name = names![col];
        if (!isNum(c)) {
          const special = /^[+-]?(nan|inf|infinity)$/i.test(c);
          throw fail(
            line,
            `column ${col + 1} ("${name}") is not a number: ${showCell(c)}`,
            special ? "NaN and infinite values cannot be trained on: drop or impute those rows" : c === "" ? "an empty cell: fill it or drop the row" : undefined,
          );
        }
        const v = Number(c);
        if (col === labelCol) {
          if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) throw fail(line, `label "${c}" must be a non-negative integer`);
          y.push(v);
          if (v > maxY) maxY = v;
        } else {
          const why = float32Problem(v);
          if (why) throw fail(line, `column ${col + 1} ("${name}") value ${c} ${why}`, "data is trained in float32: rescale the column");
          x.push(v);
        }
      }
      n++;
    }
  } catch (e) {
    parser.destroy();
    if (e instanceof CsvError) {
      const line = (e as CsvError & { lines?: number }).lines;
      throw new GancRuntimeError(`${file}:${line ?? "?"}: malformed CSV: ${e.message}`, {
        code: "data-format",
        hint: 'quote a field that holds a comma or a quote ("a,b"; a quote inside is doubled: "say ""hi""")',
      });
    }
    throw e;
  }
  if (!sawRecord) throw new GancRuntimeError(`${file}: empty CSV (no rows)`, { code: "data-format" });
  if (n === 0) throw new GancRuntimeError(`${file}: no data rows (only the header)`, { code: "data-format" });
  const columns: Dataset["columns"] = [{ name: "x", shape: [d], dtype: "float32", data: x.done() }];
  if (labelCol >= 0)
    columns.push({ name: names![labelCol] ?? "y", shape: [], dtype: "int32", data: y.done(), classes: maxY + 1 });
  return { source: "csv", n, columns };
}
