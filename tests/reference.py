"""Independent computations the package is checked against.

Nothing here calls the package's estimation code: dense-matrix formulas written from the model's
definition (V = sigma_y^2 I + sigma_alpha^2 Z Z'), scipy's multivariate normal density, and
statsmodels' MixedLM and OLS (called through `partial_pooling.site.crosscheck`, which only sets
tight optimizer options).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from partial_pooling.site.crosscheck import statsmodels_mixedlm, statsmodels_ols


def design(df: pd.DataFrame, y: str, group: str, x: list[str]):
    """Dense X (with intercept), group-indicator Z, y and the sorted group labels."""
    labels = sorted(df[group].unique())
    Z = (df[group].to_numpy()[:, None] == np.array(labels)[None, :]).astype(float)
    X = np.column_stack([np.ones(len(df)), *[df[c].to_numpy(float) for c in x]])
    return X, Z, df[y].to_numpy(float), labels


def dense_V(Z: np.ndarray, sigma_alpha: float, sigma_y: float) -> np.ndarray:
    return sigma_y**2 * np.eye(Z.shape[0]) + sigma_alpha**2 * Z @ Z.T


def dense_gls(X, Z, y, sigma_alpha, sigma_y):
    """GLS (mu, beta), its covariance and the BLUPs a_j = sigma_alpha^2 Z'V^{-1}(y - Xb)."""
    Vi = np.linalg.inv(dense_V(Z, sigma_alpha, sigma_y))
    cov = np.linalg.inv(X.T @ Vi @ X)
    b = cov @ X.T @ Vi @ y
    a = sigma_alpha**2 * Z.T @ Vi @ (y - X @ b)
    return b, cov, a


def dense_marginal_loglik(X, Z, y, b, sigma_alpha, sigma_y) -> float:
    return float(stats.multivariate_normal(X @ b, dense_V(Z, sigma_alpha, sigma_y)).logpdf(y))


def dense_reml_loglik(X, Z, y, sigma_alpha, sigma_y) -> float:
    V = dense_V(Z, sigma_alpha, sigma_y)
    Vi = np.linalg.inv(V)
    XVX = X.T @ Vi @ X
    b = np.linalg.solve(XVX, X.T @ Vi @ y)
    r = y - X @ b
    N, k = X.shape
    return float(
        -0.5
        * (
            (N - k) * np.log(2 * np.pi)
            + np.linalg.slogdet(V)[1]
            + np.linalg.slogdet(XVX)[1]
            + r @ Vi @ r
        )
    )


def sm_mixed(df, y, group, x, reml=True, re_formula=None):
    """statsmodels MixedLM fitted tightly (see `partial_pooling.site.crosscheck`)."""
    return statsmodels_mixedlm(df, y, group, x, "REML" if reml else "ML", re_formula)


def sm_ols(df, y, x):
    return statsmodels_ols(df, y, x)
