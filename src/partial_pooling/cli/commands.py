"""The commands ``fit`` and ``datasets``, and `main`, which parses the arguments and runs one.

`main` turns everything that can end a run into an exit status and at most one line on
standard error: bad input (`partial_pooling.cli.common.BadInput`), stop signals
(`partial_pooling.cli.signals`), a closed pipe.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from .. import datasets
from ..fits import PoolingFit, RandomSlopesFit
from ..formula import fit as fit_formula
from ..formula_syntax import parse_formula
from ..grouped import group_data
from ..model import Model
from ..validation import SingularFitWarning
from .common import EXIT_BAD_INPUT, EXIT_BROKEN_PIPE, PROG, STDIN, BadInput, one_line, source_name
from .csv_reader import Columns, Data, read_columns
from .drawing import Plots, draw_figures, matplotlib_ready, plan_plots, write_plots
from .output import (
    Output,
    check_distinct_outputs,
    plan_output,
    plan_report,
    report_stream,
    write_csv,
    write_file,
    written_to,
)
from .parser import build_parser
from .progress import Progress
from .signals import Terminated, reraise_arrived_signal, signals_as_exceptions
from .streams import (
    check_standard_streams,
    closed_stderr_discarded,
    silence,
    standard_stream,
    tell,
    tolerate_unencodable_text,
)
from .tables import Limits, intercepts_table, random_slopes_table

if TYPE_CHECKING:
    from ..report import ReportFigure

__all__ = ["DATASETS", "main"]


@dataclass(frozen=True)
class _Dataset:
    """A bundled data set (`partial_pooling.datasets`) and the model the site fits to it (a
    suggestion for ``fit``)."""

    name: str  # one of `partial_pooling.datasets.NAMES`
    y: str = ""
    group: str = ""
    x: tuple[str, ...] = ()
    note: str = ""
    formula: str = ""  # the model as a formula instead of y, group and x

    def load(self) -> pd.DataFrame:
        """The data set, as `partial_pooling.datasets` loads it."""
        return datasets.load(self.name)

    def command(self, path: str) -> str:
        """The ``fit`` command line for this data set, written to ``path``."""
        if self.formula:
            return " ".join([PROG, "fit", _quote(path), "--formula", shlex.quote(self.formula)])
        words = [PROG, "fit", _quote(path), "--y", self.y, "--group", self.group]
        if self.x:
            words += ["--x", *self.x]
        return " ".join(words)


_SUGGESTIONS = (
    _Dataset("radon", "log_radon", "county", ("floor",)),
    _Dataset("sleepstudy", "Reaction", "Subject", ("Days",)),
    _Dataset("dyestuff", "Yield", "Batch"),
    _Dataset("dyestuff2", "Yield", "Batch"),
    _Dataset(
        "efron_morris",
        "average",
        "name",
        note=(
            "efron_morris has one row per player (each player's batting average over 45 "
            "at-bats), not one row per observation, so `fit` cannot use it as it stands: every "
            "group would have a single observation"
        ),
    ),
    _Dataset(
        "eight_schools",
        "y",
        "school",
        note=(
            "eight_schools has one row per school (its estimated effect and a known standard "
            "error), not one row per observation, so `fit` cannot use it: the model with known "
            "standard errors is partial_pooling.known_variance in Python"
        ),
    ),
    _Dataset(
        "cbpp",
        "incidence",
        "herd",
        note=(
            "cbpp's response is a count of cases out of the herd's size (a binomial outcome), "
            "which `fit`, for a normal response, does not model: use "
            "partial_pooling.fit_binomial in Python"
        ),
    ),
    _Dataset("penicillin", formula="diameter ~ 1 + (1 | plate) + (1 | sample)"),
    _Dataset("pastes", formula="strength ~ 1 + (1 | batch/cask)"),
    _Dataset("orthodont", formula="distance ~ age + Sex + (age | Subject)"),
    _Dataset("oats", formula="yield ~ nitro + Variety + (1 | Block/Variety)"),
)

#: The data sets ``partial-pooling datasets NAME`` can export (`partial_pooling.datasets.NAMES`),
#: with the model the site fits to each.
DATASETS: dict[str, _Dataset] = {entry.name: entry for entry in _SUGGESTIONS}


def _quote(path: str) -> str:
    """``path`` quoted for a shell if it holds white space."""
    return f"'{path}'" if any(c.isspace() for c in path) else path


def _restated(exc: ValueError, data: Data, columns: Columns) -> ValueError:
    """The package's error again, with exact line numbers if the first message could not have
    them (a record spanning lines, or blank lines, in a file that can be read again)."""
    if data.lines.exact or not data.lines.rereadable:
        return exc
    index = data.lines.exact_index()
    if index is None:
        return exc
    data.frame.index = index
    try:
        group_data(data.frame, y=columns.y, group=columns.group, x=list(columns.x) or None)
    except ValueError as again:
        return again
    return exc


def _utf8(name: str) -> str:
    """A column name as typed: UTF-8, even where Python decoded the command line as ASCII.

    Under the C locale with UTF-8 mode and locale coercion turned off, ``réponse`` arrives as
    ``'r\\udcc3\\udca9ponse'``; the header is read as UTF-8, so the name is decoded likewise.
    """
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return name


def _covariates(args: argparse.Namespace) -> tuple[tuple[str, ...], bool]:
    """The covariate columns, and whether their slopes vary by group (``--random-slopes``).

    The random-slopes model has exactly its random-slope covariates as fixed slopes too, so
    ``--x`` may repeat them (in any order) but may not name other columns.
    """
    x = tuple(map(_utf8, args.x or ()))
    slopes = tuple(map(_utf8, args.random_slopes or ()))
    if not slopes:
        return x, False
    if x and sorted(x) != sorted(slopes):
        raise BadInput(
            f"--x {' '.join(map(repr, x))} and --random-slopes {' '.join(map(repr, slopes))} "
            "name different columns: with --random-slopes the fixed slopes are exactly the "
            "random-slope columns; drop --x (or list every covariate in --random-slopes)"
        )
    if "Intercept" in slopes:
        raise BadInput(
            "--random-slopes: a covariate named 'Intercept' would clash with the fit's "
            "intercept; rename the column"
        )
    return slopes, True


def _command_line(argv: Sequence[str] | None) -> str:
    """The command as typed (for the report), quoted for a shell."""
    words = list(sys.argv[1:] if argv is None else argv)
    return shlex.join([PROG, *words])


@dataclass(frozen=True)
class _Outputs:
    """Every file ``fit`` writes, planned before anything is read."""

    table: Output  # --out
    plots: Plots | None  # --plot
    report: Output | None  # --report

    @property
    def draws(self) -> bool:
        """Whether a figure is wanted (``--plot`` or ``--report``)."""
        return self.plots is not None or self.report is not None


@dataclass
class _Fitted:
    """The fit, its per-group table, and the figures drawn for it (with notes on any left out)."""

    fit: PoolingFit | RandomSlopesFit
    table: pd.DataFrame
    figures: list[ReportFigure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _plan_outputs(args: argparse.Namespace, slopes: Sequence[str]) -> _Outputs:
    """Check ``--out``, ``--plot`` and ``--report`` (`partial_pooling.cli.output`)."""
    table = plan_output(args.out, args.force, args.data)
    plots = plan_plots(args.plot, slopes, args.force, args.data)
    report = plan_report(args.report, args.force, args.data)
    check_distinct_outputs(
        [table, *([] if plots is None else plots.files.values()), *([report] if report else [])]
    )
    return _Outputs(table, plots, report)


def _fit_data(
    args: argparse.Namespace,
    columns: Columns,
    random_slopes: bool,
    draw: bool,
    progress: Progress,
) -> _Fitted:
    """Read the data, fit the model, make the table and (if ``draw``) the figures.

    The package's ValueError (a missing value, a single group, ...) becomes BadInput, with the
    lines of the file it names.
    """
    data = read_columns(args.data, columns, progress)
    progress.show(f"fitting by {args.method}: {len(data.frame):,} rows", now=True)
    fit: PoolingFit | RandomSlopesFit
    try:
        # the data are checked and grouped once: the fit, --compare and the figures share it
        model = Model(data.frame, y=columns.y, group=columns.group, x=list(columns.x) or None)
        limits = Limits(model)
        if random_slopes:
            fit = model.fit_random_slopes(method=args.method)
            table = random_slopes_table(fit, limits=limits if args.compare else None)
        else:
            fit = model.fit(method=args.method)
            table = intercepts_table(fit, limits if args.compare else None)
        fitted = _Fitted(fit, table)
        if draw:
            progress.show("comparing with no and complete pooling", now=True)
            fitted.figures, fitted.notes = draw_figures(fit, limits)
    except ValueError as exc:
        raise BadInput(f"{data.source}: {one_line(_restated(exc, data, columns))}") from None
    return fitted


def _images(fitted: _Fitted, outputs: _Outputs, progress: Progress) -> dict[tuple[str, str], bytes]:
    """Each figure as PNG (for the report and ``--plot``) and SVG (for ``--plot``)."""
    images: dict[tuple[str, str], bytes] = {}
    for k, figure in enumerate(fitted.figures, 1):
        progress.show(f"drawing figure {k} of {len(fitted.figures)}: {figure.name}", now=True)
        images[figure.name, "png"] = figure.png()
        if outputs.plots is not None:
            images[figure.name, "svg"] = figure.svg()
    return images


def _report_page(
    fitted: _Fitted, outputs: _Outputs, args: argparse.Namespace, argv: Sequence[str] | None
) -> str:
    """The ``--report`` page (`partial_pooling.report.report_html`)."""
    matplotlib_ready()
    from ..report import report_html

    return report_html(
        fitted.fit,
        fitted.table,
        fitted.figures,
        source=source_name(args.data),
        command=_command_line(argv),
        notes=fitted.notes,
        csv_name=os.path.basename(outputs.table.path or "") or "estimates.csv",
    )


def _write_outputs(
    outputs: _Outputs,
    table: pd.DataFrame,
    images: dict[tuple[str, str], bytes],
    page: str,
    progress: Progress,
) -> None:
    """Write the table, the figures and the report where `_plan_outputs` planned them."""
    progress.show(f"writing {written_to(outputs.table)}", now=True)
    write_csv(table, outputs.table)
    if outputs.plots is not None:
        plots = outputs.plots
        write_plots(plots, {key: images[key] for key in plots.files if key in images})
    if outputs.report is not None:
        write_file(outputs.report, page.encode("utf-8"))


def _fit_summary(fitted: _Fitted, outputs: _Outputs, page: str) -> tuple[list[str], list[str]]:
    """What ``fit`` tells: the fit's summary and what was written; and the files written."""
    table = fitted.table
    lines = [
        fitted.fit.summary(),
        "",
        f"Wrote {len(table)} groups ({', '.join(table.columns)}) to {written_to(outputs.table)}",
    ]
    files = [] if outputs.table.path is None else [outputs.table.shown]
    if outputs.plots is not None:
        drawn = fitted.figures
        written = ", ".join(figure.name for figure in drawn)
        folder = os.path.join(outputs.plots.shown, "")
        count = f"{len(drawn)} figure{'' if len(drawn) == 1 else 's'}"
        lines.append(f"Wrote {count} as PNG and SVG to {folder}: {written}")
        files.append(folder)
    if outputs.report is not None:
        size = len(page.encode("utf-8"))
        lines.append(f"Wrote the report to {outputs.report.shown} ({size / 1024:,.0f} KB)")
        files.append(outputs.report.shown)
    lines += [f"Note: {note}" for note in fitted.notes]
    if fitted.fit.singular:
        lines.append(_SINGULAR)
    return lines, files


def _formula_columns(args: argparse.Namespace) -> Columns:
    """The columns ``--formula`` uses, by role (`partial_pooling.formula_syntax`); the
    options it replaces, and those it does not offer, are errors."""
    others = [
        flag
        for flag, value in [
            ("--y", args.y),
            ("--group", args.group),
            ("--x", args.x),
            ("--random-slopes", args.random_slopes),
            ("--compare", args.compare),
            ("--plot", args.plot),
            ("--report", args.report),
        ]
        if value
    ]
    if others:
        raise BadInput(
            f"--formula names every column and has no {others[0]}: drop {' '.join(others)} "
            "(--compare, --plot and --report are not available with --formula)"
        )
    try:
        parsed = parse_formula(_utf8(args.formula))
        response, factors, rest = parsed.columns()
    except ValueError as exc:
        raise BadInput(f"--formula: {one_line(exc)}") from None
    if len(response) != 1:
        raise BadInput(
            f"--formula: the response {parsed.response!r} must use one column, it uses "
            f"{len(response)}"
        )
    if not factors:
        raise BadInput(f"--formula {parsed.text!r} has no random term, e.g. (1 | g)")
    return Columns(
        response[0],
        factors[0],
        (),
        labels=tuple(factors[1:]),
        auto=tuple(rest),
        flag="--formula",
    )


def _fit_formula(args: argparse.Namespace) -> None:
    """``partial-pooling fit --formula``: plan the output, read, fit, write, and tell."""
    columns = _formula_columns(args)
    output = plan_output(args.out, args.force, args.data)
    with Progress(sys.stderr) as progress:
        data = read_columns(args.data, columns, progress)
        progress.show(f"fitting by {args.method}: {len(data.frame):,} rows", now=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SingularFitWarning)  # a line below says it
                fit = fit_formula(_utf8(args.formula), data.frame, method=args.method)
            table = fit.group_table()
        except ValueError as exc:
            raise BadInput(f"{data.source}: {one_line(exc)}") from None
        progress.show(f"writing {written_to(output)}", now=True)
        write_csv(table, output)
    lines = [
        fit.summary(),
        "",
        f"Wrote {len(table)} rows ({', '.join(table.columns)}) to {written_to(output)}",
    ]
    if fit.singular:
        lines.append(_SINGULAR)
    tell(report_stream(output), lines, [] if output.path is None else [output.shown])


#: The warning line after a singular fit's summary.
_SINGULAR = (
    "Warning: boundary (singular) fit: a variance is estimated at 0 or a correlation at +-1 "
    "(see the note above); the data do not support every random effect of this model"
)


def _fit(args: argparse.Namespace, argv: Sequence[str] | None = None) -> None:
    """``partial-pooling fit``: plan the outputs, read, fit, draw, write, and tell."""
    if args.formula is not None:
        _fit_formula(args)
        return
    missing = [flag for flag, value in [("--y", args.y), ("--group", args.group)] if not value]
    if missing:
        raise BadInput(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} required "
            "(or give the model as --formula)"
        )
    x, random_slopes = _covariates(args)

    outputs = _plan_outputs(args, x if random_slopes else ())
    flag = "--random-slopes" if random_slopes else "--x"
    columns = Columns(_utf8(args.y), _utf8(args.group), x, x_flag=flag)
    with Progress(sys.stderr) as progress:
        fitted = _fit_data(args, columns, random_slopes, outputs.draws, progress)
        images = _images(fitted, outputs, progress)
        page = ""
        if outputs.report is not None:
            progress.show("writing the report", now=True)
            page = _report_page(fitted, outputs, args, argv)
        _write_outputs(outputs, fitted.table, images, page, progress)
    lines, files = _fit_summary(fitted, outputs, page)
    tell(report_stream(outputs.table), lines, files)


def _datasets(args: argparse.Namespace) -> None:
    """``partial-pooling datasets``: write a bundled data set, and suggest a ``fit``."""
    entry = DATASETS[args.name]
    output = plan_output(args.out or f"{args.name}.csv", args.force)
    frame = entry.load()
    write_csv(frame, output)
    columns = ", ".join(map(str, frame.columns))
    lines = [f"Wrote {len(frame)} rows ({columns}) to {written_to(output)}"]
    if entry.note:
        lines.append(f"Note: {entry.note}.")
    elif output.path is None:
        fit = entry.command(STDIN)
        lines.append(f"Try: {PROG} datasets {args.name} --out - | {fit}")
    else:
        lines.append(f"Try: {entry.command(output.shown)}")
    tell(report_stream(output), lines, [] if output.path is None else [output.shown])


def _run(argv: Sequence[str] | None) -> int:
    """Parse the arguments and run the command; bad input is one line (exit status 2)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else 0
    try:
        check_standard_streams(args)
        if args.command == "fit":
            _fit(args, argv)
        else:
            _datasets(args)
        with standard_stream(sys.stdout):
            sys.stdout.flush()  # a closed pipe shows here, inside main, not at interpreter exit
    except BadInput as exc:
        return _stop(f"error: {exc}", EXIT_BAD_INPUT)
    return 0


def _stop(message: str, status: int) -> int:
    """Print ``message`` on standard error (if it is open) and return ``status``."""
    if sys.stderr is None:  # closed (``2>&-``): print would write to standard output
        return status
    with contextlib.suppress(OSError):
        print(f"{PROG}: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit status: 0 on success; 2 on bad input (after one line on standard error); 130
        after Ctrl-C, 143 after SIGTERM, 129 after SIGHUP (after one line on standard error,
        with no partial output file left behind); 141 when standard output is a pipe closed
        early (quietly).
    """
    tolerate_unencodable_text()
    try:
        with closed_stderr_discarded(), signals_as_exceptions():
            status = _run(argv)
            reraise_arrived_signal()  # one a library swallowed
            return status
    except KeyboardInterrupt:
        return _stop("interrupted", 128 + signal.SIGINT)
    except Terminated as exc:
        return _stop(f"terminated ({exc})", 128 + exc.signum)
    except BrokenPipeError:
        silence(sys.stdout)
        return EXIT_BROKEN_PIPE
