"""The figures of the page on partial pooling along two classifications (crossed and nested
grouping factors), in the style of `partial_pooling.plotting`; `partial_pooling.site.figures`
names them too, so the page calls them as ``figures.name``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..plotting import COLOURS, LABELS, PALETTE, SERIES, SiteFigure, draw_arrows, finish_axes

__all__ = ["backfit_convergence", "factor_shrinkage_arrows", "nested_shrinkage_arrows"]


def factor_shrinkage_arrows(
    no_pool: dict[str, pd.Series], partial: dict[str, pd.Series], *, unit: str = ""
) -> SiteFigure:
    """Each factor's level effects: no pooling to partial pooling, one panel per factor.

    In each panel the levels are sorted by their no-pooling effect (orange, the effect as a
    fixed effect); an arrow goes to the level's conditional mode (blue), shrunk toward 0, the
    mean of the factor's effects.

    Parameters
    ----------
    no_pool, partial : dict of str to pandas.Series
        The effects by factor name, indexed by level (the same factors and levels in both).
    unit : str
        The unit of the effects, for the axis label.
    """
    names = list(partial)
    described = []
    for name in names:
        a = no_pool[name].reindex(partial[name].index).to_numpy()
        b = partial[name].to_numpy()
        ratio = b[np.abs(a) > 1e-9] / a[np.abs(a) > 1e-9]
        described.append(
            f"{name}: {len(b)} levels, no-pooling effects from {a.min():.2f} to {a.max():.2f}, "
            f"partially pooled from {b.min():.2f} to {b.max():.2f}, each partially pooled "
            f"effect {ratio.min():.3f} to {ratio.max():.3f} times its no-pooling effect"
        )
    fig = SiteFigure(
        figsize=(4.2 * len(names), 5.2),
        alt=(
            "Arrows from each level's no-pooling effect to its partially pooled effect, one "
            "panel per factor; " + "; ".join(described) + "."
        ),
    )
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        own = no_pool[name].reindex(partial[name].index)
        order = np.argsort(own.to_numpy(), kind="stable")
        start = own.to_numpy()[order]
        end = partial[name].to_numpy()[order]
        pos = np.arange(len(order), dtype=float)
        ax.axvline(0.0, color=PALETTE["guide"], lw=1, zorder=1)
        draw_arrows(ax, np.column_stack([start, pos]), np.column_stack([end, pos]))
        ax.scatter(start, pos, s=16, color=COLOURS["none"], label=LABELS["none"], zorder=3)
        ax.scatter(end, pos, s=16, color=COLOURS["partial"], label=LABELS["partial"], zorder=3)
        ax.set_yticks(pos, [str(v) for v in own.index[order]])
        ax.tick_params(axis="y", length=0, labelsize=8 if len(pos) > 12 else 10)
        ax.set_xlabel(f"{name} effect $b_{{j}}$" + (f" ({unit})" if unit else ""))
        ax.set_title(f"{name}: {len(pos)} levels")
        finish_axes(ax)
    axes[0].legend(frameon=False, loc="upper left")
    return fig


def nested_shrinkage_arrows(
    *,
    parent: pd.Series,
    no_pool: dict[str, pd.Series],
    partial: dict[str, pd.Series],
    outer: str,
    inner: str,
    response: str,
    inner_name: str | None = None,
) -> SiteFigure:
    """Nested factors: each inner level (cask) shrunk toward its outer level (batch).

    For each outer level, in order of its no-pooling mean, the inner levels' no-pooling
    means (orange dots: intercept + outer effect + inner effect, fixed effects) have arrows to
    their partially pooled means (blue dots: $\\hat\\mu + \\hat b_{\\text{outer}} +
    \\hat b_{\\text{inner}}$); short bars mark the outer level's no-pooling mean (orange)
    and partially pooled mean (blue); the dashed line is $\\hat\\mu$.

    Parameters
    ----------
    parent : pandas.Series
        Each inner level's outer level, indexed by inner level.
    no_pool, partial : dict of str to pandas.Series
        The effects by factor (``outer`` and ``inner``), and the intercept under the key
        ``"(Intercept)"`` (a Series of one value).
    outer, inner, response : str
        The factors' keys in ``no_pool`` and ``partial``, and the response's name.
    inner_name : str, optional
        What to call the inner levels in labels (Pastes' ``sample`` is a cask), else ``inner``.
    """
    key = inner
    inner = inner_name or inner
    mu0 = float(no_pool["(Intercept)"].iloc[0])
    mu = float(partial["(Intercept)"].iloc[0])
    outer_np = mu0 + no_pool[outer]
    outer_pp = mu + partial[outer].reindex(outer_np.index)
    order = outer_np.sort_values(kind="stable").index
    xpos = {lvl: float(i) for i, lvl in enumerate(order)}
    inner_levels = partial[key].index
    par = parent.reindex(inner_levels)
    start = outer_np.reindex(par).to_numpy() + no_pool[key].reindex(inner_levels).to_numpy()
    end = outer_pp.reindex(par).to_numpy() + partial[key].to_numpy()
    x = np.empty(len(inner_levels))
    for lvl in order:
        idx = np.flatnonzero(par.to_numpy() == lvl)
        x[idx] = xpos[lvl] + np.linspace(-0.22, 0.22, len(idx)) if len(idx) > 1 else xpos[lvl]
    own_dev = start - outer_pp.reindex(par).to_numpy()
    pooled_dev = end - outer_pp.reindex(par).to_numpy()
    keep = np.abs(own_dev) > 1e-9
    ratio = pooled_dev[keep] / own_dev[keep]
    fig = SiteFigure(
        figsize=(8, 4.8),
        alt=(
            f"{response} of the {len(inner_levels)} {inner}s of {len(order)} {outer}es: "
            f"arrows from each {inner}'s own mean to its partially pooled mean. "
            f"The {outer} means (no pooling) range from {outer_np.min():.2f} to "
            f"{outer_np.max():.2f}, the partially pooled {outer} means from "
            f"{outer_pp.min():.2f} to {outer_pp.max():.2f} around the estimated mean "
            f"{mu:.2f}; each {inner}'s partially pooled distance from its {outer}'s partially "
            f"pooled mean is {ratio.min():.3f} to {ratio.max():.3f} times its own mean's "
            "distance from it."
        ),
    )
    ax = fig.add_subplot()
    ax.axhline(mu, color=PALETTE["grey"], ls="--", lw=1.2, label=r"$\hat\mu$", zorder=1)
    for lvl in order:
        xc = xpos[lvl]
        ax.plot([xc - 0.32, xc + 0.32], [outer_np[lvl]] * 2, color=COLOURS["none"], lw=2.2)
        ax.plot([xc - 0.32, xc + 0.32], [outer_pp[lvl]] * 2, color=COLOURS["partial"], lw=2.2)
    draw_arrows(ax, np.column_stack([x, start]), np.column_stack([x, end]))
    ax.scatter(x, start, s=16, color=COLOURS["none"], label=f"{inner} mean, no pooling", zorder=3)
    ax.scatter(x, end, s=16, color=COLOURS["partial"], label=f"{inner}, partial pooling", zorder=3)
    ax.plot([], [], color=COLOURS["none"], lw=2.2, label=f"{outer} mean, no pooling")
    ax.plot([], [], color=COLOURS["partial"], lw=2.2, label=f"{outer}, partial pooling")
    ax.set_xticks(list(xpos.values()), [str(v) for v in order])
    ax.tick_params(axis="x", length=0)
    ax.set_xlabel(f"{outer} (in order of its mean)")
    ax.set_ylabel(response)
    ax.set_title(f"Each {inner} is pulled toward its {outer}, each {outer} toward the mean")
    fig.legend(frameon=False, loc="outside lower center", ncols=3)
    finish_axes(ax)
    return fig


def backfit_convergence(distances: dict[str, np.ndarray]) -> SiteFigure:
    """Alternating one-factor shrinkages: the distance to the fitted modes after each sweep.

    Parameters
    ----------
    distances : dict of str to numpy.ndarray
        By design's name, the largest absolute difference between the iterate and the fit's
        conditional modes (and $\\hat\\beta$) after 0, 1, 2, ... sweeps
        (`partial_pooling.site.two_classifications.Backfit.distance`).
    """
    floor = 1e-16
    parts = []
    for name, d in distances.items():
        below = np.flatnonzero(d < 1e-8)
        reach = (
            f"below 1e-8 after {below[0]} sweep{'' if below[0] == 1 else 's'}"
            if below.size
            else "not below 1e-8"
        )
        parts.append(f"{name}: {reach}, {d[-1]:.1e} after {d.size - 1}")
    fig = SiteFigure(
        figsize=(7, 4.2),
        alt=(
            "The largest distance between the alternating one-factor shrinkages and the "
            "fitted conditional modes, against the number of sweeps, on a log scale; "
            + "; ".join(parts)
            + "."
        ),
    )
    ax = fig.add_subplot()
    for (name, d), colour in zip(distances.items(), SERIES, strict=False):
        ax.semilogy(np.arange(d.size), np.maximum(d, floor), color=colour, lw=1.8, label=name)
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("sweeps (each factor shrunk once per sweep)")
    ax.set_ylabel("largest |iterate - fitted mode|")
    ax.set_title("Alternating one-factor shrinkages converge to the fitted modes")
    ax.legend(frameon=False)
    finish_axes(ax)
    return fig
