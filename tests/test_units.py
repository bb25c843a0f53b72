"""The same fit in any units: every fitter is equivariant under affine maps of y and x.

For $y' = a y + b$ and $x'_k = c_k x_k + d_k$ the model is the same model, so a fit of the mapped
data must be the fit of the original data mapped: $\\beta'_k = a\\beta_k/c_k$,
$\\sigma' = |a|\\sigma$, $\\lambda'_j = \\lambda_j$, every intercept
$\\alpha' = a\\alpha + b - \\sum_k \\beta'_k d_k$, and the log-likelihood shifts by the Jacobian:
$-N\\log|a|$ for ML, $-(N-k)\\log|a| - \\sum_k\\log|c_k|$ for REML (the REML criterion contains
$\\log|X'V^{-1}X|$, which changes with the units of $x$).

Each comparison is relative (1e-8) to the size of the terms of the map: a quantity in shifted
coordinates (an intercept at $x' = 0$ when the data sit at $x' = 10^6$) cannot be more exact than
its largest term. The maps are random (hypothesis) over 140 decades of scale for each column
and shifts of up to $10^4$ spreads, whose own rounding of the data stays below 1e-11; the
reproducers of the issue (sleepstudy's Days + 2000, * 1000, + 1e6, * 2**-30, Reaction in
seconds + 1e5) use maps that are exact in floating point.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partial_pooling import (
    complete_pooling,
    datasets,
    decompose_beta,
    fit_random_intercept,
    fit_random_slopes,
    group_ols,
    no_pooling,
    profile_loglik,
)
from partial_pooling.fits import PoolingFit, RandomSlopesFit

RTOL = 1e-8
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@dataclass(frozen=True)
class Map:
    """$y' = a y + b$, $x'_k = c_k x_k + d_k$."""

    a: float
    b: float
    c: np.ndarray
    d: np.ndarray

    def apply(self, data: pd.DataFrame, x: list[str]) -> pd.DataFrame:
        out = data.copy()
        out["y"] = self.a * data["y"] + self.b
        for k, name in enumerate(x):
            out[name] = self.c[k] * data[name] + self.d[k]
        return out

    def beta(self, beta: np.ndarray) -> np.ndarray:
        return self.a * beta / self.c

    def intercept(self, alpha: np.ndarray | float, beta: np.ndarray) -> tuple[np.ndarray, float]:
        """The intercept at x' = 0 from one at x = 0, and the size of the terms of the map."""
        shift = float(self.beta(beta) @ self.d)
        mapped = self.a * np.asarray(alpha) + self.b - shift
        size = (
            abs(self.a) * np.abs(alpha)
            + abs(self.b)
            + float(np.abs(self.beta(beta) * self.d).sum())
        )
        return mapped, size

    def ml_shift(self, N: int) -> float:
        return -N * np.log(abs(self.a))

    def reml_shift(self, N: int) -> float:
        k = self.c.size + 1
        return -(N - k) * np.log(abs(self.a)) - float(np.log(np.abs(self.c)).sum())


def close(actual, expected, size=None, what=""):
    """|actual - expected| <= RTOL * size, where size defaults to |expected|."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    size = np.abs(expected) if size is None else np.asarray(size, dtype=float)
    err = np.abs(actual - expected)
    bad = err > RTOL * size + 1e-300
    assert not bad.any(), (
        f"{what}: largest relative error {np.max(err / np.maximum(size, 1e-300)):.3g}"
    )


def check_pooling_fit(fit: PoolingFit, mapped: PoolingFit, m: Map, shift: float) -> None:
    beta = fit.beta.to_numpy()
    close(mapped.beta.to_numpy(), m.beta(beta), np.abs(m.beta(beta)) + 1e-300, "beta")
    scale_y = abs(m.a)
    close(mapped.sigma_y, scale_y * fit.sigma_y, what="sigma_y")
    if np.isfinite(fit.sigma_alpha):
        # at the boundary both are 0; else relative to sigma_y as well (sigma_alpha may be tiny)
        close(
            mapped.sigma_alpha,
            scale_y * fit.sigma_alpha,
            scale_y * (fit.sigma_alpha + 1e-6 * fit.sigma_y),
            "sigma_alpha",
        )
    else:
        assert np.isinf(mapped.sigma_alpha)
    close(mapped.loglik, fit.loglik + shift, abs(fit.loglik) + abs(shift), "loglik")
    close(mapped.shrinkage.to_numpy(), fit.shrinkage.to_numpy(), np.ones(fit.J) * 1e-2, "lambda")
    alpha, size = m.intercept(fit.alpha.to_numpy(), beta)
    close(mapped.alpha.to_numpy(), alpha, size, "alpha_j")
    mu, size = m.intercept(fit.mu, beta)
    close(mapped.mu, mu, size, "mu")
    # the group deviations a_j = alpha_j - mu carry no shift
    close(
        mapped.a.to_numpy(), m.a * fit.a.to_numpy(), abs(m.a) * (np.abs(fit.a) + fit.sigma_y), "a_j"
    )


def check_slopes_fit(fit: RandomSlopesFit, mapped: RandomSlopesFit, m: Map) -> None:
    c, d = float(m.c[0]), float(m.d[0])
    Tinv = np.array([[1.0, -d / c], [0.0, 1.0 / c]])
    Sigma = fit.cov.to_numpy()
    expected = m.a**2 * Tinv @ Sigma @ Tinv.T
    size = m.a**2 * np.abs(Tinv) @ np.abs(Sigma) @ np.abs(Tinv).T
    close(mapped.cov.to_numpy(), expected, size, "Sigma")
    close(mapped.sigma_y, abs(m.a) * fit.sigma_y, what="sigma_y")
    shift = m.reml_shift(int(fit.n.sum())) if fit.method == "REML" else m.ml_shift(int(fit.n.sum()))
    close(mapped.loglik, fit.loglik + shift, abs(fit.loglik) + abs(shift), "loglik")
    for got, ref in [
        (mapped.fixed.to_numpy(), fit.fixed.to_numpy()),
        (mapped.coef.to_numpy(), fit.coef.to_numpy()),
    ]:
        ref = np.atleast_2d(ref)
        icpt = m.a * (ref[:, 0] - ref[:, 1] * d / c) + m.b
        icpt_size = abs(m.a) * (np.abs(ref[:, 0]) + np.abs(ref[:, 1] * d / c)) + abs(m.b)
        close(np.atleast_2d(got)[:, 0], icpt, icpt_size, "intercepts")
        close(np.atleast_2d(got)[:, 1], m.a * ref[:, 1] / c, np.abs(m.a * ref[:, 1] / c), "slopes")


# ---------------------------------------------------------------------------------------------
# Random designs and random maps


@st.composite
def designs(draw, slopes: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    J = draw(st.integers(4, 10) if slopes else st.integers(2, 12), label="J")
    lo = 4 if slopes else 1
    n = np.array(draw(st.lists(st.integers(lo, 12), min_size=J, max_size=J), label="n"))
    n[0] = max(n[0], 3)
    n[1] = max(n[1], 3)  # at least N - J - 2 >= 2 within-group degrees of freedom
    g = np.repeat(np.arange(J), n)
    N = g.size
    x = rng.normal(size=N) + rng.normal(0, draw(st.floats(0, 2), label="x_between"), J)[g]
    x2 = rng.normal(size=N)
    a0 = rng.normal(0, draw(st.floats(0.2, 3), label="sigma_alpha"), J)
    a1 = rng.normal(0, 0.5, J) if slopes else np.zeros(J)
    y = 1.0 + a0[g] + (0.7 + a1[g]) * x - 0.4 * x2 + rng.normal(0, 1.0, N)
    return pd.DataFrame({"y": y, "x": x, "x2": x2, "g": [f"g{j:02d}" for j in g]})


def scales():
    return st.builds(
        lambda sign, mant, exp: sign * mant * 10.0**exp,
        st.sampled_from([-1.0, 1.0]),
        st.floats(1.0, 9.99),
        st.integers(-70, 70),
    )


@st.composite
def maps(draw, data: pd.DataFrame, x: list[str]) -> Map:
    a = draw(scales(), label="a")
    # the shift, in spreads of the mapped column: up to 1e4 (its rounding stays below 1e-11)
    b = draw(st.floats(-1e4, 1e4), label="b / spread") * abs(a) * float(data["y"].std())
    c = np.array([draw(scales(), label=f"c_{k}") for k in x])
    d = np.array(
        [
            draw(st.floats(-1e4, 1e4), label=f"d_{k}") * abs(c[i]) * float(data[k].std())
            for i, k in enumerate(x)
        ]
    )
    return Map(a, b, c, d)


X_SETS = [["x"], ["x", "x2"]]


# partial pooling by REML and ML, complete and no pooling (whose likelihood is the ML one)
FITTERS = {
    "REML": (functools.partial(fit_random_intercept, method="REML"), "REML"),
    "ML": (functools.partial(fit_random_intercept, method="ML"), "ML"),
    "complete": (complete_pooling, "ML"),
    "none": (no_pooling, "ML"),
}


@pytest.mark.parametrize("fitter", FITTERS)
@pytest.mark.parametrize("x", X_SETS, ids=["one_x", "two_x"])
@SETTINGS
@given(data=st.data())
def test_random_intercept_fit_is_the_same_in_any_units(data, x, fitter):
    fit_with, likelihood = FITTERS[fitter]
    frame = data.draw(designs())
    m = data.draw(maps(frame, x))
    fit = fit_with(frame, y="y", group="g", x=x)
    mapped = fit_with(m.apply(frame, x), y="y", group="g", x=x)
    shift = m.reml_shift(fit.N) if likelihood == "REML" else m.ml_shift(fit.N)
    check_pooling_fit(fit, mapped, m, shift)
    assert mapped.at_boundary == fit.at_boundary


@SETTINGS
@given(data=st.data())
def test_decompose_beta_is_the_same_in_any_units(data):
    frame = data.draw(designs())
    m = data.draw(maps(frame, ["x"]))
    sa = data.draw(st.sampled_from([0.0, 0.3, 1.0, 10.0, np.inf]), label="sigma_alpha")
    ref = decompose_beta(frame, y="y", group="g", x="x", sigma_alpha=sa, sigma_y=1.0)
    got = decompose_beta(
        m.apply(frame, ["x"]), y="y", group="g", x="x", sigma_alpha=abs(m.a) * sa, sigma_y=abs(m.a)
    )
    unit = m.a / m.c[0]
    for name in ("within", "gls"):
        close(getattr(got, name), unit * getattr(ref, name), what=name)
    if np.isfinite(ref.between):
        close(got.between, unit * ref.between, what="between")
    close(got.weight, ref.weight, what="weight")
    close(got.S_xx_within, m.c[0] ** 2 * ref.S_xx_within, what="S_xx_within")
    close(got.S_xx_between, m.c[0] ** 2 * ref.S_xx_between, what="S_xx_between")


@SETTINGS
@given(data=st.data())
def test_group_ols_is_the_same_in_any_units(data):
    frame = data.draw(designs())
    m = data.draw(maps(frame, ["x"]))
    ref = group_ols(frame, y="y", group="g", x="x").to_numpy()
    got = group_ols(m.apply(frame, ["x"]), y="y", group="g", x="x").to_numpy()
    c, d = float(m.c[0]), float(m.d[0])
    close(got[:, 1], m.a * ref[:, 1] / c, np.abs(m.a * ref[:, 1] / c), "slopes")
    icpt = m.a * (ref[:, 0] - ref[:, 1] * d / c) + m.b
    size = abs(m.a) * (np.abs(ref[:, 0]) + np.abs(ref[:, 1] * d / c)) + abs(m.b)
    close(got[:, 0], icpt, size, "intercepts")


@pytest.mark.parametrize("method", ["REML", "ML"])
@settings(max_examples=10, deadline=None, derandomize=True)
@given(data=st.data())
def test_random_slopes_fit_is_the_same_in_any_units(data, method):
    frame = data.draw(designs(slopes=True))
    m = data.draw(maps(frame, ["x"]))
    fit = fit_random_slopes(frame, y="y", group="g", x="x", method=method)
    mapped = fit_random_slopes(m.apply(frame, ["x"]), y="y", group="g", x="x", method=method)
    check_slopes_fit(fit, mapped, m)


@SETTINGS
@given(data=st.data())
def test_profile_loglik_shifts_by_the_jacobian_in_any_units(data):
    frame = data.draw(designs())
    m = data.draw(maps(frame, ["x"]))
    psi = [0.0, 0.1, 1.0, 10.0]
    for method, shift in [("ML", m.ml_shift(len(frame))), ("REML", m.reml_shift(len(frame)))]:
        ref = profile_loglik(frame, y="y", group="g", x="x", psi=psi, method=method).to_numpy()
        got = profile_loglik(m.apply(frame, ["x"]), y="y", group="g", x="x", psi=psi, method=method)
        close(got.to_numpy(), ref + shift, np.abs(ref) + abs(shift), method)


# ---------------------------------------------------------------------------------------------
# The reproducers of the issue: sleepstudy in other units of Days (maps exact in doubles)

SLEEP_MAPS = {
    "Days + 2000": Map(1.0, 0.0, np.array([1.0]), np.array([2000.0])),
    "Days * 1000": Map(1.0, 0.0, np.array([1000.0]), np.array([0.0])),
    "Days + 1e6": Map(1.0, 0.0, np.array([1.0]), np.array([1e6])),
    "Days * 2**-30": Map(1.0, 0.0, np.array([2.0**-30]), np.array([0.0])),
    "Reaction in seconds, + 1e5": Map(1e-3, 1e5, np.array([1.0]), np.array([0.0])),
}


def _sleep() -> pd.DataFrame:
    return datasets.sleepstudy().rename(columns={"Reaction": "y"})


@pytest.mark.parametrize("name", list(SLEEP_MAPS))
def test_sleepstudy_random_slopes_are_the_same_in_other_units_of_days(name):
    m = SLEEP_MAPS[name]
    data = _sleep()
    fit = fit_random_slopes(data, y="y", group="Subject", x="Days")
    # lme4's published optimum, as the original-units fit reproduces it
    assert fit.loglik == pytest.approx(-871.8141, abs=5e-5)
    mapped = fit_random_slopes(m.apply(data, ["Days"]), y="y", group="Subject", x="Days")
    check_slopes_fit(fit, mapped, m)


@pytest.mark.parametrize("name", list(SLEEP_MAPS))
@pytest.mark.parametrize("method", ["REML", "ML"])
def test_sleepstudy_random_intercept_is_the_same_in_other_units_of_days(name, method):
    m = SLEEP_MAPS[name]
    data = _sleep()
    fit = fit_random_intercept(data, y="y", group="Subject", x="Days", method=method)
    mapped = fit_random_intercept(
        m.apply(data, ["Days"]), y="y", group="Subject", x="Days", method=method
    )
    shift = m.reml_shift(fit.N) if method == "REML" else m.ml_shift(fit.N)
    check_pooling_fit(fit, mapped, m, shift)


def test_spreads_of_1e140_fit_like_the_original():
    m = Map(1e140, 0.0, np.array([1e-5]), np.array([0.0]))
    data = _sleep()
    fit = fit_random_intercept(data, y="y", group="Subject", x="Days")
    mapped = fit_random_intercept(m.apply(data, ["Days"]), y="y", group="Subject", x="Days")
    check_pooling_fit(fit, mapped, m, m.reml_shift(fit.N))


@pytest.mark.parametrize(
    ("y_factor", "x_factor", "match"),
    [
        (1e300, 1.0, r"response column 'y' has a spread .*e\+30[0-9].*rescale"),
        (1e-300, 1.0, r"response column 'y' has a spread .*e-29.*rescale"),
        (1.0, 1e-200, r"covariate 'Days' has a spread .*rescale"),
    ],
)
def test_spreads_whose_variances_leave_the_doubles_are_refused_naming_the_column(
    y_factor, x_factor, match
):
    data = _sleep().assign(y=lambda d: d["y"] * y_factor, Days=lambda d: d["Days"] * x_factor)
    with pytest.raises(ValueError, match=match):
        fit_random_intercept(data, y="y", group="Subject", x="Days")


@pytest.mark.parametrize("method", ["REML", "ML"])
@settings(max_examples=8, deadline=None, derandomize=True)
@given(data=st.data())
def test_two_random_slopes_are_the_same_in_any_units(data, method):
    frame = data.draw(designs(slopes=True)).assign(x2=lambda d: d["x2"] + d["x"] ** 2)
    x = ["x", "x2"]
    m = data.draw(maps(frame, x))
    fit = fit_random_slopes(frame, y="y", group="g", x=x, method=method)
    mapped = fit_random_slopes(m.apply(frame, x), y="y", group="g", x=x, method=method)
    # (a0, a_k) in the mapped units: a0' = a (a0 - sum_k a_k d_k / c_k), a_k' = a a_k / c_k
    Tinv = np.eye(3)
    Tinv[0, 1:] = -m.d / m.c
    Tinv[1:, 1:] = np.diag(1.0 / m.c)
    Sigma = fit.cov.to_numpy()
    size = m.a**2 * np.abs(Tinv) @ np.abs(Sigma) @ np.abs(Tinv).T
    close(mapped.cov.to_numpy(), m.a**2 * Tinv @ Sigma @ Tinv.T, size, "Sigma")
    N = int(fit.n.sum())
    shift = m.reml_shift(N) if method == "REML" else m.ml_shift(N)
    close(mapped.loglik, fit.loglik + shift, abs(fit.loglik) + abs(shift), "loglik")
    coef = fit.coef.to_numpy()
    expected = m.a * coef @ Tinv.T
    expected[:, 0] += m.b
    size = abs(m.a) * np.abs(coef) @ np.abs(Tinv).T + abs(m.b)
    close(mapped.coef.to_numpy(), expected, size, "coefficients")
