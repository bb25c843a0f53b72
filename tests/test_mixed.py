"""fit_mixed: crossed, nested and vector random-effects terms, checked against a dense N x N
reference (tests/mixed_reference.py), the package's one-factor fits and lme4 (values computed
by tests/data/mixed_lme4.R, stored in tests/data/mixed_lme4.json)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mixed_reference import DenseTerm, loglik, maximize, prediction_error_var
from numpy.testing import assert_allclose

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.mixed import MixedFit, RandomTerm, fit_mixed

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
    d["cask:batch"] = d["cask"] + ":" + d["batch"]  # lme4's name for the nested term
    X, names = design(d, {"(Intercept)": 1.0})
    return d["strength"].to_numpy(float), X, names, [term(d, "batch"), term(d, "cask:batch")]


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
    """Orthodont with an intercept and age slope by Subject and, crossed with it, by a made-up
    "rater" (row i rated by rater i mod 5), both pairs correlated."""
    d = datasets.orthodont()
    d["rater"] = [f"r{i % 5}" for i in range(len(d))]  # as tests/data/mixed_lme4.R makes it
    X, names = design(d, {"(Intercept)": 1.0, "age": d["age"]})
    return (
        d["distance"].to_numpy(float),
        X,
        names,
        [term(d, "Subject", ("age",)), term(d, "rater", ("age",))],
    )


def dyestuff2():
    d = datasets.dyestuff2()
    X, names = design(d, {"(Intercept)": 1.0})
    return d["Yield"].to_numpy(float), X, names, [term(d, "Batch")]


MODELS = {
    "penicillin": penicillin,
    "pastes": pastes,
    "orthodont": orthodont,
    "oats": oats,
    "sleepstudy": sleepstudy,
}


def sleep_uncorrelated():
    """(1 | Subject) + (0 + Days | Subject): two terms on one factor, lme4's Subject.1."""
    y, X, names, terms = sleepstudy()
    t = terms[0]
    intercept = _with(t, Z=t.Z[:, :1], names=("(Intercept)",))
    return y, X, names, [intercept, _with(t, Z=t.Z[:, 1:], names=("Days",))]


ALL = {
    **MODELS,
    "two_vector_terms": two_vector_terms,
    "dyestuff2": dyestuff2,
    "sleep_uncorrelated": sleep_uncorrelated,
}


_FITS: dict[tuple[str, str], MixedFit] = {}


def fit(model: str, method: str) -> MixedFit:
    """The fit of a model (computed once per test session: the tests only read it)."""
    if (model, method) not in _FITS:
        y, X, names, terms = ALL[model]()
        _FITS[model, method] = fit_mixed(y=y, X=X, X_names=names, terms=terms, method=method)
    return _FITS[model, method]


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
@pytest.mark.parametrize("model", [*MODELS, "two_vector_terms"])
def test_fit_is_at_or_above_the_dense_maximum_from_several_starts(model, method):
    y, X, _, _ = ALL[model]()
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
    b = one.ranef.loc[f.ranef["Subject"].index].to_numpy()
    assert_allclose(f.ranef["Subject"].to_numpy(), b, rtol=1e-6, atol=1e-6 * np.abs(b).max())
    assert_allclose(f.beta_se.to_numpy(), one.se_fixed.to_numpy(), rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# against lme4 (tests/data/mixed_lme4.R)


def lme4(model: str, method: str) -> dict:
    return json.loads((DATA / "mixed_lme4.json").read_text())[model][method]


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("model", list(ALL))
def test_theta_is_in_lme4s_order_with_lme4s_labels(model, method):
    f, r = fit(model, method), lme4(model, method)
    groups = [name.split(".")[0] for name in np.atleast_1d(r["theta_names"])]
    expected = [
        re.sub(r"\.\d+$", "", label)  # lme4's theta names carry the factor, not "g.1"
        for label, t in zip(f.labels, f.terms, strict=True)
        for _ in range(t.Z.shape[1] * (t.Z.shape[1] + 1) // 2)
    ]
    assert groups == expected
    assert list(f.labels) == list(r["varcorr"])


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("model", list(ALL))
def test_deviance_function_equals_lme4s_own_at_its_points(model, method):
    # lme4's devFunOnly function at its optimum and at perturbed points: the same function
    f, r = fit(model, method), lme4(model, method)
    for point, value in zip(r["devfun_points"], r["devfun_values"], strict=True):
        assert_allclose(f.profiled_deviance(np.atleast_1d(point)), value, rtol=1e-10)


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("model", list(ALL))
def test_loglik_at_or_above_lme4s_and_equal_to_its_tight_optimum(model, method):
    f, r = fit(model, method), lme4(model, method)
    # at or above lme4's default fit (its optimizer sometimes stops short) ...
    assert f.loglik >= r["loglik"] - 1e-12 * abs(r["loglik"])
    # ... and equal to the minimum of lme4's own function found with a tight optimizer
    assert_allclose(f.deviance, r["tight_deviance"], rtol=1e-10)
    assert f.deviance <= r["tight_deviance"] + 1e-10 * abs(r["tight_deviance"])
    assert_allclose(f.theta, np.atleast_1d(r["tight_theta"]), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("model", list(ALL))
def test_estimates_equal_lme4s_at_the_optimum_of_its_own_deviance_function(model, method):
    # lme4's estimates computed by lme4 at the tight optimum of its function (at_tight in
    # tests/data/mixed_lme4.R), since its default optimizer stops up to 3e-3 short in theta
    f, r = fit(model, method), lme4(model, method)["at_tight"]
    assert_allclose(f.beta.to_numpy(), list(r["fixef"].values()), rtol=1e-6)
    vcov = np.atleast_2d(r["vcov"])
    assert_allclose(f.beta_cov.to_numpy(), vcov, rtol=1e-5, atol=1e-9 * np.abs(vcov).max())
    assert_allclose(f.sigma_y, r["sigma"], rtol=1e-5)
    for label in f.labels:
        S = np.atleast_2d(r["varcorr"][label]["Sigma"])
        assert_allclose(
            f.Sigma[label].to_numpy(), S, rtol=1e-4, atol=1e-6 * np.abs(S).max() + 1e-12
        )
    for label, lme4_re in r["ranef"].items():
        ours = pd.concat([f.ranef[lab] for lab in f.labels if lab.split(".")[0] == label], axis=1)
        ours = ours.loc[[str(v) for v in np.atleast_1d(lme4_re["levels"])]]
        want = np.asarray(lme4_re["values"], dtype=float).reshape(ours.shape)
        assert_allclose(ours.to_numpy(), want, rtol=1e-4, atol=1e-5 * np.abs(want).max() + 1e-12)
        if len(ours.columns) != len(f.cond_var[label][0]):
            continue  # lme4 merges the terms of one factor; their condVar is compared per term
        cv = f.cond_var[label]
        want_cv = np.array([np.atleast_2d(v) for v in r["condvar"][label]])
        order = f.ranef[label].index.get_indexer([str(v) for v in np.atleast_1d(lme4_re["levels"])])
        assert_allclose(cv[order], want_cv, rtol=1e-4, atol=1e-6 * np.abs(want_cv).max() + 1e-12)


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("model", list(ALL))
def test_singular_flag_agrees_with_lme4(model, method):
    f, r = fit(model, method), lme4(model, method)
    assert f.singular == r["singular"]
    # Oats: intercept and slope correlated +1; Dyestuff2: the batch variance at 0; the made-up
    # rater of two_vector_terms: no variance between raters
    expected = {"oats": ("Block",), "dyestuff2": ("Batch",), "two_vector_terms": ("rater",)}
    assert f.singular_terms == expected.get(model, ())


def test_predict_on_penicillin_equals_lme4s_with_new_levels():
    f = fit("penicillin", "REML")
    p = json.loads((DATA / "mixed_lme4.json").read_text())["penicillin_predict"]
    codes = []
    for label in f.labels:
        index = f.ranef[label].index
        codes.append(
            np.array([index.get_loc(v) if v in index else -1 for v in p[label]], dtype=np.int64)
        )
    n = len(p["REML"])
    out = f.predict(X=np.ones((n, 1)), codes=codes, Z=[np.ones((n, 1))] * len(f.labels))
    assert_allclose(out.mean, p["REML"], rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# prediction and conditional variances against the dense reference


@pytest.mark.parametrize("model", ["penicillin", "sleepstudy", "two_vector_terms", "pastes"])
def test_prediction_standard_errors_equal_the_dense_prediction_error_variance(model):
    f = fit(model, "REML")
    y, X, _, _ = ALL[model]()
    terms = dense_terms(f)
    Sigmas = [f.Sigma[label].to_numpy() for label in f.labels]
    rows = [0, 7, len(y) - 1]
    for row in rows:
        z_new = []
        for t in f.terms:
            k = t.Z.shape[1]
            v = np.zeros(len(t.levels) * k)
            v[t.codes[row] * k : (t.codes[row] + 1) * k] = t.Z[row]
            z_new.append(v)
        pred, var = prediction_error_var(y, X, terms, Sigmas, f.sigma_y**2, X[row], z_new)
        out = f.predict(
            X=X[[row]], codes=[t.codes[[row]] for t in f.terms], Z=[t.Z[[row]] for t in f.terms]
        )
        assert_allclose(out.mean[0], pred, rtol=1e-9)
        assert_allclose(out.se_mean[0] ** 2, var, rtol=1e-7)
        assert_allclose(out.se_obs[0] ** 2, var + f.sigma_y**2, rtol=1e-7)


def test_a_new_level_adds_its_sigma_to_the_variance_and_nothing_to_the_mean():
    f = fit("sleepstudy", "REML")
    x = np.array([[1.0, 3.0]])
    z = np.array([[1.0, 3.0]])
    out = f.predict(X=x, codes=[np.array([-1])], Z=[z])
    assert_allclose(out.mean, x @ f.beta.to_numpy(), rtol=1e-12)
    expected = x @ f.beta_cov.to_numpy() @ x.T + z @ f.Sigma["Subject"].to_numpy() @ z.T
    assert_allclose(out.se_mean**2, expected.ravel(), rtol=1e-10)


@pytest.mark.parametrize("model", ["penicillin", "two_vector_terms", "pastes"])
def test_cond_var_equals_the_dense_conditional_covariance(model):
    # Cov(b | y) at fixed beta: G - G M'V^-1 M G, blocks per level
    from mixed_reference import _design, marginal_cov
    from scipy import linalg

    f = fit(model, "REML")
    terms = dense_terms(f)
    Sigmas = [f.Sigma[label].to_numpy() for label in f.labels]
    V = marginal_cov(terms, Sigmas, f.sigma_y**2)
    M = np.hstack([_design(t) for t in terms])
    G = linalg.block_diag(
        *[np.kron(np.eye(len(t.levels)), S) for t, S in zip(f.terms, Sigmas, strict=True)]
    )
    C = G - G @ M.T @ np.linalg.solve(V, M @ G)
    start = 0
    for label, t in zip(f.labels, f.terms, strict=True):
        k, J = t.Z.shape[1], len(t.levels)
        blocks = np.array(
            [
                C[start + j * k : start + (j + 1) * k, start + j * k : start + (j + 1) * k]
                for j in range(J)
            ]
        )
        assert_allclose(f.cond_var[label], blocks, rtol=1e-8, atol=1e-12 * np.abs(blocks).max())
        start += J * k


# ---------------------------------------------------------------------------------------------
# units, paths, bad input


def test_same_answer_in_any_units_of_y_and_of_a_covariate():
    y, X, names, terms = sleepstudy()
    base = fit_mixed(y=y, X=X, X_names=names, terms=terms, method="ML")
    c, a = 1e-3, 24.0  # y in seconds, Days in hours
    X2 = X.copy()
    X2[:, 1] *= a
    t = terms[0]
    t2 = RandomTerm(group=t.group, levels=t.levels, codes=t.codes, Z=t.Z * [1.0, a], names=t.names)
    other = fit_mixed(y=y * c, X=X2, X_names=names, terms=[t2], method="ML")
    D = np.diag([1.0, 1.0 / a])
    assert_allclose(other.beta.to_numpy(), c * D @ base.beta.to_numpy(), rtol=1e-8)
    assert_allclose(
        other.Sigma["Subject"].to_numpy(),
        c**2 * D @ base.Sigma["Subject"].to_numpy() @ D,
        rtol=1e-6,
    )
    assert_allclose(other.sigma_y, c * base.sigma_y, rtol=1e-6)
    # the ML log-likelihood of y * c is that of y less N log c
    assert_allclose(other.loglik, base.loglik - len(y) * np.log(c), rtol=1e-10)
    b = c * base.ranef["Subject"].to_numpy() @ D
    assert_allclose(other.ranef["Subject"].to_numpy(), b, rtol=1e-6, atol=1e-6 * np.abs(b).max())


@pytest.mark.parametrize("model", ["penicillin", "pastes", "two_vector_terms"])
def test_sparse_and_dense_schur_complements_give_the_same_fit(model, monkeypatch):
    from partial_pooling import mixed_factor

    dense = fit(model, "ML")
    monkeypatch.setattr(mixed_factor, "DENSE_LIMIT", 0)
    y, X, names, terms = ALL[model]()
    sparse_fit = fit_mixed(y=y, X=X, X_names=names, terms=terms, method="ML")
    assert sparse_fit._problem.sparse_C
    assert_allclose(sparse_fit.loglik, dense.loglik, rtol=1e-11)
    assert_allclose(sparse_fit.theta, dense.theta, rtol=1e-6, atol=1e-7)
    for label in dense.labels:
        assert_allclose(sparse_fit.cond_var[label], dense.cond_var[label], rtol=1e-6)


def _with(t: RandomTerm, **change) -> RandomTerm:
    fields = {"group": t.group, "levels": t.levels, "codes": t.codes, "Z": t.Z, "names": t.names}
    return RandomTerm(**{**fields, **change})


def test_bad_input_raises_naming_the_term():
    y, X, names, terms = sleepstudy()
    t = terms[0]

    def run(**kw):
        args = {"y": y, "X": X, "X_names": names, "terms": [t], "method": "REML", **kw}
        return fit_mixed(**args)

    one = _with(
        t,
        levels=pd.Index(["all"]),
        codes=np.zeros(len(y), dtype=np.int64),
        Z=np.ones((len(y), 1)),
        names=("(Intercept)",),
    )
    with pytest.raises(ValueError, match=r"\(\(Intercept\) \| Subject\).*only one level"):
        run(terms=[one])
    constant = _with(
        t, Z=np.column_stack([np.ones(len(y)), t.codes.astype(float)]), names=("(Intercept)", "id")
    )
    with pytest.raises(
        ValueError, match=r"\(\(Intercept\) \+ id \| Subject\).*'id' is constant within every level"
    ):
        run(terms=[constant])
    pairs = _with(
        t, levels=pd.Index([str(i) for i in range(len(y) // 2)]), codes=np.arange(len(y)) // 2
    )
    with pytest.raises(
        ValueError,
        match=r"\(\(Intercept\) \+ Days \| Subject\): 180 random effects.*not identifiable",
    ):
        run(terms=[pairs])
    y_nan = y.copy()
    y_nan[3] = np.nan
    with pytest.raises(ValueError, match=r"y has a NaN.*row 3"):
        run(y=y_nan)
    X_inf = X.copy()
    X_inf[5, 1] = np.inf
    with pytest.raises(ValueError, match=r"'Days' has a NaN or infinite"):
        run(X=X_inf)
    Z_nan = t.Z.copy()
    Z_nan[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"\(\(Intercept\) \+ Days \| Subject\).*'Days' has a NaN"):
        run(terms=[_with(t, Z=Z_nan)])
    with pytest.raises(ValueError, match=r"linearly dependent"):
        run(X=np.column_stack([X, 2 * X[:, 1]]), X_names=[*names, "twice"])
    with pytest.raises(ValueError, match=r"method"):
        run(method="OLS")
    with pytest.raises(ValueError, match=r"at least one random-effects term"):
        run(terms=[])
    with pytest.raises(ValueError, match=r"codes must index"):
        run(terms=[_with(t, codes=t.codes + 1)])


def test_two_terms_on_the_same_grouping_and_column_are_refused_as_unidentifiable():
    # only the sum of their variances is identified; lme4 fits it anyway, we say why not
    y, X, names, terms = dyestuff2()
    t = terms[0]
    relabelled = _with(t, group="Batch2", levels=pd.Index([f"b{v}" for v in t.levels]))
    with pytest.raises(
        ValueError,
        match=r"\(\(Intercept\) \| Batch\) and \(\(Intercept\) \| Batch2\).*not identifiable",
    ):
        fit_mixed(y=y, X=X, X_names=names, terms=[t, relabelled])


def test_an_intercept_and_a_slope_on_the_same_factor_are_two_terms_labelled_like_lme4():
    # (1 | Subject) + (0 + Days | Subject): lme4 names them Subject and Subject.1 (and the
    # lme4 tests above compare the fit itself)
    f = fit("sleep_uncorrelated", "REML")
    assert f.labels == ("Subject", "Subject.1")
    y, X, _, _ = sleep_uncorrelated()
    ref = maximize(y, X, dense_terms(f), "REML", starts=2)
    assert_allclose(f.loglik, ref.loglik, rtol=1e-9)
