"""The shrinkage estimator as formulas: weights, intercepts, intraclass correlation.

Given the variance components, each group intercept is a precision-weighted compromise between
the group's own (covariate-adjusted) mean and the population mean:

$$
\\hat\\alpha_j = \\lambda_j\\,(\\bar y_j - \\bar x_j'\\beta) + (1 - \\lambda_j)\\,\\mu,
\\qquad
\\lambda_j = \\frac{n_j\\sigma_\\alpha^2}{n_j\\sigma_\\alpha^2 + \\sigma_y^2}
= \\frac{n_j/\\sigma_y^2}{n_j/\\sigma_y^2 + 1/\\sigma_\\alpha^2}.
$$

The weight on the group's data is its share of the total precision: the data's precision
$n_j/\\sigma_y^2$ against the population's $1/\\sigma_\\alpha^2$.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .grouped import GroupedData, plain
from .on_data import on_data
from .validation import beta_vector, check_finite, check_sd, check_sd_or_inf

__all__ = ["group_intercepts", "icc", "pooled_mean", "shrinkage_factor", "shrinkage_weights"]


def shrinkage_weights(n: float | np.ndarray, psi: float) -> np.ndarray:
    """$\\lambda_j = n_j\\psi/(1 + n_j\\psi)$ for checked group sizes and $\\psi \\ge 0$.

    The one place the package computes the weight on a group's own data: the fits, the
    likelihoods, EM, the Bayesian view and `shrinkage_factor` all call it. Equal to
    $n_j\\sigma_\\alpha^2/(n_j\\sigma_\\alpha^2 + \\sigma_y^2)$ with
    $\\psi = \\sigma_\\alpha^2/\\sigma_y^2$; $\\psi = \\infty$ gives 1 (no pooling).

    Parameters
    ----------
    n : float or ndarray
        Group sizes $n_j > 0$ (not checked: `shrinkage_factor` is the checked entry point).
    psi : float
        $\\psi \\ge 0$, possibly ``inf``.

    Returns
    -------
    ndarray
        $\\lambda_j$, shaped like ``n``.
    """
    n = np.asarray(n, dtype=float)
    if np.isinf(psi):
        return np.ones_like(n)
    return n * psi / (1.0 + n * psi)


def shrinkage_factor(
    n: float | Sequence[float] | np.ndarray | pd.Series, *, sigma_alpha: float, sigma_y: float
) -> float | np.ndarray | pd.Series:
    """Weight $\\lambda$ on a group's own data.

    $$
    \\lambda = \\frac{n\\,\\sigma_\\alpha^2}{n\\,\\sigma_\\alpha^2 + \\sigma_y^2}
    $$

    Parameters
    ----------
    n : float, array_like or Series
        Group size(s) $n_j > 0$.
    sigma_alpha : float
        $\\sigma_\\alpha \\ge 0$; ``inf`` gives $\\lambda = 1$ (no pooling).
    sigma_y : float
        $\\sigma_y > 0$.

    Returns
    -------
    float, ndarray or Series
        Same shape (and index) as ``n``; $1 - \\lambda$ is the weight on the population.

    Examples
    --------
    >>> shrinkage_factor(4, sigma_alpha=1.0, sigma_y=2.0)
    0.5
    """
    sy = check_sd("sigma_y", sigma_y, positive=True)
    sa = check_sd_or_inf("sigma_alpha", sigma_alpha)
    try:
        arr = np.asarray(n, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"group sizes n must be numeric, got {plain(n)}") from None
    if (arr <= 0).any() or not np.isfinite(arr).all():
        raise ValueError(f"group sizes n must be finite and > 0, got {np.ravel(arr)[:5].tolist()}")
    lam = shrinkage_weights(arr, _psi(sa, sy))
    if isinstance(n, pd.Series):
        return pd.Series(lam, index=n.index, name="shrinkage")
    return float(lam) if lam.ndim == 0 else lam


def icc(*, sigma_alpha: float, sigma_y: float) -> float:
    """Intraclass correlation $\\rho = \\sigma_\\alpha^2 / (\\sigma_\\alpha^2 + \\sigma_y^2)$.

    The correlation of two observations in the same group, and the $\\lambda$ of a group
    of one: $\\lambda_j = n_j\\rho / (1 + (n_j - 1)\\rho)$.
    """
    sa = check_sd("sigma_alpha", sigma_alpha, positive=False)
    sy = check_sd("sigma_y", sigma_y, positive=True)
    return float(shrinkage_weights(1.0, _psi(sa, sy)))


def _psi(sigma_alpha: float, sigma_y: float) -> float:
    """$\\psi = \\sigma_\\alpha^2/\\sigma_y^2$ without an error: ``inf`` at
    $\\sigma_\\alpha = \\infty$, and the limits 0 or ``inf`` when the ratio leaves the doubles."""
    with np.errstate(over="ignore", under="ignore"):
        return float(np.float64(sigma_alpha / sigma_y) ** 2)


def _adjusted_means(
    g: GroupedData, beta: float | Sequence[float] | pd.Series | None
) -> tuple[pd.Series, pd.Series]:
    b = beta_vector(g, beta)
    adj = g.ybar - g.xbar @ b
    return g.series(adj, "ybar_adjusted"), g.series(g.n, "n")


def _group_intercepts(
    g: GroupedData,
    *,
    mu: float,
    beta: float | Sequence[float] | pd.Series | None,
    sigma_alpha: float,
    sigma_y: float,
) -> pd.Series:
    """Partially pooled group intercepts from the closed form.

    $$
    \\hat\\alpha_j = \\lambda_j\\,(\\bar y_j - \\bar x_j'\\beta) + (1 - \\lambda_j)\\,\\mu
    $$

    These maximize the joint likelihood in the $\\alpha_j$ at the given
    $(\\mu, \\beta, \\sigma_\\alpha, \\sigma_y)$; at the ML or REML estimates they are the
    BLUPs a mixed-model library reports.

    Returns
    -------
    pandas.Series
        $\\hat\\alpha_j$ indexed by group label.
    """
    adj, n = _adjusted_means(g, beta)
    lam = shrinkage_factor(n, sigma_alpha=sigma_alpha, sigma_y=sigma_y)
    return (lam * adj + (1 - lam) * check_finite("mu", mu)).rename("alpha")


group_intercepts = on_data(_group_intercepts)


def _pooled_mean(
    g: GroupedData,
    *,
    beta: float | Sequence[float] | pd.Series | None,
    sigma_alpha: float,
    sigma_y: float,
) -> float:
    """The population mean as a precision-weighted mean of adjusted group means.

    $$
    \\hat\\mu = \\frac{\\sum_j w_j(\\bar y_j - \\bar x_j'\\beta)}{\\sum_j w_j},
    \\qquad w_j = \\frac{1}{\\sigma_\\alpha^2 + \\sigma_y^2/n_j},
    $$

    the weight being the precision of group $j$'s mean as an estimate of $\\mu$.
    At the GLS $\\beta$ this is the mixed model's $\\hat\\mu$.
    """
    adj, n = _adjusted_means(g, beta)
    sa = check_sd("sigma_alpha", sigma_alpha, positive=False)
    sy = check_sd("sigma_y", sigma_y, positive=True)
    w = 1.0 / (sa**2 + sy**2 / n)
    return float((w * adj).sum() / w.sum())


pooled_mean = on_data(_pooled_mean)
