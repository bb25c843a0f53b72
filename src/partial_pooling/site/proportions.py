"""What the proportions page computes beyond the fit: each group's shift and its weights.

For a logistic random-intercept fit without covariates (`partial_pooling.binomial`), group $j$'s
own log-odds are $\\tilde\\alpha_j = \\operatorname{logit}(y_j / m_j)$ (no pooling; infinite
for a group of no successes or of no failures) and its partially pooled intercept is the
conditional mode $\\hat\\alpha_j$. The **exact shift** is the fraction of the way from
$\\hat\\mu_\\alpha$ to its own log-odds at which $\\hat\\alpha_j$ stands,

$$\\lambda_j^{\\text{exact}} = \\frac{\\hat\\alpha_j - \\hat\\mu_\\alpha}
{\\tilde\\alpha_j - \\hat\\mu_\\alpha},$$

and the **weight from the curvature** is the Gaussian $\\lambda_j = \\sigma_\\alpha^2 /
(\\sigma_\\alpha^2 + \\sigma_y^2/n_j)$ with $\\sigma_y^2/n_j$ replaced by $v_j = 1/(m_j
\\hat p_j(1-\\hat p_j))$, the inverse curvature of the group's binomial log-likelihood in
$\\alpha_j$ at the mode ($\\hat p_j = \\operatorname{logit}^{-1}\\hat\\alpha_j$):

$$\\lambda_j^{\\text{curv}} = \\frac{\\hat\\sigma_\\alpha^2}{\\hat\\sigma_\\alpha^2 + v_j}
= 1 - \\frac{\\operatorname{sd}_j^2}{\\hat\\sigma_\\alpha^2},$$

$\\operatorname{sd}_j$ the fit's ``cond_sd``. The mode solves $\\hat a_j/\\hat\\sigma_\\alpha^2
= y_j - m_j \\hat p_j$; the group's score $y_j - m_j p$ is zero at $\\tilde\\alpha_j$, so
$\\lambda_j^{\\text{exact}} = \\hat\\sigma_\\alpha^2 S_j / (1 + \\hat\\sigma_\\alpha^2 S_j)$ with
$S_j$ the *average* curvature of the group's log-likelihood between $\\hat\\alpha_j$ and
$\\tilde\\alpha_j$: the two weights agree when the curvature barely changes over that
interval.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from ..binomial import BinomialFit
from ..validation import check_finite, check_positive_int, check_sd

__all__ = ["glmer_proportions", "pooling_table", "rare_events"]


def glmer_proportions() -> dict[str, Any]:
    """lme4's glmer fits for the proportions page (``glmer_proportions.json``, written by
    ``tests/data/proportions_glmer.R``, whose header lists the models and fields)."""
    text = resources.files(__package__).joinpath("glmer_proportions.json").read_text("utf-8")
    out: dict[str, Any] = json.loads(text)
    return out


def pooling_table(binomial: BinomialFit) -> pd.DataFrame:
    """One row per group: trials $m_j$, successes $y_j$, the no-pooling rate and log-odds, the
    partially pooled log-odds and probability, and the exact and curvature weights above.

    Parameters
    ----------
    binomial : BinomialFit
        A fit without covariates (`partial_pooling.binomial.fit_binomial` with ``x=None``).

    Returns
    -------
    pandas.DataFrame
        Columns ``trials``, ``successes``, ``rate``, ``own_log_odds``, ``alpha``, ``prob``,
        ``information`` ($1/v_j = m_j\\hat p_j(1-\\hat p_j)$), ``exact``, ``curvature``;
        ``exact`` is NaN for a group whose own log-odds are infinite.
    """
    if not isinstance(binomial, BinomialFit):
        raise ValueError(f"pooling_table takes a BinomialFit, got {type(binomial).__name__}")
    if len(binomial.beta):
        raise ValueError(
            "pooling_table needs a fit without covariates; this one has "
            f"{list(binomial.beta.index)}"
        )
    rate = binomial.successes / binomial.trials
    with np.errstate(divide="ignore"):
        own = pd.Series(logit(rate.to_numpy()), index=rate.index)
    finite = np.isfinite(own)
    exact = ((binomial.alpha - binomial.mu) / (own - binomial.mu)).where(finite)
    curvature = 1.0 - (binomial.cond_sd / binomial.sigma_alpha) ** 2
    p = expit(binomial.alpha)
    return pd.DataFrame(
        {
            "trials": binomial.trials,
            "successes": binomial.successes,
            "rate": rate,
            "own_log_odds": own,
            "alpha": binomial.alpha,
            "prob": expit(binomial.alpha),
            "information": binomial.trials * p * (1.0 - p),
            "exact": exact,
            "curvature": curvature,
        }
    )


def rare_events(
    *, mu: float, sigma_alpha: float, rng: np.random.Generator, J: int = 300, m: int = 5
) -> pd.DataFrame:
    """Simulated 0/1 rows: $J$ groups of $m$ trials, $\\alpha_j \\sim N(\\mu_\\alpha,
    \\sigma_\\alpha^2)$, $y_{ij} \\sim \\operatorname{Bernoulli}(\\operatorname{logit}^{-1}
    \\alpha_j)$; columns ``y`` and ``group``."""
    J_, n_ = check_positive_int("J", J), check_positive_int("m", m)
    mu_ = check_finite("mu", mu)
    sd = check_sd("sigma_alpha", sigma_alpha, positive=False)
    alpha = mu_ + sd * rng.standard_normal(J_)
    p = np.repeat(expit(alpha), n_)
    return pd.DataFrame(
        {
            "y": (rng.uniform(size=J_ * n_) < p).astype(np.int64),
            "group": np.repeat([f"g{j + 1:03d}" for j in range(J_)], n_),
        }
    )
