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
# # The likelihood, joint and marginal
#
# A mixed model has two likelihoods. The **joint** density $p(y, \alpha \mid \dots)$ treats the
# group intercepts $\alpha_j$ as if they were observed; the **marginal** likelihood
# $p(y \mid \dots)$ integrates them out. ML maximizes the marginal likelihood; REML maximizes
# the restricted likelihood, the marginal likelihood of the residual contrasts, in which the
# intercepts are integrated out too.
# Maximizing the joint density over $\sigma_\alpha$ as well does not work: it grows without
# bound as $\sigma_\alpha \to 0$, and the natural iteration that re-estimates $\sigma_\alpha$
# from the shrunken $\hat\alpha_j$ underestimates it (they vary less than the true intercepts)
# and, on our data, slides all the way to 0 ([the next page](em.py); the EM algorithm
# repairs exactly that). One exact identity between the two likelihoods explains all of it. This page writes both likelihoods down, evaluates
# them on real data and checks every formula against an independent computation (the checks
# fold away under each result).
#
# ## The running example
#
# We use Gelman and Hill's Minnesota radon data (see [the data sets](../data.md)): $y_{ij}$ is
# the log radon level of house $i$ in county $j$, $x_{ij}$ the floor of the measurement
# (0 = basement, 1 = first floor). The counties are very unequal in size, which is what makes
# partial pooling interesting. We fit the random-intercept model by ML and by REML once, here,
# and use the fits throughout.

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown
from scipy import integrate, stats

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import crosscheck, figures, reference
from partial_pooling.likelihood import integration_correction


# %%
radon = datasets.radon()
cols = {"y": "log_radon", "group": "county", "x": "floor"}
radon_model = pp.Model(radon, **cols)
ml = radon_model.fit(method="ML")
reml = radon_model.fit(method="REML")
y = radon["log_radon"].to_numpy()
x = radon["floor"].to_numpy(dtype=float)
N, J = ml.N, ml.J

# %% tags=["hide-input"]
Markdown(
    f"There are $N$ = {N} houses in $J$ = {J} counties; $n_j$ ranges from {ml.n.min()} to "
    f"{ml.n.max()} houses, with a median of {ml.n.median():.0f}. "
    f"The ML fit has $\\hat\\sigma_\\alpha$ = {ml.sigma_alpha:.4f} and "
    f"$\\hat\\sigma_y$ = {ml.sigma_y:.4f}; the REML fit has $\\hat\\sigma_\\alpha$ = "
    f"{reml.sigma_alpha:.4f} and $\\hat\\sigma_y$ = {reml.sigma_y:.4f}."
)

# %% [markdown]
# ## The joint density
#
# The model says: draw each county's intercept from the population, then draw each house
# around its county's line,
#
# $$
# \alpha_j \sim N(\mu, \sigma_\alpha^2), \qquad
# y_{ij} \mid \alpha_j \sim N(\alpha_j + x_{ij}\beta, \sigma_y^2).
# $$
#
# Multiplying the two gives the joint density of the data and the intercepts,
#
# $$
# \log p(y, \alpha \mid \mu, \beta, \sigma_\alpha, \sigma_y)
# = \sum_{j=1}^{J}\sum_{i=1}^{n_j} \log N(y_{ij} \mid \alpha_j + x_{ij}\beta,\ \sigma_y^2)
# + \sum_{j=1}^{J} \log N(\alpha_j \mid \mu,\ \sigma_\alpha^2). \tag{1}
# $$
#
# It is a function of the $\alpha_j$ as well as of the parameters. We evaluate it with
# `radon_model.joint_loglik` at the ML estimates, with each $\alpha_j$ set to its shrinkage
# estimate $\hat\alpha_j$, and check it against the two sums in (1) written with scipy's normal
# density.

# %%
beta = ml.beta["floor"]
joint = radon_model.joint_loglik(
    alpha=ml.alpha,
    beta=ml.beta,
    mu=ml.mu,
    sigma_alpha=ml.sigma_alpha,
    sigma_y=ml.sigma_y,
)
print(f"joint log density at the ML fit: {joint:.6f}")

# %% tags=["hide-input"]
alpha_i = radon["county"].map(ml.alpha).to_numpy()  # each house's county intercept
joint_scipy = (
    stats.norm.logpdf(y, alpha_i + x * beta, ml.sigma_y).sum()
    + stats.norm.logpdf(ml.alpha.to_numpy(), ml.mu, ml.sigma_alpha).sum()
)
checks = Checks("the two sums of (1) with scipy's normal density")
checks.close("joint log density", joint, joint_scipy, rtol=1e-12)
checks

# %% [markdown]
# ## Integrating the intercepts out
#
# The data do not contain the $\alpha_j$, so the likelihood of the parameters is the joint
# density with each $\alpha_j$ integrated out. The groups are independent, so the integral
# factors into one one-dimensional integral per group,
#
# $$
# p(y \mid \mu, \beta, \sigma_\alpha, \sigma_y)
# = \prod_{j=1}^{J} \int p(y_j \mid \alpha_j, \beta, \sigma_y)\,
#   p(\alpha_j \mid \mu, \sigma_\alpha)\, d\alpha_j .
# $$
#
# The exponent of each integrand is quadratic in $\alpha_j$. Completing the square leaves a
# Gaussian in $\alpha_j$ (which integrates to a constant) times a Gaussian in $y_j$. The quick
# way to see which Gaussian: with $\alpha_j = \mu + a_j$, the vector
# $y_j = \mu 1 + x_j\beta + a_j 1 + \varepsilon_j$ is a sum of independent normals, so
#
# $$
# y_j \sim N\big(\mu 1 + x_j\beta,\ V_j\big), \qquad
# V_j = \sigma_y^2 I_{n_j} + \sigma_\alpha^2 1 1'. \tag{2}
# $$
#
# Every pair of houses in a county is correlated through the shared $a_j$. $V_j$ is "identity
# plus a constant", so its determinant and inverse have closed forms in
# $\psi = \sigma_\alpha^2/\sigma_y^2$:
#
# $$
# |V_j| = \sigma_y^{2n_j}\,(1 + n_j\psi), \qquad
# V_j^{-1} = \sigma_y^{-2}\Big(I - \frac{\psi}{1 + n_j\psi}\,1 1'\Big). \tag{3}
# $$
#
# With (3), the log of the density (2), summed over groups, needs only each group's residuals
# $r_{ij} = y_{ij} - \mu - x_{ij}\beta$ and their sum:
#
# $$
# \ell(\mu, \beta, \sigma_\alpha, \sigma_y) = -\frac12 \sum_{j=1}^{J}\Big[
#   n_j \log 2\pi + n_j\log\sigma_y^2 + \log(1 + n_j\psi)
#   + \frac{1}{\sigma_y^2}\Big(\sum_i r_{ij}^2 - \frac{\psi}{1+n_j\psi}\Big(\sum_i r_{ij}\Big)^2
#   \Big)\Big].
# $$
#
# This is `radon_model.marginal_loglik`. We check (3) with dense linear algebra on the largest
# county, then the whole formula three ways: (a) against scipy's multivariate normal density
# (2), group by group; (b) by doing the integral over each $\alpha_j$ numerically; (c) against
# statsmodels. All at the ML estimates.

# %%
marginal = radon_model.marginal_loglik(
    mu=ml.mu, beta=ml.beta, sigma_alpha=ml.sigma_alpha, sigma_y=ml.sigma_y
)
print(f"marginal log-likelihood at the ML fit: {marginal:.6f}")

# %% tags=["hide-input"]
psi, sy2 = ml.psi, ml.sigma_y**2
n_big = int(ml.n.max())
V = sy2 * np.eye(n_big) + ml.sigma_alpha**2 * np.ones((n_big, n_big))
det_formula = n_big * np.log(sy2) + np.log1p(n_big * psi)
inv_formula = (
    np.eye(n_big) - psi / (1 + n_big * psi) * np.ones((n_big, n_big))
) / sy2
checks = Checks("dense linear algebra and scipy's multivariate normal")
checks.close(
    f"(3): log|V_j| at n_j = {n_big}",
    det_formula,
    np.linalg.slogdet(V)[1],
    rtol=0,
    atol=1e-9,
)
checks.close(
    f"(3): V_j^-1 at n_j = {n_big}",
    inv_formula,
    np.linalg.inv(V),
    rtol=0,
    atol=1e-12,
)
mvn_by_group = {}
for name, grp in radon.groupby("county"):
    n_j = len(grp)
    V_j = sy2 * np.eye(n_j) + ml.sigma_alpha**2 * np.ones((n_j, n_j))
    mean_j = ml.mu + beta * grp["floor"].to_numpy()
    mvn_by_group[name] = stats.multivariate_normal(mean_j, V_j).logpdf(
        grp["log_radon"].to_numpy()
    )
mvn = sum(mvn_by_group.values())
checks.close(
    "(a) marginal log-likelihood, summed over the counties",
    marginal,
    mvn,
    rtol=1e-12,
)
checks

# %% [markdown]
# (b) "Integrating out" is meant literally. For each county we integrate the joint density's
# group-$j$ factor, $\prod_i N(y_{ij} \mid \alpha_j + x_{ij}\beta, \sigma_y^2)\,
# N(\alpha_j \mid \mu, \sigma_\alpha^2)$, over $\alpha_j$ with adaptive quadrature. To stay in
# log space we factor out the integrand's value at its peak (the shrinkage estimate
# $\hat\alpha_j$) and integrate over $\pm 40$ conditional SDs around it. The integrand is
# the normal density written out in the cell, not taken from the package. The cell prints the sum over all
# counties against the package, then shows the smallest, a middle and the largest county.


# %%
def log_normal(v, mean, sd):
    return -0.5 * np.log(2 * np.pi * sd**2) - (v - mean) ** 2 / (2 * sd**2)


def log_integral(y_j, x_j, centre, scale):
    """log of the integral over alpha_j of group j's factor (numerically)."""

    def log_f(alpha):
        return log_normal(y_j, alpha + x_j * beta, ml.sigma_y).sum() + log_normal(
            alpha, ml.mu, ml.sigma_alpha
        )

    peak = log_f(centre)
    value, _ = integrate.quad(
        lambda a: np.exp(log_f(a) - peak),
        centre - 40 * scale,
        centre + 40 * scale,
        epsabs=0,
        epsrel=1e-12,
        limit=200,
    )
    return peak + np.log(value)


by_group = pd.DataFrame(
    {
        "n_j": ml.n,
        "numerical integral": [
            log_integral(
                grp["log_radon"].to_numpy(),
                grp["floor"].to_numpy(float),
                ml.alpha[name],
                ml.cond_sd[name],
            )
            for name, grp in radon.groupby("county")
        ],
        "scipy MVN density (2)": pd.Series(mvn_by_group),
    }
)
by_group["difference"] = (
    by_group["numerical integral"] - by_group["scipy MVN density (2)"]
)
quad_total = by_group["numerical integral"].sum()
print(
    f"(b) sum of the {J} numerical integrals {quad_total:.8f};\n"
    f"radon_model.marginal_loglik {marginal:.8f}"
)
shown = by_group.sort_values("n_j", kind="stable").iloc[[0, J // 2, -1]]
shown.round(8).assign(difference=shown["difference"].map(lambda v: f"{v:.1e}"))

# %% tags=["hide-input"]
checks = Checks("adaptive quadrature over each alpha_j")
checks.close(
    f"each county's integral vs its MVN density ({J} counties)",
    by_group["numerical integral"],
    by_group["scipy MVN density (2)"],
    rtol=1e-10,
    atol=1e-10,
)
checks.close(
    "sum of the integrals vs radon_model.marginal_loglik",
    quad_total,
    marginal,
    rtol=1e-10,
)
checks

# %% [markdown]
# (c) statsmodels' `MixedLM` is an independent implementation of the same marginal likelihood,
# with the same constants. Fitted by ML with tight settings (`crosscheck.statsmodels_mixedlm`),
# its `llf` should equal our maximum, and `radon_model.marginal_loglik` evaluated at
# *statsmodels'* estimates should equal its `llf` too.

# %%
sm_ml = crosscheck.statsmodels_mixedlm(radon, **cols, method="ML")
at_sm = radon_model.marginal_loglik(
    mu=sm_ml.mu,
    beta=sm_ml.beta,
    sigma_alpha=sm_ml.sigma_alpha,
    sigma_y=sm_ml.sigma_y,
)

# %% tags=["hide-input"]
checks = Checks("statsmodels MixedLM (ML, fitted tightly)")
Markdown(
    checks.table(
        [
            ("radon_model.marginal_loglik at our ML fit", marginal, sm_ml.loglik),
            ("our ML fit's loglik", ml.loglik, sm_ml.loglik),
            (
                "radon_model.marginal_loglik at statsmodels' fit",
                at_sm,
                sm_ml.loglik,
            ),
        ],
        columns=("(c)", "log-likelihood (ML)", "statsmodels' llf"),
        rtol=1e-10,
        digits=10,
    )
)

# %% tags=["hide-input"]
checks

# %% [markdown]
# ## ML and REML
#
# ML maximizes $\ell$ over $(\mu, \beta, \sigma_\alpha, \sigma_y)$ together. Its variance
# estimates are biased downward for the same reason that dividing a residual sum of squares by
# $N$ is: the residuals are measured from estimated $(\mu, \beta)$, which fit the data a bit
# better than the true values would. REML maximizes the likelihood of the residual contrasts,
# which do not involve $(\mu, \beta)$ at all. The result is the marginal likelihood with
# $(\mu,\beta)$ replaced by their GLS estimate $\hat b$ and one extra term, the
# analogue of dividing by $N - k$ (here $k = 2$ fixed effects, $\mu$ and $\beta$):
#
# $$
# \ell_R(\sigma_\alpha, \sigma_y) = -\frac12\Big[(N-k)\log 2\pi + \log|V|
#   + \log|X'V^{-1}X| + (y - X\hat b)'V^{-1}(y - X\hat b)\Big]. \tag{4}
# $$
#
# We check (4) by building the full $N \times N$ matrix $V = \sigma_y^2 I + \sigma_\alpha^2 ZZ'$
# ($Z$ the county indicators) and doing the algebra densely
# (`partial_pooling.site.reference`), and against statsmodels' REML
# `llf`, both at the REML estimates. Then we compare the whole REML fit with statsmodels'
# default `fit()`, which stops short of the optimum, and with that fit polished by Newton's
# method on statsmodels' own log-likelihood and score (`crosscheck.statsmodels_mixedlm`), which
# does not.

# %%
X, Z, _, _ = reference.design(radon, **cols)
reml_dense = reference.dense_reml_loglik(
    X, Z, y, sigma_alpha=reml.sigma_alpha, sigma_y=reml.sigma_y
)
b_gls, _, _ = reference.dense_gls(
    X, Z, y, sigma_alpha=reml.sigma_alpha, sigma_y=reml.sigma_y
)
reml_pkg = radon_model.reml_loglik(
    sigma_alpha=reml.sigma_alpha, sigma_y=reml.sigma_y
)
sm_reml = crosscheck.statsmodels_mixedlm(radon, **cols, method="REML")
print(
    f"REML log-likelihood: package {reml_pkg:.8f},\n"
    f"dense algebra {reml_dense:.8f}, statsmodels {sm_reml.loglik:.8f}"
)

# %% tags=["hide-input"]
checks = Checks("dense N x N algebra for (4)")
checks.close(
    "package, fit and statsmodels REML log-likelihoods vs dense (4)",
    [reml_pkg, reml.loglik, sm_reml.loglik],
    [reml_dense] * 3,
    rtol=1e-10,
)
checks.close(
    "GLS (mu, beta) vs the REML fit",
    b_gls,
    [reml.mu, reml.beta["floor"]],
    rtol=1e-10,
)
checks

# %%
sm_default = crosscheck.statsmodels_mixedlm_default(radon, **cols, method="REML")


def estimates(fit):
    return {
        "mu": fit.mu,
        "beta": fit.beta["floor"],
        "sigma_alpha": fit.sigma_alpha,
        "sigma_y": fit.sigma_y,
        "REML loglik": fit.loglik,
    }


comparison = pd.DataFrame(
    {
        "ours": estimates(reml),
        "statsmodels tight": estimates(sm_reml),
        "statsmodels default": estimates(sm_default),
    }
)
diff_tight = comparison["statsmodels tight"] - comparison["ours"]
diff_default = comparison["statsmodels default"] - comparison["ours"]
params = ["mu", "beta", "sigma_alpha", "sigma_y"]
rel_tight = (diff_tight / comparison["ours"]).abs()[params].max()
rel_default = (diff_default / comparison["ours"]).abs()[params].max()
table = comparison.round(8)
table["tight - ours"] = diff_tight.map(lambda v: f"{v:.1e}")
table["default - ours"] = diff_default.map(lambda v: f"{v:.1e}")
table

# %% tags=["hide-input"]
checks = Checks("the two statsmodels fits")
checks.holds(
    "tight statsmodels within 1e-8 (relative) of our REML fit", rel_tight < 1e-8
)
checks.holds(
    "the default fit more than 10 times further off", rel_default > 10 * rel_tight
)
Markdown(
    f"The tightly fitted statsmodels agrees with our REML fit to a largest relative difference "
    f"of {rel_tight:.1e} in the four parameters; the default fit is off by up to "
    f"{rel_default:.1e}, about {np.log10(rel_default / rel_tight):.0f} digits worse. The "
    f"log-likelihoods agree more closely than the parameters: at a maximum the likelihood is "
    f"flat, so a small error in the parameters makes a far smaller (second-order) error in "
    f"$\\ell$."
)

# %% [markdown]
# ## The profiled likelihood: one parameter
#
# With $\psi = \sigma_\alpha^2/\sigma_y^2$ held fixed, $V = \sigma_y^2\,W(\psi)^{-1}$ with $W$
# not depending on $\sigma_y$. Then $(\mu, \beta)$ is the GLS estimate
# $\hat b(\psi)$ and the residual variance has a closed form,
# $\hat\sigma_y^2(\psi) = \mathrm{RSS}(\psi)/N$ for ML (divided by $N - k$ for REML), with
# $\mathrm{RSS}(\psi) = (y - X\hat b)'W(y - X\hat b)$. Putting them back leaves a function of
# $\psi$ alone:
#
# $$
# \ell_{ML}(\psi) = -\frac12\Big[N\Big(1 + \log\frac{2\pi\,\mathrm{RSS}(\psi)}{N}\Big)
#   + \sum_{j=1}^{J}\log(1 + n_j\psi)\Big]. \tag{5}
# $$
#
# Check (5): at a few values of $\psi$, compute $\hat b(\psi)$ and $\hat\sigma_y^2(\psi)$
# densely, plug them into the marginal likelihood, and compare with
# `radon_model.profile_loglik`. Then draw the whole curve, for ML and for REML, on a log-spaced
# grid well around both maxima. The maxima come from `radon_model.fit`, which solves
# $\ell'(\psi) = 0$ to machine precision; no grid point may lie above them.

# %%
check_psi = [ml.psi / 10, ml.psi, 10 * ml.psi]
profile_check = radon_model.profile_loglik(psi=check_psi, method="ML")
print("profiled ML log-likelihood at psi_hat/10, psi_hat, 10 psi_hat:")
print(profile_check.round(6).to_string())
grid = np.logspace(np.log10(ml.psi / 5), np.log10(reml.psi * 5), 161)
curves = {
    "ML": radon_model.profile_loglik(psi=grid, method="ML"),
    "REML": radon_model.profile_loglik(psi=grid, method="REML"),
}
maxima = {"ML": (ml.psi, ml.loglik), "REML": (reml.psi, reml.loglik)}

# %% tags=["hide-input"]
checks = Checks("the dense profile: GLS at psi, then the dense marginal likelihood")
for p in check_psi:
    direct = reference.dense_profile_loglik(X, Z, y, p, "ML")
    checks.close(f"(5) at psi = {p:.4g}", profile_check[p], direct, rtol=1e-10)
checks.close(
    "(5) at psi-hat = the ML fit's log-likelihood",
    profile_check[ml.psi],
    ml.loglik,
    rtol=1e-13,
)
for label, curve in curves.items():
    checks.holds(
        f"{label}: no grid point above the fitted maximum",
        curve.max() <= maxima[label][1] + 1e-9,
    )
    checks.holds(
        f"{label}: the maximum lies inside the grid",
        curve.index[0] < maxima[label][0] < curve.index[-1],
    )
checks

# %% [markdown]
# [Figure](#fig-profile) draws both profiles, each relative to its own maximum.

# %% caption="The profiled log-likelihoods in $\\psi = \\sigma_\\alpha^2/\\sigma_y^2$, each relative to its own maximum, with the ML and REML estimates $\\hat\\psi$ marked." label="fig-profile"
figures.profile_likelihood(curves, maxima)

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.profile_likelihood)


# %% tags=["hide-input"]
Markdown(
    f"ML puts the maximum at $\\hat\\psi$ = {ml.psi:.4f}, REML at {reml.psi:.4f}, a little "
    f"further right: REML's correction raises the variance estimates. With {J} counties the "
    f"correction is small (REML's $\\hat\\sigma_\\alpha$ is "
    f"{100 * (reml.sigma_alpha / ml.sigma_alpha - 1):.1f}% above ML's). At the left end of the "
    f"grid, $\\psi = \\hat\\psi_{{ML}}/5$, the ML curve is already "
    f"{ml.loglik - curves['ML'].iloc[0]:.1f} log-likelihood units below its maximum."
)

# %% [markdown]
# ## Why maximizing the joint density degenerates
#
# If the $\alpha_j$ were parameters, why not maximize (1) over them and over $\sigma_\alpha$
# together? Because (1) has no maximum. Set every $\alpha_j = \mu$: the first sum in (1) is
# then a fixed, finite number (complete pooling's fit), and the second sum is
# $-J\log\sigma_\alpha - \tfrac{J}{2}\log 2\pi$, since every $(\alpha_j - \mu)^2 = 0$. As
# $\sigma_\alpha \to 0$ it grows without bound: each hundredfold decrease of $\sigma_\alpha$
# adds exactly $J\log 100$. A density is not a probability, and $J$ points piled up on one
# value have unbounded density. The marginal likelihood, evaluated at the same parameters,
# stays bounded by its maximum.

# %%
sigmas = [1e-1, 1e-3, 1e-5, 1e-7]
collapse = pd.DataFrame(
    {
        "joint log density, all alpha_j = mu": [
            radon_model.joint_loglik(
                alpha=np.full(J, ml.mu),
                beta=ml.beta,
                mu=ml.mu,
                sigma_alpha=s,
                sigma_y=ml.sigma_y,
            )
            for s in sigmas
        ],
        "marginal log-likelihood": [
            radon_model.marginal_loglik(
                mu=ml.mu, beta=ml.beta, sigma_alpha=s, sigma_y=ml.sigma_y
            )
            for s in sigmas
        ],
    },
    index=pd.Index(sigmas, name="sigma_alpha"),
)
steps = np.diff(collapse.iloc[:, 0].to_numpy())
collapse["joint: increase"] = [np.nan, *steps]
collapse.index = [f"{s:.0e}" for s in sigmas]
collapse.index.name = "sigma_alpha"
print(
    f"J log 100 = {J * np.log(100):.4f}; "
    f"ML maximum of the marginal: {ml.loglik:.4f}"
)
collapse.round(4).astype(object).fillna("—")  # the first row has no step before it

# %% tags=["hide-input"]
checks = Checks("J log 100 and the ML maximum")
checks.close(
    "each hundredfold decrease adds J log 100",
    steps,
    [J * np.log(100)] * len(steps),
    rtol=1e-9,
)
checks.holds(
    "the marginal never exceeds its ML maximum",
    (collapse["marginal log-likelihood"] <= ml.loglik).all(),
)
checks

# %% [markdown]
# ## One identity explains the page
#
# The two likelihoods differ by one exact term. At any $(\mu, \beta, \sigma_\alpha,
# \sigma_y)$, let $\hat\alpha_j$ be the intercepts that maximize the joint density (1) at
# those values, the shrinkage estimates. The joint density is Gaussian in each $\alpha_j$,
# with curvature $n_j/\sigma_y^2 + 1/\sigma_\alpha^2$, so integrating $\alpha_j$ out
# multiplies its peak value by $\sqrt{2\pi/(n_j/\sigma_y^2 + 1/\sigma_\alpha^2)}$, exactly:
#
# $$
# \ell_{\text{marginal}}(\mu, \beta, \sigma)
# = \ell_{\text{joint}}(\hat\alpha, \mu, \beta, \sigma)
# - \frac12\sum_{j=1}^{J}\log\frac{n_j/\sigma_y^2 + 1/\sigma_\alpha^2}{2\pi}. \tag{6}
# $$
#
# This is the **Laplace approximation** of the integral over the intercepts: expand the log
# joint density to second order about its peak $\hat\alpha$ and integrate the Gaussian that
# results. In general it is an approximation (lme4's `glmer` uses it for non-normal
# responses); here it is exact, because the joint density is Gaussian in $\alpha$, so its log
# is exactly quadratic and the second-order expansion is the whole function.
#
# Read the correction term. It involves **neither $\mu$, $\beta$ nor the $\alpha_j$**, so at
# given variances maximizing the joint density over $(\alpha, \mu, \beta)$ finds the same
# $(\hat\mu, \hat\beta)$ as the marginal likelihood, and the right intercepts: the joint
# density is a sound tool for those. It **does involve the variances**: as
# $\sigma_\alpha \to 0$ it behaves like $J\log\sigma_\alpha$, which cancels the
# $-J\log\sigma_\alpha$ of the joint density that drives the collapse of the previous
# section. Maximizing the joint density over the variances drops this term, and that is the
# whole error. Below, (6) on radon at several $\sigma_\alpha$, with $\mu$, $\beta$ and
# $\sigma_y$ at the ML fit.

# %%
identity = {}
identity_sigmas = [1e-3, 0.1, ml.sigma_alpha, 1.0, 10.0]
for s in identity_sigmas:
    at = {"sigma_alpha": s, "sigma_y": ml.sigma_y}
    peak = radon_model.group_intercepts(mu=ml.mu, beta=ml.beta, **at)
    identity[f"{s:.3g}"] = {
        "joint at its peak": radon_model.joint_loglik(
            alpha=peak, beta=ml.beta, mu=ml.mu, **at
        ),
        "correction": integration_correction(
            ml.n, sigma_alpha=s, sigma_y=ml.sigma_y
        ),
        "marginal": radon_model.marginal_loglik(
            mu=ml.mu, beta=ml.beta, sigma_alpha=s, sigma_y=ml.sigma_y
        ),
    }
identity = pd.DataFrame(identity).T.rename_axis("sigma_alpha")
identity["joint + correction - marginal"] = (
    identity["joint at its peak"] + identity["correction"] - identity["marginal"]
).map(lambda v: f"{v:.1e}")
identity.round(6)

# %% tags=["hide-input"]
dense_marginal = []
for s in identity_sigmas:
    total = 0.0
    for _, grp in radon.groupby("county"):
        k = len(grp)
        cov = ml.sigma_y**2 * np.eye(k) + s**2 * np.ones((k, k))
        total += stats.multivariate_normal(
            ml.mu + beta * grp["floor"].to_numpy(), cov
        ).logpdf(grp["log_radon"].to_numpy())
    dense_marginal.append(total)
checks = Checks("scipy's multivariate normal densities")
checks.close(
    "(6): joint at its peak + correction = marginal, at five sigma_alpha",
    identity["joint at its peak"] + identity["correction"],
    dense_marginal,
    rtol=0,
    atol=1e-10,
)
checks

# %% [markdown]
# ## What this means
#
# - ML maximizes the **marginal** likelihood, the joint density with each group's intercept
#   integrated out; REML maximizes the restricted likelihood, the marginal likelihood of the
#   residual contrasts, so the intercepts are integrated out there too. On the radon data the closed form, brute-force
#   quadrature over every $\alpha_j$ and statsmodels' `llf` agree to the last digits.
# - The group intercepts are *not* parameters of that likelihood. Their estimates, the
#   shrunken $\hat\alpha_j$, come afterwards, as conditional means given the data; the
#   [shrinkage page](shrinkage.py) looks at them and at the weights $\lambda_j$.
# - Maximizing the joint density over $\sigma_\alpha$ as well fails: it grows without bound
#   as $\sigma_\alpha \to 0$. [The next page](em.py) shows what that does to the natural
#   iterative recipe, and how EM, which adds back each group's conditional variance, repairs
#   it.
# - The exact identity (6), the Laplace approximation, exact for this Gaussian model, says why
#   in one line: the marginal is the joint density at its peak plus a term in the variances
#   alone.
# - Once $\psi$ is known, everything else has a closed form. The
#   [derivation page](derivation.py) uses all of this to check a widely shared hand derivation
#   line by line. The symbols are collected on the [notation page](../notation.md).
