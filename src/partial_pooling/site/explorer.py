"""Data for the site's in-browser explorer: group summaries and the fit they are held at.

The explorer page recomputes partial pooling live in the reader's browser as
$\\sigma_\\alpha$ moves, with $\\beta$ and $\\sigma_y$ held at their ML or REML estimates. Given
those, each group enters the shrinkage estimator only through its size $n_j$ and its
covariate-adjusted mean $\\bar y_j - \\bar x_j'\\hat\\beta$:

$$
\\begin{gathered}
\\lambda_j = \\frac{n_j\\sigma_\\alpha^2}{n_j\\sigma_\\alpha^2 + \\sigma_y^2},
\\\\
\\hat\\alpha_j = \\lambda_j(\\bar y_j - \\bar x_j'\\hat\\beta)
+ (1-\\lambda_j)\\,\\hat\\mu(\\sigma_\\alpha),
\\end{gathered}
$$

where $\\hat\\mu(\\sigma_\\alpha)$ is the precision-weighted mean of the adjusted means
(`partial_pooling.pooled_mean`, the GLS $\\mu$ at fixed $\\beta$). So the payload is one
small JSON-ready dict per data set: those two numbers per group and the fit's estimates, and
the data themselves, from which the page recomputes the profiled log-likelihood. The
random-slopes part of the page has its own payload (`slopes_payload`) and its own exact
computation (`random_slopes_at`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..estimation import fit_random_intercept
from ..grouped import ColumnName, group_data, one_covariate, plain
from ..random_slopes import fit_random_slopes, group_ols
from ..simulation import Simulation, simulate_groups
from ..validation import Method, check_finite

__all__ = [
    "SCHEMA",
    "SIMULATION_SEED",
    "SLOPES_SCHEMA",
    "explorer_payload",
    "random_slopes_at",
    "simulated_example",
    "site_payloads",
    "slopes_payload",
]

SCHEMA = 2
"""Version of the payload's layout; the page's script checks it."""

SIMULATION_SEED = 20251125
"""Seed of the simulated data set shown on the explorer page."""


def explorer_payload(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    method: Method = "REML",
    title: str | None = None,
    description: str = "",
    truth: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Everything the explorer needs about one data set, as a JSON-ready dict.

    Fits the random-intercept model (`partial_pooling.fit_random_intercept`) and returns,
    for each group $j$, its label, its size $n_j$ and its covariate-adjusted mean
    $\\bar y_j - \\bar x_j'\\hat\\beta$ at the fitted $\\hat\\beta$ (the no-pooling value of its
    intercept at that $\\beta$), together with $\\hat\\mu$, $\\hat\\beta$, $\\hat\\sigma_\\alpha$,
    $\\hat\\sigma_y$, $\\hat\\psi$ and the intraclass correlation $\\hat\\rho$.

    Parameters
    ----------
    data, y, group, x, method
        As for `partial_pooling.fit_random_intercept`.
    title : str, optional
        Name of the data set shown on the page (default: ``y``).
    description : str
        One or two sentences about the data, shown on the page; ``_{...}`` marks a subscript
        (``\u03c3_{\u03b1}``).
    truth : dict, optional
        For simulated data: the true parameters (``mu``, ``beta``, ``sigma_alpha``,
        ``sigma_y``).

    Returns
    -------
    dict
        ``schema``, ``title``, ``description``, ``y``, ``group``, ``x`` (covariate names),
        ``method``, ``N``, ``J``; ``fit`` with ``mu``, ``beta`` (name to value),
        ``sigma_alpha``, ``sigma_y``, ``psi``, ``icc``, ``loglik`` and ``at_boundary``;
        ``groups`` with the lists ``label``, ``n`` and ``adjusted_mean`` (one entry per group,
        in the fit's group order); ``rows``, the data themselves (``y``; ``x``, the first
        covariate, or None; ``group``, each row's index into ``groups``; None with several
        covariates), from which the page recomputes the profiled log-likelihood
        (`partial_pooling.profile_loglik`) at any $\\sigma_\\alpha$; ``truth`` when given.
        Every number is a finite Python float or int, so
        ``json.dumps(payload, allow_nan=False)`` round-trips it exactly.

    Examples
    --------
    >>> from partial_pooling import datasets
    >>> p = explorer_payload(datasets.sleepstudy(), "Reaction", "Subject", "Days")
    >>> p["J"], p["groups"]["n"][:3], round(p["fit"]["sigma_alpha"], 3)
    (18, [10, 10, 10], 37.124)
    """
    fit = fit_random_intercept(data, y=y, group=group, x=x, method=method)
    labels = fit.n.index
    adjusted = fit.adjusted_ybar.reindex(labels).to_numpy()
    payload: dict[str, Any] = {
        "schema": SCHEMA,
        "title": title if title is not None else y,
        "description": description,
        "y": y,
        "group": group,
        "x": list(fit.x_names),
        "method": fit.method,
        "N": int(fit.N),
        "J": int(fit.J),
        "fit": {
            "mu": check_finite("mu", fit.mu),
            "beta": {str(k): check_finite(f"beta[{k}]", v) for k, v in fit.beta.items()},
            "sigma_alpha": check_finite("sigma_alpha", fit.sigma_alpha),
            "sigma_y": check_finite("sigma_y", fit.sigma_y),
            "psi": check_finite("psi", fit.psi),
            "icc": check_finite("icc", fit.icc),
            "loglik": check_finite("loglik", fit.loglik),
            "at_boundary": bool(fit.at_boundary),
        },
        "groups": {
            "label": [str(label) for label in labels],
            "n": [int(v) for v in fit.n.to_numpy()],
            "adjusted_mean": [
                check_finite(f"adjusted mean of {label}", v)
                for label, v in zip(labels, adjusted, strict=True)
            ],
        },
    }
    codes = pd.Categorical(data[group], categories=labels).codes
    first_x = fit.x_names[0] if fit.x_names else None
    # The page's likelihood (docs/javascripts/ppcore.js) takes one covariate at most.
    payload["rows"] = (
        None
        if len(fit.x_names) > 1
        else {
            "y": [float(v) for v in data[y].to_numpy(dtype=float)],
            "x": None
            if first_x is None
            else [float(v) for v in data[first_x].to_numpy(dtype=float)],
            "group": [int(c) for c in codes],
        }
    )
    if truth is not None:
        payload["truth"] = {k: check_finite(k, v) for k, v in truth.items()}
    return payload


def simulated_example(rng: np.random.Generator | int = SIMULATION_SEED) -> Simulation:
    """The simulated data set of the explorer page: 40 groups of 1 to 200 observations.

    Group sizes are spread evenly on a log scale (rounded), so that every size from a single
    observation to a few hundred is represented; $\\mu_\\alpha = 1$, $\\beta = -0.7$,
    $\\sigma_\\alpha = 0.4$, $\\sigma_y = 0.8$, covariate within-group SD 0.5.
    """
    sizes = np.round(np.geomspace(1, 200, 40)).astype(int).tolist()
    return simulate_groups(
        sizes, mu=1.0, beta=-0.7, sigma_alpha=0.4, sigma_y=0.8, x_sd=0.5, rng=rng
    )


def site_payloads() -> dict[str, dict[str, Any]]:
    """The explorer's data sets, by key: ``"radon"`` and ``"simulated"`` (REML fits).

    The site's build hook writes each as ``assets/generated/explorer-<key>.json``.
    """
    radon = datasets.radon()
    sim = simulated_example()
    truth = {
        "mu": sim.mu,
        "beta": float(sim.beta if sim.beta is not None else 0.0),
        "sigma_alpha": sim.sigma_alpha,
        "sigma_y": sim.sigma_y,
    }
    beta_text = f"{truth['beta']:g}".replace("-", "\u2212")
    return {
        "radon": explorer_payload(
            radon,
            y="log_radon",
            group="county",
            x="floor",
            method="REML",
            title="Minnesota radon: log radon by county",
            description=(
                f"Gelman and Hill's radon survey: {len(radon)} houses in "
                f"{radon['county'].nunique()} counties; y is log radon, x the floor of the "
                "measurement (0 = basement, 1 = first floor)."
            ),
        ),
        "simulated": explorer_payload(
            sim.data,
            y="y",
            group="group",
            x="x",
            method="REML",
            title=(
                f"Simulated: {sim.J} groups of {int(sim.n.min())} to {int(sim.n.max())} "
                "observations"
            ),
            description=(
                f"Drawn from the random-intercept model with \u03bc_{{\u03b1}} = {sim.mu:g}, "
                f"\u03b2 = {beta_text}, \u03c3_{{\u03b1}} = {sim.sigma_alpha:g}, "
                f"\u03c3_{{y}} = {sim.sigma_y:g} (seed {SIMULATION_SEED}): the true "
                "\u03c3_{\u03b1} is known, so compare it with the REML estimate."
            ),
            truth=truth,
        ),
    }


SLOPES_SCHEMA = 1
"""Version of the random-slopes payload's layout; the page's script checks it."""


def _slope_covariance(sigma_alpha: object, corr: object) -> np.ndarray:
    """$\\Sigma$ from the two SDs and the correlation, or a ValueError naming the argument."""
    two = "sigma_alpha must be the two SDs of the intercepts and slopes, got"
    try:
        sd = np.asarray(sigma_alpha, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{two} {plain(sigma_alpha)}") from None
    if sd.shape != (2,):
        raise ValueError(f"{two} {plain(sigma_alpha)}")
    if not (np.isfinite(sd).all() and (sd >= 0).all()):
        raise ValueError(
            f"sigma_alpha must be two finite values >= 0, got {plain([float(v) for v in sd])}"
        )
    if isinstance(corr, bool) or not isinstance(corr, int | float | np.integer | np.floating):
        raise ValueError(f"corr must be a number between -1 and 1, got {plain(corr)}")
    rho = float(corr)
    if not -1.0 <= rho <= 1.0:
        raise ValueError(f"corr must be between -1 and 1, got {plain(rho)}")
    c = rho * sd[0] * sd[1]
    return np.array([[sd[0] ** 2, c], [c, sd[1] ** 2]])


def random_slopes_at(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName,
    sigma_alpha: Sequence[float],
    sigma_y: float,
    corr: float = 0.0,
) -> tuple[pd.Series, pd.DataFrame]:
    """Fixed effects and each group's intercept and slope at given variance parameters.

    For $y_{ij} = (\\mu_0 + a_{0j}) + (\\mu_1 + a_{1j})x_{ij} + \\varepsilon_{ij}$ with
    $a_j \\sim N(0, \\Sigma)$, $\\Sigma$ made of the SDs ``sigma_alpha``
    $= (\\sigma_0, \\sigma_1)$ of the intercepts and slopes and their correlation ``corr``
    (0 by default: independent), and $\\varepsilon_{ij} \\sim N(0, \\sigma_y^2)$: the GLS
    estimate of $\\mu$ and the conditional modes (BLUPs) $\\hat a_j$, exactly, from each group's
    cross-products $S_j = X_j'X_j$ and $r_j = X_j'y_j$ ($X_j = [1, x_j]$). With
    $Q_j = (\\sigma_y^2 I + S_j\\Sigma)^{-1}$, which needs no inverse of $\\Sigma$ (so a
    correlation of $\\pm 1$ or an SD of 0 is fine),

    $$
    \\begin{gathered}
    X_j'V_j^{-1}X_j = Q_jS_j,\\quad X_j'V_j^{-1}y_j = Q_jr_j,\\\\
    \\hat\\mu = \\Big(\\sum_j Q_jS_j\\Big)^{-1}\\sum_j Q_jr_j,\\\\
    \\hat a_j = \\Sigma\\,Q_j(r_j - S_j\\hat\\mu).
    \\end{gathered}
    $$

    What the explorer page recomputes in the browser as the reader moves the SDs and the
    correlation. At the REML or ML estimates of `partial_pooling.fit_random_slopes` it gives
    that fit's ``fixed`` and ``coef``.

    Returns
    -------
    fixed : pandas.Series
        $(\\hat\\mu_0, \\hat\\mu_1)$, the population intercept and slope, indexed
        ``"Intercept"`` and ``x``.
    coef : pandas.DataFrame
        $\\hat\\mu + \\hat a_j$ for each group, indexed by group, the same columns.
    """
    if isinstance(sigma_y, bool) or not isinstance(sigma_y, int | float | np.integer | np.floating):
        raise ValueError(f"sigma_y must be a number > 0, got {plain(sigma_y)}")
    if not (np.isfinite(sigma_y) and sigma_y > 0):
        raise ValueError(f"sigma_y must be finite and > 0, got {plain(float(sigma_y))}")
    sigma_y = float(sigma_y)
    D = _slope_covariance(sigma_alpha, corr)
    x = one_covariate(x, "random_slopes_at")
    g = group_data(data, y=y, group=group, x=x)
    xv = g.x[:, 0]
    n = g.n.astype(float)
    sx, sxx = g.group_sums(xv), g.group_sums(xv * xv)
    sy, sxy = g.group_sums(g.y), g.group_sums(xv * g.y)
    S = np.stack([np.stack([n, sx], -1), np.stack([sx, sxx], -1)], -2)  # (J, 2, 2)
    r = np.stack([sy, sxy], -1)  # (J, 2)
    Q = np.linalg.inv(sigma_y**2 * np.eye(2) + S @ D)
    mu = np.linalg.solve((Q @ S).sum(axis=0), (Q @ r[:, :, None]).sum(axis=0))[:, 0]
    a = (D @ Q @ (r - S @ mu)[:, :, None])[:, :, 0]
    columns = ["Intercept", x]
    return (
        pd.Series(mu, index=columns, name="estimate"),
        pd.DataFrame(mu + a, index=g.labels.copy(), columns=columns),
    )


def slopes_payload(
    data: pd.DataFrame | None = None,
    *,
    y: ColumnName = "Reaction",
    group: ColumnName = "Subject",
    x: ColumnName = "Days",
    method: Method = "REML",
) -> dict[str, Any]:
    """The random-slopes part of the explorer page (sleepstudy by default), JSON-ready.

    The rows themselves (``y``, ``x`` and ``group``, each row's index into ``labels``), from
    which the page recomputes `random_slopes_at` at the reader's SDs and correlation; each
    group's own least-squares line (`partial_pooling.group_ols`; None for a group without one);
    and the fit
    (`partial_pooling.fit_random_slopes`): ``mu`` (the population intercept and slope, the fit's
    ``fixed``), ``sd``, ``corr``, ``sigma_y`` and every group's ``coef``.
    """
    x = one_covariate(x, "slopes_payload")
    if data is None:
        data = datasets.sleepstudy()
    fit = fit_random_slopes(data, y=y, group=group, x=[x], method=method)
    ols = group_ols(data, y=y, group=group, x=x)
    labels = fit.coef.index
    codes = pd.Categorical(data[group], categories=labels).codes
    return {
        "schema": SLOPES_SCHEMA,
        "y": str(y),
        "group": str(group),
        "x": str(x),
        "method": fit.method,
        "labels": [str(v) for v in labels],
        "rows": {
            "y": [check_finite("y", v) for v in data[y].to_numpy(dtype=float)],
            "x": [check_finite("x", v) for v in data[x].to_numpy(dtype=float)],
            "group": [int(c) for c in codes],
        },
        # a group's own line, or None when it has none (one observation, or x constant in it)
        "ols": [
            [float(v) for v in row] if np.isfinite(row).all() else None
            for row in ols.loc[labels].to_numpy()
        ],
        "fit": {
            "mu": [check_finite("mu", v) for v in fit.fixed.to_numpy()],
            "sd": [check_finite("sd", v) for v in fit.sd.to_numpy()],
            "corr": check_finite("corr", fit.corr),
            "sigma_y": check_finite("sigma_y", fit.sigma_y),
            "coef": [[check_finite("coef", v) for v in row] for row in fit.coef.to_numpy()],
        },
    }
