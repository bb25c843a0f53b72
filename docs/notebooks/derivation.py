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
# # A common derivation, checked line by line
#
# A widely read derivation of partial pooling (a question on Cross Validated, see the
# [references](../references.md)) writes the likelihood of the data and the group intercepts,
# sets its derivatives to zero and reads off the estimates. The plan is sound, and it is the
# plan of [the shrinkage estimator](shrinkage.py). The execution has slips, and each one
# matters:
#
# * its log-likelihood counts each group's prior $n_j$ times and hides the variance terms in
#   "+ constant";
# * its intercept formula uses $n_j\sigma_y^2$ for the variance of a group mean, which is
#   $\sigma_y^2/n_j$: one slip that turns precision weighting upside down (and $\bar y_j$
#   lacks the covariate);
# * its line for $\mu_\alpha$ is the intercept equation solved backwards: an identity that
#   returns whatever $\mu_\alpha$ the $\hat\alpha_j$ were computed with, not an estimator;
# * its $\sigma_\alpha^2$ is about $\overline{\lambda}$ times too small, a factor that does not
#   go away with more groups; iterated, it converges to 0;
# * its $\sigma_y^2$ assumes equal group sizes, and its standard error for $\beta$ is too
#   small.
#
# Each line is quoted as written, then judged, then checked against a model fitted to real,
# unbalanced data. The checks fold away under each result. Symbols are those of the
# [notation page](../notation.md); $\lambda_j = n_j\sigma_\alpha^2/(n_j\sigma_\alpha^2 +
# \sigma_y^2)$ is the shrinkage weight derived on [the shrinkage page](shrinkage.py).

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import crosscheck, hand_derivation, reference

radon = datasets.radon()
cols = {"y": "log_radon", "group": "county", "x": "floor"}
radon_model = pp.Model(radon, **cols)
reml = radon_model.fit(method="REML")
ml = radon_model.fit(method="ML")

# %% tags=["hide-input"]
checks = Checks("statsmodels MixedLM (fitted tightly)")
for fit, method in [(reml, "REML"), (ml, "ML")]:
    sm_fit = crosscheck.statsmodels_mixedlm(radon, **cols, method=method)
    checks.close(f"{method}: mu and beta", fit.fixed, sm_fit.fixed, rtol=1e-8)
    checks.close(
        f"{method}: sigma_alpha", fit.sigma_alpha, sm_fit.sigma_alpha, rtol=1e-6
    )
    checks.close(f"{method}: sigma_y", fit.sigma_y, sm_fit.sigma_y, rtol=1e-6)
Markdown(
    f"The data: Minnesota radon, {reml.N} houses in {reml.J} counties of "
    f"{reml.n.min()} to {reml.n.max()} houses each; $y_{{ij}}$ is log radon and $x_{{ij}}$ "
    "the floor of the measurement. Unequal group sizes matter below. The fitted model is the "
    "REML fit unless a line says ML; both fits agree with statsmodels:"
)

# %% tags=["hide-input"]
checks

# %% [markdown]
# ## The log-likelihood: each group's prior counted once per observation
#
# The derivation starts from
#
# $$
# L(\mu_\alpha, \sigma_\alpha^2, \beta, \sigma_y^2 | y, x) = \prod_{j=1}^{J} \prod_{i=1}^{n_j}
# f(y_{ij} | \alpha_j, \beta, x_{ij}, \sigma_y^2) g(\alpha_j | \mu_\alpha, \sigma_\alpha^2),
# $$
#
# $$
# \log L = \sum_{j=1}^{J} \sum_{i=1}^{n_j} \left[ -\frac{1}{2\sigma_y^2}
# (y_{ij} - \alpha_j - \beta x_{ij})^2 - \frac{1}{2\sigma_\alpha^2} (\alpha_j - \mu_\alpha)^2
# \right] + \text{constant}.
# $$
#
# Two things are wrong here, and neither is visible in the next lines, which quietly use the
# right version.
#
# 1. **The prior sits inside the product over $i$.** Each group has one intercept, drawn once:
#    $g(\alpha_j)$ belongs once per group, outside $\prod_i$. As written, group $j$'s prior
#    term is counted $n_j$ times.
# 2. **"+ constant" is not constant.** The normal densities contribute
#    $-N\log\sigma_y - J\log\sigma_\alpha$ (with $N = \sum_j n_j$), which depend on the very
#    variances the derivation then differentiates with respect to. Its derivatives in
#    $\sigma_\alpha^2$ and $\sigma_y^2$ below contain the terms these produce
#    ($J/2\sigma_\alpha^2$ and $J n_j/2\sigma_y^2$), so they were silently put back.
#
# The joint log density of data and intercepts is
#
# $$
# \begin{aligned}
# \ell(\alpha, \mu_\alpha, \beta, \sigma_\alpha, \sigma_y) ={}&
# -\frac{1}{2\sigma_y^2}\sum_{j=1}^{J}\sum_{i=1}^{n_j}(y_{ij} - \alpha_j - \beta x_{ij})^2
# -\frac{1}{2\sigma_\alpha^2}\sum_{j=1}^{J}(\alpha_j - \mu_\alpha)^2 \\
# & - N\log\sigma_y - J\log\sigma_\alpha - \tfrac{N+J}{2}\log 2\pi .
# \end{aligned}
# $$
#
# The first slip is not harmless. Taken literally, the quoted $\log L$ has
# $\partial/\partial\alpha_j$ with $n_j(\alpha_j - \mu_\alpha)/\sigma_\alpha^2$ in the prior
# term, and its maximizer is
#
# $$
# \alpha_j = \rho\,(\bar y_j - \beta\bar x_j) + (1 - \rho)\,\mu_\alpha,
# \qquad \rho = \frac{\sigma_\alpha^2}{\sigma_\alpha^2 + \sigma_y^2},
# $$
#
# the same weight for every group, whatever its size: no partial pooling by group size at all.


# %%
def literal_log_l(alpha: np.ndarray, mu, beta, sigma_alpha, sigma_y) -> float:
    """The quoted log L, prior inside the sum over i (constant dropped)."""
    a_i = alpha[codes]
    y, x = radon["log_radon"].to_numpy(), radon["floor"].to_numpy()
    return float(
        np.sum(
            -((y - a_i - beta * x) ** 2) / (2 * sigma_y**2)
            - (a_i - mu) ** 2 / (2 * sigma_alpha**2)
        )
    )


codes = pd.Categorical(radon["county"], categories=reml.alpha.index).codes
rho = reml.icc
literal_max = rho * reml.adjusted_ybar + (1 - rho) * reml.mu
args = (reml.mu, reml.beta["floor"], reml.sigma_alpha, reml.sigma_y)
pd.DataFrame(
    {
        "n_j": reml.n,
        "weight, quoted log L taken literally": rho,
        "weight lambda_j, the joint density": reml.shrinkage,
    }
).sort_values("n_j").iloc[[0, 42, -1]].round(4)

# %% tags=["hide-input"]
h = 1e-6
base = literal_max.to_numpy()
grad = []
for j in [0, reml.n.to_numpy().argmax()]:
    e = np.zeros(reml.J)
    e[j] = h
    grad.append(
        (literal_log_l(base + e, *args) - literal_log_l(base - e, *args)) / (2 * h)
    )
rng = np.random.default_rng(20261125)
at_fit = radon_model.joint_loglik(
    alpha=reml.alpha,
    beta=reml.beta,
    mu=reml.mu,
    sigma_alpha=reml.sigma_alpha,
    sigma_y=reml.sigma_y,
)
nudged = [
    radon_model.joint_loglik(
        alpha=reml.alpha + rng.normal(0, 0.01, reml.J),
        beta=reml.beta,
        mu=reml.mu,
        sigma_alpha=reml.sigma_alpha,
        sigma_y=reml.sigma_y,
    )
    for _ in range(20)
]
checks = Checks("finite differences and 20 random nudges")
checks.close(
    "gradient of the literal log L at the rho-weighted intercepts",
    grad,
    [0, 0],
    rtol=0,
    atol=1e-4,
)
checks.holds(
    "the joint density (prior once per group) is highest at the fitted intercepts",
    max(nudged) < at_fit,
)
checks

# %% [markdown]
# ## The intercepts: the variance of a group mean, inverted
#
# The derivative in $\alpha_j$ is written
#
# $$
# \frac{\partial \log L}{\partial \alpha_j} = \frac{1}{\sigma_y^2} \sum_{i=1}^{n_j}
# (y_{ij} - \alpha_j - \beta x_{ij}) - \frac{1}{\sigma_\alpha^2} (\alpha_j - \mu_\alpha) = 0
# $$
#
# which is the derivative of the *correct* joint density $\ell$ (the prior counted once), not of
# the quoted $\log L$. Solved, it gives
#
# $$
# \hat\alpha_j = \frac{\sigma_\alpha^2}{\sigma_\alpha^2 + \sigma_y^2/n_j}\,(\bar y_j - \beta\bar x_j)
# + \frac{\sigma_y^2/n_j}{\sigma_\alpha^2 + \sigma_y^2/n_j}\,\mu_\alpha
# = \lambda_j(\bar y_j - \beta\bar x_j) + (1-\lambda_j)\,\mu_\alpha :
# $$
#
# each source weighted by the *other* source's variance, that is, in proportion to its own
# precision. The group mean $\bar y_j - \beta\bar x_j$ has sampling variance $\sigma_y^2/n_j$
# about $\alpha_j$; the population has variance $\sigma_\alpha^2$ about $\mu_\alpha$. The
# derivation instead writes
#
# $$
# \hat{\alpha}_j = \frac{\sigma_\alpha^2}{n_j \sigma_y^2 + \sigma_\alpha^2} \bar{y}_j
# + \frac{n_j \sigma_y^2}{n_j \sigma_y^2 + \sigma_\alpha^2} \mu_\alpha.
# $$
#
# Put $n_j\sigma_y^2$ in place of $\sigma_y^2/n_j$ in the correct formula and this is what comes
# out, exactly. That single slip, the variance of a mean of $n_j$ observations taken as $n_j$
# times, not $1/n_j$ times, the variance of one, is what turns precision weighting upside
# down: the group mean's apparent variance now *grows* with $n_j$, so its weight falls, and as
# $n_j \to \infty$ the weight on the group's own data goes to **zero**: the better measured a
# group, the less its data would count. Separately, $\bar y_j$ appears where the
# covariate-adjusted mean $\bar y_j - \beta\bar x_j$ belongs.

# %%
right = radon_model.group_intercepts(
    mu=reml.mu, beta=reml.beta, sigma_alpha=reml.sigma_alpha, sigma_y=reml.sigma_y
)
quoted = hand_derivation.swapped_intercepts(
    radon,
    y="log_radon",
    group="county",
    mu=reml.mu,
    sigma_alpha=reml.sigma_alpha,
    sigma_y=reml.sigma_y,
)
unadjusted = reml.shrinkage * reml.ybar + (1 - reml.shrinkage) * reml.mu
# an independent fit
sm = crosscheck.statsmodels_mixedlm(radon, **cols, method="REML")
fitted = sm.alpha.reindex(right.index)
gaps = pd.Series(
    {
        "correct closed form": (right - fitted).abs().max(),
        "right weights, unadjusted ybar_j": (unadjusted - fitted).abs().max(),
        "quoted formula (n_j sigma_y^2)": (quoted - fitted).abs().max(),
    },
    name="largest |difference| from statsmodels' intercepts",
)
gaps.to_frame()

# %% tags=["hide-input"]
sa2, sy2, n = reml.sigma_alpha**2, reml.sigma_y**2, reml.n
slipped_var = n * sy2  # the slip: n_j sigma_y^2 for the variance of a group mean
slipped = (
    sa2 / (sa2 + slipped_var) * reml.ybar
    + slipped_var / (sa2 + slipped_var) * reml.mu
)
checks = Checks("statsmodels' intercepts and the substitution")
checks.close("correct closed form vs statsmodels", right, fitted, rtol=0, atol=1e-6)
checks.close(
    "sigma_y^2/n_j -> n_j sigma_y^2 in the correct formula gives the quoted one",
    slipped,
    quoted,
    rtol=1e-13,
)
checks.holds(
    "unadjusted ybar_j misses statsmodels by more than 0.05", gaps.iloc[1] > 0.05
)
checks.holds("the quoted formula misses by more than 0.1", gaps.iloc[2] > 0.1)
checks

# %% tags=["hide-input"]
big = reml.n.idxmax()
w_hand = reml.sigma_alpha**2 / (reml.n[big] * reml.sigma_y**2 + reml.sigma_alpha**2)
Markdown(
    f"In the largest county, {big.title()} ($n_j$ = {reml.n[big]}), the correct weight on its "
    f"own data is $\\lambda_j$ = {reml.shrinkage[big]:.3f}; the quoted formula gives it "
    f"{w_hand:.4f}. (Intercepts here are for basement measurements, $x_{{ij}} = 0$.)"
)

# %% [markdown]
# ## The line for the population mean: an identity, not an estimator
#
# Next the derivation writes
#
# $$
# \mu_\alpha = \frac{\hat{\alpha}_j - \frac{\sigma_\alpha^2}{n_j \sigma_y^2 + \sigma_\alpha^2}
# \bar{y}_j}{\frac{n_j \sigma_y^2}{n_j \sigma_y^2 + \sigma_\alpha^2}}.
# $$
#
# This is the intercept equation solved for $\mu_\alpha$, and it is an identity: put in the
# $\hat\alpha_j$ that the same (quoted) weights produced from some value $m$ of $\mu_\alpha$,
# and each of the $J$ groups gives back $m$ exactly, whatever $m$ was. The same holds for the
# correct weights: solving $\hat\alpha_j = \lambda_j(\bar y_j - \beta\bar x_j) +
# (1-\lambda_j)\mu_\alpha$ for $\mu_\alpha$ returns the $\mu_\alpha$ the $\hat\alpha_j$ were
# computed with, in every group. So the line cannot estimate anything: it only undoes the
# intercept formula. (Evaluated with the fitted model's $\hat\alpha_j$, which were computed
# with the correct $\lambda_j$, the quoted weights give a different value for each group; that
# spread says only that the quoted weights are not the ones the intercepts were made with.)

# %%
m_values = [0.0, reml.mu, 3.0]  # values of mu_alpha to compute intercepts with
weight = reml.sigma_alpha**2 / (reml.n * reml.sigma_y**2 + reml.sigma_alpha**2)
lam_j, own = reml.shrinkage, reml.adjusted_ybar


def mu_back(alpha, w, own_mean):
    """alpha = w own + (1 - w) mu, solved for mu: one value per group."""
    return (alpha - w * own_mean) / (1 - w)


back = {}
for m in m_values:
    quoted_m = mu_back(weight * reml.ybar + (1 - weight) * m, weight, reml.ybar)
    right_m = mu_back(lam_j * own + (1 - lam_j) * m, lam_j, own)
    back[f"m = {m:.4g}"] = {
        "quoted weights: min": quoted_m.min(),
        "quoted weights: max": quoted_m.max(),
        "lambda_j: min": right_m.min(),
        "lambda_j: max": right_m.max(),
    }
identity_back = pd.DataFrame(back).T.rename_axis("alpha_j made with mu_alpha")
identity_back.round(10)

# %% tags=["hide-input"]
per_group = mu_back(reml.alpha, weight, reml.ybar)
m_array = np.array(m_values)
Markdown(
    f"Each of the {reml.J} groups returns the $\\mu_\\alpha$ it was given, for every $m$ "
    "tried, with either pair of weights. Only when the quoted line is fed the fitted model's "
    "intercepts (made with $\\lambda_j$, not with the quoted weights) do the groups disagree, "
    f"from {per_group.min():.3f} to {per_group.max():.3f}, while $\\hat\\mu$ = "
    f"{reml.mu:.4f} (REML)."
)

# %% [markdown]
# The estimating equation for $\mu_\alpha$ is the derivative of $\ell$ in $\mu_\alpha$, one
# equation for all groups:
#
# $$
# \frac{\partial\ell}{\partial\mu_\alpha}
# = \frac{1}{\sigma_\alpha^2}\sum_{j=1}^{J}(\alpha_j - \mu_\alpha) = 0
# \quad\Longrightarrow\quad
# \hat\mu_\alpha = \frac1J\sum_{j=1}^{J}\hat\alpha_j ,
# $$
#
# solved jointly with the $J$ intercept equations and the one for $\beta$ (Henderson's
# mixed-model equations). Eliminating the $\hat\alpha_j$ gives the same $\hat\mu_\alpha$ in
# closed form, the precision-weighted mean
# ([derived on the shrinkage page](shrinkage.py#the-precision-weights))
#
# $$
# \hat\mu_\alpha = \frac{\sum_j w_j(\bar y_j - \hat\beta\bar x_j)}{\sum_j w_j},
# \qquad w_j = \frac{1}{\sigma_\alpha^2 + \sigma_y^2/n_j},
# $$
#
# The question "why is $\hat\mu_\alpha$ the plain mean of the $\hat\alpha_j$?" has a precise
# answer, with its counter-examples computed on radon, on [the shrinkage page](shrinkage.py)
# (section "Why the estimated μ is the plain mean of the intercepts").

# %% tags=["hide-input"]
w = 1 / (reml.sigma_alpha**2 + reml.sigma_y**2 / reml.n)
checks = Checks("the fitted model")
checks.close("mean of the fitted alpha_j", reml.alpha.mean(), reml.mu, rtol=1e-12)
checks.close(
    "w_j-weighted mean of the adjusted means",
    (w * reml.adjusted_ybar).sum() / w.sum(),
    reml.mu,
    rtol=1e-12,
)
for col in identity_back.columns:
    checks.close(
        f"{col} = the mu_alpha used, at every m",
        identity_back[col].to_numpy(),
        m_array,
        rtol=1e-12,
        atol=1e-12,
    )
checks.holds(
    "fed the fitted (lambda_j) intercepts, the quoted line differs across groups",
    np.ptp(per_group) > 0.1,
)
checks

# %% [markdown]
# ## The intercept variance: about the mean weight times the truth, however many groups
#
# The derivative in $\sigma_\alpha^2$ and its solution are written
#
# $$
# \frac{\partial \log L}{\partial \sigma_\alpha^2} = -\frac{1}{2\sigma_\alpha^4}
# \sum_{j=1}^{J} (\alpha_j - \mu_\alpha)^2 + \frac{J}{2\sigma_\alpha^2} = 0,
# \qquad
# \hat{\sigma}_\alpha^2 = \frac{1}{J} \sum_{j=1}^{J} (\alpha_j - \mu_\alpha)^2 .
# $$
#
# As algebra this is the derivative of $\ell$ (with its $-J\log\sigma_\alpha$) up to sign:
# both terms are negated, which leaves the root, and so $\hat\sigma_\alpha^2$, unchanged. As an
# estimator, with the estimates $\hat\alpha_j$ plugged in, it is biased, and by a factor, not a
# small-sample amount. The deviations $\hat a_j = \hat\alpha_j - \mu_\alpha =
# \lambda_j(\bar y_j - \beta\bar x_j - \mu_\alpha)$ are shrunken means whose variance is
# $\lambda_j^2(\sigma_\alpha^2 + \sigma_y^2/n_j) = \lambda_j\sigma_\alpha^2$, so with the other
# parameters known
#
# $$
# \operatorname{E}\Big[\frac1J\sum_j\hat a_j^2\Big] = \overline{\lambda}\,\sigma_\alpha^2,
# \qquad \overline{\lambda} = \frac1J\sum_j\lambda_j .
# $$
#
# $\overline{\lambda}$ depends on the group sizes and on $\sigma_\alpha/\sigma_y$, not on $J$:
# add more groups of the same sizes and the factor stays where it is. The marginal
# likelihood accounts for the shrinkage; its EM update adds each group's remaining
# uncertainty $v_j = \operatorname{Var}(a_j \mid y) = \sigma_\alpha^2(1-\lambda_j)$, and
# returns the ML estimate exactly ([EM](em.py)).

# %%
sa2_table = pd.Series(
    {
        "ML estimate": ml.sigma_alpha**2,
        "quoted plug-in (1/J) sum (alpha_j - mu)^2": pp.naive_sigma_alpha2(
            ml.alpha, ml.mu
        ),
        "EM update: plug-in + mean v_j": pp.em_sigma_alpha2(
            ml.alpha, ml.mu, ml.cond_sd**2
        ),
    },
    name="sigma_alpha^2 at the ML fit",
)
sa2_table.to_frame()

# %% tags=["hide-input"]
checks = Checks("the ML fit")
checks.close(
    "EM update = ML sigma_alpha^2 (fixed point)",
    sa2_table.iloc[2],
    sa2_table.iloc[0],
    rtol=1e-8,
)
checks.holds(
    "plug-in below 0.8 x ML at the ML fit",
    sa2_table.iloc[1] < 0.8 * sa2_table.iloc[0],
)
Markdown(
    f"At the ML fit the plug-in is {sa2_table.iloc[1] / sa2_table.iloc[0]:.0%} of "
    f"$\\hat\\sigma_\\alpha^2$, and $\\overline{{\\lambda}}$ = {ml.shrinkage.mean():.2f}."
)

# %% tags=["hide-input"]
checks

# %% [markdown]
# That the factor is a property of the group sizes and not of having few groups is shown by
# simulation on [the EM page](em.py#why-the-naive-variance-estimate-is-too-small), with the
# radon county sizes and with every size repeated four times. Iterating the plug-in (shrink
# the intercepts, re-estimate $\sigma_\alpha^2$, shrink again) makes it worse: each pass
# shrinks harder, which lowers $\sigma_\alpha$, which shrinks harder still, and the iteration
# converges to 0, complete pooling. It is run on radon, pass by pass, on the same page
# ([the two iterations side by side](em.py#the-two-iterations-side-by-side)).

# %% [markdown]
# ## The residual variance: dividing by "J n_j" assumes equal groups
#
# $$
# \frac{\partial \log L}{\partial \sigma_y^2} = -\frac{1}{2\sigma_y^4} \sum_{j=1}^{J}
# \sum_{i=1}^{n_j} (y_{ij} - \alpha_j - \beta x_{ij})^2 + \frac{Jn_j}{2\sigma_y^2} = 0
# $$
#
# (Again both terms carry the opposite sign of $\partial\ell/\partial\sigma_y^2$, which leaves
# the root unchanged.) With unequal groups there is no single $n_j$; the count of observations is
# $N = \sum_j n_j$. And, as for $\sigma_\alpha^2$, plugging in the estimated intercepts loses
# the residual variation they absorbed; EM adds it back as $\sum_j n_j v_j$:
#
# $$
# \hat\sigma_y^2 = \frac{1}{N}\Big[\sum_j\sum_i(y_{ij} - \hat\alpha_j - \hat\beta x_{ij})^2
# + \sum_j n_j v_j\Big].
# $$

# %%
beta_ml = ml.beta["floor"]
sy2_table = pd.Series(
    {
        "ML estimate": ml.sigma_y**2,
        "divide by N, plug-in": hand_derivation.residual_variance(
            radon, **cols, alpha=ml.alpha, beta=beta_ml
        ),
        "divide by N, with EM's sum n_j v_j": hand_derivation.residual_variance(
            radon, **cols, alpha=ml.alpha, beta=beta_ml, cond_var=ml.cond_sd**2
        ),
    },
    name="sigma_y^2 at the ML fit",
)
sy2_table.to_frame()

# %% tags=["hide-input"]
checks = Checks("the ML fit")
checks.close(
    "EM's sigma_y^2 = ML (fixed point)",
    sy2_table.iloc[2],
    sy2_table.iloc[0],
    rtol=1e-8,
)
checks.holds(
    "the plug-in is below the ML estimate", sy2_table.iloc[1] < sy2_table.iloc[0]
)
Markdown(
    f'On radon, "$J n_j$" has no value to take: $J$ = {ml.J} and $n_j$ runs from '
    f"{ml.n.min()} to {ml.n.max()}, so $J n_j$ ranges from {ml.J * ml.n.min()} to "
    f"{ml.J * ml.n.max()}, while $N$ = {ml.N}."
)

# %% tags=["hide-input"]
checks

# %% [markdown]
# ## β given the intercepts (right), and its standard error (too small)
#
# Setting the derivative in $\beta$ to zero gives the slope, and the derivation attaches the
# variance of a least-squares slope:
#
# $$
# \hat\beta = \frac{\sum_{j=1}^{J}\sum_{i=1}^{n_j} x_{ij}(y_{ij} - \hat\alpha_j)}
# {\sum_{j=1}^{J}\sum_{i=1}^{n_j} x_{ij}^2},
# \qquad
# \operatorname{Var}(\hat\beta) = \frac{\sigma_y^2}{\sum_{j=1}^{J}\sum_{i=1}^{n_j} x_{ij}^2}.
# $$
#
# The slope is right: at the fitted intercepts it returns the mixed model's slope exactly (it is
# one row of Henderson's equations). The variance is not: it treats the $\hat\alpha_j$ as known,
# but they are estimated from the same data. The correct conditional variance is the $\beta$
# entry of $(X'V^{-1}X)^{-1}$, where $X$ holds the columns for $\mu_\alpha$ and $\beta$ and
# $V = \sigma_y^2 I + \sigma_\alpha^2 ZZ'$ is the covariance of $y$ with the intercepts
# integrated out ($Z$ the group indicators); [why $\beta$ has no split](why_beta.py) takes
# it apart.

# %%
beta_hand = hand_derivation.joint_mode_beta(radon, **cols, alpha=reml.alpha)
se_hand = hand_derivation.naive_beta_se(radon, "floor", sigma_y=reml.sigma_y)
X, Z, y, _ = reference.design(radon, **cols)  # Z: the group indicators
_, cov_dense, _ = reference.dense_gls(
    X, Z, y, sigma_alpha=reml.sigma_alpha, sigma_y=reml.sigma_y
)
se_dense = np.sqrt(cov_dense[1, 1])  # (X'V^-1 X)^-1 with the dense N x N matrix V
slope = pd.DataFrame(
    {
        "estimate": [
            beta_hand,
            reml.beta["floor"],
            reml.beta["floor"],
            sm.beta["floor"],
        ],
        "standard error": [
            se_hand,
            reml.se_beta["floor"],
            se_dense,
            sm.se_fixed["floor"],
        ],
    },
    index=[
        "quoted formulas",
        "partial_pooling (REML)",
        "dense (X'V^-1 X)^-1",
        "statsmodels (REML, tight)",
    ],
)
slope.round(5)

# %% tags=["hide-input"]
checks = Checks("dense linear algebra and statsmodels")
checks.close(
    "quoted slope at the fitted intercepts = REML slope",
    beta_hand,
    reml.beta["floor"],
    rtol=1e-12,
)
checks.close(
    "package s.e. = dense (X'V^-1 X)^-1",
    reml.se_beta["floor"],
    se_dense,
    rtol=1e-10,
)
checks.close(
    "package s.e. = statsmodels (observed Hessian)",
    reml.se_beta["floor"],
    sm.se_fixed["floor"],
    rtol=1e-2,
)
checks.holds(
    "the quoted s.e. is more than 10% too small",
    se_hand < 0.9 * reml.se_beta["floor"],
)
Markdown(
    f"The slope agrees to every digit; the quoted standard error is "
    f"{100 * (1 - se_hand / reml.se_beta['floor']):.0f}% too small. (statsmodels' standard "
    "error comes from the observed Hessian over all parameters, variances included, hence a "
    "difference in the later digits; the package reports the conditional standard error "
    "$\\sqrt{[(X'V^{-1}X)^{-1}]_{\\beta\\beta}}$, as lme4 does.)"
)

# %% tags=["hide-input"]
checks

# %% [markdown]
# ## Summary
#
# | line | as written | verdict | the correct version |
# |---|---|---|---|
# | $\log L$ | prior inside $\sum_i$; $\log\sigma$ terms in "constant" | wrong (later lines silently corrected) | prior once per group; $-N\log\sigma_y - J\log\sigma_\alpha$ kept |
# | $\partial/\partial\alpha_j$ | as above | right (for the corrected $\ell$) | the same |
# | $\hat\alpha_j$ | $n_j\sigma_y^2$ as the variance of $\bar y_j$; no covariate | wrong: one slip inverts the weights | $\lambda_j(\bar y_j - \beta\bar x_j) + (1-\lambda_j)\mu_\alpha$ |
# | $\mu_\alpha$ | the $\hat\alpha_j$ line solved for $\mu_\alpha$ | an identity: returns the $\mu_\alpha$ the $\hat\alpha_j$ were computed with | $\frac1J\sum_j\hat\alpha_j$ = the $w_j$-weighted mean of adjusted means |
# | $\hat\sigma_\alpha^2$ | $\frac1J\sum_j(\alpha_j-\mu_\alpha)^2$ | about $\overline{\lambda}$ times too small, for any $J$ | add $v_j$ (EM), i.e. maximize the marginal likelihood |
# | $\hat\sigma_y^2$ | divide by $J n_j$ | equal sizes assumed; biased | divide by $N$, add $\sum_j n_j v_j$ |
# | $\hat\beta$ | $\frac{\sum x(y-\alpha_j)}{\sum x^2}$ | right | the GLS slope |
# | $\operatorname{Var}\hat\beta$ | $\sigma_y^2/\sum x^2$ | too small | $[(X'V^{-1}X)^{-1}]_{\beta\beta}$ |
#
# The lesson: the joint density is the right tool for the intercepts given the variances, and
# the wrong one for the variances themselves. For those, integrate the intercepts out: that is
# [the marginal likelihood](likelihood.py).
