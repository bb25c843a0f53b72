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
# fraction $1-\lambda_j$ of the way to the population mean: small groups the largest fraction. This page derives the estimator, checks it on every county of
# the radon data, says in what sense $\hat\mu$ is the plain mean of the intercepts, and shows
# what the estimator does, and what its error bars mean.

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown
from scipy import stats

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import crosscheck, figures, reference
from partial_pooling.site.pooling_pays import oracle_conditional_risk
from partial_pooling.simulation import simulate_groups

radon = datasets.radon()
cols = {"y": "log_radon", "group": "county", "x": "floor"}
radon_model = pp.Model(radon, **cols)
fit = radon_model.fit(method="REML")
no_pool = radon_model.no_pooling()
complete = radon_model.complete_pooling()

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
# The same formula comes out of setting the derivative of the joint density of data and
# intercepts to zero; [a later page](derivation.py) checks a widely shared derivation that
# tries exactly that. Nothing in it assumes equal group sizes: each group carries its own
# $n_j$, hence its own $\lambda_j$. At the REML (or ML) estimates of
# $\mu, \beta, \sigma_\alpha, \sigma_y$ these are the intercepts a mixed-model library reports.
# For successes out of trials, [partial pooling of proportions](proportions.py) shows the same
# weight with $n_j/\sigma_y^2$ replaced by the curvature of a group's binomial log-likelihood.
#
# ## Checked on every county
#
# The closed form, computed from the group means and the REML estimates, against the group
# intercepts of statsmodels' MixedLM, fitted independently with tight settings: five counties
# from the smallest to the largest here, all of them in the folded table.

# %%
closed = radon_model.group_intercepts(
    mu=fit.mu, beta=fit.beta, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
)
table = pd.DataFrame(
    {
        "n_j": fit.n,
        "ybar_j - beta xbar_j": fit.adjusted_ybar,
        "lambda_j": pp.shrinkage_factor(
            fit.n, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
        ),
        "closed form": closed,
    }
).sort_values("n_j", kind="stable")
table.iloc[[0, 21, 42, 63, -1]].round(4)

# %% tags=["hide-input"]
sm = crosscheck.statsmodels_mixedlm(radon, **cols, method="REML")
table["statsmodels"] = sm.alpha.reindex(table.index)
table["difference"] = table["closed form"] - table["statsmodels"]
largest = table["difference"].abs().max()
checks = Checks("statsmodels MixedLM's intercepts (REML, fitted tightly)")
checks.close(
    f"closed form, all {fit.J} counties",
    table["closed form"],
    table["statsmodels"],
    rtol=0,
    atol=1e-6,
)
checks

# %% tags=["hide-input"]
HTML(
    f"<details class='pp-table'><summary>All {fit.J} counties: closed form beside "
    f"statsmodels</summary>"
    # the differences in exponent notation: rounded to 6 decimals they showed as 0.0 and -0.0
    + table.round(6)
    .assign(difference=table["difference"])
    .to_html(formatters={"difference": "{:.1e}".format})
    + "</details>"
)

# %% tags=["hide-input"]
Markdown(
    f"The largest difference over all {fit.J} counties is {largest:.1e}: the closed form *is* "
    "what the fitted model computes, to the precision of the optimizers. (The REML estimates "
    f"used: $\\hat\\mu$ = {fit.mu:.4f}, $\\hat\\beta$ = {fit.beta['floor']:.4f}, "
    f"$\\hat\\sigma_\\alpha$ = {fit.sigma_alpha:.4f}, $\\hat\\sigma_y$ = {fit.sigma_y:.4f}.)"
)

# %% [markdown]
# ## Why the estimated μ is the plain mean of the intercepts
#
# A common question: why is $\hat\mu = \frac1J\sum_j\hat\alpha_j$, an unweighted mean, when the
# counties are so unequal? The precise statement is:
#
# > At **any** values of $\sigma_\alpha > 0$ and $\sigma_y$, if $\hat\mu$ and $\hat\beta$ are
# > the GLS estimates at those values and the $\hat\alpha_j$ the intercepts predicted at those
# > values, then $\hat\mu$ is the unweighted mean of the $\hat\alpha_j$.
#
# It is *not* in general the size-weighted mean $\sum_j n_j\hat\alpha_j/N$: the two agree exactly
# when $\sum_j n_j(\hat\alpha_j - \hat\mu) = 0$, which equal group sizes guarantee (then
# $\sum_j(\hat\alpha_j - \hat\mu) = 0$ suffices), as does $\hat\sigma_\alpha = 0$ (every
# $\hat\alpha_j = \hat\mu$), and which unequal sizes can also meet by symmetry of the data
# (`tests/test_mu_hat_means.py` has all three cases); on radon they differ. It is *not* the
# plain mean of the groups' own
# adjusted means, and it is *not* the mean of the true $\alpha_j$ (those are unknown and differ
# from it by sampling error).
#
# Why: Henderson's mixed-model equations. With $y = Xb + Za + \varepsilon$ ($X$ the columns
# for $\mu$ and $\beta$, $Z$ the group indicators), the estimates solve
#
# $$
# X'(y - X\hat b - Z\hat a) = 0,
# \qquad
# \frac{1}{\sigma_y^2}Z'(y - X\hat b - Z\hat a) = \frac{1}{\sigma_\alpha^2}\,\hat a .
# $$
#
# The group columns sum to the intercept column, $Z1_J = 1_N$. Sum the $J$ rows of the second
# equation: the left side becomes $1_N'(y - X\hat b - Z\hat a)/\sigma_y^2$, which is the first
# row of the first equation and so zero. Hence $\sum_j\hat a_j = 0$, that is
# $\frac1J\sum_j\hat\alpha_j = \hat\mu$. The weighting is not missing; it is inside each
# $\hat\alpha_j$: big groups count more through $\lambda_j$, and eliminating the
# $\hat\alpha_j$ gives the precision-weighted form of the next section.

# %%
# (mu, beta) by dense GLS, with V = sigma_y^2 I + sigma_alpha^2 ZZ'
# (Z: the group indicators)
X, Z, y, _ = reference.design(radon, **cols)
rows = {}
for sa in [0.1, fit.sigma_alpha, 1.0]:
    mu_s, beta_s = reference.dense_gls(
        X, Z, y, sigma_alpha=sa, sigma_y=fit.sigma_y
    )[0]
    alpha_s = radon_model.group_intercepts(
        mu=mu_s, beta=beta_s, sigma_alpha=sa, sigma_y=fit.sigma_y
    )
    rows[f"sigma_alpha = {sa:.3g}"] = {
        "GLS mu": mu_s,
        "plain mean of alpha_j": alpha_s.mean(),
        "size-weighted mean": np.average(alpha_s, weights=fit.n),
        "plain mean of adjusted means": (
            fit.ybar - beta_s * fit.xbar["floor"]
        ).mean(),
    }
means = pd.DataFrame(rows).T
means.round(5)

# %% tags=["hide-input"]
rng = np.random.default_rng(20261126)
sim = simulate_groups(
    fit.n.to_numpy(),
    mu=fit.mu,
    beta=None,
    sigma_alpha=fit.sigma_alpha,
    sigma_y=fit.sigma_y,
    rng=rng,
)
sim_fit = pp.fit_random_intercept(sim.data, y="y", group="group", method="REML")
checks = Checks("dense GLS at each sigma_alpha")
for label, row in means.iterrows():
    checks.close(
        f"{label}: plain mean of alpha_j = GLS mu",
        row["plain mean of alpha_j"],
        row["GLS mu"],
        rtol=1e-10,
    )
checks.close(
    "REML fit: plain mean of alpha_j = mu-hat", fit.alpha.mean(), fit.mu, rtol=1e-12
)
checks.holds(
    "the size-weighted mean differs from mu-hat by more than 0.01 at every sigma",
    ((means["size-weighted mean"] - means["GLS mu"]).abs() > 0.01).all(),
)
checks.holds(
    "simulated: mu-hat = mean of its alpha-hat_j, not of the true alpha_j",
    abs(sim_fit.alpha.mean() - sim_fit.mu) < 1e-10
    and abs(sim.alpha.mean() - sim_fit.mu) > 1e-3,
)
checks

# %% tags=["hide-input"]
at_fit = means.iloc[1]
Markdown(
    f"At the REML estimate $\\hat\\sigma_\\alpha$ = {fit.sigma_alpha:.3f}, $\\hat\\mu$ = "
    f"{at_fit['GLS mu']:.4f} is the plain mean of the {fit.J} intercepts, while the size-weighted "
    f"mean is {at_fit['size-weighted mean']:.4f} and the plain mean of the counties' own "
    f"adjusted means is {at_fit['plain mean of adjusted means']:.4f}. In one data set "
    "simulated from the fitted model with the radon county sizes, the mean of the true "
    f"intercepts is {sim.alpha.mean():.4f} and the REML $\\hat\\mu$ is {sim_fit.mu:.4f}: "
    "equal to the mean of the *predicted* intercepts, not of the true ones."
)

# %% [markdown]
# ## The weight grows with group size
#
# $\lambda_j$ depends on the data only through $n_j$ and the ratio
# $\sigma_\alpha/\sigma_y$. Each curve of [Figure](#fig-lambda-vs-n) is one ratio; the orange points are the radon
# counties at their REML estimate.

# %% caption="The weight $\\lambda_j$ on a group's own data against its size $n_j$, one curve per ratio $\\sigma_\\alpha/\\sigma_y$; the points are the radon counties at their REML estimate." label="fig-lambda-vs-n"
figures.lambda_vs_n([0.1, 0.25, 0.5, 1.0, 2.0], n_max=150, observed=fit)

# %% [markdown]
# The curves cross one half where the two precisions are equal, $n_j/\sigma_y^2 =
# 1/\sigma_\alpha^2$, that is at $n_j = \sigma_y^2/\sigma_\alpha^2 = 1/\psi$. A group smaller
# than that is estimated mostly from the population; a larger one mostly from its own data.

# %% tags=["hide-input"]
n_half = 1 / fit.psi
below = int((fit.n < n_half).sum())
checks = Checks("the closed form")
checks.close(
    "lambda at n = 1/psi",
    pp.shrinkage_factor(n_half, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y),
    0.5,
    rtol=1e-12,
)
checks.holds(
    "more than half the counties are below 1/psi (the sentence says 'most')",
    below > fit.J / 2,
)
Markdown(
    f"For radon, $1/\\hat\\psi$ = {n_half:.1f} houses: {below} of the {fit.J} counties are "
    "smaller than that, so for most counties the population says more than the county's own "
    "houses."
)

# %% tags=["hide-input"]
checks

# %% [markdown]
# ## The precision weights
#
# This is the one place the site derives the weights $w_j$; other pages link here. Given the
# variances and $\beta$, group $j$'s adjusted mean is the population mean plus two independent
# errors, its intercept's deviation and the noise of its $n_j$ observations:
#
# $$
# \bar y_j - \beta\bar x_j = \mu_\alpha + a_j + \bar\varepsilon_j,
# \qquad
# \operatorname{Var}(\bar y_j - \beta\bar x_j) = \sigma_\alpha^2 + \frac{\sigma_y^2}{n_j}
# = \frac{1}{w_j}.
# $$
#
# The $J$ adjusted means are independent estimates of the one $\mu_\alpha$ with variances
# $1/w_j$, and the best linear unbiased combination weights each by its precision:
#
# $$
# \hat\mu_\alpha = \frac{\sum_j w_j(\bar y_j - \hat\beta\bar x_j)}{\sum_j w_j},
# \qquad
# w_j = \frac{1}{\sigma_\alpha^2 + \sigma_y^2/n_j},
# \qquad
# \sigma_y^2 w_j = n_j(1-\lambda_j).
# $$
#
# The last identity is $\sigma_y^2 n_j/(n_j\sigma_\alpha^2 + \sigma_y^2)$ written two ways. It
# says a group mean counts like $n_j(1-\lambda_j)$ observations: $w_j$ grows with $n_j$ but
# levels off at $1/\sigma_\alpha^2$, because even a perfectly measured group mean is one draw
# of $\alpha_j$. The same $w_j$ weights the group means in the slope's between part
# ([why $\beta$ has no split](why_beta.py)), and with $\hat\beta$ held fixed the
# [explorer](../explorer.md) recomputes $\hat\mu_\alpha$ by this formula.

# %% tags=["hide-input"]
w = 1 / (fit.sigma_alpha**2 + fit.sigma_y**2 / fit.n)
mu_dense = reference.dense_gls(X, Z, y, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)[0]
checks = Checks("dense GLS and the fit")
checks.close(
    "the w_j-weighted mean of the adjusted means = the fitted mu-hat",
    (w * fit.adjusted_ybar).sum() / w.sum(),
    fit.mu,
    rtol=1e-10,
)
checks.close(
    "= dense GLS mu at the REML variances", fit.mu, mu_dense[0], rtol=1e-8
)
checks.close(
    "sigma_y^2 w_j = n_j (1 - lambda_j), every county",
    fit.sigma_y**2 * w,
    fit.n * (1 - fit.shrinkage),
    rtol=1e-12,
)
checks.holds(
    "w_j below 1 / sigma_alpha^2 in every county", (w < 1 / fit.sigma_alpha**2).all()
)
checks

# %% [markdown]
# ## Small groups give up the largest fraction
#
# Against group size, the no-pooling estimates (left) fan out where groups are small; the
# partially pooled estimates (right) are drawn in toward $\hat\mu$ exactly there. What falls
# with $n_j$ is the *fraction* $1-\lambda_j$ of the way to $\hat\mu$ that a group moves; the
# distance it moves is that fraction times how far its own adjusted mean sits from $\hat\mu$,
# so it is not in order of size (counted below the arrows).
#
# The bars are two *different kinds* of interval. On the left, one ordinary least-squares
# standard error of the county's own estimate in the no-pooling fit,
# $\sqrt{s^2/n_j + \bar x_j^2\,\widehat{\operatorname{Var}}(\hat\beta_W)}$ with $s$ that fit's
# residual SD: how much the county's own estimate would vary over repeated samples of houses,
# for the county's fixed $\alpha_j$. On the right, one conditional standard
# deviation $\hat\sigma_\alpha\sqrt{1-\lambda_j}$: the spread of $\alpha_j$ given the data,
# over the population of counties that could have produced these data. It is computed at the
# estimates $\hat\mu$, $\hat\beta$, $\hat\sigma_\alpha$, $\hat\sigma_y$ as if they were the
# true values, so it leaves out their uncertainty
# ([full Bayes](regularization_bayes.py) averages over it).

# %% caption="The county intercepts against county size, no pooling (left) and partial pooling (right), with the population mean $\\hat\\mu_\\alpha$ and complete pooling as horizontal lines." label="fig-estimates-vs-size"
figures.estimates_vs_size(no_pool, fit, complete=complete)

# %% [markdown]
# [Figure](#fig-arrows) shows the same movement as arrows, from each county's no-pooling estimate to its partially pooled
# one:

# %% caption="Arrows from each county's no-pooling intercept to its partially pooled intercept, against county size, with the population mean $\\hat\\mu_\\alpha$ as a horizontal line." label="fig-arrows"
figures.shrinkage_arrows(no_pool, fit)

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.shrinkage_arrows)


# %%
distance = (fit.alpha - no_pool.alpha).abs()
by_size = (
    pd.DataFrame({"n_j": fit.n, "distance moved": distance})
    .groupby(pd.cut(fit.n, [0, 2, 5, 10, 25, 200]), observed=True)["distance moved"]
    .agg(["count", "mean", "max"])
)
by_size.rename_axis("n_j").round(3)

# %% tags=["hide-input"]
toward = int(((fit.alpha - fit.mu).abs() < (no_pool.alpha - fit.mu).abs()).sum())
fraction = 1 - fit.shrinkage
farthest = distance.idxmax()
size_rank = fit.n.corr(distance, method="spearman")
# the left panel's bars: OLS standard errors of the county dummies, dense least squares
dummies = pd.get_dummies(radon["county"]).reindex(columns=fit.n.index).to_numpy(float)
X_none = np.column_stack([dummies, radon["floor"].to_numpy()])
coef, rss, *_ = np.linalg.lstsq(X_none, radon["log_radon"].to_numpy(), rcond=None)
s2 = float(rss[0]) / (fit.N - fit.J - 1)
se_ols = np.sqrt(s2 * np.diag(np.linalg.inv(X_none.T @ X_none))[: fit.J])
checks = Checks("the statements above and dense least squares")
checks.close(
    "left bars: no pooling's s.e. = OLS s.e. of the county dummies",
    no_pool.cond_sd.reindex(fit.n.index).to_numpy(),
    se_ols,
    rtol=1e-8,
)
checks.holds(
    "1 - lambda_j falls with n_j, every county",
    bool((np.diff(fraction[fit.n.sort_values().index].to_numpy()) <= 1e-15).all()),
)
checks.holds(
    "the smallest counties move more, on average, than the largest",
    by_size["mean"].iloc[0] > by_size["mean"].iloc[-1],
)
checks.holds(
    "distance moved is not in order of size",
    -1 < size_rank and fit.n[farthest] > fit.n.min(),
)
Markdown(
    f"On radon, {toward} of the {fit.J} arrows end closer to $\\hat\\mu$ than they start, "
    f"and counties of one or two houses move {by_size['mean'].iloc[0]:.2f} on average, "
    f"against {by_size['mean'].iloc[-1]:.2f} for counties above 25. The fraction "
    "$1-\\lambda_j$ falls with $n_j$ in every county, but the distance moved does not: its "
    f"rank correlation with $n_j$ is {size_rank:.2f}, and the county that moves farthest, "
    f"{farthest.title()}, has {fit.n[farthest]} houses where the smallest have "
    f"{fit.n.min()}."
)

# %% tags=["hide-input"]
checks

# %% [markdown]
# ## More precise on average, not for every group
#
# For every county the conditional standard deviation is smaller than the no-pooling standard
# error,
#
# $$
# \sigma_\alpha^2(1-\lambda_j) = \Big(\frac{n_j}{\sigma_y^2} + \frac{1}{\sigma_\alpha^2}\Big)^{-1}
# < \frac{\sigma_y^2}{n_j},
# $$
#
# and it is tempting to read this as "shrinking also sharpens". It does, **on average over the
# population of groups**: $\sigma_\alpha^2(1-\lambda_j)$ is the mean squared error of the
# shrinkage estimate averaged over $\alpha_j \sim N(\mu, \sigma_\alpha^2)$ (with the parameters
# known). For one particular group it is not a guarantee. Given its true deviation
# $a_j = \alpha_j - \mu$, the shrinkage estimate has mean squared error (over the noise of the
# group's observations) $(1-\lambda_j)^2a_j^2 + \lambda_j^2\sigma_y^2/n_j$, which exceeds the
# no-pooling
# $\sigma_y^2/n_j$ once $|a_j| > \sigma_\alpha\sqrt{(1+\lambda_j)/\lambda_j}$: an exceptional
# group pays for the others ([why pooling pays](pooling_pays.py) simulates that price).

# %%
sizes = fit.n.sort_values(kind="stable")
shown = sizes.iloc[[0, 42, -1]].index
lam = fit.shrinkage[shown]
threshold = np.sqrt((1 + lam) / lam)  # in units of sigma_alpha
precision = pd.DataFrame(
    {
        "n_j": fit.n[shown],
        "no pooling s.e.": fit.sigma_y / np.sqrt(fit.n[shown]),
        "conditional s.d.": fit.cond_sd[shown],
        "worse beyond |a_j| / sigma_alpha": threshold,
        "share of groups that far out": 2 * stats.norm.sf(threshold),
    }
)
precision.round(4)

# %% tags=["hide-input"]
risk_at_threshold = oracle_conditional_risk(
    threshold * fit.sigma_alpha,
    fit.n[shown],
    sigma_alpha=fit.sigma_alpha,
    sigma_y=fit.sigma_y,
)
checks = Checks("the closed forms")
checks.close(
    "conditional variance = (n_j/sigma_y^2 + 1/sigma_alpha^2)^-1, all counties",
    fit.cond_sd**2,
    1 / (fit.n / fit.sigma_y**2 + 1 / fit.sigma_alpha**2),
    rtol=1e-12,
)
checks.holds(
    "conditional s.d. below the no-pooling s.e. in every county",
    (fit.cond_sd < fit.sigma_y / np.sqrt(fit.n)).all(),
)
checks.holds(
    "conditional s.d. below sigma_alpha in every county",
    (fit.cond_sd < fit.sigma_alpha).all(),
)
checks.close(
    "at the threshold, the group's risk equals no pooling's",
    risk_at_threshold,
    fit.sigma_y**2 / fit.n[shown],
    rtol=1e-12,
)
checks

# %% tags=["hide-input"]
Markdown(
    f"In the smallest county ($n_j$ = {fit.n[shown[0]]}) the trade is safe for all but "
    f"{precision['share of groups that far out'].iloc[0]:.1%} of counties, those more than "
    f"{threshold.iloc[0]:.1f} $\\sigma_\\alpha$ from $\\mu$; in the largest "
    f"($n_j$ = {fit.n[shown[-1]]}) the break-even point is nearer, "
    f"{threshold.iloc[-1]:.2f} $\\sigma_\\alpha$, but there the two estimates hardly differ."
)

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
# complete pooling. Four data sets show the range.

# %%
examples = {
    "radon (county)": (radon, "log_radon", "county", "floor"),
    "Dyestuff (batch)": (datasets.dyestuff(), "Yield", "Batch", None),
    "Dyestuff2 (batch)": (datasets.dyestuff2(), "Yield", "Batch", None),
    "sleepstudy (subject)": (datasets.sleepstudy(), "Reaction", "Subject", "Days"),
}
fits, rows = {}, {}
for name, (data, yname, g, x) in examples.items():
    f = fits[name] = pp.fit_random_intercept(
        data, y=yname, group=g, x=x, method="REML"
    )
    rows[name] = {
        "sigma_alpha": f.sigma_alpha,
        "sigma_y": f.sigma_y,
        "rho": pp.icc(sigma_alpha=f.sigma_alpha, sigma_y=f.sigma_y),
        "median n_j": f.n.median(),
        "median lambda_j": f.shrinkage.median(),
        "at boundary": f.at_boundary,
    }
icc_table = pd.DataFrame(rows).T
numbers = icc_table.drop(columns="at boundary").astype(float).round(4)
numbers.assign(
    **{"at boundary": icc_table["at boundary"].astype(bool)}
).rename_axis("REML fit")

# %% tags=["hide-input"]
checks = Checks("the closed form in rho")
for name, f in fits.items():
    r = pp.icc(sigma_alpha=f.sigma_alpha, sigma_y=f.sigma_y)
    checks.close(
        f"{name}: lambda_j = n_j rho / (1 + (n_j - 1) rho)",
        f.shrinkage,
        f.n * r / (1 + (f.n - 1) * r),
        rtol=1e-10,
        atol=1e-15,
    )
checks

# %% tags=["hide-input"]
Markdown(
    f"Radon's counties are similar ($\\hat\\rho$ = {icc_table.loc['radon (county)', 'rho']:.2f}) "
    "and mostly small, so pooling is strong. The Dyestuff batches differ a lot relative to "
    f"the noise ($\\hat\\rho$ = {icc_table.loc['Dyestuff (batch)', 'rho']:.2f}): each batch "
    "mostly keeps its own mean. For Dyestuff2 the REML estimate of $\\sigma_\\alpha$ is exactly "
    "zero, a boundary estimate: the batch means vary no more than noise alone would make them, "
    "every $\\lambda_j = 0$, and partial pooling *is* complete pooling. The package reports "
    "that boundary as such rather than as a tiny positive number. Sleepstudy's subjects differ "
    f"a lot ($\\hat\\rho$ = {icc_table.loc['sleepstudy (subject)', 'rho']:.2f}) and each has "
    f"{int(icc_table.loc['sleepstudy (subject)', 'median n_j'])} days, so the median "
    f"$\\lambda_j$ is {icc_table.loc['sleepstudy (subject)', 'median lambda_j']:.2f}: "
    "little pooling."
)

# %% [markdown]
# ## What to take away
#
# * The weight $\lambda_j$ is the group's share of the precision; it depends on $n_j$ and on
#   $\sigma_\alpha/\sigma_y$ (equivalently the intraclass correlation), nothing else.
# * With unequal groups every group gets its own weight; small groups give up the largest
#   fraction $1-\lambda_j$ of their own mean (the distance moved also depends on how far out
#   the group's mean is).
# * $\hat\mu$ is the plain mean of the predicted intercepts at any variance values, by
#   Henderson's equations; the weighting by size happens inside each $\hat\alpha_j$.
# * The estimates are more precise than the groups' own on average over the population of
#   groups; an exceptional group can lose.
# * The same weights reappear in what the slope estimate pools: see
#   [why $\beta$ has no split](why_beta.py).
# * With two grouping factors, crossed or nested, each level's effect is still $\lambda_j$
#   times a mean, of the data with the other factor's predicted effects taken out: see
#   [partial pooling along two classifications](two_classifications.py).
