"""Why pooling pays: the simulation's bookkeeping, the oracle closed forms and Efron-Morris."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partial_pooling import datasets, one_way_anova, simulation
from partial_pooling.site import crosscheck, figures
from partial_pooling.site import pooling_pays as pays

COLUMNS = ["sigma_alpha", "ratio", "rep", "group", "n", "alpha", "boundary",
           "complete", "none", "partial", "oracle"]  # fmt: skip


@pytest.fixture(scope="module")
def balanced() -> pd.DataFrame:
    # 40 groups of 5, no covariate: 60 replications at sigma_alpha = 0.5, sigma_y = 1.
    return pays.pooling_mse(
        np.full(40, 5), mu=0.3, beta=None, sigma_alpha=0.5, sigma_y=1.0, reps=60, rng=7
    )


# --- the oracle and no pooling against their closed forms ------------------------------------


def test_oracle_risk_is_sigma_alpha2_times_one_minus_lambda_by_direct_monte_carlo() -> None:
    # Independent of pooling_mse: draw a_j and ybar_j | a_j directly with numpy.
    rng = np.random.default_rng(11)
    sa, sy = 0.7, 1.3
    for n in (1, 4, 25):
        a = rng.normal(0.0, sa, 400_000)
        ybar = a + rng.normal(0.0, sy / np.sqrt(n), a.size)
        err2 = (
            pays.oracle_shrinkage(ybar, np.full(a.size, n), mu=0.0, sigma_alpha=sa, sigma_y=sy) - a
        ) ** 2
        se = err2.std() / np.sqrt(err2.size)
        closed = sa**2 * sy**2 / (n * sa**2 + sy**2)
        assert abs(err2.mean() - closed) < 4 * se
        assert pays.oracle_risk(np.array([n]), sigma_alpha=sa, sigma_y=sy)[0] == pytest.approx(
            closed, rel=1e-13
        )


def test_pooling_mse_oracle_and_no_pooling_match_closed_forms_within_mc_error(
    balanced: pd.DataFrame,
) -> None:
    s = pays.mse_summary(balanced).iloc[0]
    lam = 5 * 0.25 / (5 * 0.25 + 1.0)
    for name, closed in [("oracle", 0.25 * (1 - lam)), ("none", 1.0 / 5)]:
        assert abs(s[f"mse_{name}"] - closed) < 3.5 * s[f"se_{name}"], name


def test_oracle_conditional_risk_matches_monte_carlo_and_crosses_no_pooling_at_threshold() -> None:
    rng = np.random.default_rng(3)
    sa, sy, n = 0.5, 1.0, 3
    lam = n * sa**2 / (n * sa**2 + sy**2)
    for a in (0.0, 0.4, 1.5):
        ybar = a + rng.normal(0.0, sy / np.sqrt(n), 300_000)
        err2 = (lam * ybar - a) ** 2
        se = err2.std() / np.sqrt(err2.size)
        assert (
            abs(err2.mean() - pays.oracle_conditional_risk(a, n, sigma_alpha=sa, sigma_y=sy))
            < 4 * se
        )
    threshold = sa * np.sqrt((1 + lam) / lam)
    assert pays.oracle_conditional_risk(threshold, n, sigma_alpha=sa, sigma_y=sy) == pytest.approx(
        sy**2 / n
    )
    # averaged over a ~ N(0, sa^2) it is the unconditional risk
    assert (1 - lam) ** 2 * sa**2 + lam**2 * sy**2 / n == pytest.approx(
        float(pays.oracle_risk(np.array([n]), sigma_alpha=sa, sigma_y=sy)[0]), rel=1e-13
    )


# --- pooling_mse returns what it documents -----------------------------------------------------


def test_pooling_mse_shape_columns_and_design() -> None:
    sizes = [1, 3, 8, 2]
    errors = pays.pooling_mse(
        sizes, mu=1.0, beta=0.5, sigma_alpha=[0.0, 0.4], sigma_y=0.8, reps=3, rng=1
    )
    assert list(errors.columns) == COLUMNS
    assert errors.shape == (2 * 3 * len(sizes), len(COLUMNS))
    assert sorted(errors["ratio"].unique()) == pytest.approx([0.0, 0.5])
    assert sorted(errors["rep"].unique()) == [0, 1, 2]
    assert errors.groupby(["ratio", "rep"])["n"].apply(list).map(lambda v: v == sizes).all()
    assert (errors[["complete", "none", "partial", "oracle"]] >= 0).all().all()
    # with sigma_alpha = 0 every true intercept is mu and the oracle is exact
    zero = errors[errors["sigma_alpha"] == 0]
    assert (zero["alpha"] == 1.0).all() and (zero["oracle"] == 0).all()


def test_pooling_mse_partial_error_equals_a_direct_statsmodels_recomputation() -> None:
    sizes = [2, 3, 5, 8, 4, 6, 10, 3, 2, 7]
    seed, mu, beta, sa, sy = 42, 1.0, -0.5, 0.6, 0.9
    errors = pays.pooling_mse(sizes, mu=mu, beta=beta, sigma_alpha=sa, sigma_y=sy, reps=1, rng=seed)
    # The same first draw, made directly, and partial pooling fitted by statsmodels.
    sim = simulation.simulate_groups(
        sizes, mu=mu, beta=beta, sigma_alpha=sa, sigma_y=sy, rng=np.random.default_rng(seed)
    )
    sm = crosscheck.statsmodels_mixedlm(sim.data, y="y", group="group", x="x", method="REML")
    direct = (sm.alpha.reindex(sim.alpha.index) - sim.alpha) ** 2
    np.testing.assert_allclose(errors["alpha"], sim.alpha.to_numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(errors["partial"], direct.to_numpy(), rtol=1e-5, atol=1e-10)
    # no pooling: ybar_j - beta_W xbar_j with the within slope by dense least squares
    d = sim.data
    xw = d["x"] - d.groupby("group")["x"].transform("mean")
    yw = d["y"] - d.groupby("group")["y"].transform("mean")
    beta_w = float((xw * yw).sum() / (xw * xw).sum())
    means = d.groupby("group")[["y", "x"]].mean()
    none = (means["y"] - beta_w * means["x"] - sim.alpha) ** 2
    np.testing.assert_allclose(errors["none"], none.to_numpy(), rtol=1e-9)


def test_pooling_mse_is_deterministic_given_a_seed() -> None:
    args = {"mu": 0.0, "beta": 0.3, "sigma_alpha": [0.2, 1.0], "sigma_y": 1.0}
    first = pays.pooling_mse([2, 4, 6, 3], **args, reps=2, rng=5)
    pd.testing.assert_frame_equal(first, pays.pooling_mse([2, 4, 6, 3], **args, reps=2, rng=5))
    pd.testing.assert_frame_equal(
        first, pays.pooling_mse([2, 4, 6, 3], **args, reps=2, rng=np.random.default_rng(5))
    )
    assert not first["alpha"].equals(pays.pooling_mse([2, 4, 6, 3], **args, reps=2, rng=6)["alpha"])


def test_pooling_mse_rejects_bad_reps() -> None:
    with pytest.raises(ValueError, match="reps"):
        pays.pooling_mse([2, 3], mu=0.0, beta=None, sigma_alpha=1.0, sigma_y=1.0, reps=0, rng=1)


def test_mse_summary_matches_a_hand_computation() -> None:
    frame = pd.DataFrame(
        {
            "ratio": [1.0] * 6,
            "rep": [0, 0, 1, 1, 2, 2],
            "none": [1.0, 3.0, 2.0, 2.0, 4.0, 0.0],
            "partial": [0.5, 0.5, 1.0, 2.0, 1.0, 0.0],
        }
    )
    s = pays.mse_summary(frame, estimators=["partial"]).iloc[0]
    m_partial, m_none = np.array([0.5, 1.5, 0.5]), np.array([2.0, 2.0, 2.0])
    assert s["mse_partial"] == pytest.approx(m_partial.mean())
    assert s["se_partial"] == pytest.approx(m_partial.std(ddof=1) / np.sqrt(3))
    rho = m_partial.mean() / m_none.mean()
    assert s["rel_partial"] == pytest.approx(rho)
    resid = m_partial - rho * m_none
    assert s["rel_se_partial"] == pytest.approx(resid.std(ddof=1) / np.sqrt(3) / m_none.mean())
    assert s["reps"] == 3


# --- Efron and Morris ------------------------------------------------------------------------


def test_james_stein_reproduces_efron_and_morris_published_numbers() -> None:
    # Efron & Morris (1977): grand average .265, shrinking factor c = .212, Clemente .294.
    em = datasets.efron_morris().set_index("name")
    js = pays.james_stein(em["average"], 45)
    assert js.grand_mean == pytest.approx(0.265, abs=5e-4)
    assert js.c == pytest.approx(0.212, abs=5e-4)
    assert js.estimate["Roberto Clemente"] == pytest.approx(0.294, abs=5e-4)
    assert js.estimate["Thurman Munson"] == pytest.approx(0.265 + 0.212 * (0.178 - 0.265), abs=1e-3)


def test_james_stein_beats_raw_averages_by_the_published_factor_of_about_3_5() -> None:
    table = pays.baseball_estimates(datasets.efron_morris())
    truth = table["rest_average"]
    raw = float(((table["none"] - truth) ** 2).sum())
    js = float(((table["james_stein"] - truth) ** 2).sum())
    assert round(raw / js, 1) == 3.5
    totals = pays.squared_error_totals(table)
    assert totals["none"] == pytest.approx(raw) and totals["james_stein"] == pytest.approx(js)
    assert totals["partial"] < totals["none"]


def test_james_stein_is_positive_part() -> None:
    js = pays.james_stein(pd.Series([0.25, 0.251, 0.249, 0.25, 0.2505]), 45)
    assert js.c == 0.0
    assert (js.estimate == js.grand_mean).all()
    with pytest.raises(ValueError, match="k >= 4"):
        pays.james_stein(pd.Series([0.2, 0.3, 0.25]), 45)


def test_trials_frame_group_means_are_the_batting_averages() -> None:
    em = datasets.efron_morris().set_index("name")
    trials = pays.trials_frame(em["hits"], 45)
    assert len(trials) == 18 * 45
    means = trials.groupby("group")["y"].mean().reindex(em.index)
    np.testing.assert_allclose(means, em["hits"] / 45, rtol=1e-15)
    assert set(trials["y"].unique()) == {0.0, 1.0}
    with pytest.raises(ValueError, match="hits"):
        pays.trials_frame(pd.Series([3, 50], index=["a", "b"]), 45)


def test_baseball_reml_shrinkage_is_msw_over_msb_of_the_one_way_layout() -> None:
    # Balanced one-way layout with MSB > MSW: REML 1 - lambda = MSW / MSB (one_way_anova is
    # checked against scipy's f_oneway in test_estimation).
    em = datasets.efron_morris()
    table = pays.baseball_estimates(em, method="REML")
    p = em["hits"].to_numpy() / 45
    anova = one_way_anova(pays.trials_frame(em.set_index("name")["hits"], 45), y="y", group="group")
    msw, msb = anova["MSW"], anova["MSB"]
    np.testing.assert_allclose(1 - table["shrinkage"], msw / msb, rtol=1e-8)
    np.testing.assert_allclose(
        table["partial"].to_numpy(), p.mean() + (1 - msw / msb) * (p - p.mean()), rtol=1e-8
    )


def test_figures_return_site_figures_with_alt_text(balanced: pd.DataFrame) -> None:
    summary = pays.mse_summary(balanced)
    by_size = pays.mse_summary(balanced.assign(size="5"), by=["ratio", "size"])
    table = pays.baseball_estimates(datasets.efron_morris())
    for fig in (
        figures.pooling_risk(summary),
        figures.pooling_risk_by_size(by_size),
        figures.efron_morris_plot(table, label=["Roberto Clemente"]),
    ):
        assert isinstance(fig, figures.SiteFigure) and fig.alt
        assert fig.png()[:8] == b"\x89PNG\r\n\x1a\n"


# --- "at every ratio up to r" and "from r on": the boundaries the page's prose names ---------


def test_holds_through_is_the_last_ratio_of_an_unbroken_run_from_the_smallest() -> None:
    grid = [0.0, 0.025, 0.05, 0.1, 0.2]
    assert pays.holds_through(pd.Series([True, True, False, True, True], index=grid)) == 0.025
    assert pays.holds_through(pd.Series([True] * 5, index=grid)) == 0.2
    assert pays.holds_through(pd.Series([False, True, True, True, True], index=grid)) is None
    # the order of the Series does not matter, only the ratios
    shuffled = pd.Series([True, False, True, True, True], index=[0.05, 0.1, 0.0, 0.025, 0.2])
    assert pays.holds_through(shuffled) == 0.05


def test_holds_from_is_the_first_ratio_of_an_unbroken_run_to_the_largest() -> None:
    grid = [0.0, 0.025, 0.05, 0.1, 0.2]
    assert pays.holds_from(pd.Series([False, True, False, True, True], index=grid)) == 0.1
    assert pays.holds_from(pd.Series([True] * 5, index=grid)) == 0.0
    assert pays.holds_from(pd.Series([True, True, True, True, False], index=grid)) is None


def test_every_ratio_claim_built_from_the_boundaries_holds_row_by_row() -> None:
    # what the page does: name r from the boundary, then the claim must hold at every row
    rng = np.random.default_rng(5)
    for _ in range(200):
        values = pd.Series(rng.random(8) < 0.7, index=np.sort(rng.random(8)))
        through, start = pays.holds_through(values), pays.holds_from(values)
        if through is not None:
            assert values[values.index <= through].all()
            assert through == values.index.max() or not values[values.index > through].iloc[0]
        if start is not None:
            assert values[values.index >= start].all()
            assert start == values.index.min() or not values[values.index < start].iloc[-1]
