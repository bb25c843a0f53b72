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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import linalg, optimize

from .grouped import (
    EXTENDED_ABOVE,
    ColumnName,
    GroupedData,
    SufficientStatistics,
    check_within_variation,
    extended_gls,
    group_data,
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
from .shrinkage import shrinkage_weights
from .summary import Label, Summary, SummaryTable, code, fmt, model_facts
from .threads import single_blas_thread
from .validation import Method, check_method, warn_not_converged

__all__ = [
    "PoolingFit",
    "complete_pooling",
    "fit_random_intercept",
    "no_pooling",
    "one_way_anova",
]

#: Which estimator made a fit: complete pooling, no pooling or partial pooling.
Pooling = Literal["complete", "none", "partial"]
#: How it was fitted: OLS (complete pooling), the within estimator (no pooling), ML or REML.
FitMethod = Literal["OLS", "within", "ML", "REML"]


@dataclass(frozen=True, eq=False)
class PoolingFit:
    """A fitted random-intercept model, or one of its two limits.

    It shares its vocabulary with `partial_pooling.random_slopes.RandomSlopesFit`: the same
    name means the same thing, with the same type, on both (``fixed``, ``se_fixed``,
    ``cov_fixed``, ``mu``, ``beta``, ``alpha``, ``a``, ``coef``, ``ranef``, ``sigma_alpha``,
    ``sigma_y``, ``n``, ``N``, ``J``, ``y_name``, ``group_name``, ``x_names``, ``method``,
    ``pooling``, ``loglik``, ``summary()``).

    Attributes
    ----------
    pooling : {"complete", "none", "partial"}
        Which estimator made this fit.
    method : {"OLS", "within", "ML", "REML"}
        ``"OLS"`` (complete pooling), ``"within"`` (no pooling), ``"ML"`` or ``"REML"``
        (partial pooling; `partial_pooling.likelihood.Method`).
    y_name : str
        The response column.
    group_name : str
        The grouping column.
    x_names : list
        The covariates with common slopes $\\beta$ (empty without covariates).
    N : int
        Number of observations $N = \\sum_j n_j$.
    J : int
        Number of groups.
    mu : float
        $\\hat\\mu_\\alpha$, the population mean of the intercepts (for no pooling, the
        unweighted mean of the group intercepts).
    beta : pandas.Series
        $\\hat\\beta$, indexed by covariate name; empty without covariates.
    fixed : pandas.Series
        ``mu`` and ``beta`` in one Series, indexed ``"Intercept"`` and the covariate names
        (a property).
    sigma_alpha : float
        $\\hat\\sigma_\\alpha$: 0 for complete pooling, ``inf`` for no pooling.
    sigma_y : float
        $\\hat\\sigma_y$, the residual SD (REML and the least-squares fits divide by the
        residual degrees of freedom, ML by $N$).
    loglik : float
        Log-likelihood with lme4's constant: REML for REML fits, else the Gaussian ML value.
    se_mu : float
        Standard error of $\\hat\\mu$ (NaN for no pooling).
    se_beta : pandas.Series
        Standard errors of $\\hat\\beta$.
    se_fixed : pandas.Series
        ``se_mu`` and ``se_beta`` in one Series, indexed like ``fixed`` (a property).
    cov_fixed : pandas.DataFrame
        Covariance matrix of ``fixed`` $= (\\hat\\mu, \\hat\\beta)$, conditional on the
        variance components, as lme4's ``vcov`` and statsmodels' ``cov_params`` report it.
    alpha : pandas.Series
        Group intercepts $\\hat\\alpha_j = \\hat\\mu + \\hat a_j$, indexed by group label.
    a : pandas.Series
        Deviations $\\hat a_j = \\hat\\alpha_j - \\hat\\mu$, indexed by group label (a
        property).
    coef : pandas.DataFrame
        Each group's intercept and slopes (lme4's ``coef``): column ``"Intercept"`` is
        ``alpha``, each covariate's column repeats its common slope (a property).
    ranef : pandas.DataFrame
        ``a`` as a one-column DataFrame ``"Intercept"`` (lme4's ``ranef``; a property).
    shrinkage : pandas.Series
        $\\lambda_j = n_j\\sigma_\\alpha^2/(n_j\\sigma_\\alpha^2 + \\sigma_y^2)$, the weight on
        the group's own data.
    n : pandas.Series
        Group sizes $n_j$, indexed by group label.
    cond_sd : pandas.Series
        Conditional SDs $\\operatorname{sd}(a_j \\mid y) = \\sigma_\\alpha\\sqrt{1-\\lambda_j}$
        (lme4's ``condVar``); for no pooling, the standard errors of the group intercepts.
    ybar : pandas.Series
        Group means $\\bar y_j$.
    xbar : pandas.DataFrame
        Group means $\\bar x_j$ of the covariates.
    at_boundary : bool
        True when $\\hat\\sigma_\\alpha = 0$: the data favour complete pooling.
    converged : bool
        Whether the search for $\\hat\\psi$ converged (Newton's method or Brent's on the score
        equation, or the boundary); False only when both fail and a bounded search that did
        not meet its tolerance gave the estimate, which a
        `partial_pooling.validation.ConvergenceWarning` then says. The two limits are closed
        forms: True.
    score : float
        The profiled log-likelihood's slope $\\ell'(\\hat\\psi)$ at the estimate (partial
        pooling: 0 to rounding inside, $\\le 0$ at the boundary; NaN for the two limits).
    psi : float
        $\\psi = \\sigma_\\alpha^2/\\sigma_y^2$ (a property).
    icc : float
        The intraclass correlation
        $\\rho = \\sigma_\\alpha^2/(\\sigma_\\alpha^2+\\sigma_y^2)$ (a property).
    adjusted_ybar : pandas.Series
        Covariate-adjusted group means $\\bar y_j - \\bar x_j'\\hat\\beta$ (a property).

    Raises
    ------
    ValueError
        At construction, when ``pooling`` or ``method`` is not one of the values above.
    """

    pooling: Pooling
    method: FitMethod
    y_name: ColumnName
    group_name: ColumnName
    x_names: list[ColumnName]
    N: int
    J: int
    mu: float
    beta: pd.Series
    sigma_alpha: float
    sigma_y: float
    loglik: float
    se_mu: float
    se_beta: pd.Series
    cov_fixed: pd.DataFrame
    alpha: pd.Series
    shrinkage: pd.Series
    n: pd.Series
    cond_sd: pd.Series
    ybar: pd.Series
    xbar: pd.DataFrame
    at_boundary: bool = False
    score: float = float("nan")
    converged: bool = True

    def __post_init__(self) -> None:
        if self.pooling not in get_args(Pooling):
            raise ValueError(f"pooling must be one of {get_args(Pooling)}, got {self.pooling!r}")
        if self.method not in get_args(FitMethod):
            raise ValueError(f"method must be one of {get_args(FitMethod)}, got {self.method!r}")

    @property
    def psi(self) -> float:
        """$\\psi = \\sigma_\\alpha^2 / \\sigma_y^2$."""
        return self.sigma_alpha**2 / self.sigma_y**2

    @property
    def icc(self) -> float:
        """Intraclass correlation $\\rho = \\sigma_\\alpha^2/(\\sigma_\\alpha^2+\\sigma_y^2)$."""
        if np.isinf(self.sigma_alpha):
            return 1.0
        return self.sigma_alpha**2 / (self.sigma_alpha**2 + self.sigma_y**2)

    @property
    def a(self) -> pd.Series:
        """Group deviations $\\hat a_j = \\hat\\alpha_j - \\hat\\mu$."""
        return (self.alpha - self.mu).rename("a")

    @property
    def adjusted_ybar(self) -> pd.Series:
        """Covariate-adjusted group means $\\bar y_j - \\bar x_j'\\hat\\beta$."""
        adj = self.ybar - self.xbar.to_numpy() @ self.beta.to_numpy()
        return adj.rename("ybar_adjusted")

    @property
    def fixed(self) -> pd.Series:
        """$(\\hat\\mu, \\hat\\beta)$ as one Series indexed ``Intercept`` and covariates."""
        return pd.Series(
            [self.mu, *self.beta.to_numpy()], index=["Intercept", *self.x_names], name="estimate"
        )

    @property
    def se_fixed(self) -> pd.Series:
        """Standard errors of ``fixed``, ``se_mu`` and ``se_beta`` in one Series, indexed
        like ``fixed`` (the square roots of the diagonal of ``cov_fixed``)."""
        return pd.Series(
            [self.se_mu, *self.se_beta.to_numpy()], index=["Intercept", *self.x_names], name="se"
        )

    @property
    def coef(self) -> pd.DataFrame:
        """Each group's intercept and slopes (lme4's ``coef``), indexed by group label.

        Column ``Intercept`` is $\\hat\\alpha_j$; each covariate's column repeats the common
        slope $\\hat\\beta$ (the slopes do not vary by group in this model): the shape of
        `partial_pooling.random_slopes.RandomSlopesFit.coef`.
        """
        out = pd.DataFrame(
            np.tile(self.beta.to_numpy(dtype=float), (self.J, 1)),
            index=self.alpha.index,
            columns=pd.Index(list(self.x_names), dtype=object),
        )
        out.insert(0, "Intercept", self.alpha.to_numpy())
        return out

    @property
    def ranef(self) -> pd.DataFrame:
        """The deviations $\\hat a_j$ as a one-column DataFrame ``Intercept`` (lme4's
        ``ranef``), indexed by group label: the shape of
        `partial_pooling.random_slopes.RandomSlopesFit.ranef` without slopes."""
        return self.a.rename("Intercept").to_frame()

    def predict(
        self, newdata: pd.DataFrame, *, level: float = 0.95, include_fixed: bool = True
    ) -> pd.DataFrame:
        """Predictions and predictive intervals for new observations, in groups of the data
        ($\\hat\\alpha_j + \\tilde x'\\hat\\beta$) or new ones ($\\hat\\mu +
        \\tilde x'\\hat\\beta$): `partial_pooling.prediction.predict` (partial pooling only)."""
        from .prediction import predict

        return predict(self, newdata, level=level, include_fixed=include_fixed)

    def summary(self) -> Summary:
        """The `partial_pooling.summary.Summary`: text in the style of lme4's ``print(fit)``
        (it is a string), and the same tables as HTML (``.html()``)."""
        title = {
            "partial": f"Random-intercept model fit by {self.method} (partial pooling)",
            "complete": "Complete pooling: one intercept, ordinary least squares",
            "none": "No pooling: one intercept per group, common slopes (within estimator)",
        }[self.pooling]
        rhs = " + ".join(["1", *map(str, self.x_names)])
        formula = f"{self.y_name} ~ {rhs}" + (
            f" + (1 | {self.group_name})" if self.pooling == "partial" else ""
        )
        loglik = None if self.pooling == "none" else self.loglik
        facts = model_facts(formula, self.method, self.N, self.group_name, self.n, loglik)
        if self.pooling == "partial":
            lam = self.shrinkage
            facts += [
                (
                    Label("psi = sigma_alpha^2 / sigma_y^2", "ψ = σ<sub>α</sub>² / σ<sub>y</sub>²"),
                    Label(fmt(self.psi)),
                ),
                (
                    Label("Intraclass correlation rho", "Intraclass correlation ρ"),
                    Label(fmt(self.icc)),
                ),
                (
                    Label("Shrinkage lambda_j", "Shrinkage λ<sub>j</sub>"),
                    Label(
                        f"min {fmt(lam.min())}, median {fmt(lam.median())}, max {fmt(lam.max())}"
                    ),
                ),
            ]
        notes = []
        if self.at_boundary:
            notes.append(
                Label(
                    "sigma_alpha is estimated at its boundary 0: the data favour complete pooling "
                    "(every lambda_j = 0, every group gets the same intercept). This is an "
                    "estimate, not a failure: the group means vary no more than noise alone "
                    "would make them.",
                    "σ<sub>α</sub> is estimated at its boundary 0: the data favour complete "
                    "pooling (every λ<sub>j</sub> = 0, every group gets the same intercept). "
                    "This is an estimate, not a failure: the group means vary no more than "
                    "noise alone would make them.",
                )
            )
        group = code(self.group_name)
        variance = SummaryTable(
            "variance-components",
            "Variance components",
            ("Std.Dev.", "Variance"),
            (
                (
                    Label(
                        f"{group.text} intercept sigma_alpha",
                        f"{group.as_html()} intercept σ<sub>α</sub>",
                    ),
                    (self.sigma_alpha, self.sigma_alpha**2),
                ),
                (
                    Label("Residual sigma_y", "Residual σ<sub>y</sub>"),
                    (self.sigma_y, self.sigma_y**2),
                ),
            ),
            caption={
                "partial": f"estimated by {self.method}",
                "complete": "complete pooling sets sigma_alpha = 0",
                "none": "no pooling sets sigma_alpha = inf",
            }[self.pooling],
        )
        first = (
            (Label("(Intercept) mu", "(Intercept) μ"), (self.mu, self.se_mu))
            if self.pooling != "none"
            else (Label("mean alpha_j", "mean α<sub>j</sub>"), (self.mu, None))
        )
        fixed = SummaryTable(
            "fixed-effects",
            "Fixed effects",
            ("Estimate", "Std.Error"),
            (
                first,
                *((code(x), (float(self.beta[x]), float(self.se_beta[x]))) for x in self.x_names),
            ),
            caption=(
                "standard errors given the variance components, as lme4 reports them"
                if self.pooling == "partial"
                else ""
            ),
        )
        return Summary(title=title, facts=facts, tables=(variance, fixed), notes=notes)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        beta = ", ".join(f"{k}={v:.6g}" for k, v in self.beta.items())
        return (
            f"PoolingFit(pooling={self.pooling!r}, method={self.method!r}, mu={self.mu:.6g}"
            f"{', ' + beta if beta else ''}, sigma_alpha={self.sigma_alpha:.6g}, "
            f"sigma_y={self.sigma_y:.6g}, J={self.J}, N={self.N})"
        )


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
        y_name=g.y_name,
        group_name=g.group_name,
        x_names=list(g.x_names),
        N=g.N,
        J=g.J,
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


def fit_random_intercept(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    method: Method = "REML",
) -> PoolingFit:
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
    data : pandas.DataFrame
        One row per observation.
    y : str
        Response column.
    group : str
        Grouping column (any labels; groups may have unequal sizes).
    x : str or list of str, optional
        Covariate column(s) with common slopes $\\beta$.
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
    return fit_grouped(group_data(data, y, group, x), check_method(method))


@single_blas_thread
def fit_grouped(g: GroupedData, method: Method = "REML") -> PoolingFit:
    """`fit_random_intercept` of data already checked and grouped (`group_data`).

    For callers that fit the same data several ways (complete, no and partial pooling) or many
    data sets (the simulations): the data are grouped and checked once.
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


def pooling_intercepts(
    g: GroupedData, method: Method = "REML"
) -> tuple[dict[str, np.ndarray], bool]:
    """The group intercepts of complete, no and partial pooling as plain arrays, and whether
    the partial-pooling fit is at the boundary $\\hat\\sigma_\\alpha = 0$.

    The same numbers as ``complete_grouped(g).alpha``, ``no_pooling_grouped(g).alpha`` and
    ``fit_grouped(g, method).alpha``, without building the result objects: what a simulation
    of thousands of fits needs (`partial_pooling.site.pooling_pays.pooling_mse`). Arrays in the
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


def complete_pooling(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
) -> PoolingFit:
    """Complete pooling: one intercept for every group, by ordinary least squares.

    Fits $y_{ij} = \\mu + x_{ij}'\\beta + \\varepsilon_{ij}$, ignoring the groups. Every
    group intercept is $\\hat\\alpha_j = \\hat\\mu$ and every $\\lambda_j = 0$ (the
    limit $\\sigma_\\alpha \\to 0$ of partial pooling). ``sigma_y`` divides by
    $N - p - 1$; ``loglik`` is the Gaussian log-likelihood at the ML variance.
    """
    return complete_grouped(group_data(data, y, group, x))


@single_blas_thread
def complete_grouped(g: GroupedData) -> PoolingFit:
    """`complete_pooling` of data already checked and grouped (`group_data`)."""
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


def no_pooling(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
) -> PoolingFit:
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
    return no_pooling_grouped(group_data(data, y, group, x))


@single_blas_thread
def no_pooling_grouped(g: GroupedData) -> PoolingFit:
    """`no_pooling` of data already checked and grouped (`group_data`)."""
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


def one_way_anova(data: pd.DataFrame, y: ColumnName, group: ColumnName) -> dict[str, float]:
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
    return one_way_anova_grouped(group_data(data, y, group))


def one_way_anova_grouped(g: GroupedData) -> dict[str, float]:
    """`one_way_anova` of data already checked and grouped (`Model.one_way_anova`)."""
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
