// Your data in the browser (docs/fit_in_browser.md): a CSV file read from the reader's disk
// (file chooser or drag and drop) is fitted here, by the package's algorithms transcribed in
// ppcore.js (random intercepts) and ppslopes.js (random slopes), in a Web Worker
// (fitworker.js) that streams the file and keeps its columns: the page never freezes, however
// big the file. The page proposes the columns (a numeric response, a group column whose values
// repeat) but fits only when the reader presses Fit; changing a column never refits.
//
// Nothing is sent anywhere: the worker reads the file with FileReaderSync, the table offered
// for download is a blob: URL made in the page. The only requests the page makes are for its
// own files and, when the reader picks one, a data set of this site.
//
// window.ppFit: result (the last fit), error (the last message), timing (milliseconds, measured),
// table (the file read: header, rows, format, columns), proposal, busy (a promise while reading).
(function () {
  "use strict";
  const { el, rich, niceTicks, minus, definitionList } = window.ppSvg;

  const root = document.getElementById("pp-fit");
  if (!root || !window.Worker) return;
  const script = document.currentScript;
  const exampleUrl = (key) =>
    new URL("../assets/generated/data/" + key + ".csv", script.src).href;
  const EXAMPLES = {
    radon: { y: "log_radon", group: "county", x: ["floor"] },
    sleepstudy: { y: "Reaction", group: "Subject", x: ["Days"] },
    dyestuff: { y: "Yield", group: "Batch", x: [] },
    dyestuff2: { y: "Yield", group: "Batch", x: [] },
  };
  const TABLE_ROWS = 500; // rows shown in the page's table (the download has every group)
  const CHUNK = 250; // table rows, or groups in a figure, added to the page between two frames
  const FIGURE_GROUPS = 1000; // groups drawn in a figure (evenly spaced when there are more)

  const $ = (id) => document.getElementById(id);
  const fileInput = $("pp-fit-file");
  const chosen = $("pp-fit-chosen");
  const drop = $("pp-fit-drop");
  const example = $("pp-fit-example");
  const progressWrap = $("pp-fit-progress-wrap");
  const progress = $("pp-fit-progress");
  const progressLabel = $("pp-fit-progress-label");
  const formatLine = $("pp-fit-format");
  const form = $("pp-fit-columns");
  const ySel = $("pp-fit-y");
  const gSel = $("pp-fit-group");
  const xBox = $("pp-fit-x");
  const mSel = $("pp-fit-method");
  const formulaEl = $("pp-fit-formula");
  const runButton = $("pp-fit-run");
  const status = $("pp-fit-status");
  const errorBox = $("pp-fit-error");
  const result = $("pp-fit-result");
  const heading = $("pp-fit-heading");
  const summary = $("pp-fit-summary");
  const note = $("pp-fit-note");
  const download = $("pp-fit-download");
  const downloadNote = $("pp-fit-download-note");
  const tableEl = $("pp-fit-table");
  const tableNote = $("pp-fit-table-note");
  const mainSvg = $("pp-fit-main");
  const lambdaSvg = $("pp-fit-lambda");
  const interceptFigures = $("pp-fit-intercept-figures");
  const slopesFigures = $("pp-fit-slopes-figures");
  const slopeChoiceWrap = $("pp-fit-slope-choice-wrap");
  const slopeChoice = $("pp-fit-slope-choice");
  const shrinkSvg = $("pp-fit-shrink2d");

  const api = { result: null, error: null, timing: null, table: null, proposal: null, busy: null,
    progress: null };
  window.ppFit = api;
  let current = null; // the file read: {name, header, rows, format, columns, readMs}
  let downloadUrl = null;
  let fitted = null; // the model of the results shown: {formula, key}
  let pending = 0; // id of the fit asked for
  let resolveRead = null;

  const worker = new Worker(new URL("fitworker.js", script.src));

  // ---- formatting ----------------------------------------------------------------------------
  // five significant digits by default, plain notation up to a million
  const fmt = (x, digits) => window.ppSvg.fmt(x, digits || 5, 1e6);
  const mb = (bytes) => (bytes >= 1e6 ? (bytes / 1e6).toFixed(1) + " MB" :
    Math.max(1, Math.round(bytes / 1e3)) + " kB");
  const secs = (ms) => (ms >= 1000 ? (ms / 1000).toFixed(1) + " s" : Math.round(ms) + " ms");
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  // fn(item) for every item, CHUNK at a time, one animation frame between chunks: the page
  // keeps drawing frames however many groups there are
  async function chunked(items, fn) {
    for (let i = 0; i < items.length; i += CHUNK) {
      if (i) await frame();
      items.slice(i, i + CHUNK).forEach(fn);
    }
  }

  // ---- messages ------------------------------------------------------------------------------
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

  function showProgress(label, value) {
    progressWrap.hidden = false;
    progressLabel.textContent = label;
    if (value === null) progress.removeAttribute("value");
    else progress.value = value;
  }

  // ---- reading -------------------------------------------------------------------------------
  function readFile(file, preset) {
    if (!preset) example.value = ""; // the reader's own file, not an example, is shown now
    clearError();
    current = null;
    api.table = null;
    api.result = null;
    form.hidden = true;
    result.hidden = true;
    formatLine.hidden = true;
    chosen.textContent = "Reading " + file.name + " (" + mb(file.size) + ")\u2026";
    status.textContent = "Reading " + file.name + "\u2026";
    showProgress("Reading " + file.name, 0);
    api.busy = new Promise((resolve) => { resolveRead = resolve; });
    worker.postMessage({ type: "read", file: file, name: file.name, preset: preset || null });
    readPreset = preset || null;
    return api.busy;
  }
  let readPreset = null;

  // The proposal: the group is a column whose values repeat (text first; then the column that
  // comes in the longest runs, as a long-format file lists each group's rows together); the
  // response is the numeric column, other than the group, with the most different values.
  function propose(t) {
    const N = t.rows;
    const cols = t.columns;
    const repeats = (c) => c.distinct !== null && c.distinct >= 2 && c.distinct < N &&
      c.distinct <= N / 2;
    let group = -1;
    let best = -Infinity;
    cols.forEach((c, i) => {
      if (!repeats(c)) return;
      const score = (c.numeric ? 0 : 10) - c.runs / Math.max(c.distinct, 1) / N;
      if (score > best) { best = score; group = i; }
    });
    let y = -1;
    let most = -1;
    cols.forEach((c, i) => {
      if (!c.numeric || i === group) return;
      const d = c.distinct === null ? Infinity : c.distinct;
      if (d > 1 && d >= most) { most = d; y = i; }
    });
    return { y: y, group: group, x: [] };
  }

  function options(select, names, chosenIndex, describe) {
    select.replaceChildren();
    const none = document.createElement("option");
    none.value = "";
    none.textContent = "choose a column";
    select.appendChild(none);
    names.forEach((name, i) => {
      const o = document.createElement("option");
      o.value = String(i);
      o.textContent = (name === "" ? "(column " + (i + 1) + ", no name)" : name) + describe(i);
      select.appendChild(o);
    });
    select.value = chosenIndex === null || chosenIndex < 0 ? "" : String(chosenIndex);
  }

  const textNote = (c) => (c.bad ? " (text: line " + c.bad.line + " has " +
    JSON.stringify(c.bad.value.length > 20 ? c.bad.value.slice(0, 20) + "\u2026" : c.bad.value) +
    ")" : "");

  // The covariate boxes: every column but the response and the group.
  function covariates(checked, slopes) {
    xBox.querySelectorAll(".pp-fit__cov").forEach((n) => n.remove());
    const h = current.header;
    const y = ySel.value === "" ? -1 : Number(ySel.value);
    const gi = gSel.value === "" ? -1 : Number(gSel.value);
    let any = false;
    h.forEach((name, i) => {
      if (i === y || i === gi) return;
      const c = current.columns[i];
      any = true;
      const row = document.createElement("div");
      row.className = "pp-fit__cov";
      const lx = document.createElement("label");
      const bx = document.createElement("input");
      bx.type = "checkbox";
      bx.name = "x";
      bx.value = String(i);
      bx.checked = checked.has(i);
      lx.append(bx, " " + (name === "" ? "(column " + (i + 1) + ")" : name));
      const ls = document.createElement("label");
      ls.className = "pp-fit__slope";
      const bs = document.createElement("input");
      bs.type = "checkbox";
      bs.name = "slope";
      bs.value = String(i);
      bs.checked = slopes.has(i) && bx.checked;
      ls.append(bs, " random slope");
      row.append(lx, ls);
      if (!c.numeric) {
        const why = document.createElement("span");
        why.className = "pp-fit__why";
        why.textContent = "not numeric" + textNote(c);
        row.append(why);
      }
      bx.addEventListener("change", () => { if (!bx.checked) bs.checked = false; changed(); });
      bs.addEventListener("change", () => { if (bs.checked) bx.checked = true; changed(); });
      xBox.appendChild(row);
    });
    $("pp-fit-x-none").hidden = any;
  }

  function selection() {
    const h = current.header;
    const pick = (sel) => (sel.value === "" ? null : h[Number(sel.value)]);
    const boxes = (name) => Array.from(xBox.querySelectorAll("input[name='" + name + "']"))
      .filter((b) => b.checked).map((b) => Number(b.value));
    const xi = boxes("x");
    const si = boxes("slope");
    return {
      y: pick(ySel), group: pick(gSel), x: xi.map((i) => h[i]), slopes: si.map((i) => h[i]),
      method: mSel.value,
    };
  }

  function formula(s) {
    const y = s.y === null ? "?" : s.y;
    const g = s.group === null ? "?" : s.group;
    const fixed = ["1"].concat(s.x).join(" + ");
    const random = ["1"].concat(s.slopes).join(" + ");
    return y + " ~ " + fixed + " + (" + random + " | " + g + ")";
  }

  function changed() {
    if (!current) return;
    const s = selection();
    const text = formula(s);
    formulaEl.textContent = text + ", " + s.method;
    if (fitted && fitted.formula !== text + ", " + s.method) {
      status.textContent = "The results below are for " + fitted.formula + ". Press Fit to fit " +
        text + ", " + s.method + ".";
      result.classList.add("pp-fit__result--stale");
    } else if (fitted) {
      result.classList.remove("pp-fit__result--stale");
    }
  }

  function tableRead(t) {
    progressWrap.hidden = true;
    current = { name: t.name, header: t.header, rows: t.rows, format: t.format,
      columns: t.columns, readMs: t.ms };
    fitted = null;
    result.classList.remove("pp-fit__result--stale");
    const h = t.header;
    let roles = propose(t);
    if (readPreset) {
      roles = { y: h.indexOf(readPreset.y), group: h.indexOf(readPreset.group),
        x: readPreset.x.map((x) => h.indexOf(x)) };
    }
    api.proposal = { y: roles.y < 0 ? null : h[roles.y], group: roles.group < 0 ? null : h[roles.group] };
    const describe = (i) => {
      const c = t.columns[i];
      if (!c.numeric) return " (text)";
      return "";
    };
    options(ySel, h, roles.y, describe);
    options(gSel, h, roles.group, (i) => {
      const c = t.columns[i];
      return c.distinct === null ? " (almost every value different)" : " (" + c.distinct + " values)";
    });
    covariates(new Set(roles.x), new Set());
    chosen.textContent = t.name + " (" + mb(t.bytes) + ")";
    formatLine.textContent = t.name + ": " + t.rows.toLocaleString("en") + " rows, " + h.length +
      " columns; " + t.format + ". Read in " + secs(t.ms) + ".";
    formatLine.hidden = false;
    form.hidden = false;
    changed();
    const text = t.columns.map((c, i) => (c.numeric || !c.bad || i === roles.group ? null :
      h[i] + textNote(c))).filter(Boolean);
    status.textContent = (roles.y < 0 || roles.group < 0
      ? "Choose the response and the group, then press Fit."
      : "Proposed: response " + h[roles.y] + ", group " + h[roles.group] + ". Check the model " +
        "and press Fit.") + (text.length ? " Not numeric: " + text.join("; ") + "." : "");
    api.table = { header: h.slice(), rows: t.rows, format: t.format, columns: t.columns };
    if (resolveRead) resolveRead();
  }

  // ---- fitting -------------------------------------------------------------------------------
  let fitStart = 0;
  function run(event) {
    if (event) event.preventDefault();
    if (!current) return;
    const s = selection();
    clearError();
    if (s.y === null || s.group === null) {
      showError("Choose the response y and the group column first.");
      return;
    }
    const fixedOnly = s.x.filter((x) => !s.slopes.includes(x));
    if (s.slopes.length && fixedOnly.length) {
      showError("Random slopes: " + fixedOnly.map((x) => "'" + x + "'").join(", ") + " would " +
        "have a fixed slope only, beside random slopes of " + s.slopes.map((x) => "'" + x + "'")
        .join(", ") + ". Like the package and the command line, this page fits random slopes " +
        "with every covariate's slope varying by group: tick \u201crandom slope\u201d for it too, " +
        "or leave it out of the model.");
      return;
    }
    pending++;
    fitStart = performance.now();
    api.result = null;
    runButton.disabled = true;
    status.textContent = "Fitting " + formula(s) + ", " + s.method + "\u2026";
    showProgress("Fitting", null);
    worker.postMessage({ type: "fit", id: pending, y: s.y, group: s.group, x: s.x,
      slopes: s.slopes.length > 0, method: s.method });
    fitted = { formula: formula(s) + ", " + s.method };
  }

  async function fitDone(msg) {
    if (msg.id !== pending) return;
    const f = msg.fit;
    const t0 = performance.now();
    await render(f);
    const drawMs = performance.now() - t0;
    const total = performance.now() - fitStart;
    runButton.disabled = false;
    progressWrap.hidden = true;
    result.classList.remove("pp-fit__result--stale");
    api.timing = { read: current.readMs, fit: msg.ms, draw: drawMs, total: total, rows: f.N };
    status.textContent = "Fitted " + f.N.toLocaleString("en") + " rows in " +
      f.J.toLocaleString("en") + " groups by " + f.method + " in " + secs(total) +
      " from pressing Fit (measured in this browser: " + secs(msg.ms) + " to fit, the rest to " +
      "draw); the file was read in " + secs(current.readMs) + ".";
    delete f.csv;
    api.result = f;
    changed();
  }

  worker.onmessage = (event) => {
    const msg = event.data;
    if (msg.type === "progress") {
      api.progress = { done: msg.done, total: msg.total, rows: msg.rows };
      showProgress("Reading " + (current ? current.name : "") + ": " + mb(msg.done) + " of " +
        mb(msg.total) + ", " + msg.rows.toLocaleString("en") + " rows", msg.done / msg.total);
      status.textContent = "Reading: " + Math.round((100 * msg.done) / msg.total) + "% (" +
        msg.rows.toLocaleString("en") + " rows so far)\u2026";
    } else if (msg.type === "table") {
      tableRead(msg);
    } else if (msg.type === "result") {
      fitDone(msg);
    } else if (msg.type === "error") {
      if (msg.during === "fit" && msg.id !== pending) return;
      progressWrap.hidden = true;
      runButton.disabled = false;
      api.result = null;
      fitted = null;
      if (msg.during === "read") {
        current = null;
        form.hidden = true;
        formatLine.hidden = true;
        chosen.textContent = "Could not read the file: see the message below.";
        if (resolveRead) resolveRead();
      }
      showError(msg.message);
    }
  };
  worker.onerror = (event) => {
    progressWrap.hidden = true;
    showError("The page's worker failed: " + (event.message || "unknown error"));
  };

  // ---- the results -----------------------------------------------------------------------------
  async function tableOf(cols, rowsOf, J) {
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
    const shown = Math.min(J, TABLE_ROWS);
    tableEl.replaceChildren(head, body);
    tableNote.textContent = shown < J
      ? "The first " + shown + " of " + J + " groups; the download has them all."
      : "All " + J + " groups, in the order of their labels; the download has full precision.";
    await chunked(Array.from({ length: shown }, (_, j) => j), (j) => {
      const tr = document.createElement("tr");
      rowsOf(j).forEach((c, i) => {
        const td = document.createElement(i ? "td" : "th");
        if (!i) td.scope = "row";
        td.textContent = c;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  // The groups a figure draws: all of them, or FIGURE_GROUPS evenly spaced.
  function drawn(J) {
    if (J <= FIGURE_GROUPS) return Array.from({ length: J }, (_, j) => j);
    return Array.from({ length: FIGURE_GROUPS }, (_, i) => Math.floor((i * J) / FIGURE_GROUPS));
  }

  async function render(f) {
    const nm = f.names;
    heading.textContent = f.source + ": " + fitted.formula;
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(new Blob([f.csv], { type: "text/csv" }));
    download.href = downloadUrl;
    download.download = f.source.replace(/\.[^.]*$/, "") +
      (f.model === "slopes" ? "-random-slopes.csv" : "-partial-pooling.csv");
    if (f.model === "slopes") {
      renderSlopesSummary(f);
      result.hidden = false;
      interceptFigures.hidden = true;
      slopesFigures.hidden = false;
      downloadNote.replaceChildren("(the columns of the command line's ",
        Object.assign(document.createElement("code"), { textContent: "fit --random-slopes" }),
        ")");
      await frame();
      const cols = ["group", "n_j", "intercept_j"].concat(nm.x.map((x) => "slope_" + x + "_j"),
        ["intercept_none_j"], nm.x.map((x) => "slope_" + x + "_none_j"));
      await tableOf(cols, (j) => [f.labels[j], String(f.n[j])].concat(f.coef[j].map((v) => fmt(v, 6)),
        f.own[j] ? f.own[j].map((v) => fmt(v, 6)) : nm.x.concat([""]).map(() => "\u2014")), f.J);
      slopeChoice.replaceChildren();
      nm.x.forEach((x, k) => {
        const o = document.createElement("option");
        o.value = String(k + 1);
        o.textContent = x;
        slopeChoice.appendChild(o);
      });
      slopeChoiceWrap.hidden = nm.x.length < 2;
      await frame();
      await drawSlopes(f, 1);
      return;
    }
    const rows = [
      ["Model", fitted.formula + "; N = " + f.N + ", J = " + f.J],
      ["\u03BC\u0302_{\u03B1} (GLS population mean)", fmt(f.mu, 8)],
    ];
    nm.x.forEach((x, c) => rows.push(["\u03B2\u0302 (" + x + ")", fmt(f.beta[c], 8)]));
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
    result.hidden = false;
    interceptFigures.hidden = false;
    slopesFigures.hidden = true;
    downloadNote.replaceChildren("(the columns of the command line's ",
      Object.assign(document.createElement("code"), { textContent: "fit --compare" }), ")");
    await frame();
    const cols = ["group", "n_j", "ybar_j", "ybar_adj_j", "lambda_j", "alpha_j", "cond_sd_j"];
    if (f.alpha_none) cols.push("alpha_none_j");
    await tableOf(cols, (j) => {
      const cells = [f.labels[j], String(f.n[j]), fmt(f.ybar[j], 6), fmt(f.adjusted_mean[j], 6),
        fmt(f.lambda[j], 6), fmt(f.alpha[j], 6), fmt(f.cond_sd[j], 6)];
      if (f.alpha_none) cells.push(fmt(f.alpha_none[j], 6));
      return cells;
    }, f.J);
    await frame();
    await draw(f);
  }

  function renderSlopesSummary(f) {
    const terms = f.terms;
    const label = (k) => (k === 0 ? "intercepts" : "slopes of " + terms[k]);
    const rows = [["Model", fitted.formula + "; N = " + f.N + ", J = " + f.J]];
    terms.forEach((t, k) => rows.push(["\u03BC\u0302_{" + k + "} (" + (k ? t : "intercept") +
      ", GLS)", fmt(f.fixed[k], 8) + " (SE " + fmt(f.se_fixed[k], 4) + ")"]));
    terms.forEach((t, k) => rows.push(["\u03C3\u0302_{" + k + "} (SD of the " + label(k) +
      " across groups)", fmt(f.sd[k], 8)]));
    for (let a = 0; a < terms.length; a++) {
      for (let b = a + 1; b < terms.length; b++) {
        rows.push(["correlation r\u0302_{" + a + b + "}", fmt(f.corr[a][b], 6)]);
      }
    }
    rows.push(["\u03C3\u0302_{y}", fmt(f.sigma_y, 8)]);
    rows.push([f.method + " log-likelihood", fmt(f.loglik, 10)]);
    summary.replaceChildren(definitionList(rows));
    const none = f.own.filter((o) => !o).length;
    note.textContent = f.at_boundary
      ? "The estimated covariance matrix of the intercepts and slopes is singular (on the " +
        "boundary): some combination of them does not vary across groups."
      : none ? none + " group(s) have no least-squares line of their own (too few rows, or a " +
        "covariate that does not vary in them): the table shows \u2014 and the figure only " +
        "their partially pooled point." : "";
    note.hidden = !note.textContent;
  }

  // ---- figures (the explorer's two panels, for these data) ----------------------------------
  // Drawn in CSS pixels at the width of their column (320 to 720), like the explorer's, so
  // that their text keeps its size on a phone; redrawn when the column changes width.
  const W_MAX = 720;
  const W_MIN = 320;
  let W = W_MAX;
  let lastFit = null; // the fit last drawn
  // Below this width the legend of the main chart takes two rows.
  const NARROW_CHART = 600;

  function columnWidth() {
    const box = mainSvg.parentElement.getBoundingClientRect().width;
    return box > 0 ? Math.max(W_MIN, Math.min(W_MAX, Math.round(box))) : W;
  }
  const MAIN_H = 400;
  const LAMBDA_H = 210;
  const M = { left: 60, right: 78, top: 34, bottom: 46 };

  // no room for the ticks at 2 and 5 on a narrow chart, or over more than three decades
  const logTicks = (lo, hi) => window.ppSvg.logTicks(lo, hi, hi - lo > 3 || W < 560);

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

  async function draw(f) {
    lastFit = f;
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
      " groups of " + f.source + ofDrawn(f.J) + ", a hollow circle at its own covariate-adjusted mean, a filled " +
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
    const subset = drawn(f.J);
    await chunked(subset, (j) => {
      const n = f.n[j];
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
    await chunked(subset, (j) => {
      const n = f.n[j];
      el("circle", { class: "pp-lambda-dot", cx: x(n) + dx[j], cy: yl(f.lambda[j]), r: 3 }, lp);
    });
  }

  const ofDrawn = (J) => (J > FIGURE_GROUPS ? " (" + FIGURE_GROUPS + " of them drawn, evenly " +
    "spaced in the order of their labels)" : "");

  // ---- the 2-D shrinkage figure (random slopes): intercept against the slope of x_k -----------
  const CHI2_95 = -2 * Math.log(0.05); // the 95% contour of a bivariate normal
  const H2 = 440;
  const M2 = { left: 64, right: 24, top: 34, bottom: 46 };

  async function drawSlopes(f, k) {
    const svg = shrinkSvg;
    const xName = f.terms[k];
    const subset = drawn(f.J);
    const mu = [f.fixed[0], f.fixed[k]];
    const S = [[f.cov[0][0], f.cov[0][k]], [f.cov[k][0], f.cov[k][k]]];
    const reach = Math.sqrt(CHI2_95);
    const pts = [mu, [mu[0] - reach * Math.sqrt(S[0][0]), mu[1] - reach * Math.sqrt(S[1][1])],
      [mu[0] + reach * Math.sqrt(S[0][0]), mu[1] + reach * Math.sqrt(S[1][1])]];
    subset.forEach((j) => {
      pts.push([f.coef[j][0], f.coef[j][k]]);
      if (f.own[j]) pts.push([f.own[j][0], f.own[j][k]]);
    });
    const xs = pts.map((p) => p[0]).filter(Number.isFinite);
    const ys = pts.map((p) => p[1]).filter(Number.isFinite);
    const pad = (lo, hi) => {
      const d = hi - lo || Math.abs(lo) || 1;
      return [lo - 0.08 * d, hi + 0.08 * d];
    };
    const [xlo, xhi] = pad(Math.min.apply(null, xs), Math.max.apply(null, xs));
    const [ylo, yhi] = pad(Math.min.apply(null, ys), Math.max.apply(null, ys));
    const X = (v) => M2.left + ((v - xlo) / (xhi - xlo)) * (W - M2.left - M2.right);
    const Y = (v) => M2.top + ((yhi - v) / (yhi - ylo)) * (H2 - M2.top - M2.bottom);
    svg.replaceChildren();
    svg.setAttribute("viewBox", "0 0 " + W + " " + H2);
    el("title", { id: "pp-fit-shrink2d-title" }, svg).textContent =
      "Each group's intercept and slope of " + xName + ": its own line and the model's";
    el("desc", { id: "pp-fit-shrink2d-desc" }, svg).textContent = "For each of the " + f.J +
      " groups of " + f.source + ofDrawn(f.J) + ", a hollow circle at the intercept and slope " +
      "of its own least-squares line, a filled circle at its partially pooled intercept and " +
      "slope (" + f.method + "), and a segment between them; a cross at the population pair " +
      "(GLS) and an ellipse holding 95% of the groups under the fitted model.";
    svg.setAttribute("aria-labelledby", "pp-fit-shrink2d-title pp-fit-shrink2d-desc");
    const defs = el("defs", {}, svg);
    const clip = el("clipPath", { id: "pp-fit-shrink2d-clip" }, defs);
    el("rect", { x: M2.left, y: M2.top, width: W - M2.left - M2.right,
      height: H2 - M2.top - M2.bottom }, clip);
    const axis = el("g", { class: "pp-axis", "aria-hidden": "true" }, svg);
    const bottom = H2 - M2.bottom;
    el("line", { x1: M2.left, x2: W - M2.right, y1: bottom, y2: bottom }, axis);
    el("line", { x1: M2.left, x2: M2.left, y1: M2.top, y2: bottom }, axis);
    const tick = (v) => minus(String(Number(v.toPrecision(6))));
    niceTicks(xlo, xhi, 7).forEach((v) => {
      const xp = X(v);
      el("line", { x1: xp, x2: xp, y1: bottom, y2: bottom + 5 }, axis);
      el("line", { class: "pp-grid", x1: xp, x2: xp, y1: M2.top, y2: bottom }, axis);
      el("text", { x: xp, y: bottom + 18, "text-anchor": "middle" }, axis).textContent = tick(v);
    });
    niceTicks(ylo, yhi, 6).forEach((v) => {
      const yp = Y(v);
      el("line", { x1: M2.left - 5, x2: M2.left, y1: yp, y2: yp }, axis);
      el("line", { class: "pp-grid", x1: M2.left, x2: W - M2.right, y1: yp, y2: yp }, axis);
      el("text", { x: M2.left - 8, y: yp + 4, "text-anchor": "end" }, axis).textContent = tick(v);
    });
    el("text", { class: "pp-axis-label", x: (M2.left + W - M2.right) / 2, y: H2 - 8,
      "text-anchor": "middle" }, axis).textContent =
      "intercept (" + f.names.y + " at " + f.names.x.join(" = ") + " = 0)";
    const mid = (M2.top + bottom) / 2;
    el("text", { class: "pp-axis-label", x: 14, y: mid, "text-anchor": "middle",
      transform: "rotate(-90 14 " + mid + ")" }, axis).textContent =
      "slope (" + f.names.y + " per unit of " + xName + ")";
    // 95% ellipse: mu + sqrt(chi2) C (cos t, sin t), C the Cholesky factor of the 2 x 2 block
    const l11 = Math.sqrt(Math.max(S[0][0], 0));
    const l21 = l11 > 0 ? S[1][0] / l11 : 0;
    const l22 = Math.sqrt(Math.max(S[1][1] - l21 * l21, 0));
    let path = "";
    for (let i = 0; i <= 96; i++) {
      const t = (2 * Math.PI * i) / 96;
      const u = Math.cos(t);
      const v = Math.sin(t);
      path += (i ? "L" : "M") + X(mu[0] + reach * l11 * u).toFixed(2) + " " +
        Y(mu[1] + reach * (l21 * u + l22 * v)).toFixed(2);
    }
    el("path", { class: "pp-ellipse", d: path, "clip-path": "url(#pp-fit-shrink2d-clip)" }, svg);
    const g = el("g", { class: "pp-points" }, svg);
    await chunked(subset, (j) => {
      const node = el("g", { class: "pp-group" }, g);
      const own = f.own[j];
      const px = X(f.coef[j][0]);
      const py = Y(f.coef[j][k]);
      if (own) {
        el("line", { class: "pp-seg", x1: X(own[0]), y1: Y(own[k]), x2: px, y2: py }, node);
        el("circle", { class: "pp-none", cx: X(own[0]), cy: Y(own[k]), r: 3.4 }, node);
      }
      el("circle", { class: "pp-partial", cx: px, cy: py, r: 3.4 }, node);
      el("title", {}, node).textContent = f.labels[j] + ": n = " + f.n[j] + ", " +
        (own ? "own line " + fmt(own[0], 4) + " + " + fmt(own[k], 4) + " " + xName
          : "no line of its own") + "; partial pooling " + fmt(f.coef[j][0], 4) + " + " +
        fmt(f.coef[j][k], 4) + " " + xName;
    });
    const mx = X(mu[0]);
    const my = Y(mu[1]);
    el("path", { class: "pp-pop", d: "M" + (mx - 8) + " " + my + "h16M" + mx + " " + (my - 8) +
      "v16" }, svg);
    const legend = el("g", { class: "pp-legend", "aria-hidden": "true" }, svg);
    let lx = M2.left + 8;
    el("circle", { class: "pp-none", cx: lx, cy: 16, r: 4 }, legend);
    el("text", { x: lx + 9, y: 20 }, legend).textContent = "own line";
    lx += 90;
    el("circle", { class: "pp-partial", cx: lx, cy: 16, r: 4 }, legend);
    el("text", { x: lx + 9, y: 20 }, legend).textContent = "partial pooling";
    lx += 135;
    el("path", { class: "pp-pop", d: "M" + (lx - 6) + " 16h12M" + lx + " 10v12" }, legend);
    el("text", { x: lx + 12, y: 20 }, legend).textContent = "population pair (GLS)";
    lx += 170;
    el("path", { class: "pp-ellipse", d: "M" + (lx - 8) + " 16a8 5 0 1 0 16 0a8 5 0 1 0 -16 0" },
      legend);
    el("text", { x: lx + 12, y: 20 }, legend).textContent = "95% of groups";
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
  [ySel, gSel].forEach((s) => s.addEventListener("change", () => {
    if (!current) return;
    const keep = (name) => new Set(Array.from(xBox.querySelectorAll("input[name='" + name + "']"))
      .filter((b) => b.checked).map((b) => Number(b.value)));
    covariates(keep("x"), keep("slope"));
    changed();
  }));
  mSel.addEventListener("change", changed);
  form.addEventListener("submit", run);
  slopeChoice.addEventListener("change", () => {
    if (api.result && api.result.model === "slopes") drawSlopes(api.result, Number(slopeChoice.value));
  });
  example.addEventListener("change", () => {
    const key = example.value;
    if (!key) return;
    status.textContent = "Loading " + key + ".csv\u2026";
    api.busy = fetch(exampleUrl(key)).then((r) => {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.blob();
    }).then((blob) => readFile(new File([blob], key + ".csv", { type: "text/csv" }),
      EXAMPLES[key])).catch((err) => {
      showError("cannot load " + key + ".csv: " + err.message);
    });
  });
  status.textContent = "No data yet: choose a CSV file, drop one here, or pick a data set of " +
    "this site.";
  root.querySelector(".pp-fit__start").hidden = false;
  if (window.ResizeObserver) {
    new ResizeObserver(() => {
      if (lastFit && columnWidth() !== W) draw(lastFit);
    }).observe(mainSvg.parentElement);
  }
})();
