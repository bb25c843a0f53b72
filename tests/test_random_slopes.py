"""Random intercept and slope fits against lme4's published sleepstudy fit and statsmodels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reference import sm_mixed
from scipy import optimize

from partial_pooling import fit_random_slopes, group_ols
from partial_pooling.site.reference import dense_random_slopes

ARGS = {"y": "Reaction", "group": "Subject", "x": "Days"}


def test_sleepstudy_matches_lme4_published_values(sleepstudy):
    # lme4: lmer(Reaction ~ Days + (Days | Subject), sleepstudy), REML, as printed in Bates et
    # al. (2015, JSS) section 1. lme4's optimizer stops about 1e-5 short of the optimum, so its
    # printed intercept variance 612.10 (SD 24.741) is one unit in the last digit above the exact
    # 612.09; the log-likelihood agrees to all printed digits.
    fit = fit_random_slopes(sleepstudy, **ARGS)
    assert fit.fixed["Intercept"] == pytest.approx(251.405, abs=5e-4)
    assert fit.fixed["Days"] == pytest.approx(10.467, abs=5e-4)
    assert fit.se_fixed["Intercept"] == pytest.approx(6.825, abs=5e-4)
    assert fit.se_fixed["Days"] == pytest.approx(1.546, abs=5e-4)
    assert fit.cov.loc["Intercept", "Intercept"] == pytest.approx(612.10, abs=0.015)
    assert fit.sd["Intercept"] == pytest.approx(24.741, abs=1e-3)
    assert fit.cov.loc["Days", "Days"] == pytest.approx(35.07, abs=0.005)
    assert fit.sd["Days"] == pytest.approx(5.922, abs=5e-4)
    assert fit.corr == pytest.approx(0.07, abs=0.005)
    assert fit.sigma_y**2 == pytest.approx(654.94, abs=0.005)
    assert fit.sigma_y == pytest.approx(25.592, abs=5e-4)
    assert fit.loglik == pytest.approx(-871.8141, abs=5e-5)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_sleepstudy_matches_tightly_fitted_statsmodels(sleepstudy, method):
    fit = fit_random_slopes(sleepstudy, **ARGS, method=method)
    sm = sm_mixed(
        sleepstudy, "Reaction", "Subject", ["Days"], reml=method == "REML", re_formula="~Days"
    )
    np.testing.assert_allclose(fit.fixed.to_numpy(), sm.fixed.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fit.cov.to_numpy(), sm.cov.to_numpy(), rtol=1e-6)
    assert fit.sigma_y == pytest.approx(sm.sigma_y, rel=1e-6)
    assert fit.loglik == pytest.approx(sm.loglik, rel=1e-9)
    np.testing.assert_allclose(fit.ranef.to_numpy(), sm.ranef.to_numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fit.coef.to_numpy(), sm.coef.to_numpy(), rtol=1e-8)


def test_coef_is_population_plus_group_deviation_and_shape(sleepstudy):
    fit = fit_random_slopes(sleepstudy, **ARGS)
    assert list(fit.coef.columns) == ["Intercept", "Days"]
    assert fit.coef.shape == (18, 2)
    np.testing.assert_allclose(fit.coef.to_numpy(), fit.ranef.to_numpy() + fit.fixed.to_numpy())
    assert fit.cov.shape == (2, 2) and list(fit.cov.index) == ["Intercept", "Days"]


def test_group_ols_is_a_separate_regression_in_each_group(sleepstudy):
    ols = group_ols(sleepstudy, **ARGS)
    for subject, sub in sleepstudy.groupby("Subject"):
        slope, intercept = np.polyfit(sub["Days"], sub["Reaction"], 1)
        assert ols.loc[subject, "Days"] == pytest.approx(slope, rel=1e-10)
        assert ols.loc[subject, "Intercept"] == pytest.approx(intercept, rel=1e-10)


def test_random_slopes_need_distinct_covariates_and_enough_data(sleepstudy):
    with pytest.raises(ValueError, match="'Days' is used twice"):
        fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x=["Days", "Days"])
    with pytest.raises(ValueError, match="at least one covariate"):
        fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x=[])
    with pytest.raises(ValueError, match="too few observations"):
        fit_random_slopes(sleepstudy.groupby("Subject").head(2), **ARGS)


def test_group_level_covariate_cannot_have_a_random_slope(radon):
    with pytest.raises(ValueError, match="uranium"):
        fit_random_slopes(radon, y="log_radon", group="county", x="uranium")


# --- an optimum on the boundary, which the Newton iteration once stopped short of ----------

NEAR_BOUNDARY = Path(__file__).parent / "data" / "random_slopes_near_boundary.csv"
SLOPES2 = {"y": "y", "group": "g", "x": ["x", "x2"]}


def _dense_optimum(data, method: str, start: np.ndarray) -> float:
    """The largest dense log-likelihood over (Sigma = L L', sigma_y), by BFGS and Nelder-Mead
    on the dense model of `partial_pooling.site.reference` (no code of the fit)."""
    rows, cols = np.tril_indices(3)

    def negative(p: np.ndarray) -> float:
        L = np.zeros((3, 3))
        L[rows, cols] = p[:-1]
        ref = dense_random_slopes(
            data, **SLOPES2, Sigma=L @ L.T, sigma_y=float(np.exp(p[-1])), method=method
        )
        return -ref.loglik

    best = optimize.minimize(negative, start, method="BFGS", options={"gtol": 1e-9})
    polished = optimize.minimize(
        negative, best.x, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-13}
    )
    return -min(best.fun, polished.fun)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_a_fit_whose_optimum_is_a_singular_sigma_reaches_it(method):
    # These 56 rows (found by the any-units test) have their optimum at a singular Sigma
    # (rank 2). The Newton iteration used to stop 0.074 short in the log-likelihood: a full
    # step followed by a longer one, far from the optimum, was taken for the rounding floor.
    data = pd.read_csv(NEAR_BOUNDARY)
    fit = fit_random_slopes(data, **SLOPES2, method=method)
    assert fit.converged
    at_fit = dense_random_slopes(
        data, **SLOPES2, Sigma=fit.cov.to_numpy(), sigma_y=fit.sigma_y, method=method
    )
    assert fit.loglik == pytest.approx(at_fit.loglik, rel=1e-12)
    generic = np.r_[np.eye(3)[np.tril_indices(3)], 0.0]
    L = np.linalg.cholesky(fit.cov.to_numpy() + 1e-6 * np.eye(3))
    from_fit = np.r_[L[np.tril_indices(3)], np.log(fit.sigma_y)]
    best = max(_dense_optimum(data, method, generic), _dense_optimum(data, method, from_fit))
    assert best <= fit.loglik + 1e-9 * abs(fit.loglik)
    assert np.linalg.eigvalsh(fit.cov.to_numpy())[0] <= 1e-12 * fit.cov.to_numpy().max()


def test_the_boundary_fit_is_the_same_in_other_units():
    data = pd.read_csv(NEAR_BOUNDARY)
    mapped = data.assign(y=-1.5 * data["y"], x=-data["x"], x2=-data["x2"])
    fit = fit_random_slopes(data, **SLOPES2)
    other = fit_random_slopes(mapped, **SLOPES2)
    flip = np.diag([1.0, -1.0, -1.0])
    expected = 2.25 * flip @ fit.cov.to_numpy() @ flip
    size = 2.25 * np.abs(fit.cov.to_numpy())
    assert np.all(np.abs(other.cov.to_numpy() - expected) <= 1e-8 * size + 1e-300)
