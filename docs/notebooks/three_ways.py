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
# # Three ways to estimate a group's intercept
#
# Houses in the same county share geology, so their radon levels share a county effect. How
# should we estimate a county's typical level when some counties have one hundred measurements
# and others have one or two? There are three answers:
#
# * **complete pooling** ignores the counties: one intercept for all;
# * **no pooling** fits every county separately: one free intercept each;
# * **partial pooling**, the mixed-effects model, lands in between, and *where* in between
#   depends on how much data each county has.
#
# This page fits all three to the same real data with the `partial_pooling` package, checks
# each against an independent fit, and shows the estimates moving toward the population mean.

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import crosscheck, datasets, figures

radon = datasets.radon()
cols = ("log_radon", "county", "floor")

# %% tags=["hide-input"]
sizes = radon.groupby("county").size()
Markdown(
    f"The data are Gelman and Hill's Minnesota radon survey ([data sets](../../data/)): "
    f"{len(radon)} houses in {sizes.size} counties, with between {sizes.min()} and "
    f"{sizes.max()} houses per county (median {sizes.median():g}). The response is log radon, "
    "$y_{ij}$ for house $i$ in county $j$, and the covariate $x_{ij}$ is the floor of the "
    "measurement (0 basement, 1 first floor)."
)

# %%
radon.head()

# %% [markdown]
# All three estimators describe the same line within a county,
#
# $$
# y_{ij} = \alpha_j + \beta x_{ij} + \varepsilon_{ij}, \qquad
# \varepsilon_{ij} \sim N(0, \sigma_y^2),
# $$
#
# and differ only in what they assume about the county intercepts $\alpha_j$
# (see the [notation](../../notation/)).
#
# ## Complete pooling: one intercept
#
# Assume every $\alpha_j$ is the same number $\mu$. That is ordinary least squares on all
# houses at once.

# %%
complete = pp.complete_pooling(radon, *cols)
ols = crosscheck.statsmodels_ols(radon, "log_radon", "floor")
np.testing.assert_allclose(complete.fixed, ols.params, rtol=1e-12)
complete.fixed.to_frame()

# %% [markdown]
# The same numbers as statsmodels' OLS (the cell asserts agreement to 12 digits). Every county
# gets the same intercept: county differences are assumed away.
#
# ## No pooling: an intercept per county
#
# Now let every county have its own free $\alpha_j$ and share only the slope $\beta$. This is
# OLS with one indicator per county, the *within* (fixed-effects) estimator:
# $\hat\alpha_j = \bar y_j - \hat\beta\,\bar x_j$.

# %%
no_pool = pp.no_pooling(radon, *cols)
dummies = crosscheck.statsmodels_ols(radon, "log_radon", ["C(county)", "floor"])
np.testing.assert_allclose(no_pool.beta["floor"], dummies.params["floor"], rtol=1e-12)
no_pool.alpha.describe()

# %% tags=["hide-input"]
smallest = no_pool.n.idxmin()
top = no_pool.alpha.idxmax()
Markdown(
    f"Counties with few houses get extreme estimates: the highest no-pooling intercept, "
    f"{no_pool.alpha[top]:.2f}, belongs to {top.title()} with only {no_pool.n[top]} houses, "
    f"and its standard error is {no_pool.cond_sd[top]:.2f}, against "
    f"{no_pool.cond_sd.min():.2f} for the best-measured county. No pooling takes a "
    "two-house average at face value."
)

# %% [markdown]
# ## Partial pooling: the mixed-effects model
#
# Partial pooling treats the county intercepts as draws from a population,
#
# $$
# \alpha_j \sim N(\mu, \sigma_\alpha^2),
# $$
#
# and estimates $\mu$, $\beta$, $\sigma_\alpha$ and $\sigma_y$ together. The package finds the
# exact REML optimum; statsmodels' MixedLM, fitted with tight settings, agrees.

# %%
partial = pp.fit_random_intercept(radon, *cols, method="REML")
sm = crosscheck.statsmodels_mixedlm(radon, "log_radon", "county", "floor", method="REML")
np.testing.assert_allclose(partial.fixed, sm.fe_params, rtol=1e-8)
np.testing.assert_allclose(partial.sigma_alpha**2, sm.cov_re.iloc[0, 0], rtol=1e-6)
np.testing.assert_allclose(partial.loglik, sm.llf, rtol=1e-10)
print(partial.summary())

# %% tags=["hide-input"]
Markdown(
    f"Counties vary: the REML estimate of the spread of the intercepts is "
    f"$\\hat\\sigma_\\alpha$ = {partial.sigma_alpha:.3f}, against a residual spread of houses "
    f"within a county of $\\hat\\sigma_y$ = {partial.sigma_y:.3f}. Each county's intercept is "
    "a weighted average of what its own houses say and what the population says,"
)

# %% [markdown]
# $$
# \hat\alpha_j = \lambda_j\,(\bar y_j - \hat\beta\,\bar x_j) + (1 - \lambda_j)\,\hat\mu,
# \qquad
# \lambda_j = \frac{n_j\hat\sigma_\alpha^2}{n_j\hat\sigma_\alpha^2 + \hat\sigma_y^2},
# $$
#
# with the weight $\lambda_j$ on the county's own data growing with its size $n_j$. The next
# cell checks this closed form against the fitted intercepts (statsmodels' random effects) for
# every county.

# %%
closed_form = (
    partial.shrinkage * partial.adjusted_ybar + (1 - partial.shrinkage) * partial.mu
)
blups = pd.Series({k: v.iloc[0] for k, v in sm.random_effects.items()}) + sm.fe_params.iloc[0]
gap = float((closed_form - blups.reindex(closed_form.index)).abs().max())
assert gap < 1e-6, gap
Markdown(f"Largest difference over the {partial.J} counties: {gap:.1e}.")

# %% [markdown]
# ## Side by side
#
# Eight counties, from the smallest to the largest. The dashed grey line is complete pooling,
# orange is no pooling, blue is partial pooling.

# %%
chosen = ["LAC QUI PARLE", "AITKIN", "KOOCHICHING", "DOUGLAS", "CLAY", "STEARNS", "RAMSEY",
          "ST LOUIS"]
figures.pooling_lines(radon, *cols, [complete, no_pool, partial], chosen)

# %%
table = pd.DataFrame({
    "n_j": partial.n,
    "no pooling": no_pool.alpha,
    "partial pooling": partial.alpha,
    "complete pooling": complete.alpha,
    "lambda_j": partial.shrinkage,
}).loc[chosen]
table.round(3)

# %% tags=["hide-input"]
small, large = chosen[0], chosen[-1]
Markdown(
    f"In {small.title()} ($n_j$ = {partial.n[small]}) the weight on the county's own data is "
    f"$\\lambda_j$ = {partial.shrinkage[small]:.2f}, so its estimate moves most of the way "
    f"to the population; in {large.title()} ($n_j$ = {partial.n[large]}) it is "
    f"{partial.shrinkage[large]:.2f}, and partial and no pooling nearly coincide."
)

# %% [markdown]
# ## All counties at once
#
# Plotted against county size, the no-pooling estimates fan out for small counties, where
# each rests on a handful of houses. Partial pooling pulls exactly those toward $\hat\mu$ and
# leaves the large counties where their data put them.

# %%
figures.estimates_vs_size(no_pool, partial, complete=complete)

# %%
moved = (partial.alpha - no_pool.alpha).abs()
rank_corr = np.corrcoef(np.log(partial.n), moved)[0, 1]
assert rank_corr < 0  # small counties move more
Markdown(
    f"The distance each county moves falls with its size (correlation of "
    f"$|\\hat\\alpha_j^{{\\text{{partial}}}} - \\hat\\alpha_j^{{\\text{{no pool}}}}|$ with "
    f"$\\log n_j$: {rank_corr:.2f})."
)

# %% [markdown]
# ## What to take away
#
# * Complete and no pooling are the two ends of one dial: $\lambda_j = 0$ for every county,
#   and $\lambda_j = 1$ for every county.
# * Partial pooling sets the dial **per county**, from the data: the estimate
#   $\hat\sigma_\alpha$ of how much counties really differ, and each county's size $n_j$.
# * Where the pooling comes from, and why the slope $\beta$ is not split this way, is the rest
#   of the site: [a common derivation, checked](../derivation/),
#   [the likelihood](../likelihood/), [the shrinkage estimator](../shrinkage/) and
#   [why $\beta$ has no split](../why_beta/).
