"""The proportions page's figures (re-exported by `partial_pooling.site.figures`).

* `proportion_arrows`: each group's own rate $y_j/m_j$ to its partially pooled probability,
  against its number of trials;
* `weights_exact_vs_curvature`: the exact shift of each group against the weight from the
  curvature of its own likelihood (`partial_pooling.site.proportions.pooling_table`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.ticker import NullFormatter
from scipy.special import expit

from ..binomial import BinomialFit
from ..plotting import COLOURS, PALETTE, SiteFigure, draw_arrows, finish_axes
from ..shrinkage import shrinkage_weights
from .proportions import pooling_table

__all__ = ["proportion_arrows", "weights_exact_vs_curvature"]


def _trials_axis(table_trials: np.ndarray, seed: int) -> np.ndarray:
    """Trials jittered by up to 5% (log scale), so groups of equal size stay apart."""
    rng = np.random.default_rng(seed)
    return table_trials * np.exp(rng.uniform(-0.05, 0.05, table_trials.size))


def _log_ticks(ax: Any, low: float, high: float) -> None:
    """Plain numbers (not powers of ten) at round values on a log axis from low to high."""
    steps = [1, 2, 3, 5]
    ticks = [s * 10**k for k in range(-1, 6) for s in steps]
    shown = [t for t in ticks if low / 1.15 <= t <= high * 1.15]
    ax.set_xticks(shown, [f"{t:g}" for t in shown])
    ax.xaxis.set_minor_formatter(NullFormatter())


def proportion_arrows(binomial: BinomialFit, *, group_name: str = "group") -> SiteFigure:
    """Arrows from each group's own rate $y_j/m_j$ (no pooling) to its partially pooled
    probability $\\operatorname{logit}^{-1}\\hat\\alpha_j$, against its trials $m_j$.

    Lines: the complete-pooling rate $\\sum_j y_j / \\sum_j m_j$ and
    $\\operatorname{logit}^{-1}\\hat\\mu_\\alpha$, the probability of a typical group.
    """
    t = pooling_table(binomial)
    m = t["trials"].to_numpy(float)
    start, end = t["rate"].to_numpy(float), t["prob"].to_numpy(float)
    centre = float(expit(binomial.mu))
    complete = float(t["successes"].sum() / t["trials"].sum())
    xs = _trials_axis(m, 3)
    move = np.abs(end - start)
    big = int(np.argmax(move))
    toward = int(np.sum(np.abs(end - centre) < np.abs(start - centre)))
    zero = int(np.sum(t["successes"] == 0))
    fig = SiteFigure(
        figsize=(8, 4.6),
        alt=(
            f"Arrows from each of the {len(m)} {group_name}s' own rate to its partially pooled "
            f"probability, against its number of trials ({int(m.min())} to {int(m.max())}, log "
            f"scale). Horizontal lines: the complete-pooling rate {complete:.3f} and the "
            f"probability of a typical {group_name}, {centre:.3f}. {toward} of the {len(m)} "
            f"arrows end closer to it than they start; the longest, {move[big]:.3f}, belongs "
            f"to a {group_name} of {int(m[big])} trials with rate {start[big]:.3f}."
            + (f" {zero} {group_name}s had no successes." if zero else "")
        ),
    )
    ax = fig.add_subplot()
    ax.scatter(xs, start, s=16, color=COLOURS["none"], label="no pooling: $y_j/m_j$", zorder=3)
    ax.scatter(
        xs,
        end,
        s=16,
        color=COLOURS["partial"],
        zorder=3,
        label=r"partial pooling: $\mathrm{logit}^{-1}\hat\alpha_j$",
    )
    draw_arrows(ax, np.column_stack([xs, start]), np.column_stack([xs, end]))
    ax.axhline(complete, color=COLOURS["complete"], lw=1.2, ls="--", label="complete pooling")
    ax.axhline(centre, color="black", lw=1, label=r"$\mathrm{logit}^{-1}\hat\mu_\alpha$")
    ax.set_xscale("log")
    _log_ticks(ax, float(m.min()), float(m.max()))
    ax.set_xlabel(f"trials $m_j$ ({group_name}, log scale)")
    ax.set_ylabel("rate, probability")
    ax.set_title("From each group's own rate to partial pooling")
    fig.legend(frameon=False, loc="outside lower center", ncols=2)
    finish_axes(ax)
    return fig


def weights_exact_vs_curvature(binomial: BinomialFit, *, group_name: str = "group") -> SiteFigure:
    """Each group's exact shift $\\lambda_j^{\\text{exact}}$ and its weight from the curvature
    $\\lambda_j^{\\text{curv}}$ (`partial_pooling.site.proportions`), against the curvature
    itself, $1/v_j = m_j \\hat p_j (1 - \\hat p_j)$, with the curve
    $\\hat\\sigma_\\alpha^2 / (\\hat\\sigma_\\alpha^2 + v)$ on which the second lie.

    Groups whose own log-odds are infinite (no successes, or no failures) have no exact shift
    and are drawn with their curvature weight only.
    """
    t = pooling_table(binomial)
    info = t["information"].to_numpy(float)
    exact, curv = t["exact"].to_numpy(float), t["curvature"].to_numpy(float)
    has = np.isfinite(exact)
    gap = np.abs(curv - exact)[has]
    worst = int(np.flatnonzero(has)[np.argmax(gap)]) if has.any() else 0
    s2 = binomial.sigma_alpha**2
    fig = SiteFigure(
        figsize=(8, 4.4),
        alt=(
            f"For each of the {len(info)} {group_name}s, against the curvature of its own "
            f"log-likelihood at its partially pooled estimate ({info.min():.2f} to "
            f"{info.max():.2f}, log scale): the exact fraction of the way from the population "
            f"log-odds to its own log-odds at which its partially pooled log-odds stand (from "
            f"{np.nanmin(exact):.2f} to {np.nanmax(exact):.2f}), and the weight from the "
            f"curvature (from {curv.min():.2f} to {curv.max():.2f}), which lies on the drawn "
            f"curve. The two differ by at most {gap.max() if has.any() else 0.0:.3f}, for a "
            f"{group_name} with curvature {info[worst]:.2f}."
            + (
                f" {int((~has).sum())} {group_name}s have no exact fraction (their own "
                "log-odds are infinite)."
                if (~has).any()
                else ""
            )
        ),
    )
    ax = fig.add_subplot()
    grid = np.geomspace(info.min() / 1.3, info.max() * 1.3, 200)
    ax.plot(
        grid,
        shrinkage_weights(grid, s2),
        color=PALETTE["guide"],
        lw=1.2,
        zorder=1,
        label=r"$\hat\sigma_\alpha^2 / (\hat\sigma_\alpha^2 + v)$",
    )
    ax.scatter(
        info[has],
        exact[has],
        s=30,
        color=COLOURS["partial"],
        zorder=3,
        label=r"exact shift $\lambda_j^{\mathrm{exact}}$",
    )
    ax.scatter(
        info,
        curv,
        s=46,
        facecolors="none",
        edgecolors=PALETTE["vermillion"],
        lw=1.3,
        zorder=4,
        label=r"from the curvature, $\lambda_j^{\mathrm{curv}}$",
    )
    ax.set_xscale("log")
    _log_ticks(ax, float(grid.min()), float(grid.max()))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(r"curvature $1/v_j = m_j\hat p_j(1-\hat p_j)$ (log scale)")
    ax.set_ylabel("weight on the own log-odds")
    ax.set_title("How far each group moves, and the curvature's prediction")
    fig.legend(frameon=False, loc="outside lower center", ncols=3)
    finish_axes(ax)
    return fig
