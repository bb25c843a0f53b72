"""The explorer's JSON payload against the fit and against group means computed from raw data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from partial_pooling import explorer, fit_random_intercept

RADON = ("log_radon", "county", "floor")


@pytest.fixture(scope="module")
def radon_payload(radon):
    return explorer.explorer_payload(radon, *RADON, method="REML", title="radon")


def test_payload_holds_the_reml_fit_estimates(radon, radon_payload):
    fit = fit_random_intercept(radon, *RADON, method="REML")
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
    raw = pd.DataFrame(
        {"n": by.size(), "adj": by["log_radon"].mean() - beta * by["floor"].mean()}
    )
    groups = radon_payload["groups"]
    assert sorted(groups["label"]) == sorted(raw.index)
    assert len(set(groups["label"])) == len(groups["label"])
    raw = raw.loc[groups["label"]]
    assert groups["n"] == raw["n"].tolist()
    np.testing.assert_allclose(groups["adjusted_mean"], raw["adj"], rtol=1e-12, atol=1e-13)


def test_payload_reproduces_the_fitted_intercepts_and_mu(radon, radon_payload):
    """What the page's script computes from the payload at the REML estimate is the fit."""
    fit = fit_random_intercept(radon, *RADON, method="REML")
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
        "mu": sim.mu, "beta": sim.beta, "sigma_alpha": sim.sigma_alpha, "sigma_y": sim.sigma_y
    }
    assert p["groups"]["n"] == sim.n.tolist()
    assert min(p["groups"]["n"]) == 1 and p["J"] == len(sim.n)
    fit = fit_random_intercept(sim.data, "y", "group", "x")
    assert p["fit"]["sigma_alpha"] == fit.sigma_alpha
    # the same seed gives the same data
    pd.testing.assert_frame_equal(explorer.simulated_example().data, sim.data)


def test_payload_without_covariate_and_default_title(sleepstudy):
    p = explorer.explorer_payload(sleepstudy, "Reaction", "Subject")
    fit = fit_random_intercept(sleepstudy, "Reaction", "Subject")
    assert p["x"] == [] and p["fit"]["beta"] == {} and p["title"] == "Reaction"
    means = sleepstudy.groupby("Subject")["Reaction"].mean()
    np.testing.assert_allclose(
        p["groups"]["adjusted_mean"], means.loc[p["groups"]["label"]], rtol=1e-13
    )
    assert p["fit"]["mu"] == fit.mu
