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
# A derivation of partial pooling circulates widely: write the joint likelihood of the data
# and the group intercepts, set its derivatives to zero, read off the estimates. The idea is
# sound, and half of its equations are right. The other half are wrong in instructive ways:
# the shrinkage weights come out **swapped**, the covariate goes **missing** from the group
# means, "$J n_j$" silently assumes **equal group sizes**, the joint-likelihood variance
# estimate is **biased**, and the slope's variance **ignores** that the intercepts were
# estimated.
#
# This page goes through it one equation at a time. Each claim is checked against a model
# fitted to real, unbalanced data, and each check is an assertion: if a formula here were
# wrong, the page would not build.

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import crosscheck, datasets, hand_derivation
from partial_pooling.em import joint_mode_path

radon = datasets.radon()
cols = ("log_radon", "county", "floor")
reml = pp.fit_random_intercept(radon, *cols, method="REML")
ml = pp.fit_random_intercept(radon, *cols, method="ML")

# %% tags=["hide-input"]
Markdown(
    f"The data: Minnesota radon, {reml.N} houses in {reml.J} counties of "
    f"{reml.n.min()} to {reml.n.max()} houses each; $y_{{ij}}$ is log radon and $x_{{ij}}$ "
    "the floor of the measurement. Unequal group sizes matter below. The fitted model is the "
    "REML fit unless a line says ML; both are checked against statsmodels."
)

# %%
for fit, method in [(reml, "REML"), (ml, "ML")]:
    sm = crosscheck.statsmodels_mixedlm(radon, "log_radon", "county", "floor", method=method)
    np.testing.assert_allclose(fit.fixed, sm.fe_params, rtol=1e-8)
    np.testing.assert_allclose(fit.sigma_alpha**2, sm.cov_re.iloc[0, 0], rtol=1e-6)
    np.testing.assert_allclose(fit.sigma_y**2, sm.scale, rtol=1e-6)

# %% [markdown]
# ## Step 0: the joint likelihood (right)
#
# The model is $y_{ij} = \alpha_j + \beta x_{ij} + \varepsilon_{ij}$ with
# $\varepsilon_{ij} \sim N(0, \sigma_y^2)$ and $\alpha_j \sim N(\mu_\alpha, \sigma_\alpha^2)$.
# Treating the $\alpha_j$ as unknowns alongside the parameters, the joint log density of data and
# intercepts is, up to a constant,
#
# $$
# \ell(\alpha, \beta, \mu_\alpha) =
# -\frac{1}{2\sigma_y^2}\sum_{j=1}^{J}\sum_{i=1}^{n_j}(y_{ij} - \alpha_j - \beta x_{ij})^2
# -\frac{1}{2\sigma_\alpha^2}\sum_{j=1}^{J}(\alpha_j - \mu_\alpha)^2
# - N\log\sigma_y - J\log\sigma_\alpha .
# $$
#
# This is right, and maximizing it over the $\alpha_j$ (with the variances held fixed) is a
# legitimate way to get the group intercepts: they come out as the fitted model's conditional
# modes. The fitted intercepts do maximize it; nudging any of them lowers it:

# %%
args = (reml.beta, reml.mu, reml.sigma_alpha, reml.sigma_y)
at_fit = pp.joint_loglik(radon, *cols, reml.alpha, *args)
rng = np.random.default_rng(20261125)
nudged = [pp.joint_loglik(radon, *cols, reml.alpha + rng.normal(0, 0.01, reml.J), *args)
          for _ in range(20)]
assert max(nudged) < at_fit
pd.Series({"at the fitted intercepts": at_fit, "best of 20 nudges": max(nudged)},
          name="joint log-likelihood").to_frame()

# %% [markdown]
# ## Step 1: the intercepts (weights swapped, covariate missing)
#
# The derivative in $\alpha_j$ is
#
# $$
# \frac{\partial\ell}{\partial\alpha_j} =
# \frac{1}{\sigma_y^2}\sum_{i}(y_{ij} - \alpha_j - \beta x_{ij})
# - \frac{\alpha_j - \mu_\alpha}{\sigma_\alpha^2} = 0 .
# $$
#
# Collect the $\alpha_j$ terms: $\alpha_j\,(n_j/\sigma_y^2 + 1/\sigma_\alpha^2) =
# n_j(\bar y_j - \beta\bar x_j)/\sigma_y^2 + \mu_\alpha/\sigma_\alpha^2$, so
#
# $$
# \hat\alpha_j = \lambda_j\,(\bar y_j - \beta\,\bar x_j) + (1-\lambda_j)\,\mu_\alpha,
# \qquad
# \lambda_j = \frac{n_j/\sigma_y^2}{n_j/\sigma_y^2 + 1/\sigma_\alpha^2}
# = \frac{n_j\sigma_\alpha^2}{n_j\sigma_\alpha^2 + \sigma_y^2}.
# $$
#
# The weight on the group's own data is **its share of the precision**: $n_j/\sigma_y^2$ from
# its $n_j$ observations against $1/\sigma_\alpha^2$ from the population. The hand
# derivation instead writes
#
# $$
# \alpha_j \overset{?}{=} \frac{\sigma_\alpha^2}{n_j\sigma_y^2 + \sigma_\alpha^2}\,\bar y_j
# + \frac{n_j\sigma_y^2}{n_j\sigma_y^2 + \sigma_\alpha^2}\,\mu_\alpha .
# $$
#
# Two things went wrong. The weights are swapped (the $n_j$ and each variance attached to the
# wrong source), and $\bar y_j$ appears where the covariate-adjusted mean
# $\bar y_j - \beta\bar x_j$ belongs. A limit exposes the first error at once: as
# $n_j \to \infty$ the hand formula's weight on $\bar y_j$ goes to **zero**, so the better
# measured a group, the less its data would count.

# %%
right = pp.group_intercepts(radon, *cols, reml.mu, reml.beta, reml.sigma_alpha, reml.sigma_y)
swapped = hand_derivation.swapped_intercepts(radon, "log_radon", "county", reml.mu,
                                             reml.sigma_alpha, reml.sigma_y)
unadjusted = reml.shrinkage * reml.ybar + (1 - reml.shrinkage) * reml.mu
sm = crosscheck.statsmodels_mixedlm(radon, "log_radon", "county", "floor", method="REML")
fitted = pd.Series({k: v.iloc[0] for k, v in sm.random_effects.items()}) + sm.fe_params.iloc[0]
fitted = fitted.reindex(right.index)
gaps = pd.Series({
    "correct closed form": (right - fitted).abs().max(),
    "right weights, unadjusted ybar_j": (unadjusted - fitted).abs().max(),
    "hand derivation (swapped weights)": (swapped - fitted).abs().max(),
}, name="largest |difference| from statsmodels' intercepts")
assert gaps.iloc[0] < 1e-6 and gaps.iloc[1] > 0.05 and gaps.iloc[2] > 0.1
gaps.to_frame()

# %% tags=["hide-input"]
big = reml.n.idxmax()
w_hand = reml.sigma_alpha**2 / (reml.n[big] * reml.sigma_y**2 + reml.sigma_alpha**2)
Markdown(
    f"In the largest county, {big.title()} ($n_j$ = {reml.n[big]}), the correct weight on its "
    f"own data is $\\lambda_j$ = {reml.shrinkage[big]:.3f}; the swapped formula gives it "
    f"{w_hand:.4f}. (Intercepts here are for basement measurements, $x_{{ij}} = 0$; the "
    "correct closed form matches the fitted intercepts to rounding error in every county.)"
)

# %% [markdown]
# ## Step 2: why μ_α is the plain mean of the α_j (right, and why)
#
# The hand derivation asks where $\mu_\alpha = \frac1J\sum_j\alpha_j$ comes from. First
# answer: the derivative in $\mu_\alpha$,
#
# $$
# \frac{\partial\ell}{\partial\mu_\alpha} = \frac{1}{\sigma_\alpha^2}\sum_j(\alpha_j - \mu_\alpha) = 0
# \quad\Longrightarrow\quad
# \hat\mu_\alpha = \frac1J\sum_j\hat\alpha_j,
# $$
#
# so at the optimum the group deviations $\hat a_j = \hat\alpha_j - \hat\mu_\alpha$ sum to zero:
# an unweighted mean, even with unequal groups. Second answer: $\hat\mu_\alpha$ is *also* the
# precision-weighted mean of the adjusted group means,
#
# $$
# \hat\mu_\alpha = \frac{\sum_j w_j(\bar y_j - \hat\beta\bar x_j)}{\sum_j w_j},
# \qquad w_j = \frac{1}{\sigma_\alpha^2 + \sigma_y^2/n_j},
# $$
#
# where $w_j$ is the precision of group $j$'s mean as an estimate of $\mu_\alpha$. Both hold
# at once because $\lambda_j = \sigma_\alpha^2 w_j$: averaging the *shrunken* intercepts
# equally is the same as averaging the *unshrunken* means with weights $\lambda_j \propto w_j$.
# Big groups count more through $\lambda_j$, not through the average.

# %%
w = 1 / (reml.sigma_alpha**2 + reml.sigma_y**2 / reml.n)
checks = pd.Series({
    "mu (fitted)": reml.mu,
    "mean of the fitted alpha_j": reml.alpha.mean(),
    "precision-weighted mean of adjusted means": (w * reml.adjusted_ybar).sum() / w.sum(),
    "lambda-weighted mean of adjusted means":
        (reml.shrinkage * reml.adjusted_ybar).sum() / reml.shrinkage.sum(),
    "plain mean of adjusted means": reml.adjusted_ybar.mean(),
})
np.testing.assert_allclose(checks.iloc[1:4], reml.mu, rtol=1e-12)
assert abs(reml.a.sum()) < 1e-10 and abs(checks.iloc[4] - reml.mu) > 1e-3
checks.to_frame("value").round(10)

# %% [markdown]
# The last line is the trap: the *plain* mean of the group means would give a small county
# the same say as a large one.
#
# ## Step 3: σ_α² from the intercepts (biased)
#
# The derivative in $\sigma_\alpha$ gives
# $\hat\sigma_\alpha^2 = \frac1J\sum_j(\hat\alpha_j - \hat\mu_\alpha)^2$. As algebra this is
# right; as an estimator it is wrong, because it plugs the **shrunken** intercepts in as if
# they were the true ones. Shrunken estimates vary less than the quantities they estimate,
# so the plug-in is too small. The marginal likelihood, which integrates the $\alpha_j$ out,
# accounts for this: its EM update adds each group's remaining uncertainty
# $v_j = \operatorname{Var}(a_j \mid y) = \sigma_\alpha^2(1 - \lambda_j)$,
#
# $$
# \hat\sigma_\alpha^2 = \frac1J\sum_j\big[(\hat\alpha_j - \hat\mu_\alpha)^2 + v_j\big],
# $$
#
# and at the ML estimate this returns $\hat\sigma_\alpha^2$ exactly (a fixed point).

# %%
sa2 = pd.Series({
    "ML estimate": ml.sigma_alpha**2,
    "hand derivation: plug-in (1/J) sum (alpha_j - mu)^2": pp.naive_sigma_alpha2(ml.alpha, ml.mu),
    "EM update: plug-in + mean v_j": pp.em_sigma_alpha2(ml.alpha, ml.mu, ml.cond_sd**2),
}, name="sigma_alpha^2 at the ML fit")
np.testing.assert_allclose(sa2.iloc[2], sa2.iloc[0], rtol=1e-8)
assert sa2.iloc[1] < 0.8 * sa2.iloc[0]
sa2.to_frame()

# %% tags=["hide-input"]
path = joint_mode_path(radon, *cols, ml.sigma_alpha, ml.sigma_y)
assert path["sigma_alpha"].iloc[-1] == 0.0
Markdown(
    f"Iterating the hand derivation's equations (intercepts, then variances, then intercepts "
    f"again) makes it worse: each pass shrinks harder, and on radon $\\sigma_\\alpha$ falls "
    f"from the ML value {ml.sigma_alpha:.3f} to exactly 0 in {len(path) - 1} passes, which is "
    "complete pooling. The [likelihood page](../likelihood/) shows why the joint likelihood "
    "cannot estimate variances and how EM repairs it."
)

# %% [markdown]
# ## Step 4: σ_y² with "J n_j" (equal sizes assumed, and biased)
#
# The hand derivation divides the residual sum of squares by $J n_j$. With unequal groups
# there is no single $n_j$; the count of observations is $N = \sum_j n_j$. And, as for
# $\sigma_\alpha^2$, plugging in the estimated intercepts loses the residual variation they
# absorbed; EM adds it back as $\sum_j n_j v_j$:
#
# $$
# \hat\sigma_y^2 = \frac{1}{N}\Big[\sum_j\sum_i(y_{ij} - \hat\alpha_j - \hat\beta x_{ij})^2
# + \sum_j n_j v_j\Big].
# $$

# %%
beta_ml = ml.beta["floor"]
sy2 = pd.Series({
    "ML estimate": ml.sigma_y**2,
    "divide by N, plug-in": hand_derivation.residual_variance(radon, *cols, ml.alpha, beta_ml),
    "divide by N, with EM's sum n_j v_j": hand_derivation.residual_variance(
        radon, *cols, ml.alpha, beta_ml, ml.cond_sd**2),
}, name="sigma_y^2 at the ML fit")
np.testing.assert_allclose(sy2.iloc[2], sy2.iloc[0], rtol=1e-8)
assert sy2.iloc[1] < sy2.iloc[0]
sy2.to_frame()

# %% tags=["hide-input"]
Markdown(
    f"On radon, \"$J n_j$\" has no value to take: $J$ = {ml.J} and $n_j$ runs from "
    f"{ml.n.min()} to {ml.n.max()}, so $J n_j$ ranges from {ml.J * ml.n.min()} to "
    f"{ml.J * ml.n.max()}, while $N$ = {ml.N}."
)

# %% [markdown]
# ## Step 5: β given the intercepts (right), its variance (too small)
#
# The derivative in $\beta$ gives
#
# $$
# \hat\beta = \frac{\sum_j\sum_i x_{ij}(y_{ij} - \hat\alpha_j)}{\sum_j\sum_i x_{ij}^2}.
# $$
#
# This one is right: at the fitted intercepts it returns the mixed model's slope exactly (it is
# one row of Henderson's mixed-model equations). But $\hat\beta$ and the $\hat\alpha_j$ are
# estimated from the same data, so the hand derivation's variance
# $\sigma_y^2/\sum_j\sum_i x_{ij}^2$, which treats the intercepts as known, is too small. The
# correct variance is the $\beta$ entry of $\sigma_y^2(X'WX)^{-1}$, which accounts for the
# intercepts being estimated; [why $\beta$ has no split](../why_beta/) takes this apart.

# %%
beta_hand = hand_derivation.joint_mode_beta(radon, *cols, reml.alpha)
se_hand = hand_derivation.naive_beta_se(radon, "floor", reml.sigma_y)
# sigma_y^2 (X'WX)^{-1} = (X'V^{-1}X)^{-1} with the dense N x N covariance matrix V
X = np.column_stack([np.ones(reml.N), radon["floor"]])
Z = (radon["county"].to_numpy()[:, None] == reml.alpha.index.to_numpy()[None, :]) * 1.0
V = reml.sigma_y**2 * np.eye(reml.N) + reml.sigma_alpha**2 * Z @ Z.T
se_dense = np.sqrt(np.linalg.inv(X.T @ np.linalg.solve(V, X))[1, 1])
slope = pd.DataFrame({
    "estimate": [beta_hand, reml.beta["floor"], reml.beta["floor"], sm.fe_params["floor"]],
    "standard error": [se_hand, reml.se_beta["floor"], se_dense, sm.bse_fe["floor"]],
}, index=["hand derivation", "partial_pooling (REML)", "dense (X'V^-1 X)^-1",
          "statsmodels (REML, tight)"])
np.testing.assert_allclose(beta_hand, reml.beta["floor"], rtol=1e-12)
np.testing.assert_allclose(reml.se_beta["floor"], se_dense, rtol=1e-10)
np.testing.assert_allclose(reml.se_beta["floor"], sm.bse_fe["floor"], rtol=1e-2)
assert se_hand < 0.9 * reml.se_beta["floor"]
slope.round(5)

# %% tags=["hide-input"]
Markdown(
    f"The slope agrees to every digit; the hand derivation's standard error is "
    f"{100 * (1 - se_hand / reml.se_beta['floor']):.0f}% too small. (statsmodels' standard "
    "error comes from the observed Hessian over all parameters, variances included, hence a "
    "difference in the later digits; the package reports the conditional standard error "
    "$\\sqrt{\\sigma_y^2[(X'WX)^{-1}]_{\\beta\\beta}}$, as lme4 does.)"
)

# %% [markdown]
# ## Summary
#
# | step | the hand derivation | verdict | the correct version |
# |---|---|---|---|
# | joint likelihood | $\ell(\alpha,\beta,\mu_\alpha)$ | right | the same |
# | intercepts | weights $\frac{\sigma_\alpha^2}{n_j\sigma_y^2+\sigma_\alpha^2}$ on $\bar y_j$ | swapped, covariate missing | $\lambda_j(\bar y_j - \beta\bar x_j) + (1-\lambda_j)\mu_\alpha$ |
# | $\mu_\alpha$ | $\frac1J\sum_j\alpha_j$ | right | also the precision-weighted mean of adjusted group means |
# | $\sigma_\alpha^2$ | $\frac1J\sum_j(\alpha_j-\mu_\alpha)^2$ | biased down | add $v_j$ (EM), i.e. maximize the marginal likelihood |
# | $\sigma_y^2$ | divide by $J n_j$ | equal sizes assumed, biased | divide by $N$, add $\sum_j n_j v_j$ |
# | $\beta$ | $\frac{\sum x(y-\alpha_j)}{\sum x^2}$ | right | the GLS slope |
# | $\operatorname{Var}\hat\beta$ | $\sigma_y^2/\sum x^2$ | too small | $\sigma_y^2[(X'WX)^{-1}]_{\beta\beta}$ |
#
# The lesson: the joint likelihood is the right tool for the intercepts given the variances,
# and the wrong one for the variances themselves. For those, integrate the intercepts out:
# that is [the marginal likelihood](../likelihood/). The corrected intercept formula is
# the subject of [the shrinkage estimator](../shrinkage/).
