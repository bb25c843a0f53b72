"""The command line's figures and its self-contained HTML report of one fit.

`intercept_figures` and `slopes_figures` draw the figures the site's pages show
(`partial_pooling.plotting`) for a user's fit; each comes back as a `ReportFigure` that
renders itself as PNG and as SVG, both carrying the figure's alt text (the PNG in its
``Title`` and ``Description`` text chunks, the SVG as its ``<title>`` and ``<desc>``).
`report_html` writes one HTML page that a colleague can open anywhere: the fit's summary as a
statistician expects it (ML or REML, estimates with standard errors, variance components as
SDs, the log-likelihood with lme4's constant, $N$, $J$ and the group sizes), the figures
inlined as PNG data URIs with their alt text, and the table of every group. The page loads
nothing: no script, no web font, no remote image or stylesheet. Every user-provided string
(column names, group labels, the file name) is escaped.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import pandas as pd

from . import __version__
from .fits import PoolingFit, RandomSlopesFit
from .grouped import ColumnName
from .plotting import SiteFigure, estimates_vs_size, lambda_vs_n, shrinkage_arrows
from .plotting import shrinkage_arrows_2d as _shrinkage_arrows_2d
from .summary import fmt, html_table

__all__ = [
    "ReportFigure",
    "figure_names",
    "figure_svg",
    "intercept_figures",
    "report_html",
    "slopes_figures",
]

#: Resolution of the PNG files and of the report's images (sharp on high-density screens).
PNG_DPI = 150

#: Metadata matplotlib would otherwise write into an SVG (its creator's URL, a date).
_NO_SVG_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


@dataclass(eq=False)
class ReportFigure:
    """One of the site's figures drawn for a user's fit, and how to name and describe it.

    Attributes
    ----------
    name : str
        A file name stem (``"shrinkage_arrows"``): letters, digits, ``_``, ``-`` and ``.``.
    title : str
        A short heading for the figure.
    figure : SiteFigure
        The figure; ``figure.alt`` is its alt text.
    caption : str
        A sentence about this fit's figure (what was drawn, what was left out).
    """

    name: str
    title: str
    figure: SiteFigure
    caption: str = ""
    _png: bytes | None = field(default=None, repr=False)

    @property
    def alt(self) -> str:
        """The figure's alt text."""
        return self.figure.alt

    def png(self) -> bytes:
        """The figure as PNG (drawn once), its alt text in the Title and Description chunks."""
        if self._png is None:
            buf = io.BytesIO()
            self.figure.savefig(
                buf,
                format="png",
                dpi=PNG_DPI,
                facecolor="white",
                metadata={"Title": self.title, "Description": self.alt},
            )
            self._png = buf.getvalue()
        return self._png

    def svg(self) -> bytes:
        """The figure as SVG, with the title and alt text as ``<title>`` and ``<desc>``."""
        return figure_svg(self.figure, title=self.title)


def figure_svg(figure: SiteFigure, *, title: str) -> bytes:
    """A figure as an SVG document whose ``<title>`` and ``<desc>`` hold its title and alt text.

    Parameters
    ----------
    figure : SiteFigure
        The figure; its ``alt`` becomes the ``<desc>``.
    title : str
        The ``<title>``, the name a browser or screen reader shows for the image.

    Returns
    -------
    bytes
        UTF-8 SVG, without the creator's URL and date matplotlib writes by default; its root
        element has ``role="img"`` and ``<title>`` and ``<desc>`` as its first children.
    """
    buf = io.BytesIO()
    figure.savefig(buf, format="svg", facecolor="white", metadata=_NO_SVG_METADATA)
    text = buf.getvalue().decode("utf-8")
    start = re.search(r"<svg\b[^>]*>", text)
    if start is None:  # pragma: no cover - matplotlib always writes one
        raise ValueError("matplotlib wrote no <svg> element")
    labels = f"\n <title>{html.escape(title)}</title>\n <desc>{html.escape(figure.alt)}</desc>"
    root = start.group(0)[:-1] + ' role="img">'
    return (text[: start.start()] + root + labels + text[start.end() :]).encode("utf-8")


def _math_safe(name: ColumnName) -> str:
    """A column name for a matplotlib label: a dollar sign is literal, not mathtext."""
    return str(name).replace("$", r"\$")


def _safe_names(fit: PoolingFit) -> PoolingFit:
    """The fit with its column names made safe for matplotlib's labels."""
    return dataclasses.replace(
        fit, group_name=_math_safe(fit.group_name), y_name=_math_safe(fit.y_name)
    )


def intercept_figures(
    fit: PoolingFit, no_pool: PoolingFit | None = None, *, complete: PoolingFit | None = None
) -> list[ReportFigure]:
    """The site's figures of a random-intercept fit, for a report or for files.

    Parameters
    ----------
    fit : PoolingFit
        The partial-pooling fit (`partial_pooling.fit_random_intercept`).
    no_pool : PoolingFit, optional
        No pooling on the same data (`partial_pooling.no_pooling`); without it (no pooling is
        not defined when a covariate is constant within every group) the two figures that
        compare with it are left out.
    complete : PoolingFit, optional
        Complete pooling on the same data, drawn as a dashed line in the estimates figure.

    Returns
    -------
    list of ReportFigure
        ``shrinkage_arrows`` (each group's no-pooling intercept to its partial-pooling one,
        against $n_j$) and ``estimates_vs_size`` (both estimates with $\\pm 1$ SE or
        conditional SD, against $n_j$), when ``no_pool`` is given; and ``lambda_vs_n``
        ($\\lambda_j$ against $n_j$ with the curve of $\\lambda$ at the fitted
        $\\hat\\sigma_\\alpha/\\hat\\sigma_y$, half and twice it).
    """
    if fit.pooling != "partial":
        raise ValueError(f"intercept_figures needs a partial-pooling fit, not {fit.pooling!r}")
    partial = _safe_names(fit)
    out = []
    group, y, J = _text(fit.group_name), _text(fit.y_name), fit.J
    if no_pool is not None:
        none = _safe_names(no_pool)
        out.append(
            ReportFigure(
                "shrinkage_arrows",
                f"From no pooling to partial pooling: {y} by {group}",
                shrinkage_arrows(none, partial),
                f"Each of the {J} groups' intercept moves from its own (covariate-adjusted) "
                f"mean toward the population mean {fmt(fit.mu)}, by the fraction "
                "1 - lambda_j.",
            )
        )
        out.append(
            ReportFigure(
                "estimates_vs_size",
                f"Group intercepts against group size: {y} by {group}",
                estimates_vs_size(
                    none,
                    partial,
                    complete=None if complete is None else _safe_names(complete),
                ),
                f"No pooling (left) and partial pooling (right) for the {J} groups, sizes "
                f"{int(fit.n.min())} to {int(fit.n.max())}.",
            )
        )
    ratio = fit.sigma_alpha / fit.sigma_y
    ratios = sorted({ratio / 2, ratio, 2 * ratio})
    out.append(
        ReportFigure(
            "lambda_vs_n",
            f"Shrinkage weight against group size: {y} by {group}",
            lambda_vs_n(ratios, n_max=max(int(fit.n.max()), 2), observed=partial),
            f"lambda_j of the {J} groups on the curve of the fitted "
            f"sigma_alpha / sigma_y = {fmt(ratio)} ({fit.method}), with the curves for "
            "half and twice that ratio.",
        )
    )
    return out


def _file_stem(name: str) -> str:
    """``name`` with every character other than a letter, digit, ``_``, ``-``, ``.`` as ``_``."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", name).strip(".")
    return stem or "_"


def figure_names(random_slopes: Sequence[ColumnName] = ()) -> list[str]:
    """The file name stems of the figures drawn for a fit, known before it is made.

    Parameters
    ----------
    random_slopes : sequence of str
        The covariates with random slopes; empty for the random-intercept model.

    Returns
    -------
    list of str
        ``shrinkage_arrows``, ``estimates_vs_size``, ``lambda_vs_n`` for the random-intercept
        model (`intercept_figures`); ``shrinkage_arrows_2d`` for one random slope, and
        ``shrinkage_arrows_2d_COL`` for each of several (`slopes_figures`), ``COL`` the
        column's name with any character other than a letter, digit, ``_``, ``-`` or ``.``
        replaced by ``_`` (and ``_`` appended until the names differ).
    """
    if not random_slopes:
        return ["shrinkage_arrows", "estimates_vs_size", "lambda_vs_n"]
    if len(random_slopes) == 1:
        return ["shrinkage_arrows_2d"]
    stems: list[str] = []
    for x in random_slopes:
        stem = f"shrinkage_arrows_2d_{_file_stem(str(x))}"
        while stem in stems:
            stem += "_"
        stems.append(stem)
    return stems


def slopes_figures(fit: RandomSlopesFit, ols: pd.DataFrame) -> list[ReportFigure]:
    """The site's two-dimensional shrinkage figure of a random-slopes fit, one per slope.

    Parameters
    ----------
    fit : RandomSlopesFit
        The fit (`partial_pooling.fit_random_slopes`).
    ols : pandas.DataFrame
        Each group's own least-squares line, from `partial_pooling.random_slopes.group_ols`
        on the same data (NaN where the group does not determine it).

    Returns
    -------
    list of ReportFigure
        ``shrinkage_arrows_2d``: arrows from each group's own (intercept, slope) to its
        partially pooled pair, with the 50% and 95% ellipses of $N(\\hat\\mu, \\hat\\Sigma)$.
        With several random slopes, one figure per slope (``shrinkage_arrows_2d_COL``), each
        showing the intercept and that slope, with the marginal ellipses. Groups whose own
        line is not determined are left out of the figure (its caption says how many).
    """
    names = list(fit.fixed.index)
    own = ols.reindex(fit.coef.index)
    out = []
    for k, (x, stem) in enumerate(zip(fit.x_names, figure_names(fit.x_names), strict=True), 1):
        pair = [names[0], names[k]]
        keep = own[pair].notna().all(axis=1).to_numpy()
        shown = [names[0], _math_safe(x)]
        groups = fit.coef.index[keep]
        # the fit restricted to the intercept, this slope and the groups drawn
        sub = dataclasses.replace(
            fit,
            group_name=_math_safe(fit.group_name),
            x_names=[shown[1]],
            J=int(keep.sum()),
            N=int(fit.n[keep].sum()),
            fixed=pd.Series(fit.fixed[pair].to_numpy(), index=shown, name=fit.fixed.name),
            se_fixed=pd.Series(fit.se_fixed[pair].to_numpy(), index=shown, name=fit.se_fixed.name),
            cov_fixed=pd.DataFrame(
                fit.cov_fixed.loc[pair, pair].to_numpy(), index=shown, columns=shown
            ),
            cov=pd.DataFrame(fit.cov.loc[pair, pair].to_numpy(), index=shown, columns=shown),
            coef=pd.DataFrame(fit.coef.loc[groups, pair].to_numpy(), index=groups, columns=shown),
            ranef=pd.DataFrame(fit.ranef.loc[groups, pair].to_numpy(), index=groups, columns=shown),
            n=fit.n[keep],
        )
        start = pd.DataFrame(own.loc[keep, pair].to_numpy(), index=groups, columns=shown)
        left = int((~keep).sum())
        caption = (
            f"The {int(keep.sum())} groups' own least-squares intercepts and slopes of "
            f"{_text(x)} move toward the population pair ({fmt(fit.mu)}, "
            f"{fmt(fit.beta.iloc[k - 1])})"
        )
        if left:
            caption += (
                f"; {left} group{'s' if left > 1 else ''} whose own line is not determined "
                f"(too few observations, or {_text(x)} constant in it) "
                f"{'are' if left > 1 else 'is'} not drawn"
            )
        if len(fit.x_names) > 1:
            caption += "; the ellipses are the marginal distribution of this pair"
        out.append(
            ReportFigure(
                stem,
                f"Intercepts and slopes of {_text(x)} shrunk together, by {_text(fit.group_name)}",
                _shrinkage_arrows_2d(start, sub),
                caption + ".",
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# The page


def _text(value: object) -> str:
    return str(value)


def _e(value: object) -> str:
    """Escape for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


_CSS = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
  sans-serif; color: #1b1b1b; background: #fff; margin: 0; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
code { font: .92em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #f3f4f6; padding: 0 .25em; border-radius: 3px; overflow-wrap: anywhere; }
.meta { color: #555; margin: .1rem 0; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { padding: .25rem .7rem; text-align: right; border-bottom: 1px solid #e5e5e5; }
th:first-child, td:first-child { text-align: left; }
#summary td { text-align: left; }
thead th { border-bottom: 2px solid #bbb; background: #fafafa; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #f8f9fb; }
.scroll { overflow: auto; max-height: 36rem; border: 1px solid #e5e5e5; }
.scroll table { margin: 0; width: 100%; }
caption { caption-side: bottom; text-align: left; color: #666; font-size: .85rem;
  padding-top: .2rem; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #333; font-size: .93rem; }
.note { background: #fff8e6; border-left: 4px solid #e69f00; padding: .4rem .8rem; }
footer { color: #666; font-size: .85rem; margin-top: 2.5rem; }
"""


_COLUMN_HELP = {
    "n_j": "group size",
    "ybar_j": "the group's mean response",
    "ybar_adj_j": "covariate-adjusted mean, ȳ_j − x̄_j′β̂",
    "lambda_j": "λ_j, the weight on the group's own data",
    "alpha_j": "partially pooled intercept α̂_j",
    "cond_sd_j": "conditional SD of α_j",
    "alpha_none_j": "no-pooling intercept",
    "alpha_complete_j": "complete-pooling intercept",
    "intercept_j": "partially pooled intercept",
    "a0_j": "conditional mode of the intercept deviation",
}


def _groups_table(table: pd.DataFrame, csv_name: str) -> list[str]:
    header = []
    for name in table.columns:
        tip = _COLUMN_HELP.get(str(name))
        if tip is None and str(name).startswith("slope_"):
            tip = "slope"
        header.append(f'<span title="{_e(tip)}">{_e(name)}</span>' if tip else _e(name))
    columns = []
    for name in table.columns:
        col = table[name]
        if name == "group":
            columns.append([_e(v) for v in col])
        elif pd.api.types.is_integer_dtype(col.dtype):
            columns.append([str(int(v)) for v in col])
        else:
            columns.append([fmt(v) for v in col.to_numpy(dtype=float)])
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    csv = table.to_csv(index=False)
    href = "data:text/csv;charset=utf-8," + quote(csv, safe=",.-_")
    return [
        f"<h2>Every group ({len(table)})</h2>",
        f'<p>The same table as CSV: <a download="{_e(csv_name)}" href="{href}">'
        f"{_e(csv_name)}</a> (full precision). Numbers below have 6 significant digits; "
        "hover over a column's name for its meaning.</p>",
        f'<div class="scroll">{html_table(header, rows, ident="groups")}</div>',
    ]


def _figure_html(fig: ReportFigure) -> str:
    data = base64.b64encode(fig.png()).decode("ascii")
    return (
        f'<figure id="figure-{_e(fig.name)}">'
        f'<img src="data:image/png;base64,{data}" alt="{_e(fig.alt)}">'
        f"<figcaption><strong>{_e(fig.title)}.</strong> {_e(fig.caption)}</figcaption>"
        "</figure>"
    )


def report_html(
    fit: PoolingFit | RandomSlopesFit,
    table: pd.DataFrame,
    figures: Sequence[ReportFigure] = (),
    *,
    source: str = "",
    command: str = "",
    notes: Sequence[str] = (),
    csv_name: str = "estimates.csv",
    generated: datetime.datetime | None = None,
) -> str:
    """One self-contained HTML page reporting a fit: summary, figures, every group.

    Parameters
    ----------
    fit : PoolingFit or RandomSlopesFit
        The fit (`partial_pooling.fit_random_intercept` or
        `partial_pooling.fit_random_slopes`).
    table : pandas.DataFrame
        One row per group, first column ``group`` (what the command line writes as CSV):
        shown in full, and attached to the page as a CSV download (a ``data:`` link).
    figures : sequence of ReportFigure
        Inlined as PNG data URIs with their alt text and a caption.
    source : str
        Where the data came from (a file name), shown at the top.
    command : str
        The command that made the report, shown at the top.
    notes : sequence of str
        Sentences shown as notes (a figure left out, and why).
    csv_name : str
        The file name the attached CSV downloads as.
    generated : datetime, optional
        When the report was made (now, in UTC, by default).

    Returns
    -------
    str
        The HTML document. It references nothing outside itself (no script, stylesheet,
        font or image is loaded), and every string from the data or the command line is
        escaped.
    """
    if table.empty or str(table.columns[0]) != "group":
        raise ValueError(
            "report_html needs a table with one row per group, its first column 'group'"
        )
    when = (generated or datetime.datetime.now(datetime.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    y, group = fit.y_name, fit.group_name
    summary = [fit.summary().html()]
    kind = (
        "Random-intercept model"
        if isinstance(fit, PoolingFit)
        else "Random intercept and slopes model"
    )
    title = f"Partial pooling: {y} by {group}"
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="partial-pooling {_e(__version__)}">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body><main>",
        f"<h1>Partial pooling of <code>{_e(y)}</code> by <code>{_e(group)}</code></h1>",
        f'<p class="meta">{_e(kind)} fitted by {_e(fit.method)}'
        + (f" to <code>{_e(source)}</code>" if source else "")
        + f", {_e(when)}, partial-pooling {_e(__version__)}.</p>",
    ]
    if command:
        head.append(f'<p class="meta">Command: <code>{_e(command)}</code></p>')
    body = list(summary)
    if notes:
        body += [f'<p class="note">{_e(note)}</p>' for note in notes]
    if figures:
        body.append("<h2>Figures</h2>")
        body += [_figure_html(fig) for fig in figures]
    body += _groups_table(table, csv_name)
    meaning = (
        "λ<sub>j</sub> = n<sub>j</sub>σ̂<sub>α</sub>² / (n<sub>j</sub>σ̂<sub>α</sub>² + "
        "σ̂<sub>y</sub>²) is the weight of a group's own data in its partially pooled "
        "intercept"
        if isinstance(fit, PoolingFit)
        else "Each group's intercept and slopes are the model's population values plus the "
        "group's conditional modes (lme4's <code>coef</code> and <code>ranef</code>)"
    )
    foot = [
        f"<footer>{meaning}; the log-likelihood uses lme4's constant. Made by the command "
        "line of the <code>partial_pooling</code> package; this page loads nothing from the "
        "internet.",
        "</footer>",
        "</main></body>",
        "</html>",
        "",
    ]
    return "\n".join(head + body + foot)
