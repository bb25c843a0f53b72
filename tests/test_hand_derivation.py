"""The hand derivation's equations: which hold at the fitted model and which do not."""

from __future__ import annotations

import numpy as np
import pytest
from reference import dense_gls, design

from partial_pooling import fit_random_intercept, group_intercepts
from partial_pooling.site.hand_derivation import (
    joint_mode_beta,
    naive_beta_se,
    residual_variance,
    swapped_intercepts,
)

RADON = {"y": "log_radon", "group": "county", "x": "floor"}


def test_swapped_weights_disagree_with_the_fit_and_shrink_large_groups_hardest(radon):
    fit = fit_random_intercept(radon, **RADON)
    wrong = swapped_intercepts(
        radon,
        y="log_radon",
        group="county",
        mu=fit.mu,
        sigma_alpha=fit.sigma_alpha,
        sigma_y=fit.sigma_y,
    )
    assert (wrong - fit.alpha).abs().max() > 0.1
    # the weight on the group's own mean falls with n_j: the opposite of lambda_j
    far = (fit.ybar - fit.mu).abs() > 0.1
    w = ((wrong - fit.mu) / (fit.ybar - fit.mu))[far]
    order = np.argsort(fit.n[far].to_numpy(), kind="stable")
    assert np.all(np.diff(w.to_numpy()[order]) <= 1e-9)
    assert w.max() < 0.5 < fit.shrinkage.max()


def test_swapped_formula_is_the_written_expression():
    import pandas as pd

    df = pd.DataFrame({"y": [1.0, 3.0, 2.0, 6.0, 7.0], "g": ["a", "a", "b", "b", "b"]})
    got = swapped_intercepts(df, y="y", group="g", mu=4.0, sigma_alpha=2.0, sigma_y=1.0)
    # by hand: n_a = 2, ybar_a = 2: w = 4 / (2 + 4) ; n_b = 3, ybar_b = 5: w = 4 / (3 + 4)
    assert got["a"] == pytest.approx(4 / 6 * 2 + 2 / 6 * 4)
    assert got["b"] == pytest.approx(4 / 7 * 5 + 3 / 7 * 4)


def test_joint_mode_beta_at_the_blups_is_the_gls_slope(radon):
    fit = fit_random_intercept(radon, **RADON)
    assert joint_mode_beta(radon, **RADON, alpha=fit.alpha) == pytest.approx(
        fit.beta["floor"], rel=1e-12
    )
    # but with the no-pooling (group mean) intercepts plugged in it is not
    assert joint_mode_beta(radon, **RADON, alpha=fit.ybar) != pytest.approx(
        fit.beta["floor"], rel=1e-3
    )


def test_naive_standard_error_is_too_small(radon):
    fit = fit_random_intercept(radon, **RADON)
    X, Z, y, _ = design(radon, y="log_radon", group="county", x=["floor"])
    _, cov, _ = dense_gls(X, Z, y, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    naive = naive_beta_se(radon, "floor", sigma_y=fit.sigma_y)
    assert naive == pytest.approx(fit.sigma_y / np.sqrt((radon["floor"] ** 2).sum()))
    assert naive < np.sqrt(cov[1, 1]) * 0.95


def test_residual_variance_with_conditional_variances_is_the_ml_estimate(radon):
    ml = fit_random_intercept(radon, **RADON, method="ML")
    em = residual_variance(
        radon, **RADON, alpha=ml.alpha, beta=ml.beta["floor"], cond_var=ml.cond_sd**2
    )
    plug_in = residual_variance(radon, **RADON, alpha=ml.alpha, beta=ml.beta["floor"])
    assert em == pytest.approx(ml.sigma_y**2, rel=1e-9)
    assert plug_in < ml.sigma_y**2


def test_correct_closed_form_uses_the_covariate_adjusted_mean(radon):
    fit = fit_random_intercept(radon, **RADON)
    right = group_intercepts(
        radon, **RADON, mu=fit.mu, beta=fit.beta, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
    )
    unadjusted = fit.shrinkage * fit.ybar + (1 - fit.shrinkage) * fit.mu
    np.testing.assert_allclose(right, fit.alpha, rtol=1e-12)
    assert (unadjusted - fit.alpha).abs().max() > 0.05
