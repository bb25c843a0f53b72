"""The three pooling estimators against published lme4 values, statsmodels and dense algebra."""

from __future__ import annotations

import numpy as np
import pytest
from reference import dense_gls, design, sm_mixed, sm_ols

from partial_pooling import (
    complete_pooling,
    datasets,
    fit_random_intercept,
    group_intercepts,
    no_pooling,
    one_way_anova,
    pooled_mean,
)
from partial_pooling.site.crosscheck import statsmodels_mixedlm_default

RADON = {"y": "log_radon", "group": "county", "x": ['floor']}


def published(value: float, decimals: int):
    """A value printed to ``decimals`` places: equal to it within half a unit in the last place."""
    return pytest.approx(value, abs=0.5 * 10.0**-decimals + 1e-12)


def test_sleepstudy_reml_matches_lme4_published_values(sleepstudy):
    # lme4: lmer(Reaction ~ Days + (1 | Subject), sleepstudy)
    fit = fit_random_intercept(sleepstudy, y="Reaction", group="Subject", x="Days")
    assert fit.mu == published(251.4051, 4)
    assert fit.beta["Days"] == published(10.4673, 4)
    assert fit.sigma_alpha == published(37.124, 3)
    assert fit.sigma_y == published(30.991, 3)
    assert fit.loglik == published(-893.2325, 4)
    assert fit.se_mu == published(9.7467, 4)
    assert fit.se_beta["Days"] == published(0.8042, 4)


def test_dyestuff_matches_lme4_book_values_for_reml_and_ml():
    # Bates, lme4: Mixed-effects modeling with R, chapter 1 (fm01 and fm01ML)
    reml = fit_random_intercept(datasets.dyestuff(), y="Yield", group="Batch")
    assert reml.sigma_alpha == pytest.approx(42.00, abs=0.005)
    assert reml.sigma_y == pytest.approx(49.51, abs=0.005)
    assert reml.se_mu == pytest.approx(19.38, abs=0.005)
    assert -2 * reml.loglik == pytest.approx(319.6543, abs=5e-5)
    ml = fit_random_intercept(datasets.dyestuff(), y="Yield", group="Batch", method="ML")
    assert ml.sigma_alpha == pytest.approx(37.26, abs=0.005)
    assert ml.se_mu == pytest.approx(17.69, abs=0.005)
    assert ml.loglik == pytest.approx(-163.6635, abs=5e-5)
    assert ml.mu == reml.mu == pytest.approx(1527.5, abs=1e-9)


def test_dyestuff2_is_reported_at_the_boundary_as_complete_pooling():
    # lme4 reports a zero Batch variance for Dyestuff2; residual SD 3.716, intercept SE 0.6784
    fit = fit_random_intercept(datasets.dyestuff2(), y="Yield", group="Batch")
    assert fit.at_boundary
    assert fit.sigma_alpha == 0.0
    assert (fit.shrinkage == 0).all()
    assert fit.sigma_y == pytest.approx(3.716, abs=5e-4)
    assert fit.se_mu == pytest.approx(0.6784, abs=5e-5)
    assert (fit.alpha == fit.mu).all()
    assert "boundary" in fit.summary()
    # at the boundary the ML fit *is* complete pooling: same intercept and log-likelihood
    ml = fit_random_intercept(datasets.dyestuff2(), y="Yield", group="Batch", method="ML")
    ols = complete_pooling(datasets.dyestuff2(), y="Yield", group="Batch")
    assert ml.mu == pytest.approx(ols.mu, rel=1e-12)
    assert ml.loglik == pytest.approx(ols.loglik, rel=1e-12)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_balanced_one_way_matches_anova_closed_form(method):
    df = datasets.dyestuff()
    a = one_way_anova(df, y="Yield", group="Batch")  # checked against scipy's f_oneway below
    n, J, msw = a["n"], a["J"], a["MSW"]
    if method == "REML":
        sigma_alpha2 = (a["MSB"] - msw) / n
    else:
        sigma_alpha2 = (a["SSB"] / J - msw) / n
    fit = fit_random_intercept(df, y="Yield", group="Batch", method=method)
    assert fit.sigma_y**2 == pytest.approx(msw, rel=1e-10)
    assert fit.sigma_alpha**2 == pytest.approx(sigma_alpha2, rel=1e-10)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_radon_matches_tightly_fitted_statsmodels(radon, method):
    fit = fit_random_intercept(radon, **RADON, method=method)
    sm = sm_mixed(radon, **RADON, reml=method == "REML")
    np.testing.assert_allclose(fit.fixed.to_numpy(), sm.fixed.to_numpy(), rtol=1e-8)
    assert fit.sigma_alpha == pytest.approx(sm.sigma_alpha, rel=1e-6)
    assert fit.sigma_y == pytest.approx(sm.sigma_y, rel=1e-6)
    assert fit.loglik == pytest.approx(sm.loglik, rel=1e-8)
    np.testing.assert_allclose(fit.a.to_numpy(), sm.a.to_numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fit.alpha.to_numpy(), sm.alpha.to_numpy(), rtol=1e-8)


def test_radon_with_two_covariates_matches_statsmodels(radon):
    cols = {"y": "log_radon", "group": "county", "x": ["floor", "uranium"]}
    fit = fit_random_intercept(radon, **cols)
    sm = sm_mixed(radon, **cols)
    np.testing.assert_allclose(fit.fixed.to_numpy(), sm.fixed.to_numpy(), rtol=1e-8)
    assert fit.sigma_alpha == pytest.approx(sm.sigma_alpha, rel=1e-6)
    assert list(fit.beta.index) == ["floor", "uranium"]


def test_our_fit_is_more_accurate_than_statsmodels_default(radon):
    """The exact optimum: our score is zero where statsmodels' default fit leaves a gap."""
    fit = fit_random_intercept(radon, **RADON)
    assert abs(fit.score) < 1e-6
    default = statsmodels_mixedlm_default(radon, **RADON)
    tight = sm_mixed(radon, **RADON)
    assert fit.loglik >= tight.loglik - 1e-10
    # the default fit stops short: a lower likelihood, and parameters off by far more than ours
    assert fit.loglik > default.loglik
    rel_default = np.max(np.abs(default.fixed.to_numpy() / tight.fixed.to_numpy() - 1))
    rel_ours = np.max(np.abs(fit.fixed.to_numpy() / tight.fixed.to_numpy() - 1))
    assert rel_default > 10 * rel_ours


def test_fixed_effects_and_blups_equal_dense_gls_at_the_fitted_variances(radon):
    fit = fit_random_intercept(radon, **RADON)
    X, Z, y, labels = design(radon, **RADON)
    b, cov, a = dense_gls(X, Z, y, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    np.testing.assert_allclose(fit.fixed.to_numpy(), b, rtol=1e-10)
    np.testing.assert_allclose(fit.cov_fixed.to_numpy(), cov, rtol=1e-9)
    np.testing.assert_allclose(fit.a.reindex(labels).to_numpy(), a, rtol=1e-8, atol=1e-12)


def test_blups_equal_closed_form_for_every_group(radon):
    fit = fit_random_intercept(radon, **RADON)
    closed = group_intercepts(
        radon, **RADON, mu=fit.mu, beta=fit.beta, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
    )
    np.testing.assert_allclose(closed.to_numpy(), fit.alpha.to_numpy(), rtol=1e-12)


def test_group_deviations_sum_to_zero_and_mu_is_the_precision_weighted_mean(radon):
    fit = fit_random_intercept(radon, **RADON)
    assert abs(fit.a.sum()) < 1e-10
    mu = pooled_mean(
        radon, **RADON, beta=fit.beta, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
    )
    assert mu == pytest.approx(fit.mu, rel=1e-12)
    # ... and not the plain mean of the adjusted group means
    assert abs(fit.adjusted_ybar.mean() - fit.mu) > 1e-3


def test_conditional_sd_matches_statsmodels_random_effects_cov(radon):
    fit = fit_random_intercept(radon, **RADON, method="ML")
    sm = sm_mixed(radon, **RADON, reml=False)
    # statsmodels' random_effects_cov is Var(a_j | y) at the fitted (mu, beta), as lme4's
    # condVar: sigma_alpha^2 (1 - lambda_j), no term for the uncertainty of (mu, beta)
    cov = sm.result.random_effects_cov
    theirs = np.array([np.asarray(cov[label], dtype=float).item() for label in fit.a.index])
    np.testing.assert_allclose(fit.cond_sd.to_numpy() ** 2, theirs, rtol=1e-6)
    expected = fit.sigma_alpha**2 * (1 - fit.shrinkage)
    np.testing.assert_allclose(fit.cond_sd**2, expected, rtol=1e-12)


def test_complete_pooling_is_statsmodels_ols(radon):
    fit = complete_pooling(radon, **RADON)
    ols = sm_ols(radon, y="log_radon", x=["floor"])
    np.testing.assert_allclose(fit.fixed.to_numpy(), ols.params.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose([fit.se_mu, *fit.se_beta], ols.bse.to_numpy(), rtol=1e-10)
    assert fit.sigma_y**2 == pytest.approx(ols.scale, rel=1e-12)
    assert fit.loglik == pytest.approx(ols.llf, rel=1e-12)
    assert (fit.shrinkage == 0).all() and (fit.alpha == fit.mu).all()


def test_no_pooling_is_ols_with_group_dummies(radon):
    import statsmodels.formula.api as smf

    fit = no_pooling(radon, **RADON)
    dummies = smf.ols("log_radon ~ 0 + C(county) + floor", radon).fit()
    assert fit.beta["floor"] == pytest.approx(dummies.params["floor"], rel=1e-12)
    assert fit.se_beta["floor"] == pytest.approx(dummies.bse["floor"], rel=1e-10)
    alpha = dummies.params.drop("floor")
    alpha.index = [name[len("C(county)[") : -1] for name in alpha.index]
    np.testing.assert_allclose(fit.alpha.to_numpy(), alpha.reindex(fit.alpha.index), rtol=1e-10)
    se = dummies.bse.drop("floor")
    np.testing.assert_allclose(fit.cond_sd.to_numpy(), se.to_numpy(), rtol=1e-9)
    assert fit.sigma_y**2 == pytest.approx(dummies.scale, rel=1e-12)
    assert (fit.shrinkage == 1).all() and np.isinf(fit.sigma_alpha)


def test_three_fits_share_one_shape(radon):
    fits = [f(radon, **RADON) for f in (complete_pooling, no_pooling, fit_random_intercept)]
    for f in fits:
        assert list(f.alpha.index) == list(fits[0].alpha.index)
        assert list(f.beta.index) == ["floor"]
        assert f.n.sum() == len(radon)
        assert isinstance(f.summary(), str) and "floor" in f.summary()
    assert [f.pooling for f in fits] == ["complete", "none", "partial"]


def test_partial_pooling_intercepts_lie_between_no_pooling_and_mu(radon):
    np_fit = no_pooling(radon, **RADON)
    pp = fit_random_intercept(radon, **RADON)
    own = pp.adjusted_ybar
    lo = np.minimum(own, pp.mu) - 1e-12
    hi = np.maximum(own, pp.mu) + 1e-12
    assert ((pp.alpha >= lo) & (pp.alpha <= hi)).all()
    # own adjusted mean uses the GLS beta; the no-pooling estimate uses the within beta
    assert not np.allclose(own, np_fit.alpha)


def test_model_without_covariate_has_empty_beta():
    fit = fit_random_intercept(datasets.dyestuff(), y="Yield", group="Batch")
    assert fit.beta.empty and fit.se_beta.empty and fit.xbar.shape == (6, 0)


def test_any_group_labels_and_row_order_give_the_same_fit(radon):
    base = fit_random_intercept(radon, **RADON)
    shuffled = radon.sample(frac=1.0, random_state=3).reset_index(drop=True)
    codes = {c: i * 7 for i, c in enumerate(sorted(radon["county"].unique()))}
    shuffled["county"] = shuffled["county"].map(codes)
    other = fit_random_intercept(shuffled, **RADON)
    assert other.mu == pytest.approx(base.mu, rel=1e-12)
    assert other.sigma_alpha == pytest.approx(base.sigma_alpha, rel=1e-10)
    np.testing.assert_allclose(other.alpha.to_numpy(), base.alpha.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize("size", [2_000, 10_000])
def test_large_groups_without_covariate_match_the_anova_closed_form(size):
    from partial_pooling.simulation import simulate_groups

    sim = simulate_groups(size, J=20, mu=1.0, beta=None, sigma_alpha=0.5, sigma_y=1.0, rng=3)
    a = one_way_anova(sim.data, y="y", group="group")
    msw, msb = a["MSW"], a["MSB"]
    fit = fit_random_intercept(sim.data, y="y", group="group")
    assert fit.sigma_y**2 == pytest.approx(msw, rel=1e-9)
    assert fit.sigma_alpha**2 == pytest.approx((msb - msw) / size, rel=1e-8)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("method", ["REML", "ML"])
def test_pooling_intercepts_are_the_three_fits_intercepts(seed, method):
    from partial_pooling.estimation import pooling_intercepts
    from partial_pooling.grouped import group_data
    from partial_pooling.simulation import simulate_groups

    # seeds 2, 3 and 4 give fits at the boundary (sigma_alpha-hat = 0), the others inside
    sim = simulate_groups(
        [1, 3, 5, 8, 2, 6],
        mu=1.0,
        beta=0.7 if seed % 3 else None,
        sigma_alpha=0.0 if seed % 2 == 0 else 0.8,
        sigma_y=1.0,
        rng=seed,
    )
    x = "x" if seed % 3 else None
    g = group_data(sim.data, y="y", group="group", x=x)
    got, at_boundary = pooling_intercepts(g, method)
    full = {
        "complete": complete_pooling(sim.data, y="y", group="group", x=x),
        "none": no_pooling(sim.data, y="y", group="group", x=x),
        "partial": fit_random_intercept(sim.data, y="y", group="group", x=x, method=method),
    }
    for name, fit in full.items():
        np.testing.assert_array_equal(got[name], fit.alpha.to_numpy())
    assert at_boundary == full["partial"].at_boundary == (seed in (2, 3, 4))


def test_one_way_anova_mean_squares_match_scipy_f_oneway_and_the_sums_of_squares():
    from scipy import stats

    from partial_pooling import datasets, one_way_anova

    dye = datasets.dyestuff()
    a = one_way_anova(dye, y="Yield", group="Batch")
    groups = [g["Yield"].to_numpy() for _, g in dye.groupby("Batch")]
    assert a["MSB"] / a["MSW"] == pytest.approx(stats.f_oneway(*groups).statistic, rel=1e-12)
    y = dye["Yield"].to_numpy()
    within = sum(float(((g - g.mean()) ** 2).sum()) for g in groups)
    assert a["SST"] == pytest.approx(float(((y - y.mean()) ** 2).sum()), rel=1e-12)
    assert a["SST"] - a["SSB"] == pytest.approx(within, rel=1e-12)
    assert (a["J"], a["n"], a["N"]) == (6, 5, 30)


def test_one_way_anova_refuses_unequal_groups_naming_the_sizes():
    from partial_pooling import datasets, one_way_anova

    with pytest.raises(ValueError, match=r"equal size.*'county' has sizes 1 to 116"):
        one_way_anova(datasets.radon(), y="log_radon", group="county")
