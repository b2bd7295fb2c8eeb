// The game: update statements (learnable groups, loss dependency, optimizers, projections), train settings,
// the evaluate plan, the sampler graph, and the "never updated" warning.
import type * as A from "../../grammar/ast.ts";
import type { Span } from "../../diagnostics/diagnostic.ts";
import type { IREvaluate, IRGraph, IRMetric, IRTrain, IRUpdate, IRUpdateGroup, IRProgram } from "../ir/ir.ts";
import type { Checker } from "./checker.ts";
import { fmtNum } from "./checker.ts";
import { showType } from "./patterns.ts";
import { EVALUATE_METRIC_NAMES, isEvaluateMetric } from "../../runtime/train/metric-names.ts";
import { suggest } from "../../diagnostics/suggest.ts";
import { GraphBuilder, describe, type Val } from "./values.ts";
import { sampleCountProblem } from "../../runtime/limits.ts";

/** every store var a loss can influence: networks it calls (with their callees and weights), weights, priors */
function lossVars(ck: Checker, loss: string): Set<string> {
  const l = ck.losses.get(loss);
  const out = new Set<string>();
  if (!l) return out;
  for (const n of l.uses.networks) for (const v of ck.networks.get(n)?.vars ?? []) out.add(v);
  for (const w of l.uses.weights) out.add(w);
  for (const p of l.uses.priorParams) out.add(p);
  return out;
}

export function checkUpdates(ck: Checker, items: A.Item[]): IRUpdate[] {
  const updates: IRUpdate[] = [];
  const names = new Map<string, Span>();
  for (const it of items) {
    if (it.kind !== "Update") continue;
    const u = it;
    const prev = names.get(u.name.name) ?? (ck.decls.has(u.name.name) ? ck.decls.get(u.name.name)!.span : undefined);
    if (prev) ck.error("E0202", `\`${u.name.name}\` is declared twice`, u.name.span, [], [{ span: prev, message: "first declared here" }]);
    names.set(u.name.name, u.name.span);
    const groups: IRUpdateGroup[] = [];
    const seen = new Map<string, Span>();
    let ok = true;
    for (const t of u.targets) {
      const g = group(ck, t);
      const key = t.member ? `${t.name.name}.${t.member.name}` : t.name.name;
      const dup = seen.get(key);
      if (dup) {
        ck.error("E0406", `\`${key}\` appears twice in update \`${u.name.name}\``, t.span, [], [{ span: dup, message: "first listed here" }]);
        ok = false;
        continue;
      }
      seen.set(key, t.span);
      if (g) groups.push(g);
      else ok = false;
    }
    // the loss
    const lossName = u.loss.name;
    const ld = ck.decls.get(lossName);
    let lossOk = false;
    if (!ld) {
      const losses = [...ck.decls.entries()].filter(([, d]) => d.kind === "loss").map(([k]) => k);
      const s = suggest(lossName, losses);
      ck.error("E0201", `unknown loss \`${lossName}\``, u.loss.span, [s ? `did you mean \`${s}\`?` : `declared losses: ${losses.join(", ") || "(none)"}`]);
    } else if (ld.kind !== "loss") {
      ck.error("E0403", `\`${lossName}\` is a ${ld.kind}, not a loss`, u.loss.span, [], [{ span: ld.span, message: "declared here" }]);
    } else lossOk = !!ck.losses.get(lossName);
    if (lossOk) {
      const deps = lossVars(ck, lossName);
      for (const g of groups)
        if (g.vars.length && !g.vars.some((v) => deps.has(v))) {
          ck.error("E0402", `loss \`${lossName}\` does not depend on \`${g.name}\`, so \`${u.name.name}\` cannot update it`, g.span, [
            `\`${lossName}\` reads: ${[...describeUses(ck, lossName)].join(", ") || "nothing learnable"}`,
          ], [{ span: ck.decls.get(lossName)!.span, message: `loss \`${lossName}\` declared here` }]);
          ok = false;
        }
    }
    const cx = ck.constCx(`update ${u.name.name}`);
    let opt: Val = ck.ev(u.optimizer, cx);
    if (opt.k === "entry" && opt.entry.category === "optimizer") opt = ck.callEntry(opt.entry, [], cx, u.optimizer.span, u.optimizer.span);
    if (opt.k !== "optimizer") {
      if (opt.k !== "error") ck.error("E0312", `\`with\` needs an optimizer (adam, sgd, rmsprop), got ${describe(opt)}`, u.optimizer.span);
      ok = false;
    }
    let every = 1;
    if (u.every) {
      const e = ck.ev(u.every, cx);
      if (e.k === "num" && Number.isInteger(e.v) && e.v >= 1) every = e.v;
      else if (e.k !== "error") ck.error("E0404", `\`every\` needs a positive int, got ${e.k === "num" ? fmtNum(e.v) : describe(e)}`, u.every.span);
    }
    let constrain: IRUpdate["constrain"];
    if (u.constrain) {
      let cv = ck.ev(u.constrain, cx);
      if (cv.k === "entry" && cv.entry.category === "constraint") cv = ck.callEntry(cv.entry, [], cx, u.constrain.span, u.constrain.span);
      if (cv.k === "constraint" && (cv.kind === "clip" || cv.kind === "nonneg")) constrain = { kind: cv.kind, args: cv.args, span: u.constrain.span };
      else if (cv.k === "constraint")
        ck.error("E0414", `an update's \`constrain\` projects every tensor it trains elementwise; ${cv.kind} is not elementwise`, u.constrain.span, [
          `use clip(lo, hi) or nonneg on the update, and put ${cv.kind}(...) on a \`weights\` declaration`,
        ]);
      else if (cv.k !== "error") ck.error("E0414", `\`constrain\` on an update needs clip(lo, hi) or nonneg, got ${describe(cv)}`, u.constrain.span);
      if (!constrain) ok = false;
    }
    if (!ok || !lossOk || opt.k !== "optimizer") continue;
    const vars = new Set(groups.flatMap((g) => g.vars));
    const project = [...ck.weights.values()].filter((w) => w && w.constrain && vars.has(w.name)).map((w) => w!.name);
    updates.push({
      name: u.name.name,
      groups,
      loss: lossName,
      direction: u.direction,
      optimizer: opt.opt,
      every,
      repeat: 1,
      project,
      ...(constrain ? { constrain } : {}),
      span: u.span,
    });
  }
  return updates;
}

function describeUses(ck: Checker, loss: string): string[] {
  const l = ck.losses.get(loss);
  if (!l) return [];
  return [...l.uses.networks, ...l.uses.weights, ...l.uses.priorParams];
}

function group(ck: Checker, t: A.UpdateTarget): IRUpdateGroup | null {
  const name = t.name.name;
  const d = ck.decls.get(name);
  if (!d) {
    const cands = [...ck.decls.entries()].filter(([, x]) => x.kind === "network" || x.kind === "weights" || x.kind === "latent").map(([k]) => k);
    const s = suggest(name, cands);
    ck.error("E0201", `unknown name \`${name}\``, t.name.span, s ? [`did you mean \`${s}\`?`] : []);
    return null;
  }
  if (t.member) {
    const m = t.member.name;
    if (d.kind !== "latent") {
      ck.error("E0204", `\`${name}\` is a ${d.kind}; only GaussianMixture latents have members (means, scale, weights)`, t.member.span);
      return null;
    }
    const l = ck.latent(name);
    if (!l) return null;
    if (l.dist.kind !== "gaussian_mixture" || (m !== "means" && m !== "scale" && m !== "weights")) {
      const s = l.dist.kind === "gaussian_mixture" ? suggest(m, ["means", "scale", "weights"]) : null;
      ck.error("E0204", `latent \`${name}\` has no member \`${m}\``, t.member.span, s ? [`did you mean \`${s}\`?`] : []);
      return null;
    }
    const store = `${name}.${m}`;
    if (!l.learnable.includes(store)) {
      ck.error("E0401", `\`${store}\` is fixed, so it cannot be updated`, t.span, [`declare it with learn(...) in the latent's ${m}=`], [
        { span: l.span, message: `latent \`${name}\` declared here` },
      ]);
      return null;
    }
    return { kind: "prior", name: store, vars: [store], span: t.span };
  }
  if (d.kind === "network") {
    const n = ck.network(name);
    if (!n) return null;
    if (n.vars.length === 0) {
      ck.error("E0401", `network \`${name}\` has no learnable parameters`, t.span);
      return null;
    }
    return { kind: "network", name, vars: n.vars, span: t.span };
  }
  if (d.kind === "weights") {
    const w = ck.weight(name);
    if (w?.fixed) {
      ck.error("E0331", `\`${name}\` is fixed: no update can change it`, t.span, [
        `drop \`${name}\` from the update, or remove \`fixed\` from its declaration to make it learnable`,
      ], [{ span: d.span, message: `\`${name}\` declared fixed here` }]);
      return null;
    }
    return w ? { kind: "weights", name, vars: [name], span: t.span } : null;
  }
  const hint = d.kind === "latent" ? [`update its learnable parameters instead: ${name}.means, ${name}.scale`] : [];
  ck.error("E0401", `\`${name}\` is a ${d.kind}, not a learnable group`, t.span, hint, [{ span: d.span, message: "declared here" }]);
  return null;
}

const SETTINGS = ["batch", "steps", "epochs", "schedule", "seed", "log_every", "checkpoint_every"];

export function checkTrain(ck: Checker, items: A.Item[], updates: IRUpdate[], updateNames: string[]): IRTrain {
  const blocks = items.filter((i): i is A.TrainBlock => i.kind === "Train");
  const train: IRTrain = { batch: 64, steps: null, epochs: null, schedule: "alternating", seed: 0, logEvery: 100, checkpointEvery: 1000, span: null };
  blocks.slice(1).forEach((b) => ck.error("E0404", `only one train block is allowed`, b.span, [], [{ span: blocks[0].span, message: "first train block" }]));
  const b = blocks[0];
  if (b) {
    train.span = b.span;
    const cx = ck.constCx("train");
    const seen = new Map<string, Span>();
    for (const s of b.settings) {
      const name = s.name.name;
      const prev = seen.get(name);
      if (prev) {
        ck.error("E0404", `\`${name}\` is set twice`, s.name.span, [], [{ span: prev, message: "first set here" }]);
        continue;
      }
      seen.set(name, s.name.span);
      if (name === "schedule") {
        const v = s.value.kind === "Name" ? s.value.name : s.value.kind === "String" ? s.value.value : null;
        if (v === "alternating" || v === "simultaneous") train.schedule = v;
        else ck.error("E0404", `schedule must be alternating or simultaneous`, s.value.span);
        continue;
      }
      const repeat = /^repeat_(.+)$/.exec(name);
      if (!SETTINGS.includes(name) && !repeat) {
        const sg = suggest(name, [...SETTINGS, ...updateNames.map((u) => `repeat_${u}`)]);
        ck.error("E0404", `unknown train setting \`${name}\``, s.name.span, [sg ? `did you mean \`${sg}\`?` : `settings: ${SETTINGS.join(", ")}, repeat_<update>`]);
        continue;
      }
      const v = ck.ev(s.value, cx);
      if (v.k === "error") continue;
      const min = name === "seed" ? 0 : 1;
      if (v.k !== "num" || !Number.isInteger(v.v) || v.v < min) {
        ck.error("E0404", `\`${name}\` needs an int >= ${min}, got ${v.k === "num" ? fmtNum(v.v) : describe(v)}`, s.value.span);
        continue;
      }
      if (repeat) {
        const u = updates.find((x) => x.name === repeat[1]);
        if (!u && !updateNames.includes(repeat[1])) {
          const sg = suggest(repeat[1], updateNames);
          ck.error("E0404", `\`${name}\`: there is no update \`${repeat[1]}\``, s.name.span, sg ? [`did you mean \`repeat_${sg}\`?`] : []);
        } else if (u) u.repeat = v.v;
        continue;
      }
      switch (name) {
        case "batch": train.batch = v.v; break;
        case "steps": train.steps = v.v; break;
        case "epochs": train.epochs = v.v; break;
        case "seed": train.seed = v.v; break;
        case "log_every": train.logEvery = v.v; break;
        case "checkpoint_every": train.checkpointEvery = v.v; break;
      }
    }
    if (train.steps !== null && train.epochs !== null)
      ck.error("E0404", `set either steps or epochs, not both`, seen.get("epochs")!, [], [{ span: seen.get("steps")!, message: "steps set here" }]);
  }
  if (train.steps === null && train.epochs === null) train.steps = 1000;
  return train;
}

export function checkEvaluate(ck: Checker, items: A.Item[]): IREvaluate {
  const blocks = items.filter((i): i is A.EvaluateBlock => i.kind === "Evaluate");
  const ev: IREvaluate = { every: null, metrics: [], span: null };
  blocks.slice(1).forEach((b) => ck.error("E0405", `only one evaluate block is allowed`, b.span, [], [{ span: blocks[0].span, message: "first evaluate block" }]));
  const b = blocks[0];
  if (!b) return ev;
  ev.span = b.span;
  const cx = ck.constCx("evaluate");
  if (b.every) {
    const v = ck.ev(b.every, cx);
    if (v.k === "num" && Number.isInteger(v.v) && v.v >= 1) ev.every = v.v;
    else if (v.k !== "error") ck.error("E0405", `\`every\` needs a positive int, got ${v.k === "num" ? fmtNum(v.v) : describe(v)}`, b.every.span);
  }
  for (const m of b.metrics) {
    let v = ck.ev(m, cx);
    if (v.k === "entry" && v.entry.category === "metric") v = ck.callEntry(v.entry, [], cx, m.span, m.span);
    if (v.k === "error") continue;
    if (v.k !== "metric") {
      const names = [...ck.table.values()].filter((e) => e.category === "metric").map((e) => e.name);
      ck.error("E0405", `expected an evaluation metric (${names.join(", ")}), got ${describe(v)}`, m.span);
      continue;
    }
    // the runtime implements exactly EVALUATE_METRIC_NAMES: a metric entry it lacks would pass here and fail at run
    // time (test/metrics/metric-table.test.ts keeps the signature table and that list equal)
    if (!isEvaluateMetric(v.name)) {
      ck.error("E0405", `\`${v.name}\` has no evaluator in the runtime (known: ${EVALUATE_METRIC_NAMES.join(", ")})`, m.span);
      continue;
    }
    if (v.name === "reconstruction" || v.name === "linear_probe") {
      const p = encoderProblem(ck, v.name, v.args);
      if (p) ck.error("E0407", `${v.name}: ${p.message}`, m.span, p.hints, p.related);
    }
    const metric: IRMetric = { name: v.name, args: v.args, span: m.span };
    const head = v.args.head;
    if (typeof head === "string") {
      const n = ck.network(head);
      if (n && n.role !== "head") ck.error("E0405", `${v.name}: \`${head}\` is a ${n.role}, not a head (-> Simplex[K])`, m.span);
    }
    const problem = metricProblem(ck, v.name, v.args);
    if (problem) ck.error("E0405", `${v.name}: ${problem}`, m.span);
    const tooMany = sampleCountOf(ck, v.name, v.args);
    if (tooMany) ck.error("E0615", tooMany.message, m.span, [tooMany.hint]);
    const labels = v.args.labels;
    if (typeof labels === "string" && ck.dataType(labels)?.tag !== "index")
      ck.error("E0405", `${v.name}: labels \`${labels}\` must be an Index[K] data binding`, m.span);
    ev.metrics.push(metric);
  }
  return ev;
}

/** A metric that draws more generator samples than fit in memory (runtime/limits.ts): E0615 now, not an
 * allocation failure at the first evaluation. null: within the limit, or no generator to judge by. */
function sampleCountOf(ck: Checker, name: string, args: Record<string, unknown>): { message: string; hint: string } | null {
  const gen = ck.networkOrder.find((n) => n.role === "generator");
  if (!gen) return null;
  const d = gen.output.shape.reduce((a, b) => a * b, 1);
  const int = (k: string) => (typeof args[k] === "number" && Number.isFinite(args[k]) ? (args[k] as number) : null);
  let n: number | null = null;
  let what = "";
  if (name === "samples") {
    const grid = int("grid");
    const per = int("per_component");
    const k = gen.inputs.map((i) => ck.latents.get(i.name)?.dist).find((x) => x?.kind === "gaussian_mixture");
    if (int("n") !== null) [n, what] = [int("n"), `samples(n=${int("n")})`];
    else if (grid !== null) [n, what] = [grid * grid, `samples(grid=${grid})`];
    else if (per !== null && k?.kind === "gaussian_mixture") [n, what] = [per * k.components, `samples(per_component=${per}) with ${k.components} components`];
  } else if (int("samples") !== null) [n, what] = [int("samples"), `${name}(samples=${int("samples")})`];
  return n === null ? null : sampleCountProblem(n, d, what);
}

/**
 * The encoder metrics read the data binding the generator produces (the sample space, as the emitted trainer's
 * meta.sampleSpace picks it): the encoder must take one such example, and for reconstruction the generator must
 * take one encoder output and produce an example again. Networks that failed to check are not judged.
 */
function encoderProblem(
  ck: Checker,
  name: string,
  args: Record<string, unknown>,
): { message: string; hints: string[]; related: { span: Span; message: string }[] } | null {
  const enc = typeof args.encoder === "string" ? ck.network(args.encoder) : null;
  if (!enc) return null;
  const declared = (n: string) => ({ span: ck.decls.get(n)!.span, message: `\`${n}\` declared here` });
  const genNet = ck.networkOrder.find((n) => n.role === "generator");
  const real = ck.data.flatMap((d) => d.bindings).filter((b) => b.type.elem === "real");
  const space = (genNet && real.find((b) => sameType(b.type, genNet.output))) ?? real[0];
  if (!space) return null;
  if (enc.inputs.length !== 1 || !sameType(enc.inputs[0]!.type, space.type))
    return {
      message: `the encoder \`${enc.name}\` must take one ${showType(space.type)} example (the data \`${space.name}\`), but takes (${enc.inputs.map((i) => showType(i.type)).join(", ")})`,
      hints: [`declare it as \`network ${enc.name}(${space.name}: ${showType(space.type)}) -> ...\``],
      related: [declared(enc.name)],
    };
  if (name !== "reconstruction") return null;
  const gen = typeof args.generator === "string" ? ck.network(args.generator) : null;
  if (!gen) return null;
  if (gen.inputs.length !== 1 || !sameType(gen.inputs[0]!.type, enc.output))
    return {
      message: `the generator \`${gen.name}\` must take one encoder output ${showType(enc.output)}, but takes (${gen.inputs.map((i) => showType(i.type)).join(", ")})`,
      hints: [`an encoder for \`${gen.name}\` returns its latent's type`],
      related: [declared(gen.name), declared(enc.name)],
    };
  if (!sameType(gen.output, space.type))
    return {
      message: `the generator \`${gen.name}\` produces ${showType(gen.output)}, not the data's ${showType(space.type)}`,
      hints: [],
      related: [declared(gen.name)],
    };
  return null;
}

/**
 * What a metric needs from the rest of the spec (a generator, a GMM latent, a synthetic source). A requirement that
 * a failed declaration might meet is not judged: that declaration reported its own errors (see Checker.failed).
 */
function metricProblem(ck: Checker, name: string, args: Record<string, unknown>): string | null {
  const gen = ck.networkOrder.find((n) => n.role === "generator");
  const failedGen = [...ck.decls].some(([n, d]) => d.kind === "network" && d.decl.role === "generator" && ck.failed.has(n));
  if (["samples", "ndb", "modes", "cfd"].includes(name) && !gen && !failedGen) return "needs a generator network (role generator)";
  const failedLatent = [...ck.decls].some(([n, d]) => d.kind === "latent" && ck.failed.has(n));
  if (name === "samples" && args.per_component !== undefined && gen && !failedLatent) {
    const gmm = gen.inputs.some((i) => ck.latents.get(i.name)?.dist.kind === "gaussian_mixture");
    if (!gmm) return `per_component needs the generator \`${gen.name}\` to take a GaussianMixture latent`;
  }
  if (ck.dataSourceFailed) return null;
  const sources = ck.data.map((d) => d.source);
  if (name === "modes" && !sources.some((s) => s === "ring" || s === "grid")) return "needs ring or grid data (known modes)";
  if (name === "gmm_recovery" && !sources.includes("gmm")) return "needs gmm data (known ground truth)";
  return null;
}

/** Warn about learnable parameters that no update touches (networks used by some loss, weights, priors). */
export function warnUnupdated(ck: Checker, updates: IRUpdate[]): void {
  const updated = new Set(updates.flatMap((u) => u.groups.flatMap((g) => g.vars)));
  const usedNets = new Set<string>();
  const visit = (n: string) => {
    if (usedNets.has(n)) return;
    usedNets.add(n);
    for (const c of ck.networks.get(n)?.calls ?? []) visit(c);
  };
  for (const l of ck.losses.values()) for (const n of l?.uses.networks ?? []) visit(n);
  for (const n of ck.networkOrder) {
    if (!usedNets.has(n.name)) continue;
    const own = n.layers.flatMap((l) => l.params.map((p) => p.name));
    if (own.length && !own.some((v) => updated.has(v)))
      ck.warn("W0401", `the parameters of network \`${n.name}\` are never updated`, ck.decls.get(n.name)!.span, [
        `add \`${n.name}\` (or a network that calls it) to an update`,
      ]);
  }
  for (const w of ck.weights.values())
    if (w && !w.fixed && !updated.has(w.name)) ck.warn("W0401", `weights \`${w.name}\` are never updated`, ck.decls.get(w.name)!.span, ["add it to an update, or it stays at its init"]);
  for (const l of ck.latents.values())
    for (const p of l?.learnable ?? [])
      if (!updated.has(p)) ck.warn("W0401", `\`${p}\` is declared learn(...) but no update touches it`, l!.span, [`add \`${p}\` to an update, or use fixed(...)`]);
}

/**
 * Warn about networks that nothing refers to: no loss, let, other network, update or evaluate names them, in any
 * branch of the spec (a network used only under another param value, e.g. pcm_gan's stand-alone `Cnet` when
 * `shared = true`, is referred to and stays quiet). Usually a forgotten wire-up or a misspelt name elsewhere.
 */
export function warnUnusedNetworks(ck: Checker, spec: A.Spec): void {
  const referred = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === "object") {
      const o = v as { kind?: unknown; name?: unknown };
      if (o.kind === "Name" && typeof o.name === "string") referred.add(o.name);
      for (const [k, x] of Object.entries(v)) if (k !== "span") walk(x);
    }
  };
  walk(spec);
  for (const n of ck.networkOrder)
    if (!referred.has(n.name))
      ck.warn("W0403", `${n.role === "network" ? "network" : n.role} \`${n.name}\` is never used`, ck.decls.get(n.name)!.span, [
        `call it from a loss or another network, or remove it`,
      ]);
}

/** The generator used for sampling, and how to draw its inputs from the spec's latents. */
export function buildSampler(ck: Checker): IRProgram["sampler"] {
  const gen = ck.networkOrder.find((n) => n.role === "generator");
  if (!gen) return null;
  const g = new GraphBuilder();
  const ids: number[] = [];
  let perComponent: string | null = null;
  for (const inp of gen.inputs) {
    const l = ck.latents.get(inp.name) ?? [...ck.latents.values()].find((x) => x && sameType(x.type, inp.type)) ?? null;
    if (!l) return null;
    const v = g.add("latent", [], { name: l.name }, l.type, null);
    if (v.k !== "tensor") return null;
    ids.push(v.id);
    if (l.dist.kind === "gaussian_mixture") perComponent ??= l.name;
  }
  const out = g.add("fold_call", ids, { network: gen.name, mapDims: 0 }, gen.output, null);
  if (out.k !== "tensor") return null;
  const graph: IRGraph = g.finish(out.id);
  return { network: gen.name, graph, perComponent };
}

function sameType(a: { elem: string; shape: number[] }, b: { elem: string; shape: number[] }): boolean {
  return a.elem === b.elem && a.shape.length === b.shape.length && a.shape.every((x, i) => x === b.shape[i]);
}
