// Document symbols (the editor's outline): one entry per declaration, `when` blocks as containers of their branches.
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver";
import type * as A from "../../grammar/ast.ts";
import type { Span } from "../../diagnostics/diagnostic.ts";
import { spanToRange } from "./positions.ts";

export function documentSymbols(spec: A.Spec, text: string): DocumentSymbol[] {
  return items(spec.items, text);
}

function sym(name: string, detail: string, kind: SymbolKind, span: Span, sel: Span, children: DocumentSymbol[] = []): DocumentSymbol {
  // an empty name is rejected by VS Code; half-typed declarations can have one
  return { name: name || "?", detail, kind, range: spanToRange(span), selectionRange: spanToRange(sel), children };
}

function items(list: A.Item[], text: string): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const src = (s: Span) => text.slice(s.start.offset, s.end.offset);
  for (const it of list) {
    switch (it.kind) {
      case "Model":
        out.push(sym(it.name.name, "model", SymbolKind.Module, it.span, it.name.span));
        break;
      case "Use":
        out.push(sym(it.path.value, "use", SymbolKind.Package, it.span, it.path.span));
        break;
      case "Param":
        out.push(sym(it.name.name, `param: ${src(it.type.span)}`, SymbolKind.Constant, it.span, it.name.span));
        break;
      case "Data":
        for (const b of it.bindings) out.push(sym(b.name.name, `data: ${src(b.type.span)}`, SymbolKind.Field, it.span, b.name.span));
        break;
      case "Latent":
        out.push(sym(it.name.name, `latent ~ ${src(it.dist.span)}`, SymbolKind.Variable, it.span, it.name.span));
        break;
      case "Weights":
        out.push(sym(it.name.name, `weights: ${src(it.type.span)}`, SymbolKind.Array, it.span, it.name.span));
        break;
      case "Let":
        out.push(sym(it.name.name, "let", SymbolKind.Variable, it.span, it.name.span));
        break;
      case "Network": {
        const params = it.params.map((p) => sym(p.name.name, src(p.type.span), SymbolKind.TypeParameter, p.span, p.name.span));
        out.push(sym(it.name.name, `${it.role} -> ${src(it.returns.span)}`, SymbolKind.Function, it.span, it.name.span, [...params, ...repeats(it.body, src)]));
        break;
      }
      case "Loss":
        out.push(sym(it.name.name, "loss", SymbolKind.Event, it.span, it.name.span));
        break;
      case "Update":
        out.push(sym(it.name.name, `update: ${it.direction} ${it.loss.name}`, SymbolKind.Method, it.span, it.name.span));
        break;
      case "Train":
        out.push(sym("train", "", SymbolKind.Object, it.span, it.span));
        break;
      case "Evaluate":
        out.push(sym("evaluate", "", SymbolKind.Object, it.span, it.span));
        break;
      case "When": {
        const cond = src(it.cond.span);
        const children = items(it.then, text);
        if (it.else) {
          const e = items(it.else, text);
          const first = it.else[0]?.span ?? it.span;
          const last = it.else[it.else.length - 1]?.span ?? it.span;
          const elseSpan: Span = { file: it.span.file, start: first.start, end: last.end };
          children.push(sym("else", `not (${cond})`, SymbolKind.Namespace, elseSpan, elseSpan, e));
        }
        out.push(sym(`when ${cond}`, "", SymbolKind.Namespace, it.span, it.cond.span, children));
        break;
      }
    }
  }
  return out;
}

/** The `repeat N { ... }` stages of a network body, in source order, each with the repeats nested in it. */
function repeats(e: A.Expr, src: (s: Span) => string): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const walk = (x: unknown): void => {
    if (x === null || typeof x !== "object") return;
    if (Array.isArray(x)) return x.forEach(walk);
    const n = x as { kind?: string };
    if (n.kind === "Repeat") {
      const r = x as A.RepeatExpr;
      out.push(sym(`repeat ${src(r.count.span)}`, src(r.body.span), SymbolKind.Array, r.span, r.count.span, repeats(r.body, src)));
      return;
    }
    for (const [k, v] of Object.entries(x)) if (k !== "span") walk(v);
  };
  walk(e);
  return out;
}
