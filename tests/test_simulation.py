"""Tests of partial_pooling.simulation against the model it claims to simulate.

The moment checks compare sample statistics of a large simulation with the true parameters, with
a tolerance of four standard errors of the statistic (computed from the true parameters), at a
fixed seed: they would catch a wrong variance, a wrong slope or a mix-up of the two SDs, and do
not fail by chance on a rerun.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partial_pooling.simulation import Simulation, group_labels, simulate_groups

TRUTH = {"mu": 2.0, "beta": 0.7, "sigma_alpha": 1.5, "sigma_y": 0.8}
J_BIG, N_PER_GROUP = 2000, 20
X_SD, X_BETWEEN_SD = 1.3, 2.0
Z = 4.0  # tolerance in standard errors


@pytest.fixture(scope="module")
def big() -> Simulation:
    return simulate_groups(
        N_PER_GROUP, **TRUTH, J=J_BIG, x_sd=X_SD, x_between_sd=X_BETWEEN_SD, rng=20240601
    )


def small(rng: object) -> Simulation:
    return simulate_groups([3, 1, 4, 1, 5], **TRUTH, x_between_sd=0.5, rng=rng)


# --- reproducibility -------------------------------------------------------------------------


def test_same_seed_reproduces_data_and_truth_exactly() -> None:
    first, second = small(7), small(7)
    pd.testing.assert_frame_equal(first.data, second.data, check_exact=True)
    pd.testing.assert_series_equal(first.alpha, second.alpha, check_exact=True)


def test_integer_seed_is_the_same_as_default_rng_of_that_seed() -> None:
    pd.testing.assert_frame_equal(small(11).data, small(np.random.default_rng(11)).data)


def test_different_seeds_give_different_data_and_intercepts() -> None:
    first, second = small(1), small(2)
    assert not np.any(first.data["y"].to_numpy() == second.data["y"].to_numpy())
    assert not np.any(first.alpha.to_numpy() == second.alpha.to_numpy())


def test_a_generator_is_advanced_so_successive_calls_differ() -> None:
    generator = np.random.default_rng(3)
    first, second = small(generator), small(generator)
    assert not np.allclose(first.data["y"], second.data["y"])


def test_simulation_does_not_touch_numpy_global_state() -> None:
    np.random.seed(0)  # noqa: NPY002 - the point is to check the legacy global state
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    small(5)
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_true_intercepts_do_not_depend_on_group_sizes_or_covariate() -> None:
    with_x = simulate_groups([2, 9, 4], **TRUTH, x_between_sd=3.0, rng=42)
    without_x = simulate_groups(1, **{**TRUTH, "beta": None}, J=3, rng=42)
    pd.testing.assert_series_equal(with_x.alpha, without_x.alpha, check_exact=True)


# --- shape, labels and types ----------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=25))
def test_unequal_group_sizes_are_exactly_as_requested(sizes: list[int]) -> None:
    sim = simulate_groups(sizes, **TRUTH, rng=0)
    labels = group_labels(len(sizes))
    counts = sim.data.groupby("group", sort=False).size()
    assert counts.index.tolist() == labels  # rows are grouped, in label order
    assert counts.tolist() == sizes
    assert sim.n.tolist() == sizes
    assert sim.alpha.index.tolist() == labels == sim.n.index.tolist()
    assert (sim.J, sim.N, len(sim.data)) == (len(sizes), sum(sizes), sum(sizes))


def test_one_group_size_with_J_gives_J_equal_groups() -> None:
    sim = simulate_groups(6, **TRUTH, J=4, rng=0)
    assert sim.n.tolist() == [6, 6, 6, 6]
    assert sim.data.groupby("group").size().tolist() == [6, 6, 6, 6]


def test_columns_and_dtypes() -> None:
    sim = small(0)
    assert list(sim.data.columns) == ["y", "x", "group"]
    assert sim.data["y"].dtype == np.float64 and sim.data["x"].dtype == np.float64
    assert pd.api.types.is_string_dtype(sim.data["group"])
    assert sim.alpha.dtype == np.float64 and sim.n.dtype == np.int64
    assert sim.alpha.index.name == "group" and sim.n.index.name == "group"
    assert (sim.mu, sim.beta, sim.sigma_alpha, sim.sigma_y) == (2.0, 0.7, 1.5, 0.8)


def test_beta_none_simulates_without_a_covariate() -> None:
    sim = simulate_groups([2, 3], **{**TRUTH, "beta": None}, rng=0)
    assert list(sim.data.columns) == ["y", "group"]
    assert sim.beta is None


@pytest.mark.parametrize(
    ("J", "first", "last"), [(1, "g01", "g01"), (9, "g01", "g09"), (100, "g001", "g100")]
)
def test_group_labels_sort_as_strings_in_numeric_order(J: int, first: str, last: str) -> None:
    labels = group_labels(J)
    assert (labels[0], labels[-1], len(labels)) == (first, last, J)
    assert sorted(labels) == labels


def test_simulation_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        small(0).mu = 3.0  # type: ignore[misc]


# --- degenerate variances are exact ---------------------------------------------------------


def test_zero_sigma_alpha_gives_every_group_the_population_intercept() -> None:
    sim = simulate_groups([4, 2, 7], **{**TRUTH, "sigma_alpha": 0.0}, rng=9)
    assert np.all(sim.alpha.to_numpy() == TRUTH["mu"])


def test_zero_sigma_y_puts_every_point_on_its_group_line() -> None:
    sim = simulate_groups([4, 2, 7], **{**TRUTH, "sigma_y": 0.0}, rng=9)
    line = sim.alpha.loc[sim.data["group"]].to_numpy() + TRUTH["beta"] * sim.data["x"].to_numpy()
    np.testing.assert_allclose(sim.data["y"].to_numpy(), line, rtol=0, atol=1e-12)


# --- moments of a large simulation match the truth -------------------------------------------


def test_true_intercepts_have_mean_mu_and_sd_sigma_alpha(big: Simulation) -> None:
    a = big.alpha.to_numpy() - TRUTH["mu"]
    sigma2 = TRUTH["sigma_alpha"] ** 2
    assert abs(a.mean()) < Z * TRUTH["sigma_alpha"] / np.sqrt(J_BIG)
    # Var(s^2) = 2 sigma^4 / (J - 1) for normal draws.
    assert abs(a.var(ddof=1) - sigma2) < Z * sigma2 * np.sqrt(2 / (J_BIG - 1))


def test_residuals_around_the_true_lines_have_sd_sigma_y(big: Simulation) -> None:
    d = big.data
    e = d["y"].to_numpy() - big.alpha.loc[d["group"]].to_numpy() - TRUTH["beta"] * d["x"]
    n_obs, sigma2 = len(d), TRUTH["sigma_y"] ** 2
    assert abs(e.mean()) < Z * TRUTH["sigma_y"] / np.sqrt(n_obs)
    assert abs(e.var(ddof=1) - sigma2) < Z * sigma2 * np.sqrt(2 / (n_obs - 1))


def test_within_group_ols_slope_recovers_beta(big: Simulation) -> None:
    d = big.data
    xc = d["x"] - d.groupby("group")["x"].transform("mean")
    yc = d["y"] - d.groupby("group")["y"].transform("mean")
    sxx = float((xc**2).sum())
    within = float((xc * yc).sum()) / sxx
    # Given x, the within slope has SE sigma_y / sqrt(S_xx within).
    assert abs(within - TRUTH["beta"]) < Z * TRUTH["sigma_y"] / np.sqrt(sxx)


def test_between_group_slope_recovers_beta_when_x_means_vary(big: Simulation) -> None:
    means = big.data.groupby("group")[["x", "y"]].mean()
    xbar, ybar = means["x"].to_numpy(), means["y"].to_numpy()
    sxx = float(((xbar - xbar.mean()) ** 2).sum())
    between = float(((xbar - xbar.mean()) * (ybar - ybar.mean())).sum()) / sxx
    # ybar_j = mu + beta xbar_j + a_j + ebar_j: error variance sigma_alpha^2 + sigma_y^2 / n.
    error_sd = np.sqrt(TRUTH["sigma_alpha"] ** 2 + TRUTH["sigma_y"] ** 2 / N_PER_GROUP)
    assert abs(between - TRUTH["beta"]) < Z * error_sd / np.sqrt(sxx)


def test_covariate_spread_within_and_between_groups(big: Simulation) -> None:
    x = big.data["x"]
    within = x - big.data.groupby("group")["x"].transform("mean")
    df_within = len(x) - J_BIG
    s2_within = float((within**2).sum()) / df_within
    assert abs(s2_within - X_SD**2) < Z * X_SD**2 * np.sqrt(2 / df_within)
    xbar = big.data.groupby("group")["x"].mean().to_numpy()
    var_xbar = X_BETWEEN_SD**2 + X_SD**2 / N_PER_GROUP
    assert abs(xbar.var(ddof=1) - var_xbar) < Z * var_xbar * np.sqrt(2 / (J_BIG - 1))


# --- input validation: ValueError naming the argument and the value -------------------------

BASE = {"mu": 0.0, "beta": 1.0, "sigma_alpha": 1.0, "sigma_y": 1.0}


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"n": 5}, "J is required"),
        ({"n": 5, "J": 0}, "J must be an integer >= 1, got 0"),
        ({"n": 5, "J": 2.5}, "J must be an integer >= 1, got 2.5"),
        ({"n": 0, "J": 3}, "n must be an integer >= 1, got 0"),
        ({"n": 4.0, "J": 3}, "n must be an integer >= 1, got 4.0"),
        ({"n": [3, 0, 2]}, "n[1] must be an integer >= 1 (a group size), got 0"),
        ({"n": [3, 2.5]}, "n[1] must be an integer >= 1 (a group size), got 2.5"),
        ({"n": []}, "n must be an integer or a non-empty 1-d sequence"),
        ({"n": [[1, 2], [3, 4]]}, "non-empty 1-d sequence"),
        ({"n": [3, 4], "J": 3}, "J=3 is inconsistent with n, which gives 2 group sizes"),
        (
            {"n": [3, 4], "sigma_alpha": -0.1},
            "sigma_alpha must be >= 0 (a standard deviation), got -0.1",
        ),
        ({"n": [3, 4], "sigma_y": -2.0}, "sigma_y must be >= 0 (a standard deviation), got -2.0"),
        ({"n": [3, 4], "x_sd": -1.0}, "x_sd must be >= 0 (a standard deviation), got -1.0"),
        (
            {"n": [3, 4], "x_between_sd": -1},
            "x_between_sd must be >= 0 (a standard deviation), got -1",
        ),
        ({"n": [3, 4], "sigma_y": float("nan")}, "sigma_y must be finite, got nan"),
        ({"n": [3, 4], "mu": float("inf")}, "mu must be finite, got inf"),
        ({"n": [3, 4], "beta": "1"}, "beta must be a real number, got '1'"),
    ],
)
def test_invalid_arguments_raise_value_error_naming_argument_and_value(
    kwargs: dict[str, object], needle: str
) -> None:
    with pytest.raises(ValueError) as excinfo:
        simulate_groups(**{**BASE, **kwargs})  # type: ignore[arg-type]
    assert needle in str(excinfo.value)


def test_group_labels_rejects_non_positive_J() -> None:
    with pytest.raises(ValueError, match="J must be an integer >= 1, got 0"):
        group_labels(0)
