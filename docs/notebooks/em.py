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
# # Estimating the intercept SD: the naive iteration and EM
#
# [The likelihood page](likelihood.py) showed that the joint density of data and intercepts
# cannot be maximized over $\sigma_\alpha$: it grows without bound as $\sigma_\alpha \to 0$.
# This page follows what that does to the natural recipe, "shrink the intercepts, then
# re-estimate $\sigma_\alpha^2$ from their spread": the shrunken $\hat\alpha_j$ vary less
# than the true intercepts, so the recipe underestimates $\sigma_\alpha$ and, iterated, on
# radon slides all the way to 0. The EM algorithm repairs exactly that, by adding each group's
# conditional variance, and lands on the ML estimate. The data and fits are those of the
# likelihood page (radon, ML and REML); the checks fold away under each result.

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import figures
from partial_pooling.simulation import simulate_groups

SEED = 20240611
radon = datasets.radon()
radon_model = pp.Model(radon, y="log_radon", group="county", x="floor")
ml = radon_model.fit(method="ML")

# %% [markdown]
# ## Why the naive variance estimate is too small
#
# The collapse of the joint density is not only a curiosity of the density at a point. The
# natural iterative recipe
# (shrink the intercepts at the current $\sigma_\alpha$, then re-estimate $\sigma_\alpha^2$ as
# their spread around $\mu$) uses
#
# $$
# \hat\sigma^2_{\alpha,\,\text{naive}} = \frac1J\sum_{j=1}^{J}(\hat\alpha_j - \mu)^2,
# $$
#
# which treats the shrunken $\hat\alpha_j$ as if they were the true intercepts. They are not:
# $\hat a_j = \hat\alpha_j - \mu = \lambda_j \bar r_j$ with $\bar r_j$ the group's mean residual,
# whose variance is $\sigma_\alpha^2 + \sigma_y^2/n_j$, so
#
# $$
# \operatorname{Var}(\hat a_j) = \lambda_j^2\Big(\sigma_\alpha^2 + \frac{\sigma_y^2}{n_j}\Big)
# = \lambda_j\,\sigma_\alpha^2 < \sigma_\alpha^2 .
# $$
#
# The shrunken estimates spread out less than the true intercepts, by the factor $\lambda_j$.
# What is missing is each group's conditional variance: the law of total variance gives
# $E[a_j^2 \mid y] = \hat a_j^2 + \operatorname{Var}(a_j \mid y)$ with
# $\operatorname{Var}(a_j \mid y) = \sigma_\alpha^2(1 - \lambda_j)$, and
# $\lambda_j\sigma_\alpha^2 + (1-\lambda_j)\sigma_\alpha^2 = \sigma_\alpha^2$. Adding it gives
# the EM update
#
# $$
# \hat\sigma^2_{\alpha,\,\text{EM}} = \frac1J\sum_{j=1}^{J}\Big[(\hat\alpha_j - \mu)^2
#   + \operatorname{Var}(a_j \mid y)\Big].
# $$
#
# At the ML estimates, the naive formula comes out smaller than $\hat\sigma_\alpha^2$, and the
# EM formula returns $\hat\sigma_\alpha^2$ exactly: the ML estimate is a fixed point of EM.
# (`ml.cond_sd` holds $\operatorname{sd}(a_j \mid y)$, what lme4 calls `condVar`.)

# %%
lam = ml.shrinkage
naive = pp.naive_sigma_alpha2(ml.alpha, ml.mu)
em_update = pp.em_sigma_alpha2(ml.alpha, ml.mu, ml.cond_sd**2)
pd.Series(
    {
        "ML sigma_alpha^2": ml.sigma_alpha**2,
        "naive: mean of (alpha_hat_j - mu)^2": naive,
        "EM: naive + mean Var(a_j | y)": em_update,
    },
    name="at the ML fit",
).to_frame().round(8)

# %% tags=["hide-input"]
checks = Checks("the closed forms")
checks.close(
    "lambda_j^2 (sigma_alpha^2 + sigma_y^2/n_j) = lambda_j sigma_alpha^2",
    lam**2 * (ml.sigma_alpha**2 + ml.sigma_y**2 / ml.n),
    lam * ml.sigma_alpha**2,
    rtol=1e-12,
)
checks.close(
    "Var(a_j | y) = sigma_alpha^2 (1 - lambda_j)",
    ml.cond_sd**2,
    ml.sigma_alpha**2 * (1 - lam),
    rtol=1e-12,
)
checks.holds("naive below the ML estimate", naive < ml.sigma_alpha**2)
checks.close(
    "EM update = ML estimate (fixed point)", em_update, ml.sigma_alpha**2, rtol=1e-9
)
checks

# %% [markdown]
# The same thing on average, by simulation: we draw data sets from the model with the radon
# counties' sizes $n_j$ and the ML estimates as the true $\sigma_\alpha$ and $\sigma_y$ (no
# covariate, to keep it quick), fit each by ML and by REML, and average the three estimates of
# $\sigma_\alpha^2$.

# %%
rng = np.random.default_rng(SEED)
truth = ml.sigma_alpha**2
draws = []
for _ in range(120):
    sim = simulate_groups(
        ml.n.to_numpy(),
        mu=ml.mu,
        beta=None,
        sigma_alpha=ml.sigma_alpha,
        sigma_y=ml.sigma_y,
        rng=rng,
    )
    sim_model = pp.Model(sim.data, y="y", group="group")
    fit_ml = sim_model.fit(method="ML")
    fit_reml = sim_model.fit(method="REML")
    draws.append(
        {
            "naive (at the ML fit)": pp.naive_sigma_alpha2(fit_ml.alpha, fit_ml.mu),
            "ML": fit_ml.sigma_alpha**2,
            "REML": fit_reml.sigma_alpha**2,
        }
    )
draws = pd.DataFrame(draws)
summary = pd.DataFrame({"mean": draws.mean(), "standard error": draws.sem()})
summary["mean / truth"] = summary["mean"] / truth
summary.round(4)

# %% tags=["hide-input"]
checks = Checks("the truth of the simulation")
checks.holds(
    "naive below 0.75 of the truth on average",
    summary.loc["naive (at the ML fit)", "mean / truth"] < 0.75,
)
for method in ["ML", "REML"]:
    checks.holds(
        f"{method} within 3 Monte Carlo s.e. of the truth",
        abs(summary.loc[method, "mean"] - truth)
        < 3 * summary.loc[method, "standard error"],
    )
checks.holds(
    "REML above ML on average",
    summary.loc["REML", "mean"] > summary.loc["ML", "mean"],
)
checks

# %% tags=["hide-input"]
Markdown(
    f"On the radon data, at the ML fit, the naive estimate is "
    f"{naive / ml.sigma_alpha**2:.0%} of $\\hat\\sigma_\\alpha^2$ (ML); the average "
    f"$\\lambda_j$ over the counties is {lam.mean():.2f}: many counties have only a few houses, "
    f"so their $\\hat\\alpha_j$ sit close to $\\mu$ and add little spread. "
    f"Over {len(draws)} simulated data sets with true $\\sigma_\\alpha^2$ = {truth:.4f}, the "
    f"naive estimate averages "
    f"{summary.loc['naive (at the ML fit)', 'mean / truth']:.0%} of the truth, close to the "
    f"average $\\lambda_j$ (times $\\sigma_\\alpha^2$) derived above. ML averages "
    f"{summary.loc['ML', 'mean / truth']:.0%} of the truth and REML "
    f"{summary.loc['REML', 'mean / truth']:.0%}: both within three standard errors of the "
    f"truth, REML a little higher, as it should be (it corrects ML's small downward bias)."
)

# %% [markdown]
# More groups do not fix it. The factor $\overline{\lambda}$ depends on the group sizes and on
# $\sigma_\alpha/\sigma_y$, not on $J$: repeat every county size four times and the naive
# estimate, at the ML fit of each simulated data set, stays about as far below the truth.

# %%
more = []
for _ in range(60):
    sim = simulate_groups(
        np.tile(ml.n.to_numpy(), 4),
        mu=ml.mu,
        beta=None,
        sigma_alpha=ml.sigma_alpha,
        sigma_y=ml.sigma_y,
        rng=rng,
    )
    fit_4 = pp.fit_random_intercept(sim.data, y="y", group="group", method="ML")
    more.append(pp.naive_sigma_alpha2(fit_4.alpha, fit_4.mu) / truth)
by_J = pd.DataFrame(
    {
        "mean of naive / truth": [
            np.mean(draws["naive (at the ML fit)"] / truth),
            np.mean(more),
        ],
        "MC s.e.": [
            draws["naive (at the ML fit)"].sem() / truth,
            pd.Series(more).sem(),
        ],
        "mean lambda_j (truth)": [lam.mean(), lam.mean()],
    },
    index=[f"J = {ml.J}", f"J = {4 * ml.J}"],
)
by_J.round(3)

# %% tags=["hide-input"]
checks = Checks("the truth of the simulation")
for label, row in by_J.iterrows():
    checks.holds(
        f"{label}: naive / truth within 0.05 of mean lambda_j",
        abs(row["mean of naive / truth"] - row["mean lambda_j (truth)"]) < 0.05,
    )
checks.holds(
    "the factor does not move toward 1 with 4x the groups",
    abs(by_J.iloc[1, 0] - by_J.iloc[0, 0])
    < 4 * np.hypot(by_J.iloc[0, 1], by_J.iloc[1, 1]) + 0.02,
)
display(checks)
Markdown(
    f"With {ml.J} groups the naive estimate averages {by_J.iloc[0, 0]:.2f} of the truth, "
    f"with {4 * ml.J} groups {by_J.iloc[1, 0]:.2f}; $\\overline{{\\lambda}}$ = "
    f"{lam.mean():.2f}. The bias is a property of the group sizes, not of having few groups."
)

# %% [markdown]
# ## The two iterations side by side
#
# `radon_model.em_path` runs EM: shrink, then update $\sigma_\alpha^2$ and $\sigma_y^2$ *with*
# the conditional variances. `radon_model.joint_mode_path` runs the same loop without them. Both
# start from the same deliberately poor guess below the ML estimate. EM climbs to the ML
# estimate and never lowers the marginal likelihood on the way; the naive iteration shrinks
# harder at each pass, which lowers $\sigma_\alpha$, which shrinks harder still, down to
# $\sigma_\alpha = 0$: complete pooling. [Figure](#fig-em-vs-joint) follows both.

# %%
start = {"sigma_alpha": 0.1, "sigma_y": 1.0}
em = radon_model.em_path(**start)
naive_path = radon_model.joint_mode_path(**start)
complete = radon_model.complete_pooling()

# %% caption="$\\sigma_\\alpha$ at each iteration from the same poor start: EM climbs to the ML estimate, the naive joint-mode iteration falls to $\\sigma_\\alpha = 0$." label="fig-em-vs-joint"
figures.em_vs_joint_mode(em, naive_path, ml.sigma_alpha)

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.em_vs_joint_mode)


# %% tags=["hide-input"]
checks = Checks("the ML fit and complete pooling")
checks.close(
    "EM's end point = the ML estimates",
    em.iloc[-1][["sigma_alpha", "sigma_y", "mu", "floor"]],
    [ml.sigma_alpha, ml.sigma_y, ml.mu, ml.beta["floor"]],
    rtol=1e-6,
)
checks.holds(
    "EM never lowers the marginal likelihood",
    (np.diff(em["loglik"]) >= -1e-9).all(),
)
checks.holds(
    "the naive iteration ends at sigma_alpha = 0 (as a double)",
    naive_path["sigma_alpha"].iloc[-1] == 0.0,
)
checks.close(
    "its end point's marginal log-likelihood = complete pooling's",
    naive_path["loglik"].iloc[-1],
    complete.loglik,
    rtol=1e-10,
)
checks

# %% tags=["hide-input"]
Markdown(
    f"From $\\sigma_\\alpha$ = {start['sigma_alpha']}, $\\sigma_y$ = {start['sigma_y']}, EM "
    f"reaches the ML estimate $\\hat\\sigma_\\alpha$ = {em['sigma_alpha'].iloc[-1]:.6f} "
    f"(log-likelihood {em['loglik'].iloc[-1]:.4f}) in {em.index[-1]} passes. The naive "
    f"iteration falls ever faster (once $\\sigma_\\alpha$ is small, $\\lambda_j \\approx "
    f"n_j\\psi$ and each pass roughly squares $\\sigma_\\alpha$): it converges to 0, and "
    f"after {naive_path.index[-1]} passes its value underflows to the double 0.0 (the "
    "last passes are below), where its marginal "
    f"log-likelihood is complete pooling's, {naive_path['loglik'].iloc[-1]:.4f}."
)

# %% [markdown]
# Why "underflows": once $\sigma_\alpha$ is small, $\lambda_j \approx n_j\sigma_\alpha^2/\sigma_y^2$
# and a pass roughly squares $\sigma_\alpha$ (in units of $\sigma_y$), so the number of
# leading zeros doubles at each pass. Mathematically every pass gives a positive value.

# %% tags=["hide-input"]
last_positive = naive_path["sigma_alpha"][naive_path["sigma_alpha"] > 0]
# the next pass in exact arithmetic: sigma_next^2 = mean((lambda_j rbar_j)^2), with
# lambda_j = n_j s^2 / (n_j s^2 + sigma_y^2); factor s^2 out so that nothing underflows
end = naive_path.iloc[-2]
s_last = last_positive.iloc[-1]
rbar = ml.ybar - end["mu"] - end["floor"] * ml.xbar["floor"]
scaled = ml.n / (ml.n * s_last**2 + end["sigma_y"] ** 2) * rbar
log10_next = 2 * np.log10(s_last) + 0.5 * np.log10(np.mean(scaled**2))
log10_largest = 2 * np.log10(s_last) + np.log10(scaled.abs().max())
checks = Checks("the iteration's path")
checks.holds(
    "sigma_alpha decreases at every pass",
    (np.diff(naive_path["sigma_alpha"]) <= 0).all(),
)
checks.holds(
    "the last value is 0.0 and the one before it is below 1e-50",
    naive_path["sigma_alpha"].iloc[-1] == 0.0 and s_last < 1e-50,
)
checks.holds("the next pass, exactly, is positive", np.isfinite(log10_next))
display(checks)
Markdown(
    f"The last positive value is $\\sigma_\\alpha$ = {s_last:.1e}, after "
    f"{len(last_positive) - 1} passes. The next pass should give about "
    f"$10^{{{log10_next:.0f}}}$, but computing it squares the shrunken deviations, at most "
    f"about $10^{{{log10_largest:.0f}}}$, to below the smallest positive double (about "
    "$5 \\times 10^{-324}$), and the result is stored as exactly 0: floating-point underflow, "
    "not a limit reached."
)

# %% [markdown]
# The naive iteration does not always collapse. On lme4's sleepstudy data (reaction time
# against days of sleep deprivation, a few subjects with many days each) the groups are large
# and far apart, every $\lambda_j$ is close to 1, and the naive loop, started at the ML estimate, stops at a
# non-zero fixed point, still below ML. $\sigma_\alpha = 0$ remains a fixed point too: started
# low, the loop collapses there as well. Either way it is not the ML estimate.

# %%
sleep = datasets.sleepstudy()
sleep_model = pp.Model(sleep, y="Reaction", group="Subject", x="Days")
ml_sleep = sleep_model.fit(method="ML")
from_ml = sleep_model.joint_mode_path(
    sigma_alpha=ml_sleep.sigma_alpha, sigma_y=ml_sleep.sigma_y
)
from_low = sleep_model.joint_mode_path(sigma_alpha=1.0, sigma_y=ml_sleep.sigma_y)
end = from_ml.iloc[-1]
refit = sleep_model.group_intercepts(
    mu=end["mu"],
    beta=end["Days"],
    sigma_alpha=end["sigma_alpha"],
    sigma_y=end["sigma_y"],
)
pd.DataFrame(
    {
        "ML": [ml_sleep.sigma_alpha, ml_sleep.sigma_y, ml_sleep.loglik],
        "naive, started at ML": end[
            ["sigma_alpha", "sigma_y", "loglik"]
        ].to_numpy(),
        "naive, started at sigma_alpha = 1": from_low.iloc[-1][
            ["sigma_alpha", "sigma_y", "loglik"]
        ].to_numpy(),
    },
    index=["sigma_alpha", "sigma_y", "marginal loglik"],
).round(4)

# %% tags=["hide-input"]
checks = Checks("the naive update at its end point")
checks.close(
    "a fixed point: the plug-in at the end returns its sigma_alpha^2",
    pp.naive_sigma_alpha2(refit, end["mu"]),
    end["sigma_alpha"] ** 2,
    rtol=1e-9,
)
checks.holds(
    "started at ML, it stops above 0 and below ML",
    0 < end["sigma_alpha"] < ml_sleep.sigma_alpha,
)
checks.holds(
    "started at sigma_alpha = 1, it ends at 0.0",
    from_low["sigma_alpha"].iloc[-1] == 0.0,
)
checks.holds(
    "equal group sizes, equal lambda_j", np.ptp(ml_sleep.shrinkage) < 1e-12
)
checks

# %% tags=["hide-input"]
Markdown(
    f"Sleepstudy has $J$ = {ml_sleep.J} subjects with $n_j$ = {ml_sleep.n.iloc[0]} days each, "
    f"so the ML $\\lambda_j$ are all {ml_sleep.shrinkage.min():.3f}, and the naive "
    f"fixed point has $\\sigma_\\alpha$ = {end['sigma_alpha']:.3f} against ML's "
    f"{ml_sleep.sigma_alpha:.3f}, "
    f"{100 * (1 - end['sigma_alpha'] / ml_sleep.sigma_alpha):.1f}% low. The check above "
    f"confirms it is a fixed point: shrinking at those values and taking the spread of the "
    f"$\\hat\\alpha_j$ returns the same $\\sigma_\\alpha$."
)

# %% [markdown]
# ## What this means
#
# - Treating the $\hat\alpha_j$ as data to estimate $\sigma_\alpha$ underestimates it,
#   because shrinkage removes spread: by the factor $\lambda_j$, group by group.
# - Iterated, the naive recipe can drive $\sigma_\alpha$ all the way to 0, complete pooling;
#   with large, well-separated groups it stops at a non-zero fixed point that is still too
#   low. Either way it is not the ML estimate.
# - Adding back each group's conditional variance (EM) fixes this and converges to the ML
#   estimate, never lowering the marginal likelihood on the way. The identity (6) of
#   [the likelihood page](likelihood.py) says why in one line. The
#   [derivation page](derivation.py) finds the same plug-in in a widely shared hand
#   derivation.
