"""The figures of the group-predictor page: they draw, and their alt text is computed."""

from __future__ import annotations

import pytest

import partial_pooling as pp
from partial_pooling import plotting
from partial_pooling.random_slopes import coefficient_shrinkage
from partial_pooling.site import figures

PNG = b"\x89PNG\r\n\x1a\n"


def test_shrinkage_toward_line_states_the_fitted_line_in_its_alt_text(radon):
    no_pool = pp.no_pooling(radon, y="log_radon", group="county", x="floor")
    base = pp.fit_random_intercept(radon, y="log_radon", group="county", x="floor")
    fit = pp.fit_random_intercept(radon, y="log_radon", group="county", x=["floor", "uranium"])
    fig = figures.shrinkage_toward_line(no_pool, fit, "uranium", without=base)
    assert isinstance(fig, plotting.SiteFigure)
    assert fig.png()[:8] == PNG
    assert f"{fit.mu:.2f} + {fit.beta['uranium']:.2f} × uranium" in fig.alt
    assert f"The {fit.J} group intercepts" in fig.alt
    # the arrows of small counties are longer than those of large ones, in the text too: each
    # arrow runs from the no-pooling intercept to alpha_j + gamma u_j, the county's point on
    # the line's scale
    u = radon.groupby("county")["uranium"].first()
    end = fit.alpha + fit.beta["uranium"] * u.reindex(fit.alpha.index)
    moved = (end - no_pool.alpha.reindex(fit.alpha.index)).abs()
    n = radon.groupby("county").size().reindex(fit.alpha.index)
    small, large = moved[n <= 2], moved[n >= 20]
    assert small.mean() > large.mean()
    assert f"{small.size} groups of at most 2 observations average {small.mean():.2f}" in fig.alt
    assert f"{large.size} groups of at least 20 average {large.mean():.2f}" in fig.alt


def test_shrinkage_toward_line_needs_the_predictor_in_the_fit(radon):
    no_pool = pp.no_pooling(radon, y="log_radon", group="county", x="floor")
    fit = pp.fit_random_intercept(radon, y="log_radon", group="county", x="floor")
    with pytest.raises(ValueError, match="'uranium'"):
        figures.shrinkage_toward_line(no_pool, fit, "uranium")


def test_unbalanced_arrows_name_the_marked_groups_and_their_kept_fraction(sleepstudy):
    reduced = ["330", "372"]
    data = sleepstudy[~(sleepstudy["Subject"].isin(reduced) & (sleepstudy["Days"] > 1))]
    fit = pp.fit_random_slopes(data, y="Reaction", group="Subject", x="Days")
    ols = pp.group_ols(data, y="Reaction", group="Subject", x="Days")
    shrink = coefficient_shrinkage(data, y="Reaction", group="Subject", x="Days")
    fig = figures.shrinkage_arrows_2d_unbalanced(ols, fit, shrink, reduced)
    assert isinstance(fig, plotting.SiteFigure)
    assert fig.png()[:8] == PNG
    kept = 100 * shrink.loc[reduced, "kept"].median()
    assert f"(330, 372; n_j = 2) keep a median {kept:.0f}%" in fig.alt
    assert "the other 16 (n_j = 10)" in fig.alt


def test_the_two_dimensional_arrows_of_plotting_report_both_ranges_of_slopes(sleepstudy):
    fit = pp.fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x="Days")
    ols = pp.group_ols(sleepstudy, y="Reaction", group="Subject", x="Days")
    fig = plotting.shrinkage_arrows_2d(ols, fit)
    assert fig.png()[:8] == PNG
    own, pooled = ols["Days"], fit.coef["Days"]
    assert f"Each of the {fit.J} groups' own least-squares intercept and slope" in fig.alt
    assert f"from {own.min():.2f} to {own.max():.2f}" in fig.alt
    assert f"from {pooled.min():.2f} to {pooled.max():.2f}" in fig.alt
