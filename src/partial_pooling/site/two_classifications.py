"""Partial pooling along two classifications: what the page of that name computes.

A model with one random intercept per grouping factor,

$$
y_i = \\mu + \\sum_t b_{t,g_t(i)} + \\varepsilon_i,
$$

with $b_{tj} \\sim N(0, \\sigma_t^2)$ for level $j$ of factor $t$ and
$\\varepsilon_i \\sim N(0, \\sigma_y^2)$, the factors crossed (Penicillin's plates and
samples) or nested (Pastes' casks within batches), is fitted by
`partial_pooling.mixed.fit_mixed`. This module adds what the page shows about it:

* `fit_intercepts`: the model from a data frame and column names;
* `no_pooling_effects`: every level's effect as a fixed effect (least squares with all the
  factors' dummies, each factor's effects summing to zero, within its parent for a nested
  factor);
* `level_shrinkage`: the one-factor weight $\\lambda_{tj} = n_{tj}\\sigma_t^2/(n_{tj}\\sigma_t^2
  + \\sigma_y^2)$ of each level, its mean *partial* residual (the data with the fixed part and
  the *other* factors' predicted effects taken out) and its plain mean residual; at the fitted
  variance components each conditional mode equals $\\lambda_{tj}$ times the partial mean (the
  normal equations of the penalized least squares, block by block);
* `backfit`: the fixed point of those one-factor shrinkages, reached by alternating them from
  zero (Gauss-Seidel on the penalized least squares);
* `PUBLISHED`: lme4's published REML estimates for the two data sets.

These are the page's identities, not statistics a user calls: they live with the site's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..formula import fit
from ..mixed import MixedFit, RandomTerm
from ..shrinkage import shrinkage_weights
from ..validation import Method

__all__ = [
    "PUBLISHED",
    "Backfit",
    "backfit",
    "fit_intercepts",
    "intercept_terms",
    "level_shrinkage",
    "no_pooling_effects",
    "unbalanced_penicillin",
]

#: lme4's REML estimates as printed by ``summary(lmer(...))`` in Bates (2010), *lme4: Mixed-effects
#: modeling with R*, chapter 2 (models with crossed and with nested random effects): for
#: Penicillin ``diameter ~ 1 + (1|plate) + (1|sample)``, for Pastes ``strength ~ 1 +
#: (1|batch/cask)`` (cask within batch, the column ``sample``): the SDs of the random effects
#: and of the residual, and the REML criterion, to the digits printed. lme4 on this machine
#: gives the same values (``tests/data/two_classifications_lme4.R``).
PUBLISHED: dict[str, dict[str, float]] = {
    "penicillin": {"plate": 0.8467, "sample": 1.9316, "residual": 0.5499, "reml": 330.86},
    "pastes": {"batch": 1.287, "sample": 2.904, "residual": 0.8234, "reml": 247.0},
}


def intercept_terms(data: pd.DataFrame, groups: Sequence[str]) -> list[RandomTerm]:
    """One random-intercept term ``(1 | g)`` per column ``g`` of ``groups``, levels sorted."""
    terms = []
    for g in groups:
        if g not in data.columns:
            raise ValueError(f"no column {g!r} in the data (columns: {list(data.columns)})")
        codes, levels = pd.factorize(data[g], sort=True)
        terms.append(
            RandomTerm(
                group=g,
                levels=pd.Index(levels),
                codes=codes.astype(np.int64),
                Z=np.ones((len(data), 1)),
                names=("(Intercept)",),
            )
        )
    return terms


def fit_intercepts(
    data: pd.DataFrame, *, y: str, groups: Sequence[str], method: Method = "REML"
) -> MixedFit:
    """Fit ``y ~ 1 + (1 | g1) + (1 | g2) + ...`` through the package's formula interface.

    The formula goes to `partial_pooling.formula.fit`, which sends two or more terms to
    `fit_mixed`; this returns that `MixedFit` (per-term SDs, conditional modes). A nested factor
    is given as its own column labelling each level uniquely (Pastes' ``sample``, which is
    ``batch:cask``). At least two factors: one factor is the one-factor fit of the other pages.
    """
    if len(groups) < 2:
        raise ValueError(f"two or more grouping factors are needed, got {list(groups)}")
    formula = f"{y} ~ 1 + " + " + ".join(f"(1 | {g})" for g in groups)
    result = fit(formula, data, method=method).result
    if not isinstance(result, MixedFit):
        raise TypeError(f"{formula!r} did not reach fit_mixed")
    return result


def _parent(child: np.ndarray, parent: np.ndarray) -> np.ndarray | None:
    """Each child level's parent level when the child factor is nested in the parent, else None."""
    J = int(child.max()) + 1
    first = np.full(J, -1)
    first[child[::-1]] = parent[::-1]
    return first if bool((first[child] == parent).all()) else None


def no_pooling_effects(
    data: pd.DataFrame, *, y: str, groups: Sequence[str]
) -> dict[str, pd.Series]:
    """Each level's effect estimated as a fixed effect: no pooling along every factor.

    Least squares of ``y`` on an intercept and every factor's level dummies, under the
    constraints that make it identified: a factor's effects sum to 0, or, for a factor nested
    in an earlier one, sum to 0 within each level of that earlier factor (the casks of each
    batch). In a balanced crossed design each effect is then the level's mean minus the grand
    mean; in a balanced nested one a cask's is its mean minus its batch's mean.

    Returns
    -------
    dict of str to pandas.Series
        The effects by factor, indexed by the sorted levels, and ``"(Intercept)"``: a Series
        holding the intercept.
    """
    terms = intercept_terms(data, groups)
    yv = data[y].to_numpy(float)
    N = yv.size
    blocks = [np.ones((N, 1))]
    constraints: list[np.ndarray] = []
    offsets = [1]
    for t in terms:
        J = len(t.levels)
        D = np.zeros((N, J))
        D[np.arange(N), t.codes] = 1.0
        blocks.append(D)
        offsets.append(offsets[-1] + J)
    P = offsets[-1]
    for i, t in enumerate(terms):
        J = len(t.levels)
        parent = None
        for earlier in terms[:i]:
            parent = _parent(t.codes, earlier.codes)
            if parent is not None:
                break
        groups_of = np.zeros(J, dtype=int) if parent is None else parent
        for g in np.unique(groups_of):
            row = np.zeros(P)
            row[offsets[i] + np.flatnonzero(groups_of == g)] = 1.0
            constraints.append(row)
    X = np.hstack(blocks)
    C = np.array(constraints)
    kkt = np.block([[X.T @ X, C.T], [C, np.zeros((len(C), len(C)))]])
    rhs = np.concatenate([X.T @ yv, np.zeros(len(C))])
    if np.linalg.matrix_rank(kkt) < kkt.shape[0]:
        raise ValueError(
            f"the factors {list(groups)} are not identified as fixed effects together (a "
            "level of one is confounded with the others)"
        )
    sol = np.linalg.solve(kkt, rhs)
    out = {"(Intercept)": pd.Series([sol[0]], index=["(Intercept)"])}
    for i, t in enumerate(terms):
        out[t.group] = pd.Series(sol[offsets[i] : offsets[i + 1]], index=t.levels, name=t.group)
    return out


def _effects(fit: MixedFit) -> dict[str, np.ndarray]:
    return {lab: fit.ranef[lab].iloc[:, 0].to_numpy() for lab in fit.labels}


def _check_intercepts(fit: MixedFit) -> None:
    for term in fit.terms:
        if term.Z.shape[1] != 1 or not np.all(term.Z == 1.0):
            raise ValueError(f"term ({' + '.join(term.names)} | {term.group}) is not (1 | g)")


def level_shrinkage(fit: MixedFit, *, y: np.ndarray, X: np.ndarray) -> dict[str, pd.DataFrame]:
    """Each level's one-factor weight, partial-residual mean and conditional mode.

    For factor $t$ and level $j$ with $n_{tj}$ rows: $\\lambda_{tj} = n_{tj}\\hat\\sigma_t^2 /
    (n_{tj}\\hat\\sigma_t^2 + \\hat\\sigma_y^2)$; the *partial* mean
    $\\bar r_{tj}$, the mean over the level's rows of $y_i - x_i'\\hat\\beta$ minus the other
    factors' predicted effects $\\hat b_{s,g_s(i)}$, $s \\ne t$; the *plain* mean of
    $y_i - x_i'\\hat\\beta$ over them (no other factor taken out).

    Parameters
    ----------
    fit : MixedFit
        A fit whose terms are random intercepts ``(1 | g)``.
    y, X : numpy.ndarray
        The response and the fixed-effect columns it was fitted with.

    Returns
    -------
    dict of str to pandas.DataFrame
        By the fit's labels: columns ``n``, ``lambda_``, ``partial_mean``, ``plain_mean`` and
        ``effect`` (the conditional mode $\\hat b_{tj}$), indexed by level.
    """
    _check_intercepts(fit)
    yv = np.asarray(y, dtype=float)
    fixed = np.asarray(X, dtype=float) @ fit.beta.to_numpy()
    b = _effects(fit)
    fitted = {lab: b[lab][t.codes] for lab, t in zip(fit.labels, fit.terms, strict=True)}
    s2 = fit.sigma_y**2
    out = {}
    for lab, t in zip(fit.labels, fit.terms, strict=True):
        J = len(t.levels)
        n = np.bincount(t.codes, minlength=J).astype(float)
        others = sum((fitted[o] for o in fit.labels if o != lab), start=np.zeros(yv.size))
        partial = np.bincount(t.codes, weights=yv - fixed - others, minlength=J) / n
        plain = np.bincount(t.codes, weights=yv - fixed, minlength=J) / n
        v = float(fit.sd[lab].iloc[0]) ** 2
        lam = shrinkage_weights(n, v / s2)
        out[lab] = pd.DataFrame(
            {
                "n": n,
                "lambda_": lam,
                "partial_mean": partial,
                "plain_mean": plain,
                "effect": b[lab],
            },
            index=t.levels,
        )
    return out


@dataclass(frozen=True)
class Backfit:
    """Alternating the one-factor shrinkages from zero (see `backfit`).

    Attributes
    ----------
    distance : numpy.ndarray
        After each sweep, the largest absolute difference between the iterate's effects (and
        $\\beta$) and the fit's conditional modes (and $\\hat\\beta$); ``distance[0]`` is at
        the start, all zero.
    effects : dict of str to pandas.Series
        The effects after the last sweep, by the fit's labels.
    beta : numpy.ndarray
        $\\beta$ after the last sweep.
    """

    distance: np.ndarray
    effects: dict[str, pd.Series]
    beta: np.ndarray


def backfit(
    fit: MixedFit, *, y: np.ndarray, X: np.ndarray, sweeps: int = 50, tol: float = 0.0
) -> Backfit:
    """Alternate one-factor shrinkages at the fit's variance components, starting from zero.

    A sweep sets $\\beta$ to the least-squares coefficients of $y$ minus every factor's current
    effects, then, factor by factor, each level's effect to $\\lambda_{tj}$ times the mean of
    its partial residual (with the other factors' *current* effects taken out). This is
    Gauss-Seidel on the normal equations of the penalized least squares, whose solution is the
    conditional modes and $\\hat\\beta$; the distances to them show it converging. It stops
    after ``sweeps`` sweeps, or earlier once a sweep changes no effect by more than ``tol``.
    """
    _check_intercepts(fit)
    yv = np.asarray(y, dtype=float)
    Xa = np.asarray(X, dtype=float)
    s2 = fit.sigma_y**2
    target = _effects(fit)
    codes = {lab: t.codes for lab, t in zip(fit.labels, fit.terms, strict=True)}
    counts = {lab: np.bincount(c).astype(float) for lab, c in codes.items()}
    lam = {}
    for lab in fit.labels:
        v = float(fit.sd[lab].iloc[0]) ** 2
        lam[lab] = shrinkage_weights(counts[lab], v / s2)
    b = {lab: np.zeros_like(target[lab]) for lab in fit.labels}
    beta = np.zeros(Xa.shape[1])
    beta_hat = fit.beta.to_numpy()

    def distance() -> float:
        d = [np.abs(b[lab] - target[lab]).max() for lab in fit.labels]
        return float(max(*d, np.abs(beta - beta_hat).max()))

    history = [distance()]
    for _ in range(sweeps):
        before = np.concatenate([beta, *b.values()])
        rest = sum((b[lab][codes[lab]] for lab in fit.labels), start=np.zeros(yv.size))
        beta = np.linalg.lstsq(Xa, yv - rest, rcond=None)[0]
        for lab in fit.labels:
            others = rest - b[lab][codes[lab]]
            r = yv - Xa @ beta - others
            mean = np.bincount(codes[lab], weights=r) / counts[lab]
            b[lab] = lam[lab] * mean
            rest = others + b[lab][codes[lab]]
        history.append(distance())
        if np.abs(np.concatenate([beta, *b.values()]) - before).max() <= tol:
            break
    effects = {
        lab: pd.Series(b[lab], index=t.levels, name=lab)
        for lab, t in zip(fit.labels, fit.terms, strict=True)
    }
    return Backfit(distance=np.array(history), effects=effects, beta=beta)


def unbalanced_penicillin(data: pd.DataFrame) -> pd.DataFrame:
    """Penicillin with every row whose position $i$ (from 0) has $i \\bmod 7 = 3$ dropped.

    21 of the 144 plate-sample cells go, so some plates keep 5 samples and others 6, and some
    samples keep 20 plates and others 21: a crossed design that is no longer balanced
    (``tests/data/two_classifications_lme4.R`` drops the same rows).
    """
    keep = np.arange(len(data)) % 7 != 3
    out: pd.DataFrame = data.loc[keep].reset_index(drop=True)
    return out
