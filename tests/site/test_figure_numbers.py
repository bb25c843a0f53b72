"""Figures are numbered in page order and captioned, and the prose's references are written out
(scripts/notebook_exec.py, `number_figures`); what the author got wrong fails the build."""

from __future__ import annotations

import nbformat
import pytest
from test_notebook_cache import load_hook

hook = load_hook()

FIGURE = '<figure class="pp-figure-variants"><picture><img alt="a"></picture></figure>'


def figure_cell(caption: str | None = None, label: str | None = None):
    cell = nbformat.v4.new_code_cell("figures.something()")
    cell.outputs = [
        nbformat.v4.new_output(
            "execute_result", data={"text/html": FIGURE, "text/plain": "<figure>"}
        )
    ]
    if caption is not None:
        cell.metadata["caption"] = caption
    if label is not None:
        cell.metadata["label"] = label
    return cell


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def test_figures_get_numbers_in_page_order_and_references_get_those_numbers():
    nb = notebook(
        nbformat.v4.new_markdown_cell("See [Figure](#fig-b), then [figure](#fig-a)."),
        figure_cell("First, with $\\hat\\mu$ & <b>.", "fig-a"),
        nbformat.v4.new_code_cell("x = 1"),
        figure_cell("Second.", "fig-b"),
    )
    hook.number_figures(nb, "page.py")
    assert nb.cells[0].source == "See [Figure 2](#fig-b), then [figure 1](#fig-a)."
    first = nb.cells[1].outputs[0].data["text/html"]
    assert first.startswith('<figure class="pp-figure-variants" id="fig-a">')
    assert first.endswith(
        '<figcaption class="arithmatex"><span class="pp-figure-number">Figure 1:</span> '
        "First, with $\\hat\\mu$ &amp; &lt;b&gt;.</figcaption></figure>"
    )
    assert first.count("</figure>") == 1
    assert (
        '<figcaption><span class="pp-figure-number">Figure 2:</span> Second.'
        in (nb.cells[3].outputs[0].data["text/html"])
    )


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([figure_cell()], "without a caption and a label"),
        ([figure_cell("A caption only.")], "without a caption and a label"),
        ([figure_cell("Bad label.", "arrows")], "without a caption and a label"),
        (
            [figure_cell("One.", "fig-a"), figure_cell("Two.", "fig-a")],
            "used twice",
        ),
        (
            [nbformat.v4.new_code_cell("x = 1", metadata={"caption": "No figure here."})],
            "shows no figure",
        ),
        (
            [
                nbformat.v4.new_markdown_cell("As [Figure](#fig-z) shows."),
                figure_cell("A.", "fig-a"),
            ],
            "refers to no figure",
        ),
    ],
    ids=[
        "no caption",
        "no label",
        "label without fig-",
        "label twice",
        "caption alone",
        "broken reference",
    ],
)
def test_what_the_author_got_wrong_fails_the_build(cells, message):
    with pytest.raises(hook.FigureError, match=message):
        hook.number_figures(notebook(*cells), "page.py")
