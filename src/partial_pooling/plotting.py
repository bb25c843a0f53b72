"""The figures the site's pages and the command line both draw, and the style they share.

Each function takes fitted results (or plain numbers) and returns a `SiteFigure`, a matplotlib
`Figure` built without pyplot's global state, whose ``alt`` is a description computed from its
inputs. In Jupyter it displays itself as a PNG with that alt text, so a notebook cell that shows
a figure is a single call; ``fig.savefig(...)`` or ``fig.png()`` writes it anywhere else.

* `estimates_vs_size`, `shrinkage_arrows` and `lambda_vs_n`: a random-intercept fit, beside no
  pooling, by group size;
* `shrinkage_arrows_2d`: a random-slopes fit, each group's own (intercept, slope) to its
  partially pooled pair.

Colours are fixed across the site and the command line's figures: complete pooling grey, no
pooling orange, partial pooling blue (the Okabe-Ito palette, legible to colour-blind readers
and on a white background in both light and dark themes); `PALETTE` is the only place a colour
is written. `draw_arrows` and `finish_axes` draw in the same style for other figures (the
page-only figures of `partial_pooling.site.figures` use them).

```python
import partial_pooling as pp
from partial_pooling import datasets, plotting

radon = datasets.radon()
none = pp.no_pooling(radon, "log_radon", "county", "floor")
fit = pp.fit_random_intercept(radon, "log_radon", "county", "floor")
plotting.shrinkage_arrows(none, fit).savefig("shrinkage.png")
```
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

from . import figure_variants
from .fits import PoolingFit, RandomSlopesFit
from .shrinkage import shrinkage_factor

__all__ = [
    "COLOURS",
    "LABELS",
    "PALETTE",
    "SERIES",
    "SiteFigure",
    "estimates_vs_size",
    "lambda_vs_n",
    "shrinkage_arrows",
    "shrinkage_arrows_2d",
]

#: The one palette of the figures (the site's and the command line's): Okabe and Ito's colours,
#: told apart with every common colour-vision deficiency, and the greys that draw context (other
#: groups, guides, notes).
PALETTE = {
    "blue": "#0072b2",
    "vermillion": "#d55e00",
    "green": "#009e73",
    "purple": "#cc79a7",
    "orange": "#e69f00",
    "grey": "#7f7f7f",
    "context": "#9a9a9a",
    "guide": "#aaaaaa",
    "note": "#555555",
    "band": "#cfe3f1",
}
#: The three estimators (and the between-group view), the same colour on every figure.
COLOURS = {
    "complete": PALETTE["grey"],
    "none": PALETTE["vermillion"],
    "partial": PALETTE["blue"],
    "between": PALETTE["green"],
}
#: Highlighted groups, in order.
SERIES = [PALETTE[name] for name in ("vermillion", "blue", "green", "purple", "orange")]
#: The estimators' names in legends and alt text, keyed like `COLOURS` (and ``fit.pooling``).
LABELS = {"complete": "complete pooling", "none": "no pooling", "partial": "partial pooling"}


class SiteFigure(Figure):
    """A matplotlib `Figure` that carries alt text and shows itself in Jupyter.

    Attributes
    ----------
    alt : str
        A one-sentence description of what the figure shows, used as the image's alt text.
    """

    def __init__(self, *args: object, alt: str = "", **kwargs: object) -> None:
        kwargs.setdefault("layout", "constrained")
        kwargs.setdefault("facecolor", "white")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.alt = alt

    def png(self, dpi: int = 110) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=dpi, facecolor="white")
        return buf.getvalue()

    def _repr_mimebundle_(
        self, include: object = None, exclude: object = None
    ) -> dict[str, str | bytes]:
        data = self.png()
        b64 = base64.b64encode(data).decode("ascii")
        # HTML: the light and dark copies, and for panels side by side a phone's copy
        # (partial_pooling.figure_variants); no alt attribute at all without a description:
        # the site build refuses such an image
        return {
            "image/png": b64,
            "text/html": figure_variants.figure_html(self, self.alt),
            "text/plain": f"<figure: {self.alt}>",
        }


def draw_arrows(ax: Any, start: np.ndarray, end: np.ndarray) -> None:
    """Thin grey arrows on the axes ``ax`` from each row of ``start`` to the same row of ``end``
    (x, y pairs).

    One quiver for all of them: an annotation per arrow took half a minute to draw for 5,000
    groups. Arrows of (almost) zero length are left out rather than drawn as dots.
    """
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    d = end - start
    keep = np.hypot(*d.T) > 1e-12 * max(1.0, float(np.abs(end).max(initial=0.0)))
    if not keep.any():
        return
    ax.quiver(
        start[keep, 0],
        start[keep, 1],
        d[keep, 0],
        d[keep, 1],
        angles="xy",
        scale_units="xy",
        scale=1,
        color=PALETTE["note"],
        width=0.0022,
        headwidth=4.5,
        headlength=5,
        headaxislength=4.5,
        minlength=0,
        zorder=2,
    )


def finish_axes(ax: object) -> None:
    """The figures' axes style: no frame at the top and the right."""
    ax.spines[["top", "right"]].set_visible(False)  # type: ignore[attr-defined]


def estimates_vs_size(
    no_pool: PoolingFit, partial: PoolingFit, *, complete: PoolingFit | None = None
) -> SiteFigure:
    """Group intercepts against group size: no pooling beside partial pooling.

    Each estimate is drawn with a bar of ±1 standard error (no pooling: the sampling SD of the
    group's own estimate about its fixed $\\alpha_j$) or ±1 conditional SD (partial pooling:
    $\\sigma_\\alpha\\sqrt{1-\\lambda_j}$, the SD of $\\alpha_j$ given the data at the
    estimated parameters), two different kinds of interval. The horizontal line is
    $\\hat\\mu$ of the partial-pooling fit (and the dashed one complete pooling's intercept,
    when given). The alt text is computed from the fits.
    """
    n = partial.n.reindex(no_pool.alpha.index)
    jit = np.exp(np.random.default_rng(1).uniform(-0.06, 0.06, len(n)))
    small = n <= np.quantile(n, 0.25)
    spread = {
        name: (
            float(fit.alpha.reindex(n.index)[small].min()),
            float(fit.alpha.reindex(n.index)[small].max()),
        )
        for name, fit in (("no", no_pool), ("partial", partial))
    }
    fig = SiteFigure(
        figsize=(10, 4),
        alt=(
            f"Two panels of the {len(n)} group intercept estimates against group size "
            f"({int(n.min())} to {int(n.max())}, log scale), with the population mean "
            f"{partial.mu:.2f} as a horizontal line. Left, no pooling, each with a bar of one "
            "standard error: the smallest quarter of the groups (sizes up to "
            f"{int(n[small].max())}) range from {spread['no'][0]:.2f} to {spread['no'][1]:.2f}. "
            "Right, partial pooling, each with a bar of one conditional standard deviation: "
            f"the same groups range from {spread['partial'][0]:.2f} to "
            f"{spread['partial'][1]:.2f}."
        ),
    )
    axes = fig.subplots(1, 2, sharey=True)
    for ax, fit in zip(axes, (no_pool, partial), strict=True):
        sd = fit.cond_sd.reindex(n.index)
        ax.errorbar(
            n * jit,
            fit.alpha.reindex(n.index),
            yerr=sd,
            fmt="o",
            ms=3.5,
            color=COLOURS[fit.pooling],
            ecolor=COLOURS[fit.pooling],
            elinewidth=0.8,
            alpha=0.85,
        )
        ax.axhline(partial.mu, color="black", lw=1, label=r"$\hat\mu_\alpha$ (partial pooling)")
        if complete is not None:
            ax.axhline(
                complete.mu, color=COLOURS["complete"], lw=1.2, ls="--", label="complete pooling"
            )
        ax.set_xscale("log")
        ax.set_xlabel(f"group size $n_j$ ({fit.group_name}, log scale)")
        ax.set_title(
            LABELS[fit.pooling].capitalize()
            + (" ± 1 s.e." if fit.pooling == "none" else " ± 1 conditional s.d.")
        )
        finish_axes(ax)
    axes[0].set_ylabel(r"group intercept $\hat\alpha_j$")
    axes[1].legend(frameon=False, loc="lower right")
    return fig


def shrinkage_arrows(no_pool: PoolingFit, partial: PoolingFit) -> SiteFigure:
    """Arrows from each group's no-pooling intercept to its partial-pooling intercept.

    Drawn against group size, with $\\hat\\mu$ as a horizontal line. The partial-pooling
    estimate lies the fraction $1 - \\lambda_j$ of the way from the group's adjusted mean
    $\\bar y_j - \\hat\\beta\\bar x_j$ to $\\hat\\mu$, a fraction that falls with $n_j$. The arrow
    starts at the no-pooling estimate, which adjusts with the within slope instead, so it need
    not end closer to $\\hat\\mu$ (the alt text counts those that do).
    """
    n = partial.n.reindex(no_pool.alpha.index).to_numpy(dtype=float)
    start = no_pool.alpha.to_numpy()
    end = partial.alpha.reindex(no_pool.alpha.index).to_numpy()
    xs = n * np.exp(np.random.default_rng(2).uniform(-0.05, 0.05, len(n)))
    toward = int(np.sum(np.abs(end - partial.mu) < np.abs(start - partial.mu)))
    length = np.abs(end - start)
    longest = np.argsort(length)[::-1][: max(1, len(n) // 10)]
    fig = SiteFigure(
        figsize=(8, 4.6),
        alt=(
            f"Arrows from each of the {len(n)} groups' no-pooling intercept to its "
            "partial-pooling intercept, plotted against group size on a log scale, with the "
            f"population mean {partial.mu:.2f} as a horizontal line. {toward} of the "
            f"{len(n)} arrows end closer to it than they start. The {len(longest)} longest "
            f"arrows (up to {length.max():.2f}) belong to groups of {int(n[longest].min())} "
            f"to {int(n[longest].max())} observations; the median group size is "
            f"{float(np.median(n)):g}."
        ),
    )
    ax = fig.add_subplot()
    ax.scatter(xs, start, s=14, color=COLOURS["none"], label="no pooling", zorder=3)
    ax.scatter(xs, end, s=14, color=COLOURS["partial"], label="partial pooling", zorder=3)
    draw_arrows(ax, np.column_stack([xs, start]), np.column_stack([xs, end]))
    ax.axhline(partial.mu, color="black", lw=1, label=r"$\hat\mu_\alpha$")
    ax.set_xscale("log")
    ax.set_xlabel(f"group size $n_j$ ({partial.group_name}, log scale)")
    ax.set_ylabel(r"group intercept $\hat\alpha_j$")
    ax.set_title("From no pooling to partial pooling, by group size")
    ax.legend(frameon=False, loc="best")
    finish_axes(ax)
    return fig


def lambda_vs_n(
    ratios: Sequence[float], *, n_max: int = 100, observed: PoolingFit | None = None
) -> SiteFigure:
    """The shrinkage weight $\\lambda$ against group size for several $\\sigma_\\alpha/\\sigma_y$.

    Parameters
    ----------
    ratios : sequence of float
        Values of $\\sigma_\\alpha / \\sigma_y$, one curve each.
    n_max : int
        Largest group size on the axis.
    observed : PoolingFit, optional
        A partial-pooling fit whose groups are added as points $(n_j, \\lambda_j)$.
    """
    n = np.arange(1, n_max + 1)
    fig = SiteFigure(
        figsize=(7.5, 4.8),
        alt=(
            "Curves of the shrinkage weight lambda against group size 1 to "
            f"{n_max}, one per ratio sigma_alpha / sigma_y: "
            + "; ".join(
                f"ratio {r:g}: lambda "
                f"{shrinkage_factor(1, sigma_alpha=r, sigma_y=1.0):.2f} at n = 1, "
                f"{shrinkage_factor(n_max, sigma_alpha=r, sigma_y=1.0):.2f} at n = {n_max}"
                for r in ratios
            )
            + (
                f". Points: the {observed.J} groups of the fit, lambda_j from "
                f"{observed.shrinkage.min():.2f} to {observed.shrinkage.max():.2f}."
                if observed is not None
                else "."
            )
        ),
    )
    ax = fig.add_subplot()
    # one colour of a perceptually ordered map and one dash pattern per ratio: told apart in
    # both palettes and in grey (five shades of one blue were not)
    shades = colormaps["viridis"](np.linspace(0.0, 0.85, len(ratios)))
    dashes = ["-", "--", "-.", ":", (0, (6, 2, 1, 2, 1, 2))]
    for i, (r, shade) in enumerate(zip(ratios, shades, strict=True)):
        ax.plot(
            n,
            shrinkage_factor(n, sigma_alpha=r, sigma_y=1.0),
            color=shade,
            ls=dashes[i % len(dashes)],
            lw=1.8,
            label=rf"$\sigma_\alpha/\sigma_y$ = {r:g}",
        )
    if observed is not None:
        ax.scatter(
            observed.n,
            observed.shrinkage,
            s=12,
            color=COLOURS["none"],
            zorder=3,
            label=f"{observed.group_name} ($\\hat\\sigma_\\alpha/\\hat\\sigma_y$ = "
            f"{observed.sigma_alpha / observed.sigma_y:.2f})",
        )
    ax.axhline(0.5, color=PALETTE["guide"], lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("group size $n_j$ (log scale)")
    ax.set_ylabel(r"$\lambda_j$, weight on the group's own data")
    ax.set_title(r"$\lambda_j = n_j\sigma_\alpha^2 / (n_j\sigma_\alpha^2 + \sigma_y^2)$")
    # outside the axes: inside, every corner has a curve or the points under the legend
    fig.legend(frameon=False, loc="outside lower center", ncols=3)
    finish_axes(ax)
    return fig


def _ellipse(ax: object, centre: np.ndarray, cov: np.ndarray, k: float, **kw: object) -> None:
    vals, vecs = np.linalg.eigh(cov)
    angle = float(np.degrees(np.arctan2(vecs[1, 1], vecs[0, 1])))
    w, h = 2 * k * np.sqrt(np.maximum(vals[::-1], 0))
    ax.add_patch(Ellipse(tuple(centre), w, h, angle=angle, fill=False, **kw))  # type: ignore[attr-defined]


def shrinkage_arrows_2d(ols: pd.DataFrame, fit: RandomSlopesFit) -> SiteFigure:
    """Two-dimensional shrinkage: per-group OLS lines to partially pooled (intercept, slope).

    Arrows go from each group's own least-squares (intercept, slope) to its partial-pooling
    estimate; the ellipses are the 50% and 95% contours of the fitted
    $N(\\hat\\mu, \\hat\\Sigma)$ for the group coefficients.
    """
    names = list(fit.fixed.index)
    start = ols.reindex(fit.coef.index)[names].to_numpy()
    end = fit.coef[names].to_numpy()
    fig = SiteFigure(
        figsize=(7, 5.4),
        alt=(
            f"Each of the {len(start)} groups' own least-squares intercept and slope, with an "
            "arrow to its partially pooled intercept and slope, and the 50% and 95% ellipses "
            f"of the fitted distribution around the population intercept {fit.mu:.2f} "
            f"and slope {fit.beta.iloc[0]:.2f}. The groups' own slopes range from "
            f"{start[:, 1].min():.2f} to {start[:, 1].max():.2f}, the partially pooled ones "
            f"from {end[:, 1].min():.2f} to {end[:, 1].max():.2f}."
        ),
    )
    ax = fig.add_subplot()
    draw_arrows(ax, start, end)
    ax.scatter(
        start[:, 0],
        start[:, 1],
        s=18,
        color=COLOURS["none"],
        label="no pooling (each group's own line)",
        zorder=3,
    )
    ax.scatter(
        end[:, 0], end[:, 1], s=18, color=COLOURS["partial"], label="partial pooling", zorder=3
    )
    mu = fit.fixed.to_numpy()
    ax.plot([mu[0]], [mu[1]], "k+", ms=12, mew=2, label=r"$\hat\mu$ (population)")
    for level, ls in [(0.5, "-"), (0.95, "--")]:
        k = float(np.sqrt(-2 * np.log(1 - level)))
        _ellipse(ax, mu, fit.cov.to_numpy(), k, color="black", lw=0.9, ls=ls)
    ax.set_xlabel(f"group intercept (at {names[1]} = 0)")
    ax.set_ylabel(f"slope of {names[1]}")
    ax.set_title(
        "Own lines to partially pooled lines (ellipses: 50% and 95% of "
        r"$N(\hat\mu, \hat\Sigma)$)",
        fontsize=10,
    )
    fig.legend(frameon=False, loc="outside lower center", ncols=3)
    finish_axes(ax)
    return fig
