"""Predicting a new observation, in a group already seen or in a new group.

For the random-intercept model $y_{ij} = \\mu + x_{ij}'\\beta + a_j + \\varepsilon_{ij}$, a new
observation $\\tilde y = \\mu + \\tilde x'\\beta + a_j + \\tilde\\varepsilon$ with covariates
$\\tilde x$ is predicted by

* in a group $j$ of the data: $\\hat y = \\hat\\alpha_j + \\tilde x'\\hat\\beta$, the group's
  partially pooled intercept plus the fixed part;
* in a new group: $\\hat y = \\hat\\mu + \\tilde x'\\hat\\beta$, since nothing is known of its
  $a_j$ beyond the population.

Write $b = (\\mu, \\beta)$, $\\tilde z = (1, \\tilde x)$ and $\\bar z_j = (1, \\bar x_j)$. At
given variance components, with $\\hat b$ the GLS estimate and $\\hat a_j$ the BLUP, the
prediction error $\\hat y - \\tilde y$ has variance

$$
\\operatorname{Var}(\\hat y - \\tilde y)
= c_j'\\operatorname{Var}(\\hat b)\\,c_j + \\sigma_\\alpha^2(1 - \\lambda_j) + \\sigma_y^2,
\\qquad c_j = \\tilde z - \\lambda_j\\bar z_j,
$$

with $\\lambda_j = 0$ (so $c = \\tilde z$ and the middle term is $\\sigma_\\alpha^2$) for a new
group. The three terms are the uncertainty of the fixed effects, of the group's effect given its
data, and the new observation's own noise; they add because the error of the BLUP at known $b$,
$E(a_j \\mid y) - a_j$, is uncorrelated with every function of the data, $\\hat b$ included.
This is the exact prediction error variance at known variance components (Henderson's). The
intervals here plug in the ML or REML estimates of $\\sigma_\\alpha$ and $\\sigma_y$ and use
normal quantiles: they ignore the uncertainty of the variance estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from .estimation import fit_random_intercept
from .fits import PoolingFit, RandomSlopesFit
from .grouped import GroupedData, plain
from .on_data import on_data
from .shrinkage import shrinkage_factor
from .validation import Method, check_level, check_method, check_positive_int

__all__ = ["Coverage", "coverage_given_effect", "predict", "prediction_coverage"]


def _components(
    fit: PoolingFit, z: np.ndarray, zbar: np.ndarray, lam: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """$c'\\operatorname{Var}(\\hat b)c$ and $\\sigma_\\alpha^2(1-\\lambda)$ for rows of $z$."""
    c = z - lam[:, None] * zbar
    cov = fit.cov_fixed.to_numpy()
    var_fixed = np.einsum("ia,ab,ib->i", c, cov, c)
    return var_fixed, fit.sigma_alpha**2 * (1.0 - lam)


def newdata_rows(
    fit: PoolingFit | RandomSlopesFit, newdata: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows of ``newdata`` a fit predicts, checked: the covariates $\\tilde x$ (one row
    each), whether each row's group is one of the fit's, and that group's position in the fit
    (-1 for a new group).

    Raises
    ------
    ValueError
        If ``newdata`` is not a DataFrame, lacks a column the fit uses, or has a missing or
        non-finite covariate value.
    """
    if not isinstance(newdata, pd.DataFrame):
        raise ValueError(f"newdata must be a pandas DataFrame, got {type(newdata).__name__}")
    missing = [c for c in [fit.group_name, *fit.x_names] if c not in newdata.columns]
    if missing:
        raise ValueError(f"newdata lacks the column(s) {plain(missing)} that the fit uses")
    x = newdata[fit.x_names].to_numpy(dtype=float).reshape(len(newdata), len(fit.x_names))
    if not np.isfinite(x).all():
        raise ValueError(
            f"newdata has missing or non-finite covariate values in {plain(fit.x_names)}"
        )
    labels = newdata[fit.group_name]
    known = labels.isin(fit.alpha.index).to_numpy()
    pos = fit.alpha.index.get_indexer(pd.Index(labels.where(known)))
    return x, known, np.asarray(pos)


def predict(
    fit: PoolingFit,
    newdata: pd.DataFrame,
    *,
    level: float = 0.95,
    include_fixed: bool = True,
) -> pd.DataFrame:
    """Point predictions and predictive intervals for new observations.

    Parameters
    ----------
    fit : PoolingFit
        A partial-pooling fit (`partial_pooling.fit_random_intercept`).
    newdata : pandas.DataFrame
        One row per new observation, with the fit's grouping column and covariate columns. A
        row whose group label is one of the fit's groups is predicted in that group; any other
        label is a new group.
    level : float
        Coverage probability of the intervals, between 0 and 1.
    include_fixed : bool
        Include $c_j'\\operatorname{Var}(\\hat b)c_j$, the uncertainty of
        $(\\hat\\mu, \\hat\\beta)$ (conditional on the variance components, as
        ``fit.cov_fixed``). Without it the variance is
        $\\sigma_\\alpha^2(1-\\lambda_j) + \\sigma_y^2$.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``newdata``, with columns ``known_group`` (bool), ``point``
        ($\\hat y$), ``var_fixed``, ``var_group`` ($\\sigma_\\alpha^2(1-\\lambda_j)$, or
        $\\sigma_\\alpha^2$ in a new group), ``var_residual`` ($\\sigma_y^2$), ``sd`` (the
        square root of their sum; ``var_fixed`` counts only with ``include_fixed``), ``lower``
        and ``upper`` ($\\hat y \\mp z_{(1+\\text{level})/2}\\,\\text{sd}$).

    Raises
    ------
    ValueError
        If ``fit`` is not a partial-pooling fit, a column is missing, or a covariate value is
        missing or not finite.
    """
    if not isinstance(fit, PoolingFit) or fit.pooling != "partial":
        raise ValueError("fit must be a partial-pooling fit (fit_random_intercept)")
    q = check_level(level)
    x, known, pos = newdata_rows(fit, newdata)
    lam = np.where(known, fit.shrinkage.to_numpy()[pos], 0.0)
    intercept = np.where(known, fit.alpha.to_numpy()[pos], fit.mu)
    point = intercept + x @ fit.beta.to_numpy()
    z = np.column_stack([np.ones(len(newdata)), x])
    zbar = np.column_stack([np.ones(len(newdata)), fit.xbar.to_numpy()[pos]])
    var_fixed, var_group = _components(fit, z, zbar, lam)
    var_residual = np.full(len(newdata), fit.sigma_y**2)
    sd = np.sqrt(var_group + var_residual + (var_fixed if include_fixed else 0.0))
    half = stats.norm.ppf(0.5 + q / 2) * sd
    return pd.DataFrame(
        {
            "known_group": known,
            "point": point,
            "var_fixed": var_fixed,
            "var_group": var_group,
            "var_residual": var_residual,
            "sd": sd,
            "lower": point - half,
            "upper": point + half,
        },
        index=newdata.index,
    )


@dataclass(frozen=True)
class Coverage:
    """Coverage of predictive intervals, estimated by simulation from a fitted model.

    Attributes
    ----------
    level : float
        The nominal coverage.
    reps : int
        Number of simulated data sets.
    per_rep : pandas.DataFrame
        One row per data set: the fraction of the $J$ new observations covered, for each kind
        of prediction (columns ``known``, ``known_no_fixed``, ``new``, ``new_no_fixed``: in
        the group, in a new group; with and without the fixed-effect variance).
    fit : PoolingFit
        The fit the data were simulated from.
    """

    level: float
    reps: int
    per_rep: pd.DataFrame
    fit: PoolingFit

    @property
    def estimate(self) -> pd.Series:
        """Coverage, the mean over data sets and new observations."""
        return self.per_rep.mean().rename("coverage")

    @property
    def mc_se(self) -> pd.Series:
        """Monte Carlo standard error of `estimate`: SD over data sets / $\\sqrt{\\text{reps}}$.

        The data sets are independent; the $J$ observations within one are not (they share
        $\\hat b$ and the variance estimates), hence the per-data-set means.
        """
        return pd.Series(self.per_rep.std(ddof=1) / np.sqrt(self.reps), name="mc_se")


def _first_rows(g: GroupedData) -> np.ndarray:
    """The covariates of each group's first observation, one row per group."""
    first = np.full(g.J, -1)
    order = np.arange(g.N)[::-1]
    first[g.codes[order]] = order
    return np.asarray(g.x[first], dtype=float).reshape(g.J, g.p)


def _prediction_coverage(
    g: GroupedData,
    *,
    reps: int,
    rng: np.random.Generator,
    level: float = 0.95,
    method: Method = "REML",
) -> Coverage:
    """Simulate from the fitted model, refit, and count how often the intervals cover.

    The model is fitted to ``data`` (ML or REML); each of ``reps`` data sets is then drawn
    from that fit with the same design: new $a_j \\sim N(0, \\hat\\sigma_\\alpha^2)$ and
    $\\varepsilon_{ij} \\sim N(0, \\hat\\sigma_y^2)$. In each data set, every group gets one new
    observation with the covariates of its first row, and so does a new group (drawn from the
    population) for each group's covariates. The model is refitted, `predict` gives the
    intervals, and the fraction covered is recorded. The coverage is thus an average over the
    population of groups: for one group with a given effect $a_j$ it can differ.

    Parameters
    ----------
    data, y, group, x
        As for `partial_pooling.fit_random_intercept`.
    reps : int
        Number of simulated data sets.
    rng : numpy.random.Generator
    level : float
        Nominal coverage of the intervals.
    method : {"REML", "ML"}

    Returns
    -------
    Coverage
    """
    method = check_method(method)
    q = check_level(level)
    reps = check_positive_int("reps", reps)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    fit = fit_random_intercept.grouped(g, method)
    b = fit.fixed.to_numpy()
    mean = b[0] + g.x @ b[1:]
    x_new = _first_rows(g)
    mean_new = b[0] + x_new @ b[1:]
    z = np.column_stack([np.ones(g.J), x_new])
    zq = stats.norm.ppf(0.5 + q / 2)
    s_a, s_y = fit.sigma_alpha, fit.sigma_y
    rows = []
    for _ in range(reps):
        a = rng.normal(0.0, s_a, g.J)
        y_sim = mean + a[g.codes] + rng.normal(0.0, s_y, g.N)
        y_known = mean_new + a + rng.normal(0.0, s_y, g.J)
        y_new = mean_new + rng.normal(0.0, s_a, g.J) + rng.normal(0.0, s_y, g.J)
        refit = fit_random_intercept.grouped(replace(g, y=y_sim), method)
        lam = refit.shrinkage.to_numpy()
        point_known = refit.alpha.to_numpy() + x_new @ refit.beta.to_numpy()
        point_new = refit.mu + x_new @ refit.beta.to_numpy()
        zbar = np.column_stack([np.ones(g.J), refit.xbar.to_numpy()])
        vf_k, vg_k = _components(refit, z, zbar, lam)
        vf_n, vg_n = _components(refit, z, zbar, np.zeros(g.J))
        v_y = refit.sigma_y**2
        row = {}
        for name, err, vf, vg in [
            ("known", y_known - point_known, vf_k, vg_k),
            ("new", y_new - point_new, vf_n, vg_n),
        ]:
            row[name] = float(np.mean(np.abs(err) <= zq * np.sqrt(vf + vg + v_y)))
            row[f"{name}_no_fixed"] = float(np.mean(np.abs(err) <= zq * np.sqrt(vg + v_y)))
        rows.append(row)
    cols = ["known", "known_no_fixed", "new", "new_no_fixed"]
    return Coverage(level=q, reps=reps, per_rep=pd.DataFrame(rows, columns=cols), fit=fit)


prediction_coverage = on_data(_prediction_coverage)


def coverage_given_effect(
    n: float | Sequence[float] | np.ndarray,
    a: float | Sequence[float] | np.ndarray,
    *,
    sigma_alpha: float,
    sigma_y: float,
    level: float = 0.95,
) -> np.ndarray:
    """Coverage of the interval for a new observation in a group whose effect is $a_j$.

    At known $\\mu$, $\\beta$ and variance components, the prediction in group $j$ is
    $\\mu + \\tilde x'\\beta + \\lambda_j\\bar r_j$ with $\\bar r_j = a_j + \\bar\\varepsilon_j$,
    so given $a_j$ its error $\\hat y - \\tilde y = -(1-\\lambda_j)a_j + \\lambda_j
    \\bar\\varepsilon_j - \\tilde\\varepsilon$ is normal with mean $-(1-\\lambda_j)a_j$ and
    variance $s_j^2 = \\lambda_j^2\\sigma_y^2/n_j + \\sigma_y^2$, while the interval's
    half-width is $h_j = z\\sqrt{\\sigma_\\alpha^2(1-\\lambda_j) + \\sigma_y^2}$. The coverage
    is

    $$
    \\Phi\\Big(\\frac{h_j + (1-\\lambda_j)a_j}{s_j}\\Big)
    - \\Phi\\Big(\\frac{-h_j + (1-\\lambda_j)a_j}{s_j}\\Big),
    $$

    whose average over $a_j \\sim N(0, \\sigma_\\alpha^2)$ is exactly ``level``.

    Parameters
    ----------
    n : float or array_like
        Group sizes $n_j > 0$.
    a : float or array_like
        Group effects $a_j$ (broadcast against ``n``).
    sigma_alpha, sigma_y : float
        The variance components ($\\sigma_\\alpha \\ge 0$, $\\sigma_y > 0$).
    level : float
        Nominal coverage of the interval.

    Returns
    -------
    ndarray
        The coverage for each pair $(n_j, a_j)$.
    """
    q = check_level(level)
    lam = np.asarray(shrinkage_factor(n, sigma_alpha=sigma_alpha, sigma_y=sigma_y), dtype=float)
    if np.isinf(sigma_alpha):
        raise ValueError(f"sigma_alpha must be finite here, got {plain(sigma_alpha)}")
    try:
        eff = np.asarray(a, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"group effects a must be numeric, got {plain(a)}") from None
    if not np.isfinite(eff).all():
        raise ValueError(f"group effects a must be finite, got {np.ravel(eff)[:5].tolist()}")
    n_arr = np.asarray(n, dtype=float)
    half = stats.norm.ppf(0.5 + q / 2) * np.sqrt(sigma_alpha**2 * (1 - lam) + sigma_y**2)
    s = np.sqrt(lam**2 * sigma_y**2 / n_arr + sigma_y**2)
    bias = (1 - lam) * eff
    return np.asarray(stats.norm.cdf((half + bias) / s) - stats.norm.cdf((-half + bias) / s))
