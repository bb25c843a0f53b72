"""A dense N x N reference for linear mixed models, written independently of the package.

Marginal covariance $V = \\sum_t Z_t(I_{J_t}\\otimes\\Sigma_t)Z_t' + \\sigma^2 I$, GLS for
$\\beta$, and the ML and REML log-likelihoods in closed form (lme4's constants); each
$\\Sigma_t$ is parametrized by its Cholesky factor (log of the diagonal, so unconstrained) and
$\\log\\sigma$, and the likelihood is maximized with scipy from several starts. Nothing here
imports from ``partial_pooling``: it shares no code with what it checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize


@dataclass
class DenseTerm:
    codes: np.ndarray  # (N,) level of each row
    Z: np.ndarray  # (N, k)


def _design(term: DenseTerm) -> np.ndarray:
    """The N x (J k) matrix of the term, columns level-major."""
    N, k = term.Z.shape
    J = int(term.codes.max()) + 1
    M = np.zeros((N, J * k))
    for a in range(k):
        M[np.arange(N), term.codes * k + a] = term.Z[:, a]
    return M


def marginal_cov(terms: list[DenseTerm], Sigmas: list[np.ndarray], sigma2: float) -> np.ndarray:
    N = terms[0].Z.shape[0]
    V = sigma2 * np.eye(N)
    for term, S in zip(terms, Sigmas, strict=True):
        M = _design(term)
        J = M.shape[1] // S.shape[0]
        V += M @ np.kron(np.eye(J), S) @ M.T
    return V


def loglik(
    y: np.ndarray,
    X: np.ndarray,
    terms: list[DenseTerm],
    Sigmas: list[np.ndarray],
    sigma2: float,
    method: str,
) -> tuple[float, np.ndarray]:
    """The ML or REML log-likelihood at the given variances, and the GLS beta."""
    V = marginal_cov(terms, Sigmas, sigma2)
    c = linalg.cho_factor(V, lower=True)
    ViX = linalg.cho_solve(c, X)
    Viy = linalg.cho_solve(c, y)
    XtViX = X.T @ ViX
    beta = np.linalg.solve(XtViX, X.T @ Viy)
    r = y - X @ beta
    quad = float(r @ linalg.cho_solve(c, r))
    logdetV = 2.0 * float(np.log(np.diag(c[0])).sum())
    N, p = X.shape
    if method == "ML":
        ll = -0.5 * (N * np.log(2 * np.pi) + logdetV + quad)
    else:
        ll = -0.5 * ((N - p) * np.log(2 * np.pi) + logdetV + np.linalg.slogdet(XtViX)[1] + quad)
    return float(ll), beta


def _relative(x: np.ndarray, ks: list[int]) -> list[np.ndarray]:
    """Each Sigma_t / sigma^2 from its Cholesky factor: log of the diagonal, then the rest."""
    out = []
    i = 0
    for k in ks:
        L = np.zeros((k, k))
        for a in range(k):
            for b in range(a + 1):
                L[a, b] = np.exp(x[i]) if a == b else x[i]
                i += 1
        out.append(L @ L.T)
    return out


@dataclass
class DenseFit:
    loglik: float
    beta: np.ndarray
    Sigmas: list[np.ndarray]
    sigma2: float


def maximize(
    y: np.ndarray,
    X: np.ndarray,
    terms: list[DenseTerm],
    method: str,
    *,
    starts: int = 4,
    seed: int = 1,
) -> DenseFit:
    """Maximize the dense likelihood from several starts. With V = sigma^2 V0,
    V0 = I + sum_t M_t (I kron D_t) M_t', sigma^2 and beta have closed forms (GLS, and
    sigma^2 = r'V0^-1 r / nu with nu = N or N - p), leaving the D_t, each parametrized by
    its Cholesky factor with a log diagonal, for L-BFGS-B (log-diagonals in [-25, 8]: a
    variance at 0 is approached, not reached)."""
    ks = [t.Z.shape[1] for t in terms]
    n = sum(k * (k + 1) // 2 for k in ks)
    rng = np.random.default_rng(seed)
    designs = [_design(t) for t in terms]
    N, p = X.shape
    nu = N if method == "ML" else N - p

    def parts(x: np.ndarray) -> tuple[float, np.ndarray, float, list[np.ndarray]]:
        D = _relative(x, ks)
        V0 = np.eye(N)
        for M, Dt in zip(designs, D, strict=True):
            V0 += M @ np.kron(np.eye(M.shape[1] // Dt.shape[0]), Dt) @ M.T
        c = linalg.cho_factor(V0, lower=True)
        ViX = linalg.cho_solve(c, X)
        XtViX = X.T @ ViX
        beta = np.linalg.solve(XtViX, ViX.T @ y)
        r = y - X @ beta
        q = float(r @ linalg.cho_solve(c, r))
        dev = nu * (1 + np.log(2 * np.pi * q / nu)) + 2.0 * float(np.log(np.diag(c[0])).sum())
        if method == "REML":
            dev += np.linalg.slogdet(XtViX)[1]
        return float(dev), beta, q / nu, D

    def f(x: np.ndarray) -> float:
        return parts(x)[0]

    bounds = []
    for k in ks:
        for a in range(k):
            for b in range(a + 1):
                bounds.append((-25.0, 8.0) if a == b else (-1e3, 1e3))
    best = None
    for _ in range(starts):
        x0 = rng.normal(0, 1, n)
        r = optimize.minimize(
            f,
            x0,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 400},
        )
        if best is None or r.fun < best.fun:
            best = r
    assert best is not None
    for _ in range(2):
        best = optimize.minimize(
            f,
            best.x,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 400},
        )
    dev, beta, sigma2, D = parts(best.x)
    return DenseFit(loglik=-0.5 * dev, beta=beta, Sigmas=[sigma2 * Dt for Dt in D], sigma2=sigma2)


def prediction_error_var(
    y: np.ndarray,
    X: np.ndarray,
    terms: list[DenseTerm],
    Sigmas: list[np.ndarray],
    sigma2: float,
    x_new: np.ndarray,
    z_new: list[np.ndarray],
) -> tuple[float, float]:
    """The BLUP prediction x'b + sum z_t'b_t for a row in the given (seen) levels, and the
    variance of its error x'beta-hat + z'b-hat - (x'beta + z'b), from the linear forms
    beta-hat = P y, b-hat = G M'V^-1 (y - X beta-hat): Var = a'Va - 2 a'M G m + m'G m, with
    a' the row's weights on y and m the row's loadings on the stacked random effects."""
    V = marginal_cov(terms, Sigmas, sigma2)
    Vi = np.linalg.inv(V)
    M = np.hstack([_design(t) for t in terms])
    G = linalg.block_diag(
        *[
            np.kron(np.eye(_design(t).shape[1] // S.shape[0]), S)
            for t, S in zip(terms, Sigmas, strict=True)
        ]
    )
    P = np.linalg.solve(X.T @ Vi @ X, X.T @ Vi)
    m = np.concatenate(z_new)
    a = x_new @ P + m @ G @ M.T @ Vi @ (np.eye(len(y)) - X @ P)
    pred = float(a @ y)
    var = float(a @ V @ a - 2 * a @ M @ G @ m + m @ G @ m)
    return pred, var
