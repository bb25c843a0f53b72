"""One summary for every fit: the text and the HTML come from the same tables, and the numbers
in them are the fit's."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.summary import Summary


class Tables(HTMLParser):
    """The cells of each table of an HTML fragment, by table id (the text of each cell)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._id: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._id = dict(attrs)["id"]
            self.tables[self._id] = []
        elif tag == "tr" and self._id:
            self.tables[self._id].append([])
        elif tag in ("td", "th") and self._id:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._id:
            self.tables[self._id][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parsed(summary: Summary) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(summary.html())
    return parser.tables


FITS = {
    "partial (radon)": lambda: pp.fit_random_intercept(
        datasets.radon(), y="log_radon", group="county", x="floor"
    ),
    "complete (radon)": lambda: pp.complete_pooling(
        datasets.radon(), y="log_radon", group="county", x="floor"
    ),
    "none (radon)": lambda: pp.no_pooling(
        datasets.radon(), y="log_radon", group="county", x="floor"
    ),
    "random slopes (sleepstudy)": lambda: pp.fit_random_slopes(
        datasets.sleepstudy(), y="Reaction", group="Subject", x="Days"
    ),
}


@pytest.mark.parametrize("name", FITS)
def test_text_and_html_show_the_same_numbers_and_they_are_the_fits(name):
    fit = FITS[name]()
    summary = fit.summary()
    assert isinstance(summary, str) and str(fit) == summary
    tables = parsed(summary)
    for ident in ("variance-components", "fixed-effects"):
        html_rows = tables[ident][1:]
        table = summary.table(ident)
        assert len(html_rows) == len(table.rows)
        for cells in html_rows:
            # every number of the HTML row is in the text, on one line with the others
            numbers = [c for c in cells[1:] if c]
            assert any(all(n in line.split() for n in numbers) for line in summary.splitlines())
    fixed = [float(row[1]) for row in tables["fixed-effects"][1:]]
    np.testing.assert_allclose(fixed, fit.fixed.to_numpy(), rtol=5e-6)  # 6 significant digits
    facts = {row[0]: row[1] for row in tables["summary"][1:]}
    assert facts["Observations N"] == str(fit.N)
    assert re.search(rf"Observations N: +{fit.N}\n", summary)


def test_the_variance_components_are_the_fits_sds(sleepstudy):
    fit = pp.fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x="Days")
    rows = parsed(fit.summary())["variance-components"][1:]
    sds = [float(row[1]) for row in rows]
    np.testing.assert_allclose(sds, [*fit.sd, fit.sigma_y], rtol=5e-6)
    assert float(rows[1][3]) == pytest.approx(fit.corr, rel=5e-6)


def test_a_boundary_estimate_is_a_note_in_both_forms():
    dye2 = datasets.dyestuff2()
    fit = pp.fit_random_intercept(dye2, y="Yield", group="Batch")
    summary = fit.summary()
    assert fit.at_boundary
    assert "estimated at its boundary 0" in summary
    note = '<p class="note">Boundary (singular) fit: σ<sub>α</sub> is estimated at its boundary 0'
    assert note in summary.html()


def test_names_are_escaped_in_html_and_plain_in_text(radon):
    data = radon.rename(columns={"floor": "<b>floor</b>", "county": "a&b"})
    summary = pp.fit_random_intercept(data, y="log_radon", group="a&b", x="<b>floor</b>").summary()
    assert "<b>floor</b>" in summary  # the text is plain
    assert "<b>floor</b>" not in summary.html()
    assert "&lt;b&gt;floor&lt;/b&gt;" in summary.html()
