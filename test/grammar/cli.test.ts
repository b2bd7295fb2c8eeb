// ganc check / fmt: in-process runCheck/runFmt for behaviour, one spawned CLI run for the real entry point.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCheck } from "../../compiler/cli/commands/check.ts";
import { runFmt } from "../../compiler/cli/commands/fmt.ts";

const root = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "ganc-cli-"));
const bad = join(dir, "bad.gan");
writeFileSync(bad, "param K: int 10\n");
const messy = join(dir, "messy.gan");
writeFileSync(messy, "param   K : int=10   // ten\nloss l=E[x]   f(x)\n");

describe("ganc check (in-process)", () => {
  it("exits 1 with a code frame on syntax errors", async () => {
    const r = await runCheck([bad]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[E0102]");
    expect(r.stderr).toContain("^^");
  });
  it("exits 2 with E0701 on a missing file", async () => {
    const r = await runCheck([join(dir, "nope.gan")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("E0701");
  });
  it("prints JSON diagnostics and AST dumps", async () => {
    const r = await runCheck([bad], { format: "json", dump: "ast" });
    expect(r.stdout).toContain('"kind": "Spec"');
    const json = r.stdout.slice(r.stdout.lastIndexOf("\n[\n") + 1);
    expect(JSON.parse(json)[0].code).toBe("E0102");
  });
});

describe("ganc fmt (in-process)", () => {
  it("prints the canonical layout, and --check reports files that would change", () => {
    const out = runFmt([messy]);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe("param K: int = 10  // ten\nloss l = E[x] f(x)\n");
    expect(runFmt([messy], { check: true }).exitCode).toBe(1);
    expect(runFmt([messy], { write: true }).exitCode).toBe(0);
    expect(readFileSync(messy, "utf8")).toBe(out.stdout);
    expect(runFmt([messy], { check: true }).exitCode).toBe(0);
    expect(runFmt([bad]).exitCode).toBe(1);
  });
});

describe("ganc CLI (spawned)", () => {
  it("check on a bad file exits 1 and shows a caret", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "compiler/cli/main.ts"), "check", bad], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error[E0102]: expected \"=\" after the parameter type, found \"10\"");
    expect(r.stderr).toMatch(/\n\s+\|\s+\^\^/);
  });
});
