"""Several random slopes (q = 1 + number of slopes up to 4), checked without the package's code.

The reference is the model's definition in dense matrices: $V = \\sigma_y^2 I + Z_b(I_J \\otimes
\\Sigma)Z_b'$ with the block design $Z_b$ of every group's $[1, x_1, .., x_{q-1}]$. At the fitted
values the package's log-likelihood must equal the dense one, the fixed effects and BLUPs must be
the dense GLS ones, and no perturbation of $\\Sigma$ or $\\sigma_y$ may raise the dense
log-likelihood (the fit is the optimum). statsmodels' MixedLM, fitted tightly, is a second,
independent check for q = 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference import dense_random_slopes, sm_mixed

from partial_pooling import fit_random_slopes


def simulated(q: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    J = 14
    n = rng.integers(6, 12, J)
    g = np.repeat(np.arange(J), n)
    N = g.size
    x = rng.normal(size=(N, q - 1)) + rng.normal(0, 0.5, (J, q - 1))[g]
    C = rng.normal(size=(q, q)) * 0.5
    a = rng.normal(size=(J, q)) @ (np.eye(q) + C).T
    mu = np.arange(1, q + 1, dtype=float)
    Z = np.column_stack([np.ones(N), x])
    y = Z @ mu + np.einsum("ik,ik->i", Z, a[g]) + rng.normal(0, 1.0, N)
    frame = pd.DataFrame(x, columns=[f"x{k}" for k in range(1, q)])
    return frame.assign(y=y, g=[f"g{j:02d}" for j in g])


def dense(data: pd.DataFrame, names: list[str], Sigma: np.ndarray, sigma_y: float, method: str):
    """Dense log-likelihood, GLS fixed effects and BLUPs at (Sigma, sigma_y)."""
    ref = dense_random_slopes(
        data, y="y", group="g", x=names, Sigma=Sigma, sigma_y=sigma_y, method=method
    )
    return ref.loglik, ref.mu, ref.blups


CASES = [(3, 0), (3, 1), (4, 2)]


def fitted(q: int, seed: int, method: str):
    """A simulated data set with q - 1 random slopes, their names and the package's fit."""
    data = simulated(q, seed)
    names = [f"x{k}" for k in range(1, q)]
    return data, names, fit_random_slopes(data, y="y", group="g", x=names, method=method)


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize(("q", "seed"), CASES, ids=[f"q{q}-seed{s}" for q, s in CASES])
def test_fit_equals_the_dense_model_at_its_estimates(q, seed, method):
    data, names, fit = fitted(q, seed, method)
    ll, b, blups = dense(data, names, fit.cov.to_numpy(), fit.sigma_y, method)
    assert fit.loglik == pytest.approx(ll, rel=1e-10)
    np.testing.assert_allclose(fit.fixed.to_numpy(), b, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.ranef.to_numpy(), blups, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize(("q", "seed"), CASES, ids=[f"q{q}-seed{s}" for q, s in CASES])
def test_no_perturbation_of_the_variance_components_raises_the_dense_likelihood(q, seed, method):
    data, names, fit = fitted(q, seed, method)
    Sigma, sy = fit.cov.to_numpy(), fit.sigma_y
    best, _, _ = dense(data, names, Sigma, sy, method)
    rng = np.random.default_rng(seed)
    L = np.linalg.cholesky(Sigma + 1e-12 * np.eye(q))
    for _ in range(6):
        E = np.tril(rng.normal(size=(q, q))) * 1e-3 * np.abs(L).max()
        S2 = (L + E) @ (L + E).T
        other, _, _ = dense(data, names, S2, sy * (1 + 1e-3 * rng.normal()), method)
        assert other <= best + 1e-9 * abs(best)


def test_three_coefficients_match_statsmodels_fitted_tightly():
    data = simulated(3, 0)
    fit = fit_random_slopes(data, y="y", group="g", x=["x1", "x2"])
    sm = sm_mixed(data, "y", "g", ["x1", "x2"], reml=True, re_formula="~x1+x2")
    assert fit.loglik == pytest.approx(sm.loglik, rel=1e-9)
    np.testing.assert_allclose(fit.fixed.to_numpy(), sm.fixed.to_numpy(), rtol=1e-7)
    np.testing.assert_allclose(fit.cov.to_numpy(), sm.cov.to_numpy(), rtol=1e-5, atol=1e-7)


def test_one_slope_given_as_a_list_is_the_one_slope_fit(sleepstudy):
    one = fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x="Days")
    listed = fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x=["Days"])
    np.testing.assert_array_equal(one.cov.to_numpy(), listed.cov.to_numpy())
    assert listed.x_names == ["Days"] and listed.x_name == "Days"


def test_a_fit_with_two_slopes_has_no_single_correlation():
    fit = fit_random_slopes(simulated(3, 1), y="y", group="g", x=["x1", "x2"])
    with pytest.raises(ValueError, match="corr_matrix"):
        _ = fit.corr
    corr = fit.corr_matrix.to_numpy()
    np.testing.assert_allclose(np.diag(corr), 1.0)
    assert "Random intercept and 2 slopes" in fit.summary()


def dense_profiled_deviance(
    Z: np.ndarray, y: np.ndarray, groups: np.ndarray, D: np.ndarray, method: str
) -> float:
    """-2 log L maximized over sigma_y at Sigma = sigma_y^2 D, from the dense N x N model.

    With V = I + Z_b (I (x) D) Z_b' and X = Z, sigma_y^2 = r'V^-1 r / nu (nu = N, or N - q for
    REML) maximizes the likelihood, leaving nu (1 + log 2 pi + log(r'V^-1 r / nu)) + log|V|,
    plus log|X'V^-1 X| for REML.
    """
    N, q = Z.shape
    same = groups[:, None] == groups[None, :]
    V = np.eye(N) + (Z @ D @ Z.T) * same
    Vi = np.linalg.inv(V)
    XVX = Z.T @ Vi @ Z
    b = np.linalg.solve(XVX, Z.T @ Vi @ y)
    r = y - Z @ b
    nu = N if method == "ML" else N - q
    dev = nu * (1 + np.log(2 * np.pi) + np.log(r @ Vi @ r / nu)) + np.linalg.slogdet(V)[1]
    return float(dev + (np.linalg.slogdet(XVX)[1] if method == "REML" else 0.0))


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize("q", [2, 3])
def test_analytic_hessian_equals_second_differences_of_the_dense_deviance(q, method):
    """The exact Hessian Newton's method uses, against the dense model's second differences."""
    from partial_pooling import random_slopes as rs
    from partial_pooling.grouped import group_data

    data = simulated(q, seed=5)
    names = [f"x{k}" for k in range(1, q)]
    g = group_data(data, y="y", group="g", x=names, min_groups=3)
    st = rs._SlopeStats(g)
    Z = np.column_stack([np.ones(g.N), g.xs])

    def deviance(theta: np.ndarray) -> float:
        L = np.zeros((q, q))
        L[np.tril_indices(q)] = theta
        return dense_profiled_deviance(Z, g.ys, g.codes, L @ L.T, method)

    rng = np.random.default_rng(q)
    theta = np.eye(q)[st.rows, st.cols] + 0.3 * rng.normal(size=st.rows.size)
    s = rs._solve(st, theta)
    assert rs._deviance_of(st, s, method) == pytest.approx(deviance(theta), rel=1e-12)
    H = rs._hessian_of(st, s, method)
    m, h = theta.size, 1e-3
    steps = np.eye(m) * h
    ref = np.empty((m, m))
    for k in range(m):
        for m2 in range(k, m):
            ek, el = steps[k], steps[m2]
            ref[k, m2] = ref[m2, k] = (
                deviance(theta + ek + el)
                - deviance(theta + ek - el)
                - deviance(theta - ek + el)
                + deviance(theta - ek - el)
            ) / (4 * h * h)
    np.testing.assert_allclose(H, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize(("q", "seed"), CASES, ids=[f"q{q}-seed{s}" for q, s in CASES])
def test_newton_from_the_moment_start_converges_without_the_bfgs_safeguard(q, seed, method):
    from partial_pooling import random_slopes as rs
    from partial_pooling.grouped import group_data

    names = [f"x{k}" for k in range(1, q)]
    g = group_data(simulated(q, seed), y="y", group="g", x=names, min_groups=3)
    st = rs._SlopeStats(g)
    theta, converged = rs._newton(st, method, rs._moment_start(st))
    assert converged
    gradient = rs._gradient_of(st, rs._solve(st, theta), method)
    assert np.abs(gradient).max() < 1e-8
