"""A widely shared hand derivation of partial pooling, as written, beside its corrections.

The derivation maximizes the joint likelihood of the data and the intercepts of
$y_{ij} = \\alpha_j + \\beta x_{ij} + \\varepsilon_{ij}$,
$\\alpha_j \\sim N(\\mu_\\alpha, \\sigma_\\alpha^2)$, by setting derivatives to zero. Some of its
equations are right, some are wrong; these functions compute each one so that a page (and the
tests) can compare them with a fitted model:

* `swapped_intercepts`: its intercept formula, with the two weights swapped and the covariate
  left out (wrong);
* `joint_mode_beta`: its slope given the intercepts (right, given the right intercepts);
* `naive_beta_se`: its standard error of the slope, which treats the intercepts as known
  (too small);
* `residual_variance`: its $\\sigma_y^2$ with $N = \\sum_j n_j$ in place of $J n_j$, with or
  without the conditional variances that EM adds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..grouped import ColumnName, group_data, numeric_columns, one_covariate
from ..validation import alpha_vector, check_finite, check_sd

__all__ = ["joint_mode_beta", "naive_beta_se", "residual_variance", "swapped_intercepts"]


def swapped_intercepts(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    mu: float,
    sigma_alpha: float,
    sigma_y: float,
) -> pd.Series:
    """The hand derivation's group intercepts (wrong: swapped weights, no covariate).

    $$
    \\alpha_j = \\frac{\\sigma_\\alpha^2}{n_j\\sigma_y^2 + \\sigma_\\alpha^2}\\,\\bar y_j
    + \\frac{n_j\\sigma_y^2}{n_j\\sigma_y^2 + \\sigma_\\alpha^2}\\,\\mu_\\alpha
    $$

    The weight on $\\bar y_j$ falls as $n_j$ grows: the more data a group has, the less they
    would count. Compare `partial_pooling.group_intercepts`.
    """
    g = group_data(data, y=y, group=group)
    sa2 = check_sd("sigma_alpha", sigma_alpha, positive=False) ** 2
    sy2 = check_sd("sigma_y", sigma_y, positive=True) ** 2
    w = sa2 / (g.n * sy2 + sa2)
    return g.series(w * g.ybar + (1 - w) * check_finite("mu", mu), "alpha_swapped")


def joint_mode_beta(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName,
    alpha: pd.Series | np.ndarray,
) -> float:
    """The slope that maximizes the joint likelihood given the intercepts.

    $$
    \\beta = \\frac{\\sum_j\\sum_i x_{ij}(y_{ij} - \\alpha_j)}{\\sum_j\\sum_i x_{ij}^2}
    $$

    Right as a stationarity condition: at the fitted intercepts (the BLUPs) it returns the
    mixed model's GLS slope exactly (Henderson's mixed-model equations).
    """
    g = group_data(data, y=y, group=group, x=one_covariate(x, "joint_mode_beta"))
    a = alpha_vector(g, alpha)
    xv = g.x[:, 0]
    return float(xv @ (g.y - a[g.codes]) / (xv @ xv))


def naive_beta_se(data: pd.DataFrame, x: ColumnName, *, sigma_y: float) -> float:
    """The hand derivation's standard error $\\sigma_y / \\sqrt{\\sum_j\\sum_i x_{ij}^2}$.

    It is the standard error the slope would have if every $\\alpha_j$ were known; with the
    intercepts estimated from the same data it is too small.
    """
    (xv,) = numeric_columns(data, [("covariate", one_covariate(x, "naive_beta_se"))])
    sy = check_sd("sigma_y", sigma_y, positive=True)
    return float(sy / np.sqrt(xv @ xv))


def residual_variance(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | None,
    alpha: pd.Series | np.ndarray,
    beta: float,
    cond_var: pd.Series | np.ndarray | None = None,
) -> float:
    """$\\sigma_y^2$ from the residuals about the group lines, divided by $N = \\sum_j n_j$.

    $$
    \\hat\\sigma_y^2 = \\frac1N\\Big[\\sum_j\\sum_i (y_{ij} - \\alpha_j - \\beta x_{ij})^2
    + \\sum_j n_j v_j\\Big]
    $$

    With ``cond_var`` None ($v_j = 0$) this is the hand derivation's plug-in estimate (with
    $N$ in place of $J n_j$); with the conditional variances $v_j = \\operatorname{Var}(a_j
    \\mid y)$ it is EM's update, which at the ML estimates returns $\\hat\\sigma_y^2$ itself.
    """
    g = group_data(
        data, y=y, group=group, x=None if x is None else one_covariate(x, "residual_variance")
    )
    a = alpha_vector(g, alpha)
    slope = g.x[:, 0] * float(beta) if g.p else 0.0
    resid = g.y - a[g.codes] - slope
    extra = 0.0
    if cond_var is not None:
        v = alpha_vector(g, cond_var)
        if (v < 0).any():
            raise ValueError("cond_var must be >= 0")
        extra = float(g.n @ v)
    return float((resid @ resid + extra) / g.N)
