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
# * **partial pooling**, the mixed-effects model, puts each county's intercept between the
#   county's own covariate-adjusted mean and the estimated population mean, at a point that
#   depends on how much data the county has.
#
# This page fits all three to the same real data with the `partial_pooling` package (each fit
# is checked against an independent one; the checks are folded under each result) and shows the
# estimates moving toward the population mean. It also shows why "partial pooling lands between
# no pooling and complete pooling" is only approximately true.

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import crosscheck, figures

radon = datasets.radon()
cols = {"y": "log_radon", "group": "county", "x": "floor"}
radon_model = pp.Model(radon, **cols)  # the data, checked and grouped once

# %% tags=["hide-input"]
sizes = radon.groupby("county").size()
Markdown(
    f"The data are Gelman and Hill's Minnesota radon survey ([data sets](../data.md)): "
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
# (see the [notation](../notation.md)).
#
# ## Complete pooling: one intercept
#
# Assume every $\alpha_j$ is the same number $\mu$. That is ordinary least squares on all
# houses at once.

# %%
complete = radon_model.complete_pooling()
complete.fixed.to_frame()

# %% tags=["hide-input"]
ols = crosscheck.statsmodels_ols(radon, y="log_radon", x="floor")
checks = Checks("statsmodels OLS")
checks.close("intercept and slope", complete.fixed, ols.params, rtol=1e-12)
checks

# %% [markdown]
# Every county gets the same intercept: county differences are assumed away.
#
# ## No pooling: an intercept per county
#
# Now let every county have its own free $\alpha_j$ and share only the slope $\beta$. This is
# OLS with one indicator per county, the *within* (fixed-effects) estimator:
# $\hat\alpha_j = \bar y_j - \hat\beta_W\,\bar x_j$.

# %%
no_pool = radon_model.no_pooling()
no_pool.alpha.describe()

# %% tags=["hide-input"]
dummies = crosscheck.statsmodels_ols(radon, y="log_radon", x=["C(county)", "floor"])
checks = Checks("statsmodels OLS with county indicators")
checks.close(
    "within slope", no_pool.beta["floor"], dummies.params["floor"], rtol=1e-12
)
checks

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
partial = radon_model.fit(method="REML")
print(partial.summary())

# %% tags=["hide-input"]
sm = crosscheck.statsmodels_mixedlm(
    radon, y="log_radon", group="county", x="floor", method="REML"
)
checks = Checks("statsmodels MixedLM (REML, fitted tightly)")
checks.close("mu and beta", partial.fixed, sm.fixed, rtol=1e-8)
checks.close("sigma_alpha", partial.sigma_alpha, sm.sigma_alpha, rtol=1e-6)
checks.close("REML log-likelihood", partial.loglik, sm.loglik, rtol=1e-10)
checks

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
# with the weight $\lambda_j$ on the county's own data growing with its size $n_j$
# ([the shrinkage estimator](shrinkage.py) derives it). The closed form reproduces the fitted
# intercepts of statsmodels in every county:

# %% tags=["hide-input"]
closed_form = (
    partial.shrinkage * partial.adjusted_ybar + (1 - partial.shrinkage) * partial.mu
)
checks = Checks("statsmodels MixedLM's intercepts (REML, fitted tightly)")
checks.close(
    f"closed form, all {partial.J} counties",
    closed_form,
    sm.alpha,
    rtol=0,
    atol=1e-6,
)
checks

# %% [markdown]
# ## Side by side
#
# Eight counties, from the smallest to the largest ([Figure](#fig-pooling-lines)). The dashed grey line is complete pooling,
# orange is no pooling, blue is partial pooling.

# %% caption="Eight counties, from the smallest to the largest: each house's log radon against its floor, with the complete-pooling (dashed grey), no-pooling (orange) and partial-pooling (blue) lines." label="fig-pooling-lines"
chosen = [
    "LAC QUI PARLE",
    "AITKIN",
    "KOOCHICHING",
    "DOUGLAS",
    "CLAY",
    "STEARNS",
    "RAMSEY",
    "ST LOUIS",
]
figures.pooling_lines(
    radon, **cols, fits=[complete, no_pool, partial], groups=chosen
)

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.pooling_lines)


# %%
table = pd.DataFrame(
    {
        "n_j": partial.n,
        "no pooling": no_pool.alpha,
        "partial pooling": partial.alpha,
        "complete pooling": complete.alpha,
        "lambda_j": partial.shrinkage,
    }
).loc[chosen]
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
# ## Between what, exactly?
#
# "Partial pooling lands between no pooling and complete pooling" is the usual summary, and it
# is not quite right. The formula above puts $\hat\alpha_j$ between two *other* numbers: the
# county's own mean adjusted with the mixed model's slope, $\bar y_j - \hat\beta\bar x_j$, and
# the mixed model's population mean $\hat\mu$. Neither end is what the other two fits report.
# No pooling adjusts with the within slope $\hat\beta_W$, and complete pooling's intercept is
# not $\hat\mu$: both are averages of adjusted county means, but with different weights and
# different slopes,
#
# $$
# \hat\mu_{OLS} = \frac{\sum_j n_j(\bar y_j - \hat\beta_{OLS}\bar x_j)}{\sum_j n_j},
# \qquad
# \hat\mu = \frac{\sum_j w_j(\bar y_j - \hat\beta\bar x_j)}{\sum_j w_j},
# \qquad w_j = \frac{1}{\sigma_\alpha^2 + \sigma_y^2/n_j}.
# $$
#
# Complete pooling weights a county by its number of houses; the mixed model by the precision
# $w_j$ of its mean as an estimate of $\mu$ ([derived on the shrinkage
# page](shrinkage.py#the-precision-weights)), which levels off as $n_j$ grows: a county of a
# hundred houses does not count fifty times as much as a county of two.

# %% tags=["hide-input"]
beta_gls = partial.beta["floor"]
beta_ols = complete.beta["floor"]
w = 1 / (partial.sigma_alpha**2 + partial.sigma_y**2 / partial.n)
mu_ols_by_formula = np.average(
    partial.ybar - beta_ols * partial.xbar["floor"], weights=partial.n
)
mu_gls_by_formula = np.average(
    partial.ybar - beta_gls * partial.xbar["floor"], weights=w
)
# the two ends of the partial-pooling interval, and of the no/complete interval
own = partial.ybar - beta_gls * partial.xbar["floor"]
lo_pp = np.minimum(own, partial.mu)
hi_pp = np.maximum(own, partial.mu)
lo_nc = np.minimum(no_pool.alpha, complete.mu)
hi_nc = np.maximum(no_pool.alpha, complete.mu)
tiny = 1e-12
outside = (partial.alpha < lo_nc - tiny) | (partial.alpha > hi_nc + tiny)
checks = Checks("the weighted-mean formulas")
checks.close(
    "complete pooling's intercept as the n_j-weighted mean",
    complete.mu,
    mu_ols_by_formula,
    rtol=1e-12,
)
checks.close(
    "mu-hat as the w_j-weighted mean", partial.mu, mu_gls_by_formula, rtol=1e-10
)
checks.close(
    "sigma_y^2 w_j = n_j (1 - lambda_j)",
    partial.sigma_y**2 * w,
    partial.n * (1 - partial.shrinkage),
    rtol=1e-12,
)
checks.holds(
    "every county between its adjusted mean and mu-hat",
    ((partial.alpha >= lo_pp - tiny) & (partial.alpha <= hi_pp + tiny)).all(),
)
checks.holds("some county outside its no/complete pooling interval", outside.any())
checks

# %% tags=["hide-input"]
out = partial.n[outside]
Markdown(
    f"On radon, $\\hat\\mu$ = {partial.mu:.4f} (REML) and complete pooling's intercept is "
    f"$\\hat\\mu_{{OLS}}$ = {complete.mu:.4f}; the slopes are $\\hat\\beta$ = {beta_gls:.4f} "
    f"and $\\hat\\beta_{{OLS}}$ = {beta_ols:.4f}. Every county's partially pooled intercept "
    "lies between its own adjusted mean and $\\hat\\mu$, as the formula says. But "
    f"**{outside.sum()} of the {partial.J} counties** lie *outside* the interval between "
    "their no-pooling and their complete-pooling estimate (they have between "
    f"{out.min()} and {out.max()} houses, median {out.median():g}): for a county whose "
    "no-pooling estimate is close to the population, a different end point is enough to put "
    "the partial-pooling estimate beyond both."
)

# %% [markdown]
# ## All counties at once
#
# Plotted against county size ([Figure](#fig-all-counties)), the no-pooling estimates fan out for small counties, where
# each rests on a handful of houses. Partial pooling pulls exactly those toward $\hat\mu$ and
# leaves the large counties where their data put them. (The bars are explained on
# [the shrinkage page](shrinkage.py#small-groups-give-up-the-largest-fraction).)

# %% caption="All counties at once: the intercepts against county size, no pooling (left) and partial pooling (right); the small counties fan out without pooling and are pulled in with it." label="fig-all-counties"
figures.estimates_vs_size(no_pool, partial, complete=complete)

# %% tags=["hide-input"]
moved = (partial.alpha - no_pool.alpha).abs()
rank_corr = np.corrcoef(np.log(partial.n), moved)[0, 1]
checks = Checks("the sign the sentence below states")
checks.holds(
    "the distance moved falls with log n_j (negative correlation)", rank_corr < 0
)
display_text = Markdown(
    f"The distance each county moves falls with its size (correlation of "
    f"$|\\hat\\alpha_j^{{\\text{{partial}}}} - \\hat\\alpha_j^{{\\text{{no pool}}}}|$ with "
    f"$\\log n_j$: {rank_corr:.2f})."
)
display_text

# %% tags=["hide-input"]
checks

# %% [markdown]
# ## What to take away
#
# * Complete and no pooling are the two ends of one dial: $\lambda_j = 0$ for every county,
#   and $\lambda_j = 1$ for every county. (The ends of the dial, taken at the mixed model's
#   own $\hat\mu$ and $\hat\beta$, are close to but not the same as the two separate fits.)
# * Partial pooling sets the dial **per county**, from the data: the estimate
#   $\hat\sigma_\alpha$ of how much counties really differ, and each county's size $n_j$.
# * Where the pooling comes from, and why the slope $\beta$ is not split this way, is the rest
#   of the site: [the shrinkage estimator](shrinkage.py), [the likelihood](likelihood.py),
#   [a common derivation, checked](derivation.py) and
#   [why $\beta$ has no split](why_beta.py).
