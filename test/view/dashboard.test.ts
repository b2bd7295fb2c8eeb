// `ganc view` and `ganc report` end to end: two real 30-step runs and a sweep.json over them (test/view/fixture.ts),
// the server started on port 0, the page loaded in Debian's chromium through playwright-core. Checks the run list,
// an overlaid chart with a line per run, a sample grid that loads, a visible warning for a malformed JSONL line, no
// console errors; then the same for the self-contained report.html opened with every network request refused.
// The browser parts are skipped, with the reason printed, where /usr/bin/chromium is absent.
// GANC_DASHBOARD_SCREENSHOT=docs/images/dashboard.png also saves a screenshot of the page (for docs/dashboard.md).
import { execFile, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { findSources, readAll, readRun, runImagePath, ViewError } from "../../runtime/view/data.ts";
import { buildReport } from "../../runtime/view/report.ts";
import { startViewServer, type ViewServer } from "../../runtime/view/server.ts";
import { CHROMIUM, hasChromium, makeFixture, ROOT, type Fixture } from "./fixture.ts";

const exec = promisify(execFile);
let fx: Fixture;

/** Every file under dir with its size and mtime: the dashboard must not change any of them. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out[p] = `${s.size}:${s.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
}
let before: Record<string, string>;

beforeAll(async () => {
  fx = await makeFixture();
  // a torn last line, as a run being written (or a crashed one) can leave: skipped, with a warning in the page
  appendFileSync(join(fx.runs[1], "metrics.jsonl"), '{"step":35,"losses":{"d_st');
  before = snapshot(fx.sweep);
});

afterAll(() => {
  if (fx) rmSync(fx.base, { recursive: true, force: true });
});

describe("run and sweep readers", () => {
  it("finds the sweep's two runs with their params, curves and sample grids", () => {
    const src = findSources([fx.sweep]);
    expect(src.runs.map((r) => r.label)).toEqual(["sweep/runs/p0", "sweep/runs/p1"]);
    expect(src.sweeps).toHaveLength(1);
    const data = readAll([fx.sweep]);
    const [a, b] = data.runs;
    expect(a!.model).toBe("tiny_ring");
    expect(a!.status).toBe("completed");
    expect(a!.steps).toBe(30);
    expect(b!.params).toMatchObject({ lr: "0.003", seed: 1 });
    expect(new Set(a!.losses.map((p) => p.key))).toEqual(new Set(["d_step", "g_step"]));
    expect(a!.losses.filter((p) => p.key === "d_step").length).toBeGreaterThanOrEqual(5);
    expect(a!.evals.some((p) => p.key === "js")).toBe(true);
    expect(a!.samples.map((s) => s.step)).toEqual([10, 20, 30]);
    expect(Object.keys(a!.finalMetrics)).toContain("ndb");
    expect(data.warnings.some((w) => /sweep\/runs\/p1\/metrics\.jsonl:\d+: skipped a malformed line/.test(w))).toBe(true);
  });

  it("accepts a run directory itself and a folder of runs", () => {
    expect(findSources([fx.runs[0]]).runs).toHaveLength(1);
    expect(findSources([join(fx.sweep, "runs")]).runs).toHaveLength(2);
  });

  it("rejects a directory that is neither a run nor a sweep, naming it", () => {
    const empty = mkdtempSync(join(tmpdir(), "ganc-notrun-"));
    writeFileSync(join(empty, "notes.txt"), "hello\n");
    expect(() => findSources([empty])).toThrow(ViewError);
    expect(() => findSources([empty])).toThrow(empty);
    expect(() => findSources([join(empty, "missing")])).toThrow(/missing: no such directory/);
    rmSync(empty, { recursive: true });
  });

  it("lists a sweep's pending and failed points with their status and error", () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-sweep-"));
    mkdirSync(join(dir, "runs/f0"), { recursive: true });
    mkdirSync(join(dir, "points"));
    writeFileSync(join(dir, "runs/f0/overrides.json"), JSON.stringify({ overrides: { lr: "0.5" } }));
    writeFileSync(join(dir, "points/f0.json"), JSON.stringify({ status: "failed", error: "loss is NaN at step 3", pid: 1, host: "h", started: "", attempt: 1 }));
    const points = [
      { index: 0, id: "f0", config: { lr: "0.5" }, seed: null, run_dir: "runs/f0", status: "running", attempts: 1 },
      { index: 1, id: "q1", config: { lr: "0.1" }, seed: null, run_dir: "runs/q1", status: "pending", attempts: 0 },
    ];
    writeFileSync(join(dir, "sweep.json"), JSON.stringify({ kind: "ganc-sweep", version: 1, model: "m", points }));
    const data = readAll([dir]);
    expect(data.runs.map((r) => [r.status, r.model, r.params.lr])).toEqual([
      ["failed", "m", "0.5"],
      ["pending", "m", "0.1"],
    ]);
    expect(data.runs[0]!.error).toBe("loss is NaN at step 3");
    expect(data.warnings).toEqual([]);
    rmSync(dir, { recursive: true });
  });

  it("tells a run in progress from a killed or stopped one by its lock", () => {
    const dir = mkdtempSync(join(tmpdir(), "ganc-run-"));
    writeFileSync(join(dir, "metrics.jsonl"), JSON.stringify({ step: 5, losses: { d: 1 } }) + "\n");
    const status = () => readAll([dir]).runs[0]!.status;
    expect(status()).toBe("stopped");
    writeFileSync(join(dir, "lock"), JSON.stringify({ pid: process.pid, host: hostname(), started: "" }));
    expect(status()).toBe("running");
    writeFileSync(join(dir, "lock"), JSON.stringify({ pid: 2 ** 30, host: hostname(), started: "" }));
    expect(status()).toBe("killed");
    rmSync(dir, { recursive: true });
  });

  it("serves only images under samples/ and plots/", () => {
    const ref = findSources([fx.runs[0]]).runs[0]!;
    expect(runImagePath(ref, "samples/step-10.png")).not.toBeNull();
    expect(runImagePath(ref, "../p1/samples/step-10.png")).toBeNull();
    expect(runImagePath(ref, "summary.json")).toBeNull();
    expect(readRun(ref).plots.length).toBeGreaterThan(0);
  });
});

describe("ganc view / ganc report (CLI)", () => {
  const cli = join(ROOT, "bin/ganc.js");
  it("exits 1 before serving when a DIR is not a run or sweep", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ganc-notrun-"));
    const r = await exec(process.execPath, [cli, "view", empty], { cwd: ROOT }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ganc view: ${empty}: not a run directory`);
    rmSync(empty, { recursive: true });
  });

  it("prints a loopback URL and serves the data live", async () => {
    const child = spawn(process.execPath, [cli, "view", fx.sweep, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((res, rej) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
          if (m) res(m[0]);
        });
        child.on("exit", (c) => rej(new Error(`exited ${c}`)));
      });
      const data = (await (await fetch(url + "api/data")).json()) as { runs: unknown[] };
      expect(data.runs).toHaveLength(2);
      expect((await fetch(url, { method: "POST" })).status).toBe(405);
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("ganc report writes one HTML file", async () => {
    const out = join(fx.base, "cli-report.html");
    await exec(process.execPath, [cli, "report", fx.runs[0], "-o", out], { cwd: ROOT });
    const html = readFileSync(out, "utf8");
    expect(html).toContain("window.GANC_STATIC");
    expect(html).toContain("data:image/png;base64,");
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});

if (!hasChromium) console.warn(`test/view: skipping the browser tests: ${CHROMIUM} not found (apt-get install chromium)`);

describe.skipIf(!hasChromium)("dashboard in chromium", () => {
  let browser: Browser;
  let server: ViewServer;
  beforeAll(async () => {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    server = await startViewServer([fx.sweep]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(url: string, offline = false): Promise<{ page: Page; errors: string[]; refused: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const refused: string[] = [];
    if (offline) {
      await context.route("**/*", (route) => {
        const u = route.request().url();
        if (u.startsWith("file:") || u.startsWith("data:")) return route.continue();
        refused.push(u);
        return route.abort();
      });
    }
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector("#runs tbody tr");
    await page.waitForFunction(() => document.querySelectorAll('[data-chart="loss:d_step"] g.mark-line path').length > 0);
    await page.waitForFunction(() => {
      const img = document.getElementById("sample-img") as HTMLImageElement | null;
      return !!img && img.complete;
    });
    return { page, errors, refused };
  }

  async function checkPage(page: Page, errors: string[]): Promise<void> {
    const rows = await page.$$eval("#runs tbody tr td.label", (tds) => tds.map((t) => t.textContent ?? ""));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain("sweep/runs/p0");
    expect(rows[1]).toContain("sweep/runs/p1");
    const runsText = await page.textContent("#runs");
    expect(runsText).toContain("tiny_ring");
    expect(runsText).toContain("lr=0.003");
    expect(runsText).toContain("completed");

    // the overlaid loss chart: one line path per run, each with a real path, and both runs in the legend
    for (const chart of ["loss:d_step", "metric:js"]) {
      const lines = await page.$$eval(`[data-chart="${chart}"] g.mark-line path`, (ps) => ps.map((p) => p.getAttribute("d") ?? ""));
      expect(lines, chart).toHaveLength(2);
      for (const d of lines) expect(d.length, chart).toBeGreaterThan(10);
      const legend = await page.$$eval(`[data-chart="${chart}"] g.role-legend text`, (ts) => ts.map((t) => t.textContent));
      expect(legend).toEqual(expect.arrayContaining(["sweep/runs/p0", "sweep/runs/p1"]));
    }
    // and the vega View behind it holds both runs' points
    const series = await page.evaluate(() => {
      const v = (window as unknown as { gancViews: Record<string, { data(n: string): { run: string }[] }> }).gancViews["loss:d_step"]!;
      return [...new Set(v.data("source_0").map((d) => d.run))].sort();
    });
    expect(series).toEqual(["sweep/runs/p0", "sweep/runs/p1"]);

    const w = await page.$eval("#sample-img", (img) => (img as HTMLImageElement).naturalWidth);
    expect(w).toBeGreaterThan(0);
    const thumbs = await page.$$eval("#samples .thumb img", (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(thumbs).toHaveLength(3);
    for (const t of thumbs) expect(t).toBeGreaterThan(0);
    // the comparison: both runs' latest metrics side by side, and both runs' last sample grids
    const cmp = await page.textContent("#cmp-final");
    expect(cmp).toContain("ndb");
    const cmpImgs = await page.$$eval("#compare img.cmp-img", (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(cmpImgs).toHaveLength(2);
    expect(Math.min(...cmpImgs)).toBeGreaterThan(0);
    // the torn JSONL line is reported in the page
    expect(await page.isVisible("#warnings")).toBe(true);
    expect(await page.textContent("#warnings")).toMatch(/p1\/metrics\.jsonl:\d+: skipped a malformed line/);
    expect(errors).toEqual([]);
  }

  it("shows the runs, overlaid curves, sample grids and the comparison", async () => {
    const { page, errors } = await open(server.url);
    await checkPage(page, errors);
    // deselecting a run redraws the charts with one line
    await page.click('#runs input.sel[data-id]:nth-of-type(1)');
    await page.waitForFunction(() => document.querySelectorAll('[data-chart="loss:d_step"] g.mark-line path').length === 1);
    await page.click('#runs input.sel[data-id]:nth-of-type(1)');
    await page.waitForFunction(() => document.querySelectorAll('[data-chart="loss:d_step"] g.mark-line path').length === 2);
    const shot = process.env.GANC_DASHBOARD_SCREENSHOT;
    if (shot) {
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot, fullPage: true });
    }
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("picks up new lines of a run in progress on the next poll", async () => {
    const { page, errors } = await open(server.url + "?poll=300");
    const count = () => page.$$eval("#runs tbody tr", (r) => r.length);
    expect(await count()).toBe(2);
    // a third point appears in the sweep (a run that has only started: overrides + a first loss line)
    const p2 = join(fx.sweep, "runs/p2");
    mkdirSync(p2, { recursive: true });
    writeFileSync(join(p2, "overrides.json"), JSON.stringify({ overrides: { lr: 0.01 }, steps: 30 }));
    writeFileSync(join(p2, "metrics.jsonl"), JSON.stringify({ step: 5, losses: { d_step: -1.3, g_step: 0.7 } }) + "\n");
    const manifest = JSON.parse(readFileSync(join(fx.sweep, "sweep.json"), "utf8"));
    const saved = JSON.stringify(manifest, null, 2) + "\n";
    manifest.points.push({ index: 2, id: "p2", run_dir: "runs/p2", config: { lr: "0.01" }, seed: 2, status: "running", attempts: 1 });
    writeFileSync(join(fx.sweep, "sweep.json"), JSON.stringify(manifest, null, 2) + "\n");
    try {
      await page.waitForFunction(() => document.querySelectorAll("#runs tbody tr").length === 3, undefined, { timeout: 10_000 });
      expect(await page.textContent("#runs")).toContain("running");
      appendFileSync(join(p2, "metrics.jsonl"), JSON.stringify({ step: 10, losses: { d_step: -1.2, g_step: 0.8 } }) + "\n");
      await page.waitForFunction(
        () => (document.querySelector('#runs tr:last-child td:nth-child(6)')?.textContent ?? "") === "10/30",
        undefined,
        { timeout: 10_000 },
      );
      expect(errors).toEqual([]);
    } finally {
      writeFileSync(join(fx.sweep, "sweep.json"), saved);
      rmSync(p2, { recursive: true, force: true });
      await page.context().close();
    }
  });

  it("report.html opens offline with the same content", async () => {
    const file = join(fx.base, "report.html");
    writeFileSync(file, buildReport([fx.sweep]));
    const { page, errors, refused } = await open("file://" + file, true);
    await checkPage(page, errors);
    expect(await page.textContent("#status")).toContain("static report");
    expect(refused).toEqual([]);
    await page.context().close();
  });

  it("never wrote into the run directories", () => {
    const after = snapshot(fx.sweep);
    // sweep.json was rewritten by the live-update test itself (and restored); everything else is untouched
    delete after[join(fx.sweep, "sweep.json")];
    const b = { ...before };
    delete b[join(fx.sweep, "sweep.json")];
    expect(after).toEqual(b);
  });
});
