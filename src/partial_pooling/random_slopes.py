"""Random slopes: when each group gets its own slope, the slope is partially pooled too.

$$
y_{ij} = (\\mu_0 + a_{0j}) + (\\mu_1 + a_{1j})\\,x_{ij} + \\varepsilon_{ij},\\qquad
\\begin{pmatrix}a_{0j}\\\\ a_{1j}\\end{pmatrix} \\sim N(0, \\Sigma),\\quad
\\varepsilon_{ij} \\sim N(0, \\sigma_y^2).
$$

With $\\Sigma = \\sigma_y^2\\Lambda\\Lambda'$ ($\\Lambda$ lower triangular) the
fixed effects and $\\sigma_y^2$ profile out as in lme4, leaving a deviance in the three
entries of $\\Lambda$, computed from per-group $2\\times2$ cross-products. Each
group's pair (intercept, slope) is then shrunk toward $(\\mu_0, \\mu_1)$ by a matrix
weight: the two-dimensional version of $\\lambda_j$.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from .grouped import ColumnName, GroupedData, check_within_variation, group_data, one_covariate
from .likelihood import LOG_2PI, Method, _check_method

__all__ = ["RandomSlopesFit", "fit_random_slopes", "group_ols"]


@dataclass(frozen=True, eq=False)
class RandomSlopesFit:
    """A fitted model with a correlated random intercept and slope.

    Attributes
    ----------
    method : {"ML", "REML"}
    mu : pandas.Series
        Population intercept and slope $(\\hat\\mu_0, \\hat\\mu_1)$, indexed
        ``"Intercept"`` and the covariate name.
    se : pandas.Series
        Their standard errors (conditional on the variance components, as in lme4).
    cov_fixed : pandas.DataFrame
        Covariance matrix of $\\hat\\mu$.
    cov : pandas.DataFrame
        $\\hat\\Sigma$, the 2x2 covariance of the group intercepts and slopes.
    sigma_y : float
        Residual SD $\\hat\\sigma_y$.
    loglik : float
        Log-likelihood (REML for REML fits) with lme4's constant.
    coef : pandas.DataFrame
        Each group's partially pooled intercept and slope $\\hat\\mu + \\hat a_j$, indexed
        by group, with the columns of ``mu``.
    ranef : pandas.DataFrame
        The conditional modes $\\hat a_j$.
    n : pandas.Series
        Group sizes.
    """

    method: str
    group_name: ColumnName
    x_name: ColumnName
    mu: pd.Series
    se: pd.Series
    cov_fixed: pd.DataFrame
    cov: pd.DataFrame
    sigma_y: float
    loglik: float
    coef: pd.DataFrame
    ranef: pd.DataFrame
    n: pd.Series
    theta: np.ndarray

    @property
    def sd(self) -> pd.Series:
        """SDs of the group intercepts and slopes."""
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.cov.index, name="sd")

    @property
    def corr(self) -> float:
        """Correlation of the group intercepts and slopes."""
        c = self.cov.to_numpy()
        denom = np.sqrt(c[0, 0] * c[1, 1])
        return float(c[0, 1] / denom) if denom > 0 else float("nan")

    def summary(self) -> str:
        """A readable summary in the style of lme4's ``print(fit)``."""
        sd = self.sd
        names = list(self.mu.index)
        lines = [
            f"Random intercept and slope model fit by {self.method}",
            f"Groups ({self.group_name}): {len(self.n)}, observations: {int(self.n.sum())}",
            f"{'REML log-likelihood' if self.method == 'REML' else 'Log-likelihood'}: "
            f"{self.loglik:.4f}",
            "",
            "Random effects:",
            f"  {self.group_name:<12}{names[0]:<12}{sd.iloc[0]:>10.4f}",
            f"  {'':<12}{names[1]:<12}{sd.iloc[1]:>10.4f}   corr {self.corr:.3f}",
            f"  {'Residual':<24}{self.sigma_y:>10.4f}",
            "",
            "Fixed effects:",
        ]
        for name in names:
            lines.append(f"  {name:<12}{self.mu[name]:>12.4f}{self.se[name]:>12.4f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


class _SlopeStats:
    """Per-group cross-products of $Z_j = [1, x^s_j]$ and $y^s_j$, standardized data.

    The fit is computed in standardized units (see `partial_pooling.grouped.Standardization`)
    so that it is the same in any units of $x$ and $y$, and mapped back at the end.
    """

    def __init__(self, g: GroupedData) -> None:
        x = g.xs[:, 0]
        y = g.ys
        n = g.n
        sx = g.group_sums(x)
        sxx = g.group_sums(x * x)
        self.ZtZ = np.empty((g.J, 2, 2))
        self.ZtZ[:, 0, 0] = n
        self.ZtZ[:, 0, 1] = self.ZtZ[:, 1, 0] = sx
        self.ZtZ[:, 1, 1] = sxx
        self.Zty = np.column_stack([g.group_sums(y), g.group_sums(x * y)])
        self.yty = float(y @ y)
        self.N = g.N
        self.XtX = self.ZtZ.sum(axis=0)
        self.Xty = self.Zty.sum(axis=0)


def _lambda(theta: np.ndarray) -> np.ndarray:
    return np.array([[theta[0], 0.0], [theta[1], theta[2]]])


@dataclass(frozen=True)
class _Solved:
    """The profiled quantities at one value of theta."""

    A: np.ndarray
    b: np.ndarray
    rss: float
    logdet_M: float
    Minv: np.ndarray
    L: np.ndarray


def _solve(st: _SlopeStats, theta: np.ndarray) -> _Solved:
    L = _lambda(theta)
    LtZtZ = np.einsum("ba,jbc->jac", L, st.ZtZ)  # L' Z'Z
    M = np.eye(2) + LtZtZ @ L  # I + L'Z'Z L
    Minv = np.linalg.inv(M)
    # K_j = Z'Z L M^-1 L' Z'Z, etc. via the shared factor L' Z'Z
    LtZty = st.Zty @ L  # (J,2): L' Z'y
    A = st.XtX - np.einsum("jab,jbc,jcd->ad", LtZtZ.transpose(0, 2, 1), Minv, LtZtZ)
    g = st.Xty - np.einsum("jab,jbc,jc->a", LtZtZ.transpose(0, 2, 1), Minv, LtZty)
    yWy = st.yty - float(np.einsum("ja,jab,jb->", LtZty, Minv, LtZty))
    b = np.linalg.solve(A, g)
    rss = max(yWy - float(g @ b), 1e-300)
    logdet_M = float(np.linalg.slogdet(M)[1].sum())
    return _Solved(A=A, b=b, rss=rss, logdet_M=logdet_M, Minv=Minv, L=L)


def _deviance(st: _SlopeStats, theta: np.ndarray, method: Method) -> float:
    s = _solve(st, theta)
    dof = st.N if method == "ML" else st.N - 2
    dev = dof * (1 + LOG_2PI + np.log(s.rss / dof)) + s.logdet_M
    if method == "REML":
        dev += float(np.linalg.slogdet(s.A)[1])
    return float(dev)


def _gradient(st: _SlopeStats, theta: np.ndarray, method: Method) -> np.ndarray:
    """The exact gradient of the profiled deviance in $\\theta$.

    With $D = \\Lambda\\Lambda'$ and, per group, $K_j = Z_j'(I + Z_jDZ_j')^{-1}Z_j$ and
    $u_j = Z_j'(I + Z_jDZ_j')^{-1}(y_j - X_j\\hat b)$ (both $2\\times2$ or 2-vectors, by the
    Woodbury identity from $Z_j'Z_j$), the deviance has the derivative
    $\\operatorname{tr}(G\\,dD)$ with
    $G = \\sum_j K_j - \\frac{\\nu}{\\mathrm{RSS}}\\sum_j u_ju_j'$
    ($\\nu = N$ for ML, $N - 2$ for REML), less $\\sum_j K_jA^{-1}K_j$ for REML (here
    $X_j = Z_j$). By the chain rule through $D = \\Lambda\\Lambda'$ the gradient in
    $\\Lambda$ is $2G\\Lambda$; $\\theta$ holds its lower triangle.
    """
    s = _solve(st, theta)
    L = s.L
    ZtZL = st.ZtZ @ L  # Z'Z L
    ZtZLMinv = ZtZL @ s.Minv
    K = st.ZtZ - ZtZLMinv @ ZtZL.transpose(0, 2, 1)
    w = st.Zty - np.einsum("jab,b->ja", st.ZtZ, s.b)  # Z_j'(y_j - X_j b)
    u = w - np.einsum("jab,jb->ja", ZtZLMinv, w @ L)
    dof = st.N if method == "ML" else st.N - 2
    G = K.sum(axis=0) - (dof / s.rss) * (u.T @ u)
    if method == "REML":
        G = G - np.einsum("jab,bc,jcd->ad", K, np.linalg.inv(s.A), K)
    dL = 2.0 * G @ L
    return np.array([dL[0, 0], dL[1, 0], dL[1, 1]])


def _newton_polish(
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    theta: np.ndarray,
    free: list[int] | None = None,
) -> np.ndarray:
    """Solve $\\nabla f = 0$ by Newton steps on the exact gradient.

    Minimizing f alone stops where f is flat to rounding, about sqrt(eps) from the optimum in
    theta; zeroing the exact gradient gets to rounding of theta itself. The Hessian is taken by
    central differences of the gradient and kept while the steps shrink (a chord iteration): an
    inexact Hessian only slows the iteration, it does not move the zero it converges to. Only
    the entries ``free`` (default: all) move.
    """
    theta = np.array(theta, dtype=float)
    idx = list(range(theta.size)) if free is None else list(free)
    k = len(idx)

    def hessian(at: np.ndarray) -> np.ndarray:
        h = 1e-6 * np.maximum(np.abs(at[idx]), 1e-2)
        H = np.empty((k, k))
        for i in range(k):
            e = np.zeros(at.size)
            e[idx[i]] = h[i]
            H[:, i] = (grad(at + e)[idx] - grad(at - e)[idx]) / (2 * h[i])
        return 0.5 * (H + H.T)

    H = hessian(theta)
    if not np.all(np.linalg.eigvalsh(H) > 0):
        return theta
    f0 = f(theta)
    last = np.inf
    for _ in range(30):
        step = np.zeros(theta.size)
        step[idx] = np.linalg.solve(H, grad(theta)[idx])
        size = float(np.abs(step[idx]).max())
        if size >= last:  # no longer shrinking: at the rounding floor (or a stale Hessian)
            break
        f1 = f(theta - step)
        if f1 > f0 + 1e-12 * abs(f0):
            break
        theta, f0, last = theta - step, f1, size
        if size <= 1e-13 * max(float(np.abs(theta[idx]).max()), 1e-8):
            break
    return theta


def _on_the_boundary(
    f: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray], theta: np.ndarray
) -> np.ndarray:
    """Snap an optimum that lies on the boundary (a singular $\\Sigma$) onto it exactly.

    $\\Sigma \\propto \\Lambda\\Lambda'$ is singular when $\\theta_0 = 0$ (no intercept
    variance; then only $\\theta_1^2 + \\theta_2^2$ matters) or $\\theta_2 = 0$ (intercepts
    and slopes perfectly correlated). There the deviance is flat across the boundary and Newton
    steps stall short of it; the optimum over the free entries of the boundary model is again a
    zero of the gradient, which Newton steps find exactly. It is kept when its deviance is as
    low as the unconstrained one's (to rounding).
    """
    f0 = f(theta)
    size = float(np.abs(theta).max())
    candidates = []
    if abs(theta[2]) <= 1e-3 * size:  # perfectly correlated intercepts and slopes
        candidates.append((np.array([theta[0], theta[1], 0.0]), [0, 1]))
    if abs(theta[0]) <= 1e-3 * size:  # no intercept variance
        candidates.append((np.array([0.0, 0.0, np.hypot(theta[1], theta[2])]), [2]))
    if size <= 1e-6:  # no group variation at all
        candidates.append((np.zeros(3), []))
    best, f_best = theta, f0
    for start, free in candidates:
        t = _newton_polish(f, grad, start, free) if free else start
        ft = f(t)
        if ft <= f_best + 1e-12 * abs(f_best):
            best, f_best = t, ft
    return best


def fit_random_slopes(
    data: pd.DataFrame, y: ColumnName, group: ColumnName, x: ColumnName, method: Method = "REML"
) -> RandomSlopesFit:
    """Fit a correlated random intercept and slope for one covariate, exactly.

    Minimizes the profiled deviance in $\\theta$ (the three entries of $\\Lambda$,
    $\\Sigma = \\sigma_y^2\\Lambda\\Lambda'$) with BFGS on its exact gradient (and
    Nelder-Mead should BFGS stall), then solves $\\nabla_\\theta\\,\\mathrm{deviance} = 0$ by
    Newton steps, on the boundary model when $\\hat\\Sigma$ is singular, so the variance
    components reach the optimum to rounding. The data are standardized first and the results
    mapped back: the fit is the same in any units of $x$ and $y$. The conditional modes are

    $$
    \\hat a_j = \\Lambda(\\Lambda'Z_j'Z_j\\Lambda + I)^{-1}\\Lambda'Z_j'(y_j - Z_j\\hat\\mu).
    $$

    Parameters
    ----------
    data : pandas.DataFrame
    y, group, x : str
        Response, grouping and covariate columns.
    method : {"REML", "ML"}

    Returns
    -------
    RandomSlopesFit
    """
    method = _check_method(method)
    if not isinstance(x, str | int) or isinstance(x, bool):
        raise ValueError(f"fit_random_slopes takes one covariate name, got {x!r}")
    g = group_data(data, y, group, x, min_groups=3)
    check_within_variation(g)
    if g.N <= 2 * g.J:
        raise ValueError(
            f"too few observations ({g.N}) for an intercept and a slope in each of {g.J} groups "
            f"of {group!r}"
        )
    st = _SlopeStats(g)

    def dev(t: np.ndarray) -> float:
        return _deviance(st, t, method)

    def grad(t: np.ndarray) -> np.ndarray:
        return _gradient(st, t, method)

    best = optimize.minimize(
        dev,
        np.array([1.0, 0.0, 1.0]),
        jac=grad,
        method="BFGS",
        options={"gtol": 1e-6, "maxiter": 2000},  # Newton's steps on the gradient finish
    )
    start = best.x
    if not best.success:  # BFGS stalled: Nelder-Mead from where it stopped
        nm = optimize.minimize(
            dev,
            best.x,
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000},
        )
        start = nm.x if nm.fun < best.fun else best.x
    theta = _newton_polish(dev, grad, start)
    theta = _on_the_boundary(dev, grad, theta)
    s = _solve(st, theta)
    dof = st.N if method == "ML" else st.N - 2
    sc = g.scaling
    sigma_y2 = sc.y_scale**2 * float(s.rss) / dof
    L = s.L
    b = s.b
    names = ["Intercept", x]
    # back to the data's units: (intercept, slope) = (c_y, 0) + s_y T (b0, b1)
    T = sc.T
    mu_v = sc.y_scale * (T @ b)
    mu_v[0] += sc.y_centre
    mu = pd.Series(mu_v, index=names, name="mu")
    cov_fixed = sc.fixed_cov(np.linalg.inv(s.A), sigma_y2)
    Sigma = sigma_y2 * (T @ L @ L.T @ T.T)
    resid = st.Zty - st.ZtZ @ b  # Z_j'(y_j - Z_j b), standardized
    u = np.einsum("jab,jb->ja", s.Minv, resid @ L)
    ranef = sc.y_scale * (u @ L.T @ T.T)
    labels = g.labels.copy()
    return RandomSlopesFit(
        method=method,
        group_name=group,
        x_name=x,
        mu=mu,
        se=pd.Series(np.sqrt(np.diag(cov_fixed)), index=names, name="se"),
        cov_fixed=pd.DataFrame(cov_fixed, index=names, columns=names),
        cov=pd.DataFrame(Sigma, index=names, columns=names),
        sigma_y=float(np.sqrt(sigma_y2)),
        loglik=-0.5 * dev(theta) + sc.loglik_offset(g.N, method),
        coef=pd.DataFrame(mu.to_numpy() + ranef, index=labels, columns=names),
        ranef=pd.DataFrame(ranef, index=labels, columns=names),
        n=pd.Series(g.n.astype(int), index=labels, name="n"),
        theta=np.asarray(theta),
    )


def group_ols(data: pd.DataFrame, y: ColumnName, group: ColumnName, x: ColumnName) -> pd.DataFrame:
    """No pooling for intercepts and slopes: a separate least-squares line in every group.

    Returns
    -------
    pandas.DataFrame
        Indexed by group, columns ``"Intercept"`` and ``x``; NaN for a group whose ``x`` does not
        vary.
    """
    g = group_data(data, y, group, one_covariate(x, "group_ols"))
    sc = g.scaling
    xs = g.xs[:, 0]
    xbar_s, ybar_s = g.group_means(xs), g.group_means(g.ys)
    xc = xs - xbar_s[g.codes]
    sxx = g.group_sums(xc * xc)
    sxy = g.group_sums(xc * (g.ys - ybar_s[g.codes]))
    xv = g.x[:, 0]
    lo = np.full(g.J, np.inf)
    hi = np.full(g.J, -np.inf)
    np.minimum.at(lo, g.codes, xv)
    np.maximum.at(hi, g.codes, xv)
    ok = hi > lo  # x varies in the group (exact, so the same in any units)
    slope_s = np.where(ok, sxy / np.where(ok, sxx, 1.0), np.nan)
    slope = sc.y_scale * slope_s / sc.x_scale[0]
    intercept = sc.y_centre + sc.y_scale * (ybar_s - slope_s * xbar_s) - sc.x_centre[0] * slope
    return pd.DataFrame({"Intercept": intercept, x: slope}, index=g.labels.copy())
