"""Grouped data: input checks and the per-group sufficient statistics every fit uses.

A random-intercept model needs only a handful of numbers per group: the group size
$n_j$, the sums $\\sum_i y_{ij}$ and $\\sum_i x_{ij}$, and three overall
cross-products. `group_data` checks a data frame once, with errors that name the column
or value at fault, and `GroupedData` computes those statistics in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

__all__ = ["GroupedData", "group_data"]


def _as_names(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    names = list(x)
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"covariate names must be strings, got {name!r}")
    return names


def _numeric_column(data: pd.DataFrame, name: str, role: str) -> np.ndarray:
    col = data[name]
    if isinstance(col, pd.DataFrame):
        raise ValueError(f"column name {name!r} ({role}) appears more than once in the data")
    if pd.api.types.is_bool_dtype(col):
        col = col.astype(float)
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_complex_dtype(col):
        bad = [v for v in col.dropna().head(50) if not isinstance(v, int | float | np.number)]
        example = f"; for example the value {bad[0]!r}" if bad else ""
        raise ValueError(
            f"{role} column {name!r} must be numeric, but has dtype {col.dtype}{example}"
        )
    missing = col.isna().to_numpy()
    if missing.any():
        rows = list(data.index[missing][:3])
        raise ValueError(
            f"{role} column {name!r} has {int(missing.sum())} missing value(s), first at "
            f"row(s) {rows}; drop or impute them before fitting"
        )
    values = col.to_numpy(dtype=float)
    finite = np.isfinite(values)
    if not finite.all():
        rows = list(data.index[~finite][:3])
        raise ValueError(
            f"{role} column {name!r} has non-finite value(s) "
            f"{list(values[~finite][:3])} at row(s) {rows}"
        )
    biggest = float(np.abs(values).max()) if values.size else 0.0
    if biggest > 1e150:
        # its squares and cross-products would overflow to inf and the fit would return NaN
        raise ValueError(
            f"{role} column {name!r} has values as large as {biggest:.3g} in magnitude: its sums "
            "of squares overflow; rescale it before fitting"
        )
    return values


@dataclass(frozen=True, eq=False)
class GroupedData:
    """Checked arrays of a grouped data set, with per-group sufficient statistics.

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
    y_name: str
    group_name: str
    x_names: list[str]

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

    @cached_property
    def ybar(self) -> np.ndarray:
        """Group means $\\bar y_j$."""
        return self.group_sums(self.y) / self.n

    @cached_property
    def xbar(self) -> np.ndarray:
        """Group means $\\bar x_j$, shape ``(J, p)``."""
        return self.group_sums(self.x) / self.n[:, None]

    @cached_property
    def stats(self) -> SufficientStatistics:
        """Centred sufficient statistics (see `SufficientStatistics`)."""
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
        return pd.Series(values, index=self.labels.copy(), name=name)


@dataclass(frozen=True, eq=False)
class SufficientStatistics:
    """What the random-intercept likelihood needs, from one pass over the data.

    The response and covariates are centred at their grand means first (the intercept absorbs
    the shift), which keeps the cross-products well conditioned. With the design
    $X = [1, x - \\bar x]$ of ``k = p + 1`` columns:

    Attributes
    ----------
    n : ndarray, shape (J,)
        Group sizes $n_j$.
    s_X : ndarray, shape (J, k)
        Per-group column sums of $X$: $(n_j, \\sum_i (x_{ij} - \\bar x))$.
    s_y : ndarray, shape (J,)
        Per-group sums of $y_{ij} - \\bar y$.
    XtX, Xty, yty
        Overall cross-products $X'X$, $X'y$, $y'y$ of the centred data.
    y_mean, x_mean
        The grand means removed by the centring.
    sizes, counts : ndarray, shape (M,)
        The distinct group sizes and how many groups have each.
    G : ndarray, shape (M, k + 1, k + 1)
        For each distinct size $m$, $\\sum_{j: n_j = m} t_j t_j'$ with
        $t_j = (s_{X,j}, s_{y,j})$. Every sum over groups in the profiled likelihood depends
        on a group only through its size and $t_j t_j'$, so it can be taken over the $M$
        distinct sizes instead of the $J$ groups.
    W : ndarray, shape (k + 1, k + 1)
        Within-group cross-products of $(1, x, y)$, computed from deviations about the group
        means. The weighted cross-products are $W + \\sum_j t_j t_j' / (n_j(1 + n_j\\psi))$:
        a sum of positive terms, accurate even where $\\psi$ is huge.
    """

    n: np.ndarray
    s_X: np.ndarray
    s_y: np.ndarray
    XtX: np.ndarray
    Xty: np.ndarray
    yty: float
    y_mean: float
    x_mean: np.ndarray
    sizes: np.ndarray
    counts: np.ndarray
    G: np.ndarray
    W: np.ndarray

    def uncentred(self, b: np.ndarray) -> tuple[float, np.ndarray]:
        """$(\\mu, \\beta)$ on the data's own scale from $b$ of the centred design."""
        beta = b[1:]
        return float(b[0] + self.y_mean - self.x_mean @ beta), beta

    @classmethod
    def from_grouped(cls, g: GroupedData) -> SufficientStatistics:
        y_mean = float(g.y.mean())
        x_mean = g.x.mean(axis=0)
        yc = g.y - y_mean
        xc = g.x - x_mean
        n = g.n
        s_X = np.column_stack([n, g.group_sums(xc)]) if g.p else n[:, None].copy()
        N = float(g.N)
        XtX = np.zeros((g.p + 1, g.p + 1))
        XtX[0, 0] = N
        Xty = np.zeros(g.p + 1)
        if g.p:
            XtX[1:, 1:] = xc.T @ xc
            Xty[1:] = xc.T @ yc
        s_y = g.group_sums(yc)
        sizes, size_index, counts = np.unique(n, return_inverse=True, return_counts=True)
        T = np.column_stack([s_X, s_y])
        k1 = T.shape[1]
        G = np.empty((sizes.size, k1, k1))
        for a in range(k1):
            for b in range(a, k1):
                G[:, a, b] = G[:, b, a] = np.bincount(
                    size_index, weights=T[:, a] * T[:, b], minlength=sizes.size
                )
        # within-group cross-products of t = (1, x, y), from deviations about the group means
        # (the intercept's row and column are exactly zero)
        dev = np.column_stack([np.zeros(g.N), g.x - g.xbar[g.codes], g.y - g.ybar[g.codes]])
        W = dev.T @ dev
        return cls(
            n=n,
            s_X=s_X,
            s_y=s_y,
            XtX=XtX,
            Xty=Xty,
            yty=float(yc @ yc),
            y_mean=y_mean,
            x_mean=x_mean,
            sizes=sizes,
            counts=counts.astype(float),
            G=G,
            W=W,
        )


def group_data(
    data: pd.DataFrame,
    y: str,
    group: str,
    x: str | Sequence[str] | None = None,
    *,
    min_groups: int = 2,
) -> GroupedData:
    """Check a data frame and return its grouped arrays.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation.
    y : str
        Column of the response $y_{ij}$; numeric, no missing values.
    group : str
        Column of the grouping factor $j$; any hashable labels, no missing values.
    x : str or sequence of str, optional
        Column(s) of the covariates $x_{ij}$; numeric, no missing values, not constant
        and not collinear with each other or the intercept.
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
        column, a column used twice, a non-numeric or missing or infinite value (or one so large
        that its square overflows), a constant response, too few groups, no group with more than
        one observation, a constant or collinear covariate.
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    x_names = _as_names(x)
    for role, name in [("response", y), ("group", group)]:
        if not isinstance(name, str):
            raise ValueError(f"the {role} column name must be a string, got {name!r}")
    wanted = [y, group, *x_names]
    unknown = [name for name in wanted if name not in data.columns]
    if unknown:
        raise ValueError(
            f"unknown column(s) {unknown}; the data has columns {list(map(str, data.columns))}"
        )
    seen: set[str] = set()
    for name in wanted:
        if name in seen:
            raise ValueError(f"column {name!r} is used twice (as response, group or covariate)")
        seen.add(name)
    if len(data) == 0:
        raise ValueError("the data frame is empty: there is nothing to fit")

    yv = _numeric_column(data, y, "response")
    if np.ptp(yv) == 0:
        raise ValueError(
            f"response column {y!r} is constant (every value is {float(yv[0])!r}): there is no "
            "variation to model"
        )
    xv = (
        np.column_stack([_numeric_column(data, name, "covariate") for name in x_names])
        if x_names
        else np.empty((len(data), 0))
    )
    gcol = data[group]
    if isinstance(gcol, pd.DataFrame):
        raise ValueError(f"column name {group!r} (group) appears more than once in the data")
    gmissing = gcol.isna().to_numpy()
    if gmissing.any():
        rows = list(data.index[gmissing][:3])
        raise ValueError(
            f"group column {group!r} has {int(gmissing.sum())} missing label(s), first at "
            f"row(s) {rows}"
        )
    codes, labels = pd.factorize(gcol, sort=True)
    labels = pd.Index(labels, name=group)
    J = len(labels)
    if J < min_groups:
        only = f" (only {labels[0]!r})" if J == 1 else ""
        raise ValueError(
            f"group column {group!r} has {J} group(s){only}; at least {min_groups} are needed "
            "to estimate how groups vary"
        )
    out = GroupedData(
        y=yv,
        x=xv,
        codes=codes.astype(np.intp),
        labels=labels,
        y_name=y,
        group_name=group,
        x_names=x_names,
    )
    if J == len(yv):
        raise ValueError(
            f"every group in column {group!r} has a single observation: the within-group "
            "variance sigma_y^2 and the between-group variance sigma_alpha^2 cannot be told apart"
        )
    _check_covariates(out)
    st = out.stats
    rss0 = st.yty - float(st.Xty @ np.linalg.solve(st.XtX, st.Xty))
    if rss0 <= 1e-14 * st.yty:
        on = f"of covariate(s) {x_names}" if x_names else "(constant)"
        raise ValueError(
            f"response column {y!r} is an exact linear function {on}: there is no residual "
            "variation to split between and within groups"
        )
    return out


def _check_covariates(g: GroupedData) -> None:
    if not g.p:
        return
    xc = g.x - g.x.mean(axis=0)
    scale = np.sqrt((xc**2).sum(axis=0))
    for k, name in enumerate(g.x_names):
        if scale[k] <= 1e-12 * max(1.0, float(np.abs(g.x[:, k]).max())):
            raise ValueError(
                f"covariate {name!r} is constant (every value is {float(g.x[0, k])!r}); its slope "
                "is not identified beside the intercept"
            )
    if g.p > 1:
        rank = np.linalg.matrix_rank(xc / scale)
        if rank < g.p:
            raise ValueError(
                f"covariates {g.x_names} are collinear (rank {rank} < {g.p}); drop one of them"
            )


def check_within_variation(g: GroupedData) -> None:
    """Raise if a covariate does not vary within any group (its within slope is undefined)."""
    if not g.p:
        return
    resid = g.x - g.xbar[g.codes]
    ss = (resid**2).sum(axis=0)
    for k, name in enumerate(g.x_names):
        if ss[k] <= 1e-12 * max(1.0, float((g.x[:, k] ** 2).sum())):
            raise ValueError(
                f"covariate {name!r} is constant within every group of {g.group_name!r} (a "
                "group-level covariate): the within-group slope is not identified"
            )
    if g.p > 1 and np.linalg.matrix_rank(resid / np.sqrt(ss)) < g.p:
        raise ValueError(f"covariates {g.x_names} are collinear within groups of {g.group_name!r}")
