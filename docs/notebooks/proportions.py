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
# # Partial pooling of proportions
#
# When each group gives successes out of trials (cases out of animals, hits out of at-bats),
# partial pooling works as in the [shrinkage](shrinkage.py) page, on the log-odds scale: each
# group's estimate is pulled from its own log-odds toward the population's, and how far is set
# by how much its own data say. What plays the part of $n_j/\sigma_y^2$ is the **curvature of the
# group's binomial log-likelihood**, $m_j p_j (1 - p_j)$ for $m_j$ trials: a group with many
# trials *and* a rate far from 0 or 1 moves least. The one new difficulty is computational: the
# likelihood is an integral with no closed form, computed here by adaptive Gauss-Hermite
# quadrature, of which the Laplace approximation is the one-point case.

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import figures
from partial_pooling.site import pooling_pays as pays
from partial_pooling.site import proportions

# %% [markdown]
# ## The model
#
# Group $j$ has $y_{ij}$ successes out of $m_{ij}$ trials in row $i$, and
#
# $$
# \begin{aligned}
# y_{ij} &\sim \operatorname{Binomial}(m_{ij}, p_{ij}),\\
# \operatorname{logit} p_{ij} &= \alpha_j + x_{ij}'\beta,\\
# \alpha_j &\sim N(\mu_\alpha, \sigma_\alpha^2).
# \end{aligned}
# $$
#
# The likelihood of $(\mu_\alpha, \beta, \sigma_\alpha)$ integrates each group's intercept out:
# with $f_j(\alpha) = \prod_i \operatorname{Binomial}(y_{ij} \mid m_{ij}, p_{ij})$ at
# $\alpha_j = \alpha$,
#
# $$
# L_j = \int f_j(\alpha)\, N(\alpha; \mu_\alpha, \sigma_\alpha^2)\, d\alpha .
# $$
#
# `pp.fit_binomial` computes each $L_j$ with
# `n_agq` quadrature points placed around the integrand's peak (the conditional mode) and
# scaled by its curvature there, lme4's `glmer(..., nAGQ = n_agq)`, and maximizes the sum of
# the $\log L_j$ exactly. The partially pooled intercept $\hat\alpha_j$ is the conditional mode.

# %% [markdown]
# ## Herds: no, complete and partial pooling
#
# lme4's `cbpp` data ([data](../data.md)) count new cases of contagious bovine pleuropneumonia
# in 15 zebu herds in Ethiopia over up to four periods. Leaving the periods aside for now, each
# herd's rate is its cases over its animal-periods. No pooling takes each herd's own rate;
# complete pooling takes one rate for all; partial pooling fits the model above without
# covariates, here with 25 quadrature points.

# %%
cbpp = datasets.cbpp()
herd = pp.fit_binomial(cbpp, y="incidence", trials="size", group="herd", n_agq=25)
table = proportions.pooling_table(herd)
complete_rate = table["successes"].sum() / table["trials"].sum()
table[["trials", "successes", "rate", "prob"]].rename(
    columns={"rate": "no pooling", "prob": "partial pooling"}
).sort_values("trials").round(3).astype({"trials": int, "successes": int}).astype(object).T

# %% tags=["hide-input"]
low, high = table["trials"].min(), table["trials"].max()
move = (table["prob"] - table["rate"]).abs()
biggest = move.idxmax()
Markdown(
    f"The herds had {low:.0f} to {high:.0f} animal-periods and {table['successes'].min():.0f} "
    f"to {table['successes'].max():.0f} cases. Complete pooling gives every herd the rate "
    f"{complete_rate:.3f}; the fit gives $\\hat\\mu_\\alpha = {herd.mu:.3f}$ on the log-odds "
    f"scale (a typical herd's probability $\\operatorname{{logit}}^{{-1}}\\hat\\mu_\\alpha = "
    f"{1 / (1 + np.exp(-herd.mu)):.3f}$) and $\\hat\\sigma_\\alpha = {herd.sigma_alpha:.3f}$ "
    f"(ML, 25 points). [Figure](#fig-herd-arrows) draws each herd's move: the largest, "
    f"{move.max():.3f}, is herd {biggest}'s, {table.loc[biggest, 'successes']:.0f} cases out of "
    f"{table.loc[biggest, 'trials']:.0f}, the smallest herd with the highest rate."
)

# %% caption="Each herd's own rate (orange) moved to its partially pooled probability (blue), against its number of animal-periods; the lines are the complete-pooling rate and a typical herd's probability." label="fig-herd-arrows"
figures.proportion_arrows(herd, group_name="herd")

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.proportion_arrows)

# %% [markdown]
# ## How far each herd moves, and why
#
# In the normal model the weight on group $j$'s own mean is
# $\lambda_j = \sigma_\alpha^2 / (\sigma_\alpha^2 + \sigma_y^2/n_j)$, where $\sigma_y^2/n_j$ is
# the variance of that mean. Near its peak the group's binomial log-likelihood in $\alpha_j$ is
# close to a parabola of curvature $1/v_j = m_j p_j (1 - p_j)$, the log-likelihood of a normal
# mean with variance $v_j$; putting $v_j$ in place of $\sigma_y^2/n_j$ gives the weight
#
# $$
# \lambda_j^{\text{curv}} = \frac{\hat\sigma_\alpha^2}{\hat\sigma_\alpha^2 + v_j},
# \qquad v_j = \frac{1}{m_j \hat p_j (1 - \hat p_j)},
# $$
#
# with $\hat p_j$ the partially pooled probability. The exact shift is where $\hat\alpha_j$
# actually stands on the way from $\hat\mu_\alpha$ to the herd's own log-odds
# $\tilde\alpha_j = \operatorname{logit}(y_j/m_j)$:
# $\lambda_j^{\text{exact}} = (\hat\alpha_j - \hat\mu_\alpha)/(\tilde\alpha_j - \hat\mu_\alpha)$.
# Because the mode solves $(\hat\alpha_j - \hat\mu_\alpha)/\hat\sigma_\alpha^2 = y_j - m_j\hat p_j$
# and the herd's own score $y_j - m_j p$ is zero at $\tilde\alpha_j$, the exact shift is the
# same formula with $1/v_j$ replaced by the *average* curvature between $\hat\alpha_j$ and
# $\tilde\alpha_j$. The two agree where the curvature changes little over that stretch.

# %% caption="Each herd's exact shift (blue) and the weight from the curvature of its own likelihood (orange rings, on the grey curve), against that curvature." label="fig-herd-weights"
figures.weights_exact_vs_curvature(herd, group_name="herd")

# %% tags=["hide-input"]
gap = (table["curvature"] - table["exact"]).abs()
worst = gap.idxmax()
own_curvature = table["rate"] * (1 - table["rate"])
pooled_curvature = table["prob"] * (1 - table["prob"])
curvature_change = (own_curvature / pooled_curvature - 1).abs()
by_trials = table["exact"].rank().corr(table["trials"].rank())
by_info = table["exact"].rank().corr(table["information"].rank())
Markdown(
    f"For these herds the curvature's weight is within {gap.max():.3f} of the exact shift "
    f"([Figure](#fig-herd-weights)). The largest gap is herd {worst}'s, with rate "
    f"{table.loc[worst, 'rate']:.3f}: between its own rate and its pooled probability "
    f"{table.loc[worst, 'prob']:.3f}, $p(1-p)$ changes by "
    f"{100 * curvature_change[worst]:.0f}%, more than for any other herd. The exact weights "
    f"range from {table['exact'].min():.2f} to {table['exact'].max():.2f}, and they follow the "
    f"curvature more than the number of trials: their rank correlation with $m_j$ is "
    f"{by_trials:.2f}, with $m_j\\hat p_j(1-\\hat p_j)$ {by_info:.2f}. With a rate near 0, "
    "$m_j p(1-p)$ is close to the number of cases: a herd with few cases says little about its "
    "log-odds, however many animals it has."
)

# %% [markdown]
# ## Laplace or quadrature
#
# The Laplace approximation (one point) replaces each group's integrand by a Gaussian of the
# same peak and curvature. It is close when each group's likelihood is close to that Gaussian:
# many trials and rates away from 0 and 1. It can be poor for small groups with rare events,
# where a group's likelihood in $\alpha_j$ is flat on one side (a herd with no cases is nearly
# as likely at log-odds $-10$ as at $-8$). The table fits both ways the two real data sets of
# this page (the baseball players come [below](#the-baseball-players-as-hits-out-of-at-bats))
# and a simulated one of the rare-event kind: 300 groups of 5 trials, $\mu_\alpha = -3$ (a
# probability near 0.05) and $\sigma_\alpha = 1.5$.

# %%
em = datasets.efron_morris()
at_bats = pays.trials_frame(em.set_index("name")["hits"], 45)  # one 0/1 row per at-bat
rare = proportions.rare_events(
    J=300, m=5, mu=-3.0, sigma_alpha=1.5, rng=np.random.default_rng(20261207)
)
data_sets = {
    "cbpp herds": (cbpp, {"y": "incidence", "trials": "size", "group": "herd"}),
    "baseball players": (at_bats, {"y": "y", "group": "group"}),
    "simulated rare events": (rare, {"y": "y", "group": "group"}),
}
fits = {
    (name, k): pp.fit_binomial(frame, n_agq=k, **cols)
    for name, (frame, cols) in data_sets.items()
    for k in (1, 25)
}
pd.DataFrame(
    {
        f"{name}, {'Laplace' if k == 1 else '25 points'}": {
            "mu_alpha": f.mu,
            "sigma_alpha": f.sigma_alpha,
            "log-likelihood": f.loglik,
        }
        for (name, k), f in fits.items()
    }
).T.round(4)


# %% tags=["hide-input"]
def change(name: str) -> float:
    """Relative change of sigma_alpha-hat from Laplace to 25 points."""
    return fits[(name, 1)].sigma_alpha / fits[(name, 25)].sigma_alpha - 1


zero_rare = int((rare.groupby("group")["y"].sum() == 0).sum())
Markdown(
    f"On the herds, Laplace's $\\hat\\sigma_\\alpha$ is {100 * abs(change('cbpp herds')):.1f}% "
    f"{'below' if change('cbpp herds') < 0 else 'above'} the 25-point value; on the players "
    f"{100 * abs(change('baseball players')):.1f}% {'below' if change('baseball players') < 0 else 'above'}; "
    f"on the simulated rare events, where {zero_rare} of the 300 groups had no success at all, "
    f"it is {100 * abs(change('simulated rare events')):.0f}% "
    f"{'below' if change('simulated rare events') < 0 else 'above'} "
    f"({fits[('simulated rare events', 1)].sigma_alpha:.2f} against "
    f"{fits[('simulated rare events', 25)].sigma_alpha:.2f}, with 1.5 the value simulated). "
    "For the two real data sets the change is less than a tenth of the standard error of "
    f"$\\hat\\sigma_\\alpha$ ({fits[('cbpp herds', 25)].se['sigma_alpha']:.2f} for the herds, "
    f"{fits[('baseball players', 25)].se['sigma_alpha']:.2f} for the players): for them Laplace "
    "is enough. With groups of a handful of trials and rare events, use quadrature."
)

# %% [markdown]
# ## The baseball players as hits out of at-bats
#
# The [baseball](baseball.py) page fits Efron and Morris's 18 players with the normal model,
# treating each at-bat as a normal outcome. Here the same 45 at-bats per player are Bernoulli
# trials, and the model is the logistic one above.

# %%
players = fits[("baseball players", 25)]
normal = pp.Model(at_bats, y="y", group="group").fit(method="ML")
player_table = proportions.pooling_table(players)
pd.DataFrame(
    {
        "hits": player_table["successes"],
        "own average": player_table["rate"],
        "binomial, partial pooling": player_table["prob"],
        "normal, partial pooling": normal.alpha,
    }
).sort_values("hits", ascending=False).round(3).astype({"hits": int}).astype(object).T

# %% tags=["hide-input"]
diff = (player_table["prob"] - normal.alpha.reindex(player_table.index)).abs()
Markdown(
    f"With $\\hat\\sigma_\\alpha = {players.sigma_alpha:.3f}$ on the log-odds scale, every "
    f"player keeps between {player_table['exact'].min():.2f} and "
    f"{player_table['exact'].max():.2f} of his distance from the population's log-odds "
    f"([Figure](#fig-player-arrows)). The binomial and the normal fits (ML) differ by at most "
    f"{diff.max():.4f} in a player's pooled average: with 45 trials each and averages between "
    f"{player_table['rate'].min():.3f} and {player_table['rate'].max():.3f}, the curvature "
    f"$45\\,p(1-p)$ varies little from player to player, which is what the normal model's single "
    f"$\\sigma_y$ assumes."
)

# %% caption="Each player's own average over 45 at-bats (orange) moved to its partially pooled probability from the binomial model (blue)." label="fig-player-arrows"
figures.proportion_arrows(players, group_name="player")

# %% [markdown]
# ## Checks

# %% tags=["hide-input"]
from partial_pooling.site.checks import Checks

glmer = proportions.glmer_proportions()
checks = Checks("lme4's glmer (bobyqa to rhoend 1e-12, tolPwrss 1e-12), stored with its R code")
for name, key in (("cbpp herds", "cbpp_herd"), ("baseball players", "baseball")):
    for k in (1, 25):
        ref = glmer[f"{key}_agq{k}"]["tight"]
        fit = fits[(name, k)]
        checks.close(f"{name}, nAGQ {k}: mu_alpha", fit.mu, ref["mu"], rtol=0, atol=1e-5)
        checks.close(
            f"{name}, nAGQ {k}: sigma_alpha", fit.sigma_alpha, ref["theta"], rtol=0, atol=1e-5
        )
        checks.close(
            f"{name}, nAGQ {k}: log-likelihood",
            fit.loglik,
            ref["loglik_binomial"],
            rtol=0,
            atol=1e-6,
        )
        ranef = pd.Series(ref["ranef"])
        checks.close(
            f"{name}, nAGQ {k}: conditional modes a_j",
            (fit.alpha - fit.mu).rename(index=str)[ranef.index],
            ranef,
            rtol=0,
            atol=1e-5,
        )
        checks.holds(
            f"{name}, nAGQ {k}: at or above glmer's default fit",
            fit.loglik >= glmer[f"{key}_agq{k}"]["default"]["loglik_binomial"] - 1e-9,
        )
checks.close(
    "the herd fit used above is the 25-point one",
    herd.loglik,
    fits[("cbpp herds", 25)].loglik,
    rtol=1e-12,
)
checks

# %% tags=["hide-input"]
checks = Checks("the weights written out")
p = table["prob"]
checks.close(
    "curvature weight = sigma^2 m p(1-p) / (sigma^2 m p(1-p) + 1)",
    table["curvature"],
    herd.sigma_alpha**2
    * table["trials"]
    * p
    * (1 - p)
    / (herd.sigma_alpha**2 * table["trials"] * p * (1 - p) + 1),
    rtol=1e-10,
)
# the exact shift from the mode's equation: (alpha - mu) / sigma^2 = y - m p
score = table["successes"] - table["trials"] * p
checks.close(
    "the mode solves (alpha_j - mu) / sigma^2 = y_j - m_j p_j",
    (table["alpha"] - herd.mu) / herd.sigma_alpha**2,
    score,
    rtol=0,
    atol=1e-8,
)
average_curvature = score / (table["own_log_odds"] - table["alpha"])
checks.close(
    "exact shift = sigma^2 S / (1 + sigma^2 S), S the average curvature",
    table["exact"],
    herd.sigma_alpha**2 * average_curvature / (1 + herd.sigma_alpha**2 * average_curvature),
    rtol=1e-8,
)
checks.holds(
    "every herd has cases and non-cases (all exact shifts defined)", table["exact"].notna().all()
)
checks.holds(
    "the herd that moves most is the smallest and has the highest rate",
    biggest == table["trials"].idxmin() == table["rate"].idxmax(),
)
checks.holds(
    "the herd of the largest gap has the largest change of p(1-p)",
    worst == curvature_change.idxmax(),
)
for name in ("cbpp herds", "baseball players"):
    checks.holds(
        f"{name}: Laplace's sigma_alpha within a tenth of a standard error of the 25-point one",
        abs(fits[(name, 1)].sigma_alpha - fits[(name, 25)].sigma_alpha)
        < 0.1 * fits[(name, 25)].se["sigma_alpha"],
    )
checks.holds(
    "every player's partially pooled average lies between his own and the typical player's",
    bool(
        (
            (player_table["prob"] - player_table["rate"])
            * (player_table["prob"] - 1 / (1 + np.exp(-players.mu)))
            <= 0
        ).all()
    ),
)
for name in data_sets:
    frame, cols = data_sets[name]
    f25 = fits[(name, 25)]
    exact = pp.binomial_loglik(
        frame, **cols, mu=f25.mu, beta=None, sigma_alpha=f25.sigma_alpha, n_agq=60
    )
    checks.close(
        f"{name}: 25 points = 60 points at the estimates", f25.loglik, exact, rtol=0, atol=1e-5
    )
    f1 = fits[(name, 1)]
    at_laplace = pp.binomial_loglik(
        frame, **cols, mu=f1.mu, beta=None, sigma_alpha=f1.sigma_alpha, n_agq=60
    )
    checks.holds(
        f"{name}: Laplace's estimates are below the 25-point optimum",
        at_laplace <= f25.loglik + 1e-9,
    )
checks
