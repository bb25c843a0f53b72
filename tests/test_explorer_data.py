"""The explorer's JSON payload against the fit and against group means computed from raw data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from reference import dense_random_slopes

from partial_pooling import datasets, fit_random_intercept, fit_random_slopes, group_ols
from partial_pooling.site import explorer

RADON = {"y": "log_radon", "group": "county", "x": "floor"}


@pytest.fixture(scope="module")
def radon_payload(radon):
    return explorer.explorer_payload(radon, **RADON, method="REML", title="radon")


def test_payload_holds_the_reml_fit_estimates(radon, radon_payload):
    fit = fit_random_intercept(radon, **RADON, method="REML")
    got = radon_payload["fit"]
    assert radon_payload["schema"] == explorer.SCHEMA
    assert radon_payload["method"] == "REML"
    assert (radon_payload["N"], radon_payload["J"]) == (len(radon), radon["county"].nunique())
    assert radon_payload["x"] == ["floor"]
    assert got["mu"] == fit.mu
    assert got["beta"] == {"floor": fit.beta["floor"]}
    assert got["sigma_alpha"] == fit.sigma_alpha
    assert got["sigma_y"] == fit.sigma_y
    assert got["psi"] == pytest.approx(fit.sigma_alpha**2 / fit.sigma_y**2, rel=1e-14)
    assert got["icc"] == pytest.approx(
        fit.sigma_alpha**2 / (fit.sigma_alpha**2 + fit.sigma_y**2), rel=1e-14
    )
    assert got["at_boundary"] is False


def test_group_sizes_and_adjusted_means_match_raw_group_means(radon, radon_payload):
    beta = radon_payload["fit"]["beta"]["floor"]
    by = radon.groupby("county", sort=False)
    raw = pd.DataFrame({"n": by.size(), "adj": by["log_radon"].mean() - beta * by["floor"].mean()})
    groups = radon_payload["groups"]
    assert sorted(groups["label"]) == sorted(raw.index)
    assert len(set(groups["label"])) == len(groups["label"])
    raw = raw.loc[groups["label"]]
    assert groups["n"] == raw["n"].tolist()
    np.testing.assert_allclose(groups["adjusted_mean"], raw["adj"], rtol=1e-12, atol=1e-13)


def test_payload_reproduces_the_fitted_intercepts_and_mu(radon, radon_payload):
    """What the page's script computes from the payload at the REML estimate is the fit."""
    fit = fit_random_intercept(radon, **RADON, method="REML")
    f, g = radon_payload["fit"], radon_payload["groups"]
    n, adj = np.array(g["n"], dtype=float), np.array(g["adjusted_mean"])
    sa2, sy2 = f["sigma_alpha"] ** 2, f["sigma_y"] ** 2
    w = 1.0 / (sa2 + sy2 / n)
    mu = float((w * adj).sum() / w.sum())
    assert mu == pytest.approx(fit.mu, rel=1e-10)  # the GLS mu at the REML beta
    lam = n * sa2 / (n * sa2 + sy2)
    alpha = lam * adj + (1 - lam) * mu
    np.testing.assert_allclose(alpha, fit.alpha.loc[g["label"]], rtol=1e-10)
    np.testing.assert_allclose(lam, fit.shrinkage.loc[g["label"]], rtol=1e-12)


def test_payload_survives_json_exactly(radon_payload):
    text = json.dumps(radon_payload, allow_nan=False)
    assert json.loads(text) == radon_payload


def test_site_payloads_are_radon_and_a_simulation_with_its_truth():
    payloads = explorer.site_payloads()
    assert set(payloads) == {"radon", "simulated"}
    sim = explorer.simulated_example()
    p = payloads["simulated"]
    assert p["truth"] == {
        "mu": sim.mu,
        "beta": sim.beta,
        "sigma_alpha": sim.sigma_alpha,
        "sigma_y": sim.sigma_y,
    }
    assert p["groups"]["n"] == sim.n.tolist()
    assert min(p["groups"]["n"]) == 1 and p["J"] == len(sim.n)
    fit = fit_random_intercept(sim.data, y="y", group="group", x="x")
    assert p["fit"]["sigma_alpha"] == fit.sigma_alpha
    # the same seed gives the same data
    pd.testing.assert_frame_equal(explorer.simulated_example().data, sim.data)


def test_payload_without_covariate_and_default_title(sleepstudy):
    p = explorer.explorer_payload(sleepstudy, y="Reaction", group="Subject")
    fit = fit_random_intercept(sleepstudy, y="Reaction", group="Subject")
    assert p["x"] == [] and p["fit"]["beta"] == {} and p["title"] == "Reaction"
    means = sleepstudy.groupby("Subject")["Reaction"].mean()
    np.testing.assert_allclose(
        p["groups"]["adjusted_mean"], means.loc[p["groups"]["label"]], rtol=1e-13
    )
    assert p["fit"]["mu"] == fit.mu


def test_payload_rows_are_the_data_in_the_fits_group_order(radon, radon_payload):
    rows = radon_payload["rows"]
    labels = radon_payload["groups"]["label"]
    assert rows["y"] == radon["log_radon"].tolist()
    assert rows["x"] == radon["floor"].astype(float).tolist()
    assert [labels[c] for c in rows["group"]] == radon["county"].astype(str).tolist()


# --- random slopes at given variance parameters ------------------------------------------------

SLEEP = {"y": "Reaction", "group": "Subject", "x": "Days"}


def dense_gls(data, sd, corr, sigma_y):
    """GLS and BLUPs from the full N x N covariance matrix (numpy, no structure used)."""
    D = np.array([[sd[0] ** 2, corr * sd[0] * sd[1]], [corr * sd[0] * sd[1], sd[1] ** 2]])
    ref = dense_random_slopes(data, **SLEEP, Sigma=D, sigma_y=sigma_y)
    return ref.mu, ref.mu + ref.blups, ref.labels


@pytest.mark.parametrize(
    "sd, corr, sigma_y",
    [
        ((24.7, 5.92), 0.066, 25.6),
        ((60.0, 2.0), -0.8, 30.0),
        ((10.0, 12.0), 1.0, 20.0),
        ((0.0, 5.0), 0.3, 25.0),
        ((30.0, 0.0), -1.0, 25.0),
        ((1e-3, 1e-3), 0.0, 25.0),
    ],
)
def test_random_slopes_at_is_dense_gls(sleepstudy, sd, corr, sigma_y):
    mu, coef = explorer.random_slopes_at(
        sleepstudy, **SLEEP, sigma_alpha=sd, sigma_y=sigma_y, corr=corr
    )
    want_mu, want_coef, labels = dense_gls(sleepstudy, sd, corr, sigma_y)
    assert list(coef.index) == labels and list(coef.columns) == ["Intercept", "Days"]
    np.testing.assert_allclose(mu.to_numpy(), want_mu, rtol=1e-10)
    np.testing.assert_allclose(coef.to_numpy(), want_coef, rtol=1e-10)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_random_slopes_at_the_estimates_is_the_fit(sleepstudy, method):
    fit = fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x=["Days"], method=method)
    mu, coef = explorer.random_slopes_at(
        sleepstudy, **SLEEP, sigma_alpha=fit.sd.to_numpy(), sigma_y=fit.sigma_y, corr=fit.corr
    )
    np.testing.assert_allclose(mu.to_numpy(), fit.fixed.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(coef.to_numpy(), fit.coef.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "sd, corr, sigma_y, message",
    [
        ((-1.0, 2.0), 0.0, 1.0, r"sigma_alpha must be .*\[-1\.0, 2\.0\]"),
        ((1.0, float("nan")), 0.0, 1.0, "sigma_alpha must be"),
        ((1.0, 2.0, 3.0), 0.0, 1.0, "two SDs"),
        (1.0, 0.0, 1.0, "two SDs"),
        ((1.0, 2.0), 1.5, 1.0, "corr must be"),
        ((1.0, 2.0), 0.0, 0.0, "sigma_y must be"),
    ],
)
def test_random_slopes_at_refuses_bad_parameters(sleepstudy, sd, corr, sigma_y, message):
    with pytest.raises(ValueError, match=message):
        explorer.random_slopes_at(sleepstudy, **SLEEP, sigma_alpha=sd, sigma_y=sigma_y, corr=corr)


def test_slopes_payload(sleepstudy):
    payload = explorer.slopes_payload()
    fit = fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x=["Days"])
    assert payload["schema"] == explorer.SLOPES_SCHEMA
    assert payload["labels"] == [str(v) for v in fit.coef.index]
    assert payload["fit"]["coef"] == fit.coef.to_numpy().tolist()
    assert payload["fit"]["sd"] == fit.sd.tolist() and payload["fit"]["corr"] == fit.corr
    ols = group_ols(sleepstudy, y="Reaction", group="Subject", x="Days")
    assert payload["ols"] == ols.to_numpy().tolist()
    # a group with one observation has no line of its own
    data = datasets.radon()
    radon = explorer.slopes_payload(data, y="log_radon", group="county", x="floor")
    own = group_ols(data, y="log_radon", group="county", x="floor")
    none = [row is None for row in radon["ols"]]
    assert none == own.isna().any(axis=1).tolist()
    single = data.groupby("county").size().eq(1)
    assert all(none[i] for i, label in enumerate(radon["labels"]) if single[label])
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload
