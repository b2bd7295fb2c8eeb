// `ganc check` checks every variant the params select (issue 17): a typo inside a `when` branch the defaults do not
// select is an error, named by the params selecting it; `--set` params are fixed; every bundled spec is clean in
// every variant.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCheck } from "../../compiler/cli/commands/check.ts";
import { planVariants } from "../../compiler/check/variants.ts";
import { parse } from "../../grammar/index.ts";

const root = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "ganc-variants-"));
// specs/vanilla_gan.gan with `leaky_relo` in the `when dataset == fashion` branch (the example)
const typo = join(dir, "vanilla_typo.gan");
const vanilla = readFileSync(join(root, "specs/vanilla_gan.gan"), "utf8");
const i = vanilla.indexOf("leaky_relu(0.2)", vanilla.indexOf("when dataset == fashion"));
writeFileSync(typo, vanilla.slice(0, i) + "leaky_relo" + vanilla.slice(i + "leaky_relu".length));

describe("ganc check: every variant", () => {
  it("an error in a non-default `when` branch fails the check and names the variant", async () => {
    const r = await runCheck([typo]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[E0203]: unknown function `leaky_relo`");
    expect(r.stderr).toContain("= note: in the variant dataset=fashion");
    const j = await runCheck([typo], { format: "json" });
    const ds = JSON.parse(j.stdout) as { code: string; variant?: Record<string, string> }[];
    expect(ds.map((d) => [d.code, d.variant])).toEqual([["E0203", { dataset: "fashion" }]]);
  });

  it("a param given with --set is fixed, not enumerated", async () => {
    const ring = await runCheck([typo], { overrides: { dataset: "ring" } });
    expect(ring.exitCode).toBe(0);
    expect(ring.stderr).toBe("");
    const fashion = await runCheck([typo], { format: "json", overrides: { dataset: "fashion" } });
    expect(fashion.exitCode).toBe(1);
    const ds = JSON.parse(fashion.stdout) as { code: string; variant?: unknown }[];
    expect(ds).toHaveLength(1);
    expect(ds[0]!.variant).toBeUndefined();
  });

  const specs = readdirSync(join(root, "specs")).filter((f) => f.endsWith(".gan")).sort();
  it.each(specs)("bundled spec %s is clean in every variant", async (f) => {
    const file = join(root, "specs", f);
    expect(planVariants(parse(readFileSync(file, "utf8"), file).spec).variants.length).toBeGreaterThan(0);
    const r = await runCheck([file]);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  });

  it("variants combine interacting params, fewest changes first, and `if`/`match` params count", () => {
    const text = readFileSync(join(root, "test/bad/semantic/E0203-variant-only.gan"), "utf8");
    const p = planVariants(parse(text, "x.gan").spec);
    expect(p.domains.map((d) => d.name)).toEqual(["dataset", "wide_act"]);
    expect(p.variants).toEqual([
      { wide_act: "true" },
      { dataset: "grid" },
      { dataset: "wide" },
      { dataset: "grid", wide_act: "true" },
      { dataset: "wide", wide_act: "true" },
    ]);
    expect(p.capped).toBe(false);
    expect(planVariants(parse(text, "x.gan").spec, { fixed: { dataset: "wide" } }).variants).toEqual([{ wide_act: "true" }]);
  });

  it("the spawned CLI exits 1 on the typo", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "compiler/cli/main.ts"), "check", typo], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("in the variant dataset=fashion");
  });
});
