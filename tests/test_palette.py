"""One palette: every colour of the figures comes from `plotting.PALETTE` (the site's figures
and the command line's alike), and the explorer draws the estimators in the figures' colours."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from partial_pooling import plotting
from partial_pooling.site import figures

HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
ROOT = Path(__file__).parents[1]


def test_no_colour_is_written_in_the_plotting_module_outside_the_palette():
    source = inspect.getsource(plotting)
    start = source.index("PALETTE = {")
    palette_block = source[start : source.index("}", start) + 1]
    elsewhere = source.replace(palette_block, "")
    assert HEX.findall(elsewhere) == []
    assert sorted(HEX.findall(palette_block)) == sorted(plotting.PALETTE.values())


def test_the_page_only_figures_write_no_colour_and_share_the_one_palette():
    source = inspect.getsource(figures)
    assert HEX.findall(source) == []
    assert "PALETTE = {" not in source  # no second palette
    for name in ("PALETTE", "COLOURS", "SERIES", "LABELS"):
        assert getattr(figures, name) is getattr(plotting, name), name


@pytest.mark.parametrize("module", [plotting, figures])
def test_the_estimators_and_highlighted_groups_take_their_colours_from_the_palette(module):
    palette = set(module.PALETTE.values())
    assert set(module.COLOURS.values()) <= palette
    assert set(module.SERIES) <= palette and len(set(module.SERIES)) == len(module.SERIES)
    assert len(set(module.COLOURS.values())) == len(module.COLOURS)  # one colour, one meaning


def test_the_explorer_draws_no_and_partial_pooling_in_the_figures_colours():
    css = (ROOT / "docs" / "stylesheets" / "explorer.css").read_text()
    light = css[css.index(".pp-explorer {") :]
    light = light[: light.index("}")]
    for name in ("none", "partial"):
        found = re.search(rf"--pp-{name}:\s*(#[0-9a-fA-F]{{6}})", light)
        assert found and found.group(1).lower() == plotting.COLOURS[name]
