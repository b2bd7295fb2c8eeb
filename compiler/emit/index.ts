// The tfjs back end: IRProgram -> one TypeScript module satisfying the program contract (runtime/program.ts).
// module.ts decides what the code says; this file assembles it with ts-morph and formats it with prettier.
// Never throws: an IR the emitter cannot lower becomes a diagnostic.

import { Project, VariableDeclarationKind } from "ts-morph";
import * as prettier from "prettier";
import type { IRProgram } from "../ir/ir.ts";
import { diagnostic, type Diagnostic, type Span } from "../../diagnostics/diagnostic.ts";
import { EmitError } from "./graph.ts";
import { buildModule } from "./module.ts";
import { str } from "./names.ts";

export interface EmitOptions {
  /** module specifier of the runtime (default "ganc/runtime") */
  runtimeImport?: string;
}

export interface EmitResult {
  code: string;
  diagnostics: Diagnostic[];
}

/** Code of emitter diagnostics: the IR holds something the tfjs back end cannot lower (an internal error when the
 * IR came from the checker). */
export const EMIT_ERROR = "E0798";

let project: Project | null = null;

function fileSpan(file: string): Span {
  const p = { line: 1, column: 1, offset: 0 };
  return { file, start: p, end: p };
}

/** The unformatted module text, built with ts-morph. Throws EmitError. */
export function emitUnformatted(ir: IRProgram, opts: EmitOptions = {}): string {
  const parts = buildModule(ir);
  project ??= new Project({ useInMemoryFileSystem: true, compilerOptions: { strict: true } });
  const sf = project.createSourceFile("trainer.ts", "", { overwrite: true });
  sf.addStatements([
    ...parts.header,
    `import * as rt from ${str(opts.runtimeImport ?? "ganc/runtime")};`,
    ...parts.imports.map((i) => `import * as ${i.ident} from ${str(i.path)};`),
    "",
    "const tf = rt.tf;",
    "type Tensor = rt.tf.Tensor;",
    "/** one minibatch: a tensor per data binding */",
    "type Batch = Record<string, Tensor>;",
    '/** latent draws: "z" (value), "z.component", "z.each" */',
    "type Draws = Record<string, Tensor>;",
    "/** which latents a graph reads: value/component (one sample) and per-component draws */",
    "interface Need {",
    "  value: readonly string[];",
    "  each: readonly string[];",
    "}",
  ]);
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: "meta", type: "rt.ProgramMeta", initializer: parts.meta }],
  });
  sf.addFunction({
    isExported: true,
    isAsync: true,
    name: "createProgram",
    parameters: [{ name: "ctx", type: "rt.ProgramContext" }],
    returnType: "Promise<rt.Program>",
    statements: parts.body,
  });
  const text = sf.getFullText();
  project.removeSourceFile(sf);
  return text;
}

/** IR -> formatted TypeScript module. */
export async function emit(ir: IRProgram, opts: EmitOptions = {}): Promise<EmitResult> {
  let text: string;
  try {
    text = emitUnformatted(ir, opts);
  } catch (e) {
    if (!(e instanceof EmitError)) {
      const msg = e instanceof Error ? e.message : String(e);
      return { code: "", diagnostics: [diagnostic(EMIT_ERROR, `internal emitter error: ${msg}`, fileSpan(ir.file))] };
    }
    const span = e.value?.span ?? fileSpan(ir.file);
    return { code: "", diagnostics: [diagnostic(EMIT_ERROR, e.message, span)] };
  }
  try {
    const code = await prettier.format(text, { parser: "typescript", printWidth: 120 });
    return { code, diagnostics: [] };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return {
      code: text,
      diagnostics: [diagnostic(EMIT_ERROR, `internal emitter error: generated code does not parse: ${msg}`, fileSpan(ir.file))],
    };
  }
}
