"""mu-hat against the size-weighted mean of the intercepts: when they agree, and when not.

The home and shrinkage pages say that the GLS mu-hat is the plain mean of the predicted
intercepts and the precision-weighted mean of the adjusted group means, and that it equals the
size-weighted mean sum_j n_j alpha-hat_j / N exactly when sum_j n_j (alpha-hat_j - mu-hat) = 0:
with equal group sizes, at sigma-hat_alpha = 0, and also with unequal sizes when the data are
symmetric (a mirror image). Each case is checked here on a fit, against dense GLS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import reference


def _size_weighted(fit: pp.PoolingFit) -> float:
    return float(np.average(fit.alpha, weights=fit.n.reindex(fit.alpha.index)))


def _frame(groups: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(g, v) for g, values in groups.items() for v in values], columns=["g", "y"]
    )


def test_precision_weighted_mean_is_mu_hat_and_dense_gls_on_radon() -> None:
    radon = datasets.radon()
    cols = {"y": "log_radon", "group": "county", "x": "floor"}
    fit = pp.fit_random_intercept(radon, **cols, method="REML")
    w = 1 / (fit.sigma_alpha**2 + fit.sigma_y**2 / fit.n)
    X, Z, y, _ = reference.design(radon, **cols)
    dense = reference.dense_gls(X, Z, y, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)[0]
    # 1e-10: the fit's optimum and dense solves agree to rounding of a 919 x 919 system
    assert_allclose((w * fit.adjusted_ybar).sum() / w.sum(), fit.mu, rtol=1e-10)
    assert_allclose(fit.alpha.mean(), fit.mu, rtol=1e-12)
    assert_allclose(fit.mu, dense[0], rtol=1e-8)
    # unequal sizes, no symmetry: the size-weighted mean is another number
    assert abs(_size_weighted(fit) - fit.mu) > 0.01


def test_equal_sizes_make_the_size_weighted_mean_mu_hat() -> None:
    rng = np.random.default_rng(3)
    data = _frame({f"g{j}": list(rng.normal(j * 0.7, 1.0, 6)) for j in range(7)})
    fit = pp.fit_random_intercept(data, y="y", group="g", method="REML")
    assert fit.sigma_alpha > 0
    assert_allclose(_size_weighted(fit), fit.mu, rtol=1e-12)


def test_a_boundary_fit_makes_every_mean_mu_hat() -> None:
    # group means that vary less than noise alone would make them: sigma-hat_alpha = 0
    data = _frame({"a": [0.0, 2.0], "b": [1.0, 1.0, 1.0, 1.02], "c": [-1.0, 3.0, 0.9]})
    fit = pp.fit_random_intercept(data, y="y", group="g", method="REML")
    assert fit.at_boundary
    assert_allclose(_size_weighted(fit), fit.mu, rtol=1e-12)
    assert_allclose(fit.alpha.to_numpy(), fit.mu, rtol=1e-12)


def test_mirror_image_data_with_unequal_sizes_make_the_size_weighted_mean_mu_hat() -> None:
    # groups come in pairs of equal size whose data mirror each other about 5: both means
    # coincide with mu-hat = 5 although the sizes are unequal
    rng = np.random.default_rng(11)
    groups = {}
    for k, n in enumerate([1, 3, 8]):
        values = rng.normal(1.5 * (k + 1), 1.0, n)
        groups[f"up{k}"] = list(5 + values)
        groups[f"down{k}"] = list(5 - values)
    fit = pp.fit_random_intercept(_frame(groups), y="y", group="g", method="REML")
    assert fit.sigma_alpha > 0 and fit.n.nunique() == 3
    # 1e-9: mu-hat = 5 up to the optimizer's rounding of a symmetric problem
    assert_allclose(fit.mu, 5.0, rtol=1e-9)
    assert_allclose(_size_weighted(fit), fit.mu, rtol=1e-9)
