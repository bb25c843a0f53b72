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


def _unpack(x: np.ndarray, ks: list[int]) -> tuple[list[np.ndarray], float]:
    Sigmas = []
    i = 0
    for k in ks:
        L = np.zeros((k, k))
        for a in range(k):
            for b in range(a + 1):
                L[a, b] = np.exp(x[i]) if a == b else x[i]
                i += 1
        Sigmas.append(L @ L.T)
    return Sigmas, float(np.exp(2 * x[i]))


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
    fixed: dict[int, float] | None = None,
) -> DenseFit:
    """Maximize the dense likelihood over the Cholesky factors and sigma, from several starts
    (log-diagonals random around log(sd(y)/2)); ``fixed`` pins parameters (e.g. a
    log-diagonal at -30, a variance at the boundary)."""
    ks = [t.Z.shape[1] for t in terms]
    n = sum(k * (k + 1) // 2 for k in ks) + 1
    rng = np.random.default_rng(seed)
    scale = np.log(np.std(y) / 2)
    fixed = fixed or {}

    def full(x: np.ndarray) -> np.ndarray:
        out = x.copy()
        for i, v in fixed.items():
            out[i] = v
        return out

    def f(x: np.ndarray) -> float:
        S, s2 = _unpack(full(x), ks)
        return -loglik(y, X, terms, S, s2, method)[0]

    best = None
    for _ in range(starts):
        x0 = scale + rng.normal(0, 1, n)
        r = optimize.minimize(f, x0, method="BFGS", options={"gtol": 1e-10, "maxiter": 5000})
        r = optimize.minimize(
            f, r.x, method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000}
        )
        r = optimize.minimize(f, r.x, method="BFGS", options={"gtol": 1e-11})
        if best is None or r.fun < best.fun:
            best = r
    assert best is not None
    S, s2 = _unpack(full(best.x), ks)
    ll, beta = loglik(y, X, terms, S, s2, method)
    return DenseFit(loglik=ll, beta=beta, Sigmas=S, sigma2=s2)


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
