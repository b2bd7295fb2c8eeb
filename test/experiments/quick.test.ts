// The experiments' --quick presets run end to end (issue 16: CI keeps a quick preset of each long experiment).
// Each script is spawned as a user would run it, with its quick preset shrunk further by its own flags, and its
// printed table is parsed: a broken pipeline (compile, ort training, scoring, plotting) fails here.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
function run(script: string, args: string[]): string {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "experiments", script), ...args], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${script} ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}
/** cells of the markdown rows whose first cell is `label` */
const rowsOf = (out: string, label: string): string[][] =>
  out.split("\n").filter((l) => l.startsWith(`| ${label} |`)).map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));

describe("experiment quick presets (backend ort)", () => {
  it("mixture_gan_2d.ts: grid, vanilla and mu=half", () => {
    const out = run("mixture_gan_2d.ts", ["--quick", "--steps", "60", "--datasets", "grid", "--mus", "half"]);
    expect(out).toContain("backend ort");
    for (const label of ["vanilla_gan", "mixture_gan mu=half"]) {
      const [row] = rowsOf(out, label);
      expect(row, label).toBeDefined();
      expect(row![1]).toMatch(/^\d+\.\d \/ 25$/);
      const ndbk = Number(row![3]);
      expect(ndbk).toBeGreaterThanOrEqual(0);
      expect(ndbk).toBeLessThanOrEqual(1);
    }
  }, 600_000);

  it("gat_gmm_vs_em.ts: d = 2, one seed", () => {
    const out = run("gat_gmm_vs_em.ts", ["--quick", "--dims", "2", "--seeds", "1", "--steps", "30"]);
    expect(out).toContain("backend ort");
    const rows = rowsOf(out, "2");
    expect(rows.map((r) => r[1])).toEqual(["1", "2", "4"]);
    for (const r of rows) for (const c of r.slice(2)) expect(Number.isFinite(Number(c)), c).toBe(true);
  }, 600_000);

  it("gm_gan_fashion_ort.ts: vanilla, fine-tunes from its checkpoint, scores and pictures", () => {
    const dir = mkdtempSync(join(tmpdir(), "gm-fashion-test-"));
    const out = run("gm_gan_fashion_ort.ts", ["--quick", "--epoch-steps", "4", "--samples", "300", "--out", dir]);
    for (const label of ["vanilla", "vanilla continued", "gm_gan static", "gm_gan dynamic"]) expect(rowsOf(out, label), label).toHaveLength(1);
    const res = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(res.runs).toHaveLength(4);
    for (const r of res.runs) for (const s of r.scores) expect(s.ndb_k).toBeGreaterThanOrEqual(0), expect(s.hist.reduce((a: number, b: number) => a + b, 0)).toBe(300);
    // the fine-tunes were warm-started from the vanilla run (summary.json lists the loaded tensors)
    const sum = JSON.parse(readFileSync(join(dir, "runs", "gm_static-seed0", "summary.json"), "utf8"));
    expect(sum.init_from.loaded.length).toBeGreaterThan(0);
    for (const f of ["ndb-per-epoch.png", "ndb-gm_gan_static.png", "gm_gan_static-components.png"]) expect(existsSync(join(dir, f)), f).toBe(true);
  }, 900_000);
});
