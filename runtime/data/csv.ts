// Users' own data: a numeric CSV. Columns: x (all feature columns, float [ncol]) and, with label=..., y (int).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Dataset } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { ArgReader, type Args } from "./args.ts";

const isNum = (s: string) => s.trim() !== "" && Number.isFinite(Number(s));

export function csv(args: Args, ctx: { baseDir: string }): Dataset {
  const a = new ArgReader("csv", args, ["path", "label", "header"]);
  const rel = a.str("path");
  const file = path.resolve(ctx.baseDir, rel);
  if (!fs.existsSync(file))
    throw new GancRuntimeError(`csv: file not found: ${file}`, {
      code: "data-missing",
      hint: `path is relative to ${ctx.baseDir}`,
    });
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/);
  const rows: { line: number; cells: string[] }[] = [];
  lines.forEach((l, i) => {
    if (l.trim() !== "") rows.push({ line: i + 1, cells: l.split(",").map((c) => c.trim()) });
  });
  if (rows.length === 0) throw new GancRuntimeError(`${file}: empty CSV`, { code: "data-format" });
  const hdrArg = a.raw("header");
  // default (absent or null, the checker's default): the first row is a header when any cell is not a number
  const header = hdrArg === undefined || hdrArg === null ? rows[0].cells.some((c) => !isNum(c)) : a.bool("header", false);
  const names = header ? rows.shift()!.cells : rows[0].cells.map((_, i) => `c${i}`);
  const width = names.length;
  // label "" (the checker's default) means no label column
  const labelArg = a.raw("label") === "" ? undefined : a.raw("label");
  let labelCol = -1;
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
  if (rows.length === 0) throw new GancRuntimeError(`${file}: no data rows`, { code: "data-format" });
  const d = labelCol >= 0 ? width - 1 : width;
  const n = rows.length;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  let maxY = -1;
  rows.forEach(({ line, cells }, i) => {
    if (cells.length !== width)
      throw new GancRuntimeError(`${file}:${line}: expected ${width} columns, found ${cells.length}`, {
        code: "data-format",
      });
    let j = 0;
    cells.forEach((c, col) => {
      if (!isNum(c))
        throw new GancRuntimeError(`${file}:${line}: column ${col + 1} ("${names[col]}") is not a number: "${c}"`, {
          code: "data-format",
        });
      const v = Number(c);
      if (col === labelCol) {
        if (!Number.isInteger(v) || v < 0)
          throw new GancRuntimeError(`${file}:${line}: label "${c}" must be a non-negative integer`, {
            code: "data-format",
          });
        y[i] = v;
        maxY = Math.max(maxY, v);
      } else x[i * d + j++] = v;
    });
  });
  const columns: Dataset["columns"] = [{ name: "x", shape: [d], dtype: "float32", data: x }];
  if (labelCol >= 0)
    columns.push({ name: names[labelCol] ?? "y", shape: [], dtype: "int32", data: y, classes: maxY + 1 });
  return { source: "csv", n, columns };
}
