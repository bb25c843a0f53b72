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
# # Predicting a new house
#
# A fitted mixed model answers two different prediction questions (Gelman and Hill 2007,
# section 12.8): what radon level to expect in a new house **in a county we have measured**,
# and in a house **in a county we have never measured**. Both point predictions use the
# population line; only the first uses the county's partially pooled effect. Their intervals
# differ mainly in one term, the uncertainty about the county's effect, which shrinks with the
# county's data in the first case and is the whole population spread $\sigma_\alpha^2$ in the
# second (the fixed-effect term changes a little too: the known county's prediction leans on
# its own mean for the share $\lambda_j$). We use the radon model with floor and county uranium from
# [the previous page](group_predictor.py), fitted by REML, and check the intervals' coverage by
# simulation.

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from scipy import integrate, stats

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import crosscheck
from partial_pooling.prediction import coverage_given_effect, predict

radon = datasets.radon()
cols = {"y": "log_radon", "group": "county", "x": ['floor', 'uranium']}
radon_model = pp.Model(radon, **cols)
fit = radon_model.fit(method="REML")

# %% [markdown]
# ## The point prediction and its error
#
# A new basement measurement $\tilde y$ with covariates $\tilde x$ (here floor = 0 and the
# county's uranium $u_j$) in county $j$ is
# $\tilde y = \mu_\alpha + \tilde x'\beta + a_j + \tilde\varepsilon$. Its prediction is
#
# $$
# \begin{aligned}
# \hat y &= \hat\alpha_j + \tilde x'\hat\beta &&\text{(a measured county)},\\
# \hat y &= \hat\mu_\alpha + \tilde x'\hat\beta &&\text{(a new county)}.
# \end{aligned}
# $$
#
# With $b = (\mu_\alpha, \beta)$, $\tilde z = (1, \tilde x)$ and $\bar z_j = (1, \bar x_j)$,
# the prediction error at given variance components has variance
#
# $$
# \begin{aligned}
# \operatorname{Var}(\hat y - \tilde y)
# &= \underbrace{c_j'\operatorname{Var}(\hat b)\,c_j}_{\text{fixed effects}}
# + \underbrace{\sigma_\alpha^2(1 - \lambda_j)}_{\text{county effect}}\\
# &\quad + \underbrace{\sigma_y^2}_{\text{new house}},\\
# c_j &= \tilde z - \lambda_j\bar z_j,
# \end{aligned}
# $$
#
# and for a new county the same with $\lambda_j = 0$: $\tilde z'\operatorname{Var}(\hat b)
# \tilde z + \sigma_\alpha^2 + \sigma_y^2$. The terms add because the error of the county's
# conditional mean at known $b$, $E(a_j \mid y) - a_j$, is uncorrelated with every function
# of the data, $\hat b$ included. This is Henderson's (1975) prediction error variance. The interval is
# $\hat y \pm 1.96$ times its square root, with the REML estimates plugged in for
# $\sigma_\alpha$ and $\sigma_y$.
#
# **What the interval ignores:** the uncertainty of $\hat\sigma_\alpha$ and $\hat\sigma_y$
# themselves (Kackar and Harville 1984), and any error in the model (normality, one common
# floor effect, uranium entering linearly). It is for one new *measurement*, on the log scale.

# %% [markdown]
# Three cases: a basement in the largest county, in one of the counties with two houses, and in
# a new county whose uranium level is the median of the 85 counties.

# %%
big = fit.n.idxmax()
small = fit.n[fit.n == 2].index[0]
u = fit.xbar["uranium"]
new = pd.DataFrame(
    {
        "county": [big, small, "a new county"],
        "floor": 0.0,
        "uranium": [u[big], u[small], u.median()],
    }
)
pred = predict(fit, new, level=0.95)
shown = pred.assign(n_j=[fit.n[big], fit.n[small], 0]).set_index(new["county"])
columns = ["n_j", "point", "var_fixed", "var_group", "var_residual"]
shown[[*columns, "lower", "upper"]].round(4)

# %% tags=["hide-input"]
share = pred["var_residual"] / pred["sd"] ** 2
Markdown(
    f"The new house's own noise $\\hat\\sigma_y^2$ = {fit.sigma_y**2:.4f} (REML) dominates "
    f"every interval: it is {100 * share.min():.0f}% to {100 * share.max():.0f}% of the variance. "
    f"The county term is what pooling changes: {pred['var_group'].iloc[0]:.4f} in {big} "
    f"($n_j$ = {fit.n[big]}), {pred['var_group'].iloc[1]:.4f} in {small} ($n_j$ = 2) and the "
    f"full $\\hat\\sigma_\\alpha^2$ = {fit.sigma_alpha**2:.4f} (REML) in a new county. On the radon "
    f"scale (pCi/L) the intervals are the exponentials of these: from "
    f"{np.exp(pred['lower'].iloc[0]):.2f} to {np.exp(pred['upper'].iloc[0]):.2f} for the "
    f"basement in {big}, a factor of {np.exp(pred['upper'].iloc[0] - pred['point'].iloc[0]):.1f} "
    "either side of the median prediction."
)

# %% tags=["hide-input"]
# Independent computations: statsmodels' fitted random effects for the points; the inverse
# of Henderson's mixed-model equations, with dense matrices, for the variances.
sm = crosscheck.statsmodels_mixedlm(radon, **cols, method="REML")
re = np.append(sm.a[[big, small]].to_numpy(), 0.0)  # a new county: a_j = 0
Z_new = np.column_stack([np.ones(3), new[["floor", "uranium"]].to_numpy()])
labels = list(fit.alpha.index)
X = np.column_stack(
    [np.ones(len(radon)), radon[["floor", "uranium"]].to_numpy(float)]
)
Zg = (radon["county"].to_numpy()[:, None] == np.array(labels)[None, :]).astype(
    float
)
mme = np.block(
    [[X.T @ X, X.T @ Zg], [Zg.T @ X, Zg.T @ Zg + np.eye(len(labels)) / fit.psi]]
)
C = fit.sigma_y**2 * np.linalg.inv(mme)
pev = []
for k, county in enumerate(new["county"]):
    e = (np.array(labels) == county).astype(float)
    ell = np.concatenate([Z_new[k], e])
    extra = 0.0 if e.any() else fit.sigma_alpha**2  # a new county's own effect
    pev.append(ell @ C @ ell + extra + fit.sigma_y**2)
checks = Checks(
    "statsmodels (REML, fitted tightly) and Henderson's equations (dense)"
)
checks.close(
    "point predictions",
    pred["point"],
    Z_new @ sm.fixed.to_numpy() + re,
    rtol=1e-8,
)
checks.close("prediction error variances", pred["sd"] ** 2, pev, rtol=1e-9)
checks.close(
    "interval = point -/+ 1.96 sd",
    pred["upper"] - pred["point"],
    1.959963984540054 * pred["sd"],
    rtol=1e-12,
)
checks

# %% [markdown]
# ## Do the intervals cover 95%?
#
# The formula is exact only at the true variance components, and it averages over the
# population of counties. The simulation below asks what the plug-in interval delivers. From
# the fitted model (REML), it draws new county effects $a_j \sim N(0, \hat\sigma_\alpha^2)$ and
# new data for all 919 houses with the same floors and counties, plus one new house in each
# county (the covariates of the county's first house) and one in a new county for each of
# those covariates. It then **refits** the model (so the variance estimates vary from data set
# to data set, as they would in reality), computes the 95% intervals and records the fraction
# covered. The Monte Carlo standard error is the SD of that fraction over data sets divided by
# the square root of their number.

# %%
rng = np.random.default_rng(20261126)
cover = radon_model.prediction_coverage(reps=600, rng=rng, method="REML")
result = 100 * pd.DataFrame({"coverage": cover.estimate, "MC s.e.": cover.mc_se})
result.index = [
    "measured county",
    "measured county, without Var(b)",
    "new county",
    "new county, without Var(b)",
]
result.round({"coverage": 2, "MC s.e.": 3})  # in percent

# %% tags=["hide-input"]
gap = (cover.estimate - cover.level) / cover.mc_se


def verdict(i: int) -> str:
    est, se, z = cover.estimate.iloc[i], cover.mc_se.iloc[i], gap.iloc[i]
    side = "below" if z < 0 else "above"
    return (
        f"{100 * est:.2f}% (MC s.e. {100 * se:.2f}; {abs(z):.1f} s.e. {side} 95%)"
    )


Markdown(
    f"Over {cover.reps} simulated data sets the interval for a new house in a measured county "
    f"covers {verdict(0)}, and for a new county {verdict(2)}. Leaving out the fixed-effect "
    f"term changes these by {100 * abs(cover.estimate.iloc[1] - cover.estimate.iloc[0]):.2f} "
    f"and {100 * abs(cover.estimate.iloc[3] - cover.estimate.iloc[2]):.2f} points: with "
    f"{fit.N} houses, $\\operatorname{{Var}}(\\hat b)$ is small next to $\\sigma_y^2$. These "
    "are averages over counties whose effects are drawn from the fitted population, and "
    "over the new houses' noise: the simulation checks the average, not each county."
)

# %% [markdown]
# ## A coverage check that could fail
#
# On radon with uranium in the model, $\hat\sigma_y^2$ is nearly all of every prediction
# variance (the shares above), so the simulation would barely notice an error in the county
# term: an interval that left it out entirely would still cover close to 95%. To test the
# county term, the same simulation runs on a design where it matters: radon's counties, houses
# and floors, with a response drawn from the model with $\sigma_\alpha$ larger than $\sigma_y$
# (and no uranium). The last column is what an interval *without* the county term
# $\sigma_\alpha^2(1-\lambda_j)$ would cover at the true parameters, from the normal
# distribution: the distance from 95% that the check must be able to see.

# %%
sa_heavy, sy_heavy = 0.8, 0.4  # sigma_alpha / sigma_y = 2
rng_heavy = np.random.default_rng(20261207)
a_heavy = pd.Series(
    rng_heavy.normal(0.0, sa_heavy, fit.J), index=fit.alpha.index
)
heavy = radon.assign(
    log_radon=fit.mu
    - 0.7 * radon["floor"]
    + a_heavy[radon["county"]].to_numpy()
    + rng_heavy.normal(0.0, sy_heavy, len(radon))
)
heavy_model = pp.Model(heavy, y="log_radon", group="county", x="floor")
cover_heavy = heavy_model.prediction_coverage(
    reps=300, rng=rng_heavy, method="REML"
)
first = heavy.groupby("county", sort=False).head(1)
fit_heavy = cover_heavy.fit
z95 = stats.norm.ppf(0.975)
missing = {}
for label, rows in [
    ("measured county", first),
    ("new county", first.assign(county="a new county")),
]:
    p_h = predict(fit_heavy, rows, level=0.95)
    share_g = p_h["var_group"] / p_h["sd"] ** 2
    missing[label] = {
        "county term, share of the variance": share_g.mean(),
        "without it, coverage": np.mean(
            2 * stats.norm.cdf(z95 * np.sqrt(1 - share_g)) - 1
        ),
    }
heavy_result = pd.DataFrame(missing).T
heavy_result.insert(0, "coverage", cover_heavy.estimate.iloc[[0, 2]].to_numpy())
heavy_result.insert(1, "MC s.e.", cover_heavy.mc_se.iloc[[0, 2]].to_numpy())
(100 * heavy_result).round(2)  # in percent

# %% tags=["hide-input"]
gap_heavy = (heavy_result["coverage"] - 0.95) / heavy_result["MC s.e."]
power = (0.95 - heavy_result["without it, coverage"]) / heavy_result["MC s.e."]
heavy_checks = Checks("the nominal level (simulation within 4 MC s.e.)")
heavy_checks.holds(
    "coverage within 4 MC s.e. of 95%, measured and new county",
    bool((gap_heavy.abs() < 4).all()),
)
heavy_checks.holds(
    "dropping the county term would move coverage over 10 MC s.e. from 95%",
    bool((power > 10).all()),
)
heavy_checks.holds(
    "the county term is over 10% of the variance on average, in both cases",
    bool((heavy_result["county term, share of the variance"] > 0.1).all()),
)
display(heavy_checks)
Markdown(
    f"With $\\sigma_\\alpha$ = {sa_heavy} and $\\sigma_y$ = {sy_heavy}, over "
    f"{cover_heavy.reps} simulated data sets, the intervals cover "
    f"{100 * heavy_result['coverage'].iloc[0]:.2f}% (measured county) and "
    f"{100 * heavy_result['coverage'].iloc[1]:.2f}% (new county), within "
    f"{gap_heavy.abs().max():.1f} Monte Carlo standard errors of 95%. Here the county term is "
    f"on average {100 * heavy_result.iloc[0, 2]:.0f}% and "
    f"{100 * heavy_result.iloc[1, 2]:.0f}% of the prediction variance, and intervals without "
    f"it would cover about {100 * heavy_result.iloc[0, 3]:.0f}% and "
    f"{100 * heavy_result.iloc[1, 3]:.0f}%, at least {power.min():.0f} standard errors from "
    "95%: this check would see a wrong county term."
)

# %% [markdown]
# For one particular county the interval is centred on a shrunken estimate, which misses the
# county's true intercept by $(1-\lambda_j)a_j$ on average over its data. So, at known
# parameters, a county whose effect $a_j$ lies far from the line is covered less often than
# 95% and one on the line more often (`coverage_given_effect` gives the closed form; it leaves
# out $\operatorname{Var}(\hat b)$):

# %%
effects = np.array([0.0, 1.0, 2.0, 3.0])  # a_j in units of sigma_alpha
by_effect = pd.DataFrame(
    {
        f"n_j = {n}": 100
        * coverage_given_effect(
            n,
            effects * fit.sigma_alpha,
            sigma_alpha=fit.sigma_alpha,
            sigma_y=fit.sigma_y,
        )
        for n in (1, 2, 10, fit.n.max())
    },
    index=[f"a_j = {k:g} sigma_alpha" for k in effects],
)
by_effect.round(2)  # coverage in percent, at the REML estimates

# %% tags=["hide-input"]
Markdown(
    f"The effect is small here because $\\hat\\sigma_y^2$ dominates every interval: even a "
    f"county with two houses and an effect $3\\hat\\sigma_\\alpha$ off the line has its new "
    f"houses covered {by_effect.iloc[3, 1]:.1f}% of the time. Averaged over "
    "$a_j \\sim N(0, \\hat\\sigma_\\alpha^2)$ the closed form gives exactly 95% for every "
    "$n_j$ (checked below by numerical integration)."
)

# %% tags=["hide-input"]
sim_checks = Checks(
    "the nominal level (numerical integration; simulation within 4 MC s.e.)"
)
sim_checks.holds(
    "coverage within 4 MC s.e. of 95%, every kind of interval",
    bool((gap.abs() < 4).all()),
)
per_rep = cover.per_rep
sim_checks.holds(
    "in every data set, the narrower interval without Var(b) covers no more",
    bool(
        (per_rep["known"] >= per_rep["known_no_fixed"]).all()
        and (per_rep["new"] >= per_rep["new_no_fixed"]).all()
    ),
)
sim_checks.holds(
    "simulated from the REML fit above", cover.fit.loglik == fit.loglik
)
sim_checks.holds(
    "closed form: above 95% on the line, below it 3 sigma_alpha off, each n_j shown",
    bool((by_effect.iloc[0] > 95).all() and (by_effect.iloc[3] < 95).all()),
)
for n in (1, 2, 10, int(fit.n.max())):
    average, _ = integrate.quad(
        lambda a, n=n: (
            coverage_given_effect(
                n, a, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y
            )
            * stats.norm.pdf(a, 0, fit.sigma_alpha)
        ),
        -12 * fit.sigma_alpha,
        12 * fit.sigma_alpha,
        epsabs=1e-13,
    )
    sim_checks.close(
        f"closed form averaged over a_j, n_j = {n}", average, 0.95, rtol=1e-9
    )
sim_checks

# %% [markdown]
# ## What to take away
#
# - A new house in a measured county is predicted from the county's partially pooled
#   intercept; in a new county, from the population line alone. The difference in their
#   intervals is mainly the county term, $\sigma_\alpha^2(1-\lambda_j)$ against
#   $\sigma_\alpha^2$; the fixed-effect term differs slightly (through $c_j$).
# - The interval above includes the fixed-effect uncertainty and the county's conditional
#   variance at the estimated variances, plus $\sigma_y^2$; it ignores the uncertainty of the
#   variance estimates. Its coverage, averaged over counties, is checked above on radon and on
#   a design where the county term is a large share of the variance, so that an error in it
#   would show.
