"""Checks of the arguments that are not data: methods, numbers, variances, $\\beta$ and $\\alpha$.

The data themselves (the frame, its columns, the groups) are checked by
`partial_pooling.grouped.group_data`; everything else a public function takes is checked here,
so that the same mistake gets the same one-line message, naming the argument and its value,
whichever function it was passed to. Each check returns the value in the form the computation
uses (a float, a checked array) or raises a ValueError.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .grouped import GroupedData, plain

__all__ = [
    "ConvergenceWarning",
    "Method",
    "SingularFitWarning",
    "alpha_vector",
    "beta_vector",
    "check_finite",
    "check_level",
    "check_method",
    "check_non_negative",
    "check_positive_int",
    "check_real",
    "check_sd",
    "check_sd_or_inf",
    "warn_not_converged",
    "warn_singular",
]

#: How the variance components are estimated: full or restricted maximum likelihood.
Method = Literal["ML", "REML"]


def check_method(method: object) -> Method:
    """``"ML"`` or ``"REML"`` for ``method`` in any case (``"reml"``, ``"Ml"``), else a
    ValueError naming it."""
    if isinstance(method, str):
        upper = method.upper()
        if upper == "ML":
            return "ML"
        if upper == "REML":
            return "REML"
    raise ValueError(f"method must be 'ML' or 'REML' (in any case), got {method!r}")


class ConvergenceWarning(UserWarning):
    """An optimizer of the package stopped without meeting its convergence test; the fit's
    ``converged`` is False."""


def warn_not_converged(what: str) -> None:
    """Warn that ``what`` did not converge (a `ConvergenceWarning`). It is attributed to the
    function that calls this one: the user's line is a varying number of frames further up
    (a free function, a `Model` method), so no deeper level is guessed."""
    warnings.warn(
        f"{what} did not converge; the estimates are the best point found (fit.converged is False)",
        ConvergenceWarning,
        stacklevel=2,
    )


class SingularFitWarning(UserWarning):
    """A fit is singular (lme4's "boundary (singular) fit"): an estimated variance is 0 or a
    covariance matrix of random effects has lower rank; the fit's ``singular`` is True. The
    fits themselves never warn (pages fit such data on purpose); the formula interface
    (`partial_pooling.formula.fit`) and the command line do."""


def warn_singular(what: str, *, stacklevel: int = 2) -> None:
    """Warn that the fit of ``what`` is singular (a `SingularFitWarning`), attributed to the
    caller's caller at the default ``stacklevel``."""
    warnings.warn(
        f"boundary (singular) fit: {what} (fit.singular is True)",
        SingularFitWarning,
        stacklevel=stacklevel + 1,
    )


def check_real(name: str, value: object) -> float:
    """``value`` as a float if it is a real number (not a bool), else a ValueError naming it."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {plain(value)}")
    return float(value)


def check_finite(name: str, value: object) -> float:
    """``value`` as a float if it is a finite real number, else a ValueError naming it."""
    out = check_real(name, value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {plain(value)}")
    return out


def check_sd(name: str, value: object, *, positive: bool) -> float:
    """A standard deviation such as $\\sigma_\\alpha$ or $\\sigma_y$: finite and $> 0$
    (``positive``) or $\\ge 0$."""
    out = check_real(name, value)
    if not np.isfinite(out) or out < 0 or (positive and out == 0):
        need = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be finite and {need}, got {plain(out)}")
    return out


def check_sd_or_inf(name: str, value: object) -> float:
    """A standard deviation that may be infinite: $\\sigma_\\alpha = \\infty$ is no pooling."""
    out = check_real(name, value)
    if np.isnan(out) or out < 0:
        raise ValueError(f"{name} must be >= 0 (inf allowed), got {plain(value)}")
    return out


def check_non_negative(name: str, value: object) -> float:
    """A finite real number $\\ge 0$ that a simulation draws with (an SD), as a float."""
    out = check_finite(name, value)
    if out < 0:
        raise ValueError(f"{name} must be >= 0 (a standard deviation), got {plain(value)}")
    return out


def check_positive_int(name: str, value: object) -> int:
    """An integer $\\ge 1$ (a count: groups, repetitions), not a bool or a float."""
    if (
        isinstance(value, bool | np.bool_)
        or not isinstance(value, numbers.Integral)
        or int(value) < 1
    ):
        raise ValueError(f"{name} must be an integer >= 1, got {plain(value)}")
    return int(value)


def check_level(level: object) -> float:
    """The coverage probability of an interval, strictly between 0 and 1."""
    if isinstance(level, bool) or not isinstance(level, int | float | np.number):
        raise ValueError(f"level must be a number between 0 and 1, got {plain(level)}")
    value = float(level)
    if not 0.0 < value < 1.0:
        raise ValueError(f"level must be between 0 and 1 (exclusive), got {plain(level)}")
    return value


def beta_vector(g: GroupedData, beta: float | Sequence[float] | pd.Series | None) -> np.ndarray:
    """The slopes $\\beta$ as an array in the order of ``g.x_names``, checked against the data.

    None (or empty) exactly when the data have no covariate; a Series is matched by covariate
    name, anything else must have one finite value per covariate.
    """
    if g.p == 0:
        if beta is not None and np.size(beta) != 0:
            raise ValueError("beta was given but the model has no covariate x")
        return np.zeros(0)
    if beta is None:
        raise ValueError(f"beta is required for covariate(s) {g.x_names}")
    if isinstance(beta, pd.Series):
        missing = [name for name in g.x_names if name not in beta.index]
        if missing:
            raise ValueError(f"beta has no entry for covariate(s) {missing}")
        b = beta[g.x_names].to_numpy(dtype=float)
        if not np.isfinite(b).all():
            raise ValueError(f"beta must be finite, got {b.tolist()}")
        return b
    try:
        b = np.atleast_1d(np.asarray(beta, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"beta must be numeric, got {plain(beta)}") from None
    if b.shape != (g.p,):
        raise ValueError(f"beta must have {g.p} value(s) for {g.x_names}, got {b.tolist()}")
    if not np.isfinite(b).all():
        raise ValueError(f"beta must be finite, got {b.tolist()}")
    return b


def alpha_vector(g: GroupedData, alpha: pd.Series | Sequence[float] | np.ndarray) -> np.ndarray:
    """One value per group (intercepts $\\alpha_j$, or any per-group numbers) in the order of
    ``g.labels``: a Series is matched by group label, anything else must have length $J$."""
    if isinstance(alpha, pd.Series):
        missing = [lab for lab in g.labels if lab not in alpha.index]
        if missing:
            raise ValueError(f"alpha has no value for group(s) {missing[:5]}")
        return alpha.reindex(g.labels).to_numpy(dtype=float)
    a = np.asarray(alpha, dtype=float)
    if a.shape != (g.J,):
        raise ValueError(f"alpha must have one value per group ({g.J}), got shape {a.shape}")
    return a
