"""The per-group tables ``fit`` writes: intercepts (`estimates_table`) or intercepts and slopes."""

from __future__ import annotations

import functools

import pandas as pd

from ..fits import PoolingFit, RandomSlopesFit
from ..model import Model

__all__ = ["Limits", "estimates_table", "intercepts_table", "random_slopes_table"]


def estimates_table(fit: PoolingFit, *, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per group $j$: the partial-pooling estimates in the site's notation.

    Parameters
    ----------
    fit : PoolingFit
        A partial-pooling fit (`partial_pooling.fit_random_intercept`).
    data : pandas.DataFrame, optional
        The data ``fit`` was fitted to. Given, the table compares: it also has the no-pooling
        and complete-pooling intercepts (what ``--compare`` writes).

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (the label), ``n_j``, ``ybar_j`` ($\\bar y_j$), ``ybar_adj_j``
        ($\\bar y_j - \\bar x_j'\\hat\\beta$, equal to ``ybar_j`` without covariates),
        ``lambda_j`` ($\\lambda_j = n_j\\hat\\psi/(1 + n_j\\hat\\psi)$), ``alpha_j``
        ($\\hat\\alpha_j = \\lambda_j(\\bar y_j - \\bar x_j'\\hat\\beta) + (1-\\lambda_j)\\hat\\mu$)
        and ``cond_sd_j`` ($\\hat\\sigma_\\alpha\\sqrt{1-\\lambda_j}$); with ``data``, also
        ``alpha_none_j`` (no pooling, `partial_pooling.no_pooling`) and ``alpha_complete_j``
        (complete pooling, $\\hat\\mu$ of ordinary least squares).

    Raises
    ------
    ValueError
        With ``data``, when no pooling is not defined (a covariate constant within every
        group).
    """
    limits = None
    if data is not None:
        limits = Limits(Model(data, y=fit.y_name, group=fit.group_name, x=fit.x_names or None))
    return intercepts_table(fit, limits)


def intercepts_table(fit: PoolingFit, limits: Limits | None) -> pd.DataFrame:
    """`estimates_table`, with the comparison columns from ``limits`` when given."""
    if limits is None:
        return fit.group_table()
    try:
        none = limits.none
    except ValueError as exc:
        raise ValueError(
            f"--compare: no pooling is not defined here ({exc}); drop --compare"
        ) from None
    return fit.group_table(none=none, complete=limits.complete)


class Limits:
    """The two limits of partial pooling on one model's data, each fitted once when first
    asked for (the table's ``--compare`` columns and the figures share them)."""

    def __init__(self, model: Model) -> None:
        self.model = model

    @functools.cached_property
    def complete(self) -> PoolingFit:
        """Complete pooling: one least-squares line for all the data."""
        return self.model.complete_pooling()

    @functools.cached_property
    def none(self) -> PoolingFit:
        """No pooling (raises ValueError when a covariate is constant within every group)."""
        return self.model.no_pooling()

    @functools.cached_property
    def lines(self) -> pd.DataFrame:
        """Each group's own least-squares line (random slopes)."""
        return self.model.group_ols()


def random_slopes_table(fit: RandomSlopesFit, *, limits: Limits | None = None) -> pd.DataFrame:
    """One row per group $j$: its partially pooled intercept and slopes, in the site's notation.

    Parameters
    ----------
    fit : RandomSlopesFit
        A random-slopes fit (`partial_pooling.fit_random_slopes`).
    limits : Limits, optional
        The two limits on the data ``fit`` was fitted to. Given, the table compares: it also has
        each group's own least-squares line and the line of all the data (``--compare``).

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (the label), ``n_j``, ``intercept_j`` ($\\hat\\mu_0 + \\hat a_{0j}$),
        ``slope_<COL>_j`` ($\\hat\\mu_k + \\hat a_{kj}$) for each random-slope covariate
        ``COL`` (lme4's ``coef``), ``a0_j`` and ``a_<COL>_j`` (the conditional modes
        $\\hat a_{0j}$, $\\hat a_{kj}$, lme4's ``ranef``); with ``limits``, also
        ``intercept_none_j`` and ``slope_<COL>_none_j`` (no pooling: least squares within
        the group alone, NaN where the group's covariates do not determine its slopes) and
        ``intercept_complete_j`` and ``slope_<COL>_complete_j`` (complete pooling: one
        least-squares line for all the data, `partial_pooling.complete_pooling`).

    Raises
    ------
    ValueError
        If two of these column names coincide (covariates named ``x`` and ``x_none``, say).
    """
    if limits is None:
        return fit.group_table()
    return fit.group_table(complete=limits.complete, lines=limits.lines)
