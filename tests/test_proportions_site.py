"""The proportions page's computations and figures (`partial_pooling.site.proportions`,
`partial_pooling.site.proportion_figures`) against their definitions written out here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy.special import expit, logit

from partial_pooling import datasets
from partial_pooling.binomial import fit_binomial
from partial_pooling.site import figures, proportions


@pytest.fixture(scope="module")
def herd():
    return fit_binomial(datasets.cbpp(), y="incidence", trials="size", group="herd", n_agq=3)


def test_pooling_table_matches_modes_and_weights_computed_from_their_definitions(herd):
    table = proportions.pooling_table(herd)
    cbpp = datasets.cbpp()
    s2 = herd.sigma_alpha**2
    for label, rows in cbpp.groupby("herd"):
        y, m = rows["incidence"].sum(), rows["size"].sum()
        # the conditional mode: (alpha - mu) / sigma^2 = y - m expit(alpha), by root finding
        alpha = optimize.brentq(
            lambda a, y=y, m=m: (a - herd.mu) / s2 - (y - m * expit(a)), -20, 20, xtol=1e-14
        )
        own = logit(y / m)
        p = expit(alpha)
        row = table.loc[label]
        np.testing.assert_allclose(row["alpha"], alpha, rtol=0, atol=1e-8)
        np.testing.assert_allclose(row["exact"], (alpha - herd.mu) / (own - herd.mu), rtol=1e-7)
        np.testing.assert_allclose(row["information"], m * p * (1 - p), rtol=1e-8)
        np.testing.assert_allclose(row["curvature"], s2 / (s2 + 1 / (m * p * (1 - p))), rtol=1e-8)
        assert (row["trials"], row["successes"]) == (m, y)


def test_a_group_without_successes_has_no_exact_shift():
    cbpp = datasets.cbpp()
    cbpp.loc[cbpp["herd"] == "3", "incidence"] = 0
    fit = fit_binomial(cbpp, y="incidence", trials="size", group="herd")
    table = proportions.pooling_table(fit)
    assert np.isnan(table.loc["3", "exact"])
    assert table.drop("3")["exact"].notna().all()
    alt = figures.weights_exact_vs_curvature(fit, group_name="herd").alt
    assert "1 herds have no exact fraction" in alt
    assert "1 herds had no successes" in figures.proportion_arrows(fit, group_name="herd").alt


def test_pooling_table_refuses_a_fit_with_covariates_or_another_object(herd):
    cbpp = datasets.cbpp().assign(late=lambda d: (d["period"] != "1").astype(float))
    fit = fit_binomial(cbpp, y="incidence", trials="size", group="herd", x="late")
    with pytest.raises(ValueError, match=r"without covariates.*'late'"):
        proportions.pooling_table(fit)
    with pytest.raises(ValueError, match="BinomialFit"):
        proportions.pooling_table(pd.DataFrame())


def test_arrows_alt_reports_the_rates_and_the_longest_move(herd):
    table = proportions.pooling_table(herd)
    alt = figures.proportion_arrows(herd, group_name="herd").alt
    complete = table["successes"].sum() / table["trials"].sum()
    move = (table["prob"] - table["rate"]).abs()
    assert f"complete-pooling rate {complete:.3f}" in alt
    assert f"typical herd, {expit(herd.mu):.3f}" in alt
    assert f"the longest, {move.max():.3f}" in alt
    toward = int(
        ((table["prob"] - expit(herd.mu)).abs() < (table["rate"] - expit(herd.mu)).abs()).sum()
    )
    assert f"{toward} of the 15 arrows" in alt


def test_weights_alt_reports_the_largest_gap(herd):
    table = proportions.pooling_table(herd)
    alt = figures.weights_exact_vs_curvature(herd, group_name="herd").alt
    assert f"at most {(table['curvature'] - table['exact']).abs().max():.3f}" in alt


def test_rare_events_draws_the_stated_layout():
    frame = proportions.rare_events(
        J=40, m=3, mu=-2.0, sigma_alpha=1.0, rng=np.random.default_rng(1)
    )
    assert frame.shape == (120, 2)
    assert (frame.groupby("group").size() == 3).all()
    assert set(frame["y"]) <= {0, 1}
    with pytest.raises(ValueError, match="sigma_alpha"):
        proportions.rare_events(J=4, m=3, mu=0.0, sigma_alpha=-1.0, rng=np.random.default_rng(1))


def test_glmer_values_for_the_page_are_stored_with_both_models():
    values = proportions.glmer_proportions()
    for key in ("cbpp_herd", "baseball"):
        for k in (1, 25):
            entry = values[f"{key}_agq{k}"]
            assert {"tight", "default"} <= set(entry)
            assert entry["tight"]["loglik_binomial"] >= entry["default"]["loglik_binomial"] - 1e-9
