"""Why the joint-likelihood variance estimate is too small, and how EM repairs it.

Treating the group intercepts as parameters and maximizing the joint likelihood alternates two
steps: shrink each group (the closed form of `partial_pooling.shrinkage`), then re-estimate
the variances from the shrunken intercepts as if they were the true ones,

$$
\\sigma_\\alpha^2 \\leftarrow \\frac1J\\sum_j \\hat a_j^2,\\qquad
\\sigma_y^2 \\leftarrow \\frac1N\\sum_j\\sum_i (y_{ij} - \\hat\\alpha_j - x_{ij}'\\beta)^2 .
$$

The shrunken $\\hat a_j$ vary less than the true $a_j$, so each pass lowers
$\\sigma_\\alpha$, which shrinks harder on the next pass: the iteration drifts toward the
degenerate $\\sigma_\\alpha = 0$. The EM algorithm takes the same steps but adds what the
plug-in forgets, each group's conditional variance $v_j = \\operatorname{Var}(a_j \\mid y)
= \\sigma_\\alpha^2(1 - \\lambda_j)$:

$$
\\sigma_\\alpha^2 \\leftarrow \\frac1J\\sum_j (\\hat a_j^2 + v_j),\\qquad
\\sigma_y^2 \\leftarrow \\frac1N\\Big[\\sum_j\\sum_i (y_{ij} - \\hat\\alpha_j - x_{ij}'\\beta)^2
+ \\sum_j n_j v_j\\Big],
$$

and every pass raises the marginal likelihood until it reaches the ML estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .grouped import GroupedData
from .likelihood import marginal_loglik_of
from .on_data import on_data
from .shrinkage import shrinkage_weights
from .validation import check_sd

__all__ = ["em_path", "joint_mode_path"]


def _marginal_ll(g: GroupedData, b: np.ndarray, sa2: float, sy2: float) -> float:
    return marginal_loglik_of(g, float(b[0]), b[1:], sa2, sy2)


def _em_path(
    g: GroupedData,
    *,
    sigma_alpha: float,
    sigma_y: float,
    max_iter: int = 20000,
    tol: float = 1e-13,
) -> pd.DataFrame:
    """Run EM for the random-intercept model from a starting $(\\sigma_\\alpha, \\sigma_y)$.

    Parameters
    ----------
    sigma_alpha, sigma_y : float
        Starting values, both $> 0$. $(\\mu, \\beta)$ start at their OLS values.
    max_iter : int
        Most EM passes.
    tol : float
        Stop when both variances change by less than this, relatively.

    Returns
    -------
    pandas.DataFrame
        One row per pass (index ``iteration``): ``sigma_alpha``, ``sigma_y``, ``mu``, one
        column per covariate, and ``loglik``, the marginal (ML) log-likelihood, which never
        decreases. The last row is the ML estimate.
    """
    return _iterate(g, sigma_alpha, sigma_y, max_iter, tol, correct=True)


def _iterate(
    g: GroupedData, sigma_alpha: float, sigma_y: float, max_iter: int, tol: float, correct: bool
) -> pd.DataFrame:
    """EM passes, or with ``correct=False`` the plug-in passes, from checked data."""
    sa2 = check_sd("sigma_alpha", sigma_alpha, positive=True) ** 2
    sy2 = check_sd("sigma_y", sigma_y, positive=True) ** 2
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    X = np.column_stack([np.ones(g.N), g.x])
    XtX_inv_Xt = np.linalg.pinv(X)
    b = XtX_inv_Xt @ g.y
    rows = []
    for it in range(max_iter + 1):
        rows.append([it, np.sqrt(sa2), np.sqrt(sy2), *b, _marginal_ll(g, b, sa2, sy2)])
        if it == max_iter:
            break
        # E-step (or plug-in): conditional means and variances of a_j given y
        rbar = g.ybar - b[0] - g.xbar @ b[1:]
        lam = shrinkage_weights(g.n, sa2 / sy2)
        m = lam * rbar
        v = sa2 * (1 - lam) if correct else np.zeros(g.J)
        # M-step
        b = XtX_inv_Xt @ (g.y - m[g.codes])
        resid = g.y - m[g.codes] - X @ b
        new_sy2 = (float(resid @ resid) + float(g.n @ v)) / g.N
        new_sa2 = float(np.mean(m**2 + v))
        done = abs(new_sa2 - sa2) <= tol * max(sa2, 1e-300) and abs(new_sy2 - sy2) <= tol * sy2
        sa2, sy2 = new_sa2, new_sy2
        if sa2 <= 1e-300:
            sa2 = 0.0
            rows.append([it + 1, 0.0, np.sqrt(sy2), *b, _marginal_ll(g, b, 0.0, sy2)])
            break
        if done:
            rows.append([it + 1, np.sqrt(sa2), np.sqrt(sy2), *b, _marginal_ll(g, b, sa2, sy2)])
            break
    cols = ["iteration", "sigma_alpha", "sigma_y", "mu", *g.x_names, "loglik"]
    out = pd.DataFrame(rows, columns=cols)
    out["iteration"] = out["iteration"].astype(int)
    return out.set_index("iteration")


em_path = on_data(_em_path)


def _joint_mode_path(
    g: GroupedData,
    *,
    sigma_alpha: float,
    sigma_y: float,
    max_iter: int = 2000,
    tol: float = 1e-13,
) -> pd.DataFrame:
    """Iterate the naive joint-likelihood equations (the plug-in, without EM's correction).

    Same arguments and columns as `em_path`. $\\sigma_\\alpha$ falls at every pass: the
    plug-in estimate $\\frac1J\\sum_j \\hat a_j^2$ is too small because the $\\hat a_j$ are
    shrunken.
    """
    return _iterate(g, sigma_alpha, sigma_y, max_iter, tol, correct=False)


joint_mode_path = on_data(_joint_mode_path)
