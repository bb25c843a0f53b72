"""The statsmodels cross-check: its shape, and its fallback where BFGS stalls.

The fits are compared with the dense reference (`partial_pooling.site.reference`) and with
statsmodels' own results object, never with the package's estimation code.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.formula.api as smf
from reference import dense_gls, dense_reml_loglik, design
from statsmodels.regression.mixed_linear_model import MixedLMParams

from partial_pooling import datasets
from partial_pooling.site import crosscheck
from partial_pooling.site.crosscheck import statsmodels_mixedlm


def test_random_intercept_fit_in_the_package_shape_is_statsmodels_and_dense_gls(radon):
    sm = statsmodels_mixedlm(radon, y="log_radon", group="county", x="floor")
    res = sm.result
    assert (sm.mu, sm.beta["floor"]) == (res.fe_params["Intercept"], res.fe_params["floor"])
    assert sm.sigma_alpha**2 == pytest.approx(res.cov_re.iloc[0, 0], rel=1e-14)
    assert sm.sigma_y**2 == pytest.approx(res.scale, rel=1e-14)
    assert sm.loglik == res.llf
    # alpha = mu + a_j, by label, and a_j the BLUPs of dense GLS at statsmodels' variances
    X, Z, y, labels = design(radon, y="log_radon", group="county", x="floor")
    b, _, a = dense_gls(X, Z, y, sigma_alpha=sm.sigma_alpha, sigma_y=sm.sigma_y)
    assert list(sm.alpha.index) == labels
    np.testing.assert_allclose(sm.fixed.to_numpy(), b, rtol=1e-9)
    np.testing.assert_allclose(sm.a.to_numpy(), a, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(sm.alpha.to_numpy(), b[0] + a, rtol=1e-9)
    assert sm.loglik == pytest.approx(
        dense_reml_loglik(X, Z, y, sigma_alpha=sm.sigma_alpha, sigma_y=sm.sigma_y)
    )


def test_random_slopes_coef_is_fixed_plus_random_effects_by_group(sleepstudy):
    sm = statsmodels_mixedlm(
        sleepstudy, y="Reaction", group="Subject", x="Days", re_formula="~Days"
    )
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


def _no_step_raises_the_loglik(res, rng_seed: int = 0) -> float:
    """statsmodels' profiled log-likelihood at ``res``, after checking that no small step in the
    covariance (relative to sigma_y^2) from ``res`` raises it."""
    best = res.model.loglike(res.params_object, profile_fe=True)
    rng = np.random.default_rng(rng_seed)
    c = res.cov_re.to_numpy() / res.scale
    for _ in range(20):
        e = rng.normal(size=c.shape) * 1e-3 * np.abs(c).max()
        step = MixedLMParams.from_components(fe_params=res.fe_params, cov_re=c + (e + e.T) / 2)
        assert res.model.loglike(step, profile_fe=True) < best
    return best


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_newton_polish_reaches_the_optimum_from_statsmodels_default_fit(method):
    """On the unbalanced sleepstudy, statsmodels' default fit stops short (by 10 REML
    log-likelihood units on the machines measured); the polished fit is a strict local maximum
    of statsmodels' own log-likelihood, whatever path statsmodels' optimizers took."""
    data = unbalanced_sleepstudy()
    default = crosscheck._mixedlm(data, "Reaction", "Subject", "Days", method, "~Days", False)
    sm = statsmodels_mixedlm(
        data, y="Reaction", group="Subject", x="Days", method=method, re_formula="~Days"
    )
    assert sm.loglik >= default.loglik
    best = _no_step_raises_the_loglik(sm.result)
    assert best == pytest.approx(sm.loglik, rel=1e-13)
    # the Newton decrement at the end is below the tolerance, recomputed here from
    # statsmodels' score and central differences of it, independently of newton_polish
    model = sm.result.model
    packed = sm.result.params_object.get_packed(use_sqrt=model.use_sqrt, has_fe=False)
    score = lambda p: model.score(p, profile_fe=True)  # noqa: E731
    h = 1e-5 * np.maximum(1.0, np.abs(packed))
    H = np.column_stack(
        [(score(packed + h[i] * e) - score(packed - h[i] * e)) / (2 * h[i])
         for i, e in enumerate(np.eye(packed.size))]
    )
    g = score(packed)
    assert np.all(np.linalg.eigvalsh((H + H.T) / 2) < 0)
    assert -g @ np.linalg.solve(H, g) / 2 < crosscheck.DECREMENT_TOL


def test_the_tight_fit_takes_a_bounded_number_of_newton_steps(monkeypatch):
    """The cost is bounded: with too few steps allowed, the fit stops and says why instead of
    trying more optimizers."""
    data = unbalanced_sleepstudy()
    sm = statsmodels_mixedlm(data, y="Reaction", group="Subject", x="Days", re_formula="~Days")
    steps = int(sm.how.split("then ")[1].split()[0])
    assert 1 <= steps <= crosscheck.NEWTON_MAXITER
    monkeypatch.setattr(crosscheck, "NEWTON_MAXITER", 0)
    with pytest.raises(RuntimeError, match=r"Newton steps from its default fit left a Newton"):
        statsmodels_mixedlm(data, y="Reaction", group="Subject", x="Days", re_formula="~Days")


def test_newton_polish_counts_its_evaluations_and_stops_at_maxiter(radon):
    model = smf.mixedlm("log_radon ~ floor", radon, groups=radon["county"])
    model.fit(reml=True)  # sets model.reml, as _mixedlm's default fit does
    calls = {"loglike": 0, "score": 0}
    for name in calls:
        original = getattr(model, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        setattr(model, name, counted)
    polish = crosscheck.newton_polish(model, np.array([0.1]), maxiter=3)
    assert polish.steps <= 3
    assert polish.evaluations == calls["loglike"] + calls["score"]
