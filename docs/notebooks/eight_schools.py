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
# # The eight schools: partial pooling with known standard errors
#
# Eight schools each ran a coaching experiment and reported one estimated effect $y_j$ with a
# standard error $\sigma_j$. Partial pooling is then in its purest form: one weight per
# school, $\lambda_j = \tau^2/(\tau^2 + \sigma_j^2)$, the radon page's weight with
# $\sigma_y^2/n_j$ replaced by $\sigma_j^2$, and no $\sigma_y$ to estimate. It is also where
# the maximum-likelihood answer surprises: for these data the ML and the REML estimates of the
# between-school SD $\tau$ are both exactly 0, so the plug-in estimate of every school's effect
# is the same pooled mean, while the posterior of $\tau$, computed exactly on a grid, puts most
# of its mass away from 0. This page draws the likelihoods and the posterior side by side and
# checks every number against an independent computation (folded under each result). Symbols
# are those of the [notation page](../notation.md), with $\tau$ in the role of
# $\sigma_\alpha$ and $\theta_j$ in that of $\alpha_j$, as in Gelman et al.'s *Bayesian Data
# Analysis* (chapter 5).

# %% tags=["remove-cell"]
# The page's checks (folded cells below) use these; they are not part of the story.
from scipy import integrate, optimize, stats

from partial_pooling.site import reference
from partial_pooling.site.checks import Checks

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling import known_variance as kv
from partial_pooling.site import figures

# %% [markdown]
# ## The data
#
# Rubin's (1981) eight parallel experiments on coaching for the SAT-V, as tabulated by Gelman
# et al. (2013, table 5.2; [data sets](../data.md)): for each school, the estimated coaching
# effect $y_j$ in points and its standard error $\sigma_j$, both from that school's own
# analysis. The standard errors are treated as known, as in the book: each school's estimate
# rests on more than thirty students.

# %%
schools = datasets.eight_schools()
y = schools["y"].to_numpy()
sigma = schools["sigma"].to_numpy()
J = len(y)
schools.set_index("school").T

# %% [markdown]
# ## The model and the weights
#
# Each estimate measures its school's true effect with a known noise, and the true effects
# vary around a population mean:
#
# $$
# y_j \mid \theta_j \sim N(\theta_j, \sigma_j^2), \qquad \theta_j \sim N(\mu, \tau^2),
# $$
#
# so that, integrating out $\theta_j$, $y_j \sim N(\mu, \sigma_j^2 + \tau^2)$.
#
# Given $\tau$ (and $\mu$), the best estimate of $\theta_j$ is the precision-weighted
# compromise
#
# $$
# \hat\theta_j = \lambda_j y_j + (1 - \lambda_j)\hat\mu(\tau), \qquad
# \lambda_j = \frac{\tau^2}{\tau^2 + \sigma_j^2},
# $$
#
# $$
# \hat\mu(\tau) = \frac{\sum_j y_j/(\sigma_j^2 + \tau^2)}{\sum_j 1/(\sigma_j^2 + \tau^2)}.
# $$
#
# A school with a large standard error leans on the others: below, the weights at three values
# of $\tau$.

# %%
taus = [5.0, 10.0, 20.0]
weights = pd.DataFrame(
    {f"lambda_j, tau = {t:g}": kv.shrinkage_weights(sigma=sigma, tau=t) for t in taus},
    index=schools["school"],
).assign(sigma_j=sigma)
weights.round(3)

# %% tags=["hide-input"]
lam10 = kv.shrinkage_weights(sigma=sigma, tau=10.0)
Markdown(
    f"At $\\tau = 10$ the weights run from {lam10.min():.2f} (school "
    f"{schools['school'][int(np.argmax(sigma))]}, $\\sigma_j = {sigma.max():g}$) to "
    f"{lam10.max():.2f} (school {schools['school'][int(np.argmin(sigma))]}, "
    f"$\\sigma_j = {sigma.min():g}$). At $\\tau = 0$ every weight is 0 (complete pooling); as "
    "$\\tau \\to \\infty$ every weight tends to 1 (no pooling). Everything therefore hinges "
    "on $\\tau$."
)

# %% [markdown]
# ## The radon page's weight, with a known variance in place of the group mean's
#
# On the [shrinkage page](shrinkage.py) a county's weight is
# $\lambda_j = n_j\sigma_\alpha^2/(n_j\sigma_\alpha^2 + \sigma_y^2)
# = \sigma_\alpha^2/(\sigma_\alpha^2 + \sigma_y^2/n_j)$: the same formula, with the sampling
# variance of the county mean, $\sigma_y^2/n_j$, in place of $\sigma_j^2$. So a random-intercept
# fit without covariates is an eight-schools computation on the county means. We fit radon by
# REML (no floor covariate), then hand each county's mean $\bar y_j$ and
# $\sigma_y/\sqrt{n_j}$ to the known-variance functions, with $\tau = \hat\sigma_\alpha$:

# %%
radon = datasets.radon()
radon_fit = pp.Model(radon, y="log_radon", group="county").fit(method="REML")
county = radon.groupby("county")["log_radon"].agg(ybar="mean", n="size")
county["sigma_j"] = radon_fit.sigma_y / np.sqrt(county["n"])
county["lambda_j (radon fit)"] = radon_fit.shrinkage
county["lambda_j (known variance)"] = kv.shrinkage_weights(
    sigma=county["sigma_j"], tau=radon_fit.sigma_alpha
)
county["alpha_j (radon fit)"] = radon_fit.alpha
county["theta_j (known variance)"] = kv.partially_pooled(
    y=county["ybar"], sigma=county["sigma_j"], tau=radon_fit.sigma_alpha
)
county.sort_values("n").iloc[[0, 1, 40, -2, -1]].round(4)

# %% tags=["hide-input"]
gap_lambda = float(
    (county["lambda_j (radon fit)"] - county["lambda_j (known variance)"]).abs().max()
)
gap_alpha = float((county["alpha_j (radon fit)"] - county["theta_j (known variance)"]).abs().max())
X_r, Z_r, y_r, labels_r = reference.design(radon, y="log_radon", group="county")
b_r, _, a_r = reference.dense_gls(
    X_r, Z_r, y_r, sigma_alpha=radon_fit.sigma_alpha, sigma_y=radon_fit.sigma_y
)
checks = Checks("the radon fit and the dense N x N GLS")
checks.close(
    "lambda_j: known variance vs the radon fit",
    county["lambda_j (known variance)"],
    county["lambda_j (radon fit)"],
    rtol=1e-12,
)
checks.close(
    "theta_j: known variance vs the radon fit",
    county["theta_j (known variance)"],
    county["alpha_j (radon fit)"],
    rtol=1e-10,
)
checks.holds("the dense design's groups are the counties in order", labels_r == list(county.index))
checks.close(
    "theta_j: known variance vs dense GLS mu + BLUP a_j",
    county["theta_j (known variance)"].to_numpy(),
    b_r[0] + a_r,
    rtol=1e-10,
)
checks

# %% tags=["hide-input"]
def at_most(gap: float) -> str:
    return "at most " + (f"{gap:.0e}" if gap > 0 else "0: not at all")


Markdown(
    f"Over all {len(county)} counties the two weights differ by {at_most(gap_lambda)}, and "
    f"the two sets of intercepts by {at_most(gap_alpha)}: the random-intercept model's "
    "partial pooling *is* known-variance partial pooling of the group means, once "
    "$\\sigma_y$ and $\\sigma_\\alpha$ are fixed. What the eight schools lack is only the "
    "raw data that would let us estimate $\\sigma_y$: their $\\sigma_j$ come given."
)

# %% [markdown]
# ## The likelihood of τ, and where ML and REML put its estimate
#
# Integrating out the $\theta_j$, the $y_j$ are independent $N(\mu, v_j)$ with
# $v_j = \sigma_j^2 + \tau^2$. The exact marginal log-likelihood, its profile in $\tau$ (ML:
# $\mu$ replaced by $\hat\mu(\tau)$), and the restricted log-likelihood (REML: the likelihood
# of the $J - 1$ contrasts free of $\mu$) are
#
# $$
# \ell(\mu, \tau) = -\frac12\sum_j\Big[\log(2\pi v_j) + \frac{(y_j-\mu)^2}{v_j}\Big],
# $$
#
# $$
# \ell_P(\tau) = \ell(\hat\mu(\tau), \tau),
# $$
#
# $$
# \ell_R(\tau) = \ell_P(\tau) + \tfrac12\log 2\pi - \tfrac12\log\sum_j \frac{1}{v_j}.
# $$
#
# [Figure](#fig-tau-likelihoods) draws both, each relative to its maximum.

# %%
fits = {m: kv.fit_tau(y=y, sigma=sigma, method=m) for m in ("ML", "REML")}
tau_grid = np.linspace(0.0, 40.0, 401)
curves = {
    "ML": [kv.profile_loglik_tau(y=y, sigma=sigma, tau=t) for t in tau_grid],
    "REML": [kv.reml_loglik_tau(y=y, sigma=sigma, tau=t) for t in tau_grid],
}
pd.DataFrame(
    {
        m: {
            "tau_hat": f.tau,
            "at the boundary": f.at_boundary,
            "mu_hat": f.mu,
            "se(mu_hat)": f.se_mu,
            "log-likelihood": f.loglik,
            "d loglik / d tau^2 at 0": f.score_at_zero,
        }
        for m, f in fits.items()
    }
)

# %% caption="The ML (profiled) and REML log-likelihoods of $\\tau$ for the eight schools, each relative to its maximum; right, near 0 against $\\tau^2$, with the tangent at 0." label="fig-tau-likelihoods"
figures.tau_likelihoods(
    tau_grid,
    curves,
    {m: f.tau for m, f in fits.items()},
    {m: f.score_at_zero for m, f in fits.items()},
)

# %% [markdown]
# Why exactly 0? Both log-likelihoods depend on $\tau$ only through $\tau^2$, so *in $\tau$*
# every one of them is flat at 0, for any data (the left panel). What decides is the slope in
# $\tau^2$ at 0, the score. With $\hat\mu_0 = \hat\mu(0)$, the precision-weighted mean,
#
# $$
# \frac{\partial \ell_P}{\partial \tau^2}\Big|_0 = \frac12\sum_j\Big[\frac{(y_j-\hat\mu_0)^2}
# {\sigma_j^4} - \frac{1}{\sigma_j^2}\Big],
# $$
#
# $$
# \frac{\partial \ell_R}{\partial \tau^2}\Big|_0 = \frac{\partial \ell_P}{\partial \tau^2}
# \Big|_0 + \frac12\,\frac{\sum_j \sigma_j^{-4}}{\sum_j \sigma_j^{-2}}.
# $$
#
# A negative score makes $\tau = 0$ a local maximum; that no higher peak lies further right
# is checked by the fit, which evaluates the score on a grid over 24 decades of $\tau^2$ and
# solves for every sign change (and again, in the checks, by a bounded optimizer).

# %%
mu0 = kv.gls_mu(y=y, sigma=sigma, tau=0.0)
chi2 = float(np.sum((y - mu0) ** 2 / sigma**2))


def spread_score(c: float, method: str) -> float:
    """The score at 0 if every y_j were c times as far from mu0, same sigma_j."""
    return kv.score_at_zero(y=mu0 + c * (y - mu0), sigma=sigma, method=method)


c_star = {m: optimize.brentq(spread_score, 1.0, 10.0, args=(m,)) for m in ("ML", "REML")}
pd.Series(
    {
        "precision-weighted mean mu0": mu0,
        "sum (y_j - mu0)^2 / sigma_j^2": chi2,
        "its expectation if tau = 0 (J - 1)": J - 1,
        "spread factor c* at which the ML score is 0": c_star["ML"],
        "spread factor c* at which the REML score is 0": c_star["REML"],
    },
    name="value",
).to_frame()


# %% tags=["hide-input"]
def dense_loglik(yy, s, mu, tau):
    """scipy's multivariate normal log-density, V = diag(sigma^2) + tau^2 I."""
    V = np.diag(s**2) + tau**2 * np.eye(len(yy))
    return float(stats.multivariate_normal(np.full(len(yy), mu), V).logpdf(yy))


def contrast_reml(yy, s, tau):
    """REML as the density of J - 1 orthonormal contrasts K'y, less log(J)/2."""
    n = len(yy)
    q, _ = np.linalg.qr(np.column_stack([np.ones(n), np.eye(n)[:, : n - 1]]))
    K = q[:, 1:]
    V = np.diag(s**2) + tau**2 * np.eye(n)
    dens = stats.multivariate_normal(np.zeros(n - 1), K.T @ V @ K).logpdf(K.T @ yy)
    return float(dens - 0.5 * np.log(n))


def dense_ml(yy, s, tau):
    """The dense density maximized over mu by a scalar optimizer."""
    found = optimize.minimize_scalar(
        lambda m: -dense_loglik(yy, s, m, tau), bracket=(yy.min(), yy.max()), tol=1e-12
    )
    return -float(found.fun)


dense = {"ML": dense_ml, "REML": contrast_reml}
h = 1e-3
checks = Checks("dense densities, finite differences and a bounded optimizer")
for m, f in fits.items():
    ll = lambda t2, m=m: dense[m](y, sigma, float(np.sqrt(t2)))  # noqa: E731
    fd = (-3 * ll(0.0) + 4 * ll(h) - ll(2 * h)) / (2 * h)
    checks.close(f"{m} score at 0 vs a finite difference in tau^2", f.score_at_zero, fd, rtol=1e-5)
    checks.close(
        f"{m} log-likelihood curve vs the dense density",
        curves[m][::40],
        [dense[m](y, sigma, t) for t in tau_grid[::40]],
        rtol=1e-10,
    )
    best = optimize.minimize_scalar(
        lambda t, m=m: -dense[m](y, sigma, t),
        bounds=(0, 200),
        method="bounded",
        options={"xatol": 1e-9},
    )
    checks.holds(
        f"{m}: no tau in [0, 200] beats tau = 0 (bounded optimizer)",
        f.loglik >= -best.fun - 1e-10 and best.x < 1e-3,
    )
    checks.holds(f"{m}: tau_hat = 0 exactly, at the boundary", f.tau == 0 and f.at_boundary)
for m in ("ML", "REML"):
    above = kv.fit_tau(y=mu0 + 1.02 * c_star[m] * (y - mu0), sigma=sigma, method=m)
    below = kv.fit_tau(y=mu0 + 0.98 * c_star[m] * (y - mu0), sigma=sigma, method=m)
    checks.holds(
        f"{m}: tau_hat > 0 at 1.02 c*, = 0 at 0.98 c*", above.tau > 0 and below.at_boundary
    )
checks.close(
    "mu_hat at the boundary vs the precision-weighted mean",
    fits["REML"].mu,
    np.sum(y / sigma**2) / np.sum(1 / sigma**2),
    rtol=1e-14,
)
checks

# %% tags=["hide-input"]
Markdown(
    f"Both scores are negative, {fits['ML'].score_at_zero:.4f} (ML) and "
    f"{fits['REML'].score_at_zero:.4f} (REML) per squared point, so both estimates sit at "
    "the boundary, and the plug-in estimate of every school's effect is the precision-weighted "
    f"mean $\\hat\\mu_0$ = {mu0:.2f} (standard error {fits['REML'].se_mu:.2f}): complete "
    "pooling. The reason is in the data: if $\\tau$ were 0, the statistic "
    "$\\sum_j (y_j - \\hat\\mu_0)^2/\\sigma_j^2$ would follow a $\\chi^2$ distribution with "
    f"$J - 1$ = {J - 1} degrees of freedom, mean {J - 1}; for these schools it is "
    f"{chi2:.2f}. The estimates vary *less* than their standard errors alone would make them "
    "vary, and a likelihood cannot attribute any of their spread to the schools. What would "
    "move $\\hat\\tau$ off 0: the same standard errors with the estimates spread more than "
    f"{c_star['REML']:.2f} times as far from $\\hat\\mu_0$ (REML; {c_star['ML']:.2f} for ML), "
    "or, equivalently, standard errors that many times smaller. With equal $\\sigma_j = "
    "\\sigma$ the rule is simple: ML leaves 0 exactly when $\\sum_j(y_j - \\bar y)^2 > "
    "J\\sigma^2$, REML when it exceeds $(J-1)\\sigma^2$. The [boundary page](boundary.py) "
    "shows the same boundary for a random-intercept fit, on Dyestuff2."
)

# %% [markdown]
# ## The posterior of τ, exactly, on a grid
#
# A point estimate of 0 does not say that $\tau$ is 0, only that no positive value fits
# better. The Bayesian answer averages over $\tau$. With a flat prior on $\mu$, $\mu$ integrates
# out in closed form (Gelman et al. 2013, eq. 5.21):
#
# $$
# p(\tau \mid y) \propto p(\tau)\, V_\mu^{1/2} \prod_j v_j^{-1/2}
# \exp\Big(-\sum_j \frac{(y_j - \hat\mu(\tau))^2}{2 v_j}\Big),
# \qquad V_\mu = \Big(\sum_j \frac{1}{v_j}\Big)^{-1},
# $$
#
# $$
# p(\tau \mid y) \propto p(\tau)\, e^{\ell_R(\tau)}.
# $$
#
# The second form is exact: the restricted likelihood times the prior. We use two priors on
# $\tau$: uniform on $\tau \ge 0$ (Gelman et al. 2013, section 5.4) and a half-Cauchy,
# $p(\tau) \propto 1/(1 + (\tau/A)^2)$, the family Gelman (2006) recommends for a group-level
# scale, here with $A = 25$ points, wider than any of the $\sigma_j$. Both are evaluated on a
# grid from 0 to 200 points in steps of 0.05; integrals over $\tau$ are trapezoid sums.

# %%
grid = np.linspace(0.0, 200.0, 4001)
priors = {"uniform prior": ("uniform", None), "half-Cauchy, A = 25": ("half-cauchy", 25.0)}
posteriors = {
    name: kv.tau_posterior(y=y, sigma=sigma, tau=grid, prior=p, scale=a)
    for name, (p, a) in priors.items()
}
pd.DataFrame(
    {
        name: {
            "mode": p.tau[int(np.argmax(p.density))],
            "2.5%": p.quantile(0.025),
            "median": p.quantile(0.5),
            "mean": p.mean_tau,
            "97.5%": p.quantile(0.975),
            "P(tau < 1)": p.cdf(1.0),
        }
        for name, p in posteriors.items()
    }
).T.round(3)

# %% caption="The posterior of $\\tau$ under a uniform and a half-Cauchy prior ($A = 25$), computed exactly on a grid; dashed, the posterior medians. The ML and REML estimates are both 0." label="fig-tau-posterior"
figures.tau_posteriors(posteriors, xmax=40.0)

# %% tags=["hide-input"]
uni = posteriors["uniform prior"]
hc = posteriors["half-Cauchy, A = 25"]


def unnormalized(t, prior, scale):
    """Eq. 5.21 times the prior, term by term."""
    v = sigma**2 + t**2
    V_mu = 1 / np.sum(1 / v)
    mu = V_mu * np.sum(y / v)
    p_tau = 1.0 if prior == "uniform" else 1 / (1 + (t / scale) ** 2)
    return p_tau * np.sqrt(V_mu) * np.prod(v**-0.5) * np.exp(-np.sum((y - mu) ** 2 / v) / 2)


def theta_given_tau(t):
    """Mean and variance of theta given tau: the dense precision of (mu, theta)."""
    Q = np.zeros((J + 1, J + 1))
    Q[0, 0] = J / t**2
    Q[0, 1:] = Q[1:, 0] = -1 / t**2
    Q[1:, 1:] = np.diag(1 / sigma**2 + 1 / t**2)
    cov = np.linalg.inv(Q)
    return (cov @ np.concatenate([[0.0], y / sigma**2]))[1:], np.diag(cov)[1:]


def quad(f):
    return integrate.quad(f, 0.0, 200.0, epsabs=0, epsrel=1e-11, limit=400)[0]


checks = Checks("scipy.integrate.quad over tau")
for name, p in posteriors.items():
    prior, scale = priors[name]

    def unnorm(t, prior=prior, scale=scale):
        return unnormalized(t, prior, scale)

    z = quad(unnorm)
    checks.close(
        f"{name}: density on the grid",
        p.density[::200],
        [unnorm(t) / z for t in grid[::200]],
        rtol=1e-6,
    )
    checks.close(
        f"{name}: posterior mean of tau",
        p.mean_tau,
        quad(lambda t, f=unnorm: t * f(t)) / z,
        rtol=1e-5,
    )
    checks.close(
        f"{name}: posterior means of theta_j",
        p.theta_mean,
        [
            quad(lambda t, j=j, f=unnorm: theta_given_tau(t)[0][j] * f(t)) / z
            for j in range(J)
        ],
        rtol=1e-6,
    )
checks.close(
    "uniform prior: density is exp(REML) normalized",
    np.log(uni.density[::400] / uni.density[0]),
    [kv.reml_loglik_tau(y=y, sigma=sigma, tau=t) - fits["REML"].loglik for t in grid[::400]],
    atol=1e-10,
)
tail = integrate.quad(lambda t: unnormalized(t, "uniform", None), 200.0, np.inf)[0]
checks.holds("P(tau < 1) is below 1/2 under both priors", uni.cdf(1.0) < 0.5 and hc.cdf(1.0) < 0.5)
checks.holds(
    "uniform prior: the mass beyond tau = 200 is below 1e-6 of the total",
    tail / (tail + quad(lambda t: unnormalized(t, "uniform", None))) < 1e-6,
)
checks

# %% tags=["hide-input"]
Markdown(
    "Under either prior the posterior density is highest at $\\tau = 0$; under the uniform "
    "prior that is no coincidence, since the posterior is then the REML likelihood, "
    "normalized. But the mode is a poor summary of a density this skewed: the posterior "
    f"median is {uni.quantile(0.5):.1f} points under the uniform prior and "
    f"{hc.quantile(0.5):.1f} under the half-Cauchy, the means {uni.mean_tau:.1f} and "
    f"{hc.mean_tau:.1f}, and the 97.5% quantiles {uni.quantile(0.975):.1f} and "
    f"{hc.quantile(0.975):.1f}. Under the uniform prior the central 95% interval, "
    f"{uni.quantile(0.025):.1f} to {uni.quantile(0.975):.1f}, reaches from near 0 to above "
    + (
        f"all {J} standard errors"
        if bool((sigma < uni.quantile(0.975)).all())
        else f"{int(np.sum(sigma < uni.quantile(0.975)))} of the {J} standard errors"
    )
    + ", and the "
    f"probability that $\\tau$ is below 1 point is only {uni.cdf(1.0):.2f} "
    f"({hc.cdf(1.0):.2f} under the half-Cauchy): most of the mass lies away from the "
    "estimate of 0."
)

# %% [markdown]
# ## The partially pooled effects under each
#
# The ML or REML plug-in estimate of $\theta_j$ is $\hat\theta_j$ at $\hat\tau$: with
# $\hat\tau = 0$, every $\lambda_j = 0$ and every school gets $\hat\mu_0$. The posterior mean
# averages the estimate given $\tau$ over $p(\tau \mid y)$: given $\tau$, $\theta_j$ has mean
# $\lambda_j y_j + (1 - \lambda_j)\hat\mu(\tau)$ and variance
# $\lambda_j\sigma_j^2 + (1-\lambda_j)^2 V_\mu$, and the posterior SD adds the spread of those
# means across $\tau$.

# %%
effects = pd.DataFrame(
    {
        "y_j (no pooling)": y,
        "sigma_j": sigma,
        "plug-in": fits["REML"].theta,
        "plug-in s.e.": np.full(J, fits["REML"].se_mu),
        "posterior mean (uniform)": uni.theta_mean,
        "posterior SD (uniform)": uni.theta_sd,
        "posterior mean (half-Cauchy)": hc.theta_mean,
        "posterior SD (half-Cauchy)": hc.theta_sd,
    },
    index=schools["school"],
)
effects.round(2)

# %% [markdown]
# [Figure](#fig-schools-arrows) draws the move from each school's own estimate to the plug-in
# and to the posterior mean, against the school's standard error.

# %% caption="Each school's own estimate $y_j$ (no pooling) and its pooled estimate: left, the ML and REML plug-in at $\\hat\\tau = 0$; right, the posterior mean under the uniform prior on $\\tau$. Dashed, complete pooling's $\\hat\\mu_0$." label="fig-schools-arrows"
figures.known_variance_arrows(
    schools["school"],
    y,
    sigma,
    {
        f"ML and REML plug-in (τ = {fits['REML'].tau:g})": fits["REML"].theta,
        "posterior mean, uniform prior on τ": uni.theta_mean,
    },
    pooled_mean=mu0,
)

# %% tags=["hide-input"]
from partial_pooling.site.source import figure_code

figure_code(figures.known_variance_arrows)

# %% tags=["hide-input"]
names = list(schools["school"])
swaps = [
    (j, k)
    for j in range(J)
    for k in range(J)
    if y[j] < y[k] and uni.theta_mean[j] > uni.theta_mean[k]
]
pulled = bool(
    (np.abs(uni.theta_mean - mu0) < np.abs(y - mu0)).all()
    and (np.abs(hc.theta_mean - mu0) < np.abs(y - mu0)).all()
)
checks = Checks("dense J x J GLS and Henderson's BLUP")
for t in (0.0, uni.quantile(0.5)):
    V = np.diag(sigma**2) + t**2 * np.eye(J)
    Vi = np.linalg.inv(V)
    mu_d = float(np.ones(J) @ Vi @ y / (np.ones(J) @ Vi @ np.ones(J)))
    checks.close(
        f"partially pooled effects at tau = {t:.3g}",
        kv.partially_pooled(y=y, sigma=sigma, tau=t),
        mu_d + t**2 * Vi @ (y - mu_d),
        rtol=1e-12,
    )
checks.holds("at least one pair of schools swaps order (uniform prior)", len(swaps) > 0)
checks.holds(
    "in every swapped pair the school that ends higher has the larger sigma_j",
    all(sigma[j] > sigma[k] for j, k in swaps),
)
checks.holds("every posterior mean is closer to mu0 than y_j is", pulled)
checks.holds(
    "every posterior SD exceeds the plug-in s.e.",
    (uni.theta_sd > fits["REML"].se_mu).all() and (hc.theta_sd > fits["REML"].se_mu).all(),
)
checks

# %% tags=["hide-input"]
top = int(np.argmax(y))
Markdown(
    f"The plug-in puts every school at {mu0:.2f} with the same standard error "
    f"{fits['REML'].se_mu:.2f}: it treats $\\tau = 0$ as known, and so claims that school "
    f"{schools['school'][top]}'s estimate of {y[top]:g} says nothing about school "
    f"{schools['school'][top]} in particular. The posterior means pull each school toward "
    f"the pooled mean, school {names[top]} from {y[top]:g} to {uni.theta_mean[top]:.1f} "
    f"(uniform prior) or {hc.theta_mean[top]:.1f} (half-Cauchy), each by its own weight, so "
    f"the order can change: school {names[swaps[0][0]]} ($y_j = {y[swaps[0][0]]:g}$, "
    f"$\\sigma_j = {sigma[swaps[0][0]]:g}$) ends above school {names[swaps[0][1]]} "
    f"($y_j = {y[swaps[0][1]]:g}$, $\\sigma_j = {sigma[swaps[0][1]]:g}$), whose smaller "
    f"standard error holds it nearer its own estimate ({len(swaps)} such pair"
    f"{'s' if len(swaps) > 1 else ''} under the uniform prior). Their posterior SDs, from "
    f"{uni.theta_sd.min():.1f} to {uni.theta_sd.max():.1f} under the uniform prior, are "
    f"larger than the plug-in's {fits['REML'].se_mu:.2f}, because they carry the uncertainty "
    "about $\\tau$ that the plug-in ignores. The [Bayesian view](regularization_bayes.py) "
    "makes the same comparison for radon's 85 counties."
)

# %% [markdown]
# ## What to take away
#
# * With known standard errors, partial pooling is one weight per group,
#   $\lambda_j = \tau^2/(\tau^2 + \sigma_j^2)$: the random-intercept weight with
#   $\sigma_y^2/n_j$ replaced by $\sigma_j^2$, exactly (the radon check above).
# * ML and REML can put $\hat\tau$ exactly at 0, and for the eight schools both do: the
#   estimates vary less than their standard errors predict, the score in $\tau^2$ at 0 is
#   negative, and the plug-in is complete pooling.
# * The exact posterior of $\tau$ is highest at 0 too, yet puts most of its mass away from 0;
#   averaging over it gives partial pooling, with wider and more honest uncertainty. With
#   eight groups, how $\tau$ is treated matters. The [edge cases](edge_cases.py) page collects the other edges of the random-intercept model.
