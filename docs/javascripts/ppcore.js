// The random-intercept fit of partial_pooling, in plain JavaScript (no libraries, no network).
//
// The same algorithm as the package (src/partial_pooling/grouped.py, likelihood.py,
// estimation.py): the response and the covariates are centred and scaled; the data enter only
// through a triangular factor of the within-group deviations of [x, y] and one row
// sqrt(n_j) [1, xbar_j', ybar_j] per group; at each psi = sigma_alpha^2 / sigma_y^2 one QR
// (Givens rotations here, Householder in LAPACK there) of those rows, the group rows weighted
// by 1/sqrt(1 + n_j psi), gives the GLS coefficients, the weighted residual sum of squares,
// the profiled ML or REML log-likelihood and its score. A grid over 24 decades of psi brackets
// the maximum and Brent's method (scipy's brentq, transcribed) solves the score equation to
// machine precision. The checks give the command line's one-line messages (grouped.py, and
// cli/csv_reader.py for text in a numeric column), word for word; the file itself is read by
// ppcsv.js into the columns that `prepare` takes. Any number of covariates.
//
// Exposed as ppCore (window.ppCore on a page, self.ppCore in fitworker.js); used by fit.js's
// worker (fitworker.js, with ppcsv.js and ppslopes.js) and explorer.js.
(function () {
  "use strict";

  const LOG_2PI = Math.log(2 * Math.PI);

  class InputError extends Error {}

  // ---- Python's spelling of values, for messages identical to the command line's ------------
  function pyStr(s) {
    s = String(s);
    const q = s.includes("'") && !s.includes('"') ? '"' : "'";
    let out = q;
    for (const ch of s) {
      if (ch === "\\") out += "\\\\";
      else if (ch === q) out += "\\" + q;
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (ch === "\t") out += "\\t";
      else out += ch;
    }
    return out + q;
  }

  function pyFloat(x) {
    if (Number.isNaN(x)) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const e = x.toExponential(); // shortest round-trip digits, like Python's repr
    const [mant, exp] = e.split("e");
    const ex = Number(exp);
    if (ex >= -4 && ex < 16) {
      let s = x.toFixed(Math.max(0, (mant.split(".")[1] || "").length - ex));
      if (!s.includes(".")) s += ".0";
      return s;
    }
    return mant + "e" + (ex < 0 ? "-" : "+") + String(Math.abs(ex)).padStart(2, "0");
  }

  const pyList = (items) => "[" + items.join(", ") + "]";

  // pandas' default missing-value strings (cli.NUMERIC_NA): missing in numeric columns.
  const NUMERIC_NA = new Set([
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
  ]);
  const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
  const INFINITE = /^\s*([+-]?)(?:inf|infinity)\s*$/i;

  function parseNumber(s) {
    if (NUMERIC_NA.has(s)) return NaN;
    if (NUMBER.test(s)) return Number(s);
    const m = INFINITE.exec(s);
    if (m) return m[1] === "-" ? -Infinity : Infinity;
    return undefined;
  }

  const where = (lines) => "line(s) " + pyList(lines.slice(0, 3).map(String));

  // ---- the checks of group_data, and the grouped data ---------------------------------------
  // table: the columns read by ppcsv.js ({header, N, lines, cols: [{num, bad, codes, labels,
  // tooMany}]}); cols: {y, group, x (an array of names), source, minGroups}. Throws InputError
  // with the command line's message (without its "partial-pooling: error: " prefix).
  function prepare(table, cols) {
    const source = cols.source || "data";
    const fail = (msg) => { throw new InputError(source + ": " + msg); };
    const xs = cols.x ? (Array.isArray(cols.x) ? cols.x : [cols.x]) : [];
    const names = [cols.y, cols.group].concat(xs);
    const seen = new Set();
    names.forEach((name) => {
      if (seen.has(name)) {
        fail("column " + pyStr(name) + " is used twice (as response, group or covariate)");
      }
      seen.add(name);
    });
    const index = {};
    names.forEach((name) => {
      const at = table.header.indexOf(name);
      if (at < 0) fail("no column " + pyStr(name) + " in the header");
      if (table.header.lastIndexOf(name) !== at) {
        fail("column " + pyStr(name) + " is named more than once in the header");
      }
      index[name] = at;
    });
    const N = table.N;
    if (!N) fail("the data frame is empty: there is nothing to fit");
    const lines = table.lines;
    const numeric = [[cols.y, "response"]].concat(xs.map((x) => [x, "covariate"]));
    // Text in a numeric column: the first such record (the reader's check, before any other).
    let firstBad = null;
    numeric.forEach(([name, role]) => {
      const bad = table.cols[index[name]].bad;
      if (bad && (!firstBad || bad.row < firstBad.row)) {
        firstBad = { row: bad.row, name: name, role: role, value: bad.value };
      }
    });
    if (firstBad) {
      fail(firstBad.role + " column " + pyStr(firstBad.name) + " must be numeric, but line " +
        lines[firstBad.row] + " has " + pyStr(firstBad.value));
    }
    const values = (name) => table.cols[index[name]].num.subarray(0, N);
    const checkColumn = (name, role) => {
      const v = values(name);
      const missing = [];
      let count = 0;
      for (let r = 0; r < N; r++) {
        if (Number.isNaN(v[r])) { count++; if (missing.length < 3) missing.push(lines[r]); }
      }
      if (count) {
        fail(role + " column " + pyStr(name) + " has " + count + " missing value(s), first at " +
          where(missing) + "; drop or impute them before fitting");
      }
      const bad = [];
      const badLines = [];
      for (let r = 0; r < N && bad.length < 3; r++) {
        if (!Number.isFinite(v[r])) { bad.push(pyFloat(v[r])); badLines.push(lines[r]); }
      }
      if (bad.length) {
        fail(role + " column " + pyStr(name) + " has non-finite value(s) " + pyList(bad) +
          " at " + where(badLines));
      }
      let lo = v[0];
      let hi = v[0];
      for (let r = 1; r < N; r++) { if (v[r] < lo) lo = v[r]; if (v[r] > hi) hi = v[r]; }
      return lo === hi;
    };
    if (checkColumn(cols.y, "response")) {
      fail("response column " + pyStr(cols.y) + " is constant (every value is " +
        pyFloat(values(cols.y)[0]) + "): there is no variation to model");
    }
    xs.forEach((x) => {
      if (checkColumn(x, "covariate")) {
        fail("covariate " + pyStr(x) + " is constant (every value is " +
          pyFloat(values(x)[0]) + "); its slope is not identified beside the intercept");
      }
    });
    // Groups: labels as text, sorted as Python sorts strings (by code point).
    const gcol = table.cols[index[cols.group]];
    if (!gcol.codes) {
      fail("group column " + pyStr(cols.group) + " has " + gcol.tooMany + " different values in " +
        "its first " + gcol.tooManyRows + " rows: most rows would be a group of their own; " +
        "choose a column whose values repeat");
    }
    const raw = gcol.codes;
    const missing = [];
    let count = 0;
    for (let r = 0; r < N; r++) {
      if (raw[r] < 0) {
        count++;
        if (missing.length < 3) missing.push(lines[r]);
      }
    }
    if (count) {
      fail("group column " + pyStr(cols.group) + " has " + count + " missing label(s), first at " +
        where(missing));
    }
    const order = gcol.labels.map((l, i) => i);
    const lab = gcol.labels;
    order.sort((a, b) => (lab[a] < lab[b] ? -1 : lab[a] > lab[b] ? 1 : 0)); // UTF-16 order
    const rank = new Int32Array(lab.length);
    order.forEach((i, j) => { rank[i] = j; });
    const labels = order.map((i) => lab[i]);
    const codes = new Int32Array(N);
    for (let r = 0; r < N; r++) codes[r] = rank[raw[r]];
    const J = labels.length;
    const minGroups = cols.minGroups || 2;
    if (J < minGroups) {
      fail("group column " + pyStr(cols.group) + " has " + J + " group(s)" +
        (J === 1 ? " (only " + pyStr(labels[0]) + ")" : "") + "; at least " + minGroups +
        " are needed to estimate how groups vary");
    }
    if (J === N) {
      fail("every group in column " + pyStr(cols.group) + " has a single observation: the " +
        "within-group variance sigma_y^2 and the between-group variance sigma_alpha^2 cannot " +
        "be told apart");
    }
    const g = grouped(values(cols.y), xs.map(values), codes, J);
    g.labels = labels;
    g.names = { y: cols.y, group: cols.group, x: xs.slice() };
    g.source = source;
    g.lines = lines;
    if (xs.length > 1) checkCollinear(g, source);
    if (g.olsRss <= 1e-20 * N) {
      const on = xs.length ? "of covariate(s) " + pyList(xs.map(pyStr)) : "(constant)";
      fail("response column " + pyStr(cols.y) + " is an exact linear function " + on +
        ": there is no residual variation to split between and within groups");
    }
    return g;
  }

  // Covariates that are (nearly) collinear: the factor of the scaled covariates, columns of
  // unit length, has a diagonal entry below 1e-7 (a condition number above about 1e7).
  function checkCollinear(g, source) {
    const p = g.p;
    const R = new Float64Array(p * p);
    const row = new Float64Array(p);
    for (let j = 0; j < g.J; j++) {
      const r = Math.sqrt(g.n[j]);
      for (let c = 0; c < p; c++) row[c] = r * g.xbar_s[j * p + c];
      givens(R, row, p);
    }
    for (let i = 0; i < p; i++) {
      for (let c = 0; c < p; c++) row[c] = c >= i ? g.Rw[i * (p + 1) + c] : 0;
      givens(R, row, p);
    }
    for (let i = 0; i < p; i++) {
      let norm = 0;
      for (let l = 0; l <= i; l++) norm += R[l * p + i] ** 2;
      if (Math.abs(R[i * p + i]) < 1e-7 * Math.sqrt(norm)) {
        throw new InputError(source + ": covariate " + pyStr(g.names.x[i]) + " is (nearly) a " +
          "linear combination of " + pyList(g.names.x.slice(0, i).map(pyStr)) + ": drop or " +
          "combine one of them");
      }
    }
  }

  // ---- sufficient statistics ------------------------------------------------------------------
  // Centre and scale (mean and root-mean-square deviation, in two passes like the package).
  function centreScale(v) {
    const N = v.length;
    let s = 0;
    for (let i = 0; i < N; i++) s += v[i];
    let c = s / N;
    let d = 0;
    for (let i = 0; i < N; i++) d += v[i] - c;
    c += d / N;
    let ss = 0;
    for (let i = 0; i < N; i++) { const e = v[i] - c; ss += e * e; }
    const scale = Math.sqrt(ss / N);
    return { centre: c, scale: scale > 0 ? scale : 1 };
  }

  // Add one row to the upper-triangular m x m factor R (row-major) by Givens rotations.
  function givens(R, row, m) {
    for (let i = 0; i < m; i++) {
      const a = row[i];
      if (a === 0) continue;
      const ii = i * m + i;
      const d = R[ii];
      const r = Math.sqrt(d * d + a * a);
      const c = d / r;
      const s = a / r;
      R[ii] = r;
      for (let j = i + 1; j < m; j++) {
        const t = R[i * m + j];
        R[i * m + j] = c * t + s * row[j];
        row[j] = c * row[j] - s * t;
      }
      row[i] = 0;
    }
  }

  // y: Float64Array of the response; X: an array of p Float64Arrays (the covariates, p >= 0);
  // codes: group of each row, 0..J-1. xbar_s is J x p (row-major), varies J x p.
  function grouped(y, X, codes, J) {
    if (X === null || X === undefined) X = [];
    else if (!Array.isArray(X)) X = [X];
    const N = y.length;
    const p = X.length;
    const k = p + 1;
    const sy = centreScale(y);
    const sx = X.map(centreScale);
    const ys = new Float64Array(N);
    for (let i = 0; i < N; i++) ys[i] = (y[i] - sy.centre) / sy.scale;
    const xsd = X.map((x, c) => {
      const out = new Float64Array(N);
      for (let i = 0; i < N; i++) out[i] = (x[i] - sx[c].centre) / sx[c].scale;
      return out;
    });
    const n = new Float64Array(J);
    const ybar = new Float64Array(J);
    const xbar = new Float64Array(J * p);
    for (let i = 0; i < N; i++) {
      const j = codes[i];
      n[j]++;
      ybar[j] += ys[i];
      for (let c = 0; c < p; c++) xbar[j * p + c] += xsd[c][i];
    }
    for (let j = 0; j < J; j++) {
      if (!n[j]) throw new Error("empty group " + j);
      ybar[j] /= n[j];
      for (let c = 0; c < p; c++) xbar[j * p + c] /= n[j];
    }
    // within-group deviations of [x, y] (standardized), folded into a k x k factor
    const Rw = new Float64Array(k * k);
    const row = new Float64Array(k);
    for (let i = 0; i < N; i++) {
      const j = codes[i];
      for (let c = 0; c < p; c++) row[c] = xsd[c][i] - xbar[j * p + c];
      row[k - 1] = ys[i] - ybar[j];
      givens(Rw, row, k);
    }
    // a covariate varies within group j when two of its values differ (exact, any order)
    const varies = new Uint8Array(J * p);
    X.forEach((x, c) => {
      const firstX = new Float64Array(J).fill(NaN);
      for (let i = 0; i < N; i++) {
        const j = codes[i];
        if (Number.isNaN(firstX[j])) firstX[j] = x[i];
        else if (x[i] !== firstX[j]) varies[j * p + c] = 1;
      }
    });
    // the group rows sqrt(n_j) [1, xbar_j, ybar_j]
    const m = k + 1;
    const B = new Float64Array(J * m);
    for (let j = 0; j < J; j++) {
      const r = Math.sqrt(n[j]);
      B[j * m] = r;
      for (let c = 0; c < p; c++) B[j * m + 1 + c] = r * xbar[j * p + c];
      B[j * m + k] = r * ybar[j];
    }
    const g = {
      N: N, J: J, k: k, p: p, n: n, ybar_s: ybar, xbar_s: xbar, Rw: Rw, B: B,
      scaling: { yc: sy.centre, ys: sy.scale, xc: sx.map((s) => s.centre),
        xs: sx.map((s) => s.scale) },
      varies: varies, codes: codes, y_s: ys, x_s: xsd,
    };
    g.withinRss = Rw[k * k - 1] ** 2;
    g.olsRss = factor(g, 0).R[m * m - 1] ** 2;
    g.sizes = distinctSizes(n);
    return g;
  }

  function distinctSizes(n) {
    const count = new Map();
    n.forEach((v) => count.set(v, (count.get(v) || 0) + 1));
    return Array.from(count.entries());
  }

  // The (k+1) x (k+1) factor of the within rows [0, Rw] stacked on the weighted group rows.
  function factor(g, psi) {
    const k = g.k;
    const m = k + 1;
    const R = new Float64Array(m * m);
    const row = new Float64Array(m);
    for (let i = 0; i < k; i++) {
      row[0] = 0;
      for (let j = 0; j < k; j++) row[j + 1] = j >= i ? g.Rw[i * k + j] : 0;
      givens(R, row, m);
    }
    for (let j = 0; j < g.J; j++) {
      const w = 1 / Math.sqrt(1 + g.n[j] * psi);
      for (let c = 0; c < m; c++) row[c] = g.B[j * m + c] * w;
      givens(R, row, m);
    }
    return { R: R, m: m };
  }

  function solveUpper(R, m, k) {
    // b from R[:k,:k] b = R[:k,k]
    const b = new Float64Array(k);
    for (let i = k - 1; i >= 0; i--) {
      let s = R[i * m + k];
      for (let j = i + 1; j < k; j++) s -= R[i * m + j] * b[j];
      b[i] = s / R[i * m + i];
    }
    return b;
  }

  function loglikOffset(g, method) {
    const s = g.scaling;
    if (method === "ML") return -g.N * Math.log(s.ys);
    let off = -(g.N - g.k) * Math.log(s.ys);
    s.xs.forEach((v) => { off -= Math.log(v); });
    return off;
  }

  // The profiled log-likelihood and its score at psi (likelihood.profile).
  function profile(g, psi, method, withScore) {
    const k = g.k;
    const { R, m } = factor(g, psi);
    const rss = R[m * m - 1] ** 2;
    const b = solveUpper(R, m, k);
    const N = g.N;
    const dof = method === "ML" ? N : N - k;
    let logdetR = 0;
    for (let i = 0; i < k; i++) logdetR += Math.log(Math.abs(R[i * m + i]));
    let logdetV = 0;
    g.sizes.forEach(([size, count]) => { logdetV += count * Math.log1p(size * psi); });
    const out = { psi: psi, b: b, rss: rss, R: R, m: m, sigma_y2: (g.scaling.ys ** 2 * rss) / dof };
    if (rss <= 0) {
      out.loglik = Infinity;
      out.score = NaN;
      return out;
    }
    let ll = dof * (1 + LOG_2PI + Math.log(rss / dof)) + logdetV;
    if (method !== "ML") ll += 2 * logdetR;
    out.loglik = -0.5 * ll + loglikOffset(g, method);
    if (withScore !== false) out.score = score(g, psi, method, R, m, b, rss);
    return out;
  }

  function score(g, psi, method, R, m, b, rss) {
    const k = g.k;
    let drss = 0;
    let dquad = 0;
    let dlogdetV = 0;
    g.sizes.forEach(([size, count]) => { dlogdetV += (count * size) / (1 + size * psi); });
    const c = new Float64Array(k);
    for (let j = 0; j < g.J; j++) {
      const w = 1 / (1 + g.n[j] * psi);
      const dw = g.n[j] * w * w;
      let r = g.B[j * m + k];
      for (let i = 0; i < k; i++) r -= g.B[j * m + i] * b[i];
      drss -= dw * r * r;
      if (method !== "ML") {
        // c = R^-T B_j[:k]: forward substitution with the transpose
        let q = 0;
        for (let i = 0; i < k; i++) {
          let s = g.B[j * m + i];
          for (let l = 0; l < i; l++) s -= R[l * m + i] * c[l];
          c[i] = s / R[i * m + i];
          q += c[i] * c[i];
        }
        dquad += dw * q;
      }
    }
    if (method === "ML") return -0.5 * ((g.N * drss) / rss + dlogdetV);
    return -0.5 * (((g.N - k) * drss) / rss + dlogdetV - dquad);
  }

  // scipy.optimize.brentq (scipy/optimize/Zeros/brentq.c), transcribed.
  function brentq(f, xa, xb, xtol, rtol, iter) {
    let xpre = xa;
    let xcur = xb;
    let xblk = 0;
    let fblk = 0;
    let spre = 0;
    let scur = 0;
    let fpre = f(xpre);
    let fcur = f(xcur);
    if (fpre * fcur > 0) throw new Error("brentq: no sign change");
    if (fpre === 0) return xpre;
    if (fcur === 0) return xcur;
    for (let i = 0; i < iter; i++) {
      if (fpre !== 0 && fcur !== 0 && (fpre < 0) !== (fcur < 0)) {
        xblk = xpre;
        fblk = fpre;
        spre = scur = xcur - xpre;
      }
      if (Math.abs(fblk) < Math.abs(fcur)) {
        xpre = xcur; xcur = xblk; xblk = xpre;
        fpre = fcur; fcur = fblk; fblk = fpre;
      }
      const delta = (xtol + rtol * Math.abs(xcur)) / 2;
      const sbis = (xblk - xcur) / 2;
      if (fcur === 0 || Math.abs(sbis) < delta) return xcur;
      if (Math.abs(spre) > delta && Math.abs(fcur) < Math.abs(fpre)) {
        let stry;
        if (xpre === xblk) {
          stry = (-fcur * (xcur - xpre)) / (fcur - fpre);
        } else {
          const dpre = (fpre - fcur) / (xpre - xcur);
          const dblk = (fblk - fcur) / (xblk - xcur);
          stry = (-fcur * (fblk * dblk - fpre * dpre)) / (dblk * dpre * (fblk - fpre));
        }
        if (2 * Math.abs(stry) < Math.min(Math.abs(spre), 3 * Math.abs(sbis) - delta)) {
          spre = scur;
          scur = stry;
        } else {
          spre = sbis;
          scur = sbis;
        }
      } else {
        spre = sbis;
        scur = sbis;
      }
      xpre = xcur;
      fpre = fcur;
      if (Math.abs(scur) > delta) xcur += scur;
      else xcur += sbis > 0 ? delta : -delta;
      fcur = f(xcur);
    }
    return xcur;
  }

  // Golden-section search for a maximum (the package's bounded fallback, rarely needed).
  function goldenMax(f, lo, hi) {
    const r = (Math.sqrt(5) - 1) / 2;
    let a = lo;
    let b = hi;
    let c = b - r * (b - a);
    let d = a + r * (b - a);
    let fc = f(c);
    let fd = f(d);
    for (let i = 0; i < 200 && b - a > 1e-14 * hi; i++) {
      if (fc > fd) { b = d; d = c; fd = fc; c = b - r * (b - a); fc = f(c); }
      else { a = c; c = d; fc = fd; d = a + r * (b - a); fd = f(d); }
    }
    return (a + b) / 2;
  }

  const GRID = [0].concat(Array.from({ length: 49 }, (_, i) => 10 ** (-10 + 0.5 * i)));

  // estimation.maximize_psi
  function maximizePsi(g, method) {
    if (g.withinRss <= 1e-20 * g.N) {
      const dof = g.N - g.J - (g.k - 1);
      throw new InputError(g.source + ": the data show no residual variation within groups " +
        "(N - J - p = " + dof + " within-group degrees of freedom" +
        (dof > 0 ? ", or an exact fit" : "") + "): sigma_y, and with it sigma_alpha, is not " +
        "identified; ML and REML both refuse");
    }
    const ll = GRID.map((psi) => profile(g, psi, method, false).loglik);
    let i = 0;
    for (let t = 1; t < ll.length; t++) if (ll[t] > ll[i] || Number.isNaN(ll[i])) i = t;
    if (i === GRID.length - 1 || ll[i] === Infinity) {
      throw new InputError(g.source + ": the likelihood increases without bound in psi = " +
        "sigma_alpha^2 / sigma_y^2: the data show (almost) no variation within groups");
    }
    if (i === 0) {
      const at0 = profile(g, 0, method);
      if (at0.score <= 0) return at0;
    }
    const lo = GRID[Math.max(i - 1, 0)];
    const hi = GRID[i + 1];
    const sc = (psi) => profile(g, psi, method).score;
    let psi;
    if (sc(lo) > 0 && sc(hi) < 0) psi = brentq(sc, lo, hi, 1e-300, 8.9e-16, 500);
    else psi = goldenMax((p) => profile(g, p, method, false).loglik, lo, hi);
    return profile(g, psi, method);
  }

  // Solve the upper-triangular system U[:p,:p] b = U[:p,p] of a (p+1) x (p+1) factor.
  function withinSlopes(Rw, p) {
    const k = p + 1;
    const b = new Float64Array(p);
    for (let i = p - 1; i >= 0; i--) {
      let s = Rw[i * k + p];
      for (let j = i + 1; j < p; j++) s -= Rw[i * k + j] * b[j];
      b[i] = s / Rw[i * k + i];
    }
    return b;
  }

  // estimation.fit_grouped, and the table of cli.estimates_table (with --compare's columns).
  function fit(g, method) {
    method = method === "ML" ? "ML" : "REML";
    const pt = maximizePsi(g, method);
    const psi = pt.psi;
    const sc = g.scaling;
    const p = g.p;
    const sigmaY2 = pt.sigma_y2;
    if (!(sigmaY2 > 0)) {
      throw new InputError(g.source + ": response " + pyStr(g.names.y) +
        " shows no residual variation: sigma_y is 0");
    }
    const b = pt.b;
    // back to the data's units: beta_k = s_y b_k / s_k, intercepts at x = 0
    const betaOf = (bs) => Array.from({ length: p }, (_, c) => (sc.ys * bs[c]) / sc.xs[c]);
    const shift = (beta) => beta.reduce((acc, v, c) => acc + sc.xc[c] * v, 0);
    const beta = betaOf(b.subarray(1));
    const offset = shift(beta);
    const toData = (a) => sc.yc + sc.ys * a - offset;
    const mu = toData(b[0]);
    const J = g.J;
    const lambda = new Array(J);
    const alpha = new Array(J);
    const adjusted = new Array(J);
    const ybar = new Array(J);
    const condSd = new Array(J);
    for (let j = 0; j < J; j++) {
      const n = g.n[j];
      const lam = (n * psi) / (1 + n * psi);
      let adj = g.ybar_s[j];
      for (let c = 0; c < p; c++) adj -= g.xbar_s[j * p + c] * b[1 + c];
      lambda[j] = lam;
      alpha[j] = toData(lam * adj + (1 - lam) * b[0]);
      adjusted[j] = toData(adj);
      ybar[j] = sc.yc + sc.ys * g.ybar_s[j];
      condSd[j] = Math.sqrt((sigmaY2 * psi) / (1 + n * psi));
    }
    // complete pooling: the OLS intercept (profile at psi = 0, ML) ...
    const ols = profile(g, 0, "ML", false);
    const muOls = sc.yc + sc.ys * ols.b[0] - shift(betaOf(ols.b.subarray(1)));
    // ... and no pooling: each group's own mean at the within-group slopes
    let none = null;
    let noneProblem = null;
    for (let c = 0; c < p && !noneProblem; c++) {
      let anyVaries = false;
      for (let j = 0; j < J; j++) if (g.varies[j * p + c]) { anyVaries = true; break; }
      if (!anyVaries) {
        noneProblem = "covariate " + pyStr(g.names.x[c]) + " is constant within every group of " +
          pyStr(g.names.group) + " (a group-level covariate): the within-group slope is not " +
          "identified";
      }
    }
    if (!noneProblem) {
      const bw = withinSlopes(g.Rw, p); // within slopes, standardized
      const offW = shift(betaOf(bw));
      none = Array.from(g.ybar_s, (v, j) => {
        let a = v;
        for (let c = 0; c < p; c++) a -= g.xbar_s[j * p + c] * bw[c];
        return sc.yc + sc.ys * a - offW;
      });
    }
    return {
      model: "intercept",
      method: method,
      N: g.N,
      J: J,
      names: g.names,
      source: g.source,
      mu: mu,
      beta: beta,
      sigma_alpha: Math.sqrt(psi * sigmaY2),
      sigma_y: Math.sqrt(sigmaY2),
      psi: psi,
      icc: psi / (1 + psi),
      loglik: pt.loglik,
      score: pt.score,
      at_boundary: psi === 0,
      labels: g.labels,
      n: Array.from(g.n),
      ybar: ybar,
      adjusted_mean: adjusted,
      lambda: lambda,
      alpha: alpha,
      cond_sd: condSd,
      alpha_none: none,
      alpha_complete: muOls,
      no_pooling_problem: noneProblem,
    };
  }

  // A number as the table's CSV writes it: the shortest text that reads back the same double.
  const csvNumber = (x) => (Number.isFinite(x) ? String(x) : "");
  function csvField(s) {
    s = String(s);
    return /[",\r\n]/.test(s) || s !== s.trim() ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  // cli.estimates_table(fit, data=data), as CSV text.
  function tableCSV(f) {
    const cols = ["group", "n_j", "ybar_j", "ybar_adj_j", "lambda_j", "alpha_j", "cond_sd_j"];
    if (f.alpha_none) cols.push("alpha_none_j");
    cols.push("alpha_complete_j");
    const out = [cols.join(",")];
    for (let j = 0; j < f.J; j++) {
      const row = [csvField(f.labels[j]), String(f.n[j]), csvNumber(f.ybar[j]),
        csvNumber(f.adjusted_mean[j]), csvNumber(f.lambda[j]), csvNumber(f.alpha[j]),
        csvNumber(f.cond_sd[j])];
      if (f.alpha_none) row.push(csvNumber(f.alpha_none[j]));
      row.push(csvNumber(f.alpha_complete));
      out.push(row.join(","));
    }
    return out.join("\r\n") + "\r\n";
  }

  globalThis.ppCore = {
    InputError: InputError,
    parseNumber: parseNumber,
    prepare: prepare,
    grouped: grouped,
    profile: profile,
    maximizePsi: maximizePsi,
    fit: fit,
    tableCSV: tableCSV,
    pyFloat: pyFloat,
    pyStr: pyStr,
  };
})();
