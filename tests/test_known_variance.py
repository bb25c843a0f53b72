"""Tests of partial_pooling.known_variance against independent computations.

The model: y_j ~ N(theta_j, sigma_j^2) with sigma_j known, theta_j ~ N(mu, tau^2). Every
expected value below is computed here from the model's definition, by a route the module does
not take: dense J x J GLS and BLUP formulas (Henderson), scipy's multivariate normal density,
the likelihood integrated over each theta_j with scipy.integrate.quad, the restricted
likelihood written as the density of J - 1 orthonormal contrasts, maxima found by a bounded
scalar optimizer, scores by finite differences, the posterior of tau integrated with quad and
the conditional posterior of (mu, theta) given tau from its dense precision matrix; and the
N x N dense GLS of the radon data (partial_pooling.site.reference) for the link to the
random-intercept model. Gelman et al. (BDA, 3rd ed.) report the posterior of tau for these data
only as a figure and as simulation draws, so no published number of it is used here.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize, stats

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling import known_variance as kv
from partial_pooling.site import reference

SCHOOLS = datasets.eight_schools()
Y = SCHOOLS["y"].to_numpy()
SIGMA = SCHOOLS["sigma"].to_numpy()
# The same schools with the deviations from the pooled mean tripled: tau-hat > 0 for both methods.
POOLED = float(np.sum(Y / SIGMA**2) / np.sum(1 / SIGMA**2))
Y_WIDE = POOLED + 3.0 * (Y - POOLED)
DATA = {"schools": Y, "wide": Y_WIDE}


# --- independent reference computations -----------------------------------------------------


def dense_gls_blup(y: np.ndarray, sigma: np.ndarray, tau: float) -> tuple[float, np.ndarray]:
    """GLS mu = (1'V^-1 1)^-1 1'V^-1 y with the dense J x J covariance V = R + G (R =
    diag(sigma^2), G = tau^2 I, Z = I), and Henderson's BLUP theta = mu + G V^-1 (y - mu)."""
    J = len(y)
    one = np.ones(J)
    V = np.diag(sigma**2) + tau**2 * np.eye(J)
    Vi = np.linalg.inv(V)
    mu = float(one @ Vi @ y / (one @ Vi @ one))
    return mu, mu + tau**2 * np.eye(J) @ Vi @ (y - mu * one)


def dense_loglik(y: np.ndarray, sigma: np.ndarray, mu: float, tau: float) -> float:
    """scipy's multivariate normal log-density of y ~ N(mu 1, diag(sigma^2) + tau^2 I)."""
    V = np.diag(sigma**2) + tau**2 * np.eye(len(y))
    return float(stats.multivariate_normal(np.full(len(y), mu), V).logpdf(y))


def integrated_loglik(y: np.ndarray, sigma: np.ndarray, mu: float, tau: float) -> float:
    """sum_j log of the integral over theta_j of N(y_j | theta_j, sigma_j^2) N(theta_j | mu, tau^2),
    by adaptive quadrature over a window that holds all but a negligible part of the mass."""
    total = 0.0
    for yj, sj in zip(y, sigma, strict=True):
        centre = (yj * tau**2 + mu * sj**2) / (tau**2 + sj**2)
        width = 12 * min(sj, tau)
        value, _ = integrate.quad(
            lambda t, yj=yj, sj=sj: stats.norm.pdf(yj, t, sj) * stats.norm.pdf(t, mu, tau),
            centre - width,
            centre + width,
            epsabs=0,
            epsrel=1e-13,
            limit=200,
        )
        total += np.log(value)
    return total


def closed_ml(y: np.ndarray, sigma: np.ndarray, tau: float) -> float:
    """The ML log-likelihood profiled in tau: the dense log-density maximized over mu by a
    scalar optimizer (not the GLS formula)."""
    found = optimize.minimize_scalar(
        lambda m: -dense_loglik(y, sigma, m, tau), bracket=(y.min(), y.max()), tol=1e-12
    )
    return -float(found.fun)


def contrast_reml(y: np.ndarray, sigma: np.ndarray, tau: float) -> float:
    """The restricted log-likelihood as the density of K'y, K (J x J-1) orthonormal contrasts
    (K'1 = 0), converted to lme4's constant: REML = log p(K'y) - log|X'X| / 2 = ... - log(J)/2."""
    J = len(y)
    q, _ = np.linalg.qr(np.column_stack([np.ones(J), np.eye(J)[:, : J - 1]]))
    K = q[:, 1:]
    V = np.diag(sigma**2) + tau**2 * np.eye(J)
    density = stats.multivariate_normal(np.zeros(J - 1), K.T @ V @ K).logpdf(K.T @ y)
    return float(density - 0.5 * np.log(J))


def unnormalized_posterior(
    y: np.ndarray, sigma: np.ndarray, tau: float, prior: str, scale: float | None
) -> float:
    """BDA eq. 5.21 times the prior: p(tau) V_mu^(1/2) prod v_j^(-1/2) exp(-sum (y_j - mu)^2 /
    (2 v_j)), written out term by term."""
    v = sigma**2 + tau**2
    V_mu = 1 / np.sum(1 / v)
    mu = V_mu * np.sum(y / v)
    p_tau = 1.0 if prior == "uniform" else 1 / (1 + (tau / scale) ** 2)
    return float(p_tau * np.sqrt(V_mu) * np.prod(v**-0.5) * np.exp(-np.sum((y - mu) ** 2 / v) / 2))


def conditional_theta(
    y: np.ndarray, sigma: np.ndarray, tau: float
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variances of theta given tau and y, with a flat prior on mu: the joint Gaussian
    of (mu, theta) from its dense precision matrix Q and linear term b, mean Q^-1 b."""
    J = len(y)
    Q = np.zeros((J + 1, J + 1))
    Q[0, 0] = J / tau**2
    Q[0, 1:] = Q[1:, 0] = -1 / tau**2
    Q[1:, 1:] = np.diag(1 / sigma**2 + 1 / tau**2)
    b = np.concatenate([[0.0], y / sigma**2])
    cov = np.linalg.inv(Q)
    return (cov @ b)[1:], np.diag(cov)[1:]


# --- weights, GLS mean, partially pooled effects ----------------------------------------------


@pytest.mark.parametrize("tau", [0.5, 6.0, 40.0])
def test_gls_mu_and_partially_pooled_equal_dense_gls_and_henderson_blup(tau):
    mu, theta = dense_gls_blup(Y, SIGMA, tau)
    assert kv.gls_mu(y=Y, sigma=SIGMA, tau=tau) == pytest.approx(mu, rel=1e-12)
    np.testing.assert_allclose(kv.partially_pooled(y=Y, sigma=SIGMA, tau=tau), theta, rtol=1e-12)


def test_weights_are_tau2_over_tau2_plus_sigma2_and_the_limits_pool_completely_or_not_at_all():
    np.testing.assert_allclose(
        kv.shrinkage_weights(sigma=SIGMA, tau=10.0), 100 / (100 + SIGMA**2), rtol=1e-15
    )
    assert (kv.shrinkage_weights(sigma=SIGMA, tau=0.0) == 0).all()
    assert (kv.shrinkage_weights(sigma=SIGMA, tau=np.inf) == 1).all()
    np.testing.assert_allclose(kv.partially_pooled(y=Y, sigma=SIGMA, tau=0.0), POOLED, rtol=1e-14)
    np.testing.assert_array_equal(kv.partially_pooled(y=Y, sigma=SIGMA, tau=np.inf), Y)
    assert kv.gls_mu(y=Y, sigma=SIGMA, tau=np.inf) == pytest.approx(Y.mean(), rel=1e-15)
    # a given mu is the centre
    np.testing.assert_allclose(
        kv.partially_pooled(y=Y, sigma=SIGMA, tau=10.0, mu=0.0), 100 / (100 + SIGMA**2) * Y
    )


def test_known_variance_weights_are_the_radon_weights_with_sigma_y2_over_n_j():
    # the random-intercept model without covariates, fitted by REML, then its partially pooled
    # intercepts recomputed as known-variance effects: y_j = ybar_j, sigma_j = sigma_y / sqrt(n_j)
    radon = datasets.radon()
    model = pp.Model(radon, y="log_radon", group="county")
    fit = model.fit(method="REML")
    stats_ = radon.groupby("county")["log_radon"].agg(["mean", "size"])
    sigma_j = fit.sigma_y / np.sqrt(stats_["size"].to_numpy())
    np.testing.assert_allclose(
        kv.shrinkage_weights(sigma=sigma_j, tau=fit.sigma_alpha),
        fit.shrinkage.loc[stats_.index].to_numpy(),
        rtol=1e-12,
    )
    X, Z, y, labels = reference.design(radon, y="log_radon", group="county")
    b, _, a = reference.dense_gls(X, Z, y, sigma_alpha=fit.sigma_alpha, sigma_y=fit.sigma_y)
    assert list(labels) == list(stats_.index)
    theta = kv.partially_pooled(y=stats_["mean"].to_numpy(), sigma=sigma_j, tau=fit.sigma_alpha)
    np.testing.assert_allclose(theta, b[0] + a, rtol=1e-10)
    assert kv.gls_mu(y=stats_["mean"], sigma=sigma_j, tau=fit.sigma_alpha) == pytest.approx(
        b[0], rel=1e-12
    )


# --- the likelihoods ------------------------------------------------------------------------


@pytest.mark.parametrize(("mu", "tau"), [(7.7, 0.3), (0.0, 5.0), (12.0, 30.0)])
def test_marginal_loglik_equals_quadrature_over_theta_and_the_dense_density(mu, tau):
    ours = kv.marginal_loglik_tau(y=Y, sigma=SIGMA, mu=mu, tau=tau)
    assert ours == pytest.approx(integrated_loglik(Y, SIGMA, mu, tau), rel=1e-10)
    assert ours == pytest.approx(dense_loglik(Y, SIGMA, mu, tau), rel=1e-12)


def test_marginal_loglik_at_tau_0_is_the_independent_normal_density():
    ours = kv.marginal_loglik_tau(y=Y, sigma=SIGMA, mu=3.0, tau=0.0)
    assert ours == pytest.approx(stats.norm.logpdf(Y, 3.0, SIGMA).sum(), rel=1e-13)


@pytest.mark.parametrize("tau", [0.0, 2.0, 10.0, 50.0])
@pytest.mark.parametrize("y", DATA.values(), ids=DATA.keys())
def test_profile_and_reml_logliks_equal_the_optimized_density_and_the_contrasts(y, tau):
    assert kv.profile_loglik_tau(y=y, sigma=SIGMA, tau=tau) == pytest.approx(
        closed_ml(y, SIGMA, tau), rel=1e-10
    )
    assert kv.reml_loglik_tau(y=y, sigma=SIGMA, tau=tau) == pytest.approx(
        contrast_reml(y, SIGMA, tau), rel=1e-11
    )


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("y", DATA.values(), ids=DATA.keys())
def test_score_at_zero_equals_a_finite_difference_in_tau_squared(y, method):
    def loglik(t2: float) -> float:
        f = closed_ml if method == "ML" else contrast_reml
        return f(y, SIGMA, float(np.sqrt(t2)))

    h = 1e-3  # in SAT points squared; the sigma_j^2 are 81 to 324
    forward = (-3 * loglik(0.0) + 4 * loglik(h) - loglik(2 * h)) / (2 * h)
    ours = kv.score_at_zero(y=y, sigma=SIGMA, method=method)
    assert ours == pytest.approx(forward, rel=1e-5)


def test_the_score_at_zero_is_negative_for_the_eight_schools_and_positive_when_wider():
    for method in ("ML", "REML"):
        assert kv.score_at_zero(y=Y, sigma=SIGMA, method=method) < 0
        assert kv.score_at_zero(y=Y_WIDE, sigma=SIGMA, method=method) > 0


@pytest.mark.parametrize("method", ["ML", "REML"])
@pytest.mark.parametrize("y", DATA.values(), ids=DATA.keys())
def test_fit_tau_is_the_maximum_a_bounded_optimizer_finds(y, method):
    f = closed_ml if method == "ML" else contrast_reml
    found = optimize.minimize_scalar(
        lambda t: -f(y, SIGMA, t), bounds=(0.0, 200.0), method="bounded", options={"xatol": 1e-9}
    )
    fit = kv.fit_tau(y=y, sigma=SIGMA, method=method)
    assert fit.loglik >= -found.fun - 1e-10  # no higher point than ours
    assert fit.loglik == pytest.approx(f(y, SIGMA, fit.tau), rel=1e-12)
    if fit.at_boundary:
        assert fit.tau == 0.0 and found.x < 1e-3
        assert (fit.shrinkage == 0).all()
        np.testing.assert_allclose(fit.theta, fit.mu, rtol=1e-15)
    else:
        # tau^2 to 1e-6 relative (the site's bar for variance components); the score is 0 there
        assert fit.tau**2 == pytest.approx(found.x**2, rel=1e-6)
        h = 1e-4 * fit.tau**2
        t2 = fit.tau**2
        central = (f(y, SIGMA, np.sqrt(t2 + h)) - f(y, SIGMA, np.sqrt(t2 - h))) / (2 * h)
        assert abs(central) < 1e-8
    mu, theta = dense_gls_blup(y, SIGMA, fit.tau)
    assert fit.mu == pytest.approx(mu, rel=1e-12)
    np.testing.assert_allclose(fit.theta, theta, rtol=1e-12)
    assert fit.se_mu == pytest.approx(np.sqrt(1 / np.sum(1 / (SIGMA**2 + fit.tau**2))), rel=1e-12)


def test_both_fits_of_the_eight_schools_are_at_the_boundary_and_say_so():
    for method in ("ML", "REML"):
        fit = kv.fit_tau(y=Y, sigma=SIGMA, method=method)
        assert fit.at_boundary and fit.tau == 0.0 and fit.score_at_zero < 0
        assert fit.mu == pytest.approx(POOLED, rel=1e-14)
        assert fit.J == 8 and fit.method == method


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_with_equal_sigma_tau_hat_leaves_0_exactly_when_the_spread_exceeds_the_closed_bound(method):
    # equal sigma_j = s: the ML score at 0 is positive iff sum (y - ybar)^2 > J s^2, the REML
    # one iff > (J - 1) s^2; and then the maximizer is the moment solution, sum/J - s^2 (ML) or
    # sum/(J-1) - s^2 (REML)
    s = np.full(8, 10.0)
    base = np.array([-1.5, -1.0, -0.5, 0.0, 0.2, 0.5, 1.0, 1.3])
    base = base - base.mean()
    divisor = 8 if method == "ML" else 7
    c_star = np.sqrt(divisor * 100 / np.sum(base**2))
    below = kv.fit_tau(y=0.99 * c_star * base, sigma=s, method=method)
    above = kv.fit_tau(y=1.5 * c_star * base, sigma=s, method=method)
    assert below.at_boundary and below.score_at_zero < 0
    assert not above.at_boundary and above.score_at_zero > 0
    expected = np.sum((1.5 * c_star * base) ** 2) / divisor - 100
    assert above.tau**2 == pytest.approx(expected, rel=1e-10)


# --- the posterior of tau ---------------------------------------------------------------------

GRID = np.linspace(0.0, 150.0, 6001)
PRIORS = {"uniform": ("uniform", None), "half-cauchy 25": ("half-cauchy", 25.0)}


@pytest.fixture(scope="module", params=list(PRIORS))
def posterior_case(request):
    prior, scale = PRIORS[request.param]
    post = kv.tau_posterior(y=Y, sigma=SIGMA, tau=GRID, prior=prior, scale=scale)
    end = float(GRID[-1])

    def quad(f) -> float:
        value, _ = integrate.quad(f, 0.0, end, epsabs=0, epsrel=1e-12, limit=400)
        return value

    def unnorm(t: float) -> float:
        return unnormalized_posterior(Y, SIGMA, t, prior, scale)

    z = quad(unnorm)
    return post, unnorm, quad, z


def test_posterior_density_equals_eq_5_21_normalized_by_quadrature(posterior_case):
    post, unnorm, _, z = posterior_case
    expected = np.array([unnorm(t) for t in GRID]) / z
    # the trapezoid rule on 6001 points of a smooth density: relative error below 1e-6
    np.testing.assert_allclose(post.density, expected, rtol=1e-6)


def test_posterior_mean_and_sd_of_tau_equal_quadrature(posterior_case):
    post, unnorm, quad, z = posterior_case
    mean = quad(lambda t: t * unnorm(t)) / z
    second = quad(lambda t: t * t * unnorm(t)) / z
    # trapezoid sums on a step h = 0.025: error about h^2/12 times the jump of the integrand's
    # derivative between the ends, f(0) for t f(t), so about 1e-6 of the mean
    assert post.mean_tau == pytest.approx(mean, rel=1e-5)
    assert post.sd_tau == pytest.approx(np.sqrt(second - mean**2), rel=1e-5)
    median = optimize.brentq(lambda m: quad_to(unnorm, m) / z - 0.5, 0.1, 100.0)
    # linear interpolation between grid points of step 0.025 around a median near 5
    assert post.quantile(0.5) == pytest.approx(median, rel=1e-4)
    for t in (1.0, 10.0):
        assert post.cdf(t) == pytest.approx(quad_to(unnorm, t) / z, rel=1e-5)
    assert post.cdf(0.0) == 0.0 and post.cdf(1e6) == pytest.approx(1.0, rel=1e-14)


def quad_to(f, upper: float) -> float:
    value, _ = integrate.quad(f, 0.0, upper, epsabs=0, epsrel=1e-12, limit=400)
    return value


def test_posterior_means_and_sds_of_theta_and_mu_equal_quadrature_of_the_dense_conditionals(
    posterior_case,
):
    post, unnorm, quad, z = posterior_case
    for j in range(8):
        mean = quad(lambda t, j=j: conditional_theta(Y, SIGMA, t)[0][j] * unnorm(t)) / z
        second = (
            quad(
                lambda t, j=j: (
                    (
                        conditional_theta(Y, SIGMA, t)[1][j]
                        + conditional_theta(Y, SIGMA, t)[0][j] ** 2
                    )
                    * unnorm(t)
                )
            )
            / z
        )
        assert post.theta_mean[j] == pytest.approx(mean, rel=1e-6)
        assert post.theta_sd[j] == pytest.approx(np.sqrt(second - mean**2), rel=1e-6)
    mu_mean = quad(lambda t: dense_gls_blup(Y, SIGMA, t)[0] * unnorm(t)) / z
    assert post.mean_mu == pytest.approx(mu_mean, rel=1e-6)


def test_grid_truncation_at_150_points_leaves_out_a_negligible_tail():
    # the uniform prior's posterior falls like tau^-(J-1) = tau^-7: over [0, inf) by quadrature
    tail, _ = integrate.quad(
        lambda t: unnormalized_posterior(Y, SIGMA, t, "uniform", None), 150.0, np.inf, epsrel=1e-10
    )
    kept = quad_to(lambda t: unnormalized_posterior(Y, SIGMA, t, "uniform", None), 150.0)
    assert 0 < tail / (kept + tail) < 1e-6


def test_uniform_prior_posterior_is_the_exponentiated_reml_likelihood():
    post = kv.tau_posterior(y=Y, sigma=SIGMA, tau=GRID)
    reml = np.array([kv.reml_loglik_tau(y=Y, sigma=SIGMA, tau=t) for t in GRID[::500]])
    np.testing.assert_allclose(
        np.log(post.density[::500] / post.density[0]), reml - reml[0], atol=1e-10
    )


# --- units -------------------------------------------------------------------------------------


@pytest.mark.parametrize("c", [0.01, 37.0])
def test_the_same_answer_in_any_units(c):
    for method in ("ML", "REML"):
        for y in DATA.values():
            a, b = (
                kv.fit_tau(y=y, sigma=SIGMA, method=method),
                kv.fit_tau(y=c * y, sigma=c * SIGMA, method=method),
            )
            assert b.at_boundary == a.at_boundary
            assert b.tau == pytest.approx(c * a.tau, rel=1e-9, abs=0)
            assert b.mu == pytest.approx(c * a.mu, rel=1e-12)
            np.testing.assert_allclose(b.theta, c * a.theta, rtol=1e-9)
            np.testing.assert_allclose(b.shrinkage, a.shrinkage, rtol=1e-8, atol=1e-15)
            # the score in tau^2 has units 1/y^2
            assert b.score_at_zero == pytest.approx(a.score_at_zero / c**2, rel=1e-12)
    p = kv.tau_posterior(y=Y, sigma=SIGMA, tau=GRID, prior="half-cauchy", scale=25.0)
    q = kv.tau_posterior(
        y=c * Y, sigma=c * SIGMA, tau=c * GRID, prior="half-cauchy", scale=25.0 * c
    )
    np.testing.assert_allclose(q.density, p.density / c, rtol=1e-9)
    assert q.mean_tau == pytest.approx(c * p.mean_tau, rel=1e-9)
    np.testing.assert_allclose(q.theta_mean, c * p.theta_mean, rtol=1e-9)
    np.testing.assert_allclose(q.theta_sd, c * p.theta_sd, rtol=1e-9)


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "sigma", "match"),
    [
        (Y, np.r_[SIGMA[:3], -1.0, SIGMA[4:]], r"sigma_j must be > 0; sigma\[3\] is -1\.0"),
        (Y, np.r_[0.0, SIGMA[1:]], r"sigma\[0\] is 0\.0"),
        (np.r_[Y[:2], np.nan, Y[3:]], SIGMA, r"y must be finite; y\[2\] is nan"),
        (Y, np.r_[SIGMA[:7], np.inf], r"sigma must be finite; sigma\[7\] is inf"),
        (Y[:7], SIGMA, r"7 values of y and 8 of sigma"),
        (Y[:1], SIGMA[:1], r"at least 2 groups.*got 1"),
        (["28", 8.0], [15.0, 10.0], r"y must hold real numbers; y\[0\] is '28'"),
        ([True, 1.0], [15.0, 10.0], r"y\[0\] is True"),
        (Y.reshape(2, 4), SIGMA, r"y must be a sequence of numbers"),
        ("28", SIGMA, r"y must be a sequence of numbers"),
    ],
)
def test_bad_estimates_or_standard_errors_raise_naming_the_value(y, sigma, match):
    calls = [
        lambda: kv.gls_mu(y=y, sigma=sigma, tau=1.0),
        lambda: kv.partially_pooled(y=y, sigma=sigma, tau=1.0),
        lambda: kv.marginal_loglik_tau(y=y, sigma=sigma, mu=0.0, tau=1.0),
        lambda: kv.profile_loglik_tau(y=y, sigma=sigma, tau=1.0),
        lambda: kv.reml_loglik_tau(y=y, sigma=sigma, tau=1.0),
        lambda: kv.score_at_zero(y=y, sigma=sigma),
        lambda: kv.fit_tau(y=y, sigma=sigma),
        lambda: kv.tau_posterior(y=y, sigma=sigma, tau=GRID),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=match):
            call()


def test_bad_weights_input_names_it():
    with pytest.raises(ValueError, match=r"sigma\[1\] is -2\.0"):
        kv.shrinkage_weights(sigma=[1.0, -2.0], tau=1.0)
    with pytest.raises(ValueError, match=r"tau must be >= 0.*-1\.0"):
        kv.shrinkage_weights(sigma=SIGMA, tau=-1.0)
    with pytest.raises(ValueError, match=r"tau must be >= 0.*nan"):
        kv.partially_pooled(y=Y, sigma=SIGMA, tau=np.nan)


@pytest.mark.parametrize("tau", [-1.0, np.nan, np.inf, "5"])
def test_a_bad_tau_is_refused_by_the_likelihoods(tau):
    for call in (kv.profile_loglik_tau, kv.reml_loglik_tau):
        with pytest.raises(ValueError, match=r"tau must be"):
            call(y=Y, sigma=SIGMA, tau=tau)
    with pytest.raises(ValueError, match=r"tau must be"):
        kv.marginal_loglik_tau(y=Y, sigma=SIGMA, mu=0.0, tau=tau)


def test_a_bad_mu_or_method_is_refused():
    with pytest.raises(ValueError, match=r"mu must be finite, got nan"):
        kv.marginal_loglik_tau(y=Y, sigma=SIGMA, mu=np.nan, tau=1.0)
    with pytest.raises(ValueError, match=r"mu must be a real number"):
        kv.partially_pooled(y=Y, sigma=SIGMA, tau=1.0, mu="7")
    with pytest.raises(ValueError, match=r"method must be 'ML' or 'REML'.*'MAP'"):
        kv.fit_tau(y=Y, sigma=SIGMA, method="MAP")  # type: ignore[arg-type]
    assert kv.fit_tau(y=Y, sigma=SIGMA, method="reml").method == "REML"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("grid", "match"),
    [
        (np.linspace(1.0, 50.0, 10), r"must start at 0, got tau\[0\] = 1\.0"),
        ([0.0, 2.0, 1.0, 3.0], r"increasing; tau\[2\] = 1\.0 follows 2\.0"),
        ([0.0, 1.0, 1.0, 3.0], r"increasing; tau\[2\] = 1\.0"),
        ([0.0, 1.0], r"at least 3 points, got 2"),
        ([0.0, 1.0, np.inf], r"tau must be finite; tau\[2\] is inf"),
        ([0.0, np.nan, 2.0], r"tau\[1\] is nan"),
    ],
)
def test_a_bad_grid_is_refused(grid, match):
    with pytest.raises(ValueError, match=match):
        kv.tau_posterior(y=Y, sigma=SIGMA, tau=grid)


def test_a_bad_prior_or_scale_is_refused():
    with pytest.raises(ValueError, match=r"prior must be 'uniform' or 'half-cauchy'.*'flat'"):
        kv.tau_posterior(y=Y, sigma=SIGMA, tau=GRID, prior="flat")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"needs a scale"):
        kv.tau_posterior(y=Y, sigma=SIGMA, tau=GRID, prior="half-cauchy")
    with pytest.raises(ValueError, match=r"scale must be finite and > 0, got 0\.0"):
        kv.tau_posterior(y=Y, sigma=SIGMA, tau=GRID, prior="half-cauchy", scale=0.0)
    with pytest.raises(ValueError, match=r"uniform prior takes no scale, got scale = 25\.0"):
        kv.tau_posterior(y=Y, sigma=SIGMA, tau=GRID, scale=25.0)
    post = kv.tau_posterior(y=Y, sigma=SIGMA, tau=GRID)
    for q in (0.0, 1.0, np.nan, "0.5"):
        with pytest.raises(ValueError, match=r"q must be"):
            post.quantile(q)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"t must be finite, got nan"):
        post.cdf(np.nan)
