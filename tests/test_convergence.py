"""Every fit says whether its optimizer converged, and warns when it did not; method names are
read in any case."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import optimize

import partial_pooling as pp
from partial_pooling import estimation, random_slopes
from partial_pooling.validation import ConvergenceWarning

RADON = {"y": "log_radon", "group": "county", "x": "floor"}
SLEEP = {"y": "Reaction", "group": "Subject", "x": "Days"}


def test_every_fit_of_the_sites_data_converges_without_a_warning(radon, sleepstudy):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fits = [
            pp.fit_random_intercept(radon, **RADON, method=m) for m in ("ML", "REML")
        ] + [
            pp.complete_pooling(radon, **RADON),
            pp.no_pooling(radon, **RADON),
            pp.fit_random_slopes(sleepstudy, **SLEEP, method="ML"),
            pp.fit_random_slopes(sleepstudy, **SLEEP, method="REML"),
        ]
    assert all(fit.converged is True for fit in fits)


def test_random_slopes_that_do_not_converge_warn_and_say_so(sleepstudy, monkeypatch):
    newton = random_slopes._newton

    def never(*args, **kwargs):
        theta, _ = newton(*args, **kwargs)
        return theta, False

    monkeypatch.setattr(random_slopes, "_newton", never)
    with pytest.warns(ConvergenceWarning, match="random slopes .* did not converge"):
        fit = pp.fit_random_slopes(sleepstudy, **SLEEP)
    assert fit.converged is False
    # the best point found is still returned: here the optimum itself
    monkeypatch.undo()
    exact = pp.fit_random_slopes(sleepstudy, **SLEEP)
    np.testing.assert_allclose(fit.fixed.to_numpy(), exact.fixed.to_numpy(), rtol=1e-8)


def test_a_psi_search_that_misses_its_tolerance_warns_and_says_so(radon, monkeypatch):
    """Newton's method and Brent's both unavailable, and the bounded search reports failure:
    the fit warns, says converged=False, and still returns the bounded search's point."""
    monkeypatch.setattr(estimation, "_newton_psi", lambda *args: None)
    monkeypatch.setattr(estimation, "profile_score", lambda *args: 0.0)  # no sign change
    bounded = optimize.minimize_scalar

    def failing(*args, **kwargs):
        res = bounded(*args, **kwargs)
        res.success = False
        return res

    monkeypatch.setattr(estimation.optimize, "minimize_scalar", failing)
    with pytest.warns(ConvergenceWarning, match="REML search for psi"):
        fit = pp.fit_random_intercept(radon, **RADON)
    assert fit.converged is False
    monkeypatch.undo()
    exact = pp.fit_random_intercept(radon, **RADON)
    assert fit.sigma_alpha == pytest.approx(exact.sigma_alpha, rel=1e-6)


@pytest.mark.parametrize(("spelling", "method"), [("reml", "REML"), ("Reml", "REML"), ("ml", "ML")])
def test_method_names_are_read_in_any_case(radon, sleepstudy, spelling, method):
    fit = pp.fit_random_intercept(radon, **RADON, method=spelling)
    same = pp.fit_random_intercept(radon, **RADON, method=method)
    assert fit.method == method
    assert (fit.loglik, fit.sigma_alpha) == (same.loglik, same.sigma_alpha)
    slopes = pp.Model(sleepstudy, y="Reaction", group="Subject", x="Days")
    assert slopes.fit_random_slopes(method=spelling).method == method


@pytest.mark.parametrize("bad", ["REML ", "restricted", "", None, 1])
def test_other_method_names_are_refused_naming_them(radon, bad):
    with pytest.raises(ValueError, match=r"method must be 'ML' or 'REML' \(in any case\), got"):
        pp.fit_random_intercept(radon, **RADON, method=bad)
