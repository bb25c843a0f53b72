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
# # Efron and Morris's baseball players
#
# Shrinkage on real data with a known answer: shrunken estimates from 45 at-bats predict the
# rest of the season several times better than the players' own averages. This page reproduces
# Efron and Morris's numbers, fits the same data as a random-intercept model, and compares the
# predictions. [Why pooling pays](pooling_pays.py) explains, by simulation, why shrinking
# wins on average and what it costs an exceptional player. The checks fold away under each
# result.

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import crosscheck, figures
from partial_pooling.site import pooling_pays as pays

# %% [markdown]
# ## The James-Stein estimator
#
# %% [markdown]
# The classic real-data demonstration (Efron and Morris 1975, 1977; [data](../data.md)): the
# batting averages $y_j$ of 18 major-league players after their first 45 at-bats of 1970,
# used to predict each player's average over the rest of the season. Efron and Morris shrank
# the averages toward their grand mean $\bar y$ with the James-Stein estimator
#
# $$
# z_j = \bar y + c\,(y_j - \bar y), \qquad
# c = 1 - \frac{(k-3)\,\sigma^2}{\sum_{j=1}^k (y_j - \bar y)^2}, \qquad
# \sigma^2 = \frac{\bar y(1-\bar y)}{45},
# $$
#
# with $k = 18$ players; $c$ plays the part of $\lambda_j$. They report $\bar y$ = .265,
# $c$ = .212 and, for Roberto Clemente, $z$ = .294:

# %%
em = datasets.efron_morris()
js = pays.james_stein(em.set_index("name")["average"], n=45)
y = em["average"].to_numpy()
published = {"grand mean": 0.265, "c": 0.212, "Clemente's z": 0.294}
computed = {
    "grand mean": js.grand_mean,
    "c": js.c,
    "Clemente's z": js.estimate["Roberto Clemente"],
}
pd.DataFrame({"published": published, "computed": computed})

# %% tags=["hide-input"]
c_dense = 1 - (
    (len(y) - 3) * (y.mean() * (1 - y.mean()) / 45) / np.sum((y - y.mean()) ** 2)
)
checks = Checks("Efron and Morris's published values (to their 3 digits)")
checks.close("c written out", js.c, c_dense, rtol=1e-14)
for key in published:
    checks.close(key, computed[key], published[key], rtol=0, atol=5e-4)
checks

# %% [markdown]
# ## The same data as a random-intercept model
#
# To fit partial pooling we need individual observations, so each player becomes a group of 45
# at-bats coded $y_{ij} = 1$ for a hit and 0 otherwise: an 810-row data frame whose group means
# are exactly the batting averages. We chose this over feeding the 18 averages to a
# "known-variance" model because it is the model the rest of the site fits, with nothing fixed
# by hand: REML estimates $\sigma_\alpha$ and $\sigma_y$ from the data. The known-variance model,
# where each group brings only an estimate and its standard error, is the subject of
# [the eight schools](eight_schools.py).
#
# > The approximation: the model treats 0/1 outcomes as normal with one common variance
# > $\sigma_y^2$, while a Bernoulli variance $p_j(1-p_j)$ differs a little from player to player.
# > With 45 trials per player the group means are close to normal, and over the range of
# > averages here $p(1-p)$ varies by less than the sampling noise, so the normal model is a
# > reasonable stand-in. It is the same approximation James-Stein makes with its single
# > $\sigma^2$.
# >
# > The page [partial pooling of proportions](proportions.py) fits the same at-bats with the
# > binomial (logistic) model instead, and compares the two.

# %%
trials = pays.trials_frame(em.set_index("name")["hits"], 45)
trials_model = pp.Model(trials, y="y", group="group")
fit = trials_model.fit(method="REML")
sm = crosscheck.statsmodels_mixedlm(trials, y="y", group="group", method="REML")
pd.Series(
    {
        "J": fit.J,
        "N": fit.N,
        "sigma_alpha (REML)": fit.sigma_alpha,
        "sigma_y (REML)": fit.sigma_y,
        "lambda_j": fit.shrinkage.iloc[0],
        "mu": fit.mu,
    }
)

# %% tags=["hide-input"]
checks = Checks("statsmodels MixedLM (REML, fitted tightly)")
checks.close(
    "the 18 intercepts",
    fit.alpha,
    sm.alpha,
    rtol=0,
    atol=1e-7,
)
checks.close("sigma_alpha^2", fit.sigma_alpha**2, sm.sigma_alpha**2, rtol=1e-5)
checks

# %% [markdown]
# REML shrinks harder than
# James-Stein: its weight on each player's own average is smaller than $c$. The reason is one
# degree of freedom count. In this balanced one-way layout with between- and within-player mean
# squares $\text{MSB}$ and $\text{MSW}$, REML gives $\hat\sigma_y^2 = \text{MSW}$ and
# $\hat\sigma_\alpha^2 = (\text{MSB} - \text{MSW})/n$, so
#
# $$
# 1 - \hat\lambda = \frac{\hat\sigma_y^2}{n\hat\sigma_\alpha^2 + \hat\sigma_y^2}
# = \frac{\text{MSW}}{\text{MSB}}
# = \frac{(k-1)\,\hat\sigma_y^2/n}{\sum_j (\bar y_j - \bar y)^2},
# $$
#
# the same as $1 - c$ except for $k - 1$ in place of James-Stein's $k - 3$ (and REML's
# $\hat\sigma_y^2$ in place of $\bar y(1-\bar y)$). James-Stein's $k-3$ makes
# $(k-3)\sigma^2/\sum_j(y_j-\bar y)^2$ an unbiased estimate of the shrinkage toward the mean;
# the REML plug-in overshoots it. With $k$ = 18 that is a modest change in $1 - \lambda$ but a
# large one in $\lambda$ itself, since $\lambda$ is small here.

# %%
anova = trials_model.one_way_anova()
msw, msb = anova["MSW"], anova["MSB"]
ybar_j = trials.groupby("group")["y"].mean()
one_minus_lambda = 1 - fit.shrinkage.iloc[0]
pd.Series(
    {
        "1 - lambda (REML fit)": one_minus_lambda,
        "MSW / MSB (ANOVA)": msw / msb,
        "1 - c (James-Stein)": 1 - js.c,
    }
)

# %% tags=["hide-input"]
checks = Checks("the mean squares written out")
checks.close("1 - lambda = MSW / MSB", one_minus_lambda, msw / msb, rtol=1e-8)
checks.holds("REML shrinks harder than James-Stein", (fit.shrinkage < js.c).all())
checks.close("sigma_y^2 = MSW", fit.sigma_y**2, msw, rtol=1e-8)
checks.close(
    "1 - lambda = (k - 1) sigma_y^2 / n / sum (ybar_j - ybar)^2",
    one_minus_lambda,
    (len(ybar_j) - 1) * msw / 45 / ((ybar_j - ybar_j.mean()) ** 2).sum(),
    rtol=1e-8,
)
checks

# %% [markdown]
# ## Predicting the rest of the season
#
# Efron and Morris's picture ([Figure](#fig-efron-morris)): each player's first-45 average, his two shrunken estimates and
# what he actually hit for the rest of the season, joined by a line.

# %% caption="Each player's batting average over his first 45 at-bats, his two shrunken estimates and what he hit for the rest of the season, joined by a line per player." label="fig-efron-morris"
estimates = pays.baseball_estimates(em, method="REML")
figures.efron_morris_plot(
    estimates, label=["Roberto Clemente", "Thurman Munson", "Max Alvis"]
)

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.efron_morris_plot)


# %%
totals = pays.squared_error_totals(estimates)
totals.index = [
    "first 45 at-bats (no pooling)",
    "grand mean (complete pooling)",
    "James-Stein",
    "partial pooling (REML)",
]
ratio_js = totals.iloc[0] / totals.loc["James-Stein"]
ratio_reml = totals.iloc[0] / totals.loc["partial pooling (REML)"]
closer = int(
    (
        np.abs(estimates["james_stein"] - estimates["rest_average"])
        < np.abs(estimates["none"] - estimates["rest_average"])
    ).sum()
)
noise_floor = float(
    (em["rest_average"] * (1 - em["rest_average"]) / em["rest_at_bats"]).sum()
)
totals.to_frame("total squared error").assign(
    **{"relative to no pooling": totals / totals.iloc[0]}
)

# %% tags=["hide-input"]
checks = Checks("Efron and Morris's reported factor")
checks.holds(
    "James-Stein beats the raw averages", totals.loc["James-Stein"] < totals.iloc[0]
)
checks.holds(
    "REML partial pooling beats them too",
    totals.loc["partial pooling (REML)"] < totals.iloc[0],
)
checks.holds(
    "the factor rounds to 3.5, as Efron and Morris report",
    round(ratio_js, 1) == 3.5,
)
checks.holds(
    "the noise floor is below James-Stein's total",
    noise_floor < totals.loc["James-Stein"],
)
display(checks)
Markdown(
    "Summed over the 18 players, the squared error of the raw averages as predictions of the "
    f"rest of the season is {totals.iloc[0]:.4f}; James-Stein's is "
    f"{totals.loc['James-Stein']:.4f}, {ratio_js:.2f} times smaller, the factor of about 3.5 "
    "that Efron and Morris (1975, 1977) report. James-Stein is closer for "
    f"{closer} of the {len(em)} players. REML partial pooling does about as well "
    f"({totals.loc['partial pooling (REML)']:.4f}, {ratio_reml:.2f} times smaller than the raw "
    "averages); so does the grand mean alone "
    f"({totals.loc['grand mean (complete pooling)']:.4f}): 45 at-bats say little about a "
    "player, $\\hat\\lambda$ is small, and all the shrunken estimates sit near the grand mean. "
    "The targets are noisy too: with binomial noise over each player's remaining at-bats, even "
    "a perfect estimate of every player's ability would have an expected total squared error "
    f"of about {noise_floor:.4f} against these rest-of-season averages. Subtracting that floor "
    f"from both totals, the raw averages' error in estimating ability is about "
    f"{(totals.iloc[0] - noise_floor) / (totals.loc['James-Stein'] - noise_floor):.0f} times "
    "James-Stein's: the totals understate the gain."
)
