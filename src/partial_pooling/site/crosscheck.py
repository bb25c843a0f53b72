"""Cross-checks against statsmodels, fitted tightly enough to compare to the last digits.

statsmodels' MixedLM is an independent implementation of the same likelihood. Its default
``fit()`` stops 4 to 7 significant digits short of the optimum, so the pages and tests use it
with tight settings: BFGS with its analytic score at ``gtol=1e-10``, and, where that reports no
convergence, Nelder-Mead first and BFGS again from there. statsmodels is an optional dependency
(``pip install partial-pooling[check]``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..grouped import ColumnName, check_collinear, group_data, numeric_columns, plain, qr_r

__all__ = ["statsmodels_mixedlm", "statsmodels_mixedlm_default", "statsmodels_ols"]


def _formula(y: ColumnName, x: ColumnName | Sequence[ColumnName] | None) -> str:
    names = [str(x)] if isinstance(x, str | int) else [str(name) for name in x or []]
    return f"{y} ~ " + (" + ".join(names) if names else "1")


def _check(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName | None,
    x: ColumnName | Sequence[ColumnName] | None,
) -> None:
    """The package's own checks of the data, so that statsmodels is only given what fits.

    statsmodels' formulas name columns by strings: other column names get a clear error. In
    `statsmodels_ols` a covariate may also be a formula term such as ``C(county)``.
    """
    names = [] if x is None else [x] if isinstance(x, str | int) else list(x)
    for name in [y, group, *names]:
        if name is not None and not isinstance(name, str):
            raise ValueError(
                f"statsmodels' formulas need string column names, got {plain(name)}: rename the "
                "columns"
            )
    terms = [name for name in names if "(" in str(name) and name not in data.columns]
    columns = [name for name in names if name not in terms]
    if group is not None:
        group_data(data, y, group, columns or None)
    else:
        values = numeric_columns(data, [("response", y), *(("covariate", n) for n in columns)])
        if len(columns) > 1:
            xc = np.column_stack(values[1:])
            xc = xc - xc.mean(axis=0)
            check_collinear(qr_r(xc / np.sqrt((xc * xc).mean(axis=0))), columns, "")


def statsmodels_mixedlm(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    method: str = "REML",
    re_formula: str | None = None,
) -> Any:
    """Fit statsmodels' MixedLM tightly; return its results object.

    Parameters
    ----------
    data, y, group, x
        As for `partial_pooling.fit_random_intercept`.
    method : {"REML", "ML"}
    re_formula : str, optional
        statsmodels' random-effects formula, e.g. ``"~Days"`` for a random slope.

    Raises
    ------
    RuntimeError
        If statsmodels does not report convergence even after the Nelder-Mead restart.
    """
    import statsmodels.formula.api as smf

    if method not in ("ML", "REML"):
        raise ValueError(f"method must be 'ML' or 'REML', got {method!r}")
    _check(data, y, group, x)
    model = smf.mixedlm(_formula(y, x), data, groups=data[group], re_formula=re_formula)
    reml = method == "REML"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(reml=reml, method=["bfgs"], gtol=1e-10, maxiter=20000)
        if not fit.converged:
            nm = model.fit(reml=reml, method=["nm"], maxiter=4000, xatol=1e-10, fatol=1e-12)
            fit = model.fit(
                reml=reml,
                start_params=nm.params_object,
                method=["bfgs"],
                gtol=1e-10,
                maxiter=20000,
            )
    if not fit.converged:
        raise RuntimeError("statsmodels MixedLM did not converge")
    return fit


def statsmodels_mixedlm_default(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    method: str = "REML",
) -> Any:
    """statsmodels' MixedLM with its default ``fit()``, for comparison of accuracy."""
    import statsmodels.formula.api as smf

    if method not in ("ML", "REML"):
        raise ValueError(f"method must be 'ML' or 'REML', got {method!r}")
    _check(data, y, group, x)
    model = smf.mixedlm(_formula(y, x), data, groups=data[group])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(reml=method == "REML")


def statsmodels_ols(
    data: pd.DataFrame, y: ColumnName, x: ColumnName | Sequence[ColumnName] | None = None
) -> Any:
    """Ordinary least squares with statsmodels (complete pooling, independently)."""
    import statsmodels.formula.api as smf

    _check(data, y, None, x)
    return smf.ols(_formula(y, x), data).fit()
