r"""Simulate grouped data from the random-intercept model, with the truth attached.

The model, in the site's notation, for groups $j = 1, \dots, J$ and observations
$i = 1, \dots, n_j$:

$$
y_{ij} = \mu_\alpha + \beta x_{ij} + a_j + \varepsilon_{ij}, \qquad
a_j \sim \mathcal{N}(0, \sigma_\alpha^2), \qquad
\varepsilon_{ij} \sim \mathcal{N}(0, \sigma_y^2),
$$

all independent, so that the group intercepts are $\alpha_j = \mu_\alpha + a_j$. The covariate
is drawn independently of the $a_j$, as a group centre plus a within-group deviation: the
centres are normal with mean 0 and SD ``x_between_sd``, the deviations normal with mean 0 and SD
``x_sd``. With ``x_between_sd = 0`` the group means $\bar x_j$ differ only by sampling noise; a
positive value spreads them out, which makes the between-group slope informative.

Randomness comes only from the ``rng`` argument (a seed or a `numpy.random.Generator`); nothing
touches NumPy's global state. The draws are made in a fixed order: the $a_j$ first, then the
covariate's group centres, then its deviations, then the $\varepsilon_{ij}$ (the covariate
draws are skipped when ``beta is None``). So for a given seed the true intercepts depend only on
$J$, $\mu_\alpha$ and $\sigma_\alpha$, not on the group sizes or the covariate.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .grouped import plain
from .validation import check_finite, check_non_negative, check_positive_int

__all__ = ["Simulation", "group_labels", "simulate_groups"]


@dataclass(frozen=True, eq=False)
class Simulation:
    """Simulated data together with the parameters that generated them.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per observation, grouped by group in label order, with columns ``y`` (float64),
        ``x`` (float64; absent when ``beta is None``) and ``group`` (str, see `group_labels`).
    mu : float
        $\\mu_\\alpha$, the population mean of the intercepts.
    beta : float or None
        $\\beta$, the common slope; None when the data have no covariate.
    sigma_alpha : float
        $\\sigma_\\alpha$, SD of the intercepts across groups.
    sigma_y : float
        $\\sigma_y$, residual SD within groups.
    alpha : pandas.Series
        The true group intercepts $\\alpha_j = \\mu_\\alpha + a_j$ (float64), indexed by group
        label (index name ``"group"``), in label order.
    n : pandas.Series
        The group sizes $n_j$ (int64), indexed like ``alpha``.
    """

    data: pd.DataFrame
    mu: float
    beta: float | None
    sigma_alpha: float
    sigma_y: float
    alpha: pd.Series
    n: pd.Series

    @property
    def J(self) -> int:
        """$J$, the number of groups."""
        return len(self.n)

    @property
    def N(self) -> int:
        """$N = \\sum_j n_j$, the number of observations."""
        return int(self.n.sum())


def group_labels(J: int) -> list[str]:
    """Labels ``"g01"``, ``"g02"``, ... for $J$ groups.

    Zero-padded to at least two digits and to the width of $J$, so that sorting the labels as
    strings sorts the groups by number (``"g001"`` ... ``"g100"`` for $J = 100$).

    Parameters
    ----------
    J : int
        Number of groups, at least 1.

    Returns
    -------
    list of str
        ``J`` labels in order.
    """
    J = check_positive_int("J", J)
    width = max(2, len(str(J)))
    return [f"g{j:0{width}d}" for j in range(1, J + 1)]


def simulate_groups(
    n: int | Sequence[int] | np.ndarray,
    *,
    mu: float,
    beta: float | None,
    sigma_alpha: float,
    sigma_y: float,
    J: int | None = None,
    x_sd: float = 1.0,
    x_between_sd: float = 0.0,
    rng: np.random.Generator | int | None = None,
) -> Simulation:
    """Draw one data set from the random-intercept model.

    $y_{ij} = \\mu_\\alpha + \\beta x_{ij} + a_j + \\varepsilon_{ij}$ with
    $a_j \\sim \\mathcal{N}(0, \\sigma_\\alpha^2)$ and
    $\\varepsilon_{ij} \\sim \\mathcal{N}(0, \\sigma_y^2)$; see the module docstring for how
    $x_{ij}$ is drawn.

    Parameters
    ----------
    n : int or sequence of int
        Group sizes. One integer gives every group that size (then ``J`` is required); a
        sequence gives $n_1, \\dots, n_J$ (then ``J`` may be omitted, or must equal its length).
        Each size must be an integer of at least 1.
    mu : float
        $\\mu_\\alpha$, the population mean of the intercepts.
    beta : float or None
        $\\beta$, the slope of ``x``. None simulates the model without a covariate: ``data``
        then has no ``x`` column and ``x_sd``, ``x_between_sd`` are not used (but still checked).
    sigma_alpha : float
        $\\sigma_\\alpha \\ge 0$, SD of the group effects $a_j$.
    sigma_y : float
        $\\sigma_y \\ge 0$, residual SD.
    J : int, optional
        Number of groups, at least 1. Required when ``n`` is a single integer.
    x_sd : float, default 1.0
        SD of the covariate around its group centre (within-group spread), $\\ge 0$.
    x_between_sd : float, default 0.0
        SD of the covariate's group centres across groups, $\\ge 0$.
    rng : numpy.random.Generator or int or None
        A generator (used and advanced in place) or a seed for `numpy.random.default_rng`.
        None draws fresh entropy: not reproducible.

    Returns
    -------
    Simulation
        The data and the true parameters, including the true intercepts ``alpha``.

    Raises
    ------
    ValueError
        If an argument is out of range; the message names the argument and its value.

    Examples
    --------
    >>> sim = simulate_groups([3, 5, 2], mu=1.0, beta=0.5, sigma_alpha=1.0, sigma_y=0.5, rng=1)
    >>> sim.data.groupby("group").size().tolist()
    [3, 5, 2]
    >>> list(sim.alpha.index)
    ['g01', 'g02', 'g03']
    """
    sizes = _group_sizes(n, J)
    mu = check_finite("mu", mu)
    if beta is not None:
        beta = check_finite("beta", beta)
    sigma_alpha = check_non_negative("sigma_alpha", sigma_alpha)
    sigma_y = check_non_negative("sigma_y", sigma_y)
    x_sd = check_non_negative("x_sd", x_sd)
    x_between_sd = check_non_negative("x_between_sd", x_between_sd)
    generator = np.random.default_rng(rng)

    n_groups = len(sizes)
    labels = group_labels(n_groups)
    alpha, which, x, y = draw_arrays(
        np.asarray(sizes), mu, beta, sigma_alpha, sigma_y, x_sd, x_between_sd, generator
    )
    columns: dict[str, object] = {} if x is None else {"x": x}
    index = pd.Index(labels, name="group")
    data = pd.DataFrame(
        {"y": y, **columns, "group": pd.Series(np.asarray(labels, dtype=object)[which], dtype=str)}
    )
    return Simulation(
        data=data,
        mu=mu,
        beta=beta,
        sigma_alpha=sigma_alpha,
        sigma_y=sigma_y,
        alpha=pd.Series(alpha, index=index, name="alpha"),
        n=pd.Series(np.asarray(sizes, dtype=np.int64), index=index.copy(), name="n"),
    )


def draw_arrays(
    sizes: np.ndarray,
    mu: float,
    beta: float | None,
    sigma_alpha: float,
    sigma_y: float,
    x_sd: float,
    x_between_sd: float,
    generator: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """The draws of `simulate_groups` as arrays, arguments already checked.

    Returns the true intercepts $\\alpha_j$, each observation's group index, the covariate
    (None without one) and the response, drawn from ``generator`` in the order
    `simulate_groups` documents: what a simulation of thousands of data sets uses, without a
    data frame per data set.
    """
    n_groups = sizes.size
    which = np.repeat(np.arange(n_groups), sizes)
    alpha = mu + generator.normal(0.0, sigma_alpha, size=n_groups)
    mean = alpha[which]
    x = None
    if beta is not None:
        centres = generator.normal(0.0, x_between_sd, size=n_groups)
        x = centres[which] + x_sd * generator.standard_normal(which.size)
        mean = mean + beta * x
    y = mean + generator.normal(0.0, sigma_y, size=which.size)
    return alpha, which, x, y


def _group_sizes(n: Any, J: int | None) -> list[int]:
    if J is not None:
        J = check_positive_int("J", J)
    if isinstance(n, str | bytes):
        raise ValueError(f"n must be an integer or a sequence of integers, got {plain(n)}")
    if np.ndim(n) == 0:
        size = check_positive_int("n", n.item() if isinstance(n, np.ndarray) else n)
        if J is None:
            raise ValueError(
                f"J is required when n is a single group size, got J=None (n={plain(n)})"
            )
        return [size] * J
    values = list(n.tolist() if isinstance(n, np.ndarray) else n)
    if np.ndim(n) != 1 or len(values) == 0:
        raise ValueError(
            f"n must be an integer or a non-empty 1-d sequence of integers, got {plain(n)}"
        )
    for j, value in enumerate(values):
        if (
            isinstance(value, bool | np.bool_)
            or not isinstance(value, numbers.Integral)
            or int(value) < 1
        ):
            raise ValueError(f"n[{j}] must be an integer >= 1 (a group size), got {plain(value)}")
    if J is not None and J != len(values):
        raise ValueError(
            f"J={plain(J)} is inconsistent with n, which gives {len(values)} group sizes"
        )
    return [int(value) for value in values]
