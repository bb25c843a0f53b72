"""Partial pooling along two classifications (docs/notebooks/two_classifications.py): the fits
against lme4 (published values; tests/data/two_classifications_lme4.R and its JSON) and a dense
REML criterion, the conditional modes against dense GLS BLUPs, the one-factor weight applied to
partial residuals, backfitting, no pooling with sum-to-zero constraints, the figures' alt text.

The dense computations here are written in this file from the model's definition
($V = \\sigma_y^2 I + \\sum_t \\sigma_t^2 Z_tZ_t'$), sharing no code with the package."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import optimize

from partial_pooling import datasets
from partial_pooling.site import figures
from partial_pooling.site import two_classifications as tc

DATA = Path(__file__).parent / "data"
LME4 = json.loads((DATA / "two_classifications_lme4.json").read_text())


def _z(codes: np.ndarray) -> np.ndarray:
    levels = np.unique(codes)
    return (codes[:, None] == levels[None, :]).astype(float)


def dense_blups(y, groups, sigmas, sigma_y):
    """GLS mean and BLUPs from the N x N covariance (intercept-only fixed part)."""
    Zs = [_z(g) for g in groups]
    V = sigma_y**2 * np.eye(y.size) + sum(s**2 * Z @ Z.T for Z, s in zip(Zs, sigmas, strict=True))
    Vi = np.linalg.inv(V)
    one = np.ones(y.size)
    mu = float(one @ Vi @ y / (one @ Vi @ one))
    r = Vi @ (y - mu)
    return mu, [s**2 * Z.T @ r for Z, s in zip(Zs, sigmas, strict=True)]


def dense_reml(y, groups, log_sds):
    """lme4's REML criterion from the N x N covariance, at log SDs (factors..., residual)."""
    sds = np.exp(log_sds)
    Zs = [_z(g) for g in groups]
    V = sds[-1] ** 2 * np.eye(y.size) + sum(
        s**2 * Z @ Z.T for Z, s in zip(Zs, sds[:-1], strict=True)
    )
    Vi = np.linalg.inv(V)
    one = np.ones(y.size)
    a = float(one @ Vi @ one)
    mu = float(one @ Vi @ y) / a
    r = y - mu
    return float(
        (y.size - 1) * np.log(2 * np.pi) + np.linalg.slogdet(V)[1] + np.log(a) + r @ Vi @ r
    )


CASES = {
    "penicillin": (lambda: datasets.penicillin(), "diameter", ["plate", "sample"]),
    "pastes": (lambda: datasets.pastes(), "strength", ["batch", "sample"]),
    "penicillin_unbalanced": (
        lambda: tc.unbalanced_penicillin(datasets.penicillin()),
        "diameter",
        ["plate", "sample"],
    ),
}
# lme4 calls the Pastes nested term "cask:batch"; the page's column for it is "sample"
LME4_NAME = {"cask:batch": "sample"}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    load, y, groups = CASES[request.param]
    data = load()
    fit = tc.fit_intercepts(data, y=y, groups=groups)
    return request.param, data, y, groups, fit


def _codes(data, groups):
    return [pd.factorize(data[g], sort=True)[0] for g in groups]


def test_reml_fit_matches_lme4_at_its_tight_optimum(case):
    name, _data, _y, _groups, fit = case
    ref = LME4[name]["tight"]
    assert ref["N"] == fit.N
    assert_allclose(fit.deviance, ref["reml_criterion"], rtol=1e-9)
    assert_allclose(fit.sigma_y, ref["sd"]["Residual"], rtol=1e-6)
    assert_allclose(fit.beta["(Intercept)"], ref["fixef"]["(Intercept)"], rtol=1e-8)
    for lme4_label, sd in ref["sd"].items():
        if lme4_label == "Residual":
            continue
        label = LME4_NAME.get(lme4_label, lme4_label)
        assert_allclose(float(fit.sd[label].iloc[0]), sd, rtol=1e-6)
        ours = fit.ranef[label].iloc[:, 0]
        theirs = pd.Series(ref["ranef"][lme4_label])
        if lme4_label == "cask:batch":  # lme4's levels are "a:A"; ours "A:a"
            theirs.index = [":".join(reversed(s.split(":"))) for s in theirs.index]
        assert_allclose(
            ours.to_numpy(),
            theirs.reindex(ours.index).to_numpy(),
            rtol=1e-6,
            atol=2e-6,  # Pastes: a flat REML surface
        )


@pytest.mark.parametrize("name", ["penicillin", "pastes"])
def test_reml_fit_agrees_with_the_published_values_to_their_printed_digits(name):
    load, y, groups = CASES[name]
    fit = tc.fit_intercepts(load(), y=y, groups=groups)
    for key, value in tc.PUBLISHED[name].items():
        ours = {
            "residual": fit.sigma_y,
            "reml": fit.deviance,
        }.get(key, float(fit.sd[key].iloc[0]) if key in fit.sd else np.nan)
        digits = len(f"{value}".split(".")[1])
        assert abs(ours - value) <= 0.5 * 10.0**-digits, (key, ours, value)


def test_reml_fit_is_a_stationary_point_of_the_dense_criterion(case):
    _name, data, y, groups, fit = case
    yv = data[y].to_numpy(float)
    codes = _codes(data, groups)
    x = np.log([*(float(fit.sd[g].iloc[0]) for g in groups), fit.sigma_y])
    assert_allclose(dense_reml(yv, codes, x), fit.deviance, rtol=1e-10)
    # a tight Nelder-Mead on the dense criterion, started at the fit, gains nothing that
    # matters and moves every SD by less than 1e-6 relative: the fit is at the dense optimum
    best = optimize.minimize(
        lambda z: dense_reml(yv, codes, z),
        x,
        method="Nelder-Mead",
        options={
            "xatol": 1e-10,
            "fatol": 1e-13,
            "maxiter": 20000,
            "initial_simplex": x + np.vstack([np.zeros(x.size), 1e-3 * np.eye(x.size)]),
        },
    )
    assert best.fun > fit.deviance - 1e-9
    assert np.abs(best.x - x).max() < 1e-6
    # and every nearby point is worse
    for e in np.eye(x.size):
        for step in (1e-3, -1e-3):
            assert dense_reml(yv, codes, x + step * e) > fit.deviance


def test_conditional_modes_equal_dense_gls_blups(case):
    _name, data, y, groups, fit = case
    sds = [float(fit.sd[g].iloc[0]) for g in groups]
    mu, blups = dense_blups(data[y].to_numpy(float), _codes(data, groups), sds, fit.sigma_y)
    assert_allclose(fit.beta["(Intercept)"], mu, rtol=1e-10)
    for g, b in zip(groups, blups, strict=True):
        assert_allclose(fit.ranef[g].iloc[:, 0].to_numpy(), b, rtol=1e-8, atol=1e-10)


def test_each_dense_blup_is_lambda_times_its_mean_partial_residual(case):
    """The identity, on the dense BLUPs (independent of the package's solver), and the
    package's level_shrinkage reporting the same numbers."""
    _name, data, y, groups, fit = case
    yv = data[y].to_numpy(float)
    codes = _codes(data, groups)
    sds = [float(fit.sd[g].iloc[0]) for g in groups]
    mu, blups = dense_blups(yv, codes, sds, fit.sigma_y)
    table = tc.level_shrinkage(fit, y=yv, X=np.ones((yv.size, 1)))
    for t, g in enumerate(groups):
        others = sum(blups[s][codes[s]] for s in range(len(groups)) if s != t)
        r = pd.Series(yv - mu - others).groupby(codes[t]).mean().to_numpy()
        n = np.bincount(codes[t])
        lam = n * sds[t] ** 2 / (n * sds[t] ** 2 + fit.sigma_y**2)
        assert_allclose(blups[t], lam * r, rtol=1e-9, atol=1e-11)
        assert_allclose(table[g]["lambda_"].to_numpy(), lam, rtol=1e-12)
        assert_allclose(table[g]["partial_mean"].to_numpy(), r, rtol=1e-8, atol=1e-10)
        assert_allclose(
            table[g]["effect"], table[g]["lambda_"] * table[g]["partial_mean"], atol=1e-10
        )


def test_balanced_crossed_modes_are_lambda_times_plain_mean_deviations():
    pen = datasets.penicillin()
    fit = tc.fit_intercepts(pen, y="diameter", groups=["plate", "sample"])
    ybar = pen["diameter"].mean()
    for g, n in (("plate", 6), ("sample", 24)):
        dev = pen.groupby(g)["diameter"].mean() - ybar
        assert (pen.groupby(g).size() == n).all()
        v = float(fit.sd[g].iloc[0]) ** 2
        lam = n * v / (n * v + fit.sigma_y**2)
        assert_allclose(fit.ranef[g].iloc[:, 0], lam * dev.reindex(fit.ranef[g].index), atol=1e-10)


def test_unbalanced_crossed_breaks_the_plain_mean_formula_not_the_partial_one():
    data = tc.unbalanced_penicillin(datasets.penicillin())
    assert len(data) == 144 - 21
    fit = tc.fit_intercepts(data, y="diameter", groups=["plate", "sample"])
    yv = data["diameter"].to_numpy(float)
    table = tc.level_shrinkage(fit, y=yv, X=np.ones((yv.size, 1)))
    for g in ("plate", "sample"):
        t = table[g]
        assert t["n"].nunique() == 2
        plain_error = np.abs(t["effect"] - t["lambda_"] * t["plain_mean"]).max()
        assert plain_error > 0.05
        assert np.abs(t["effect"] - t["lambda_"] * t["partial_mean"]).max() < 1e-10


def test_nested_cask_partial_residual_is_relative_to_its_batch():
    pastes = datasets.pastes()
    fit = tc.fit_intercepts(pastes, y="strength", groups=["batch", "sample"])
    yv = pastes["strength"].to_numpy(float)
    table = tc.level_shrinkage(fit, y=yv, X=np.ones((yv.size, 1)))
    batch_of = pastes.drop_duplicates("sample").set_index("sample")["batch"]
    cask_mean = pastes.groupby("sample")["strength"].mean()
    batch_effect = fit.ranef["batch"].iloc[:, 0].reindex(batch_of).to_numpy()
    expected = cask_mean.reindex(batch_of.index).to_numpy() - fit.beta.iloc[0] - batch_effect
    assert_allclose(
        table["sample"]["partial_mean"].reindex(batch_of.index), expected, rtol=1e-12, atol=1e-12
    )


def test_backfitting_from_zero_converges_to_the_conditional_modes(case):
    name, data, y, groups, fit = case
    yv = data[y].to_numpy(float)
    bf = tc.backfit(fit, y=yv, X=np.ones((yv.size, 1)), sweeps=20000, tol=1e-13)
    assert bf.distance[0] > 1.0
    assert bf.distance[-1] < 1e-9
    if name == "penicillin":  # the other factor averages out: one sweep is enough
        assert bf.distance[1] < 1e-9
    # the dense BLUPs, not the package's modes, as the limit
    sds = [float(fit.sd[g].iloc[0]) for g in groups]
    mu, blups = dense_blups(yv, _codes(data, groups), sds, fit.sigma_y)
    assert_allclose(bf.beta[0], mu, rtol=1e-10)
    for g, b in zip(groups, blups, strict=True):
        assert_allclose(bf.effects[g].to_numpy(), b, atol=1e-9)


def test_no_pooling_balanced_effects_are_mean_deviations():
    pen = datasets.penicillin()
    out = tc.no_pooling_effects(pen, y="diameter", groups=["plate", "sample"])
    ybar = pen["diameter"].mean()
    assert_allclose(out["(Intercept)"].iloc[0], ybar, rtol=1e-12)
    for g in ("plate", "sample"):
        assert_allclose(out[g], pen.groupby(g)["diameter"].mean() - ybar, atol=1e-10)
    pastes = datasets.pastes()
    out = tc.no_pooling_effects(pastes, y="strength", groups=["batch", "sample"])
    batch_mean = pastes.groupby("batch")["strength"].mean()
    assert_allclose(out["batch"], batch_mean - pastes["strength"].mean(), atol=1e-10)
    cask = pastes.groupby("sample")["strength"].mean()
    batch_of = pastes.drop_duplicates("sample").set_index("sample")["batch"]
    assert_allclose(
        out["sample"],
        cask - batch_mean.reindex(batch_of.reindex(cask.index)).to_numpy(),
        atol=1e-10,
    )


def test_no_pooling_unbalanced_fits_like_least_squares_on_all_dummies():
    data = tc.unbalanced_penicillin(datasets.penicillin())
    out = tc.no_pooling_effects(data, y="diameter", groups=["plate", "sample"])
    yv = data["diameter"].to_numpy(float)
    D = np.hstack([np.ones((yv.size, 1)), *(_z(c) for c in _codes(data, ["plate", "sample"]))])
    coef = np.linalg.lstsq(D, yv, rcond=None)[0]  # minimum-norm, another parametrization
    fitted = out["(Intercept)"].iloc[0] + sum(
        out[g].to_numpy()[c]
        for g, c in zip(["plate", "sample"], _codes(data, ["plate", "sample"]), strict=True)
    )
    assert_allclose(fitted, D @ coef, atol=1e-10)
    for g in ("plate", "sample"):
        assert abs(out[g].sum()) < 1e-10


def test_no_pooling_refuses_confounded_factors():
    # plates a-l against m-x: a factor that the plates' effects can absorb, not nested in them
    pen = datasets.penicillin().assign(half=lambda d: np.where(d["plate"] < "m", "1", "2"))
    with pytest.raises(ValueError, match="not identified"):
        tc.no_pooling_effects(pen, y="diameter", groups=["plate", "half"])
    with pytest.raises(ValueError, match="no column 'plates'"):
        tc.no_pooling_effects(pen, y="diameter", groups=["plates", "sample"])


def test_figures_alt_text_reports_their_inputs():
    pen = datasets.penicillin()
    fit = tc.fit_intercepts(pen, y="diameter", groups=["plate", "sample"])
    none = tc.no_pooling_effects(pen, y="diameter", groups=["plate", "sample"])
    partial = {g: fit.ranef[g].iloc[:, 0] for g in fit.labels}
    alt = figures.factor_shrinkage_arrows(none, partial, unit="mm").alt
    lam = fit.ranef["plate"].iloc[0, 0] / none["plate"].iloc[0]
    assert f"{lam:.3f} to {lam:.3f} times" in alt
    assert f"from {none['sample'].min():.2f} to {none['sample'].max():.2f}" in alt
    pastes = datasets.pastes()
    fit = tc.fit_intercepts(pastes, y="strength", groups=["batch", "sample"])
    none = tc.no_pooling_effects(pastes, y="strength", groups=["batch", "sample"])
    partial = {g: fit.ranef[g].iloc[:, 0] for g in fit.labels} | {"(Intercept)": fit.beta}
    parent = pastes.drop_duplicates("sample").set_index("sample")["batch"]
    alt = figures.nested_shrinkage_arrows(
        parent=parent,
        no_pool=none,
        partial=partial,
        outer="batch",
        inner="sample",
        inner_name="cask",
        response="strength",
    ).alt
    v = float(fit.sd["sample"].iloc[0]) ** 2
    lam = 2 * v / (2 * v + fit.sigma_y**2)  # two assays per cask
    assert f"{lam:.3f} to {lam:.3f} times" in alt
    assert "30 casks of 10 batches" in alt
    alt = figures.backfit_convergence({"a": np.array([1.0, 1e-9, 1e-12])}).alt
    assert "a: below 1e-8 after 1 sweep, 1.0e-12 after 2" in alt


def test_balanced_nested_batch_effects_are_a_closed_form_times_plain_deviations():
    """Pastes (3 casks x 2 assays per batch): a batch mean has variance sigma_batch^2 +
    sigma_cask^2/3 + sigma_y^2/6, so its BLUP is that precision weight times its deviation."""
    pastes = datasets.pastes()
    fit = tc.fit_intercepts(pastes, y="strength", groups=["batch", "sample"])
    sds = [float(fit.sd[g].iloc[0]) for g in ("batch", "sample")]
    yv = pastes["strength"].to_numpy(float)
    _, (b_batch, _) = dense_blups(yv, _codes(pastes, ["batch", "sample"]), sds, fit.sigma_y)
    dev = pastes.groupby("batch")["strength"].mean().to_numpy() - yv.mean()
    w = sds[0] ** 2 / (sds[0] ** 2 + sds[1] ** 2 / 3 + fit.sigma_y**2 / 6)
    assert_allclose(b_batch, w * dev, rtol=1e-9, atol=1e-12)
