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
# # Shrinkage as regularization, and the Bayesian view
#
# The same estimates have two other names. As **regularization**, the partially pooled
# intercepts are a ridge regression on the group indicators: least squares plus a penalty
# $\kappa\sum_j a_j^2$ on the group deviations, with $\kappa = \sigma_y^2/\sigma_\alpha^2$. As a
# **Bayesian** computation, $\alpha_j \sim N(\mu, \sigma_\alpha^2)$ is a prior and the estimates
# are posterior means. What the mixed model adds to ridge is that the penalty is *estimated*
# (by ML or REML) rather than tuned; what full Bayes adds to the mixed model is that the
# uncertainty about $\sigma_\alpha$ is averaged over rather than plugged in. On the radon data
# the three agree closely, and this page shows why and by how much.

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

radon = datasets.radon()
radon_model = pp.Model(radon, y="log_radon", group="county", x="floor")
reml = radon_model.fit(method="REML")
ml = radon_model.fit(method="ML")

# %% [markdown]
# ## Ridge regression on the group indicators
#
# Fix the variance components and look for the $(\mu, \beta, a_1, \dots, a_J)$ that minimize
#
# $$
# \sum_{j}\sum_{i}\big(y_{ij} - \mu - \beta x_{ij} - a_j\big)^2 + \kappa\sum_j a_j^2,
# \qquad \kappa = \frac{\sigma_y^2}{\sigma_\alpha^2} = \frac{1}{\psi}.
# $$
#
# This is $-2\sigma_y^2$ times the joint log density of [the likelihood page](likelihood.py),
# up to a constant, so its minimizer is the joint mode: the GLS $(\hat\mu, \hat\beta)$ and the
# shrinkage estimates of the $a_j$ (Henderson's mixed-model equations). Only the group
# deviations are penalized; $\mu$ and $\beta$ are not. The next cell solves the penalized
# problem twice, by the package's elimination and by a dense augmented least-squares problem,
# and compares both with the REML fit.

# %%
kappa_hat = reml.sigma_y**2 / reml.sigma_alpha**2
ridge = radon_model.ridge_intercepts(penalty=kappa_hat)

Z = pd.get_dummies(radon["county"], dtype=float).to_numpy()  # group indicators
D = np.column_stack([np.ones(len(radon)), radon["floor"], Z])
root_penalty = np.diag(np.r_[0.0, 0.0, np.full(reml.J, np.sqrt(kappa_hat))])
target = np.r_[radon["log_radon"], np.zeros(D.shape[1])]
theta = np.linalg.lstsq(np.vstack([D, root_penalty]), target, rcond=None)[0]

side_by_side = pd.DataFrame(
    {
        "REML fit": [reml.mu, reml.beta["floor"], reml.alpha.iloc[0]],
        "ridge (package)": [ridge.mu, ridge.beta["floor"], ridge.alpha.iloc[0]],
        "ridge (dense lstsq)": [theta[0], theta[1], theta[0] + theta[2]],
    },
    index=["mu", "beta (floor)", f"alpha_j ({reml.alpha.index[0].title()})"],
)
side_by_side

# %% tags=["hide-input"]
checks = Checks("the REML fit")
checks.close(
    f"ridge (package), all {reml.J} intercepts", ridge.alpha, reml.alpha, rtol=1e-12
)
checks.close(
    f"ridge (dense least squares), all {reml.J} intercepts",
    theta[0] + theta[2:],
    reml.alpha,
    rtol=1e-9,
)
checks.close(
    "ridge (dense): mu and beta",
    side_by_side.iloc[:2, 2],
    side_by_side.iloc[:2, 0],
    rtol=1e-9,
)
checks

# %% [markdown]
# ## The regularization path
#
# Moving $\kappa$ traces a path ([Figure](#fig-ridge-path)) from no pooling ($\kappa \to 0$: the deviations are free) to
# complete pooling ($\kappa \to \infty$: every $a_j = 0$). The effective number of parameters,
# the trace of the hat matrix, falls along the way from $J + 1$ to 2. The mixed model picks
# one point on the path from the data, the REML estimate $\hat\kappa$; ridge regression as
# usually practiced would pick it by cross-validation.

# %% caption="The ridge path: three counties' intercepts $\\hat\\alpha_j$ and the mean $\\hat\\mu(\\kappa)$ against the penalty $\\kappa$, from no pooling (small $\\kappa$) to complete pooling (large $\\kappa$), with the REML $\\hat\\kappa$ marked." label="fig-ridge-path"
penalties = np.geomspace(1e-2, 1e4, 120)
path = radon_model.ridge_path(penalties=penalties)
figures.ridge_path_figure(
    path, kappa_hat, highlight=["LAC QUI PARLE", "HENNEPIN", "AITKIN"]
)

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.ridge_path_figure)


# %% tags=["hide-input"]
no_pool = radon_model.no_pooling()
complete = radon_model.complete_pooling()
checks = Checks("the no- and complete-pooling fits")
checks.close(
    "ridge at kappa = 1e-8 = no pooling",
    radon_model.ridge_intercepts(penalty=1e-8).alpha,
    no_pool.alpha,
    rtol=0,
    atol=1e-6,
)
checks.close(
    "ridge at kappa = infinity = complete pooling",
    radon_model.ridge_intercepts(penalty=np.inf).alpha,
    complete.alpha,
    rtol=0,
    atol=1e-6,
)
share = (ridge.edf - 2) / (path.edf.iloc[0] - 2)
checks.holds(
    "the share of effective parameters is between 0.35 and 0.65 ('roughly half')",
    0.35 < share < 0.65,
)
display(checks)
Markdown(
    f"At the REML penalty $\\hat\\kappa$ = {kappa_hat:.2f} the fit spends "
    f"{ridge.edf:.1f} effective parameters, against {path.edf.iloc[0]:.1f} at the "
    f"no-pooling end of the plotted path and 2 for complete pooling: partial pooling "
    "uses roughly half of what the county indicators could."
)

# %% [markdown]
# ## The prior is the model: posterior means given the variances
#
# Read $\alpha_j \sim N(\mu, \sigma_\alpha^2)$ as a prior for group $j$'s intercept and the
# group's data as the likelihood. For normal prior and normal likelihood the posterior mean is
# the precision-weighted average, which is the shrinkage estimator:
#
# $$
# \operatorname{E}(\alpha_j \mid y, \mu, \beta, \sigma_\alpha, \sigma_y)
# = \lambda_j(\bar y_j - \beta\bar x_j) + (1-\lambda_j)\mu .
# $$
#
# So the mixed model is an *empirical* Bayes procedure: it estimates the prior's mean and scale
# from all groups and plugs them in. The [shrinkage page](shrinkage.py) checks this formula on
# every county. What plugging in ignores is that $\sigma_\alpha$ is itself uncertain. On
# [the eight schools](eight_schools.py) ML and REML put the between-school SD at exactly 0 and
# the plug-in pools completely, while the posterior averages over every plausible value.
#
# ## Full Bayes: averaging over the uncertainty in the intercept SD
#
# Put priors on what the mixed model estimates: flat on $(\mu, \beta)$,
# $p(\sigma_y^2) \propto 1/\sigma_y^2$ and a uniform prior on $\sigma_\alpha$ (Gelman 2006's
# recommendation for a group-level scale). Then $(\mu, \beta)$ and $\sigma_y$ integrate out in
# closed form and the posterior of $\psi = \sigma_\alpha^2/\sigma_y^2$ is one-dimensional:
#
# $$
# p(\psi \mid y) \propto \psi^{-1/2}\,|V_\psi|^{-1/2}\,|X'V_\psi^{-1}X|^{-1/2}\,
# \mathrm{RSS}(\psi)^{-(N-k-1)/2}, \qquad V_\psi = I + \psi ZZ'.
# $$
#
# Without the factor $\psi^{-1/2}$ and with exponent $(N-k)/2$ this is the REML likelihood of
# [the likelihood page](likelihood.py). We evaluate it on a grid and check it against an
# independent computation: a Gibbs sampler that never integrates anything analytically.

# %%
grid = np.geomspace(1e-4, 5, 800)
density = radon_model.psi_posterior(psi=grid)
rng = np.random.default_rng(20261125)
draws = radon_model.gibbs_sampler(n_iter=4000, rng=rng)


def batch_mcse(values: np.ndarray, batches: int = 40) -> float:
    """Monte Carlo standard error of a chain's mean, by batch means."""
    means = np.array([b.mean() for b in np.array_split(values, batches)])
    return float(means.std(ddof=1) / np.sqrt(batches))


root_psi = np.sqrt(draws["psi"].to_numpy())
exact = float(np.trapezoid(np.sqrt(grid) * density, grid))
mcse = batch_mcse(root_psi)
pd.Series(
    {
        "grid posterior": exact,
        "Gibbs sampler": root_psi.mean(),
        "Gibbs MC s.e.": mcse,
        "REML estimate": np.sqrt(reml.psi),
        "ML estimate": np.sqrt(ml.psi),
    },
    name="sigma_alpha / sigma_y",
).to_frame()

# %% tags=["hide-input"]
checks = Checks("the Gibbs sampler")
checks.holds(
    "grid posterior mean within 4 Monte Carlo s.e. of the sampler's",
    abs(root_psi.mean() - exact) < 4 * mcse,
)
checks

# %% [markdown]
# [Figure](#fig-psi-posterior) draws the posterior of $\psi$ both ways.

# %% caption="The posterior of $\\psi = \\sigma_\\alpha^2/\\sigma_y^2$, computed on a grid and drawn by the Gibbs sampler, with the ML and REML estimates marked." label="fig-psi-posterior"
figures.psi_posterior_figure(
    density[density.index <= 0.8],
    {"ML estimate": ml.psi, "REML estimate": reml.psi},
    draws=draws["psi"].to_numpy(),
)

# %% [markdown]
# ## Does it change the intercepts?
#
# Given $\psi$, the posterior mean of each $\alpha_j$ is the shrinkage estimator at the GLS
# $\hat\mu(\psi), \hat\beta(\psi)$. Averaging it over $p(\psi \mid y)$ gives the fully Bayesian
# estimate. The Gibbs sampler estimates the same posterior means by simulation.

# %%
posterior = radon_model.posterior_intercepts(psi=grid)
gibbs_means = pd.Series(
    {lab: draws[f"alpha[{lab}]"].mean() for lab in posterior.index}, name="Gibbs"
)
gibbs_se = pd.Series(
    {lab: batch_mcse(draws[f"alpha[{lab}]"].to_numpy()) for lab in posterior.index}
)
z = ((gibbs_means - posterior) / gibbs_se).abs()
comparison = (
    pd.DataFrame(
        {
            "n_j": reml.n,
            "REML plug-in": reml.alpha,
            "full Bayes (grid)": posterior,
            "full Bayes (Gibbs)": gibbs_means,
            "Gibbs MC s.e.": gibbs_se,
        }
    )
    .sort_values("n_j")
    .iloc[[0, 1, 2, 20, 40, 60, -2, -1]]
)
comparison.round(4)

# %% tags=["hide-input"]
gap = (posterior - reml.alpha).abs()
small = reml.n <= 2
post_mean_psi = float(np.trapezoid(grid * density, grid))
lambda_one_post = float(np.trapezoid(grid / (1 + grid) * density, grid))
J_dyestuff = datasets.dyestuff()["Batch"].nunique()


def interval_ratio(dens: pd.Series) -> float:
    """Upper over lower end of the 90% posterior interval of sigma_alpha / sigma_y."""
    psi = dens.index.to_numpy()
    cdf = np.concatenate(
        [
            [0.0],
            np.cumsum(
                np.diff(psi) * (dens.to_numpy()[1:] + dens.to_numpy()[:-1]) / 2
            ),
        ]
    )
    lo, hi = np.interp([0.05, 0.95], cdf, psi)
    return float(np.sqrt(hi / lo))


wide_grid = np.geomspace(1e-4, 1e3, 3000)
dyestuff = datasets.dyestuff()
dye_model = pp.Model(dyestuff, y="Yield", group="Batch")
dye_ratio = interval_ratio(dye_model.psi_posterior(psi=wide_grid))
dye_reml = dye_model.fit(method="REML")
dye_gap = (dye_model.posterior_intercepts(psi=wide_grid) - dye_reml.alpha).abs()
radon_ratio = interval_ratio(density)
checks = Checks("the grid posterior and the Gibbs sampler")
checks.holds(
    f"grid vs Gibbs posterior means: |z| < 4.5 in all {reml.J} counties",
    z.max() < 4.5,
)
checks.holds(
    "the smallest counties differ most from the plug-in",
    gap[small].mean() > gap[~small].mean(),
)
checks.holds(
    "posterior mean of psi and lambda for n = 1 above the REML plug-in",
    post_mean_psi > reml.psi
    and lambda_one_post
    > pp.shrinkage_factor(1, sigma_alpha=reml.sigma_alpha, sigma_y=reml.sigma_y),
)
checks.holds(
    "Dyestuff's 90% interval ratio more than twice radon's",
    dye_ratio > 2 * radon_ratio,
)
checks.holds(
    "Dyestuff: full Bayes and REML plug-in intercepts within 10% of a conditional SD",
    dye_gap.max() < 0.1 * dye_reml.cond_sd.min(),
)
display(checks)
Markdown(
    f"The fully Bayesian intercepts differ from the REML plug-in by at most {gap.max():.3f} "
    f"(on a scale where $\\hat\\sigma_y$ = {reml.sigma_y:.2f}); the largest differences are in "
    "the smallest counties, whose estimates depend most on $\\psi$. The posterior of $\\psi$ "
    f"puts weight on values above the REML estimate (posterior mean {post_mean_psi:.3f} against "
    f"{reml.psi:.3f}), so a county of one house keeps on average $\\lambda$ = "
    f"{lambda_one_post:.3f} of its own data instead of "
    f"{pp.shrinkage_factor(1, sigma_alpha=reml.sigma_alpha, sigma_y=reml.sigma_y):.3f}. With "
    f"{reml.J} groups the plug-in is a good approximation. With few groups what fails is the "
    "plug-in's *uncertainty*, not its point estimates. On Dyestuff ("
    f"{J_dyestuff} batches) the fully Bayesian intercepts differ from the REML plug-in by at "
    f"most {dye_gap.max():.2f}, against conditional SDs of at least "
    f"{dye_reml.cond_sd.min():.1f} (REML), but the plug-in treats $\\sigma_\\alpha$ as known while the data hardly pin it "
    "down: the 90% posterior interval of $\\sigma_\\alpha/\\sigma_y$ spans a factor of "
    f"{radon_ratio:.1f} on radon but {dye_ratio:.1f} on Dyestuff. Agreement "
    f"between grid and Gibbs: largest |z| = {z.max():.1f} over {reml.J} counties."
)

# %% [markdown]
# ## What to take away
#
# * **Regularization:** partial pooling is ridge regression on group indicators, penalty
#   $\sigma_y^2/\sigma_\alpha^2$, with the intercept and slopes unpenalized. The model chooses
#   the penalty by maximizing the (restricted) marginal likelihood, not by cross-validation.
# * **Bayes:** the shrinkage estimator is a posterior mean given the variances; the mixed model
#   is empirical Bayes. Full Bayes averages over $\sigma_\alpha$; the point estimates barely
#   change even with few groups, but with few groups the plug-in's uncertainty is the weak point:
#   it treats a poorly determined $\sigma_\alpha$ as known.
# * The slope $\beta$ is unpenalized in all three views: there is nothing to shrink it toward,
#   which is [why it has no split](why_beta.py).
