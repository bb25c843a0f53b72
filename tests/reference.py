"""Independent computations the package is checked against.

Nothing here calls the package's estimation code: the dense-matrix formulas of
`partial_pooling.site.reference` (written from the model's definition,
V = sigma_y^2 I + sigma_alpha^2 Z Z', with scipy's multivariate normal density), and statsmodels'
MixedLM and OLS (called through `partial_pooling.site.crosscheck`, which only sets tight
optimizer options and reads the result into the package's shape).
"""

from __future__ import annotations

from partial_pooling.site.crosscheck import MixedLMFit, statsmodels_mixedlm, statsmodels_ols
from partial_pooling.site.reference import (  # noqa: F401 - re-exported for the tests
    dense_gls,
    dense_marginal_loglik,
    dense_profile_loglik,
    dense_random_slopes,
    dense_reml_loglik,
    dense_V,
    design,
)


def sm_mixed(df, y, group, x, reml=True, re_formula=None) -> MixedLMFit:
    """statsmodels MixedLM fitted tightly (see `partial_pooling.site.crosscheck`)."""
    return statsmodels_mixedlm(
        df, y=y, group=group, x=x, method="REML" if reml else "ML", re_formula=re_formula
    )


sm_ols = statsmodels_ols
