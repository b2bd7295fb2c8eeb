// A syntactic index of one spec: every declaration (in every `when` branch, not only the selected one, so that
// navigation works whatever the params are) and every use of a name, resolved by the language's scoping rules:
// a network's parameters shadow top-level names inside its body; everything else is one flat top-level scope.
// The checker resolves names only for the selected branches, which is why navigation walks the AST itself.
import type * as A from "../../grammar/ast.ts";
import type { Span } from "../../diagnostics/diagnostic.ts";
import { spanHas } from "./positions.ts";

export type DeclKind = "model" | "param" | "data" | "latent" | "weights" | "let" | "network" | "loss" | "update" | "local" | "enumMember";

export interface Decl {
  /** what references resolve to: "top:<name>", "local:<network offset>:<name>", "enum:<name>" */
  key: string;
  name: string;
  kind: DeclKind;
  /** the name's span (selection) and the whole declaration's span */
  nameSpan: Span;
  span: Span;
  item: A.Item | null;
  /** data bindings and network parameters: the binding */
  binding?: A.Binding;
  /** local: the network it belongs to */
  network?: A.NetworkDecl;
  /** the `when` conditions (as source text) enclosing it, outermost first; "not (...)" for else branches */
  when: string[];
}

export interface Ref {
  key: string;
  name: string;
  span: Span;
}

export interface SymbolIndex {
  decls: Decl[];
  refs: Ref[];
}

export function buildIndex(spec: A.Spec, text: string): SymbolIndex {
  const decls: Decl[] = [];
  const refs: Ref[] = [];
  const src = (s: Span) => text.slice(s.start.offset, s.end.offset);

  // Pass 1: declarations, so that pass 2 can tell enum members (`fashion`) from unknown names.
  const enumMembers = new Set<string>();
  const topNames = new Set<string>();
  const declare = (items: A.Item[], when: string[]) => {
    for (const it of items) {
      const top = (kind: DeclKind, id: A.Ident, binding?: A.Binding) => {
        topNames.add(id.name);
        decls.push({ key: `top:${id.name}`, name: id.name, kind, nameSpan: id.span, span: it.span, item: it, binding, when });
      };
      switch (it.kind) {
        case "Model":
          decls.push({ key: `model:${it.name.name}`, name: it.name.name, kind: "model", nameSpan: it.name.span, span: it.span, item: it, when });
          break;
        case "Param":
          top("param", it.name);
          if (it.type.kind === "enum")
            for (const m of it.type.members) {
              enumMembers.add(m.name);
              decls.push({ key: `enum:${m.name}`, name: m.name, kind: "enumMember", nameSpan: m.span, span: it.span, item: it, when });
            }
          break;
        case "Data":
          for (const b of it.bindings) top("data", b.name, b);
          break;
        case "Latent":
          top("latent", it.name);
          break;
        case "Weights":
          top("weights", it.name);
          break;
        case "Let":
          top("let", it.name);
          break;
        case "Network":
          top("network", it.name);
          for (const p of it.params)
            decls.push({
              key: localKey(it, p.name.name),
              name: p.name.name,
              kind: "local",
              nameSpan: p.name.span,
              span: p.span,
              item: it,
              binding: p,
              network: it,
              when,
            });
          break;
        case "Loss":
          top("loss", it.name);
          break;
        case "Update":
          decls.push({ key: `update:${it.name.name}`, name: it.name.name, kind: "update", nameSpan: it.name.span, span: it.span, item: it, when });
          break;
        case "When": {
          const c = src(it.cond.span);
          declare(it.then, [...when, c]);
          if (it.else) declare(it.else, [...when, `not (${c})`]);
          break;
        }
      }
    }
  };
  declare(spec.items, []);

  // Pass 2: uses.
  const use = (name: string, span: Span, locals: Map<string, string> | null) => {
    const local = locals?.get(name);
    if (local) refs.push({ key: local, name, span });
    else if (topNames.has(name)) refs.push({ key: `top:${name}`, name, span });
    else if (enumMembers.has(name)) refs.push({ key: `enum:${name}`, name, span });
  };
  const expr = (e: A.Expr | null | undefined, locals: Map<string, string> | null): void => {
    if (!e) return;
    switch (e.kind) {
      case "Name":
        use(e.name, e.span, locals);
        break;
      case "List":
        e.items.forEach((x) => expr(x, locals));
        break;
      case "Unary":
        expr(e.operand, locals);
        break;
      case "Binary":
        expr(e.left, locals);
        expr(e.right, locals);
        break;
      case "Call":
        expr(e.callee, locals);
        for (const a of e.args) expr(a.value, locals);
        break;
      case "Index":
        expr(e.target, locals);
        e.indices.forEach((x) => expr(x, locals));
        break;
      case "Member":
        expr(e.target, locals);
        break;
      case "Expect":
        for (const v of e.vars) use(v.name, v.span, null); // E[x, z] names data and latents, never locals
        expr(e.body, locals);
        break;
      case "Pipe":
        expr(e.left, locals);
        expr(e.right, locals);
        break;
      case "Repeat":
        expr(e.count, locals);
        expr(e.body, locals);
        break;
      case "If":
        expr(e.cond, locals);
        expr(e.then, locals);
        expr(e.else, locals);
        break;
      case "Match":
        expr(e.scrutinee, locals);
        for (const arm of e.arms) {
          if (arm.pattern) use(arm.pattern.name, arm.pattern.span, null);
          expr(arm.value, locals);
        }
        break;
    }
  };
  const type = (t: A.TypeExpr | null | undefined, locals: Map<string, string> | null) => t?.dims.forEach((d) => expr(d, locals));
  const walk = (items: A.Item[]) => {
    for (const it of items) {
      switch (it.kind) {
        case "Param":
          if (it.range) {
            expr(it.range.lo, null);
            expr(it.range.hi, null);
          }
          expr(it.default, null);
          break;
        case "Data":
          for (const b of it.bindings) type(b.type, null);
          expr(it.source, null);
          break;
        case "Latent":
          expr(it.dist, null);
          break;
        case "Weights":
          type(it.type, null);
          expr(it.init, null);
          expr(it.constrain, null);
          break;
        case "Let":
        case "Loss":
          expr(it.value, null);
          break;
        case "Network": {
          const locals = new Map(it.params.map((p) => [p.name.name, localKey(it, p.name.name)] as const));
          for (const p of it.params) type(p.type, null);
          type(it.returns, null);
          expr(it.body, locals);
          break;
        }
        case "Update":
          for (const t of it.targets) use(t.name.name, t.name.span, null);
          use(it.loss.name, it.loss.span, null);
          expr(it.optimizer, null);
          expr(it.every, null);
          break;
        case "Train":
          for (const s of it.settings) expr(s.value, null);
          break;
        case "Evaluate":
          expr(it.every, null);
          it.metrics.forEach((m) => expr(m, null));
          break;
        case "When":
          expr(it.cond, null);
          walk(it.then);
          if (it.else) walk(it.else);
          break;
      }
    }
  };
  walk(spec.items);
  return { decls, refs };
}

function localKey(n: A.NetworkDecl, name: string): string {
  return `local:${n.span.start.offset}:${name}`;
}

/** The key of the declaration or use under `offset`, with the name and its span there. */
export function symbolAt(ix: SymbolIndex, offset: number): { key: string; name: string; span: Span } | null {
  for (const d of ix.decls) if (spanHas(d.nameSpan, offset)) return { key: d.key, name: d.name, span: d.nameSpan };
  for (const r of ix.refs) if (spanHas(r.span, offset)) return r;
  return null;
}

export function declsOf(ix: SymbolIndex, key: string): Decl[] {
  return ix.decls.filter((d) => d.key === key);
}

/** Every occurrence of `key`: its declarations' names and its uses, in source order. */
export function occurrences(ix: SymbolIndex, key: string, includeDecls: boolean): Span[] {
  const out = [...(includeDecls ? declsOf(ix, key).map((d) => d.nameSpan) : []), ...ix.refs.filter((r) => r.key === key).map((r) => r.span)];
  return out.sort((a, b) => a.start.offset - b.start.offset);
}
