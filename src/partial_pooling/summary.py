"""A fit's summary: one set of tables, written as text (lme4's print style) and as HTML.

`Summary` is what ``fit.summary()`` returns for every fit (`partial_pooling.PoolingFit`,
`partial_pooling.RandomSlopesFit`). It is a string, the text a terminal or a notebook prints,
that also keeps the tables it was written from, so the command line's HTML report
(`Summary.html`) shows the same facts and numbers as the text, from one place. Each label has
a plain-text form and, where the report typesets it ($\\sigma_\\alpha$, $n_j$, a column name in
``code``), an HTML form.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .grouped import ColumnName

__all__ = ["Label", "Summary", "SummaryTable", "code", "fmt", "html_table", "model_facts", "sizes"]

#: How each method is named in a summary.
METHOD_NAMES = {
    "REML": "REML (restricted maximum likelihood)",
    "ML": "ML (maximum likelihood)",
    "OLS": "OLS (ordinary least squares)",
    "within": "within-group least squares",
}


@dataclass(frozen=True)
class Label:
    """A label in text and in HTML (``html=None``: the text, escaped)."""

    text: str
    html: str | None = None

    def as_html(self) -> str:
        """The HTML form."""
        return html.escape(self.text, quote=True) if self.html is None else self.html


def code(name: ColumnName) -> Label:
    """A column name, set in ``code`` in HTML."""
    text = str(name)
    return Label(text, f"<code>{html.escape(text, quote=True)}</code>")


def fmt(value: float, digits: int = 6) -> str:
    """A number as a statistician reads it: ``digits`` significant digits, plain ASCII; NaN
    (a value that does not apply) is a dash."""
    value = float(value)
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def sizes(n: pd.Series) -> str:
    """Group sizes: smallest, median and largest $n_j$."""
    return f"min {int(n.min())}, median {fmt(float(n.median()))}, max {int(n.max())}"


def html_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, ident: str, caption: str = ""
) -> str:
    """An HTML table of already-escaped cells: ``header`` the column headings, each row's first
    cell its row heading, ``caption`` (escaped too) under the table."""
    head = "".join(f'<th scope="col">{cell}</th>' for cell in header)
    body = "\n".join(
        "<tr>"
        + "".join(
            (f'<th scope="row">{cell}</th>' if k == 0 else f"<td>{cell}</td>")
            for k, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (
        f'<table id="{ident}">{cap}<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n'
        "</tbody></table>"
    )


def model_facts(
    formula: str,
    method: str,
    N: int,
    group: ColumnName,
    n: pd.Series,
    loglik: float | None,
) -> list[tuple[Label, Label]]:
    """The facts every fit's summary starts with: model, method, $N$, $J$, the group sizes
    and the log-likelihood (``None``: none to report)."""
    facts = [
        (Label("Model"), Label(formula, f"<code>{html.escape(formula, quote=True)}</code>")),
        (Label("Method"), Label(METHOD_NAMES.get(method, method))),
        (Label("Observations N", "Observations <var>N</var>"), Label(f"{N}")),
        (
            Label(f"Groups J ({group})", f"Groups <var>J</var> ({code(group).as_html()})"),
            Label(f"{len(n)}"),
        ),
        (Label("Group sizes n_j", "Group sizes <var>n<sub>j</sub></var>"), Label(sizes(n))),
    ]
    if loglik is not None:
        name = "REML log-likelihood" if method == "REML" else "Log-likelihood (ML)"
        facts.append((Label(name), Label(f"{loglik:.4f}")))
    return facts


@dataclass(frozen=True)
class SummaryTable:
    """A table of a summary: labelled rows of numbers (None: an empty cell).

    ``ident`` is the HTML table's id, ``heading`` its title, ``columns`` the headers of the
    number columns.
    """

    ident: str
    heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Label, tuple[float | None, ...]], ...]
    caption: str = ""

    def text(self) -> list[str]:
        """The table as lines of text under its heading."""
        width = max(16, *(len(label.text) + 2 for label, _ in self.rows))
        cols = [max(12, len(c) + 2) for c in self.columns]
        header = "".join(f"{c:>{w}}" for c, w in zip(self.columns, cols, strict=True))
        lines = [f"{self.heading}:", "  " + " " * width + header]
        for label, values in self.rows:
            cells = "".join(
                f"{'' if v is None else fmt(v):>{w}}" for v, w in zip(values, cols, strict=True)
            )
            lines.append(f"  {label.text:<{width}}{cells}".rstrip())
        if self.caption:
            lines.append(f"  ({self.caption})")
        return lines

    def html(self) -> str:
        """The table as HTML under an ``h3`` heading."""
        rows = [
            [label.as_html(), *("" if v is None else fmt(v) for v in values)]
            for label, values in self.rows
        ]
        table = html_table(
            [html.escape(c) for c in ["", *self.columns]],
            rows,
            ident=self.ident,
            caption=html.escape(self.caption),
        )
        return f"<h3>{html.escape(self.heading)}</h3>\n{table}"


class Summary(str):
    """A fit's summary: the text (this string) and the tables it was written from.

    Attributes
    ----------
    headline : str
        What was fitted (the text's first line; ``title`` when made: ``str.title`` is a
        method).
    facts : tuple of (Label, Label)
        The model, the method, $N$, $J$, the group sizes, the log-likelihood and the like.
    tables : tuple of SummaryTable
        Variance components and fixed effects.
    notes : tuple of Label
        Remarks a reader must not miss (an estimate on its boundary).
    """

    headline: str
    facts: tuple[tuple[Label, Label], ...]
    tables: tuple[SummaryTable, ...]
    notes: tuple[Label, ...]

    def __new__(
        cls,
        *,
        title: str,
        facts: Sequence[tuple[Label, Label]],
        tables: Sequence[SummaryTable],
        notes: Sequence[Label] = (),
    ) -> Summary:
        """Write the text from ``facts``, ``notes`` and ``tables`` under ``title``, e.g.
        ``"Random-intercept model fit by REML (partial pooling)"``."""
        lines = [title, *(f"  {label.text}: {value.text}" for label, value in facts)]
        for note in notes:  # wrapped, so that a narrow screen need not break words
            lines += ["", textwrap.fill(note.text, width=88)]
        for table in tables:
            lines += ["", *table.text()]
        self = super().__new__(cls, "\n".join(lines))
        self.headline = title
        self.facts = tuple(facts)
        self.tables = tuple(tables)
        self.notes = tuple(notes)
        return self

    def table(self, ident: str) -> SummaryTable:
        """The table with id ``ident`` (``"variance-components"``, ``"fixed-effects"``)."""
        for table in self.tables:
            if table.ident == ident:
                return table
        raise KeyError(ident)

    def html(self) -> str:
        """The summary as an HTML fragment: the facts (table ``#summary``), the notes and
        every table, under an ``h2`` "The fit"."""
        facts = [[label.as_html(), value.as_html()] for label, value in self.facts]
        parts = [
            "<h2>The fit</h2>",
            html_table(["", "value"], facts, ident="summary"),
            *(f'<p class="note">{note.as_html()}</p>' for note in self.notes),
            *(table.html() for table in self.tables),
        ]
        return "\n".join(parts)
