"""Linear mixed models with several grouping factors, crossed or nested: exact ML and REML.

$$
y = X\\beta + \\sum_t Z_t b_t + \\varepsilon,\\qquad
b_{tj} \\sim N(0, \\Sigma_t)\\ \\text{for each level } j \\text{ of factor } t,\\qquad
\\varepsilon \\sim N(0, \\sigma_y^2 I).
$$

Each random-effects term $t$ (lme4's ``(z1 + ... + zk | g)``) gives every level $j$ of its
grouping factor a $k_t$-vector $b_{tj}$; the terms may share rows in any pattern: crossed
(Penicillin's plates and samples), nested (Pastes' casks within batches) or partially
crossed. With $\\Sigma_t = \\sigma_y^2\\lambda_t\\lambda_t'$ ($\\lambda_t$ lower triangular,
its diagonal $\\ge 0$) and $\\Lambda$ the block-diagonal matrix with $\\lambda_t$ once per
level, $\\beta$ and $\\sigma_y^2$ profile out and leave the deviance of Bates, Mächler, Bolker
and Walker (2015, section 3) in $\\theta$, the lower triangles of the $\\lambda_t$:

$$
-2\\ell(\\theta) = \\log|L_\\theta|^2 + \\nu\\Bigl(1 + \\log\\frac{2\\pi r^2_\\theta}{\\nu}\\Bigr)
\\;[+\\ \\log|R_X|^2 \\text{ for REML}],
$$

with $L_\\theta L_\\theta' = \\Lambda'Z'Z\\Lambda + I$, $r^2_\\theta$ the penalized residual
sum of squares, $R_XR_X'$ the Schur complement onto $X$, and $\\nu = N$ (ML) or $N - p$
(REML).

It is computed from a blocked Cholesky factor, as MixedModels.jl does
(`partial_pooling.mixed_factor`), and minimized over $\\theta$ with bounds until the
projected gradient vanishes to the noise of its finite differences.

A fit is *singular* (lme4's ``isSingular``) when a diagonal element of some $\\lambda_t$ is
below `SINGULAR_TOL` $= 10^{-4}$: a variance at 0, or a $\\Sigma_t$ of lower rank (a
correlation of $\\pm 1$).

References
----------
Bates, D., Mächler, M., Bolker, B. and Walker, S. (2015). Fitting linear mixed-effects models
using lme4. *Journal of Statistical Software* 67(1), 1-48.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import linalg

from .mixed_factor import Factor, Problem
from .threads import one_blas_thread, single_blas_thread
from .validation import Method, check_method, warn_not_converged

__all__ = ["SINGULAR_TOL", "MixedFit", "MixedPrediction", "RandomTerm", "fit_mixed"]

#: A fit is singular when a diagonal element of a term's relative covariance factor
#: $\\lambda_t$ ($\\Sigma_t = \\sigma_y^2\\lambda_t\\lambda_t'$) is below this: lme4's
#: ``isSingular(tol = 1e-4)``.
SINGULAR_TOL = 1e-4


@dataclass(frozen=True)
class RandomTerm:
    """One random-effects term (z1 + ... + zk | g): per level of g a k-vector b ~ N(0, Sigma).

    Attributes
    ----------
    group : str
        The grouping factor's label, e.g. ``"plate"``, or ``"batch:cask"`` for a nested term.
    levels : pandas.Index
        Level labels; ``codes`` index into it.
    codes : numpy.ndarray
        (N,) int64, each row's level.
    Z : numpy.ndarray
        (N, k) float, the columns multiplying $b$ (a column of ones for an intercept).
    names : tuple of str
        The k names of the columns, e.g. ``("(Intercept)", "age")``.
    """

    group: str
    levels: pd.Index
    codes: np.ndarray
    Z: np.ndarray
    names: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# checks


def _term_name(term: RandomTerm) -> str:
    return f"({' + '.join(term.names)} | {term.group})"


def _check_inputs(
    y: object, X: object, X_names: object, terms: object
) -> tuple[np.ndarray, np.ndarray, list[str], list[RandomTerm]]:
    y_arr = np.asarray(y)
    if y_arr.ndim != 1 or y_arr.size == 0:
        raise ValueError(f"y must be a non-empty 1-D array, got shape {y_arr.shape}")
    if not np.issubdtype(y_arr.dtype, np.number) or np.issubdtype(y_arr.dtype, np.complexfloating):
        raise ValueError(f"y must be numeric, got dtype {y_arr.dtype}")
    y_arr = y_arr.astype(float)
    if not np.isfinite(y_arr).all():
        bad = int(np.flatnonzero(~np.isfinite(y_arr))[0])
        raise ValueError(f"y has a NaN or infinite value (row {bad}: {float(y_arr[bad])})")
    N = y_arr.size
    X_arr = np.asarray(X)
    if X_arr.ndim != 2 or X_arr.shape[0] != N:
        raise ValueError(
            f"X must be a 2-D array with {N} rows (one per y), got shape {X_arr.shape}"
        )
    if not np.issubdtype(X_arr.dtype, np.number) or np.issubdtype(X_arr.dtype, np.complexfloating):
        raise ValueError(f"X must be numeric, got dtype {X_arr.dtype}")
    X_arr = X_arr.astype(float)
    if isinstance(X_names, str) or not isinstance(X_names, Sequence | pd.Index | np.ndarray):
        raise ValueError(f"X_names must be a sequence of column names, got {X_names!r}")
    names = [str(n) for n in X_names]
    p = X_arr.shape[1]
    if len(names) != p:
        raise ValueError(f"X_names has {len(names)} names for the {p} columns of X")
    if len(set(names)) != p:
        raise ValueError(f"X_names has duplicates: {names}")
    for c in range(p):
        if not np.isfinite(X_arr[:, c]).all():
            bad = int(np.flatnonzero(~np.isfinite(X_arr[:, c]))[0])
            raise ValueError(
                f"fixed-effect column {names[c]!r} has a NaN or infinite value (row {bad})"
            )
    if p and np.linalg.matrix_rank(X_arr) < p:
        raise ValueError(
            f"the fixed-effect columns {names} are linearly dependent (X is rank deficient)"
        )
    if p >= N:
        raise ValueError(f"{p} fixed effects need more than {N} rows")
    if isinstance(terms, RandomTerm) or not isinstance(terms, Sequence):
        raise ValueError("terms must be a sequence of RandomTerm")
    if len(terms) == 0:
        raise ValueError("terms is empty: a mixed model needs at least one random-effects term")
    checked = [_check_term(t, N) for t in terms]
    _check_distinct(checked)
    return y_arr, X_arr, names, checked


def _same_grouping(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two code vectors group the rows identically (one relabels the other)."""
    pairs = np.unique(np.column_stack([a, b]), axis=0)
    return bool(len(pairs) == len(np.unique(a)) == len(np.unique(b)))


def _check_distinct(terms: list[RandomTerm]) -> None:
    """Two terms on the same grouping of the rows with a common column cannot be told apart:
    only the sum of their variances along that column is identified."""
    for i, a in enumerate(terms):
        for b in terms[:i]:
            if len(a.levels) != len(b.levels) or not _same_grouping(a.codes, b.codes):
                continue
            for ca in range(a.Z.shape[1]):
                for cb in range(b.Z.shape[1]):
                    if np.array_equal(a.Z[:, ca], b.Z[:, cb]):
                        raise ValueError(
                            f"terms {_term_name(b)} and {_term_name(a)} group the rows the "
                            f"same way and share the column {a.names[ca]!r}: the random "
                            "effects are not identifiable (only the sum of their variances "
                            "is); drop one of them"
                        )


def _check_term(term: object, N: int) -> RandomTerm:
    if not isinstance(term, RandomTerm):
        raise ValueError(f"each term must be a RandomTerm, got {type(term).__name__}")
    label = _term_name(term)
    codes = np.asarray(term.codes)
    if codes.shape != (N,) or not np.issubdtype(codes.dtype, np.integer):
        raise ValueError(
            f"term {label}: codes must be {N} integers, got {codes.dtype} {codes.shape}"
        )
    J = len(term.levels)
    if codes.min() < 0 or codes.max() >= J:
        raise ValueError(f"term {label}: codes must index its {J} levels (0 to {J - 1})")
    counts = np.bincount(codes, minlength=J)
    if (counts == 0).any():
        missing = [str(v) for v in term.levels[counts == 0][:3]]
        raise ValueError(f"term {label}: level(s) {missing} have no rows; drop unused levels")
    if J < 2:
        raise ValueError(
            f"term {label}: the grouping factor {term.group!r} has only one level "
            f"({term.levels[0]!s}); a variance across levels needs at least two"
        )
    Z = np.asarray(term.Z)
    if Z.ndim == 1:
        Z = Z[:, None]
    if Z.ndim != 2 or Z.shape[0] != N or Z.shape[1] < 1:
        raise ValueError(f"term {label}: Z must have {N} rows and >= 1 column, got {Z.shape}")
    if not np.issubdtype(Z.dtype, np.number) or np.issubdtype(Z.dtype, np.complexfloating):
        raise ValueError(f"term {label}: Z must be numeric, got dtype {Z.dtype}")
    Z = Z.astype(float)
    k = Z.shape[1]
    names = tuple(str(n) for n in term.names)
    if len(names) != k or len(set(names)) != k:
        raise ValueError(f"term {label}: names must be {k} distinct names, got {names}")
    for c in range(k):
        if not np.isfinite(Z[:, c]).all():
            raise ValueError(f"term {label}: column {names[c]!r} has a NaN or infinite value")
    if k > 1:
        for c in range(k):
            col = Z[:, c]
            lo = np.full(J, np.inf)
            hi = np.full(J, -np.inf)
            np.minimum.at(lo, codes, col)
            np.maximum.at(hi, codes, col)
            spread = float(np.max(np.abs(col))) or 1.0
            if np.all(hi - lo <= 1e-12 * spread) and not np.all(col == 1.0):
                raise ValueError(
                    f"term {label}: the random slope {names[c]!r} is constant within every "
                    f"level of {term.group!r}, so it cannot be told apart from the other "
                    "column(s) of the term"
                )
    if J * k >= N:
        raise ValueError(
            f"term {label}: {J * k} random effects ({J} levels x {k}) for {N} rows: the "
            "random effects and the residual variance are not identifiable"
        )
    return RandomTerm(
        group=str(term.group),
        levels=pd.Index(term.levels),
        codes=codes.astype(np.int64),
        Z=Z,
        names=names,
    )


def _lme4_order(terms: Sequence[RandomTerm]) -> list[int]:
    """lme4's ``mkReTrms``: reorder only when some term has more levels than the one before,
    then by decreasing number of levels (ties reversed, as ``rev(order(nl))`` does)."""
    nl = np.array([len(t.levels) for t in terms])
    if not (np.diff(nl) > 0).any():
        return list(range(len(terms)))
    return list(np.argsort(nl, kind="stable")[::-1])


def _labels(terms: Sequence[RandomTerm]) -> list[str]:
    """lme4's labels: the factor's name, with ``.1``, ``.2`` for later terms on the same one."""
    seen: dict[str, int] = {}
    out = []
    for t in terms:
        n = seen.get(t.group, 0)
        out.append(t.group if n == 0 else f"{t.group}.{n}")
        seen[t.group] = n + 1
    return out


# ---------------------------------------------------------------------------------------------
# the result


@dataclass(frozen=True)
class MixedPrediction:
    """Predictions for new rows of a `MixedFit` (see `MixedFit.predict`).

    Attributes
    ----------
    mean : numpy.ndarray
        $x'\\hat\\beta + \\sum_t z_t'\\hat b_{tj}$ for each row; a term whose level is new
        (code -1) adds 0 (lme4's ``allow.new.levels``).
    se_mean : numpy.ndarray
        Standard error of ``mean`` as an estimate of $x'\\beta + \\sum_t z_t'b_{tj}$ (the row's
        mean for its groups), at the fitted variance components: the prediction-error
        variance of the mixed-model equations, $\\hat\\sigma_y^2 a'(\\Omega)^{-1}a$, which
        includes $\\mathrm{cov}(\\hat\\beta)$, the conditional variance of each seen level's
        effects and their covariances; plus $z_t'\\hat\\Sigma_tz_t$ for each term whose level
        is new.
    se_obs : numpy.ndarray
        Standard error for a new observation of that row: $\\sqrt{\\text{se\\_mean}^2 +
        \\hat\\sigma_y^2}$.
    """

    mean: np.ndarray
    se_mean: np.ndarray
    se_obs: np.ndarray


@dataclass(frozen=True)
class MixedFit:
    """A linear mixed model fitted by `fit_mixed`.

    Attributes
    ----------
    method : {"ML", "REML"}
        How the variance components were estimated.
    N : int
        Number of observations.
    beta : pandas.Series
        Fixed effects $\\hat\\beta$, indexed by ``X_names``.
    beta_cov : pandas.DataFrame
        $\\mathrm{cov}(\\hat\\beta) = \\hat\\sigma_y^2(R_XR_X')^{-1}$ at the fitted variance
        components (lme4's ``vcov``).
    beta_se : pandas.Series
        Standard errors of $\\hat\\beta$.
    sigma_y : float
        Residual SD (ML: $r^2/N$, REML: $r^2/(N - p)$ under the root).
    labels : tuple of str
        One per term, in lme4's order (by number of levels, largest first): the factor's
        name, ``"g.1"`` for a second term on the same factor (lme4's ``VarCorr`` names).
    terms : tuple of RandomTerm
        The terms, in the order of ``labels``.
    Sigma : dict of str to pandas.DataFrame
        $\\hat\\Sigma_t$ by label, $k_t \\times k_t$ with the term's names.
    sd : dict of str to pandas.Series
        The SDs of the term's effects (square roots of $\\hat\\Sigma_t$'s diagonal).
    corr : dict of str to pandas.DataFrame
        Their correlations (NaN where an SD is 0).
    theta : numpy.ndarray
        The lower triangles of the $\\lambda_t$, column by column, term by term in lme4's
        order: lme4's ``getME(fit, "theta")``.
    loglik : float
        lme4's ``logLik``: the ML log-likelihood, or for REML the REML criterion's
        log-likelihood ($-\\frac12$ the REML deviance).
    ranef : dict of str to pandas.DataFrame
        Conditional modes $\\hat b_{tj}$ by label, levels x names (lme4's ``ranef``).
    converged : bool
        Whether the Newton polish stopped on its test (a step below $10^{-9}$ relative, or
        gains below the deviance's rounding); when False a
        `partial_pooling.validation.ConvergenceWarning` said so and the estimates are the best
        point found.
    iterations : int
        L-BFGS-B iterations plus Newton steps.
    singular : bool
        Whether a diagonal element of some $\\lambda_t$ is below `SINGULAR_TOL` (lme4's
        ``isSingular``).
    singular_terms : tuple of str
        The labels of those terms.
    """

    method: Method
    N: int
    beta: pd.Series
    beta_cov: pd.DataFrame
    beta_se: pd.Series
    sigma_y: float
    labels: tuple[str, ...]
    terms: tuple[RandomTerm, ...]
    Sigma: dict[str, pd.DataFrame]
    sd: dict[str, pd.Series]
    corr: dict[str, pd.DataFrame]
    theta: np.ndarray
    loglik: float
    ranef: dict[str, pd.DataFrame]
    converged: bool
    iterations: int
    singular: bool
    singular_terms: tuple[str, ...]
    _problem: Problem = field(repr=False, compare=False)
    _factor: Factor = field(repr=False, compare=False)

    @property
    def deviance(self) -> float:
        """$-2\\,$``loglik``: the ML deviance or the REML criterion."""
        return -2.0 * self.loglik

    def profiled_deviance(self, theta: Sequence[float] | np.ndarray) -> float:
        """The profiled deviance of this model and method at another $\\theta$ (lme4's
        ``devFunOnly = TRUE`` function): $-2\\ell$ for ML, the REML criterion for REML;
        ``inf`` where it is not defined."""
        t = np.asarray(theta, dtype=float)
        if t.shape != self.theta.shape or not np.isfinite(t).all():
            raise ValueError(f"theta must be {self.theta.size} finite numbers, got {t.shape}")
        if (t < self._problem.lower).any():
            raise ValueError("theta has a negative diagonal element of a lambda_t")
        with one_blas_thread():
            return self._problem.deviance(t, self.method)

    @functools.cached_property
    def cond_var(self) -> dict[str, np.ndarray]:
        """lme4's ``condVar``: per label an array (levels, k, k), the conditional covariance
        of each level's effects given $y$ at $\\hat\\theta$, $\\hat\\sigma_y$ and
        $\\hat\\beta$: the blocks of $\\hat\\sigma_y^2\\Lambda(\\Lambda'Z'Z\\Lambda +
        I)^{-1}\\Lambda'$."""
        with one_blas_thread():
            return self._cond_var()

    def _cond_var(self) -> dict[str, np.ndarray]:
        pr, f = self._problem, self._factor
        s2 = self.sigma_y**2
        qr = pr.qr
        Lz = f.Ls[:qr, :qr]
        Linv = linalg.solve_triangular(Lz, np.eye(qr), lower=True) if qr else np.zeros((0, 0))
        out: dict[str, np.ndarray] = {}
        # the first term: L_j^{-T}L_j^{-1} + (H_j L_j^{-1})'(H_j L_j^{-1}), H = Lz^{-1} W_z
        J1, k1 = pr.J[0], pr.k[0]
        K = np.swapaxes(f.L1inv, 1, 2) @ f.L1inv
        if qr:
            Wz = pr.scaled_U(f)[:qr]
            H = (Linv @ Wz).reshape(qr, J1, k1)  # columns of level j: H[:, j, :]
            P = np.einsum("rja,jab->jrb", H, f.L1inv)
            K = K + np.swapaxes(P, 1, 2) @ P
        lam = f.lams[0]
        out[self.labels[0]] = s2 * (lam[None] @ K @ lam.T[None])
        start = 0
        for i in range(1, len(pr.k)):
            J, k = pr.J[i], pr.k[i]
            blk = Linv[:, start : start + J * k].reshape(qr, J, k)
            Ki = np.einsum("rja,rjb->jab", blk, blk)
            lam = f.lams[i]
            out[self.labels[i]] = s2 * (lam[None] @ Ki @ lam.T[None])
            start += J * k
        return out

    def predict(
        self, *, X: np.ndarray, codes: Sequence[np.ndarray], Z: Sequence[np.ndarray]
    ) -> MixedPrediction:
        """The fitted mean of new rows, with standard errors for it and for a new observation.

        Parameters
        ----------
        X : numpy.ndarray
            (n, p) fixed-effect columns, in the order of ``beta``.
        codes : sequence of numpy.ndarray
            One per term, in the order of ``labels``: each row's level (an index into that
            term's ``levels``), or -1 for a level not seen in fitting, whose effect is 0.
        Z : sequence of numpy.ndarray
            One (n, k_t) array per term, in the order of ``labels``.

        Returns
        -------
        MixedPrediction
            ``mean``, ``se_mean`` (cov of $\\hat\\beta$, the conditional variance of the seen
            levels' effects and their covariances, $z'\\hat\\Sigma_tz$ for a new level) and
            ``se_obs`` (those plus $\\hat\\sigma_y^2$).
        """
        with one_blas_thread():
            return self._predict(X=X, codes=codes, Z=Z)

    def _predict(
        self, *, X: np.ndarray, codes: Sequence[np.ndarray], Z: Sequence[np.ndarray]
    ) -> MixedPrediction:
        pr, f = self._problem, self._factor
        Xn = np.asarray(X, dtype=float)
        if Xn.ndim != 2 or Xn.shape[1] != pr.p:
            raise ValueError(
                f"X must have {pr.p} columns ({list(self.beta.index)}), got {Xn.shape}"
            )
        if not np.isfinite(Xn).all():
            raise ValueError("X has a NaN or infinite value")
        n = Xn.shape[0]
        if len(codes) != len(self.terms) or len(Z) != len(self.terms):
            raise ValueError(
                f"codes and Z need one entry per term, in the order {list(self.labels)}"
            )
        mean = Xn @ self.beta.to_numpy()
        extra = np.zeros(n)  # z' Sigma z for new levels
        a1 = np.zeros((pr.J[0] * pr.k[0], n))
        a2 = np.zeros((pr.m - 1, n))
        a2[pr.qr :, :] = Xn.T
        start = 0
        for i, label in enumerate(self.labels):
            c = np.asarray(codes[i])
            z = np.asarray(Z[i], dtype=float)
            if z.ndim == 1:
                z = z[:, None]
            k, J = pr.k[i], pr.J[i]
            if c.shape != (n,) or not np.issubdtype(c.dtype, np.integer):
                raise ValueError(f"term {label}: codes must be {n} integers")
            if z.shape != (n, k) or not np.isfinite(z).all():
                raise ValueError(f"term {label}: Z must be a finite ({n}, {k}) array")
            if c.min(initial=0) < -1 or c.max(initial=0) >= J:
                raise ValueError(f"term {label}: codes must be -1 (a new level) or 0 to {J - 1}")
            seen = c >= 0
            b = self.ranef[label].to_numpy()
            mean[seen] += np.einsum("ra,ra->r", z[seen], b[c[seen]])
            Sig = self.Sigma[label].to_numpy()
            extra[~seen] += np.einsum("ra,ab,rb->r", z[~seen], Sig, z[~seen])
            lz = z @ f.lams[i]  # rows of (lambda' z)'
            rows = np.flatnonzero(seen)
            for a in range(k):
                if i == 0:
                    a1[c[seen] * k + a, rows] = lz[seen, a]
                else:
                    a2[start + c[seen] * k + a, rows] = lz[seen, a]
            if i > 0:
                start += J * k
        # v = L0^{-1} a: first the block-diagonal part, then the dense one
        J1, k1 = pr.J[0], pr.k[0]
        v1 = np.einsum("jab,jbr->jar", f.L1inv, a1.reshape(J1, k1, n)).reshape(J1 * k1, n)
        W0 = pr.scaled_U(f)[:-1]
        v2 = linalg.solve_triangular(f.Ls[:-1, :-1], a2 - W0 @ v1, lower=True)
        var = self.sigma_y**2 * ((v1**2).sum(axis=0) + (v2**2).sum(axis=0)) + extra
        se_mean = np.sqrt(var)
        return MixedPrediction(mean=mean, se_mean=se_mean, se_obs=np.sqrt(var + self.sigma_y**2))


# ---------------------------------------------------------------------------------------------
# the fit


@single_blas_thread
def fit_mixed(
    *,
    y: np.ndarray,
    X: np.ndarray,
    X_names: Sequence[str],
    terms: Sequence[RandomTerm],
    method: Method = "REML",
) -> MixedFit:
    """Fit a linear mixed model with any number of random-effects terms, by ML or REML.

    Parameters
    ----------
    y : numpy.ndarray
        (N,) response.
    X : numpy.ndarray
        (N, p) fixed-effect columns (an intercept is a column of ones), of full column rank.
    X_names : sequence of str
        The p names of the columns of X.
    terms : sequence of RandomTerm
        The random-effects terms, crossed or nested in any pattern (a nested term is a term on
        the interaction of the factors, e.g. ``"batch:cask"``).
    method : {"REML", "ML"}
        Restricted or full maximum likelihood.

    Returns
    -------
    MixedFit
        Estimates at the exact optimum of the profiled deviance (see the module's notes).

    Raises
    ------
    ValueError
        For NaN or infinite values, a rank-deficient X, a grouping factor with one level, a
        random slope constant within every level of its factor, or a term with at least as
        many random effects as rows, naming the term.
    """
    m = check_method(method)
    y_arr, X_arr, names, checked = _check_inputs(y, X, X_names, terms)
    order = _lme4_order(checked)
    ordered = [checked[i] for i in order]
    labels = _labels(ordered)
    # The search runs on an equivalent problem whose deviance has the same minimizer and
    # less rounding: each column of each Z scaled to root-mean-square 1 (theta maps back
    # exactly: lambda_t = diag(1/s) lambda_t^s stays lower triangular, same signs); X
    # replaced by Q of its QR decomposition (the REML term shifts by a constant) and y by
    # its least-squares residual on X, scaled to SD 1 (the fixed effects absorb the rest),
    # so that y'y - ... and log|R_X| do not cancel digits.
    rms = [np.sqrt(np.mean(t.Z**2, axis=0)) for t in ordered]
    scaled = [replace(t, Z=t.Z / s) for t, s in zip(ordered, rms, strict=True)]
    Q, R = np.linalg.qr(X_arr) if X_arr.shape[1] else (X_arr, np.eye(0))
    resid = y_arr - Q @ (Q.T @ y_arr)
    y_scale = float(np.std(resid)) or 1.0
    equivalent = Problem(resid / y_scale, Q, scaled)
    theta_s, converged, iterations = equivalent.optimize(m)
    # the deviance at the optimum, from the equivalent problem: r^2 scales by y_scale^2 and
    # log|X'V^-1X| = log|Q'V^-1Q| + log|R|^2
    nu = len(y_arr) - (X_arr.shape[1] if m == "REML" else 0)
    deviance = equivalent.deviance(theta_s, m) + nu * 2.0 * np.log(y_scale)
    if m == "REML":
        deviance += 2.0 * float(np.log(np.abs(np.diag(R))).sum())
    problem = Problem(y_arr, X_arr, ordered, search=False)
    theta = problem.unscale_theta(theta_s, rms)
    f = problem.factor(theta)
    if f is None:  # pragma: no cover - the optimizer only returns finite points
        raise RuntimeError("the deviance is not finite at the optimum")
    if not converged:
        warn_not_converged("fit_mixed")
    return _result(problem, f, m, names, labels, ordered, converged, iterations, deviance)


def _result(
    pr: Problem,
    f: Factor,
    method: Method,
    names: list[str],
    labels: list[str],
    terms: list[RandomTerm],
    converged: bool,
    iterations: int,
    deviance: float,
) -> MixedFit:
    Ls = f.Ls
    qr, p = pr.qr, pr.p
    # solve L0' x = l, l the last row of the factor (without its corner)
    ell = Ls[-1, :-1]
    x2 = linalg.solve_triangular(Ls[:-1, :-1], ell, lower=True, trans="T")
    W = pr.scaled_U(f)
    W0, ell1 = W[:-1], W[-1]
    # l1 = L1^{-1} Lambda1' Z1'y per level; U's y row is (Z1'y)' T = l1' blocks
    J1, k1 = pr.J[0], pr.k[0]
    z1 = ell1.reshape(J1, k1) - (W0.T @ x2).reshape(J1, k1)
    u1 = np.einsum("jba,jb->ja", f.L1inv, z1)  # L1^{-T}
    beta = x2[qr:]
    r2 = float(Ls[-1, -1]) ** 2
    nu = pr.N if method == "ML" else pr.N - p
    sigma2 = r2 / nu
    sigma_y = float(np.sqrt(sigma2))
    RX = Ls[qr : qr + p, qr : qr + p]
    RXinv = linalg.solve_triangular(RX, np.eye(p), lower=True) if p else np.zeros((0, 0))
    cov = sigma2 * (RXinv.T @ RXinv)
    Sigma: dict[str, pd.DataFrame] = {}
    sd: dict[str, pd.Series] = {}
    corr: dict[str, pd.DataFrame] = {}
    ranef: dict[str, pd.DataFrame] = {}
    singular_terms = []
    start = 0
    for i, (term, label) in enumerate(zip(terms, labels, strict=True)):
        lam = f.lams[i]
        S = sigma2 * lam @ lam.T
        Sigma[label] = pd.DataFrame(S, index=list(term.names), columns=list(term.names))
        s = np.sqrt(np.diag(S))
        sd[label] = pd.Series(s, index=list(term.names))
        with np.errstate(invalid="ignore", divide="ignore"):
            R = S / np.outer(s, s)
        corr[label] = pd.DataFrame(R, index=list(term.names), columns=list(term.names))
        if i == 0:
            u = u1
        else:
            J, k = pr.J[i], pr.k[i]
            u = x2[start : start + J * k].reshape(J, k)
            start += J * k
        ranef[label] = pd.DataFrame(u @ lam.T, index=term.levels, columns=list(term.names))
        if (np.diag(lam) < SINGULAR_TOL).any():
            singular_terms.append(label)
    return MixedFit(
        method=method,
        N=pr.N,
        beta=pd.Series(beta, index=names),
        beta_cov=pd.DataFrame(cov, index=names, columns=names),
        beta_se=pd.Series(np.sqrt(np.diag(cov)), index=names),
        sigma_y=sigma_y,
        labels=tuple(labels),
        terms=tuple(terms),
        Sigma=Sigma,
        sd=sd,
        corr=corr,
        theta=f.theta.copy(),
        loglik=-0.5 * deviance,
        ranef=ranef,
        converged=converged,
        iterations=iterations,
        singular=bool(singular_terms),
        singular_terms=tuple(singular_terms),
        _problem=pr,
        _factor=f,
    )
