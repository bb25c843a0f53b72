"""The matrix weight K_j of random slopes, checked with dense matrices on unbalanced data."""

from __future__ import annotations

import numpy as np
import pytest

import partial_pooling as pp
from partial_pooling.random_slopes import coefficient_shrinkage

REDUCED = ["330", "332", "349", "372"]


@pytest.fixture(scope="module")
def unbalanced(sleepstudy):
    keep = ~(sleepstudy["Subject"].isin(REDUCED) & (sleepstudy["Days"] > 2))
    return sleepstudy[keep]


def test_pooled_coefficients_are_mu_plus_k_times_own_deviation(unbalanced):
    fit = pp.fit_random_slopes(unbalanced, y="Reaction", group="Subject", x="Days")
    own = pp.group_ols(unbalanced, y="Reaction", group="Subject", x="Days")
    Sigma, s2, mu = fit.cov.to_numpy(), fit.sigma_y**2, fit.fixed.to_numpy()
    out = coefficient_shrinkage(unbalanced, y="Reaction", group="Subject", x="Days")
    prec = np.linalg.inv(Sigma)
    for subject, rows in unbalanced.groupby("Subject"):
        Z = np.column_stack([np.ones(len(rows)), rows["Days"]])
        K = np.linalg.solve(prec + Z.T @ Z / s2, Z.T @ Z / s2)  # the textbook form
        b_own = own.loc[subject].to_numpy()
        np.testing.assert_allclose(fit.coef.loc[subject], mu + K @ (b_own - mu), rtol=1e-8)
        eig = np.sort(np.linalg.eigvals(K).real)
        np.testing.assert_allclose(out.loc[subject, ["k_min", "k_max"]], eig, rtol=1e-10)
        d = np.sqrt((b_own - mu) @ prec @ (b_own - mu))
        np.testing.assert_allclose(out.loc[subject, "distance_own"], d, rtol=1e-10)


def test_kept_fraction_lies_between_the_eigenvalues_of_k(unbalanced):
    out = coefficient_shrinkage(unbalanced, y="Reaction", group="Subject", x="Days")
    assert ((out["kept"] >= out["k_min"] - 1e-12) & (out["kept"] <= out["k_max"] + 1e-12)).all()
    assert ((out["k_min"] >= 0) & (out["k_max"] < 1)).all()


def test_fewer_days_give_smaller_eigenvalues_of_k(unbalanced):
    out = coefficient_shrinkage(unbalanced, y="Reaction", group="Subject", x="Days")
    full = out.drop(index=REDUCED)
    assert (out.loc[REDUCED, "k_min"] < full["k_min"].min()).all()
    assert (out.loc[REDUCED, "k_max"] < full["k_max"].min()).all()
    assert (out.loc[REDUCED, "n"] == 3).all()


def test_kept_fraction_is_the_same_in_any_units(unbalanced):
    scaled = unbalanced.assign(Reaction=unbalanced["Reaction"] / 1000, Days=unbalanced["Days"] * 24)
    a = coefficient_shrinkage(unbalanced, y="Reaction", group="Subject", x="Days")
    b = coefficient_shrinkage(scaled, y="Reaction", group="Subject", x="Days")
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6)
