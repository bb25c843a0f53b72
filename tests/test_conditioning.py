"""Nearly collinear covariates: accurate to 1e-8 up to a condition number of 1e8, refused beyond.

The reference is the exact GLS solution of the same double-precision data, computed by mpmath at
60 significant digits from the model's definition (the normal equations, harmless at that
precision). The condition number is that of the centred covariates scaled to unit spread, the
one `partial_pooling.grouped.group_data` checks; designs are built with
$x_2 = x_1 + \\delta z$ so that it is about $2.9/\\delta$.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pandas as pd
import pytest

from partial_pooling import complete_pooling, fit_random_intercept, no_pooling

mp.mp.dps = 60
RTOL = 1e-8


def nearly_collinear(cond: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    J, n = 25, 6
    g = np.repeat(np.arange(J), n)
    N = g.size
    x1 = rng.normal(size=N) + rng.normal(0, 1, J)[g]
    x2 = x1 + (2.9 / cond) * rng.normal(size=N)
    x3 = rng.normal(size=N)  # an unrelated covariate
    y = 1 + x1 - 0.5 * x2 + 0.3 * x3 + rng.normal(0, 0.7, J)[g] + rng.normal(size=N)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "x3": x3, "g": [f"g{j}" for j in g]})


def condition(data: pd.DataFrame, names: list[str]) -> float:
    x = data[names].to_numpy()
    x = x - x.mean(axis=0)
    return float(np.linalg.cond(x / np.sqrt((x**2).mean(axis=0))))


def mp_gls(data: pd.DataFrame, names: list[str], psi: float, *, within: bool = False):
    """(mu, beta) of GLS at psi (or the within estimator's beta), at 60 digits."""
    cols = [[mp.mpf(float(v)) for v in data[name]] for name in names]
    X = [([] if within else [mp.mpf(1)]) + [c[i] for c in cols] for i in range(len(data))]
    y = [mp.mpf(float(v)) for v in data["y"]]
    k = len(X[0])
    A = mp.matrix(k, k)
    r = mp.matrix(k, 1)
    groups: dict[str, list[int]] = {}
    for i, label in enumerate(data["g"]):
        groups.setdefault(label, []).append(i)
    for rows in groups.values():
        n = len(rows)
        c = mp.mpf(1) / n if within else mp.mpf(psi) / (1 + n * mp.mpf(psi))
        sx = [mp.fsum(X[i][a] for i in rows) for a in range(k)]
        sy = mp.fsum(y[i] for i in rows)
        for a in range(k):
            r[a] += mp.fsum(X[i][a] * y[i] for i in rows) - c * sx[a] * sy
            for b in range(k):
                A[a, b] += mp.fsum(X[i][a] * X[i][b] for i in rows) - c * sx[a] * sx[b]
    return np.array([float(v) for v in mp.lu_solve(A, r)])


CONDITIONS = [1e2, 1e5, 1e7, 9e7]
NAMES = ["x1", "x2", "x3"]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("cond", CONDITIONS, ids=lambda c: f"cond{c:.0e}")
def test_design_has_the_condition_number_it_is_built_for(cond, seed):
    assert condition(nearly_collinear(cond, seed), NAMES) == pytest.approx(cond, rel=0.3)


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("cond", CONDITIONS, ids=lambda c: f"cond{c:.0e}")
def test_random_intercept_coefficients_match_60_digit_gls(cond, seed, method):
    data = nearly_collinear(cond, seed)
    fit = fit_random_intercept(data, y="y", group="g", x=NAMES, method=method)
    ref = mp_gls(data, NAMES, fit.psi)
    np.testing.assert_allclose(fit.fixed.to_numpy(), ref, rtol=RTOL)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("cond", CONDITIONS, ids=lambda c: f"cond{c:.0e}")
def test_complete_pooling_coefficients_match_60_digit_least_squares(cond, seed):
    data = nearly_collinear(cond, seed)
    fit = complete_pooling(data, y="y", group="g", x=NAMES)
    np.testing.assert_allclose(fit.fixed.to_numpy(), mp_gls(data, NAMES, 0.0), rtol=RTOL)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("cond", CONDITIONS, ids=lambda c: f"cond{c:.0e}")
def test_no_pooling_slopes_match_60_digit_within_estimator(cond, seed):
    data = nearly_collinear(cond, seed)
    fit = no_pooling(data, y="y", group="g", x=NAMES)
    ref = mp_gls(data, NAMES, 0.0, within=True)
    np.testing.assert_allclose(fit.beta.to_numpy(), ref, rtol=RTOL)


@pytest.mark.parametrize("fitter", [fit_random_intercept, complete_pooling, no_pooling])
@pytest.mark.parametrize("cond", [1e9, 1e12])
def test_beyond_1e8_the_fit_is_refused_naming_only_the_collinear_columns(fitter, cond):
    data = nearly_collinear(cond, 0)
    with pytest.raises(ValueError, match=r"\['x1', 'x2'\] are \(nearly\) collinear") as err:
        fitter(data, y="y", group="g", x=NAMES)
    assert "x3" not in str(err.value)
    assert "condition number" in str(err.value)


def test_an_exact_linear_combination_of_three_names_all_three():
    data = nearly_collinear(1e2, 0).assign(x4=lambda d: 2 * d["x1"] - d["x3"] + 1)
    with pytest.raises(ValueError, match=r"\['x1', 'x3', 'x4'\] are \(nearly\) collinear"):
        fit_random_intercept(data, y="y", group="g", x=["x1", "x3", "x4"])


def test_covariates_collinear_only_within_groups_fit_partial_but_not_no_pooling():
    # x2 differs from x1 by a group-level amount: fine for partial pooling, which also uses the
    # group means; the within estimator sees two identical columns
    data = nearly_collinear(1e2, 0)
    shift = {label: k * 0.37 for k, label in enumerate(sorted(data["g"].unique()))}
    data = data.assign(x2=data["x1"] + data["g"].map(shift))
    assert np.isfinite(fit_random_intercept(data, y="y", group="g", x=["x1", "x2"]).beta).all()
    with pytest.raises(ValueError, match=r"\['x1', 'x2'\] are \(nearly\) collinear within"):
        no_pooling(data, y="y", group="g", x=["x1", "x2"])
