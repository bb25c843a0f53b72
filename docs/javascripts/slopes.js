// Random slopes in two dimensions (the second explorer on docs/explorer.md). Vanilla JavaScript,
// no libraries; the data are the JSON the build writes (partial_pooling.site.explorer.slopes_payload).
//
// Each subject's (intercept, slope) from its own least-squares line, and from the model
//   y_ij = (mu_0 + a_0j) + (mu_1 + a_1j) x_ij + e_ij,  a_j ~ N(0, Sigma),  e_ij ~ N(0, sigma_y^2),
// recomputed exactly at the reader's SDs and correlation (sigma_y held at its estimate), from
// each subject's S_j = X_j'X_j and r_j = X_j'y_j, with Q_j = (sigma_y^2 I + S_j Sigma)^-1:
//   mu = (sum_j Q_j S_j)^-1 sum_j Q_j r_j        (GLS)
//   a_j = Sigma Q_j (r_j - S_j mu)                (conditional modes, BLUPs)
// exactly partial_pooling.site.explorer.random_slopes_at, which the browser tests compare with.
(function () {
  "use strict";

  const root = document.getElementById("pp-slopes");
  if (!root) return;
  const script = document.currentScript;
  const DATA_URL = new URL("../assets/generated/slopes-sleepstudy.json", script.src).href;
  const SCHEMA = 1;
  const { el, rich, niceTicks, minus, fmt, definitionList } = window.ppSvg;
  // Drawn in CSS pixels at the width of its column (320 to 720), like the explorer's charts,
  // so that its text keeps its size on a phone; redrawn when the column changes width.
  const W_MAX = 720;
  const W_MIN = 320;
  let W = W_MAX;
  const H = 440;
  // Below this width the legend takes two rows.
  const NARROW_CHART = 600;
  const M = { left: 64, right: 24, top: 34, bottom: 46 };
  const CHI2_95 = -2 * Math.log(0.05); // the 95% contour of a bivariate normal

  const $ = (id) => document.getElementById(id);
  const status = $("pp-slopes-status");
  const body = $("pp-slopes-body");
  const sd0 = $("pp-slopes-sd0");
  const sd1 = $("pp-slopes-sd1");
  const corr = $("pp-slopes-corr");
  const sd0Value = $("pp-slopes-sd0-value");
  const sd1Value = $("pp-slopes-sd1-value");
  const corrValue = $("pp-slopes-corr-value");
  const reset = $("pp-slopes-reset");
  const svg = $("pp-slopes-svg");
  const readout = $("pp-slopes-readout");

  const api = { state: null, ready: null, timeRedraws: null };
  window.ppSlopes = api;
  let model = null;
  let exactCorr = true; // the correlation slider has not moved since the start or the reset


  // ---- the model at given parameters -----------------------------------------------------------
  function crossProducts(d) {
    const J = d.labels.length;
    const S = Array.from({ length: J }, () => [0, 0, 0]); // n, sum x, sum x^2
    const r = Array.from({ length: J }, () => [0, 0]); // sum y, sum x y
    d.rows.group.forEach((j, i) => {
      const x = d.rows.x[i];
      const y = d.rows.y[i];
      S[j][0] += 1;
      S[j][1] += x;
      S[j][2] += x * x;
      r[j][0] += y;
      r[j][1] += x * y;
    });
    return { S: S, r: r };
  }

  // 2 x 2 matrices as [a, b, c, d] = [[a, b], [c, d]].
  const mul = (A, B) => [A[0] * B[0] + A[1] * B[2], A[0] * B[1] + A[1] * B[3],
    A[2] * B[0] + A[3] * B[2], A[2] * B[1] + A[3] * B[3]];
  const inv = (A) => {
    const det = A[0] * A[3] - A[1] * A[2];
    return [A[3] / det, -A[1] / det, -A[2] / det, A[0] / det];
  };
  const apply = (A, v) => [A[0] * v[0] + A[1] * v[1], A[2] * v[0] + A[3] * v[1]];

  function solve(cp, s0, s1, rho, sigmaY) {
    const D = [s0 * s0, rho * s0 * s1, rho * s0 * s1, s1 * s1];
    const s2 = sigmaY * sigmaY;
    const J = cp.S.length;
    const A = [0, 0, 0, 0];
    const b = [0, 0];
    const Q = new Array(J);
    for (let j = 0; j < J; j++) {
      const S = [cp.S[j][0], cp.S[j][1], cp.S[j][1], cp.S[j][2]];
      const SD = mul(S, D);
      Q[j] = inv([s2 + SD[0], SD[1], SD[2], s2 + SD[3]]);
      const QS = mul(Q[j], S);
      const Qr = apply(Q[j], cp.r[j]);
      for (let k = 0; k < 4; k++) A[k] += QS[k];
      b[0] += Qr[0];
      b[1] += Qr[1];
    }
    const mu = apply(inv(A), b);
    const coef = new Array(J);
    for (let j = 0; j < J; j++) {
      const S = cp.S[j];
      const res = [cp.r[j][0] - (S[0] * mu[0] + S[1] * mu[1]),
        cp.r[j][1] - (S[1] * mu[0] + S[2] * mu[1])];
      const a = apply(mul(D, Q[j]), res);
      coef[j] = [mu[0] + a[0], mu[1] + a[1]];
    }
    return { mu: mu, coef: coef };
  }

  // ---- controls --------------------------------------------------------------------------------
  function params() {
    const f = model.data.fit;
    return {
      sd: [f.sd[0] * 10 ** Number(sd0.value), f.sd[1] * 10 ** Number(sd1.value)],
      corr: exactCorr ? f.corr : Number(corr.value),
      sigma_y: f.sigma_y,
    };
  }

  // ---- drawing ---------------------------------------------------------------------------------
  function columnWidth() {
    const box = svg.parentElement.getBoundingClientRect().width;
    return box > 0 ? Math.max(W_MIN, Math.min(W_MAX, Math.round(box))) : W;
  }

  function build(d) {
    W = columnWidth();
    M.top = W < NARROW_CHART ? 50 : 34; // room for the legend's second row when narrow
    const cp = crossProducts(d);
    // the axes hold every point and the 95% ellipse at the estimates
    const f = d.fit;
    const reach = Math.sqrt(CHI2_95);
    const pts = d.ols.filter(Boolean).concat(f.coef, [f.mu],
      [[f.mu[0] - reach * f.sd[0], f.mu[1] - reach * f.sd[1]],
        [f.mu[0] + reach * f.sd[0], f.mu[1] + reach * f.sd[1]]]);
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    const pad = (lo, hi) => [lo - 0.08 * (hi - lo), hi + 0.08 * (hi - lo)];
    const [xlo, xhi] = pad(Math.min.apply(null, xs), Math.max.apply(null, xs));
    const [ylo, yhi] = pad(Math.min.apply(null, ys), Math.max.apply(null, ys));
    const X = (v) => M.left + ((v - xlo) / (xhi - xlo)) * (W - M.left - M.right);
    const Y = (v) => M.top + ((yhi - v) / (yhi - ylo)) * (H - M.top - M.bottom);

    svg.replaceChildren();
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.style.aspectRatio = W + " / " + H;
    el("title", { id: "pp-slopes-title" }, svg).textContent =
      "Each subject's intercept and slope: its own line and the model's";
    el("desc", { id: "pp-slopes-desc" }, svg).textContent = "For each of the " + d.labels.length +
      " groups (" + d.group + ") of the data, a hollow circle at the intercept and slope of its own " +
      "least-squares line, a filled circle at its partially pooled intercept and slope at the " +
      "current SDs and correlation, and a segment between them; a cross at the population pair " +
      "and an ellipse holding 95% of the population's subjects under the model.";
    svg.setAttribute("aria-labelledby", "pp-slopes-title pp-slopes-desc");
    const defs = el("defs", {}, svg);
    const clip = el("clipPath", { id: "pp-slopes-clip" }, defs);
    el("rect", { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom },
      clip);
    const axis = el("g", { class: "pp-axis", "aria-hidden": "true" }, svg);
    const bottom = H - M.bottom;
    el("line", { x1: M.left, x2: W - M.right, y1: bottom, y2: bottom }, axis);
    el("line", { x1: M.left, x2: M.left, y1: M.top, y2: bottom }, axis);
    niceTicks(xlo, xhi, 7).forEach((v) => {
      const xp = X(v);
      el("line", { x1: xp, x2: xp, y1: bottom, y2: bottom + 5 }, axis);
      el("line", { class: "pp-grid", x1: xp, x2: xp, y1: M.top, y2: bottom }, axis);
      el("text", { x: xp, y: bottom + 18, "text-anchor": "middle" }, axis).textContent =
        minus(String(Number(v.toPrecision(6))));
    });
    niceTicks(ylo, yhi, 6).forEach((v) => {
      const yp = Y(v);
      el("line", { x1: M.left - 5, x2: M.left, y1: yp, y2: yp }, axis);
      el("line", { class: "pp-grid", x1: M.left, x2: W - M.right, y1: yp, y2: yp }, axis);
      el("text", { x: M.left - 8, y: yp + 4, "text-anchor": "end" }, axis).textContent =
        minus(String(Number(v.toPrecision(6))));
    });
    el("text", { class: "pp-axis-label", x: (M.left + W - M.right) / 2, y: H - 8,
      "text-anchor": "middle" }, axis).textContent = "intercept (" + d.y + " at " + d.x + " = 0)";
    const mid = (M.top + bottom) / 2;
    el("text", { class: "pp-axis-label", x: 14, y: mid, "text-anchor": "middle",
      transform: "rotate(-90 14 " + mid + ")" }, axis).textContent =
      "slope (" + d.y + " per unit of " + d.x + ")";

    const ellipse = el("path", { class: "pp-ellipse", "clip-path": "url(#pp-slopes-clip)" }, svg);
    const segs = [];
    const dots = [];
    const g = el("g", { class: "pp-points" }, svg);
    d.labels.forEach((label, j) => {
      const node = el("g", { class: "pp-group", "data-label": label }, g);
      // a group without a line of its own (one observation, say) has only the model's point
      const own = d.ols[j];
      segs.push(own ? el("line", { class: "pp-seg", x1: X(own[0]), y1: Y(own[1]) }, node) : null);
      if (own) el("circle", { class: "pp-none", cx: X(own[0]), cy: Y(own[1]), r: 3.4 }, node);
      dots.push(el("circle", { class: "pp-partial", r: 3.4 }, node));
      el("title", {}, node).textContent = d.group + " " + label + ": " + (own
        ? "own line " + fmt(own[0]) + " + " + fmt(own[1]) + " " + d.x : "no line of its own");
    });
    const cross = el("path", { class: "pp-pop" }, svg);
    const legend = el("g", { class: "pp-legend", "aria-hidden": "true" }, svg);
    // one row on a wide chart; two rows, in a taller margin, on a narrow one (a phone)
    const stacked = W < NARROW_CHART;
    let lx = M.left + 8;
    let ly = 12;
    el("circle", { class: "pp-none", cx: lx, cy: ly, r: 4 }, legend);
    el("text", { x: lx + 9, y: ly + 4 }, legend).textContent = "own line";
    lx += 90;
    el("circle", { class: "pp-partial", cx: lx, cy: ly, r: 4 }, legend);
    el("text", { x: lx + 9, y: ly + 4 }, legend).textContent = "model (partial pooling)";
    if (stacked) { lx = M.left + 8; ly += 16; } else lx += 185;
    el("path", { class: "pp-pop", d: "M" + (lx - 6) + " " + ly + "h12M" + lx + " " + (ly - 6) +
      "v12" }, legend);
    el("text", { x: lx + 12, y: ly + 4 }, legend).textContent = "population pair (GLS)";
    lx += 170;
    el("path", { class: "pp-ellipse", d: "M" + (lx - 8) + " " + ly +
      "a8 5 0 1 0 16 0a8 5 0 1 0 -16 0" }, legend);
    el("text", { x: lx + 12, y: ly + 4 }, legend).textContent = "95% of subjects";
    model = { data: d, cp: cp, X: X, Y: Y, ellipse: ellipse, segs: segs, dots: dots,
      cross: cross };
  }

  function update() {
    if (!model) return;
    const d = model.data;
    const p = params();
    const s = solve(model.cp, p.sd[0], p.sd[1], p.corr, p.sigma_y);
    const X = model.X;
    const Y = model.Y;
    s.coef.forEach((c, j) => {
      const xp = X(c[0]);
      const yp = Y(c[1]);
      if (model.segs[j]) {
        model.segs[j].setAttribute("x2", xp);
        model.segs[j].setAttribute("y2", yp);
      }
      model.dots[j].setAttribute("cx", xp);
      model.dots[j].setAttribute("cy", yp);
    });
    const mx = X(s.mu[0]);
    const my = Y(s.mu[1]);
    model.cross.setAttribute("d", "M" + (mx - 8) + " " + my + "h16M" + mx + " " + (my - 8) + "v16");
    // 95% ellipse: mu + sqrt(chi2) L (cos t, sin t), L the Cholesky factor of Sigma
    const c = Math.sqrt(CHI2_95);
    const l11 = p.sd[0];
    const l21 = p.corr * p.sd[1];
    const l22 = p.sd[1] * Math.sqrt(Math.max(0, 1 - p.corr * p.corr));
    let path = "";
    for (let i = 0; i <= 96; i++) {
      const t = (2 * Math.PI * i) / 96;
      const u = Math.cos(t);
      const v = Math.sin(t);
      path += (i ? "L" : "M") + X(s.mu[0] + c * l11 * u).toFixed(2) + " " +
        Y(s.mu[1] + c * (l21 * u + l22 * v)).toFixed(2);
    }
    model.ellipse.setAttribute("d", path);

    sd0Value.textContent = "\u03C3\u2080 = " + fmt(p.sd[0]);
    sd0.setAttribute("aria-valuetext", "sigma 0 = " + fmt(p.sd[0]));
    sd1Value.textContent = "\u03C3\u2081 = " + fmt(p.sd[1]);
    sd1.setAttribute("aria-valuetext", "sigma 1 = " + fmt(p.sd[1]));
    rich(corrValue, "r_{01} = " + fmt(p.corr, 3));
    corr.setAttribute("aria-valuetext", "correlation r01 = " + fmt(p.corr, 3));
    const f = d.fit;
    const rows = [
      ["SD of the intercepts \u03C3_{0}", fmt(p.sd[0]) + " (" + d.method + " estimate " +
        fmt(f.sd[0]) + ")"],
      ["SD of the slopes \u03C3_{1}", fmt(p.sd[1]) + " (estimate " + fmt(f.sd[1]) + ")"],
      ["correlation r_{01}", fmt(p.corr, 3) + " (estimate " + fmt(f.corr, 3) + ")"],
      ["\u03C3_{y}", fmt(p.sigma_y) + " (" + d.method + " estimate, held fixed)"],
      ["population pair (GLS)", "intercept " + fmt(s.mu[0], 6) + ", slope " + fmt(s.mu[1], 5)],
    ];
    readout.replaceChildren(definitionList(rows));
    api.state = { sd: p.sd, corr: p.corr, sigma_y: p.sigma_y, mu: s.mu, coef: s.coef,
      labels: d.labels.slice(), exact_corr: exactCorr };
  }

  function resetAll() {
    sd0.value = "0";
    sd1.value = "0";
    corr.value = String(model.data.fit.corr);
    exactCorr = true;
    update();
  }

  api.timeRedraws = (values) => values.map((v) => {
    sd0.value = String(v);
    const t0 = performance.now();
    update();
    return performance.now() - t0;
  });

  [sd0, sd1].forEach((s) => s.addEventListener("input", update));
  corr.addEventListener("input", () => { exactCorr = false; update(); });
  reset.addEventListener("click", resetAll);

  api.ready = fetch(DATA_URL).then((r) => {
    if (!r.ok) throw new Error("HTTP " + r.status + " for " + r.url);
    return r.json();
  }).then((d) => {
    if (d.schema !== SCHEMA) throw new Error("unexpected data layout " + d.schema);
    body.hidden = false; // first, so that the chart can measure its column
    build(d);
    resetAll();
    status.hidden = true;
    if (window.ResizeObserver) {
      new ResizeObserver(() => {
        if (columnWidth() !== W) {
          build(d);
          update();
        }
      }).observe(svg.parentElement);
    }
  }).catch((err) => {
    status.textContent = "The random-slopes explorer could not load its data: " + err.message;
    console.error("slopes:", err);
  });
})();
