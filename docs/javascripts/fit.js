// Your data in the browser (docs/fit_in_browser.md): a CSV file read from the reader's disk
// (file chooser or drag and drop) is fitted here, by the package's algorithm transcribed in
// ppcore.js. Nothing is sent anywhere: the file is read with FileReader, the table offered for
// download is a blob: URL made in the page. The only requests the page makes are for its own
// files and, when the reader picks one, a data set of this site.
//
// The last fit is window.ppFit.result (the browser tests compare it with the package), the last
// message window.ppFit.error, the time taken window.ppFit.timing (milliseconds).
(function () {
  "use strict";
  const { el, rich, niceTicks, minus, definitionList } = window.ppSvg;

  const root = document.getElementById("pp-fit");
  if (!root || !window.ppCore) return;
  const core = window.ppCore;
  const script = document.currentScript;
  const exampleUrl = (key) =>
    new URL("../assets/generated/data/" + key + ".csv", script.src).href;
  const EXAMPLES = {
    radon: { y: "log_radon", group: "county", x: "floor" },
    sleepstudy: { y: "Reaction", group: "Subject", x: "Days" },
    dyestuff: { y: "Yield", group: "Batch", x: null },
    dyestuff2: { y: "Yield", group: "Batch", x: null },
  };
  const TABLE_ROWS = 2000; // rows drawn in the page's table (the download has every group)

  const $ = (id) => document.getElementById(id);
  const fileInput = $("pp-fit-file");
  const drop = $("pp-fit-drop");
  const example = $("pp-fit-example");
  const columns = $("pp-fit-columns");
  const ySel = $("pp-fit-y");
  const gSel = $("pp-fit-group");
  const xSel = $("pp-fit-x");
  const mSel = $("pp-fit-method");
  const status = $("pp-fit-status");
  const errorBox = $("pp-fit-error");
  const result = $("pp-fit-result");
  const summary = $("pp-fit-summary");
  const note = $("pp-fit-note");
  const download = $("pp-fit-download");
  const tableEl = $("pp-fit-table");
  const tableNote = $("pp-fit-table-note");
  const mainSvg = $("pp-fit-main");
  const lambdaSvg = $("pp-fit-lambda");

  const api = { result: null, error: null, timing: null, table: null, busy: null };
  window.ppFit = api;
  let current = null; // {name, table}
  let downloadUrl = null;

  // ---- formatting ----------------------------------------------------------------------------
  // five significant digits by default, plain notation up to a million
  const fmt = (x, digits) => window.ppSvg.fmt(x, digits || 5, 1e6);

  // ---- reading -------------------------------------------------------------------------------
  function showError(message) {
    api.error = message;
    errorBox.textContent = message;
    errorBox.hidden = false;
    result.hidden = true;
    status.textContent = "No fit: see the message below.";
  }

  function clearError() {
    api.error = null;
    errorBox.textContent = "";
    errorBox.hidden = true;
  }

  function options(select, names, chosen, extra) {
    select.replaceChildren();
    if (extra) {
      const o = document.createElement("option");
      o.value = "";
      o.textContent = extra;
      select.appendChild(o);
    }
    names.forEach((name, i) => {
      const o = document.createElement("option");
      o.value = String(i);
      o.textContent = name === "" ? "(column " + (i + 1) + ", no name)" : name;
      select.appendChild(o);
    });
    select.value = chosen === null || chosen < 0 ? "" : String(chosen);
  }

  // A first guess at the roles: the group is the first column holding text, the response the
  // last numeric column; no covariate.
  function guess(table) {
    const h = table.header;
    const sample = table.records.slice(0, 200);
    // numeric: every value a number or missing (an empty cell, NA, ...)
    const numeric = h.map((_, c) => sample.every((r) => r[c] === undefined ||
      core.parseNumber(r[c]) !== undefined));
    let group = numeric.indexOf(false);
    if (group < 0) group = 0;
    let y = -1;
    for (let c = h.length - 1; c >= 0; c--) if (numeric[c] && c !== group) { y = c; break; }
    if (y < 0) y = group === 0 ? Math.min(1, h.length - 1) : 0;
    return { y: y, group: group, x: -1 };
  }

  function load(name, text, preset) {
    const t0 = performance.now();
    clearError();
    let table;
    try {
      table = core.parseCSV(text);
    } catch (err) {
      current = null;
      columns.hidden = true;
      showError(err instanceof core.InputError ? "cannot read " + name + " as CSV: " +
        err.message : String(err));
      return;
    }
    const parseMs = performance.now() - t0;
    current = { name: name, table: table, parseMs: parseMs };
    api.table = { header: table.header.slice(), rows: table.records.length };
    const h = table.header;
    let roles = guess(table);
    if (preset) {
      roles = { y: h.indexOf(preset.y), group: h.indexOf(preset.group),
        x: preset.x ? h.indexOf(preset.x) : -1 };
    }
    options(ySel, h, roles.y);
    options(gSel, h, roles.group);
    options(xSel, h, roles.x, "none");
    columns.hidden = false;
    run();
  }

  function readFile(file) {
    example.value = ""; // the reader's own file, not an example, is shown now
    status.textContent = "Reading " + file.name + "\u2026";
    api.busy = file.text().then((text) => load(file.name, text)).catch((err) => {
      showError("cannot read " + file.name + ": " + (err && err.message ? err.message : err));
    });
    return api.busy;
  }

  // ---- fitting -------------------------------------------------------------------------------
  function run() {
    if (!current) return;
    const h = current.table.header;
    const pick = (sel) => (sel.value === "" ? null : h[Number(sel.value)]);
    const cols = { y: pick(ySel), group: pick(gSel), x: pick(xSel), source: current.name };
    const method = mSel.value;
    clearError();
    const t0 = performance.now();
    let f;
    try {
      f = core.fit(core.prepare(current.table, cols), method);
    } catch (err) {
      api.result = null;
      if (err instanceof core.InputError) showError(err.message);
      else showError(current.name + ": the fit failed: " + (err && err.message ? err.message : err));
      return;
    }
    const fitMs = performance.now() - t0;
    const t1 = performance.now();
    render(f);
    const drawMs = performance.now() - t1;
    api.timing = { parse: current.parseMs, fit: fitMs, draw: drawMs, rows: f.N };
    api.result = f;
    status.textContent = "Fitted " + f.N + " rows in " + f.J + " groups by " + f.method + " (" +
      Math.round(current.parseMs + fitMs) + " ms to read and fit, in this browser).";
  }

  // ---- the results -----------------------------------------------------------------------------
  function render(f) {
    const nm = f.names;
    const rows = [
      ["Model", nm.y + " ~ 1" + (nm.x ? " + " + nm.x : "") + " + (1 | " + nm.group + "), " +
        f.method + "; N = " + f.N + ", J = " + f.J],
      ["\u03BC\u0302_{\u03B1} (GLS population mean)", fmt(f.mu, 8)],
    ];
    if (nm.x) rows.push(["\u03B2\u0302 (" + nm.x + ")", fmt(f.beta, 8)]);
    rows.push(["\u03C3\u0302_{\u03B1}", fmt(f.sigma_alpha, 8) +
      (f.at_boundary ? " (on the boundary: complete pooling of the intercepts)" : "")]);
    rows.push(["\u03C3\u0302_{y}", fmt(f.sigma_y, 8)]);
    rows.push(["\u03C8\u0302 = \u03C3\u0302_{\u03B1}\u00B2/\u03C3\u0302_{y}\u00B2, ICC",
      fmt(f.psi, 6) + ", " + fmt(f.icc, 6)]);
    rows.push([f.method + " log-likelihood", fmt(f.loglik, 10)]);
    rows.push(["complete pooling (OLS) intercept", fmt(f.alpha_complete, 8)]);
    summary.replaceChildren(definitionList(rows));
    note.textContent = f.no_pooling_problem
      ? "No pooling is not defined for these data (" + f.no_pooling_problem + "), so the table " +
        "has no alpha_none_j column; the partial-pooling fit above is unaffected."
      : "";
    note.hidden = !f.no_pooling_problem;

    // the table
    const cols = ["group", "n_j", "ybar_j", "ybar_adj_j", "lambda_j", "alpha_j", "cond_sd_j"];
    if (f.alpha_none) cols.push("alpha_none_j");
    const head = document.createElement("thead");
    const hr = document.createElement("tr");
    cols.forEach((c) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = c;
      hr.appendChild(th);
    });
    head.appendChild(hr);
    const body = document.createElement("tbody");
    const shown = Math.min(f.J, TABLE_ROWS);
    for (let j = 0; j < shown; j++) {
      const tr = document.createElement("tr");
      const cells = [f.labels[j], String(f.n[j]), fmt(f.ybar[j], 6), fmt(f.adjusted_mean[j], 6),
        fmt(f.lambda[j], 6), fmt(f.alpha[j], 6), fmt(f.cond_sd[j], 6)];
      if (f.alpha_none) cells.push(fmt(f.alpha_none[j], 6));
      cells.forEach((c, i) => {
        const td = document.createElement(i ? "td" : "th");
        if (!i) td.scope = "row";
        td.textContent = c;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    tableEl.replaceChildren(head, body);
    tableNote.textContent = shown < f.J
      ? "The first " + shown + " of " + f.J + " groups; the download has them all."
      : "All " + f.J + " groups, in the order of their labels; the download has full precision.";
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(new Blob([core.tableCSV(f)], { type: "text/csv" }));
    download.href = downloadUrl;
    download.download = f.source.replace(/\.[^.]*$/, "") + "-partial-pooling.csv";
    result.hidden = false;
    draw(f);
  }

  // ---- figures (the explorer's two panels, for these data) ----------------------------------
  // Drawn in CSS pixels at the width of their column (320 to 720), like the explorer's, so
  // that their text keeps its size on a phone; redrawn when the column changes width.
  const W_MAX = 720;
  const W_MIN = 320;
  let W = W_MAX;
  let drawn = null; // the fit last drawn
  // Below this width the legend of the main chart takes two rows.
  const NARROW_CHART = 600;

  function columnWidth() {
    const box = mainSvg.parentElement.getBoundingClientRect().width;
    return box > 0 ? Math.max(W_MIN, Math.min(W_MAX, Math.round(box))) : W;
  }
  const MAIN_H = 400;
  const LAMBDA_H = 210;
  const M = { left: 60, right: 78, top: 34, bottom: 46 };

  function logTicks(lo, hi) {
    const out = [];
    const ms = hi - lo > 3 || W < 560 ? [1] : [1, 2, 5]; // narrow: no room for 2 and 5
    for (let e = Math.floor(lo) - 1; e <= Math.ceil(hi); e++) {
      ms.forEach((m) => {
        const v = m * 10 ** e;
        const l = Math.log10(v);
        if (l >= lo - 1e-9 && l <= hi + 1e-9) out.push(v);
      });
    }
    return out;
  }

  function axes(svg, x, lo, hi, height, yTicks, yScale, yFormat, xLabel, yLabel) {
    const axis = el("g", { class: "pp-axis", "aria-hidden": "true" }, svg);
    const bottom = height - M.bottom;
    el("line", { x1: M.left, x2: W - M.right, y1: bottom, y2: bottom }, axis);
    el("line", { x1: M.left, x2: M.left, y1: M.top, y2: bottom }, axis);
    logTicks(lo, hi).forEach((n) => {
      const xp = x(n);
      el("line", { x1: xp, x2: xp, y1: bottom, y2: bottom + 5 }, axis);
      el("line", { class: "pp-grid", x1: xp, x2: xp, y1: M.top, y2: bottom }, axis);
      el("text", { x: xp, y: bottom + 18, "text-anchor": "middle" }, axis).textContent = String(n);
    });
    yTicks.forEach((v) => {
      const yp = yScale(v);
      el("line", { x1: M.left - 5, x2: M.left, y1: yp, y2: yp }, axis);
      el("line", { class: "pp-grid", x1: M.left, x2: W - M.right, y1: yp, y2: yp }, axis);
      el("text", { x: M.left - 8, y: yp + 4, "text-anchor": "end" }, axis).textContent = yFormat(v);
    });
    rich(el("text", {
      class: "pp-axis-label", x: (M.left + W - M.right) / 2, y: height - 8, "text-anchor": "middle",
    }, axis), xLabel);
    const mid = (M.top + bottom) / 2;
    rich(el("text", {
      class: "pp-axis-label", x: 14, y: mid, "text-anchor": "middle",
      transform: "rotate(-90 14 " + mid + ")",
    }, axis), yLabel);
  }

  function draw(f) {
    drawn = f;
    W = columnWidth();
    M.top = W < NARROW_CHART ? 50 : 34; // room for the legend's second row when narrow
    const logs = f.n.map((n) => Math.log10(n));
    let lo = Math.min.apply(null, logs);
    let hi = Math.max.apply(null, logs);
    const pad = 0.04 * (hi - lo) + 0.08;
    lo -= pad;
    hi += pad;
    const x = (n) => M.left + ((Math.log10(n) - lo) / (hi - lo)) * (W - M.left - M.right);
    const values = f.adjusted_mean.concat([f.alpha_complete]);
    let ylo = Math.min.apply(null, values);
    let yhi = Math.max.apply(null, values);
    const ypad = 0.05 * (yhi - ylo || 1);
    ylo -= ypad;
    yhi += ypad;
    const y = (v) => M.top + ((yhi - v) / (yhi - ylo)) * (MAIN_H - M.top - M.bottom);
    const yl = (v) => M.top + (1 - v) * (LAMBDA_H - M.top - M.bottom);
    const count = {};
    const rank = {};
    f.n.forEach((n) => { count[n] = (count[n] || 0) + 1; });
    const dx = f.n.map((n) => {
      rank[n] = (rank[n] || 0) + 1;
      return (rank[n] - (count[n] + 1) / 2) * Math.min(4, 24 / count[n]);
    });
    const yName = f.names.y;

    mainSvg.replaceChildren();
    mainSvg.setAttribute("viewBox", "0 0 " + W + " " + MAIN_H);
    mainSvg.style.aspectRatio = W + " / " + MAIN_H;
    el("title", { id: "pp-fit-main-title" }, mainSvg).textContent =
      "Each group's intercept against its size: its own adjusted mean and its partially pooled intercept";
    el("desc", { id: "pp-fit-main-desc" }, mainSvg).textContent = "For each of the " + f.J +
      " groups of " + f.source + ", a hollow circle at its own covariate-adjusted mean, a filled " +
      "circle at its partially pooled intercept and a segment between them; a dashed line at the " +
      "GLS population mean, a dotted line at the complete-pooling (OLS) intercept.";
    mainSvg.setAttribute("aria-labelledby", "pp-fit-main-title pp-fit-main-desc");
    axes(mainSvg, x, lo, hi, MAIN_H, niceTicks(ylo, yhi, 6), y,
      (v) => minus(String(Number(v.toPrecision(6)))), "group size n_{j} (log scale)",
      "intercept \u03B1_{j} (" + yName + ")");
    const yc = y(f.alpha_complete);
    el("line", { class: "pp-ols", x1: M.left, x2: W - M.right, y1: yc, y2: yc }, mainSvg);
    const ym = y(f.mu);
    el("line", { class: "pp-mu", x1: M.left, x2: W - M.right, y1: ym, y2: ym }, mainSvg);
    rich(el("text", { class: "pp-mu-label", x: W - M.right + 6, y: ym + 4 }, mainSvg),
      "\u03BC\u0302_{\u03B1}");
    const points = el("g", { class: "pp-points" }, mainSvg);
    f.n.forEach((n, j) => {
      const xp = x(n) + dx[j];
      const g = el("g", { class: "pp-group" }, points);
      el("line", { class: "pp-seg", x1: xp, x2: xp, y1: y(f.adjusted_mean[j]), y2: y(f.alpha[j]) }, g);
      el("circle", { class: "pp-none", cx: xp, cy: y(f.adjusted_mean[j]), r: 3.2 }, g);
      el("circle", { class: "pp-partial", cx: xp, cy: y(f.alpha[j]), r: 3.2 }, g);
      el("title", {}, g).textContent = f.labels[j] + ": n = " + n + ", own adjusted mean " +
        fmt(f.adjusted_mean[j], 4) + ", \u03BB = " + fmt(f.lambda[j], 3) + ", partial pooling " +
        fmt(f.alpha[j], 4);
    });
    const legend = el("g", { class: "pp-legend", "aria-hidden": "true" }, mainSvg);
    // one row on a wide chart; two rows, in a taller margin, on a narrow one (a phone)
    const stacked = W < NARROW_CHART;
    const row2 = stacked ? 16 : 0;
    let lx = M.left + 8;
    el("circle", { class: "pp-none", cx: lx, cy: 12, r: 4 }, legend);
    el("text", { x: lx + 9, y: 16 }, legend).textContent = "own adjusted mean";
    lx += 140;
    el("circle", { class: "pp-partial", cx: lx, cy: 12, r: 4 }, legend);
    el("text", { x: lx + 9, y: 16 }, legend).textContent = "partial pooling";
    lx = stacked ? M.left + 8 : lx + 120;
    el("line", { class: "pp-mu", x1: lx - 8, x2: lx + 14, y1: 12 + row2, y2: 12 + row2 }, legend);
    rich(el("text", { x: lx + 20, y: 16 + row2 }, legend), "\u03BC\u0302_{\u03B1} (GLS)");
    lx += 110;
    el("line", { class: "pp-ols", x1: lx - 8, x2: lx + 14, y1: 12 + row2, y2: 12 + row2 }, legend);
    el("text", { x: lx + 20, y: 16 + row2 }, legend).textContent = "complete pooling (OLS)";

    lambdaSvg.replaceChildren();
    lambdaSvg.setAttribute("viewBox", "0 0 " + W + " " + LAMBDA_H);
    lambdaSvg.style.aspectRatio = W + " / " + LAMBDA_H;
    el("title", { id: "pp-fit-lambda-title" }, lambdaSvg).textContent =
      "Shrinkage weight lambda against group size";
    el("desc", { id: "pp-fit-lambda-desc" }, lambdaSvg).textContent = "The weight lambda_j on " +
      "each group's own data at the fitted psi, as a curve over group sizes and a dot per group.";
    lambdaSvg.setAttribute("aria-labelledby", "pp-fit-lambda-title pp-fit-lambda-desc");
    axes(lambdaSvg, x, lo, hi, LAMBDA_H, [0, 0.25, 0.5, 0.75, 1], yl, String,
      "group size n_{j} (log scale)", "weight \u03BB_{j}");
    let d = "";
    for (let i = 0; i <= 120; i++) {
      const n = 10 ** (lo + ((hi - lo) * i) / 120);
      d += (i ? "L" : "M") + x(n).toFixed(2) + " " + yl((n * f.psi) / (1 + n * f.psi)).toFixed(2);
    }
    el("path", { class: "pp-curve", d: d }, lambdaSvg);
    const lp = el("g", { class: "pp-points" }, lambdaSvg);
    f.n.forEach((n, j) => {
      el("circle", { class: "pp-lambda-dot", cx: x(n) + dx[j], cy: yl(f.lambda[j]), r: 3 }, lp);
    });
  }

  // ---- events --------------------------------------------------------------------------------
  fileInput.addEventListener("change", () => {
    if (fileInput.files && fileInput.files[0]) {
      const file = fileInput.files[0];
      // cleared, so that choosing the same file again (edited, say) reads it again
      fileInput.value = "";
      readFile(file);
    }
  });
  ["dragenter", "dragover"].forEach((type) => drop.addEventListener(type, (e) => {
    e.preventDefault();
    drop.classList.add("pp-fit__drop--over");
  }));
  ["dragleave", "drop"].forEach((type) => drop.addEventListener(type, () => {
    drop.classList.remove("pp-fit__drop--over");
  }));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (file) readFile(file);
  });
  // a file dropped anywhere else on the page is not opened by the browser as a page
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  [ySel, gSel, xSel, mSel].forEach((s) => s.addEventListener("change", run));
  example.addEventListener("change", () => {
    const key = example.value;
    if (!key) return;
    status.textContent = "Loading " + key + ".csv\u2026";
    api.busy = fetch(exampleUrl(key)).then((r) => {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.text();
    }).then((text) => load(key + ".csv", text, EXAMPLES[key])).catch((err) => {
      showError("cannot load " + key + ".csv: " + err.message);
    });
  });
  status.textContent = "No data yet: choose a CSV file, drop one here, or pick a data set of " +
    "this site.";
  root.querySelector(".pp-fit__start").hidden = false;
  if (window.ResizeObserver) {
    new ResizeObserver(() => {
      if (drawn && columnWidth() !== W) draw(drawn);
    }).observe(mainSvg.parentElement);
  }
})();
