"""Bad input to every public fitting function raises a ValueError that names what is at fault.

Each case is a small change to a clean data frame (one missing value, one string column, one
group...) and each public function that reads a data frame is run on it; the error must be a
``ValueError`` whose message names the column (or argument, or value) at fault. Legitimate edge
cases, above all *some* groups of a single observation as in the radon data, must fit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from partial_pooling import (
    complete_pooling,
    decompose_beta,
    fit_random_intercept,
    fit_random_slopes,
    group_intercepts,
    joint_loglik,
    marginal_loglik,
    no_pooling,
    profile_loglik,
    reml_loglik,
    shrinkage_factor,
)

# ---------------------------------------------------------------------------------------------
# A clean frame: 5 groups of 4, a covariate that varies within groups, a second covariate, a
# string column. Every bad case below is one change to it.


def clean() -> pd.DataFrame:
    rng = np.random.default_rng(20240611)
    J, n = 5, 4
    g = np.repeat([f"s{j}" for j in range(J)], n)
    x = rng.normal(size=J * n)
    x2 = rng.normal(size=J * n)
    y = 1.0 + 0.5 * x - 0.3 * x2 + rng.normal(0, 0.8, J)[np.arange(J * n) // n]
    y = y + rng.normal(0, 0.5, J * n)
    return pd.DataFrame(
        {"y": y, "x": x, "x2": x2, "g": g, "label": [f"L{i}" for i in range(J * n)]}
    )


def _beta(x: str | list[str]) -> float | list[float]:
    return 0.5 if isinstance(x, str) else [0.5] * len(x)


def _alpha(data: pd.DataFrame, group: str) -> pd.Series:
    """Zero intercepts for the groups present (only reached when the data are valid)."""
    labels = pd.unique(data[group].dropna()) if group in data.columns else []
    return pd.Series(0.0, index=list(labels))


# Every public function that takes (data, y, group, x), with valid values for its other arguments.
# ``one_x`` marks the functions that take exactly one covariate name.
Fitter = Callable[[pd.DataFrame, str, str, "str | list[str]"], object]
FITTERS: dict[str, tuple[Fitter, bool]] = {
    "fit_random_intercept": (lambda d, y, g, x: fit_random_intercept(d, y, g, x), False),
    "fit_random_intercept_ML": (lambda d, y, g, x: fit_random_intercept(d, y, g, x, "ML"), False),
    "complete_pooling": (lambda d, y, g, x: complete_pooling(d, y, g, x), False),
    "no_pooling": (lambda d, y, g, x: no_pooling(d, y, g, x), False),
    "fit_random_slopes": (lambda d, y, g, x: fit_random_slopes(d, y, g, x), True),
    "decompose_beta": (lambda d, y, g, x: decompose_beta(d, y, g, x, 0.8, 0.5), True),
    "group_intercepts": (
        lambda d, y, g, x: group_intercepts(d, y, g, x, 1.0, _beta(x), 0.8, 0.5),
        False,
    ),
    "joint_loglik": (
        lambda d, y, g, x: joint_loglik(d, y, g, x, _alpha(d, g), _beta(x), 1.0, 0.8, 0.5),
        False,
    ),
    "marginal_loglik": (
        lambda d, y, g, x: marginal_loglik(d, y, g, x, 1.0, _beta(x), 0.8, 0.5),
        False,
    ),
    "reml_loglik": (lambda d, y, g, x: reml_loglik(d, y, g, x, 0.8, 0.5), False),
    "profile_loglik": (lambda d, y, g, x: profile_loglik(d, y, g, x, psi=[0.0, 1.0]), False),
}


def _set(column: str, row: int, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(d: pd.DataFrame) -> pd.DataFrame:
        d = d.copy()
        if not isinstance(value, float):
            d[column] = d[column].astype(object)
        d.loc[row, column] = value
        return d

    return change


def _one_group(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(g="only")


def _all_singletons(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(g=[f"s{i}" for i in range(len(d))])


def _duplicate_label(d: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([d, d[["x"]]], axis=1)


def _same(d: pd.DataFrame) -> pd.DataFrame:
    return d


# (id, change to the clean frame, y, group, x, regex the message must match)
BAD_DATA = [
    ("missing_y", _set("y", 3, np.nan), "y", "g", "x", r"'y'.*missing"),
    (
        "missing_y_pd_NA",
        lambda d: d.assign(
            y=pd.array([None if i == 2 else v for i, v in enumerate(d["y"])], dtype="Float64")
        ),
        "y",
        "g",
        "x",
        r"'y'.*missing",
    ),
    ("missing_x", _set("x", 5, np.nan), "y", "g", "x", r"'x'.*missing"),
    ("missing_group", _set("g", 7, None), "y", "g", "x", r"'g'.*missing"),
    ("string_response", lambda d: d.assign(y=d["y"].astype(str)), "y", "g", "x", r"'y'.*numeric"),
    ("string_response_column", _same, "label", "g", "x", r"'label'.*numeric"),
    ("one_string_in_response", _set("y", 4, "12.5"), "y", "g", "x", r"'y'.*numeric"),
    ("string_covariate", lambda d: d.assign(x=d["x"].astype(str)), "y", "g", "x", r"'x'.*numeric"),
    (
        "categorical_covariate",
        lambda d: d.assign(x=pd.Categorical(d["g"])),
        "y",
        "g",
        "x",
        r"'x'.*numeric",
    ),
    ("unknown_response", _same, "nope", "g", "x", r"unknown column.*'nope'"),
    ("unknown_group", _same, "y", "county", "x", r"unknown column.*'county'"),
    ("unknown_covariate", _same, "y", "g", "floor", r"unknown column.*'floor'"),
    ("single_group", _one_group, "y", "g", "x", r"'g'.*1 group.*'only'"),
    ("all_groups_of_one", _all_singletons, "y", "g", "x", r"'g'.*single observation"),
    ("constant_covariate", lambda d: d.assign(x=2.5), "y", "g", "x", r"'x'.*constant.*2\.5"),
    ("constant_response", lambda d: d.assign(y=7.0), "y", "g", "x", r"'y'.*constant"),
    ("empty_frame", lambda d: d.iloc[:0], "y", "g", "x", r"empty"),
    ("inf_response", _set("y", 1, np.inf), "y", "g", "x", r"'y'.*non-finite.*inf"),
    ("minus_inf_covariate", _set("x", 9, -np.inf), "y", "g", "x", r"'x'.*non-finite.*-inf"),
    ("overflowing_response", lambda d: d.assign(y=d["y"] * 1e300), "y", "g", "x", r"'y'.*overflow"),
    ("response_also_covariate", _same, "y", "g", ["x", "y"], r"'y'.*twice"),
    ("group_also_covariate", _same, "y", "g", ["g"], r"'g'.*twice"),
    ("covariate_listed_twice", _same, "y", "g", ["x", "x"], r"'x'.*twice"),
    ("column_label_twice_in_frame", _duplicate_label, "y", "g", "x", r"'x'.*more than once"),
]

# Cases that need two covariates; skipped for the functions that take exactly one.
TWO_COVARIATES = {"response_also_covariate", "group_also_covariate", "covariate_listed_twice"}


def _bad_data_params():
    for case_id, change, y, group, x, match in BAD_DATA:
        for name, (fn, one_x) in FITTERS.items():
            if one_x and case_id in TWO_COVARIATES:
                continue
            xx = x if not one_x else (x if isinstance(x, str) else x[0])
            yield pytest.param(fn, change, y, group, xx, match, id=f"{case_id}-{name}")


@pytest.mark.parametrize(("fn", "change", "y", "group", "x", "match"), list(_bad_data_params()))
def test_bad_data_raises_value_error_naming_the_column(fn, change, y, group, x, match):
    data = change(clean())
    with pytest.raises(ValueError, match=match):
        fn(data, y, group, x)


@pytest.mark.parametrize("name", [n for n, (_, one_x) in FITTERS.items() if not one_x])
def test_collinear_covariates_raise_naming_both(name):
    fn, _ = FITTERS[name]
    data = clean().assign(x2=lambda d: 3.0 * d["x"] - 1.0)
    with pytest.raises(ValueError, match=r"'x'.*'x2'.*collinear"):
        fn(data, "y", "g", ["x", "x2"])


@pytest.mark.parametrize("name", [n for n, (_, one_x) in FITTERS.items() if one_x])
def test_single_covariate_functions_reject_a_list_naming_it(name):
    fn, _ = FITTERS[name]
    with pytest.raises(ValueError, match=re.escape("['x', 'x2']")):
        fn(clean(), "y", "g", ["x", "x2"])


# ---------------------------------------------------------------------------------------------
# method


@pytest.mark.parametrize("bad", ["OLS", "reml", "ml", "", None])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda d, m: fit_random_intercept(d, "y", "g", "x", method=m), id="ri"),
        pytest.param(lambda d, m: fit_random_slopes(d, "y", "g", "x", method=m), id="slopes"),
        pytest.param(
            lambda d, m: profile_loglik(d, "y", "g", "x", psi=[1.0], method=m), id="profile"
        ),
    ],
)
def test_method_other_than_ml_or_reml_raises_naming_it(call, bad):
    with pytest.raises(ValueError, match=r"method.*" + re.escape(repr(bad))):
        call(clean(), bad)


# ---------------------------------------------------------------------------------------------
# standard deviations


def _sd_calls():
    d = clean()
    calls = {
        "decompose_beta": lambda sa, sy: decompose_beta(d, "y", "g", "x", sa, sy),
        "group_intercepts": lambda sa, sy: group_intercepts(d, "y", "g", "x", 1.0, 0.5, sa, sy),
        "joint_loglik": lambda sa, sy: joint_loglik(
            d, "y", "g", "x", _alpha(d, "g"), 0.5, 1.0, sa, sy
        ),
        "marginal_loglik": lambda sa, sy: marginal_loglik(d, "y", "g", "x", 1.0, 0.5, sa, sy),
        "reml_loglik": lambda sa, sy: reml_loglik(d, "y", "g", "x", sa, sy),
        "shrinkage_factor": lambda sa, sy: shrinkage_factor([1, 4, 9], sa, sy),
    }
    return calls


SD_CALLS = _sd_calls()


@pytest.mark.parametrize("sigma_y", [0.0, -1.0, np.nan, np.inf])
@pytest.mark.parametrize("name", list(SD_CALLS))
def test_non_positive_or_non_finite_sigma_y_raises_naming_it(name, sigma_y):
    with pytest.raises(ValueError, match=r"sigma_y.*" + re.escape(repr(float(sigma_y)))):
        SD_CALLS[name](0.8, sigma_y)


def _sigma_alpha_params():
    for name in SD_CALLS:
        for sigma_alpha in [-0.1, -np.inf, np.nan]:
            yield pytest.param(name, sigma_alpha, id=f"{name}-{sigma_alpha}")


@pytest.mark.parametrize(("name", "sigma_alpha"), list(_sigma_alpha_params()))
def test_negative_or_nan_sigma_alpha_raises_naming_it(name, sigma_alpha):
    with pytest.raises(ValueError, match=r"sigma_alpha.*" + re.escape(repr(float(sigma_alpha)))):
        SD_CALLS[name](sigma_alpha, 0.5)


def test_joint_loglik_needs_a_positive_sigma_alpha():
    # the joint density of the intercepts is degenerate at sigma_alpha = 0
    with pytest.raises(ValueError, match=r"sigma_alpha.*0\.0"):
        SD_CALLS["joint_loglik"](0.0, 0.5)


@pytest.mark.parametrize("n", [0, -3, [4, 0], [np.nan], [np.inf]])
def test_shrinkage_factor_rejects_group_sizes_that_are_not_positive(n):
    with pytest.raises(ValueError, match=r"group sizes n"):
        shrinkage_factor(n, 1.0, 1.0)


def test_zero_and_infinite_sigma_alpha_are_the_two_pooling_limits():
    # not errors: sigma_alpha = 0 is complete pooling, inf no pooling
    assert shrinkage_factor(5, 0.0, 1.0) == 0.0
    assert shrinkage_factor(5, np.inf, 1.0) == 1.0


# ---------------------------------------------------------------------------------------------
# group-level covariates


@pytest.mark.parametrize("x", ["uranium", ["floor", "uranium"]], ids=["uranium", "floor+uranium"])
def test_no_pooling_rejects_a_group_level_covariate_naming_it(radon, x):
    with pytest.raises(ValueError, match=r"'uranium'.*constant within every group of 'county'"):
        no_pooling(radon, "log_radon", "county", x)


def test_decompose_beta_rejects_a_group_level_covariate_naming_it(radon):
    with pytest.raises(ValueError, match=r"'uranium'.*within"):
        decompose_beta(radon, "log_radon", "county", "uranium", 0.3, 0.75)


def test_partial_and_complete_pooling_accept_a_group_level_covariate(radon):
    # only no pooling loses a covariate that is constant within groups
    for fit in (
        fit_random_intercept(radon, "log_radon", "county", ["floor", "uranium"]),
        complete_pooling(radon, "log_radon", "county", ["floor", "uranium"]),
    ):
        assert np.isfinite(fit.beta.to_numpy()).all()


# ---------------------------------------------------------------------------------------------
# some groups of one observation are legitimate


def test_radon_has_counties_of_a_single_house(radon):
    sizes = radon.groupby("county").size()
    assert (sizes == 1).sum() >= 2
    assert (sizes >= 2).any()


@pytest.mark.parametrize("name", list(FITTERS))
def test_radon_with_single_house_counties_fits(radon, name):
    fn, _ = FITTERS[name]
    out = fn(radon, "log_radon", "county", "floor")
    if hasattr(out, "alpha"):  # the three pooling fits
        assert out.n.min() == 1
        assert len(out.alpha) == radon["county"].nunique()
        assert np.isfinite(out.alpha.to_numpy()).all()
        assert np.isfinite(out.sigma_y)
    elif hasattr(out, "coef"):  # random slopes
        assert np.isfinite(out.coef.to_numpy()).all()
    elif isinstance(out, pd.Series):
        assert np.isfinite(out.to_numpy()).all()
    elif hasattr(out, "gls"):
        assert np.isfinite(out.gls)
    else:
        assert np.isfinite(out)


def test_mostly_singleton_groups_fit_when_one_group_has_two():
    # four groups of one and one of two: sigma_y comes from the one pair alone
    data = pd.DataFrame({"y": [1.0, 2.5, 0.3, 4.0, 2.2, 2.9], "g": list("abcdee")})
    fit = fit_random_intercept(data, "y", "g")
    assert fit.n.tolist() == [1, 1, 1, 1, 2]
    assert np.isfinite(fit.alpha.to_numpy()).all()
    assert fit.sigma_y > 0


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["fit_random_intercept", "complete_pooling", "reml_loglik"])
def test_response_exactly_linear_in_the_covariate_raises_value_error(name):
    fn, _ = FITTERS[name]
    data = clean().assign(y=lambda d: 2.0 * d["x"] + 1.0)
    with pytest.raises(ValueError, match=r"'y'"):
        fn(data, "y", "g", "x")


@pytest.mark.parametrize("bad", ["a", None])
@pytest.mark.parametrize("name", ["reml_loglik", "shrinkage_factor"])
def test_sd_that_is_not_a_number_raises_value_error_naming_it(name, bad):
    with pytest.raises(ValueError, match=r"sigma_alpha"):
        SD_CALLS[name](bad, 0.5)


@pytest.mark.parametrize("name", ["group_intercepts", "marginal_loglik"])
def test_nan_mu_raises_value_error_naming_it(name):
    d = clean()
    call = {
        "group_intercepts": lambda: group_intercepts(d, "y", "g", "x", np.nan, 0.5, 0.8, 0.5),
        "marginal_loglik": lambda: marginal_loglik(d, "y", "g", "x", np.nan, 0.5, 0.8, 0.5),
    }[name]
    with pytest.raises(ValueError, match=r"mu"):
        call()
