"""Cross-checks against statsmodels, fitted tightly enough to compare to the last digits.

statsmodels' MixedLM is an independent implementation of the same likelihood. Its default
``fit()`` stops 4 to 7 significant digits short of the optimum, so the pages and tests use it
with tight settings: BFGS with its analytic score at ``gtol=1e-10``; where that reports no
convergence, Nelder-Mead first and BFGS again from there; where that fails too (random slopes on
unbalanced sleepstudy), L-BFGS, then CG and Powell, each from the previous one's end.
`statsmodels_mixedlm` returns the result in the package's own shape (`MixedLMFit`: ``mu``,
``beta``, ``sigma_alpha``, ``alpha``, ``coef``, ...), with statsmodels' own results object
as ``result`` for anything else. statsmodels is an optional dependency
(``pip install partial-pooling[check]``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..grouped import ColumnName, check_collinear, group_data, numeric_columns, plain, qr_r

__all__ = [
    "MixedLMFit",
    "statsmodels_mixedlm",
    "statsmodels_mixedlm_default",
    "statsmodels_ols",
]


#: Optimizer paths: (name, [(statsmodels method, options), ...]); no steps is fit()'s default.
Paths = list[tuple[str, list[tuple[str, dict[str, float]]]]]


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


@dataclass(frozen=True, eq=False)
class MixedLMFit:
    """A statsmodels MixedLM fit in the package's shape, indexed as `PoolingFit` and
    `RandomSlopesFit` are, so a page compares attribute with attribute.

    Attributes
    ----------
    method : {"ML", "REML"}
    how : str
        The optimizer path that reached the reported optimum, e.g. ``"BFGS"`` or
        ``"L-BFGS, CG, then Powell"``; ``"statsmodels' default fit()"`` for
        `statsmodels_mixedlm_default`.
    fixed : pandas.Series
        Fixed effects $(\\hat\\mu, \\hat\\beta)$ (random slopes: the population intercept and
        slopes), indexed ``"Intercept"`` and the covariate names (statsmodels' ``fe_params``).
    se_fixed : pandas.Series
        Their standard errors (statsmodels' ``bse_fe``, from its observed Hessian).
    cov : pandas.DataFrame
        Covariance of the random effects, indexed ``"Intercept"`` and the random slopes'
        covariates (statsmodels' ``cov_re``, whose ``"Group"`` is renamed ``"Intercept"``).
    sigma_y : float
        Residual SD, the square root of statsmodels' ``scale``.
    loglik : float
        statsmodels' ``llf`` (REML for REML fits), with lme4's constant.
    ranef : pandas.DataFrame
        Each group's predicted random effects $\\hat a_j$, indexed by group label (sorted),
        with the columns of ``cov``.
    result : statsmodels MixedLMResults
        statsmodels' own results object, for anything else.
    """

    method: str
    how: str
    fixed: pd.Series
    se_fixed: pd.Series
    cov: pd.DataFrame
    sigma_y: float
    loglik: float
    ranef: pd.DataFrame
    result: Any

    @classmethod
    def from_statsmodels(cls, result: Any, group: ColumnName, method: str, how: str) -> MixedLMFit:
        """Read a statsmodels ``MixedLMResults`` into the package's shape."""
        names = ["Intercept", *map(str, result.cov_re.columns[1:])]
        labels = result.model.group_labels
        ranef = pd.DataFrame(
            [np.asarray(result.random_effects[k], dtype=float) for k in labels],
            index=pd.Index(labels, name=group),
            columns=names,
        )
        cov = pd.DataFrame(result.cov_re.to_numpy(), index=names, columns=names)
        return cls(
            method=method,
            how=how,
            fixed=result.fe_params.rename("estimate"),
            se_fixed=result.bse_fe.rename("se"),
            cov=cov,
            sigma_y=float(np.sqrt(result.scale)),
            loglik=float(result.llf),
            ranef=ranef,
            result=result,
        )

    @property
    def mu(self) -> float:
        """$\\hat\\mu_\\alpha$, the fixed intercept."""
        return float(self.fixed.iloc[0])

    @property
    def beta(self) -> pd.Series:
        """The fixed slopes $\\hat\\beta$, indexed by covariate name."""
        return self.fixed.iloc[1:].rename("beta")

    @property
    def sigma_alpha(self) -> float:
        """$\\hat\\sigma_\\alpha$, the SD of the random intercepts."""
        return float(np.sqrt(self.cov.to_numpy()[0, 0]))

    @property
    def coef(self) -> pd.DataFrame:
        """Each group's coefficients: the fixed part of each random term plus $\\hat a_j$."""
        return self.ranef + self.fixed[self.ranef.columns].to_numpy()

    @property
    def alpha(self) -> pd.Series:
        """Group intercepts $\\hat\\alpha_j = \\hat\\mu + \\hat a_j$, indexed by group label."""
        return self.coef["Intercept"].rename("alpha")

    @property
    def a(self) -> pd.Series:
        """Group deviations $\\hat a_j$ of the intercepts."""
        return self.ranef["Intercept"].rename("a")


def _tight_paths() -> Paths:
    """The optimizer paths tried in turn, each a list of (statsmodels method, options) steps."""
    bfgs = ("bfgs", {"gtol": 1e-10, "maxiter": 20000})
    return [
        ("BFGS", [bfgs]),
        (
            "Nelder-Mead then BFGS",
            [("nm", {"maxiter": 4000, "xatol": 1e-10, "fatol": 1e-12}), bfgs],
        ),
        (
            "L-BFGS, CG, then Powell",
            [
                ("lbfgs", {"gtol": 1e-10, "maxiter": 20000}),
                ("cg", {"gtol": 1e-10, "maxiter": 20000}),
                ("powell", {"xtol": 1e-10, "ftol": 1e-14, "maxiter": 20000}),
            ],
        ),
    ]


def _fit_path(model: Any, reml: bool, steps: list[tuple[str, dict[str, float]]]) -> Any:
    """Run the steps of one path, each starting where the previous one stopped; no steps is
    statsmodels' default ``fit()``."""
    fit = None if steps else model.fit(reml=reml)
    for method, options in steps:
        start: dict[str, Any] = {} if fit is None else {"start_params": fit.params_object}
        fit = model.fit(reml=reml, method=[method], **start, **options)
    return fit


def _mixedlm(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None,
    method: str,
    re_formula: str | None,
    paths: Paths,
    converged: bool,
) -> MixedLMFit:
    """The first of ``paths`` that reports convergence (or the first path, if ``converged`` is
    not asked for), in the package's shape."""
    import statsmodels.formula.api as smf

    if method not in ("ML", "REML"):
        raise ValueError(f"method must be 'ML' or 'REML', got {method!r}")
    _check(data, y, group, x)
    model = smf.mixedlm(_formula(y, x), data, groups=data[group], re_formula=re_formula)
    tried = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, steps in paths:
            fit = _fit_path(model, method == "REML", steps)
            if fit.converged or not converged:
                return MixedLMFit.from_statsmodels(fit, group, method, name)
            tried.append(name)
    raise RuntimeError(f"statsmodels MixedLM did not converge (tried {'; '.join(tried)})")


def statsmodels_mixedlm(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    method: str = "REML",
    re_formula: str | None = None,
) -> MixedLMFit:
    """Fit statsmodels' MixedLM tightly; return the fit in the package's shape.

    The optimizer paths are tried in turn until one reports convergence: BFGS at
    ``gtol=1e-10``; Nelder-Mead, then BFGS from its end; L-BFGS, CG, then Powell, each from
    the previous one's end.

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
        If statsmodels reports convergence on none of the paths.
    """
    return _mixedlm(data, y, group, x, method, re_formula, _tight_paths(), converged=True)


def statsmodels_mixedlm_default(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    method: str = "REML",
) -> MixedLMFit:
    """statsmodels' MixedLM with its default ``fit()``, for comparison of accuracy (whether or
    not it reports convergence)."""
    paths: Paths = [("statsmodels' default fit()", [])]
    return _mixedlm(data, y, group, x, method, None, paths, converged=False)


def statsmodels_ols(
    data: pd.DataFrame, y: ColumnName, x: ColumnName | Sequence[ColumnName] | None = None
) -> Any:
    """Ordinary least squares with statsmodels (complete pooling, independently)."""
    import statsmodels.formula.api as smf

    _check(data, y, None, x)
    return smf.ols(_formula(y, x), data).fit()
