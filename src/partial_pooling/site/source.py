"""The code behind a page's figure, shown folded under it.

Every figure on the site is one call of a `partial_pooling.site.figures` function, so the cell a
reader sees is one line. `figure_code` puts the source of that function in a fold, "The code for
this figure", closed when the page loads: a reader who wants to reuse a figure opens it and
copies the code; one who follows the argument never meets it. Checks are not in the fold: they
stay in their own (`partial_pooling.site.checks`).
"""

from __future__ import annotations

import html
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["FigureCode", "figure_code"]

#: What the fold's one visible line says.
SUMMARY = "The code for this figure"


@dataclass(frozen=True)
class FigureCode:
    """The source of one or more figure functions, rendered as a closed fold.

    Attributes
    ----------
    names : tuple of str
        The functions' qualified names (``partial_pooling.plotting.shrinkage_arrows``,
        ``partial_pooling.site.figures.pooling_risk``): where each is defined.
    source : str
        Their source code, one after the other, as Python.
    """

    names: tuple[str, ...]
    source: str

    def _repr_html_(self) -> str:
        try:  # Pygments comes with the site's toolchain (nbconvert, Material), not the package
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer
        except ImportError:  # pragma: no cover - without it, plain code
            code = f"<pre><code>{html.escape(self.source)}</code></pre>"
        else:
            code = highlight(self.source, PythonLexer(), HtmlFormatter(cssclass="highlight"))
        where = ", ".join(f"<code>{html.escape(n)}</code>" for n in self.names)
        return (
            f"<details class='pp-code'><summary>{SUMMARY}</summary>"
            f"<p>From {where}. Its module also holds the imports and the helpers it calls; "
            "the colours are <code>partial_pooling.plotting.COLOURS</code>; "
            "the cell above shows the call.</p>"
            f"{code}</details>"
        )


def figure_code(*functions: Callable[..., Any]) -> FigureCode:
    """The source of the figure functions a page calls, for a fold under the figure.

    Parameters
    ----------
    *functions : callable
        One or more functions of `partial_pooling.site.figures` or `partial_pooling.plotting`
        (or any Python functions whose source is available).

    Returns
    -------
    FigureCode
        Shown in a notebook as a closed ``<details class="pp-code">`` whose summary reads
        "The code for this figure".

    Examples
    --------
    >>> from partial_pooling.site import figures
    >>> code = figure_code(figures.shrinkage_arrows)
    >>> code.source.startswith("def shrinkage_arrows(")
    True
    """
    if not functions:
        raise ValueError("figure_code needs at least one function")
    names, parts = [], []
    for fn in functions:
        if not inspect.isfunction(fn):
            raise ValueError(f"figure_code takes functions, got {type(fn).__name__}")
        names.append(f"{fn.__module__}.{fn.__qualname__}")
        parts.append(textwrap.dedent(inspect.getsource(fn)).strip() + "\n")
    return FigureCode(tuple(names), "\n\n".join(parts))
