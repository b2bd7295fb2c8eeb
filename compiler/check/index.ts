// check(spec) -> { ir, diagnostics }: params and overrides, `when`/`if`/`match` at compile time, names, types and
// shapes, the game, train and evaluate. Never throws: an unexpected exception becomes an E0799 diagnostic.
import type * as A from "../../grammar/ast.ts";
import { diagnostic, hasErrors, isCliFile, type Diagnostic, type Span } from "../../diagnostics/diagnostic.ts";
import type { IRPlugin, IRProgram } from "../ir/ir.ts";
import { Checker } from "./checker.ts";
import { buildSampler, checkEvaluate, checkTrain, checkUpdates, warnUnupdated, warnUnusedNetworks } from "./game.ts";
import { signatureTable, type SignatureEntry } from "./signatures.ts";

export interface CheckOptions {
  /** `--set name=value` overrides, as written on the command line */
  overrides?: Record<string, string>;
  /** signature entries to add for this check only (plugins loaded by the caller) */
  extraSignatures?: SignatureEntry[];
  /** plugins loaded by the caller; recorded in the IR */
  plugins?: IRPlugin[];
}

export interface CheckResult {
  ir: IRProgram | null;
  diagnostics: Diagnostic[];
}

export { registerSignature, signatureTable, builtinSignatures, formatSignature } from "./signatures.ts";
export type { SignatureEntry, Signature, SigParam, ArgKind, Category } from "./signatures.ts";

export function check(spec: A.Spec, opts: CheckOptions = {}): CheckResult {
  try {
    return run(spec, opts);
  } catch (err) {
    const span: Span = spec?.span ?? { file: "<unknown>", start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
    const msg = err instanceof Error ? err.message : String(err);
    return { ir: null, diagnostics: [diagnostic("E0799", `internal error in the checker: ${msg}`, span, { hints: ["this is a bug in ganc; please report it with the spec"] })] };
  }
}

function run(spec: A.Spec, opts: CheckOptions): CheckResult {
  const ck = new Checker(spec, signatureTable(opts.extraSignatures ?? []), opts.overrides ?? {});
  ck.collect();
  const items = ck.items;
  // declarations in source order; networks are also built on demand when called (dependency order)
  for (const it of items) {
    switch (it.kind) {
      case "Data":
        ck.checkData(it);
        break;
      case "Latent":
        ck.latent(it.name.name);
        break;
      case "Weights":
        ck.weight(it.name.name);
        break;
      case "Network":
        if (it.role === "block") ck.checkBlockDecl(it);
        else ck.network(it.name.name);
        break;
    }
  }
  if (!items.some((it) => it.kind === "Data")) noData(ck, spec);
  for (const it of items) if (it.kind === "Let") checkLetAlone(ck, it);
  for (const it of items) if (it.kind === "Loss") ck.checkLoss(it);
  const updateNames = items.filter((i): i is A.UpdateDecl => i.kind === "Update").map((u) => u.name.name);
  const updates = checkUpdates(ck, items);
  const train = checkTrain(ck, items, updates, updateNames);
  const evaluate = checkEvaluate(ck, items);
  const model = items.find((i): i is A.ModelDecl => i.kind === "Model");
  const plugins: IRPlugin[] = [...(opts.plugins ?? [])];
  for (const it of items)
    if (it.kind === "Use" && !plugins.some((p) => p.request === it.path.value))
      plugins.push({ request: it.path.value, resolved: it.path.value, span: it.span });
  if (!hasErrors(ck.diags)) {
    warnUnupdated(ck, updates);
    warnUnusedNetworks(ck, spec);
  }
  const diagnostics = sortDiags(ck.diags);
  if (hasErrors(diagnostics)) return { ir: null, diagnostics };
  const head = ck.networkOrder.find((n) => n.role === "head")?.name ?? null;
  const ir: IRProgram = {
    irVersion: 1,
    model: { name: model?.name.name ?? baseName(spec.file), description: model?.description?.value ?? "" },
    file: spec.file,
    params: ck.irParams,
    plugins,
    data: ck.data,
    latents: [...ck.latents.values()].filter((l) => l !== null),
    weights: [...ck.weights.values()].filter((w) => w !== null),
    networks: ck.networkOrder,
    losses: [...ck.losses.values()].filter((l) => l !== null),
    updates,
    train,
    evaluate,
    sampler: buildSampler(ck),
    head,
  };
  return { ir, diagnostics };
}

/** A spec trains on exactly one data source, and the trainer is built around it: without one (an empty file, a
 * lone `model` line, or a `when` that selects no data) `compile` could not lower the spec, so `check` reports it.
 * Points at the model line, or at the start of the file when there is none. */
function noData(ck: Checker, spec: A.Spec): void {
  const model = spec.items.find((i): i is A.ModelDecl => i.kind === "Model");
  const at = { line: 1, column: 1, offset: 0 };
  const span: Span = model?.span ?? { file: spec.file, start: at, end: at };
  const declared = hasDataDecl(spec.items);
  // a `when` whose condition failed to check selected nothing: that error is the one to fix
  if (declared && hasErrors(ck.diags)) return;
  ck.error("E0320", "the spec has no data declaration", span, [
    declared
      ? "the `when` conditions select no `data` declaration for these params; declare the data in every branch, or at the top level"
      : "add one, e.g. `data x: Real[2] = ring()`: every spec trains on one data source",
  ]);
}

function hasDataDecl(items: A.Item[]): boolean {
  return items.some((i) => i.kind === "Data" || (i.kind === "When" && (hasDataDecl(i.then) || (i.else !== null && hasDataDecl(i.else)))));
}

/** Each `let` is also checked once on its own (in a throwaway loss context) so mistakes in an unused `let` are
 * reported too; diagnostics repeated by its uses are deduplicated. */
function checkLetAlone(ck: Checker, it: A.LetDecl): void {
  ck.evalStandalone(it.value, `let ${it.name.name}`);
}

function baseName(file: string): string {
  const b = file.split(/[\\/]/).pop() ?? file;
  return b.replace(/\.gan$/, "");
}

/** Source order (then code) so output is stable and reads top to bottom. */
function sortDiags(d: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = d.filter((x) => {
    const k = JSON.stringify([x.code, x.message, x.span.file, x.span.start.offset, x.span.end.offset]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique
    .map((x, i) => [x, i] as const)
    .sort(([a, i], [b, j]) => {
      const fa = a.span.file === b.span.file ? 0 : isCliFile(a.span.file) ? -1 : isCliFile(b.span.file) ? 1 : 0;
      if (fa) return fa;
      return a.span.start.offset - b.span.start.offset || i - j;
    })
    .map(([x]) => x);
}
