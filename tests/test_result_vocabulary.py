"""One vocabulary across the result objects: `PoolingFit` and `RandomSlopesFit`.

The random-intercept fit (radon) and the random-slopes fit (sleepstudy) answer to the same names
with the same types and shapes, and those names mean what they say: every check below is
written once, against the shared names only, and run on both fits. The values are compared
with independent computations: the model written out as dense matrices from its definition
($V = \\sigma_y^2 I + Z(I_J \\otimes \\Sigma)Z'$, with $\\Sigma = \\sigma_\\alpha^2$ for a random
intercept), pandas' own group counts, and statsmodels' MixedLM fitted tightly.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from typing import get_args

import numpy as np
import pandas as pd
import pytest
from reference import sm_mixed

import partial_pooling as pp
from partial_pooling.estimation import FitMethod, Pooling
from partial_pooling.likelihood import Method

#: name -> type, for every name the two results share
SHARED: dict[str, type | tuple[type, ...]] = {
    "fixed": pd.Series,
    "se_fixed": pd.Series,
    "cov_fixed": pd.DataFrame,
    "mu": float,
    "beta": pd.Series,
    "se_mu": float,
    "se_beta": pd.Series,
    "alpha": pd.Series,
    "a": pd.Series,
    "coef": pd.DataFrame,
    "ranef": pd.DataFrame,
    "sigma_alpha": float,
    "sigma_y": float,
    "loglik": float,
    "n": pd.Series,
    "N": int,
    "J": int,
    "y_name": str,
    "group_name": str,
    "x_names": list,
    "method": str,
    "pooling": str,
}

FITS = {
    "random intercept (radon)": ("radon", "log_radon", "county", ["floor"]),
    "random slopes (sleepstudy)": ("sleepstudy", "Reaction", "Subject", ["Days"]),
}


@pytest.fixture(scope="module", params=list(FITS))
def case(request):
    name, y, group, x = FITS[request.param]
    data = getattr(pp.datasets, name)()
    if "slopes" in request.param:
        fit = pp.fit_random_slopes(data, y=y, group=group, x=x, method="REML")
    else:
        fit = pp.fit_random_intercept(data, y=y, group=group, x=x, method="REML")
    return data, fit


def random_columns(fit) -> list[str]:
    """The columns that vary by group: the intercept, and the slopes of a random-slopes fit."""
    return list(fit.ranef.columns)


def dense(data: pd.DataFrame, fit):
    """GLS and the conditional modes at the fit's variance components, from dense matrices.

    Built from the fit's own ``y_name``, ``group_name``, ``x_names``, ``sigma_y`` and
    $\\Sigma$ (``sigma_alpha`` squared for a random intercept, ``cov`` for random slopes).
    """
    labels = list(fit.n.index)
    X = np.column_stack([np.ones(len(data)), data[fit.x_names].to_numpy(float)])
    y = data[fit.y_name].to_numpy(float)
    member = (data[fit.group_name].to_numpy()[:, None] == np.array(labels)[None, :]).astype(float)
    random = random_columns(fit)
    Xr = X[:, [["Intercept", *fit.x_names].index(c) for c in random]]  # [1] or [1, x]
    q = len(random)
    Z = (member[:, :, None] * Xr[:, None, :]).reshape(len(data), len(labels) * q)
    Sigma = np.atleast_2d(fit.cov.to_numpy() if q > 1 else fit.sigma_alpha**2)
    G = np.kron(np.eye(len(labels)), Sigma)
    V = fit.sigma_y**2 * np.eye(len(data)) + Z @ G @ Z.T
    Vi = np.linalg.inv(V)
    cov = np.linalg.inv(X.T @ Vi @ X)
    b = cov @ X.T @ Vi @ y
    r = y - X @ b
    modes = (G @ Z.T @ Vi @ r).reshape(len(labels), q)
    N, k = X.shape
    reml = -0.5 * (
        (N - k) * np.log(2 * np.pi)
        + np.linalg.slogdet(V)[1]
        + np.linalg.slogdet(X.T @ Vi @ X)[1]
        + r @ Vi @ r
    )
    return b, cov, modes, float(reml)


def test_every_shared_name_exists_with_the_same_type(case):
    _, fit = case
    for name, kind in SHARED.items():
        assert isinstance(getattr(fit, name), kind), name
    assert callable(fit.summary) and isinstance(fit.summary(), str)
    assert fit.method in get_args(Method) and fit.pooling == "partial"


def test_shared_names_have_the_same_shapes_and_labels(case):
    data, fit = case
    fixed_names = ["Intercept", *fit.x_names]
    assert list(fit.fixed.index) == fixed_names
    assert list(fit.se_fixed.index) == fixed_names
    assert list(fit.cov_fixed.index) == list(fit.cov_fixed.columns) == fixed_names
    assert list(fit.beta.index) == list(fit.se_beta.index) == list(fit.x_names)
    labels = sorted(data[fit.group_name].unique())
    for per_group in (fit.alpha, fit.a, fit.n, fit.coef, fit.ranef):
        assert list(per_group.index) == labels
    assert list(fit.coef.columns) == fixed_names
    assert fit.ranef.columns[0] == "Intercept"
    assert set(fit.ranef.columns) <= set(fixed_names)


def test_sizes_are_pandas_group_counts(case):
    data, fit = case
    counts = data.groupby(fit.group_name).size()
    np.testing.assert_array_equal(fit.n.to_numpy(), counts.loc[fit.n.index].to_numpy())
    assert fit.N == len(data) == fit.n.sum() and fit.J == data[fit.group_name].nunique()


def test_the_names_are_views_of_one_another(case):
    _, fit = case
    assert fit.fixed["Intercept"] == fit.mu
    np.testing.assert_array_equal(fit.fixed[fit.x_names].to_numpy(), fit.beta.to_numpy())
    assert fit.se_fixed["Intercept"] == fit.se_mu
    np.testing.assert_array_equal(fit.se_fixed[fit.x_names].to_numpy(), fit.se_beta.to_numpy())
    np.testing.assert_allclose(
        fit.se_fixed.to_numpy(), np.sqrt(np.diag(fit.cov_fixed.to_numpy())), rtol=1e-14
    )
    np.testing.assert_array_equal(fit.coef["Intercept"].to_numpy(), fit.alpha.to_numpy())
    np.testing.assert_array_equal(fit.ranef["Intercept"].to_numpy(), fit.a.to_numpy())
    np.testing.assert_allclose(fit.alpha.to_numpy(), fit.mu + fit.a.to_numpy(), rtol=1e-14)
    # each group's coefficients are the population's plus its deviations
    pooled = fit.fixed[fit.ranef.columns].to_numpy() + fit.ranef.to_numpy()
    np.testing.assert_allclose(fit.coef[fit.ranef.columns].to_numpy(), pooled, rtol=1e-13)
    # a slope that does not vary by group is the common slope in every row
    for x in set(fit.x_names) - set(fit.ranef.columns):
        assert (fit.coef[x] == fit.beta[x]).all()


def test_values_equal_dense_gls_at_the_fits_variance_components(case):
    data, fit = case
    b, cov, modes, reml = dense(data, fit)
    np.testing.assert_allclose(fit.fixed.to_numpy(), b, rtol=1e-8)
    np.testing.assert_allclose(fit.cov_fixed.to_numpy(), cov, rtol=1e-8)
    np.testing.assert_allclose(fit.se_fixed.to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-8)
    scale = np.abs(modes).max()
    np.testing.assert_allclose(fit.ranef.to_numpy(), modes, rtol=1e-8, atol=1e-10 * scale)
    np.testing.assert_allclose(fit.a.to_numpy(), modes[:, 0], rtol=1e-8, atol=1e-10 * scale)
    np.testing.assert_allclose(fit.alpha.to_numpy(), b[0] + modes[:, 0], rtol=1e-8)
    assert fit.loglik == pytest.approx(reml, rel=1e-10)


def test_variance_components_and_fixed_equal_tightly_fitted_statsmodels(case):
    data, fit = case
    random = random_columns(fit)
    re_formula = None if len(random) == 1 else "~" + " + ".join(random[1:])
    sm = sm_mixed(data, fit.y_name, fit.group_name, fit.x_names, True, re_formula)
    # statsmodels read through crosscheck's MixedLMFit, which speaks the same vocabulary
    assert fit.sigma_alpha == pytest.approx(sm.sigma_alpha, rel=1e-6)
    assert fit.sigma_y == pytest.approx(sm.sigma_y, rel=1e-6)
    np.testing.assert_allclose(fit.fixed.to_numpy(), sm.fixed.to_numpy(), rtol=1e-7)
    np.testing.assert_allclose(fit.alpha.to_numpy(), sm.alpha[fit.alpha.index], rtol=1e-6)


def test_random_slopes_sd_and_sigma_alpha_agree():
    fit = pp.fit_random_slopes(pp.datasets.sleepstudy(), y="Reaction", group="Subject", x="Days")
    assert fit.sigma_alpha == fit.sd["Intercept"] == np.sqrt(fit.cov.loc["Intercept", "Intercept"])


def test_the_two_limits_share_the_vocabulary(radon):
    for fit in (
        pp.complete_pooling(radon, y="log_radon", group="county", x="floor"),
        pp.no_pooling(radon, y="log_radon", group="county", x="floor"),
    ):
        for name, kind in SHARED.items():
            assert isinstance(getattr(fit, name), kind), (fit.pooling, name)
        assert (fit.coef["floor"] == fit.beta["floor"]).all()
        np.testing.assert_allclose(fit.alpha - fit.mu, fit.ranef["Intercept"], rtol=1e-14)


@pytest.mark.parametrize(
    "field, bad",
    [("method", "reml"), ("method", "REML "), ("method", "Ml"), ("pooling", "partiall")],
)
def test_pooling_fit_refuses_a_misspelled_method_or_pooling(radon, field, bad):
    fit = pp.fit_random_intercept(radon, y="log_radon", group="county", x="floor")
    with pytest.raises(ValueError, match=f"{field} must be one of.*{re.escape(repr(bad))}"):
        dataclasses.replace(fit, **{field: bad})
    for good in get_args({"method": FitMethod, "pooling": Pooling}[field]):
        assert getattr(dataclasses.replace(fit, **{field: good}), field) == good


@pytest.mark.parametrize("bad", ["reml", "OLS", "within", "REML "])
def test_random_slopes_fit_refuses_a_method_other_than_ml_or_reml(sleepstudy, bad):
    fit = pp.fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x="Days")
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        dataclasses.replace(fit, method=bad)


def _documented(cls) -> set[str]:
    """The names listed in the numpy-style ``Attributes`` section of a class docstring."""
    doc = inspect.getdoc(cls) or ""
    section = doc.split("Attributes\n----------\n", 1)[1]
    section = re.split(r"\n\n[A-Z][a-z]+\n-+\n", section)[0]
    return set(re.findall(r"^(\w+) :", section, flags=re.M))


@pytest.mark.parametrize("cls", [pp.PoolingFit, pp.RandomSlopesFit])
def test_every_public_attribute_is_documented(cls):
    public = {f.name for f in dataclasses.fields(cls)}
    public |= {k for k, v in vars(cls).items() if isinstance(v, property)}
    public = {name for name in public if not name.startswith("_")}
    assert public - _documented(cls) == set()
    assert set(SHARED) <= _documented(cls)
