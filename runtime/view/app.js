// The dashboard page's script (plain browser JavaScript, no build step). It runs in two modes:
//  - live (`ganc view`): data from GET /api/data, images from /files/<run id>/<path>, re-polled every few seconds;
//  - static (`ganc report`): data and images embedded in the HTML file (window.GANC_STATIC), nothing fetched.
// Charts are Vega-Lite specs compiled in the page (vegaLite.compile) and rendered with vega's View API, SVG renderer.
/* global vega, vegaLite */
(function () {
  "use strict";
  const STATIC = window.GANC_STATIC || null;
  const POLL_MS = Number(new URLSearchParams(location.search).get("poll") || 3000);
  const state = { data: null, text: "", selected: null, sampleRun: null, sampleStep: null, cmpA: null, cmpB: null, error: null };
  // exposed for tests and the curious: chart name -> vega View
  const views = (window.gancViews = {});

  const $ = (id) => document.getElementById(id);
  const esc = (s) =>
    String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const fmt = (v) => {
    if (typeof v !== "number") return v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
  };
  const kv = (o) =>
    Object.entries(o || {})
      .map(([k, v]) => `<span class="kv"><b>${esc(k)}</b>=${esc(fmt(v))}</span>`)
      .join(" ");
  const imgSrc = (run, path) =>
    STATIC ? (STATIC.images[run.id] || {})[path] || "" : `files/${encodeURIComponent(run.id)}/${path.split("/").map(encodeURIComponent).join("/")}`;
  const runById = (id) => (state.data ? state.data.runs.find((r) => r.id === id) : undefined);

  async function load() {
    if (STATIC) return apply(STATIC.data, JSON.stringify(STATIC.data));
    try {
      const res = await fetch("api/data", { cache: "no-store" });
      const text = await res.text();
      if (!res.ok) throw new Error(text || res.statusText);
      state.error = null;
      const data = JSON.parse(text);
      // redraw only when the runs changed (generatedAt changes on every read)
      const key = JSON.stringify({ ...data, generatedAt: null });
      if (key !== state.text) apply(data, key);
      else {
        state.data.generatedAt = data.generatedAt;
        renderStatus();
      }
    } catch (e) {
      state.error = String(e && e.message ? e.message : e);
      renderStatus();
    }
  }

  function apply(data, text) {
    state.data = data;
    state.text = text;
    const ids = data.runs.map((r) => r.id);
    if (state.selected === null) state.selected = new Set(ids);
    else for (const id of [...state.selected]) if (!ids.includes(id)) state.selected.delete(id);
    if (!ids.includes(state.sampleRun)) state.sampleRun = ids[0] || null;
    if (!ids.includes(state.cmpA)) state.cmpA = ids[0] || null;
    if (!ids.includes(state.cmpB)) state.cmpB = ids[1] || ids[0] || null;
    render();
  }

  function renderStatus() {
    const d = state.data;
    const parts = [];
    if (d) parts.push(`${d.runs.length} run(s)${d.sweeps.length ? `, ${d.sweeps.length} sweep(s)` : ""}; read ${esc(d.generatedAt)}`);
    parts.push(STATIC ? "static report" : `live: re-read every ${POLL_MS / 1000} s`);
    if (state.error) parts.push(`<span class="err">could not reach the server: ${esc(state.error)}</span>`);
    $("status").innerHTML = parts.join(" · ");
  }

  function render() {
    renderStatus();
    renderWarnings();
    renderRuns();
    renderCharts();
    renderSamples();
    renderCompare();
  }

  function renderWarnings() {
    const w = state.data.warnings || [];
    const el = $("warnings");
    el.hidden = w.length === 0;
    el.innerHTML = w.length ? `<b>${w.length} warning(s)</b><ul>${w.map((x) => `<li>${esc(x)}</li>`).join("")}</ul>` : "";
  }

  function renderRuns() {
    const runs = state.data.runs;
    const lossKeys = [...new Set(runs.flatMap((r) => Object.keys(r.finalLosses)))];
    const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.finalMetrics)))];
    const head =
      `<tr><th><input type="checkbox" id="sel-all" title="select all"${runs.every((r) => state.selected.has(r.id)) ? " checked" : ""}></th>` +
      `<th>run</th><th>model</th><th>params</th><th>status</th><th>steps</th>` +
      lossKeys.map((k) => `<th class="num">loss ${esc(k)}</th>`).join("") +
      metricKeys.map((k) => `<th class="num">${esc(k)}</th>`).join("") +
      `</tr>`;
    const rows = runs
      .map((r) => {
        const steps = r.steps === null ? "" : r.targetSteps && r.targetSteps !== r.steps ? `${r.steps}/${r.targetSteps}` : `${r.steps}`;
        return (
          `<tr data-run="${esc(r.id)}"><td><input type="checkbox" class="sel" data-id="${esc(r.id)}"${state.selected.has(r.id) ? " checked" : ""}></td>` +
          `<td class="label" title="${esc(r.dir)}">${esc(r.label)}${r.sweep ? ` <span class="tag">${esc(r.sweep)}</span>` : ""}</td>` +
          `<td>${esc(r.model || "?")}</td><td>${kv(r.params) || "<i>defaults</i>"}</td>` +
          `<td class="status ${esc(r.status)}" title="${esc(r.error || "")}">${esc(r.status)}${r.error ? `<div class="errmsg">${esc(r.error.slice(0, 300))}</div>` : ""}</td><td class="num">${esc(steps)}</td>` +
          lossKeys.map((k) => `<td class="num">${esc(fmt(r.finalLosses[k]))}</td>`).join("") +
          metricKeys.map((k) => `<td class="num">${esc(fmt(r.finalMetrics[k]))}</td>`).join("") +
          `</tr>`
        );
      })
      .join("");
    $("runs").innerHTML = `<table><thead>${head}</thead><tbody>${rows}</tbody></table>`;
    $("sel-all").onchange = (e) => {
      state.selected = e.target.checked ? new Set(runs.map((r) => r.id)) : new Set();
      renderRuns();
      renderCharts();
    };
    for (const cb of document.querySelectorAll("#runs input.sel")) {
      cb.onchange = (e) => {
        const id = e.target.dataset.id;
        if (e.target.checked) state.selected.add(id);
        else state.selected.delete(id);
        renderCharts();
      };
    }
  }

  function chartSpec(title, values, yTitle) {
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title,
      width: 360,
      height: 220,
      background: "white",
      data: { values },
      mark: { type: "line", point: true, tooltip: true },
      encoding: {
        x: { field: "step", type: "quantitative", title: "step" },
        y: { field: "value", type: "quantitative", title: yTitle, scale: { zero: false } },
        color: { field: "run", type: "nominal", title: "run" },
      },
    };
  }

  function renderCharts() {
    for (const v of Object.values(views)) v.finalize();
    for (const k of Object.keys(views)) delete views[k];
    const runs = state.data.runs.filter((r) => state.selected.has(r.id));
    const groups = [
      ["losses", "loss", (r) => r.losses],
      ["metrics", "metric", (r) => r.evals],
    ];
    for (const [elId, kind, pick] of groups) {
      const el = $(elId);
      el.innerHTML = "";
      const keys = [...new Set(runs.flatMap((r) => pick(r).map((p) => p.key)))];
      if (runs.length === 0) el.innerHTML = `<p class="none">no run selected</p>`;
      else if (keys.length === 0) el.innerHTML = `<p class="none">no ${kind} lines yet</p>`;
      for (const key of keys) {
        const values = runs.flatMap((r) => pick(r).filter((p) => p.key === key).map((p) => ({ run: r.label, step: p.step, value: p.value })));
        const box = document.createElement("div");
        box.className = "chart";
        box.dataset.chart = `${kind}:${key}`;
        el.appendChild(box);
        const name = `${kind}:${key}`;
        try {
          const vg = vegaLite.compile(chartSpec(key, values, kind === "loss" ? "loss" : key)).spec;
          const view = new vega.View(vega.parse(vg), { renderer: "svg", container: box, hover: true });
          views[name] = view;
          view.runAsync().catch((e) => (box.textContent = `chart failed: ${e.message}`));
        } catch (e) {
          box.textContent = `chart failed: ${e.message}`;
        }
      }
    }
  }

  function runOptions(selectedId) {
    return state.data.runs.map((r) => `<option value="${esc(r.id)}"${r.id === selectedId ? " selected" : ""}>${esc(r.label)}</option>`).join("");
  }

  function renderSamples() {
    const el = $("samples");
    const run = runById(state.sampleRun);
    if (!run) return void (el.innerHTML = `<p class="none">no runs</p>`);
    const imgs = run.samples;
    const steps = imgs.map((i) => i.step);
    if (!steps.includes(state.sampleStep)) state.sampleStep = steps.length ? steps[steps.length - 1] : null;
    const cur = imgs.find((i) => i.step === state.sampleStep);
    el.innerHTML =
      `<label>run <select id="sample-run">${runOptions(run.id)}</select></label> ` +
      (imgs.length
        ? `<label>step <select id="sample-step">${imgs.map((i) => `<option value="${i.step}"${i.step === state.sampleStep ? " selected" : ""}>${esc(i.step ?? i.path)}</option>`).join("")}</select></label>` +
          `<div class="strip">${imgs.map((i) => `<button class="thumb${i === cur ? " on" : ""}" data-step="${i.step}" title="step ${esc(i.step)}"><img src="${esc(imgSrc(run, i.path))}" alt="step ${esc(i.step)}"><span>${esc(i.step)}</span></button>`).join("")}</div>` +
          (cur ? `<figure><img id="sample-img" src="${esc(imgSrc(run, cur.path))}" alt="${esc(run.label)} samples at step ${esc(cur.step)}"><figcaption>${esc(run.label)} · ${esc(cur.path)}</figcaption></figure>` : "")
        : `<p class="none">this run has written no sample grids (samples/) yet</p>`);
    $("sample-run").onchange = (e) => {
      state.sampleRun = e.target.value;
      state.sampleStep = null;
      renderSamples();
    };
    if ($("sample-step"))
      $("sample-step").onchange = (e) => {
        state.sampleStep = Number(e.target.value);
        renderSamples();
      };
    for (const b of el.querySelectorAll("button.thumb"))
      b.onclick = () => {
        state.sampleStep = Number(b.dataset.step);
        renderSamples();
      };
  }

  function renderCompare() {
    const el = $("compare");
    const a = runById(state.cmpA);
    const b = runById(state.cmpB);
    if (!a || !b) return void (el.innerHTML = `<p class="none">no runs</p>`);
    const byStep = (r) => {
      const m = new Map();
      for (const p of r.evals) {
        if (!m.has(p.step)) m.set(p.step, {});
        m.get(p.step)[p.key] = p.value;
      }
      return m;
    };
    const ea = byStep(a);
    const eb = byStep(b);
    const steps = [...new Set([...ea.keys(), ...eb.keys()])].sort((x, y) => x - y);
    const keys = [...new Set([...a.evals, ...b.evals].map((p) => p.key))];
    const last = (r) => r.finalMetrics;
    let rows = keys
      .map((k) => {
        const va = last(a)[k];
        const vb = last(b)[k];
        const d = typeof va === "number" && typeof vb === "number" ? vb - va : undefined;
        return `<tr><td>${esc(k)}</td><td class="num">${esc(fmt(va))}</td><td class="num">${esc(fmt(vb))}</td><td class="num">${esc(fmt(d))}</td></tr>`;
      })
      .join("");
    if (!rows) rows = `<tr><td colspan="4" class="none">no evaluations yet</td></tr>`;
    const perStep = steps
      .map(
        (s) =>
          `<tr><td class="num">${s}</td>${keys.map((k) => `<td class="num">${esc(fmt((ea.get(s) || {})[k]))}</td><td class="num">${esc(fmt((eb.get(s) || {})[k]))}</td>`).join("")}</tr>`,
      )
      .join("");
    const lastSample = (r) => (r.samples.length ? r.samples[r.samples.length - 1] : null);
    const side = (r) => {
      const s = lastSample(r);
      return `<div class="side"><h3>${esc(r.label)}</h3><div>${esc(r.model || "?")} · ${esc(r.status)} · ${esc(r.steps ?? "?")} steps</div><div>${kv(r.params) || "<i>defaults</i>"}</div>${s ? `<img class="cmp-img" src="${esc(imgSrc(r, s.path))}" alt="${esc(r.label)} samples at step ${esc(s.step)}"><div class="cap">samples, step ${esc(s.step)}</div>` : ""}</div>`;
    };
    el.innerHTML =
      `<label>A <select id="cmp-a">${runOptions(a.id)}</select></label> <label>B <select id="cmp-b">${runOptions(b.id)}</select></label>` +
      `<div class="pair">${side(a)}${side(b)}</div>` +
      `<table id="cmp-final"><thead><tr><th>metric (latest)</th><th class="num">A</th><th class="num">B</th><th class="num">B − A</th></tr></thead><tbody>${rows}</tbody></table>` +
      (steps.length
        ? `<table id="cmp-steps"><thead><tr><th rowspan="2">step</th>${keys.map((k) => `<th colspan="2">${esc(k)}</th>`).join("")}</tr><tr>${keys.map(() => `<th class="num">A</th><th class="num">B</th>`).join("")}</tr></thead><tbody>${perStep}</tbody></table>`
        : "");
    $("cmp-a").onchange = (e) => {
      state.cmpA = e.target.value;
      renderCompare();
    };
    $("cmp-b").onchange = (e) => {
      state.cmpB = e.target.value;
      renderCompare();
    };
  }

  load();
  if (!STATIC) setInterval(load, POLL_MS);
})();
