// Variant checking: a spec's bool and enum params that `when` conditions, `match` scrutinees and `if` conditions test select
// different programs ("variants"). `ganc check` and the language server both check every variant the params can
// select, not only the defaults, and mark each diagnostic that appears only in some variants with the params that
// select it (`Diagnostic.variant`). This module is the one place that decides which variants exist and merges their
// diagnostics; the caller supplies how one variant is checked (plain `check`, or the plugin-aware front end).
import type * as A from "../../grammar/ast.ts";
import { diagnostic, isCliFile, type Diagnostic } from "../../diagnostics/diagnostic.ts";

/** The default cap on the number of non-default variants checked. */
export const MAX_VARIANTS = 64;

export interface VariantDomain {
  name: string;
  values: string[];
  dflt: string;
}

export interface VariantPlan {
  /** the params enumerated (tested by `when`/`match`, bool or enum, not fixed by `--set`) */
  domains: VariantDomain[];
  /** the non-default variants to check, fewest changed params first: each maps changed params to their values */
  variants: Record<string, string>[];
  /** how many non-default variants there are in all (more than `variants.length` when capped) */
  total: number;
  capped: boolean;
}

type Node = { kind: string; span?: unknown };
const isNode = (x: unknown): x is Node => !!x && typeof x === "object" && typeof (x as Node).kind === "string";

/** Every AST node below `n` (not descending into nested `When` items' branches, which the caller walks). */
function forEachChild(n: Node, f: (c: Node) => void): void {
  for (const [k, v] of Object.entries(n)) {
    if (k === "span") continue;
    if (isNode(v)) f(v);
    else if (Array.isArray(v)) for (const x of v) if (isNode(x)) f(x);
  }
}

/**
 * Which variants `spec` has. Params are grouped by interaction: the params of one condition or scrutinee, and those
 * of the `when` conditions around it, belong together. Each group is enumerated as a full product (the other params
 * at their defaults); when the product over every param is no larger than the cap, that is used instead. Variants
 * are ordered by the number of changed params, so a diagnostic is attributed to the smallest selection.
 */
export function planVariants(spec: A.Spec, opts: { fixed?: Record<string, string>; cap?: number } = {}): VariantPlan {
  const cap = opts.cap ?? MAX_VARIANTS;
  const fixed = opts.fixed ?? {};
  const params = new Map<string, A.ParamDecl>();
  for (const it of spec.items) if (it.kind === "Param") params.set(it.name.name, it);
  const domainOf = (n: string): VariantDomain | null => {
    const p = params.get(n);
    if (!p || n in fixed) return null;
    const d = p.default;
    if (p.type.kind === "bool" && d.kind === "Bool") return { name: n, values: ["true", "false"], dflt: String(d.value) };
    if (p.type.kind === "enum" && d.kind === "Name") return { name: n, values: p.type.members.map((m) => m.name), dflt: d.name };
    return null;
  };
  const order: string[] = [];
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const join = (names: string[]) => {
    for (const n of names)
      if (!parent.has(n)) {
        parent.set(n, n);
        order.push(n);
      }
    for (let i = 1; i < names.length; i++) parent.set(find(names[i]!), find(names[0]!));
  };
  const namesIn = (e: Node, out: string[]) => {
    if (e.kind === "Name") {
      const n = (e as A.NameRef).name;
      if (domainOf(n) && !out.includes(n)) out.push(n);
      return;
    }
    forEachChild(e, (c) => namesIn(c, out));
  };
  const matches = (n: Node, ctx: string[]) => {
    if (n.kind === "Match" || n.kind === "If") {
      const ps: string[] = [];
      namesIn((n.kind === "Match" ? (n as A.MatchExpr).scrutinee : (n as A.IfExpr).cond) as Node, ps);
      if (ps.length) join([...ctx, ...ps]);
    }
    forEachChild(n, (c) => matches(c, ctx));
  };
  const walk = (items: A.Item[], ctx: string[]) => {
    for (const it of items) {
      if (it.kind === "When") {
        const ps: string[] = [];
        namesIn(it.cond as Node, ps);
        const inner = [...ctx, ...ps.filter((p) => !ctx.includes(p))];
        if (inner.length) join(inner);
        matches(it.cond as Node, ctx);
        walk(it.then, inner);
        if (it.else) walk(it.else, inner);
      } else matches(it as Node, ctx);
    }
  };
  walk(spec.items, []);
  const domains = order.map((n) => domainOf(n)!);
  const groups = new Map<string, VariantDomain[]>();
  for (const d of domains) {
    const r = find(d.name);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(d);
  }
  const product = (ds: VariantDomain[]) => ds.reduce((n, d) => n * d.values.length, 1);
  const all = product(domains);
  const sets = all - 1 <= cap ? [domains] : [...groups.values()];
  const seen = new Set<string>();
  const found: Record<string, string>[] = [];
  let total = 0;
  for (const ds of sets) total += product(ds) - 1;
  // enumerate each set by number of changed params, stopping at the cap
  const maxChanges = Math.max(0, ...sets.map((s) => s.length));
  for (let want = 1; want <= maxChanges && found.length < cap; want++) {
    for (const ds of sets) {
      const rec = (i: number, cur: Record<string, string>, changes: number) => {
        if (found.length >= cap) return;
        if (i === ds.length) {
          if (changes !== want) return;
          const k = JSON.stringify(Object.entries(cur).sort());
          if (!seen.has(k)) {
            seen.add(k);
            found.push({ ...cur });
          }
          return;
        }
        const dom = ds[i]!;
        if (ds.length - i > want - changes) rec(i + 1, cur, changes);
        if (changes < want)
          for (const v of dom.values) {
            if (v === dom.dflt) continue;
            cur[dom.name] = v;
            rec(i + 1, cur, changes + 1);
            delete cur[dom.name];
          }
      };
      rec(0, {}, 0);
    }
  }
  return { domains, variants: found, total, capped: found.length < total };
}

function key(d: Diagnostic): string {
  return `${d.code}|${d.span.file}|${d.span.start.offset}|${d.span.end.offset}|${d.message}`;
}

export interface VariantsResult<R> {
  /** the result for the default params (with the fixed ones) */
  base: R;
  /** the base diagnostics, then those that only some variants have, each with `variant` set */
  diagnostics: Diagnostic[];
  plan: VariantPlan;
  /** whether the variants were checked (not when the text has syntax errors) */
  checked: boolean;
}

/**
 * Check the default variant (the `fixed` params, e.g. from `--set`, and defaults for the rest) and every other
 * variant `planVariants` gives, with `run(overrides)`. A diagnostic already reported (same code, place and message)
 * is not repeated; one that only a variant has gets `variant` (the params selecting it, fixed ones not included).
 * Diagnostics about the overrides themselves (`--set` pseudo-files) of a variant are dropped: they are ours. When
 * the cap left variants unchecked, a W0501 warning at the spec's first param says so.
 */
export async function checkVariants<R extends { diagnostics: Diagnostic[] }>(
  /** the spec, or how to get it from the default variant's result (the parse comes with the check) */
  spec: A.Spec | null | ((base: R) => A.Spec | null),
  run: (overrides: Record<string, string>) => R | Promise<R>,
  opts: { fixed?: Record<string, string>; cap?: number; /** W0501 when capped (default true) */ capWarning?: boolean } = {},
): Promise<VariantsResult<R>> {
  const fixed = opts.fixed ?? {};
  const base = await run({ ...fixed });
  const empty: VariantPlan = { domains: [], variants: [], total: 0, capped: false };
  const diagnostics = [...base.diagnostics];
  const syntax = base.diagnostics.some((d) => d.severity === "error" && /^E01/.test(d.code));
  if (typeof spec === "function") spec = spec(base);
  if (!spec || syntax) return { base, diagnostics, plan: empty, checked: false };
  const plan = planVariants(spec, opts);
  const seen = new Set(base.diagnostics.map(key));
  for (const v of plan.variants) {
    const r = await run({ ...fixed, ...v });
    for (const d of r.diagnostics) {
      if (isCliFile(d.span.file) || seen.has(key(d))) continue;
      seen.add(key(d));
      diagnostics.push({ ...d, variant: { ...v } });
    }
  }
  if (plan.capped && opts.capWarning !== false) {
    const first = spec.items.find((it) => it.kind === "Param") ?? spec.items[0];
    const span = first?.span ?? spec.span;
    diagnostics.push(
      diagnostic(
        "W0501",
        `checked ${plan.variants.length} of the ${plan.total} variants the params ${plan.domains.map((d) => `\`${d.name}\``).join(", ")} select`,
        span,
        {
          severity: "warning",
          hints: ["fix some of these params with `--set name=value` to check the remaining variants"],
        },
      ),
    );
  }
  return { base, diagnostics, plan, checked: true };
}
