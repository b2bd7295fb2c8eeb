// Golden step plans (`ganc compile SPEC --emit step-ir`) for every bundled spec and the variants that switch code
// paths. A spec the step IR does not lower yet has the E0797 diagnostic as its golden, naming the construct and its
// line, so the goldens also record what is missing. UPDATE_GOLDEN=1 regenerates; review the diff.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { stepIrText } from "../../compiler/cli/commands/compile.ts";
import { expectGolden } from "../golden.ts";

const root = join(import.meta.dirname, "../..");
const goldenDir = join(import.meta.dirname, "golden");
const specs = readdirSync(join(root, "specs")).filter((f) => f.endsWith(".gan")).sort();

const variants: [string, Record<string, string>][] = [
  ...specs.map((f) => [`specs/${f}`, {}] as [string, Record<string, string>]),
  ["specs/gm_gan.gan", { supervised: "true", mode: "dynamic" }],
  ["specs/pcm_gan.gan", { dataset: "fashion" }],
  ["specs/mixture_gan.gan", { mu: "half", dataset: "grid" }],
  ["specs/vanilla_gan.gan", { dataset: "fashion" }],
  ["examples/specs/wgan_gp_ring.gan", {}],
  ["examples/specs/hinge_ring.gan", {}],
  // spectral_norm: the power iteration on stop_gradient of each kernel, the sn_u state inputs and update outputs
  ["examples/specs/sngan_hinge_fashion.gan", {}],
  // a block's uses and `repeat depth { ... }`: each its own layers, G/repeat_0/0/res_0/dense_0, G/res_0/dense_0 ...
  ["examples/specs/resnet_blocks_ring.gan", {}],
  // grad(f, wrt) (issue 21): the input gradient's backward nodes inside the forward graph
  ["examples/specs/r1_ring.gan", {}],
  ["examples/specs/dragan_ring.gan", {}],
  ["examples/specs/infogan_ring.gan", {}],
  ["examples/specs/cgan_projection_fashion.gan", { up: "bilinear" }],
  // BiGAN's joint discriminator; lr schedules as hyper inputs; an update's clip constraint (issue 21)
  ["examples/specs/bigan_fashion.gan", {}],
  ["examples/specs/cosine_ring.gan", {}],
  ["examples/specs/wgan_clip_ring.gan", {}],
];

const goldenName = (f: string, sets: Record<string, string>) =>
  f.replace(/^.*\//, "").replace(/\.gan$/, `${Object.entries(sets).map(([k, v]) => `@${k}=${v}`).join("")}.step-ir.txt`);

it("every examples/specs recipe has a step-IR golden", () => {
  const recipes = readdirSync(join(root, "examples/specs")).filter((f) => f.endsWith(".gan"));
  expect(recipes.filter((f) => !variants.some(([v]) => v === `examples/specs/${f}`))).toEqual([]);
});

describe("step-IR goldens", () => {
  for (const [f, sets] of variants) {
    const name = goldenName(f, sets);
    it(name, async () => {
      const r = await stepIrText(f, { overrides: sets });
      const out = r.ok ? r.text : r.messages;
      if (!r.ok) expect(out).toMatch(/error\[E0797\]: .* not lowered to the step IR yet/);
      expectGolden(join(goldenDir, name), out, `step plan ${name} differs: if intended, UPDATE_GOLDEN=1 npx vitest run test/step/plan.test.ts`);
    });
  }

  it("the CLI prints the plan on stdout (exit 0), and E0797 with a caret and exit 1 for what is not lowered", () => {
    const ganc = (...args: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, [join(root, "bin/ganc.js"), ...args], { cwd: root, encoding: "utf8", stdio: "pipe", env: { ...process.env, NO_COLOR: "1" } }), err: "" };
      } catch (e) {
        const x = e as { status: number; stdout: string; stderr: string };
        return { code: x.status, out: x.stdout, err: x.stderr };
      }
    };
    const ok = ganc("compile", "specs/vanilla_gan.gan", "--emit", "step-ir");
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^# step plan of vanilla_gan: batch 256, schedule alternating/);
    expect(ok.out).toMatch(/\(grad\)/);
    // a plugin loss traces into the step IR from its tfjs implementation...
    const mmd = ganc("compile", "examples/plugins/mmd_ring.gan", "--emit", "step-ir");
    expect(mmd.code, mmd.err).toBe(0);
    expect(mmd.out).toMatch(/^graph g_step: /m);
    // ...unless it uses a tf function outside the traced subset
    const no = ganc("compile", "test/plugins/fixtures/cdf_gap_ring.gan", "--emit", "step-ir");
    expect(no.code).toBe(1);
    expect(no.err).toMatch(/error\[E0797\]: plugin loss cdf_gap is not lowered to the step IR yet: tf\.cumsum is not traced/);
    expect(no.err).toMatch(/cdf_gap_ring\.gan:9:12/);
    expect(no.err).toMatch(/\^/);
    expect(ganc("compile", "specs/vanilla_gan.gan", "--emit", "onnx").code).toBe(2);
    expect(ganc("compile", "specs/vanilla_gan.gan").code).toBe(2);
  }, 60_000);
});
