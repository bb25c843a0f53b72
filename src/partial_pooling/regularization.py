"""Shrinkage as regularization: the group intercepts are a ridge regression.

Given the variance components, the partially pooled estimates minimize a penalized least-squares
criterion over $(\\mu, \\beta)$ and the group deviations $a_j$,

$$
\\sum_j\\sum_i \\big(y_{ij} - \\mu - x_{ij}'\\beta - a_j\\big)^2 + \\kappa\\sum_j a_j^2,
\\qquad \\kappa = \\frac{\\sigma_y^2}{\\sigma_\\alpha^2} = \\frac1\\psi,
$$

a ridge regression on the group indicators with the intercept and slopes left unpenalized
(Henderson's mixed-model equations). Penalty 0 is no pooling, an infinite penalty is complete
pooling; the mixed model does not tune $\\kappa$ by cross-validation but estimates it by ML or
REML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .grouped import GroupedData, plain
from .on_data import on_data
from .validation import check_real

__all__ = ["RidgeFit", "RidgePath", "ridge_intercepts", "ridge_path"]


@dataclass(frozen=True)
class RidgeFit:
    """Penalized least squares at one penalty $\\kappa$.

    Attributes
    ----------
    penalty : float
        $\\kappa = \\sigma_y^2/\\sigma_\\alpha^2$.
    mu : float
        $\\hat\\mu$.
    beta : pandas.Series
        $\\hat\\beta$, indexed by covariate name.
    alpha : pandas.Series
        $\\hat\\alpha_j = \\hat\\mu + \\hat a_j$, indexed by group.
    edf : float
        Effective number of parameters, the trace of the hat matrix that maps $y$ to the fitted
        values $\\hat\\mu + x_{ij}'\\hat\\beta + \\hat a_j$: between $p + 1$ (complete pooling) and
        $p + J$ (no pooling).
    """

    penalty: float
    mu: float
    beta: pd.Series
    alpha: pd.Series
    edf: float


@dataclass(frozen=True, eq=False)
class RidgePath:
    """Penalized least squares along a path of penalties $\\kappa$.

    The group labels and the path's other quantities are kept apart, so a group may be
    called anything (even ``"mu"``).

    Attributes
    ----------
    alpha : pandas.DataFrame
        $\\hat\\alpha_j(\\kappa)$: one row per penalty (index ``penalty``), one column per
        group (columns the group labels).
    mu : pandas.Series
        $\\hat\\mu(\\kappa)$, indexed by penalty.
    edf : pandas.Series
        The effective number of parameters at each penalty (see `RidgeFit`).
    """

    alpha: pd.DataFrame
    mu: pd.Series
    edf: pd.Series

    @property
    def penalty(self) -> np.ndarray:
        """The penalties $\\kappa$, in the order of the rows."""
        return self.alpha.index.to_numpy()


def _penalty(penalty: object) -> float:
    kappa = check_real("penalty", penalty)
    if not kappa > 0:
        raise ValueError(f"penalty must be > 0 (inf allowed), got {plain(penalty)}")
    return kappa


def _ridge_intercepts(g: GroupedData, *, penalty: float) -> RidgeFit:
    """Solve the penalized least-squares problem for the group intercepts.

    Minimizes $\\lVert y - \\mu 1 - x\\beta - Za\\rVert^2 + \\kappa\\lVert a\\rVert^2$ by solving
    the normal equations

    $$
    \\begin{pmatrix} X'X & X'Z \\\\ Z'X & Z'Z + \\kappa I \\end{pmatrix}
    \\begin{pmatrix} b \\\\ a \\end{pmatrix}
    = \\begin{pmatrix} X'y \\\\ Z'y \\end{pmatrix}
    $$

    with $X = [1, x]$ and $Z$ the group indicators. At
    $\\kappa = \\hat\\sigma_y^2/\\hat\\sigma_\\alpha^2$ the solution is the mixed model's
    $(\\hat\\mu, \\hat\\beta)$ and BLUPs.

    Parameters
    ----------
    data, y, group, x
        As for `partial_pooling.fit_random_intercept`.
    penalty : float
        $\\kappa > 0$ (``inf`` gives complete pooling).

    Returns
    -------
    RidgeFit
    """
    kappa = _penalty(penalty)
    X = np.column_stack([np.ones(g.N), g.x])
    k = X.shape[1]
    n = g.n
    XtX = X.T @ X
    ZtX = np.column_stack([g.group_sums(X[:, c]) for c in range(k)])  # (J, k)
    Zty = g.group_sums(g.y)
    Xty = X.T @ g.y
    if np.isinf(kappa):
        b = np.linalg.solve(XtX, Xty)
        a = np.zeros(g.J)
        H_trace = float(k)
    else:
        # Z'Z + kappa I is diagonal: eliminate a, solve for b, back-substitute
        d = n + kappa
        S = XtX - ZtX.T @ (ZtX / d[:, None])
        b = np.linalg.solve(S, Xty - ZtX.T @ (Zty / d))
        a = (Zty - ZtX @ b) / d
        # trace of the hat matrix W M^{-1} W' with W = [X, Z], M the penalized W'W
        M = g.mixed_model_matrix()
        Mpen = M.copy()
        Mpen[k:, k:] += kappa * np.eye(g.J)
        H_trace = float(np.trace(np.linalg.solve(Mpen, M)))
    mu = float(b[0])
    return RidgeFit(
        penalty=kappa,
        mu=mu,
        beta=pd.Series(b[1:], index=pd.Index(g.x_names, dtype=object), name="beta", dtype=float),
        alpha=g.series(mu + a, "alpha"),
        edf=H_trace,
    )


ridge_intercepts = on_data(_ridge_intercepts)


def _ridge_path(g: GroupedData, *, penalties: Sequence[float] | np.ndarray) -> RidgePath:
    """Group intercepts along a path of penalties.

    The data are grouped once for the whole path; each point is `ridge_intercepts`.

    Parameters
    ----------
    data, y, group, x
        As for `partial_pooling.fit_random_intercept`.
    penalties : array_like
        Values of $\\kappa > 0$ (``inf`` allowed), in the order the path is wanted.

    Returns
    -------
    RidgePath
    """
    try:
        grid = [float(kappa) for kappa in penalties]
    except (TypeError, ValueError):
        raise ValueError(f"penalties must be real numbers > 0, got {plain(penalties)}") from None
    if not grid:
        raise ValueError("penalties must hold at least one value")
    fits = [_ridge_intercepts(g, penalty=kappa) for kappa in grid]
    index = pd.Index(grid, name="penalty")
    return RidgePath(
        alpha=pd.DataFrame(
            np.array([fit.alpha.to_numpy() for fit in fits]),
            index=index,
            columns=g.labels.copy(),
        ),
        mu=pd.Series([fit.mu for fit in fits], index=index.copy(), name="mu", dtype=float),
        edf=pd.Series([fit.edf for fit in fits], index=index.copy(), name="edf", dtype=float),
    )


ridge_path = on_data(_ridge_path)
