"""Singular fits (lme4's isSingular) on the random-intercept and random-slopes fits.

Checked against an independent computation: numpy's Cholesky factor of Sigma / sigma_y^2
where it exists, the eigenvalues of Sigma (a dense check of its rank), and lme4's own
``isSingular`` and ``theta`` (tests/data/singular_lme4.R writes tests/data/singular_lme4.json).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.fits import relative_cholesky
from partial_pooling.mixed import SINGULAR_TOL

DATA = Path(__file__).parent / "data"
LME4 = json.loads((DATA / "singular_lme4.json").read_text())


def _chickweight() -> pd.DataFrame:
    return pd.read_csv(DATA / "chickweight.csv", dtype={"Chick": str})


def _fits() -> dict[str, pp.RandomSlopesFit]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fits themselves never warn of a singular fit
        return {
            "oats": pp.fit_random_slopes(datasets.oats(), y="yield", group="Block", x=["nitro"]),
            "sleepstudy": pp.fit_random_slopes(
                datasets.sleepstudy(), y="Reaction", group="Subject", x=["Days"]
            ),
            "chickweight": pp.fit_random_slopes(
                _chickweight(), y="weight", group="Chick", x=["Time", "Time2"]
            ),
        }


FITS = _fits()


def test_relative_cholesky_is_numpys_for_a_positive_definite_matrix() -> None:
    fit = FITS["sleepstudy"]
    S = fit.cov.to_numpy() / fit.sigma_y**2
    np.testing.assert_allclose(
        relative_cholesky(fit.cov.to_numpy(), sigma_y=fit.sigma_y),
        np.linalg.cholesky(S),
        rtol=1e-12,
    )


def test_relative_cholesky_of_a_rank_one_matrix_has_a_zero_pivot() -> None:
    v = np.array([2.0, -3.0, 0.5])
    L = relative_cholesky(np.outer(v, v) * 4.0, sigma_y=2.0)  # Sigma / sigma_y^2 = v v'
    np.testing.assert_allclose(L[:, 0], np.abs(v[0]) * v / v[0], rtol=1e-14)
    assert np.all(np.abs(L[1:, 1:]) < 1e-7)
    np.testing.assert_allclose(L @ L.T, np.outer(v, v), atol=1e-12)


@pytest.mark.parametrize("name", ["oats", "sleepstudy", "chickweight"])
def test_singular_agrees_with_lme4_and_with_the_rank_of_sigma(name: str) -> None:
    fit, ref = FITS[name], LME4[name]
    assert fit.singular is ref["singular"]
    # a dense check of the rank: the smallest eigenvalue of Sigma / sigma_y^2, relative to the
    # largest, is at rounding level exactly when the fit is singular
    eig = np.linalg.eigvalsh(fit.cov.to_numpy() / fit.sigma_y**2)
    assert bool(eig[0] < 1e-10 * eig[-1]) is ref["singular"]
    # the relative Cholesky factor in lme4's order (its lower triangle column by column)
    L = relative_cholesky(fit.cov.to_numpy(), sigma_y=fit.sigma_y)
    theta = L.T[np.triu_indices(L.shape[0])]
    np.testing.assert_allclose(theta, ref["theta"], atol=2e-3 * np.abs(ref["theta"]).max())
    assert fit.loglik >= ref["loglik"] - 1e-6  # as high as lme4's, or higher


def test_well_inside_the_smallest_pivot_is_far_above_the_tolerance() -> None:
    fit = FITS["sleepstudy"]
    S = fit.cov.to_numpy() / fit.sigma_y**2
    assert np.diag(np.linalg.cholesky(S)).min() > 100 * SINGULAR_TOL
    assert "singular" not in fit.summary()


def test_a_correlation_of_one_is_singular_and_said_in_the_summary() -> None:
    fit = FITS["oats"]
    assert abs(fit.corr) == pytest.approx(1.0, abs=1e-9)
    summary = fit.summary()
    assert "Boundary (singular) fit" in summary
    assert "Boundary (singular) fit" in summary.html()


def test_random_intercept_at_the_boundary_is_singular_and_inside_is_not() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        at = pp.fit_random_intercept(datasets.dyestuff2(), y="Yield", group="Batch")
        inside = pp.fit_random_intercept(datasets.dyestuff(), y="Yield", group="Batch")
    assert at.sigma_alpha == 0.0 and at.singular
    assert inside.sigma_alpha / inside.sigma_y > 100 * SINGULAR_TOL and not inside.singular
    assert "Boundary (singular) fit" in at.summary()
    assert "singular" not in inside.summary()


def test_the_two_limits_are_never_singular() -> None:
    model = pp.Model(datasets.dyestuff2(), y="Yield", group="Batch")
    assert not model.complete_pooling().singular
    assert not model.no_pooling().singular
