"""Honest at the limits: unidentified fits are refused, extreme variances give their limits,
and column names and group labels of any ordinary type work.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from partial_pooling import (
    datasets,
    decompose_beta,
    fit_random_intercept,
    fit_random_slopes,
    icc,
    no_pooling,
    shrinkage_factor,
)


@pytest.fixture(scope="module")
def sleep() -> pd.DataFrame:
    return datasets.sleepstudy()


# ---------------------------------------------------------------------------------------------
# No within-group degrees of freedom: sigma_y is not identified, for REML as for ML


def no_within_dof() -> pd.DataFrame:
    # five groups of one and one of two, and a covariate: N - J - p = 7 - 6 - 1 = 0
    return pd.DataFrame(
        {
            "y": [1.0, 2.5, 0.3, 4.0, 2.2, 2.9, 3.4],
            "x": [0.1, 0.7, -0.4, 1.3, 0.2, -0.5, 0.8],
            "g": list("abcdeff"),
        }
    )


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_no_within_group_degrees_of_freedom_is_refused_by_reml_and_ml(method):
    with pytest.raises(ValueError, match=r"N - J - p = 0 within-group degrees of freedom"):
        fit_random_intercept(no_within_dof(), y="y", group="g", x="x", method=method)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_groups_whose_within_residuals_vanish_exactly_are_refused(method):
    # every group exactly on a line of common slope 2: a perfect within fit, dof > 0
    g = np.repeat(["a", "b", "c"], 3)
    x = np.tile([0.0, 1.0, 2.0], 3)
    y = 2 * x + np.repeat([1.0, 5.0, -2.0], 3)
    data = pd.DataFrame({"y": y, "x": x + np.repeat([0.0, 0.5, 0.25], 3), "g": g})
    data["y"] = 2 * data["x"] + np.repeat([1.0, 5.0, -2.0], 3)
    with pytest.raises(ValueError, match=r"no residual variation within groups"):
        fit_random_intercept(data, y="y", group="g", x="x", method=method)


def test_one_within_degree_of_freedom_still_fits():
    data = no_within_dof().drop(columns="x")  # N - J = 1
    fit = fit_random_intercept(data, y="y", group="g")
    assert np.isfinite(fit.sigma_y) and fit.sigma_y > 0


# ---------------------------------------------------------------------------------------------
# Extreme variance components: the limits, without overflow, NaN or warnings


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


@pytest.mark.parametrize(
    ("sigma_alpha", "sigma_y", "limit"),
    [(1e300, 1e-300, np.inf), (1e200, 1e-200, np.inf), (1e-300, 1e300, 0.0), (1e-200, 1e150, 0.0)],
)
def test_decompose_beta_at_extreme_variances_is_its_limit(sleep, sigma_alpha, sigma_y, limit):
    got = _quiet(
        lambda: decompose_beta(
            sleep, y="Reaction", group="Subject", x="Days", sigma_alpha=sigma_alpha, sigma_y=sigma_y
        )
    )
    ref = decompose_beta(
        sleep, y="Reaction", group="Subject", x="Days", sigma_alpha=limit, sigma_y=1.0
    )
    for name in ("within", "gls", "weight", "S_xx_within", "S_xx_between"):
        assert getattr(got, name) == pytest.approx(getattr(ref, name), rel=1e-12, abs=1e-300)
        assert np.isfinite(getattr(got, name))


def test_decompose_beta_just_inside_the_limits_is_close_to_them():
    # psi = 1e16: each group mean keeps about 1e-16 of its weight at psi = 0
    radon = datasets.radon()
    got = decompose_beta(
        radon, y="log_radon", group="county", x="floor", sigma_alpha=1e8, sigma_y=1.0
    )
    assert 0 < got.S_xx_between < 1e-13 * got.S_xx_within
    assert got.weight == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("sigma_alpha", "sigma_y", "lam"), [(1e300, 1e-300, 1.0), (1e-300, 1e300, 0.0)]
)
def test_shrinkage_and_icc_at_extreme_variances_are_their_limits(sigma_alpha, sigma_y, lam):
    assert _quiet(lambda: shrinkage_factor(5, sigma_alpha=sigma_alpha, sigma_y=sigma_y)) == lam
    assert _quiet(lambda: icc(sigma_alpha=sigma_alpha, sigma_y=sigma_y)) == lam


# ---------------------------------------------------------------------------------------------
# Column names and group labels


def test_integer_column_names_give_the_same_fit_as_strings(sleep):
    named = fit_random_intercept(sleep, y="Reaction", group="Subject", x="Days")
    numbered = sleep[["Reaction", "Subject", "Days"]].set_axis([0, 1, 2], axis=1)
    fit = fit_random_intercept(numbered, y=0, group=1, x=2)
    np.testing.assert_array_equal(fit.alpha.to_numpy(), named.alpha.to_numpy())
    assert fit.beta[2] == named.beta["Days"]
    assert "0 ~ 1 + 2 + (1 | 1)" in fit.summary()
    slopes = fit_random_slopes(numbered, y=0, group=1, x=2)
    assert slopes.loglik == fit_random_slopes(sleep, y="Reaction", group="Subject", x="Days").loglik


@pytest.mark.parametrize(
    "relabel",
    [lambda s: (s, "x"), lambda s: int(s), lambda s: f"NA{s}" if s == "308" else "None"],
    ids=["tuples", "integers", "NA-like strings"],
)
def test_group_labels_of_any_hashable_type_give_the_same_fit(sleep, relabel):
    if relabel("308") == "NA308":  # two groups only: keep the others apart
        relabel = lambda s: "None" if s == "308" else ("null" if s == "309" else s)  # noqa: E731
    data = sleep.assign(Subject=[relabel(s) for s in sleep["Subject"]])
    ref = fit_random_intercept(sleep, y="Reaction", group="Subject", x="Days")
    fit = fit_random_intercept(data, y="Reaction", group="Subject", x="Days")
    assert fit.J == ref.J
    assert sorted(fit.alpha.to_numpy()) == pytest.approx(sorted(ref.alpha.to_numpy()), rel=1e-12)
    assert fit.loglik == pytest.approx(ref.loglik, rel=1e-13)


def test_labels_that_cannot_label_a_group_are_one_clear_error(sleep):
    data = sleep.assign(Subject=[[s] for s in sleep["Subject"]])
    with pytest.raises(ValueError, match=r"group column 'Subject' has a label of type list"):
        fit_random_intercept(data, y="Reaction", group="Subject", x="Days")


def test_labels_of_mixed_types_fit_each_group_alone(sleep):
    labels = {s: (int(s) if int(s) % 2 else s) for s in sleep["Subject"].unique()}
    data = sleep.assign(Subject=sleep["Subject"].map(labels))
    fit = no_pooling(data, y="Reaction", group="Subject", x="Days")
    ref = no_pooling(sleep, y="Reaction", group="Subject", x="Days")
    assert set(fit.alpha.index) == set(labels.values())
    for s, label in labels.items():
        assert fit.alpha[label] == pytest.approx(ref.alpha[s], rel=1e-12)
