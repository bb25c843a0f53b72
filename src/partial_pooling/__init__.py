"""Exact random-intercept fits and the pooling estimators.

The package behind the site *Why partial pooling?*: every number and figure on the site comes
from these functions. Modules follow the site's argument:

* `partial_pooling.estimation`: complete, no and partial pooling side by side;
* `partial_pooling.likelihood`: joint, marginal, REML and profiled log-likelihoods;
* `partial_pooling.shrinkage`: the shrinkage weights and the closed-form intercepts;
* `partial_pooling.decomposition`: what the estimate of the fixed slope pools;
* `partial_pooling.random_slopes`: partial pooling of slopes;
* `partial_pooling.em`: the EM algorithm and the naive joint-likelihood iteration;
* `partial_pooling.datasets` and `partial_pooling.simulation`: data;
* `partial_pooling.figures`: every figure on the site;
* `partial_pooling.crosscheck`: statsmodels fitted tightly, for comparisons.
"""

from . import datasets, simulation
from .decomposition import BetaDecomposition, decompose_beta, slope_path
from .estimation import (
    PoolingFit,
    complete_pooling,
    fit_random_intercept,
    no_pooling,
    one_way_anova,
)
from .likelihood import (
    em_sigma_alpha2,
    joint_loglik,
    marginal_loglik,
    naive_sigma_alpha2,
    profile_loglik,
    reml_loglik,
)
from .random_slopes import RandomSlopesFit, fit_random_slopes, group_ols
from .shrinkage import group_intercepts, icc, pooled_mean, shrinkage_factor

__all__ = [
    "BetaDecomposition",
    "PoolingFit",
    "RandomSlopesFit",
    "complete_pooling",
    "datasets",
    "decompose_beta",
    "em_sigma_alpha2",
    "fit_random_intercept",
    "fit_random_slopes",
    "group_intercepts",
    "group_ols",
    "icc",
    "joint_loglik",
    "marginal_loglik",
    "naive_sigma_alpha2",
    "no_pooling",
    "one_way_anova",
    "pooled_mean",
    "profile_loglik",
    "reml_loglik",
    "shrinkage_factor",
    "simulation",
    "slope_path",
]
__version__ = "0.1.0"
