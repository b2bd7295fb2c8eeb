// Types and shapes of declared names, for hover: asked of the checker itself (compiler/check/checker.ts) with the
// default params, one name at a time. Its methods compute declarations on demand, so a name's type is known even
// when some other declaration of the spec has errors. A name the default params do not select has no type here.
import type * as A from "../../grammar/ast.ts";
import { Checker, type Cx } from "../check/checker.ts";
import { signatureTable, type SignatureEntry } from "../check/signatures.ts";
import { showType } from "../check/patterns.ts";
import { GraphBuilder, describe, type Val } from "../check/values.ts";
import type { IRDist, IRNetwork } from "../ir/ir.ts";
import type { Decl } from "./symbols.ts";

export class TypeProbe {
  private ck: Checker | null = null;

  constructor(
    private readonly spec: A.Spec,
    private readonly extra: SignatureEntry[],
  ) {}

  private checker(): Checker {
    if (!this.ck) {
      this.ck = new Checker(this.spec, signatureTable(this.extra), {});
      this.ck.collect();
    }
    return this.ck;
  }

  /** One line describing the checked type of `d` with the default params, or null when unknown. */
  typeOf(d: Decl): string | null {
    try {
      return this.describeDecl(d);
    } catch {
      return null; // a half-typed spec can surprise the checker; hover then shows the declaration only
    }
  }

  private describeDecl(d: Decl): string | null {
    const ck = this.checker();
    const selected = ck.decls.get(d.name);
    // the selected declaration of this name must be this one (not the same name in another `when` branch)
    if (d.kind !== "local" && d.kind !== "enumMember" && (!selected || selected.span.start.offset !== d.nameSpan.start.offset)) return null;
    switch (d.kind) {
      case "param":
        return showVal(ck.paramValue(d.name));
      case "data": {
        const t = ck.dataType(d.name);
        return t ? `${showType(t)} per example` : null;
      }
      case "latent": {
        const l = ck.latent(d.name);
        return l ? `${showType(l.type)} per example, ${showDist(l.dist)}${l.learnable.length ? `; learnable: ${l.learnable.join(", ")}` : ""}` : null;
      }
      case "weights": {
        const w = ck.weight(d.name);
        return w ? `${showType(w.type)}, init ${w.init.kind}${w.constrain ? `, constrained by ${w.constrain.kind}` : ""}` : null;
      }
      case "network": {
        const n = ck.network(d.name);
        return n ? showNetwork(n) : null;
      }
      case "let": {
        const decl = d.item as A.LetDecl;
        const cx: Cx = { mode: "loss", g: new GraphBuilder(), locals: new Map(), lets: new Map(), net: null, what: `let ${d.name}` };
        return showVal(ck.ev(decl.value, cx));
      }
      case "loss":
        return "a whole-batch scalar (Real)";
      case "local": {
        if (!d.binding) return null;
        const t = ck.evType(d.binding.type, true);
        return t ? `${showType(t)} per example` : null;
      }
      default:
        return null;
    }
  }
}

function showVal(v: Val): string | null {
  switch (v.k) {
    case "num":
      return `${v.isInt ? "int" : "real"} = ${v.v}`;
    case "bool":
      return `bool = ${v.v}`;
    case "str":
      return v.members ? `enum {${v.members.join(", ")}} = ${v.v}` : `string = ${JSON.stringify(v.v)}`;
    case "tensor":
      return showType(v.type);
    case "dist":
      return `a distribution over ${showType(v.type)}`;
    case "error":
      return null;
    default:
      return describe(v);
  }
}

function showDist(d: IRDist): string {
  switch (d.kind) {
    case "gaussian_mixture":
      return `GaussianMixture of ${d.components} components in ${d.dim} dims (cov ${d.cov}${d.means.learn ? ", learnable means" : ""})`;
    case "mixture":
      return `a mixture of ${d.components.length}`;
    case "categorical":
      return `Categorical(${d.classes})`;
    default:
      return d.kind;
  }
}

function showNetwork(n: IRNetwork): string {
  const ins = n.inputs.map((i) => `${i.name}: ${showType(i.type)}`).join(", ");
  const params = n.layers.reduce((s, l) => s + l.params.reduce((t, p) => t + p.shape.reduce((a, b) => a * b, 1), 0), 0);
  const layers = n.layers.map((l) => l.kind).join(", ");
  return `(${ins}) -> ${showType(n.output)}; ${n.layers.length} layer${n.layers.length === 1 ? "" : "s"}${layers ? ` (${layers})` : ""}, ${params} parameters${n.calls.length ? `; calls ${n.calls.join(", ")}` : ""}`;
}
