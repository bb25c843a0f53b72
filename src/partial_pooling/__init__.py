"""Exact random-intercept and random-slope fits, and the pooling estimators.

The package behind the site *Why partial pooling?*: every number and figure on the site comes
from it. This list of its modules is the only one (the API pages group them by topic). The
core, the statistics, in the order of the site's argument:

* `partial_pooling.model`: one data set grouped once, with every fit and formula below as a
  method (`Model`): the way in;
* `partial_pooling.on_data`: how each formula, written once on grouped data, also becomes a
  free function of a data frame (``pp.fit_random_intercept(data, y=..., group=..., x=...)``);
* `partial_pooling.grouped`: checks of the data, and the per-group sufficient statistics every
  fit starts from (`GroupedData`);
* `partial_pooling.validation`: checks of the other arguments (methods, variances, $\\beta$);
* `partial_pooling.threads`: one BLAS thread around the fits' small dense algebra, so that
  they stay fast on a busy machine;
* `partial_pooling.fits`: what a fit returns (`PoolingFit`, `RandomSlopesFit`): estimates,
  `summary()`, `predict(newdata)`, `group_table()`;
* `partial_pooling.estimation`: complete, no and partial pooling side by side, the exact ML and
  REML fit (`fit_random_intercept`);
* `partial_pooling.shrinkage`: the shrinkage weights $\\lambda_j$ (one function computes them
  for the whole package) and the closed-form intercepts;
* `partial_pooling.likelihood`: joint, marginal, REML and profiled log-likelihoods;
* `partial_pooling.decomposition`: what the estimate of the fixed slope pools;
* `partial_pooling.random_slopes`: partial pooling of slopes;
* `partial_pooling.mixed`: linear mixed models with several grouping factors, crossed or
  nested (`fit_mixed`), exact ML and REML, and `partial_pooling.mixed_factor`, the blocked
  Cholesky factor and the search for its optimum;
* `partial_pooling.formula`: models written as lme4 formulas,
  ``pp.fit("y ~ x + (x | g)", data)`` (`FormulaFit`), each sent to the one fit above that
  implements it; `partial_pooling.formula_syntax`, the formulas' syntax (`parse_formula`);
* `partial_pooling.summary`: what ``fit.summary()`` returns, as text and as HTML, for every
  fit;
* `partial_pooling.prediction`: predictions for a group seen and a new group;
* `partial_pooling.em`, `partial_pooling.regularization`, `partial_pooling.bayes`: the EM, ridge
  and Bayesian views;
* `partial_pooling.known_variance`: partial pooling when each group reports one estimate with a
  known standard error (the eight schools): its likelihoods in $\\tau$, the boundary, the exact
  posterior of $\\tau$ on a grid;
* `partial_pooling.binomial`: partial pooling of proportions, the logistic random-intercept
  model fitted exactly by adaptive Gauss-Hermite quadrature (`fit_binomial`);
* `partial_pooling.datasets` and `partial_pooling.simulation`: data;
* `partial_pooling.plotting`: the figures both the site's pages and the command line draw
  (each a `SiteFigure` whose alt text is computed from its inputs), and their one palette.
* `partial_pooling.figure_variants`: the copies of a figure the site shows, for the dark
  palette and for a phone, with text enlarged to stay legible.

Beside the core:

* `partial_pooling.cli` and `partial_pooling.report`: the command line (a package, one module
  a job; its docstring lists them) and its HTML report, whose figures are those of
  `partial_pooling.plotting`;
* `partial_pooling.site`: what exists to serve the site's pages and their build (the page-only
  figures, the folded checks, the statsmodels cross-checks, the hand derivation as written, the
  pooling-pays simulations, the explorer's data).

The layers are contracts in ``pyproject.toml``, checked by ``lint-imports``: nothing outside
`partial_pooling.site` imports it; the core imports neither the command line nor the report.
"""

from . import datasets, simulation
from .binomial import BinomialFit, binomial_loglik, fit_binomial
from .decomposition import BetaDecomposition, decompose_beta, slope_path
from .estimation import (
    complete_pooling,
    fit_random_intercept,
    no_pooling,
    one_way_anova,
)
from .fits import PoolingFit, RandomSlopesFit
from .formula import FormulaFit, fit
from .likelihood import (
    em_sigma_alpha2,
    joint_loglik,
    marginal_loglik,
    naive_sigma_alpha2,
    profile_loglik,
    reml_loglik,
)
from .mixed import MixedFit, RandomTerm, fit_mixed
from .model import Model
from .random_slopes import fit_random_slopes, group_ols
from .shrinkage import group_intercepts, icc, pooled_mean, shrinkage_factor
from .validation import ConvergenceWarning, SingularFitWarning

__all__ = [
    "BetaDecomposition",
    "BinomialFit",
    "ConvergenceWarning",
    "FormulaFit",
    "MixedFit",
    "Model",
    "PoolingFit",
    "RandomSlopesFit",
    "RandomTerm",
    "SingularFitWarning",
    "binomial_loglik",
    "complete_pooling",
    "datasets",
    "decompose_beta",
    "em_sigma_alpha2",
    "fit",
    "fit_binomial",
    "fit_mixed",
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
