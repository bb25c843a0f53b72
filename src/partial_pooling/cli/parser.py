"""The argument parser of ``partial-pooling``: its commands, options and help."""

from __future__ import annotations

import argparse
from typing import NoReturn, TypeAlias

from .. import __version__, datasets
from .common import EXIT_BAD_INPUT, PROG

__all__ = ["build_parser"]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            EXIT_BAD_INPUT,
            f"{PROG}: error: {message} (see `{self.prog} --help`)\n",
        )


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``partial-pooling``, with its commands ``fit`` and ``datasets``."""
    parser = _Parser(
        prog=PROG,
        description=(
            "Partial pooling on your own data: fit the random-intercept model "
            "y_ij = mu + x_ij'beta + a_j + e_ij (or, with --random-slopes, random intercepts "
            "and slopes) by REML or ML and write the partially pooled intercept (and slopes) "
            "of every group."
        ),
        epilog=(
            "Exit status: 0 on success, 2 on bad input (one line on standard error), 130 after "
            "Ctrl-C. An existing output file is replaced only with --force, never when it is "
            "the input; files are written whole or not at all. On a terminal, a status line "
            "on standard error shows the progress of long work; it is cleared at the end."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    fit = _add_fit(commands)
    _add_columns(fit)
    _add_outputs(fit)
    _add_datasets(commands)
    return parser


#: The subcommands' action (argparse's own type, which it names with a leading underscore;
#: generic for type checkers only).
Commands: TypeAlias = "argparse._SubParsersAction[_Parser]"


def _add_fit(commands: Commands) -> _Parser:
    """The ``fit`` command, its description and epilog (its options: `_add_columns`,
    `_add_outputs`)."""
    return commands.add_parser(
        "fit",
        help=(
            "fit the random-intercept (or random-slopes) model to a CSV file (one row per "
            "observation)"
        ),
        description=(
            "Fit y_ij = mu + x_ij'beta + a_j + e_ij, a_j ~ N(0, sigma_alpha^2), to a CSV file "
            "with one row per observation; print the fit and write one row per group. With "
            "--random-slopes x1 x2 ..., fit y_ij = (mu_0 + a_0j) + sum_k (mu_k + a_kj) x_kij + "
            "e_ij, (a_0j, a_1j, ...) ~ N(0, Sigma), instead."
        ),
        epilog=(
            "With --random-slopes the fixed slopes are exactly the random-slope columns: --x "
            "may be left out, and an --x naming other columns is an error. Each row of the "
            "output then holds the group's partially pooled intercept_j and slope_COL_j "
            "(mu + a_j) and the conditional modes a0_j and a_COL_j; --compare adds each "
            "group's own least-squares line (intercept_none_j, slope_COL_none_j: NaN where "
            "the group cannot determine it) and the one line of all the data "
            "(intercept_complete_j, slope_COL_complete_j). "
            "Only the named columns are read. Group labels are text: only an empty cell is a "
            "missing label (NA, None, null are labels). In numeric columns an empty cell, NA, "
            "nan, null, ... are missing values, which are reported, not dropped. Rows are "
            "reported by line number (the header is line 1). A used column whose name appears "
            "twice in the header is an error. "
            "--plot DIR and --report FILE.html are checked like --out before anything is "
            "read: an existing file is replaced only with --force, never the input, and two "
            "outputs may not be the same file. Example: partial-pooling fit radon.csv --y "
            "log_radon --group county --x floor --plot figures --report radon.html. "
            "With --formula the output has one row per level of each random term (term, "
            "level, n_j and the conditional modes b_NAME); --plot, --report and --compare "
            "are not available with it. Example: partial-pooling fit penicillin.csv "
            '--formula "diameter ~ 1 + (1 | plate) + (1 | sample)"'
        ),
    )


def _add_columns(fit: argparse.ArgumentParser) -> None:
    """``fit``'s input: the file, the columns by role, and the method."""
    fit.add_argument(
        "data", metavar="DATA.csv", help="CSV file, one row per observation; - reads standard input"
    )
    fit.add_argument(
        "--formula",
        metavar="FORMULA",
        help=(
            "the model as an lme4 formula instead of --y/--group/--x/--random-slopes, e.g. "
            '"y ~ x + C(f) + (x | g)", "y ~ 1 + (1 | g1) + (1 | g2)" (crossed) or '
            '"y ~ 1 + (1 | g1/g2)" (nested); grouping columns are read as text labels, the '
            "other columns as numbers if every value is one, else as a factor"
        ),
    )
    fit.add_argument(
        "--y", metavar="COL", help="response column (numeric); required without --formula"
    )
    fit.add_argument(
        "--group",
        metavar="COL",
        help="grouping column (read as text labels); required without --formula",
    )
    fit.add_argument(
        "--x",
        nargs="+",
        action="extend",
        default=None,  # a list default would be reset by a second --x under a subcommand
        metavar="COL",
        help="covariate column(s) with common slopes beta (numeric); --x a b or --x a --x b",
    )
    fit.add_argument(
        "--random-slopes",
        nargs="+",
        action="extend",
        default=None,
        metavar="COL",
        help=(
            "covariate column(s) whose slopes vary by group (numeric), with a random "
            "intercept; they are also the fixed slopes, so --x is not needed (an --x naming "
            "other columns is an error)"
        ),
    )
    fit.add_argument("--method", choices=["REML", "ML"], default="REML", help="default: REML")


def _add_outputs(fit: argparse.ArgumentParser) -> None:
    """``fit``'s outputs: the table, ``--force``, ``--compare``, the figures and the report."""
    fit.add_argument(
        "--out",
        default="estimates.csv",
        metavar="FILE.csv",
        help=(
            "where to write the per-group estimates (default: estimates.csv); - writes them to "
            "standard output and the summary to standard error"
        ),
    )
    fit.add_argument(
        "--force",
        action="store_true",
        help="replace the output file if it exists (never the input file)",
    )
    fit.add_argument(
        "--compare",
        action="store_true",
        help=(
            "also write the no-pooling and complete-pooling intercepts (with "
            "--random-slopes: intercepts and slopes)"
        ),
    )
    fit.add_argument(
        "--plot",
        metavar="DIR",
        help=(
            "also write the site's figures for this fit into the folder DIR (created if "
            "missing), each as PNG and SVG with its alt text: shrinkage_arrows (no to partial "
            "pooling), estimates_vs_size, lambda_vs_n; with --random-slopes, "
            "shrinkage_arrows_2d (one per random slope: shrinkage_arrows_2d_COL). Existing "
            "files are replaced only with --force"
        ),
    )
    fit.add_argument(
        "--report",
        metavar="FILE.html",
        help=(
            "also write one self-contained HTML page (summary, figures, every group's "
            "estimates; it loads nothing from the internet) to mail to a colleague"
        ),
    )


def _add_datasets(commands: Commands) -> None:
    """The ``datasets`` command: its names are those of `partial_pooling.datasets.NAMES`."""
    export = commands.add_parser(
        "datasets",
        help="write a bundled data set to a CSV file, to try `fit` on",
        description="Write one of the data sets shipped with the package to a CSV file.",
    )
    export.add_argument(
        "name",
        choices=datasets.NAMES,
        metavar="NAME",
        help="one of: " + ", ".join(datasets.NAMES),
    )
    export.add_argument(
        "--out",
        metavar="FILE.csv",
        help="output file (default: NAME.csv); - writes to standard output",
    )
    export.add_argument("--force", action="store_true", help="replace the output file if it exists")
