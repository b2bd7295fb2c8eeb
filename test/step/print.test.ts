// The step-IR text dump, golden inline.
import { describe, expect, it } from "vitest";
import type { Span } from "../../diagnostics/diagnostic.ts";
import { StepBuilder } from "../../compiler/step/ir.ts";
import { grad } from "../../compiler/passes/grad.ts";
import { dce } from "../../compiler/passes/step-opt.ts";
import { printGraph } from "../../compiler/step/print.ts";

const line = (n: number): Span => ({ file: "/specs/tiny.gan", start: { line: n, column: 3, offset: 0 }, end: { line: n, column: 9, offset: 6 } });

describe("printGraph", () => {
  it("prints one node per line with types, spans, grad marks, inputs and outputs", () => {
    const b = new StepBuilder("tiny_step");
    const x = b.input("x", "data", [4, 2]);
    const w = b.input("D.w", "param", [2, 1]);
    const lr = b.input("lr", "hyper", []);
    b.span = line(7);
    const s = b.add("matmul", [x, w], {}, "score");
    b.span = line(9);
    const loss = b.add("mean", [b.add("softplus", [s])], { axes: null, keepdims: false });
    b.output(loss, "loss:adv", "log");
    b.span = null;
    const [g] = grad(b, loss, [w]);
    b.output(b.add("sub", [w, b.add("mul", [lr, g!])]), "D.w", "update");
    expect(printGraph(dce(b.graph()))).toBe(`graph tiny_step: 17 values, 3 inputs, 2 outputs
  %0 = input x                              f32[4,2]        data
  %1 = input D.w                            f32[2,1]        param
  %2 = input lr                             f32[]           hyper
  %3 = matmul %0, %1                        f32[4,1]        tiny.gan:7  # score
  %4 = softplus %3                          f32[4,1]        tiny.gan:9
  %5 = mean %4 {axes: null, keepdims: false}  f32[]           tiny.gan:9
  %6 = const 1                              f32[]           tiny.gan:9  (grad)
  %7 = reshape %6 {shape: [1, 1]}           f32[1,1]        tiny.gan:9  (grad)
  %8 = const 4                              f32[]           tiny.gan:9  (grad)
  %9 = div %7, %8                           f32[1,1]        tiny.gan:9  (grad)
  %10 = broadcast_to %9 {shape: [4, 1]}     f32[4,1]        tiny.gan:9  (grad)
  %11 = sigmoid %3                          f32[4,1]        tiny.gan:9  (grad)
  %12 = mul %10, %11                        f32[4,1]        tiny.gan:9  (grad)
  %13 = transpose %0 {perm: [1, 0]}         f32[2,4]        tiny.gan:7  (grad)
  %14 = matmul %13, %12                     f32[2,1]        tiny.gan:7  (grad)
  %15 = mul %2, %14                         f32[2,1]        -
  %16 = sub %1, %15                         f32[2,1]        -
  output loss:adv = %5  (log)
  output D.w = %16  (update)
`);
  });
});
