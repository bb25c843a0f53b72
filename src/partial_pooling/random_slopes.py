"""Random slopes: when each group gets its own slopes, the slopes are partially pooled too.

$$
y_{ij} = (\\mu_0 + a_{0j}) + \\sum_{k=1}^{q-1}(\\mu_k + a_{kj})\\,x_{kij} + \\varepsilon_{ij},
\\qquad a_j \\sim N(0, \\Sigma),\\quad \\varepsilon_{ij} \\sim N(0, \\sigma_y^2),
$$

with a random intercept and $q - 1$ random slopes ($q = 2$: one covariate). With
$\\Sigma = \\sigma_y^2\\Lambda\\Lambda'$ ($\\Lambda$ lower triangular) the fixed effects
and $\\sigma_y^2$ profile out as in lme4, leaving a deviance in the $q(q+1)/2$ entries of
$\\Lambda$, computed from per-group $q\\times q$ cross-products. Each group's coefficients are
then shrunk toward $\\mu$ by a matrix weight: the $q$-dimensional version of $\\lambda_j$.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from .fits import RandomSlopesFit, described
from .grouped import (
    GroupedData,
    check_within_variation,
)
from .likelihood import LOG_2PI
from .on_data import on_data
from .threads import single_blas_thread
from .validation import Method, check_method, warn_not_converged

__all__ = ["coefficient_shrinkage", "fit_random_slopes", "group_ols"]


class _SlopeStats:
    """Per-group cross-products of $Z_j = [1, x^s_j]$ and $y^s_j$, standardized data.

    The fit is computed in standardized units (see `partial_pooling.grouped.Standardization`)
    so that it is the same in any units of $x$ and $y$, and mapped back at the end.
    """

    def __init__(self, g: GroupedData) -> None:
        Z = np.column_stack([np.ones(g.N), g.xs])
        y = g.ys
        q = Z.shape[1]
        self.q = q
        self.ZtZ = np.empty((g.J, q, q))
        for a in range(q):
            for b in range(a, q):
                self.ZtZ[:, a, b] = self.ZtZ[:, b, a] = g.group_sums(Z[:, a] * Z[:, b])
        self.Zty = g.group_sums(Z * y[:, None])
        self.yty = float(y @ y)
        self.yy = g.group_sums(y * y)
        self.n = g.n
        self.N = g.N
        self.XtX = self.ZtZ.sum(axis=0)
        self.Xty = self.Zty.sum(axis=0)
        self.rows, self.cols = np.tril_indices(q)
        self.units = np.zeros((self.rows.size, q, q))  # E_k: one lower-triangular entry each
        self.units[np.arange(self.rows.size), self.rows, self.cols] = 1.0


def _moment_start(st: _SlopeStats) -> np.ndarray:
    """A starting $\\theta$ from the moments of the per-group least-squares coefficients.

    With $\\hat b_j$ the coefficients of group $j$ alone and $s^2$ the pooled within-group
    residual variance, $E\\,\\mathrm{cov}(\\hat b_j) = \\Sigma + \\sigma_y^2\\,
    \\overline{(Z_j'Z_j)^{-1}}$ for groups of equal design, so
    $D_0 = \\mathrm{cov}(\\hat b_j)/s^2 - \\overline{(Z_j'Z_j)^{-1}}$ (eigenvalues raised to at
    least 1% of the largest) starts Newton's method near the optimum; for balanced data it is
    the REML optimum itself. Groups whose $Z_j'Z_j$ is singular are left out; with fewer
    than $q + 1$ usable groups the start is $\\Lambda = I$.
    """
    q, C = st.q, st.ZtZ
    eig = np.linalg.eigvalsh(C)
    ok = (eig[:, 0] > 1e-8 * eig[:, -1]) & (st.n > q)
    identity = np.eye(q)[st.rows, st.cols]
    if ok.sum() < q + 1:
        return identity
    b = np.linalg.solve(C[ok], st.Zty[ok][:, :, None])[:, :, 0]
    rss = st.yy[ok] - np.einsum("ja,ja->j", st.Zty[ok], b)
    s2 = float(rss.sum() / (st.n[ok] - q).sum())
    if not s2 > 0:
        return identity
    S = np.atleast_2d(np.cov(b.T)) / s2 - np.linalg.inv(C[ok]).mean(axis=0)
    w, V = np.linalg.eigh(0.5 * (S + S.T))
    if not w[-1] > 0:
        return identity
    L = np.linalg.cholesky((V * np.maximum(w, 1e-2 * w[-1])) @ V.T)
    return L[st.rows, st.cols]


def _lambda(st: _SlopeStats, theta: np.ndarray) -> np.ndarray:
    L = np.zeros((st.q, st.q))
    L[st.rows, st.cols] = theta
    return L


@dataclass(frozen=True)
class _Solved:
    """The profiled quantities at one value of theta (and products the gradient reuses)."""

    A: np.ndarray
    b: np.ndarray
    rss: float
    logdet_M: float
    Minv: np.ndarray
    L: np.ndarray
    P: np.ndarray  # L'Z_j'Z_j, (J, q, q)
    MinvP: np.ndarray  # M_j^{-1} L'Z_j'Z_j


def _solve(st: _SlopeStats, theta: np.ndarray) -> _Solved:
    L = _lambda(st, theta)
    P = L.T @ st.ZtZ  # L' Z'Z, batched over groups
    M = P @ L
    M[:, np.arange(st.q), np.arange(st.q)] += 1.0  # I + L'Z'Z L
    Minv = np.linalg.inv(M)
    MinvP = Minv @ P
    LtZty = st.Zty @ L  # (J, q): L' Z'y
    h = (Minv @ LtZty[:, :, None])[:, :, 0]  # M^-1 L'Z'y
    A = st.XtX - (P.transpose(0, 2, 1) @ MinvP).sum(axis=0)
    g = st.Xty - (P * h[:, :, None]).sum(axis=(0, 1))
    yWy = st.yty - float((LtZty * h).sum())
    b = np.linalg.solve(A, g)
    rss = max(yWy - float(g @ b), 1e-300)
    logdet_M = float(np.linalg.slogdet(M)[1].sum())
    return _Solved(A=A, b=b, rss=rss, logdet_M=logdet_M, Minv=Minv, L=L, P=P, MinvP=MinvP)


def _dof(st: _SlopeStats, method: Method) -> int:
    return st.N if method == "ML" else st.N - st.q


def _deviance(st: _SlopeStats, theta: np.ndarray, method: Method) -> float:
    return _deviance_of(st, _solve(st, theta), method)


def _deviance_of(st: _SlopeStats, s: _Solved, method: Method) -> float:
    dof = _dof(st, method)
    dev = dof * (1 + LOG_2PI + np.log(s.rss / dof)) + s.logdet_M
    if method == "REML":
        dev += float(np.linalg.slogdet(s.A)[1])
    return float(dev)


def _gradient_of(
    st: _SlopeStats, s: _Solved, method: Method, terms: _Terms | None = None
) -> np.ndarray:
    """The exact gradient of the profiled deviance in $\\theta$.

    With $D = \\Lambda\\Lambda'$ and, per group, $K_j = Z_j'(I + Z_jDZ_j')^{-1}Z_j$ and
    $u_j = Z_j'(I + Z_jDZ_j')^{-1}(y_j - X_j\\hat b)$ ($q\\times q$ and $q$-vectors, by the
    Woodbury identity from $Z_j'Z_j$), the deviance has the derivative
    $\\operatorname{tr}(G\\,dD)$ with
    $G = \\sum_j K_j - \\frac{\\nu}{\\mathrm{RSS}}\\sum_j u_ju_j'$
    ($\\nu = N$ for ML, $N - q$ for REML), less $\\sum_j K_jA^{-1}K_j$ for REML (here
    $X_j = Z_j$). By the chain rule through $D = \\Lambda\\Lambda'$ the gradient in
    $\\Lambda$ is $2G\\Lambda$; $\\theta$ holds its lower triangle.
    """
    t = _gradient_terms(st, s, method) if terms is None else terms
    dL = 2.0 * t.G @ s.L
    return np.asarray(dL[st.rows, st.cols])


@dataclass(frozen=True)
class _Terms:
    """What the gradient and the Hessian share at one solve (see `_gradient_of`)."""

    K: np.ndarray  # (J, q, q)
    u: np.ndarray  # (J, q)
    G: np.ndarray  # (q, q)
    Ainv: np.ndarray  # (q, q)


def _gradient_terms(st: _SlopeStats, s: _Solved, method: Method) -> _Terms:
    L = s.L
    # K_j = Z'Z - Z'Z L M^-1 L'Z'Z = Z'Z - P' M^-1 P, with P = L'Z'Z from the solve
    K = st.ZtZ - s.P.transpose(0, 2, 1) @ s.MinvP
    w = st.Zty - (st.ZtZ @ s.b)  # Z_j'(y_j - X_j b)
    u = w - (s.MinvP.transpose(0, 2, 1) @ (w @ L)[:, :, None])[:, :, 0]
    Ainv = np.linalg.inv(s.A)
    G = K.sum(axis=0) - (_dof(st, method) / s.rss) * (u.T @ u)
    if method == "REML":
        G = G - (K @ Ainv @ K).sum(axis=0)
    return _Terms(K=K, u=u, G=G, Ainv=Ainv)


def _hessian_of(
    st: _SlopeStats, s: _Solved, method: Method, terms: _Terms | None = None
) -> np.ndarray:
    """The exact Hessian of the profiled deviance in $\\theta$, from per-group cross-products.

    With $K_j$, $u_j$, $G$ and $\\nu$ as in `_gradient_of` and $r$ the penalized residual sum of
    squares, the deviance $\\nu\\log r + \\sum_j\\log|V_j| + \\log|A|$ (the last term for
    REML only; $A = \\sum_j K_j$, $V_j = I + Z_jDZ_j'$) has, along directions $\\Delta_k$,
    $\\Delta_l$ of $D$ ($X_j = Z_j$):

    * $\\partial_k r = -\\sum_j u_j'\\Delta_k u_j$ and
      $\\partial_{kl} r = 2\\big(\\sum_j u_j'\\Delta_k K_j\\Delta_l u_j - v_k'A^{-1}v_l\\big)$
      with $v_k = \\sum_j K_j\\Delta_k u_j$;
    * $\\partial_{kl}\\sum_j\\log|V_j| = -\\sum_j\\operatorname{tr}(K_j\\Delta_k K_j\\Delta_l)$;
    * $\\partial_k A = -\\sum_j K_j\\Delta_k K_j$ and
      $\\partial_{kl}\\log|A| = -\\operatorname{tr}(A^{-1}\\partial_k A\\,A^{-1}\\partial_l A)
      + \\sum_j\\operatorname{tr}(A^{-1}K_j(\\Delta_k K_j\\Delta_l + \\Delta_l K_j\\Delta_k)K_j)$.

    Through $D = \\Lambda\\Lambda'$, entry $k$ of $\\theta$ moves $D$ along
    $\\Delta_k = E_k\\Lambda' + \\Lambda E_k'$ ($E_k$ the unit lower-triangular entry) and adds
    the curvature of the map itself, $\\operatorname{tr}(G(E_kE_l' + E_lE_k'))$. ``terms``
    are those of the same solve, when the caller has them already (`_newton`).
    """
    t = _gradient_terms(st, s, method) if terms is None else terms
    L, K, u, G, Ainv = s.L, t.K, t.u, t.G, t.Ainv
    nu, r = _dof(st, method), s.rss
    E = st.units
    dD = E @ L.T
    dD = dD + dD.transpose(0, 2, 1)  # Delta_k = E_k L' + L E_k'
    dDu = np.einsum("kab,jb->jka", dD, u)  # Delta_k u_j
    dr = -np.einsum("ja,jka->k", u, dDu)
    KdD = np.einsum("jab,kbc->jkac", K, dD)  # K_j Delta_k
    H = -np.einsum("jkab,jlba->kl", KdD, KdD)
    v = np.einsum("jab,jkb->ka", K, dDu)
    d2r = 2.0 * (np.einsum("jka,jab,jlb->kl", dDu, K, dDu) - v @ Ainv @ v.T)
    H += nu * (d2r / r - np.outer(dr, dr) / r**2)
    if method == "REML":
        B = K @ Ainv @ K
        AdA = Ainv @ -np.einsum("jkab,jbc->kac", KdD, K)
        H -= np.einsum("kab,lba->kl", AdA, AdA)
        T = np.einsum("jkab,jbc,lca->kl", KdD, B, dD)
        H += T + T.T
    H += 2.0 * np.einsum("ab,kbc,lac->kl", G, E, E)
    return np.asarray(0.5 * (H + H.T))


def _newton(
    st: _SlopeStats,
    method: Method,
    theta: np.ndarray,
    free: list[int] | None = None,
    max_iter: int = 100,
) -> tuple[np.ndarray, bool]:
    """Minimize the profiled deviance by Newton steps on its exact gradient and Hessian.

    Far from the optimum the Hessian may not be positive definite: its eigenvalues are then
    replaced by their absolute values (bounded away from 0), which keeps every step a descent
    direction, and a backtracking line search (Armijo) keeps the deviance decreasing. Near the
    optimum the steps are plain Newton steps and converge quadratically; the iteration stops
    when they no longer shrink (the rounding floor; a step the line search shortened counts
    when its Newton decrement is below 1e-15 of the deviance) or fall below 1e-13 of
    $\\theta$. Only the entries ``free`` (default: all) move. Returns $\\theta$ and whether it
    converged.
    """
    theta = np.array(theta, dtype=float)
    idx = np.arange(theta.size) if free is None else np.asarray(free, dtype=int)
    s = _solve(st, theta)
    f = _deviance_of(st, s, method)
    last = np.inf
    for _ in range(max_iter):
        terms = _gradient_terms(st, s, method)  # shared by the gradient and the Hessian
        g = _gradient_of(st, s, method, terms)[idx]
        H = _hessian_of(st, s, method, terms)[np.ix_(idx, idx)]
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
            return theta, False
        ev, vec = np.linalg.eigh(H)
        scale = max(float(np.abs(ev).max()), 1.0)
        local = bool(ev.min() > 1e-8 * scale)
        step = np.zeros(theta.size)
        step[idx] = vec @ ((vec.T @ g) / np.maximum(np.abs(ev), 1e-8 * scale))
        size = float(np.abs(step).max())
        tiny = 1e-13 * max(float(np.abs(theta[idx]).max()), 1e-8)
        slope = -float(g @ step[idx])
        # the Newton decrement -slope / 2 predicts how much the step lowers the deviance; below
        # 1e-15 of it the line search sees rounding, and may shorten a step for no reason
        rounding = local and -slope / 2 <= 1e-15 * max(abs(f), 1.0)
        # steps that stop shrinking mean the rounding floor only where the step predicts no
        # real decrease: near a boundary (a diagonal entry of Lambda tending to 0) a full step
        # can be followed by a longer one far from the optimum
        near = -slope / 2 <= 1e-9 * max(abs(f), 1.0)
        if local and (size <= tiny or (size >= last and near)):
            return theta, True
        t = 1.0
        while True:
            trial = theta - t * step
            s1 = _solve(st, trial)
            f1 = _deviance_of(st, s1, method)
            if f1 <= f + 1e-4 * t * slope + (1e-13 * abs(f) if local else 0.0):
                break
            t *= 0.5
            if t < 1e-12:
                return theta, local  # no decrease: at the rounding floor, or stuck
        theta, s, f = trial, s1, f1
        # steps that stop shrinking mark the rounding floor: full Newton steps, or steps the line
        # search shortened at the rounding level (how far rounding reaches depends on the CPU's
        # BLAS kernels: counting only full steps looped to max_iter on one of them)
        last = size if local and (t == 1.0 or rounding) else np.inf
    return theta, False


def _drop_column(st: _SlopeStats, theta: np.ndarray, i: int) -> tuple[np.ndarray, list[int]]:
    """$\\theta$ with column ``i`` of $\\Lambda$ zeroed and the same $\\Lambda\\Lambda'$ beyond it.

    Column ``i`` of $\\Lambda$ with a zero diagonal only adds $ll'$ to the block below and right
    of ``i``; that block is factored again (Cholesky) so $\\Sigma$ is unchanged. Returns the new
    $\\theta$ and the indices of its entries that stay free (all but column ``i``).
    """
    L = _lambda(st, theta)
    L[i, i] = 0.0
    below = L[i + 1 :, i].copy()
    L[:, i] = 0.0
    if below.size:
        block = L[i + 1 :, i + 1 :]
        S = block @ block.T + np.outer(below, below)
        try:
            L[i + 1 :, i + 1 :] = np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            L[i + 1 :, i + 1 :] = block  # leave it: not a better start
    new = L[st.rows, st.cols]
    free = [k for k, c in enumerate(st.cols) if c != i]
    return new, free


def _on_the_boundary(st: _SlopeStats, method: Method, theta: np.ndarray) -> np.ndarray:
    """Snap an optimum that lies on the boundary (a singular $\\Sigma$) onto it exactly.

    $\\Sigma \\propto \\Lambda\\Lambda'$ is singular when a diagonal entry of $\\Lambda$ is 0.
    There the deviance is flat across the boundary and Newton steps stall short of it; the
    optimum over the free entries of the boundary model (that column of $\\Lambda$ dropped, see
    `_drop_column`) is again a zero of the gradient, which Newton steps find exactly. It is
    kept when its deviance is as low as the unconstrained one's (to rounding).
    """

    def f(t: np.ndarray) -> float:
        return _deviance(st, t, method)

    f_best = f(theta)
    best = theta
    L = _lambda(st, theta)
    size = float(np.abs(L).max())
    if size <= 1e-6:  # no group variation at all
        zero = np.zeros_like(theta)
        return zero if f(zero) <= f_best + 1e-12 * abs(f_best) else theta
    for i in range(st.q):
        if abs(L[i, i]) > 1e-3 * size:
            continue
        start, free = _drop_column(st, best, i)
        t, _ = _newton(st, method, start, free)
        ft = f(t)
        if ft <= f_best + 1e-12 * abs(f_best):
            best, f_best = t, ft
    return best


@single_blas_thread
def _fit_random_slopes(g: GroupedData, method: Method = "REML") -> RandomSlopesFit:
    """Fit a random intercept and correlated random slopes of one or more covariates, exactly.

    Minimizes the profiled deviance in $\\theta$ (the $q(q+1)/2$ entries of $\\Lambda$,
    $\\Sigma = \\sigma_y^2\\Lambda\\Lambda'$, $q = 1 +$ the number of covariates) by Newton's
    method on its exact gradient and Hessian (`_hessian_of`, no finite differences), started
    from the moments of the per-group least-squares fits (`_moment_start`); BFGS and
    Nelder-Mead are a safeguard should Newton's method not converge. On the boundary (a
    singular $\\hat\\Sigma$) the boundary model is solved again by Newton steps, so the
    variance components reach the optimum to rounding. The
    data are standardized first and the results mapped back: the fit is the same in any units
    of $x$ and $y$. The conditional modes are

    $$
    \\hat a_j = \\Lambda(\\Lambda'Z_j'Z_j\\Lambda + I)^{-1}\\Lambda'Z_j'(y_j - Z_j\\hat\\mu).
    $$

    Parameters
    ----------
    y, group : str
        Response and grouping columns.
    method : {"REML", "ML"}

    Returns
    -------
    RandomSlopesFit
    """
    method = check_method(method)
    group = g.group_name
    if not g.p:
        raise ValueError("fit_random_slopes needs at least one covariate x")
    if g.J < 3:
        raise ValueError(
            f"group column {group!r} has {g.J} group(s); at least 3 are needed to estimate "
            "how intercepts and slopes vary"
        )
    check_within_variation(g)
    q = 1 + g.p
    if g.N <= q * g.J:
        raise ValueError(
            f"too few observations ({g.N}) for an intercept and {g.p} slope(s) in each of "
            f"{g.J} groups of {group!r}"
        )
    st = _SlopeStats(g)

    def dev(t: np.ndarray) -> float:
        return _deviance(st, t, method)

    def dev_and_grad(t: np.ndarray) -> tuple[float, np.ndarray]:
        solved = _solve(st, t)  # shared by the value and the gradient
        return _deviance_of(st, solved, method), _gradient_of(st, solved, method)

    theta, converged = _newton(st, method, _moment_start(st))
    if not converged:  # a safeguard: BFGS (then Nelder-Mead) from the start, Newton to finish
        best = optimize.minimize(
            dev_and_grad,
            np.eye(q)[st.rows, st.cols],
            jac=True,
            method="BFGS",
            options={"gtol": 1e-4, "maxiter": 2000},
        )
        theta0 = best.x
        if not best.success and float(np.abs(best.jac).max()) > 1e-3 * max(1.0, abs(best.fun)):
            nm = optimize.minimize(
                dev,
                best.x,
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000},
            )
            theta0 = nm.x if nm.fun < best.fun else best.x
        theta, converged = _newton(st, method, theta0)
        if not converged:
            warn_not_converged(f"the {method} fit of the random slopes (Newton after BFGS)")
    theta = _on_the_boundary(st, method, theta)
    s = _solve(st, theta)
    sc = g.scaling
    sigma_y2 = sc.y_scale**2 * float(s.rss) / _dof(st, method)
    L = s.L
    b = s.b
    labels_mu = ["Intercept", *g.x_names]
    # back to the data's units: (intercept, slopes) = (c_y, 0) + s_y T b
    T = sc.T
    fixed_v = sc.y_scale * (T @ b)
    fixed_v[0] += sc.y_centre
    fixed = pd.Series(fixed_v, index=labels_mu, name="estimate")
    cov_fixed = sc.fixed_cov(np.linalg.inv(s.A), sigma_y2)
    Sigma = sigma_y2 * (T @ L @ L.T @ T.T)
    resid = st.Zty - np.einsum("jab,b->ja", st.ZtZ, b)  # Z_j'(y_j - Z_j b), standardized
    u = np.einsum("jab,jb->ja", s.Minv, resid @ L)
    ranef = sc.y_scale * (u @ L.T @ T.T)
    labels = g.labels.copy()
    return RandomSlopesFit(
        method=method,
        **described(g),
        fixed=fixed,
        se_fixed=pd.Series(np.sqrt(np.diag(cov_fixed)), index=labels_mu, name="se"),
        cov_fixed=pd.DataFrame(cov_fixed, index=labels_mu, columns=labels_mu),
        cov=pd.DataFrame(Sigma, index=labels_mu, columns=labels_mu),
        sigma_y=float(np.sqrt(sigma_y2)),
        loglik=-0.5 * _deviance_of(st, s, method) + sc.loglik_offset(g.N, method),
        coef=pd.DataFrame(fixed.to_numpy() + ranef, index=labels, columns=labels_mu),
        ranef=pd.DataFrame(ranef, index=labels, columns=labels_mu),
        n=pd.Series(g.n.astype(int), index=labels, name="n"),
        theta=np.asarray(theta),
        converged=converged,
    )


fit_random_slopes = on_data(_fit_random_slopes, covariates="some")


@single_blas_thread
def _group_ols(g: GroupedData) -> pd.DataFrame:
    """No pooling for intercepts and slopes: a least-squares fit within every group alone.

    For one or several covariates: in each group $j$, $\\hat b_j = S_j^{-1}s_j$ from the
    within-group cross-products $S_j = \\sum_i (x_{ij} - \\bar x_j)(x_{ij} - \\bar x_j)'$ and
    $s_j = \\sum_i (x_{ij} - \\bar x_j)(y_{ij} - \\bar y_j)$ of the standardized data, and the
    intercept $\\bar y_j - \\bar x_j'\\hat b_j$, mapped back to the data's units.

    Returns
    -------
    pandas.DataFrame
        Indexed by group, columns ``"Intercept"`` and the covariates; NaN for a group whose
        slopes are not determined: a covariate that does not vary in it (checked exactly),
        or covariates collinear within it (the smallest eigenvalue of the correlation
        matrix of $S_j$ below 1e-10), as when $n_j \\le$ the number of covariates.
    """
    if not g.p:
        raise ValueError("group_ols needs at least one covariate x")
    sc, p = g.scaling, g.p
    xbar, ybar = g.xbar_s, g.ybar_s
    xc = g.xs - xbar[g.codes]
    yc = g.ys - ybar[g.codes]
    S = np.empty((g.J, p, p))
    for a in range(p):
        for b in range(a, p):
            S[:, a, b] = S[:, b, a] = g.group_sums(xc[:, a] * xc[:, b])
    s = g.group_sums(xc * yc[:, None])
    ok = np.all(g.varies_within, axis=1)  # every covariate varies in the group (exact)
    d = np.sqrt(np.diagonal(S, axis1=1, axis2=2)[ok])
    ok[ok] = np.linalg.eigvalsh(S[ok] / (d[:, :, None] * d[:, None, :]))[:, 0] > 1e-10
    slope_s = np.full((g.J, p), np.nan)
    slope_s[ok] = np.linalg.solve(S[ok], s[ok][:, :, None])[:, :, 0]
    slope = sc.y_scale * slope_s / sc.x_scale
    intercept = (
        sc.y_centre + sc.y_scale * (ybar - (slope_s * xbar).sum(axis=1)) - slope @ sc.x_centre
    )
    out = pd.DataFrame(slope, index=g.labels.copy(), columns=list(g.x_names))
    out.insert(0, "Intercept", intercept)
    return out


group_ols = on_data(_group_ols, covariates="some")


@single_blas_thread
def _coefficient_shrinkage(g: GroupedData, method: Method = "REML") -> pd.DataFrame:
    """How far each group's coefficients move toward the population: the matrix $\\lambda_j$.

    Fits the random-slopes model (`fit_random_slopes`) and, for each group, its matrix weight

    $$
    K_j = \\big(\\hat\\Sigma^{-1} + A_j\\big)^{-1} A_j
    = \\big(I + \\hat\\Sigma A_j\\big)^{-1}\\hat\\Sigma A_j,
    \\qquad A_j = Z_j'Z_j/\\hat\\sigma_y^2,
    $$

    with $Z_j = [1, x_j]$, so that $\\hat b_j = \\hat\\mu + K_j(\\hat b_j^{OLS} - \\hat\\mu)$.
    Its eigenvalues lie in $[0, 1)$ and depend on the group's design and the variance
    components only, not on its responses: the $q$-dimensional $\\lambda_j$. Distances are
    measured in the metric of the fitted population, $d(b) = \\sqrt{(b - \\hat\\mu)'
    \\hat\\Sigma^{-1}(b - \\hat\\mu)}$ (a pseudo-inverse when $\\hat\\Sigma$ is singular),
    which does not depend on the units of $x$ and $y$.

    Parameters
    ----------
    data, y, group, x, method
        As for `fit_random_slopes`.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``n`` ($n_j$), ``distance_own`` ($d$ of the group's own
        least-squares coefficients, NaN where they are not determined), ``distance_pooled``
        ($d$ of its partially pooled coefficients), ``kept`` (their ratio: the fraction of its
        own distance from $\\hat\\mu$ that the group keeps), ``k_min`` and ``k_max`` (the
        smallest and largest eigenvalue of $K_j$).
    """
    fit = _fit_random_slopes(g, method)
    names = list(fit.fixed.index)
    Z = np.column_stack([np.ones(g.N), g.x])
    q = Z.shape[1]
    ZtZ = np.empty((g.J, q, q))
    for a in range(q):
        for b in range(a, q):
            ZtZ[:, a, b] = ZtZ[:, b, a] = g.group_sums(Z[:, a] * Z[:, b])
    Sigma = fit.cov.to_numpy()
    SA = Sigma @ ZtZ / fit.sigma_y**2  # (J, q, q)
    K = np.linalg.solve(np.eye(q) + SA, SA)
    eig = np.sort(np.linalg.eigvals(K).real, axis=1)
    prec = np.linalg.pinv(Sigma, hermitian=True)
    mu = fit.fixed.to_numpy()
    own = _group_ols(g).reindex(fit.coef.index)[names].to_numpy() - mu
    pooled = fit.coef[names].to_numpy() - mu
    d_own = np.sqrt(np.maximum(np.einsum("ja,ab,jb->j", own, prec, own), 0.0))
    d_pooled = np.sqrt(np.maximum(np.einsum("ja,ab,jb->j", pooled, prec, pooled), 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        kept = d_pooled / d_own
    return pd.DataFrame(
        {
            "n": fit.n.to_numpy(),
            "distance_own": d_own,
            "distance_pooled": d_pooled,
            "kept": kept,
            "k_min": eig[:, 0],
            "k_max": eig[:, -1],
        },
        index=fit.coef.index,
    )


coefficient_shrinkage = on_data(_coefficient_shrinkage, covariates="some")
