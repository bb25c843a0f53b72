// The partial-pooling explorer (docs/explorer.md). Vanilla JavaScript, no libraries, no network
// beyond this site: the data are JSON files the build writes with the package
// (scripts/explorer_data.py -> partial_pooling.site.explorer.site_payloads).
//
// Everything is recomputed from each group's size n_j and covariate-adjusted mean
// adj_j = ybar_j - xbar_j' beta_hat, with beta and sigma_y held at their REML estimates:
//   lambda_j = n_j sigma_alpha^2 / (n_j sigma_alpha^2 + sigma_y^2)   (pp.shrinkage_factor)
//   mu(sigma_alpha) = sum_j w_j adj_j / sum_j w_j,
//       w_j = 1 / (sigma_alpha^2 + sigma_y^2 / n_j)                    (pp.pooled_mean)
//   alpha_j = lambda_j adj_j + (1 - lambda_j) mu                      (pp.group_intercepts)
// Under the slider, the profiled REML log-likelihood at psi = sigma_alpha^2 / sigma_y^2 (the
// package's likelihood.profile, recomputed from the data by ppcore.js). A hypothetical group of
// the reader's (its size and its own mean) is shrunk like the others but is not part of the fit.
// The current values are exposed as window.ppExplorer.state (the browser tests compare them
// with the package) and as data attributes on each group's SVG element.
(function () {
  "use strict";

  const root = document.getElementById("pp-explorer");
  if (!root) return;
  const script = document.currentScript;
  const dataUrl = (key) =>
    new URL("../assets/generated/explorer-" + key + ".json", script.src).href;

  const { el, rich, niceTicks, minus, fmt, definitionList } = window.ppSvg;
  const SCHEMA = 2;
  const PROFILE_POINTS = 161;
  const LOG_MIN = -3; // slider: log10(sigma_alpha / REML estimate)
  const LOG_MAX = 1;
  const READOUT_N = [1, 5, 25, 100];

  // ---- the formulas (the package's, see the header) ----------------------------------------
  function shrinkage(n, sigmaAlpha, sigmaY) {
    const sa2 = sigmaAlpha ** 2;
    return (n * sa2) / (n * sa2 + sigmaY ** 2);
  }

  function pooledMean(n, adj, sigmaAlpha, sigmaY) {
    let sw = 0;
    let swa = 0;
    for (let j = 0; j < n.length; j++) {
      const w = 1 / (sigmaAlpha ** 2 + sigmaY ** 2 / n[j]);
      sw += w;
      swa += w * adj[j];
    }
    return swa / sw;
  }

  function compute(data, sigmaAlpha) {
    const g = data.groups;
    const sigmaY = data.fit.sigma_y;
    const mu = pooledMean(g.n, g.adjusted_mean, sigmaAlpha, sigmaY);
    const lambda = g.n.map((n) => shrinkage(n, sigmaAlpha, sigmaY));
    const alpha = g.adjusted_mean.map((a, j) => lambda[j] * a + (1 - lambda[j]) * mu);
    const lambdaAt = {};
    READOUT_N.forEach((n) => { lambdaAt[n] = shrinkage(n, sigmaAlpha, sigmaY); });
    return {
      sigma_alpha: sigmaAlpha,
      sigma_y: sigmaY,
      psi: sigmaAlpha ** 2 / sigmaY ** 2,
      icc: sigmaAlpha ** 2 / (sigmaAlpha ** 2 + sigmaY ** 2),
      mu: mu,
      lambda: lambda,
      alpha: alpha,
      lambda_at: lambdaAt,
    };
  }

  // ---- formatting ----------------------------------------------------------------------------
  const fmtFixed = (x, d) => minus(x.toFixed(d));

  // log ticks at 1, 2 and 5 times the powers of ten; at 1 alone on a narrow chart (a phone)
  const logTicks = (lo, hi) => window.ppSvg.logTicks(lo, hi, W < 560);

  const plain = (text) => text.replace(/_\{([^}]*)\}/g, "$1");

  // ---- the page's elements -----------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const status = $("pp-status");
  const controls = $("pp-controls");
  const datasetSelect = $("pp-dataset");
  const slider = $("pp-sigma-alpha");
  const sliderValue = $("pp-sigma-alpha-value");
  const resetButton = $("pp-reset");
  const highlightSelect = $("pp-highlight");
  const highlightLabel = $("pp-highlight-label");
  const readout = $("pp-readout");
  const about = $("pp-about");
  const mainSvg = $("pp-main");
  const lambdaSvg = $("pp-lambda");
  const profileSvg = $("pp-profile");
  const hypN = $("pp-hyp-n");
  const hypMean = $("pp-hyp-mean");
  const hypNValue = $("pp-hyp-n-value");
  const hypMeanValue = $("pp-hyp-mean-value");

  const cache = {};
  let current = null; // {key, data, layout, nodes}
  let highlighted = -1;

  const api = {
    state: null,
    ready: null,
    formulas: { shrinkage: shrinkage, pooledMean: pooledMean },
    // Set sigma_alpha as a multiple 10^logRatio of the REML estimate (what the slider does).
    setLogRatio: function (logRatio) {
      slider.value = String(logRatio);
      update();
    },
    // The time of each redraw (milliseconds, performance.now) with the slider at each value.
    timeRedraws: function (logRatios) {
      const times = logRatios.map((v) => {
        slider.value = String(v);
        const t0 = performance.now();
        update();
        return performance.now() - t0;
      });
      return times;
    },
    profile: null, // {log_ratio, sigma_alpha, psi, loglik}: the curve under the slider
  };
  window.ppExplorer = api;

  function load(key) {
    if (!cache[key]) {
      cache[key] = fetch(dataUrl(key)).then((r) => {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + r.url);
        return r.json();
      }).then((data) => {
        if (data.schema !== SCHEMA) throw new Error("unexpected data layout " + data.schema);
        return data;
      });
    }
    return cache[key];
  }

  function referenceSigma(data) {
    // The slider is centred on the REML estimate (on sigma_y if that estimate is 0).
    return data.fit.sigma_alpha > 0 ? data.fit.sigma_alpha : data.fit.sigma_y;
  }

  function currentSigma() {
    const v = Number(slider.value);
    // Exactly the estimate at the slider's centre (10 ** 0 === 1).
    return referenceSigma(current.data) * 10 ** v;
  }

  // ---- drawing ---------------------------------------------------------------------------------
  // The charts are drawn in CSS pixels at the width of their column (at most 720, at least
  // 320): the viewBox is as wide as the box that shows it, so text keeps its size on a phone
  // instead of shrinking with the page. A change of the column's width redraws them.
  const W_MAX = 720;
  const W_MIN = 320;
  let W = W_MAX;
  // Below this width the legend of the main chart takes a row an item.
  const NARROW_CHART = 600;

  function columnWidth() {
    const box = mainSvg.parentElement.getBoundingClientRect().width;
    return box > 0 ? Math.max(W_MIN, Math.min(W_MAX, Math.round(box))) : W;
  }

  function setViewBox(svg, height) {
    svg.setAttribute("viewBox", "0 0 " + W + " " + height);
    svg.style.aspectRatio = W + " / " + height;
  }
  const MAIN_H = 400;
  const LAMBDA_H = 210;
  const M = { left: 60, right: 78, top: 34, bottom: 46 };

  function layoutFor(data) {
    const g = data.groups;
    const logs = g.n.map((n) => Math.log10(n));
    let lo = Math.min.apply(null, logs.concat([0]));
    let hi = Math.max.apply(null, logs.concat([Math.log10(hypothetical.max(data))]));
    const pad = 0.04 * (hi - lo) + 0.08;
    lo -= pad;
    hi += pad;
    const x = (n) => M.left + ((Math.log10(n) - lo) / (hi - lo)) * (W - M.left - M.right);
    // Groups of equal size are spread slightly sideways so they do not hide one another.
    const rank = {};
    const count = {};
    g.n.forEach((n) => { count[n] = (count[n] || 0) + 1; });
    const dx = g.n.map((n) => {
      rank[n] = (rank[n] || 0) + 1;
      const spacing = Math.min(4, 24 / count[n]);
      return (rank[n] - (count[n] + 1) / 2) * spacing;
    });
    // Every estimate lies between its adjusted mean and mu, and mu between the adjusted means:
    // the range of the adjusted means holds everything, whatever sigma_alpha.
    let ylo = Math.min.apply(null, g.adjusted_mean);
    let yhi = Math.max.apply(null, g.adjusted_mean);
    const ypad = 0.05 * (yhi - ylo || 1);
    ylo -= ypad;
    yhi += ypad;
    const y = (v) => M.top + ((yhi - v) / (yhi - ylo)) * (MAIN_H - M.top - M.bottom);
    const yl = (v) => M.top + (1 - v) * (LAMBDA_H - M.top - M.bottom);
    return { lo: lo, hi: hi, x: x, dx: dx, ylo: ylo, yhi: yhi, y: y, yl: yl };
  }

  // The reader's own group: its size from 1 to a round number above the largest group.
  const hypothetical = {
    max: (data) => 10 ** Math.max(1, Math.ceil(Math.log10(Math.max.apply(null, data.groups.n)))),
    n: () => Math.max(1, Math.round(10 ** Number(hypN.value))),
    mean: () => Number(hypMean.value),
  };

  function diamond(cx, cy, r) {
    return "M" + cx + " " + (cy - r) + "L" + (cx + r) + " " + cy + "L" + cx + " " + (cy + r) +
      "L" + (cx - r) + " " + cy + "Z";
  }

  // ---- the profiled log-likelihood under the slider ------------------------------------------
  const PROFILE_H = 150;
  const PM = { left: 60, right: 78, top: 14, bottom: 36 };

  function profileCurve(data) {
    if (!data.rows || !window.ppCore) return null;
    const rows = data.rows;
    const stats = window.ppCore.grouped(Float64Array.from(rows.y),
      rows.x ? Float64Array.from(rows.x) : null, Int32Array.from(rows.group), data.J);
    const ref = referenceSigma(data);
    const sy2 = data.fit.sigma_y ** 2;
    const out = { log_ratio: [], sigma_alpha: [], psi: [], loglik: [], stats: stats };
    for (let i = 0; i < PROFILE_POINTS; i++) {
      const v = LOG_MIN + ((LOG_MAX - LOG_MIN) * i) / (PROFILE_POINTS - 1);
      const sa = ref * 10 ** v;
      out.log_ratio.push(v);
      out.sigma_alpha.push(sa);
      out.psi.push((sa * sa) / sy2);
      out.loglik.push(window.ppCore.profile(stats, (sa * sa) / sy2, data.method, false).loglik);
    }
    return out;
  }

  function buildProfile(data, P) {
    clear(profileSvg);
    setViewBox(profileSvg, PROFILE_H);
    const t = el("title", { id: "pp-profile-title" }, profileSvg);
    t.textContent = "Profiled " + data.method + " log-likelihood against sigma_alpha";
    const d = el("desc", { id: "pp-profile-desc" }, profileSvg);
    d.textContent = "The " + data.method + " log-likelihood profiled in psi = sigma_alpha^2 / " +
      "sigma_y^2 (mu, beta and sigma_y maximized out at each psi), at the psi of each " +
      "sigma_alpha of the slider (sigma_alpha turned into psi with sigma_y at its " +
      data.method + " estimate), on a log scale; a dashed line at the estimate and a dot at " +
      "the current value.";
    profileSvg.setAttribute("aria-labelledby", "pp-profile-title pp-profile-desc");
    if (!P) return null;
    const finite = P.loglik.filter(isFinite);
    let lo = Math.min.apply(null, finite);
    const hi = data.fit.loglik;
    if (hi - lo < 1e-9) lo = hi - 1;
    const span = hi - lo;
    const ylo = lo - 0.06 * span;
    const yhi = hi + 0.1 * span;
    const x = (v) => PM.left + ((v - LOG_MIN) / (LOG_MAX - LOG_MIN)) * (W - PM.left - PM.right);
    const y = (ll) => PM.top + ((yhi - ll) / (yhi - ylo)) * (PROFILE_H - PM.top - PM.bottom);
    const axis = el("g", { class: "pp-axis", "aria-hidden": "true" }, profileSvg);
    const bottom = PROFILE_H - PM.bottom;
    el("line", { x1: PM.left, x2: W - PM.right, y1: bottom, y2: bottom }, axis);
    el("line", { x1: PM.left, x2: PM.left, y1: PM.top, y2: bottom }, axis);
    const ref = referenceSigma(data);
    for (let v = LOG_MIN; v <= LOG_MAX; v++) {
      const xp = x(v);
      el("line", { x1: xp, x2: xp, y1: bottom, y2: bottom + 5 }, axis);
      el("line", { class: "pp-grid", x1: xp, x2: xp, y1: PM.top, y2: bottom }, axis);
      el("text", { x: xp, y: bottom + 17, "text-anchor": "middle" }, axis).textContent =
        fmt(ref * 10 ** v, 2);
    }
    niceTicks(ylo, yhi, 3).forEach((ll) => {
      const yp = y(ll);
      el("line", { x1: PM.left - 5, x2: PM.left, y1: yp, y2: yp }, axis);
      el("text", { x: PM.left - 8, y: yp + 4, "text-anchor": "end" }, axis).textContent =
        minus(String(Number(ll.toPrecision(6))));
    });
    rich(el("text", { class: "pp-axis-label", x: (PM.left + W - PM.right) / 2, y: PROFILE_H - 4,
      "text-anchor": "middle" }, axis), "\u03C3_{\u03B1} (log scale)");
    rich(el("text", { class: "pp-axis-label", x: 14, y: (PM.top + bottom) / 2,
      "text-anchor": "middle", transform: "rotate(-90 14 " + (PM.top + bottom) / 2 + ")" }, axis),
    "log-lik.");
    let path = "";
    P.log_ratio.forEach((v, i) => {
      path += (i ? "L" : "M") + x(v).toFixed(2) + " " + y(Math.max(P.loglik[i], ylo)).toFixed(2);
    });
    el("path", { class: "pp-curve pp-profile-curve", d: path }, profileSvg);
    if (data.fit.sigma_alpha > 0) {
      el("line", { class: "pp-mu", x1: x(0), x2: x(0), y1: PM.top, y2: bottom }, profileSvg);
      el("text", { class: "pp-mu-label", x: x(0) + 5, y: PM.top + 10 }, profileSvg).textContent =
        data.method + " estimate";
    }
    const cur = el("line", { class: "pp-profile-now", y1: PM.top, y2: bottom }, profileSvg);
    const dot = el("circle", { class: "pp-partial", r: 4.5 }, profileSvg);
    return { x: x, y: y, ylo: ylo, cur: cur, dot: dot };
  }

  function clear(svg) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
  }

  function axes(svg, L, height, yTicks, yScale, yFormat, xLabel, yLabel) {
    const axis = el("g", { class: "pp-axis", "aria-hidden": "true" }, svg);
    const bottom = height - M.bottom;
    el("line", { x1: M.left, x2: W - M.right, y1: bottom, y2: bottom }, axis);
    el("line", { x1: M.left, x2: M.left, y1: M.top, y2: bottom }, axis);
    logTicks(L.lo, L.hi).forEach((n) => {
      const xp = L.x(n);
      el("line", { x1: xp, x2: xp, y1: bottom, y2: bottom + 5 }, axis);
      el("line", { class: "pp-grid", x1: xp, x2: xp, y1: M.top, y2: bottom }, axis);
      const t = el("text", { x: xp, y: bottom + 18, "text-anchor": "middle" }, axis);
      t.textContent = String(n);
    });
    yTicks.forEach((v) => {
      const yp = yScale(v);
      el("line", { x1: M.left - 5, x2: M.left, y1: yp, y2: yp }, axis);
      el("line", { class: "pp-grid", x1: M.left, x2: W - M.right, y1: yp, y2: yp }, axis);
      const t = el("text", { x: M.left - 8, y: yp + 4, "text-anchor": "end" }, axis);
      t.textContent = yFormat(v);
    });
    const xl = el("text", {
      class: "pp-axis-label", x: (M.left + W - M.right) / 2, y: height - 8, "text-anchor": "middle",
    }, axis);
    rich(xl, xLabel);
    const yLab = el("text", {
      class: "pp-axis-label", x: 14, y: (M.top + bottom) / 2, "text-anchor": "middle",
      transform: "rotate(-90 14 " + (M.top + bottom) / 2 + ")",
    }, axis);
    rich(yLab, yLabel);
  }

  function build(key, data) {
    W = columnWidth();
    M.top = W < NARROW_CHART ? 58 : 34; // room for the legend's three rows when narrow
    const L = layoutFor(data);
    const g = data.groups;
    const groupWord = data.group === "county" ? "county" : "group";

    // Main panel: estimates against n_j.
    clear(mainSvg);
    setViewBox(mainSvg, MAIN_H);
    const mt = el("title", { id: "pp-main-title" }, mainSvg);
    mt.textContent = "Each " + groupWord + "'s intercept against its size: no pooling and partial pooling";
    const md = el("desc", { id: "pp-main-desc" }, mainSvg);
    md.textContent = "For every " + groupWord + " of " + data.title + ", a hollow circle at its own " +
      "covariate-adjusted mean, a filled circle at its partially pooled intercept at the current " +
      "sigma_alpha, and a segment between them; a dashed line marks the population mean. " +
      "The horizontal axis is the " + groupWord + " size on a log scale.";
    mainSvg.setAttribute("aria-labelledby", "pp-main-title pp-main-desc");
    const yTicks = niceTicks(L.ylo, L.yhi, 6);
    axes(mainSvg, L, MAIN_H, yTicks, L.y, (v) => minus(String(Number(v.toPrecision(6)))),
      groupWord + " size n_{j} (log scale)", "intercept \u03B1_{j} (" + data.y.replace(/_/g, " ") + ")");
    const muLine = el("line", { class: "pp-mu", x1: M.left, x2: W - M.right }, mainSvg);
    const muText = el("text", { class: "pp-mu-label", x: W - M.right + 6 }, mainSvg);
    const points = el("g", { class: "pp-points" }, mainSvg);
    const nodes = g.n.map((n, j) => {
      const xp = L.x(n) + L.dx[j];
      const node = el("g", {
        class: "pp-group", "data-index": j, "data-label": g.label[j], "data-n": n,
        "data-adjusted": g.adjusted_mean[j],
      }, points);
      const seg = el("line", { class: "pp-seg", x1: xp, x2: xp, y1: L.y(g.adjusted_mean[j]) }, node);
      el("circle", { class: "pp-none", cx: xp, cy: L.y(g.adjusted_mean[j]), r: 3.2 }, node);
      const dot = el("circle", { class: "pp-partial", cx: xp, r: 3.2 }, node);
      const tip = el("title", {}, node);
      node.addEventListener("click", () => setHighlight(highlighted === j ? -1 : j));
      return { node: node, seg: seg, dot: dot, tip: tip, x: xp };
    });
    const hyp = el("g", { class: "pp-hyp" }, mainSvg);
    const hypSeg = el("line", { class: "pp-seg" }, hyp);
    const hypNone = el("path", { class: "pp-none" }, hyp);
    const hypDot = el("path", { class: "pp-partial" }, hyp);
    const hypText = el("text", { class: "pp-highlight-text" }, hyp);
    const label = el("text", { class: "pp-highlight-text" }, mainSvg);
    // Legend.
    const legend = el("g", { class: "pp-legend", "aria-hidden": "true" }, mainSvg);
    // one row on a wide chart; on a narrow one (a phone) one item a row, in the taller margin
    const stacked = W < NARROW_CHART;
    let lx = M.left + 8;
    let ly = stacked ? 10 : 16;
    el("circle", { class: "pp-none", cx: lx, cy: ly, r: 4 }, legend);
    let t = el("text", { x: lx + 9, y: ly + 4 }, legend);
    t.textContent = "no pooling: own adjusted mean";
    if (stacked) ly += 16; else lx += 215;
    el("circle", { class: "pp-partial", cx: lx, cy: ly, r: 4 }, legend);
    t = el("text", { x: lx + 9, y: ly + 4 }, legend);
    rich(t, "partial pooling at this \u03C3_{\u03B1}");
    if (stacked) { ly += 16; lx += 8; } else lx += 200;
    el("line", { class: "pp-mu", x1: lx - 8, x2: lx + 14, y1: ly, y2: ly }, legend);
    t = el("text", { x: lx + 20, y: ly + 4 }, legend);
    rich(t, "\u03BC\u0302_{\u03B1}, population mean");

    // Lambda panel.
    clear(lambdaSvg);
    setViewBox(lambdaSvg, LAMBDA_H);
    const lt = el("title", { id: "pp-lambda-title" }, lambdaSvg);
    lt.textContent = "Shrinkage weight lambda against " + groupWord + " size";
    const ld = el("desc", { id: "pp-lambda-desc" }, lambdaSvg);
    ld.textContent = "The weight lambda_j on each " + groupWord + "'s own data at the current " +
      "sigma_alpha, as a curve over group sizes and a dot for every " + groupWord + ".";
    lambdaSvg.setAttribute("aria-labelledby", "pp-lambda-title pp-lambda-desc");
    axes(lambdaSvg, L, LAMBDA_H, [0, 0.25, 0.5, 0.75, 1], L.yl, (v) => String(v),
      groupWord + " size n_{j} (log scale)", "weight \u03BB_{j}");
    const curve = el("path", { class: "pp-curve" }, lambdaSvg);
    const lpoints = el("g", { class: "pp-points" }, lambdaSvg);
    const ldots = g.n.map((n, j) => el("circle", {
      class: "pp-lambda-dot", cx: L.x(n) + L.dx[j], r: 3, "data-label": g.label[j],
    }, lpoints));

    const hypLambda = el("path", { class: "pp-lambda-dot pp-hyp" }, lambdaSvg);

    // The reader's group: from 1 to a round number above the largest group, a mean within
    // the range of the others.
    hypN.min = "0";
    hypN.max = String(Math.log10(hypothetical.max(data)));
    hypN.value = String(Math.log10(2));
    const span = L.yhi - L.ylo;
    hypMean.min = String(L.ylo);
    hypMean.max = String(L.yhi);
    hypMean.step = String(span / 400);
    hypMean.value = String(L.ylo + 0.9 * span);

    const P = profileCurve(data);
    api.profile = P && {
      log_ratio: P.log_ratio, sigma_alpha: P.sigma_alpha, psi: P.psi, loglik: P.loglik,
    };
    const profileMarks = buildProfile(data, P);

    current = {
      key: key, data: data, layout: L,
      nodes: nodes, muLine: muLine, muText: muText, label: label, curve: curve, ldots: ldots,
      hyp: { seg: hypSeg, none: hypNone, dot: hypDot, text: hypText, lambda: hypLambda },
      profile: P, profileMarks: profileMarks,
    };

    // Controls that depend on the data set.
    highlightLabel.textContent = "Highlight a " + groupWord;
    while (highlightSelect.options.length > 1) highlightSelect.remove(1);
    const order = g.label.map((l, j) => j).sort((a, b) => g.label[a].localeCompare(g.label[b]));
    order.forEach((j) => {
      const opt = document.createElement("option");
      opt.value = String(j);
      opt.textContent = g.label[j] + " (n = " + g.n[j] + ")";
      highlightSelect.appendChild(opt);
    });
    highlighted = -1;
    highlightSelect.value = "";
    slider.value = "0";
    let text = data.description + " Fitted by " + data.method + ": \u03B2\u0302 = " +
      Object.entries(data.fit.beta).map(([k, v]) => fmt(v) + " (" + k + ")").join(", ") +
      ", \u03C3\u0302_{\u03B1} = " + fmt(data.fit.sigma_alpha) +
      ", \u03C3\u0302_{y} = " + fmt(data.fit.sigma_y) + ".";
    if (!Object.keys(data.fit.beta).length) text = text.replace(/ \u03B2\u0302 = ,/, "");
    rich(about, text);
  }

  function setHighlight(j) {
    highlighted = j;
    highlightSelect.value = j < 0 ? "" : String(j);
    update();
  }

  function update() {
    if (!current) return;
    const data = current.data;
    const L = current.layout;
    const g = data.groups;
    const sigmaAlpha = currentSigma();
    const s = compute(data, sigmaAlpha);
    const ratio = sigmaAlpha / referenceSigma(data);

    // Main panel.
    const yMu = L.y(s.mu);
    current.muLine.setAttribute("y1", yMu);
    current.muLine.setAttribute("y2", yMu);
    current.muText.setAttribute("y", yMu + 4);
    rich(current.muText, "\u03BC\u0302_{\u03B1} = " + fmt(s.mu, 3));
    current.nodes.forEach((p, j) => {
      const ya = L.y(s.alpha[j]);
      p.seg.setAttribute("y2", ya);
      p.dot.setAttribute("cy", ya);
      p.node.setAttribute("data-lambda", s.lambda[j]);
      p.node.setAttribute("data-alpha", s.alpha[j]);
      p.node.classList.toggle("pp-is-highlighted", j === highlighted);
      p.tip.textContent = g.label[j] + ": n = " + g.n[j] + ", own adjusted mean " +
        fmt(g.adjusted_mean[j], 3) + ", \u03BB = " + fmt(s.lambda[j], 3) +
        ", partial pooling " + fmt(s.alpha[j], 3);
    });
    if (highlighted >= 0) {
      const p = current.nodes[highlighted];
      // Bring the highlighted group to the front.
      p.node.parentNode.appendChild(p.node);
      const right = p.x > W / 2;
      current.label.setAttribute("x", p.x + (right ? -10 : 10));
      current.label.setAttribute("y", Math.max(M.top + 10, Math.min(L.y(s.alpha[highlighted]),
        L.y(g.adjusted_mean[highlighted])) - 8));
      current.label.setAttribute("text-anchor", right ? "end" : "start");
      current.label.textContent = g.label[highlighted];
    } else {
      current.label.textContent = "";
    }

    // Lambda panel.
    const steps = 120;
    let d = "";
    for (let i = 0; i <= steps; i++) {
      const l = L.lo + ((L.hi - L.lo) * i) / steps;
      const n = 10 ** l;
      d += (i ? "L" : "M") + L.x(n).toFixed(2) + " " + L.yl(shrinkage(n, sigmaAlpha, s.sigma_y)).toFixed(2);
    }
    current.curve.setAttribute("d", d);
    current.ldots.forEach((c, j) => {
      c.setAttribute("cy", L.yl(s.lambda[j]));
      c.classList.toggle("pp-is-highlighted", j === highlighted);
    });

    // The reader's group.
    const hn = hypothetical.n();
    const hm = hypothetical.mean();
    const hl = shrinkage(hn, sigmaAlpha, s.sigma_y);
    const ha = hl * hm + (1 - hl) * s.mu;
    const hx = L.x(hn);
    const H = current.hyp;
    H.seg.setAttribute("x1", hx);
    H.seg.setAttribute("x2", hx);
    H.seg.setAttribute("y1", L.y(hm));
    H.seg.setAttribute("y2", L.y(ha));
    H.none.setAttribute("d", diamond(hx, L.y(hm), 5.5));
    H.dot.setAttribute("d", diamond(hx, L.y(ha), 5.5));
    const hRight = hx > W / 2;
    H.text.setAttribute("x", hx + (hRight ? -10 : 10));
    H.text.setAttribute("y", Math.max(M.top + 10, Math.min(L.y(hm), L.y(ha)) - 8));
    H.text.setAttribute("text-anchor", hRight ? "end" : "start");
    H.text.textContent = "your group";
    H.lambda.setAttribute("d", diamond(hx, L.yl(hl), 5));
    hypNValue.textContent = "n = " + hn;
    hypN.setAttribute("aria-valuetext", "n = " + hn);
    hypMeanValue.textContent = fmt(hm, 3);
    hypMean.setAttribute("aria-valuetext", "own adjusted mean " + fmt(hm, 3));

    // The likelihood under the slider.
    let loglik = null;
    if (current.profile) {
      const psi = sigmaAlpha ** 2 / s.sigma_y ** 2;
      loglik = window.ppCore.profile(current.profile.stats, psi, data.method, false).loglik;
      const pm = current.profileMarks;
      const px = pm.x(Number(slider.value));
      pm.cur.setAttribute("x1", px);
      pm.cur.setAttribute("x2", px);
      pm.dot.setAttribute("cx", px);
      pm.dot.setAttribute("cy", pm.y(Math.max(loglik, pm.ylo)));
    }

    // Slider text and readout.
    const saText = "\u03C3_{\u03B1} = " + fmt(sigmaAlpha);
    const ratioText = fmt(ratio, 3) + " \u00D7 the " + data.method + " estimate";
    rich(sliderValue, saText + " (" + ratioText + ")");
    slider.setAttribute("aria-valuetext", plain(saText) + ", " + ratioText);
    const rows = [
      ["\u03C3_{\u03B1}", fmt(sigmaAlpha) + " (" + data.method + " estimate " +
        fmt(data.fit.sigma_alpha) + (data.truth ? "; true value " + fmt(data.truth.sigma_alpha) : "") + ")"],
      ["\u03C3_{y}", fmt(s.sigma_y) + " (" + data.method + " estimate, held fixed)"],
      ["\u03C8 = \u03C3_{\u03B1}\u00B2/\u03C3_{y}\u00B2", fmt(s.psi)],
      ["ICC \u03C1", fmt(s.icc)],
      ["\u03BC\u0302_{\u03B1} (GLS, \u03B2 fixed)", fmt(s.mu)],
      ["\u03BB for n = " + READOUT_N.join(", "),
        READOUT_N.map((n) => fmtFixed(s.lambda_at[n], 3)).join(", ")],
    ];
    if (loglik !== null) {
      rows.push([data.method + " log-likelihood", fmt(loglik, 8) + " (" +
        minus((loglik - data.fit.loglik).toFixed(3)).replace("\u2212" + "0.000", "0.000") +
        " from its maximum " + fmt(data.fit.loglik, 8) + ")"]);
    }
    rows.push(["your group (n = " + hn + ", own mean " + fmt(hm, 3) + ")",
      "\u03BB = " + fmtFixed(hl, 3) + ", partial pooling " + fmt(ha)]);
    if (highlighted >= 0) {
      const j = highlighted;
      rows.push([g.label[j] + " (n = " + g.n[j] + ")",
        "own adjusted mean " + fmt(g.adjusted_mean[j]) + ", \u03BB = " + fmtFixed(s.lambda[j], 3) +
        ", partial pooling " + fmt(s.alpha[j])]);
    }
    readout.replaceChildren(definitionList(rows));

    api.state = Object.assign(s, {
      dataset: current.key,
      log_ratio: Number(slider.value),
      labels: g.label.slice(),
      n: g.n.slice(),
      adjusted_mean: g.adjusted_mean.slice(),
      highlighted: highlighted >= 0 ? g.label[highlighted] : null,
      loglik: loglik,
      hypothetical: { n: hn, mean: hm, lambda: hl, alpha: ha, n_slider: Number(hypN.value) },
    });
  }

  function show(key) {
    status.textContent = "Loading the data\u2026";
    return load(key).then((data) => {
      controls.hidden = false; // first, so that the charts can measure their column
      build(key, data);
      update();
      status.textContent = "";
      status.hidden = true;
    });
  }

  // Redraw at the new width when the column changes (a rotated phone, a resized window).
  if (window.ResizeObserver) {
    new ResizeObserver(() => {
      if (current && columnWidth() !== W) {
        const keep = highlighted;
        build(current.key, current.data);
        if (keep >= 0) setHighlight(keep);
        update();
      }
    }).observe(mainSvg.parentElement);
  }

  slider.min = String(LOG_MIN);
  slider.max = String(LOG_MAX);
  slider.addEventListener("input", update);
  slider.addEventListener("change", update);
  hypN.addEventListener("input", update);
  hypMean.addEventListener("input", update);
  resetButton.addEventListener("click", () => {
    slider.value = "0";
    update();
  });
  highlightSelect.addEventListener("change", () => {
    setHighlight(highlightSelect.value === "" ? -1 : Number(highlightSelect.value));
  });
  function showOrReport(key) {
    return show(key).catch((err) => {
      status.hidden = false;
      status.textContent = "The explorer could not load its data: " + err.message;
      console.error("explorer:", err);
    });
  }
  datasetSelect.addEventListener("change", () => { api.ready = showOrReport(datasetSelect.value); });
  api.ready = showOrReport(datasetSelect.value);
})();
