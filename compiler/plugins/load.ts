// Loading and validating loss-primitive plugins. `use "./x.ts"` paths resolve against the spec's directory,
// `--plugin path` against the current directory. Every problem becomes a diagnostic carrying the plugin's path;
// nothing here throws on bad input.

import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { diagnostic, type Diagnostic, type Span } from "../../diagnostics/diagnostic.ts";
import {
  PLUGIN_BAD_LOSS,
  PLUGIN_BAD_SIGNATURE,
  PLUGIN_EMPTY,
  PLUGIN_LOAD_FAILED,
  PLUGIN_NAME_CLASH,
  PLUGIN_NOT_FOUND,
} from "../../diagnostics/codes/plugin.ts";
import type { IRPlugin } from "../ir/ir.ts";
import { collectLosses, type LossImplementation } from "../../runtime/plugin.ts";
import { builtinSignatures, validateEntry, type Signature, type SignatureEntry } from "../check/signatures.ts";
import { IDENT_RE, isSignatureError, parseSignature } from "./signature.ts";
import { locateString, locateWord, spanAt, syntaxError } from "./source.ts";

export interface PluginRequest {
  /** the path as written */
  request: string;
  /** the `use` string's span; null for --plugin */
  span: Span | null;
  from: "use" | "cli";
}

/** One validated plugin loss: an entry of the checker's signature table (category "loss", `plugin` = the resolved
 * module path, which the checker copies into the IR `prim` op's attrs.plugin), plus where it came from. */
export interface PluginLossEntry extends SignatureEntry {
  category: "loss";
  plugin: string;
  /** index into LoadResult.plugins */
  pluginIndex: number;
  implementation: LossImplementation;
}

export interface LoadResult {
  /** for check(spec, { extraSignatures: entries }) */
  entries: PluginLossEntry[];
  plugins: IRPlugin[];
  diagnostics: Diagnostic[];
  /** texts of plugin files and of the command line, so the renderer can show code frames for them */
  sources: Map<string, string>;
}

export interface LoadOptions {
  /** base of --plugin paths (default process.cwd()) */
  cwd?: string;
  /** names a plugin may not take (default: every name of the built-in signature table) */
  builtinNames?: Iterable<string>;
}

/** Every validated plugin loss's implementation by module path and name, for the step-IR lowering, which traces
 * it (compiler/step/trace-tf.ts): the IR keeps only the path, and the module stays loaded for the process. */
const IMPLEMENTATIONS = new Map<string, Map<string, LossImplementation>>();

export function pluginImplementation(resolvedPath: string, name: string): LossImplementation | undefined {
  return IMPLEMENTATIONS.get(resolvedPath)?.get(name);
}

/** The language's reserved words (docs/language.md): a primitive named like one could never be called. */
export const KEYWORDS: ReadonlySet<string> = new Set(
  ("model use param data latent weights let generator discriminator head network loss update train evaluate when " +
    "else if then match in every steps with minimizes maximizes init constrain int real bool string enum true false " +
    "and or not E").split(" "),
);

export const CLI_FILE = "<command line>";

/** A span for a --plugin argument: a one-line pseudo source "--plugin <path>" with the path underlined. */
function cliSpan(request: string): Span {
  const start = "--plugin ".length;
  return {
    file: CLI_FILE,
    start: { line: 1, column: start + 1, offset: start },
    end: { line: 1, column: start + request.length + 1, offset: start + request.length },
  };
}

/** How a plugin file is named in diagnostics: relative to the current directory when below it (stable across
 * machines, like the spec's own path), else absolute. */
export function displayPath(abs: string, cwd: string): string {
  const r = relative(cwd, abs);
  return r && !r.startsWith("..") && !isAbsolute(r) ? r.split(sep).join("/") : abs;
}

function resolveRequest(req: PluginRequest, baseDir: string, cwd: string): { resolved: string; found: boolean } {
  const base = req.from === "use" ? baseDir : cwd;
  const first = isAbsolute(req.request) ? req.request : resolve(base, req.request);
  for (const cand of [first, `${first}.ts`, `${first}.js`, `${first}.mjs`]) {
    try {
      if (existsSync(cand) && statSync(cand).isFile()) return { resolved: cand, found: true };
    } catch {
      // unreadable path: treated as missing
    }
  }
  return { resolved: first, found: false };
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const lines = msg.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  // esbuild/tsx prefix their real message with "Transform failed with N error(s):".
  if (lines.length > 1 && /^Transform failed/.test(lines[0])) return lines[1];
  return lines[0] ?? "unknown error";
}

export async function loadPlugins(
  requests: readonly PluginRequest[],
  baseDir: string,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const cwd = opts.cwd ?? process.cwd();
  const builtins = new Set(opts.builtinNames ?? builtinSignatures.map((e) => e.name));
  const out: LoadResult = { entries: [], plugins: [], diagnostics: [], sources: new Map() };
  const byResolved = new Map<string, number>();
  const taken = new Map<string, string>(); // loss name -> plugin request that defined it

  for (const req of requests) {
    const useSpan = req.span ?? cliSpan(req.request);
    if (!req.span) out.sources.set(CLI_FILE, `--plugin ${req.request}`);
    const where = req.from === "use" ? "the spec's directory" : "the current directory";
    const { resolved, found } = resolveRequest(req, baseDir, cwd);
    if (!found) {
      out.diagnostics.push(
        diagnostic(PLUGIN_NOT_FOUND, `plugin file not found: ${req.request}`, useSpan, {
          hints: [`looked for ${displayPath(resolved, cwd)} (paths are relative to ${where})`],
        }),
      );
      continue;
    }
    if (byResolved.has(resolved)) continue; // the same module via `use` and --plugin: load once
    const related = [{ span: useSpan, message: "plugin loaded here" }];

    let text: string;
    try {
      text = readFileSync(resolved, "utf8");
    } catch (err) {
      out.diagnostics.push(diagnostic(PLUGIN_LOAD_FAILED, `plugin ${req.request} fails to load: ${firstLine(err)}`, useSpan));
      continue;
    }
    const shown = displayPath(resolved, cwd);
    out.sources.set(shown, text);

    // Syntax errors are found with the TypeScript parser first: the message and position are then the same
    // whichever loader (tsx, vitest) would have run the module.
    const syn = await syntaxError(shown, text);
    if (syn) {
      out.diagnostics.push(
        diagnostic(PLUGIN_LOAD_FAILED, `plugin ${req.request} fails to load: syntax error: ${syn.message}`, syn.span, {
          related,
        }),
      );
      continue;
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
    } catch (err) {
      out.diagnostics.push(
        diagnostic(PLUGIN_LOAD_FAILED, `plugin ${req.request} fails to load: ${firstLine(err)}`, useSpan, {
          hints: [`run \`npx tsx ${shown}\` to see the full error`],
        }),
      );
      continue;
    }
    const losses = collectLosses(mod);
    if (losses.length === 0) {
      const names = Object.keys(mod);
      out.diagnostics.push(
        diagnostic(PLUGIN_EMPTY, `plugin ${req.request} exports no loss primitives`, useSpan, {
          hints: [
            names.length ? `it exports: ${names.join(", ")} (none made with defineLoss)` : "it exports nothing",
            'export losses made with defineLoss from "ganc/plugin": `export default [myLoss]`',
          ],
        }),
      );
      continue;
    }

    const plugin: IRPlugin = { request: req.request, resolved, span: req.span };
    const pluginIndex = out.plugins.length;
    out.plugins.push(plugin);
    byResolved.set(resolved, pluginIndex);

    for (const loss of losses) {
      // Point at the loss's own text: its name literal, then fields after it.
      const nameAt = typeof loss.name === "string" ? locateString(text, loss.name) : -1;
      const from = Math.max(0, nameAt);
      const at = (off: number, len = 1): Span => spanAt(shown, text, off < 0 ? Math.max(0, nameAt) : off, len);
      const bad = (field: string, message: string, off: number, len = 1) =>
        out.diagnostics.push(
          diagnostic(PLUGIN_BAD_LOSS, `plugin ${req.request}: ${message}`, at(off, len), {
            related,
            hints: [`field \`${field}\` of defineLoss({ name, signatures, doc, implementation })`],
          }),
        );
      const label = typeof loss.name === "string" ? `loss "${loss.name}"` : "a loss";
      let ok = true;
      if (typeof loss.name !== "string" || !IDENT_RE.test(loss.name)) {
        const nm = typeof loss.name === "string" ? `name "${loss.name}"` : "a loss without a string name";
        bad("name", `${nm} is not an identifier`, nameAt >= 0 ? nameAt : locateWord(text, "defineLoss"), typeof loss.name === "string" ? loss.name.length : 1);
        ok = false;
      }
      if (typeof loss.doc !== "string" || loss.doc.trim() === "") {
        bad("doc", `${label} has no doc string`, nameAt);
        ok = false;
      }
      if (typeof loss.implementation !== "function") {
        const im = locateWord(text, "implementation", from);
        bad("implementation", `${label}: implementation is not a function`, im, im >= 0 ? "implementation".length : 1);
        ok = false;
      }
      const sigs: Signature[] = [];
      if (!Array.isArray(loss.signatures) || loss.signatures.length === 0) {
        const sg = locateWord(text, "signatures", from);
        bad("signatures", `${label} declares no signatures`, sg, sg >= 0 ? "signatures".length : 1);
        ok = false;
      } else {
        loss.signatures.forEach((s: unknown, i: number) => {
          const nth = `signature ${i + 1} of ${label}`;
          const lit = typeof s === "string" ? locateString(text, s, from) : -1;
          const sigSpan = (col: number) => (lit < 0 ? at(locateWord(text, "signatures", from)) : at(lit + col));
          if (typeof s === "object" && s !== null) {
            // a structured entry in the table's own format: the table's validator judges it
            const errs = validateEntry({ name: "x", category: "loss", doc: "", signatures: [s as Signature] });
            if (errs.length === 0) sigs.push(s as Signature);
            else {
              out.diagnostics.push(
                diagnostic(PLUGIN_BAD_SIGNATURE, `plugin ${req.request}: ${nth} is malformed: ${errs[0].replace(/^x(\([^)]*\))?: /, "")}`, sigSpan(0), { related }),
              );
              ok = false;
            }
            return;
          }
          const p = parseSignature(s);
          if (isSignatureError(p)) {
            out.diagnostics.push(
              diagnostic(PLUGIN_BAD_SIGNATURE, `plugin ${req.request}: ${nth} is malformed: ${p.message}`, sigSpan(p.column), {
                related,
                hints: [
                  typeof s === "string" ? `in "${s}" at column ${p.column + 1}` : "a signature is a string or a { params, returns } object",
                  'form: "(name: Type[dims], option: real = 1) -> Real"',
                ],
              }),
            );
            ok = false;
          } else {
            const { text: _t, ...sig } = p;
            sigs.push(sig);
          }
        });
      }
      if (typeof loss.name === "string" && IDENT_RE.test(loss.name)) {
        const clash = builtins.has(loss.name) ? "a built-in primitive" : KEYWORDS.has(loss.name) ? "a keyword" : taken.has(loss.name) ? `a loss of plugin ${taken.get(loss.name)}` : null;
        if (clash) {
          out.diagnostics.push(
            diagnostic(PLUGIN_NAME_CLASH, `plugin ${req.request}: loss name "${loss.name}" is already ${clash}`, at(nameAt, loss.name.length), {
              related,
              hints: ["rename the plugin's loss"],
            }),
          );
          ok = false;
        } else taken.set(loss.name, req.request);
      }
      if (ok) {
        if (!IMPLEMENTATIONS.has(resolved)) IMPLEMENTATIONS.set(resolved, new Map());
        IMPLEMENTATIONS.get(resolved)!.set(loss.name, loss.implementation);
        out.entries.push({
          name: loss.name,
          category: "loss",
          doc: loss.doc,
          signatures: sigs,
          plugin: resolved,
          pluginIndex,
          implementation: loss.implementation,
        });
      }
    }
  }
  return out;
}
