"""Joint, marginal, REML and profiled log-likelihoods against scipy, dense algebra, statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from reference import (
    dense_gls,
    dense_marginal_loglik,
    dense_profile_loglik,
    dense_reml_loglik,
    design,
    sm_mixed,
)
from scipy import stats

from partial_pooling import (
    em_sigma_alpha2,
    fit_random_intercept,
    joint_loglik,
    marginal_loglik,
    naive_sigma_alpha2,
    profile_loglik,
    reml_loglik,
)
from partial_pooling.grouped import group_data
from partial_pooling.likelihood import profile, profile_grid, profile_score

RADON = {"y": "log_radon", "group": "county", "x": ['floor']}


def test_joint_loglik_is_the_sum_of_normal_log_densities(radon):
    fit = fit_random_intercept(radon, **RADON)
    alpha = fit.alpha
    mean = alpha.reindex(radon["county"]).to_numpy() + fit.beta["floor"] * radon["floor"]
    expected = (
        stats.norm(mean, fit.sigma_y).logpdf(radon["log_radon"]).sum()
        + stats.norm(fit.mu, fit.sigma_alpha).logpdf(alpha).sum()
    )
    got = joint_loglik(
        radon,
        **RADON,
        alpha=alpha,
        beta=fit.beta,
        mu=fit.mu,
        sigma_alpha=fit.sigma_alpha,
        sigma_y=fit.sigma_y,
    )
    assert got == pytest.approx(expected, rel=1e-12)


def test_shrunken_intercepts_maximize_the_joint_likelihood(radon):
    fit = fit_random_intercept(radon, **RADON)
    args = {"beta": fit.beta, "mu": fit.mu, "sigma_alpha": fit.sigma_alpha, "sigma_y": fit.sigma_y}
    best = joint_loglik(radon, **RADON, alpha=fit.alpha, **args)
    rng = np.random.default_rng(0)
    for _ in range(5):
        moved = fit.alpha + rng.normal(0, 1e-3, fit.J)
        assert joint_loglik(radon, **RADON, alpha=moved, **args) < best


def test_marginal_loglik_equals_dense_multivariate_normal(radon):
    X, Z, y, _ = design(radon, **RADON)
    b = np.array([1.4, -0.6])
    got = marginal_loglik(radon, **RADON, mu=b[0], beta=b[1:], sigma_alpha=0.3, sigma_y=0.8)
    assert got == pytest.approx(
        dense_marginal_loglik(X, Z, y, b, sigma_alpha=0.3, sigma_y=0.8), rel=1e-11
    )


def test_marginal_loglik_at_ml_estimates_is_statsmodels_llf(radon):
    fit = fit_random_intercept(radon, **RADON, method="ML")
    sm = sm_mixed(radon, **RADON, reml=False)
    got = marginal_loglik(
        radon, **RADON, mu=fit.mu, beta=fit.beta, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
    )
    assert got == pytest.approx(sm.loglik, rel=1e-9)
    assert got == pytest.approx(fit.loglik, rel=1e-12)


def test_reml_loglik_equals_dense_formula_and_statsmodels(radon):
    X, Z, y, _ = design(radon, **RADON)
    assert reml_loglik(radon, **RADON, sigma_alpha=0.3, sigma_y=0.8) == pytest.approx(
        dense_reml_loglik(X, Z, y, sigma_alpha=0.3, sigma_y=0.8), rel=1e-11
    )
    fit = fit_random_intercept(radon, **RADON)
    sm = sm_mixed(radon, **RADON)
    assert reml_loglik(
        radon, **RADON, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
    ) == pytest.approx(sm.loglik, rel=1e-9)


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_fitted_variance_components_maximize_the_dense_likelihood(radon, method):
    """Central differences of the dense (independent) likelihood vanish at our estimates."""
    X, Z, y, _ = design(radon, **RADON)
    fit = fit_random_intercept(radon, **RADON, method=method)

    def ll(sa: float, sy: float) -> float:
        if method == "REML":
            return dense_reml_loglik(X, Z, y, sigma_alpha=sa, sigma_y=sy)
        b, _, _ = dense_gls(X, Z, y, sigma_alpha=sa, sigma_y=sy)  # profile out (mu, beta)
        return dense_marginal_loglik(X, Z, y, b, sigma_alpha=sa, sigma_y=sy)

    h = 1e-5
    sa, sy = fit.sigma_alpha, fit.sigma_y
    d_sa = (ll(sa + h, sy) - ll(sa - h, sy)) / (2 * h)
    d_sy = (ll(sa, sy + h) - ll(sa, sy - h)) / (2 * h)
    assert abs(d_sa) < 1e-4 and abs(d_sy) < 1e-4
    assert ll(sa, sy) == pytest.approx(fit.loglik, rel=1e-10)


def test_profile_loglik_peaks_at_the_fitted_psi(radon):
    for method in ("ML", "REML"):
        fit = fit_random_intercept(radon, **RADON, method=method)
        grid = fit.psi * np.array([0.5, 0.9, 0.999, 1.0, 1.001, 1.1, 2.0])
        curve = profile_loglik(radon, **RADON, psi=grid, method=method)
        assert curve.idxmax() == pytest.approx(fit.psi, rel=1e-12)
        assert curve.iloc[3] == pytest.approx(fit.loglik, rel=1e-12)


def test_naive_variance_estimate_is_too_small_and_em_update_is_a_fixed_point_at_ml(radon):
    fit = fit_random_intercept(radon, **RADON, method="ML")
    naive = naive_sigma_alpha2(fit.alpha, fit.mu)
    assert naive < fit.sigma_alpha**2
    # the naive estimate misses exactly the mean conditional variance
    em = em_sigma_alpha2(fit.alpha, fit.mu, fit.cond_sd**2)
    assert em == pytest.approx(fit.sigma_alpha**2, rel=1e-8)
    assert em - naive == pytest.approx(np.mean(fit.cond_sd**2), rel=1e-12)


def test_joint_likelihood_grows_without_bound_as_sigma_alpha_shrinks(radon):
    fit = fit_random_intercept(radon, **RADON)
    flat = fit.alpha * 0 + fit.mu
    values = [
        joint_loglik(
            radon, **RADON, alpha=flat, beta=fit.beta, mu=fit.mu, sigma_alpha=s, sigma_y=fit.sigma_y
        )
        for s in (1e-1, 1e-3, 1e-6)
    ]
    assert values[0] < values[1] < values[2]
    assert values[2] - values[1] == pytest.approx(fit.J * np.log(1e3), rel=1e-9)


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_profile_grid_equals_profile_at_every_point(radon, method):
    stats = group_data(radon, y="log_radon", group="county", x="floor").stats
    grid = np.concatenate([[0.0], np.logspace(-10, 14, 49)])
    one_by_one = [profile(stats, float(p), method).loglik for p in grid]
    np.testing.assert_allclose(profile_grid(stats, grid, method), one_by_one, rtol=1e-14)


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("psi", [0.0, 1e-6, 0.19, 3.0, 1e6])
def test_profile_score_equals_profile_and_the_loglik_slope(radon, method, psi):
    stats = group_data(radon, y="log_radon", group="county", x="floor").stats
    score = profile_score(stats, psi, method)
    assert score == pytest.approx(profile(stats, psi, method).score, rel=1e-12)
    h = 1e-6 * max(psi, 1e-3)
    lo = profile(stats, max(psi - h, 0.0), method).loglik
    hi = profile(stats, psi + h, method).loglik
    assert score == pytest.approx((hi - lo) / (psi + h - max(psi - h, 0.0)), rel=1e-5)


def test_profile_score_refuses_a_method_other_than_ml_or_reml(radon):
    stats = group_data(radon, y="log_radon", group="county", x="floor").stats
    with pytest.raises(ValueError, match=r"'ML' or 'REML' \(in any case\), got 'OLS'"):
        profile_score(stats, 0.1, "OLS")


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("psi", [0.02, 0.19, 3.0])
def test_newton_terms_are_the_score_and_the_curvature_of_the_dense_profile(radon, method, psi):
    from partial_pooling.likelihood import profile_newton_terms

    data = radon.iloc[::3]  # a third of the houses keeps the dense matrices small
    stats = group_data(data, y="log_radon", group="county", x="floor").stats
    X, Z, y, _ = design(data, y="log_radon", group="county", x=["floor"])
    y = (y - stats.scaling.y_centre) / stats.scaling.y_scale  # the standardized response
    h = 1e-3 * psi
    f = [dense_profile_loglik(X, Z, y, p, method) for p in (psi - h, psi, psi + h)]
    score, slope = profile_newton_terms(stats, psi, method)
    assert score == pytest.approx((f[2] - f[0]) / (2 * h), rel=1e-5)
    assert slope == pytest.approx((f[2] - 2 * f[1] + f[0]) / h**2, rel=1e-4)


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("x", [None, "floor", ["floor", "uranium"]])
def test_newton_on_psi_finds_the_zero_brent_finds_on_the_score(radon, method, x):
    from scipy import optimize

    from partial_pooling.estimation import maximize_psi

    stats = group_data(radon, y="log_radon", group="county", x=x).stats
    psi = maximize_psi(stats, method).psi
    brent = optimize.brentq(
        lambda p: profile_score(stats, p, method), psi / 3, psi * 3, xtol=1e-300, rtol=8.9e-16
    )
    assert psi == pytest.approx(brent, rel=1e-14)


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_profile_loglik_equals_the_dense_profile(radon, method):
    X, Z, y, _ = design(radon, **RADON)
    psi = [0.0, 0.05, 0.2, 3.0]
    got = profile_loglik(radon, **RADON, psi=psi, method=method)
    dense = [dense_profile_loglik(X, Z, y, p, method) for p in psi]
    np.testing.assert_allclose(got.to_numpy(), dense, rtol=1e-11)
