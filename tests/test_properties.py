"""Properties of the REML random-intercept fit on random designs (hypothesis).

Each example simulates a data set with `partial_pooling.simulation.simulate_groups`: 2 to 12
groups of 1 to 15 observations (some groups of one, as in the radon data), random mu, beta,
sigma_alpha >= 0 and sigma_y > 0, and a hypothesis-drawn seed. The likelihood checks compare with
the dense-matrix REML log-likelihood in `reference`, written from the model's definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reference import dense_gls, dense_reml_loglik, design

from partial_pooling import complete_pooling, decompose_beta, fit_random_intercept
from partial_pooling.fits import PoolingFit
from partial_pooling.simulation import simulate_groups

SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


@dataclass(frozen=True)
class Case:
    data: pd.DataFrame
    fit: PoolingFit


@st.composite
def designs(draw, sigma_alpha=None) -> pd.DataFrame:
    J = draw(st.integers(2, 12), label="J")
    sizes = draw(st.lists(st.integers(1, 15), min_size=J, max_size=J), label="n")
    big = draw(st.integers(0, J - 1), label="group of >= 2")
    sizes[big] = max(sizes[big], 2)
    # the no-pooling residual has N - J - 1 degrees of freedom; with none left the within-group
    # residuals vanish and the likelihood grows without bound in psi (a legitimate ValueError)
    assume(sum(sizes) - J - 1 >= 1)
    if sigma_alpha is None:
        sigma_alpha = draw(st.one_of(st.just(0.0), st.floats(0.0, 10.0)), label="sigma_alpha")
    sim = simulate_groups(
        sizes,
        mu=draw(st.floats(-100, 100), label="mu"),
        beta=draw(st.floats(-10, 10), label="beta"),
        sigma_alpha=sigma_alpha,
        sigma_y=draw(st.floats(0.05, 10.0), label="sigma_y"),
        x_between_sd=draw(st.floats(0.0, 3.0), label="x_between_sd"),
        rng=draw(st.integers(0, 2**32 - 1), label="seed"),
    )
    return sim.data


@st.composite
def fitted(draw, sigma_alpha=None) -> Case:
    data = draw(designs(sigma_alpha))
    return Case(data, fit_random_intercept(data, y="y", group="group", x="x"))


def _dense(data: pd.DataFrame):
    return design(data, y="y", group="group", x=["x"])


def _scale(fit: PoolingFit) -> float:
    """A size for absolute tolerances: the magnitude of the numbers being compared."""
    adj = fit.adjusted_ybar.to_numpy()
    return float(abs(fit.mu) + np.abs(adj).max() + fit.sigma_y)


@SETTINGS
@given(fitted())
def test_shrinkage_lies_between_zero_and_one(case):
    lam = case.fit.shrinkage.to_numpy()
    assert np.all(lam >= 0.0)
    assert np.all(lam <= 1.0)


@SETTINGS
@given(fitted())
def test_each_intercept_lies_between_its_adjusted_group_mean_and_mu(case):
    fit = case.fit
    adj = fit.adjusted_ybar.to_numpy()
    alpha = fit.alpha.to_numpy()
    tol = 1e-12 * _scale(fit)
    assert np.all(alpha >= np.minimum(adj, fit.mu) - tol)
    assert np.all(alpha <= np.maximum(adj, fit.mu) + tol)


@SETTINGS
@given(fitted())
def test_shrinkage_is_non_decreasing_in_group_size(case):
    fit = case.fit
    order = np.argsort(fit.n.to_numpy(), kind="stable")
    n = fit.n.to_numpy()[order]
    lam = fit.shrinkage.to_numpy()[order]
    assert np.all(np.diff(lam) >= -1e-15)
    # equal sizes, equal weights
    for size in np.unique(n):
        same = lam[n == size]
        assert np.ptp(same) <= 1e-15


@SETTINGS
@given(fitted())
def test_deviations_from_mu_sum_to_zero(case):
    # sum_j a_j = sigma_alpha^2 * 1'V^{-1}(y - X b): the GLS score for the intercept, zero at b
    fit = case.fit
    total = float((fit.alpha - fit.mu).sum())
    assert abs(total) <= 1e-9 * fit.J * _scale(fit)


@SETTINGS
@given(fitted())
def test_gls_slope_is_the_weighted_mean_of_within_and_between_and_equals_the_fit(case):
    fit = case.fit
    d = decompose_beta(
        case.data, y="y", group="group", x="x", sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
    )
    assert 0.0 <= d.weight <= 1.0
    if np.isnan(d.between):  # the weighted group means of x do not vary: all within
        assert d.weight == 1.0
        combined = d.within
    else:
        combined = d.weight * d.within + (1.0 - d.weight) * d.between
    beta = float(fit.beta["x"])
    atol = 1e-9 * (abs(d.within) + abs(beta) + 1.0)
    assert d.gls == pytest.approx(combined, rel=1e-9, abs=atol)
    assert d.gls == pytest.approx(beta, rel=1e-8, abs=atol)
    # and both equal the dense GLS slope at the same variance components
    X, Z, y, _ = _dense(case.data)
    b, _, _ = dense_gls(X, Z, y, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    assert beta == pytest.approx(b[1], rel=1e-8, abs=atol)
    assert fit.mu == pytest.approx(b[0], rel=1e-8, abs=1e-9 * _scale(fit))


@SETTINGS
@given(fitted())
def test_loglik_equals_the_dense_reml_loglik_at_the_fitted_values(case):
    fit = case.fit
    X, Z, y, _ = _dense(case.data)
    dense = dense_reml_loglik(X, Z, y, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    assert fit.loglik == pytest.approx(dense, rel=1e-9)


@SETTINGS
@given(
    fitted(),
    st.sampled_from([0.5, 0.9, 0.99, 0.999, 1.001, 1.01, 1.1, 2.0]),
    st.sampled_from([0.9, 1.0, 1.1]),
)
def test_no_perturbed_variance_components_have_a_higher_dense_reml_loglik(case, ka, ky):
    fit = case.fit
    X, Z, y, _ = _dense(case.data)
    sigma_y = fit.sigma_y * ky
    # at the boundary sigma_alpha = 0 move into the interior instead of scaling zero
    sigma_alpha = fit.sigma_alpha * ka if not fit.at_boundary else abs(ka - 1.0) * fit.sigma_y
    other = dense_reml_loglik(X, Z, y, sigma_alpha=sigma_alpha, sigma_y=sigma_y)
    assert fit.loglik >= other - 1e-9 * (1.0 + abs(fit.loglik))


@SETTINGS
@given(fitted(sigma_alpha=0.0))
def test_at_the_boundary_the_fit_is_complete_pooling(case):
    fit = case.fit
    # with no true group variation the REML estimate is often exactly 0; examine those fits
    assume(fit.at_boundary)
    assert fit.sigma_alpha == 0.0
    assert np.all(fit.shrinkage.to_numpy() == 0.0)
    ols = complete_pooling(case.data, y="y", group="group", x="x")
    scale = _scale(fit)
    assert fit.mu == pytest.approx(ols.mu, rel=1e-9, abs=1e-12 * scale)
    assert fit.beta["x"] == pytest.approx(ols.beta["x"], rel=1e-9, abs=1e-12 * scale)
    np.testing.assert_allclose(fit.alpha.to_numpy(), ols.mu, rtol=1e-9, atol=1e-12 * scale)
