"""The figures only the site's pages draw, in the style of `partial_pooling.plotting`.

Each function takes fitted results (or plain numbers) and returns a
`partial_pooling.plotting.SiteFigure`, a matplotlib `Figure` built without pyplot's global
state whose alt text is computed from its inputs. In Jupyter it displays itself as a PNG with
that alt text, so a notebook cell that shows a figure is a single call.

The figures the command line draws too (`estimates_vs_size`, `shrinkage_arrows`,
`lambda_vs_n`, `shrinkage_arrows_2d`), the palette (`PALETTE`, `COLOURS`, `SERIES`,
`LABELS`) and `SiteFigure` are public in `partial_pooling.plotting`; they can be imported from
here as well (``figures.shrinkage_arrows`` is ``plotting.shrinkage_arrows``), so a page calls
every figure through one module. So can the figures of the pages that have a figure module
of their own, named here too: the eight schools (`partial_pooling.site.known_variance_figures`),
proportions (`partial_pooling.site.proportion_figures`) and two classifications
(`partial_pooling.site.two_way_figures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..decomposition import BetaDecomposition
from ..fits import PoolingFit, RandomSlopesFit
from ..grouped import ColumnName, group_data, one_covariate, plain
from ..plotting import COLOURS as COLOURS
from ..plotting import LABELS as LABELS
from ..plotting import PALETTE as PALETTE
from ..plotting import SERIES as SERIES
from ..plotting import SiteFigure as SiteFigure
from ..plotting import draw_arrows, finish_axes
from ..plotting import estimates_vs_size as estimates_vs_size
from ..plotting import lambda_vs_n as lambda_vs_n
from ..plotting import shrinkage_arrows as shrinkage_arrows
from ..plotting import shrinkage_arrows_2d as shrinkage_arrows_2d
from ..regularization import RidgePath
from .known_variance_figures import known_variance_arrows as known_variance_arrows
from .known_variance_figures import tau_likelihoods as tau_likelihoods
from .known_variance_figures import tau_posteriors as tau_posteriors
from .proportion_figures import proportion_arrows as proportion_arrows
from .proportion_figures import weights_exact_vs_curvature as weights_exact_vs_curvature
from .two_way_figures import backfit_convergence as backfit_convergence
from .two_way_figures import factor_shrinkage_arrows as factor_shrinkage_arrows
from .two_way_figures import nested_shrinkage_arrows as nested_shrinkage_arrows

__all__ = [
    "backfit_convergence",
    "decomposition_bars",
    "efron_morris_plot",
    "em_vs_joint_mode",
    "factor_shrinkage_arrows",
    "known_variance_arrows",
    "nested_shrinkage_arrows",
    "pooling_lines",
    "pooling_risk",
    "pooling_risk_by_size",
    "profile_likelihood",
    "proportion_arrows",
    "psi_posterior_figure",
    "ridge_path_figure",
    "shrinkage_arrows_2d_unbalanced",
    "shrinkage_toward_line",
    "slope_path_figure",
    "tau_likelihoods",
    "tau_posteriors",
    "weights_exact_vs_curvature",
]


def pooling_lines(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName,
    fits: Sequence[PoolingFit],
    groups: Sequence[Any],
    ncols: int = 4,
    jitter: float = 0.05,
    seed: int = 0,
) -> SiteFigure:
    """Data and fitted lines of complete, no and partial pooling in a few chosen groups.

    Parameters
    ----------
    data, y, group, x
        The data and the columns the fits used (one covariate).
    fits : sequence of PoolingFit
        Typically ``[complete_pooling(...), no_pooling(...), fit_random_intercept(...)]``.
    groups : sequence
        Group labels to show, one panel each (in this order).
    """
    g = group_data(data, y=y, group=group, x=one_covariate(x, "pooling_lines"))
    if not fits:
        raise ValueError("pooling_lines needs at least one fit to draw")
    unknown = [lab for lab in groups if lab not in g.labels]
    if unknown:
        raise ValueError(f"groups {plain(unknown[:5])} are not labels of column {group!r}")
    rng = np.random.default_rng(seed)
    nrows = int(np.ceil(len(groups) / ncols))
    sizes = [int(g.n[g.labels.get_loc(lab)]) for lab in groups]
    intercepts = "; ".join(
        f"{lab} (n = {n}): "
        + ", ".join(f"{LABELS[f.pooling]} {float(f.alpha[lab]):.2f}" for f in fits)
        for lab, n in zip(groups, sizes, strict=True)
    )
    fig = SiteFigure(
        figsize=(2.6 * ncols, 2.4 * nrows + 0.5),
        alt=(
            f"{len(groups)} panels, one per {group}, each showing its observations of {y} "
            f"against {x} and the fitted lines of "
            + ", ".join(LABELS[f.pooling] for f in fits)
            + f". Intercepts: {intercepts}."
        ),
    )
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    xs = np.array([g.x[:, 0].min(), g.x[:, 0].max()])
    for ax, lab in zip(axes, groups, strict=False):
        rows = g.codes == g.labels.get_loc(lab)
        sub_x, sub_y = g.x[rows, 0], g.y[rows]
        ax.scatter(
            sub_x + rng.uniform(-jitter, jitter, sub_x.size),
            sub_y,
            s=9,
            color="black",
            alpha=0.6,
            linewidths=0,
        )
        for f in fits:
            ax.plot(
                xs,
                f.alpha.to_numpy()[g.labels.get_loc(lab)] + float(f.beta.iloc[0]) * xs,
                color=COLOURS[f.pooling],
                lw=2 if f.pooling == "partial" else 1.4,
                ls="--" if f.pooling == "complete" else "-",
                label=LABELS[f.pooling],
            )
        ax.set_title(f"{lab} ($n_j$ = {sub_x.size})", fontsize=9)
        finish_axes(ax)
    for ax in axes[len(groups) :]:
        ax.set_visible(False)
    for ax in axes[::ncols]:
        ax.set_ylabel(y)
    for ax in axes[-ncols:]:
        ax.set_xlabel(x)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(fits), frameon=False)
    return fig


def profile_likelihood(
    curves: dict[str, pd.Series], maxima: dict[str, tuple[float, float]]
) -> SiteFigure:
    """Profiled log-likelihoods in $\\psi$, each relative to its maximum, with maxima marked.

    Parameters
    ----------
    curves : dict of str to Series
        Label (e.g. ``"ML"``, ``"REML"``) to $\\ell(\\psi)$ indexed by $\\psi$.
    maxima : dict of str to (psi_hat, loglik_hat)
        The maximum of each curve.
    """
    fig = SiteFigure(
        figsize=(7.5, 4.2),
        alt=(
            "Profiled log-likelihood curves in psi, each relative to its maximum, with the "
            "maxima marked: "
            + "; ".join(f"{label} peaks at psi = {psi:.4g}" for label, (psi, _) in maxima.items())
            + "."
        ),
    )
    ax = fig.add_subplot()
    colours = [PALETTE["blue"], PALETTE["purple"], PALETTE["green"]]
    for (label, curve), col in zip(curves.items(), colours, strict=False):
        psi_hat, ll_hat = maxima[label]
        # the estimate in the legend: written beside the peak, the curves struck it through
        ax.plot(
            curve.index,
            curve.to_numpy() - ll_hat,
            color=col,
            label=rf"{label}, $\hat\psi_{{{label}}}$ = {psi_hat:.4f}",
        )
        ax.axvline(psi_hat, color=col, lw=0.8, ls="--")
        ax.plot([psi_hat], [0.0], "o", color=col)
    ax.set_xscale("log")
    ax.set_xlabel(r"$\psi = \sigma_\alpha^2 / \sigma_y^2$ (log scale)")
    ax.set_ylabel(r"$\ell(\psi) - \ell(\hat\psi)$")
    ax.set_title(r"The profiled log-likelihood has one free parameter, $\psi$")
    ax.legend(frameon=False, loc="lower left")  # below the curves, clear of the maxima
    finish_axes(ax)
    return fig


def em_vs_joint_mode(em: pd.DataFrame, joint: pd.DataFrame, sigma_alpha_ml: float) -> SiteFigure:
    """$\\sigma_\\alpha$ along the EM iterations and along the naive joint-mode iterations."""
    fig = SiteFigure(
        figsize=(7.5, 4.0),
        alt=(
            f"sigma_alpha at each iteration, with the ML estimate {sigma_alpha_ml:.4f} as a "
            f"dashed line. EM goes from {em['sigma_alpha'].iloc[0]:.4g} to "
            f"{em['sigma_alpha'].iloc[-1]:.4f} in {len(em) - 1} passes; the naive "
            f"joint-likelihood iteration goes from {joint['sigma_alpha'].iloc[0]:.4g} to "
            f"{joint['sigma_alpha'].iloc[-1]:.3g} in {len(joint) - 1} passes."
        ),
    )
    ax = fig.add_subplot()
    for path, colour, label in [
        (em, "partial", "EM (adds Var$(a_j \\mid y)$)"),
        (joint, "none", "naive joint-likelihood iteration"),
    ]:
        ax.plot(
            path.index, path["sigma_alpha"], color=COLOURS[colour], marker="o", ms=3, label=label
        )
    ax.axhline(sigma_alpha_ml, color="black", lw=1, ls="--", label=r"ML $\hat\sigma_\alpha$")
    ax.set_xlabel("iteration")
    ax.set_ylabel(r"$\sigma_\alpha$")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    finish_axes(ax)
    return fig


def _mark_estimate(ax: Axes, value: float, text: str, fontsize: float | None = None) -> None:
    """A dotted vertical line at an estimate on the x axis, labelled at the top."""
    ax.axvline(value, color="black", lw=0.8, ls=":")
    ax.annotate(
        text,
        (value, ax.get_ylim()[1]),
        textcoords="offset points",
        xytext=(4, -12),
        fontsize=fontsize,
    )


def slope_path_figure(
    path: pd.DataFrame, *, ols: float, sigma_alpha_hat: float, x_name: str = "x"
) -> SiteFigure:
    """The mixed model's slope as $\\sigma_\\alpha$ moves from 0 to large values.

    Parameters
    ----------
    path : DataFrame
        From `partial_pooling.slope_path`.
    ols : float
        The complete-pooling (OLS) slope, the limit at $\\sigma_\\alpha = 0$.
    sigma_alpha_hat : float
        The fitted $\\hat\\sigma_\\alpha$, marked on the axis.
    """
    fig = SiteFigure(
        figsize=(7.5, 4.2),
        alt=(
            f"The GLS slope of {x_name} against sigma_alpha from {path.index[0]:.3g} to "
            f"{path.index[-1]:.3g} (log scale): {path['gls'].iloc[0]:.4f} at the left end "
            f"(the complete-pooling OLS slope is {ols:.4f}) and {path['gls'].iloc[-1]:.4f} at "
            f"the right end (the within slope there is {path['within'].iloc[-1]:.4f}); the "
            f"fitted sigma_alpha {sigma_alpha_hat:.3f} is marked."
        ),
    )
    ax = fig.add_subplot()
    s = path.index.to_numpy()
    ax.plot(
        s, path["gls"], color=COLOURS["partial"], lw=2, label=r"$\hat\beta_{GLS}(\sigma_\alpha)$"
    )
    ax.plot(
        s,
        path["between"],
        color=COLOURS["between"],
        lw=1.2,
        ls="-.",
        label=r"$\hat\beta_B(\sigma_\alpha)$ between groups",
    )
    ax.axhline(
        path["within"].iloc[0],
        color=COLOURS["none"],
        lw=1.2,
        label=r"$\hat\beta_W$ within groups (no pooling)",
    )
    ax.axhline(ols, color=COLOURS["complete"], lw=1.2, ls="--", label="OLS (complete pooling)")
    _mark_estimate(ax, sigma_alpha_hat, r"$\hat\sigma_\alpha$")
    ax.set_xscale("log")
    ax.set_xlabel(r"$\sigma_\alpha$ (log scale; $\sigma_y$ fixed at its estimate)")
    ax.set_ylabel(f"slope of {x_name}")
    ax.set_title("The slope estimate moves from complete pooling to the within slope")
    ax.legend(frameon=False)
    finish_axes(ax)
    return fig


def decomposition_bars(d: BetaDecomposition, ols: float, x_name: str = "x") -> SiteFigure:
    """The within, between, GLS and OLS slopes side by side, with the weight $\\omega$."""
    fig = SiteFigure(
        figsize=(7, 3.2),
        alt=(
            f"Horizontal bars of four slope estimates of {x_name}: within {d.within:.4f}, "
            f"between {d.between:.4f}, GLS {d.gls:.4f} and OLS {ols:.4f}."
        ),
    )
    ax = fig.add_subplot()
    labels = [
        r"$\hat\beta_W$ within",
        r"$\hat\beta_B$ between",
        rf"$\hat\beta_{{GLS}}$ = {d.weight:.3f}·W + {1 - d.weight:.3f}·B",
        "OLS",
    ]
    vals = [d.within, d.between, d.gls, ols]
    cols = [COLOURS["none"], COLOURS["between"], COLOURS["partial"], COLOURS["complete"]]
    ax.barh(labels[::-1], vals[::-1], color=cols[::-1])
    for i, v in enumerate(vals[::-1]):
        ax.annotate(
            f"{v:.4f}",
            (v, i),
            textcoords="offset points",
            xytext=(4 if v >= 0 else -4, 0),
            ha="left" if v >= 0 else "right",
            va="center",
            fontsize=9,
        )
    lo, hi = min(0.0, *vals), max(0.0, *vals)
    pad = 0.22 * (hi - lo)
    ax.set_xlim(lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0))
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"slope of {x_name}")
    finish_axes(ax)
    return fig


def ridge_path_figure(
    path: RidgePath, penalty_hat: float, *, highlight: Sequence[Any] = ()
) -> SiteFigure:
    """Group intercepts along the ridge path, penalty $\\kappa = \\sigma_y^2/\\sigma_\\alpha^2$.

    Parameters
    ----------
    path : RidgePath
        From `partial_pooling.regularization.ridge_path`.
    penalty_hat : float
        The penalty the mixed model estimates, $\\hat\\sigma_y^2/\\hat\\sigma_\\alpha^2$ (REML).
    highlight : sequence
        Group labels drawn in colour and labelled.
    """
    alpha = path.alpha
    fig = SiteFigure(
        figsize=(8, 4.6),
        alt=(
            f"Group intercepts against the ridge penalty from {alpha.index[0]:.3g} to "
            f"{alpha.index[-1]:.3g} (log scale): at the smallest penalty they range from "
            f"{alpha.iloc[0].min():.2f} to {alpha.iloc[0].max():.2f}, at the largest from "
            f"{alpha.iloc[-1].min():.2f} to {alpha.iloc[-1].max():.2f}; the penalty the mixed "
            f"model estimates, {penalty_hat:.2f}, is marked."
        ),
    )
    ax = fig.add_subplot()
    kappa = path.penalty
    for lab in alpha.columns:
        if lab in highlight:
            continue
        ax.plot(kappa, alpha[lab], color=PALETTE["context"], lw=0.6, alpha=0.6)
    for lab, col in zip(highlight, SERIES, strict=False):
        ax.plot(kappa, alpha[lab], color=col, lw=1.8, label=str(lab))
    ax.plot(kappa, path.mu, color="black", lw=1.2, ls="--", label=r"$\hat\mu(\kappa)$")
    _mark_estimate(ax, penalty_hat, r"$\hat\kappa = \hat\sigma_y^2/\hat\sigma_\alpha^2$ (REML)", 9)
    ax.set_xscale("log")
    ax.set_xlabel(
        r"penalty $\kappa$ (log scale): no pooling at the left, complete pooling at "
        "the right"
    )
    ax.set_ylabel(r"group intercept $\hat\alpha_j$")
    ax.legend(frameon=False, loc="upper right")
    finish_axes(ax)
    return fig


def psi_posterior_figure(
    density: pd.Series, marks: dict[str, float], *, draws: np.ndarray | None = None
) -> SiteFigure:
    """The marginal posterior of $\\psi$, with point estimates marked and Gibbs draws overlaid.

    Parameters
    ----------
    density : Series
        From `partial_pooling.bayes.psi_posterior`.
    marks : dict of str to float
        Labelled values of $\\psi$ to mark (e.g. the ML and REML estimates).
    draws : array, optional
        Draws of $\\psi$ from `partial_pooling.bayes.gibbs_sampler`, shown as a histogram.
    """
    fig = SiteFigure(
        figsize=(7.5, 4.0),
        alt=(
            f"The posterior density of psi from {density.index[0]:.3g} to "
            f"{density.index[-1]:.3g}, highest at psi = {density.idxmax():.3g}"
            + (f", with a histogram of {len(draws)} Gibbs draws" if draws is not None else "")
            + ", and marked: "
            + ", ".join(f"{label} {value:.3g}" for label, value in marks.items())
            + "."
        ),
    )
    ax = fig.add_subplot()
    psi = density.index.to_numpy()
    if draws is not None:
        ax.hist(
            draws,
            bins=60,
            range=(0, float(psi.max())),
            density=True,
            color=PALETTE["band"],
            edgecolor="white",
            label="Gibbs draws",
        )
    ax.plot(psi, density.to_numpy(), color=COLOURS["partial"], lw=2, label="grid posterior")
    colours = [PALETTE["vermillion"], PALETTE["green"], PALETTE["purple"]]
    for (label, value), col in zip(marks.items(), colours, strict=False):
        ax.axvline(value, color=col, lw=1.2, ls="--", label=label)
    ax.set_xlabel(r"$\psi = \sigma_\alpha^2/\sigma_y^2$")
    ax.set_ylabel(r"$p(\psi \mid y)$")
    ax.set_xlim(0, float(psi.max()))
    ax.legend(frameon=False, fontsize=9)
    finish_axes(ax)
    return fig


# --- Why pooling pays ---------------------------------------------------------------------------

_RISK_STYLE = {
    "complete": {"color": COLOURS["complete"], "ls": "--", "marker": "s"},
    "none": {"color": COLOURS["none"], "ls": "-", "marker": "o"},
    "partial": {"color": COLOURS["partial"], "ls": "-", "marker": "o"},
    "oracle": {"color": "black", "ls": ":", "marker": ""},
}
_RISK_LABELS = {**LABELS, "oracle": "oracle shrinkage (true parameters)"}


def pooling_risk(summary: pd.DataFrame, *, method: str = "REML") -> SiteFigure:
    """Mean squared error of the group intercepts against $\\sigma_\\alpha/\\sigma_y$.

    Left: the mean squared error per group of each estimator (log scale). Right: the same
    relative to no pooling. Bars are ±2 Monte Carlo standard errors.

    Parameters
    ----------
    summary : DataFrame
        From `partial_pooling.site.pooling_pays.mse_summary` with ``by="ratio"``.
    method : str
        How partial pooling estimated the variance components, for the legend.
    """
    ratio = summary.index.to_numpy(dtype=float)
    fig = SiteFigure(
        figsize=(10, 4.2),
        alt=(
            "Two panels against sigma_alpha / sigma_y. Left, mean squared error per group of "
            "each estimator; right, the same relative to no pooling. "
            + "; ".join(
                f"At ratio {r:g}: "
                + ", ".join(
                    f"{name} {summary.loc[r, f'mse_{name}']:.3g}"
                    for name in ("complete", "none", "partial", "oracle")
                    if f"mse_{name}" in summary.columns
                )
                for r in summary.index
            )
            + "."
        ),
    )
    left, right = fig.subplots(1, 2)
    present = [e for e in ("complete", "none", "partial", "oracle") if f"mse_{e}" in summary]
    for e in present:
        style = _RISK_STYLE[e]
        label = _RISK_LABELS[e] + (f" ({method})" if e == "partial" else "")
        mse = summary[f"mse_{e}"].to_numpy()
        keep = mse > 0
        left.errorbar(
            ratio[keep],
            mse[keep],
            yerr=2 * summary[f"se_{e}"].to_numpy()[keep],
            ms=4,
            lw=1.6,
            capsize=2,
            label=label,
            **style,
        )
        right.errorbar(
            ratio,
            summary[f"rel_{e}"],
            yerr=2 * summary[f"rel_se_{e}"],
            ms=4,
            lw=1.6,
            capsize=2,
            label=label,
            **style,
        )
    left.set_yscale("log")
    left.set_ylabel(r"MSE per group, mean of $(\hat\alpha_j - \alpha_j)^2$ (log scale)")
    left.set_title("Mean squared error of the group intercepts", fontsize=10)
    right.axhline(1.0, color=PALETTE["guide"], lw=0.8)
    top = 1.3
    right.set_ylim(0, top)
    right.set_ylabel("MSE relative to no pooling")
    beyond = [e for e in present if (summary[f"rel_{e}"] > top).any()]
    # on a line of its own: on one line with the title it ran past the figure's edge
    note = f"\n({' and '.join(_RISK_LABELS[e] for e in beyond)} above {top:g}: off the panel)"
    right.set_title("Relative to no pooling" + (note if beyond else ""), fontsize=10)
    for ax in (left, right):
        ax.set_xlabel(r"$\sigma_\alpha / \sigma_y$")
        ax.set_xticks(ratio)
        ax.set_xticklabels([f"{r:g}" for r in ratio])
        finish_axes(ax)
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False)
    return fig


def pooling_risk_by_size(summary: pd.DataFrame, *, estimator: str = "partial") -> SiteFigure:
    """Risk of one estimator relative to no pooling, by group-size class, one line per ratio.

    Parameters
    ----------
    summary : DataFrame
        From `partial_pooling.site.pooling_pays.mse_summary` with ``by=["ratio", <size class>]``.
    estimator : str
        Which estimator to draw (partial pooling by default).
    """
    fig = SiteFigure(
        figsize=(7.5, 4.2),
        alt=(
            f"Mean squared error of {LABELS.get(estimator, estimator)} relative to no pooling "
            "for each group-size class, one line per ratio sigma_alpha / sigma_y: "
            + "; ".join(
                f"ratio {r:g}: "
                + ", ".join(
                    f"{size} {value:.2f}"
                    for size, value in summary.xs(r, level=0)[f"rel_{estimator}"].items()
                )
                for r in summary.index.get_level_values(0).unique()
            )
            + "."
        ),
    )
    ax = fig.add_subplot()
    ratios = summary.index.get_level_values(0).unique()
    shades = np.linspace(0.35, 0.95, len(ratios))
    for r, s in zip(ratios, shades, strict=True):
        cell = summary.xs(r, level=0)
        xs = np.arange(len(cell))
        ax.errorbar(
            xs,
            cell[f"rel_{estimator}"],
            yerr=2 * cell[f"rel_se_{estimator}"],
            color=(0.0, 0.45 * s, 0.70 * s),
            marker="o",
            ms=4,
            capsize=2,
            label=rf"$\sigma_\alpha/\sigma_y$ = {r:g}",
        )
    labels = [str(c) for c in summary.xs(ratios[0], level=0).index]
    ax.set_xticks(np.arange(len(labels)))
    ax.set_xticklabels(labels)
    ax.axhline(1.0, color=COLOURS["none"], lw=1, label="no pooling")
    ax.set_ylim(0, 1.15)
    ax.set_xlabel(r"group size $n_j$")
    ax.set_ylabel(f"MSE of {LABELS.get(estimator, estimator)} / MSE of no pooling")
    ax.set_title("Relative mean squared error by group size (bars: ±2 MC s.e.)")
    fig.legend(frameon=False, loc="outside right upper")
    finish_axes(ax)
    return fig


def efron_morris_plot(
    estimates: pd.DataFrame, *, label: Sequence[str] = (), method: str = "REML"
) -> SiteFigure:
    """Efron and Morris's picture: first averages, shrunken estimates, rest-of-season averages.

    Each player is a line through four rows on one batting-average axis: his average over the
    first at-bats (no pooling), the James-Stein estimate, the partial-pooling estimate and his
    average over the rest of the season, the quantity being predicted.

    Parameters
    ----------
    estimates : DataFrame
        From `partial_pooling.site.pooling_pays.baseball_estimates` (columns ``none``,
        ``james_stein``, ``partial``, ``rest_average``; indexed by player).
    label : sequence of str
        Players to name on the plot.
    method : str
        How the partial-pooling fit estimated the variance components, for the row label.
    """
    rows = [
        ("none", "first 45 at-bats\n(no pooling)", COLOURS["none"]),
        ("james_stein", "James-Stein", COLOURS["between"]),
        ("partial", f"partial pooling\n({method})", COLOURS["partial"]),
        ("rest_average", "rest of season\n(to be predicted)", "black"),
    ]
    fig = SiteFigure(
        figsize=(9, 4.6),
        alt=(
            f"Each of the {len(estimates)} players' batting average after the first at-bats, "
            "his James-Stein and partial-pooling estimates and his rest-of-season average on "
            "one axis, joined by lines. Ranges: "
            + "; ".join(
                f"{name.replace(chr(10), ' ')} {estimates[col].min():.3f} to "
                f"{estimates[col].max():.3f}"
                for col, name, _ in rows
            )
            + "."
        ),
    )
    compared = ("none", "partial")  # the title compares their total squared errors
    ax = fig.add_subplot()
    heights = np.arange(len(rows))[::-1].astype(float)
    values = np.column_stack([estimates[c].to_numpy(dtype=float) for c, _, _ in rows])
    for v in values:
        ax.plot(v, heights, color=PALETTE["context"], lw=0.7, zorder=1)
    for (_, _, colour), h, col in zip(rows, heights, values.T, strict=True):
        ax.scatter(col, np.full_like(col, h), s=22, color=colour, zorder=3)
    first = estimates["none"]
    for i, name in enumerate(label):
        ax.annotate(
            name,
            (float(first.loc[name]), heights[0]),
            textcoords="offset points",
            xytext=(0, 8 + 11 * (i % 2)),
            ha="center",
            fontsize=8,
        )
    ax.axvline(float(estimates["complete"].iloc[0]), color=COLOURS["complete"], lw=1, ls="--")
    ax.annotate(
        "grand mean",
        (float(estimates["complete"].iloc[0]), heights[-1]),
        textcoords="offset points",
        xytext=(4, -14),
        fontsize=8,
        color=COLOURS["complete"],
    )
    ax.set_yticks(heights)
    ax.set_yticklabels([text for _, text, _ in rows], fontsize=9)
    ax.set_ylim(heights[-1] - 0.5, heights[0] + 0.6)
    ax.set_xlabel("batting average")
    truth = estimates["rest_average"].to_numpy(dtype=float)
    errors = {c: float(np.sum((estimates[c].to_numpy(dtype=float) - truth) ** 2)) for c in compared}
    verdict = "predicts better" if errors["partial"] < errors["none"] else "does not predict better"
    ax.set_title(
        f"Efron and Morris's {len(estimates)} players: shrinking toward the mean {verdict}"
    )
    finish_axes(ax)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return fig


def shrinkage_toward_line(
    no_pool: PoolingFit,
    fit: PoolingFit,
    predictor: ColumnName,
    *,
    without: PoolingFit | None = None,
) -> SiteFigure:
    """Group intercepts against a group-level predictor: shrinkage toward a line.

    Each group's no-pooling intercept (orange) has an arrow to its partially pooled intercept
    $\\hat\\mu + \\hat\\gamma u_j + \\hat a_j$ (blue), plotted at its value $u_j$ of the
    group-level predictor; the black line is $\\hat\\mu + \\hat\\gamma u$, the population mean
    the intercepts are shrunk toward.

    Parameters
    ----------
    no_pool : PoolingFit
        No pooling (its intercepts, at the other covariates = 0).
    fit : PoolingFit
        Partial pooling with ``predictor`` among its covariates (constant within groups).
    predictor : str
        The group-level covariate $u$.
    without : PoolingFit, optional
        Partial pooling without the predictor: its $\\hat\\mu$ is drawn as a dashed line, the
        constant the intercepts would be shrunk toward instead.
    """
    if predictor not in fit.x_names:
        raise ValueError(f"predictor {predictor!r} is not a covariate of the fit")
    u = fit.xbar[predictor]
    gamma = float(fit.beta[predictor])
    labels = no_pool.alpha.index
    start = no_pool.alpha.to_numpy()
    end = (fit.alpha + gamma * u).reindex(labels).to_numpy()
    xs = u.reindex(labels).to_numpy()
    n = fit.n.reindex(labels).to_numpy()
    moved = np.abs(end - start)
    small, large = moved[n <= 2], moved[n >= 20]
    sizes = (
        f" The arrows of the {small.size} groups of at most 2 observations average "
        f"{small.mean():.2f} in length, those of the {large.size} groups of at least 20 "
        f"average {large.mean():.2f}."
        if small.size and large.size
        else ""
    )
    fig = SiteFigure(
        figsize=(8, 4.8),
        alt=(
            f"The {len(labels)} group intercepts against {predictor}: arrows from each group's "
            "no-pooling estimate to its partial-pooling estimate, which lie around the fitted "
            f"line {fit.mu:.2f} + {gamma:.2f} × {predictor}." + sizes
        ),
    )
    ax = fig.add_subplot()
    draw_arrows(ax, np.column_stack([xs, start]), np.column_stack([xs, end]))
    ax.scatter(xs, start, s=14, color=COLOURS["none"], label="no pooling", zorder=3)
    ax.scatter(xs, end, s=14, color=COLOURS["partial"], label="partial pooling", zorder=3)
    grid = np.linspace(xs.min(), xs.max(), 2)
    ax.plot(grid, fit.mu + gamma * grid, color="black", lw=1.2, label=r"$\hat\mu + \hat\gamma u$")
    if without is not None:
        ax.axhline(
            without.mu,
            color=COLOURS["complete"],
            lw=1.2,
            ls="--",
            label=rf"$\hat\mu_\alpha$ without {predictor}",
        )
    ax.set_xlabel(f"{predictor} $u_j$ (group-level predictor)")
    ax.set_ylabel(r"group intercept $\hat\alpha_j$")
    ax.set_title(f"The intercepts are shrunk toward a line in {predictor}, not a constant")
    ax.legend(frameon=False, loc="upper left")
    finish_axes(ax)
    return fig


def shrinkage_arrows_2d_unbalanced(
    ols: pd.DataFrame,
    fit: RandomSlopesFit,
    shrink: pd.DataFrame,
    highlight: Sequence[Any],
) -> SiteFigure:
    """`shrinkage_arrows_2d` with some groups marked: those given fewer observations.

    Parameters
    ----------
    ols, fit
        As for `shrinkage_arrows_2d`.
    shrink : pandas.DataFrame
        From `partial_pooling.random_slopes.coefficient_shrinkage` on the same data (its
        ``kept`` and ``n`` columns go into the alt text).
    highlight : sequence
        Labels of the groups to mark (squares, labelled).
    """
    fig = shrinkage_arrows_2d(ols, fit)
    ax = fig.axes[0]
    names = list(fit.fixed.index)
    marked = list(highlight)
    rest = shrink.drop(index=marked)
    start = ols.loc[marked, names].to_numpy()
    end = fit.coef.loc[marked, names].to_numpy()
    square: dict[str, Any] = {
        "s": 60,
        "marker": "s",
        "facecolor": "none",
        "edgecolor": "black",
        "zorder": 4,
    }
    ax.scatter(start[:, 0], start[:, 1], label="fewer observations", **square)
    ax.scatter(end[:, 0], end[:, 1], **square)
    for label, (a0, a1) in zip(marked, start, strict=True):
        ax.annotate(str(label), (a0, a1), textcoords="offset points", xytext=(5, 5), fontsize=8)
    fig.legends.clear()
    fig.legend(frameon=False, loc="outside lower center", ncols=2)
    n_marked = sorted({int(v) for v in shrink.loc[marked, "n"]})
    n_rest = sorted({int(v) for v in rest["n"]})
    fig.alt = (
        "Each group's own least-squares intercept and slope, with an arrow to its partially "
        "pooled pair, and the fitted 50% and 95% ellipses around the population pair. The "
        f"{len(marked)} groups marked with squares ({', '.join(map(str, marked))}; n_j = "
        f"{', '.join(map(str, n_marked))}) keep a median "
        f"{100 * shrink.loc[marked, 'kept'].median():.0f}% of their own distance from the "
        f"population pair; the other {len(rest)} (n_j = {', '.join(map(str, n_rest))}) keep "
        f"a median {100 * rest['kept'].median():.0f}%."
    )
    return fig
