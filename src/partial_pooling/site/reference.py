"""Dense reference computations, written from the model's definition, for checks.

Nothing here calls the package's estimation code: the covariance of $y$ is built as the full
$N \\times N$ matrix $V = \\sigma_y^2 I + \\sigma_\\alpha^2 ZZ'$ ($Z$ the group indicators) and
every formula is dense linear algebra on it (with random slopes,
$V = \\sigma_y^2 I + Z_b(I_J \\otimes \\Sigma)Z_b'$). It is slow ($O(N^3)$) and independent of the
package's algorithm (sufficient statistics per group, the profile in $\\psi$), which is what
the pages' checks and the tests compare against.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "Design",
    "dense_V",
    "dense_V_factors",
    "dense_gls",
    "dense_gls_factors",
    "dense_marginal_loglik",
    "dense_profile_loglik",
    "dense_random_slopes",
    "dense_reml_criterion_factors",
    "dense_reml_loglik",
    "design",
]


class Design(NamedTuple):
    """Dense $X$ (a column of ones, then the covariates), $Z$, $y$ and the group labels."""

    X: np.ndarray
    Z: np.ndarray
    y: np.ndarray
    labels: list[object]


def design(
    data: pd.DataFrame, *, y: str, group: str, x: str | Sequence[str] | None = None
) -> Design:
    """The dense design of ``y ~ 1 + x + (1 | group)``; $Z$'s columns in sorted label order."""
    names = [] if x is None else [x] if isinstance(x, str) else list(x)
    labels = sorted(data[group].unique())
    Z = (data[group].to_numpy()[:, None] == np.array(labels)[None, :]).astype(float)
    X = np.column_stack([np.ones(len(data)), *[data[c].to_numpy(float) for c in names]])
    return Design(X, Z, data[y].to_numpy(float), labels)


def dense_V(Z: np.ndarray, *, sigma_alpha: float, sigma_y: float) -> np.ndarray:
    """$V = \\sigma_y^2 I + \\sigma_\\alpha^2 ZZ'$, the covariance of $y$."""
    return np.asarray(sigma_y**2 * np.eye(Z.shape[0]) + sigma_alpha**2 * Z @ Z.T)


def dense_gls(
    X: np.ndarray, Z: np.ndarray, y: np.ndarray, *, sigma_alpha: float, sigma_y: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GLS $\\hat b = (\\mu, \\beta)$, its covariance $(X'V^{-1}X)^{-1}$ and the BLUPs
    $\\hat a = \\sigma_\\alpha^2 Z'V^{-1}(y - X\\hat b)$."""
    Vi = np.linalg.inv(dense_V(Z, sigma_alpha=sigma_alpha, sigma_y=sigma_y))
    cov = np.linalg.inv(X.T @ Vi @ X)
    b = cov @ X.T @ Vi @ y
    a = sigma_alpha**2 * Z.T @ Vi @ (y - X @ b)
    return b, cov, a


def dense_marginal_loglik(
    X: np.ndarray,
    Z: np.ndarray,
    y: np.ndarray,
    b: np.ndarray,
    *,
    sigma_alpha: float,
    sigma_y: float,
) -> float:
    """The marginal log-likelihood: scipy's multivariate normal density of $y$."""
    return float(
        stats.multivariate_normal(
            X @ b, dense_V(Z, sigma_alpha=sigma_alpha, sigma_y=sigma_y)
        ).logpdf(y)
    )


def dense_reml_loglik(
    X: np.ndarray, Z: np.ndarray, y: np.ndarray, *, sigma_alpha: float, sigma_y: float
) -> float:
    """The REML log-likelihood with lme4's constant: $-\\frac12$ times the sum of
    $(N-k)\\log 2\\pi$, $\\log|V|$, $\\log|X'V^{-1}X|$ and $r'V^{-1}r$, with $r = y - X\\hat b$."""
    V = dense_V(Z, sigma_alpha=sigma_alpha, sigma_y=sigma_y)
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


def dense_profile_loglik(
    X: np.ndarray, Z: np.ndarray, y: np.ndarray, psi: float, method: str = "REML"
) -> float:
    """The log-likelihood profiled in $\\psi = \\sigma_\\alpha^2/\\sigma_y^2$: GLS at $\\psi$,
    $\\hat\\sigma_y^2 = r'W^{-1}r/(N - k)$ (REML) or $/N$ (ML) with $W = V/\\sigma_y^2$, then
    the full log-likelihood at those values."""
    if method not in ("ML", "REML"):
        raise ValueError(f"method must be 'ML' or 'REML', got {method!r}")
    sqrt_psi = float(np.sqrt(psi))
    b, _, _ = dense_gls(X, Z, y, sigma_alpha=sqrt_psi, sigma_y=1.0)
    r = y - X @ b
    N, k = X.shape
    s2 = float(r @ np.linalg.solve(dense_V(Z, sigma_alpha=sqrt_psi, sigma_y=1.0), r))
    s2 /= N - k if method == "REML" else N
    sigma_alpha, sigma_y = float(np.sqrt(psi * s2)), float(np.sqrt(s2))
    if method == "REML":
        return dense_reml_loglik(X, Z, y, sigma_alpha=sigma_alpha, sigma_y=sigma_y)
    return dense_marginal_loglik(X, Z, y, b, sigma_alpha=sigma_alpha, sigma_y=sigma_y)


class SlopesReference(NamedTuple):
    """`dense_random_slopes`: the log-likelihood, GLS $\\hat\\mu$, BLUPs and group labels."""

    loglik: float
    mu: np.ndarray
    blups: np.ndarray
    labels: list[object]


def dense_random_slopes(
    data: pd.DataFrame,
    *,
    y: str,
    group: str,
    x: str | Sequence[str],
    Sigma: np.ndarray,
    sigma_y: float,
    method: str = "REML",
) -> SlopesReference:
    """Random intercept and slopes at given $(\\Sigma, \\sigma_y)$, from the dense model.

    $V = \\sigma_y^2 I + Z_b (I_J \\otimes \\Sigma) Z_b'$, with $Z_b$ the block design of every
    group's $[1, x_1, \\dots, x_{q-1}]$ (groups in sorted label order). Returns the ML or REML
    log-likelihood (lme4's constant), GLS $\\hat\\mu$ and the BLUPs $\\hat a_j$ ($J \\times q$).
    """
    if method not in ("ML", "REML"):
        raise ValueError(f"method must be 'ML' or 'REML', got {method!r}")
    names = [x] if isinstance(x, str) else list(x)
    labels = sorted(data[group].unique())
    Zq = np.column_stack([np.ones(len(data)), data[names].to_numpy(float)])
    q, J = Zq.shape[1], len(labels)
    Zb = np.zeros((len(data), J * q))
    for j, label in enumerate(labels):
        rows = (data[group] == label).to_numpy()
        Zb[rows, j * q : (j + 1) * q] = Zq[rows]
    G = np.kron(np.eye(J), np.asarray(Sigma, dtype=float))
    V = sigma_y**2 * np.eye(len(data)) + Zb @ G @ Zb.T
    Vi = np.linalg.inv(V)
    yv = data[y].to_numpy(float)
    XVX = Zq.T @ Vi @ Zq
    b = np.linalg.solve(XVX, Zq.T @ Vi @ yv)
    r = yv - Zq @ b
    N = len(yv)
    if method == "ML":
        ll = -0.5 * (N * np.log(2 * np.pi) + np.linalg.slogdet(V)[1] + r @ Vi @ r)
    else:
        ll = -0.5 * (
            (N - q) * np.log(2 * np.pi)
            + np.linalg.slogdet(V)[1]
            + np.linalg.slogdet(XVX)[1]
            + r @ Vi @ r
        )
    blups = (G @ Zb.T @ Vi @ r).reshape(J, q)
    return SlopesReference(float(ll), b, blups, labels)


def _indicators(codes: np.ndarray) -> np.ndarray:
    c = np.asarray(codes)
    Z: np.ndarray = (c[:, None] == np.arange(int(c.max()) + 1)[None, :]).astype(float)
    return Z


def dense_V_factors(
    codes: Sequence[np.ndarray], *, sigmas: Sequence[float], sigma_y: float
) -> np.ndarray:
    """$V = \\sigma_y^2 I + \\sum_t \\sigma_t^2 Z_tZ_t'$: one random intercept per factor $t$,
    $Z_t$ the indicators of ``codes[t]`` (crossed or nested factors alike)."""
    N = len(codes[0])
    V: np.ndarray = sigma_y**2 * np.eye(N)
    for c, s in zip(codes, sigmas, strict=True):
        Z = _indicators(c)
        V += s**2 * Z @ Z.T
    return V


def dense_gls_factors(
    X: np.ndarray,
    y: np.ndarray,
    codes: Sequence[np.ndarray],
    *,
    sigmas: Sequence[float],
    sigma_y: float,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """GLS $\\hat\\beta$ and each factor's BLUPs $\\hat b_t = \\sigma_t^2Z_t'V^{-1}(y -
    X\\hat\\beta)$, with $V$ of `dense_V_factors` inverted densely."""
    Vi = np.linalg.inv(dense_V_factors(codes, sigmas=sigmas, sigma_y=sigma_y))
    beta = np.linalg.solve(X.T @ Vi @ X, X.T @ Vi @ y)
    r = Vi @ (y - X @ beta)
    return beta, [s**2 * _indicators(c).T @ r for c, s in zip(codes, sigmas, strict=True)]


def dense_reml_criterion_factors(
    X: np.ndarray,
    y: np.ndarray,
    codes: Sequence[np.ndarray],
    *,
    sigmas: Sequence[float],
    sigma_y: float,
) -> float:
    """lme4's REML criterion, $-2$ times the REML log-likelihood, with $V$ of
    `dense_V_factors` and $r = y - X\\hat\\beta$: the sum of $(N - p)\\log 2\\pi$,
    $\\log|V|$, $\\log|X'V^{-1}X|$ and $r'V^{-1}r$."""
    V = dense_V_factors(codes, sigmas=sigmas, sigma_y=sigma_y)
    Vi = np.linalg.inv(V)
    A = X.T @ Vi @ X
    beta = np.linalg.solve(A, X.T @ Vi @ y)
    r = y - X @ beta
    N, p = X.shape
    return float(
        (N - p) * np.log(2 * np.pi) + np.linalg.slogdet(V)[1] + np.linalg.slogdet(A)[1] + r @ Vi @ r
    )
