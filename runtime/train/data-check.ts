// The compiled trainer trusts the spec's data types (it reshapes each batch column to the declared shape), so a
// data file whose width differs from the declaration would be silently re-cut into wrong rows. Check the loaded
// data against the program's meta before training or evaluating.
import type { Program } from "../program.ts";
import { GancRuntimeError } from "../errors.ts";

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function checkProgramData(program: Program): void {
  const { meta, data } = program;
  const where = `${meta.specFile}: data ${data.source}`;
  const ss = meta.sampleSpace;
  const col = data.columns[ss.column];
  if (!col)
    throw new GancRuntimeError(`${where} has ${data.columns.length} column(s), but \`${ss.name}\` is column ${ss.column + 1}`, {
      code: "data-shape",
    });
  if (size(col.shape) !== size(ss.shape))
    throw new GancRuntimeError(
      `${where}: \`${ss.name}\` is declared with ${size(ss.shape)} values per row ([${ss.shape.join(", ")}]), ` +
        `but the data has ${size(col.shape)} ([${col.shape.join(", ")}])`,
      { code: "data-shape", hint: `change the declared type of \`${ss.name}\` or the data (a CSV label column is set with label=...)` },
    );
  const lab = meta.labels;
  if (!lab) return;
  const lc = data.columns[lab.column];
  if (!lc || lc.dtype !== "int32" || size(lc.shape) !== 1)
    throw new GancRuntimeError(`${where} has no integer label column for \`${lab.name}\``, {
      code: "data-shape",
      hint: data.source === "csv" ? "name the label column with csv(path=..., label=\"<column>\")" : undefined,
    });
  if (lc.classes !== undefined && lc.classes > lab.classes)
    throw new GancRuntimeError(
      `${where}: \`${lab.name}\` is declared Index[${lab.classes}], but the data has labels up to ${lc.classes - 1}`,
      { code: "data-shape", hint: `declare \`${lab.name}: Index[${lc.classes}]\` or remap the labels to 0..${lab.classes - 1}` },
    );
}
