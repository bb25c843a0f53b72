"""fit_mixed: crossed, nested and vector random-effects terms, checked against a dense N x N
reference (tests/mixed_reference.py), the package's one-factor fits and lme4 (values computed
by tests/data/mixed_lme4.R, stored in tests/data/mixed_lme4.json)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.mixed import MixedFit, RandomTerm, fit_mixed

from mixed_reference import DenseTerm, loglik, maximize, prediction_error_var

DATA = Path(__file__).parent / "data"


def term(
    data: pd.DataFrame, group: str, slopes: tuple[str, ...] = (), *, intercept: bool = True
) -> RandomTerm:
    codes, levels = pd.factorize(data[group], sort=True)
    cols = ([np.ones(len(data))] if intercept else []) + [data[s].to_numpy(float) for s in slopes]
    names = (("(Intercept)",) if intercept else ()) + slopes
    return RandomTerm(
        group=group,
        levels=pd.Index(levels),
        codes=codes.astype(np.int64),
        Z=np.column_stack(cols),
        names=names,
    )


def design(
    data: pd.DataFrame, columns: dict[str, np.ndarray | float]
) -> tuple[np.ndarray, list[str]]:
    X = np.column_stack(
        [np.broadcast_to(np.asarray(v, dtype=float), len(data)) for v in columns.values()]
    )
    return X, list(columns)


# ---------------------------------------------------------------------------------------------
# the models


def penicillin():
    d = datasets.penicillin()
    X, names = design(d, {"(Intercept)": 1.0})
    return d["diameter"].to_numpy(float), X, names, [term(d, "plate"), term(d, "sample")]


def pastes():
    d = datasets.pastes()
    d["batch:cask"] = d["batch"] + ":" + d["cask"]
    X, names = design(d, {"(Intercept)": 1.0})
    return d["strength"].to_numpy(float), X, names, [term(d, "batch"), term(d, "batch:cask")]


def orthodont():
    d = datasets.orthodont()
    X, names = design(d, {"(Intercept)": 1.0, "age": d["age"], "SexFemale": d["Sex"] == "Female"})
    return d["distance"].to_numpy(float), X, names, [term(d, "Subject", ("age",))]


def oats():
    d = datasets.oats()
    X, names = design(d, {"(Intercept)": 1.0, "nitro": d["nitro"]})
    return d["yield"].to_numpy(float), X, names, [term(d, "Block", ("nitro",))]


def sleepstudy():
    d = datasets.sleepstudy()
    X, names = design(d, {"(Intercept)": 1.0, "Days": d["Days"]})
    return d["Reaction"].to_numpy(float), X, names, [term(d, "Subject", ("Days",))]


def two_vector_terms():
    """Orthodont with an age slope by Subject and, crossed with it, by a made-up "rater"
    (every 3rd row), both correlated with their intercepts."""
    d = datasets.orthodont()
    d["rater"] = [f"r{i % 5}" for i in range(len(d))]
    X, names = design(d, {"(Intercept)": 1.0, "age": d["age"]})
    return (
        d["distance"].to_numpy(float),
        X,
        names,
        [term(d, "Subject", ("age",)), term(d, "rater", ("age",))],
    )


MODELS = {
    "penicillin": penicillin,
    "pastes": pastes,
    "orthodont": orthodont,
    "oats": oats,
    "sleepstudy": sleepstudy,
}


def fit(model: str, method: str) -> MixedFit:
    y, X, names, terms = MODELS[model]()
    return fit_mixed(y=y, X=X, X_names=names, terms=terms, method=method)


def dense_terms(fit_: MixedFit) -> list[DenseTerm]:
    return [DenseTerm(codes=t.codes, Z=t.Z) for t in fit_.terms]


# ---------------------------------------------------------------------------------------------
# against the dense reference


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("model", list(MODELS))
def test_loglik_equals_the_dense_likelihood_at_the_fitted_variances(model, method):
    f = fit(model, method)
    y, X, _, _ = MODELS[model]()
    Sigmas = [f.Sigma[label].to_numpy() for label in f.labels]
    ll, beta = loglik(y, X, dense_terms(f), Sigmas, f.sigma_y**2, method)
    # the same function evaluated two ways: rounding only
    assert_allclose(f.loglik, ll, rtol=1e-10)
    assert_allclose(f.beta.to_numpy(), beta, rtol=1e-9, atol=1e-9 * np.abs(beta).max())


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("model", list(MODELS) + ["two_vector_terms"])
def test_fit_is_at_or_above_the_dense_maximum_from_several_starts(model, method):
    if model == "two_vector_terms":
        y, X, names, terms = two_vector_terms()
        f = fit_mixed(y=y, X=X, X_names=names, terms=terms, method=method)
    else:
        y, X, _, _ = MODELS[model]()
        f = fit(model, method)
    ref = maximize(y, X, dense_terms(f), method, starts=3)
    # ours is at least as high, and equal up to the dense optimizer's own tolerance
    assert f.loglik >= ref.loglik - 1e-9 * abs(ref.loglik)
    assert_allclose(f.loglik, ref.loglik, rtol=1e-8)
    if not f.singular:  # on the boundary the dense log-parametrization only approaches it
        assert_allclose(f.beta.to_numpy(), ref.beta, rtol=1e-6)
        for label, S in zip(f.labels, ref.Sigmas, strict=True):
            assert_allclose(f.Sigma[label].to_numpy(), S, rtol=1e-4, atol=1e-5 * np.abs(S).max())


# ---------------------------------------------------------------------------------------------
# the optimum itself


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("model", list(MODELS))
def test_no_small_step_in_theta_raises_the_dense_likelihood(model, method):
    f = fit(model, method)
    y, X, _, _ = MODELS[model]()
    terms = dense_terms(f)

    def best_over_sigma(theta: np.ndarray) -> float:
        # the dense likelihood at Sigma_t = s2 lambda_t lambda_t', maximized over s2
        from scipy import optimize

        lams = []
        i = 0
        for t in f.terms:
            k = t.Z.shape[1]
            lam = np.zeros((k, k))
            for c in range(k):
                for r in range(c, k):
                    lam[r, c] = theta[i]
                    i += 1
            lams.append(lam)

        def neg(log_s2: float) -> float:
            s2 = float(np.exp(log_s2))
            return -loglik(y, X, terms, [s2 * L @ L.T for L in lams], s2, method)[0]

        r = optimize.minimize_scalar(
            neg, bracket=(np.log(f.sigma_y**2) - 0.1, np.log(f.sigma_y**2) + 0.1), tol=1e-12
        )
        return float(-r.fun)

    at = best_over_sigma(f.theta)
    assert_allclose(at, f.loglik, rtol=1e-10)
    for i in range(f.theta.size):
        for h in (1e-4, -1e-4):
            theta = f.theta.copy()
            theta[i] += h * max(1.0, abs(theta[i]))
            lower_bound = i in _diagonal_positions(f)
            if lower_bound and theta[i] < 0:
                continue
            assert best_over_sigma(theta) <= at + 1e-9 * abs(at)


def _diagonal_positions(f: MixedFit) -> set[int]:
    out, i = set(), 0
    for t in f.terms:
        k = t.Z.shape[1]
        for c in range(k):
            for r in range(c, k):
                if r == c:
                    out.add(i)
                i += 1
    return out


# ---------------------------------------------------------------------------------------------
# the package's one-factor fits


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_random_intercept_equals_the_one_factor_fit_on_radon(method):
    d = datasets.radon()
    one = pp.Model(d, y="log_radon", group="county", x="floor").fit(method=method)
    X, names = design(d, {"Intercept": 1.0, "floor": d["floor"]})
    f = fit_mixed(
        y=d["log_radon"].to_numpy(float),
        X=X,
        X_names=names,
        terms=[term(d, "county")],
        method=method,
    )
    assert_allclose(f.beta.to_numpy(), [one.mu, one.beta["floor"]], rtol=1e-8)
    assert_allclose(f.sd["county"].iloc[0], one.sigma_alpha, rtol=1e-6)
    assert_allclose(f.sigma_y, one.sigma_y, rtol=1e-6)
    assert_allclose(f.loglik, one.loglik, rtol=1e-10)
    a = one.a if hasattr(one, "a") else one.ranef
    assert_allclose(
        f.ranef["county"].iloc[:, 0].to_numpy(),
        np.asarray(a.loc[f.ranef["county"].index], dtype=float).ravel(),
        rtol=1e-6,
        atol=1e-8,
    )


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_random_slopes_equal_the_one_factor_fit_on_sleepstudy(method):
    d = datasets.sleepstudy()
    one = pp.Model(d, y="Reaction", group="Subject", x="Days").fit_random_slopes(method=method)
    y, X, names, terms = sleepstudy()
    f = fit_mixed(y=y, X=X, X_names=names, terms=terms, method=method)
    assert_allclose(f.beta.to_numpy(), one.fixed.to_numpy(), rtol=1e-8)
    assert_allclose(f.Sigma["Subject"].to_numpy(), one.cov.to_numpy(), rtol=1e-6)
    assert_allclose(f.sigma_y, one.sigma_y, rtol=1e-6)
    assert_allclose(f.loglik, one.loglik, rtol=1e-10)
    assert_allclose(
        f.ranef["Subject"].to_numpy(), one.ranef.loc[f.ranef["Subject"].index].to_numpy(), rtol=1e-6
    )
    assert_allclose(f.beta_se.to_numpy(), one.se_fixed.to_numpy(), rtol=1e-6)
