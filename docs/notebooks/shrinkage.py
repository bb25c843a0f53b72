# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The shrinkage estimator
#
# Every partially pooled intercept is a **precision-weighted compromise**: the group's own
# covariate-adjusted mean, weighted by the precision of its $n_j$ observations, against the
# population mean, weighted by the precision of the population distribution. The weight on the
# group's own data,
#
# $$
# \lambda_j = \frac{n_j\sigma_\alpha^2}{n_j\sigma_\alpha^2 + \sigma_y^2},
# $$
#
# differs from group to group, so with unequal group sizes every group is shrunk by its own
# amount: small groups hardest. This page derives the estimator, checks it on every county of
# the radon data, and shows what it does.

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import crosscheck, datasets, figures

radon = datasets.radon()
cols = ("log_radon", "county", "floor")
fit = pp.fit_random_intercept(radon, *cols, method="REML")
no_pool = pp.no_pooling(radon, *cols)
complete = pp.complete_pooling(radon, *cols)

# %% [markdown]
# ## Where the formula comes from
#
# Write the model as $y_{ij} = \mu + \beta x_{ij} + a_j + \varepsilon_{ij}$ with
# $a_j \sim N(0, \sigma_\alpha^2)$. Given the parameters, everything group $j$'s data say about
# $a_j$ is in its mean residual $\bar r_j = \bar y_j - \mu - \beta\bar x_j$, which is
# $a_j$ plus noise of variance $\sigma_y^2/n_j$. Two normal sources of information about one
# quantity combine by adding precisions; the result is the conditional distribution
#
# $$
# a_j \mid y \;\sim\; N\!\Big(\lambda_j\,\bar r_j,\; \sigma_\alpha^2(1-\lambda_j)\Big),
# \qquad
# \lambda_j = \frac{n_j/\sigma_y^2}{n_j/\sigma_y^2 + 1/\sigma_\alpha^2}.
# $$
#
# Its mean, with $\alpha_j = \mu + a_j$, is the shrinkage estimator:
#
# $$
# \hat\alpha_j = \lambda_j\,(\bar y_j - \hat\beta\,\bar x_j) + (1-\lambda_j)\,\hat\mu .
# $$
#
# The same formula comes out of setting the derivative of the joint likelihood to zero (see
# [the derivation, checked](../derivation/)). Nothing in it assumes equal group sizes: each
# group carries its own $n_j$, hence its own $\lambda_j$. At the REML (or ML) estimates of
# $\mu, \beta, \sigma_\alpha, \sigma_y$ these are the intercepts a mixed-model library reports.

# %% [markdown]
# ## Checked on every county
#
# The table computes the closed form from the group means and the REML estimates, and
# compares it with the group intercepts of statsmodels' MixedLM, fitted independently with
# tight settings.

# %%
sm = crosscheck.statsmodels_mixedlm(radon, "log_radon", "county", "floor", method="REML")
sm_alpha = pd.Series({k: v.iloc[0] for k, v in sm.random_effects.items()}) + sm.fe_params.iloc[0]
closed = pp.group_intercepts(radon, *cols, fit.mu, fit.beta, fit.sigma_alpha, fit.sigma_y)
table = pd.DataFrame({
    "n_j": fit.n,
    "ybar_j - beta xbar_j": fit.adjusted_ybar,
    "lambda_j": pp.shrinkage_factor(fit.n, fit.sigma_alpha, fit.sigma_y),
    "closed form": closed,
    "statsmodels": sm_alpha.reindex(closed.index),
})
table["difference"] = table["closed form"] - table["statsmodels"]
largest = table["difference"].abs().max()
assert largest < 1e-6, largest
pd.set_option("display.max_rows", 100)
table.sort_values("n_j").round({"ybar_j - beta xbar_j": 4, "lambda_j": 4, "closed form": 6,
                                "statsmodels": 6})

# %% tags=["hide-input"]
Markdown(
    f"The largest difference over all {fit.J} counties is {largest:.1e}: the closed form *is* "
    "what the fitted model computes, to the precision of the optimizers. (The REML estimates "
    f"used: $\\hat\\mu$ = {fit.mu:.4f}, $\\hat\\beta$ = {fit.beta['floor']:.4f}, "
    f"$\\hat\\sigma_\\alpha$ = {fit.sigma_alpha:.4f}, $\\hat\\sigma_y$ = {fit.sigma_y:.4f}.)"
)

# %% [markdown]
# ## The weight grows with group size
#
# $\lambda_j$ depends on the data only through $n_j$ and the ratio
# $\sigma_\alpha/\sigma_y$. Each curve below is one ratio; the orange points are the radon
# counties at their REML estimate.

# %%
figures.lambda_vs_n([0.1, 0.25, 0.5, 1.0, 2.0], n_max=150, observed=fit)

# %% [markdown]
# The curves cross one half where the two precisions are equal, $n_j/\sigma_y^2 =
# 1/\sigma_\alpha^2$, that is at $n_j = \sigma_y^2/\sigma_\alpha^2 = 1/\psi$. A group smaller
# than that is estimated mostly from the population; a larger one mostly from its own data.

# %% tags=["hide-input"]
n_half = 1 / fit.psi
below = int((fit.n < n_half).sum())
assert np.isclose(pp.shrinkage_factor(n_half, fit.sigma_alpha, fit.sigma_y), 0.5)
assert below > fit.J / 2  # the sentence below says "most"
Markdown(
    f"For radon, $1/\\hat\\psi$ = {n_half:.1f} houses: {below} of the {fit.J} counties are "
    "smaller than that, so for most counties the population says more than the county's own "
    "houses."
)

# %% [markdown]
# ## Small groups are pulled hardest
#
# Against group size, the no-pooling estimates (left) fan out where groups are small; the
# partially pooled estimates (right) are drawn in toward $\hat\mu$ exactly there. The bars are
# one standard error (no pooling) and one conditional standard deviation
# $\sigma_\alpha\sqrt{1-\lambda_j}$ (partial pooling).

# %%
figures.estimates_vs_size(no_pool, fit, complete=complete)

# %% [markdown]
# The same movement as arrows, from each county's no-pooling estimate to its partially pooled
# one:

# %%
figures.shrinkage_arrows(no_pool, fit)

# %%
distance = (fit.alpha - no_pool.alpha).abs()
by_size = pd.DataFrame({"n_j": fit.n, "distance moved": distance}).groupby(
    pd.cut(fit.n, [0, 2, 5, 10, 25, 200]), observed=True
)["distance moved"].agg(["count", "mean", "max"])
assert by_size["mean"].iloc[0] > by_size["mean"].iloc[-1]
by_size.rename_axis("n_j").round(3)

# %% [markdown]
# Shrinking also *sharpens*. The conditional standard deviation of a county's intercept,
# $\sigma_\alpha\sqrt{1-\lambda_j}$, is always smaller than the no-pooling standard error
# $\sigma_y/\sqrt{n_j}$ and smaller than $\sigma_\alpha$: combining two sources of information
# is more precise than either alone. For a county with one house the difference is largest.

# %%
precision_gain = pd.DataFrame({
    "n_j": fit.n,
    "no pooling s.e. sigma_y/sqrt(n_j)": fit.sigma_y / np.sqrt(fit.n),
    "partial pooling cond. s.d.": fit.cond_sd,
})
assert (precision_gain.iloc[:, 2] < precision_gain.iloc[:, 1]).all()
assert (fit.cond_sd < fit.sigma_alpha).all()
np.testing.assert_allclose(fit.cond_sd**2, 1 / (fit.n / fit.sigma_y**2 + 1 / fit.sigma_alpha**2),
                           rtol=1e-12)
precision_gain.sort_values("n_j").iloc[[0, 1, 40, -2, -1]].round(4)

# %% [markdown]
# ## The intraclass correlation sets the strength of pooling
#
# The intraclass correlation
#
# $$
# \rho = \frac{\sigma_\alpha^2}{\sigma_\alpha^2 + \sigma_y^2}
# $$
#
# is the correlation between two observations in the same group, and also $\lambda$ for a
# group of one. In terms of $\rho$,
#
# $$
# \lambda_j = \frac{n_j\rho}{1 + (n_j - 1)\rho},
# $$
#
# so a small $\rho$ means strong pooling unless groups are large, and $\rho \to 0$ is
# complete pooling. Three data sets show the range.

# %%
examples = {
    "radon (county)": (radon, "log_radon", "county", "floor"),
    "Dyestuff (batch)": (datasets.dyestuff(), "Yield", "Batch", None),
    "Dyestuff2 (batch)": (datasets.dyestuff2(), "Yield", "Batch", None),
    "sleepstudy (subject)": (datasets.sleepstudy(), "Reaction", "Subject", "Days"),
}
rows = {}
for name, (data, y, g, x) in examples.items():
    f = pp.fit_random_intercept(data, y, g, x, method="REML")
    rho = pp.icc(f.sigma_alpha, f.sigma_y)
    np.testing.assert_allclose(f.shrinkage, f.n * rho / (1 + (f.n - 1) * rho), rtol=1e-10)
    rows[name] = {"sigma_alpha (REML)": f.sigma_alpha, "sigma_y (REML)": f.sigma_y, "rho": rho,
                  "median n_j": f.n.median(), "median lambda_j": f.shrinkage.median(),
                  "at boundary": f.at_boundary}
icc_table = pd.DataFrame(rows).T
icc_table.astype({"at boundary": bool}).round(4)

# %% tags=["hide-input"]
Markdown(
    f"Radon's counties are similar ($\\hat\\rho$ = {icc_table.loc['radon (county)', 'rho']:.2f}) "
    "and mostly small, so pooling is strong. The Dyestuff batches differ a lot relative to "
    f"the noise ($\\hat\\rho$ = {icc_table.loc['Dyestuff (batch)', 'rho']:.2f}): each batch "
    "mostly keeps its own mean. For Dyestuff2 the REML estimate of $\\sigma_\\alpha$ is exactly "
    "zero, a boundary estimate: the batch means vary no more than noise alone would make them, "
    "every $\\lambda_j = 0$, and partial pooling *is* complete pooling. The package reports "
    "that boundary as such rather than as a tiny positive number."
)

# %% [markdown]
# ## What to take away
#
# * The weight $\lambda_j$ is the group's share of the precision; it depends on $n_j$ and on
#   $\sigma_\alpha/\sigma_y$ (equivalently the intraclass correlation), nothing else.
# * With unequal groups every group gets its own weight; small groups are pulled hardest.
# * The estimates are more precise than either source alone.
# * The same weights reappear in what the slope estimate pools: see
#   [why $\beta$ has no split](../why_beta/).
