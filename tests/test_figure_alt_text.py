"""Figure alt text is computed from the figure's inputs: it reports their numbers, not a claim."""

import numpy as np
import pytest

import partial_pooling as pp
from partial_pooling import datasets, plotting
from partial_pooling.site import figures

RADON = {"y": "log_radon", "group": "county", "x": "floor"}


@pytest.fixture(scope="module")
def radon_fits():
    radon = datasets.radon()
    return (
        radon,
        pp.no_pooling(radon, **RADON),
        pp.fit_random_intercept(radon, **RADON, method="REML"),
        pp.complete_pooling(radon, **RADON),
    )


def test_shrinkage_arrows_alt_counts_the_arrows_that_move_toward_mu(radon_fits):
    _, none, partial, _ = radon_fits
    toward = int(((partial.alpha - partial.mu).abs() < (none.alpha - partial.mu).abs()).sum())
    alt = plotting.shrinkage_arrows(none, partial).alt
    assert f"{toward} of the {partial.J} arrows end closer" in alt
    assert f"{partial.mu:.2f}" in alt


def test_shrinkage_arrows_alt_follows_the_data_when_an_arrow_moves_away(radon_fits):
    _, none, partial, _ = radon_fits
    moved = none.alpha.copy()
    first = moved.index[0]
    # put the first group's no-pooling estimate between mu and its partial estimate
    moved[first] = partial.mu + 0.5 * (partial.alpha[first] - partial.mu)
    fake = type(none)(**{**none.__dict__, "alpha": moved})
    alt = plotting.shrinkage_arrows(fake, partial).alt
    assert f"{partial.J - 1} of the {partial.J} arrows end closer" in alt


def test_estimates_vs_size_alt_reports_the_smallest_groups_range(radon_fits):
    _, none, partial, complete = radon_fits
    alt = plotting.estimates_vs_size(none, partial, complete=complete).alt
    small = partial.n <= np.quantile(partial.n, 0.25)
    assert f"{none.alpha[small].min():.2f} to {none.alpha[small].max():.2f}" in alt
    assert f"{partial.alpha[small].min():.2f} to {partial.alpha[small].max():.2f}" in alt
    assert "standard error" in alt and "conditional standard deviation" in alt


def test_decomposition_and_profile_alt_report_their_inputs(radon_fits):
    radon, _, partial, complete = radon_fits
    d = pp.decompose_beta(radon, **RADON, sigma_alpha=partial.sigma_alpha, sigma_y=partial.sigma_y)
    alt = figures.decomposition_bars(d, ols=complete.beta["floor"], x_name="floor").alt
    for value in (d.within, d.between, d.gls, complete.beta["floor"]):
        assert f"{value:.4f}" in alt
    curve = pp.profile_loglik(radon, **RADON, psi=[0.1, 0.2, 0.3], method="REML")
    alt = figures.profile_likelihood({"REML": curve}, {"REML": (0.2, float(curve[0.2]))}).alt
    assert "REML peaks at psi = 0.2" in alt


def test_lambda_vs_n_alt_reports_each_curves_ends_and_the_fits_range(radon_fits):
    _, _, partial, _ = radon_fits
    alt = plotting.lambda_vs_n([0.5, 2.0], n_max=50, observed=partial).alt
    for r in (0.5, 2.0):
        first = pp.shrinkage_factor(1, sigma_alpha=r, sigma_y=1.0)
        last = pp.shrinkage_factor(50, sigma_alpha=r, sigma_y=1.0)
        assert f"ratio {r:g}: lambda {first:.2f} at n = 1, {last:.2f} at n = 50" in alt
    assert f"the {partial.J} groups of the fit" in alt
    assert f"{partial.shrinkage.min():.2f} to {partial.shrinkage.max():.2f}" in alt


SHARED = [
    "SiteFigure",
    "estimates_vs_size",
    "lambda_vs_n",
    "shrinkage_arrows",
    "shrinkage_arrows_2d",
]


@pytest.mark.parametrize("name", SHARED)
def test_the_pages_draw_the_shared_figures_from_plotting_not_a_copy(name):
    assert name in plotting.__all__
    assert getattr(figures, name) is getattr(plotting, name)
    assert getattr(plotting, name).__module__ == "partial_pooling.plotting"
    assert name not in figures.__all__  # documented once, in plotting


# --- the eight schools (known sampling variances) ---------------------------------------------


def _schools():
    from partial_pooling import known_variance as kv

    frame = datasets.eight_schools()
    return kv, frame["y"].to_numpy(), frame["sigma"].to_numpy(), list(frame["school"])


def test_tau_likelihoods_alt_and_title_report_the_maxima_and_the_scores():
    kv, y, sigma, _ = _schools()
    tau = np.linspace(0, 30, 31)
    curves = {"ML": [kv.profile_loglik_tau(y=y, sigma=sigma, tau=t) for t in tau]}
    fig = figures.tau_likelihoods(tau, curves, {"ML": 0.0}, {"ML": -0.0125})
    assert "ML: highest at tau = 0" in fig.alt and "slope in tau squared at 0 -0.0125" in fig.alt
    assert f"falls by {curves['ML'][0] - curves['ML'][-1]:.3g}" in fig.alt
    # a positive estimate is reported as such, in the alt text and the title
    fig = figures.tau_likelihoods(tau, curves, {"ML": 4.2}, {"ML": 0.01})
    assert "highest at tau = 4.2" in fig.alt
    assert "4.2" in fig.axes[0].get_title()


def test_tau_posteriors_alt_reports_each_priors_mode_median_and_mean():
    kv, y, sigma, _ = _schools()
    grid = np.linspace(0, 100, 2001)
    post = kv.tau_posterior(y=y, sigma=sigma, tau=grid)
    fig = figures.tau_posteriors({"uniform": post}, xmax=40.0)
    steps = np.diff(grid) * (post.density[1:] + post.density[:-1]) / 2
    median = np.interp(0.5, np.concatenate([[0], np.cumsum(steps)]), grid)
    assert f"uniform, highest at tau = 0, median {median:.3g}" in fig.alt
    assert f"mean {np.trapezoid(grid * post.density, grid):.3g}" in fig.alt
    assert "from 0 to 40" in fig.alt


def test_known_variance_arrows_alt_reports_the_ranges_of_each_panel():
    kv, y, sigma, labels = _schools()
    theta = kv.partially_pooled(y=y, sigma=sigma, tau=10.0)
    fig = figures.known_variance_arrows(labels, y, sigma, {"at tau = 10": theta}, pooled_mean=7.5)
    assert fig.alt.startswith("1 panel of arrows, one per group")
    shown = f"at tau = 10: the estimates range from {theta.min():.2f} to {theta.max():.2f}"
    assert shown in fig.alt
    assert f"from {y.min():.3g} to {y.max():.3g}" in fig.alt and "mean 7.50" in fig.alt
