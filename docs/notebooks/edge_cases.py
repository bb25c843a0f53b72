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
# # Edge cases
#
# Partial pooling behaves sensibly at its edges, and each edge teaches something. (The edge
# $\hat\sigma_\alpha = 0$, where the fit *is* complete pooling, has
# [a page of its own](boundary.py).) Groups of one observation are fine, as long as not every
# group is one. A covariate that is constant within groups has a slope the mixed model can
# estimate and no pooling cannot. Very large groups keep their own mean ($\lambda_j \to 1$), and
# the two limits of $\sigma_\alpha/\sigma_y$ give back no pooling and complete pooling. Finally,
# with few groups, REML's $\hat\sigma_\alpha$ is visibly larger than ML's, for the same reason an
# unbiased variance divides by $n - 1$. Every claim below is computed and checked (the checks
# fold away under each result); symbols are those of the [notation page](../notation.md).

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from scipy import stats

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import crosscheck, reference
from partial_pooling.simulation import simulate_groups

SEED = 20240611


# %% [markdown]
# ## Groups of one observation
#
# Radon has counties with a single house. They are legitimate: such a county contributes one
# $\bar y_j$, whose variance about $\mu_\alpha + \beta x_{1j}$ is $\sigma_\alpha^2 + \sigma_y^2$. It
# informs that sum, but nothing within the county separates its two parts: there is no
# within-county variation to say how big $\sigma_y^2$ alone is (the other counties say that).
# Its weight is the smallest possible,
#
# $$
# \lambda_j = \frac{\sigma_\alpha^2}{\sigma_\alpha^2 + \sigma_y^2} = \rho \quad (n_j = 1),
# $$
#
# the intraclass correlation.

# %%
radon = datasets.radon()
fit_r = pp.fit_random_intercept(
    radon, y="log_radon", group="county", x="floor", method="REML"
)
singles = fit_r.n[fit_r.n == 1].index
rho = pp.icc(sigma_alpha=fit_r.sigma_alpha, sigma_y=fit_r.sigma_y)
pd.DataFrame(
    {
        "n_j": fit_r.n[singles],
        "lambda_j": fit_r.shrinkage[singles],
        "rho (REML)": rho,
    }
).round(6)

# %% tags=["hide-input"]
checks = Checks("the intraclass correlation")
checks.close(
    "lambda_j = rho for every county of one house",
    fit_r.shrinkage[singles],
    [rho] * len(singles),
    rtol=1e-13,
)
checks.holds(
    "every larger county has lambda_j > rho",
    (fit_r.shrinkage[fit_r.n > 1] > rho).all(),
)
checks

# %% [markdown]
# But if *every* group has one observation, each $y_j$ is simply normal with variance
# $\sigma_\alpha^2 + \sigma_y^2$: only the sum is identified, and no amount of data separates
# the two parts. Keep one house per county and ask for a fit: the package refuses and says why.
# The cell after the refusal checks the reason: the marginal likelihood, computed densely with covariance
# $V = \sigma_y^2 I + \sigma_\alpha^2 ZZ'$ (here $Z = I$), is the same for any split of one
# total variance.

# %%
one_each = radon.groupby("county").head(1)
message = None
try:
    pp.fit_random_intercept(
        one_each, y="log_radon", group="county", x="floor", method="REML"
    )
except ValueError as err:
    message = str(err)
Markdown(f"> **ValueError:** {message}")

# %% tags=["hide-input"]
refused = Checks("the package's own refusal")
refused.holds(
    "a fit with one observation per group is refused", message is not None
)
refused

# %%
X1, Z1, y1, _ = reference.design(one_each, y="log_radon", group="county", x="floor")
total = fit_r.sigma_alpha**2 + fit_r.sigma_y**2
splits = pd.Series(
    {  # scipy's normal density, dense V = sigma_y^2 I + sigma_alpha^2 ZZ'
        f"sigma_alpha^2 = {share:.2f} x total": reference.dense_marginal_loglik(
            X1,
            Z1,
            y1,
            fit_r.fixed.to_numpy(),
            sigma_alpha=np.sqrt(share * total),
            sigma_y=np.sqrt((1 - share) * total),
        )
        for share in [0.1, 0.5, 0.9]
    },
    name="marginal log-likelihood",
)
splits.to_frame()

# %% tags=["hide-input"]
checks = Checks("a dense multivariate normal density")
checks.close(
    "the same marginal log-likelihood for every split",
    splits.to_numpy(),
    [splits.iloc[0]] * len(splits),
    rtol=1e-9,
)
checks

# %% [markdown]
# ## A covariate constant within groups: county uranium
#
# Radon's `uranium` is a county-level measurement, the same for every house in a county. No
# pooling gives each county a free intercept, and a free intercept absorbs anything constant
# within the county, so the uranium slope is not identified there. The random-intercept model
# has no free intercepts, only a distribution of them, so it *can* estimate the slope, from
# how the county means move with uranium.

# %%
floor_uranium = pp.Model(
    radon, y="log_radon", group="county", x=["floor", "uranium"]
)
fit_u = floor_uranium.fit(method="REML")
sm_u = crosscheck.statsmodels_mixedlm(
    radon, y="log_radon", group="county", x=["floor", "uranium"], method="REML"
)
fixed_u = pd.DataFrame(
    {
        "estimate (REML)": fit_u.fixed,
        "std. error": [fit_u.se_mu, *fit_u.se_beta],
        "statsmodels": sm_u.fixed.to_numpy(),
    }
)
fixed_u["difference"] = fixed_u["estimate (REML)"] - fixed_u["statsmodels"]
fixed_u

# %% tags=["hide-input"]
checks = Checks("statsmodels MixedLM (REML, fitted tightly)")
checks.close(
    "mu and the two slopes",
    fixed_u["estimate (REML)"],
    fixed_u["statsmodels"],
    rtol=0,
    atol=1e-6,
)
checks

# %%
uranium_only = pp.Model(radon, y="log_radon", group="county", x="uranium")
refusals = {}
for name, call in {
    "no_pooling": lambda: floor_uranium.no_pooling(),
    "decompose_beta": lambda: uranium_only.decompose_beta(
        sigma_alpha=fit_u.sigma_alpha, sigma_y=fit_u.sigma_y
    ),
}.items():
    try:
        call()
    except ValueError as err:
        refusals[name] = str(err)
Markdown(
    "\n\n".join(f"> **{name}:** ValueError: {m}" for name, m in refusals.items())
)

# %% tags=["hide-input"]
checks = Checks("the refusals")
checks.holds(
    "both refuse, naming 'uranium'",
    len(refusals) == 2 and all("'uranium'" in m for m in refusals.values()),
)
checks

# %% [markdown]
# [`decompose_beta`](why_beta.py) refuses for the same reason: it splits a slope into its
# within and between parts, and uranium has no within part. All the uranium slope's
# information is *between* counties. With uranium the only covariate this can be checked
# exactly: every row of group $j$'s design is the same $(1, u_j)$, so GLS reduces to weighted
# least squares on the county means,
#
# $$
# (\hat\mu, \hat\beta_u) = \arg\min_{\mu, \beta_u} \sum_j
# \frac{(\bar y_j - \mu - \beta_u u_j)^2}{\hat\sigma_\alpha^2 + \hat\sigma_y^2/n_j},
# $$
#
# one point per county, weighted by the inverse variance of its mean.

# %%
fit_u1 = uranium_only.fit(method="REML")
by_county = radon.groupby("county")
n_j = by_county.size()
w = 1 / (fit_u1.sigma_alpha**2 + fit_u1.sigma_y**2 / n_j.to_numpy())
uranium_j = by_county["uranium"].first().to_numpy()
design = np.column_stack([np.ones(len(n_j)), uranium_j])
wls, *_ = np.linalg.lstsq(
    design * np.sqrt(w)[:, None],
    by_county["log_radon"].mean().to_numpy() * np.sqrt(w),
    rcond=None,
)
pd.DataFrame(
    {
        "random-intercept fit (REML)": [fit_u1.mu, fit_u1.beta["uranium"]],
        "weighted LS on the J county means": wls,
    },
    index=["mu", "beta_u"],
)

# %% tags=["hide-input"]
checks = Checks("weighted least squares on the county means")
checks.close("mu and beta_u", [fit_u1.mu, fit_u1.beta["uranium"]], wls, rtol=1e-10)
checks

# %% [markdown]
# ## Very large groups: every weight near 1
#
# $1 - \lambda_j = 1/(1 + n_j\psi)$ falls like $1/n_j$: a group with many observations keeps
# its own (covariate-adjusted) mean. Simulate 19 groups of 5 and one group of 10,000.

# %%
sim_big = simulate_groups(
    [10_000] + [5] * 19,
    mu=0.0,
    beta=0.5,
    sigma_alpha=0.5,
    sigma_y=1.0,
    rng=np.random.default_rng(SEED),
)
fit_big = pp.fit_random_intercept(
    sim_big.data, y="y", group="group", x="x", method="REML"
)
sm_big = crosscheck.statsmodels_mixedlm(
    sim_big.data, y="y", group="group", x="x", method="REML"
)
big = fit_big.n.idxmax()
pull = fit_big.alpha[big] - fit_big.adjusted_ybar[big]
sizes = pd.Index([1, 5, 10, 100, 1_000, 10_000], name="n_j")
pd.DataFrame(
    {
        "lambda_j": pp.shrinkage_factor(
            sizes.to_numpy(),
            sigma_alpha=fit_big.sigma_alpha,
            sigma_y=fit_big.sigma_y,
        )
    },
    index=sizes,
).round(6)

# %% tags=["hide-input"]
checks = Checks("statsmodels and the closed forms")
checks.close(
    "psi vs statsmodels MixedLM",
    fit_big.psi,
    (sm_big.sigma_alpha / sm_big.sigma_y) ** 2,
    rtol=1e-6,
)
checks.close(
    "1 - lambda_j = 1/(1 + n_j psi) for the big group",
    1 - fit_big.shrinkage[big],
    1 / (1 + fit_big.n[big] * fit_big.psi),
    rtol=1e-9,
)
checks.close(
    "its pull = (1 - lambda_j)(mu - adjusted mean)",
    pull,
    (1 - fit_big.shrinkage[big]) * (fit_big.mu - fit_big.adjusted_ybar[big]),
    rtol=1e-9,
)
display(checks)
Markdown(
    f"At the REML estimate ($\\hat\\psi$ = {fit_big.psi:.4f}, the same as statsmodels'), the "
    f"group of {fit_big.n[big]:,} has $\\lambda_j$ = {fit_big.shrinkage[big]:.5f}: its "
    f"intercept moves {abs(pull):.1e} from its own adjusted mean, while a group of 5 keeps only "
    f"$\\lambda_j$ = {fit_big.shrinkage.drop(big).iloc[0]:.3f} of its own."
)

# %% [markdown]
# ## The two limits of the variance ratio
#
# As $\sigma_\alpha/\sigma_y \to \infty$, $1 - \lambda_j \approx \sigma_y^2/(n_j\sigma_\alpha^2)$
# while the group means spread out only like $\sigma_\alpha$, so the distance between the
# partially pooled and the no-pooling intercepts falls like $\sigma_y^2/(n_j\sigma_\alpha)$.
# Simulate 40 groups of unequal sizes with a covariate, from the same random numbers at each
# ratio (only $\sigma_\alpha$ changes), and fit each by REML.

# %%
sizes40 = np.random.default_rng(SEED).integers(2, 30, size=40)
rows = {}
for ratio in [1, 10, 100, 1000]:
    sim = simulate_groups(
        sizes40,
        mu=1.0,
        beta=0.5,
        sigma_alpha=float(ratio),
        sigma_y=1.0,
        x_between_sd=1.0,
        rng=np.random.default_rng(SEED),
    )
    sim_model = pp.Model(sim.data, y="y", group="group", x="x")
    partial = sim_model.fit(method="REML")
    none = sim_model.no_pooling()
    rows[ratio] = {
        "sigma_alpha (REML)": partial.sigma_alpha,
        "smallest lambda_j": partial.shrinkage.min(),
        "max |alpha_j - no pooling|": (partial.alpha - none.alpha).abs().max(),
    }
large = pd.DataFrame(rows).T.rename_axis("true sigma_alpha / sigma_y")
gap = large["max |alpha_j - no pooling|"].to_numpy()
large

# %% tags=["hide-input"]
checks = Checks("the rate stated above")
checks.holds("the distance falls at every step", (np.diff(gap) < 0).all())
checks.holds(
    "and by more than 5x per tenfold ratio beyond 10",
    (gap[2:] < gap[1:-1] / 5).all(),
)
checks

# %% [markdown]
# The other limit is not symmetric, and the difference is instructive. As the true
# $\sigma_\alpha \to 0$ the data stop carrying group effects, but the *estimate* cannot follow
# it all the way: the group means still differ by chance, and what the fit sees is that. What
# happens instead is that the estimate lands *exactly* on complete pooling more and more often.
# For a balanced layout, REML's $\hat\sigma_\alpha$ is 0 exactly when MSB $\le$ MSW (the
# Dyestuff2 condition), and $\mathrm{MSB}/\mathrm{MSW}$ is $(1 + n\psi)$ times an $F$ variable
# with $(J-1, N-J)$ degrees of freedom, so
#
# $$
# P(\hat\sigma_\alpha = 0) = F_{J-1,\,N-J}\Big(\frac{1}{1 + n\psi}\Big)
# \;\longrightarrow\; F_{J-1,\,N-J}(1) \quad (\psi \to 0).
# $$
#
# We simulate 100 data sets of 20 groups of 10 at each ratio, check the boundary condition on
# every one of them, and compare the share at the boundary with the formula.

# %%
J_s, n_s, reps = 20, 10, 100
rows, boundary_rule = {}, []
for ratio in [1.0, 0.1, 0.01, 0.001]:
    rng = np.random.default_rng(SEED)  # the same random numbers at every ratio
    at_zero, gaps = [], []
    for _ in range(reps):
        sim = simulate_groups(
            n_s, J=J_s, mu=0.0, beta=None, sigma_alpha=ratio, sigma_y=1.0, rng=rng
        )
        sim_model = pp.Model(sim.data, y="y", group="group")
        f = sim_model.fit(method="REML")
        ms = sim_model.one_way_anova()
        boundary_rule.append(f.at_boundary == (ms["MSB"] <= ms["MSW"]))
        at_zero.append(f.at_boundary)
        gaps.append(float((f.alpha - sim.data["y"].mean()).abs().max()))
    p = stats.f.cdf(1 / (1 + n_s * ratio**2), J_s - 1, J_s * (n_s - 1))
    rows[ratio] = {
        "share with sigma_alpha = 0 (REML)": np.mean(at_zero),
        "F formula": p,
        "binomial s.e.": np.sqrt(max(p * (1 - p), 1e-12) / reps),
        "mean max |alpha_j - complete pooling|": np.mean(gaps),
    }
small = pd.DataFrame(rows).T.rename_axis("true sigma_alpha / sigma_y")
d_small = small["mean max |alpha_j - complete pooling|"].to_numpy()
small

# %% tags=["hide-input"]
p_limit = stats.f.cdf(1, J_s - 1, J_s * (n_s - 1))
checks = Checks("the F formula and the mean squares")
checks.holds(
    f"REML at the boundary exactly when MSB <= MSW, in all {len(boundary_rule)} "
    "simulated data sets",
    all(boundary_rule),
)
checks.holds(
    "the share at the boundary within 4 binomial s.e. of the F formula, every ratio",
    (
        abs(small.iloc[:, 0] - small["F formula"])
        <= 4 * small["binomial s.e."] + 1e-9
    ).all(),
)
checks.holds(
    "the distance to complete pooling falls as stated",
    d_small[1] < d_small[0] / 5 and d_small[2] < d_small[1],
)
checks.holds(
    "F(1) is between 0.4 and 0.6 (the text says 'about half')", 0.4 < p_limit < 0.6
)
display(checks)
Markdown(
    "Going down from a ratio of 1, the partially pooled intercepts close in on complete pooling "
    f"(mean largest distance {d_small[0]:.3f}, then {d_small[1]:.3f}, then {d_small[2]:.4f}), "
    "and the share of data sets fitted *exactly* at complete pooling rises toward "
    f"$F_{{{J_s - 1},{J_s * (n_s - 1)}}}(1)$ = {p_limit:.3f}. Once $n\\psi$ is well below 1 "
    f"(here, ratios well below $1/\\sqrt{{n}}$ = {1 / np.sqrt(n_s):.2f}) the data can no longer "
    "tell $\\sigma_\\alpha$ from 0, and the rest is chance: the fit is complete pooling about "
    "half the time, and a little partial pooling, driven by noise, the rest."
)

# %% [markdown]
# ## ML and REML with few groups: Dyestuff
#
# Dyestuff has the same layout as Dyestuff2 (6 batches of 5) but real batch differences. With
# only $J = 6$ groups the choice of ML or REML matters. For this balanced one-way layout both
# have closed forms when the estimate is inside the range: both give
# $\hat\sigma_y^2 = \mathrm{MSW}$, and
#
# $$
# \hat\sigma_{\alpha,REML}^2 = \frac{\mathrm{MSB} - \mathrm{MSW}}{n},
# \qquad
# \hat\sigma_{\alpha,ML}^2 = \frac{\tfrac{J-1}{J}\,\mathrm{MSB} - \mathrm{MSW}}{n}.
# $$

# %%
dye = datasets.dyestuff()
dye_model = pp.Model(dye, y="Yield", group="Batch")
ml = dye_model.fit(method="ML")
reml = dye_model.fit(method="REML")
a1 = dye_model.one_way_anova()
J1, n1 = a1["J"], a1["n"]
closed = {
    "REML": (a1["MSB"] - a1["MSW"]) / n1,
    "ML": ((J1 - 1) / J1 * a1["MSB"] - a1["MSW"]) / n1,
}
pd.DataFrame(
    {
        "package": [
            reml.sigma_alpha**2,
            ml.sigma_alpha**2,
            reml.sigma_y**2,
            ml.sigma_y**2,
        ],
        "ANOVA closed form": [closed["REML"], closed["ML"], a1["MSW"], a1["MSW"]],
    },
    index=[
        "sigma_alpha^2 (REML)",
        "sigma_alpha^2 (ML)",
        "sigma_y^2 (REML)",
        "sigma_y^2 (ML)",
    ],
)

# %% tags=["hide-input"]
checks = Checks("the ANOVA closed forms")
checks.close(
    "sigma_alpha^2 (REML)", reml.sigma_alpha**2, closed["REML"], rtol=1e-10
)
checks.close("sigma_alpha^2 (ML)", ml.sigma_alpha**2, closed["ML"], rtol=1e-10)
checks.close(
    "sigma_y^2 (REML and ML) = MSW",
    [reml.sigma_y**2, ml.sigma_y**2],
    [a1["MSW"]] * 2,
    rtol=1e-10,
)
checks.holds("REML's sigma_alpha above ML's", reml.sigma_alpha > ml.sigma_alpha)
checks

# %% [markdown]
# The difference is a degrees-of-freedom correction, the same as dividing a sample variance by
# $n-1$. The $J$ batch means scatter around their *estimated* mean $\bar y$, which sits closer
# to them than the true $\mu$ does: their sum of squares has expectation
# $(J-1)(\sigma_y^2/n + \sigma_\alpha^2)$, not $J(\ldots)$. ML divides it by $J$ as if $\mu$
# were known, and underestimates; REML maximizes the likelihood of contrasts that do not
# involve $\mu$ and so divides by $J - 1$. With $J = 6$ that is a factor $6/5$ on the between
# mean square, and more after the within part is subtracted.

# %% tags=["hide-input"]
checks = Checks("the fits")
checks.holds(
    "every lambda_j smaller under ML than under REML",
    (ml.shrinkage < reml.shrinkage).all(),
)
display(checks)
Markdown(
    f"On Dyestuff, $\\hat\\sigma_\\alpha$ is {reml.sigma_alpha:.2f} by REML and "
    f"{ml.sigma_alpha:.2f} by ML, a ratio of {reml.sigma_alpha / ml.sigma_alpha:.3f} "
    f"({(reml.sigma_alpha / ml.sigma_alpha) ** 2:.3f} on the variance scale, against "
    f"$J/(J-1)$ = {J1 / (J1 - 1):.3f} on the between mean square alone); "
    f"$\\hat\\sigma_y$ = {reml.sigma_y:.2f} for both. The shrinkage weights follow: every batch "
    f"has $\\lambda_j$ = {reml.shrinkage.iloc[0]:.3f} under REML and "
    f"{ml.shrinkage.iloc[0]:.3f} under ML, so ML pools a little harder. With hundreds of groups "
    "the two estimates agree closely; with six, state which one you report."
)

# %% [markdown]
# ## What to take away
#
# * $\hat\sigma_\alpha = 0$ is a legitimate estimate, a boundary: partial pooling then *is*
#   complete pooling, exactly. Read a reported tiny positive variance with that in mind.
# * Groups of one are fine ($\lambda_j = \rho$); a data set of nothing but groups of one cannot
#   separate $\sigma_\alpha$ from $\sigma_y$.
# * Group-level covariates are estimated from between-group information, which the mixed model
#   uses and no pooling discards.
# * Large groups keep their own means; small $\sigma_\alpha$ pools everything, large
#   $\sigma_\alpha$ nothing; and with few groups prefer REML, and say so.
# * To try these on your own data, see [try it on your own data](../own_data.md).
