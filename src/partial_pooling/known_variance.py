"""Partial pooling with known sampling variances: the eight-schools model.

Each group $j = 1, \\dots, J$ reports one estimate $y_j$ of its effect $\\theta_j$ with a standard
error $\\sigma_j$ that is taken as known, and the effects vary around a population mean:

$$
y_j \\mid \\theta_j \\sim N(\\theta_j, \\sigma_j^2), \\qquad \\theta_j \\sim N(\\mu, \\tau^2).
$$

It is the random-intercept model of the rest of the site with the group mean's sampling variance
$\\sigma_y^2/n_j$ replaced by a given $\\sigma_j^2$, and $\\sigma_\\alpha$ called $\\tau$ (the name
of Gelman et al., *Bayesian Data Analysis*, chapter 5). Integrating out $\\theta_j$,
$y_j \\sim N(\\mu, v_j)$ independently with $v_j = \\sigma_j^2 + \\tau^2$. From there:

* the weight on a group's own estimate, $\\lambda_j = \\tau^2/(\\tau^2 + \\sigma_j^2)$
  (`shrinkage_weights`), and the partially pooled effects
  $\\hat\\theta_j = \\lambda_j y_j + (1 - \\lambda_j)\\hat\\mu(\\tau)$ (`partially_pooled`);
* the GLS mean $\\hat\\mu(\\tau) = \\sum_j y_j / v_j \\big/ \\sum_j 1/v_j$ (`gls_mu`);
* the exact marginal log-likelihood in $(\\mu, \\tau)$ (`marginal_loglik_tau`), profiled in $\\tau$
  (`profile_loglik_tau`, ML) and restricted (`reml_loglik_tau`, REML), their derivative in
  $\\tau^2$ at $\\tau = 0$ (`score_at_zero`) and their maximizers (`fit_tau`), which may be exactly
  0;
* the exact posterior of $\\tau$ on a grid under a uniform or a half-Cauchy prior, with $\\mu$
  integrated out under a flat prior, and the posterior means and SDs of $\\mu$ and each
  $\\theta_j$ (`tau_posterior`).

Every function takes ``y`` and ``sigma`` as equal-length sequences of finite numbers
($\\sigma_j > 0$, at least two groups) and $\\tau$ in the same units as ``y``; the results are
unchanged, in those units, by a change of units of ``y``, ``sigma`` and ``tau`` together.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize

from .grouped import plain
from .validation import Method, check_finite, check_method, check_sd, check_sd_or_inf

__all__ = [
    "Prior",
    "TauFit",
    "TauPosterior",
    "fit_tau",
    "gls_mu",
    "marginal_loglik_tau",
    "partially_pooled",
    "profile_loglik_tau",
    "reml_loglik_tau",
    "score_at_zero",
    "shrinkage_weights",
    "tau_posterior",
]

#: The priors on $\\tau$ of `tau_posterior`: uniform on $\\tau \\ge 0$, or half-Cauchy with a scale.
Prior = Literal["uniform", "half-cauchy"]

_LOG_2PI = float(np.log(2 * np.pi))


def _vector(name: str, values: object) -> np.ndarray:
    """``values`` as a 1-D float array of finite real numbers, else a ValueError naming them."""
    if isinstance(values, str | bytes) or np.ndim(values) != 1:  # type: ignore[arg-type]
        raise ValueError(f"{name} must be a sequence of numbers (one per group), got {values!r}")
    items = list(values)  # type: ignore[call-overload]
    for j, v in enumerate(items):
        if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
            raise ValueError(f"{name} must hold real numbers; {name}[{j}] is {plain(v)}")
        if not np.isfinite(float(v)):
            raise ValueError(f"{name} must be finite; {name}[{j}] is {plain(v)}")
    return np.asarray(items, dtype=float)


def _variances(sigma: object) -> np.ndarray:
    """The squared standard errors $\\sigma_j^2$, every $\\sigma_j$ checked finite and $> 0$."""
    s_arr = _vector("sigma", sigma)
    bad = np.flatnonzero(s_arr <= 0)
    if bad.size:
        j = int(bad[0])
        raise ValueError(
            f"every standard error sigma_j must be > 0; sigma[{j}] is {plain(s_arr[j])}"
        )
    return s_arr**2


def _effects(y: object, sigma: object) -> tuple[np.ndarray, np.ndarray]:
    """The estimates $y_j$ and their squared standard errors, checked: equal lengths, $J \\ge 2$,
    every value finite, every $\\sigma_j > 0$."""
    y_arr, s2 = _vector("y", y), _variances(sigma)
    if len(y_arr) != len(s2):
        raise ValueError(
            f"y and sigma must have one value per group each; got {len(y_arr)} values of y and "
            f"{len(s2)} of sigma"
        )
    if len(y_arr) < 2:
        raise ValueError(f"at least 2 groups are needed to estimate tau, got {len(y_arr)}")
    return y_arr, s2


def _gls(y: np.ndarray, s2: np.ndarray, t2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """$\\hat\\mu(\\tau)$ and its variance $1/\\sum_j 1/v_j$ for each $\\tau^2$ in ``t2``."""
    w = 1.0 / (s2[None, :] + t2[:, None])
    total = w.sum(axis=1)
    return (w * y[None, :]).sum(axis=1) / total, 1.0 / total


def _ml(y: np.ndarray, s2: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """Profiled ML log-likelihood at each $\\tau^2$ in ``t2`` (vectorized)."""
    v = s2[None, :] + t2[:, None]
    mu, _ = _gls(y, s2, t2)
    r2 = (y[None, :] - mu[:, None]) ** 2
    return np.asarray(-0.5 * (len(y) * _LOG_2PI + np.log(v).sum(axis=1) + (r2 / v).sum(axis=1)))


def _reml(y: np.ndarray, s2: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """Restricted log-likelihood at each $\\tau^2$ in ``t2`` (vectorized)."""
    _, var_mu = _gls(y, s2, t2)
    return np.asarray(_ml(y, s2, t2) + 0.5 * _LOG_2PI + 0.5 * np.log(var_mu))


def _score(y: np.ndarray, s2: np.ndarray, t2: np.ndarray, method: Method) -> np.ndarray:
    """Derivative of the ML or REML log-likelihood in $\\tau^2$ at each value of ``t2``."""
    v = s2[None, :] + t2[:, None]
    mu, _ = _gls(y, s2, t2)
    r2 = (y[None, :] - mu[:, None]) ** 2
    out = 0.5 * ((r2 / v**2).sum(axis=1) - (1.0 / v).sum(axis=1))
    if method == "REML":
        out = out + 0.5 * (1.0 / v**2).sum(axis=1) / (1.0 / v).sum(axis=1)
    return np.asarray(out)


def shrinkage_weights(*, sigma: Sequence[float] | np.ndarray, tau: float) -> np.ndarray:
    """The weight on each group's own estimate, $\\lambda_j = \\tau^2/(\\tau^2 + \\sigma_j^2)$.

    The random-intercept weight $n_j\\sigma_\\alpha^2/(n_j\\sigma_\\alpha^2 + \\sigma_y^2)
    = \\sigma_\\alpha^2/(\\sigma_\\alpha^2 + \\sigma_y^2/n_j)$ with the group mean's sampling
    variance $\\sigma_y^2/n_j$ replaced by the known $\\sigma_j^2$, and $\\sigma_\\alpha$ by
    $\\tau$.

    Parameters
    ----------
    sigma : sequence of float
        Standard errors $\\sigma_j > 0$.
    tau : float
        SD of the effects across groups, $\\ge 0$; ``inf`` gives every weight 1 (no pooling).

    Returns
    -------
    numpy.ndarray
        $\\lambda_j$, one per group, in $[0, 1]$; all 0 at $\\tau = 0$ (complete pooling).
    """
    s2 = _variances(sigma)
    t = check_sd_or_inf("tau", tau)
    if np.isinf(t):
        return np.ones_like(s2)
    return np.asarray(t**2 / (t**2 + s2))


def gls_mu(
    *, y: Sequence[float] | np.ndarray, sigma: Sequence[float] | np.ndarray, tau: float
) -> float:
    """The GLS estimate of the population mean at a given $\\tau$.

    $$
    \\hat\\mu(\\tau) = \\frac{\\sum_j y_j / v_j}{\\sum_j 1/v_j},
    \\qquad \\operatorname{Var}\\hat\\mu(\\tau) = \\Big(\\sum_j \\frac{1}{v_j}\\Big)^{-1},
    \\qquad v_j = \\sigma_j^2 + \\tau^2.
    $$

    It maximizes the marginal likelihood over $\\mu$ at that $\\tau$, and it is the posterior
    mean of $\\mu$ given $\\tau$ under a flat prior on $\\mu$. At $\\tau = 0$ it is the
    precision-weighted mean (complete pooling); as $\\tau \\to \\infty$ the unweighted mean
    (``tau=inf`` gives it).

    Parameters
    ----------
    y : sequence of float
        Estimates $y_j$.
    sigma : sequence of float
        Their standard errors $\\sigma_j > 0$.
    tau : float
        $\\tau \\ge 0$, or ``inf``.

    Returns
    -------
    float
        $\\hat\\mu(\\tau)$.
    """
    y_arr, s2 = _effects(y, sigma)
    t = check_sd_or_inf("tau", tau)
    if np.isinf(t):
        return float(y_arr.mean())
    return float(_gls(y_arr, s2, np.array([t**2]))[0][0])


def partially_pooled(
    *,
    y: Sequence[float] | np.ndarray,
    sigma: Sequence[float] | np.ndarray,
    tau: float,
    mu: float | None = None,
) -> np.ndarray:
    """The partially pooled effects at a given $\\tau$: $\\lambda_j y_j + (1 - \\lambda_j)\\mu$.

    With ``mu=None`` the population mean is $\\hat\\mu(\\tau)$ (`gls_mu`): the ML or REML plug-in
    estimate (BLUP) when $\\tau$ is $\\hat\\tau$, and the posterior mean of $\\theta_j$ given
    $\\tau$ under a flat prior on $\\mu$.

    Parameters
    ----------
    y, sigma : sequence of float
        Estimates $y_j$ and standard errors $\\sigma_j > 0$.
    tau : float
        $\\tau \\ge 0$: 0 gives complete pooling (every effect $\\mu$), ``inf`` no pooling ($y_j$).
    mu : float, optional
        The population mean to shrink toward, if not $\\hat\\mu(\\tau)$.

    Returns
    -------
    numpy.ndarray
        $\\hat\\theta_j$, one per group.
    """
    y_arr, _ = _effects(y, sigma)
    lam = shrinkage_weights(sigma=sigma, tau=tau)
    centre = gls_mu(y=y, sigma=sigma, tau=tau) if mu is None else check_finite("mu", mu)
    return np.asarray(lam * y_arr + (1.0 - lam) * centre)


def marginal_loglik_tau(
    *, y: Sequence[float] | np.ndarray, sigma: Sequence[float] | np.ndarray, mu: float, tau: float
) -> float:
    """The exact marginal log-likelihood of $(\\mu, \\tau)$, the $\\theta_j$ integrated out.

    $$
    \\ell(\\mu, \\tau) = -\\frac12 \\sum_j
    \\Big[\\log(2\\pi v_j) + \\frac{(y_j - \\mu)^2}{v_j}\\Big],
    \\qquad v_j = \\sigma_j^2 + \\tau^2.
    $$

    Parameters
    ----------
    y, sigma : sequence of float
        Estimates $y_j$ and standard errors $\\sigma_j > 0$.
    mu : float
        Population mean.
    tau : float
        $\\tau \\ge 0$.

    Returns
    -------
    float
        $\\ell(\\mu, \\tau)$, with the constant $-\\tfrac{J}{2}\\log 2\\pi$ included.
    """
    y_arr, s2 = _effects(y, sigma)
    m = check_finite("mu", mu)
    t = check_sd("tau", tau, positive=False)
    v = s2 + t**2
    return float(-0.5 * np.sum(_LOG_2PI + np.log(v) + (y_arr - m) ** 2 / v))


def profile_loglik_tau(
    *, y: Sequence[float] | np.ndarray, sigma: Sequence[float] | np.ndarray, tau: float
) -> float:
    """The marginal log-likelihood profiled in $\\tau$ (ML), $\\ell(\\hat\\mu(\\tau), \\tau)$.

    $\\ell_P(\\tau) = \\ell(\\hat\\mu(\\tau), \\tau)$, with $\\hat\\mu(\\tau)$ of `gls_mu`.

    Parameters
    ----------
    y, sigma : sequence of float
        Estimates $y_j$ and standard errors $\\sigma_j > 0$.
    tau : float
        $\\tau \\ge 0$.

    Returns
    -------
    float
        $\\ell_P(\\tau)$; its maximizer over $\\tau \\ge 0$ is the ML estimate (`fit_tau`).
    """
    y_arr, s2 = _effects(y, sigma)
    t = check_sd("tau", tau, positive=False)
    return float(_ml(y_arr, s2, np.array([t**2]))[0])


def reml_loglik_tau(
    *, y: Sequence[float] | np.ndarray, sigma: Sequence[float] | np.ndarray, tau: float
) -> float:
    """The restricted (REML) log-likelihood of $\\tau$.

    $$
    \\ell_R(\\tau) = \\ell_P(\\tau) + \\tfrac12 \\log 2\\pi
    - \\tfrac12 \\log \\sum_j \\frac{1}{\\sigma_j^2 + \\tau^2},
    $$

    the likelihood of the $J - 1$ contrasts of the $y_j$ that do not involve $\\mu$ (with lme4's
    constant). $\\exp \\ell_R(\\tau)$ is, up to a constant, the marginal posterior of $\\tau$
    under flat priors on $\\mu$ and $\\tau$ (Gelman et al., *Bayesian Data Analysis*, eq. 5.21).

    Parameters
    ----------
    y, sigma : sequence of float
        Estimates $y_j$ and standard errors $\\sigma_j > 0$.
    tau : float
        $\\tau \\ge 0$.

    Returns
    -------
    float
        $\\ell_R(\\tau)$; its maximizer over $\\tau \\ge 0$ is the REML estimate (`fit_tau`).
    """
    y_arr, s2 = _effects(y, sigma)
    t = check_sd("tau", tau, positive=False)
    return float(_reml(y_arr, s2, np.array([t**2]))[0])


def score_at_zero(
    *, y: Sequence[float] | np.ndarray, sigma: Sequence[float] | np.ndarray, method: Method = "REML"
) -> float:
    """The derivative of the ML or REML log-likelihood in $\\tau^2$ at $\\tau = 0$.

    $\\ell$ depends on $\\tau$ only through $\\tau^2$, so its derivative *in* $\\tau$ is 0 at
    $\\tau = 0$ for any data; the sign of the derivative in $\\tau^2$ decides whether the boundary
    is a local maximum. With $\\hat\\mu_0 = \\hat\\mu(0)$, the precision-weighted mean,

    $$
    \\frac{\\partial \\ell_P}{\\partial \\tau^2}\\Big|_0
    = \\frac12 \\sum_j
    \\Big[\\frac{(y_j - \\hat\\mu_0)^2}{\\sigma_j^4} - \\frac{1}{\\sigma_j^2}\\Big],
    \\qquad
    \\frac{\\partial \\ell_R}{\\partial \\tau^2}\\Big|_0
    = \\frac{\\partial \\ell_P}{\\partial \\tau^2}\\Big|_0
    + \\frac12 \\frac{\\sum_j \\sigma_j^{-4}}{\\sum_j \\sigma_j^{-2}}.
    $$

    With equal $\\sigma_j = \\sigma$ these are positive exactly when $\\sum_j (y_j - \\bar y)^2$
    exceeds $J\\sigma^2$ (ML) or $(J - 1)\\sigma^2$ (REML): when the estimates vary more than their
    standard errors alone would make them.

    Parameters
    ----------
    y, sigma : sequence of float
        Estimates $y_j$ and standard errors $\\sigma_j > 0$.
    method : {"ML", "REML"}
        Which log-likelihood.

    Returns
    -------
    float
        The score in $\\tau^2$ at 0, in 1/(units of $y$)$^2$.
    """
    y_arr, s2 = _effects(y, sigma)
    return float(_score(y_arr, s2, np.zeros(1), check_method(method))[0])


@dataclass(frozen=True)
class TauFit:
    """The ML or REML estimate of $\\tau$ for known sampling variances, from `fit_tau`.

    Attributes
    ----------
    method : str
        ``"ML"`` or ``"REML"``.
    tau : float
        $\\hat\\tau \\ge 0$, the maximizer over $\\tau \\ge 0$; exactly 0 at the boundary.
    mu, se_mu : float
        $\\hat\\mu(\\hat\\tau)$ (`gls_mu`) and its standard error $(\\sum_j 1/v_j)^{-1/2}$.
    loglik : float
        The maximized log-likelihood (`profile_loglik_tau` or `reml_loglik_tau`).
    score_at_zero : float
        The derivative of that log-likelihood in $\\tau^2$ at 0 (`score_at_zero`).
    at_boundary : bool
        True when $\\hat\\tau = 0$: the score at 0 is $\\le 0$ and no $\\tau > 0$ on the search
        grid (and its refinement) has a higher log-likelihood.
    shrinkage : numpy.ndarray
        $\\lambda_j$ at $\\hat\\tau$ (all 0 at the boundary).
    theta : numpy.ndarray
        The partially pooled effects at $\\hat\\tau$ (all $\\hat\\mu$ at the boundary).
    """

    method: str
    tau: float
    mu: float
    se_mu: float
    loglik: float
    score_at_zero: float
    at_boundary: bool
    shrinkage: np.ndarray
    theta: np.ndarray

    @property
    def J(self) -> int:
        """Number of groups $J$."""
        return len(self.theta)


def fit_tau(
    *, y: Sequence[float] | np.ndarray, sigma: Sequence[float] | np.ndarray, method: Method = "REML"
) -> TauFit:
    """The ML or REML estimate of $\\tau$, which may be exactly 0.

    Maximizes `profile_loglik_tau` (ML) or `reml_loglik_tau` (REML) over $\\tau \\ge 0$: the
    log-likelihood is evaluated at $\\tau = 0$ and on a grid of 400 values of $\\tau^2$ over 24
    decades around the $\\sigma_j^2$; each interval where the score in $\\tau^2$ changes sign from
    $+$ to $-$ holds a local maximum, found to machine precision by root finding on the score;
    the highest of these and the boundary $\\tau = 0$ wins. Both log-likelihoods tend to
    $-\\infty$ as $\\tau \\to \\infty$ (for $J \\ge 2$), so a maximum exists.

    Parameters
    ----------
    y, sigma : sequence of float
        Estimates $y_j$ and standard errors $\\sigma_j > 0$.
    method : {"ML", "REML"}
        Full or restricted maximum likelihood.

    Returns
    -------
    TauFit
        $\\hat\\tau$, $\\hat\\mu$, the log-likelihood, the score at 0 and whether the estimate is
        at the boundary.
    """
    y_arr, s2 = _effects(y, sigma)
    how = check_method(method)
    loglik = _ml if how == "ML" else _reml
    scale = float(np.median(s2))
    t2 = np.concatenate([[0.0], scale * np.logspace(-12, 12, 400)])
    score = _score(y_arr, s2, t2, how)
    best_t2, best_ll = 0.0, float(loglik(y_arr, s2, np.zeros(1))[0])
    for k in np.flatnonzero((score[:-1] > 0) & (score[1:] <= 0)):
        root = optimize.brentq(
            lambda u: float(_score(y_arr, s2, np.array([u]), how)[0]),
            float(t2[k]),
            float(t2[k + 1]),
            xtol=1e-300,
            rtol=4 * np.finfo(float).eps,
        )
        ll = float(loglik(y_arr, s2, np.array([root]))[0])
        if ll > best_ll:
            best_t2, best_ll = root, ll
    tau = float(np.sqrt(best_t2))
    mu, var_mu = _gls(y_arr, s2, np.array([best_t2]))
    lam = best_t2 / (best_t2 + s2)
    return TauFit(
        method=how,
        tau=tau,
        mu=float(mu[0]),
        se_mu=float(np.sqrt(var_mu[0])),
        loglik=best_ll,
        score_at_zero=float(score[0]),
        at_boundary=best_t2 == 0.0,
        shrinkage=lam,
        theta=lam * y_arr + (1 - lam) * float(mu[0]),
    )


@dataclass(frozen=True)
class TauPosterior:
    """The posterior of $\\tau$ on a grid, and of $\\mu$ and the $\\theta_j$, from `tau_posterior`.

    Integrals over $\\tau$ are trapezoid sums on the grid, normalized over the grid's range
    $[0, \\tau_{\\max}]$: the posterior mass beyond $\\tau_{\\max}$ is left out (choose the grid
    wide enough for it to be negligible).

    Attributes
    ----------
    prior : str
        ``"uniform"`` or ``"half-cauchy"``.
    scale : float or None
        The half-Cauchy's scale $A$ (None for the uniform prior).
    tau : numpy.ndarray
        The grid, from 0.
    density : numpy.ndarray
        $p(\\tau \\mid y)$ at each grid point; its trapezoid sum over the grid is 1.
    mean_tau, sd_tau : float
        Posterior mean and SD of $\\tau$.
    mean_mu, sd_mu : float
        Posterior mean and SD of $\\mu$.
    theta_mean, theta_sd : numpy.ndarray
        Posterior mean and SD of each $\\theta_j$, mixing over $\\tau$.
    """

    prior: str
    scale: float | None
    tau: np.ndarray
    density: np.ndarray
    mean_tau: float
    sd_tau: float
    mean_mu: float
    sd_mu: float
    theta_mean: np.ndarray
    theta_sd: np.ndarray

    def _cumulative(self) -> np.ndarray:
        steps = np.diff(self.tau) * (self.density[1:] + self.density[:-1]) / 2
        return np.concatenate([[0.0], np.cumsum(steps)])

    def quantile(self, q: float) -> float:
        """The $q$ quantile of $\\tau$: the grid's cumulative trapezoid sums, interpolated
        linearly between grid points."""
        if isinstance(q, bool) or not isinstance(q, numbers.Real) or not 0 < float(q) < 1:
            raise ValueError(f"q must be a number between 0 and 1 (exclusive), got {plain(q)}")
        return float(np.interp(float(q), self._cumulative(), self.tau))

    def cdf(self, t: float) -> float:
        """$P(\\tau \\le t \\mid y)$: the cumulative trapezoid sums, interpolated linearly
        between grid points (1 from the grid's end on)."""
        value = check_finite("t", t)
        return float(np.interp(value, self.tau, self._cumulative()))


def _grid(tau: object) -> np.ndarray:
    grid = _vector("tau", tau)
    if len(grid) < 3:
        raise ValueError(f"the grid tau needs at least 3 points, got {len(grid)}")
    if grid[0] != 0:
        raise ValueError(f"the grid tau must start at 0, got tau[0] = {plain(grid[0])}")
    steps = np.diff(grid)
    if (steps <= 0).any():
        k = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise ValueError(
            f"the grid tau must be increasing; tau[{k}] = {plain(grid[k])} follows "
            f"{plain(grid[k - 1])}"
        )
    return grid


def tau_posterior(
    *,
    y: Sequence[float] | np.ndarray,
    sigma: Sequence[float] | np.ndarray,
    tau: Sequence[float] | np.ndarray,
    prior: Prior = "uniform",
    scale: float | None = None,
) -> TauPosterior:
    """The exact posterior of $\\tau$ on a grid, $\\mu$ integrated out under a flat prior.

    With $p(\\mu \\mid \\tau) \\propto 1$ (Gelman et al., *Bayesian Data Analysis*, eq. 5.21),

    $$
    p(\\tau \\mid y) \\propto p(\\tau)\\, V_\\mu^{1/2} \\prod_j v_j^{-1/2}
    \\exp\\Big(-\\sum_j \\frac{(y_j - \\hat\\mu)^2}{2 v_j}\\Big)
    \\propto p(\\tau)\\, e^{\\ell_R(\\tau)},
    $$

    with $v_j = \\sigma_j^2 + \\tau^2$, $\\hat\\mu = \\hat\\mu(\\tau)$ and $V_\\mu$ its variance
    (`gls_mu`): the restricted likelihood times the prior. The prior is uniform on $\\tau \\ge 0$
    (BDA section 5.4), or half-Cauchy, $p(\\tau) \\propto 1/(1 + (\\tau/A)^2)$, with scale $A$
    (Gelman 2006). Given $\\tau$, $\\theta_j$ is normal with mean
    $\\lambda_j y_j + (1-\\lambda_j)\\hat\\mu$ and variance $\\lambda_j\\sigma_j^2 +
    (1-\\lambda_j)^2 V_\\mu$; the posterior mean and SD of $\\theta_j$ mix these over the grid.

    Parameters
    ----------
    y, sigma : sequence of float
        Estimates $y_j$ and standard errors $\\sigma_j > 0$.
    tau : sequence of float
        The grid: increasing, from exactly 0, at least 3 points, in the units of $y$.
    prior : {"uniform", "half-cauchy"}
        The prior on $\\tau$.
    scale : float, optional
        The half-Cauchy's scale $A > 0$ (required for it; not allowed with ``"uniform"``).

    Returns
    -------
    TauPosterior
        The normalized density on the grid, and posterior means and SDs.
    """
    y_arr, s2 = _effects(y, sigma)
    grid = _grid(tau)
    if prior == "uniform":
        if scale is not None:
            raise ValueError(f"the uniform prior takes no scale, got scale = {plain(scale)}")
        log_prior = np.zeros_like(grid)
        a = None
    elif prior == "half-cauchy":
        if scale is None:
            raise ValueError("the half-Cauchy prior needs a scale A > 0, got scale = None")
        a = check_sd("scale", scale, positive=True)
        log_prior = -np.log1p((grid / a) ** 2)
    else:
        raise ValueError(f"prior must be 'uniform' or 'half-cauchy', got {prior!r}")
    t2 = grid**2
    log_post = log_prior + _reml(y_arr, s2, t2)
    unnorm = np.exp(log_post - log_post.max())
    weights = np.empty_like(grid)  # trapezoid weights on the grid
    steps = np.diff(grid)
    weights[0], weights[-1] = steps[0] / 2, steps[-1] / 2
    weights[1:-1] = (steps[:-1] + steps[1:]) / 2
    density = unnorm / float(weights @ unnorm)
    p = weights * density
    mu, var_mu = _gls(y_arr, s2, t2)
    lam = t2[:, None] / (t2[:, None] + s2[None, :])
    mean_j = lam * y_arr[None, :] + (1 - lam) * mu[:, None]
    var_j = lam * s2[None, :] + (1 - lam) ** 2 * var_mu[:, None]
    mean_tau = float(p @ grid)
    mean_mu = float(p @ mu)
    theta_mean = p @ mean_j
    return TauPosterior(
        prior=prior,
        scale=a,
        tau=grid,
        density=density,
        mean_tau=mean_tau,
        sd_tau=float(np.sqrt(max(p @ (grid - mean_tau) ** 2, 0.0))),
        mean_mu=mean_mu,
        sd_mu=float(np.sqrt(p @ (var_mu + (mu - mean_mu) ** 2))),
        theta_mean=theta_mean,
        theta_sd=np.sqrt(p @ (var_j + (mean_j - theta_mean[None, :]) ** 2)),
    )
