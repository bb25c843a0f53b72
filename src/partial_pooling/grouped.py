"""Grouped data: input checks and the per-group sufficient statistics every fit uses.

A random-intercept model needs only a handful of numbers per group: the group size
$n_j$, the group means $\\bar y_j$ and $\\bar x_j$, and the within-group cross-products.
`group_data` checks a data frame once, with errors that name the column or value at fault, and
`SufficientStatistics` reduces it, in one pass, to small orthogonal (QR) factors from which every
likelihood evaluation is computed.

Every fit gives the same answer in any units: the response and each covariate are centred and
scaled internally (`Standardization`), the checks for a constant, group-level or collinear
covariate are relative to the column's own scale, and the weighted least-squares problems are
solved by QR factorisations, never by forming the normal equations.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeAlias, cast

import numpy as np
import pandas as pd
from scipy.linalg import lapack

from .threads import single_blas_thread

#: A column name: a string, or an integer for a frame with integer column labels.
ColumnName: TypeAlias = str | int

__all__ = [
    "ColumnName",
    "GroupedData",
    "Standardization",
    "SufficientStatistics",
    "covariate_names",
    "group_data",
]

#: Largest condition number of the centred, scaled covariates that is accepted. Up to it the
#: fits are accurate to about 1e-8 relative; beyond it they refuse, naming the columns.
MAX_CONDITION = 1e8

#: Rows per block when the within-group QR factor is accumulated (bounds the memory a fit
#: needs beyond the data to a few MB, whatever N).
_CHUNK = 1 << 16


def plain(value: object) -> str:
    """A number or label as a person writes it: ``inf`` or ``1.5``, not ``np.float64(1.5)``."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, list | tuple | np.ndarray | pd.Index):
        items = ", ".join(plain(v) for v in value)
        return f"({items})" if isinstance(value, tuple) else f"[{items}]"
    if isinstance(value, np.str_):
        return repr(str(value))
    return repr(value)


def _where(data: pd.DataFrame, mask: np.ndarray, limit: int = 3) -> str:
    """``row(s) [..]`` naming the first rows of ``mask``, in the terms of the frame's index.

    A frame whose index has a name (the command line sets ``line``, the CSV line numbers) is
    spoken of in that name: ``line(s) [5, 9]``.
    """
    what = str(data.index.name) if data.index.name is not None else "row"
    return f"{what}(s) {plain(list(data.index[mask][:limit]))}"


def covariate_names(x: ColumnName | Sequence[ColumnName] | None) -> list[ColumnName]:
    """The covariate argument ``x`` as a list of column names (none for None), checked."""
    if x is None:
        return []
    if isinstance(x, str | int | np.integer) or not isinstance(x, Sequence | pd.Index):
        _check_name("covariate", x)
        return [x]
    names = list(x)
    for name in names:
        if not isinstance(name, str | int | np.integer) or isinstance(name, bool):
            raise ValueError(f"covariate names must be column names, got {plain(name)}")
    return names


def one_covariate(x: object, function: str) -> ColumnName:
    """``x`` as the one covariate name a function takes, or a ValueError naming the function."""
    if isinstance(x, bool) or not isinstance(x, str | int | np.integer):
        raise ValueError(f"{function} takes one covariate name, got {plain(x)}")
    return cast(ColumnName, x)


def _check_columns(data: object, wanted: list[ColumnName], roles: str) -> None:
    """A data frame with rows, that has every column in ``wanted``, none of them used twice."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    unknown = [name for name in wanted if name not in data.columns]
    if unknown:
        shown = list(data.columns[:20])
        more = f" (and {len(data.columns) - 20} more)" if len(data.columns) > 20 else ""
        raise ValueError(
            f"unknown column(s) {plain(unknown)}; the data has columns {plain(shown)}{more}"
        )
    seen: set[ColumnName] = set()
    for name in wanted:
        if name in seen:
            raise ValueError(f"column {name!r} is used twice (as {roles})")
        seen.add(name)
    if len(data) == 0:
        raise ValueError("the data frame is empty: there is nothing to fit")


def numeric_columns(
    data: pd.DataFrame, columns: Sequence[tuple[str, ColumnName]]
) -> list[np.ndarray]:
    """Check a frame and some of its columns, (role, name) pairs, without grouping it.

    The checks of `group_data` that need no group: a data frame, known columns used once, rows,
    numeric, no missing or infinite values, not constant. Returns the columns as float arrays.
    """
    for role, name in columns:
        _check_name(role, name)
    _check_columns(data, [name for _, name in columns], "response or covariate")
    out = []
    for role, name in columns:
        values = _numeric_column(data, name, role)
        if np.ptp(values) == 0:
            raise ValueError(
                f"{role} column {name!r} is constant (every value is {plain(values[0])})"
            )
        out.append(values)
    return out


def _check_name(role: str, name: object) -> None:
    if isinstance(name, bool) or not isinstance(name, str | int | np.integer):
        raise ValueError(f"the {role} column name must be a column name, got {plain(name)}")


def _numeric_column(data: pd.DataFrame, name: Hashable, role: str) -> np.ndarray:
    col = data[name]
    if isinstance(col, pd.DataFrame):
        raise ValueError(f"column name {name!r} ({role}) appears more than once in the data")
    if pd.api.types.is_bool_dtype(col):
        col = col.astype(float)
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_complex_dtype(col):
        bad = [v for v in col.dropna().head(50) if not isinstance(v, int | float | np.number)]
        example = f"; for example the value {plain(bad[0])}" if bad else ""
        raise ValueError(
            f"{role} column {name!r} must be numeric, but has dtype {col.dtype}{example}"
        )
    plain_numpy = isinstance(col.dtype, np.dtype) and col.dtype.kind in "fiu"
    if plain_numpy:  # missing is NaN there: found below with the other non-finite values
        values = col.to_numpy(dtype=float)
        finite = np.isfinite(values)
        missing = np.zeros(0, dtype=bool) if finite.all() else np.isnan(values)
    else:
        missing = col.isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"{role} column {name!r} has {int(missing.sum())} missing value(s), first at "
            f"{_where(data, missing)}; drop or impute them before fitting"
        )
    if not plain_numpy:
        values = col.to_numpy(dtype=float)
        finite = np.isfinite(values)
    if not finite.all():
        raise ValueError(
            f"{role} column {name!r} has non-finite value(s) "
            f"{plain(list(values[~finite][:3]))} at {_where(data, ~finite)}"
        )
    return values


def _centre_scale(v: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Centre and scale of ``v`` (its mean and root-mean-square deviation) and the scaled values.

    Computed without overflow for values up to the largest double, and accurate when the
    values are far from zero (a year, a shift of 1e6): the deviations are taken from the
    original values, so ``x + 2000`` and ``x`` give the same scaled column to rounding. One
    array of the length of ``v`` is allocated (the result); the rest is done in place.
    """
    big = max(float(v.max()), -float(v.min()))
    if big == 0.0:
        return 0.0, 1.0, np.zeros_like(v)
    if big < 1e300:
        centre = float(np.mean(v))
    else:  # the sum could overflow: average the values scaled down
        centre = float(np.mean(v / big)) * big
    with np.errstate(over="ignore", invalid="ignore"):
        dev = v - centre
        spread = max(float(dev.max()), -float(dev.min()))
    if not np.isfinite(spread):
        raise OverflowError("values span more than the largest double")
    if spread == 0.0:
        return centre, 1.0, dev
    shift = float(np.mean(dev))  # a second pass removes the rounding of the first mean
    dev -= shift
    centre += shift
    spread = max(float(dev.max()), -float(dev.min()))
    if 1e-140 < spread < 1e140:
        scale = float(np.sqrt(np.dot(dev, dev) / dev.size))
    else:  # the squares would overflow or underflow: take them of the values scaled down
        u = dev / spread
        scale = float(np.sqrt(np.dot(u, u) / u.size)) * spread
    dev /= scale
    return centre, scale, dev


@dataclass(frozen=True, eq=False)
class Standardization:
    """The centring and scaling under which every fit is computed, and the way back.

    The fits work with $y^s = (y - c_y)/s_y$ and $x^s_k = (x_k - c_k)/s_k$ (centres the means,
    scales the root-mean-square deviations). A coefficient vector $b$ of the design
    $[1, x^s]$ maps back to the data's units as
    $(\\mu, \\beta) = (c_y, 0) + s_y T b$ with
    $T = \\begin{pmatrix}1 & -(c/s)'\\\\ 0 & \\operatorname{diag}(1/s)\\end{pmatrix}$.
    """

    y_centre: float
    y_scale: float
    x_centre: np.ndarray
    x_scale: np.ndarray

    @property
    def T(self) -> np.ndarray:
        """The matrix $T$ above, ``(p + 1) x (p + 1)``."""
        p = self.x_centre.size
        T = np.zeros((p + 1, p + 1))
        T[0, 0] = 1.0
        T[0, 1:] = -self.x_centre / self.x_scale
        T[1:, 1:] = np.diag(1.0 / self.x_scale)
        return T

    def beta(self, b: np.ndarray) -> np.ndarray:
        """$\\beta$ in the data's units from the standardized coefficients $b = (b_0, b_1..)$."""
        return np.asarray(self.y_scale * np.asarray(b[1:]) / self.x_scale)

    def fixed(self, b: np.ndarray) -> tuple[float, np.ndarray]:
        """$(\\mu, \\beta)$ in the data's units from the standardized coefficients $b$."""
        beta = self.beta(b)
        return float(self.intercept(float(b[0]), beta)), beta

    def intercept(self, a: float | np.ndarray, beta: np.ndarray) -> float | np.ndarray:
        """An intercept in the data's units (at $x = 0$) from one at $x^s = 0$ (standardized)."""
        return self.y_centre + self.y_scale * a - float(self.x_centre @ beta)

    def fixed_cov(self, a_inv: np.ndarray, sigma_y2: float) -> np.ndarray:
        """Covariance of $(\\hat\\mu, \\hat\\beta)$: $\\sigma_y^2\\,T A_s^{-1} T'$.

        ``a_inv`` is $A_s^{-1} = (X_s'WX_s)^{-1}$ of the standardized design and ``sigma_y2``
        the residual variance in the data's units.
        """
        T = self.T
        return np.asarray(sigma_y2 * (T @ a_inv @ T.T))

    def loglik_offset(self, N: int, method: str) -> float:
        """What turns a log-likelihood of the standardized data into one of the data.

        ML: $-N\\log s_y$ (the Jacobian of $y \\mapsto y^s$). REML: $-(N-k)\\log s_y -
        \\sum_k \\log s_k$, since $\\log|X'V^{-1}X|$ also changes with the units of $x$.
        """
        k = self.x_centre.size + 1
        if method == "ML":
            return -N * float(np.log(self.y_scale))
        return -(N - k) * float(np.log(self.y_scale)) - float(np.log(self.x_scale).sum())


@dataclass(frozen=True, eq=False)
class GroupedData:
    """Checked arrays of a grouped data set.

    Attributes
    ----------
    y : ndarray, shape (N,)
        The response $y_{ij}$.
    x : ndarray, shape (N, p)
        The covariates $x_{ij}$ (no intercept column); ``p`` may be 0.
    codes : ndarray, shape (N,)
        Group index $j$ of each observation, in ``0 .. J-1``.
    labels : pandas.Index
        The group labels, in the order of the codes.
    y_name, group_name : str
        Column names of the response and the grouping factor.
    x_names : list of str
        Column names of the covariates.
    """

    y: np.ndarray
    x: np.ndarray
    codes: np.ndarray
    labels: pd.Index
    y_name: ColumnName
    group_name: ColumnName
    x_names: list[ColumnName]

    @property
    def N(self) -> int:
        """Number of observations $N = \\sum_j n_j$."""
        return int(self.y.shape[0])

    @property
    def J(self) -> int:
        """Number of groups $J$."""
        return len(self.labels)

    @property
    def p(self) -> int:
        """Number of covariates."""
        return int(self.x.shape[1])

    @cached_property
    def n(self) -> np.ndarray:
        """Group sizes $n_j$."""
        return np.bincount(self.codes, minlength=self.J).astype(float)

    def group_sums(self, values: np.ndarray) -> np.ndarray:
        """Per-group sums of a length-``N`` array (or of each column of an ``N x p`` array)."""
        if values.ndim == 1:
            return np.bincount(self.codes, weights=values, minlength=self.J)
        out = np.empty((self.J, values.shape[1]))
        for k in range(values.shape[1]):
            out[:, k] = np.bincount(self.codes, weights=values[:, k], minlength=self.J)
        return out

    def group_means(self, values: np.ndarray) -> np.ndarray:
        """Per-group means of a length-``N`` array or of each column of an ``N x p`` array."""
        sums = self.group_sums(values)
        return np.asarray(sums / (self.n if values.ndim == 1 else self.n[:, None]))

    @cached_property
    def _standardized(self) -> tuple[Standardization, np.ndarray, np.ndarray]:
        yc, ysc, ys = _centre_scale(self.y)
        xs = np.empty_like(self.x)
        xc, xsc = np.zeros(self.p), np.ones(self.p)
        for k in range(self.p):
            xc[k], xsc[k], xs[:, k] = _centre_scale(self.x[:, k])
        return Standardization(yc, ysc, xc, xsc), ys, xs

    @property
    def scaling(self) -> Standardization:
        """The centres and scales of the response and covariates (see `Standardization`)."""
        return self._standardized[0]

    @property
    def ys(self) -> np.ndarray:
        """The standardized response $y^s = (y - c_y)/s_y$."""
        return self._standardized[1]

    @property
    def xs(self) -> np.ndarray:
        """The standardized covariates $x^s_k = (x_k - c_k)/s_k$, shape ``(N, p)``."""
        return self._standardized[2]

    @cached_property
    def ybar_s(self) -> np.ndarray:
        """Group means of the standardized response, $\\bar y^s_j$."""
        return self.group_means(self.ys)

    @cached_property
    def xbar_s(self) -> np.ndarray:
        """Group means of the standardized covariates, $\\bar x^s_j$, shape ``(J, p)``."""
        return self.group_means(self.xs)

    @cached_property
    def ybar(self) -> np.ndarray:
        """Group means $\\bar y_j$."""
        s = self.scaling
        return s.y_centre + s.y_scale * self.ybar_s

    @cached_property
    def xbar(self) -> np.ndarray:
        """Group means $\\bar x_j$, shape ``(J, p)``."""
        s = self.scaling
        return np.asarray(s.x_centre + s.x_scale * self.xbar_s)

    @cached_property
    def varies_within(self) -> np.ndarray:
        """Whether each covariate takes more than one value in each group, shape ``(J, p)``.

        Exact (the smallest and largest value differ), so the verdict is the same in any units.
        """
        out = np.empty((self.J, self.p), dtype=bool)
        for k in range(self.p):
            lo = np.full(self.J, np.inf)
            hi = np.full(self.J, -np.inf)
            np.minimum.at(lo, self.codes, self.x[:, k])
            np.maximum.at(hi, self.codes, self.x[:, k])
            out[:, k] = hi > lo
        return out

    @cached_property
    def stats(self) -> SufficientStatistics:
        """QR factors of the standardized data (see `SufficientStatistics`)."""
        return SufficientStatistics.from_grouped(self)

    def mixed_model_matrix(self) -> np.ndarray:
        """$C'C$ for $C = [X, Z]$: the design $X = [1, x]$ beside the group indicators $Z$.

        The $(k + J) \\times (k + J)$ matrix of Henderson's mixed-model equations before the
        penalty is added; $Z'Z$ is the diagonal of group sizes.
        """
        X = np.column_stack([np.ones(self.N), self.x])
        k = X.shape[1]
        ZtX = self.group_sums(X)
        M = np.zeros((k + self.J, k + self.J))
        M[:k, :k] = X.T @ X
        M[:k, k:] = ZtX.T
        M[k:, :k] = ZtX
        M[k:, k:] = np.diag(self.n)
        return M

    def series(self, values: np.ndarray, name: str) -> pd.Series:
        """A per-group array as a Series indexed by the group labels."""
        return pd.Series(values, index=self.labels, name=name)



def qr_r(Z: np.ndarray) -> np.ndarray:
    """The triangular factor R of a QR factorisation of ``Z`` (LAPACK's Householder QR).

    Called by every likelihood evaluation on small matrices, so it calls LAPACK's ``dgeqrf``
    directly (numpy's wrapper costs five times the factorisation here).
    """
    if Z.ndim != 2 or Z.shape[0] == 0 or Z.dtype != np.float64:
        return cast(np.ndarray, np.linalg.qr(Z, mode="r"))
    qr, _tau, _work, info = lapack.dgeqrf(Z)
    if info != 0:  # pragma: no cover - only for invalid arguments
        raise np.linalg.LinAlgError(f"dgeqrf failed with info={info}")
    return np.triu(qr[: min(Z.shape)])


def _qr_r(Z: np.ndarray, cols: int) -> np.ndarray:
    """The ``cols x cols`` triangular factor R of ``Z`` (zero rows added when Z is short)."""
    R = qr_r(Z)
    if R.shape[0] < cols:
        R = np.vstack([R, np.zeros((cols - R.shape[0], cols))])
    return R


@dataclass(frozen=True, eq=False)
class SufficientStatistics:
    """What the random-intercept likelihood needs, as small QR factors of the standardized data.

    With $\\psi$ fixed, the GLS problem of $[X, y]$ ($X = [1, x^s]$, $k = p + 1$ columns)
    splits into a within-group part and a group-mean part,

    $$
    \\|W^{1/2}(y - Xb)\\|^2
    = \\sum_j\\sum_i \\big((y_{ij} - \\bar y_j) - (x_{ij} - \\bar x_j)'b\\big)^2
    + \\sum_j \\frac{n_j}{1 + n_j\\psi}(\\bar y_j - \\bar X_j b)^2,
    $$

    and each part is kept as a triangular factor: ``R_within`` of the within-group deviations
    of $[1, x^s, y^s]$, and rows ``B`` whose squares sum to $n_j[\\bar X_j, \\bar y_j]$'s
    outer products over the groups of each size. One likelihood evaluation is then one QR of
    ``R_within`` stacked on ``B`` weighted by $1/\\sqrt{1 + m\\psi}$: orthogonal
    factorisations throughout, no normal equations, accurate up to condition numbers of 1e8.

    Attributes
    ----------
    N, k : int
        Observations; columns of $X$.
    n : ndarray, shape (J,)
        Group sizes $n_j$.
    sizes, counts : ndarray, shape (M,)
        The distinct group sizes and how many groups have each.
    R_within : ndarray, shape (k, k)
        R factor of the within-group deviations of $[x^s, y^s]$ (the intercept has none).
    B, B_size : ndarray
        Between-group rows, shape (rows, k + 1), and the group size $m$ each belongs to: for each
        size, the R factor of $\\sqrt{m}[1, \\bar x^s_j, \\bar y^s_j]$ over the groups of that
        size (or those rows themselves when there are few).
    scaling : Standardization
        How to return to the data's units.
    """

    N: int
    k: int
    n: np.ndarray
    sizes: np.ndarray
    counts: np.ndarray
    R_within: np.ndarray
    B: np.ndarray
    B_size: np.ndarray
    scaling: Standardization

    def uncentred(self, b: np.ndarray) -> tuple[float, np.ndarray]:
        """$(\\mu, \\beta)$ in the data's units from $b$ of the standardized design."""
        return self.scaling.fixed(b)

    @cached_property
    def ols_R(self) -> np.ndarray:
        """R factor of the pooled design $[1, x^s, y^s]$ (complete pooling, $\\psi = 0$)."""
        return _qr_r(np.vstack([self.within_rows, self.B]), self.k + 1)

    @cached_property
    def within_rows(self) -> np.ndarray:
        """``R_within`` with the intercept's zero column in front: rows of $[1, x^s, y^s]$."""
        return np.column_stack([np.zeros(self.k), self.R_within])

    @classmethod
    def from_grouped(cls, g: GroupedData) -> SufficientStatistics:
        k = g.p + 1
        n = g.n
        ys, xs = g.ys, g.xs
        ybar, xbar = g.ybar_s, g.xbar_s
        # within-group deviations of [x, y], folded into R block by block (lean in memory)
        R = np.zeros((0, k))
        for start in range(0, g.N, _CHUNK):
            rows = slice(start, start + _CHUNK)
            c = g.codes[rows]
            block = np.empty((c.size, k))
            block[:, : k - 1] = xs[rows] - xbar[c]
            block[:, k - 1] = ys[rows] - ybar[c]
            R = qr_r(np.vstack([R, block]))
        R_within = np.zeros((k, k))
        R_within[: R.shape[0]] = R
        # group-mean rows sqrt(n_j) [1, xbar_j, ybar_j], reduced to k + 1 rows per group size
        T = np.sqrt(n)[:, None] * np.column_stack([np.ones(g.J), xbar, ybar])
        sizes, size_index, counts = np.unique(n, return_inverse=True, return_counts=True)
        many = counts > k + 1
        blocks = [T[~many[size_index]]]
        block_size = [n[~many[size_index]]]
        if many.any():
            order = np.argsort(size_index, kind="stable")
            bounds = np.concatenate([[0], np.cumsum(counts)])
            for m in np.flatnonzero(many):
                members = order[bounds[m] : bounds[m + 1]]
                blocks.append(qr_r(T[members]))
                block_size.append(np.full(k + 1, sizes[m]))
        return cls(
            N=g.N,
            k=k,
            n=n,
            sizes=sizes,
            counts=counts.astype(float),
            R_within=R_within,
            B=np.vstack(blocks),
            B_size=np.concatenate(block_size),
            scaling=g.scaling,
        )


def _factorize(data: pd.DataFrame, group: Hashable) -> tuple[np.ndarray, pd.Index]:
    """Group codes and labels (sorted when the labels can be sorted, else in order of the data)."""
    gcol = data[group]
    if isinstance(gcol, pd.DataFrame):
        raise ValueError(f"column name {group!r} (group) appears more than once in the data")
    try:
        try:
            codes, labels = pd.factorize(gcol, sort=True)
        except TypeError:
            # labels of mixed types (1 and "a") cannot be sorted: keep their order of appearance
            codes, labels = pd.factorize(gcol, sort=False)
    except TypeError:
        bad = next(v for v in gcol if not isinstance(v, Hashable))
        raise ValueError(
            f"group column {group!r} has a label of type {type(bad).__name__} ({plain(bad)}), "
            "which cannot label a group: use strings, numbers or tuples"
        ) from None
    gmissing = codes < 0  # factorize's sentinel for a missing label (NaN, None, NA, NaT)
    if gmissing.any():
        raise ValueError(
            f"group column {group!r} has {int(gmissing.sum())} missing label(s), first at "
            f"{_where(data, gmissing)}"
        )
    return codes.astype(np.intp, copy=False), pd.Index(labels, name=group)


@single_blas_thread
def group_data(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    min_groups: int = 2,
) -> GroupedData:
    """Check a data frame and return its grouped arrays.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation. Bad rows are named by the frame's index (by its name, such as
        ``line``, when it has one).
    y : str
        Column of the response $y_{ij}$; numeric, finite, no missing values, not constant.
    group : str
        Column of the grouping factor $j$; any hashable labels (strings, numbers, tuples), no
        missing values.
    x : str or sequence of str, optional
        Column(s) of the covariates $x_{ij}$; numeric, finite, no missing values, not constant
        and not (nearly) collinear with each other: the condition number of the centred, scaled
        covariates must be at most 1e8.
    min_groups : int
        Fewest groups accepted (2 for a random-intercept model: one group carries no
        information about $\\sigma_\\alpha$).

    Returns
    -------
    GroupedData

    Raises
    ------
    ValueError
        With a message naming the column or value at fault: not a data frame, no rows, an unknown
        column, a column used twice, a non-numeric or missing or infinite value, a constant
        response, too few groups, no group with more than one observation, a constant or
        (nearly) collinear covariate, a response that is an exact linear function of the
        covariates. Constant means every value identical; the other checks are relative to each
        column's own scale, so they give the same verdict in any units.
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    x_names = covariate_names(x)
    _check_name("response", y)
    _check_name("group", group)
    _check_columns(data, [y, group, *x_names], "response, group or covariate")

    yv = _numeric_column(data, y, "response")
    if np.ptp(yv) == 0:
        raise ValueError(
            f"response column {y!r} is constant (every value is {plain(yv[0])}): there is no "
            "variation to model"
        )
    columns = [_numeric_column(data, name, "covariate") for name in x_names]
    if len(columns) == 1:
        xv = columns[0][:, None]  # a view: no copy of a long column
    elif columns:
        xv = np.column_stack(columns)
    else:
        xv = np.empty((len(data), 0))
    for k, name in enumerate(x_names):
        if np.ptp(xv[:, k]) == 0:
            raise ValueError(
                f"covariate {name!r} is constant (every value is {plain(xv[0, k])}); its slope "
                "is not identified beside the intercept"
            )
    codes, labels = _factorize(data, group)
    J = len(labels)
    if J < min_groups:
        only = f" (only {plain(labels[0])})" if J == 1 else ""
        raise ValueError(
            f"group column {group!r} has {J} group(s){only}; at least {min_groups} are needed "
            "to estimate how groups vary"
        )
    out = GroupedData(
        y=yv, x=xv, codes=codes, labels=labels, y_name=y, group_name=group, x_names=x_names
    )
    if J == len(yv):
        raise ValueError(
            f"every group in column {group!r} has a single observation: the within-group "
            "variance sigma_y^2 and the between-group variance sigma_alpha^2 cannot be told apart"
        )
    try:
        sc = out.scaling
    except OverflowError:
        raise ValueError(
            f"the values of the response {y!r} or the covariates {plain(x_names)} span more "
            "than the largest double: rescale them before fitting"
        ) from None
    _check_spread(sc, y, x_names)
    R = out.stats.ols_R
    check_collinear(R[1:-1, 1:-1], x_names, "")
    if R[-1, -1] ** 2 <= 1e-20 * out.N:
        on = f"of covariate(s) {plain(x_names)}" if x_names else "(constant)"
        raise ValueError(
            f"response column {y!r} is an exact linear function {on}: there is no residual "
            "variation to split between and within groups"
        )
    return out


#: Spreads (and ratios of spreads) whose squares are still doubles, with room for sums: every
#: variance and covariance a fit reports is then representable.
_SPREAD_RANGE = (1e-150, 1e150)


def _check_spread(sc: Standardization, y: ColumnName, x_names: list[ColumnName]) -> None:
    """Refuse units so extreme that a variance of the fit would overflow or underflow."""
    lo, hi = _SPREAD_RANGE
    if not lo <= sc.y_scale <= hi:
        raise ValueError(
            f"response column {y!r} has a spread (root-mean-square deviation) of "
            f"{sc.y_scale:.3g}: its variance is beyond double precision. The fit is the same in "
            "any units: rescale the column (for example to thousands or millionths)"
        )
    for name, scale in zip(x_names, sc.x_scale, strict=True):
        ratio = sc.y_scale / scale
        if not lo <= ratio <= hi:
            raise ValueError(
                f"covariate {name!r} has a spread of {scale:.3g} against {sc.y_scale:.3g} for "
                f"the response {y!r}: the variance of its slope is beyond double precision. The "
                "fit is the same in any units: rescale one of the two columns"
            )


def check_collinear(R: np.ndarray, names: list[ColumnName], where: str) -> None:
    """Raise, naming the columns involved, when the factor ``R`` of scaled columns is singular."""
    if len(names) < 2:
        return
    scale = np.sqrt((R * R).sum(axis=0))  # column norms: rescale to unit length first
    _, s, vt = np.linalg.svd(R / scale)
    cond = s[0] / s[-1] if s[-1] > 0 else np.inf
    if cond > MAX_CONDITION:
        v = np.abs(vt[-1])
        involved = [name for name, vk in zip(names, v, strict=True) if vk >= 0.1 * v.max()]
        raise ValueError(
            f"covariates {plain(involved)} are (nearly) collinear{where}: the condition number "
            f"of the centred, scaled covariates is {cond:.3g} (more than {MAX_CONDITION:.0e}); "
            "drop or combine one of them"
        )


def check_within_variation(g: GroupedData) -> None:
    """Raise if a covariate does not vary within any group (its within slope is undefined).

    Exact and unit-free: a covariate is group-level when it takes one value in every group.
    Covariates that vary within groups but are (nearly) collinear there are refused as in
    `group_data`, on the within-group deviations.
    """
    if not g.p:
        return
    varies = g.varies_within
    for k, name in enumerate(g.x_names):
        if not varies[:, k].any():
            raise ValueError(
                f"covariate {name!r} is constant within every group of {g.group_name!r} (a "
                "group-level covariate): the within-group slope is not identified"
            )
    R = g.stats.R_within[:-1, :-1]
    check_collinear(R, g.x_names, f" within groups of {g.group_name!r}")


#: Above this condition number of the (standardized) design, the coefficients are recomputed
#: in extended precision: double-precision QR loses about cond * 1e-16, which would reach 1e-8
#: at cond 1e8.
EXTENDED_ABOVE = 1e4


def _householder_solve(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares solution of ``A b = y`` by Householder QR in ``A``'s precision (in place).

    LAPACK has no extended precision; for the few columns of a fixed-effects design this
    vectorized Householder factorisation in ``numpy.longdouble`` costs a few passes over the data.
    """
    k = A.shape[1]
    for j in range(k):
        x = A[j:, j]
        norm = np.sqrt((x * x).sum())
        if norm == 0:
            continue
        alpha = -norm if x[0] >= 0 else norm
        v = x.copy()
        v[0] -= alpha
        v /= np.sqrt((v * v).sum())
        A[j:, j:] -= 2 * np.outer(v, v @ A[j:, j:])
        y[j:] -= 2 * v * (v @ y[j:])
    b = np.zeros(k, dtype=A.dtype)
    for j in range(k - 1, -1, -1):
        b[j] = (y[j] - A[j, j + 1 : k] @ b[j + 1 : k]) / A[j, j]
    return b


def extended_gls(g: GroupedData, psi: float, *, within: bool = False) -> np.ndarray:
    """The GLS coefficients of the standardized design at $\\psi$, in extended precision.

    The rows of $W^{1/2}[X, y]$, $W_j^{1/2} = I - (1 - (1 + n_j\\psi)^{-1/2})\\tfrac{1}{n_j}11'$,
    are formed from the data in ``numpy.longdouble`` and solved by Householder QR there: the
    coefficients are then exact to about cond * 1e-19 on x86-64 (80-bit long double), not
    cond * 1e-16. ``within=True`` is the within estimator (no pooling): the group means are
    removed and the design has no intercept. Returns the standardized coefficients (the
    intercept first unless ``within``) as doubles.
    """
    ld = np.longdouble
    sc = g.scaling
    ys = (g.y.astype(ld) - ld(sc.y_centre)) / ld(sc.y_scale)
    xs = (g.x.astype(ld) - sc.x_centre.astype(ld)) / sc.x_scale.astype(ld)
    cols = [xs] if within else [np.ones((g.N, 1), dtype=ld), xs]
    Z = np.column_stack([*cols, ys])
    sums = np.zeros((g.J, Z.shape[1]), dtype=ld)
    np.add.at(sums, g.codes, Z)
    means = sums / g.n.astype(ld)[:, None]
    if within:
        keep = np.zeros(g.J, dtype=ld)
    else:
        keep = 1 / np.sqrt(1 + g.n.astype(ld) * ld(psi))
    Z -= ((1 - keep)[:, None] * means)[g.codes]
    b = _householder_solve(Z[:, :-1].copy(), Z[:, -1].copy())
    return b.astype(float)
