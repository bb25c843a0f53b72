"""EM reaches the ML estimate; the naive joint-likelihood iteration does not."""

from __future__ import annotations

import numpy as np
import pytest

from partial_pooling import Model, fit_random_intercept
from partial_pooling.em import em_path, joint_mode_path

RADON = {"y": "log_radon", "group": "county", "x": "floor"}


def test_em_converges_to_the_ml_fit_and_never_lowers_the_likelihood(radon):
    ml = fit_random_intercept(radon, **RADON, method="ML")
    path = em_path(radon, **RADON, sigma_alpha=1.0, sigma_y=1.0)
    last = path.iloc[-1]
    assert last["sigma_alpha"] == pytest.approx(ml.sigma_alpha, rel=1e-6)
    assert last["sigma_y"] == pytest.approx(ml.sigma_y, rel=1e-6)
    assert last["floor"] == pytest.approx(ml.beta["floor"], rel=1e-6)
    assert last["loglik"] == pytest.approx(ml.loglik, rel=1e-10)
    assert (np.diff(path["loglik"].to_numpy()) > -1e-9).all()


def test_naive_iteration_collapses_on_radon_and_is_biased_on_sleepstudy(radon, sleepstudy):
    ml = fit_random_intercept(radon, **RADON, method="ML")
    path = joint_mode_path(radon, **RADON, sigma_alpha=ml.sigma_alpha, sigma_y=ml.sigma_y)
    assert (np.diff(path["sigma_alpha"].to_numpy()) <= 0).all()
    assert path["sigma_alpha"].iloc[-1] == 0.0
    sleep = Model(sleepstudy, y="Reaction", group="Subject", x="Days")
    s_ml = sleep.fit(method="ML")
    s_path = sleep.joint_mode_path(sigma_alpha=s_ml.sigma_alpha, sigma_y=s_ml.sigma_y)
    assert 0 < s_path["sigma_alpha"].iloc[-1] < 0.99 * s_ml.sigma_alpha
    assert s_path["sigma_y"].iloc[-1] < s_ml.sigma_y


def test_em_rejects_non_positive_start(radon):
    with pytest.raises(ValueError, match="sigma_alpha"):
        em_path(radon, **RADON, sigma_alpha=0.0, sigma_y=1.0)
