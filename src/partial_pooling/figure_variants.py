"""Copies of a figure for where it is read: the dark palette, a phone's width, legible text.

The site shows every figure in the reader's palette and at the reader's width. A `SiteFigure`
(`partial_pooling.plotting`) is drawn once, in the light palette and for a wide column; this
module makes the other copies from it, never touching the original:

* `to_dark`: the same figure for a dark page. Every colour keeps its hue and saturation and has
  its lightness turned over (black ink becomes light, light fills become dark), with coloured
  ink kept between 55% and 80% lightness so that it stands out on a dark page; the background
  becomes transparent, so the page's own colour shows through. Colour maps (images, meshes) are
  left as they are: their order of colours is the data.
* `narrow`: the figure at a phone's width: panels side by side laid out again in fewer columns
  (`reflow`: one for up to three panels, two for more), a single column of panels resized.
* `enlarge_text`: every text of the figure at least the size that is `MIN_TEXT_PX` CSS pixels
  when the figure is shown at its width in a column of a given width.

`figure_html` writes the four copies (light and dark, wide and narrow) as one HTML
``<figure>``: the page's stylesheet shows the copy of the palette in use (classes
``pp-only-light`` and ``pp-only-dark``), and the browser picks the narrow copy below
`NARROW_BELOW_PX` (a ``<picture>`` source).
"""

from __future__ import annotations

import base64
import colorsys
import html
import io
import pickle
import re
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

__all__ = [
    "COLUMN_PX",
    "DPI",
    "MIN_TEXT_PX",
    "NARROW_BELOW_PX",
    "PHONE_COLUMN_PX",
    "dark_colour",
    "enlarge_text",
    "figure_html",
    "min_text_pt",
    "narrow",
    "panel_grid",
    "reflow",
    "render",
    "smallest_text_pt",
    "to_dark",
]

#: Resolution of the PNG files, in dots per inch.
DPI = 110
#: Width of the text column a figure is shown in on a 1280 px screen (CSS pixels; measured:
#: 726 px on a notebook page, 740 px on a Markdown page, so this is the narrower one, rounded
#: down).
COLUMN_PX = 720
#: Width of the text column on a 390 px phone (CSS pixels, measured: 358 px).
PHONE_COLUMN_PX = 358
#: The smallest text a figure may show, in CSS pixels, at those widths.
MIN_TEXT_PX = 10.0
#: Below this viewport width (CSS pixels) the narrow copy of a multi-panel figure is shown.
NARROW_BELOW_PX = 600
#: Width of the narrow copy, in inches (484 px at `DPI`: shown at 358 px, a scale of 0.74).
NARROW_WIDTH_IN = 4.4


def dark_colour(colour: Any) -> tuple[float, float, float, float]:
    """The colour ``colour`` for a dark page: hue and saturation kept, lightness turned over.

    Greys (saturation below 0.25) go to ``1 - l + 0.08``, held between 0.1 and 0.9; coloured ink (a
    lightness below 0.75, as lines, markers and bars are) to ``1 - l`` held between 0.55 and
    0.8, so that it keeps its contrast on a dark background; pale fills (lightness from 0.75)
    to ``1 - l``: dark fills. Alpha is kept.
    """
    r, g, b, a = to_rgba(colour)
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    inverted = 1.0 - lightness
    if s < 0.25:
        # a little lighter than turned over: a grey keeps at least its contrast of the white
        # page on the dark one (whose background is not black)
        new = min(max(inverted + 0.08, 0.1), 0.9)
    elif lightness < 0.75:
        new = min(max(inverted, 0.55), 0.8)
    else:
        new = inverted
    r2, g2, b2 = colorsys.hls_to_rgb(h, new, s)
    return (r2, g2, b2, a)


def _dark_array(colours: Any) -> list[tuple[float, float, float, float]]:
    arr = np.asarray(colours, dtype=float).reshape(-1, 4)
    return [dark_colour(tuple(row)) for row in arr]


def to_dark(fig: Figure, *, laid_out: bool = False) -> None:
    """Turn ``fig`` (in place) into its copy for a dark page (see the module docstring).

    ``laid_out``: the figure has been laid out (drawn) since its last change, so its ticks
    exist; otherwise it is laid out first, to create them.
    """
    if not laid_out:
        fig.draw_without_rendering()  # creates the ticks, so that they are found below
    fig.patch.set_alpha(0.0)
    done = set()  # the ticks: their style is the axis's (tick_params), set once here
    for ax in fig.axes:
        ax.patch.set_alpha(0.0)
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            for tick in ticks:
                done |= {id(tick.tick1line), id(tick.tick2line), id(tick.label1), id(tick.label2)}
            if ticks:
                tick = ticks[0]
                axis.set_tick_params(
                    which="both",
                    color=dark_colour(tick.tick1line.get_color()),
                    labelcolor=dark_colour(tick.label1.get_color()),
                )
    for artist in fig.findobj():
        if id(artist) in done or artist is fig.patch or any(artist is ax.patch for ax in fig.axes):
            continue
        if isinstance(artist, Text):
            artist.set_color(dark_colour(artist.get_color()))
            box = artist.get_bbox_patch()
            if box is not None:
                box.set_facecolor(dark_colour(box.get_facecolor()))
                box.set_edgecolor(dark_colour(box.get_edgecolor()))
        elif isinstance(artist, Line2D):
            artist.set_color(dark_colour(artist.get_color()))
            for get, put in (
                (artist.get_markerfacecolor, artist.set_markerfacecolor),
                (artist.get_markeredgecolor, artist.set_markeredgecolor),
            ):
                value = get()
                if not (isinstance(value, str) and value == "none"):
                    put(dark_colour(value))
        elif isinstance(artist, Collection):
            if artist.get_array() is None:  # a colour map's colours are left as they are
                face = artist.get_facecolor()
                if len(face):
                    artist.set_facecolor(_dark_array(face))
            edge = artist.get_edgecolor()
            if len(edge) and not (isinstance(edge, str) and edge == "face"):
                artist.set_edgecolor(_dark_array(edge))
        elif isinstance(artist, Patch):
            artist.set_facecolor(dark_colour(artist.get_facecolor()))
            artist.set_edgecolor(dark_colour(artist.get_edgecolor()))


def panel_grid(fig: Figure) -> tuple[int, int] | None:
    """Rows and columns of the one grid all of ``fig``'s axes were placed on, or None when they
    were not placed on one grid (insets, colour bars, axes placed by hand)."""
    specs = [ax.get_subplotspec() for ax in fig.axes]
    if not specs or any(s is None for s in specs):
        return None
    grids = {id(s.get_gridspec()) for s in specs if s is not None}
    if len(grids) != 1:
        return None
    spec = specs[0]
    assert spec is not None
    nrows, ncols = spec.get_gridspec().get_geometry()
    return int(nrows), int(ncols)


def reflow(fig: Figure, width_in: float = NARROW_WIDTH_IN) -> bool:
    """Lay a figure of panels side by side out again, in place, ``width_in`` inches wide.

    Up to three panels go in one column, more in two, in reading order; each panel keeps its
    shape (height over width), and every panel shows its tick labels. Returns False, leaving
    ``fig`` as it was, when the figure has one column of panels already or its axes are not on
    one grid.
    """
    grid = panel_grid(fig)
    if grid is None or grid[1] < 2:
        return False
    nrows, ncols = grid
    axes = [ax for ax in fig.axes if ax.get_visible()]
    order = []
    for ax in axes:
        spec = ax.get_subplotspec()
        assert spec is not None
        order.append((spec.rowspan.start, spec.colspan.start, ax))
    order.sort(key=lambda item: (item[0], item[1]))
    new_cols = 1 if len(order) <= 3 else 2
    new_rows = -(-len(order) // new_cols)
    old_w, old_h = fig.get_size_inches()
    panel_aspect = (old_h / nrows) / (old_w / ncols)
    extra_h = 0.6 if fig.legends else 0.2
    height = new_rows * (width_in / new_cols) * panel_aspect + extra_h
    gs = GridSpec(new_rows, new_cols, figure=fig)
    for i, (_, _, ax) in enumerate(order):
        ax.set_subplotspec(gs[i // new_cols, i % new_cols])
        ax.xaxis.set_tick_params(labelbottom=True)
        ax.yaxis.set_tick_params(labelleft=True)
    _two_column_legends(fig)
    fig.set_size_inches(width_in, height)
    return True


def _two_column_legends(fig: Figure) -> None:
    """The figure's legends above or below the axes ("outside upper center", "outside lower
    center") drawn again in at most two columns (a legend lays out its columns when it is
    made, so it is made again)."""
    for legend in list(fig.legends):
        texts = legend.get_texts()
        side = getattr(legend, "_outside_loc", None)
        if side not in ("lower", "upper") or len(texts) <= 2:
            continue
        pairs = [(h, t.get_text()) for h, t in zip(legend.legend_handles, texts, strict=True)]
        handles = [h for h, _ in pairs if h is not None]
        labels = [label for h, label in pairs if h is not None]
        frame = legend.get_frame_on()
        legend.remove()
        if side == "upper":
            fig.legend(handles, labels, loc="outside upper center", ncols=2, frameon=frame)
        else:
            fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=frame)


def _wrap_titles(fig: Figure) -> None:
    """Axes titles that run past the figure's edge broken into lines as wide as their axes (at
    spaces outside math): a title does not shrink with a narrower figure or grow with its
    text."""
    fig.draw_without_rendering()
    canvas = fig.canvas
    agg = canvas if isinstance(canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer = agg.get_renderer()  # type: ignore[no-untyped-call]
    edge = fig.bbox.width
    for ax in fig.axes:
        title = ax.title
        text = title.get_text()
        box = title.get_window_extent(renderer)
        if not text or "\n" in text or (box.x0 >= 0 and box.x1 <= edge):
            continue
        # the words of the title, a $...$ formula counting as one word
        words = re.findall(r"(?:\$[^$]*\$|\S)+", text)
        per_line = max(1, int(len(text) * 0.95 * ax.bbox.width / box.width))
        lines, line = [], ""
        for word in words:
            if line and len(line) + 1 + len(word) > per_line:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
        title.set_text("\n".join(lines))


def narrow(fig: Figure, width_in: float = NARROW_WIDTH_IN) -> None:
    """Make ``fig`` (in place) a figure ``width_in`` inches wide, for a phone: panels side by
    side are laid out again (`reflow`); a figure of one column of panels keeps its layout and
    gets a little taller than its shape would make it (its legend and labels take room that
    does not shrink with it). A figure's legend gets at most two columns."""
    if not reflow(fig, width_in):
        old_w, old_h = fig.get_size_inches()
        fig.set_size_inches(width_in, max(3.2, old_h * width_in / old_w * 1.3))
        _two_column_legends(fig)


def min_text_pt(width_in: float, column_px: float, *, dpi: int = DPI) -> float:
    """The font size (points) that shows as `MIN_TEXT_PX` CSS pixels when a figure
    ``width_in`` inches wide, rendered at ``dpi``, is shown at most ``column_px`` wide (never
    enlarged beyond its own pixels)."""
    scale = min(1.0, column_px / (width_in * dpi))
    return MIN_TEXT_PX * 72.0 / (dpi * scale)


def _texts(fig: Figure) -> list[Text]:
    fig.draw_without_rendering()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def smallest_text_pt(fig: Figure) -> float:
    """The size (points) of the smallest visible text of ``fig``, tick labels included."""
    return min((float(t.get_fontsize()) for t in _texts(fig)), default=float("inf"))


def enlarge_text(fig: Figure, column_px: float) -> float:
    """Make every text of ``fig`` at least `min_text_pt` for a column ``column_px`` wide, in
    place; returns the size of its smallest text then (points)."""
    floor = min_text_pt(float(fig.get_size_inches()[0]), column_px)
    texts = _texts(fig)  # lays the figure out: the ticks exist from here on
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.get_major_ticks()
            if ticks and float(ticks[0].label1.get_fontsize()) < floor:
                axis.set_tick_params(which="both", labelsize=floor)
    for text in texts:
        if float(text.get_fontsize()) < floor:
            text.set_fontsize(floor)
    return min((max(float(t.get_fontsize()), floor) for t in texts), default=floor)


def _copy(fig: Figure) -> Figure:
    copied = pickle.loads(pickle.dumps(fig))
    assert isinstance(copied, Figure)
    FigureCanvasAgg(copied)  # measures text (titles to wrap) and writes the PNG
    return copied


def render(fig: Figure, *, dark: bool = False, phone: bool = False) -> tuple[bytes, float]:
    """PNG bytes of one copy of ``fig`` (``fig`` itself is not changed), for the dark palette
    or the light one, for a phone (`narrow`) or a wide column, with its text enlarged for that
    column (`enlarge_text`), and the size of its smallest text (points)."""
    copied = _copy(fig)
    if phone:
        narrow(copied)
    smallest = enlarge_text(copied, PHONE_COLUMN_PX if phone else COLUMN_PX)
    _wrap_titles(copied)  # lays the figure out again, at its final text sizes
    if dark:
        to_dark(copied, laid_out=True)
    buf = io.BytesIO()
    copied.savefig(
        buf,
        format="png",
        dpi=DPI,
        facecolor="none" if dark else "white",
        transparent=dark,
    )
    return buf.getvalue(), smallest


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure_html(fig: Figure, alt: str) -> str:
    """One HTML ``<figure>`` with the light and dark copies of ``fig``, each with its copy for
    a phone (see the module docstring)."""
    alt_attr = f' alt="{html.escape(alt, quote=True)}"' if alt.strip() else ""
    parts = []
    for theme, dark in (("light", False), ("dark", True)):
        wide = render(fig, dark=dark)
        phone = render(fig, dark=dark, phone=True)
        # data-text-pt: the smallest text of the image, in points at data-dpi (the browser
        # tests turn it into CSS pixels at the width the image is shown); loading="lazy": the
        # copy of the other palette (display: none) is never fetched
        parts.append(
            f'<picture class="pp-only-{theme}">'
            f'<source media="(max-width: {NARROW_BELOW_PX - 0.02}px)" '
            f'srcset="{_data_url(phone[0])}" data-text-pt="{phone[1]:.2f}">'
            f'<img class="pp-figure" loading="lazy" src="{_data_url(wide[0])}"{alt_attr} '
            f'data-text-pt="{wide[1]:.2f}" data-dpi="{DPI}"></picture>'
        )
    return f'<figure class="pp-figure-variants">{"".join(parts)}</figure>'
