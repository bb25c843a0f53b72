"""The blocked Cholesky factor behind `partial_pooling.mixed`, and the search for $\\hat\\theta$.

The profiled deviance of a linear mixed model (Bates, Mächler, Bolker and Walker 2015,
section 3; see `partial_pooling.mixed`) needs, at each $\\theta$, the Cholesky factor of

$$
\\Omega_\\theta = \\begin{bmatrix}\\Lambda'Z'Z\\Lambda + I & \\Lambda'Z'X & \\Lambda'Z'y \\\\
X'Z\\Lambda & X'X & X'y \\\\ y'Z\\Lambda & y'X & y'y\\end{bmatrix}.
$$

It is computed by blocks, as MixedModels.jl does. The terms come in lme4's order (by number
of levels, largest first). The first term's diagonal block is block diagonal, one
$k_1 \\times k_1$ block $\\lambda_1'Z_{1j}'Z_{1j}\\lambda_1 + I$ per level, factored
level by level in $O(J_1k_1^3)$. With $U = B'Z_1\\Lambda_1L_1^{-T}$, $B = [Z_2, \\dots, Z_T,
X, y]$, the Schur complement onto the rest is $\\Lambda_r'(B'B - UU')\\Lambda_r + I$
($\\Lambda_r$ the other terms' $\\lambda_t$, then the identity for $X$ and $y$), factored
densely; $B'Z_1$ is kept sparse when it has more than `DENSE_LIMIT` entries. The last diagonal
element of the whole factor is $r_\\theta$, the penalized residual; the rows of $X$ give
$R_X$. The deviance is minimized over $\\theta$ with bounds (each $\\lambda_t$'s diagonal
$\\ge 0$) by L-BFGS-B with finite-difference gradients, then polished by Newton steps with a
finite-difference Hessian on the coordinates not held at a bound, until the projected gradient
is at the noise level of the differences or no step lowers the deviance.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import linalg, optimize, sparse

from .likelihood import LOG_2PI
from .validation import Method

__all__ = [
    "DENSE_LIMIT",
    "Factor",
    "Problem",
    "TermData",
]

#: Above this many entries, the first term's cross-products with the rest are kept sparse.
DENSE_LIMIT = 2_000_000


class TermData(Protocol):
    """What the factor needs of a random-effects term (`partial_pooling.mixed.RandomTerm`)."""

    @property
    def levels(self) -> pd.Index: ...

    @property
    def codes(self) -> np.ndarray: ...

    @property
    def Z(self) -> np.ndarray: ...


# ---------------------------------------------------------------------------------------------
# the blocked factor


def _term_matrix(term: TermData) -> sparse.csc_matrix:
    """$Z_t$ as an $N \\times J_tk_t$ sparse matrix, columns level-major (as in lme4)."""
    N, k = term.Z.shape
    rows = np.repeat(np.arange(N), k)
    cols = (term.codes[:, None] * k + np.arange(k)[None, :]).ravel()
    return sparse.csc_matrix((term.Z.ravel(), (rows, cols)), shape=(N, len(term.levels) * k))


class Problem:
    """The cross-products the deviance needs at every $\\theta$, computed once."""

    def __init__(self, y: np.ndarray, X: np.ndarray, terms: Sequence[TermData]) -> None:
        self.N, self.p = X.shape
        self.terms = terms
        self.k = [t.Z.shape[1] for t in terms]
        self.J = [len(t.levels) for t in terms]
        # theta layout: each term's lower triangle, column by column (lme4's order)
        self.tri: list[tuple[np.ndarray, np.ndarray]] = []
        self.offsets = [0]
        lower = []
        for k in self.k:
            cols, rows = np.triu_indices(k)  # column-major lower triangle
            self.tri.append((rows, cols))
            self.offsets.append(self.offsets[-1] + rows.size)
            lower.append(np.where(rows == cols, 0.0, -np.inf))
        self.lower = np.concatenate(lower)
        t1 = terms[0]
        k1, J1 = self.k[0], self.J[0]
        G = np.zeros((J1, k1, k1))
        for a in range(k1):
            for b in range(a, k1):
                G[:, a, b] = G[:, b, a] = np.bincount(
                    t1.codes, weights=t1.Z[:, a] * t1.Z[:, b], minlength=J1
                )
        self.G1 = G
        # the rest: the other terms' columns, then X, then y
        self.rest_sizes = [J * k for J, k in zip(self.J[1:], self.k[1:], strict=True)]
        self.qr = int(sum(self.rest_sizes))
        self.m = self.qr + self.p + 1
        B = sparse.hstack(
            [_term_matrix(t) for t in terms[1:]] + [sparse.csc_matrix(np.column_stack([X, y]))],
            format="csc",
        )
        Z1 = _term_matrix(t1)
        C = (B.T @ Z1).tocsr()
        self.sparse_C = self.m * J1 * k1 > DENSE_LIMIT
        self.C: np.ndarray | sparse.csr_matrix = C if self.sparse_C else C.toarray()
        self.A = (B.T @ B).toarray()

    # theta -> the lambda_t
    def lambdas(self, theta: np.ndarray) -> list[np.ndarray]:
        out = []
        for i, k in enumerate(self.k):
            lam = np.zeros((k, k))
            rows, cols = self.tri[i]
            lam[rows, cols] = theta[self.offsets[i] : self.offsets[i + 1]]
            out.append(lam)
        return out

    def scale_rest(self, S: np.ndarray, lams: list[np.ndarray], *, rows_only: bool) -> np.ndarray:
        """$\\Lambda_r'S\\Lambda_r$ (or $\\Lambda_r'S$), $\\Lambda_r$ = diag(lambda_2.., I)."""
        S = S.copy()
        start = 0
        for lam, J, k in zip(lams[1:], self.J[1:], self.k[1:], strict=True):
            sl = slice(start, start + J * k)
            # rows: lambda' applied to each level's k rows
            blk = S[sl].reshape(J, k, -1)
            S[sl] = np.einsum("ba,jbc->jac", lam, blk).reshape(J * k, -1)
            if not rows_only:
                blk = S[:, sl].reshape(-1, J, k)
                S[:, sl] = (blk @ lam).reshape(-1, J * k)
            start += J * k
        return S

    def optimize(self, method: Method) -> tuple[np.ndarray, bool, int]:
        """$\\hat\\theta$, whether the polish converged, and the iterations it took."""
        return _optimize(self, method)

    def scaled_U(self, f: Factor) -> np.ndarray:
        """$\\Lambda_r'U$, the factor's block below the first term, as a dense array."""
        return self._scale_rest_sparse(f.U, f.lams)

    def _scale_rest_sparse(
        self, U: np.ndarray | sparse.csr_matrix, lams: list[np.ndarray]
    ) -> np.ndarray:
        """$\\Lambda_r'U$ as a dense array: the rows of the other terms scaled by their
        $\\lambda_t'$."""
        if not sparse.issparse(U):
            return self.scale_rest(np.asarray(U), lams, rows_only=True)
        parts = [
            sparse.kron(sparse.identity(J), sparse.csr_matrix(lam.T))
            for lam, J in zip(lams[1:], self.J[1:], strict=True)
        ]
        parts.append(sparse.identity(self.p + 1))
        return np.asarray((sparse.block_diag(parts, format="csr") @ U).toarray())

    def factor(self, theta: np.ndarray) -> Factor | None:
        lams = self.lambdas(theta)
        lam1 = lams[0]
        k1 = self.k[0]
        M = np.swapaxes(lam1, 0, 1)[None] @ self.G1 @ lam1[None]
        M[:, np.arange(k1), np.arange(k1)] += 1.0
        L1 = np.linalg.cholesky(M)
        L1inv = np.linalg.inv(L1)
        T = lam1[None] @ np.swapaxes(L1inv, 1, 2)  # lambda_1 L_j^{-T}
        if k1 == 1:
            t = T[:, 0, 0]
            if self.sparse_C:
                assert isinstance(self.C, sparse.csr_matrix)
                U: np.ndarray | sparse.csr_matrix = self.C @ sparse.diags(t)
            else:
                U = self.C * t[None, :]
        elif self.sparse_C:
            J1 = self.J[0]
            bd = sparse.bsr_matrix((T, np.arange(J1), np.arange(J1 + 1)), shape=(J1 * k1,) * 2)
            U = self.C @ bd
        else:
            J1 = self.J[0]
            U = (self.C.reshape(self.m, J1, k1)[:, :, :, None] * T[None]).sum(axis=2)
            U = U.reshape(self.m, J1 * k1)
        if sparse.issparse(U):
            Us = sparse.csr_matrix(U)
            GU = (Us @ Us.T).toarray()
        else:
            Ud = np.asarray(U)
            GU = Ud @ Ud.T
        S = self.scale_rest(self.A - GU, lams, rows_only=False)
        S[np.arange(self.qr), np.arange(self.qr)] += 1.0
        Ls, info = linalg.lapack.dpotrf(S, lower=1, clean=1, overwrite_a=1)
        if info != 0:
            return None
        return Factor(theta=theta, lams=lams, L1=L1, L1inv=L1inv, T=T, U=U, Ls=Ls)

    def deviance(self, theta: np.ndarray, method: Method) -> float:
        f = self.factor(theta)
        if f is None:
            return np.inf
        return self.deviance_of(f, method)

    def deviance_of(self, f: Factor, method: Method) -> float:
        d = np.diagonal(f.Ls)
        if not (d[: self.m - 1] > 0).all():
            return np.inf
        logdet = 2.0 * float(np.log(np.diagonal(f.L1, axis1=1, axis2=2)).sum())
        logdet += 2.0 * float(np.log(d[: self.qr]).sum())
        r2 = float(d[-1]) ** 2
        nu = self.N if method == "ML" else self.N - self.p
        if r2 <= 0:
            return -np.inf
        dev = logdet + nu * (1.0 + LOG_2PI + np.log(r2 / nu))
        if method == "REML":
            dev += 2.0 * float(np.log(d[self.qr : self.qr + self.p]).sum())
        return float(dev)


@dataclass(frozen=True)
class Factor:
    theta: np.ndarray
    lams: list[np.ndarray]
    L1: np.ndarray  # (J1, k1, k1)
    L1inv: np.ndarray
    T: np.ndarray  # lambda_1 L_j^{-T}
    U: np.ndarray | sparse.csr_matrix  # C T: (m, J1 k1), rows not yet scaled by Lambda_r'
    Ls: np.ndarray  # (m, m) lower Cholesky factor of the Schur complement


# ---------------------------------------------------------------------------------------------
# optimization


def _gradient(fun: functools.partial[float], x: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Central differences (second-order one-sided ones at a bound)."""
    g = np.empty_like(x)
    f0 = None
    for i in range(x.size):
        h = 6e-6 * max(abs(x[i]), 1.0)
        e = np.zeros_like(x)
        e[i] = h
        if x[i] - h < lower[i]:
            if f0 is None:
                f0 = fun(x)
            g[i] = (-3 * f0 + 4 * fun(x + e) - fun(x + 2 * e)) / (2 * h)
        else:
            g[i] = (fun(x + e) - fun(x - e)) / (2 * h)
    return g


def _hessian(fun: functools.partial[float], x: np.ndarray, free: np.ndarray) -> np.ndarray:
    """A finite-difference Hessian on the free coordinates (differences of 1e-4 relative)."""
    idx = np.flatnonzero(free)
    n = idx.size
    H = np.zeros((n, n))
    h = 1e-4 * np.maximum(np.abs(x[idx]), 0.1)
    f0 = fun(x)
    for a in range(n):
        ea = np.zeros_like(x)
        ea[idx[a]] = h[a]
        H[a, a] = (fun(x + ea) - 2 * f0 + fun(x - ea)) / h[a] ** 2
        for b in range(a):
            eb = np.zeros_like(x)
            eb[idx[b]] = h[b]
            H[a, b] = H[b, a] = (
                fun(x + ea + eb) - fun(x + ea - eb) - fun(x - ea + eb) + fun(x - ea - eb)
            ) / (4 * h[a] * h[b])
    return H


def _optimize(problem: Problem, method: Method) -> tuple[np.ndarray, bool, int]:
    fun = functools.partial(_safe_deviance, problem, method)
    lower = problem.lower
    start = np.concatenate([np.where(rows == cols, 1.0, 0.0) for rows, cols in problem.tri])
    bounds = [(lo if np.isfinite(lo) else None, None) for lo in lower]
    res = optimize.minimize(
        fun,
        start,
        jac=lambda x: _gradient(fun, x, lower),
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 500},
    )
    x = np.maximum(np.asarray(res.x, dtype=float), lower)
    fx = fun(x)
    iterations = int(res.nit)
    # Newton polish on the coordinates not held at their bound
    converged = False
    for _ in range(20):
        iterations += 1
        g = _gradient(fun, x, lower)
        at_bound = (x <= lower + 1e-12) & (g > 0)
        # a coordinate pressed against its bound is exactly at it
        x = np.where(at_bound, lower, x)
        free = ~at_bound
        gf = g[free]
        scale = max(abs(fx), 1.0)
        if gf.size == 0 or np.max(np.abs(gf) * np.maximum(np.abs(x[free]), 1.0)) < 1e-7 * scale:
            converged = True
            break
        H = _hessian(fun, x, free)
        try:
            w, V = np.linalg.eigh(H)
            w = np.maximum(w, 1e-8 * max(w.max(), 1e-8))
            step = -(V / w) @ (V.T @ gf)
        except np.linalg.LinAlgError:
            step = -gf
        improved = False
        for shrink in (1.0, 0.5, 0.25, 0.1, 0.01):
            trial = x.copy()
            trial[free] = np.maximum(x[free] + shrink * step, lower[free])
            ft = fun(trial)
            if ft < fx:
                x, fx, improved = trial, ft, True
                break
        if not improved:
            # no step lowers the deviance: the optimum to rounding (the gradient is a
            # finite-difference estimate, noisy at the last digits)
            converged = bool(np.max(np.abs(gf)) < 1e-3 * scale)
            break
    return x, converged, iterations


def _safe_deviance(problem: Problem, method: Method, theta: np.ndarray) -> float:
    value = problem.deviance(theta, method)
    return value if np.isfinite(value) else 1e300
