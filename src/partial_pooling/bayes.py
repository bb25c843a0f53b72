"""The Bayesian view: the prior on the intercepts is the model, and its scale is uncertain.

Read $\\alpha_j \\sim N(\\mu, \\sigma_\\alpha^2)$ as a prior. Given $(\\mu, \\beta, \\sigma_\\alpha,
\\sigma_y)$, the posterior mean of each $\\alpha_j$ is the shrinkage estimator. A fully Bayesian
analysis also averages over what is unknown about the variances. With the priors

$$
p(\\mu, \\beta) \\propto 1, \\qquad p(\\sigma_y^2) \\propto 1/\\sigma_y^2, \\qquad
p(\\sigma_\\alpha) \\propto 1 \\;\\;\\text{(uniform, as Gelman 2006 recommends for a scale)},
$$

$(\\mu, \\beta)$ and $\\sigma_y^2$ integrate out in closed form, leaving the marginal posterior of
the one parameter $\\psi = \\sigma_\\alpha^2/\\sigma_y^2$,

$$
p(\\psi \\mid y) \\propto \\psi^{-1/2}\\,|V_\\psi|^{-1/2}\\,|X'V_\\psi^{-1}X|^{-1/2}\\,
\\mathrm{RSS}(\\psi)^{-(N-k-1)/2},\\qquad V_\\psi = I + \\psi ZZ',
$$

which is the REML likelihood of $\\psi$ times $\\psi^{-1/2}$ and one extra power of
$\\mathrm{RSS}$. Posterior means of the intercepts are then averages of the shrinkage estimator
over this posterior. `gibbs_sampler` checks the whole calculation by simulation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .grouped import GroupedData
from .likelihood import profile
from .on_data import on_data
from .shrinkage import shrinkage_weights

__all__ = ["gibbs_sampler", "posterior_intercepts", "psi_posterior"]


def _grid_posterior(g: GroupedData, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normalized density of $\\psi$ on ``grid`` and the GLS $b(\\psi)$ at each grid point."""
    if grid.ndim != 1 or grid.size < 3 or (grid <= 0).any() or (np.diff(grid) <= 0).any():
        raise ValueError("psi must be an increasing 1-d grid of at least 3 values > 0")
    st = g.stats
    N, k = g.N, g.p + 1
    logp = np.empty(grid.size)
    b = np.empty((grid.size, k))
    for i, p in enumerate(grid):
        pt = profile(st, float(p), "REML")
        logdet_V = float(st.counts @ np.log1p(st.sizes * p))
        logdet_A = pt.logdet_A
        logp[i] = (
            -0.5 * np.log(p) - 0.5 * logdet_V - 0.5 * logdet_A - 0.5 * (N - k - 1) * np.log(pt.rss)
        )
        b[i] = pt.b
    dens = np.exp(logp - logp.max())
    return dens / np.trapezoid(dens, grid), b


def _psi_posterior(g: GroupedData, *, psi: Sequence[float] | np.ndarray) -> pd.Series:
    """Marginal posterior density of $\\psi$ on a grid (see the module docstring for the priors).

    Parameters
    ----------
    data, y, group, x
        As for `partial_pooling.fit_random_intercept`.
    psi : array_like
        An increasing grid of $\\psi > 0$, wide and fine enough to hold the posterior.

    Returns
    -------
    pandas.Series
        The density $p(\\psi \\mid y)$ at the grid points, normalized by the trapezoidal rule,
        indexed by $\\psi$.
    """
    grid = np.asarray(psi, dtype=float)
    dens, _ = _grid_posterior(g, grid)
    return pd.Series(dens, index=pd.Index(grid, name="psi"), name="posterior density")


psi_posterior = on_data(_psi_posterior)


def _posterior_intercepts(g: GroupedData, *, psi: Sequence[float] | np.ndarray) -> pd.Series:
    """Posterior means of the group intercepts, averaged over the posterior of $\\psi$.

    Given $\\psi$ (and any $\\sigma_y$), the posterior mean of $(\\mu, \\beta)$ is the GLS
    estimate $\\hat b(\\psi)$ and that of $\\alpha_j$ the shrinkage estimator at
    $\\hat b(\\psi)$ and $\\lambda_j(\\psi)$; these are averaged with the weights of
    `psi_posterior` on the same grid.
    """
    grid = np.asarray(psi, dtype=float)
    dens, b = _grid_posterior(g, grid)
    means = np.empty((grid.size, g.J))
    for i, p in enumerate(grid):
        mu, beta = g.stats.uncentred(b[i])
        lam = shrinkage_weights(g.n, p)
        adj = g.ybar - g.xbar @ beta
        means[i] = mu + lam * (adj - mu)
    post = np.trapezoid(means * dens[:, None], grid, axis=0)
    return g.series(post, "posterior mean")


posterior_intercepts = on_data(_posterior_intercepts)


def _gibbs_sampler(
    g: GroupedData, *, n_iter: int, rng: np.random.Generator, burn_in: int = 500
) -> pd.DataFrame:
    """A Gibbs sampler for the random-intercept model with the module's priors.

    Each sweep draws $(\\mu, \\beta, a)$ jointly from its normal full conditional, then
    $\\sigma_y^2 \\mid \\cdot \\sim \\text{Inv-Gamma}(N/2, \\mathrm{RSS}/2)$ and
    $\\sigma_\\alpha^2 \\mid a \\sim \\text{Inv-Gamma}((J-1)/2, \\sum_j a_j^2/2)$ (the uniform prior
    on $\\sigma_\\alpha$). An independent, simulation-based check of `psi_posterior` and
    `posterior_intercepts`.

    Returns
    -------
    pandas.DataFrame
        ``n_iter`` draws after ``burn_in``: columns ``mu``, one per covariate, ``sigma_alpha``,
        ``sigma_y``, ``psi`` and ``alpha[<label>]`` for each group.
    """
    if n_iter < 1 or burn_in < 0:
        raise ValueError(f"n_iter must be >= 1 and burn_in >= 0, got {n_iter}, {burn_in}")
    k, J = g.p + 1, g.J
    W = np.column_stack([np.ones(g.N), g.x])
    M = g.mixed_model_matrix()
    Wty = np.concatenate([W.T @ g.y, g.group_sums(g.y)])
    yty = float(g.y @ g.y)
    sa2, sy2 = float(np.var(g.ybar)) + 1e-8, float(np.var(g.y))
    draws = np.empty((n_iter, k + J + 2))
    for it in range(burn_in + n_iter):
        P = M / sy2
        P[k:, k:] += np.eye(J) / sa2
        L = np.linalg.cholesky(P)
        mean = np.linalg.solve(L.T, np.linalg.solve(L, Wty / sy2))
        theta = mean + np.linalg.solve(L.T, rng.standard_normal(k + J))
        rss = yty - 2 * theta @ Wty + theta @ M @ theta
        sy2 = (rss / 2) / rng.gamma(g.N / 2)
        a = theta[k:]
        sa2 = (a @ a / 2) / rng.gamma((J - 1) / 2)
        if it >= burn_in:
            draws[it - burn_in, :k] = theta[:k]
            draws[it - burn_in, k : k + J] = theta[0] + a
            draws[it - burn_in, k + J :] = (sa2, sy2)
    cols = ["mu", *g.x_names, *[f"alpha[{lab}]" for lab in g.labels]]
    out = pd.DataFrame(draws[:, : k + J], columns=cols)
    out["sigma_alpha"] = np.sqrt(draws[:, k + J])
    out["sigma_y"] = np.sqrt(draws[:, k + J + 1])
    out["psi"] = draws[:, k + J] / draws[:, k + J + 1]
    return out


gibbs_sampler = on_data(_gibbs_sampler)
