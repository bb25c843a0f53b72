"""Random intercept and slope fits against lme4's published sleepstudy fit and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from reference import sm_mixed

from partial_pooling import fit_random_slopes, group_ols

ARGS = ("Reaction", "Subject", "Days")


def test_sleepstudy_matches_lme4_published_values(sleepstudy):
    # lme4: lmer(Reaction ~ Days + (Days | Subject), sleepstudy), REML, as printed in Bates et
    # al. (2015, JSS) section 1. lme4's optimizer stops about 1e-5 short of the optimum, so its
    # printed intercept variance 612.10 (SD 24.741) is one unit in the last digit above the exact
    # 612.09; the log-likelihood agrees to all printed digits.
    fit = fit_random_slopes(sleepstudy, *ARGS)
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
    fit = fit_random_slopes(sleepstudy, *ARGS, method=method)
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
    fit = fit_random_slopes(sleepstudy, *ARGS)
    assert list(fit.coef.columns) == ["Intercept", "Days"]
    assert fit.coef.shape == (18, 2)
    np.testing.assert_allclose(fit.coef.to_numpy(), fit.ranef.to_numpy() + fit.fixed.to_numpy())
    assert fit.cov.shape == (2, 2) and list(fit.cov.index) == ["Intercept", "Days"]


def test_group_ols_is_a_separate_regression_in_each_group(sleepstudy):
    ols = group_ols(sleepstudy, *ARGS)
    for subject, sub in sleepstudy.groupby("Subject"):
        slope, intercept = np.polyfit(sub["Days"], sub["Reaction"], 1)
        assert ols.loc[subject, "Days"] == pytest.approx(slope, rel=1e-10)
        assert ols.loc[subject, "Intercept"] == pytest.approx(intercept, rel=1e-10)


def test_random_slopes_need_distinct_covariates_and_enough_data(sleepstudy):
    with pytest.raises(ValueError, match="'Days' is used twice"):
        fit_random_slopes(sleepstudy, "Reaction", "Subject", ["Days", "Days"])
    with pytest.raises(ValueError, match="at least one covariate"):
        fit_random_slopes(sleepstudy, "Reaction", "Subject", [])
    with pytest.raises(ValueError, match="too few observations"):
        fit_random_slopes(sleepstudy.groupby("Subject").head(2), *ARGS)


def test_group_level_covariate_cannot_have_a_random_slope(radon):
    with pytest.raises(ValueError, match="uranium"):
        fit_random_slopes(radon, "log_radon", "county", "uranium")
