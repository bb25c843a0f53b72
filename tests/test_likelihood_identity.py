"""The exact identity between the marginal and the joint log-likelihood (the likelihood page)."""

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.likelihood import integration_correction

RADON = {"y": "log_radon", "group": "county", "x": "floor"}


@pytest.mark.parametrize("sigma_alpha", [0.01, 0.1, 0.33, 1.0, 10.0])
def test_marginal_equals_joint_at_its_peak_plus_correction_on_radon(sigma_alpha):
    radon = datasets.radon()
    mu, beta, sigma_y = 1.3, -0.6, 0.8  # any values: the identity holds everywhere
    alpha = pp.group_intercepts(
        radon, **RADON, mu=mu, beta=beta, sigma_alpha=sigma_alpha, sigma_y=sigma_y
    )
    n = radon.groupby("county").size().reindex(alpha.index)
    joint = pp.joint_loglik(
        radon, **RADON, alpha=alpha, beta=beta, mu=mu, sigma_alpha=sigma_alpha, sigma_y=sigma_y
    )
    # independent: each group's multivariate normal density, written with scipy
    dense = 0.0
    for _, g in radon.groupby("county"):
        k = len(g)
        cov = sigma_y**2 * np.eye(k) + sigma_alpha**2 * np.ones((k, k))
        dense += stats.multivariate_normal(mu + beta * g["floor"].to_numpy(), cov).logpdf(
            g["log_radon"].to_numpy()
        )
    correction = integration_correction(n, sigma_alpha=sigma_alpha, sigma_y=sigma_y)
    assert joint + correction == pytest.approx(dense, rel=1e-10, abs=1e-10)


def test_correction_is_the_log_integral_of_a_unit_peak_gaussian_by_quadrature():
    n, sa, sy = np.array([1.0, 7.0]), 0.4, 1.3
    total = 0.0
    for nj in n:
        curvature = nj / sy**2 + 1 / sa**2
        value, _ = integrate.quad(
            lambda a, c=curvature: np.exp(-0.5 * c * a * a), -50, 50, epsabs=0, epsrel=1e-13
        )
        total += np.log(value)
    assert integration_correction(n, sigma_alpha=sa, sigma_y=sy) == pytest.approx(total, rel=1e-12)


def test_correction_accepts_a_series_and_rejects_bad_sizes_and_variances():
    assert integration_correction(pd.Series([2, 3]), sigma_alpha=1.0, sigma_y=1.0) == pytest.approx(
        -0.5 * (np.log(3 / (2 * np.pi)) + np.log(4 / (2 * np.pi)))
    )
    for bad in ([], [0.5], [[1, 2]], [np.nan]):
        with pytest.raises(ValueError):
            integration_correction(bad, sigma_alpha=1.0, sigma_y=1.0)
    with pytest.raises(ValueError):
        integration_correction([1, 2], sigma_alpha=0.0, sigma_y=1.0)
