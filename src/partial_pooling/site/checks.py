"""A page's checks: run at build time, fail the build, shown folded away.

A notebook cell tagged ``hide-input`` builds a `Checks`, records each comparison with
`Checks.close` (numbers against an independent computation) or `Checks.holds` (a statement that
must be true), and ends with the `Checks` object. Where the page also *shows* the comparison,
`Checks.table` checks each row and returns the table to show, so what is shown is what is
checked. Each comparison raises ``AssertionError`` at
once when it fails, so the cell, and the build, fail. When all pass, the page shows one line
such as "✓ 4 checks: agrees with statsmodels to 3e-12", which opens into the table of every
comparison with its tolerance.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["Checks"]


@dataclass(frozen=True)
class Comparison:
    """One recorded check: what was compared, the largest differences and the tolerances."""

    label: str
    abs_diff: float
    rel_diff: float
    rtol: float
    atol: float
    size: int

    @property
    def tolerance(self) -> str:
        parts = [f"rtol {self.rtol:.0e}"] if self.rtol else []
        parts += [f"atol {self.atol:.0e}"] if self.atol else []
        return ", ".join(parts) or "exact"


@dataclass
class Checks:
    """Comparisons of a page's numbers with independent computations.

    Parameters
    ----------
    against : str
        What the page's numbers are compared with, as it reads after "agrees with", for
        example ``"statsmodels (REML, fitted tightly)"`` or ``"the closed form"``.

    Examples
    --------
    >>> import numpy as np
    >>> checks = Checks("the closed form")
    >>> checks.close("one third", 1 / 3, 0.3333333333333333)
    >>> checks.holds("a positive variance", 0.5 > 0)
    >>> checks.summary()
    '✓ 2 checks pass: agrees with the closed form exactly'
    """

    against: str
    comparisons: list[Comparison] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)

    def close(
        self,
        label: str,
        actual: ArrayLike,
        desired: ArrayLike,
        *,
        rtol: float = 1e-8,
        atol: float = 0.0,
    ) -> None:
        """Record that ``actual`` equals ``desired`` within ``rtol`` and ``atol``; raise if not.

        The test is numpy's ``assert_allclose``: ``|actual - desired| <= atol + rtol |desired|``
        elementwise, and the shapes must agree. Two pandas objects are compared label by
        label (``desired`` put in the order of ``actual``); their labels must be the same.
        """
        desired = _aligned(label, actual, desired)
        a = np.asarray(actual, dtype=float)
        d = np.asarray(desired, dtype=float)
        np.testing.assert_allclose(a, d, rtol=rtol, atol=atol, err_msg=label)
        diff = np.abs(a - d)
        scale = np.abs(d)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), diff)
        self.comparisons.append(
            Comparison(
                label,
                float(diff.max(initial=0.0)),
                float(rel.max(initial=0.0)),
                rtol,
                atol,
                int(d.size),
            )
        )

    def table(
        self,
        rows: Iterable[Sequence[Any]],
        *,
        columns: Sequence[str] = ("", "partial_pooling", "independent"),
        rtol: float = 1e-8,
        atol: float = 0.0,
        digits: int = 6,
    ) -> str:
        """Check each row as `close` does and return the rows as a Markdown table to show.

        Parameters
        ----------
        rows : iterable of tuples
            ``(label, value, reference)``, optionally followed by a note (what the reference
            is) and by a dict of this row's own ``rtol`` and ``atol``. Values are numbers.
        columns : three str
            The headers of the label, value and reference columns.
        rtol, atol : float
            Tolerances of rows that do not set their own.
        digits : int
            Decimals shown.

        Returns
        -------
        str
            A Markdown table: label, value, reference, the note (when any row has one) and the
            relative difference.
        """
        shown = []
        for row in rows:
            name, ours, reference, *rest = row
            tol = {"rtol": rtol, "atol": atol}
            note = ""
            for extra in rest:
                if isinstance(extra, dict):
                    tol.update(extra)
                else:
                    note = str(extra)
            self.close(f"{name} ({note})" if note else name, ours, reference, **tol)
            shown.append((name, float(ours), float(reference), note, self.comparisons[-1]))
        notes = any(note for *_, note, _ in shown)
        head = [*columns, *(["checked by"] if notes else []), "relative difference"]
        lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * 2 + "---|" * notes + "---:|"]
        for name, ours, reference, note, c in shown:
            cells = [name, f"{ours:.{digits}f}", f"{reference:.{digits}f}"]
            cells += [note] if notes else []
            lines.append("| " + " | ".join([*cells, f"{c.rel_diff:.1e}"]) + " |")
        return "\n".join(lines)

    def holds(self, label: str, condition: bool | np.bool_) -> None:
        """Record that a statement is true; raise ``AssertionError`` naming it if not."""
        if not bool(condition):
            raise AssertionError(f"check failed: {label}")
        self.statements.append(label)

    @property
    def count(self) -> int:
        """The number of checks recorded."""
        return len(self.comparisons) + len(self.statements)

    @property
    def worst(self) -> float:
        """The largest relative difference over every comparison (0 when there is none)."""
        return max((c.rel_diff for c in self.comparisons), default=0.0)

    def summary(self) -> str:
        """The one line a reader sees before opening the checks."""
        noun = "check passes" if self.count == 1 else "checks pass"
        text = f"✓ {self.count} {noun}"
        if self.comparisons:
            agreement = f"to {self.worst:.0e}" if self.worst else "exactly"
            text += f": agrees with {self.against} {agreement}"
        return text

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.label)}</td><td>{c.size}</td>"
            f"<td>{c.rel_diff:.1e}</td><td>{c.abs_diff:.1e}</td>"
            f"<td>{html.escape(c.tolerance)}</td></tr>"
            for c in self.comparisons
        )
        table = (
            "<table><thead><tr><th>compared</th><th>numbers</th><th>largest relative "
            "difference</th><th>largest absolute difference</th><th>tolerance</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
            if rows
            else ""
        )
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.statements)
        listed = f"<p>Also true:</p><ul>{items}</ul>" if items else ""
        return (
            f'<details class="pp-checks"><summary>{html.escape(self.summary())}</summary>'
            f"<p>Each comparison is asserted when the page is built; a failure stops the "
            f"build. Compared with {html.escape(self.against)}.</p>{table}{listed}</details>"
        )

    def __repr__(self) -> str:
        return self.summary()


def _aligned(label: str, actual: Any, desired: Any) -> Any:
    """``desired`` in the label order of ``actual`` when both are pandas objects."""
    pandas = (pd.Series, pd.DataFrame)
    if not (isinstance(actual, pandas) and isinstance(desired, pandas)):
        return desired
    if type(actual) is not type(desired) or set(actual.index) != set(desired.index):
        raise AssertionError(f"{label}: the two sides have different labels")
    desired = desired.reindex(actual.index)
    if isinstance(actual, pd.DataFrame):
        if set(actual.columns) != set(desired.columns):
            raise AssertionError(f"{label}: the two sides have different columns")
        desired = desired[actual.columns]
    return desired
