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

import pandas as pd

__all__ = ["statsmodels_mixedlm", "statsmodels_mixedlm_default", "statsmodels_ols"]


def _formula(y: str, x: str | Sequence[str] | None) -> str:
    names = [x] if isinstance(x, str) else list(x or [])
    return f"{y} ~ " + (" + ".join(names) if names else "1")


def statsmodels_mixedlm(
    data: pd.DataFrame,
    y: str,
    group: str,
    x: str | Sequence[str] | None = None,
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
    y: str,
    group: str,
    x: str | Sequence[str] | None = None,
    method: str = "REML",
) -> Any:
    """statsmodels' MixedLM with its default ``fit()``, for comparison of accuracy."""
    import statsmodels.formula.api as smf

    model = smf.mixedlm(_formula(y, x), data, groups=data[group])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(reml=method == "REML")


def statsmodels_ols(data: pd.DataFrame, y: str, x: str | Sequence[str] | None = None) -> Any:
    """Ordinary least squares with statsmodels (complete pooling, independently)."""
    import statsmodels.formula.api as smf

    return smf.ols(_formula(y, x), data).fit()
