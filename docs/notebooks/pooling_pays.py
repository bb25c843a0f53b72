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
# # Why pooling pays
#
# Partial pooling estimates group intercepts with a smaller mean squared error than no pooling
# at every size of the between-group spread we simulate, by most when groups are small and
# similar. Against complete pooling it wins once the groups differ by more than a small
# fraction of the noise; when they do not differ, or barely, complete pooling is slightly
# better, and a finer grid near zero shows where the two cross. The price is paid by groups
# that really are exceptional: they are pulled in too far, and for them their own data would
# have been better.
# [Efron and Morris's baseball players](baseball.py) show the same on real data.

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import figures
from partial_pooling.site import pooling_pays as pays

SEED = 20261126
rng = np.random.default_rng(SEED)
pd.set_option("display.precision", 4)

# %% [markdown]
# ## The experiment
#
# We draw many data sets from the random-intercept model
# $y_{ij} = \alpha_j + \beta x_{ij} + \varepsilon_{ij}$, $\alpha_j \sim N(\mu_\alpha, \sigma_\alpha^2)$,
# $\varepsilon_{ij} \sim N(0, \sigma_y^2)$ (see [notation](../notation.md)), fit complete, no and
# partial pooling to each, and score every estimate against the true $\alpha_j$ that generated the
# data. The score is the mean squared error per group,
#
# $$
# \text{MSE} = \frac{1}{J}\sum_{j=1}^J \operatorname{E}\big(\hat\alpha_j - \alpha_j\big)^2 ,
# $$
#
# estimated by averaging over replications. The design is the radon survey's: the same $J$
# county sizes as [the data](../data.md), many tiny counties and a few large ones. Only
# $\sigma_\alpha/\sigma_y$ varies, from no group differences at all to group differences twice the
# noise. A fourth estimator, the *oracle*, applies the shrinkage formula with the true
# parameters: no estimator can do better on average, so it marks the floor.

# %%
radon = datasets.radon()
sizes = radon.groupby("county").size()
radon_fit = pp.fit_random_intercept(
    radon, y="log_radon", group="county", x="floor", method="REML"
)
ratios = np.array([0.0, 0.25, 0.5, 1.0, 2.0])
mu, beta, sigma_y = 1.46, -0.7, 0.76  # radon's REML fit, rounded (checked)
reps = 150


def simulated_mse(grid: np.ndarray) -> pd.DataFrame:
    """Squared errors of the four estimators on radon's county sizes (REML), at
    sigma_alpha = ratio * sigma_y for each ratio of the grid: `pays.pooling_mse`,
    drawing from the page's rng."""
    return pays.pooling_mse(
        sizes.to_numpy(),
        mu=mu,
        beta=beta,
        sigma_alpha=grid * sigma_y,
        sigma_y=sigma_y,
        reps=reps,
        rng=rng,
        method="REML",
    )


errors = simulated_mse(ratios)
errors.head()

# %% tags=["hide-input"]
checks = Checks("the REML fit to radon")
checks.close("mu is the fit's, rounded", mu, radon_fit.mu, rtol=0, atol=0.01)
checks.close(
    "beta is the fit's, rounded", beta, radon_fit.beta["floor"], rtol=0, atol=0.01
)
checks.close(
    "sigma_y is the fit's, rounded", sigma_y, radon_fit.sigma_y, rtol=0, atol=0.01
)
checks.holds(
    "radon's ratio lies between the grid's 0.25 and 0.5",
    0.25 < radon_fit.sigma_alpha / radon_fit.sigma_y < 0.5,
)
checks

# %% tags=["hide-input"]
Markdown(
    f"{reps} replications at each of {len(ratios)} ratios: {len(errors):,} estimates of "
    f"{len(sizes)} group intercepts per estimator. Group sizes run from {sizes.min()} to "
    f"{sizes.max()} ({(sizes <= 5).sum()} of the {len(sizes)} groups have five or fewer "
    f"observations); $\\mu_\\alpha$ = {mu}, $\\beta$ = {beta}, $\\sigma_y$ = {sigma_y}, the REML "
    "fit to radon rounded, and each data set has a covariate with a common slope (normal with SD "
    "1 within groups, where radon's floor is a 0/1 indicator), so the three fitted estimators also estimate "
    "$\\beta$. Partial pooling is the REML fit. Radon's own REML ratio "
    f"$\\hat\\sigma_\\alpha/\\hat\\sigma_y$ is {radon_fit.sigma_alpha / radon_fit.sigma_y:.2f}, "
    "between the grid's 0.25 and 0.5."
)

# %% [markdown]
# ## Against no pooling at every ratio, against complete pooling once the groups differ
#
# In [Figure](#fig-risk) the left panel shows the mean squared errors, the right panel the same relative to no pooling.
# The bars are two Monte Carlo standard errors (computed from the spread of the per-replication
# mean squared errors; the groups of one data set share the estimated $\hat\mu$ and variances,
# so replications, not groups, are the independent units). The claims below the table are
# checked on these numbers, each with a margin of three Monte Carlo standard errors (of the
# paired difference or ratio, since all estimators see the same data sets).

# %% caption="Mean squared error of the group intercepts by the true ratio $\\sigma_\\alpha/\\sigma_y$ (left) and relative to no pooling (right), with bars of two Monte Carlo standard errors." label="fig-risk"
summary = pays.mse_summary(errors, by="ratio")
figures.pooling_risk(summary, method="REML")

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.pooling_risk)


# %%
vs_complete = pays.mse_summary(errors, by="ratio", reference="complete")
gap_at_zero = (
    summary.loc[0.0, "mse_partial"] - summary.loc[0.0, "mse_complete"]
) / summary.loc[0.0, "mse_none"]
excess = (summary["mse_partial"] / summary["mse_oracle"] - 1)[ratios > 0]
boundary = errors.groupby("ratio")["boundary"].mean()
# each estimator's MSE; partial pooling's risk relative to no pooling (± MC s.e.)
names = {
    "mse_complete": "complete",
    "mse_none": "none",
    "mse_partial": "partial",
    "mse_oracle": "oracle",
    "rel_partial": "partial / none",
    "rel_se_partial": "± s.e.",
}
table = summary[list(names)].rename(columns=names).round(4)
table.rename_axis("sigma_alpha / sigma_y")

# %% tags=["hide-input"]
k = 3.0
vc = vs_complete
checks = Checks("the Monte Carlo standard errors (3 s.e. margins)")
checks.holds(
    "partial pooling beats no pooling at every ratio",
    (summary["rel_partial"] + k * summary["rel_se_partial"] < 1).all(),
)
checks.holds(
    "complete pooling beats partial pooling at sigma_alpha = 0",
    vc.loc[0.0, "rel_partial"] - k * vc.loc[0.0, "rel_se_partial"] > 1,
)
checks.holds(
    f"and partial pooling ahead of it at every ratio from {ratios[1]:g}",
    (
        vc.loc[ratios > 0, "rel_partial"] + k * vc.loc[ratios > 0, "rel_se_partial"]
        < 1
    ).all(),
)
checks.holds("at 0, the gap is under 1% of no pooling's MSE", gap_at_zero < 0.01)
checks.holds("within 10% of the oracle once the groups differ", excess.max() < 0.10)
checks

# %% tags=["hide-input"]
Markdown(
    f"* **Against no pooling**, partial pooling has the smaller error at every ratio: its "
    f"relative risk runs from {summary['rel_partial'].iloc[0]:.3f} when the groups do not differ "
    f"to {summary['rel_partial'].iloc[-1]:.3f} (± {summary['rel_se_partial'].iloc[-1]:.3f}) "
    "when they differ by twice the noise. The gain shrinks as $\\sigma_\\alpha$ grows, because "
    "then every $\\lambda_j$ approaches 1 and partial pooling approaches no pooling.\n"
    f"* **Against complete pooling**, partial pooling loses at $\\sigma_\\alpha = 0$, "
    f"where its MSE is {vs_complete.loc[0.0, 'rel_partial']:.2f} times complete pooling's. But "
    f"both are tiny there: the gap is {100 * gap_at_zero:.2f}% of no pooling's MSE, because REML "
    f"puts $\\hat\\sigma_\\alpha$ exactly at 0 in {100 * boundary.loc[0.0]:.0f}% of those data "
    "sets (partial pooling *is* complete pooling then) and near 0 in most of the rest. Already at "
    f"$\\sigma_\\alpha/\\sigma_y$ = {ratios[1]:g} partial pooling is ahead, with "
    f"{vs_complete.loc[ratios[1], 'rel_partial']:.2f} of complete pooling's MSE; where "
    "between 0 and that the two cross is the next section's question.\n"
    f"* **Against the oracle**, which knows the true parameters, partial pooling's MSE is at most "
    f"{100 * excess.max():.1f}% higher once $\\sigma_\\alpha > 0$: estimating "
    "$\\mu_\\alpha$, $\\beta$ and the two variances from the data costs little with "
    f"{len(sizes)} groups."
)

# %% [markdown]
# ## Near zero: where complete pooling still wins
#
# The grid above jumps from 0 to 0.25. Between them the groups differ, but by so little that
# estimating $\sigma_\alpha$ costs more than shrinking by the right amount gains: the same
# experiment on a finer grid, with the two comparisons whose sign changes there. The first is
# partial pooling against complete pooling over all groups; the second is complete pooling
# against no pooling for the largest groups (more than 25 observations), where complete
# pooling's bias $(\alpha_j - \mu_\alpha)^2$ is set against no pooling's small variance.

# %%
fine = np.array([0.025, 0.05, 0.075, 0.1, 0.15, 0.2])
fine_errors = simulated_mse(fine)
near_errors = pd.concat([errors[errors["ratio"] <= 0.25], fine_errors])
near_errors["largest"] = near_errors["n"] > 25
near_vc = pays.mse_summary(near_errors, by="ratio", reference="complete")
near_none = pays.mse_summary(near_errors, by="ratio")
near_large = pays.mse_summary(near_errors[near_errors["largest"]], by="ratio")
near = pd.DataFrame(
    {
        "partial / complete": near_vc["rel_partial"],
        "± s.e.": near_vc["rel_se_partial"],
        "partial / none": near_none["rel_partial"],
        "± s.e. ": near_none["rel_se_partial"],
        "complete / none, n_j > 25": near_large["rel_complete"],
        "± s.e.  ": near_large["rel_se_complete"],
    }
).rename_axis("sigma_alpha / sigma_y")
near.round(4)

# %% tags=["hide-input"]
behind = near_vc["rel_partial"] > 1
loses = near_vc["rel_partial"] - k * near_vc["rel_se_partial"] > 1
wins = near_vc["rel_partial"] + k * near_vc["rel_se_partial"] < 1
loses_through = pays.holds_through(behind)
wins_from = pays.holds_from(wins)
clear_losses = near.index[loses]
tied = near.index[~loses & ~wins]
twice = near_large["rel_complete"] - k * near_large["rel_se_complete"] > 2
better_large = near_large["rel_complete"] + k * near_large["rel_se_complete"] < 1
twice_from = pays.holds_from(twice)
better_through = pays.holds_through(better_large)
checks = Checks("the Monte Carlo standard errors (3 s.e. margins)")
checks.holds(
    "partial pooling beats no pooling at every ratio of the fine grid",
    (near_none["rel_partial"] + k * near_none["rel_se_partial"] < 1).all(),
)
checks.holds(
    "complete pooling ahead at 0 and at some positive ratio, beyond 3 s.e.",
    loses.loc[0.0] and (clear_losses > 0).any(),
)
checks.holds(
    "complete pooling's MSE the smaller at every ratio up to a positive one",
    loses_through is not None and loses_through > 0,
)
checks.holds(
    "partial pooling ahead from some ratio of the fine grid on",
    wins_from is not None and wins_from <= 0.25,
)
checks.holds(
    "no ratio where complete pooling is ahead above one where partial pooling is",
    not behind[near.index > wins_from].any(),
)
checks.holds(
    "complete pooling over twice no pooling's MSE for n_j > 25 from some ratio on",
    twice_from is not None,
)
checks.holds(
    "and better than no pooling for them at small ratios",
    better_through is not None and better_through > 0,
)
checks

# %% tags=["hide-input"]
between = (
    f"in between ({', '.join(f'{r:g}' for r in tied)}) neither is ahead by more than "
    "three standard errors"
    if len(tied)
    else "the grid has no ratio where neither is ahead by more than three standard errors"
)
Markdown(
    f"{reps} replications at each new ratio, as above.\n\n"
    "* **Partial pooling against complete pooling.** Complete pooling has the smaller simulated "
    "MSE at "
    f"every ratio up to {loses_through:g} (at {loses_through:g} partial pooling's is "
    f"{near.loc[loses_through, 'partial / complete']:.2f} times complete pooling's), by more "
    "than three Monte Carlo standard errors at "
    f"{', '.join(f'{r:g}' for r in clear_losses)}; partial pooling has the smaller MSE, by more "
    f"than three standard errors, at every ratio from {wins_from:g} on; {between}. So partial "
    "pooling loses not only when the groups do not differ at all but also when they differ a "
    f"little: at $\\sigma_\\alpha/\\sigma_y$ = {clear_losses[clear_losses > 0].max():g} "
    "complete pooling is still ahead by more than three standard errors. Against no pooling, "
    "partial pooling wins at every ratio of the fine grid (the middle columns).\n"
    "* **Complete pooling against no pooling, groups above 25.** Complete pooling's MSE is more "
    f"than twice no pooling's at every ratio from {twice_from:g} on, and it is the *smaller* "
    f"of the two at every ratio up to {better_through:g} "
    f"({near.loc[better_through, 'complete / none, n_j > 25']:.2f} times no pooling's at "
    f"{better_through:g}): when the groups barely differ, a large group's own mean is "
    "noisier than the bias of ignoring it."
)

# %% [markdown]
# ## Checking the simulation against a closed form
#
# A simulation is only as good as its bookkeeping, so we check it where the answer is known.
# With the parameters known, the shrinkage estimator
# $\tilde\alpha_j = \lambda_j(\bar y_j - \beta\bar x_j) + (1-\lambda_j)\mu_\alpha$ has expected
# squared error equal to the conditional variance of $\alpha_j$ given the data
# ([the shrinkage estimator](shrinkage.py)):
#
# $$
# \operatorname{E}\big(\tilde\alpha_j - \alpha_j\big)^2 = \sigma_\alpha^2\,(1 - \lambda_j)
# = \frac{\sigma_\alpha^2\sigma_y^2}{n_j\sigma_\alpha^2 + \sigma_y^2},
# $$
#
# and without a covariate no pooling's $\bar y_j$ has expected squared error $\sigma_y^2/n_j$.
# The oracle column of the simulation above must therefore average to the mean of the closed
# form over the radon design, at every ratio. A second check uses a balanced design without a
# covariate, where both closed forms hold group by group: $J$ groups of equal size, one ratio,
# the same `pooling_mse` code.

# %%
closed = pd.Series(
    {
        r: pays.oracle_risk(
            sizes.to_numpy(), sigma_alpha=r * sigma_y, sigma_y=sigma_y
        ).mean()
        for r in ratios
    },
    name="closed form",
)
oracle_check = pd.DataFrame(
    {
        "closed form": closed,
        "Monte Carlo": summary["mse_oracle"],
        "MC s.e.": summary["se_oracle"],
    }
)
oracle_check = oracle_check.rename_axis("sigma_alpha / sigma_y")
z = (oracle_check["Monte Carlo"] - oracle_check["closed form"]) / oracle_check[
    "MC s.e."
]
oracle_check["z"] = z.where(oracle_check["MC s.e."] > 0, 0.0)
oracle_check

# %% tags=["hide-input"]
dense = pd.Series(
    {
        r: np.mean(
            (r * sigma_y) ** 2
            * sigma_y**2
            / (sizes.to_numpy() * (r * sigma_y) ** 2 + sigma_y**2)
        )
        for r in ratios
    }
)
checks = Checks("the closed form written out")
checks.close("oracle_risk vs the formula", closed, dense, rtol=1e-12)
checks.holds(
    "Monte Carlo within 3 s.e. of the closed form at every ratio",
    (oracle_check["z"].abs() < 3).all(),
)
checks

# %%
J_bal, n_bal, sa_bal, sy_bal = 40, 5, 0.5, 1.0
balanced = pays.pooling_mse(
    np.full(J_bal, n_bal),
    mu=0.0,
    beta=None,
    sigma_alpha=sa_bal,
    sigma_y=sy_bal,
    reps=100,
    rng=rng,
)
bal = pays.mse_summary(balanced, by="ratio").iloc[0]
expected = {
    "oracle": sa_bal**2 * sy_bal**2 / (n_bal * sa_bal**2 + sy_bal**2),
    "none": sy_bal**2 / n_bal,
}
balanced_check = pd.DataFrame(
    {
        "closed form": expected,
        "Monte Carlo": {e: bal[f"mse_{e}"] for e in expected},
        "MC s.e.": {e: bal[f"se_{e}"] for e in expected},
    }
)
difference = balanced_check["Monte Carlo"] - balanced_check["closed form"]
balanced_check["z"] = difference / balanced_check["MC s.e."]
balanced_check

# %% tags=["hide-input"]
checks = Checks("the closed forms")
checks.holds(
    "both Monte Carlo estimates within 3 s.e.",
    (balanced_check["z"].abs() < 3).all(),
)
checks

# %% tags=["hide-input"]
Markdown(
    f"With $J$ = {J_bal} groups of $n$ = {n_bal}, $\\sigma_\\alpha$ = {sa_bal} and "
    f"$\\sigma_y$ = {sy_bal}, both Monte Carlo estimates lie within "
    f"{balanced_check['z'].abs().max():.1f} standard errors of their closed forms, and on the "
    f"radon design the oracle is within {oracle_check['z'].abs().max():.1f} standard errors at "
    "every ratio. The simulation scores the estimators correctly. (On the same balanced data, "
    f"partial pooling's MSE is {bal['mse_partial']:.4f}, between the oracle's and no pooling's.)"
)

# %% [markdown]
# ## The gain is largest for the smallest groups
#
# Split by group size ([Figure](#fig-risk-by-size)), partial pooling's advantage over no pooling is concentrated where no
# pooling is noisiest. For a large group $\lambda_j$ is close to 1 whatever $\sigma_\alpha$ is,
# and the two estimates nearly coincide.

# %% caption="Partial pooling's mean squared error relative to no pooling, by group size and true ratio $\\sigma_\\alpha/\\sigma_y$." label="fig-risk-by-size"
errors["size"] = pd.cut(
    errors["n"],
    [0, 2, 5, 10, 25, 200],
    labels=["1-2", "3-5", "6-10", "11-25", "26+"],
)
by_size = pays.mse_summary(errors, by=["ratio", "size"])
figures.pooling_risk_by_size(by_size)

# %%
at_half = by_size.xs(0.5, level="ratio")
closest = by_size["rel_partial"].idxmax()
groups = sizes.groupby(pd.cut(sizes, [0, 2, 5, 10, 25, 200])).size().to_numpy()
at_half[
    [
        "mse_complete",
        "mse_none",
        "mse_partial",
        "se_partial",
        "mse_oracle",
        "rel_partial",
        "rel_se_partial",
    ]
].assign(groups=groups)

# %% tags=["hide-input"]
largest_loss = (by_size["rel_partial"] - 1) / by_size["rel_se_partial"]
checks = Checks("the Monte Carlo standard errors")
for r in ratios:
    checks.holds(
        f"ratio {r:g}: the relative risk rises with group size",
        by_size.xs(r, level="ratio")["rel_partial"].is_monotonic_increasing,
    )
checks.holds(
    "no size class where no pooling does better beyond 2 s.e.",
    largest_loss.max() < 2,
)
checks.holds(
    f"complete pooling more than twice as bad for groups above 25, every ratio >= {twice_from:g}",
    (by_size.xs("26+", level="size").loc[ratios >= twice_from, "rel_complete"] > 2).all(),
)
checks

# %% tags=["hide-input"]
Markdown(
    f"At $\\sigma_\\alpha/\\sigma_y$ = 0.5, near radon's REML estimate, partial pooling's MSE "
    f"is {at_half['rel_partial'].iloc[0]:.2f} of no pooling's for groups of one or two and "
    f"{at_half['rel_partial'].iloc[-1]:.2f} for groups above 25. At every ratio the relative "
    "risk rises with group size. The simulation shows **no size class in which partial pooling "
    "does worse than no pooling** on average: the closest is groups of "
    f"{closest[1]} at ratio {closest[0]:g}, at {by_size.loc[closest, 'rel_partial']:.3f} "
    f"(± {by_size.loc[closest, 'rel_se_partial']:.3f}), a tie within Monte Carlo error. "
    "Complete pooling, in contrast, is more than twice as bad as no pooling for the largest "
    f"groups at every ratio from {twice_from:g} on (the fine grid above; "
    f"{by_size.loc[(ratios[1], '26+'), 'rel_complete']:.1f} times at ratio {ratios[1]:g}), "
    f"while at the smallest ratios, up to {better_through:g}, it is the better of the two "
    "for them."
)

# %% [markdown]
# ## The price: groups that really are exceptional
#
# Averaged over groups, shrinking wins. For one particular group it need not. Given its true
# deviation $a_j = \alpha_j - \mu_\alpha$, the oracle's error is a bias $-(1-\lambda_j)a_j$
# plus $\lambda_j$ times the noise of $\bar y_j$, so
#
# $$
# \operatorname{E}\big[(\tilde\alpha_j - \alpha_j)^2 \mid a_j\big]
# = (1-\lambda_j)^2 a_j^2 + \lambda_j^2\,\frac{\sigma_y^2}{n_j},
# $$
#
# which exceeds no pooling's $\sigma_y^2/n_j$ exactly when
# $|a_j| > \sigma_\alpha\sqrt{(1+\lambda_j)/\lambda_j}$. The threshold is never below
# $\sqrt 2\,\sigma_\alpha$, and it is far out for small groups (small $\lambda_j$). A quick check
# of the formula by direct simulation, for a group of 3 sitting $2.5\sigma_\alpha$ out, and
# then the same effect for the fitted partial pooling in the simulation above, among the small
# groups (five or fewer observations) split by how far out each group truly is:

# %%
a_j, n_j, sa, sy = 2.5 * 0.5, 3, 0.5, 1.0
lam_j = pp.shrinkage_factor(n_j, sigma_alpha=sa, sigma_y=sy)
ybar_draws = a_j + rng.normal(0, sy / np.sqrt(n_j), 200_000)
mc_risk = np.mean((lam_j * ybar_draws - a_j) ** 2)
mc_se = np.std((lam_j * ybar_draws - a_j) ** 2) / np.sqrt(ybar_draws.size)
formula = pays.oracle_conditional_risk(a_j, n_j, sigma_alpha=sa, sigma_y=sy)
threshold = sa * np.sqrt((1 + lam_j) / lam_j)
pd.Series(
    {
        "formula": formula,
        "Monte Carlo": mc_risk,
        "MC s.e.": mc_se,
        "no pooling sigma_y^2/n_j": sy**2 / n_j,
        "threshold |a_j|/sigma_alpha": threshold / sa,
    }
)

# %% tags=["hide-input"]
checks = Checks("direct simulation and the threshold")
checks.holds(
    "formula within 4 Monte Carlo s.e. of 200,000 draws",
    abs(mc_risk - formula) < 4 * mc_se,
)
checks.close(
    "at the threshold the risk equals no pooling's",
    pays.oracle_conditional_risk(threshold, n_j, sigma_alpha=sa, sigma_y=sy),
    sy**2 / n_j,
    rtol=1e-9,
)
checks

# %%
tails = errors[errors["ratio"] > 0].assign(
    small=lambda d: d["n"] <= 5,
    distance=lambda d: pd.cut(
        (d["alpha"] - mu).abs() / d["sigma_alpha"],
        [0, 1, 2, np.inf],
        labels=["|a_j| < 1 sd", "1-2 sd", "> 2 sd"],
    ),
)
price = pays.mse_summary(tails[tails["small"]], by=["ratio", "distance"])
price_table = price[["mse_none", "mse_partial", "rel_partial", "rel_se_partial"]]
far = price.xs("> 2 sd", level="distance")
price_table.unstack("distance")["rel_partial"]

# %% tags=["hide-input"]
checks = Checks("the Monte Carlo standard errors")
checks.holds(
    "typical small groups (within 1 sd) gain at every ratio",
    (price.xs("|a_j| < 1 sd", level="distance")["rel_partial"] < 1).all(),
)
checks.holds(
    "far-out small groups lose, by more than 2 s.e., at ratios 0.5 and 1",
    (
        far.loc[[0.5, 1.0], "rel_partial"]
        - 2 * far.loc[[0.5, 1.0], "rel_se_partial"]
        > 1
    ).all(),
)
checks

# %% tags=["hide-input"]
Markdown(
    "For typical groups (within one $\\sigma_\\alpha$ of the mean) partial pooling's error is a "
    f"fraction of no pooling's, as low as {price.xs('|a_j| < 1 sd', level='distance')['rel_partial'].min():.2f}. For the few "
    "small groups more than two standard deviations out, it is larger: "
    f"{far.loc[0.5, 'rel_partial']:.2f} (± {far.loc[0.5, 'rel_se_partial']:.2f}) times no "
    f"pooling's at ratio 0.5 and {far.loc[1.0, 'rel_partial']:.2f} "
    f"(± {far.loc[1.0, 'rel_se_partial']:.2f}) at ratio 1. That is the price of pooling, and "
    "it cannot be avoided by looking at the data: an exceptional small group and an ordinary "
    "small group with a lucky sample look the same."
)

# %% [markdown]
# ## Why shrinking helps, and when it does not
#
# Shrinking toward the population is a bias-variance trade. Moving $\bar y_j$ a fraction
# $1 - \lambda_j$ of the way to $\mu_\alpha$ adds, on average over groups, a squared bias of
# $(1-\lambda_j)^2\sigma_\alpha^2$ and removes a variance of $(1-\lambda_j^2)\,\sigma_y^2/n_j$.
# Their ratio is
#
# $$
# \frac{(1-\lambda_j)^2\sigma_\alpha^2}{(1-\lambda_j^2)\,\sigma_y^2/n_j}
# = \frac{\lambda_j}{1+\lambda_j} < \frac{1}{2}:
# $$
#
# at the right $\lambda_j$ the bias added is always less than half the variance removed. The
# data choose the trade through $\hat\sigma_\alpha$ ([the likelihood](likelihood.py) estimates
# it, ML or REML), and the simulation shows that choosing it from the data costs little.

# %%
n_grid = np.array([1, 2, 5, 10, 50, 200])
lam_grid = pp.shrinkage_factor(n_grid, sigma_alpha=0.5, sigma_y=1.0)
bias2 = (1 - lam_grid) ** 2 * 0.5**2
var_removed = (1 - lam_grid**2) * 1.0**2 / n_grid
pd.DataFrame(
    {
        "n_j": n_grid,
        "lambda_j": lam_grid,
        "bias^2 added": bias2,
        "variance removed": var_removed,
        "ratio": bias2 / var_removed,
    }
)

# %% tags=["hide-input"]
checks = Checks("the closed forms")
checks.close(
    "bias^2 / variance removed = lambda / (1 + lambda)",
    bias2 / var_removed,
    lam_grid / (1 + lam_grid),
    rtol=1e-12,
)
checks.close(
    "no pooling's risk - removed + added = the oracle risk",
    1.0 / n_grid - var_removed + bias2,
    pays.oracle_risk(n_grid, sigma_alpha=0.5, sigma_y=1.0),
    rtol=1e-12,
)
checks

# %% [markdown]
# When does it not help?
#
# * **When $\sigma_\alpha$ is large relative to $\sigma_y/\sqrt{n_j}$.** Then $\lambda_j$ is
#   near 1 and partial pooling barely moves the group's own estimate: nothing is lost, but little
#   is gained (the right end of the first figure, and the large groups).
# * **For groups that are genuinely exceptional.** The trade is favourable on average over the
#   population of groups, not group by group: a group far from the others is pulled in too, and
#   its error is larger than its own data would have given. Partial pooling makes that trade
#   knowingly; if one particular group matters more than the average, its own estimate (or a
#   model with a group-level predictor that explains why it is different) deserves a look.
# * **When the groups do not differ, or barely differ**, complete pooling is slightly better
#   (up to the crossover found on the fine grid above), but partial pooling finds that out from
#   the data, often by setting $\hat\sigma_\alpha = 0$.
#
# The weights themselves, and how they depend on $n_j$, are on [the shrinkage
# estimator](shrinkage.py) page.
