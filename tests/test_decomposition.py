"""The GLS slope is an exact weighted average of the within and between slopes."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.formula.api as smf
from reference import dense_gls, design

from partial_pooling import (
    Model,
    complete_pooling,
    decompose_beta,
    fit_random_intercept,
    no_pooling,
    slope_path,
)

ARGS = {"y": "log_radon", "group": "county", "x": "floor"}


def test_identity_holds_on_radon_and_gls_equals_the_fitted_slope(radon):
    fit = fit_random_intercept(radon, **ARGS)
    d = decompose_beta(radon, **ARGS, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    assert d.gls == pytest.approx(d.weight * d.within + (1 - d.weight) * d.between, rel=1e-13)
    assert d.gls == pytest.approx(fit.beta["floor"], rel=1e-10)
    assert 0 < d.weight < 1


def test_gls_slope_equals_dense_gls_at_arbitrary_variances(radon):
    X, Z, y, _ = design(radon, y="log_radon", group="county", x=["floor"])
    for sa, sy in [(0.05, 0.7), (0.5, 0.9), (3.0, 0.4)]:
        b, _, _ = dense_gls(X, Z, y, sigma_alpha=sa, sigma_y=sy)
        assert decompose_beta(radon, **ARGS, sigma_alpha=sa, sigma_y=sy).gls == pytest.approx(
            b[1], rel=1e-10
        )


def test_within_slope_is_the_no_pooling_slope(radon):
    d = decompose_beta(radon, **ARGS, sigma_alpha=0.3, sigma_y=0.7)
    assert d.within == pytest.approx(no_pooling(radon, **ARGS).beta["floor"], rel=1e-12)


def test_between_slope_is_a_weighted_regression_of_group_means(radon):
    sa, sy = 0.3, 0.7
    means = radon.groupby("county").agg(
        y=("log_radon", "mean"), x=("floor", "mean"), n=("floor", "size")
    )
    weights = 1 / (sa**2 + sy**2 / means["n"])
    wls = smf.wls("y ~ x", means, weights=weights).fit()
    assert decompose_beta(radon, **ARGS, sigma_alpha=sa, sigma_y=sy).between == pytest.approx(
        wls.params["x"], rel=1e-10
    )


def test_limits_are_complete_pooling_and_no_pooling(radon):
    ols = complete_pooling(radon, **ARGS).beta["floor"]
    within = no_pooling(radon, **ARGS).beta["floor"]
    assert decompose_beta(radon, **ARGS, sigma_alpha=0.0, sigma_y=0.7).gls == pytest.approx(
        ols, rel=1e-12
    )
    assert decompose_beta(radon, **ARGS, sigma_alpha=np.inf, sigma_y=0.7).gls == pytest.approx(
        within, rel=1e-12
    )
    assert decompose_beta(radon, **ARGS, sigma_alpha=1e4, sigma_y=0.7).gls == pytest.approx(
        within, rel=1e-6
    )


def test_balanced_design_makes_within_gls_and_ols_equal(sleepstudy):
    model = Model(sleepstudy, y="Reaction", group="Subject", x="Days")
    fit = model.fit()
    d = model.decompose_beta(sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    ols = model.complete_pooling().beta["Days"]
    assert d.S_xx_between == pytest.approx(0.0, abs=1e-9)
    assert d.weight == pytest.approx(1.0, abs=1e-12)
    assert d.within == pytest.approx(ols, rel=1e-12)
    assert d.gls == pytest.approx(ols, rel=1e-12)


def test_slope_path_moves_monotonically_between_the_limits(radon):
    path = slope_path(radon, **ARGS, sigma_y=0.75, sigma_alpha=np.geomspace(1e-3, 1e3, 40))
    assert np.all(np.diff(path["weight"]) > 0)
    for _, row in path.iterrows():
        a, b = sorted([row["within"], row["between"]])
        assert a - 1e-12 <= row["gls"] <= b + 1e-12


def test_group_level_covariate_has_no_within_slope(radon):
    with pytest.raises(ValueError, match="uranium"):
        decompose_beta(
            radon, y="log_radon", group="county", x="uranium", sigma_alpha=0.3, sigma_y=0.7
        )
