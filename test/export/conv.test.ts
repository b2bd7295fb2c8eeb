// `ganc export --format onnx` of an image generator (issue 18): dense -> reshape -> conv2d_transpose -> batchnorm
// (inference: moving statistics) -> conv2d -> tanh, NHWC samples; onnxruntime reproduces program.sample on the same
// noise. The data is a small .npy written here (no Fashion-MNIST needed).
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRun } from "../../runtime/train/rundir.ts";
import { buildInferenceModels, drawSamplerInputs, readRunArtifacts } from "../../runtime/export/onnx.ts";
import { makeRun, maxErr, runOnnx } from "./helpers.ts";

function npyF32(shape: number[], data: Float32Array): Buffer {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")},), }`;
  const total = 10 + h.length + 1;
  h += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(h.length, 8);
  return Buffer.concat([head, Buffer.from(h, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

const SPEC = `model conv_gan "image generator export fixture"
latent z ~ Normal(0, 1, dim=4)
data x: Image[8, 8, 1] = npy(path="x.npy")
generator G(z: Real[4]) -> Image[8, 8, 1] =
  z |> dense(128) |> relu() |> reshape([4, 4, 8]) |> conv2d_transpose(4, 4, stride=2) |> batchnorm() |> relu()
    |> conv2d(1, 3) |> tanh()
discriminator D(x: Image[8, 8, 1]) -> Logit = x |> conv2d(4, 3, stride=2) |> leaky_relu(0.2) |> flatten() |> dense(1)
train { batch 16; steps 8; schedule alternating; seed 5; log_every 4; checkpoint_every 4 }
loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = E[z] -log_sigmoid(D(G(z)))
update d_step: D maximizes d_loss with adam(lr=1e-2, beta1=0.5)
update g_step: G minimizes g_loss with adam(lr=1e-2, beta1=0.5)
`;

describe("export --format onnx: conv generator", () => {
  it("conv2d_transpose + batchnorm + conv2d: ORT reproduces program.sample (NHWC)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-export-conv-"));
    const n = 64;
    writeFileSync(join(dir, "x.npy"), npyF32([n, 8, 8, 1], Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i * 0.37))));
    writeFileSync(join(dir, "conv_gan.gan"), SPEC);
    const runDir = await makeRun(join(dir, "conv_gan.gan"), 8);
    const a = await readRunArtifacts(runDir);
    const [gen] = buildInferenceModels(a, 12);
    expect(gen!.outputs[0]!.shape).toEqual([12, 8, 8, 1]);
    const feeds = drawSamplerInputs(a, gen!.inputs, 12);
    const got = await runOnnx(gen!.bytes, new Map(gen!.inputs.map((i) => [i.onnx, { data: feeds.get(i.onnx)!, shape: i.shape }])));
    const t = (await loadRun(runDir, { backend: "wasm" })).program.sample(12);
    expect(maxErr(got.samples!.data, Float32Array.from(await t.data()))).toBeLessThan(2e-5);
    t.dispose();
  });
});
