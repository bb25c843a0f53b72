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

from .grouped import GroupedData, check_within_variation, group_data
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
    group_name: str
    x_name: str
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
    """Per-group cross-products of $Z_j = [1, x_j]$ and $y_j$ (centred y)."""

    def __init__(self, g: GroupedData) -> None:
        x = g.x[:, 0]
        self.y_mean = float(g.y.mean())
        yc = g.y - self.y_mean
        n = g.n
        sx = g.group_sums(x)
        sxx = g.group_sums(x * x)
        self.ZtZ = np.empty((g.J, 2, 2))
        self.ZtZ[:, 0, 0] = n
        self.ZtZ[:, 0, 1] = self.ZtZ[:, 1, 0] = sx
        self.ZtZ[:, 1, 1] = sxx
        self.Zty = np.column_stack([g.group_sums(yc), g.group_sums(x * yc)])
        self.yty = float(yc @ yc)
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


def _newton_polish(f: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray:
    """Solve grad f = 0 by Newton steps on central-difference derivatives.

    Minimizing f alone stops where f is flat to rounding, about sqrt(eps) from the optimum in
    theta; zeroing the gradient gets much closer.
    """
    k = theta.size
    for _ in range(8):
        h = 1e-4 * np.maximum(np.abs(theta), 1e-2)
        E = np.diag(h)
        f0 = f(theta)
        grad = np.array([(f(theta + E[i]) - f(theta - E[i])) / (2 * h[i]) for i in range(k)])
        hess = np.empty((k, k))
        for i in range(k):
            for j in range(i, k):
                if i == j:
                    val = (f(theta + E[i]) - 2 * f0 + f(theta - E[i])) / h[i] ** 2
                else:
                    val = (
                        f(theta + E[i] + E[j])
                        - f(theta + E[i] - E[j])
                        - f(theta - E[i] + E[j])
                        + f(theta - E[i] - E[j])
                    ) / (4 * h[i] * h[j])
                hess[i, j] = hess[j, i] = val
        if not np.all(np.linalg.eigvalsh(hess) > 0):
            break
        step = np.linalg.solve(hess, grad)
        if f(theta - step) > f0 + 1e-10 * abs(f0):
            break
        theta = theta - step
        if np.all(np.abs(step) <= 1e-13 * np.maximum(np.abs(theta), 1e-2)):
            break
    return theta


def fit_random_slopes(
    data: pd.DataFrame, y: str, group: str, x: str, method: Method = "REML"
) -> RandomSlopesFit:
    """Fit a correlated random intercept and slope for one covariate, exactly.

    Minimizes the profiled deviance in $\\theta$ (the three entries of $\\Lambda$,
    $\\Sigma = \\sigma_y^2\\Lambda\\Lambda'$) with BFGS and Nelder-Mead, then solves
    $\\nabla_\\theta\\,\\mathrm{deviance} = 0$ by Newton steps on central differences, so the
    variance components reach the optimum to well below ``rtol 1e-6``. The conditional modes are

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
    if not isinstance(x, str):
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

    best = optimize.minimize(
        dev, np.array([1.0, 0.0, 1.0]), method="BFGS", options={"gtol": 1e-9, "maxiter": 2000}
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
    theta = _newton_polish(dev, start)
    s = _solve(st, theta)
    dof = st.N if method == "ML" else st.N - 2
    sigma_y2 = float(s.rss) / dof
    L = s.L
    b = s.b
    names = ["Intercept", x]
    mu = pd.Series([b[0] + st.y_mean, b[1]], index=names, name="mu")
    cov_fixed = sigma_y2 * np.linalg.inv(s.A)
    Sigma = sigma_y2 * L @ L.T
    resid = st.Zty - st.ZtZ @ b  # Z_j'(y_j - Z_j b)
    u = np.einsum("jab,jb->ja", s.Minv, resid @ L)
    ranef = u @ L.T
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
        loglik=-0.5 * dev(theta),
        coef=pd.DataFrame(mu.to_numpy() + ranef, index=labels, columns=names),
        ranef=pd.DataFrame(ranef, index=labels, columns=names),
        n=pd.Series(g.n.astype(int), index=labels, name="n"),
        theta=np.asarray(theta),
    )


def group_ols(data: pd.DataFrame, y: str, group: str, x: str) -> pd.DataFrame:
    """No pooling for intercepts and slopes: a separate least-squares line in every group.

    Returns
    -------
    pandas.DataFrame
        Indexed by group, columns ``"Intercept"`` and ``x``; NaN for a group whose ``x`` does not
        vary.
    """
    g = group_data(data, y, group, x)
    xv = g.x[:, 0]
    xc = xv - g.xbar[g.codes, 0]
    sxx = g.group_sums(xc * xc)
    sxy = g.group_sums(xc * (g.y - g.ybar[g.codes]))
    ok = sxx > 1e-12 * np.maximum(1.0, g.group_sums(xv * xv))
    slope = np.where(ok, sxy / np.where(ok, sxx, 1.0), np.nan)
    return pd.DataFrame(
        {"Intercept": g.ybar - slope * g.xbar[:, 0], x: slope}, index=g.labels.copy()
    )
