// Diagnostic.code is typed from the catalog: a code that is not catalogued fails `tsc` (the @ts-expect-error lines
// below would themselves be errors if the typo compiled), and every code in use is one the catalog documents.
import { expect, it } from "vitest";
import { diagnostic, type DiagnosticCode } from "../../diagnostics/diagnostic.ts";
import { allCodes } from "../../diagnostics/codes/index.ts";

const at = { line: 1, column: 1, offset: 0 };
const span = { file: "x.gan", start: at, end: at };

it("a catalogued code type-checks; an uncatalogued one does not", () => {
  const ok: DiagnosticCode = "E0322";
  expect(diagnostic(ok, "m", span).code).toBe("E0322");
  // @ts-expect-error E0999 is not in the catalog
  const typo: DiagnosticCode = "E0999";
  // @ts-expect-error a literal code passed to diagnostic() is checked too
  diagnostic("E0399", "m", span);
  expect(allCodes.map((c) => c.code)).not.toContain(typo);
});
