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
# # Shrinkage toward a line, and in two dimensions
#
# Two things the basic random-intercept story leaves out, both on real data. First, when the
# groups carry a predictor of their own (each Minnesota county's soil uranium level), the
# intercepts are no longer shrunk toward one population mean but toward a **line** in that
# predictor. On radon the line explains much of the differences between counties, so the
# estimated spread $\hat\sigma_\alpha$ (REML) drops and every county is shrunk harder, toward
# a better target (Gelman and Hill 2007, section 12.6). Second, with random intercepts *and*
# slopes, a group measured on fewer occasions moves further toward the population pair
# (intercept, slope), as a small county does in one dimension; we show it on sleepstudy with
# some days removed. Symbols are those of the
# [notation page](../notation.md).

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import crosscheck, figures

radon = datasets.radon()
cols = {"y": "log_radon", "group": "county"}
floor_model = pp.Model(radon, **cols, x="floor")
no_pool = floor_model.no_pooling()
base = floor_model.fit(method="REML")
with_u = pp.fit_random_intercept(
    radon, **cols, x=["floor", "uranium"], method="REML"
)

# %% [markdown]
# ## A group-level predictor: shrinkage toward a line
#
# Let $u_j$ be county $j$'s log uranium level, the same for every house in the county, and
# add it to the model with its own coefficient $\gamma$:
#
# $$
# \begin{aligned}
# y_{ij} &= \alpha_j + \beta x_{ij} + \varepsilon_{ij},
# \qquad \varepsilon_{ij} \sim N(0, \sigma_y^2),\\
# \alpha_j &\sim N(\mu_\alpha + \gamma u_j,\ \sigma_\alpha^2).
# \end{aligned}
# $$
#
# Nothing in the shrinkage argument changes except the population mean, which is now
# $\mu_\alpha + \gamma u_j$, different for each county. Group $j$'s own data say
# $\bar y_j - \beta\bar x_j$ about $\alpha_j$ with variance $\sigma_y^2/n_j$; the population
# says $\mu_\alpha + \gamma u_j$ with variance $\sigma_\alpha^2$; precision weighting gives
#
# $$
# \begin{aligned}
# \hat\alpha_j &= \lambda_j\,(\bar y_j - \hat\beta\bar x_j)
# + (1 - \lambda_j)\,(\hat\mu_\alpha + \hat\gamma u_j),\\
# \lambda_j &= \frac{n_j\hat\sigma_\alpha^2}{n_j\hat\sigma_\alpha^2 + \hat\sigma_y^2}.
# \end{aligned}
# $$
#
# Here $x$ is the floor indicator (0 basement, 1 first floor) and $\alpha_j$ the county's
# intercept for a basement measurement. The two REML fits, without and with uranium:

# %% tags=["hide-input"]
rows = [
    ("$\\hat\\mu_\\alpha$", base.mu, with_u.mu),
    ("$\\hat\\beta$ (floor)", base.beta["floor"], with_u.beta["floor"]),
    ("$\\hat\\gamma$ (uranium)", np.nan, with_u.beta["uranium"]),
    ("$\\hat\\sigma_\\alpha$", base.sigma_alpha, with_u.sigma_alpha),
    ("$\\hat\\sigma_y$", base.sigma_y, with_u.sigma_y),
    ("median $\\lambda_j$", base.shrinkage.median(), with_u.shrinkage.median()),
]
Markdown(
    "| REML estimate | without uranium | with uranium |\n|---|---:|---:|\n"
    + "\n".join(
        f"| {name} | {'' if np.isnan(a) else f'{a:.3f}'} | {b:.3f} |"
        for name, a, b in rows
    )
)

# %% tags=["hide-input"]
drop = 1 - with_u.sigma_alpha**2 / base.sigma_alpha**2
lam_ratio = with_u.shrinkage / base.shrinkage
Markdown(
    f"Uranium accounts for much of what made counties differ: the REML estimate of "
    f"$\\sigma_\\alpha$ falls from {base.sigma_alpha:.3f} to {with_u.sigma_alpha:.3f}, so the "
    f"estimated between-county variance $\\hat\\sigma_\\alpha^2$ is {100 * drop:.0f}% smaller, "
    f"while $\\hat\\sigma_y$ hardly moves ({base.sigma_y:.4f} to {with_u.sigma_y:.4f}). "
    f"Since $\\lambda_j$ increases with $\\psi = \\sigma_\\alpha^2/\\sigma_y^2$, which falls "
    f"from {base.psi:.4f} to {with_u.psi:.4f}, **every** one of the {with_u.J} weights "
    f"$\\lambda_j$ drops: each county's new weight is between {lam_ratio.min():.2f} and "
    f"{lam_ratio.max():.2f} times its old one (the largest counties, whose $\\lambda_j$ was "
    "near 1, change least). Each county leans more on the population, but the population "
    "now knows the county's uranium."
)

# %% [markdown]
# The arrows of [Figure](#fig-toward-line) go from each county's no-pooling intercept (its own houses only, with the
# within-county floor slope) to its partially pooled intercept
# $\hat\alpha_j = \hat\mu_\alpha + \hat\gamma u_j + \hat a_j$. They point at the line, not at a
# constant: a county with high uranium and few houses is pulled toward a high value.

# %% caption="Arrows from each county's no-pooling intercept to its partially pooled intercept, against the county's uranium: they point at the fitted line $\\hat\\mu_\\alpha + \\hat\\gamma u_j$, not at a constant." label="fig-toward-line"
figures.shrinkage_toward_line(no_pool, with_u, "uranium", without=base)

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.shrinkage_toward_line)


# %% tags=["hide-input"]
u = with_u.xbar["uranium"]
gamma = with_u.beta["uranium"]
line = with_u.mu + gamma * u
alpha_u = with_u.alpha + gamma * u  # county intercepts, uranium included
own = with_u.ybar - with_u.beta["floor"] * with_u.xbar["floor"]
closed = with_u.shrinkage * own + (1 - with_u.shrinkage) * line
toward = int(((alpha_u - base.mu).abs() > (own - base.mu).abs()).sum())
Markdown(
    f"For every county the estimate sits the fraction $1 - \\lambda_j$ of the way from the "
    "county's own adjusted mean to the line (checked below). Measured from the line, that is "
    "ordinary shrinkage; measured from a constant, it is not: for "
    f"{toward} of the {with_u.J} counties the partially pooled intercept is *farther* from "
    f"the overall mean {base.mu:.3f} (the model without uranium) than the county's own "
    "adjusted mean is, because the line pulls it outward."
)

# %% tags=["hide-input"]
sm_u = crosscheck.statsmodels_mixedlm(
    radon, **cols, x=["floor", "uranium"], method="REML"
)
checks = Checks(
    "statsmodels (REML, fitted tightly), the closed form, Gelman and Hill"
)
checks.close(
    "fixed effects (mu, floor, uranium)", with_u.fixed, sm_u.fixed, rtol=1e-6
)
checks.close("sigma_alpha", with_u.sigma_alpha, sm_u.sigma_alpha, rtol=1e-5)
checks.close("sigma_y", with_u.sigma_y, sm_u.sigma_y, rtol=1e-6)
checks.close("county intercepts mu + a_j", with_u.alpha, sm_u.alpha, rtol=1e-6)
sm_base = crosscheck.statsmodels_mixedlm(radon, **cols, x="floor", method="REML")
checks.close(
    "sigma_alpha without uranium",
    base.sigma_alpha,
    sm_base.sigma_alpha,
    rtol=1e-5,
)
checks.close("shrinkage toward the line, every county", alpha_u, closed, rtol=1e-10)
# Gelman and Hill (2007), section 12.6, print these (lmer, REML) to two decimals
published = {
    "mu": 1.47,
    "floor": -0.67,
    "uranium": 0.72,
    "sigma_alpha": 0.16,
    "sigma_y": 0.76,
    "se mu": 0.04,
    "se floor": 0.07,
    "se uranium": 0.09,
}
ours = {
    "mu": with_u.mu,
    "floor": with_u.beta["floor"],
    "uranium": gamma,
    "sigma_alpha": with_u.sigma_alpha,
    "sigma_y": with_u.sigma_y,
    "se mu": with_u.se_mu,
    "se floor": with_u.se_beta["floor"],
    "se uranium": with_u.se_beta["uranium"],
}
checks.close(
    "Gelman and Hill's printed values",
    [round(ours[k], 2) for k in published],
    list(published.values()),
    rtol=0,
    atol=1e-12,
)
checks.holds("every lambda_j drops with uranium", bool((lam_ratio < 1).all()))
checks.holds(
    "sigma_alpha drops with uranium", with_u.sigma_alpha < base.sigma_alpha
)
checks

# %% [markdown]
# ## Less data, more shrinkage in two dimensions
#
# With random intercepts and slopes ([the random-slopes section](why_beta.py)), each group's
# pair $b_j$ = (intercept, slope) is pulled toward the population pair $\hat\mu$ by a
# *matrix* weight,
#
# $$
# \begin{aligned}
# \hat b_j &= \hat\mu + K_j\big(\hat b_j^{OLS} - \hat\mu\big),\\
# K_j &= \big(\hat\Sigma^{-1} + Z_j'Z_j/\hat\sigma_y^2\big)^{-1} Z_j'Z_j/\hat\sigma_y^2,
# \end{aligned}
# $$
#
# with $\hat\Sigma$ the fitted covariance of the pairs across subjects, $Z_j = [1, x_j]$ (a
# column of ones and the subject's days) and $\hat b_j^{OLS}$ the subject's own least-squares
# (intercept, slope): $K_j$ is the two-dimensional $\lambda_j$. In lme4's sleepstudy every
# subject has the same ten days, so every subject has the same $K_j$. To see what less data does, we keep only days 0, 1 and 2
# for four subjects chosen at random (a seeded generator) and refit by REML. This is the
# demonstration Mahr (2017) made popular, with observations removed rather than fake subjects
# added ([Figure](#fig-unbalanced-2d)).

# %%
sleep = datasets.sleepstudy()
rng = np.random.default_rng(8)
reduced = sorted(rng.choice(sleep["Subject"].unique(), size=4, replace=False))
keep = ~(sleep["Subject"].isin(reduced) & (sleep["Days"] > 2))
unbal = sleep[keep]
sleep_cols = {"y": "Reaction", "group": "Subject", "x": "Days"}
unbal_model = pp.Model(unbal, **sleep_cols)
fit_2d = unbal_model.fit_random_slopes(method="REML")
ols_2d = unbal_model.group_ols()
shrink = unbal_model.coefficient_shrinkage(method="REML")
shrink_full = pp.Model(sleep, **sleep_cols).coefficient_shrinkage(method="REML")

# %% caption="Each subject's own (intercept, slope) with an arrow to its partially pooled pair, in the unbalanced sleep study; the subjects left with days 0-2 only are the labelled squares." label="fig-unbalanced-2d"
figures.shrinkage_arrows_2d_unbalanced(ols_2d, fit_2d, shrink, reduced)

# %% [markdown]
# To compare movements of intercepts (ms) and slopes (ms per day) on one scale, measure the
# distance from $\hat\mu$ in the metric of the fitted population,
# $d(b) = \sqrt{(b - \hat\mu)'\hat\Sigma^{-1}(b - \hat\mu)}$, and ask what fraction of its own
# distance each subject keeps. That fraction always lies between the two eigenvalues of $K_j$,
# which depend only on the subject's days and the variance components.
#
# At given $\hat\Sigma = LL'$ and $\hat\sigma_y$, dropping days can only lower $K_j$: in the
# coordinates where $\hat\Sigma$ is the identity, $K_j = I - (I + M_j)^{-1}$ with
# $M_j = L'Z_j'Z_jL/\hat\sigma_y^2$, and removing rows from $Z_j$ makes $M_j$, hence $K_j$,
# smaller in the Loewner order: $u'K_ju$ falls for every direction $u$, and so does each
# eigenvalue of $K_j$, the least and the most a subject can keep (checked below for days 0-2
# against all ten). That is a statement about the matrix, not about every subject: the fraction
# a deviation $d$ keeps is $\lVert K_jd\rVert/\lVert d\rVert$, and a matrix smaller in the
# Loewner order need not have a smaller square, so a smaller fraction for a particular subject
# is an observation on these data, not a consequence.

# %% tags=["hide-input"]
rest = shrink.drop(index=reduced)
table = pd.DataFrame(
    {
        "days kept": shrink.loc[reduced, "n"],
        "kept, 3 days": shrink.loc[reduced, "kept"],
        "kept, all 10 days": shrink_full.loc[reduced, "kept"],
        "eigenvalues of K_j, 3 days": [
            f"{a:.2f}, {b:.2f}"
            for a, b in shrink.loc[reduced, ["k_min", "k_max"]].to_numpy()
        ],
    }
).rename_axis("subject")
table.round(3)

# %% tags=["hide-input"]
k_full = shrink_full["k_min"].iloc[0], shrink_full["k_max"].iloc[0]
less = bool((shrink.loc[reduced, "kept"] < shrink_full.loc[reduced, "kept"]).all())
Markdown(
    f"With three days, the {len(reduced)} subjects keep a median "
    f"{100 * shrink.loc[reduced, 'kept'].median():.0f}% of their own distance from the "
    f"population pair; the other {len(rest)} subjects, with ten days, keep a median "
    f"{100 * rest['kept'].median():.0f}%. "
    + (
        "Each of the four keeps less than it did in the fit to the full data, "
        if less
        else "Not every one of the four keeps less than it did in the fit to the full data, "
    )
    + f"where every subject's $K_j$ had eigenvalues {k_full[0]:.2f} and {k_full[1]:.2f} "
    f"(REML). With three days, the eigenvalues of $K_j$ are "
    f"{shrink.loc[reduced, 'k_min'].iloc[0]:.2f} and "
    f"{shrink.loc[reduced, 'k_max'].iloc[0]:.2f}: three days near the start pin down the "
    "subject's early reaction time fairly well but its slope poorly, so the direction shrunk "
    "most (the eigenvector of the smaller eigenvalue) is mostly slope. How much a given "
    "subject moves also depends on the direction of its own deviation, so the ranges of "
    f"kept fractions overlap: for this draw, the largest fraction kept by a reduced subject is "
    f"{shrink.loc[reduced, 'kept'].max():.2f} and the smallest by a full one "
    f"{rest['kept'].min():.2f}."
)

# %% tags=["hide-input"]
# statsmodels' default fit stops short on these data; crosscheck polishes it (sm_2d.how).
sm_2d = crosscheck.statsmodels_mixedlm(unbal, **sleep_cols, re_formula="~Days")
mu_2d, Sigma, s2 = fit_2d.fixed.to_numpy(), fit_2d.cov.to_numpy(), fit_2d.sigma_y**2
dense = {}
for subject in reduced:
    rows_j = unbal[unbal["Subject"] == subject]
    Z = np.column_stack([np.ones(len(rows_j)), rows_j["Days"]])
    K = np.linalg.solve(np.linalg.inv(Sigma) + Z.T @ Z / s2, Z.T @ Z / s2)
    dense[subject] = mu_2d + K @ (ols_2d.loc[subject].to_numpy() - mu_2d)
k_vals, k_vecs = np.linalg.eig(
    K
)  # K of a reduced subject (all four share days 0-2)
v_least = k_vecs[:, np.argmin(k_vals.real)].real / np.sqrt(np.diag(Sigma))
L_chol = np.linalg.cholesky(Sigma)


def k_white(days: np.ndarray) -> np.ndarray:
    """K_j in the coordinates where Sigma-hat is the identity (symmetric)."""
    Zd = np.column_stack([np.ones(len(days)), days])
    M = L_chol.T @ Zd.T @ Zd @ L_chol / s2
    return np.eye(2) - np.linalg.inv(np.eye(2) + M)


k_gap = np.linalg.eigvalsh(k_white(np.arange(10.0)) - k_white(np.arange(3.0)))
checks_2d = Checks(f"statsmodels (REML, {sm_2d.how}) and dense matrices")
checks_2d.close("REML log-likelihood", fit_2d.loglik, sm_2d.loglik, rtol=1e-12)
checks_2d.close("Sigma", fit_2d.cov, sm_2d.cov, rtol=1e-6)
checks_2d.close("population pair mu", fit_2d.fixed, sm_2d.fixed, rtol=1e-6)
checks_2d.close("sigma_y", fit_2d.sigma_y, sm_2d.sigma_y, rtol=1e-6)
checks_2d.close(
    "every subject's (intercept, slope)", fit_2d.coef, sm_2d.coef, rtol=1e-6
)
checks_2d.close(
    "mu + K_j (own - mu), reduced subjects",
    fit_2d.coef.loc[reduced],
    pd.DataFrame(dense).T.to_numpy(),
    rtol=1e-8,
)
checks_2d.holds(
    "kept fraction between the eigenvalues of K_j, every subject",
    bool(
        (
            (shrink["kept"] >= shrink["k_min"] - 1e-12)
            & (shrink["kept"] <= shrink["k_max"] + 1e-12)
        ).all()
    ),
)
checks_2d.holds(
    "both eigenvalues of K_j smaller with 3 days than with 10, in this fit",
    bool(
        (
            shrink.loc[reduced, ["k_min", "k_max"]].to_numpy()
            < rest[["k_min", "k_max"]].min().to_numpy()
        ).all()
    ),
)
checks_2d.holds(
    "with 3 days, the most shrunk direction is mostly slope (in SDs of Sigma)",
    abs(v_least[1]) > abs(v_least[0]),
)
checks_2d.holds("each reduced subject keeps less than with all 10 days", less)
checks_2d.holds(
    "at the fitted Sigma, K_j(days 0-9) - K_j(days 0-2) >= 0", k_gap.min() >= 0
)
checks_2d.close(
    "eigenvalues of K_j, 3 days (whitened, dense)",
    np.linalg.eigvalsh(k_white(np.arange(3.0))),
    shrink.loc[reduced[0], ["k_min", "k_max"]].to_numpy(float),
    rtol=1e-10,
)
checks_2d.holds(
    "the reduced subjects' median kept fraction is the smaller",
    shrink.loc[reduced, "kept"].median() < rest["kept"].median(),
)
checks_2d

# %% [markdown]
# ## What to take away
#
# - A group-level predictor changes what the intercepts are shrunk *toward*: the line
#   $\hat\mu_\alpha + \hat\gamma u_j$ instead of one $\hat\mu_\alpha$. On radon it also lowers
#   $\hat\sigma_\alpha$ (REML) and so every $\lambda_j$: more shrinkage, toward a better target.
# - With random slopes, the weight on a group's own data is a matrix $K_j$ set by its design
#   and the variance components. Fewer days make $K_j$ smaller in the Loewner order, so both
#   bounds on the fraction a group keeps of its own deviation from the population pair fall,
#   most of all in the direction its few days say least about (here, the slope); the four
#   reduced subjects here each keep less than with ten days, which the matrix order makes
#   likely but does not guarantee for every deviation.
# - Both are what a mixed model does with any design; [prediction](prediction.py) uses the
#   uranium model to predict new houses.
