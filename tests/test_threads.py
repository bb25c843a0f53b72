"""The fits run their small dense algebra on one BLAS thread and give the caller's setting back.

The thread counts are read with threadpoolctl's `threadpool_info`, which asks each loaded BLAS
library itself, not the package's limiter.
"""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import partial_pooling as pp
from partial_pooling import estimation, grouped, random_slopes
from partial_pooling.threads import one_blas_thread, single_blas_thread


def blas_threads() -> list[int]:
    return [int(info["num_threads"]) for info in threadpool_info() if info["user_api"] == "blas"]


@pytest.fixture
def two_threads():
    """Two BLAS threads in every library for the test (one-core machines included)."""
    with threadpool_limits(limits=2, user_api="blas"):
        assert set(blas_threads()) == {2}
        yield


def spy(monkeypatch, module, name: str) -> list[list[int]]:
    """Record the BLAS thread counts each time ``module.name`` is called."""
    seen: list[list[int]] = []
    original = getattr(module, name)

    def recording(*args, **kwargs):
        seen.append(blas_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)
    return seen


def test_the_random_intercept_fit_searches_psi_on_one_blas_thread(
    radon, monkeypatch, two_threads
):
    seen = spy(monkeypatch, estimation, "profile_grid")
    pp.fit_random_intercept(radon, y="log_radon", group="county", x="floor")
    assert seen and all(set(counts) == {1} for counts in seen)
    assert set(blas_threads()) == {2}  # given back


def test_the_random_slopes_fit_runs_newton_on_one_blas_thread(
    sleepstudy, monkeypatch, two_threads
):
    seen = spy(monkeypatch, random_slopes, "_solve")
    pp.fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x="Days")
    assert seen and all(set(counts) == {1} for counts in seen)
    assert set(blas_threads()) == {2}


def test_grouping_the_data_runs_on_one_blas_thread(radon, monkeypatch, two_threads):
    seen = spy(monkeypatch, grouped, "qr_r")
    grouped.group_data(radon, y="log_radon", group="county", x="floor")
    assert seen and all(set(counts) == {1} for counts in seen)
    assert set(blas_threads()) == {2}


def test_the_callers_thread_count_comes_back_after_an_error(radon, two_threads):
    with pytest.raises(ValueError, match="no_such_column"):
        pp.fit_random_intercept(radon, y="no_such_column", group="county")
    assert set(blas_threads()) == {2}


def test_limits_nest_and_unwind_in_order(two_threads):
    @single_blas_thread
    def inner() -> list[int]:
        return blas_threads()

    with one_blas_thread():
        assert set(inner()) == {1}
        assert set(blas_threads()) == {1}
    assert set(blas_threads()) == {2}


def test_one_blas_thread_gives_the_same_fit(radon, two_threads):
    """What is limited is speed, not the answer: the fit equals dense GLS computed with two
    BLAS threads at its own variance components."""
    from reference import dense_gls, design

    fit = pp.fit_random_intercept(radon, y="log_radon", group="county", x="floor")
    X, Z, y, _ = design(radon, y="log_radon", group="county", x="floor")
    b, _, a = dense_gls(X, Z, y, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    np.testing.assert_allclose(fit.fixed.to_numpy(), b, rtol=1e-9)
    np.testing.assert_allclose(fit.a.to_numpy(), a, rtol=1e-7, atol=1e-12)
