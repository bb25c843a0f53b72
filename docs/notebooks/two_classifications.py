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
# # Partial pooling along two classifications
#
# The earlier pages have one grouping factor: each county's intercept is a compromise
# $\lambda_j\,\bar y_j + (1 - \lambda_j)\,\mu_\alpha$ between its own mean and the population
# mean ([shrinkage](shrinkage.py)). Many data sets are classified twice. In Penicillin each of
# 6 samples is assayed once on each of 24 plates: plate and sample are **crossed**, and a
# plate's effect and a sample's effect are pooled at the same time, each toward 0, the mean of
# its own factor's effects. In Pastes each of 10 batches has 3 casks: cask is **nested** in
# batch, and each cask is pooled toward its batch while each batch is pooled toward the overall
# mean.
#
# There is no closed form per level any more, but the one-factor weight survives exactly:
# **each level's predicted effect is $\lambda_j$ times its mean *partial* residual**, the
# level's data with the fixed part and the *other* factor's predicted effects taken out. The
# fit is the fixed point of alternating one-factor shrinkages. Symbols are those of the
# [notation page](../notation.md); both data sets are lme4's (Bates 2010, chapter 2).

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use this; it is not part of the story.
from partial_pooling.site.checks import Checks

checks = Checks("lme4 (published), dense N x N GLS and closed forms")

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

from partial_pooling import datasets
from partial_pooling.site import figures
from partial_pooling.site import two_classifications as tc

penicillin = datasets.penicillin()
crossed = ["plate", "sample"]
pen_fit = tc.fit_intercepts(penicillin, y="diameter", groups=crossed, method="REML")
pen_none = tc.no_pooling_effects(penicillin, y="diameter", groups=crossed)

# %% [markdown]
# ## The model, one variance per classification
#
# With plates $j$ and samples $k$, the diameter of the inhibition zone of sample $k$ on
# plate $j$ is
#
# $$
# \begin{aligned}
# y_{jk} &= \mu + a_j + b_k + \varepsilon_{jk},\\
# a_j &\sim N(0, \sigma_{\text{plate}}^2),\quad b_k \sim N(0, \sigma_{\text{sample}}^2),\\
# \varepsilon_{jk} &\sim N(0, \sigma_y^2),
# \end{aligned}
# $$
#
# lme4's `diameter ~ 1 + (1 | plate) + (1 | sample)`, which the package takes as it is:
# `pp.fit("diameter ~ 1 + (1 | plate) + (1 | sample)", penicillin, method="REML")` fits it by
# REML (`tc.fit_intercepts` above writes that formula for a list of factors). lme4's book
# prints the same estimates:


# %% tags=["hide-input"]
def published_rows(fit, published, names):
    """(label, ours, published, note, tolerance) rows: agreement to the printed digits."""
    rows = []
    for key, label in names.items():
        value = published[key]
        half = 0.5 * 10.0 ** -len(str(value).split(".")[1])
        ours = {"residual": fit.sigma_y, "reml": fit.deviance}.get(key)
        ours = float(fit.sd[key].iloc[0]) if ours is None else ours
        rows.append((label, ours, value, "to the printed digits", {"rtol": 0.0, "atol": half}))
    return rows


pen_names = {
    "plate": "$\\hat\\sigma_{\\text{plate}}$",
    "sample": "$\\hat\\sigma_{\\text{sample}}$",
    "residual": "$\\hat\\sigma_y$",
    "reml": "REML criterion",
}
Markdown(
    checks.table(
        published_rows(pen_fit, tc.PUBLISHED["penicillin"], pen_names),
        columns=("Penicillin, REML", "partial_pooling", "lme4 (Bates 2010, sec. 2.1)"),
        digits=4,
    )
)

# %% [markdown]
# ## Crossed: every plate and every sample pooled at once
#
# No pooling estimates each plate's and each sample's effect as a fixed effect: least squares
# with both factors' dummies, each factor's effects summing to 0. Partial pooling replaces
# them with the conditional modes $\hat a_j$, $\hat b_k$ at the REML variances.
# [Figure](#fig-crossed) draws both for each factor.

# %% caption="Penicillin: each plate's and each sample's effect, as a fixed effect (no pooling) and its conditional mode (partial pooling, REML), levels sorted by their no-pooling effect. Both factors are shrunk toward 0 at once." label="fig-crossed"
pen_partial = {g: pen_fit.ranef[g].iloc[:, 0] for g in crossed}
figures.factor_shrinkage_arrows(pen_none, pen_partial, unit="mm")

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.factor_shrinkage_arrows)

# %% tags=["hide-input"]
y_pen = penicillin["diameter"].to_numpy(float)
one_pen = np.ones((y_pen.size, 1))
pen_table = tc.level_shrinkage(pen_fit, y=y_pen, X=one_pen)
lam_plate = pen_table["plate"]["lambda_"].iloc[0]
lam_sample = pen_table["sample"]["lambda_"].iloc[0]
Markdown(
    f"The plates move visibly: each keeps a fraction {lam_plate:.3f} of its deviation. The "
    f"samples hardly move (each keeps {lam_sample:.3f}): with "
    f"$\\hat\\sigma_{{\\text{{sample}}}} = {pen_fit.sd['sample'].iloc[0]:.3f}$ mm against a "
    f"sample mean's noise of $\\hat\\sigma_y/\\sqrt{{24}} = "
    f"{pen_fit.sigma_y / np.sqrt(24):.3f}$ mm, 24 plates say almost everything about a sample. "
    "These fractions are the one-factor weights, as the next section shows."
)

# %% [markdown]
# ## What becomes of the one-factor weight: it applies to partial residuals
#
# The conditional modes and $\hat\mu$ minimize the penalized sum of squares
#
# $$
# \begin{aligned}
# &\frac{1}{\sigma_y^2}\sum_{j,k}\bigl(y_{jk} - \mu - a_j - b_k\bigr)^2\\
# &\quad+ \frac{1}{\sigma_{\text{plate}}^2}\sum_j a_j^2
# + \frac{1}{\sigma_{\text{sample}}^2}\sum_k b_k^2 .
# \end{aligned}
# $$
#
# Set its derivative in one plate's $a_j$ to zero, holding the rest at the solution. Only
# plate $j$'s $n_j$ rows and its penalty involve $a_j$, so the equation is the one-factor one
# with $y$ replaced by the *partial residual* $y_{jk} - \hat\mu - \hat b_k$:
#
# $$
# \begin{aligned}
# \hat a_j &= \lambda_j\,\bar r_j,\\
# \bar r_j &= \frac{1}{n_j}\sum_{k \in j}\bigl(y_{jk} - \hat\mu - \hat b_k\bigr),\\
# \lambda_j &= \frac{n_j\hat\sigma_{\text{plate}}^2}{n_j\hat\sigma_{\text{plate}}^2
# + \hat\sigma_y^2},
# \end{aligned}
# $$
#
# and the same for each sample with the plates' effects taken out. This holds for any design
# and any number of factors, and a fixed part $x'\beta$ is taken out the same way. It is not a
# closed form: $\bar r_j$ contains the other factor's predicted effects, which contain the
# plates' in turn.
#
# In a balanced crossed design the other factor averages out. Every plate meets every sample
# once, so $\bar r_j = \bar y_{j\cdot} - \hat\mu - \frac16\sum_k \hat b_k$, and the samples'
# modes sum to 0, so $\bar r_j$ is the plain deviation $\bar y_{j\cdot} - \bar y$ (here
# $\hat\mu = \bar y$). Each plate's effect is $\lambda_{\text{plate}}$ (with $n_j = 6$) times
# its plain mean deviation, each sample's $\lambda_{\text{sample}}$ (with $n_k = 24$) times
# its own: on Penicillin,


# %% tags=["hide-input"]
def identity_rows(table):
    """Per factor: n_j, lambda_j, and how far each formula is from the fitted modes."""
    out = []
    for g, t in table.items():
        n = t["n"]
        out.append(
            (
                g,
                f"{n.min():.0f}" if n.min() == n.max() else f"{n.min():.0f} to {n.max():.0f}",
                f"{t['lambda_'].min():.4f}"
                if np.ptp(t["lambda_"]) < 5e-5
                else f"{t['lambda_'].min():.4f} to {t['lambda_'].max():.4f}",
                np.abs(t["effect"] - t["lambda_"] * t["plain_mean"]).max(),
                np.abs(t["effect"] - t["lambda_"] * t["partial_mean"]).max(),
            )
        )
    return out


def identity_table(table):
    head = (
        "| factor | $n_j$ | $\\lambda_j$ | largest $\\lvert\\hat b_j - \\lambda_j\\cdot$ plain "
        "mean$\\rvert$ | largest $\\lvert\\hat b_j - \\lambda_j\\bar r_j\\rvert$ |\n"
        "|---|---:|---:|---:|---:|\n"
    )
    return head + "\n".join(
        f"| {g} | {n} | {lam} | {plain:.1e} | {partial:.1e} |"
        for g, n, lam, plain, partial in identity_rows(table)
    )


Markdown(identity_table(pen_table))

# %% [markdown]
# Both formulas agree with the fitted modes to rounding error; the plain one only because the
# design is balanced, as the next two sections show.

# %% [markdown]
# ## Nested: casks toward their batch, batches toward the mean
#
# In Pastes, 2 assays of each of 3 casks from each of 10 batches, the model is lme4's
# `strength ~ 1 + (1 | batch/cask)`: a batch effect and a cask-within-batch effect (the column
# `sample` labels each cask uniquely):
#
# $$
# \begin{aligned}
# y_{jci} &= \mu + a_j + b_{jc} + \varepsilon_{jci},\\
# a_j &\sim N(0, \sigma_{\text{batch}}^2),\quad b_{jc} \sim N(0, \sigma_{\text{cask}}^2).
# \end{aligned}
# $$

# %%
pastes = datasets.pastes()
nested = ["batch", "sample"]  # sample = batch:cask
pas_fit = tc.fit_intercepts(pastes, y="strength", groups=nested, method="REML")
pas_none = tc.no_pooling_effects(pastes, y="strength", groups=nested)

# %% tags=["hide-input"]
pas_names = {
    "batch": "$\\hat\\sigma_{\\text{batch}}$",
    "sample": "$\\hat\\sigma_{\\text{cask}}$",
    "residual": "$\\hat\\sigma_y$",
    "reml": "REML criterion",
}
Markdown(
    checks.table(
        published_rows(pas_fit, tc.PUBLISHED["pastes"], pas_names),
        columns=("Pastes, REML", "partial_pooling", "lme4 (Bates 2010, sec. 2.2)"),
        digits=4,
    )
)

# %% [markdown]
# A cask's partial residual has its batch's predicted effect taken out: $\bar r_{jc} =
# \bar y_{jc} - \hat\mu - \hat a_j$, its distance from its batch's partially pooled mean
# $\hat\mu + \hat a_j$. So the identity says each cask's partially pooled mean sits between
# its own mean and its batch's partially pooled mean, a fraction $\lambda_{\text{cask}}$ of the
# way from the batch's. A batch's partial residual has its casks' effects taken out, and its
# pull is toward $\hat\mu$. [Figure](#fig-nested) shows both.

# %% caption="Pastes: each cask's mean (no pooling) and its partially pooled mean (REML), grouped by batch; bars mark each batch's mean and its partially pooled mean. Casks are pulled toward their batch, batches toward the overall mean." label="fig-nested"
pas_partial = {g: pas_fit.ranef[g].iloc[:, 0] for g in nested}
pas_partial["(Intercept)"] = pas_fit.beta
batch_of = pastes.drop_duplicates("sample").set_index("sample")["batch"]
figures.nested_shrinkage_arrows(
    parent=batch_of,
    no_pool=pas_none,
    partial=pas_partial,
    outer="batch",
    inner="sample",
    inner_name="cask",
    response="strength",
)

# %% tags=["hide-input"]
y_pas = pastes["strength"].to_numpy(float)
one_pas = np.ones((y_pas.size, 1))
pas_table = tc.level_shrinkage(pas_fit, y=y_pas, X=one_pas)
lam_cask = pas_table["sample"]["lambda_"].iloc[0]
lam_batch = pas_table["batch"]["lambda_"].iloc[0]
s_b, s_c = pas_fit.sd["batch"].iloc[0], pas_fit.sd["sample"].iloc[0]
batch_dev = pastes.groupby("batch")["strength"].mean() - pastes["strength"].mean()
batch_ratio = pas_fit.ranef["batch"].iloc[:, 0] / batch_dev
closed = s_b**2 / (s_b**2 + s_c**2 / 3 + pas_fit.sigma_y**2 / 6)
Markdown(
    f"Each cask keeps {lam_cask:.3f} of its distance from its batch's partially pooled mean "
    f"($n = 2$ assays, $\\hat\\sigma_{{\\text{{cask}}}} = {s_c:.3f}$). The batches move much "
    f"more: the one-factor weight of a batch is {lam_batch:.3f} ($n = 6$), but it applies "
    "to the batch's mean with its casks' predicted effects taken out, and the casks carry "
    "most of what the batch means differ by. Net of that, every batch effect here is "
    f"{batch_ratio.min():.4f} times the batch's plain mean deviation $\\bar y_{{j}} - \\bar "
    f"y$, the weight a batch mean would get as one observation with the casks' and the "
    f"assays' variance as its noise: $\\hat\\sigma_{{\\text{{batch}}}}^2 / "
    f"(\\hat\\sigma_{{\\text{{batch}}}}^2 + \\hat\\sigma_{{\\text{{cask}}}}^2/3 + "
    f"\\hat\\sigma_y^2/6) = {closed:.4f}$ (a closed form that holds because Pastes is "
    "balanced). The identity, checked on Pastes:"
)

# %% tags=["hide-input"]
Markdown(identity_table(pas_table).replace("| sample |", "| cask (sample) |"))

# %% [markdown]
# ## Unbalanced and crossed: the plain means no longer do
#
# Drop 21 of Penicillin's 144 plate-sample cells (every seventh row), so that plates keep 5 or
# 6 samples and samples 20 or 21 plates. A plate that misses a strong sample now has a low
# plain mean for a reason that is not the plate's; its partial residual puts that sample's
# predicted effect back.

# %%
unbalanced = tc.unbalanced_penicillin(penicillin)
unb_fit = tc.fit_intercepts(unbalanced, y="diameter", groups=crossed, method="REML")
y_unb = unbalanced["diameter"].to_numpy(float)
one_unb = np.ones((y_unb.size, 1))
unb_table = tc.level_shrinkage(unb_fit, y=y_unb, X=one_unb)

# %% tags=["hide-input"]
Markdown(identity_table(unb_table))

# %% tags=["hide-input"]
plain_gap = max(
    np.abs(t["effect"] - t["lambda_"] * t["plain_mean"]).max() for t in unb_table.values()
)
Markdown(
    f"On {len(unbalanced)} rows the REML fit gives "
    f"$\\hat\\sigma_{{\\text{{plate}}}} = {unb_fit.sd['plate'].iloc[0]:.4f}$, "
    f"$\\hat\\sigma_{{\\text{{sample}}}} = {unb_fit.sd['sample'].iloc[0]:.4f}$ and "
    f"$\\hat\\sigma_y = {unb_fit.sigma_y:.4f}$. The plain-mean formula is off by up to "
    f"{plain_gap:.2f} mm; the partial-residual one holds to rounding error, as it must."
)

# %% [markdown]
# ## The fit as alternating one-factor shrinkages
#
# Read the identity as an algorithm: start with every effect at 0; set $\mu$ to the mean of
# $y$ minus the current effects; shrink each plate's mean partial residual by its
# $\lambda_j$; then each sample's, with the plates' new effects taken out; repeat. This is
# backfitting (Gauss-Seidel on the penalized least squares) at fixed variance components,
# and its fixed point is the fit. [Figure](#fig-backfit) follows it on the three designs.

# %% tags=["hide-input"]
runs = {
    "Penicillin": (pen_fit, y_pen, one_pen),
    "Pastes": (pas_fit, y_pas, one_pas),
    "Penicillin, 21 cells dropped": (unb_fit, y_unb, one_unb),
}
backfits = {
    name: tc.backfit(fit, y=y, X=X, sweeps=20000, tol=1e-13) for name, (fit, y, X) in runs.items()
}


def sweeps_to(d, level=1e-8):
    return int(np.flatnonzero(d < level)[0])


Markdown(
    f"Balanced and crossed, one sweep reaches the fit (to "
    f"{backfits['Penicillin'].distance[1]:.0e}): the samples' partial residuals are their plain "
    f"deviations once the plates' effects are in, since those sum to 0. Pastes needs "
    f"{sweeps_to(backfits['Pastes'].distance)} sweeps to come within $10^{{-8}}$, and the "
    f"unbalanced Penicillin {sweeps_to(backfits['Penicillin, 21 cells dropped'].distance)}: "
    "where one factor's effects can absorb part of another's, or of $\\mu$, each sweep hands "
    "only part of a shift from one to the other. lme4 and the package solve the penalized "
    "least squares at once instead, with a Cholesky factor: no sweeps."
)

# %% caption="Alternating one-factor shrinkages from zero, at the REML variance components: the largest distance to the fitted conditional modes and mu-hat after each sweep (log scales)." label="fig-backfit"
figures.backfit_convergence({name: b.distance for name, b in backfits.items()})

# %% [markdown]
# ## What to take away
#
# - With two classifications each factor is pooled toward its own mean (0), crossed factors
#   at the same time; a nested factor's levels are pooled toward their parent level's
#   partially pooled value, which is pooled in turn.
# - The one-factor weight $\lambda_j = n_j\sigma^2_{f}/(n_j\sigma^2_{f} + \sigma_y^2)$
#   survives exactly, applied to the level's mean partial residual. Only in balanced designs
#   does that reduce to a closed form in plain means.
# - The same identity, read as an update, is backfitting; the fit is its fixed point.

# %% tags=["hide-input"]
from partial_pooling.site import reference

for name, (fit, y, X), groups, data in [
    ("Penicillin", runs["Penicillin"], crossed, penicillin),
    ("Pastes", runs["Pastes"], nested, pastes),
    ("Penicillin, 21 cells dropped", runs["Penicillin, 21 cells dropped"], crossed, unbalanced),
]:
    codes = [pd.factorize(data[g], sort=True)[0] for g in groups]
    sds = [float(fit.sd[g].iloc[0]) for g in groups]
    beta, blups = reference.dense_gls_factors(X, y, codes, sigmas=sds, sigma_y=fit.sigma_y)
    checks.close(f"{name}: mu-hat, dense GLS", fit.beta.to_numpy(), beta, rtol=1e-10)
    for g, b in zip(groups, blups, strict=True):
        checks.close(f"{name}: {g} modes, dense GLS BLUPs", fit.ranef[g].iloc[:, 0], b, atol=1e-10)
    checks.close(
        f"{name}: REML criterion, dense N x N",
        fit.deviance,
        reference.dense_reml_criterion_factors(X, y, codes, sigmas=sds, sigma_y=fit.sigma_y),
        rtol=1e-10,
    )
    table = tc.level_shrinkage(fit, y=y, X=X)
    for g, t in table.items():
        checks.close(
            f"{name}: {g} modes = lambda_j x mean partial residual",
            t["effect"],
            t["lambda_"] * t["partial_mean"],
            atol=1e-10,
        )
    checks.holds(f"{name}: backfitting ends within 1e-9", backfits[name].distance[-1] < 1e-9)
for g in crossed:
    checks.close(
        f"Penicillin: {g} no-pooling effects = mean deviations",
        pen_none[g],
        penicillin.groupby(g)["diameter"].mean() - penicillin["diameter"].mean(),
        atol=1e-10,
    )
    checks.close(
        f"Penicillin: {g} modes = lambda x plain mean deviation",
        pen_table[g]["effect"],
        pen_table[g]["lambda_"]
        * (penicillin.groupby(g)["diameter"].mean() - penicillin["diameter"].mean()),
        atol=1e-10,
    )
checks.close("Pastes: batch effect / plain deviation, closed form", batch_ratio, closed, rtol=1e-8)
checks.holds("unbalanced: the plain-mean formula is off by more than 0.01 mm", plain_gap > 0.01)
checks
