// Packs what the GPU machine needs to time ganc's compiled training steps on ONNX Runtime's WebGPU engine next to
// PyTorch CUDA (issue 15; ../shared/reference/gpu-device-recipe.md): that machine has no Node.js and no registry,
// and only the working tree travels (64 MiB at most, ignored paths only when carried). Into OUT (default .dev/gpu,
// which .git/info/exclude should ignore) it writes:
//   plans/<workload>-b<B>/   each workload's step plan (plan.json + *.onnx), compiled here at each batch size;
//   run-plan.cjs            bench/gpu/run-plan.ts bundled by esbuild (onnxruntime-node left external);
//   ort/                    onnxruntime-node's JS, onnxruntime-common and the linux-x64 native files, the 45 MB
//                           libonnxruntime.so.1 xz-compressed;
//   node.xz                 this Node binary, xz-compressed (--no-node: leave it out);
//   debs/                   the Vulkan loader packages Dawn needs there (apt-get download; --no-vulkan: leave out);
//   step-peer.py, table.py, device.sh   the PyTorch peer, the table printer and the command to run there.
// Then on the device machine: `bash .dev/gpu/device.sh` with carry [".dev"] (bench/gpu/README.md).
// Usage: npx tsx bench/gpu/pack.ts [--out .dev/gpu] [--only dense784,gm_gan] [--batches 64,1024] [--no-node]
//          [--no-vulkan] [--xz 0-9]
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { WORKLOADS } from "../workloads.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const flag = (name: string) => argv.includes(`--${name}`);
const OUT = resolve(opt("out", join(ROOT, ".dev/gpu")));
const ONLY = opt("only", "").split(",").filter(Boolean);
const BATCHES = opt("batches", "64,1024").split(",").map(Number);
const LIMIT = 64 * 1024 * 1024;
// xz level of the big files (9: smallest; a test packs with 0 to be quick)
const XZ = `-${Number(opt("xz", "9"))}`;
// for resolving package folders from an ES module
const require = createRequire(import.meta.url);

function duSize(p: string): number {
  const s = statSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((a, n) => a + duSize(join(p, n)), 0) : s.size;
}

export async function pack(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(OUT, "plans"), { recursive: true });

  // 1. step plans at each batch size (the spec's `train { batch }` replaced before lowering)
  const { checkFileWithPlugins } = await import("../../compiler/plugins/compile.ts");
  const { buildOrtPlan, writeOrtPlan } = await import("../../compiler/emit/ort-plan.ts");
  const workloads = WORKLOADS.filter((w) => ONLY.length === 0 || ONLY.includes(w.name));
  if (workloads.length === 0) throw new Error(`--only ${ONLY.join(",")}: no such workload (${WORKLOADS.map((w) => w.name).join(", ")})`);
  for (const w of workloads) {
    const path = w.spec.endsWith(".gan") ? w.spec : join(ROOT, "specs", `${w.spec}.gan`);
    const r = await checkFileWithPlugins(path, { overrides: w.overrides, plugins: [] });
    if (!r.ir || r.diagnostics.some((d) => d.severity === "error")) throw new Error(`${w.name}: ${path} does not check`);
    for (const batch of BATCHES) {
      const ir = { ...r.ir, train: { ...r.ir.train, batch } };
      writeOrtPlan(join(OUT, "plans", `${w.name}-b${batch}`), buildOrtPlan(ir));
    }
  }

  // 2. the runner, one CommonJS file
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [join(ROOT, "bench/gpu/run-plan.ts")],
    outfile: join(OUT, "run-plan.cjs"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["onnxruntime-node"],
    logLevel: "warning",
    // run-plan.ts reads import.meta only when it is not CommonJS, i.e. not in this bundle
    logOverride: { "empty-import-meta": "silent" },
  });

  // 3. onnxruntime-node with its native files for linux-x64 (the machine's), the big library compressed
  const ortSrc = dirname(require.resolve("onnxruntime-node/package.json"));
  // (onnxruntime-common's exports hide its package.json: found beside or inside onnxruntime-node instead)
  const commonSrc = [join(ortSrc, "node_modules/onnxruntime-common"), join(dirname(ortSrc), "onnxruntime-common")].find((d) => existsSync(join(d, "package.json")));
  if (!commonSrc) throw new Error(`onnxruntime-common not found next to ${ortSrc}`);
  const ortDst = join(OUT, "ort/node_modules/onnxruntime-node");
  for (const p of ["package.json", "dist"]) cpSync(join(ortSrc, p), join(ortDst, p), { recursive: true });
  for (const napi of readdirSync(join(ortSrc, "bin"))) {
    const from = join(ortSrc, "bin", napi, "linux/x64");
    if (!existsSync(from)) continue;
    const to = join(ortDst, "bin", napi, "linux/x64");
    mkdirSync(to, { recursive: true });
    for (const f of readdirSync(from)) {
      if (f.startsWith("libonnxruntime.so")) writeFileSync(join(to, `${f}.xz`), execFileSync("xz", [XZ, "-T1", "-c", join(from, f)], { maxBuffer: 1 << 30 }));
      else cpSync(join(from, f), join(to, f));
    }
  }
  for (const p of ["package.json", "dist/cjs"]) cpSync(join(commonSrc, p), join(OUT, "ort/node_modules/onnxruntime-common", p), { recursive: true });

  // 4. node, 5. the Vulkan loader packages
  if (!flag("no-node")) writeFileSync(join(OUT, "node.xz"), execFileSync("xz", [XZ, "-T1", "-c", process.execPath], { maxBuffer: 1 << 30 }));
  if (!flag("no-vulkan")) {
    mkdirSync(join(OUT, "debs"), { recursive: true });
    const r = spawnSync("apt-get", ["download", "libvulkan1", "libegl1", "libglvnd0", "libopengl0", "libgl1", "libglx0", "libgles2"], { cwd: join(OUT, "debs"), encoding: "utf8" });
    if (r.status !== 0) console.error(`apt-get download of the Vulkan loader failed (run apt-get update first?): ${(r.stderr ?? r.error?.message ?? "").trim().split("\n").pop()}`);
  }

  // 6. the peer, the table, the device command
  cpSync(join(ROOT, "bench/step-peer.py"), join(OUT, "step-peer.py"));
  for (const f of ["table.py", "device.sh"]) cpSync(join(ROOT, "bench/gpu", f), join(OUT, f));
  writeFileSync(join(OUT, "workloads.json"), JSON.stringify({ workloads: workloads.map((w) => w.name), batches: BATCHES }, null, 1) + "\n");

  const total = duSize(OUT);
  console.log(`packed ${workloads.length} workloads x ${BATCHES.length} batch sizes into ${OUT}: ${(total / 1048576).toFixed(1)} MiB${total > LIMIT ? " — OVER the 64 MiB a run carries" : ""}`);
  if (total > LIMIT) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(ROOT, "bench/gpu/pack.ts")) {
  pack().catch((e) => {
    console.error(`pack failed: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
