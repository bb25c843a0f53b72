"""The fold with a page's figure code: closed, the function's own source, no proof machinery."""

from __future__ import annotations

import inspect
import re

import pytest

from partial_pooling import plotting
from partial_pooling.site import figures
from partial_pooling.site.source import SUMMARY, figure_code


def test_fold_holds_the_figure_functions_source_line_for_line() -> None:
    code = figure_code(figures.shrinkage_arrows)
    lines = [line.strip() for line in inspect.getsource(figures.shrinkage_arrows).splitlines()]
    assert [line.strip() for line in code.source.splitlines()] == lines
    # the pages call it through site.figures; the fold names the public module it lives in
    assert code.names == ("partial_pooling.plotting.shrinkage_arrows",)


def test_fold_is_closed_and_says_what_it_holds() -> None:
    html = figure_code(figures.pooling_risk)._repr_html_()
    assert html.startswith("<details class='pp-code'>")
    assert "<details class='pp-code' open" not in html
    assert f"<summary>{SUMMARY}</summary>" in html
    assert 'class="highlight"' in html  # highlighted like the site's other code


def test_every_figure_a_page_folds_has_no_assertions_or_tolerances_in_its_code() -> None:
    # the fold is for reuse: the checks stay in their own fold (tests/site checks the text a
    # reader sees without opening anything; this checks what opening the code fold shows)
    bookkeeping = re.compile(r"\bassert\b|np\.testing|assert_allclose|\brtol\b|\batol\b")
    for module in (figures, plotting):
        for name in module.__all__:
            fn = getattr(module, name)
            if inspect.isfunction(fn):
                assert not bookkeeping.search(figure_code(fn).source), name


def test_several_functions_are_shown_one_after_the_other() -> None:
    code = figure_code(figures.pooling_risk, figures.pooling_risk_by_size)
    assert code.source.index("def pooling_risk(") < code.source.index("def pooling_risk_by_size(")


@pytest.mark.parametrize("bad", [(), ("figures.pooling_risk",), (figures,)])
def test_anything_but_functions_is_refused_in_one_line(bad) -> None:
    with pytest.raises(ValueError, match="figure_code"):
        figure_code(*bad)
