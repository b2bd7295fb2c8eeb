// The stable-log pass on hand-built graphs and on a spec written with naive logs.
import { describe, expect, it } from "vitest";
import type { IRGraph, IRValue, TensorType } from "../../compiler/ir/ir.ts";
import { stableLog } from "../../compiler/passes/stable-log.ts";
import { runPasses } from "../../compiler/passes/index.ts";
import { parse } from "../../grammar/index.ts";
import { check } from "../../compiler/check/index.ts";

const bt = (shape: number[] = []): TensorType => ({ elem: "real", shape, batched: true });
const nb = (shape: number[] = []): TensorType => ({ elem: "real", shape, batched: false });
const v = (id: number, op: IRValue["op"], args: number[], type: TensorType, attrs = {}): IRValue => ({ id, op, args, attrs, type, span: null });
const ops = (g: IRGraph) => g.values.map((x) => `${x.op}(${x.args.join(",")})`);

describe("stable-log", () => {
  it("log(sigmoid(x)) -> log_sigmoid(x)", () => {
    const g = { values: [v(0, "data", [], bt(), { name: "x" }), v(1, "sigmoid", [0], { ...bt(), tag: "prob" }), v(2, "log", [1], bt())], output: 2 };
    const r = stableLog(g);
    expect(ops(r)).toEqual(["data()", "log_sigmoid(0)"]);
    expect(r.values[r.output].type).toEqual(bt());
  });

  it("log(1 - sigmoid(x)) -> log_sigmoid(-x), through the rank expansion of the constant", () => {
    const g = {
      values: [
        v(0, "data", [], bt([3]), { name: "x" }),
        v(1, "sigmoid", [0], bt([3])),
        v(2, "const", [], nb(), { value: 1 }),
        v(3, "expand_rank", [2], nb([1, 1]), { rank: 2 }),
        v(4, "sub", [3, 1], bt([3])),
        v(5, "log", [4], bt([3])),
      ],
      output: 5,
    };
    expect(ops(stableLog(g))).toEqual(["data()", "neg(0)", "log_sigmoid(1)"]);
  });

  it("log(softmax(x)) -> log_softmax(x); other logs stay", () => {
    const g = {
      values: [
        v(0, "data", [], bt([4]), { name: "x" }),
        v(1, "softmax", [0], bt([4])),
        v(2, "log", [1], bt([4])),
        v(3, "exp", [0], bt([4])),
        v(4, "log", [3], bt([4])),
        v(5, "add", [2, 4], bt([4])),
      ],
      output: 5,
    };
    expect(ops(stableLog(g))).toEqual(["data()", "log_softmax(0)", "exp(0)", "log(2)", "add(1,3)"]);
  });

  it("leaves log(2 - sigmoid(x)) alone", () => {
    const g = {
      values: [v(0, "data", [], bt(), { name: "x" }), v(1, "sigmoid", [0], bt()), v(2, "const", [], nb(), { value: 2 }), v(3, "expand_rank", [2], nb([1]), { rank: 1 }), v(4, "sub", [3, 1], bt()), v(5, "log", [4], bt())],
      output: 5,
    };
    expect(ops(stableLog(g))).toEqual(ops(g));
  });

  it("rewrites a spec written with naive logs, inside losses and network bodies", () => {
    const src = `model naive
data x: Real[2] = ring()
latent z ~ Normal(0, 1, dim=4)
generator G(z: Real[4]) -> Real[2] = z |> dense(8) |> relu() |> dense(2)
discriminator D(x: Real[2]) -> Prob = x |> dense(8) |> relu() |> dense(1) |> sigmoid()
network H(x: Real[2]) -> Real[3] = log(softmax(x |> dense(3)))
loss d_loss = E[x] log(D(x)) + E[z] log(1 - D(G(z)))
loss g_loss = E[z] -log(D(G(z))) + E[x] sum(H(x))
update d_step: D maximizes d_loss with adam(lr=0.001)
update g_step: G, H minimizes g_loss with adam(lr=0.001)
`;
    const p = parse(src, "naive.gan");
    expect(p.diagnostics).toEqual([]);
    const r = check(p.spec);
    expect(r.diagnostics).toEqual([]);
    const ir = runPasses(r.ir!);
    const H = ir.networks.find((n) => n.name === "H")!;
    expect(H.body.values.map((x) => x.op)).toContain("log_softmax");
    expect(H.body.values.map((x) => x.op)).not.toContain("log");
    // D returns Prob (sigmoid inside D): log(D(x)) is a log of a network output, not of a sigmoid op, so it stays
    const d = ir.losses.find((l) => l.name === "d_loss")!;
    expect(d.graph.values.filter((x) => x.op === "log").length).toBe(2);
    // the input IR is untouched
    expect(r.ir!.networks.find((n) => n.name === "H")!.body.values.map((x) => x.op)).toContain("log");
  });
});
