"""The lme4 formula interface (`partial_pooling.formula`).

Checked against: the direct fits (`fit_random_intercept`, `fit_random_slopes`, `fit_mixed`),
which the formula must reach exactly; lme4 (tests/data/mixed_lme4.json, written by
tests/data/mixed_lme4.R; tests/data/formula_predict_lme4.json, written by
tests/data/formula_predict_lme4.R: Penicillin predictions and their standard errors from the
dense mixed-model equations in R); and `MixedFit.predict`, a second implementation of the
one-factor routes' prediction errors.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.formula import fit
from partial_pooling.formula_syntax import parse_formula
from partial_pooling.mixed import RandomTerm, fit_mixed
from partial_pooling.validation import SingularFitWarning

DATA = Path(__file__).parent / "data"
LME4 = json.loads((DATA / "mixed_lme4.json").read_text())
PREDICT = json.loads((DATA / "formula_predict_lme4.json").read_text())


def _quiet_fit(formula: str, data: pd.DataFrame, method: str = "REML") -> pp.FormulaFit:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fit(formula, data, method=method)  # type: ignore[arg-type]


# -- parsing ------------------------------------------------------------------------------------


def test_parse_splits_fixed_and_random_parts() -> None:
    p = parse_formula("y ~ x + I(x**2) + (1 + x | g) + (0 + z | h)")
    assert p.response == "y"
    assert p.fixed == "x + I(x**2)"
    assert [(r.lhs, r.factors) for r in p.random] == [("1 + x", ("g",)), ("0 + z", ("h",))]


def test_nesting_expands_to_the_outer_factor_and_the_interaction() -> None:
    p = parse_formula("y ~ (1 | a/b/c)")
    assert p.fixed == "1"
    assert [r.group for r in p.random] == ["a", "b:a", "c:b:a"]  # lme4's names
    assert [r.group for r in parse_formula("y ~ 1 + (1 | a:b)").random] == ["a:b"]


@pytest.mark.parametrize(
    ("formula", "position", "what"),
    [
        ("y ~ x + (1 | g", 9, "never closed"),
        ("y ~ x) + (1 | g)", 6, "without its"),
        ("y x + (1 | g)", 14, "one '~'"),
        ("y ~ x + + (1 | g)", 9, "empty term"),
        ("y ~ x | g", 7, "in parentheses"),
        ("y ~ x + ( | g)", 11, "left side"),
        ("y ~ x + (1 | )", 14, "grouping factor"),
        ("y ~ x + (1 | g + h)", 14, "column names joined"),
    ],
)
def test_a_syntax_error_names_its_character(formula: str, position: int, what: str) -> None:
    with pytest.raises(ValueError, match=rf"character {position} of .*{what}"):
        parse_formula(formula)


# -- one implementation per model ---------------------------------------------------------------


def test_a_random_intercept_is_the_random_intercept_fit() -> None:
    radon = datasets.radon()
    f = _quiet_fit("log_radon ~ floor + (1 | county)", radon, "ML")
    direct = pp.fit_random_intercept(radon, y="log_radon", group="county", x="floor", method="ML")
    assert f.route == "random_intercept"
    np.testing.assert_array_equal(f.fixed.to_numpy(), direct.fixed.to_numpy())
    assert f.sigma_y == direct.sigma_y and f.loglik == direct.loglik
    assert float(f.Sigma["county"].iloc[0, 0]) == direct.sigma_alpha**2
    a = f.ranef["county"]["(Intercept)"]
    np.testing.assert_array_equal(a.to_numpy(), direct.a.reindex(a.index).to_numpy())


def test_random_slopes_alone_are_the_random_slopes_fit() -> None:
    sleep = datasets.sleepstudy()
    f = _quiet_fit("Reaction ~ Days + (Days | Subject)", sleep)
    direct = pp.fit_random_slopes(sleep, y="Reaction", group="Subject", x="Days")
    assert f.route == "random_slopes"
    np.testing.assert_array_equal(f.fixed.to_numpy(), direct.fixed.to_numpy())
    np.testing.assert_array_equal(f.Sigma["Subject"].to_numpy(), direct.cov.to_numpy())
    assert f.loglik == direct.loglik


@pytest.mark.parametrize(
    ("formula", "data", "method"),
    [
        ("log_radon ~ floor + (1 | county)", "radon", "REML"),
        ("Reaction ~ Days + (Days | Subject)", "sleepstudy", "ML"),
    ],
)
def test_the_one_factor_routes_agree_with_fit_mixed(formula: str, data: str, method: str) -> None:
    """Two implementations of one model: the same optimum (rtol 1e-8 on the fixed effects,
    1e-6 on the variance components) and the same prediction errors."""
    frame = datasets.load(data)
    f = _quiet_fit(formula, frame, method)
    term = f._terms[0]
    X = np.asarray(f._fixed_spec.get_model_matrix(frame), dtype=float)
    m = fit_mixed(
        y=frame[f.parsed.response].to_numpy(float),
        X=X,
        X_names=list(f.fixed.index),
        terms=[term.random_term()],
        method=method,  # type: ignore[arg-type]
    )
    np.testing.assert_allclose(f.fixed.to_numpy(), m.beta.to_numpy(), rtol=1e-8)
    label = m.labels[0]
    np.testing.assert_allclose(f.Sigma[term.part.group], m.Sigma[label], rtol=1e-6)
    assert f.loglik == pytest.approx(m.loglik, rel=1e-12, abs=1e-9)
    group = term.part.factors[0]
    new = pd.concat([frame.iloc[[0, 1, 50]], frame.iloc[[3]].assign(**{group: "unseen"})])
    mine = f.predict(new)
    codes = term.levels.get_indexer(pd.Index(new[group]))
    Z = np.asarray(term.spec.get_model_matrix(new), dtype=float)
    other = m.predict(X=np.asarray(f._fixed_spec.get_model_matrix(new)), codes=[codes], Z=[Z])
    np.testing.assert_allclose(mine["point"], other.mean, rtol=1e-7)
    np.testing.assert_allclose(mine["se_mean"], other.se_mean, rtol=1e-6)
    assert list(mine["new_levels"]) == [0, 0, 0, 1]


def test_crossed_terms_are_fit_mixed() -> None:
    pen = datasets.penicillin()
    f = _quiet_fit("diameter ~ 1 + (1 | plate) + (1 | sample)", pen)
    terms = [
        RandomTerm(
            group=g,
            levels=pd.Index(sorted(pen[g].unique())),
            codes=pd.Index(sorted(pen[g].unique())).get_indexer(pen[g]).astype(np.int64),
            Z=np.ones((len(pen), 1)),
            names=("(Intercept)",),
        )
        for g in ("plate", "sample")
    ]
    m = fit_mixed(
        y=pen["diameter"].to_numpy(float), X=np.ones((len(pen), 1)), X_names=["(I)"], terms=terms
    )
    assert f.route == "mixed"
    assert f.loglik == m.loglik
    np.testing.assert_array_equal(f.fixed.to_numpy(), m.beta.to_numpy())


@pytest.mark.parametrize(
    ("name", "formula", "method"),
    [
        ("penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", "REML"),
        ("pastes", "strength ~ 1 + (1 | batch/cask)", "REML"),
        ("pastes", "strength ~ 1 + (1 | batch) + (1 | batch:cask)", "ML"),
        ("orthodont", "distance ~ age + Sex + (age | Subject)", "REML"),
        ("orthodont", "distance ~ age + C(Sex) + (1 + age | Subject)", "ML"),
    ],
)
def test_formulas_reach_lme4s_tight_optimum(name: str, formula: str, method: str) -> None:
    ref = LME4[name][method]
    f = _quiet_fit(formula, datasets.load(name), method)
    assert -2 * f.loglik <= ref["tight_deviance"] + 1e-7
    assert f.loglik == pytest.approx(-0.5 * ref["tight_deviance"], abs=1e-6)
    assert f.sigma_y == pytest.approx(ref["at_tight"]["sigma"], rel=1e-5)


# -- prediction ---------------------------------------------------------------------------------


def test_penicillin_predictions_agree_with_lme4() -> None:
    f = _quiet_fit("diameter ~ 1 + (1 | plate) + (1 | sample)", datasets.penicillin())
    new = pd.DataFrame(PREDICT["newdata"])
    p = f.predict(new, level=0.9)
    np.testing.assert_allclose(p["point"], PREDICT["point"], rtol=1e-6)
    # lme4's optimum differs from ours in the 6th digit of the variance components
    np.testing.assert_allclose(p["se_mean"], PREDICT["se_mean"], rtol=1e-4)
    np.testing.assert_allclose(p["se_obs"], PREDICT["se_obs"], rtol=1e-4)
    assert list(p["new_levels"]) == [0, 0, 1, 1, 2, 0]
    half = 1.6448536269514722 * p["se_obs"]
    np.testing.assert_allclose(p["upper"] - p["point"], half, rtol=1e-12)


def test_new_data_get_the_same_transformations_and_factor_levels() -> None:
    rng = np.random.default_rng(1)
    n = 120
    data = pd.DataFrame(
        {
            "x": rng.uniform(1, 3, n),
            "f": rng.choice(["lo", "mid", "hi"], n),
            "g": rng.choice(list("abcdefgh"), n),
        }
    )
    data["y"] = np.log(data["x"]) + (data["f"] == "hi") + rng.normal(size=n)
    f = _quiet_fit("y ~ I(x**2) + np.log(x) + C(f) + (1 | g)", data)
    new = data.iloc[:7].copy()
    new["f"] = ["mid"] * 7  # one level only: the columns must still be those of the fit
    p = f.predict(new)
    b = f.fixed
    a = f.ranef["g"]["(Intercept)"]
    by_hand = (
        b["(Intercept)"]
        + b["I(x ** 2)"] * new["x"] ** 2
        + b["np.log(x)"] * np.log(new["x"])
        + b["C(f)[T.mid]"]
        + a.reindex(new["g"]).to_numpy()
    )
    np.testing.assert_allclose(p["point"], by_hand, rtol=1e-12)
    with pytest.raises(ValueError, match=r"column 'f' has the level 'top'.*not in the fitted"):
        f.predict(new.assign(f="top"))


# -- singular fits ------------------------------------------------------------------------------


def test_a_singular_fit_warns_and_says_so_in_the_summary() -> None:
    with pytest.warns(SingularFitWarning, match="boundary \\(singular\\) fit"):
        f = fit("yield ~ nitro + (nitro | Block)", datasets.oats())
    assert f.singular and f.singular_terms == ("Block",)
    assert LME4["oats"]["REML"]["singular"]
    assert "boundary (singular) fit" in f.summary()
    assert "boundary (singular) fit" in f.summary().html()


def test_a_regular_fit_is_silent_and_its_summary_is_lme4s() -> None:
    f = _quiet_fit("diameter ~ 1 + (1 | plate) + (1 | sample)", datasets.penicillin())
    assert not f.singular
    text = f.summary()
    assert "singular" not in text
    for needle in ("plate (Intercept)", "sample (Intercept)", "Residual", "REML log-likelihood"):
        assert needle in text
    assert f"{f.loglik:.4f}" in text
    table = f.variance
    ref = LME4["penicillin"]["REML"]["at_tight"]["sigma"]
    assert float(table.loc[table.group == "Residual", "sd"].iloc[0]) == pytest.approx(ref, rel=1e-5)


# -- bad input ----------------------------------------------------------------------------------


def test_an_unknown_column_names_the_nearest() -> None:
    with pytest.raises(ValueError, match=r"unknown column 'Dayz'.*did you mean 'Days'"):
        fit("Reaction ~ Dayz + (1 | Subject)", datasets.sleepstudy())
    with pytest.raises(ValueError, match=r"unknown column 'subject' in the term.*'Subject'"):
        fit("Reaction ~ Days + (1 | subject)", datasets.sleepstudy())


def test_a_factor_with_one_level_is_refused_naming_the_term() -> None:
    data = datasets.dyestuff().assign(one="x")
    with pytest.raises(ValueError, match="grouping factor 'one' of the term \\(1 \\| one\\)"):
        fit("Yield ~ 1 + (1 | Batch) + (1 | one)", data)


def test_a_slope_constant_within_every_group_is_refused_naming_the_term() -> None:
    data = datasets.orthodont()
    with pytest.raises(ValueError, match=r"term \(Sex \| Subject\).*'Sex\[T.Male\]'.*constant"):
        fit("distance ~ age + (Sex | Subject)", data)


def test_a_missing_value_names_the_column() -> None:
    data = datasets.sleepstudy()
    data.loc[3, "Days"] = np.nan
    with pytest.raises(
        ValueError, match=r"column 'Days' has 1 missing value\(s\), in row\(s\) \[3\]"
    ):
        fit("Reaction ~ Days + (Days | Subject)", data)


def test_a_formula_without_a_random_term_is_refused() -> None:
    with pytest.raises(ValueError, match="no random term"):
        fit("Reaction ~ Days", datasets.sleepstudy())


@pytest.mark.parametrize("method", ["OLS", "REML ", "", None])
def test_a_method_other_than_ml_or_reml_is_refused_naming_it(method: object) -> None:
    with pytest.raises(ValueError, match="method must be 'ML' or 'REML'"):
        fit("Yield ~ 1 + (1 | Batch)", datasets.dyestuff(), method=method)  # type: ignore[arg-type]


def test_data_that_is_not_a_frame_or_is_empty_is_refused() -> None:
    with pytest.raises(ValueError, match="data must be a pandas DataFrame, got dict"):
        fit("Yield ~ 1 + (1 | Batch)", {"Yield": [1.0]})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        fit("Yield ~ 1 + (1 | Batch)", datasets.dyestuff().iloc[:0])


def test_a_nested_term_has_lme4s_name_levels_and_modes() -> None:
    f = _quiet_fit("strength ~ 1 + (1 | batch/cask)", datasets.pastes())
    ref = LME4["pastes"]["REML"]["ranef"]
    assert sorted(f.ranef) == sorted(ref)
    for label, table in ref.items():
        mine = f.ranef[label].reindex(table["levels"])
        assert not mine.isna().any().any()  # the same level labels
        np.testing.assert_allclose(
            mine.to_numpy(), np.asarray(table["values"]), atol=1e-5 * np.abs(table["values"]).max()
        )


def test_two_terms_that_group_the_rows_identically_are_refused_naming_both() -> None:
    data = datasets.orthodont()
    with pytest.raises(ValueError, match=r"\(1 \| Subject:Sex\) and \(1 \| Subject\) group"):
        fit("distance ~ age + (1 | Subject:Sex) + (1 | Subject)", data)
    # crossed factors that do not coincide fit
    assert _quiet_fit("diameter ~ 1 + (1 | plate) + (1 | sample)", datasets.penicillin())
