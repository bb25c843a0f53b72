"""The likelihoods of the random-intercept model: joint, marginal, REML and profiled.

For $y_{ij} = \\mu + x_{ij}'\\beta + a_j + \\varepsilon_{ij}$ with
$a_j \\sim N(0, \\sigma_\\alpha^2)$ and $\\varepsilon_{ij} \\sim N(0, \\sigma_y^2)$:

* the **joint** (h-) log-likelihood treats the group intercepts $\\alpha_j = \\mu + a_j$
  as if they were data (see `joint_loglik`);
* the **marginal** log-likelihood integrates them out: each group's vector $y_j$ is normal
  with mean $\\mu + x_j\\beta$ and covariance
  $V_j = \\sigma_y^2 I + \\sigma_\\alpha^2 1 1'$. ML maximizes it; REML maximizes the
  likelihood of the residual contrasts, which adds $-\\tfrac12\\log|X'V^{-1}X|$;
* with $\\psi = \\sigma_\\alpha^2/\\sigma_y^2$ fixed, $(\\mu, \\beta)$ and
  $\\sigma_y^2$ have closed forms, so both reduce to a **profiled** log-likelihood in the
  single number $\\psi$.

All log-likelihoods use the constants of lme4's ``logLik`` and statsmodels' ``llf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import lapack

from .grouped import GroupedData, SufficientStatistics
from .on_data import on_data
from .shrinkage import shrinkage_weights
from .validation import (
    Method,
    alpha_vector,
    beta_vector,
    check_finite,
    check_method,
    check_sd,
)

__all__ = [
    "ProfilePoint",
    "em_sigma_alpha2",
    "joint_loglik",
    "marginal_loglik",
    "naive_sigma_alpha2",
    "profile",
    "profile_loglik",
    "reml_loglik",
]

LOG_2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True)
class ProfilePoint:
    """Everything the profiled likelihood yields at one value of $\\psi$.

    $b$ and $R$ belong to the standardized design $X_s = [1, x^s]$ and response $y^s$ (see
    `partial_pooling.grouped.Standardization`); the log-likelihood, its score and
    $\\hat\\sigma_y^2$ are in the data's own units.

    Attributes
    ----------
    psi : float
        $\\psi = \\sigma_\\alpha^2 / \\sigma_y^2$.
    b : ndarray
        GLS estimate of the standardized coefficients; `SufficientStatistics.uncentred` maps
        it to $(\\hat\\mu, \\hat\\beta)$.
    R : ndarray
        Triangular factor of $A_s = X_s'WX_s = R'R$, with $W = \\sigma_y^2 V^{-1}$.
    rss : float
        Weighted residual sum of squares $(y^s - X_s b)'W(y^s - X_s b)$ of the standardized data.
    loglik : float
        Profiled ML or REML log-likelihood of the data (lme4's constant).
    score : float
        Its derivative in $\\psi$.
    sigma_y2 : float
        $\\hat\\sigma_y^2(\\psi)$ in the data's units: $s_y^2$ ``rss / N`` (ML) or
        $s_y^2$ ``rss / (N - k)`` (REML).
    logdet_A : float
        $\\log|X'WX|$ of the design in the data's units.
    """

    psi: float
    b: np.ndarray
    R: np.ndarray
    rss: float
    loglik: float
    score: float
    sigma_y2: float
    logdet_A: float

    @property
    def A(self) -> np.ndarray:
        """$A_s = X_s'WX_s$ of the standardized design."""
        return np.asarray(self.R.T @ self.R)

    def a_inv(self) -> np.ndarray:
        """$A_s^{-1} = R^{-1}R^{-T}$, from the triangular factor (no normal equations)."""
        R_inv = np.linalg.inv(self.R)  # k x k: the small LAPACK inverse is the fastest
        return R_inv @ R_inv.T


def _triangular_solve(R: np.ndarray, rhs: np.ndarray, *, transpose: bool = False) -> np.ndarray:
    """Solve $Rx = b$ (or $R'x = b$) for upper-triangular $R$ with LAPACK's ``dtrtrs``.

    A zero on the diagonal (a singular $R$) gives ``inf``/``nan`` entries, as numpy would.
    """
    x, info = lapack.dtrtrs(R, rhs, lower=0, trans=1 if transpose else 0)
    if info > 0:  # singular: fall back to a least-squares answer that numpy gives
        return np.asarray(np.linalg.lstsq(R.T if transpose else R, rhs, rcond=None)[0])
    return np.asarray(x)


def profile(stats: SufficientStatistics, psi: float, method: Method = "REML") -> ProfilePoint:
    """Evaluate the profiled log-likelihood and its score at one $\\psi \\ge 0$.

    With $W_j = I - \\frac{\\psi}{1 + n_j\\psi}11'$, the weighted residual sum of squares of
    $(\\mu, \\beta)$ is the within-group sum of squares plus
    $\\sum_j \\frac{n_j}{1+n_j\\psi}(\\bar y_j - \\bar X_j b)^2$; one QR factorisation of the
    stacked factors of the two parts (see `partial_pooling.grouped.SufficientStatistics`)
    gives $\\hat b(\\psi)$, $\\mathrm{RSS}(\\psi)$ and $\\log|A|$, and

    $$
    \\ell_{ML}(\\psi) = -\\tfrac12\\Big[N\\big(1 + \\log \\tfrac{2\\pi\\,\\mathrm{RSS}}{N}\\big)
        + \\sum_j \\log(1 + n_j\\psi)\\Big],
    $$

    $$
    \\ell_{REML}(\\psi) = -\\tfrac12\\Big[(N-k)
        \\big(1 + \\log \\tfrac{2\\pi\\,\\mathrm{RSS}}{N-k}\\big)
        + \\sum_j \\log(1 + n_j\\psi) + \\log|A|\\Big].
    $$

    The score uses $d\\,\\mathrm{RSS}/d\\psi = -\\sum_j (n_j \\bar r_j)^2/(1+n_j\\psi)^2$,
    where $\\bar r_j$ is group $j$'s mean GLS residual. Each sum over groups is taken over
    at most $k + 1$ rows per distinct group size: one call costs $O(M k^3)$ for $M$ distinct
    sizes, whatever the number of groups.
    """
    method = check_method(method)
    k = stats.k
    qr, weight = _weighted_factor(stats, psi)
    R = np.triu(qr[:k, :k])
    b = _triangular_solve(R, qr[:k, k])
    rss = float(qr[k, k] ** 2)
    N = stats.N
    dof = N if method == "ML" else N - k
    scaling = stats.scaling
    logdet_R = float(np.log(np.abs(np.diag(R))).sum())
    logdet_A = 2.0 * logdet_R + 2.0 * float(np.log(scaling.x_scale).sum())
    logdet_V = float(stats.counts @ np.log1p(stats.sizes * psi))
    if rss <= 0.0:
        # a perfect fit at this psi: the likelihood is unbounded here
        return ProfilePoint(
            psi=float(psi),
            b=b,
            R=R,
            rss=0.0,
            loglik=float("inf"),
            score=float("nan"),
            sigma_y2=0.0,
            logdet_A=logdet_A,
        )
    if method == "ML":
        loglik = -0.5 * (dof * (1.0 + LOG_2PI + np.log(rss / dof)) + logdet_V)
    else:
        loglik = -0.5 * (dof * (1.0 + LOG_2PI + np.log(rss / dof)) + logdet_V + 2.0 * logdet_R)
    return ProfilePoint(
        psi=float(psi),
        b=b,
        R=R,
        rss=rss,
        loglik=float(loglik) + scaling.loglik_offset(N, method),
        score=_score(stats, psi, method, R, b, rss, weight)[0],
        sigma_y2=scaling.y_scale**2 * rss / dof,
        logdet_A=logdet_A,
    )


def _weighted_factor(stats: SufficientStatistics, psi: float) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK's QR of the within rows stacked on the between rows weighted by
    $1/\\sqrt{1 + m\\psi}$, and the weights $1/(1 + m\\psi)$ per between row.

    The factor $R$ is the upper triangle of the first ``k + 1`` rows (below it, LAPACK's
    Householder vectors, which the triangular solves ignore).
    """
    weight = 1.0 / (1.0 + stats.B_size * psi)
    Z = np.vstack([stats.within_rows, stats.B * np.sqrt(weight)[:, None]])
    qr, _tau, _work, info = lapack.dgeqrf(Z)
    if info != 0:  # pragma: no cover - only for invalid arguments
        raise np.linalg.LinAlgError(f"dgeqrf failed with info={info}")
    return qr, weight


def _score(
    stats: SufficientStatistics,
    psi: float,
    method: Method,
    R: np.ndarray,
    b: np.ndarray,
    rss: float,
    weight: np.ndarray,
    *,
    curvature: bool = False,
) -> tuple[float, float]:
    """$\\ell'(\\psi)$ from the factor at $\\psi$ (see `profile` for the formula), and
    $\\ell''(\\psi)$ when ``curvature`` (else NaN; see `profile_newton_terms`)."""
    k = stats.k
    m = stats.B_size
    dw = -m * weight**2  # d/dpsi of the between rows' weights 1/(1 + m psi)
    e = stats.B[:, k] - stats.B[:, :k] @ b  # rows of sqrt(m)(ybar_j - Xbar_j b), by size
    drss = float(dw @ (e * e))
    sizes, counts = stats.sizes, stats.counts
    dlogdet_V = float(counts @ (sizes / (1.0 + sizes * psi)))
    dof = stats.N if method == "ML" else stats.N - k
    score = -0.5 * (dof * drss / rss + dlogdet_V)
    if method == "REML":
        C = _triangular_solve(R, stats.B[:, :k].T, transpose=True)  # R^-T B_X'
        quad = (C * C).sum(axis=0)  # m Xbar_j' A^-1 Xbar_j, reduced by size
        score -= 0.5 * float(dw @ quad)
    if not curvature:
        return score, float("nan")
    d2w = 2.0 * m * m * weight**3
    Rv = _triangular_solve(R, stats.B[:, :k].T @ (dw * e), transpose=True)
    d2rss = float(d2w @ (e * e)) - 2.0 * float(Rv @ Rv)
    d2logdet_V = -float(counts @ (sizes / (1.0 + sizes * psi)) ** 2)
    slope = -0.5 * (dof * (d2rss / rss - (drss / rss) ** 2) + d2logdet_V)
    if method == "REML":
        M = (C * dw) @ C.T  # R^-T A' R^-1
        slope -= 0.5 * (float(d2w @ quad) - float((M * M).sum()))
    return score, slope


def profile_score(stats: SufficientStatistics, psi: float, method: Method = "REML") -> float:
    """The score $\\ell'(\\psi)$ alone, as `profile` computes it, with nothing else.

    What Brent's method calls a dozen times per fit: one QR of the stacked factors and two
    triangular solves (LAPACK reads only the upper triangle, so none is extracted).
    """
    method = check_method(method)
    k = stats.k
    qr, weight = _weighted_factor(stats, psi)
    rss = float(qr[k, k] ** 2)
    if rss <= 0.0:
        return float("nan")
    b = _triangular_solve(qr[:k, :k], qr[:k, k])
    return _score(stats, psi, method, qr[:k, :k], b, rss, weight)[0]


def profile_newton_terms(
    stats: SufficientStatistics, psi: float, method: Method = "REML"
) -> tuple[float, float]:
    """The score $\\ell'(\\psi)$ and its derivative $\\ell''(\\psi)$, from one factorisation.

    With between-row weights $w_r = 1/(1 + m_r\\psi)$ ($w_r' = -m_rw_r^2$,
    $w_r'' = 2m_r^2w_r^3$), GLS residuals $e_r$ of the between rows, $A = R'R$ and
    $v = \\sum_r w_r'e_r\\bar X_r'$:

    $$
    \\mathrm{RSS}'' = \\sum_r w_r''e_r^2 - 2v'A^{-1}v, \\qquad
    (\\log|A|)'' = \\sum_r w_r''q_r - \\operatorname{tr}\\big((A^{-1}A')^2\\big),
    $$

    with $q_r = \\bar X_rA^{-1}\\bar X_r'$ and $A' = \\sum_r w_r'\\bar X_r'\\bar X_r$ (the
    envelope theorem gives $\\mathrm{RSS}'$; $\\hat b$ moves with $\\psi$ only in the second
    order), and $(\\sum_j\\log(1 + n_j\\psi))'' = -\\sum_j n_j^2/(1 + n_j\\psi)^2$. Then
    $\\ell'' = -\\frac12[\\nu(\\mathrm{RSS}''/\\mathrm{RSS} - (\\mathrm{RSS}'/\\mathrm{RSS})^2)
    + \\ldots]$ term by term, $\\nu = N$ (ML) or $N - k$ (REML, which adds $\\log|A|$).
    What `partial_pooling.estimation.maximize_psi`'s Newton iteration calls.
    """
    method = check_method(method)
    k = stats.k
    qr, weight = _weighted_factor(stats, psi)
    rss = float(qr[k, k] ** 2)
    if rss <= 0.0:
        return float("nan"), float("nan")
    b = _triangular_solve(qr[:k, :k], qr[:k, k])
    return _score(stats, psi, method, qr[:k, :k], b, rss, weight, curvature=True)


def profile_grid(
    stats: SufficientStatistics, psi: np.ndarray, method: Method = "REML"
) -> np.ndarray:
    """The profiled log-likelihood (as `profile` computes it) at many $\\psi$ at once.

    One batched QR factorisation for the whole grid instead of one per point: what
    `partial_pooling.estimation.maximize_psi` scans to bracket the maximum.
    """
    method = check_method(method)
    grid = np.asarray(psi, dtype=float)
    k = stats.k
    weight = 1.0 / np.sqrt(1.0 + np.multiply.outer(grid, stats.B_size))  # (G, rows)
    Z = np.concatenate(
        [
            np.broadcast_to(stats.within_rows, (grid.size, *stats.within_rows.shape)),
            stats.B[None, :, :] * weight[:, :, None],
        ],
        axis=1,
    )
    R: np.ndarray = np.asarray(np.linalg.qr(Z, mode="r"))
    rss = R[:, k, k] ** 2
    N = stats.N
    dof = N if method == "ML" else N - k
    logdet_V = np.log1p(np.multiply.outer(grid, stats.sizes)) @ stats.counts
    with np.errstate(divide="ignore"):
        loglik = -0.5 * (dof * (1.0 + LOG_2PI + np.log(rss / dof)) + logdet_V)
        if method == "REML":
            diag = np.abs(np.diagonal(R[:, :k, :k], axis1=1, axis2=2))
            loglik -= np.log(diag).sum(axis=1)
    loglik = np.where(rss > 0, loglik, np.inf)
    return loglik + stats.scaling.loglik_offset(N, method)


def _profile_loglik(
    g: GroupedData, *, psi: Sequence[float] | np.ndarray, method: Method = "REML"
) -> pd.Series:
    """Profiled log-likelihood $\\ell(\\psi)$ on a grid of $\\psi$ values.

    Parameters
    ----------
    data, y, group, x
        As for `partial_pooling.fit_random_intercept`.
    psi : array_like
        Values of $\\psi = \\sigma_\\alpha^2/\\sigma_y^2 \\ge 0$.
    method : {"ML", "REML"}

    Returns
    -------
    pandas.Series
        $\\ell(\\psi)$ indexed by $\\psi$.
    """
    method = check_method(method)
    grid = np.asarray(psi, dtype=float)
    if grid.ndim != 1 or grid.size == 0 or (grid < 0).any() or not np.isfinite(grid).all():
        raise ValueError("psi must be a non-empty 1-d array of finite values >= 0")
    values = profile_grid(g.stats, grid, method)
    return pd.Series(values, index=pd.Index(grid, name="psi"), name=f"{method} loglik")


profile_loglik = on_data(_profile_loglik)


def _joint_loglik(
    g: GroupedData,
    *,
    alpha: pd.Series | Sequence[float],
    beta: float | Sequence[float] | pd.Series | None,
    mu: float,
    sigma_alpha: float,
    sigma_y: float,
) -> float:
    """Joint (h-) log-likelihood of the data and the group intercepts.

    $$
    \\log p(y, \\alpha \\mid \\mu, \\beta, \\sigma_\\alpha, \\sigma_y)
    = \\sum_j\\sum_i \\log N(y_{ij} \\mid \\alpha_j + x_{ij}'\\beta, \\sigma_y^2)
    + \\sum_j \\log N(\\alpha_j \\mid \\mu, \\sigma_\\alpha^2)
    $$

    Maximizing it over the $\\alpha_j$ gives the shrinkage estimates; maximizing it over
    $\\sigma_\\alpha$ as well does not work (it grows without bound as
    $\\sigma_\\alpha \\to 0$ with every $\\alpha_j = \\mu$).

    Parameters
    ----------
    alpha : Series or array_like
        Group intercepts $\\alpha_j$, indexed by group label (or in sorted label order).
    beta : float, array_like, Series or None
        Slope(s) $\\beta$; None when there is no covariate.
    mu, sigma_alpha, sigma_y : float
        $\\mu_\\alpha$, $\\sigma_\\alpha > 0$, $\\sigma_y > 0$.
    """
    sa = check_sd("sigma_alpha", sigma_alpha, positive=True)
    sy = check_sd("sigma_y", sigma_y, positive=True)
    a = alpha_vector(g, alpha)
    b = beta_vector(g, beta)
    resid = g.y - a[g.codes] - g.x @ b
    data_part = -0.5 * (g.N * (LOG_2PI + 2 * np.log(sy)) + float(resid @ resid) / sy**2)
    dev = a - check_finite("mu", mu)
    prior_part = -0.5 * (g.J * (LOG_2PI + 2 * np.log(sa)) + float(dev @ dev) / sa**2)
    return float(data_part + prior_part)


joint_loglik = on_data(_joint_loglik)


def _marginal_loglik(
    g: GroupedData,
    *,
    mu: float,
    beta: float | Sequence[float] | pd.Series | None,
    sigma_alpha: float,
    sigma_y: float,
) -> float:
    """Marginal log-likelihood, the group intercepts integrated out (what ML maximizes).

    $$
    \\log p(y \\mid \\mu, \\beta, \\sigma_\\alpha, \\sigma_y)
    = \\sum_j \\log N\\big(y_j \\mid \\mu 1 + x_j\\beta,\\;
      \\sigma_y^2 I_{n_j} + \\sigma_\\alpha^2 1 1'\\big)
    $$

    computed group by group from $|V_j| = \\sigma_y^{2n_j}(1 + n_j\\psi)$ and
    $V_j^{-1} = \\sigma_y^{-2}\\,(I - \\tfrac{\\psi}{1+n_j\\psi} 1 1')$.
    """
    sa = check_sd("sigma_alpha", sigma_alpha, positive=False)
    sy = check_sd("sigma_y", sigma_y, positive=True)
    b = beta_vector(g, beta)
    return marginal_loglik_of(g, check_finite("mu", mu), b, sa**2, sy**2)


marginal_loglik = on_data(_marginal_loglik)


def marginal_loglik_of(
    g: GroupedData, mu: float, beta: np.ndarray, sigma_alpha2: float, sigma_y2: float
) -> float:
    """The marginal log-likelihood from checked arrays and variances (what the EM iterations
    of `partial_pooling.em` evaluate at every pass).

    With $\\lambda_j$ from `partial_pooling.shrinkage.shrinkage_weights`,
    $r'V^{-1}r = \\sigma_y^{-2}\\big(\\sum_{ij} r_{ij}^2
    - \\sum_j \\tfrac{\\lambda_j}{n_j}(\\sum_i r_{ij})^2\\big)$.
    """
    r = g.y - mu - g.x @ beta
    psi = sigma_alpha2 / sigma_y2
    r_sum = g.group_sums(r)
    quad = (float(r @ r) - float((shrinkage_weights(g.n, psi) / g.n) @ r_sum**2)) / sigma_y2
    logdet = g.N * np.log(sigma_y2) + float(np.log1p(g.n * psi).sum())
    return float(-0.5 * (g.N * LOG_2PI + logdet + quad))


def _reml_loglik(g: GroupedData, *, sigma_alpha: float, sigma_y: float) -> float:
    """REML log-likelihood at given variance components (what REML maximizes).

    $$
    \\ell_R = -\\tfrac12\\big[(N-k)\\log 2\\pi + \\log|V| + \\log|X'V^{-1}X|
    + (y - X\\hat b)'V^{-1}(y - X\\hat b)\\big]
    $$

    with $\\hat b$ the GLS estimate of $(\\mu, \\beta)$ and $k = p + 1$. It
    does not depend on $(\\mu, \\beta)$: they are estimated, not given.
    """
    sa = check_sd("sigma_alpha", sigma_alpha, positive=False)
    sy = check_sd("sigma_y", sigma_y, positive=True)
    psi = sa**2 / sy**2
    pt = profile(g.stats, psi, "REML")
    k = g.p + 1
    logdet_V = g.N * np.log(sy**2) + float(np.log1p(g.n * psi).sum())
    logdet_XVX = pt.logdet_A - k * np.log(sy**2)
    rss = g.scaling.y_scale**2 * pt.rss  # in the data's units
    return float(-0.5 * ((g.N - k) * LOG_2PI + logdet_V + logdet_XVX + rss / sy**2))


reml_loglik = on_data(_reml_loglik)


def naive_sigma_alpha2(alpha: pd.Series | np.ndarray, mu: float) -> float:
    """The joint-likelihood ("plug-in") estimate $\\frac1J\\sum_j(\\hat\\alpha_j - \\mu)^2$.

    It treats the shrunken estimates $\\hat\\alpha_j$ as if they were the true intercepts.
    They vary less than the true intercepts (each is pulled toward $\\mu$), so this is
    biased downward; iterating it drives $\\sigma_\\alpha$ to zero.
    """
    a = np.asarray(alpha, dtype=float)
    return float(np.mean((a - check_finite("mu", mu)) ** 2))


def em_sigma_alpha2(
    alpha: pd.Series | np.ndarray, mu: float, cond_var: pd.Series | np.ndarray
) -> float:
    """The EM update of $\\sigma_\\alpha^2$: the naive estimate plus the conditional variances.

    $$
    \\hat\\sigma_\\alpha^2 = \\frac1J\\sum_j\\big[(\\hat\\alpha_j - \\mu)^2
    + \\operatorname{Var}(a_j \\mid y)\\big]
    $$

    Adding each group's conditional variance
    $\\operatorname{Var}(a_j\\mid y) = \\sigma_\\alpha^2(1-\\lambda_j)$ repairs the
    downward bias of `naive_sigma_alpha2`; at the ML estimate it returns
    $\\hat\\sigma_\\alpha^2$ itself (a fixed point of EM).
    """
    a = np.asarray(alpha, dtype=float)
    v = np.asarray(cond_var, dtype=float)
    if a.shape != v.shape:
        raise ValueError(f"alpha and cond_var differ in shape: {a.shape} vs {v.shape}")
    if (v < 0).any():
        raise ValueError("cond_var must be >= 0")
    return float(np.mean((a - check_finite("mu", mu)) ** 2 + v))


def integration_correction(
    n: Sequence[float] | np.ndarray | pd.Series, *, sigma_alpha: float, sigma_y: float
) -> float:
    """What integrating the intercepts out adds to the joint log density at its peak.

    For every $(\\mu, \\beta, \\sigma_\\alpha, \\sigma_y)$, with $\\hat\\alpha_j$ the
    intercepts that maximize the joint log density at those values (`group_intercepts`),

    $$
    \\ell_{\\text{marginal}}(\\mu, \\beta, \\sigma)
    = \\ell_{\\text{joint}}(\\hat\\alpha, \\mu, \\beta, \\sigma)
    - \\frac12\\sum_{j=1}^{J}\\log\\frac{n_j/\\sigma_y^2 + 1/\\sigma_\\alpha^2}{2\\pi},
    $$

    exactly: the joint density is Gaussian in each $\\alpha_j$ with curvature
    $n_j/\\sigma_y^2 + 1/\\sigma_\\alpha^2$, so the integral over $\\alpha_j$ is its peak times
    $\\sqrt{2\\pi/(n_j/\\sigma_y^2 + 1/\\sigma_\\alpha^2)}$ (Laplace's method, exact here).
    This returns the second term. It involves neither $\\mu$, $\\beta$ nor the
    $\\alpha_j$, only the group sizes and the variances.

    Parameters
    ----------
    n : array_like
        Group sizes $n_j \\ge 1$.
    sigma_alpha, sigma_y : float
        Both $> 0$.
    """
    sizes = np.asarray(n, dtype=float)
    if sizes.ndim != 1 or sizes.size == 0 or not np.all(np.isfinite(sizes)) or (sizes < 1).any():
        raise ValueError("n must be a non-empty one-dimensional array of group sizes >= 1")
    sa = check_sd("sigma_alpha", sigma_alpha, positive=True)
    sy = check_sd("sigma_y", sigma_y, positive=True)
    precision = sizes / sy**2 + 1 / sa**2
    return float(-0.5 * np.sum(np.log(precision) - LOG_2PI))


__all__ += ["integration_correction"]
