// Completion of learning-rate schedules (issue 21): wherever an optimizer's arguments are completed, `schedule=`
// offers the schedules of the signature table with their arguments, and inside a schedule's call its argument names.
// Also the `repeat` keyword in expressions, and no declaration keywords inside `repeat N { ... }`.
import { expect, it } from "vitest";
import { analyze } from "../../compiler/lsp/analysis.ts";
import { complete } from "../../compiler/lsp/completion.ts";
import { signatureTable } from "../../compiler/check/signatures.ts";

const SPEC = `model m "m"
data x: Real[2] = ring()
latent z ~ Normal(0, 1, dim=2)
generator G(z: Real[2]) -> Real[2] = z |> dense(2)
discriminator D(x: Real[2]) -> Logit = x |> dense(1)
loss d = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
`;

/** completion items at the end of SPEC + `tail` */
async function at(tail: string) {
  const text = SPEC + tail;
  return complete(await analyze(text, "m.gan", 1), text, text.length);
}

const schedules = [...signatureTable([]).values()].filter((e) => e.category === "schedule").map((e) => e.name);

it("the table has the five schedules the docs list", () => {
  expect(schedules.sort()).toEqual(["constant", "cosine", "linear_decay", "step_decay", "warmup"]);
});

for (const opt of ["adam", "sgd", "rmsprop"]) {
  it(`${opt}(..., schedule=): exactly the schedules, each a snippet with its required arguments`, async () => {
    const items = await at(`update u: D maximizes d with ${opt}(lr=1e-3, schedule=`);
    expect(items.map((i) => i.label).sort()).toEqual([...schedules].sort());
    const cos = items.find((i) => i.label === "cosine")!;
    expect(cos.insertText).toBe("cosine(steps=${1})$0");
    expect(cos.detail).toContain("warmup");
    expect(cos.detail).toContain("min");
    expect(items.find((i) => i.label === "step_decay")!.insertText).toBe("step_decay(every=${1})$0");
    expect(items.find((i) => i.label === "constant")!.insertText).toBe("constant()$0");
    // a typed prefix is the client's to filter: the same list
    expect((await at(`update u: D maximizes d with ${opt}(lr=1e-3, schedule=cos`)).map((i) => i.label).sort()).toEqual([...schedules].sort());
  });
}

it("the optimizer's own argument list includes schedule=", async () => {
  const labels = (await at("update u: D maximizes d with adam(lr=1e-3, ")).map((i) => i.label);
  expect(labels).toEqual(expect.arrayContaining(["beta1=", "schedule="]));
});

it("inside a schedule's call: its argument names", async () => {
  const labels = (await at("update u: D maximizes d with adam(lr=1e-3, schedule=cosine(steps=100, ")).map((i) => i.label);
  expect(labels).toEqual(expect.arrayContaining(["steps=", "warmup=", "min="]));
  const sd = (await at("update u: D maximizes d with rmsprop(lr=1e-3, schedule=step_decay(")).map((i) => i.label);
  expect(sd).toEqual(expect.arrayContaining(["every=", "gamma="]));
});

it("`schedule=` of something that is not an optimizer is not a schedule position", async () => {
  const labels = (await at("let q = dense(2, schedule=")).map((i) => i.label);
  expect(labels).toContain("dense");
});

it("`repeat` is offered in expressions; inside `repeat N {` no declaration keywords", async () => {
  expect((await at("generator H(z: Real[2]) -> Real[2] = z |> ")).map((i) => i.label)).toContain("repeat");
  const inside = (await at("generator H(z: Real[2]) -> Real[2] = z |> repeat 2 {\n  ")).map((i) => i.label);
  expect(inside).not.toContain("param");
  expect(inside).toContain("dense");
});
