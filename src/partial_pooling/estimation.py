"""The three ways to estimate group intercepts: complete, no and partial pooling.

All three take the same arguments, ``(data, y, group, x=None)``, and return a
`PoolingFit` with the same fields, so they can be laid side by side:

* `complete_pooling` ignores the groups: one intercept, ordinary least squares
  ($\\lambda_j = 0$, $\\sigma_\\alpha = 0$);
* `no_pooling` gives every group its own intercept and shares $\\beta$: the within
  (fixed-effects) estimator ($\\lambda_j = 1$, $\\sigma_\\alpha = \\infty$);
* `fit_random_intercept` is partial pooling: the exact ML or REML fit of the
  random-intercept model, whose group intercepts are the precision-weighted compromises
  $\\hat\\alpha_j = \\lambda_j(\\bar y_j - \\bar x_j'\\hat\\beta) + (1-\\lambda_j)\\hat\\mu$.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg, optimize

from .fits import FitMethod, Pooling, PoolingFit, described
from .grouped import (
    EXTENDED_ABOVE,
    GroupedData,
    SufficientStatistics,
    check_within_variation,
    extended_gls,
    plain,
)
from .likelihood import (
    LOG_2PI,
    ProfilePoint,
    profile,
    profile_grid,
    profile_newton_terms,
    profile_score,
)
from .on_data import on_data
from .shrinkage import shrinkage_weights
from .threads import single_blas_thread
from .validation import Method, check_method, warn_not_converged

__all__ = [
    "complete_pooling",
    "fit_random_intercept",
    "no_pooling",
    "one_way_anova",
]

def _fixed_frames(
    g: GroupedData, b: np.ndarray, a_inv: np.ndarray, sigma_y2: float
) -> tuple[float, pd.Series, pd.DataFrame]:
    """$(\\hat\\mu, \\hat\\beta)$ and their covariance in the data's units.

    ``b`` and ``a_inv`` $= A_s^{-1}$ belong to the standardized design; ``sigma_y2`` is the
    residual variance in the data's units.
    """
    mu, beta = g.scaling.fixed(b)
    cov = g.scaling.fixed_cov(a_inv, sigma_y2)
    names = ["Intercept", *g.x_names]
    return (
        mu,
        pd.Series(beta, index=pd.Index(g.x_names, dtype=object), name="beta", dtype=float),
        pd.DataFrame(cov, index=names, columns=names),
    )


def _precise(g: GroupedData, pt: ProfilePoint, psi: float) -> np.ndarray:
    """``pt.b``, recomputed in extended precision when the design is ill-conditioned."""
    if np.linalg.cond(pt.R) <= EXTENDED_ABOVE:
        return pt.b
    return extended_gls(g, psi)


def _shrunken_intercepts(g: GroupedData, b: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """$\\hat\\alpha_j = \\lambda_j(\\bar y_j - \\bar x_j'\\hat\\beta) + (1-\\lambda_j)\\hat\\mu$.

    Computed on the standardized scale (where no large terms cancel) and mapped back.
    """
    adj = g.ybar_s - g.xbar_s @ b[1:]
    alpha_s = lam * adj + (1.0 - lam) * b[0]
    return np.asarray(g.scaling.intercept(alpha_s, g.scaling.beta(b)))


def _result(
    g: GroupedData,
    *,
    pooling: Pooling,
    method: FitMethod,
    mu: float,
    beta: pd.Series,
    cov: pd.DataFrame,
    sigma_alpha: float,
    sigma_y: float,
    loglik: float,
    alpha: np.ndarray,
    lam: np.ndarray,
    cond_sd: np.ndarray,
    at_boundary: bool = False,
    score: float = float("nan"),
    converged: bool = True,
) -> PoolingFit:
    se = np.sqrt(np.diag(cov.to_numpy()))
    return PoolingFit(
        pooling=pooling,
        method=method,
        **described(g),
        mu=mu,
        beta=beta,
        sigma_alpha=sigma_alpha,
        sigma_y=sigma_y,
        loglik=loglik,
        se_mu=float(se[0]) if pooling != "none" else float("nan"),
        se_beta=pd.Series(se[1:], index=beta.index, name="se_beta", dtype=float),
        cov_fixed=cov,
        alpha=g.series(alpha, "alpha"),
        shrinkage=g.series(lam, "shrinkage"),
        n=g.series(g.n.astype(int), "n"),
        cond_sd=g.series(cond_sd, "cond_sd"),
        ybar=g.series(g.ybar, "ybar"),
        xbar=pd.DataFrame(g.xbar, index=g.labels.copy(), columns=pd.Index(g.x_names, dtype=object)),
        at_boundary=at_boundary,
        score=score,
        converged=converged,
    )


def _parabola_peak(grid: np.ndarray, ll: np.ndarray, i: int) -> float:
    """The peak of the parabola in $\\log\\psi$ through the grid's best point and its two
    neighbours: a start for Newton's method (the grid point itself next to $\\psi = 0$)."""
    if i < 2:
        return float(grid[i])
    t = np.log(grid[i - 1 : i + 2])
    f = ll[i - 1 : i + 2]
    curvature = (f[2] - f[1]) / (t[2] - t[1]) - (f[1] - f[0]) / (t[1] - t[0])
    if not curvature < 0:
        return float(grid[i])
    h = t[1] - t[0]  # an even grid in log psi
    peak = t[1] + 0.5 * h * (f[2] - f[0]) / (-curvature)
    return float(np.exp(np.clip(peak, t[0], t[2])))


def _newton_psi(
    stats: SufficientStatistics, method: Method, lo: float, hi: float, start: float
) -> float | None:
    """Solve $\\ell'(\\psi) = 0$ in $(lo, hi)$ by Newton's method on the exact $\\ell''$.

    The iteration runs in $t = \\log\\psi$ (in $\\psi$ when the bracket starts at 0) and
    keeps a bracket from the sign of each score: a step that leaves it, or a point where the
    profile is not concave, bisects instead. It converges quadratically, to rounding in five
    or six evaluations from the grid's parabola. Returns None when it does not converge with
    a Newton step (a kink, or a score that does not change sign in the bracket): the caller
    then falls back to Brent's method with its sign checks.
    """
    log = lo > 0.0
    a, c = (float(np.log(lo)), float(np.log(hi))) if log else (lo, hi)
    t = float(np.log(start)) if log else start
    for _ in range(60):
        psi = float(np.exp(t)) if log else t
        score, slope = profile_newton_terms(stats, psi, method)
        if not (np.isfinite(score) and np.isfinite(slope)):
            return None
        if score == 0.0:
            return psi
        if score > 0.0:
            a = t
        else:
            c = t
        g, h = (psi * score, psi * score + psi * psi * slope) if log else (score, slope)
        new = t - g / h if h < 0.0 else np.nan
        if a < new < c:
            if abs(new - t) <= 4e-16 * max(abs(t), 1.0 if log else 0.0):
                return float(np.exp(new)) if log else float(new)
        else:
            new = 0.5 * (a + c)
            if not a < new < c:
                return None  # the bracket has collapsed without a Newton step converging
        t = float(new)
    return None


def maximize_psi(stats: SufficientStatistics, method: Method = "REML") -> ProfilePoint:
    """Find $\\hat\\psi$ (`search_psi` without its convergence flag)."""
    return search_psi(stats, method)[0]


def search_psi(stats: SufficientStatistics, method: Method = "REML") -> tuple[ProfilePoint, bool]:
    """Find $\\hat\\psi$, the maximizer of the profiled log-likelihood over
    $\\psi \\ge 0$, to machine precision.

    A grid over 24 decades of $\\psi$ (and $\\psi = 0$) brackets the global maximum;
    Newton's method on the exact $\\ell''(\\psi)$ (`_newton_psi`, safeguarded by the
    bracket) then solves the score equation $\\ell'(\\psi) = 0$ inside it, with Brent's
    method as the fallback.
    When $\\ell'(0) \\le 0$ and the grid finds nothing higher, $\\hat\\psi = 0$: the
    boundary, complete pooling. Returns the profile at $\\hat\\psi$ and whether the search
    converged (False only if a bounded search, the last resort, missed its tolerance).
    """
    k = stats.k
    within_rss = float(stats.R_within[-1, -1] ** 2)
    if within_rss <= 1e-20 * stats.N:
        dof = stats.N - stats.n.size - (k - 1)
        raise ValueError(
            "the data show no residual variation within groups (N - J - p = "
            f"{dof} within-group degrees of freedom{', or an exact fit' if dof > 0 else ''}): "
            "sigma_y, and with it sigma_alpha, is not identified; ML and REML both refuse"
        )
    grid = np.concatenate([[0.0], np.logspace(-10, 14, 49)])
    ll = profile_grid(stats, grid, method)
    i = int(np.nanargmax(ll))
    if i == len(grid) - 1 or np.isinf(ll[i]):
        raise ValueError(
            "the likelihood increases without bound in psi = sigma_alpha^2 / sigma_y^2: the "
            "data show (almost) no variation within groups"
        )
    if i == 0:
        at_zero = profile(stats, 0.0, method)
        if at_zero.score <= 0:
            return at_zero, True
    lo, hi = grid[max(i - 1, 0)], grid[i + 1]
    psi_newton = _newton_psi(stats, method, lo, hi, _parabola_peak(grid, ll, i))
    if psi_newton is not None:
        return profile(stats, psi_newton, method), True
    f_lo = profile_score(stats, lo, method)
    f_hi = profile_score(stats, hi, method)
    if f_lo > 0 > f_hi:
        psi = optimize.brentq(
            lambda p: profile_score(stats, p, method),
            lo,
            hi,
            xtol=1e-300,
            rtol=8.9e-16,
            maxiter=500,
        )
        return profile(stats, float(psi), method), True
    # a kink in the score: fall back to a bounded search
    res = optimize.minimize_scalar(
        lambda p: -profile(stats, p, method).loglik,
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-14 * hi},
    )
    return profile(stats, float(res.x), method), bool(res.success)


@single_blas_thread
def _fit_random_intercept(g: GroupedData, method: Method = "REML") -> PoolingFit:
    """Partial pooling: the exact ML or REML fit of the random-intercept model.

    $$
    y_{ij} = \\mu + x_{ij}'\\beta + a_j + \\varepsilon_{ij},\\qquad
    a_j \\sim N(0, \\sigma_\\alpha^2),\\quad \\varepsilon_{ij} \\sim N(0, \\sigma_y^2).
    $$

    $\\beta$ and $\\sigma_y$ are profiled out and
    $\\psi = \\sigma_\\alpha^2/\\sigma_y^2$ is solved for to machine precision from per-group
    sums (one pass over the data; see `maximize_psi`). The group intercepts are the
    conditional modes (BLUPs)

    $$
    \\hat\\alpha_j = \\lambda_j(\\bar y_j - \\bar x_j'\\hat\\beta) + (1-\\lambda_j)\\hat\\mu,
    \\qquad
    \\lambda_j = \\frac{n_j\\hat\\sigma_\\alpha^2}{n_j\\hat\\sigma_\\alpha^2+\\hat\\sigma_y^2}.
    $$

    Parameters
    ----------
    method : {"REML", "ML"}
        Restricted or full maximum likelihood.

    Returns
    -------
    PoolingFit
        With ``pooling="partial"``. ``at_boundary`` is True when
        $\\hat\\sigma_\\alpha = 0$ (then the fit is complete pooling).

    Raises
    ------
    ValueError
        For bad input (see `partial_pooling.grouped.group_data`), or when the groups show
        no variation within them.

    Examples
    --------
    >>> from partial_pooling import datasets, fit_random_intercept
    >>> fit = fit_random_intercept(datasets.sleepstudy(), "Reaction", "Subject", "Days")
    >>> round(fit.mu, 4), round(fit.beta["Days"], 4), round(fit.sigma_alpha, 3)
    (251.4051, 10.4673, 37.124)
    """
    method = check_method(method)
    stats = g.stats
    pt, converged = search_psi(stats, method)
    if not converged:
        warn_not_converged(f"the {method} search for psi = sigma_alpha^2 / sigma_y^2")
    psi = pt.psi
    sigma_y2 = pt.sigma_y2
    if sigma_y2 <= 0:
        raise ValueError(f"response {g.y_name!r} shows no residual variation: sigma_y is 0")
    b = _precise(g, pt, psi)
    mu, beta, cov = _fixed_frames(g, b, pt.a_inv(), sigma_y2)
    n = g.n
    lam = shrinkage_weights(n, psi)
    alpha = _shrunken_intercepts(g, b, lam)
    cond_sd = np.sqrt(sigma_y2 * lam / n)  # = sqrt(sigma_alpha^2 (1 - lambda_j))
    return _result(
        g,
        pooling="partial",
        method=method,
        mu=mu,
        beta=beta,
        cov=cov,
        sigma_alpha=float(np.sqrt(psi * sigma_y2)),
        sigma_y=float(np.sqrt(sigma_y2)),
        loglik=pt.loglik,
        alpha=alpha,
        lam=lam,
        cond_sd=cond_sd,
        at_boundary=psi == 0.0,
        score=pt.score,
        converged=converged,
    )


fit_random_intercept = on_data(_fit_random_intercept)


def pooling_intercepts(
    g: GroupedData, method: Method = "REML"
) -> tuple[dict[str, np.ndarray], bool]:
    """The group intercepts of complete, no and partial pooling as plain arrays, and whether
    the partial-pooling fit is at the boundary $\\hat\\sigma_\\alpha = 0$.

    The same numbers as the ``alpha`` of `complete_pooling`, `no_pooling` and
    `fit_random_intercept`, without building the result objects: what a simulation of
    thousands of fits needs (`partial_pooling.site.pooling_pays.pooling_mse`). Arrays in the
    order of ``g.labels``.
    """
    method = check_method(method)
    stats = g.stats
    sc = g.scaling
    # complete pooling: every intercept is the OLS mu
    ols = profile(stats, 0.0, "ML")
    mu_ols, _ = sc.fixed(_precise(g, ols, 0.0))
    # partial pooling
    pt = maximize_psi(stats, method)
    psi = pt.psi
    if pt.sigma_y2 <= 0:
        raise ValueError(f"response {g.y_name!r} shows no residual variation: sigma_y is 0")
    lam = shrinkage_weights(g.n, psi)
    partial = _shrunken_intercepts(g, _precise(g, pt, psi), lam)
    # no pooling: the within estimator
    check_within_variation(g)
    b_s = _within_coefficients(g)
    none = _within_intercepts(g, b_s)
    return {"complete": np.full(g.J, mu_ols), "none": none, "partial": partial}, psi == 0.0


def _within_coefficients(g: GroupedData) -> np.ndarray:
    """The within estimator's standardized slopes (none without covariates)."""
    if not g.p:
        return np.zeros(0)
    R = g.stats.R_within
    if np.linalg.cond(R[:-1, :-1]) > EXTENDED_ABOVE:
        return extended_gls(g, np.inf, within=True)
    return np.asarray(linalg.solve_triangular(R[:-1, :-1], R[:-1, -1]))


def _within_intercepts(g: GroupedData, b_s: np.ndarray) -> np.ndarray:
    """No pooling's $\\hat\\alpha_j = \\bar y_j - \\bar x_j'\\hat\\beta_W$ from standardized slopes.

    Computed on the standardized scale (where no large terms cancel) and mapped back.
    """
    sc = g.scaling
    alpha_s = g.ybar_s - g.xbar_s @ b_s
    return np.asarray(sc.intercept(alpha_s, sc.beta(np.concatenate([[0.0], b_s]))))


@single_blas_thread
def _complete_pooling(g: GroupedData) -> PoolingFit:
    """Complete pooling: one intercept for every group, by ordinary least squares.

    Fits $y_{ij} = \\mu + x_{ij}'\\beta + \\varepsilon_{ij}$, ignoring the groups. Every
    group intercept is $\\hat\\alpha_j = \\hat\\mu$ and every $\\lambda_j = 0$ (the
    limit $\\sigma_\\alpha \\to 0$ of partial pooling). ``sigma_y`` divides by
    $N - p - 1$; ``loglik`` is the Gaussian log-likelihood at the ML variance.
    """
    stats = g.stats
    pt = profile(stats, 0.0, "ML")
    k = g.p + 1
    s2 = pt.sigma_y2 * g.N / (g.N - k)  # the ML variance rescaled to N - k degrees of freedom
    mu, beta, cov = _fixed_frames(g, _precise(g, pt, 0.0), pt.a_inv(), s2)
    zeros = np.zeros(g.J)
    return _result(
        g,
        pooling="complete",
        method="OLS",
        mu=mu,
        beta=beta,
        cov=cov,
        sigma_alpha=0.0,
        sigma_y=float(np.sqrt(s2)),
        loglik=pt.loglik,
        alpha=zeros + mu,
        lam=zeros,
        cond_sd=zeros,
    )


complete_pooling = on_data(_complete_pooling)


@single_blas_thread
def _no_pooling(g: GroupedData) -> PoolingFit:
    """No pooling: each group its own intercept, common slopes (the within estimator).

    Fits $y_{ij} = \\alpha_j + x_{ij}'\\beta + \\varepsilon_{ij}$ with a free
    $\\alpha_j$ per group, so $\\hat\\beta = \\hat\\beta_W$ uses only the variation of
    $x$ within groups and $\\hat\\alpha_j = \\bar y_j - \\bar x_j'\\hat\\beta$. Every
    $\\lambda_j = 1$ (the limit $\\sigma_\\alpha \\to \\infty$). ``mu`` is the
    unweighted mean of the $\\hat\\alpha_j$; ``sigma_y`` divides by $N - J - p$;
    ``cond_sd`` holds the standard errors of the $\\hat\\alpha_j$.

    Raises
    ------
    ValueError
        Also when a covariate does not vary within any group (a group-level covariate such as
        county uranium has no within slope).
    """
    check_within_variation(g)
    dof = g.N - g.J - g.p
    if dof <= 0:
        raise ValueError(
            f"no residual degrees of freedom: {g.N} observations, {g.J} groups and {g.p} "
            "covariate(s)"
        )
    # the within estimator from the QR factor of the standardized within-group deviations
    sc = g.scaling
    R = g.stats.R_within  # columns x^s, y^s (the intercept has no within part)
    if g.p:
        b_s = _within_coefficients(g)
        R_inv = linalg.solve_triangular(R[:-1, :-1], np.eye(g.p))
        a_inv = R_inv @ R_inv.T
    else:
        b_s, a_inv = np.zeros(0), np.zeros((0, 0))
    rss = sc.y_scale**2 * float(R[-1, -1] ** 2)
    s2 = rss / dof
    beta_v = sc.beta(np.concatenate([[0.0], b_s]))
    alpha = _within_intercepts(g, b_s)
    D = sc.y_scale / sc.x_scale
    cov_beta = s2 / sc.y_scale**2 * (D[:, None] * a_inv * D[None, :])
    var_alpha = s2 / g.n + np.einsum("jk,kl,jl->j", g.xbar, cov_beta, g.xbar)
    names = ["Intercept", *g.x_names]
    cov = np.full((g.p + 1, g.p + 1), np.nan)
    cov[1:, 1:] = cov_beta
    loglik = -0.5 * g.N * (1 + LOG_2PI + np.log(rss / g.N))
    return _result(
        g,
        pooling="none",
        method="within",
        mu=float(alpha.mean()),
        beta=pd.Series(beta_v, index=pd.Index(g.x_names, dtype=object), name="beta", dtype=float),
        cov=pd.DataFrame(cov, index=names, columns=names),
        sigma_alpha=float("inf"),
        sigma_y=float(np.sqrt(s2)),
        loglik=float(loglik),
        alpha=alpha,
        lam=np.ones(g.J),
        cond_sd=np.sqrt(var_alpha),
    )


no_pooling = on_data(_no_pooling)


def _one_way_anova(g: GroupedData) -> dict[str, float]:
    """Between and within mean squares of a balanced one-way layout (no covariate).

    With $J$ groups of $n$ observations each ($N = nJ$),
    $\\mathrm{SSB} = n\\sum_j(\\bar y_j - \\bar y)^2$,
    $\\mathrm{SST} = \\sum_{ij}(y_{ij} - \\bar y)^2$,
    $\\mathrm{MSB} = \\mathrm{SSB}/(J-1)$ and $\\mathrm{MSW} = (\\mathrm{SST}-\\mathrm{SSB})/(N-J)$;
    $E\\,\\mathrm{MSB} = \\sigma_y^2 + n\\sigma_\\alpha^2$ and $E\\,\\mathrm{MSW} = \\sigma_y^2$,
    so the REML estimate is $\\hat\\sigma_\\alpha^2 = \\max(0, (\\mathrm{MSB}-\\mathrm{MSW})/n)$
    in this layout.

    Returns
    -------
    dict
        ``J``, ``n``, ``N``, ``SSB``, ``SST``, ``MSB`` and ``MSW``.

    Raises
    ------
    ValueError
        For bad input (see `partial_pooling.grouped.group_data`), or groups of unequal sizes.
    """
    if g.p:
        raise ValueError(
            f"one_way_anova is the layout without covariates; the data have {plain(g.x_names)}"
        )
    sizes = g.n
    if not np.all(sizes == sizes[0]):
        raise ValueError(
            f"one_way_anova needs groups of equal size; group column {g.group_name!r} has sizes "
            f"{plain(int(sizes.min()))} to {plain(int(sizes.max()))}"
        )
    values, means = g.y, g.ybar
    J, N = g.J, g.N
    n = N // J
    grand = float(values.mean())
    ssb = n * float(((means - grand) ** 2).sum())
    sst = float(((values - grand) ** 2).sum())
    return {
        "J": J,
        "n": n,
        "N": N,
        "SSB": ssb,
        "SST": sst,
        "MSB": ssb / (J - 1),
        "MSW": (sst - ssb) / (N - J),
    }


one_way_anova = on_data(_one_way_anova, covariates="none")
