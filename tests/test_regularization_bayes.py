"""Ridge and Bayesian views of partial pooling: dense algebra, the fit and a Gibbs sampler."""

from __future__ import annotations

import numpy as np
import pytest
from reference import design

from partial_pooling import complete_pooling, fit_random_intercept, no_pooling
from partial_pooling.bayes import gibbs_sampler, posterior_intercepts, psi_posterior
from partial_pooling.regularization import ridge_intercepts, ridge_path

RADON = {"y": "log_radon", "group": "county", "x": "floor"}


def test_ridge_at_the_estimated_penalty_is_the_mixed_model(radon):
    fit = fit_random_intercept(radon, **RADON)
    ridge = ridge_intercepts(radon, **RADON, penalty=fit.sigma_y**2 / fit.sigma_alpha**2)
    assert ridge.mu == pytest.approx(fit.mu, rel=1e-12)
    assert ridge.beta["floor"] == pytest.approx(fit.beta["floor"], rel=1e-12)
    np.testing.assert_allclose(ridge.alpha, fit.alpha, rtol=1e-12)


def test_ridge_solves_the_dense_penalized_least_squares(radon):
    X, Z, y, labels = design(radon, y="log_radon", group="county", x=["floor"])
    kappa = 3.7
    W = np.hstack([X, Z])
    P = np.zeros(W.shape[1])
    P[X.shape[1] :] = kappa
    # minimum of |y - W t|^2 + kappa |a|^2 as an augmented least-squares problem
    theta = np.linalg.lstsq(
        np.vstack([W, np.diag(np.sqrt(P))]), np.concatenate([y, np.zeros(W.shape[1])]), rcond=None
    )[0]
    fit = ridge_intercepts(radon, **RADON, penalty=kappa)
    np.testing.assert_allclose([fit.mu, fit.beta["floor"]], theta[:2], rtol=1e-10)
    np.testing.assert_allclose(fit.alpha.reindex(labels), theta[0] + theta[2:], rtol=1e-10)
    H = W @ np.linalg.solve(W.T @ W + np.diag(P), W.T)
    assert fit.edf == pytest.approx(np.trace(H), rel=1e-10)


def test_ridge_limits_are_no_and_complete_pooling(radon):
    tiny = ridge_intercepts(radon, **RADON, penalty=1e-10)
    np.testing.assert_allclose(tiny.alpha, no_pooling(radon, **RADON).alpha, atol=1e-7)
    huge = ridge_intercepts(radon, **RADON, penalty=np.inf)
    cp = complete_pooling(radon, **RADON)
    assert huge.mu == pytest.approx(cp.mu, rel=1e-12) and huge.edf == 2.0
    path = ridge_path(radon, **RADON, penalties=np.geomspace(1e-2, 1e3, 12))
    assert np.all(np.diff(path.edf.to_numpy()) < 0)


def test_psi_posterior_is_normalized_and_agrees_with_gibbs(radon):
    grid = np.geomspace(1e-4, 5, 800)
    dens = psi_posterior(radon, **RADON, psi=grid)
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, rel=1e-12)
    draws = gibbs_sampler(radon, **RADON, n_iter=4000, rng=np.random.default_rng(20261125))
    root = np.sqrt(draws["psi"].to_numpy())
    batches = np.array([b.mean() for b in np.array_split(root, 40)])
    mcse = batches.std(ddof=1) / np.sqrt(batches.size)
    exact = np.trapezoid(np.sqrt(grid) * dens, grid)
    assert abs(root.mean() - exact) < 4 * mcse


def test_posterior_intercepts_agree_with_gibbs_and_sit_near_reml(radon):
    grid = np.geomspace(1e-4, 5, 800)
    post = posterior_intercepts(radon, **RADON, psi=grid)
    draws = gibbs_sampler(radon, **RADON, n_iter=4000, rng=np.random.default_rng(7))
    for label in ["LAC QUI PARLE", "HENNEPIN", "AITKIN"]:
        chain = draws[f"alpha[{label}]"].to_numpy()
        batches = np.array([b.mean() for b in np.array_split(chain, 40)])
        mcse = batches.std(ddof=1) / np.sqrt(batches.size)
        assert abs(chain.mean() - post[label]) < 4 * mcse + 1e-9
    fit = fit_random_intercept(radon, **RADON)
    assert (post - fit.alpha).abs().max() < 0.05


def test_bayes_rejects_bad_grids_and_iterations(radon):
    with pytest.raises(ValueError, match="psi"):
        psi_posterior(radon, **RADON, psi=[0.0, 0.1, 0.2])
    with pytest.raises(ValueError, match="n_iter"):
        gibbs_sampler(radon, **RADON, n_iter=0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="penalty"):
        ridge_intercepts(radon, **RADON, penalty=0.0)
