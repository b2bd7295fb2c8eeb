import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatSpecList, listSpecs } from "../../compiler/cli/commands/list.ts";

describe("ganc list", () => {
  it("lists every bundled spec with its model name and description", () => {
    const e = listSpecs();
    expect(e.map((x) => x.model)).toEqual(expect.arrayContaining(["gat_gmm", "gm_gan", "mixture_gan", "pcm_gan", "vanilla_gan"]));
    expect(e.find((x) => x.model === "gm_gan")!.description).toMatch(/^GM-GAN: Gaussian-mixture latent/);
    expect(formatSpecList(e)).toMatch(/pcm_gan\s+PCM-GAN/);
  });
  it("reports a spec with syntax errors instead of crashing", () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-list-"));
    writeFileSync(join(dir, "a.gan"), 'model ok "fine"\n');
    writeFileSync(join(dir, "b.gan"), "model {{{ \n");
    const e = listSpecs(dir);
    expect(e[0]).toMatchObject({ model: "ok", description: "fine" });
    expect(e[1]!.error).toMatch(/syntax error/);
    expect(listSpecs(join(dir, "missing"))).toEqual([]);
  });
});
