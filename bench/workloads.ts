// The benchmark workloads of issue 14's table (and the GPU table of issue 15): a spec with overrides, named as the
// PyTorch peer (bench/step-peer.py) names the same step.
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

export const WORKLOADS: { name: string; spec: string; overrides: Record<string, string> }[] = [
  { name: "dense784", spec: join(ROOT, "bench/dense784.gan"), overrides: {} },
  { name: "vanilla_ring", spec: "vanilla_gan", overrides: {} },
  { name: "gat_gmm", spec: "gat_gmm", overrides: {} },
  { name: "mixture_gan", spec: "mixture_gan", overrides: {} },
  { name: "gm_gan", spec: "gm_gan", overrides: {} },
  { name: "pcm_gan_mlp", spec: "pcm_gan", overrides: { dataset: "fashion", arch: "mlp" } },
  { name: "pcm_gan_conv", spec: "pcm_gan", overrides: { dataset: "fashion" } },
];
