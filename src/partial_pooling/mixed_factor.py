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
finite-difference Hessian on the coordinates not held at a bound, until the step is at the
noise level of the differences.

Measured on InstEval (``y ~ service + (1 | s) + (1 | d)``: 2,972 students first, the
Schur complement onto 1,128 lecturers, $B'Z_1$ 1,131 x 2,972 with 82,259 non-zeros; one BLAS
thread, a busy 2-core machine): $UU'$ as a dense product 222 ms, as a scipy.sparse product
19 ms, from the products $C_{aj}C_{bj}$ listed once and summed with ``np.bincount`` 10 ms
(used when the first term is scalar); the dense Cholesky factor of the 1,131 x 1,131 Schur
complement (20% non-zero before factoring) 27-45 ms. scikit-sparse (CHOLMOD) has no wheel on
the package index here (``pip download --only-binary=:all: scikit-sparse`` finds none), so it
was not compared.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
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

    def __init__(
        self, y: np.ndarray, X: np.ndarray, terms: Sequence[TermData], *, search: bool = True
    ) -> None:
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
        # the products behind UU' for a scalar first term, listed once for a search that
        # evaluates the deviance many times (not worth it for a single evaluation)
        self.pairs = _pairs(C) if search and self.sparse_C and k1 == 1 else None

    # theta -> the lambda_t
    def lambdas(self, theta: np.ndarray) -> list[np.ndarray]:
        out = []
        for i, k in enumerate(self.k):
            lam = np.zeros((k, k))
            rows, cols = self.tri[i]
            lam[rows, cols] = theta[self.offsets[i] : self.offsets[i + 1]]
            out.append(lam)
        return out

    def scale_rest(
        self, S: np.ndarray, lams: list[np.ndarray], *, rows_only: bool, copy: bool = True
    ) -> np.ndarray:
        """$\\Lambda_r'S\\Lambda_r$ (or $\\Lambda_r'S$), $\\Lambda_r$ = diag(lambda_2.., I)."""
        if copy:
            S = S.copy()
        start = 0
        for lam, J, k in zip(lams[1:], self.J[1:], self.k[1:], strict=True):
            sl = slice(start, start + J * k)
            if k == 1:
                S[sl] *= lam[0, 0]
                if not rows_only:
                    S[:, sl] *= lam[0, 0]
                start += J
                continue
            # rows: lambda' applied to each level's k rows
            blk = S[sl].reshape(J, k, -1)
            S[sl] = np.einsum("ba,jbc->jac", lam, blk).reshape(J * k, -1)
            if not rows_only:
                blk = S[:, sl].reshape(-1, J, k)
                S[:, sl] = (blk @ lam).reshape(-1, J * k)
            start += J * k
        return S

    def unscale_theta(self, theta: np.ndarray, scales: list[np.ndarray]) -> np.ndarray:
        """$\\theta$ of the terms whose $Z$ columns were divided by ``scales``:
        $\\lambda_t = \\mathrm{diag}(1/s_t)\\lambda_t^s$, in this problem's layout."""
        lams = self.lambdas(theta)
        out = np.empty_like(theta)
        for i, (lam, s) in enumerate(zip(lams, scales, strict=True)):
            rows, cols = self.tri[i]
            out[self.offsets[i] : self.offsets[i + 1]] = (lam / s[:, None])[rows, cols]
        return out

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
            if isinstance(self.C, sparse.csr_matrix):
                Uc = sparse.csr_matrix(
                    (self.C.data * t[self.C.indices], self.C.indices, self.C.indptr),
                    shape=self.C.shape,
                )
                U: np.ndarray | sparse.csr_matrix = Uc
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
        if self.pairs is not None:
            # UU' = C diag(t^2) C', its lower triangle from the products listed once
            index, products, column = self.pairs
            weights = products * np.square(T[:, 0, 0])[column]
            GU = np.bincount(index, weights=weights, minlength=self.m * self.m)
            GU = GU.reshape(self.m, self.m)
        elif sparse.issparse(U):
            Us = sparse.csr_matrix(U)
            GU = (Us @ Us.T).toarray()
        else:
            Ud = np.asarray(U)
            GU = Ud @ Ud.T
        S = self.scale_rest(np.subtract(self.A, GU, out=GU), lams, rows_only=False, copy=False)
        S[np.arange(self.qr), np.arange(self.qr)] += 1.0
        # clean=0: the upper triangle is left as is; every use of Ls reads its lower one
        Ls, info = linalg.lapack.dpotrf(S, lower=1, clean=0, overwrite_a=1)
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


def _forward_gradient(
    fun: Callable[[np.ndarray], float], x: np.ndarray, lower: np.ndarray
) -> np.ndarray:
    """Forward differences, $h_i = 10^{-6}\\max(|x_i|, 1)$ ($n + 1$ evaluations): enough
    to steer L-BFGS-B toward the optimum; Newton's polish then uses central ones."""
    f0 = fun(x)
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = 1e-6 * max(abs(x[i]), 1.0)
        g[i] = (fun(x + e) - f0) / e[i]
    return g


def _stencil(
    fun: Callable[[np.ndarray], float], x: np.ndarray, lower: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """The deviance, its gradient and its Hessian at ``x`` by finite differences.

    Steps $h_i = 10^{-4}\\max(|x_i|, 0.01)$: relative, so that the truncation error of the
    differences stays relative too. The gradient is central, second order
    ($f(x \\pm h_ie_i)$), or, for a coordinate within $h_i$ of its bound, one-sided second
    order ($f(x + h_ie_i)$, $f(x + 2h_ie_i)$); the diagonal of the Hessian comes from the same
    points, each off-diagonal element from one more point $f(x + h_ae_a + h_be_b)$ (first
    order: it steers Newton's steps but does not move their fixed point, where the central
    gradient vanishes). $1 + 2n + n(n - 1)/2$ evaluations for $n$ parameters.
    """
    n = x.size
    h = 1e-4 * np.maximum(np.abs(x), 1e-2)
    f0 = fun(x)
    g = np.empty(n)
    H = np.empty((n, n))
    plus = np.empty(n)
    for i in range(n):
        e = np.zeros(n)
        e[i] = h[i]
        if x[i] - h[i] < lower[i]:
            f1, f2 = fun(x + e), fun(x + 2 * e)
            g[i] = (-3 * f0 + 4 * f1 - f2) / (2 * h[i])
            H[i, i] = (f0 - 2 * f1 + f2) / h[i] ** 2
            plus[i] = f1
        else:
            fp, fm = fun(x + e), fun(x - e)
            g[i] = (fp - fm) / (2 * h[i])
            H[i, i] = (fp - 2 * f0 + fm) / h[i] ** 2
            plus[i] = fp
    for a in range(n):
        for b in range(a):
            e = np.zeros(n)
            e[a], e[b] = h[a], h[b]
            H[a, b] = H[b, a] = (fun(x + e) - plus[a] - plus[b] + f0) / (h[a] * h[b])
    return f0, g, H


def _newton(
    fun: Callable[[np.ndarray], float], x: np.ndarray, lower: np.ndarray, max_iter: int = 100
) -> tuple[np.ndarray, bool, int]:
    """Projected Newton steps with a finite-difference Hessian (`_stencil`), each with a
    backtracking search that keeps the bounds. Coordinates at their bound with a positive
    gradient are held there. Converged when the Newton step is below $10^{-9}$ relative
    (the finite-difference gradient is accurate to about $10^{-16}f/h$, so the step to about
    that over the curvature). A step whose predicted gain, half the Newton decrement
    $g'H^{-1}g$, is below the deviance's rounding ($10^{-12}$ relative) is taken unless it
    raises the deviance beyond rounding: in a flat direction the gradient still places the
    optimum where the deviance cannot; after three such steps the search stops, converged."""
    tiny_steps = 0
    for iteration in range(1, max_iter + 1):
        f0, g, H = _stencil(fun, x, lower)
        held = (x <= lower) & (g > 0)
        free = ~held
        gf = g[free]
        scale = max(abs(f0), 1.0)
        if gf.size == 0:
            return x, True, iteration
        w, V = np.linalg.eigh(H[np.ix_(free, free)])
        w = np.maximum(np.abs(w), 1e-8 * max(np.abs(w).max(), 1e-12))
        step = -(V / w) @ (V.T @ gf)
        decrement = float(-(gf @ step))
        if np.all(np.abs(step) < 1e-9 * (1.0 + np.abs(x[free]))):
            return x, True, iteration
        if decrement < 1e-12 * scale:
            # the gain is below the deviance's rounding: the step (from the gradient, which
            # is still informative) is taken unless it raises the deviance beyond rounding
            tiny_steps += 1
            trial = x.copy()
            trial[free] = np.maximum(x[free] + step, lower[free])
            if fun(trial) > f0 + 1e-13 * scale:
                return x, True, iteration
            x = trial
            if tiny_steps >= 3:
                return x, True, iteration
            continue
        t = 1.0
        while t > 1e-10:
            trial = x.copy()
            trial[free] = np.maximum(x[free] + t * step, lower[free])
            if fun(trial) < f0:
                x = trial
                break
            t *= 0.5
        else:
            # no step lowers the deviance although the model says it should
            return x, False, iteration
    return x, False, max_iter


def _optimize(problem: Problem, method: Method) -> tuple[np.ndarray, bool, int]:
    fun = _Memo(functools.partial(_safe_deviance, problem, method))
    lower = problem.lower
    # lme4's start: each lambda_t the identity
    x = np.concatenate([np.where(rows == cols, 1.0, 0.0) for rows, cols in problem.tri])
    bounds = [(lo if np.isfinite(lo) else None, None) for lo in lower]
    res = optimize.minimize(
        fun,
        x,
        jac=lambda z: _forward_gradient(fun, z, lower),
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-10, "gtol": 1e-5, "maxiter": 1000},
    )
    x = np.maximum(np.asarray(res.x, dtype=float), lower)
    iterations = int(res.nit)
    x, converged, steps = _newton(fun, x, lower)
    return x, converged, iterations + steps


def _pairs(C: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For $CWC'$ with $W$ diagonal: each product $C_{aj}C_{bj}$ with $a \\ge b$, its
    flat position $am + b$ in the $m \\times m$ result and its column $j$."""
    Cc = sparse.csc_matrix(C)
    Cc.sum_duplicates()  # sorted row indices, one entry each
    m = C.shape[0]
    counts = np.diff(Cc.indptr)
    index, products, column = [], [], []
    for n in np.unique(counts):
        if n == 0:
            continue
        cols = np.flatnonzero(counts == n)
        starts = Cc.indptr[cols]
        rows = Cc.indices[starts[:, None] + np.arange(n)]  # (columns, n), sorted rows
        vals = Cc.data[starts[:, None] + np.arange(n)]
        a, b = np.tril_indices(n)
        index.append((rows[:, a] * m + rows[:, b]).ravel())
        products.append((vals[:, a] * vals[:, b]).ravel())
        column.append(np.repeat(cols, a.size))
    return np.concatenate(index), np.concatenate(products), np.concatenate(column)


class _Memo:
    """A function of theta that remembers its last few values: L-BFGS-B asks for the value
    and then the gradient at the same point, and Newton's stencil starts where the last
    step ended."""

    def __init__(self, fun: Callable[[np.ndarray], float], size: int = 8) -> None:
        self.fun = fun
        self.size = size
        self.cache: dict[bytes, float] = {}

    def __call__(self, x: np.ndarray) -> float:
        key = np.asarray(x, dtype=float).tobytes()
        if key not in self.cache:
            if len(self.cache) >= self.size:
                self.cache.pop(next(iter(self.cache)))
            self.cache[key] = self.fun(np.asarray(x, dtype=float))
        return self.cache[key]


def _safe_deviance(problem: Problem, method: Method, theta: np.ndarray) -> float:
    value = problem.deviance(theta, method)
    return value if np.isfinite(value) else 1e300
