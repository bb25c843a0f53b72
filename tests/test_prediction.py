"""Predictions for new observations, checked against dense matrices and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference import dense_gls, design, sm_mixed
from scipy import stats

import partial_pooling as pp
from partial_pooling.prediction import predict, prediction_coverage

X_NAMES = ["floor", "uranium"]


@pytest.fixture(scope="module")
def uranium_fit(radon):
    return pp.fit_random_intercept(radon, y="log_radon", group="county", x=X_NAMES)


def _newdata(fit, counties, floor):
    """One new house per county (the county's uranium), plus one in a county never seen."""
    u = fit.xbar.loc[counties, "uranium"].to_numpy()
    return pd.DataFrame(
        {
            "county": [*counties, "A NEW COUNTY"],
            "floor": [*floor, 1.0],
            "uranium": [*u, 0.3],
        }
    )


COUNTIES = ["HENNEPIN", "LAC QUI PARLE", "AITKIN", "COOK"]
FLOORS = [0.0, 1.0, 0.0, 1.0]


def test_point_predictions_equal_dense_gls_and_blup(radon, uranium_fit):
    fit = uranium_fit
    X, Z, y, labels = design(radon, y="log_radon", group="county", x=X_NAMES)
    b, _, a = dense_gls(X, Z, y, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    a = pd.Series(a, index=labels)
    nd = _newdata(fit, COUNTIES, FLOORS)
    out = predict(fit, nd)
    z = np.column_stack([np.ones(len(nd)), nd[X_NAMES].to_numpy()])
    expected = z @ b + np.append(a.loc[COUNTIES].to_numpy(), 0.0)
    np.testing.assert_allclose(out["point"], expected, rtol=1e-10)
    assert out["known_group"].tolist() == [True] * len(COUNTIES) + [False]


def test_prediction_error_variance_equals_the_inverse_of_hendersons_equations(radon, uranium_fit):
    # Var(yhat - y) = l' C l + sigma_y^2 with C = sigma_y^2 [X'X, X'Z; Z'X, Z'Z + I/psi]^-1
    # and l = (1, x, e_j): dense, from the definition of the mixed-model equations
    fit = uranium_fit
    X, Z, _, labels = design(radon, y="log_radon", group="county", x=X_NAMES)
    s2, psi = fit.sigma_y**2, fit.psi
    M = np.block([[X.T @ X, X.T @ Z], [Z.T @ X, Z.T @ Z + np.eye(Z.shape[1]) / psi]])
    C = s2 * np.linalg.inv(M)
    nd = _newdata(fit, COUNTIES, FLOORS)
    out = predict(fit, nd)
    for k, county in enumerate(COUNTIES):
        e = (np.array(labels) == county).astype(float)
        ell = np.concatenate([[1.0], nd.loc[k, X_NAMES].to_numpy(float), e])
        pev = ell @ C @ ell + s2
        np.testing.assert_allclose(out["sd"].iloc[k] ** 2, pev, rtol=1e-9)
    # a new county: l' Var(b) l + sigma_alpha^2 + sigma_y^2, Var(b) the dense GLS covariance
    _, cov_b, _ = dense_gls(
        X, Z, np.zeros(len(X)), sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
    )
    z_new = np.concatenate([[1.0], nd.iloc[-1][X_NAMES].to_numpy(float)])
    pev_new = z_new @ cov_b @ z_new + fit.sigma_alpha**2 + s2
    np.testing.assert_allclose(out["sd"].iloc[-1] ** 2, pev_new, rtol=1e-9)


def test_point_predictions_equal_statsmodels_fitted_random_effects(radon, uranium_fit):
    sm = sm_mixed(radon, "log_radon", "county", X_NAMES)
    nd = _newdata(uranium_fit, COUNTIES, FLOORS)
    re = np.append(sm.a[COUNTIES].to_numpy(), 0.0)  # a new county: a_j = 0
    z = np.column_stack([np.ones(len(nd)), nd[X_NAMES].to_numpy()])
    expected = z @ sm.fixed.to_numpy() + re
    np.testing.assert_allclose(predict(uranium_fit, nd)["point"], expected, rtol=1e-6)


def test_interval_is_point_plus_minus_normal_quantile_times_sd(uranium_fit):
    nd = _newdata(uranium_fit, COUNTIES, FLOORS)
    out = predict(uranium_fit, nd, level=0.8)
    zq = stats.norm.ppf(0.9)
    np.testing.assert_allclose(out["upper"] - out["point"], zq * out["sd"], rtol=1e-14)
    np.testing.assert_allclose(out["point"] - out["lower"], zq * out["sd"], rtol=1e-14)
    total = out["var_fixed"] + out["var_group"] + out["var_residual"]
    np.testing.assert_allclose(out["sd"] ** 2, total, rtol=1e-14)


def test_group_variance_is_sigma_alpha_squared_times_one_minus_lambda(uranium_fit):
    fit = uranium_fit
    out = predict(fit, _newdata(fit, COUNTIES, FLOORS), include_fixed=False)
    lam = pp.shrinkage_factor(
        fit.n.loc[COUNTIES].to_numpy(), sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
    )
    np.testing.assert_allclose(out["var_group"].iloc[:-1], fit.sigma_alpha**2 * (1 - lam))
    np.testing.assert_allclose(out["var_group"].iloc[-1], fit.sigma_alpha**2)
    np.testing.assert_allclose(out["sd"] ** 2, out["var_group"] + out["var_residual"], rtol=1e-14)


def test_without_covariates_the_prediction_is_the_group_intercept(radon):
    fit = pp.fit_random_intercept(radon, y="log_radon", group="county")
    nd = pd.DataFrame({"county": ["AITKIN", "nowhere"]})
    out = predict(fit, nd)
    np.testing.assert_allclose(out["point"], [fit.alpha["AITKIN"], fit.mu], rtol=1e-14)
    # known group: Var(mu-hat) (1 - lambda)^2 + sigma_alpha^2 (1 - lambda) + sigma_y^2, with
    # lambda from the county's size and Var(mu-hat) = (1'V^-1 1)^-1 from dense matrices
    sa2, sy2 = fit.sigma_alpha**2, fit.sigma_y**2
    n = int((radon["county"] == "AITKIN").sum())
    lam = n * sa2 / (n * sa2 + sy2)
    X, Z, y, _ = design(radon, y="log_radon", group="county")
    _, cov, _ = dense_gls(X, Z, y, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    expected = cov[0, 0] * (1 - lam) ** 2 + sa2 * (1 - lam) + sy2
    np.testing.assert_allclose(out["sd"].iloc[0] ** 2, expected, rtol=1e-10)
    # a new county: Var(mu-hat) + sigma_alpha^2 + sigma_y^2
    np.testing.assert_allclose(out["sd"].iloc[1] ** 2, cov[0, 0] + sa2 + sy2, rtol=1e-10)


def _simulated(seed=3):
    sim = pp.simulation.simulate_groups(
        [2, 3, 5, 8, 12] * 4,
        mu=1.0,
        beta=0.5,
        sigma_alpha=0.7,
        sigma_y=1.0,
        rng=np.random.default_rng(seed),
    )
    return sim.data


def test_coverage_of_simulated_intervals_is_near_nominal():
    data = _simulated()
    cov = prediction_coverage(
        data, y="y", group="group", x="x", reps=300, rng=np.random.default_rng(7), level=0.9
    )
    est, se = cov.estimate, cov.mc_se
    # plug-in intervals on 20 groups: within 4 Monte Carlo SEs plus 1.5 points of nominal
    assert (abs(est - 0.9) < 4 * se + 0.015).all(), (est, se)
    assert cov.per_rep.shape == (300, 4)


def test_coverage_is_reproducible_from_the_seed():
    data = _simulated()
    one = prediction_coverage(data, y="y", group="group", reps=5, rng=np.random.default_rng(1))
    two = prediction_coverage(data, y="y", group="group", reps=5, rng=np.random.default_rng(1))
    pd.testing.assert_frame_equal(one.per_rep, two.per_rep)


def test_mc_se_is_the_sd_over_data_sets_over_root_reps():
    data = _simulated()
    cov = prediction_coverage(data, y="y", group="group", reps=20, rng=np.random.default_rng(2))
    np.testing.assert_allclose(cov.mc_se, cov.per_rep.std(ddof=1) / np.sqrt(20))


@pytest.mark.parametrize("level", [0.0, 1.0, -0.5, 1.5, "0.9", None, True])
def test_level_outside_zero_one_raises_naming_it(uranium_fit, level):
    with pytest.raises(ValueError, match="level"):
        predict(uranium_fit, _newdata(uranium_fit, COUNTIES, FLOORS), level=level)


def test_predict_needs_a_partial_pooling_fit(radon):
    fit = pp.no_pooling(radon, y="log_radon", group="county", x="floor")
    with pytest.raises(ValueError, match="partial-pooling"):
        predict(fit, pd.DataFrame({"county": ["AITKIN"], "floor": [0.0]}))


def test_predict_names_a_missing_column(uranium_fit):
    with pytest.raises(ValueError, match="'uranium'"):
        predict(uranium_fit, pd.DataFrame({"county": ["AITKIN"], "floor": [0.0]}))


def test_predict_rejects_missing_covariate_values(uranium_fit):
    nd = pd.DataFrame({"county": ["AITKIN"], "floor": [np.nan], "uranium": [0.1]})
    with pytest.raises(ValueError, match="non-finite"):
        predict(uranium_fit, nd)


@pytest.mark.parametrize("reps", [0, -1, 2.5, "3", True])
def test_reps_must_be_a_positive_integer(radon, reps):
    with pytest.raises(ValueError, match="reps"):
        prediction_coverage(
            radon, y="log_radon", group="county", x="floor", reps=reps, rng=np.random.default_rng(0)
        )


@pytest.mark.parametrize("n", [1, 2, 10, 116])
def test_coverage_given_effect_averages_to_the_level_over_the_population(n):
    from scipy import integrate

    from partial_pooling.prediction import coverage_given_effect

    sa, sy = 0.4, 0.9
    avg, _ = integrate.quad(
        lambda a: (
            coverage_given_effect(n, a, sigma_alpha=sa, sigma_y=sy, level=0.9)
            * stats.norm.pdf(a, 0, sa)
        ),
        -12 * sa,
        12 * sa,
        epsabs=1e-13,
    )
    assert abs(avg - 0.9) < 1e-10


def test_coverage_given_effect_matches_a_simulation_at_known_parameters():
    # one group of n with a fixed effect a: draw its data and the new observation, many times
    from partial_pooling.prediction import coverage_given_effect

    rng = np.random.default_rng(11)
    n, a, sa, sy, reps = 3, 1.1, 0.8, 1.0, 200_000
    lam = n * sa**2 / (n * sa**2 + sy**2)
    ebar = rng.normal(0, sy / np.sqrt(n), reps)
    new = rng.normal(0, sy, reps)
    err = lam * (a + ebar) - (a + new)  # mu and x'beta known: they cancel
    half = stats.norm.ppf(0.975) * np.sqrt(sa**2 * (1 - lam) + sy**2)
    mc = np.mean(np.abs(err) <= half)
    exact = float(coverage_given_effect(n, a, sigma_alpha=sa, sigma_y=sy))
    assert abs(mc - exact) < 4 * np.sqrt(exact * (1 - exact) / reps)
    assert exact < 0.95  # an effect this far out is covered less often


def test_coverage_given_effect_is_above_the_level_at_the_population_mean():
    from partial_pooling.prediction import coverage_given_effect

    assert (coverage_given_effect([1, 5, 50], 0.0, sigma_alpha=0.5, sigma_y=1.0) > 0.95).all()
