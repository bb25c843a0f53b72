"""Cross-checks against statsmodels, fitted tightly enough to compare to the last digits.

statsmodels' MixedLM is an independent implementation of the same likelihood. Its default
``fit()`` stops 4 to 7 significant digits short of the optimum (10 log-likelihood units short
on the unbalanced sleepstudy of the group-predictor page), and whether its BFGS reports
convergence at a tight ``gtol`` depends on the CPU's floating-point kernels. So the pages and
tests polish statsmodels' own default fit with Newton's method on statsmodels' own profiled
log-likelihood and analytic score: `scipy.optimize.minimize`'s ``trust-exact``, with the
Hessian from central differences of that score, at most `NEWTON_MAXITER` steps. The start is
statsmodels' and so is every function evaluated, so the check shares nothing with the
package's fit; its cost is bounded (statsmodels' default iteration limits and at most
`NEWTON_MAXITER` Newton steps) and does not depend on an optimizer's luck. The fit counts as
converged when the Newton decrement, the log-likelihood a further Newton step would gain, is
below `DECREMENT_TOL`.

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
from ..validation import check_method

__all__ = [
    "DECREMENT_TOL",
    "NEWTON_MAXITER",
    "MixedLMFit",
    "NewtonPolish",
    "newton_polish",
    "statsmodels_mixedlm",
    "statsmodels_mixedlm_default",
    "statsmodels_ols",
]


#: Most Newton steps taken from statsmodels' default fit (measured: 1 to 8 on the site's data).
NEWTON_MAXITER = 50
#: Largest Newton decrement, g' H^-1 g / 2 in log-likelihood units, accepted as the optimum.
DECREMENT_TOL = 1e-10


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
        group_data(data, y=y, group=group, x=columns or None)
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
        How the optimum was reached, e.g. ``"default fit(), then 2 Newton steps"``;
        ``"statsmodels' default fit()"`` for `statsmodels_mixedlm_default`.
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


@dataclass(frozen=True)
class NewtonPolish:
    """Newton's method on statsmodels' profiled log-likelihood, from statsmodels' default fit.

    The parameters are statsmodels' own packed covariance parameters (the Cholesky factor of
    the random-effects covariance relative to $\\sigma_y^2$, ``use_sqrt``), with the fixed
    effects and $\\sigma_y$ profiled out as statsmodels' ``fit()`` does.

    Attributes
    ----------
    packed : numpy.ndarray
        The optimum's packed parameters.
    steps : int
        Newton (trust-region) iterations taken.
    evaluations : int
        Calls of statsmodels' ``loglike`` and ``score`` in all (the Hessians included).
    decrement : float
        The Newton decrement at the end, $g' (-H)^{-1} g / 2$: how much log-likelihood a
        further Newton step would gain.
    """

    packed: np.ndarray
    steps: int
    evaluations: int
    decrement: float

    @property
    def converged(self) -> bool:
        """Whether the decrement is below `DECREMENT_TOL`."""
        return bool(0 <= self.decrement < DECREMENT_TOL)


def newton_polish(model: Any, start: np.ndarray, maxiter: int = NEWTON_MAXITER) -> NewtonPolish:
    """Maximize statsmodels' profiled log-likelihood from ``start`` with ``trust-exact``.

    ``model`` is a statsmodels ``MixedLM`` whose ``reml`` is set (a ``fit()`` sets it); the
    gradient is statsmodels' analytic ``score`` and the Hessian its central differences
    (steps of 1e-6 relative), symmetrized.
    """
    from scipy import optimize

    calls = [0]

    def f(p: np.ndarray) -> float:
        calls[0] += 1
        return -float(model.loglike(p, profile_fe=True))

    def g(p: np.ndarray) -> np.ndarray:
        calls[0] += 1
        return -np.asarray(model.score(p, profile_fe=True), dtype=float)

    def h(p: np.ndarray) -> np.ndarray:
        k = p.size
        H = np.empty((k, k))
        for i in range(k):
            e = np.zeros(k)
            e[i] = 1e-6 * max(1.0, abs(p[i]))
            H[:, i] = (g(p + e) - g(p - e)) / (2 * e[i])
        return (H + H.T) / 2

    res = optimize.minimize(
        f,
        np.asarray(start, dtype=float),
        jac=g,
        hess=h,
        method="trust-exact",
        options={"gtol": 1e-12, "maxiter": maxiter},
    )
    grad, hess = g(res.x), h(res.x)
    try:
        decrement = float(grad @ np.linalg.solve(hess, grad)) / 2
    except np.linalg.LinAlgError:
        decrement = np.inf
    if not np.all(np.linalg.eigvalsh(hess) > 0):
        decrement = np.inf  # not a strict maximum of the log-likelihood
    return NewtonPolish(res.x, int(res.nit), calls[0], decrement)


def _mixedlm(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None,
    method: str,
    re_formula: str | None,
    tight: bool,
) -> MixedLMFit:
    """statsmodels' default fit, polished by `newton_polish` when ``tight``."""
    import statsmodels.formula.api as smf

    method = check_method(method)
    _check(data, y, group, x)
    model = smf.mixedlm(_formula(y, x), data, groups=data[group], re_formula=re_formula)
    reml = method == "REML"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(reml=reml)
        if not tight:
            return MixedLMFit.from_statsmodels(fit, group, method, "statsmodels' default fit()")
        start = fit.params_object.get_packed(use_sqrt=model.use_sqrt, has_fe=False)
        polish = newton_polish(model, start, maxiter=NEWTON_MAXITER)
        if not polish.converged:
            raise RuntimeError(
                f"statsmodels MixedLM did not converge: {polish.steps} Newton steps from its "
                f"default fit left a Newton decrement of {polish.decrement:.3g} (at most "
                f"{DECREMENT_TOL:g} accepted)"
            )
        # statsmodels' results object at the polished parameters (no optimizer step)
        fit = model.fit(reml=reml, start_params=polish.packed, method=["bfgs"], maxiter=0)
    how = f"default fit(), then {polish.steps} Newton step{'s' * (polish.steps != 1)}"
    return MixedLMFit.from_statsmodels(fit, group, method, how)


def statsmodels_mixedlm(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    method: str = "REML",
    re_formula: str | None = None,
) -> MixedLMFit:
    """Fit statsmodels' MixedLM tightly; return the fit in the package's shape.

    statsmodels' default ``fit()``, then Newton's method on statsmodels' own profiled
    log-likelihood and score (`newton_polish`) until the Newton decrement is below
    `DECREMENT_TOL`.

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
        If `NEWTON_MAXITER` Newton steps do not reach the optimum.
    """
    return _mixedlm(data, y, group, x, method, re_formula, tight=True)


def statsmodels_mixedlm_default(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    method: str = "REML",
) -> MixedLMFit:
    """statsmodels' MixedLM with its default ``fit()``, for comparison of accuracy (whether or
    not it reports convergence)."""
    return _mixedlm(data, y, group, x, method, None, tight=False)


def statsmodels_ols(
    data: pd.DataFrame, *, y: ColumnName, x: ColumnName | Sequence[ColumnName] | None = None
) -> Any:
    """Ordinary least squares with statsmodels (complete pooling, independently)."""
    import statsmodels.formula.api as smf

    _check(data, y, None, x)
    return smf.ols(_formula(y, x), data).fit()
