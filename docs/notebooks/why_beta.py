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
# # Why β has no group/population split
#
# The intercepts $\alpha_j$ have a distribution across groups, a population mean $\mu_\alpha$
# and a spread $\sigma_\alpha$, so each group's own estimate has something to be shrunk toward.
# The slope $\beta$ is a single number shared by every group: there are no group-specific
# slopes, so there is nothing to split and nothing to shrink, and **no partial pooling of
# $\beta$** in the technical sense. In the language of pooling, a fixed $\beta$ is *complete
# pooling of the slopes* (one slope for all groups); a group-by-$x$ interaction would be *no
# pooling* of slopes; random slopes, at the end of this page, are *partial pooling* of slopes.
#
# What the *estimate* $\hat\beta$ does is combine two kinds of information: how $y$ changes
# with $x$ within groups ($\hat\beta_W$) and how the group means of $y$ change with the group
# means of $x$ ($\hat\beta_B$). The mixed model's $\hat\beta_{GLS}$ is an exact weighted
# average of the two, and the between part is down-weighted by the same $1 - \lambda_j$ that
# shrinks the intercepts. That is the sense in which "there is no pooling there" is right (no
# slopes are shrunk) and the intuition "some pooling happens in $\beta$" has something to it
# (the information about $\beta$ is combined with weights set by $\lambda_j$); it is not
# partial pooling.
#
# Below we derive that split, check it on the Minnesota radon data, follow it to its two limits
# (complete and no pooling), see why sleepstudy's balanced design hides it, and finally give
# $\beta$ a split after all with random slopes. Symbols are those of the
# [notation page](../notation.md).

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import crosscheck, figures, reference

# %% [markdown]
# ## One slope, two kinds of information
#
# The random-intercept model is
#
# $$
# y_{ij} = \mu_\alpha + \beta x_{ij} + a_j + \varepsilon_{ij},\qquad
# a_j \sim N(0, \sigma_\alpha^2),\quad \varepsilon_{ij} \sim N(0, \sigma_y^2).
# \tag{1}
# $$
#
# Integrate out $a_j$ and the $n_j$ observations of group $j$ are jointly normal with covariance
# $V_j = \sigma_\alpha^2 11' + \sigma_y^2 I$. Given the variance components, $(\mu_\alpha, \beta)$
# is estimated by generalized least squares (GLS) with weight matrix $V_j^{-1}$ in each group.
# Scaled by $\sigma_y^2$, that weight matrix is two pieces:
#
# $$
# W_j = \sigma_y^2 V_j^{-1}
# = \Big(I - \tfrac{1}{n_j}11'\Big) + (1 - \lambda_j)\,\tfrac{1}{n_j}11',
# \qquad \lambda_j = \frac{n_j\sigma_\alpha^2}{n_j\sigma_\alpha^2 + \sigma_y^2}.
# \tag{2}
# $$
#
# The first piece is the within-group projector: it keeps each observation's deviation from its
# group mean. The second looks only at the group mean, down-weighted by $1 - \lambda_j$: the
# weight partial pooling gives the population when it estimates $\alpha_j$. Let us check (2)
# with a dense inverse for one radon county, at the REML estimates.

# %%
radon = datasets.radon()
radon_model = pp.Model(radon, y="log_radon", group="county", x="floor")
fit = radon_model.fit(method="REML")
sigma_alpha, sigma_y = fit.sigma_alpha, fit.sigma_y

# the county with lambda_j nearest 1/2
county = (fit.shrinkage - 0.5).abs().idxmin()
n_j, lambda_j = int(fit.n[county]), float(fit.shrinkage[county])
ones = np.ones((n_j, n_j))
V_j = sigma_alpha**2 * ones + sigma_y**2 * np.eye(n_j)
W_dense = sigma_y**2 * np.linalg.inv(V_j)
W_eq2 = (np.eye(n_j) - ones / n_j) + (1 - lambda_j) * ones / n_j
err_W = np.abs(W_dense - W_eq2).max()

# %% tags=["hide-input"]
checks = Checks("a dense inverse of V_j")
checks.close(f"(2) in {county.title()} county", W_eq2, W_dense, rtol=0, atol=1e-12)
checks

# %% tags=["hide-input"]
Markdown(
    f"At the REML estimates $\\hat\\sigma_\\alpha$ = {sigma_alpha:.4f} and "
    f"$\\hat\\sigma_y$ = {sigma_y:.4f}, {county.title()} county has $n_j$ = {n_j} homes and "
    f"$\\lambda_j$ = {lambda_j:.3f}. The dense $\\sigma_y^2 V_j^{{-1}}$ and the two pieces of "
    f"(2) agree to {err_W:.1e} in every entry."
)

# %% [markdown]
# Now put (2) into the GLS criterion. Write $r_{ij} = y_{ij} - \mu_\alpha - \beta x_{ij}$. The
# projector keeps $r_{ij} - \bar r_j$ and the group-mean piece keeps $\bar r_j$, so the
# criterion is the sum of two least-squares problems that share $\beta$:
#
# $$
# \sum_j r_j' W_j r_j
# = \sum_j\sum_i \big[(y_{ij} - \bar y_j) - \beta(x_{ij} - \bar x_j)\big]^2
# + \sum_j \sigma_y^2 w_j\big[\bar y_j - \mu_\alpha - \beta\bar x_j\big]^2.
# \tag{3}
# $$
#
# The first sum compares observations within groups, the second compares group means between
# groups, where each group mean gets the weight $\sigma_y^2 w_j$, with
#
# $$
# w_j = \frac{1}{\sigma_\alpha^2 + \sigma_y^2/n_j},
# \qquad \sigma_y^2 w_j = n_j(1 - \lambda_j).
# \tag{4}
# $$
#
# $\sigma_\alpha^2 + \sigma_y^2/n_j$ is the variance of $\bar y_j$ around the population line,
# so $w_j$ is its precision (the same $w_j$ as in $\hat\mu$, derived on
# [the shrinkage page](shrinkage.py#the-precision-weights)): each group mean counts in
# proportion to its precision,
# that is, like $n_j(1-\lambda_j)$ observations. We check (3) and (4) on the whole
# radon data at an arbitrary $(\mu_\alpha, \beta)$, with a dense $V_j^{-1}$ for every county.

# %%
mu_try, beta_try = 1.0, -0.5
lhs = 0.0
for _, g in radon.groupby("county"):
    r = (g["log_radon"] - mu_try - beta_try * g["floor"]).to_numpy()
    V = sigma_alpha**2 * np.ones((len(r), len(r))) + sigma_y**2 * np.eye(len(r))
    lhs += sigma_y**2 * r @ np.linalg.solve(V, r)

by = radon.groupby("county")
dev_y = radon["log_radon"] - by["log_radon"].transform("mean")
dev_x = radon["floor"] - by["floor"].transform("mean")
means = by.agg(
    ybar=("log_radon", "mean"), xbar=("floor", "mean"), n=("floor", "size")
)
w = 1 / (sigma_alpha**2 + sigma_y**2 / means["n"])  # (4)
within_part = float(((dev_y - beta_try * dev_x) ** 2).sum())
between_resid = means["ybar"] - mu_try - beta_try * means["xbar"]
between_part = float((sigma_y**2 * w * between_resid**2).sum())
rhs = within_part + between_part
err_w = float(np.abs(sigma_y**2 * w - fit.n * (1 - fit.shrinkage)).max())

# %% tags=["hide-input"]
checks = Checks("a dense V_j^-1 in every county")
checks.close("(3): within + between = the dense GLS criterion", rhs, lhs, rtol=1e-9)
checks.close(
    "(4): sigma_y^2 w_j = n_j (1 - lambda_j)",
    sigma_y**2 * w,
    fit.n * (1 - fit.shrinkage),
    rtol=0,
    atol=1e-12,
)
checks

# %% tags=["hide-input"]
Markdown(
    f"At $\\mu_\\alpha$ = {mu_try}, $\\beta$ = {beta_try}: the dense criterion is {lhs:.10f}, "
    f"the within part of (3) {within_part:.4f} plus the between part {between_part:.4f} is "
    f"{rhs:.10f}. The two forms of $\\sigma_y^2 w_j$ in (4) agree to {err_w:.1e}."
)

# %% [markdown]
# Only the between part involves $\mu_\alpha$; minimizing over it gives
# $\hat\mu_\alpha = \bar y_w - \beta\bar x_w$, with $\bar x_w, \bar y_w$ the $w_j$-weighted means of
# the group means. What is left is a one-parameter least-squares problem in $\beta$, solved by
#
# $$
# \hat\beta_{GLS} = \frac{S_{xy}^W + S_{xy}^B}{S_{xx}^W + S_{xx}^B}
# = \omega\,\hat\beta_W + (1 - \omega)\,\hat\beta_B,
# \qquad \omega = \frac{S_{xx}^W}{S_{xx}^W + S_{xx}^B},
# \tag{5}
# $$
#
# with $S_{xy}^W = \sum_j\sum_i (x_{ij} - \bar x_j)(y_{ij} - \bar y_j)$ and
# $S_{xy}^B = \sum_j \sigma_y^2 w_j(\bar x_j - \bar x_w)(\bar y_j - \bar y_w)$ (the same with $x$ for
# $S_{xx}$), $\hat\beta_W = S_{xy}^W/S_{xx}^W$ and $\hat\beta_B = S_{xy}^B/S_{xx}^B$. Each slope is
# weighted by the information it carries: the spread of $x$ it is computed from.
#
# ## On radon: the split, computed and checked
#
# The Minnesota radon data (Gelman and Hill's copy, see the [data page](../data.md)): log radon
# in homes grouped by county, with $x$ = `floor` (0 for a basement measurement, 1 for the
# first floor). `radon_model.decompose_beta` computes the sums in (5) at the REML estimates;
# every number in the table is checked against a fit made another way.

# %%
ols = radon_model.complete_pooling()
no_pool = radon_model.no_pooling()
d = radon_model.decompose_beta(sigma_alpha=sigma_alpha, sigma_y=sigma_y)
identity_gap = abs(d.weight * d.within + (1 - d.weight) * d.between - d.gls)

# %% tags=["hide-input"]
sm_ols = crosscheck.statsmodels_ols(radon, y="log_radon", x="floor").params["floor"]
sm_within = smf.ols("log_radon ~ floor + C(county)", radon).fit().params["floor"]
sm_between = smf.wls("ybar ~ xbar", means, weights=w).fit().params["xbar"]
sm_fit = crosscheck.statsmodels_mixedlm(
    radon, y="log_radon", group="county", x="floor"
)
sm_gls = sm_fit.beta["floor"]
# dense GLS at the REML variances, with the N x N matrix V
dense_gls = reference.dense_gls(
    *reference.design(radon, y="log_radon", group="county", x="floor")[:3],
    sigma_alpha=sigma_alpha,
    sigma_y=sigma_y,
)[0][1]
omega_pandas = (dev_x**2).sum() / (
    (dev_x**2).sum()
    + (
        sigma_y**2 * w * (means["xbar"] - np.average(means["xbar"], weights=w)) ** 2
    ).sum()
)

checks = Checks("fits made another way (table below)")
slopes_table = checks.table(
    [
        ("complete pooling (OLS)", ols.beta["floor"], sm_ols, "statsmodels OLS"),
        (
            "within $\\hat\\beta_W$ (no pooling)",
            no_pool.beta["floor"],
            sm_within,
            "county dummies",
            {"atol": 1e-10},
        ),
        (
            "between $\\hat\\beta_B$",
            d.between,
            sm_between,
            "WLS of the group means",
        ),
        (
            "GLS $\\hat\\beta_{GLS}$ (REML)",
            d.gls,
            dense_gls,
            "dense GLS with $V^{-1}$",
        ),
        (
            "GLS $\\hat\\beta_{GLS}$ (REML)",
            fit.beta["floor"],
            sm_gls,
            "statsmodels MixedLM",
            {"atol": 1e-8},  # statsmodels: its own optimizer's optimum
        ),
        ("weight $\\omega$", d.weight, omega_pandas, "sums of squares in pandas"),
    ],
    columns=("quantity", "partial_pooling", "independent check"),
    rtol=0,
    atol=1e-12,
)
checks.close(
    "(5): omega beta_W + (1 - omega) beta_B = beta_GLS",
    d.weight * d.within + (1 - d.weight) * d.between,
    d.gls,
    rtol=0,
    atol=1e-12,
)
checks.close(
    "decomposition's GLS slope = the REML fit's",
    d.gls,
    fit.beta["floor"],
    rtol=0,
    atol=1e-12,
)
checks.close(
    "no pooling's slope = the within slope",
    no_pool.beta["floor"],
    d.within,
    rtol=0,
    atol=1e-12,
)
checks

# %% tags=["hide-input"]
Markdown(
    slopes_table
    + f"\n\nWithin a county, a first-floor measurement is lower by {-d.within:.3f} on the log "
    f"scale ($\\hat\\beta_W$ = {d.within:.4f}). Across counties, the precision-weighted "
    f"between slope is only $\\hat\\beta_B$ = {d.between:.4f}. The within comparisons carry "
    f"most of the information, $\\omega$ = {d.weight:.3f}, so $\\hat\\beta_{{GLS}}$ = "
    f"{d.gls:.4f} sits close to $\\hat\\beta_W$, and (5) holds to {identity_gap:.1e}. "
    f"Complete pooling's OLS slope, {ols.beta['floor']:.4f}, lies further from $\\hat\\beta_W$: "
    "it is the same weighted average (5) taken at $\\sigma_\\alpha = 0$, where every county "
    "mean gets its full weight $\\sigma_y^2 w_j = n_j$, as the next section shows."
)

# %% [markdown]
# [Figure](#fig-decomposition) puts the four slopes on one axis.

# %% caption="The within slope $\\hat\\beta_W$, the between slope $\\hat\\beta_B$, their weighted average $\\hat\\beta_{GLS}$ and complete pooling's OLS slope." label="fig-decomposition"
figures.decomposition_bars(d, ols=ols.beta["floor"], x_name="floor")

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.decomposition_bars)


# %% [markdown]
# ## Between the two limits
#
# Equation (4) says where the weights go as $\sigma_\alpha$ moves with $\sigma_y$ fixed.
# As $\sigma_\alpha \to 0$, $\lambda_j \to 0$ and $\sigma_y^2 w_j \to n_j$: a group mean counts as much as
# the $n_j$ observations behind it, (3) becomes the ordinary least-squares criterion, and
# $\hat\beta_{GLS}$ becomes complete pooling's slope. As $\sigma_\alpha \to \infty$, every
# $\sigma_y^2 w_j \to 0$: the between part disappears and only the within slope is left, the no-pooling
# estimator:
#
# $$
# \lim_{\sigma_\alpha \to 0}\hat\beta_{GLS} = \hat\beta_{OLS},\qquad
# \lim_{\sigma_\alpha \to \infty}\hat\beta_{GLS} = \hat\beta_W.
# \tag{6}
# $$

# %% tags=["hide-input"]
grid = np.logspace(-3, 2, 121)
path = radon_model.slope_path(sigma_y=sigma_y, sigma_alpha=grid)
at_zero = radon_model.decompose_beta(sigma_alpha=0.0, sigma_y=sigma_y)
at_inf = radon_model.decompose_beta(sigma_alpha=np.inf, sigma_y=sigma_y)
checks = Checks("statsmodels OLS and the county-dummies fit")
checks.close(
    "(6) at sigma_alpha = 0: the OLS slope", at_zero.gls, sm_ols, rtol=0, atol=1e-12
)
checks.close(
    "(6) at sigma_alpha = infinity: the within slope",
    at_inf.gls,
    sm_within,
    rtol=0,
    atol=1e-10,
)
checks.close(
    "the grid's ends approach the two limits",
    path["gls"].iloc[[0, -1]],
    [sm_ols, sm_within],
    rtol=0,
    atol=1e-3,
)
checks.holds(
    "along the whole path the GLS slope lies between the within and between slopes",
    (
        (path["gls"] - path["within"]) * (path["gls"] - path["between"]) <= 1e-15
    ).all(),
)
checks

# %% tags=["hide-input"]
Markdown(
    f"At $\\sigma_\\alpha = 0$ the decomposition gives {at_zero.gls:.6f}, statsmodels' OLS "
    f"slope to {abs(at_zero.gls - sm_ols):.0e}; at $\\sigma_\\alpha = \\infty$ it gives "
    f"{at_inf.gls:.6f}, the county-dummies slope to {abs(at_inf.gls - sm_within):.0e}. On the "
    f"grid from $\\sigma_\\alpha$ = {grid[0]:g} to {grid[-1]:g} the slope runs from "
    f"{path['gls'].iloc[0]:.4f} to {path['gls'].iloc[-1]:.4f}."
)

# %% [markdown]
# [Figure](#fig-slope-path) follows $\hat\beta_{GLS}$ along the whole grid.

# %% caption="The mixed model's slope $\\hat\\beta_{GLS}$ along a grid of $\\sigma_\\alpha$, between complete pooling's OLS slope and the within slope $\\hat\\beta_W$, with the REML $\\hat\\sigma_\\alpha$ marked." label="fig-slope-path"
figures.slope_path_figure(
    path, ols=ols.beta["floor"], sigma_alpha_hat=sigma_alpha, x_name="floor"
)

# %% [markdown]
# Why these limits, in words. With $\sigma_\alpha \to 0$ there are no county effects: a county's
# mean differs from the population line only by sampling noise, so comparing counties with many
# first-floor homes to counties with few is as good a comparison as comparing homes within a
# county, and OLS uses both at full weight. With $\sigma_\alpha \to \infty$ a county's mean says
# nothing about $\beta$: any difference between counties could be that county's own intercept,
# so only comparisons inside a county count.
#
# The connection to the intercepts is direct: the between part's weights are
# $\sigma_y^2 w_j = n_j(1 - \lambda_j)$. The more a county is left to its own intercept (large $\lambda_j$),
# the less its mean says about $\beta$. Partial pooling of $\alpha_j$ and the pooling inside
# $\hat\beta_{GLS}$ are the same weights seen from two sides.
#
# ## Sleepstudy: a balanced design makes all three equal
#
# In lme4's sleepstudy every subject's reaction time is measured on the same days, so every
# subject has the same mean day $\bar x_j$. Then $S_{xx}^B = 0$, $\omega = 1$ whatever
# $\sigma_\alpha$ is, and complete pooling, no pooling and partial pooling give one slope.

# %%
sleep = datasets.sleepstudy()
sleep_model = pp.Model(sleep, y="Reaction", group="Subject", x="Days")
sleep_fit = sleep_model.fit(method="REML")
sleep_ols = sleep_model.complete_pooling()
sleep_within = sleep_model.no_pooling()
ds = sleep_model.decompose_beta(
    sigma_alpha=sleep_fit.sigma_alpha, sigma_y=sleep_fit.sigma_y
)
xbar_days = sleep.groupby("Subject")["Days"].mean()
days_sets = sleep.groupby("Subject")["Days"].apply(lambda s: tuple(sorted(s)))
slopes = [sleep_ols.beta["Days"], sleep_within.beta["Days"], sleep_fit.beta["Days"]]

# %% tags=["hide-input"]
checks = Checks("each other")
checks.holds(
    "every subject measured on the same days, so one xbar_j and omega = 1",
    days_sets.nunique() == 1 and xbar_days.nunique() == 1 and ds.weight == 1.0,
)
checks.close("OLS, within and REML slopes", slopes, [slopes[0]] * 3, rtol=1e-10)
checks

# %% tags=["hide-input"]
Markdown(
    f"All {len(xbar_days)} subjects were measured on days {min(days_sets.iloc[0])} to "
    f"{max(days_sets.iloc[0])}, so every $\\bar x_j$ = {xbar_days.iloc[0]:g}, "
    f"$\\omega$ = {ds.weight:g}, and the OLS, within and REML slopes are "
    f"{slopes[0]:.10f}, {slopes[1]:.10f} and {slopes[2]:.10f} ms per day."
)

# %% [markdown]
# The slopes agree; their standard errors do not. From (3), the information about $\beta$ at
# given variance components is $(S_{xx}^W + S_{xx}^B)/\sigma_y^2$, so
#
# $$
# \operatorname{se}(\hat\beta_{GLS}) = \frac{\hat\sigma_y}{\sqrt{S_{xx}^W + S_{xx}^B}},
# \qquad
# \operatorname{se}(\hat\beta_{OLS}) = \frac{s_{OLS}}{\sqrt{\sum_{ij}(x_{ij} - \bar x)^2}}.
# \tag{7}
# $$
#
# Here the denominators are equal, and the difference is in the numerators: OLS treats the
# observations as independent, so its residual SD $s_{OLS}$ counts the subjects' different
# levels as noise. The mixed model knows that a subject's observations share one $a_j$; since
# Days varies only within subjects, those shared levels cancel from every comparison that
# informs $\beta$, and only $\sigma_y$ is left.

# %% tags=["hide-input"]
sleep_sm_ols = crosscheck.statsmodels_ols(sleep, y="Reaction", x="Days")
sleep_sm_mixed = crosscheck.statsmodels_mixedlm(
    sleep, y="Reaction", group="Subject", x="Days"
)
sxx_total = float(((sleep["Days"] - sleep["Days"].mean()) ** 2).sum())
se_gls_7 = sleep_fit.sigma_y / np.sqrt(ds.S_xx_within + ds.S_xx_between)
se_ols_7 = sleep_ols.sigma_y / np.sqrt(sxx_total)
# a covariate that varies only between groups: radon's county uranium level
uranium_model = pp.Model(radon, y="log_radon", group="county", x="uranium")
se_u_ols = uranium_model.complete_pooling().se_beta["uranium"]
se_u_mixed = uranium_model.fit().se_beta["uranium"]
checks = Checks("(7) and statsmodels")
checks.close(
    "sleepstudy: mixed-model s.e. vs (7) and statsmodels MixedLM",
    [sleep_fit.se_beta["Days"]] * 2,
    [se_gls_7, sleep_sm_mixed.se_fixed["Days"]],
    rtol=1e-7,
)
checks.close(
    "sleepstudy: OLS s.e. vs (7) and statsmodels OLS",
    [sleep_ols.se_beta["Days"]] * 2,
    [se_ols_7, sleep_sm_ols.bse["Days"]],
    rtol=1e-10,
)
checks.close(
    "radon, where S_xx^B > 0: (7)",
    fit.se_beta["floor"],
    sigma_y / np.sqrt(d.S_xx_within + d.S_xx_between),
    rtol=1e-10,
)
checks.holds(
    "uranium: the mixed model's s.e. is larger than OLS's", se_u_mixed > se_u_ols
)
checks

# %% tags=["hide-input"]
Markdown(
    f"Complete pooling reports se = {sleep_ols.se_beta['Days']:.4f} ms per day "
    f"($s_{{OLS}}$ = {sleep_ols.sigma_y:.2f}); the random-intercept model (REML) reports "
    f"{sleep_fit.se_beta['Days']:.4f} ($\\hat\\sigma_y$ = {sleep_fit.sigma_y:.2f}). The mixed "
    f"model's standard error matches (7) to {abs(sleep_fit.se_beta['Days'] - se_gls_7):.0e} and "
    "statsmodels' MixedLM to "
    f"{abs(sleep_fit.se_beta['Days'] - sleep_sm_mixed.se_fixed['Days']):.0e}; complete pooling's "
    f"matches (7) and statsmodels' OLS to "
    f"{abs(sleep_ols.se_beta['Days'] - sleep_sm_ols.bse['Days']):.0e}."
    "\n\n> For a covariate that varies only *between* groups, the correction goes the other way: "
    "the shared levels do not cancel, and OLS, which counts every observation as independent "
    "information, is overconfident. On radon, the county uranium level has se "
    f"{se_u_ols:.4f} under complete pooling and {se_u_mixed:.4f} in the mixed model (REML)."
)

# %% [markdown]
# ## When the group means of x carry group effects
#
# The between slope assumes that the county effects $a_j$ are unrelated to $\bar x_j$. If
# counties with more first-floor measurements also differ in radon for other reasons, $\hat\beta_B$
# estimates the floor effect plus that association, and $\hat\beta_{GLS}$ inherits the bias in
# proportion $1 - \omega$; $\hat\beta_W$ does not, because $a_j$ cancels within a county. This is
# the classical random-effects versus fixed-effects (Hausman) concern. The standard fix is
# Mundlak's: add the group mean $\bar x_j$ as a covariate. Its coefficient $\gamma$ absorbs the
# between-within difference and the slope of $x$ becomes exactly the within slope:
#
# $$
# y_{ij} = \mu_\alpha + \beta x_{ij} + \gamma\bar x_j + a_j + \varepsilon_{ij}
# \quad\Longrightarrow\quad
# \hat\beta = \hat\beta_W,\qquad \hat\gamma = \hat\beta_B - \hat\beta_W,
# \tag{8}
# $$
#
# where $\hat\beta_B$ is taken at the Mundlak fit's own variance components.

# %%
mundlak_data = radon.assign(floor_mean=by["floor"].transform("mean"))
mundlak = pp.fit_random_intercept(
    mundlak_data, y="log_radon", group="county", x=["floor", "floor_mean"]
)
d_m = radon_model.decompose_beta(
    sigma_alpha=mundlak.sigma_alpha, sigma_y=mundlak.sigma_y
)
gamma, se_gamma = mundlak.beta["floor_mean"], mundlak.se_beta["floor_mean"]

# %% tags=["hide-input"]
checks = Checks("the county-dummies fit and the decomposition")
checks.close(
    "(8): Mundlak slope of floor = within slope",
    mundlak.beta["floor"],
    sm_within,
    rtol=0,
    atol=1e-12,
)
checks.close(
    "(8): gamma = beta_B - beta_W",
    gamma,
    d_m.between - d_m.within,
    rtol=0,
    atol=1e-12,
)
checks

# %% tags=["hide-input"]
Markdown(
    f"With the county mean of floor added (REML), the coefficient of floor is "
    f"{mundlak.beta['floor']:.6f}, the within slope to "
    f"{abs(mundlak.beta['floor'] - sm_within):.0e}, and $\\hat\\gamma$ = {gamma:.4f} equals "
    f"$\\hat\\beta_B - \\hat\\beta_W$ to {abs(gamma - (d_m.between - d_m.within)):.0e}. "
    f"Its standard error is {se_gamma:.3f}, so $\\hat\\gamma$ is {gamma / se_gamma:.1f} "
    "standard errors from zero: on radon the gap between the two slopes is visible but the data "
    "alone do not say whether it is bias or noise. Either way, the Mundlak model's slope of "
    "floor no longer depends on that question."
)

# %% [markdown]
# ## Giving β a split: random slopes
#
# Everything so far had one $\beta$ for all groups. Let each group have its own slope as well as
# its own intercept:
#
# $$
# y_{ij} = (\mu_0 + a_{0j}) + (\mu_1 + a_{1j})\,x_{ij} + \varepsilon_{ij},\qquad
# \begin{pmatrix}a_{0j}\\ a_{1j}\end{pmatrix} \sim N(0, \Sigma),\quad
# \varepsilon_{ij} \sim N(0, \sigma_y^2).
# \tag{9}
# $$
#
# Now the slope does have a population, mean $\mu_1$ and SD $\sqrt{\Sigma_{11}}$, and each
# group's slope is partially pooled toward it, just as the intercepts were. We fit (9) to
# sleepstudy by REML and check it against statsmodels' MixedLM.

# %%
slopes_fit = sleep_model.fit_random_slopes(method="REML")
sm_slopes = crosscheck.statsmodels_mixedlm(
    sleep,
    y="Reaction",
    group="Subject",
    x="Days",
    method="REML",
    re_formula="~Days",
)
sm_cov = sm_slopes.cov.to_numpy()
sm_sd = np.sqrt(np.diag(sm_cov))
sm_corr = sm_cov[0, 1] / (sm_sd[0] * sm_sd[1])

# %% tags=["hide-input"]
checks = Checks("statsmodels MixedLM (REML, fitted tightly)")
checks.close("Sigma", slopes_fit.cov.to_numpy(), sm_cov, rtol=1e-6)
checks.close(
    "mu_1 = the within slope (balanced design)",
    slopes_fit.beta["Days"],
    sleep_within.beta["Days"],
    rtol=1e-10,
)
rs_table = checks.table(
    [
        ("$\\hat\\mu_0$ (intercept)", slopes_fit.mu, sm_slopes.mu),
        ("$\\hat\\mu_1$ (Days)", slopes_fit.beta["Days"], sm_slopes.beta["Days"]),
        (
            "se of $\\hat\\mu_1$",
            slopes_fit.se_beta["Days"],
            sm_slopes.se_fixed["Days"],
            {"rtol": 1e-5},
        ),
        ("SD of intercepts", slopes_fit.sd["Intercept"], sm_sd[0], {"rtol": 1e-6}),
        ("SD of slopes", slopes_fit.sd["Days"], sm_sd[1], {"rtol": 1e-6}),
        ("correlation", slopes_fit.corr, sm_corr, {"rtol": 1e-6}),
        ("$\\hat\\sigma_y$", slopes_fit.sigma_y, sm_slopes.sigma_y, {"rtol": 1e-6}),
    ],
    columns=("REML", "partial_pooling", "statsmodels MixedLM"),
    digits=5,
)
checks

# %% tags=["hide-input"]
Markdown(
    rs_table
    + f"\n\nThe population slope is the same {slopes_fit.beta['Days']:.4f} ms per day as before "
    "(balanced design again), but its standard error grows from "
    f"{sleep_fit.se_beta['Days']:.4f} to {slopes_fit.se_beta['Days']:.4f}: with slopes that vary "
    f"between subjects (SD {slopes_fit.sd['Days']:.2f}), $\\mu_1$ is the mean of a population "
    f"of slopes, and {len(sleep_fit.n)} subjects pin it down less well than one shared slope."
)

# %% [markdown]
# Each subject's coefficient pair is the conditional mean of $\mu + a_j$ given its data,
#
# $$
# \begin{aligned}
# \hat b_j &= \hat\mu
# + \big(\Sigma^{-1} + Z_j'Z_j/\sigma_y^2\big)^{-1} Z_j'(y_j - Z_j\hat\mu)/\sigma_y^2 \\
# &= \hat\mu + K_j\big(\hat b_j^{OLS} - \hat\mu\big),
# \qquad K_j = \big(\Sigma^{-1} + Z_j'Z_j/\sigma_y^2\big)^{-1} Z_j'Z_j/\sigma_y^2,
# \end{aligned}
# \tag{10}
# $$
#
# with $Z_j = [1, x_j]$ and $\hat b_j^{OLS}$ the subject's own least-squares line. $K_j$ is the
# two-dimensional $\lambda_j$: with one intercept and no slope it is
# $(1/\sigma_\alpha^2 + n_j/\sigma_y^2)^{-1} n_j/\sigma_y^2 = \lambda_j$. The arrows of [Figure](#fig-arrows-2d) go from each
# subject's own line to its partially pooled line, with the 50% and 95% ellipses of the fitted
# $N(\hat\mu, \hat\Sigma)$:

# %% caption="Each subject's own least-squares (intercept, slope) with an arrow to its partially pooled pair, and the 50% and 95% ellipses of the fitted $N(\\hat\\mu, \\hat\\Sigma)$." label="fig-arrows-2d"
figures.shrinkage_arrows_2d(sleep_model.group_ols(), slopes_fit)

# %% [markdown]
# The arrows do not all point straight at $\hat\mu$: $K_j$ is a matrix, not a number, so a
# subject's correction to its intercept depends on how far its slope is from $\mu_1$, and the
# other way round. The direction is set by $\Sigma$ (which coefficient combinations are
# plausible across subjects) together with $Z_j'Z_j$ (which combinations the subject's own
# days pin down). Subjects whose own lines are far from the population tend to move more, but
# not in rank order: how far an arrow goes depends on the direction of the subject's
# deviation as well as its length (counted below). We check (10) with dense matrices for the
# subject that moves the most, and the $K_j$ form for every subject.

# %% tags=["hide-input"]
own = sleep_model.group_ols()
moved = pd.Series(np.hypot(*(own - slopes_fit.coef).to_numpy().T), index=own.index)
far_out = pd.Series(
    np.hypot(*(own - slopes_fit.fixed.to_numpy()).to_numpy().T), index=own.index
)
rank_corr = far_out.corr(moved, method="spearman")
subject = moved.idxmax()
sub = sleep[sleep["Subject"] == subject]
Z = np.column_stack([np.ones(len(sub)), sub["Days"]])
y_j = sub["Reaction"].to_numpy()
mu_hat, Sigma, s2 = (
    slopes_fit.fixed.to_numpy(),
    slopes_fit.cov.to_numpy(),
    slopes_fit.sigma_y**2,
)
b_dense = mu_hat + np.linalg.solve(
    np.linalg.inv(Sigma) + Z.T @ Z / s2, Z.T @ (y_j - Z @ mu_hat) / s2
)
K = np.linalg.solve(
    np.linalg.inv(Sigma) + Z.T @ Z / s2, Z.T @ Z / s2
)  # same Z_j for all
b_K = mu_hat + (own.to_numpy() - mu_hat) @ K.T
K_eig = np.sort(np.linalg.eigvals(K).real)
checks = Checks("dense numpy")
checks.close(
    f"(10) for subject {subject}",
    slopes_fit.coef.loc[subject].to_numpy(),
    b_dense,
    rtol=1e-10,
)
checks.close(
    f"the K_j form for all {len(own)} subjects",
    slopes_fit.coef.to_numpy(),
    b_K,
    rtol=1e-10,
)
checks.holds(
    "distance out and distance moved agree in sign of trend, not in rank order",
    0 < rank_corr < 1 and far_out.idxmax() != subject,
)
checks

# %% tags=["hide-input"]
Markdown(
    f"Subject {subject} moves the most, although subject {far_out.idxmax()}'s own line is the "
    "farthest from $\\hat\\mu$ (both distances in the plane of the figure, ms and ms per day): "
    "the rank correlation between how far a subject's own line is from $\\hat\\mu$ and how "
    f"far its arrow goes is {rank_corr:.2f}, not 1. "
    "(10) in dense numpy reproduces the most-moved subject's partially pooled "
    f"intercept {b_dense[0]:.3f} and slope {b_dense[1]:.3f} to "
    f"{np.abs(slopes_fit.coef.loc[subject].to_numpy() - b_dense).max():.0e}. Because every "
    f"subject was measured on the same days, all {len(own)} subjects share one matrix weight "
    f"$K$, whose eigenvalues are {K_eig[0]:.3f} and {K_eig[1]:.3f}: the fraction of a "
    "subject's own deviation kept along each of two directions, like $\\lambda_j$ in one "
    "dimension. So here the arrows differ only because the subjects' own lines sit in different "
    "places: each arrow takes away the fraction $I - K$ of the subject's own deviation from "
    "$\\hat\\mu$. With unequal designs $K_j$ would differ between subjects, as $\\lambda_j$ does "
    "with $n_j$, and subjects with fewer or less spread-out days would be shrunk more."
)

# %% [markdown]
# ## What to take away
#
# - $\beta$ is one slope shared by all groups: complete pooling of slopes, so no
#   group/population split and no partial pooling. Its estimate combines within- and
#   between-group information, an exact weighted average (5).
# - The between part weights each group mean by $\sigma_y^2 w_j = n_j(1 - \lambda_j)$: the same
#   $\lambda_j$ that shrinks the intercepts. Between the limits (6), the mixed model's slope
#   slides from complete pooling's OLS slope ($\sigma_\alpha \to 0$) to no pooling's within slope
#   ($\sigma_\alpha \to \infty$).
# - In a balanced design the between part is empty and all three slopes coincide, but their
#   standard errors (7) still differ.
# - If group means of $x$ are tied to the group effects, the between part is biased; Mundlak's
#   group-mean covariate (8) recovers the within slope exactly.
# - Once slopes vary by group (9), they are partially pooled like intercepts, by the matrix
#   weight $K_j$ of (10).
#
# The one-dimensional shrinkage weight $\lambda_j$ is studied on its own in
# [the shrinkage estimator](shrinkage.py); how $\sigma_\alpha$ and $\sigma_y$ are estimated,
# by ML or REML, is in [the likelihood](likelihood.py).
