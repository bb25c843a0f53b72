"""The copies of a figure the site shows: dark palette, phone width, legible text.

Each test checks a property against a computation of its own (WCAG contrast, pixel counts of
the rendered PNG, the axes' positions, the font-size formula written out), not against the
module's own numbers.
"""

from __future__ import annotations

import colorsys
import io
import pickle
import re

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.text import Text
from PIL import Image

import partial_pooling as pp
from partial_pooling import datasets, figure_variants, plotting
from partial_pooling.site import figures

#: Material's slate (dark) page background, hsl(232, 15%, 14%): rgb(30, 32, 41).
SLATE = tuple(round(255 * c) for c in colorsys.hls_to_rgb(232 / 360, 0.14, 0.15))


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour (components 0..1)."""

    def lin(c):
        c = np.asarray(c, dtype=float)
        return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (lin(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.fixture(scope="module")
def radon_fits():
    radon = datasets.radon()
    cols = {"y": "log_radon", "group": "county", "x": "floor"}
    return pp.no_pooling(radon, **cols), pp.fit_random_intercept(radon, **cols)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), dtype=float) / 255


def on_background(rgba: np.ndarray, background) -> np.ndarray:
    """The image as the reader sees it over a page of colour ``background`` (0..255)."""
    bg = np.asarray(background, dtype=float)[:3] / 255
    alpha = rgba[..., 3:4]
    return rgba[..., :3] * alpha + bg * (1 - alpha)


@pytest.mark.parametrize("name", sorted(plotting.PALETTE))
def test_every_palette_colour_keeps_its_contrast_on_the_dark_page(name):
    """Ink: at least 3:1 on the dark page, or at least its contrast on the white page where
    that is lower (the greys that draw context are faint on purpose)."""
    colour = plotting.PALETTE[name]
    if name == "band":  # a pale fill, not ink: it must become a dark fill instead
        assert luminance(figure_variants.dark_colour(colour)) < luminance(to_rgba(colour)) / 4
        return
    slate = tuple(c / 255 for c in SLATE)
    on_white = contrast(to_rgba(colour), (1.0, 1.0, 1.0))
    on_slate = contrast(figure_variants.dark_colour(colour), slate)
    assert on_slate >= min(3.0, on_white), (name, on_white, on_slate)


def test_dark_colours_keep_the_hue_of_coloured_ink_and_turn_black_and_white_over():
    for name in ("blue", "vermillion", "green", "purple", "orange"):
        h0 = colorsys.rgb_to_hls(*to_rgba(plotting.PALETTE[name])[:3])[0]
        h1 = colorsys.rgb_to_hls(*figure_variants.dark_colour(plotting.PALETTE[name])[:3])[0]
        assert min(abs(h0 - h1), 1 - abs(h0 - h1)) < 0.01, name
    assert luminance(figure_variants.dark_colour("black")) > 0.6
    assert luminance(figure_variants.dark_colour("white")) < 0.02
    assert figure_variants.dark_colour((0, 0, 0, 0.3))[3] == 0.3


def test_the_dark_copy_is_transparent_and_not_a_white_slab_on_the_dark_page(radon_fits):
    none, fit = radon_fits
    fig = plotting.shrinkage_arrows(none, fit)
    light = pixels(figure_variants.render(fig)[0])
    dark = pixels(figure_variants.render(fig, dark=True)[0])
    assert (light[..., 3] == 1).all()  # the light copy: an opaque white figure
    assert np.mean(np.all(light[..., :3] > 0.94, axis=-1)) > 0.5
    assert np.mean(dark[..., 3] == 0) > 0.5  # the dark copy: mostly see-through
    seen = on_background(dark, SLATE)
    assert np.mean(np.all(seen > 0.94, axis=-1)) < 0.01  # hardly a white pixel
    ink = dark[..., 3] > 0.5  # where it draws, it draws light on the dark page
    assert np.mean(luminance(seen[ink].T)) > luminance(np.array(SLATE) / 255) + 0.1


def test_making_the_copies_leaves_the_figure_as_it_was(radon_fits):
    none, fit = radon_fits
    fig = plotting.estimates_vs_size(none, fit)
    fig.draw_without_rendering()  # laid out as it would be shown
    before = (
        tuple(fig.get_size_inches()),
        [ax.get_position().bounds for ax in fig.axes],
        [t.get_color() for t in [*fig.axes[0].texts, fig.axes[0].title]],
        fig.patch.get_facecolor(),
    )
    html = figure_variants.figure_html(fig, fig.alt)
    fig.draw_without_rendering()
    after = (
        tuple(fig.get_size_inches()),
        [ax.get_position().bounds for ax in fig.axes],
        [t.get_color() for t in [*fig.axes[0].texts, fig.axes[0].title]],
        fig.patch.get_facecolor(),
    )
    assert before[0] == after[0] and before[2:] == after[2:]
    np.testing.assert_allclose(before[1], after[1], atol=1e-9)
    assert html.count("<picture") == 2 and html.count("<source") == 2


def test_reflow_stacks_panels_side_by_side_in_one_column_of_the_phone_width(radon_fits):
    none, fit = radon_fits
    fig = plotting.estimates_vs_size(none, fit)
    assert figure_variants.panel_grid(fig) == (1, 2)
    assert figure_variants.reflow(fig, 4.4)
    fig.draw_without_rendering()
    left, right = (ax.get_position() for ax in fig.axes)
    assert fig.get_size_inches()[0] == pytest.approx(4.4)
    assert left.y0 > right.y1  # the second panel under the first
    assert abs(left.x0 - right.x0) < 0.05 and abs(left.width - right.width) < 0.05
    # both panels show their own tick labels (the shared axis had hidden the second's)
    assert all(t.get_visible() for t in fig.axes[1].get_yticklabels() if t.get_text())


def test_eight_panels_reflow_into_two_columns_in_reading_order():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 5), layout="constrained")
    axes = fig.subplots(2, 4).ravel()
    for i, ax in enumerate(axes):
        ax.set_title(f"panel {i}")
    assert figure_variants.reflow(fig, 4.4)
    fig.draw_without_rendering()
    boxes = [ax.get_position() for ax in axes]
    for i in range(0, 8, 2):
        assert boxes[i].x0 < boxes[i + 1].x0  # left, right
        assert abs(boxes[i].y0 - boxes[i + 1].y0) < 1e-6
    assert all(boxes[i].y0 > boxes[i + 2].y0 for i in range(6))  # rows go down


def test_a_single_panel_is_not_reflowed_but_still_narrowed():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4))
    fig.add_subplot().plot([1, 2])
    assert not figure_variants.reflow(fig)
    figure_variants.narrow(fig, 4.4)
    assert fig.get_size_inches()[0] == pytest.approx(4.4)


@pytest.mark.parametrize("phone", [False, True], ids=["1280px", "390px"])
def test_every_text_of_the_shown_copy_is_at_least_10_css_px(radon_fits, phone):
    none, fit = radon_fits
    column = 358 if phone else 720  # measured text columns at 390 and 1280 px
    radon = datasets.radon()
    decomposition = pp.decompose_beta(
        radon,
        y="log_radon",
        group="county",
        x="floor",
        sigma_alpha=fit.sigma_alpha,
        sigma_y=fit.sigma_y,
    )
    for fig in (
        plotting.estimates_vs_size(none, fit),
        plotting.shrinkage_arrows(none, fit),
        plotting.lambda_vs_n([0.1, 0.5, 2.0], observed=fit),
        figures.decomposition_bars(decomposition, ols=-0.6, x_name="floor"),
    ):
        png, _ = figure_variants.render(fig, phone=phone)
        width_px = pixels(png).shape[1]
        # the same copy made again (a pickled copy, as a reader of the module would), its
        # texts measured directly: points at 110 dpi, times the scale it is shown at
        same = pickle.loads(pickle.dumps(fig))
        if phone:
            figure_variants.narrow(same)
        figure_variants.enlarge_text(same, column)
        assert same.get_size_inches()[0] * 110 == pytest.approx(width_px, abs=1)
        same.draw_without_rendering()
        texts = [t for t in same.findobj(Text) if t.get_visible() and t.get_text().strip()]
        smallest = min(t.get_fontsize() for t in texts)
        px = smallest * 110 / 72 * min(1.0, column / width_px)
        assert px >= 10 - 1e-9, (fig.alt[:60], px)


def test_figure_html_offers_the_phone_copy_below_600_px_and_labels_text_sizes(radon_fits):
    none, fit = radon_fits
    html = figure_variants.figure_html(plotting.shrinkage_arrows(none, fit), "arrows")
    assert re.findall(r'media="\(max-width: ([\d.]+)px\)"', html) == ["599.98", "599.98"]
    assert html.count('alt="arrows"') == 2
    assert 'class="pp-only-light"' in html and 'class="pp-only-dark"' in html
    assert all(float(v) > 0 for v in re.findall(r'data-text-pt="([\d.]+)"', html))
