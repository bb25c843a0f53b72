"""The shrinkage formulas against their definitions and the fitted model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partial_pooling import fit_random_intercept, icc, shrinkage_factor


def test_shrinkage_factor_is_the_precision_share_of_the_data():
    n = np.array([1, 2, 5, 40])
    sa, sy = 0.33, 0.76
    precision_data, precision_pop = n / sy**2, 1 / sa**2
    np.testing.assert_allclose(
        shrinkage_factor(n, sigma_alpha=sa, sigma_y=sy),
        precision_data / (precision_data + precision_pop),
        rtol=1e-14,
    )
    assert shrinkage_factor(4, sigma_alpha=1.0, sigma_y=2.0) == 0.5


def test_shrinkage_factor_limits_and_types():
    assert shrinkage_factor(10, sigma_alpha=0.0, sigma_y=1.0) == 0.0
    assert shrinkage_factor(10, sigma_alpha=np.inf, sigma_y=1.0) == 1.0
    s = pd.Series([1, 10], index=["a", "b"])
    out = shrinkage_factor(s, sigma_alpha=1.0, sigma_y=1.0)
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b"]


def test_icc_is_lambda_of_a_group_of_one_and_links_lambda_to_n():
    sa, sy = 0.7, 1.3
    rho = icc(sigma_alpha=sa, sigma_y=sy)
    assert rho == pytest.approx(shrinkage_factor(1, sigma_alpha=sa, sigma_y=sy), rel=1e-14)
    n = np.arange(1, 50)
    np.testing.assert_allclose(
        shrinkage_factor(n, sigma_alpha=sa, sigma_y=sy), n * rho / (1 + (n - 1) * rho), rtol=1e-13
    )


def test_fitted_shrinkage_matches_formula(radon):
    fit = fit_random_intercept(radon, y="log_radon", group="county", x="floor")
    np.testing.assert_allclose(
        fit.shrinkage,
        shrinkage_factor(fit.n, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y),
        rtol=1e-12,
    )
    assert fit.icc == pytest.approx(
        icc(sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y), rel=1e-14
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((5, 1.0, 0.0), "sigma_y"),
        ((5, -1.0, 1.0), "sigma_alpha"),
        ((0, 1.0, 1.0), "n"),
        ((np.nan, 1.0, 1.0), "n"),
    ],
)
def test_shrinkage_factor_rejects_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        shrinkage_factor(args[0], sigma_alpha=args[1], sigma_y=args[2])
