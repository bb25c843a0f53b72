"""The prose's quantified claims against the numbers the same page shows.

A sentence like "partial pooling loses only at sigma_alpha = 0" can be false while every
number on the page is right: the claim is about a grid the page never looked at closely, or
about a column its checks did not compare. These tests read a built page, take the table the
page shows and the sentences that state an inequality over it ("at every ratio up to r",
"from r on", "at every ratio"), and fail when one row of the shown table contradicts one of
those sentences. The margin is the page's own: three Monte Carlo standard errors, from the
``± s.e.`` column next to each relative risk.
"""

from __future__ import annotations

import copy
import html.parser
import re
from pathlib import Path

import pytest

K = 3.0  # the page's margin, in Monte Carlo standard errors


class _Tables(html.parser.HTMLParser):
    """Every <table> of a page as rows of cell texts, and the page's visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        self.text.append(data)


def _page(site: Path, path: str) -> tuple[list[list[list[str]]], str]:
    parser = _Tables()
    parser.feed((site / path / "index.html").read_text(encoding="utf-8"))
    return parser.tables, " ".join(" ".join(parser.text).split())


def _table(tables: list[list[list[str]]], *headers: str) -> tuple[list[str], dict[float, list]]:
    """The shown table whose header row has every one of ``headers``: (header, rows by ratio)."""
    for rows in tables:
        header = next((r for r in rows if all(h in r for h in headers)), None)
        if header is None:
            continue
        body: dict[float, list[float]] = {}
        for row in rows:
            try:
                values = [float(cell) for cell in row]
            except ValueError:
                continue
            if len(values) == len(header):
                body[values[0]] = values[1:]
        return header[1:], body
    raise AssertionError(f"no table with the columns {headers} on the page")


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _column(header: list[str], body: dict, name: str) -> dict[float, tuple[float, float]]:
    """A relative-risk column and the ± s.e. column right after it, by ratio."""
    i = header.index(name)
    assert header[i + 1].startswith("±"), header
    return {r: (v[i], v[i + 1]) for r, v in body.items()}


def pooling_pays_contradictions(tables: list[list[list[str]]], text: str) -> list[str]:
    """Every quantified sentence of the pooling_pays page that a row of its own tables refutes.

    Returns one message per contradiction (an empty list when the prose and the tables agree);
    a sentence the page no longer states is a contradiction too, so that rewording it without
    updating this check cannot pass silently.
    """
    problems: list[str] = []

    def claim(pattern: str) -> str | None:
        match = re.search(pattern, text)
        if not match:
            problems.append(f"the page no longer states {pattern!r}")
        return match.group(1) if match else None

    # the main table: partial pooling against no pooling "at every ratio"
    if "partial pooling has the smaller error at every ratio" not in text:
        problems.append("the 'smaller error at every ratio' sentence is gone")
    header, body = _table(tables, "partial / none", "complete", "oracle")
    for r, (rel, se) in _column(header, body, "partial / none").items():
        if not rel + K * se < 1:
            problems.append(f"main table, ratio {r}: partial / none = {rel} ± {se}, not below 1")

    # the fine grid: partial against complete pooling, and complete against none for n_j > 25
    header, body = _table(tables, "partial / complete", "complete / none, n_j > 25")
    vs_complete = _column(header, body, "partial / complete")
    large = _column(header, body, "complete / none, n_j > 25")
    behind = claim(r"Complete pooling has the smaller simulated MSE at every ratio up to ([\d.]+)")
    clear = claim(r"by more than three Monte Carlo standard errors at ([\d.]+(?:, [\d.]+)*);")
    wins = claim(r"partial pooling has the smaller MSE, by more than three standard errors, "
                 r"at every ratio from ([\d.]+) on")  # fmt: skip
    twice = claim(r"more than twice no pooling's at every ratio from ([\d.]+) on")
    better = claim(r"smaller of the two at every ratio up to ([\d.]+)")
    for r, (rel, se) in vs_complete.items():
        if behind is not None and r <= float(behind) and not rel > 1:
            problems.append(f"ratio {r}: complete pooling is not ahead ({rel})")
        if wins is not None and r >= float(wins) and not rel + K * se < 1:
            problems.append(f"ratio {r}: partial pooling is not ahead ({rel} ± {se})")
    for r in [] if clear is None else [float(v) for v in clear.split(", ")]:
        rel, se = vs_complete[r]
        if not rel - K * se > 1:
            problems.append(f"ratio {r}: complete pooling is not clearly ahead ({rel} ± {se})")
    if "at every ratio of the fine grid" not in text:
        problems.append("the 'every ratio of the fine grid' sentence is gone")
    for r, (rel, se) in _column(header, body, "partial / none").items():
        if not rel + K * se < 1:
            problems.append(f"fine grid, ratio {r}: partial / none = {rel} ± {se}")
    for r, (rel, se) in large.items():
        if twice is not None and r >= float(twice) and not rel - K * se > 2:
            problems.append(f"ratio {r}: complete / none = {rel} ± {se}, not above 2")
        if better is not None and r <= float(better) and not rel + K * se < 1:
            problems.append(f"ratio {r}: complete / none = {rel} ± {se}, not below 1")
    # the sentences that were false on these tables (issue 15) must not come back
    if re.search(r"loses only (at|when)", text):
        problems.append("'loses only at/when': complete pooling is ahead at positive ratios")
    if "as soon as" in text:
        problems.append("'as soon as sigma_alpha > 0': the fine grid refutes it")
    return problems


@pytest.fixture(scope="module")
def pooling_pays(built_site: Path):
    return _page(built_site, "notebooks/pooling_pays")


def test_pooling_pays_prose_agrees_with_its_own_tables(pooling_pays) -> None:
    tables, text = pooling_pays
    assert pooling_pays_contradictions(tables, text) == []


def test_the_check_catches_a_row_that_contradicts_an_every_ratio_claim(pooling_pays) -> None:
    tables, text = pooling_pays
    header, body = _table(tables, "partial / complete", "complete / none, n_j > 25")
    wins = float(re.search(r"at every ratio from ([\d.]+) on;", text).group(1))
    column = header.index("partial / complete") + 1  # +1: the ratio is the row's first cell
    doctored = copy.deepcopy(tables)
    for rows in doctored:
        for row in rows:
            if len(row) == len(header) + 1 and _number(row[0]) == max(body):
                row[column] = "1.5"  # partial pooling behind at the largest ratio
    found = pooling_pays_contradictions(doctored, text)
    assert any("partial pooling is not ahead" in p for p in found), found
    assert max(body) >= wins


def test_the_check_catches_the_sentences_issue_15_found_false(pooling_pays) -> None:
    tables, text = pooling_pays
    for false in (
        "against complete pooling it loses only when the groups truly do not differ",
        "more than twice as bad as no pooling as soon as sigma_alpha > 0",
    ):
        assert pooling_pays_contradictions(tables, text + " " + false), false
