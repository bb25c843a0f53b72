"""One data set, grouped once, and everything the package computes from it.

`Model` checks and groups a data frame once (`partial_pooling.grouped.group_data`) and offers
the fits and formulas of the other modules as methods on those data: the three ways to
estimate the intercepts, the likelihoods, the shrinkage formulas, the decomposition of
$\\hat\\beta$, random slopes, the EM, ridge and Bayesian views. Each method calls the same
implementation as the module-level function of the same name (which groups the data and calls
it too), so both give the same numbers; only the grouping is not repeated. Every argument of a
method is keyword-only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .bayes import gibbs_sampler, posterior_intercepts, psi_posterior
from .decomposition import BetaDecomposition, decompose_beta, slope_path
from .em import em_path, joint_mode_path
from .estimation import (
    complete_pooling,
    fit_random_intercept,
    no_pooling,
    one_way_anova,
)
from .fits import PoolingFit, RandomSlopesFit
from .grouped import ColumnName, GroupedData, group_data
from .likelihood import (
    joint_loglik,
    marginal_loglik,
    profile_loglik,
    reml_loglik,
)
from .prediction import Coverage, prediction_coverage
from .random_slopes import (
    coefficient_shrinkage,
    fit_random_slopes,
    group_ols,
)
from .regularization import RidgeFit, RidgePath, ridge_intercepts, ridge_path
from .shrinkage import group_intercepts, pooled_mean
from .validation import Method

__all__ = ["Model"]

Beta = float | Sequence[float] | pd.Series | None


class Model:
    """A grouped data set $y_{ij}$, $x_{ij}$, $j = 1..J$, $i = 1..n_j$, checked once.

    The random-intercept model on these data is

    $$
    y_{ij} = \\mu + x_{ij}'\\beta + a_j + \\varepsilon_{ij},\\qquad
    a_j \\sim N(0, \\sigma_\\alpha^2),\\quad \\varepsilon_{ij} \\sim N(0, \\sigma_y^2),
    $$

    with group intercepts $\\alpha_j = \\mu + a_j$ and $\\psi = \\sigma_\\alpha^2/\\sigma_y^2$.
    The methods are the package's fits and formulas on these data (see the module docstring):
    ``model.fit(method="REML")`` is ``fit_random_intercept(data, y=y, group=group, x=x,
    method="REML")``, and so on, without grouping the data again.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation.
    y : str or int
        Column of the response $y_{ij}$.
    group : str or int
        Column of the grouping factor $j$.
    x : str, int or sequence of them, optional
        Covariate column(s) $x_{ij}$ with common slopes $\\beta$ (and, for
        `fit_random_slopes`, slopes that vary by group).

    Raises
    ------
    ValueError
        For bad data, with the message of `partial_pooling.grouped.group_data`.

    Examples
    --------
    >>> import partial_pooling as pp
    >>> from partial_pooling import datasets
    >>> model = pp.Model(datasets.radon(), y="log_radon", group="county", x="floor")
    >>> model
    Model(y='log_radon', group='county', x=['floor']; N=919, J=85)
    >>> fit = model.fit(method="REML")
    >>> lam = fit.shrinkage  # lambda_j = n_j psi / (1 + n_j psi)
    >>> split = model.decompose_beta(sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    >>> print(f"beta = {fit.beta['floor']:.4f} = {split.gls:.4f}, omega = {split.weight:.2f}")
    beta = -0.6930 = -0.6930, omega = 0.92
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        y: ColumnName,
        group: ColumnName,
        x: ColumnName | Sequence[ColumnName] | None = None,
    ) -> None:
        self._grouped = group_data(data, y=y, group=group, x=x)

    @property
    def grouped(self) -> GroupedData:
        """The checked, grouped data every method starts from."""
        return self._grouped

    @property
    def y(self) -> ColumnName:
        """The response column."""
        return self._grouped.y_name

    @property
    def group(self) -> ColumnName:
        """The grouping column."""
        return self._grouped.group_name

    @property
    def x(self) -> list[ColumnName]:
        """The covariate columns (empty without covariates)."""
        return list(self._grouped.x_names)

    @property
    def N(self) -> int:
        """Number of observations $N$."""
        return self._grouped.N

    @property
    def J(self) -> int:
        """Number of groups $J$."""
        return self._grouped.J

    @property
    def n(self) -> pd.Series:
        """Group sizes $n_j$, indexed by group label."""
        return self._grouped.series(self._grouped.n.astype(int), "n")

    def __repr__(self) -> str:
        x = f", x={self.x!r}" if self.x else ""
        return f"Model(y={self.y!r}, group={self.group!r}{x}; N={self.N}, J={self.J})"

    # -- the fits ------------------------------------------------------------------------------

    def fit(self, *, method: Method = "REML") -> PoolingFit:
        """Partial pooling: `partial_pooling.fit_random_intercept` (ML or REML)."""
        return fit_random_intercept.grouped(self._grouped, method)

    def complete_pooling(self) -> PoolingFit:
        """One intercept for every group: `partial_pooling.complete_pooling`."""
        return complete_pooling.grouped(self._grouped)

    def no_pooling(self) -> PoolingFit:
        """Each group its own intercept: `partial_pooling.no_pooling`."""
        return no_pooling.grouped(self._grouped)

    def one_way_anova(self) -> dict[str, float]:
        """Mean squares of a balanced layout without covariates:
        `partial_pooling.one_way_anova`."""
        return one_way_anova.grouped(self._grouped)

    def fit_random_slopes(self, *, method: Method = "REML") -> RandomSlopesFit:
        """Random intercepts and slopes of every covariate: `partial_pooling.fit_random_slopes`.

        Needs covariates and at least 3 groups.
        """
        return fit_random_slopes.grouped(self._grouped, method)

    def group_ols(self) -> pd.DataFrame:
        """Least squares within each group alone: `partial_pooling.group_ols`."""
        return group_ols.grouped(self._grouped)

    def coefficient_shrinkage(self, *, method: Method = "REML") -> pd.DataFrame:
        """The matrix $\\lambda_j$ of random slopes:
        `partial_pooling.random_slopes.coefficient_shrinkage`."""
        return coefficient_shrinkage.grouped(self._grouped, method)

    def prediction_coverage(
        self,
        *,
        reps: int,
        rng: np.random.Generator,
        level: float = 0.95,
        method: Method = "REML",
    ) -> Coverage:
        """Coverage of predictive intervals by simulation:
        `partial_pooling.prediction.prediction_coverage`."""
        return prediction_coverage.grouped(
            self._grouped, reps=reps, rng=rng, level=level, method=method
        )

    # -- the likelihoods -----------------------------------------------------------------------

    def profile_loglik(
        self, *, psi: Sequence[float] | np.ndarray, method: Method = "REML"
    ) -> pd.Series:
        """$\\ell(\\psi)$ on a grid: `partial_pooling.profile_loglik`."""
        return profile_loglik.grouped(self._grouped, psi=psi, method=method)

    def joint_loglik(
        self,
        *,
        alpha: pd.Series | Sequence[float],
        beta: Beta,
        mu: float,
        sigma_alpha: float,
        sigma_y: float,
    ) -> float:
        """$\\log p(y, \\alpha \\mid \\mu, \\beta, \\sigma_\\alpha, \\sigma_y)$:
        `partial_pooling.joint_loglik` (``beta=None`` without covariates)."""
        return joint_loglik.grouped(
            self._grouped,
            alpha=alpha,
            beta=beta,
            mu=mu,
            sigma_alpha=sigma_alpha,
            sigma_y=sigma_y,
        )

    def marginal_loglik(
        self, *, mu: float, beta: Beta, sigma_alpha: float, sigma_y: float
    ) -> float:
        """$\\log p(y \\mid \\mu, \\beta, \\sigma_\\alpha, \\sigma_y)$:
        `partial_pooling.marginal_loglik`."""
        return marginal_loglik.grouped(
            self._grouped, mu=mu, beta=beta, sigma_alpha=sigma_alpha, sigma_y=sigma_y
        )

    def reml_loglik(self, *, sigma_alpha: float, sigma_y: float) -> float:
        """The REML log-likelihood at given variances: `partial_pooling.reml_loglik`."""
        return reml_loglik.grouped(self._grouped, sigma_alpha=sigma_alpha, sigma_y=sigma_y)

    # -- the formulas --------------------------------------------------------------------------

    def group_intercepts(
        self, *, mu: float, beta: Beta, sigma_alpha: float, sigma_y: float
    ) -> pd.Series:
        """$\\hat\\alpha_j = \\lambda_j(\\bar y_j - \\bar x_j'\\beta) + (1-\\lambda_j)\\mu$:
        `partial_pooling.group_intercepts`."""
        return group_intercepts.grouped(
            self._grouped, mu=mu, beta=beta, sigma_alpha=sigma_alpha, sigma_y=sigma_y
        )

    def pooled_mean(self, *, beta: Beta, sigma_alpha: float, sigma_y: float) -> float:
        """$\\hat\\mu$ as a precision-weighted mean: `partial_pooling.pooled_mean`."""
        return pooled_mean.grouped(
            self._grouped, beta=beta, sigma_alpha=sigma_alpha, sigma_y=sigma_y
        )

    def decompose_beta(self, *, sigma_alpha: float, sigma_y: float) -> BetaDecomposition:
        """$\\hat\\beta_{GLS} = \\omega\\hat\\beta_W + (1-\\omega)\\hat\\beta_B$ for the one
        covariate: `partial_pooling.decompose_beta`."""
        return decompose_beta.grouped(self._grouped, sigma_alpha=sigma_alpha, sigma_y=sigma_y)

    def slope_path(self, *, sigma_y: float, sigma_alpha: np.ndarray | list[float]) -> pd.DataFrame:
        """`decompose_beta` along a grid of $\\sigma_\\alpha$: `partial_pooling.slope_path`."""
        return slope_path.grouped(self._grouped, sigma_y=sigma_y, sigma_alpha=sigma_alpha)

    # -- other views ---------------------------------------------------------------------------

    def ridge_intercepts(self, *, penalty: float) -> RidgeFit:
        """Penalized least squares at $\\kappa = \\sigma_y^2/\\sigma_\\alpha^2$:
        `partial_pooling.regularization.ridge_intercepts`."""
        return ridge_intercepts.grouped(self._grouped, penalty=penalty)

    def ridge_path(self, *, penalties: Sequence[float] | np.ndarray) -> RidgePath:
        """`ridge_intercepts` along a path of penalties:
        `partial_pooling.regularization.ridge_path`."""
        return ridge_path.grouped(self._grouped, penalties=penalties)

    def em_path(
        self,
        *,
        sigma_alpha: float,
        sigma_y: float,
        max_iter: int = 20000,
        tol: float = 1e-13,
    ) -> pd.DataFrame:
        """EM from a starting $(\\sigma_\\alpha, \\sigma_y)$: `partial_pooling.em.em_path`."""
        return em_path.grouped(
            self._grouped, sigma_alpha=sigma_alpha, sigma_y=sigma_y, max_iter=max_iter, tol=tol
        )

    def joint_mode_path(
        self,
        *,
        sigma_alpha: float,
        sigma_y: float,
        max_iter: int = 2000,
        tol: float = 1e-13,
    ) -> pd.DataFrame:
        """The plug-in iteration without EM's correction:
        `partial_pooling.em.joint_mode_path`."""
        return joint_mode_path.grouped(
            self._grouped, sigma_alpha=sigma_alpha, sigma_y=sigma_y, max_iter=max_iter, tol=tol
        )

    def psi_posterior(self, *, psi: Sequence[float] | np.ndarray) -> pd.Series:
        """$p(\\psi \\mid y)$ on a grid: `partial_pooling.bayes.psi_posterior`."""
        return psi_posterior.grouped(self._grouped, psi=psi)

    def posterior_intercepts(self, *, psi: Sequence[float] | np.ndarray) -> pd.Series:
        """Posterior means of the $\\alpha_j$: `partial_pooling.bayes.posterior_intercepts`."""
        return posterior_intercepts.grouped(self._grouped, psi=psi)

    def gibbs_sampler(
        self, *, n_iter: int, rng: np.random.Generator, burn_in: int = 500
    ) -> pd.DataFrame:
        """Draws from the posterior: `partial_pooling.bayes.gibbs_sampler`."""
        return gibbs_sampler.grouped(self._grouped, n_iter=n_iter, rng=rng, burn_in=burn_in)
