"""The statsmodels cross-check: its shape, and its fallback where BFGS stalls.

The fits are compared with the dense reference (`partial_pooling.site.reference`) and with
statsmodels' own results object, never with the package's estimation code.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.formula.api as smf
from reference import dense_gls, dense_reml_loglik, design
from statsmodels.regression.mixed_linear_model import MixedLMParams

from partial_pooling import datasets
from partial_pooling.site import crosscheck
from partial_pooling.site.crosscheck import statsmodels_mixedlm


def test_random_intercept_fit_in_the_package_shape_is_statsmodels_and_dense_gls(radon):
    sm = statsmodels_mixedlm(radon, "log_radon", "county", "floor")
    res = sm.result
    assert (sm.mu, sm.beta["floor"]) == (res.fe_params["Intercept"], res.fe_params["floor"])
    assert sm.sigma_alpha**2 == pytest.approx(res.cov_re.iloc[0, 0], rel=1e-14)
    assert sm.sigma_y**2 == pytest.approx(res.scale, rel=1e-14)
    assert sm.loglik == res.llf
    # alpha = mu + a_j, by label, and a_j the BLUPs of dense GLS at statsmodels' variances
    X, Z, y, labels = design(radon, "log_radon", "county", "floor")
    b, _, a = dense_gls(X, Z, y, sigma_alpha=sm.sigma_alpha, sigma_y=sm.sigma_y)
    assert list(sm.alpha.index) == labels
    np.testing.assert_allclose(sm.fixed.to_numpy(), b, rtol=1e-9)
    np.testing.assert_allclose(sm.a.to_numpy(), a, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(sm.alpha.to_numpy(), b[0] + a, rtol=1e-9)
    assert sm.loglik == pytest.approx(
        dense_reml_loglik(X, Z, y, sigma_alpha=sm.sigma_alpha, sigma_y=sm.sigma_y)
    )


def test_random_slopes_coef_is_fixed_plus_random_effects_by_group(sleepstudy):
    sm = statsmodels_mixedlm(sleepstudy, "Reaction", "Subject", "Days", re_formula="~Days")
    assert list(sm.coef.columns) == list(sm.cov.columns) == ["Intercept", "Days"]
    for label in ["308", "372"]:
        expected = sm.result.fe_params.to_numpy() + sm.result.random_effects[label].to_numpy()
        np.testing.assert_allclose(sm.coef.loc[label].to_numpy(), expected, rtol=1e-14)
    np.testing.assert_array_equal(sm.cov.to_numpy(), sm.result.cov_re.to_numpy())


def unbalanced_sleepstudy():
    """sleepstudy with days 3-9 removed for four subjects (the group_predictor page's data)."""
    sleep = datasets.sleepstudy()
    rng = np.random.default_rng(8)
    reduced = sorted(rng.choice(sleep["Subject"].unique(), size=4, replace=False))
    return sleep[~(sleep["Subject"].isin(reduced) & (sleep["Days"] > 2))]


def test_fallback_reaches_the_optimum_where_bfgs_stalls():
    data = unbalanced_sleepstudy()
    model = smf.mixedlm("Reaction ~ Days", data, groups=data["Subject"], re_formula="~Days")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bfgs = model.fit(reml=True, method=["bfgs"], gtol=1e-10, maxiter=20000)
    assert not bfgs.converged  # the first path fails here, so the fallback is what is tested
    sm = statsmodels_mixedlm(data, "Reaction", "Subject", "Days", re_formula="~Days")
    assert sm.how == "L-BFGS, CG, then Powell"
    assert sm.loglik > bfgs.llf + 1
    # the optimum: no small step in the covariance (relative to sigma_y^2) from statsmodels'
    # estimate raises its profiled REML log-likelihood
    res = sm.result
    best = res.model.loglike(res.params_object, profile_fe=True)
    assert best == pytest.approx(sm.loglik, rel=1e-13)
    rng = np.random.default_rng(0)
    c = res.cov_re.to_numpy() / res.scale
    for _ in range(20):
        e = rng.normal(size=(2, 2)) * 1e-3 * np.abs(c).max()
        step = MixedLMParams.from_components(fe_params=res.fe_params, cov_re=c + (e + e.T) / 2)
        assert res.model.loglike(step, profile_fe=True) < best


def test_no_path_converging_raises_naming_the_paths(monkeypatch, radon):
    monkeypatch.setattr(crosscheck, "_tight_paths", lambda: [("BFGS", [("bfgs", {"maxiter": 1})])])
    with pytest.raises(RuntimeError, match=r"did not converge \(tried BFGS\)"):
        statsmodels_mixedlm(radon, "log_radon", "county", "floor")
