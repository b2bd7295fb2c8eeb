// Builds the statements of one trainer module from an IRProgram (program contract: runtime/program.ts). The text
// produced here is assembled with ts-morph and formatted with prettier by ./index.ts.
//
// Generated layout, inside `createProgram(ctx)`:
//   store, data, batcher -> priors -> weights -> layer objects -> one function per network -> drawLatents ->
//   one function per loss -> optimizers and variable lists -> one gradient function per update -> trainStep,
//   sample, assign, network.

import type {
  IRDist, IRGraph, IRInit, IRLayer, IRLatent, IRLoss, IRNetwork, IRProgram, IRUpdate, IRValue, TensorType,
} from "../ir/ir.ts";
import { EmitError, lowerGraph, type GraphEnv } from "./graph.ts";
import { Namer, commentText, emptyRecord, identFragment, isProtoName, key, lit, num, safeIdent, str } from "./names.ts";

export interface ModuleParts {
  header: string[];
  imports: { ident: string; path: string }[];
  meta: string; // object literal
  body: string[]; // statements of createProgram
}

const basename = (p: string) => p.split(/[\\/]/).pop() ?? p;

function ident(name: string, what: string): string {
  const s = safeIdent(name);
  if (s === null) throw new EmitError(`${what} name ${JSON.stringify(name)} is not a valid identifier`);
  return s;
}

interface Need {
  value: string[];
  each: string[];
}

/** Which latent draws a graph reads (value/component both come from one `sample`). */
function needsOf(graphs: IRGraph[], order: string[]): Need {
  const value = new Set<string>();
  const each = new Set<string>();
  for (const g of graphs)
    for (const v of g.values) {
      const n = v.attrs["name"];
      if (typeof n !== "string") continue;
      if (v.op === "latent" || v.op === "latent_component") value.add(n);
      else if (v.op === "latent_each") each.add(n);
    }
  return { value: order.filter((n) => value.has(n)), each: order.filter((n) => each.has(n)) };
}

const unionNeed = (ns: Need[], order: string[]): Need => ({
  value: order.filter((n) => ns.some((x) => x.value.includes(n))),
  each: order.filter((n) => ns.some((x) => x.each.includes(n))),
});

function initSpec(init: IRInit): string {
  return lit(init);
}

function distExpr(d: IRDist): string {
  switch (d.kind) {
    case "normal":
      return `rt.priors.normal(${num(d.mean)}, ${num(d.std)}, ${lit(d.dim)})`;
    case "uniform":
      return `rt.priors.uniform(${num(d.lo)}, ${num(d.hi)}, ${lit(d.dim)})`;
    case "beta":
      return `rt.priors.beta(${num(d.a)}, ${num(d.b)}, ${lit(d.dim)})`;
    case "point_mass":
      return `rt.priors.pointMass(${num(d.value)}, ${lit(d.dim)})`;
    case "categorical":
      return d.probs === null ? `rt.priors.categorical(${d.classes})` : `rt.priors.categorical(${d.classes}, ${lit(d.probs)})`;
    case "mixture":
      return `rt.priors.mixture(${lit(d.weights)}, [${d.components.map(distExpr).join(", ")}])`;
    case "gaussian_mixture":
      throw new EmitError("a GaussianMixture cannot be a mixture component");
  }
}

export function buildModule(ir: IRProgram): ModuleParts {
  const specFile = basename(ir.file);
  const lineOf = (span: { start: { line: number } } | null | undefined) =>
    span ? `${specFile}:${span.start.line}` : specFile;
  const at = (span: { start: { line: number } } | null | undefined) => `// ${commentText(lineOf(span))}`;

  // ---- names ----
  // Records keyed by spec names (draws, loss values, ...) have no prototype when a name is an Object.prototype member.
  const rec = emptyRecord([
    ...ir.params.map((p) => p.name),
    ...ir.data.flatMap((d) => d.bindings.map((b) => b.name)),
    ...ir.latents.map((z) => z.name),
    ...ir.networks.map((n) => n.name),
    ...ir.losses.map((l) => l.name),
    ...ir.updates.map((u) => u.name),
    ...ir.weights.map((w) => w.name),
  ]);
  // Module scope: fixed helper names first, so spec-derived names can never shadow them.
  const top = new Namer([
    "rt", "tf", "Tensor", "Batch", "Draws", "Need", "meta", "createProgram", "ctx", "rng", "store", "data", "batcher",
    "sampleRng", "drawLatents", "trainStep", "sample", "assign", "network", "optimizers", "program",
    "batch", "lat", "training", "n", "need", "step", "component", "values", "networks", "cols",
    "lines", "losses", "start", "g", "r", "d", "f", "t", "v", "name", "loss", "line", "value", "grads", "opts",
  ]);
  const plugins = new Map<string, string>();
  const pluginIdent = (path: string) => {
    let id = plugins.get(path);
    if (id === undefined) {
      id = top.fresh(`plugin_${plugins.size}`);
      plugins.set(path, id);
    }
    return id;
  };
  const netFn = new Map<string, string>();
  for (const n of ir.networks) netFn.set(n.name, top.fresh(`net_${ident(n.name, "network")}`));
  const lossFn = new Map<string, string>();
  for (const l of ir.losses) lossFn.set(l.name, top.fresh(`loss_${ident(l.name, "loss")}`));
  const priorId = new Map<string, string>();
  for (const z of ir.latents) priorId.set(z.name, top.fresh(`prior_${ident(z.name, "latent")}`));
  const weightId = new Map<string, string>();
  for (const w of ir.weights) weightId.set(w.name, top.fresh(`w_${ident(w.name, "weights")}`));
  const layerId = new Map<string, string>();
  for (const n of ir.networks)
    for (const l of n.layers)
      if (l.kind !== "maxpool" && l.kind !== "avgpool" && l.kind !== "upsample") layerId.set(l.id, top.fresh(`L_${identFragment(l.id)}`));
  const priorParamId = new Map<string, string>();
  const updId = new Map<string, string>();
  for (const u of ir.updates) updId.set(u.name, ident(u.name, "update"));
  const optId = new Map<string, string>();
  const varsId = new Map<string, string>();
  const gradId = new Map<string, string>();
  for (const u of ir.updates) {
    optId.set(u.name, top.fresh(`opt_${updId.get(u.name)}`));
    varsId.set(u.name, top.fresh(`vars_${updId.get(u.name)}`));
    gradId.set(u.name, top.fresh(`grads_${updId.get(u.name)}`));
  }
  // simultaneous schedule: updates that share a loss get their gradients from ONE forward/backward pass over the
  // union of their variables (docs/performance.md: gat_gmm 826 -> 492 kernels per step, identical losses)
  const jointGroups = new Map<string, IRUpdate[]>();
  if (ir.train.schedule === "simultaneous")
    for (const u of ir.updates) jointGroups.set(u.loss, [...(jointGroups.get(u.loss) ?? []), u]);
  for (const [loss, us] of [...jointGroups]) if (us.length < 2) jointGroups.delete(loss);
  const jointId = new Map<string, string>();
  for (const loss of jointGroups.keys()) jointId.set(loss, top.fresh(`grads_joint_${ident(loss, "loss")}`));
  for (const b of ir.data.flatMap((d) => d.bindings)) ident(b.name, "data");

  const latentOrder = ir.latents.map((z) => z.name);
  const latentByName = new Map(ir.latents.map((z) => [z.name, z]));
  const networkByName = new Map(ir.networks.map((n) => [n.name, n]));
  const lossByName = new Map(ir.losses.map((l) => [l.name, l]));

  const baseEnv = (training: string): Omit<GraphEnv, "input" | "layer" | "data" | "latent"> => ({
    training,
    specFile,
    weight: (name) => {
      const id = weightId.get(name);
      if (!id) throw new EmitError(`unknown weights ${JSON.stringify(name)}`);
      return id;
    },
    priorParam: (latent, member) => {
      const key = `${latent}.${member}`;
      let id = priorParamId.get(key);
      if (id === undefined) {
        if (!latentByName.has(latent)) throw new EmitError(`unknown latent ${JSON.stringify(latent)}`);
        if (member !== "means" && member !== "scale") throw new EmitError(`unknown prior parameter ${JSON.stringify(key)}`);
        id = top.fresh(`${ident(latent, "latent")}_${member}`);
        priorParamId.set(key, id);
      }
      return id;
    },
    prior: (latent) => {
      const id = priorId.get(latent);
      if (!id) throw new EmitError(`unknown latent ${JSON.stringify(latent)}`);
      return id;
    },
    isNetwork: (name) => netFn.has(name),
    networkType: (name) => {
      const n = networkByName.get(name);
      if (!n) throw new EmitError(`unknown network ${JSON.stringify(name)}`);
      return { inputs: n.inputs.map((i) => i.type), output: n.output };
    },
    network: (name) => {
      const id = netFn.get(name);
      if (!id) throw new EmitError(`unknown network ${JSON.stringify(name)}`);
      return id;
    },
    plugin: pluginIdent,
  });
  const noLayer = (id: string): never => {
    throw new EmitError(`layer ${JSON.stringify(id)} used outside its network`);
  };
  const latentRef = (name: string, part: "value" | "component" | "each") => {
    if (!latentByName.has(name)) throw new EmitError(`unknown latent ${JSON.stringify(name)}`);
    return `lat[${str(part === "value" ? name : `${name}.${part}`)}]`;
  };

  const body: string[] = [];
  const emit = (...ls: string[]) => body.push(...ls);

  // ---- store, data, batcher ----
  if (ir.data.length !== 1) throw new EmitError(`the tfjs emitter needs exactly one data declaration, got ${ir.data.length}`);
  const data = ir.data[0]!;
  const bindingByName = new Map(data.bindings.map((b) => [b.name, b]));
  emit(
    "const rng = ctx.rng;",
    "// parameter initialisation, data loading, batching and sampling get their own streams",
    'const store = rt.createParamStore(rng.fork("params"));',
    at(data.span),
    `const data = await rt.data.loadData(${str(data.source)}, ${lit(data.args)}, { rng: rng.fork("data"), baseDir: ctx.baseDir });`,
    `const batcher = rt.data.createBatcher(data, ${ir.train.batch}, rng.fork("batcher"));`,
    'const sampleRng = rng.fork("sample");',
    "",
  );

  // ---- priors ----
  for (const z of ir.latents) {
    const id = priorId.get(z.name)!;
    emit(at(z.span));
    if (z.dist.kind === "gaussian_mixture") {
      const d = z.dist;
      emit(
        `const ${id} = rt.priors.gaussianMixture(store, ${str(z.name)}, { K: ${d.components}, dim: ${d.dim}, ` +
          `means: { learn: ${d.means.learn}, init: ${initSpec(d.means.init)} }, scale: { learn: ${d.scale.learn}, init: ${num(d.scale.init)} }, cov: ${str(d.cov)}` +
          (d.weights ? `, weights: ${lit(d.weights.probs)}, learnWeights: ${d.weights.learn}` : "") +
          " });",
      );
    } else emit(`const ${id} = ${distExpr(z.dist)};`);
  }

  // ---- weights ----
  for (const w of ir.weights) {
    emit(at(w.span));
    let init: string;
    if (w.init.kind === "data_points") {
      const b = bindingByName.get(w.init.data);
      if (!b) throw new EmitError(`data_points(${w.init.data}): no such data binding`);
      const count = w.type.shape[0] ?? 1;
      init = `{ kind: "values", values: rt.data.sampleRows(data, ${b.column}, ${count}, rng.fork(${str(`init:${w.name}`)})) }`;
    } else init = initSpec(w.init);
    emit(`const ${weightId.get(w.name)} = store.create(${str(w.name)}, ${lit(w.type.shape)}, ${init});`);
  }
  const priorParamAnchor = body.length; // prior parameter handles are inserted here once known

  // ---- layers ----
  for (const n of ir.networks) {
    if (n.layers.length) emit(at(n.span));
    for (const l of n.layers) {
      const id = layerId.get(l.id);
      if (id) emit(`const ${id} = ${layerCtor(l)};`);
    }
  }
  emit("");

  // ---- networks ----
  for (const n of ir.networks) emit(...networkFn(n));

  // ---- latent draws ----
  emit(
    "/** Fresh draws of the latents in `need` (n examples each), in declaration order. `component` draws every",
    " * GaussianMixture from that one component (sample grids). */",
    "function drawLatents(n: number, need: Need, r: rt.Rng, component?: number): Draws {",
    `const lat: Draws = ${rec};`,
  );
  for (const z of ir.latents) {
    const id = priorId.get(z.name)!;
    const k = str(z.name);
    if (z.dist.kind === "gaussian_mixture") {
      emit(
        `if (need.value.includes(${k})) {`,
        "if (component === undefined) {",
        `const d = ${id}.sample(n, r);`,
        `lat[${k}] = d.value;`,
        `lat[${str(`${z.name}.component`)}] = d.component;`,
        "} else {",
        `lat[${k}] = ${id}.sampleComponent(component, n, r);`,
        `lat[${str(`${z.name}.component`)}] = tf.fill([n], component, "int32");`,
        "}",
        "}",
        `if (need.each.includes(${k})) lat[${str(`${z.name}.each`)}] = ${id}.sampleEach(n, r);`,
      );
    } else emit(`if (need.value.includes(${k})) lat[${k}] = ${id}.sample(n, r);`);
  }
  emit("return lat;", "}", "");

  // ---- losses ----
  for (const l of ir.losses) emit(...lossFnText(l));

  // ---- optimizers, variable lists, gradient functions ----
  const lossNeed = new Map<string, Need>();
  for (const l of ir.losses) lossNeed.set(l.name, needsOf([l.graph], latentOrder));
  for (const u of ir.updates) {
    const vars = [...new Set(u.groups.flatMap((g) => g.vars))];
    emit(
      at(u.span),
      `const ${optId.get(u.name)} = rt.optim.makeOptimizer(${optimizerSpec(u)});`,
      `const ${varsId.get(u.name)} = [${vars.map((v) => `store.get(${str(v)})`).join(", ")}];`,
    );
  }
  emit("");
  for (const u of ir.updates) if (!jointGroups.has(u.loss)) emit(...gradFnText(u));
  for (const [loss, us] of jointGroups) emit(...jointGradFnText(loss, us));

  // ---- trainStep ----
  emit(...toBatchText());
  emit(...trainStepText());
  emit(...referenceText());

  // ---- sample / assign / network ----
  emit(...samplerText());
  emit(
    "const networks: Record<string, (training: boolean, ...xs: Tensor[]) => Tensor> = {",
    ...ir.networks.map((n) => `${key(n.name)}: ${isProtoName(n.name) ? "(training: boolean, ...xs: Tensor[])" : "(training, ...xs)"} => ${netFn.get(n.name)}(training, ${n.inputs.map((_, i) => `xs[${i}]!`).join(", ")}),`),
    "};",
    "",
    "return {",
    "meta,",
    "store,",
    "data,",
    "batcher,",
    `optimizers: { ${ir.updates.map((u) => `${key(u.name)}: ${optId.get(u.name)}`).join(", ")} },`,
    "trainStep,",
    "reference,",
    "sample,",
    ir.head !== null
      ? `assign: (x: Tensor) => tf.tidy(() => ${baseEnv("false").network(ir.head)}(false, x)),`
      : "assign: null,",
    "network(name: string, ...inputs: Tensor[]): Tensor {",
    "const f = networks[name];",
    "if (f === undefined) {",
    "throw new rt.GancRuntimeError(`unknown network ${JSON.stringify(name)}`, {",
    `hint: ${str(`networks of this spec: ${ir.networks.map((n) => n.name).join(", ")}`)},`,
    "});",
    "}",
    "return tf.tidy(() => f(false, ...inputs));",
    "},",
    "};",
  );

  // prior parameter handles, now that every graph has been lowered
  const pp: string[] = [];
  for (const [key, id] of priorParamId) {
    const [latent, member] = key.split(".") as [string, "means" | "scale"];
    pp.push(`const ${id} = store.get(${priorId.get(latent)}.params.${member});`);
  }
  body.splice(priorParamAnchor, 0, ...pp);

  return {
    header: [
      `// Generated by ganc from ${commentText(specFile)}. Do not edit: change the spec and recompile.`,
      `// model ${commentText(ir.model.name)}: ${commentText(ir.model.description)}`,
      `// params: ${commentText(ir.params.map((p) => `${p.name}=${String(p.value)}`).join(", "), 400)}`,
    ],
    imports: [...plugins].map(([path, id]) => ({ ident: id, path })),
    meta: metaLiteral(ir),
    body,
  };

  // ---------- helpers (closures over the name tables) ----------

  function layerCtor(l: IRLayer): string {
    const a = l.attrs;
    const n = (k: string, d: number) => (typeof a[k] === "number" ? (a[k] as number) : d);
    const last = (s: number[]) => s[s.length - 1] ?? 1;
    const pad = str(a["padding"] === "valid" ? "valid" : "same");
    const sn = typeof a["spectralNorm"] === "number" && a["spectralNorm"] > 0 ? `spectralNorm: ${num(a["spectralNorm"] as number)}` : "";
    switch (l.kind) {
      case "dense":
        return `rt.layers.dense(store, ${str(l.id)}, ${n("inUnits", last(l.inShape))}, ${n("units", last(l.outShape))}${sn ? `, { ${sn} }` : ""})`;
      case "conv2d":
        return (
          `rt.layers.conv2d(store, ${str(l.id)}, { inChannels: ${n("inChannels", last(l.inShape))}, filters: ${n("filters", last(l.outShape))}, ` +
          `kernel: ${n("kernel", 3)}, stride: ${n("stride", 1)}, padding: ${pad}${sn ? `, ${sn}` : ""} })`
        );
      case "conv2d_transpose":
        return (
          `rt.layers.conv2dTranspose(store, ${str(l.id)}, { inChannels: ${n("inChannels", last(l.inShape))}, filters: ${n("filters", last(l.outShape))}, ` +
          `kernel: ${n("kernel", 3)}, stride: ${n("stride", 1)}, padding: ${pad}, inH: ${n("inH", l.inShape[0] ?? 1)}, inW: ${n("inW", l.inShape[1] ?? 1)}${sn ? `, ${sn}` : ""} })`
        );
      case "batchnorm":
        return `rt.layers.batchnorm(store, ${str(l.id)}, { channels: ${n("channels", last(l.inShape))} })`;
      case "dropout":
        return `rt.layers.dropout(${num(n("rate", 0.5))})`;
      case "embedding":
        return `rt.layers.embedding(store, ${str(l.id)}, ${n("classes", 1)}, ${n("dim", 1)}, ${initSpec(l.params[0]!.init)})`;
      default:
        throw new EmitError(`the tfjs emitter has no layer ${JSON.stringify(l.kind)} (layer ${l.id})`);
    }
  }

  function networkFn(n: IRNetwork): string[] {
    const fn = netFn.get(n.name)!;
    const scope = top.child(["training"]);
    const params = n.inputs.map((i) => scope.fresh(ident(i.name, "argument")));
    const layers = new Map(n.layers.map((l) => [l.id, l]));
    const env: GraphEnv = {
      ...baseEnv("training"),
      data: (name) => {
        throw new EmitError(`network ${n.name} reads data ${name}`);
      },
      latent: (name) => {
        throw new EmitError(`network ${n.name} reads latent ${name}`);
      },
      input: (i) => {
        const p = params[i];
        if (p === undefined) throw new EmitError(`network ${n.name} has no argument ${i}`);
        return p;
      },
      layer: (id) => {
        const layer = layers.get(id);
        if (!layer) return noLayer(id);
        return { layer, ident: layerId.get(id) ?? null };
      },
    };
    const g = lowerGraph(n.body, env, scope, n.span.start.line);
    const sig = [`training: boolean`, ...params.map((p) => `${p}: Tensor`)].join(", ");
    return [
      `/** ${commentText(`${n.role} ${n.name}(${n.inputs.map((i) => `${i.name}: ${typeText(i.type)}`).join(", ")}) -> ${typeText(n.output)}`)} */`,
      at(n.span),
      `function ${fn}(${sig}): Tensor {`,
      ...g.lines,
      `return ${g.result};`,
      "}",
      "",
    ];
  }

  function graphEnv(training: string): GraphEnv {
    return {
      ...baseEnv(training),
      data: (name) => {
        if (!bindingByName.has(name)) throw new EmitError(`unknown data ${JSON.stringify(name)}`);
        return `batch[${str(name)}]`;
      },
      latent: latentRef,
      input: (i) => {
        throw new EmitError(`argument ${i} used outside a network`);
      },
      layer: noLayer,
    };
  }

  function lossFnText(l: IRLoss): string[] {
    const scope = top.child();
    const g = lowerGraph(l.graph, graphEnv("training"), scope, l.span.start.line);
    return [
      `/** loss ${commentText(l.name)} (as declared; an update that maximizes it descends its negation) */`,
      at(l.span),
      `function ${lossFn.get(l.name)}(batch: Batch, lat: Draws, training: boolean): Tensor {`,
      ...g.lines,
      `return ${g.result};`,
      "}",
      "",
    ];
  }

  function optimizerSpec(u: IRUpdate): string {
    const o = u.optimizer;
    // the lr schedule (issue 21) as a literal: kind and numbers only, never spec text
    const sch = o.schedule ? `, schedule: ${lit(o.schedule)}` : "";
    switch (o.kind) {
      case "adam":
        return `{ kind: "adam", lr: ${num(o.lr)}, beta1: ${num(o.beta1)}, beta2: ${num(o.beta2)}, eps: ${num(o.eps)}${sch} }`;
      case "sgd":
        return `{ kind: "sgd", lr: ${num(o.lr)}, momentum: ${num(o.momentum)}${sch} }`;
      case "rmsprop":
        return `{ kind: "rmsprop", lr: ${num(o.lr)}, decay: ${num(o.decay)}, eps: ${num(o.eps)}, momentum: ${num(o.momentum)}${sch} }`;
    }
  }

  function gradFnText(u: IRUpdate): string[] {
    const l = lossByName.get(u.loss);
    if (!l) throw new EmitError(`update ${u.name} uses unknown loss ${JSON.stringify(u.loss)}`);
    const max = u.direction === "maximizes";
    const vars = varsId.get(u.name)!;
    return [
      `/** ${commentText(`update ${u.name}: ${u.groups.map((g) => g.name).join(", ")} ${u.direction} ${u.loss}`)}.`,
      " * Returns the loss as declared and the gradients of the quantity to minimize. */",
      at(u.span),
      `function ${gradId.get(u.name)}(batch: Batch, n: number, need: Need, given?: Draws): { value: Tensor; grads: Tensor[] } {`,
      "return tf.tidy(() => {",
      "const { value, grads } = tf.variableGrads(() => {",
      "const lat = given ?? drawLatents(n, need, rng);",
      `const loss = rt.ops.asScalar(${lossFn.get(u.loss)}(batch, lat, true), ${str(u.loss)}, ${str(lineOf(l.span))});`,
      max ? "return tf.neg(loss);" : "return loss;",
      `}, ${vars});`,
      `return { value: ${max ? "tf.neg(value)" : "value"}, grads: rt.ops.gradsFor(${vars}, grads) };`,
      "});",
      "}",
      "",
    ];
  }

  /** One variableGrads over the variables of every due update on `loss`; each update gets the loss as declared and
   * the gradients of the quantity it minimizes (negated for a maximizing update). */
  function jointGradFnText(loss: string, us: IRUpdate[]): string[] {
    const l = lossByName.get(loss);
    if (!l) throw new EmitError(`updates ${us.map((u) => u.name).join(", ")} use unknown loss ${JSON.stringify(loss)}`);
    return [
      `/** ${commentText(`updates ${us.map((u) => u.name).join(", ")} on ${loss}: one forward/backward pass for all that are due.`)} */`,
      at(l.span),
      `function ${jointId.get(loss)}(batch: Batch, n: number, need: Need, due: Record<string, boolean>): Record<string, { value: Tensor; grads: Tensor[] }> {`,
      "if (!Object.values(due).some(Boolean)) return {};",
      "return tf.tidy(() => {",
      "const vars = [...new Set([",
      ...us.map((u) => `...(due[${str(u.name)}] ? ${varsId.get(u.name)} : []),`),
      "])];",
      "const { value, grads } = tf.variableGrads(() => {",
      "const lat = drawLatents(n, need, rng);",
      `return rt.ops.asScalar(${lossFn.get(loss)}(batch, lat, true), ${str(loss)}, ${str(lineOf(l.span))});`,
      "}, vars);",
      `const out: Record<string, { value: Tensor; grads: Tensor[] }> = ${rec};`,
      ...us.map((u) => {
        const g = `rt.ops.gradsFor(${varsId.get(u.name)}, grads)`;
        return `if (due[${str(u.name)}]) out[${str(u.name)}] = { value: value.clone(), grads: ${u.direction === "maximizes" ? `${g}.map((x) => tf.neg(x))` : g} };`;
      }),
      "return out;",
      "});",
      "}",
      "",
    ];
  }

  function projectText(u: IRUpdate): string[] {
    // the update's own constraint (issue 21) on every tensor it trains, then the weights' constraints
    const own = u.constrain
      ? [`for (const v of ${varsId.get(u.name)}) await rt.optim.project(${str(u.constrain.kind)}, v, ${lit(u.constrain.args)});`]
      : [];
    return [...own, ...u.project.map((name) => {
      const w = ir.weights.find((x) => x.name === name);
      if (!w || !w.constrain) throw new EmitError(`update ${u.name} projects ${JSON.stringify(name)}, which has no constraint`);
      return `await rt.optim.project(${str(w.constrain.kind)}, ${weightId.get(name)}, ${lit(w.constrain.args)});`;
    })];
  }

  /** The minibatch columns as the losses read them (per-binding shapes, int labels). */
  function toBatchText(): string[] {
    return [
      "/** the batcher's columns as the losses read them: per-binding shapes and int labels */",
      "function toBatch(cols: Tensor[]): Batch {",
      "return tf.tidy(() => ({",
      ...data.bindings.map((b) => {
        const shape = [-1, ...b.type.shape];
        const cast = b.type.elem === "int" ? `, "int32"` : "";
        const col = `cols[${b.column}]!`;
        return `${key(b.name)}: ${cast ? `tf.cast(tf.reshape(${col}, ${lit(shape)})${cast})` : `tf.reshape(${col}, ${lit(shape)})`},`;
      }),
      "}));",
      "}",
      "",
    ];
  }

  /** Hooks for checking another backend's gradients against this trainer's tfjs autodiff (compiler/step tests):
   * the next minibatch, one update's latent draws, and that update's loss and gradients at given draws. */
  function referenceText(): string[] {
    const single = ir.updates.filter((u) => !jointGroups.has(u.loss));
    return [
      `const needs: Record<string, Need> = { ${ir.updates.map((u) => `${key(u.name)}: ${lit(lossNeed.get(u.loss) ?? { value: [], each: [] })}`).join(", ")} };`,
      "const reference: rt.ReferenceHooks = {",
      "rng,",
      "nextBatch: () => { const cols = batcher.next(); const b = toBatch(cols); tf.dispose(cols); return b; },",
      "draw(update: string): Draws {",
      "const need = needs[update];",
      "if (need === undefined) throw new rt.GancRuntimeError(`unknown update ${JSON.stringify(update)}`);",
      "return drawLatents(batcher.batchSize, need, rng);",
      "},",
      "grads(update: string, batch: Batch, lat?: Draws) {",
      `const fns: Record<string, (b: Batch, n: number, need: Need, given?: Draws) => { value: Tensor; grads: Tensor[] }> = { ${single.map((u) => `${key(u.name)}: ${gradId.get(u.name)}`).join(", ")} };`,
      `const names: Record<string, string[]> = { ${single.map((u) => `${key(u.name)}: ${lit([...new Set(u.groups.flatMap((g) => g.vars))])}`).join(", ")} };`,
      "const f = fns[update];",
      "if (f === undefined) throw new rt.GancRuntimeError(`update ${JSON.stringify(update)} has no single-update gradient function`);",
      "const g = f(batch, batcher.batchSize, needs[update]!, lat);",
      "return { value: g.value, grads: Object.fromEntries(names[update]!.map((v, i) => [v, g.grads[i]!])) };",
      "},",
      "};",
      "",
    ];
  }

  function trainStepText(): string[] {
    const out: string[] = [
      `/** One training step (${ir.train.schedule}) on one shared minibatch; returns each run update's loss. */`,
      at(ir.train.span),
      "async function trainStep(step: number): Promise<Record<string, number>> {",
      "const cols = batcher.next();",
      "const batch = toBatch(cols);",
      "const n = batcher.batchSize;",
      `const values: Record<string, Tensor> = ${rec};`,
      `const lines: Record<string, [string, string]> = ${rec};`,
    ];
    const record = (u: IRUpdate) => {
      const l = lossByName.get(u.loss)!;
      return [
        `tf.dispose(values[${str(u.name)}]);`,
        `values[${str(u.name)}] = g.value;`,
        `lines[${str(u.name)}] = [${str(u.loss)}, ${str(lineOf(l.span))}];`,
      ];
    };
    if (ir.train.schedule === "alternating") {
      for (const u of ir.updates) {
        const need = lossNeed.get(u.loss) ?? { value: [], each: [] };
        const opt = optId.get(u.name)!;
        const vars = varsId.get(u.name)!;
        out.push(
          at(u.span),
          `if (step % ${u.every} === 0) {`,
          `for (let r = 0; r < ${u.repeat}; r++) {`,
          `const g = ${gradId.get(u.name)}(batch, n, ${lit(need)});`,
          `tf.tidy(() => ${opt}.apply(${vars}, g.grads));`,
          "tf.dispose(g.grads);",
          ...projectText(u),
          ...record(u),
          "}",
          "}",
        );
      }
    } else {
      const need = unionNeed([...lossNeed.values()], latentOrder);
      out.push(
        "// simultaneous: every due update's gradient at the same parameters and the same latent draws",
        "const start = rng.getState();",
      );
      for (const [loss, us] of jointGroups) {
        out.push(
          `const due_${jointId.get(loss)} = { ${us.map((u) => `${key(u.name)}: step % ${u.every} === 0`).join(", ")} };`,
          "rng.setState(start);",
          `const j_${jointId.get(loss)} = ${jointId.get(loss)}(batch, n, ${lit(need)}, due_${jointId.get(loss)});`,
        );
      }
      for (const u of ir.updates) {
        out.push(
          jointGroups.has(u.loss)
            ? `const g_${updId.get(u.name)} = j_${jointId.get(u.loss)}[${str(u.name)}] ?? null;`
            : `const g_${updId.get(u.name)} = step % ${u.every} === 0 ? (rng.setState(start), ${gradId.get(u.name)}(batch, n, ${lit(need)})) : null;`,
        );
      }
      for (const u of ir.updates) {
        const g = `g_${updId.get(u.name)}`;
        out.push(
          at(u.span),
          `if (${g} !== null) {`,
          `const g = ${g};`,
          `tf.tidy(() => ${optId.get(u.name)}.apply(${varsId.get(u.name)}, g.grads));`,
          "tf.dispose(g.grads);",
          ...projectText(u),
          ...record(u),
          "}",
        );
      }
    }
    out.push(
      "tf.dispose(cols);",
      "tf.dispose(Object.values(batch));",
      `const losses: Record<string, number> = ${rec};`,
      "for (const [name, t] of Object.entries(values)) {",
      "const v = (await t.data())[0] ?? NaN;",
      "t.dispose();",
      "const [loss, line] = lines[name]!;",
      "losses[name] = rt.ops.checkFinite(v, loss, line, step);",
      "}",
      "return losses;",
      "}",
      "",
    );
    return out;
  }

  function samplerText(): string[] {
    const s = ir.sampler;
    if (s === null) {
      return [
        "function sample(_n: number, _opts: { component?: number; rng?: rt.Rng } = {}): Tensor {",
        `throw new rt.GancRuntimeError(${str(`${ir.model.name} has no generator to sample from`)});`,
        "}",
        "",
      ];
    }
    const scope = top.child(["opts", "lat"]);
    const g = lowerGraph(s.graph, { ...graphEnv("false"), data: (name) => {
      throw new EmitError(`the sampler graph reads data ${JSON.stringify(name)}`);
    } }, scope);
    const need = needsOf([s.graph], latentOrder);
    const gm = s.perComponent !== null ? latentByName.get(s.perComponent) : undefined;
    const K = gm && gm.dist.kind === "gaussian_mixture" ? gm.dist.components : null;
    return [
      `/** ${commentText(`n samples of generator ${s.network}`)}; \`component\` draws the mixture latent from one component, \`rng\` replaces the sampling stream. */`,
      "function sample(n: number, opts: { component?: number; rng?: rt.Rng } = {}): Tensor {",
      "const component = opts.component;",
      K === null
        ? `if (component !== undefined) throw new rt.GancRuntimeError(${str(`${ir.model.name} has no Gaussian-mixture latent to draw per component`)});`
        : `if (component !== undefined && !(Number.isInteger(component) && component >= 0 && component < ${K})) throw new rt.GancRuntimeError(\`component \${component} is out of range 0..${K - 1}\`);`,
      "return tf.tidy(() => {",
      `const lat = drawLatents(n, ${lit(need)}, opts.rng ?? sampleRng, component);`,
      ...g.lines,
      `return ${g.result};`,
      "});",
      "}",
      "",
    ];
  }
}

function typeText(t: TensorType): string {
  const tag = t.tag === "logit" ? "Logit" : t.tag === "prob" ? "Prob" : t.tag === "simplex" ? "Simplex" : t.tag === "index" ? "Index" : t.tag === "image" ? "Image" : t.elem === "int" ? "Int" : t.elem === "bool" ? "Bool" : "Real";
  if (t.tag === "simplex" || t.tag === "index") return `${tag}[${t.classes ?? t.shape[t.shape.length - 1] ?? ""}]`;
  if (t.tag === "logit" || t.tag === "prob") return tag;
  return t.shape.length ? `${tag}[${t.shape.join(", ")}]` : tag;
}

function metaLiteral(ir: IRProgram): string {
  const params: Record<string, number | boolean | string> = Object.create(null); // keys are param names
  for (const p of ir.params) params[p.name] = p.value;
  const bindings = ir.data.flatMap((d) => d.bindings);
  const gen = ir.sampler ? ir.networks.find((n) => n.name === ir.sampler!.network) : ir.networks.find((n) => n.role === "generator");
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const real = bindings.filter((b) => b.type.elem === "real");
  const space = (gen && real.find((b) => same(b.type.shape, gen.output.shape))) ?? real[0] ?? bindings[0];
  const labels = bindings.find((b) => b.type.tag === "index" || b.type.elem === "int");
  let components: number | null = null;
  const perComponent = ir.sampler?.perComponent ?? null;
  const gmLatent: IRLatent | undefined =
    (perComponent !== null ? ir.latents.find((z) => z.name === perComponent) : undefined) ??
    ir.latents.find((z) => z.dist.kind === "gaussian_mixture");
  if (gmLatent && gmLatent.dist.kind === "gaussian_mixture") components = gmLatent.dist.components;
  const meta = {
    model: ir.model.name,
    description: ir.model.description,
    specFile: basename(ir.file),
    params,
    train: {
      batch: ir.train.batch,
      steps: ir.train.steps,
      epochs: ir.train.epochs,
      schedule: ir.train.schedule,
      seed: ir.train.seed,
      logEvery: ir.train.logEvery,
      checkpointEvery: ir.train.checkpointEvery,
    },
    evaluate: { every: ir.evaluate.every, metrics: ir.evaluate.metrics.map((m) => ({ name: m.name, args: m.args })) },
    updates: ir.updates.map((u) => ({ name: u.name, loss: u.loss, direction: u.direction, every: u.every, repeat: u.repeat })),
    losses: ir.losses.map((l) => l.name),
    sampleSpace: space
      ? { name: space.name, column: space.column, shape: space.type.shape, image: space.type.tag === "image" || space.type.shape.length === 3 }
      : { name: "", column: 0, shape: gen?.output.shape ?? [], image: false },
    labels: labels ? { name: labels.name, column: labels.column, classes: labels.type.classes ?? 0 } : null,
    components,
    head: ir.head,
  };
  return lit(meta);
}

export type { IRValue };
