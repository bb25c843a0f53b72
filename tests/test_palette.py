"""One palette: every colour of the site's figures comes from `figures.PALETTE`, and the
explorer draws the estimators in the figures' colours."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from partial_pooling.site import figures

HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
ROOT = Path(__file__).parents[1]


def test_no_colour_is_written_in_the_figures_module_outside_the_palette():
    source = inspect.getsource(figures)
    start = source.index("PALETTE = {")
    palette_block = source[start : source.index("}", start) + 1]
    elsewhere = source.replace(palette_block, "")
    assert HEX.findall(elsewhere) == []
    assert sorted(HEX.findall(palette_block)) == sorted(figures.PALETTE.values())


def test_the_estimators_and_highlighted_groups_take_their_colours_from_the_palette():
    palette = set(figures.PALETTE.values())
    assert set(figures.COLOURS.values()) <= palette
    assert set(figures.SERIES) <= palette and len(set(figures.SERIES)) == len(figures.SERIES)
    assert len(set(figures.COLOURS.values())) == len(figures.COLOURS)  # one colour, one meaning


def test_the_explorer_draws_no_and_partial_pooling_in_the_figures_colours():
    css = (ROOT / "docs" / "stylesheets" / "explorer.css").read_text()
    light = css[css.index(".pp-explorer {") :]
    light = light[: light.index("}")]
    for name in ("none", "partial"):
        found = re.search(rf"--pp-{name}:\s*(#[0-9a-fA-F]{{6}})", light)
        assert found and found.group(1).lower() == figures.COLOURS[name]
