"""The logistic random-intercept fit (`partial_pooling.binomial`) against lme4's glmer, against
each group's integral computed by adaptive numerical integration (scipy's ``quad``), and against
the Laplace approximation written out here.

glmer's values were computed by ``tests/data/binomial_glmer.R`` (stored beside them in
``tests/data/binomial_glmer.json``) on lme4's cbpp and MASS's bacteria.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from binomial_models import MODELS, bacteria, cbpp
from scipy import integrate, optimize, stats
from scipy.special import expit, gammaln, xlogy

from partial_pooling.binomial import binomial_loglik, fit_binomial

GLMER = json.loads((Path(__file__).parent / "data" / "binomial_glmer.json").read_text())
CASES = [(name, k) for name in MODELS for k in (1, 25)]


def _columns(name: str) -> tuple[pd.DataFrame, dict, list[str]]:
    frame, columns, names = MODELS[name]
    return frame(), columns, names


def _counts(frame: pd.DataFrame, columns: dict) -> tuple[np.ndarray, np.ndarray]:
    y = frame[columns["y"]].to_numpy(float)
    m = frame[columns["trials"]].to_numpy(float) if "trials" in columns else np.ones_like(y)
    return y, m


def lme4_scale(loglik: float, frame: pd.DataFrame, columns: dict, n_agq: int) -> float:
    """Our log-likelihood on the scale lme4's logLik reports: with nAGQ > 1 it leaves out
    sum log choose(m, y) and is relative to the saturated binomial model (see the R script)."""
    if n_agq == 1:
        return loglik
    y, m = _counts(frame, columns)
    log_choose = np.sum(gammaln(m + 1) - gammaln(y + 1) - gammaln(m - y + 1))
    saturated = np.sum(xlogy(y, y / m) + xlogy(m - y, 1 - y / m))
    return float(loglik - log_choose - saturated)


@pytest.fixture(scope="module")
def fits() -> dict[tuple[str, int], object]:
    out = {}
    for name, k in CASES:
        frame, columns, _ = _columns(name)
        out[(name, k)] = fit_binomial(frame, n_agq=k, **columns)
    return out


# ---------------------------------------------------------------------------------------------
# lme4's glmer


@pytest.mark.parametrize(("name", "n_agq"), CASES)
def test_estimates_equal_glmer_run_to_its_tightest_tolerances(fits, name, n_agq):
    fit = fits[(name, n_agq)]
    ref = GLMER[f"{name}_agq{n_agq}"]["tight"]
    frame, columns, names = _columns(name)
    fixef = np.array([ref["fixef"][n] for n in names])
    np.testing.assert_allclose([fit.mu, *fit.beta], fixef, rtol=0, atol=1e-5)
    np.testing.assert_allclose(fit.sigma_alpha, ref["theta"], rtol=0, atol=1e-5)
    assert abs(lme4_scale(fit.loglik, frame, columns, n_agq) - ref["loglik"]) < 1e-6


@pytest.mark.parametrize(("name", "n_agq"), CASES)
def test_loglik_is_at_or_above_glmers_default_fit(fits, name, n_agq):
    fit = fits[(name, n_agq)]
    entry = GLMER[f"{name}_agq{n_agq}"]
    frame, columns, _ = _columns(name)
    ours = lme4_scale(fit.loglik, frame, columns, n_agq)
    assert ours >= entry["default"]["loglik"] - 1e-9
    # by lme4's own deviance function (fresh, tight PIRLS), our estimates are at least as good
    # as glmer's default estimates, and it gives our log-likelihood there
    at_ours = -entry["ours"]["deviance_at_ours"] / 2
    at_default = -entry["default"]["deviance_at_estimates"] / 2
    assert at_ours >= at_default - 1e-9
    assert abs(at_ours - ours) < 1e-8


def test_glmer_default_laplace_fit_on_cbpp_stops_short_by_its_own_deviance_function(fits):
    # what the benchmark reports: glmer's default logLik is 2.8e-4 below the optimum
    entry = GLMER["cbpp_agq1"]
    gap = fits[("cbpp", 1)].loglik - entry["default"]["loglik"]
    assert 1e-4 < gap < 1e-3
    assert -entry["ours"]["deviance_at_ours"] / 2 - entry["default"]["loglik"] > 1e-4


@pytest.mark.parametrize(("name", "n_agq"), CASES)
def test_loglik_at_glmers_estimates_equals_lme4s_deviance_function(name, n_agq):
    entry = GLMER[f"{name}_agq{n_agq}"]
    frame, columns, names = _columns(name)
    for which in ("default", "tight"):
        ref = entry[which]
        fixef = [ref["fixef"][n] for n in names]
        ours = binomial_loglik(
            frame, mu=fixef[0], beta=fixef[1:], sigma_alpha=ref["theta"], n_agq=n_agq, **columns
        )
        # lme4's PIRLS stops at tolPwrss = 1e-12: its deviance carries ~1e-8 of that
        lme4 = -ref["deviance_at_estimates"] / 2
        assert abs(lme4_scale(ours, frame, columns, n_agq) - lme4) < 1e-7


@pytest.mark.parametrize(("name", "n_agq"), CASES)
def test_standard_errors_equal_lme4s_hessian_based_vcov(fits, name, n_agq):
    # vcov(glmer fit) inverts a finite-difference Hessian of the deviance in (theta, beta): the
    # (mu, beta) block does not depend on how sigma_alpha is parametrized. Finite differences
    # agree to about 1e-6 relative.
    fit = fits[(name, n_agq)]
    ref = GLMER[f"{name}_agq{n_agq}"]["tight"]
    _, _, names = _columns(name)
    se = fit.se.drop("sigma_alpha").to_numpy()
    np.testing.assert_allclose(se, [ref["se"][n] for n in names], rtol=1e-4)
    # not vcov(fit, use.hessian = FALSE), from the PIRLS factor RX (sigma_alpha held fixed)
    rx = np.array([ref["se_rx"][n] for n in names])
    assert np.max(np.abs(se / rx - 1)) > 1e-3


@pytest.mark.parametrize(("name", "n_agq"), CASES)
def test_conditional_modes_equal_glmers_ranef(fits, name, n_agq):
    fit = fits[(name, n_agq)]
    ref = pd.Series(GLMER[f"{name}_agq{n_agq}"]["tight"]["ranef"])
    ours = (fit.alpha - fit.mu).rename(index=str)
    np.testing.assert_allclose(ours[ref.index].to_numpy(), ref.to_numpy(), rtol=0, atol=1e-5)
    np.testing.assert_allclose(fit.prob.to_numpy(), expit(fit.alpha.to_numpy()), rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# Each group's integral by adaptive numerical integration


def log_binomial(y, m, eta) -> float:
    """sum_i log Binomial(y_i | m_i, expit(eta_i)), written out (scipy.stats.binom is slow)."""
    log_choose = gammaln(m + 1) - gammaln(y + 1) - gammaln(m - y + 1)
    return float(np.sum(log_choose + y * eta - m * np.logaddexp(0.0, eta)))


def log_normal(a: float, sigma: float) -> float:
    """log N(a; 0, sigma^2)."""
    return float(-0.5 * (a / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi))


def quad_loglik(frame, columns, mu, beta, sigma_alpha) -> float:
    """sum_j log int prod_i Binomial(y_ij | m_ij, expit(eta_ij + a)) N(a; 0, sigma^2) da, each
    integral by scipy.integrate.quad around the integrand's peak (found by a bounded search)."""
    y, m = _counts(frame, columns)
    eta = mu + frame[columns["x"]].to_numpy(float) @ np.asarray(beta, float)
    total = 0.0
    for _, rows in frame.groupby(columns["group"], sort=False).indices.items():
        yj, mj, ej = y[rows], m[rows], eta[rows]

        def log_integrand(a, yj=yj, mj=mj, ej=ej):
            return log_binomial(yj, mj, ej + a) + log_normal(a, sigma_alpha)

        peak = optimize.minimize_scalar(
            lambda a: -log_integrand(a),
            bounds=(-20, 20),
            method="bounded",
            options={"xatol": 1e-10},
        ).x
        top = log_integrand(peak)
        width = 30 * sigma_alpha
        value, _ = integrate.quad(
            lambda a, top=top: np.exp(log_integrand(a) - top),
            peak - width,
            peak + width,
            points=[peak],
            epsabs=0,
            epsrel=1e-13,
            limit=400,
        )
        total += top + np.log(value)
    return total


@pytest.mark.parametrize("name", list(MODELS))
def test_loglik_with_many_points_equals_the_integral_by_quad_at_many_points(name):
    frame, columns, _ = _columns(name)
    rng = np.random.default_rng(20261207)
    p = len(columns["x"])
    for _ in range(6):
        mu = rng.uniform(-2, 2)
        beta = rng.uniform(-1.5, 1.5, p)
        sigma = rng.uniform(0.2, 2.5)
        exact = quad_loglik(frame, columns, mu, beta, sigma)
        ours = binomial_loglik(frame, mu=mu, beta=beta, sigma_alpha=sigma, n_agq=60, **columns)
        assert abs(ours - exact) < 1e-8
        # 25 points (lme4's nAGQ = 25) are within 1e-5 here; the largest errors are at the
        # largest sigma_alpha, where some groups' integrands are far from Gaussian
        ours_25 = binomial_loglik(frame, mu=mu, beta=beta, sigma_alpha=sigma, n_agq=25, **columns)
        assert abs(ours_25 - exact) < 1e-5


def test_maximum_of_the_quad_likelihood_is_our_25_point_fit_on_cbpp(fits):
    frame, columns, _ = _columns("cbpp")
    fit = fits[("cbpp", 25)]

    def negative(theta):
        return -quad_loglik(frame, columns, theta[0], theta[1:4], np.exp(theta[4]))

    rng = np.random.default_rng(7)
    best = []
    centre = np.array([-1.4, -1.0, -1.1, -1.6, np.log(0.65)])  # glmer's estimates, rounded
    for start in (centre + rng.uniform(-0.3, 0.3, 5), centre + rng.uniform(-0.3, 0.3, 5)):
        res = optimize.minimize(negative, start, method="BFGS", options={"gtol": 1e-6})
        best.append(res)
    res = min(best, key=lambda r: r.fun)
    assert abs(-res.fun - fit.loglik) < 1e-8
    assert fit.loglik >= -res.fun - 1e-9
    np.testing.assert_allclose(
        res.x, [fit.mu, *fit.beta, np.log(fit.sigma_alpha)], rtol=0, atol=1e-4
    )


# ---------------------------------------------------------------------------------------------
# The Laplace approximation written out


def laplace_loglik(frame, columns, mu, beta, sigma) -> float:
    """sum_j [log f_j(a_hat) + log N(a_hat; 0, sigma^2) + log(2 pi)/2 - log(H_j)/2], a_hat the
    mode of the integrand, H_j = sum_i m p (1 - p) + 1/sigma^2 minus its log's second derivative."""
    y, m = _counts(frame, columns)
    eta = mu + frame[columns["x"]].to_numpy(float) @ np.asarray(beta, float)
    total = 0.0
    for _, rows in frame.groupby(columns["group"], sort=False).indices.items():
        yj, mj, ej = y[rows], m[rows], eta[rows]

        def log_integrand(a, yj=yj, mj=mj, ej=ej):
            return log_binomial(yj, mj, ej + a) + log_normal(a, sigma)

        a = optimize.minimize_scalar(
            lambda a: -log_integrand(a), bracket=(-1, 1), method="brent", tol=1e-12
        ).x
        for _ in range(3):  # Newton steps from Brent's mode: to rounding level
            pj = expit(ej + a)
            a += (np.sum(yj - mj * pj) - a / sigma**2) / (np.sum(mj * pj * (1 - pj)) + sigma**-2)
        pj = expit(ej + a)
        H = np.sum(mj * pj * (1 - pj)) + 1 / sigma**2
        total += log_integrand(a) + 0.5 * np.log(2 * np.pi) - 0.5 * np.log(H)
    return total


@pytest.mark.parametrize("name", list(MODELS))
def test_one_point_is_the_laplace_approximation(name):
    frame, columns, _ = _columns(name)
    rng = np.random.default_rng(11)
    for _ in range(5):
        mu, beta, sigma = rng.uniform(-2, 2), rng.uniform(-1, 1, 3), rng.uniform(0.3, 2)
        ours = binomial_loglik(frame, mu=mu, beta=beta, sigma_alpha=sigma, n_agq=1, **columns)
        assert abs(ours - laplace_loglik(frame, columns, mu, beta, sigma)) < 1e-9


def test_sigma_alpha_zero_is_the_logistic_regression_likelihood():
    frame, columns, _ = _columns("cbpp")
    y, m = _counts(frame, columns)
    beta = np.array([-0.9, -1.1, -1.5])
    eta = -1.4 + frame[columns["x"]].to_numpy(float) @ beta
    expected = np.sum(stats.binom.logpmf(y, m, expit(eta)))
    ours = binomial_loglik(frame, mu=-1.4, beta=beta, sigma_alpha=0.0, **columns)
    assert abs(ours - expected) < 1e-10


# ---------------------------------------------------------------------------------------------
# Properties


@pytest.mark.parametrize(("name", "n_agq"), CASES)
def test_fit_reaches_the_optimum_with_a_gradient_at_rounding_level(fits, name, n_agq):
    fit = fits[(name, n_agq)]
    assert fit.converged
    assert fit.gradient < 1e-9


def test_rescaling_and_shifting_a_covariate_rescales_its_beta_only(fits):
    frame, columns, _ = _columns("bacteria")
    base = fits[("bacteria", 1)]
    frame["late"] = 1000.0 * frame["late"] + 250.0
    fit = fit_binomial(frame, **columns)
    assert abs(fit.loglik - base.loglik) < 1e-9
    np.testing.assert_allclose(fit.beta["late"], base.beta["late"] / 1000.0, rtol=1e-7)
    np.testing.assert_allclose(fit.beta.drop("late"), base.beta.drop("late"), rtol=1e-7)
    np.testing.assert_allclose(fit.mu, base.mu - 250.0 * fit.beta["late"], rtol=1e-7)
    np.testing.assert_allclose(fit.sigma_alpha, base.sigma_alpha, rtol=1e-7)
    np.testing.assert_allclose(fit.alpha - fit.mu, base.alpha - base.mu, rtol=0, atol=1e-7)


def test_counts_out_of_trials_fit_as_the_same_0_1_rows():
    # bacteria's 0/1 rows summed within (ID, covariates): same likelihood up to the binomial
    # coefficients, so the same estimates
    frame, columns, _ = _columns("bacteria")
    rows = fit_binomial(frame, **columns)
    summed = (
        frame.groupby(["ID", "drug", "drug_plus", "late"], as_index=False)["y"]
        .agg(["sum", "count"])
        .rename(columns={"sum": "cases", "count": "tries"})
    )
    fit = fit_binomial(
        summed, y="cases", trials="tries", group="ID", x=["drug", "drug_plus", "late"]
    )
    y, m = summed["cases"].to_numpy(float), summed["tries"].to_numpy(float)
    log_choose = np.sum(gammaln(m + 1) - gammaln(y + 1) - gammaln(m - y + 1))
    assert abs(fit.loglik - log_choose - rows.loglik) < 1e-9
    np.testing.assert_allclose([fit.mu, *fit.beta], [rows.mu, *rows.beta], rtol=1e-7)
    np.testing.assert_allclose(fit.sigma_alpha, rows.sigma_alpha, rtol=1e-7)


def test_a_group_with_every_trial_a_success_gets_a_finite_intercept_pulled_in():
    frame = cbpp()
    frame.loc[frame["herd"] == "1", "incidence"] = frame.loc[frame["herd"] == "1", "size"]
    fit = fit_binomial(frame, y="incidence", trials="size", group="herd")
    assert np.isfinite(fit.alpha).all()
    own = np.log(fit.successes / (fit.trials - fit.successes))  # +inf for herd 1
    assert own["1"] == np.inf
    assert fit.alpha["1"] == fit.alpha.max()
    assert fit.converged


def test_model_without_covariates_fits_and_matches_the_quad_optimum_in_sigma():
    frame = cbpp()
    fit = fit_binomial(frame, y="incidence", trials="size", group="herd", n_agq=25)
    cols = {"y": "incidence", "trials": "size", "group": "herd", "x": []}
    frame_x = frame.assign()
    for delta in (-1e-3, 1e-3):
        other = quad_loglik(frame_x, cols, fit.mu, [], fit.sigma_alpha + delta)
        assert other < fit.loglik


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("change", "kwargs", "match"),
    [
        (lambda d: d.assign(incidence=d["size"] + 1), {}, r"'incidence' exceeds trials.*'size'"),
        (lambda d: d.assign(incidence=-d["incidence"]), {}, r"'incidence'.*negative"),
        (lambda d: d.assign(size=d["size"] + 0.5), {}, r"'size'.*non-integer.*14\.5"),
        (lambda d: d.assign(incidence=d["incidence"] + 0.25), {}, r"'incidence'.*non-integer"),
        (lambda d: d.assign(size=np.where(d.index == 3, np.nan, d["size"])), {}, r"'size'.*3"),
        (lambda d: d.assign(size=np.where(d.index == 5, 0, d["size"])), {}, r"'size' is 0.*5"),
        (lambda d: d.assign(incidence=0), {}, r"'incidence'.*constant"),
        (lambda d: d.assign(incidence=d["size"]), {}, r"'incidence'.*every trial is a success"),
        (lambda d: d, {"trials": "nope"}, r"unknown column 'nope'"),
        (lambda d: d, {"trials": "herd"}, r"'herd' is used twice"),
        (lambda d: d.assign(size=d["size"].astype(str)), {}, r"'size' must be numeric"),
        (lambda d: d, {"n_agq": 0}, r"n_agq.*got 0"),
        (lambda d: d, {"n_agq": 101}, r"n_agq.*got 101"),
        (lambda d: d, {"n_agq": 2.0}, r"n_agq.*got 2\.0"),
        (lambda d: d, {"n_agq": True}, r"n_agq.*got True"),
    ],
)
def test_bad_counts_and_arguments_raise_naming_the_column_or_value(change, kwargs, match):
    frame = change(cbpp())
    arguments = {"y": "incidence", "trials": "size", "group": "herd", **kwargs}
    with pytest.raises(ValueError, match=match):
        fit_binomial(frame, **arguments)


def test_counts_above_1_without_trials_raise_naming_the_column():
    with pytest.raises(ValueError, match=r"'incidence' has value\(s\) \[2.*above 1"):
        fit_binomial(cbpp(), y="incidence", group="herd")


def test_binomial_loglik_refuses_a_negative_or_nan_sigma_alpha():
    for bad in (-0.1, np.nan):
        with pytest.raises(ValueError, match="sigma_alpha"):
            binomial_loglik(bacteria(), y="y", group="ID", mu=0.0, beta=None, sigma_alpha=bad)


def test_fit_emits_no_warning_on_the_reference_data():
    frame, columns, _ = _columns("cbpp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_binomial(frame, n_agq=7, **columns)


def test_sigma_alpha_at_the_boundary_is_exactly_0_and_the_fit_is_the_logistic_regression():
    # 40 groups of 10 trials with no group effect: for this seed the likelihood falls from
    # sigma_alpha = 0 on (checked below), so the ML estimate is 0
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "y": (rng.uniform(size=400) < 0.3).astype(int),
            "g": np.repeat(np.arange(40), 10),
            "x": rng.normal(size=400),
        }
    )
    fit = fit_binomial(frame, y="y", group="g", x="x")
    assert fit.sigma_alpha == 0.0
    assert fit.converged

    def negative(b):
        eta = b[0] + b[1] * frame["x"].to_numpy()
        return -np.sum(stats.binom.logpmf(frame["y"], 1, expit(eta)))

    res = optimize.minimize(
        negative, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-13}
    )
    np.testing.assert_allclose([fit.mu, fit.beta["x"]], res.x, rtol=0, atol=1e-6)
    assert abs(fit.loglik + res.fun) < 1e-9
    for sigma in (1e-3, 0.05, 0.2):
        other = binomial_loglik(
            frame, y="y", group="g", x="x", mu=fit.mu, beta=fit.beta, sigma_alpha=sigma, n_agq=1
        )
        assert other < fit.loglik
    assert (fit.alpha == fit.mu).all()
    assert np.isnan(fit.se["sigma_alpha"])
