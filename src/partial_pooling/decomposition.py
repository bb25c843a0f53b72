"""What the estimate of a fixed slope pools: within- and between-group information.

$\\beta$ is one population parameter, so it has no group/population split. But its
estimate combines two sources. Write $W_j = \\sigma_y^2 V_j^{-1}$ as the within-group
projector plus a down-weighted group-mean part,

$$
W_j = \\big(I - \\tfrac{1}{n_j}11'\\big) + (1 - \\lambda_j)\\,\\tfrac{1}{n_j}11',
$$

and the GLS slope splits exactly into the within-group slope $\\hat\\beta_W$ and the
between-group slope $\\hat\\beta_B$ (a regression of group means with weights
$w_j = n_j(1-\\lambda_j) \\propto 1/(\\sigma_\\alpha^2 + \\sigma_y^2/n_j)$):

$$
\\hat\\beta_{GLS} = \\omega\\,\\hat\\beta_W + (1-\\omega)\\,\\hat\\beta_B,\\qquad
\\omega = \\frac{S_{xx}^W}{S_{xx}^W + S_{xx}^B}.
$$
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .grouped import (
    GroupedData,
    check_within_variation,
    plain,
)
from .on_data import on_data
from .validation import check_sd, check_sd_or_inf

__all__ = ["BetaDecomposition", "decompose_beta", "slope_path"]


@dataclass(frozen=True)
class BetaDecomposition:
    """The GLS slope as a weighted average of within- and between-group slopes.

    Attributes
    ----------
    within : float
        $\\hat\\beta_W = S_{xy}^W / S_{xx}^W$, with
        $S_{xy}^W = \\sum_j\\sum_i (x_{ij} - \\bar x_j)(y_{ij} - \\bar y_j)$.
    between : float
        $\\hat\\beta_B = S_{xy}^B / S_{xx}^B$, the weighted regression of
        $\\bar y_j$ on $\\bar x_j$ with weights $w_j = n_j(1 - \\lambda_j)$:
        $S_{xy}^B = \\sum_j w_j(\\bar x_j - \\bar x_w)(\\bar y_j - \\bar y_w)$.
    gls : float
        $\\hat\\beta_{GLS}$, the mixed model's slope at these variance components.
    weight : float
        $\\omega = S_{xx}^W/(S_{xx}^W + S_{xx}^B)$, the share of the within slope.
    S_xx_within, S_xx_between : float
        The two sums of squares $S_{xx}^W$ and $S_{xx}^B$ (each is $\\sigma_y^2$ times the
        information about $\\beta$ from its source). At $\\sigma_\\alpha = \\infty$,
        ``S_xx_between`` is 0 and ``between`` is the unweighted regression of group means.
    sigma_alpha, sigma_y : float
        The variance components used.
    """

    within: float
    between: float
    gls: float
    weight: float
    S_xx_within: float
    S_xx_between: float
    sigma_alpha: float
    sigma_y: float


def _one_slope(g: GroupedData, function: str) -> None:
    """Refuse data grouped with other than one covariate, or one that does not vary within."""
    if g.p != 1:
        raise ValueError(f"{function} takes one covariate, the data have {plain(g.x_names)}")
    check_within_variation(g)


def _decompose_beta(
    g: GroupedData, *, sigma_alpha: float, sigma_y: float
) -> BetaDecomposition:
    """Split the mixed model's slope into its within- and between-group parts.

    Parameters
    ----------
    y, group : str
        Response and grouping columns.
    sigma_alpha : float
        $\\sigma_\\alpha \\ge 0$; 0 gives the complete-pooling (OLS) slope, ``inf`` the
        no-pooling (within) slope.
    sigma_y : float
        $\\sigma_y > 0$.

    Returns
    -------
    BetaDecomposition
        With ``gls == weight * within + (1 - weight) * between`` for any group sizes.
        ``between`` is NaN when the group means of ``x`` do not vary (then ``weight`` is 1).

    Raises
    ------
    ValueError
        If ``x`` is not a single column name, or does not vary within groups.
    """
    sa = check_sd_or_inf("sigma_alpha", sigma_alpha)
    sy = check_sd("sigma_y", sigma_y, positive=True)
    _one_slope(g, "decompose_beta")
    return _decompose(g, sa, sy)


decompose_beta = on_data(_decompose_beta, covariates="one")


def _decompose(g: GroupedData, sa: float, sy: float) -> BetaDecomposition:
    """The decomposition of checked data at checked variance components.

    Computed on the standardized scale (see `partial_pooling.grouped.Standardization`) and
    mapped back, so it is the same in any units; the weights are written so that no variance
    ratio overflows: with $t = \\sigma_y^2/\\sigma_\\alpha^2 = 1/\\psi$, each group mean has
    weight $n_j(1-\\lambda_j) = n_j t/(t + n_j)$.
    """
    sc = g.scaling
    slope_unit = sc.y_scale / sc.x_scale[0]  # a slope of the standardized data, in data units
    xs, ys, n = g.xs[:, 0], g.ys, g.n
    xbar, ybar = g.xbar_s[:, 0], g.ybar_s
    xw = xs - xbar[g.codes]
    yw = ys - ybar[g.codes]
    sxx_w = float(xw @ xw)
    sxy_w = float(xw @ yw)
    with np.errstate(over="ignore", divide="ignore", under="ignore"):
        t = (sy / sa) ** 2 if sa > 0 else np.inf  # 1/psi, 0 at sigma_alpha = inf
    if t == np.inf:
        # complete pooling: the group means carry their full weight n_j
        rel, scale = n, 1.0
    elif t >= 1.0:
        rel, scale = n / (1.0 + n / t), 1.0  # n_j(1 - lambda_j) itself
    else:
        # n_j(1 - lambda_j) = t * n_j / (t + n_j): relative weights n_j/(t + n_j) times t,
        # which is 0 in the limit sigma_alpha = inf (equal relative weights)
        rel, scale = n / (t + n), t
    xb = float(rel @ xbar / rel.sum())
    yb = float(rel @ ybar / rel.sum())
    sxx_b = float(rel @ (xbar - xb) ** 2)
    sxy_b = float(rel @ ((xbar - xb) * (ybar - yb)))
    between = sxy_b / sxx_b if sxx_b > 1e-14 * sxx_w else float("nan")
    sxx_b_eff = scale * sxx_b
    weight = sxx_w / (sxx_w + sxx_b_eff)
    gls = (sxy_w + scale * sxy_b) / (sxx_w + sxx_b_eff)
    x_unit2 = sc.x_scale[0] ** 2
    return BetaDecomposition(
        within=float(slope_unit * sxy_w / sxx_w),
        between=float(slope_unit * between),
        gls=float(slope_unit * gls),
        weight=float(weight),
        S_xx_within=float(x_unit2 * sxx_w),
        S_xx_between=float(x_unit2 * sxx_b_eff),
        sigma_alpha=sa,
        sigma_y=sy,
    )


def _slope_path(
    g: GroupedData, *, sigma_y: float, sigma_alpha: np.ndarray | list[float]
) -> pd.DataFrame:
    """The decomposition along a range of $\\sigma_\\alpha$ at fixed $\\sigma_y$.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``sigma_alpha``, columns ``within``, ``between``, ``gls``, ``weight``.
    """
    _one_slope(g, "slope_path")
    sy = check_sd("sigma_y", sigma_y, positive=True)
    try:
        grid = np.asarray(sigma_alpha, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"sigma_alpha must be real numbers >= 0, got {plain(sigma_alpha)}"
        ) from None
    if grid.ndim != 1 or np.isnan(grid).any() or (grid < 0).any():
        raise ValueError(f"sigma_alpha must be a 1-d array of values >= 0, got {plain(grid)}")
    rows = [_decompose(g, float(s), sy) for s in grid]
    return pd.DataFrame(
        {
            "within": [r.within for r in rows],
            "between": [r.between for r in rows],
            "gls": [r.gls for r in rows],
            "weight": [r.weight for r in rows],
        },
        index=pd.Index(grid, name="sigma_alpha"),
    )


slope_path = on_data(_slope_path, covariates="one")
