"""The eight-schools page's figures: known sampling variances (`partial_pooling.known_variance`).

Each function takes numbers computed by `partial_pooling.known_variance` and returns a
`partial_pooling.plotting.SiteFigure` whose alt text and titles are computed from its inputs.
`partial_pooling.site.figures` names them too, so the page calls them as ``figures.name``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..known_variance import TauPosterior
from ..plotting import COLOURS, PALETTE, SiteFigure, draw_arrows, finish_axes

__all__ = ["known_variance_arrows", "tau_likelihoods", "tau_posteriors"]

_LINE_COLOURS = [PALETTE["blue"], PALETTE["purple"], PALETTE["green"], PALETTE["orange"]]


def _fmt(value: float) -> str:
    """A value of $\\tau$ as the page prints it: ``0`` exactly at the boundary."""
    return "0" if value == 0 else f"{value:.3g}"


def tau_likelihoods(
    tau: Sequence[float] | np.ndarray,
    curves: Mapping[str, Sequence[float] | np.ndarray],
    estimates: Mapping[str, float],
    scores: Mapping[str, float],
) -> SiteFigure:
    """The ML and REML log-likelihoods of $\\tau$, each relative to its maximum, in $\\tau$ and in
    $\\tau^2$.

    Left: $\\ell(\\tau) - \\ell(\\hat\\tau)$ against $\\tau$, with $\\hat\\tau$ marked. Right: the
    same curves near 0 against $\\tau^2$, with the tangent at 0 whose slope is the score in
    $\\tau^2$ (`partial_pooling.known_variance.score_at_zero`): in $\\tau$ every curve is flat at
    0, in $\\tau^2$ its slope decides whether 0 is a maximum.

    Parameters
    ----------
    tau : sequence of float
        The grid of $\\tau$, from 0, at which ``curves`` are evaluated.
    curves : mapping of str to sequence of float
        Label (``"ML"``, ``"REML"``) to the log-likelihood at each ``tau``.
    estimates : mapping of str to float
        Label to $\\hat\\tau$.
    scores : mapping of str to float
        Label to the derivative of that log-likelihood in $\\tau^2$ at 0.
    """
    t = np.asarray(tau, dtype=float)
    peaks = {
        label: float(np.max(np.asarray(curve, dtype=float))) for label, curve in curves.items()
    }
    at_zero = all(estimates[label] == 0 for label in curves)
    title = (
        "Both log-likelihoods are highest at $\\tau = 0$"
        if at_zero and len(curves) > 1
        else "; ".join(rf"$\hat\tau_{{{label}}}$ = {_fmt(estimates[label])}" for label in curves)
    )
    zoom = t[t**2 <= 0.25 * float(np.min([1 / abs(s) for s in scores.values() if s != 0] or [1]))]
    fig = SiteFigure(
        figsize=(10, 4.2),
        alt=(
            f"Two panels of log-likelihood curves of tau from 0 to {t[-1]:.3g}, each relative to "
            "its maximum. "
            + "; ".join(
                f"{label}: highest at tau = {_fmt(estimates[label])}, falls by "
                f"{peaks[label] - float(np.asarray(curves[label])[-1]):.3g} at the grid's end, "
                f"slope in tau squared at 0 {scores[label]:.4g}"
                for label in curves
            )
            + ". Right, the same curves near 0 against tau squared, with their tangents at 0."
        ),
    )
    left, right = fig.subplots(1, 2)
    for (label, curve), colour in zip(curves.items(), _LINE_COLOURS, strict=False):
        c = np.asarray(curve, dtype=float) - peaks[label]
        top = float(estimates[label])
        left.plot(t, c, color=colour, lw=2, label=rf"{label}, $\hat\tau$ = {_fmt(top)}")
        left.plot([top], [0.0], "o", color=colour, ms=6, zorder=3)
        keep = t <= zoom[-1] if len(zoom) else t <= t[1]
        right.plot(t[keep] ** 2, c[keep], color=colour, lw=2, label=label)
        right.plot(
            t[keep] ** 2,
            c[0] + scores[label] * t[keep] ** 2,
            color=colour,
            lw=1,
            ls="--",
            label=f"slope at 0: {scores[label]:.4f}",
        )
    left.set_xlabel(r"$\tau$")
    left.set_ylabel(r"$\ell(\tau) - \ell(\hat\tau)$")
    left.set_title(title)
    left.legend(frameon=False, loc="lower left")
    right.set_xlabel(r"$\tau^2$ (near 0)")
    right.set_ylabel(r"$\ell - \ell(\hat\tau)$")
    right.set_title(r"In $\tau^2$ the slope at 0 is the score")
    right.legend(frameon=False, loc="lower left", fontsize=9)
    for ax in (left, right):
        finish_axes(ax)
    return fig


def tau_posteriors(
    posteriors: Mapping[str, TauPosterior], *, xmax: float | None = None
) -> SiteFigure:
    """The posterior densities of $\\tau$ on their grids, one line per prior, medians marked.

    Parameters
    ----------
    posteriors : mapping of str to TauPosterior
        Label (e.g. ``"uniform prior"``) to the result of
        `partial_pooling.known_variance.tau_posterior`.
    xmax : float, optional
        Right end of the axis (default: the grids' end).
    """
    summary = {
        label: (float(p.tau[int(np.argmax(p.density))]), p.quantile(0.5), p.mean_tau)
        for label, p in posteriors.items()
    }
    end = float(xmax) if xmax is not None else max(float(p.tau[-1]) for p in posteriors.values())
    fig = SiteFigure(
        figsize=(7.5, 4.0),
        alt=(
            f"Posterior densities of tau from 0 to {end:.3g}: "
            + "; ".join(
                f"{label}, highest at tau = {_fmt(mode)}, median {median:.3g}, mean {mean:.3g}"
                for label, (mode, median, mean) in summary.items()
            )
            + "."
        ),
    )
    ax = fig.add_subplot()
    for (label, p), colour in zip(posteriors.items(), _LINE_COLOURS, strict=False):
        _, median, _ = summary[label]
        ax.plot(p.tau, p.density, color=colour, lw=2, label=f"{label} (median {median:.1f})")
        ax.axvline(median, color=colour, lw=1, ls="--")
    ax.set_xlim(0, end)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(r"$\tau$")
    ax.set_ylabel(r"$p(\tau \mid y)$")
    modes = {mode for mode, _, _ in summary.values()}
    ax.set_title(
        "Every posterior is highest at $\\tau = 0$; medians dashed"
        if modes == {0.0}
        else "Posterior densities of $\\tau$; medians dashed"
    )
    ax.legend(frameon=False, loc="upper right")
    finish_axes(ax)
    return fig


def known_variance_arrows(
    labels: Sequence[str],
    y: Sequence[float] | np.ndarray,
    sigma: Sequence[float] | np.ndarray,
    panels: Mapping[str, Sequence[float] | np.ndarray],
    *,
    pooled_mean: float,
) -> SiteFigure:
    """Arrows from each group's own estimate $y_j$ to its pooled estimate, against $\\sigma_j$.

    One panel per entry of ``panels`` (e.g. the ML/REML plug-in and a posterior mean), side by
    side: no pooling (the $y_j$, orange) to partial pooling (blue), with the complete-pooling
    mean $\\hat\\mu$ as a dashed grey line. Groups with equal $\\sigma_j$ are spread apart a
    little so that their arrows do not overlap.

    Parameters
    ----------
    labels : sequence of str
        Group labels (``"A"`` to ``"H"``), written beside each $y_j$.
    y, sigma : sequence of float
        Estimates $y_j$ and standard errors $\\sigma_j$.
    panels : mapping of str to sequence of float
        Panel title to the pooled estimate of each group.
    pooled_mean : float
        The complete-pooling mean (the precision-weighted mean $\\hat\\mu(0)$).
    """
    y_arr, s_arr = np.asarray(y, dtype=float), np.asarray(sigma, dtype=float)
    xs = s_arr.copy()
    for value in np.unique(s_arr):  # equal sigma_j: spread over +-0.3
        same = np.flatnonzero(s_arr == value)
        if len(same) > 1:
            xs[same] = value + np.linspace(-0.3, 0.3, len(same))[np.argsort(y_arr[same])]
    ends = {title: np.asarray(v, dtype=float) for title, v in panels.items()}
    fig = SiteFigure(
        figsize=(10, 4.4),
        alt=(
            f"{len(ends)} panel{'s' if len(ends) > 1 else ''} of arrows, one per group, from "
            f"its own estimate (from "
            f"{y_arr.min():.3g} to {y_arr.max():.3g}) to its pooled estimate, against its "
            f"standard error ({s_arr.min():.3g} to {s_arr.max():.3g}), with complete pooling's "
            f"mean {pooled_mean:.2f} as a dashed line. "
            + "; ".join(
                f"{title}: the estimates range from {e.min():.2f} to {e.max():.2f}"
                for title, e in ends.items()
            )
            + "."
        ),
    )
    axes = np.atleast_1d(fig.subplots(1, len(ends), sharey=True))
    for ax, (title, end) in zip(axes, ends.items(), strict=True):
        ax.axhline(
            pooled_mean, color=COLOURS["complete"], lw=1.2, ls="--", label="complete pooling"
        )
        draw_arrows(ax, np.column_stack([xs, y_arr]), np.column_stack([xs, end]))
        ax.scatter(xs, y_arr, s=22, color=COLOURS["none"], zorder=3, label=r"no pooling, $y_j$")
        ax.scatter(xs, end, s=22, color=COLOURS["partial"], zorder=3, label="partial pooling")
        for x, v, name in zip(xs, y_arr, labels, strict=True):
            ax.annotate(str(name), (x, v), textcoords="offset points", xytext=(5, 0), va="center")
        ax.set_title(title)
        ax.set_xlabel(r"standard error $\sigma_j$")
        finish_axes(ax)
    axes[0].set_ylabel(r"effect $\theta_j$")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=3, frameon=False)
    return fig
