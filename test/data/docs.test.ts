// docs/runtime.md "Your own data" shows one declaration per format: each example checks (with its files in place)
// and its data loads with the declared widths.
import { expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PNG } from "pngjs";
import { dump } from "npyjs";
import { checkFileWithPlugins } from "../../compiler/plugins/compile.ts";
import { loadData } from "../../runtime/data/index.ts";
import { createRng } from "../../runtime/rng.ts";

const doc = readFileSync(join(import.meta.dirname, "../../docs/runtime.md"), "utf8");
const section = doc.slice(doc.indexOf("### Your own data"));
const block = section.slice(section.indexOf("```") + 3, section.indexOf("```", section.indexOf("```") + 3));
const decls = block.split("\n").filter((l) => l.startsWith("data "));

function idx(type: number, dims: number[], payload: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = type;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, payload]);
}
function png(w: number, h: number, v: number): Buffer {
  const p = new PNG({ width: w, height: h });
  p.data.fill(v);
  return PNG.sync.write(p, { colorType: 0 });
}

it("the docs show csv, npy, idx and images, and each example checks and loads", async () => {
  expect(decls.map((d) => /= (\w+)\(/.exec(d)![1])).toEqual(["csv", "npy", "idx", "images"]);
  const dir = mkdtempSync(join(tmpdir(), "ganc-docs-data-"));
  // the CSV the example's comment shows
  const csvLines = block.split("\n").filter((l) => /^\/\/ {3}\S/.test(l)).map((l) => l.slice(5));
  writeFileSync(join(dir, "points.csv"), csvLines.join("\n") + "\n");
  writeFileSync(join(dir, "x.npy"), new Uint8Array(dump(Float32Array.from({ length: 12 }, (_, i) => i), [4, 3])));
  writeFileSync(join(dir, "y.npy"), new Uint8Array(dump(Int32Array.from([0, 9, 3, 1]), [4])));
  mkdirSync(join(dir, "mnist"));
  writeFileSync(join(dir, "mnist/train-images-idx3-ubyte.gz"), gzipSync(idx(8, [3, 28, 28], new Uint8Array(3 * 784).fill(7))));
  writeFileSync(join(dir, "mnist/train-labels-idx1-ubyte.gz"), gzipSync(idx(8, [3], Uint8Array.from([1, 2, 9]))));
  for (const c of ["circle", "square"])
    for (let i = 0; i < 2; i++) {
      mkdirSync(join(dir, "shapes", c), { recursive: true });
      writeFileSync(join(dir, "shapes", c, `${i}.png`), png(32, 32, 100 * i));
    }
  for (const d of decls) {
    const type = /x: (Real|Image)\[([\d, ]+)\]/.exec(d)!;
    const shape = type[2]!.split(",").map((s) => Number(s.trim()));
    const numel = shape.reduce((a, b) => a * b, 1);
    const G = type[1] === "Image" ? `z |> dense(${numel}) |> reshape([${shape.join(", ")}])` : `z |> dense(${numel})`;
    const spec = join(dir, "s.gan");
    writeFileSync(
      spec,
      `model docs "a docs example"
latent z ~ Normal(0, 1, dim=2)
${d}
generator G(z: Real[2]) -> ${type[1]}[${shape.join(", ")}] = ${G}
discriminator D(x: ${type[1]}[${shape.join(", ")}]) -> Logit = x |> flatten() |> dense(1)
loss d_loss = E[x] log_sigmoid(D(x)) + E[z] log_sigmoid(-D(G(z)))
loss g_loss = E[z] -log_sigmoid(D(G(z)))
update d_step: D maximizes d_loss with adam(lr=0.001)
update g_step: G minimizes g_loss with adam(lr=0.001)
train { batch 2; steps 1 }
`,
    );
    const r = await checkFileWithPlugins(spec, {});
    expect(r.diagnostics.filter((x) => x.severity === "error").map((x) => x.message), d).toEqual([]);
    const data = r.ir!.data[0]!;
    const ds = await loadData(data.source, data.args as Record<string, string>, { rng: createRng(0), baseDir: dir });
    expect(ds.columns[0]!.shape.reduce((a, b) => a * b, 1), d).toBe(numel);
    expect(ds.columns[1]?.dtype, d).toBe("int32");
  }
});
