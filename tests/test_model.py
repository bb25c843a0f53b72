"""`Model` groups the data once and its methods are the module-level functions on those data.

The module-level functions (tested against statsmodels, dense linear algebra and closed forms in
the other test files) are the reference here: every method must give their numbers exactly,
without grouping the data again. Paths over a grid group the data once and equal the pointwise
calls; a ridge path keeps the group labels apart from its other columns.
"""

from __future__ import annotations

import doctest
import inspect
import io
import re
import tokenize
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import partial_pooling as pp
from partial_pooling import bayes, em, prediction, regularization
from partial_pooling import random_slopes as rs
from partial_pooling.site import figures

RADON = {"y": "log_radon", "group": "county", "x": "floor"}
COLS = {"y": "log_radon", "group": "county", "x": "floor"}
SLEEP = {"y": "Reaction", "group": "Subject", "x": "Days"}


@pytest.fixture(scope="module")
def radon_model(radon):
    return pp.Model(radon, **RADON)


def _same_fit(a: pp.PoolingFit, b: pp.PoolingFit) -> None:
    assert (a.pooling, a.method) == (b.pooling, b.method)
    for name in ("mu", "sigma_alpha", "sigma_y", "loglik"):
        assert getattr(a, name) == getattr(b, name), name
    for name in ("beta", "alpha", "shrinkage", "cond_sd"):
        pd.testing.assert_series_equal(getattr(a, name), getattr(b, name), rtol=0, atol=0)


# ---------------------------------------------------------------------------------------------
# The methods are the functions


def test_model_fits_equal_the_functions_on_radon(radon, radon_model):
    for method in ("ML", "REML"):
        _same_fit(
            radon_model.fit(method=method), pp.fit_random_intercept(radon, **COLS, method=method)
        )
    _same_fit(radon_model.complete_pooling(), pp.complete_pooling(radon, **COLS))
    _same_fit(radon_model.no_pooling(), pp.no_pooling(radon, **COLS))


def test_model_formulas_equal_the_functions_at_given_variances(radon, radon_model):
    v = {"sigma_alpha": 0.31, "sigma_y": 0.77}
    fit = radon_model.fit()
    alpha = fit.alpha
    assert radon_model.joint_loglik(alpha=alpha, beta=-0.6, mu=1.4, **v) == pp.joint_loglik(
        radon, **COLS, alpha=alpha, beta=-0.6, mu=1.4, **v
    )
    assert radon_model.marginal_loglik(mu=1.4, beta=-0.6, **v) == pp.marginal_loglik(
        radon, **COLS, mu=1.4, beta=-0.6, **v
    )
    assert radon_model.reml_loglik(**v) == pp.reml_loglik(radon, **COLS, **v)
    grid = np.geomspace(1e-3, 10, 7)
    pd.testing.assert_series_equal(
        radon_model.profile_loglik(psi=grid, method="ML"),
        pp.profile_loglik(radon, **COLS, psi=grid, method="ML"),
    )
    pd.testing.assert_series_equal(
        radon_model.group_intercepts(mu=1.4, beta=-0.6, **v),
        pp.group_intercepts(radon, **COLS, mu=1.4, beta=-0.6, **v),
    )
    assert radon_model.pooled_mean(beta=-0.6, **v) == pp.pooled_mean(radon, **COLS, beta=-0.6, **v)
    assert radon_model.decompose_beta(**v) == pp.decompose_beta(radon, **COLS, **v)


def test_model_views_equal_the_functions(radon, radon_model):
    ridge = radon_model.ridge_intercepts(penalty=3.0)
    expected = regularization.ridge_intercepts(radon, **COLS, penalty=3.0)
    assert (ridge.mu, ridge.edf) == (expected.mu, expected.edf)
    pd.testing.assert_series_equal(ridge.alpha, expected.alpha, rtol=0, atol=0)
    start = {"sigma_alpha": 0.5, "sigma_y": 1.0, "max_iter": 30}
    pd.testing.assert_frame_equal(radon_model.em_path(**start), em.em_path(radon, **COLS, **start))
    pd.testing.assert_frame_equal(
        radon_model.joint_mode_path(**start), em.joint_mode_path(radon, **COLS, **start)
    )
    grid = np.geomspace(1e-3, 2, 40)
    pd.testing.assert_series_equal(
        radon_model.psi_posterior(psi=grid), bayes.psi_posterior(radon, **COLS, psi=grid)
    )
    pd.testing.assert_series_equal(
        radon_model.posterior_intercepts(psi=grid),
        bayes.posterior_intercepts(radon, **COLS, psi=grid),
    )
    draws = radon_model.gibbs_sampler(n_iter=5, rng=np.random.default_rng(1), burn_in=2)
    pd.testing.assert_frame_equal(
        draws, bayes.gibbs_sampler(radon, **COLS, n_iter=5, rng=np.random.default_rng(1), burn_in=2)
    )
    cover = radon_model.prediction_coverage(reps=2, rng=np.random.default_rng(2))
    expected_cover = prediction.prediction_coverage(
        radon, **COLS, reps=2, rng=np.random.default_rng(2)
    )
    pd.testing.assert_frame_equal(cover.per_rep, expected_cover.per_rep)


def test_model_random_slopes_equal_the_functions_on_sleepstudy(sleepstudy):
    model = pp.Model(sleepstudy, y="Reaction", group="Subject", x="Days")
    fit, expected = (
        model.fit_random_slopes(method="ML"),
        pp.fit_random_slopes(sleepstudy, **SLEEP, method="ML"),
    )
    assert fit.loglik == expected.loglik
    pd.testing.assert_frame_equal(fit.coef, expected.coef)
    pd.testing.assert_frame_equal(model.group_ols(), pp.group_ols(sleepstudy, **SLEEP))
    pd.testing.assert_frame_equal(
        model.coefficient_shrinkage(), rs.coefficient_shrinkage(sleepstudy, **SLEEP)
    )


def test_one_way_anova_of_a_model_without_covariates_is_the_function():
    data = pp.simulation.simulate_groups(6, mu=0, beta=None, sigma_alpha=1, sigma_y=1, J=5, rng=3)
    model = pp.Model(data.data, y="y", group="group")
    assert model.one_way_anova() == pp.one_way_anova(data.data, y="y", group="group")
    assert model.x == [] and model.J == 5 and model.N == 30
    assert model.n.tolist() == [6] * 5


# ---------------------------------------------------------------------------------------------
# The data are grouped once


def test_a_model_groups_its_data_once_whatever_its_methods_compute(radon, count_grouping):
    model = pp.Model(radon, **RADON)
    v = {"sigma_alpha": 0.3, "sigma_y": 0.75}
    model.fit()
    model.fit(method="ML")
    model.no_pooling()
    model.complete_pooling()
    model.profile_loglik(psi=[0.1, 1.0])
    model.reml_loglik(**v)
    model.group_intercepts(mu=1.4, beta=-0.6, **v)
    model.decompose_beta(**v)
    model.slope_path(sigma_y=0.75, sigma_alpha=[0.1, 1.0])
    model.ridge_path(penalties=[0.5, 5.0])
    model.em_path(max_iter=3, **v)
    assert count_grouping == [("log_radon", "county")]


def test_coefficient_shrinkage_groups_its_data_once(sleepstudy, count_grouping):
    rs.coefficient_shrinkage(sleepstudy, **SLEEP)
    assert len(count_grouping) == 1  # it grouped three times: the fit, its own, group_ols


def test_slope_path_groups_once_and_equals_pointwise_decompositions(radon, count_grouping):
    grid = np.concatenate([[0.0], np.geomspace(1e-3, 1e3, 24), [np.inf]])
    path = pp.slope_path(radon, **COLS, sigma_y=0.75, sigma_alpha=grid)
    assert len(count_grouping) == 1
    for s in grid:
        point = pp.decompose_beta(radon, **COLS, sigma_alpha=float(s), sigma_y=0.75)
        row = path.loc[s]
        for name in ("within", "gls", "weight"):
            assert row[name] == getattr(point, name)
        assert row["between"] == point.between or np.isnan(point.between)


def test_ridge_path_groups_once_and_equals_pointwise_ridge_fits(radon, count_grouping):
    penalties = np.concatenate([np.geomspace(1e-2, 1e3, 9), [np.inf]])
    path = regularization.ridge_path(radon, **COLS, penalties=penalties)
    assert len(count_grouping) == 1
    assert isinstance(path, regularization.RidgePath)
    np.testing.assert_array_equal(path.penalty, penalties)
    for kappa in penalties:
        fit = regularization.ridge_intercepts(radon, **COLS, penalty=float(kappa))
        pd.testing.assert_series_equal(
            path.alpha.loc[kappa], fit.alpha, check_names=False, rtol=0, atol=0
        )
        assert path.mu[kappa] == fit.mu and path.edf[kappa] == fit.edf


def test_other_grids_group_their_data_once(radon, count_grouping):
    grid = np.geomspace(1e-3, 2, 20)
    pp.profile_loglik(radon, **COLS, psi=grid)
    bayes.psi_posterior(radon, **COLS, psi=grid)
    bayes.posterior_intercepts(radon, **COLS, psi=grid)
    em.em_path(radon, **COLS, sigma_alpha=0.5, sigma_y=1.0, max_iter=5)
    assert len(count_grouping) == 4


# ---------------------------------------------------------------------------------------------
# A ridge path keeps group labels apart


def _labelled(labels: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    group = np.repeat(labels, 6)
    x = rng.normal(size=group.size)
    a = dict(zip(labels, rng.normal(0, 1, len(labels)), strict=True))
    y = 1.0 + 0.5 * x + np.array([a[g] for g in group]) + rng.normal(0, 0.5, group.size)
    return pd.DataFrame({"y": y, "x": x, "g": group})


def test_groups_called_mu_and_edf_keep_their_intercepts_on_a_ridge_path():
    data = _labelled(["mu", "edf", "penalty", "other"])
    penalties = [0.1, 1.0, 10.0]
    path = pp.Model(data, y="y", group="g", x="x").ridge_path(penalties=penalties)
    assert list(path.alpha.columns) == sorted(["mu", "edf", "penalty", "other"])
    for kappa in penalties:
        fit = regularization.ridge_intercepts(data, y="y", group="g", x="x", penalty=kappa)
        # the groups' own intercepts, not the path's mu and edf
        assert path.alpha.loc[kappa, "mu"] == fit.alpha["mu"]
        assert path.alpha.loc[kappa, "edf"] == fit.alpha["edf"]
        assert path.mu[kappa] == fit.mu and path.edf[kappa] == fit.edf
    # and ridge regression at a penalty is the dense penalized least squares
    Z = pd.get_dummies(data["g"], dtype=float)[path.alpha.columns].to_numpy()
    D = np.column_stack([np.ones(len(data)), data["x"], Z])
    root = np.diag(np.r_[0.0, 0.0, np.full(4, np.sqrt(penalties[1]))])
    theta = np.linalg.lstsq(np.vstack([D, root]), np.r_[data["y"], np.zeros(6)], rcond=None)[0]
    np.testing.assert_allclose(path.alpha.loc[1.0], theta[0] + theta[2:], rtol=1e-10)
    np.testing.assert_allclose(path.mu[1.0], theta[0], rtol=1e-10)


def test_the_ridge_path_figure_draws_groups_called_mu_and_edf():
    data = _labelled(["mu", "edf", "g3"])
    path = regularization.ridge_path(data, y="y", group="g", x="x", penalties=[0.1, 1.0, 10.0])
    fig = figures.ridge_path_figure(path, 1.0, highlight=["mu"])
    lo, hi = path.alpha.iloc[0].min(), path.alpha.iloc[0].max()
    assert f"from {lo:.2f} to {hi:.2f}" in fig.alt
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    # the group called mu is drawn with its own intercepts, the path's mu as the dashed line
    np.testing.assert_array_equal(lines["mu"].get_ydata(), path.alpha["mu"].to_numpy())
    dashed = lines[r"$\hat\mu(\kappa)$"]
    np.testing.assert_array_equal(dashed.get_ydata(), path.mu.to_numpy())
    grey = [line for line in fig.axes[0].get_lines() if line.get_color() == "#9a9a9a"]
    assert sorted(tuple(line.get_ydata()) for line in grey) == sorted(
        tuple(path.alpha[lab]) for lab in ("edf", "g3")
    )


# ---------------------------------------------------------------------------------------------
# An API that cannot be called wrongly


def _methods():
    return {
        name: member
        for name, member in inspect.getmembers(pp.Model, inspect.isfunction)
        if not name.startswith("_")
    }


def test_the_model_offers_every_function_that_starts_from_the_data():
    wanted = {
        "fit",
        "complete_pooling",
        "no_pooling",
        "fit_random_slopes",
        "profile_loglik",
        "joint_loglik",
        "marginal_loglik",
        "reml_loglik",
        "group_intercepts",
        "pooled_mean",
        "decompose_beta",
        "slope_path",
        "ridge_intercepts",
        "ridge_path",
    }
    assert wanted <= set(_methods())


@pytest.mark.parametrize("name", sorted(_methods()))
def test_every_model_method_takes_keyword_arguments_only(name):
    params = list(inspect.signature(_methods()[name]).parameters.values())[1:]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params), name


def test_the_model_takes_its_columns_by_name_only(radon):
    with pytest.raises(TypeError):
        pp.Model(radon, "log_radon", "county")  # type: ignore[misc]
    with pytest.raises(TypeError):
        pp.Model(radon, **RADON).decompose_beta(0.3, y=0.75)  # type: ignore[misc]


def test_a_model_refuses_what_its_data_cannot_answer(radon, sleepstudy):
    with pytest.raises(ValueError, match="unknown column"):
        pp.Model(radon, y="log_radon", group="nope")
    no_x = pp.Model(radon, y="log_radon", group="county")
    with pytest.raises(ValueError, match="at least one covariate"):
        no_x.fit_random_slopes()
    with pytest.raises(ValueError, match="takes one covariate"):
        no_x.decompose_beta(sigma_alpha=0.3, sigma_y=0.75)
    two = pp.Model(
        sleepstudy.assign(D2=sleepstudy["Days"] ** 2),
        y="Reaction",
        group="Subject",
        x=["Days", "D2"],
    )
    with pytest.raises(ValueError, match="takes one covariate"):
        two.slope_path(sigma_y=1.0, sigma_alpha=[1.0])
    with pytest.raises(ValueError, match="method must be"):
        no_x.fit(method="OLS")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="layout without covariates"):
        pp.Model(radon, **RADON).one_way_anova()


def test_the_docstring_example_runs_and_the_repr_names_the_columns(radon):
    tests = doctest.DocTestFinder(recurse=False).find(pp.Model, "Model")
    assert len(tests) == 1 and len(tests[0].examples) >= 5
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(tests[0])
    assert runner.summarize(verbose=False).failed == 0
    # the example's numbers are the module functions' (tested against statsmodels elsewhere)
    fit = pp.fit_random_intercept(radon, **COLS)
    split = pp.decompose_beta(radon, **COLS, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    assert (round(fit.beta["floor"], 4), round(split.gls, 4)) == (-0.693, -0.693)
    assert round(split.weight, 2) == 0.92


# ---------------------------------------------------------------------------------------------
# One function computes lambda_j


def test_shrinkage_weights_are_the_variance_form_of_lambda():
    n = np.array([1.0, 2.0, 5.0, 40.0, 1e6])
    for sa, sy in [(0.3, 0.8), (2.0, 0.1), (1e-3, 5.0)]:
        expected = n * sa**2 / (n * sa**2 + sy**2)
        got = pp.shrinkage.shrinkage_weights(n, sa**2 / sy**2)
        np.testing.assert_allclose(got, expected, rtol=1e-14)
    np.testing.assert_array_equal(pp.shrinkage.shrinkage_weights(n, 0.0), np.zeros(5))
    np.testing.assert_array_equal(pp.shrinkage.shrinkage_weights(n, np.inf), np.ones(5))


def test_the_fits_lambda_is_the_shared_function_of_their_psi(radon):
    fit = pp.fit_random_intercept(radon, **COLS)
    # fit.psi is recomputed from sigma_alpha and sigma_y (a few ulps from the fit's own psi);
    # lambda_j's relative condition number in psi is 1 - lambda_j <= 1, and n psi / (1 + n psi)
    # adds at most 3 roundings: 8 ulps in all, on any CPU
    np.testing.assert_allclose(
        fit.shrinkage.to_numpy(),
        pp.shrinkage.shrinkage_weights(fit.n.to_numpy(), fit.psi),
        rtol=8 * np.finfo(float).eps,
        atol=0,
    )


def _code_without_strings(path) -> str:
    """The source of ``path`` without its strings and comments (docstrings state formulas)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return " ".join(
        tok.string for tok in tokens if tok.type not in (tokenize.STRING, tokenize.COMMENT)
    )


#: lambda_j written out, on code whose tokens are joined by spaces: n * psi / (1 + n * psi),
#: psi / (1 + n psi), n * sa2 / (n * sa2 + sy2)
INLINE_LAMBDA = [
    r"\*\s*(\w+)\s*/\s*\(\s*1(\.0)?\s*\+\s*[\w. ]+?\*\s*\1\s*\)",
    r"\bpsi\s*/\s*\(\s*1(\.0)?\s*\+",
    r"\*\s*(\w+)\s*/\s*\(\s*[\w. ]+?\*\s*\1\s*\+",
]


def _inline_lambda(code: str) -> list[str]:
    return [pattern for pattern in INLINE_LAMBDA if re.search(pattern, code)]


def test_the_inline_lambda_patterns_find_the_copies_there_were():
    for old in (
        "lam = n * psi / (1.0 + n * psi)",
        "lam = g . n * p / ( 1 + g . n * p )",
        "lam = g . n * sa2 / ( g . n * sa2 + sy2 )",
        "quad = ( psi / ( 1 + g . n * psi ) ) @ r_sum",
    ):
        assert _inline_lambda(old), old
    assert _inline_lambda("w = 1.0 / ( sa ** 2 + sy ** 2 / n )") == []


def test_no_module_but_shrinkage_writes_out_the_formula_of_lambda():
    src = Path(pp.__file__).parent
    found = {
        str(path.relative_to(src)): _inline_lambda(_code_without_strings(path))
        for path in sorted(src.rglob("*.py"))
        if path.name != "shrinkage.py"
    }
    assert {path: patterns for path, patterns in found.items() if patterns} == {}
