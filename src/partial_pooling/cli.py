"""The command line: partial pooling on your own data, from a CSV file.

Two commands (run ``partial-pooling --help``, or ``python -m partial_pooling --help``)::

    partial-pooling fit DATA.csv --y COL --group COL [--x COL ...] [--method REML|ML]
                        [--out estimates.csv] [--compare]
    partial-pooling datasets NAME [--out FILE.csv]

``fit`` reads one row per observation, fits the random-intercept model with
`partial_pooling.fit_random_intercept`, prints its summary and writes one row per group $j$
(see `estimates_table` for the columns). ``datasets`` writes one of the bundled data sets to a
CSV file, so there is something to try ``fit`` on at once.

Bad input (a missing or unreadable file, an unknown column, a non-numeric response, ...) prints
one line naming the problem on standard error and exits with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn

import pandas as pd

from . import __version__, datasets
from .estimation import PoolingFit, complete_pooling, fit_random_intercept, no_pooling

__all__ = ["DATASETS", "estimates_table", "main", "read_data"]

PROG = "partial-pooling"
EXIT_BAD_INPUT = 2


@dataclass(frozen=True)
class _Dataset:
    """A bundled data set and the model the site fits to it (a suggestion for ``fit``)."""

    load: Callable[[], pd.DataFrame]
    y: str
    group: str
    x: tuple[str, ...] = ()
    note: str = ""

    def command(self, path: str) -> str:
        """The ``fit`` command line for this data set, written to ``path``."""
        words = [PROG, "fit", _quote(path), "--y", self.y, "--group", self.group]
        if self.x:
            words += ["--x", *self.x]
        return " ".join(words)


#: The data sets ``partial-pooling datasets NAME`` can export, with the model the site fits.
DATASETS: dict[str, _Dataset] = {
    "radon": _Dataset(datasets.radon, "log_radon", "county", ("floor",)),
    "sleepstudy": _Dataset(datasets.sleepstudy, "Reaction", "Subject", ("Days",)),
    "dyestuff": _Dataset(datasets.dyestuff, "Yield", "Batch"),
    "dyestuff2": _Dataset(datasets.dyestuff2, "Yield", "Batch"),
    "efron_morris": _Dataset(
        datasets.efron_morris,
        "average",
        "name",
        note=(
            "efron_morris has one row per player (each player's batting average over 45 "
            "at-bats), not one row per observation, so `fit` cannot use it as it stands: every "
            "group would have a single observation"
        ),
    ),
}


def _quote(path: str) -> str:
    return f"'{path}'" if any(c.isspace() for c in path) else path


class BadInput(Exception):
    """A problem with the user's input: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            EXIT_BAD_INPUT,
            f"{PROG}: error: {message} (see `{self.prog} --help`)\n",
        )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Partial pooling on your own data: fit the random-intercept model "
            "y_ij = mu + x_ij'beta + a_j + e_ij by REML or ML and write the partially pooled "
            "intercept of every group."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    fit = commands.add_parser(
        "fit",
        help="fit the random-intercept model to a CSV file (one row per observation)",
        description=(
            "Fit y_ij = mu + x_ij'beta + a_j + e_ij, a_j ~ N(0, sigma_alpha^2), to a CSV file "
            "with one row per observation; print the fit and write one row per group."
        ),
    )
    fit.add_argument("data", metavar="DATA.csv", help="CSV file, one row per observation")
    fit.add_argument("--y", required=True, metavar="COL", help="response column (numeric)")
    fit.add_argument(
        "--group", required=True, metavar="COL", help="grouping column (read as text labels)"
    )
    fit.add_argument(
        "--x",
        nargs="+",
        action="extend",
        default=None,  # a list default would be reset by a second --x under a subcommand
        metavar="COL",
        help="covariate column(s) with common slopes beta (numeric); --x a b or --x a --x b",
    )
    fit.add_argument("--method", choices=["REML", "ML"], default="REML", help="default: REML")
    fit.add_argument(
        "--out",
        default="estimates.csv",
        metavar="FILE.csv",
        help="where to write the per-group estimates (default: estimates.csv)",
    )
    fit.add_argument(
        "--compare",
        action="store_true",
        help="also write the no-pooling and complete-pooling intercepts",
    )

    export = commands.add_parser(
        "datasets",
        help="write a bundled data set to a CSV file, to try `fit` on",
        description="Write one of the data sets shipped with the package to a CSV file.",
    )
    export.add_argument(
        "name",
        choices=sorted(DATASETS),
        metavar="NAME",
        help="one of: " + ", ".join(sorted(DATASETS)),
    )
    export.add_argument("--out", metavar="FILE.csv", help="output file (default: NAME.csv)")
    return parser


def read_data(path: str, group: str) -> pd.DataFrame:
    """Read a CSV file of observations, the group column as text labels.

    Parameters
    ----------
    path : str
        The CSV file: a header line, then one row per observation.
    group : str
        The grouping column; read as strings, so that labels such as ``"007"`` or ``"308"``
        keep their spelling (and the labels sort as text).

    Returns
    -------
    pandas.DataFrame
        As parsed by `pandas.read_csv` (whose float parser, from pandas 3, reads back a file
        written by pandas bit for bit).

    Raises
    ------
    BadInput
        If the file is missing, not a file, unreadable or not parseable as CSV.
    """
    try:
        return pd.read_csv(path, dtype={group: str})
    except FileNotFoundError:
        raise BadInput(f"no such file: {path!r}") from None
    except IsADirectoryError:
        raise BadInput(f"{path!r} is a directory, not a CSV file") from None
    except pd.errors.EmptyDataError:
        raise BadInput(
            f"{path!r} is empty: expected a header line and one row per observation"
        ) from None
    except (OSError, ValueError) as exc:  # ParserError and UnicodeDecodeError are ValueErrors
        raise BadInput(f"cannot read {path!r} as CSV: {_one_line(exc)}") from None


def estimates_table(
    fit: PoolingFit, *, compare: bool = False, data: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per group $j$: the partial-pooling estimates in the site's notation.

    Parameters
    ----------
    fit : PoolingFit
        A partial-pooling fit (`partial_pooling.fit_random_intercept`).
    compare : bool
        Also add the no-pooling and complete-pooling intercepts (needs ``data``).
    data : pandas.DataFrame, optional
        The data ``fit`` was fitted to; required when ``compare`` is true.

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (the label), ``n_j``, ``ybar_j`` ($\\bar y_j$), ``ybar_adj_j``
        ($\\bar y_j - \\bar x_j'\\hat\\beta$, equal to ``ybar_j`` without covariates),
        ``lambda_j`` ($\\lambda_j = n_j\\hat\\psi/(1 + n_j\\hat\\psi)$), ``alpha_j``
        ($\\hat\\alpha_j = \\lambda_j(\\bar y_j - \\bar x_j'\\hat\\beta) + (1-\\lambda_j)\\hat\\mu$)
        and ``cond_sd_j`` ($\\hat\\sigma_\\alpha\\sqrt{1-\\lambda_j}$); with ``compare``, also
        ``alpha_none_j`` (no pooling, `partial_pooling.no_pooling`) and ``alpha_complete_j``
        (complete pooling, $\\hat\\mu$ of ordinary least squares).

    Raises
    ------
    ValueError
        With ``compare``, when no pooling is not defined (a covariate constant within every
        group).
    """
    table = pd.DataFrame(
        {
            "n_j": fit.n,
            "ybar_j": fit.ybar,
            "ybar_adj_j": fit.adjusted_ybar,
            "lambda_j": fit.shrinkage,
            "alpha_j": fit.alpha,
            "cond_sd_j": fit.cond_sd,
        }
    )
    if compare:
        if data is None:
            raise ValueError("estimates_table(compare=True) needs the data")
        x = fit.x_names or None
        try:
            none = no_pooling(data, fit.y_name, fit.group_name, x)
        except ValueError as exc:
            raise ValueError(
                f"--compare: no pooling is not defined here ({exc}); drop --compare"
            ) from None
        complete = complete_pooling(data, fit.y_name, fit.group_name, x)
        table["alpha_none_j"] = none.alpha.reindex(table.index)
        table["alpha_complete_j"] = complete.alpha.reindex(table.index)
    table.index.name = "group"
    return table.reset_index()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _write_csv(table: pd.DataFrame, path: str) -> None:
    try:
        table.to_csv(path, index=False)
    except OSError as exc:
        raise BadInput(f"cannot write {path!r}: {exc.strerror or _one_line(exc)}") from None


def _fit(args: argparse.Namespace) -> None:
    data = read_data(args.data, args.group)
    try:
        fit = fit_random_intercept(data, args.y, args.group, args.x or None, method=args.method)
        table = estimates_table(fit, compare=args.compare, data=data)
    except ValueError as exc:
        raise BadInput(f"{args.data}: {_one_line(exc)}") from None
    _write_csv(table, args.out)
    print(fit.summary())
    print()
    print(f"Wrote {fit.J} groups ({', '.join(table.columns)}) to {args.out}")


def _datasets(args: argparse.Namespace) -> None:
    entry = DATASETS[args.name]
    out = args.out or f"{args.name}.csv"
    frame = entry.load()
    _write_csv(frame, out)
    print(f"Wrote {len(frame)} rows ({', '.join(map(str, frame.columns))}) to {out}")
    if entry.note:
        print(f"Note: {entry.note}.")
    else:
        print(f"Try: {entry.command(out)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit status: 0 on success, 2 on bad input (after one line on standard error).
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else 0
    try:
        if args.command == "fit":
            _fit(args)
        else:
            _datasets(args)
    except BadInput as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0
