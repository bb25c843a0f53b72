"""What a fit returns: `PoolingFit` (complete, no and partial pooling of the intercepts) and
`RandomSlopesFit` (partial pooling of intercepts and slopes).

The two share one vocabulary: the same name means the same thing, with the same type, on both
(``fixed``, ``se_fixed``, ``cov_fixed``, ``mu``, ``beta``, ``alpha``, ``a``, ``coef``,
``ranef``, ``sigma_alpha``, ``sigma_y``, ``n``, ``N``, ``J``, ``y_name``, ``group_name``,
``x_names``, ``method``, ``pooling``, ``loglik``, ``converged``, ``singular``), and the same
methods:
``summary()`` (a `partial_pooling.summary.Summary`, text and HTML), ``predict(newdata)`` for
groups of the data and new ones, and ``group_table()``, one row per group. The fitting itself
is in `partial_pooling.estimation` and `partial_pooling.random_slopes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from .grouped import ColumnName, GroupedData
from .mixed import SINGULAR_TOL
from .summary import Label, Summary, SummaryTable, code, fmt, model_facts
from .validation import Method

__all__ = [
    "FitMethod",
    "Pooling",
    "PoolingFit",
    "RandomSlopesFit",
    "described",
    "relative_cholesky",
]


#: Which estimator made a fit: complete pooling, no pooling or partial pooling.
Pooling = Literal["complete", "none", "partial"]
#: How it was fitted: OLS (complete pooling), the within estimator (no pooling), ML or REML.
FitMethod = Literal["OLS", "within", "ML", "REML"]


def described(g: GroupedData) -> dict[str, Any]:
    """What every fit's result records of its data: the column names, $N$ and $J$."""
    return {
        "y_name": g.y_name,
        "group_name": g.group_name,
        "x_names": list(g.x_names),
        "N": g.N,
        "J": g.J,
    }


def relative_cholesky(cov: np.ndarray, *, sigma_y: float) -> np.ndarray:
    """The lower Cholesky factor $\\lambda$ of $\\Sigma/\\sigma_y^2 = \\lambda\\lambda'$, also
    when $\\Sigma$ is singular (lme4's relative covariance factor, whose diagonal is $\\ge 0$).

    Computed column by column; a column whose pivot is not above $10^{-14}$ of the largest
    diagonal element (a variance at 0, or one the previous columns explain entirely, as
    with a correlation of $\\pm 1$) gets the square root of what is left on its diagonal
    (0 to rounding) and zeros below it, where `numpy.linalg.cholesky` would fail.
    """
    S = np.asarray(cov, dtype=float) / sigma_y**2
    q = S.shape[0]
    L = np.zeros((q, q))
    floor = 1e-14 * max(float(np.abs(np.diag(S)).max(initial=0.0)), 1e-300)
    for j in range(q):
        d = S[j, j] - float(L[j, :j] @ L[j, :j])
        if d > floor:
            L[j, j] = np.sqrt(d)
            L[j + 1 :, j] = (S[j + 1 :, j] - L[j + 1 :, :j] @ L[j, :j]) / L[j, j]
        else:
            L[j, j] = np.sqrt(max(d, 0.0))
    return L


@dataclass(frozen=True, eq=False)
class PoolingFit:
    """A fitted random-intercept model, or one of its two limits.

    It shares its vocabulary with `partial_pooling.fits.RandomSlopesFit`: the same
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
    singular : bool
        lme4's ``isSingular`` (a property): for partial pooling, True when
        $\\hat\\sigma_\\alpha/\\hat\\sigma_y$ (lme4's $\\theta$) is below
        `partial_pooling.mixed.SINGULAR_TOL` $= 10^{-4}$, which includes ``at_boundary``;
        False for the two limits, which estimate no variance.
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
    def singular(self) -> bool:
        """Whether the partial-pooling fit is singular: $\\hat\\sigma_\\alpha$ at (or within
        `partial_pooling.mixed.SINGULAR_TOL` $\\hat\\sigma_y$ of) its boundary 0."""
        if self.pooling != "partial":
            return False
        return bool(self.at_boundary or self.sigma_alpha < SINGULAR_TOL * self.sigma_y)

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
        return pd.Series(adj, name="ybar_adjusted")

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
        `partial_pooling.fits.RandomSlopesFit.coef`.
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
        `partial_pooling.fits.RandomSlopesFit.ranef` without slopes."""
        return self.a.rename("Intercept").to_frame()

    def predict(
        self, newdata: pd.DataFrame, *, level: float = 0.95, include_fixed: bool = True
    ) -> pd.DataFrame:
        """Predictions and predictive intervals for new observations, in groups of the data
        ($\\hat\\alpha_j + \\tilde x'\\hat\\beta$) or new ones ($\\hat\\mu +
        \\tilde x'\\hat\\beta$): `partial_pooling.prediction.predict` (partial pooling only)."""
        from .prediction import predict

        return predict(self, newdata, level=level, include_fixed=include_fixed)

    def group_table(
        self, *, none: PoolingFit | None = None, complete: PoolingFit | None = None
    ) -> pd.DataFrame:
        """One row per group $j$, in the site's notation (what the command line writes).

        Parameters
        ----------
        none, complete : PoolingFit, optional
            The no-pooling and complete-pooling fits of the same data (`Model.no_pooling`,
            `Model.complete_pooling`): given, their intercepts are columns too.

        Returns
        -------
        pandas.DataFrame
            Columns ``group`` (the label), ``n_j``, ``ybar_j`` ($\\bar y_j$), ``ybar_adj_j``
            ($\\bar y_j - \\bar x_j'\\hat\\beta$, equal to ``ybar_j`` without covariates),
            ``lambda_j`` ($\\lambda_j$), ``alpha_j``
            ($\\hat\\alpha_j = \\lambda_j(\\bar y_j - \\bar x_j'\\hat\\beta)
            + (1-\\lambda_j)\\hat\\mu$) and ``cond_sd_j``
            ($\\hat\\sigma_\\alpha\\sqrt{1-\\lambda_j}$); with ``none``, ``alpha_none_j``;
            with ``complete``, ``alpha_complete_j``.
        """
        table = pd.DataFrame(
            {
                "n_j": self.n,
                "ybar_j": self.ybar,
                "ybar_adj_j": self.adjusted_ybar,
                "lambda_j": self.shrinkage,
                "alpha_j": self.alpha,
                "cond_sd_j": self.cond_sd,
            }
        )
        if none is not None:
            table["alpha_none_j"] = none.alpha.reindex(table.index)
        if complete is not None:
            table["alpha_complete_j"] = complete.alpha.reindex(table.index)
        table.index.name = "group"
        return table.reset_index()

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
                    "Boundary (singular) fit: sigma_alpha is estimated at its boundary 0: the "
                    "data favour complete pooling "
                    "(every lambda_j = 0, every group gets the same intercept). This is an "
                    "estimate, not a failure: the group means vary no more than noise alone "
                    "would make them.",
                    "Boundary (singular) fit: "
                    "σ<sub>α</sub> is estimated at its boundary 0: the data favour complete "
                    "pooling (every λ<sub>j</sub> = 0, every group gets the same intercept). "
                    "This is an estimate, not a failure: the group means vary no more than "
                    "noise alone would make them.",
                )
            )
        elif self.singular:
            notes.append(
                Label(
                    f"Boundary (singular) fit: sigma_alpha / sigma_y = "
                    f"{fmt(self.sigma_alpha / self.sigma_y)} is below {SINGULAR_TOL:g} "
                    "(lme4's isSingular): the data are close to complete pooling.",
                    f"Boundary (singular) fit: σ<sub>α</sub> / σ<sub>y</sub> = "
                    f"{fmt(self.sigma_alpha / self.sigma_y)} is below {SINGULAR_TOL:g} "
                    "(lme4's isSingular): the data are close to complete pooling.",
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


@dataclass(frozen=True, eq=False)
class RandomSlopesFit:
    """A fitted model with a random intercept and correlated random slopes.

    It shares its vocabulary with `partial_pooling.fits.PoolingFit`: the same name means
    the same thing, with the same type, on both (``fixed``, ``se_fixed``, ``cov_fixed``,
    ``mu``, ``beta``, ``alpha``, ``a``, ``coef``, ``ranef``, ``sigma_alpha``, ``sigma_y``,
    ``n``, ``N``, ``J``, ``y_name``, ``group_name``, ``x_names``, ``method``, ``pooling``,
    ``loglik``, ``summary()``). In the notation of the random-slopes model,
    $\\mu_\\alpha = \\mu_0$ and $\\beta = (\\mu_1, \\dots, \\mu_{q-1})$; here $\\beta$ is the
    population mean of slopes that vary by group.

    Attributes
    ----------
    method : {"ML", "REML"}
        How the variance components were estimated.
    y_name : str
        The response column.
    group_name : str
        The grouping column.
    x_names : list
        The covariates with random slopes ($q - 1$ of them).
    N : int
        Number of observations $N = \\sum_j n_j$.
    J : int
        Number of groups.
    fixed : pandas.Series
        The fixed effects $(\\hat\\mu_0, \\hat\\mu_1, \\dots)$: the population intercept and
        slopes, indexed ``"Intercept"`` and the covariate names (``mu`` and ``beta`` in one
        Series).
    se_fixed : pandas.Series
        Their standard errors, conditional on the variance components (as lme4's ``vcov``
        and statsmodels' ``bse_fe`` report them), with the index of ``fixed``.
    cov_fixed : pandas.DataFrame
        Covariance matrix of ``fixed``, conditional on the variance components.
    cov : pandas.DataFrame
        $\\hat\\Sigma$, the $q\\times q$ covariance of the group intercepts and slopes,
        indexed like ``fixed`` on both axes.
    sigma_y : float
        Residual SD $\\hat\\sigma_y$ (REML divides by $N - q$, ML by $N$).
    loglik : float
        Log-likelihood with lme4's constant: REML for REML fits, else the ML value.
    coef : pandas.DataFrame
        Each group's partially pooled intercept and slopes $\\hat\\mu + \\hat a_j$ (lme4's
        ``coef``), indexed by group label, with the columns of ``fixed``.
    ranef : pandas.DataFrame
        The conditional modes $\\hat a_j = (\\hat a_{0j}, \\hat a_{1j}, \\dots)$ (lme4's
        ``ranef``), indexed and labelled like ``coef``.
    n : pandas.Series
        Group sizes $n_j$, indexed by group label.
    theta : numpy.ndarray
        The lower triangle of $\\Lambda$ of the standardized data, row by row
        ($\\Sigma = \\sigma_y^2\\Lambda\\Lambda'$ in standardized units).
    converged : bool
        Whether Newton's method met its convergence test (from the moment start, or after the
        BFGS safeguard); when False a `partial_pooling.validation.ConvergenceWarning` said so
        and the estimates are the best point found.
    pooling : {"partial"}
        Always ``"partial"``: intercepts and slopes are both partially pooled (a property).
    mu : float
        $\\hat\\mu_\\alpha = \\hat\\mu_0$, the population mean of the intercepts:
        ``fixed["Intercept"]`` (a property).
    beta : pandas.Series
        $\\hat\\beta = (\\hat\\mu_1, \\dots)$, the population mean slopes, indexed by
        covariate name: the rest of ``fixed`` (a property).
    se_mu : float
        Standard error of $\\hat\\mu$ (a property).
    se_beta : pandas.Series
        Standard errors of $\\hat\\beta$ (a property).
    alpha : pandas.Series
        Group intercepts $\\hat\\alpha_j = \\hat\\mu + \\hat a_{0j}$: ``coef["Intercept"]``
        (a property).
    a : pandas.Series
        Intercept deviations $\\hat a_{0j} = \\hat\\alpha_j - \\hat\\mu$:
        ``ranef["Intercept"]`` (a property).
    sigma_alpha : float
        $\\hat\\sigma_\\alpha = \\hat\\sigma_0$, the SD of the group intercepts (at
        $x = 0$): ``sd["Intercept"]`` (a property).
    sd : pandas.Series
        SDs $(\\hat\\sigma_0, \\hat\\sigma_1, \\dots)$ of the group intercepts and slopes,
        the square roots of the diagonal of ``cov`` (a property).
    corr_matrix : pandas.DataFrame
        Their correlations (a property).
    corr : float
        $\\hat r_{01}$, the correlation of the group intercepts and slopes, for a fit with one
        random slope (a property).
    x_name : str
        The covariate, for a fit with one random slope (a property).
    singular : bool
        lme4's ``isSingular`` (a property): True when a diagonal element of the relative
        Cholesky factor $\\lambda$ of $\\hat\\Sigma/\\hat\\sigma_y^2 = \\lambda\\lambda'$
        (`relative_cholesky`, in the data's units, as lme4's $\\theta$) is below
        `partial_pooling.mixed.SINGULAR_TOL` $= 10^{-4}$: an SD at 0, or a $\\hat\\Sigma$ of
        lower rank (a correlation of $\\pm 1$, or an eigenvalue at 0 with three or more
        coefficients).
    """

    method: Method
    y_name: ColumnName
    group_name: ColumnName
    x_names: list[ColumnName]
    N: int
    J: int
    fixed: pd.Series
    se_fixed: pd.Series
    cov_fixed: pd.DataFrame
    cov: pd.DataFrame
    sigma_y: float
    loglik: float
    coef: pd.DataFrame
    ranef: pd.DataFrame
    n: pd.Series
    theta: np.ndarray
    converged: bool = True

    def __post_init__(self) -> None:
        if self.method not in get_args(Method):
            raise ValueError(f"method must be 'ML' or 'REML', got {self.method!r}")

    @property
    def pooling(self) -> Literal["partial"]:
        """``"partial"``: intercepts and slopes are both partially pooled."""
        return "partial"

    @property
    def mu(self) -> float:
        """$\\hat\\mu_\\alpha = \\hat\\mu_0$, the population mean of the intercepts."""
        return float(self.fixed["Intercept"])

    @property
    def beta(self) -> pd.Series:
        """$\\hat\\beta = (\\hat\\mu_1, \\dots)$, the population mean slopes, by covariate."""
        return self.fixed.iloc[1:].rename("beta")

    @property
    def se_mu(self) -> float:
        """Standard error of $\\hat\\mu$."""
        return float(self.se_fixed["Intercept"])

    @property
    def se_beta(self) -> pd.Series:
        """Standard errors of $\\hat\\beta$, by covariate."""
        return self.se_fixed.iloc[1:].rename("se_beta")

    @property
    def alpha(self) -> pd.Series:
        """Group intercepts $\\hat\\alpha_j = \\hat\\mu + \\hat a_{0j}$, by group label."""
        return self.coef["Intercept"].rename("alpha")

    @property
    def a(self) -> pd.Series:
        """Intercept deviations $\\hat a_{0j} = \\hat\\alpha_j - \\hat\\mu$, by group label."""
        return self.ranef["Intercept"].rename("a")

    @property
    def sigma_alpha(self) -> float:
        """$\\hat\\sigma_\\alpha = \\hat\\sigma_0$, the SD of the group intercepts (at $x = 0$)."""
        return float(np.sqrt(self.cov.to_numpy()[0, 0]))

    @property
    def singular(self) -> bool:
        """Whether $\\hat\\Sigma$ is singular by lme4's rule (see the class's attributes)."""
        lam = relative_cholesky(self.cov.to_numpy(), sigma_y=self.sigma_y)
        return bool((np.diag(lam) < SINGULAR_TOL).any())

    @property
    def x_name(self) -> ColumnName:
        """The covariate, for a fit with one random slope."""
        if len(self.x_names) != 1:
            raise ValueError(f"this fit has {len(self.x_names)} random slopes: use x_names")
        return self.x_names[0]

    @property
    def sd(self) -> pd.Series:
        """SDs of the group intercepts and slopes ($\\hat\\sigma_0, \\hat\\sigma_1, \\dots$)."""
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.cov.index, name="sd")

    @property
    def corr_matrix(self) -> pd.DataFrame:
        """Correlations of the group intercepts and slopes (NaN where an SD is 0)."""
        c = self.cov.to_numpy()
        sd = np.sqrt(np.diag(c))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = c / np.outer(sd, sd)
        return pd.DataFrame(r, index=self.cov.index, columns=self.cov.columns)

    @property
    def corr(self) -> float:
        """Correlation $r_{01}$ of the group intercepts and slopes (one random slope)."""
        if len(self.x_names) != 1:
            raise ValueError(f"this fit has {len(self.x_names)} random slopes: use corr_matrix")
        return float(self.corr_matrix.to_numpy()[0, 1])

    def predict(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Point predictions for new observations: $\\tilde z'(\\hat\\mu + \\hat a_j)$ in a
        group of the data (its row of ``coef``), $\\tilde z'\\hat\\mu$ in a new group, with
        $\\tilde z = (1, \\tilde x)$.

        Parameters
        ----------
        newdata : pandas.DataFrame
            One row per new observation, with the grouping column and the covariates. A row
            whose group label is one of the fit's groups is predicted in that group; any other
            label is a new group.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``newdata``: ``known_group`` (bool) and ``point`` ($\\hat y$).

        Raises
        ------
        ValueError
            If ``newdata`` is not a DataFrame, lacks a column, or has a missing or non-finite
            covariate value.
        """
        from .prediction import newdata_rows

        x, known, pos = newdata_rows(self, newdata)
        coef = np.where(known[:, None], self.coef.to_numpy()[pos], self.fixed.to_numpy())
        z = np.column_stack([np.ones(len(newdata)), x])
        point = np.einsum("ia,ia->i", z, coef)
        return pd.DataFrame({"known_group": known, "point": point}, index=newdata.index)

    def group_table(
        self, *, complete: PoolingFit | None = None, lines: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """One row per group $j$: its partially pooled intercept and slopes, in the site's
        notation (what the command line writes).

        Parameters
        ----------
        complete : PoolingFit, optional
            Complete pooling of the same data (`Model.complete_pooling`): one least-squares
            line for all the data.
        lines : pandas.DataFrame, optional
            Each group's own least-squares line (`Model.group_ols`): no pooling.

        Returns
        -------
        pandas.DataFrame
            Columns ``group`` (the label), ``n_j``, ``intercept_j`` ($\\hat\\mu_0 + \\hat
            a_{0j}$), ``slope_<COL>_j`` ($\\hat\\mu_k + \\hat a_{kj}$) for each covariate
            ``COL`` (lme4's ``coef``), ``a0_j`` and ``a_<COL>_j`` (the conditional modes, lme4's
            ``ranef``); with ``lines``, ``intercept_none_j`` and ``slope_<COL>_none_j`` (NaN
            where a group's covariates do not determine its line); with ``complete``,
            ``intercept_complete_j`` and ``slope_<COL>_complete_j``.

        Raises
        ------
        ValueError
            If two of these column names coincide (covariates named ``x`` and ``x_none``).
        """
        names = [str(name) for name in self.x_names]
        coef, ranef = self.coef.to_numpy(), self.ranef.to_numpy()
        columns: list[tuple[str, np.ndarray]] = [("n_j", self.n.to_numpy())]
        columns.append(("intercept_j", coef[:, 0]))
        columns += [(f"slope_{name}_j", coef[:, k + 1]) for k, name in enumerate(names)]
        columns.append(("a0_j", ranef[:, 0]))
        columns += [(f"a_{name}_j", ranef[:, k + 1]) for k, name in enumerate(names)]
        if lines is not None:
            own = lines.reindex(self.coef.index).to_numpy()
            columns.append(("intercept_none_j", own[:, 0]))
            columns += [(f"slope_{name}_none_j", own[:, k + 1]) for k, name in enumerate(names)]
        if complete is not None:
            ones = np.ones(len(self.n))
            columns.append(("intercept_complete_j", ones * complete.mu))
            columns += [
                (f"slope_{name}_complete_j", ones * float(complete.beta.iloc[k]))
                for k, name in enumerate(names)
            ]
        labels = [label for label, _ in columns]
        twice = sorted({label for label in labels if labels.count(label) > 1})
        if twice:
            raise ValueError(
                f"the output would have two columns named {twice[0]!r}: rename a covariate"
            )
        table = pd.DataFrame(dict(columns), index=self.coef.index)
        table.index.name = "group"
        return table.reset_index()

    def summary(self) -> Summary:
        """The `partial_pooling.summary.Summary`: text in the style of lme4's ``print(fit)``
        (it is a string), and the same tables as HTML (``.html()``)."""
        q = len(self.fixed)
        slopes = "slope" if q == 2 else f"{q - 1} slopes"
        terms = " + ".join(map(str, self.x_names))
        formula = f"{self.y_name} ~ 1 + {terms} + (1 + {terms} | {self.group_name})"
        facts = model_facts(formula, self.method, self.N, self.group_name, self.n, self.loglik)
        sd, corr = self.sd.to_numpy(), self.corr_matrix.to_numpy()
        terms_labels = [Label("(Intercept)"), *(code(x) for x in self.x_names)]
        group = code(self.group_name)
        rows = [
            (
                Label(f"{group.text} {lab.text}", f"{group.as_html()} {lab.as_html()}"),
                (sd[i], sd[i] ** 2, *(corr[i, j] if j < i else None for j in range(q - 1))),
            )
            for i, lab in enumerate(terms_labels)
        ]
        rows.append(
            (
                Label("Residual sigma_y", "Residual σ<sub>y</sub>"),
                (self.sigma_y, self.sigma_y**2, *([None] * (q - 1))),
            )
        )
        variance = SummaryTable(
            "variance-components",
            "Variance components",
            ("Std.Dev.", "Variance", *(f"Corr. with {lab.text}" for lab in terms_labels[:-1])),
            tuple(rows),
            caption=f"estimated by {self.method}",
        )
        fixed = SummaryTable(
            "fixed-effects",
            "Fixed effects",
            ("Estimate", "Std.Error"),
            tuple(
                (
                    Label("(Intercept) mu_0", "(Intercept) μ<sub>0</sub>")
                    if k == 0
                    else code(name),
                    (float(self.fixed.iloc[k]), float(self.se_fixed.iloc[k])),
                )
                for k, name in enumerate(self.fixed.index)
            ),
            caption="standard errors given the variance components, as lme4 reports them",
        )
        notes = []
        if self.singular:
            text = (
                "Boundary (singular) fit: the estimated covariance matrix of the group "
                "intercepts and slopes is singular (an SD at 0 or a correlation of +-1, or "
                f"more generally a diagonal element of its relative Cholesky factor below "
                f"{SINGULAR_TOL:g}, lme4's isSingular): the data do not support this many "
                "random effects; consider fewer."
            )
            notes.append(Label(text, text.replace("+-1", "±1")))
        return Summary(
            title=f"Random intercept and {slopes} model fit by {self.method}",
            facts=facts,
            tables=(variance, fixed),
            notes=notes,
        )

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        beta = ", ".join(f"{k}={v:.6g}" for k, v in self.beta.items())
        return (
            f"RandomSlopesFit(method={self.method!r}, mu={self.mu:.6g}, {beta}, "
            f"sigma_alpha={self.sigma_alpha:.6g}, sigma_y={self.sigma_y:.6g}, J={self.J}, "
            f"N={self.N})"
        )
