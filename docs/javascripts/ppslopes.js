// Random slopes for the in-browser fit (docs/fit_in_browser.md): the package's
// fit_random_slopes (src/partial_pooling/random_slopes.py), transcribed.
//
//   y_ij = (mu_0 + a_0j) + sum_k (mu_k + a_kj) x_kij + e_ij,  a_j ~ N(0, Sigma),
//   e_ij ~ N(0, sigma_y^2),  Sigma = sigma_y^2 Lambda Lambda' (Lambda lower triangular).
//
// On standardized data, the fixed effects and sigma_y^2 profile out, leaving a deviance in the
// q(q+1)/2 entries theta of Lambda, computed from each group's q x q cross-products Z_j'Z_j and
// Z_j'y_j. As in the package: a start from the moments of the groups' own least-squares fits,
// Newton's method on the exact gradient (here with the Hessian by central differences of that
// gradient, where the package has it in closed form: the optimum is the gradient's zero either
// way), eigenvalues of the Hessian made positive far from the optimum, an Armijo line search,
// and an optimum on the boundary (a singular Sigma) solved again with that column of Lambda
// dropped. Then the conditional modes
//   a_j = Lambda (Lambda'Z_j'Z_j Lambda + I)^-1 Lambda'Z_j'(y_j - Z_j mu).
//
// Exposed as ppSlopes (self.ppSlopes in the worker); uses ppCore for the grouped data.
(function () {
  "use strict";

  const LOG_2PI = Math.log(2 * Math.PI);

  // ---- small dense matrices: arrays of rows ---------------------------------------------------
  const zeros = (r, c) => Array.from({ length: r }, () => new Array(c).fill(0));
  const eye = (q) => zeros(q, q).map((row, i) => { row[i] = 1; return row; });
  const transpose = (A) => A[0].map((_, j) => A.map((row) => row[j]));
  function matmul(A, B) {
    const n = A.length;
    const m = B[0].length;
    const K = B.length;
    const C = zeros(n, m);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        const a = A[i][k];
        if (a === 0) continue;
        for (let j = 0; j < m; j++) C[i][j] += a * B[k][j];
      }
    }
    return C;
  }
  const matvec = (A, v) => A.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
  const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);

  // Cholesky factor (lower) of a symmetric positive definite matrix, or null.
  function cholesky(A) {
    const n = A.length;
    const L = zeros(n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = A[i][j];
        for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
        if (i === j) {
          if (!(s > 0)) return null;
          L[i][i] = Math.sqrt(s);
        } else {
          L[i][j] = s / L[j][j];
        }
      }
    }
    return L;
  }

  // Inverse and log-determinant of a symmetric positive definite matrix (Cholesky); an LU with
  // partial pivoting when it is not positive definite (the log of |det| then).
  function invLogdet(A) {
    const n = A.length;
    const L = cholesky(A);
    if (L) {
      let logdet = 0;
      for (let i = 0; i < n; i++) logdet += 2 * Math.log(L[i][i]);
      const Linv = zeros(n, n);
      for (let c = 0; c < n; c++) {
        for (let i = 0; i < n; i++) {
          let s = i === c ? 1 : 0;
          for (let k = 0; k < i; k++) s -= L[i][k] * Linv[k][c];
          Linv[i][c] = s / L[i][i];
        }
      }
      return { inv: matmul(transpose(Linv), Linv), logdet: logdet };
    }
    const M = A.map((row, i) => row.concat(eye(n)[i]));
    let logdet = 0;
    for (let c = 0; c < n; c++) {
      let piv = c;
      for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
      [M[c], M[piv]] = [M[piv], M[c]];
      const d = M[c][c];
      logdet += Math.log(Math.abs(d));
      for (let j = 0; j < 2 * n; j++) M[c][j] /= d;
      for (let r = 0; r < n; r++) {
        if (r === c) continue;
        const f = M[r][c];
        if (f === 0) continue;
        for (let j = 0; j < 2 * n; j++) M[r][j] -= f * M[c][j];
      }
    }
    return { inv: M.map((row) => row.slice(n)), logdet: logdet };
  }

  // Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix: cyclic Jacobi.
  function eigh(S) {
    const n = S.length;
    const A = S.map((row) => row.slice());
    const V = eye(n);
    for (let sweep = 0; sweep < 100; sweep++) {
      let off = 0;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += A[i][j] * A[i][j];
      if (off < 1e-300) break;
      for (let p = 0; p < n; p++) {
        for (let r = p + 1; r < n; r++) {
          if (A[p][r] === 0) continue;
          const theta = (A[r][r] - A[p][p]) / (2 * A[p][r]);
          const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          const c = 1 / Math.sqrt(t * t + 1);
          const s = t * c;
          for (let k = 0; k < n; k++) {
            const akp = A[k][p];
            const akr = A[k][r];
            A[k][p] = c * akp - s * akr;
            A[k][r] = s * akp + c * akr;
          }
          for (let k = 0; k < n; k++) {
            const apk = A[p][k];
            const ark = A[r][k];
            A[p][k] = c * apk - s * ark;
            A[r][k] = s * apk + c * ark;
          }
          for (let k = 0; k < n; k++) {
            const vkp = V[k][p];
            const vkr = V[k][r];
            V[k][p] = c * vkp - s * vkr;
            V[k][r] = s * vkp + c * vkr;
          }
        }
      }
    }
    const order = A.map((_, i) => i).sort((a, b) => A[a][a] - A[b][b]);
    return { values: order.map((i) => A[i][i]), vectors: V.map((row) => order.map((i) => row[i])) };
  }

  // ---- the cross-products ----------------------------------------------------------------------
  // g: ppCore.grouped's result (standardized y_s, x_s, codes).
  function stats(g) {
    const q = 1 + g.p;
    const J = g.J;
    const ZtZ = Array.from({ length: J }, () => zeros(q, q));
    const Zty = Array.from({ length: J }, () => new Array(q).fill(0));
    const yy = new Float64Array(J);
    const z = new Float64Array(q);
    let yty = 0;
    for (let i = 0; i < g.N; i++) {
      const j = g.codes[i];
      z[0] = 1;
      for (let c = 0; c < g.p; c++) z[c + 1] = g.x_s[c][i];
      const y = g.y_s[i];
      const C = ZtZ[j];
      const r = Zty[j];
      for (let a = 0; a < q; a++) {
        for (let b = 0; b <= a; b++) C[a][b] += z[a] * z[b];
        r[a] += z[a] * y;
      }
      yy[j] += y * y;
      yty += y * y;
    }
    ZtZ.forEach((C) => { for (let a = 0; a < q; a++) for (let b = a + 1; b < q; b++) C[a][b] = C[b][a]; });
    const XtX = zeros(q, q);
    const Xty = new Array(q).fill(0);
    for (let j = 0; j < J; j++) {
      for (let a = 0; a < q; a++) {
        for (let b = 0; b < q; b++) XtX[a][b] += ZtZ[j][a][b];
        Xty[a] += Zty[j][a];
      }
    }
    const rows = [];
    const cols = [];
    for (let a = 0; a < q; a++) for (let b = 0; b <= a; b++) { rows.push(a); cols.push(b); }
    return { q, J, N: g.N, n: g.n, ZtZ, Zty, yy, yty, XtX, Xty, rows, cols };
  }

  function lambdaOf(st, theta) {
    const L = zeros(st.q, st.q);
    theta.forEach((v, t) => { L[st.rows[t]][st.cols[t]] = v; });
    return L;
  }

  const dofOf = (st, method) => (method === "ML" ? st.N : st.N - st.q);

  // The profiled quantities at theta (random_slopes._solve).
  function solve(st, theta) {
    const q = st.q;
    const L = lambdaOf(st, theta);
    const Lt = transpose(L);
    const A = st.XtX.map((r) => r.slice());
    const gv = st.Xty.slice();
    let yWy = st.yty;
    let logdetM = 0;
    const Minv = new Array(st.J);
    const P = new Array(st.J);
    const MinvP = new Array(st.J);
    for (let j = 0; j < st.J; j++) {
      const Pj = matmul(Lt, st.ZtZ[j]);
      const M = matmul(Pj, L);
      for (let a = 0; a < q; a++) M[a][a] += 1;
      const il = invLogdet(M);
      logdetM += il.logdet;
      const MiP = matmul(il.inv, Pj);
      const LtZty = matvec(Lt, st.Zty[j]);
      const h = matvec(il.inv, LtZty);
      for (let a = 0; a < q; a++) {
        for (let b = 0; b < q; b++) {
          let s = 0;
          for (let c = 0; c < q; c++) s += Pj[c][a] * MiP[c][b];
          A[a][b] -= s;
        }
        let s = 0;
        for (let c = 0; c < q; c++) s += Pj[c][a] * h[c];
        gv[a] -= s;
      }
      yWy -= dot(LtZty, h);
      Minv[j] = il.inv;
      P[j] = Pj;
      MinvP[j] = MiP;
    }
    const Ai = invLogdet(A);
    const b = matvec(Ai.inv, gv);
    const rss = Math.max(yWy - dot(gv, b), 1e-300);
    return { A, Ainv: Ai.inv, logdetA: Ai.logdet, b, rss, logdetM, Minv, L, P, MinvP };
  }

  function devianceOf(st, s, method) {
    const dof = dofOf(st, method);
    let dev = dof * (1 + LOG_2PI + Math.log(s.rss / dof)) + s.logdetM;
    if (method !== "ML") dev += s.logdetA;
    return dev;
  }

  // The exact gradient of the deviance in theta (random_slopes._gradient_of).
  function gradientOf(st, s, method) {
    const q = st.q;
    const G = zeros(q, q);
    const Gu = zeros(q, q);
    const GK = zeros(q, q);
    const Lt = transpose(s.L);
    for (let j = 0; j < st.J; j++) {
      const Pj = s.P[j];
      const MiP = s.MinvP[j];
      const K = zeros(q, q);
      for (let a = 0; a < q; a++) {
        for (let b = 0; b < q; b++) {
          let v = st.ZtZ[j][a][b];
          for (let c = 0; c < q; c++) v -= Pj[c][a] * MiP[c][b];
          K[a][b] = v;
          G[a][b] += v;
        }
      }
      const w = st.Zty[j].map((v, a) => v - dot(st.ZtZ[j][a], s.b));
      const Ltw = matvec(Lt, w);
      const u = w.map((v, a) => {
        let t = v;
        for (let c = 0; c < q; c++) t -= MiP[c][a] * Ltw[c];
        return t;
      });
      for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) Gu[a][b] += u[a] * u[b];
      if (method !== "ML") {
        const KAK = matmul(matmul(K, s.Ainv), K);
        for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) GK[a][b] += KAK[a][b];
      }
    }
    const f = dofOf(st, method) / s.rss;
    for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) G[a][b] -= f * Gu[a][b] + GK[a][b];
    const dL = matmul(G, s.L);
    return st.rows.map((r, t) => 2 * dL[r][st.cols[t]]);
  }

  // The Hessian by central differences of the exact gradient (entries `idx` only).
  function hessian(st, theta, method, idx) {
    const m = idx.length;
    const H = zeros(m, m);
    idx.forEach((t, a) => {
      const h = 1e-4 * Math.max(Math.abs(theta[t]), 1e-2);
      const up = theta.slice();
      const down = theta.slice();
      up[t] += h;
      down[t] -= h;
      const gu = gradientOf(st, solve(st, up), method);
      const gd = gradientOf(st, solve(st, down), method);
      idx.forEach((k, b) => { H[b][a] = (gu[k] - gd[k]) / (2 * h); });
    });
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < a; b++) { const v = 0.5 * (H[a][b] + H[b][a]); H[a][b] = H[b][a] = v; }
    }
    return H;
  }

  // random_slopes._newton: Newton steps, the Hessian's eigenvalues made positive far from the
  // optimum, an Armijo line search; stops when the steps stop shrinking (the rounding floor).
  function newton(st, method, theta0, free, maxIter) {
    let theta = theta0.slice();
    const idx = free || theta.map((_, t) => t);
    let s = solve(st, theta);
    let f = devianceOf(st, s, method);
    let last = Infinity;
    for (let it = 0; it < (maxIter || 100); it++) {
      const gAll = gradientOf(st, s, method);
      const g = idx.map((t) => gAll[t]);
      const H = hessian(st, theta, method, idx);
      if (!g.every(Number.isFinite) || !H.every((r) => r.every(Number.isFinite))) {
        return { theta, converged: false };
      }
      const { values, vectors } = eigh(H);
      const scale = Math.max(Math.max.apply(null, values.map(Math.abs)), 1);
      const local = values[0] > 1e-8 * scale;
      const proj = values.map((v, k) => vectors.reduce((acc, row, i) => acc + row[k] * g[i], 0) /
        Math.max(Math.abs(v), 1e-8 * scale));
      const step = new Array(theta.length).fill(0);
      idx.forEach((t, i) => { step[t] = vectors[i].reduce((acc, v, k) => acc + v * proj[k], 0); });
      const size = Math.max.apply(null, step.map(Math.abs));
      const tiny = 1e-13 * Math.max(Math.max.apply(null, idx.map((t) => Math.abs(theta[t]))), 1e-8);
      const slope = -idx.reduce((acc, t, i) => acc + g[i] * step[t], 0);
      const rounding = local && -slope / 2 <= 1e-15 * Math.max(Math.abs(f), 1);
      // steps that stop shrinking mean the rounding floor only where the step predicts no real
      // decrease (near a boundary a full step can be followed by a longer one far from the optimum)
      const near = -slope / 2 <= 1e-9 * Math.max(Math.abs(f), 1);
      if (local && (size <= tiny || (size >= last && near))) return { theta, converged: true };
      let t = 1;
      let trial;
      let s1;
      let f1;
      for (;;) {
        trial = theta.map((v, k) => v - t * step[k]);
        s1 = solve(st, trial);
        f1 = devianceOf(st, s1, method);
        if (f1 <= f + 1e-4 * t * slope + (local ? 1e-13 * Math.abs(f) : 0)) break;
        t *= 0.5;
        if (t < 1e-12) return { theta, converged: local };
      }
      theta = trial;
      s = s1;
      f = f1;
      last = local && (t === 1 || rounding) ? size : Infinity;
    }
    return { theta, converged: false };
  }

  // random_slopes._moment_start
  function momentStart(st) {
    const q = st.q;
    const identity = st.rows.map((r, t) => (r === st.cols[t] ? 1 : 0));
    const ok = [];
    for (let j = 0; j < st.J; j++) {
      const ev = eigh(st.ZtZ[j]).values;
      if (ev[0] > 1e-8 * ev[q - 1] && st.n[j] > q) ok.push(j);
    }
    if (ok.length < q + 1) return identity;
    const bs = [];
    const invMean = zeros(q, q);
    let rss = 0;
    let dof = 0;
    ok.forEach((j) => {
      const inv = invLogdet(st.ZtZ[j]).inv;
      const b = matvec(inv, st.Zty[j]);
      bs.push(b);
      rss += st.yy[j] - dot(st.Zty[j], b);
      dof += st.n[j] - q;
      for (let a = 0; a < q; a++) for (let c = 0; c < q; c++) invMean[a][c] += inv[a][c] / ok.length;
    });
    const s2 = rss / dof;
    if (!(s2 > 0)) return identity;
    const mean = new Array(q).fill(0);
    bs.forEach((b) => b.forEach((v, a) => { mean[a] += v / bs.length; }));
    const S = zeros(q, q);
    bs.forEach((b) => {
      for (let a = 0; a < q; a++) {
        for (let c = 0; c < q; c++) S[a][c] += ((b[a] - mean[a]) * (b[c] - mean[c])) / (bs.length - 1);
      }
    });
    for (let a = 0; a < q; a++) for (let c = 0; c < q; c++) S[a][c] = S[a][c] / s2 - invMean[a][c];
    const sym = S.map((row, a) => row.map((v, c) => 0.5 * (v + S[c][a])));
    const { values, vectors } = eigh(sym);
    const top = values[q - 1];
    if (!(top > 0)) return identity;
    const D = zeros(q, q);
    for (let a = 0; a < q; a++) {
      for (let c = 0; c < q; c++) {
        let v = 0;
        for (let k = 0; k < q; k++) v += vectors[a][k] * Math.max(values[k], 1e-2 * top) * vectors[c][k];
        D[a][c] = v;
      }
    }
    const L = cholesky(D);
    if (!L) return identity;
    return st.rows.map((r, t) => L[r][st.cols[t]]);
  }

  // random_slopes._drop_column and _on_the_boundary
  function dropColumn(st, theta, i) {
    const L = lambdaOf(st, theta);
    L[i][i] = 0;
    const below = [];
    for (let r = i + 1; r < st.q; r++) { below.push(L[r][i]); L[r][i] = 0; }
    if (below.length) {
      const m = below.length;
      const S = zeros(m, m);
      for (let a = 0; a < m; a++) {
        for (let c = 0; c < m; c++) {
          let v = below[a] * below[c];
          for (let k = 0; k < m; k++) v += L[i + 1 + a][i + 1 + k] * L[i + 1 + c][i + 1 + k];
          S[a][c] = v;
        }
      }
      const C = cholesky(S);
      if (C) for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) L[i + 1 + a][i + 1 + c] = C[a][c];
    }
    const out = st.rows.map((r, t) => L[r][st.cols[t]]);
    const free = st.cols.map((c, t) => t).filter((t) => st.cols[t] !== i);
    return { theta: out, free };
  }

  function onTheBoundary(st, method, theta) {
    const f = (t) => devianceOf(st, solve(st, t), method);
    let fBest = f(theta);
    let best = theta;
    const L = lambdaOf(st, theta);
    let size = 0;
    L.forEach((row) => row.forEach((v) => { size = Math.max(size, Math.abs(v)); }));
    if (size <= 1e-6) {
      const zero = theta.map(() => 0);
      return f(zero) <= fBest + 1e-12 * Math.abs(fBest) ? zero : theta;
    }
    for (let i = 0; i < st.q; i++) {
      if (Math.abs(L[i][i]) > 1e-3 * size) continue;
      const start = dropColumn(st, best, i);
      const t = newton(st, method, start.theta, start.free).theta;
      const ft = f(t);
      if (ft <= fBest + 1e-12 * Math.abs(fBest)) { best = t; fBest = ft; }
    }
    return best;
  }

  // ---- the fit ---------------------------------------------------------------------------------
  // g: ppCore.prepare's grouped data with at least one covariate.
  function fitSlopes(g, method) {
    method = method === "ML" ? "ML" : "REML";
    const core = globalThis.ppCore;
    const fail = (msg) => { throw new core.InputError(g.source + ": " + msg); };
    const p = g.p;
    const q = 1 + p;
    if (g.J < 3) {
      fail("group column " + core.pyStr(g.names.group) + " has " + g.J + " group(s); at least 3 " +
        "are needed to estimate how intercepts and slopes vary");
    }
    for (let c = 0; c < p; c++) {
      let any = false;
      for (let j = 0; j < g.J && !any; j++) any = g.varies[j * p + c] === 1;
      if (!any) {
        fail("covariate " + core.pyStr(g.names.x[c]) + " is constant within every group of " +
          core.pyStr(g.names.group) + " (a group-level covariate): the within-group slope is " +
          "not identified");
      }
    }
    if (g.N <= q * g.J) {
      fail("too few observations (" + g.N + ") for an intercept and " + p + " slope(s) in each " +
        "of " + g.J + " groups of " + core.pyStr(g.names.group));
    }
    const st = stats(g);
    let { theta, converged } = newton(st, method, momentStart(st));
    if (!converged) {
      const again = newton(st, method, st.rows.map((r, t) => (r === st.cols[t] ? 1 : 0)), null, 300);
      theta = again.theta;
      converged = again.converged;
    }
    if (!converged) {
      fail("the " + method + " fit of the random slopes did not converge (Newton's method from " +
        "two starts); the package (partial_pooling.fit_random_slopes) has further safeguards");
    }
    theta = onTheBoundary(st, method, theta);
    const s = solve(st, theta);
    const sc = g.scaling;
    const dof = dofOf(st, method);
    const sigmaY2 = (sc.ys * sc.ys * s.rss) / dof;
    // T maps standardized coefficients to the data's units: (c_y, 0) + s_y T b
    const T = zeros(q, q);
    T[0][0] = 1;
    for (let c = 0; c < p; c++) {
      T[0][c + 1] = -sc.xc[c] / sc.xs[c];
      T[c + 1][c + 1] = 1 / sc.xs[c];
    }
    const toData = (b) => matvec(T, b).map((v, a) => sc.ys * v + (a === 0 ? sc.yc : 0));
    const fixed = toData(s.b);
    const TL = matmul(T, s.L);
    const Sigma = matmul(TL, transpose(TL)).map((row) => row.map((v) => sigmaY2 * v));
    const covFixed = matmul(matmul(T, s.Ainv), transpose(T)).map((row) => row.map((v) => sigmaY2 * v));
    const Lt = transpose(s.L);
    const coef = [];
    const ranef = [];
    const own = [];
    for (let j = 0; j < st.J; j++) {
      const resid = st.Zty[j].map((v, a) => v - dot(st.ZtZ[j][a], s.b));
      const u = matvec(s.Minv[j], matvec(Lt, resid));
      const re = matvec(TL, u).map((v) => sc.ys * v);
      ranef.push(re);
      coef.push(fixed.map((v, a) => v + re[a]));
      // the group's own least-squares line, where its covariates determine it
      let ownLine = null;
      let varies = true;
      for (let c = 0; c < p; c++) if (!g.varies[j * p + c]) varies = false;
      if (varies && st.n[j] > p) {
        const ev = eigh(st.ZtZ[j]).values;
        if (ev[0] > 1e-10 * ev[q - 1]) ownLine = toData(matvec(invLogdet(st.ZtZ[j]).inv, st.Zty[j]));
      }
      own.push(ownLine);
    }
    const complete = toData(matvec(invLogdet(st.XtX).inv, st.Xty));
    let offset = method === "ML" ? -st.N * Math.log(sc.ys) : -(st.N - q) * Math.log(sc.ys);
    if (method !== "ML") sc.xs.forEach((v) => { offset -= Math.log(v); });
    const sd = Sigma.map((row, a) => Math.sqrt(row[a]));
    const corr = Sigma.map((row, a) => row.map((v, c) => (sd[a] > 0 && sd[c] > 0 ? v / (sd[a] * sd[c]) : NaN)));
    return {
      model: "slopes",
      method: method,
      N: g.N,
      J: g.J,
      names: g.names,
      source: g.source,
      terms: ["Intercept"].concat(g.names.x),
      fixed: fixed,
      se_fixed: covFixed.map((row, a) => Math.sqrt(row[a])),
      cov: Sigma,
      sd: sd,
      corr: corr,
      sigma_y: Math.sqrt(sigmaY2),
      loglik: -0.5 * devianceOf(st, s, method) + offset,
      theta: theta,
      converged: converged,
      at_boundary: s.L.some((row, a) => row[a] === 0),
      labels: g.labels,
      n: Array.from(g.n),
      coef: coef,
      ranef: ranef,
      own: own,
      complete: complete,
    };
  }

  // cli.random_slopes_table(fit) as CSV: group, n_j, intercept_j, slope_<COL>_j..., a0_j,
  // a_<COL>_j...
  function slopesCSV(f) {
    const field = (s) => (/[",\r\n]/.test(s) || s !== s.trim() ? '"' + s.replace(/"/g, '""') + '"' : s);
    const num = (x) => (Number.isFinite(x) ? String(x) : "");
    const xs = f.names.x;
    const cols = ["group", "n_j", "intercept_j"].concat(xs.map((x) => "slope_" + x + "_j"),
      ["a0_j"], xs.map((x) => "a_" + x + "_j"));
    const out = [cols.map(field).join(",")];
    for (let j = 0; j < f.J; j++) {
      out.push([field(String(f.labels[j])), String(f.n[j])].concat(f.coef[j].map(num),
        f.ranef[j].map(num)).join(","));
    }
    return out.join("\r\n") + "\r\n";
  }

  globalThis.ppSlopes = { fitSlopes, slopesCSV, eigh };
})();
