"""The command line: partial pooling on your own data, from a CSV file.

Two commands (run ``partial-pooling --help``, or ``python -m partial_pooling --help``)::

    partial-pooling fit DATA.csv --y COL --group COL [--x COL ... | --random-slopes COL ...]
                        [--method REML|ML] [--out estimates.csv] [--force] [--compare]
                        [--plot DIR] [--report FILE.html]
    partial-pooling datasets NAME [--out FILE.csv] [--force]

``fit`` reads one row per observation, fits the random-intercept model with
`partial_pooling.fit_random_intercept`, prints its summary and writes one row per group $j$
(see `estimates_table` for the columns). With ``--random-slopes COL ...`` it fits a random
intercept and correlated random slopes of those covariates instead
(`partial_pooling.fit_random_slopes`), writing each group's partially pooled intercept and
slopes and their conditional modes: the fixed slopes are then exactly the random-slope
columns, so an ``--x`` naming other columns is an error. ``datasets`` writes one of the
bundled data sets to a CSV file, so there is something to try ``fit`` on at once. ``-`` as
``DATA.csv`` reads standard input; ``--out -`` writes the table to standard output (the
summary then goes to standard error). ``--plot DIR`` also writes the site's figures for the
fit into ``DIR`` as PNG and SVG files, and ``--report FILE.html`` one self-contained HTML page
with the summary, the figures and every group's estimates (`partial_pooling.report`); only
they import matplotlib, which gets a temporary folder, removed at exit, when MPLCONFIGDIR is
unset and its usual one cannot be written (an unwritable home folder). On a terminal, a
one-line status on standard error shows what it is doing (reading, with the share of the file
read; fitting; drawing); it is wiped at the end, and nothing of it is written when standard
error is not a terminal.

The command line never destroys data (``--plot`` and ``--report`` files are outputs like
``--out``, all checked before anything is read; two outputs may not be the same file):

- an output file that is the input file (however it is spelled: relative, absolute, through a
  symbolic or a hard link) is refused before anything is read or written, even with
  ``--force``;
- an existing output file is replaced only with ``--force``;
- the output is written to a temporary file in the target's folder, flushed to disk and then
  renamed onto the target, so an interrupted or failed run leaves the previous file as it was
  and no partial file behind (a replaced file keeps its permissions).

How a CSV file is read (`read_data`): only the columns used are parsed; the group column is
read as text labels, and only an empty cell is a missing label (``NA``, ``None``, ``null``,
``nan`` are labels: Namibia, or a person called None); in the numeric columns pandas' usual
missing-value strings (``NA``, ``nan``, an empty cell, ...) are missing values, which the fit
reports. A used column whose name appears twice in the header is an error; duplicated names
among the unused columns are ignored. Rows are reported by the line numbers a text editor
shows (the header is line 1).

Exit status: 0 on success; 2 on bad input (a missing or unreadable file, an unknown column, a
non-numeric response, an output that would destroy data or names a folder or a symbolic link
to nothing, standard output full or closed, ...), after one line naming the problem on
standard error, never a traceback; 130 after Ctrl-C (SIGINT), 143 after SIGTERM and
129 after SIGHUP, with one line on standard error; 141 when standard output is a pipe closed
early (``| head``), silently.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import csv
import difflib
import functools
import io
import math
import os
import shlex
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, BinaryIO, NoReturn, TextIO

import numpy as np
import pandas as pd

from . import __version__, datasets
from .estimation import PoolingFit
from .grouped import group_data
from .model import Model
from .random_slopes import RandomSlopesFit

if TYPE_CHECKING:  # imported when needed: it imports matplotlib (see `_matplotlib_ready`)
    from .report import ReportFigure

__all__ = ["DATASETS", "estimates_table", "main", "read_data"]

PROG = "partial-pooling"
EXIT_BAD_INPUT = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as if killed by it, like `yes | head -1`
STDIN = "-"

#: pandas' default missing-value strings (`pandas.read_csv`, ``na_values``): missing in the
#: numeric columns. The group column treats only an empty cell as missing.
NUMERIC_NA = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip

_CHUNK_FIELDS = 1 << 21  # fields tokenized per chunk of rows: bounds the reader's memory
_HEADER_MAX_LINES = 1000  # a header record longer than this has an unbalanced quote


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


class _Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (removing any temporary file) and exit 128 + signal.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` on the way (in a
    library, say) swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


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

    fit = commands.add_parser(
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
            "log_radon --group county --x floor --plot figures --report radon.html"
        ),
    )
    fit.add_argument(
        "data", metavar="DATA.csv", help="CSV file, one row per observation; - reads standard input"
    )
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
    export.add_argument(
        "--out",
        metavar="FILE.csv",
        help="output file (default: NAME.csv); - writes to standard output",
    )
    export.add_argument("--force", action="store_true", help="replace the output file if it exists")
    return parser


# ---------------------------------------------------------------------------------------------
# Reading a CSV file as its author meant it


def _source_name(path: str) -> str:
    return "standard input" if path == STDIN else path


@dataclass
class _Lines:
    """How data records map to the line numbers a text editor shows.

    ``exact`` when every record after the header is one line and no blank line is skipped
    between them (checked by counting line breaks); otherwise a regular file is scanned again
    with the `csv` module when a line number is needed, and standard input falls back to data
    row numbers (1 for the first record after the header).
    """

    path: str
    first: int  # line number of the first data record, when exact
    records: int = 0
    exact: bool = True
    rereadable: bool = False

    def index(self) -> pd.Index:
        """The data frame's index: line numbers when exact, else data row numbers."""
        if self.exact:
            return pd.RangeIndex(self.first, self.first + self.records, name="line")
        return pd.RangeIndex(1, self.records + 1, name="data row")

    def exact_index(self) -> pd.Index | None:
        """Line numbers of every record, scanning the file again if needed; None if unknown."""
        if self.exact:
            return self.index()
        if not self.rereadable:
            return None
        lines = _record_lines(self.path, self.records)
        return None if lines is None else pd.Index(lines, name="line")

    def where(self, record: int) -> str:
        """``"line N"`` for a record (0-based), or ``"data row N"`` if the line is unknown."""
        if self.exact:
            return f"line {self.first + record}"
        lines = _record_lines(self.path, record + 1) if self.rereadable else None
        if lines is not None and len(lines) > record:
            return f"line {lines[record]}"
        return f"data row {record + 1}"


def _is_blank(record: list[str]) -> bool:
    """A line pandas skips (``skip_blank_lines``): empty, or white space only."""
    return not record or (len(record) == 1 and not record[0].strip())


def _record_lines(path: str, stop: int) -> np.ndarray | None:
    """First line of each of the first ``stop`` data records, by a `csv` module pass.

    Slow (pure Python), so only used when a line number is needed and the cheap count says that
    a record spans lines or blank lines lie between records. None if the file cannot be read
    again or has fewer records.
    """
    starts: list[int] = []
    try:
        with (
            open(path, encoding="utf-8-sig", errors="replace", newline="") as stream,
            _csv_field_limit(),
        ):
            reader = csv.reader(stream)
            header_seen, previous = False, 0
            for record in reader:
                line, previous = previous + 1, reader.line_num
                if _is_blank(record):
                    continue
                if not header_seen:
                    header_seen = True
                    continue
                starts.append(line)
                if len(starts) == stop:
                    break
    except (OSError, csv.Error):
        return None
    return np.array(starts) if len(starts) == stop else None


@contextlib.contextmanager
def _csv_field_limit() -> Iterator[None]:
    """Lift the `csv` module's 128 KB field limit (pandas has none) for the duration."""
    previous = csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


@dataclass
class _Head:
    """The header record, and the first data record, read with the `csv` module."""

    names: list[str]
    raw: bytes  # the bytes consumed, handed on to pandas before the rest of the stream
    header_lines: int  # physical lines up to and including the header
    first_fields: int | None  # fields of the first data record (None: none, or not found)
    first_line: int  # the line the first data record starts on
    whole: bool = True  # the bytes consumed end where a record ends


class _LongRecord(Exception):
    """A record runs on for more than `_HEADER_MAX_LINES` lines (an unbalanced quote?)."""


def _next_record(
    reader: Iterator[list[str]], line_num: Callable[[], int]
) -> tuple[list[str] | None, int]:
    """The next record that is not blank (pandas skips those) and the line it starts on."""
    while True:
        start = line_num() + 1
        record = next(reader, None)
        if record is None or not _is_blank(record):
            return record, start


def _old_mac_line_ends(raw: bytes) -> bool:
    """Whether lines end in a lone carriage return (classic Mac OS), not in LF or CRLF.

    ``readline`` then reads the whole file as one line, in which the `csv` module finds a
    "new-line character seen in unquoted field".
    """
    return raw.count(b"\r") > raw.count(b"\r\n")


def _read_head(stream: BinaryIO, source: str) -> _Head:
    """Read the header record and the first data record (skipping blank lines, as pandas does).

    The header is decoded strictly as UTF-8 (its names must match); the first data record is
    only counted, so a stray byte there is left for pandas to judge.
    """
    consumed: list[bytes] = []
    errors = "strict"

    def lines() -> Iterator[str]:
        limit = len(consumed) + _HEADER_MAX_LINES
        while True:
            raw = stream.readline()
            if not raw:
                return
            consumed.append(raw)
            if len(consumed) > limit:
                raise _LongRecord
            yield raw.decode("utf-8-sig" if len(consumed) == 1 else "utf-8", errors)

    reader = csv.reader(lines())
    with _csv_field_limit():
        try:
            header, _ = _next_record(reader, lambda: reader.line_num)
        except UnicodeDecodeError as exc:
            raise BadInput(f"cannot read {source}: it is not UTF-8 text ({exc.reason})") from None
        except csv.Error as exc:
            if _old_mac_line_ends(b"".join(consumed)):
                raise BadInput(
                    f"cannot read {source}: old Mac line ends (CR only): convert to LF or CRLF"
                ) from None
            raise BadInput(f"cannot read {source} as CSV: {_one_line(exc)}") from None
        except _LongRecord:
            raise BadInput(
                f"cannot read {source} as CSV: its header does not end within "
                f"{_HEADER_MAX_LINES} lines (an unbalanced quote?)"
            ) from None
        if header is None:
            raise BadInput(f"{source} is empty: expected a header line and one row per observation")
        header_lines = reader.line_num
        errors = "replace"
        reader = csv.reader(lines())
        try:
            first, start = _next_record(reader, lambda: header_lines + reader.line_num)
        except (csv.Error, _LongRecord):  # pandas will judge the rest
            return _Head(header, b"".join(consumed), header_lines, None, header_lines + 1, False)
    return _Head(
        header, b"".join(consumed), header_lines, None if first is None else len(first), start
    )


class _RaggedRow(ValueError):
    """A row with more fields than the header (found while streaming the file to pandas)."""


class _Scanner(io.RawIOBase):
    """The input stream, as pandas reads it, with counts that pandas does not give.

    pandas' parser with ``usecols`` neither reports nor checks how many fields a row has, nor
    where its records start. While reading, this counts the line breaks (to check that records
    and lines correspond one to one) and, up to the first quote character in the data (after
    which a comma may be inside a field), checks that no line has more fields than the header.
    """

    def __init__(self, stream: BinaryIO, prefix: bytes, fields: int, check: bool) -> None:
        super().__init__()
        self._stream = stream
        self._prefix = prefix
        self._fields = fields
        self.line = prefix.count(b"\n") + 1  # line number of the next byte after the prefix
        self.newlines = prefix.count(b"\n")
        self.tail = prefix[-64:]
        self.lone_cr = False  # a carriage return that is not part of CRLF: lines end otherwise
        self._commas = 0  # on the current line so far
        self._checking = check
        self._cr_pending = False
        self.ragged: str | None = None  # the message, if a row has too many fields
        self.bytes_read = len(prefix)
        self.on_read: Callable[[int], None] | None = None  # told the bytes read so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        n = self._stream.readinto(view)  # type: ignore[attr-defined]
        if n:
            self.bytes_read += n
            self._scan(bytes(view[:n]))
            if self.on_read is not None:
                self.on_read(self.bytes_read)
        elif self._checking and self._commas >= self._fields:
            self._ragged(self.line, self._commas + 1)
        return n

    def _ragged(self, line: int, fields: int) -> NoReturn:
        """Raise (pandas reports it as its own ParserError: the message is kept here)."""
        self.ragged = (
            f"line {line} has {fields} fields but the header has {self._fields}: a field with an "
            "unquoted comma? (quote it)"
        )
        raise _RaggedRow(self.ragged)

    def _scan(self, data: bytes) -> None:
        a = np.frombuffer(data, dtype=np.uint8)
        breaks = np.flatnonzero(a == 10)
        if self._cr_pending or np.count_nonzero(a == 13):
            self._check_carriage_returns(data)
        if self._checking:
            self._check_fields(a, breaks, data.find(b'"'))
        self.line += breaks.size
        self.newlines += breaks.size
        self.tail = (self.tail + data[-64:])[-64:]

    def _check_carriage_returns(self, data: bytes) -> None:
        """Note a carriage return that is not part of CRLF (old Mac line ends)."""
        if self._cr_pending and not data.startswith(b"\n"):
            self.lone_cr = True
        self._cr_pending = data.endswith(b"\r")
        if data.count(b"\r") - self._cr_pending > data.count(b"\r\n"):
            self.lone_cr = True
        if self.lone_cr:  # lines end in some other way than LF or CRLF: stop counting
            self._checking = False

    def _check_fields(self, a: np.ndarray, breaks: np.ndarray, quote: int) -> None:
        """Check that no line ending in this chunk has more fields than the header."""
        end = a.size
        if quote != -1:  # check the lines before the first quote, then stop checking
            self._checking = False
            end = quote
            breaks = breaks[breaks < end]
        commas = np.flatnonzero(a[:end] == 44)
        # commas before each line break; the lines of this chunk are the gaps between them
        before = np.searchsorted(commas, breaks)
        per_line = np.diff(before, prepend=0)
        if per_line.size:
            per_line[0] += self._commas
            over = np.flatnonzero(per_line >= self._fields)
            if over.size:
                k = int(over[0])
                self._ragged(self.line + k, int(per_line[k]) + 1)
            self._commas = commas.size - int(before[-1])
        else:
            self._commas += commas.size

    def lines_exact(self, header_lines: int, records: int) -> bool:
        """Whether record ``k`` (0-based) is line ``header_lines + 1 + k``: nothing in between."""
        if self.lone_cr:
            return False
        text = self.tail.rstrip(b" \t\r\n")
        if not text and len(self.tail) == 64:
            return False  # a long run of blank lines at the end: cannot tell cheaply
        run = self.tail[len(text) :].count(b"\n")
        ends_with_break = self.tail.endswith(b"\n")
        lines = self.newlines + (0 if ends_with_break or not self.tail else 1)
        blank_at_end = run - 1 if ends_with_break else run
        return lines - blank_at_end == header_lines + records


@dataclass(frozen=True)
class _Columns:
    """The columns ``fit`` uses, by role, and their positions in the file."""

    y: str
    group: str
    x: tuple[str, ...]
    positions: dict[str, int] = field(default_factory=dict)
    x_flag: str = "--x"  # the option that named the covariates (in messages)

    @property
    def numeric(self) -> list[tuple[str, str]]:
        """(name, role) of the numeric columns."""
        return [(self.y, "response")] + [(name, "covariate") for name in self.x]


def _locate(names: list[str], columns: _Columns, source: str) -> dict[str, int]:
    """Position of each used column in the header; an unknown or duplicated name is an error."""
    where: dict[str, list[int]] = {}
    for k, name in enumerate(names):
        where.setdefault(name, []).append(k)
    flags = [(columns.y, "--y"), (columns.group, "--group")]
    flags += [(name, columns.x_flag) for name in columns.x]
    positions = {}
    for name, flag in flags:
        found = where.get(name)
        if not found:
            raise BadInput(_unknown_column(name, flag, names, source))
        if len(found) > 1:
            numbers = ", ".join(str(k + 1) for k in found)
            raise BadInput(
                f"{source}: the header names {len(found)} columns {name!r} (columns {numbers}); "
                f"rename them so that the {flag} column is unambiguous"
            )
        positions[name] = found[0]
    return positions


def _unknown_column(name: str, flag: str, names: list[str], source: str) -> str:
    if len(names) <= 12:
        listing = "its columns are " + ", ".join(map(repr, names))
    else:
        listing = f"it has {len(names)} columns"
    near = difflib.get_close_matches(name, names, n=3)
    near += [n for n in names if n.casefold() == name.casefold() and n not in near][:1]
    hint = f"; did you mean {' or '.join(map(repr, near))}?" if near else ""
    return f"{source}: no column {name!r} ({flag}); {listing}{hint}"


def _check_distinct(columns: _Columns) -> None:
    seen: set[str] = set()
    for name in (columns.y, columns.group, *columns.x):
        if name in seen:
            raise BadInput(f"column {name!r} is used twice (as response, group or covariate)")
        seen.add(name)


def _key(position: int) -> str:
    """The name pandas gives the column at ``position`` (the header's own names may repeat)."""
    return str(position)


class _Column:
    """A column filled chunk by chunk into large preallocated blocks.

    Each chunk is copied once, straight into a block, and the transient arrays of every chunk
    have the same sizes, so the allocator reuses their memory instead of fragmenting the heap.
    A block's pages become resident only as they are written: a small file costs little.
    """

    BLOCK_ROWS = 1 << 23

    def __init__(self, dtype: type) -> None:
        self._dtype = dtype
        self._blocks: list[np.ndarray] = []
        self._used = self.BLOCK_ROWS  # of the last block: full, so the first append allocates
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        """Append ``values`` (cast to the column's dtype)."""
        start = 0
        while start < values.size:
            if self._used == self.BLOCK_ROWS:
                self._blocks.append(np.empty(self.BLOCK_ROWS, dtype=self._dtype))
                self._used = 0
            n = min(values.size - start, self.BLOCK_ROWS - self._used)
            self._blocks[-1][self._used : self._used + n] = values[start : start + n]
            self._used += n
            start += n
        self.size += values.size

    def finish(self) -> np.ndarray:
        """The whole column, handed over (the column is empty afterwards): a view of the only
        block, or the blocks joined (each freed once copied: the peak is the column and one
        block)."""
        if len(self._blocks) <= 1:
            whole = self._blocks[0][: self.size] if self._blocks else np.empty(0, self._dtype)
            self._blocks = []
            return whole
        out: np.ndarray = np.empty(self.size, dtype=self._dtype)
        start = 0
        while self._blocks:
            block = self._blocks.pop(0)[: min(self.BLOCK_ROWS, self.size - start)]
            out[start : start + block.size] = block
            start += block.size
        return out


@dataclass
class _Data:
    """A data frame read from a CSV file, and how its rows map to the file's lines."""

    frame: pd.DataFrame
    lines: _Lines
    source: str


@dataclass
class _Accumulator:
    """The used columns, chunk by chunk: numeric columns as float64, labels as integer codes."""

    columns: _Columns
    numeric: dict[str, _Column]
    codes: _Column = field(default_factory=lambda: _Column(np.int32))
    labels: pd.Index = field(default_factory=lambda: pd.Index([], dtype=object))
    records: int = 0
    first_bad: tuple[int, str, str, object] | None = None  # record, name, role, value

    def add(self, chunk: pd.DataFrame) -> None:
        """Keep one chunk's columns (or, after a non-numeric value, only count its rows)."""
        if self.first_bad is None:
            values = {}
            for name, role in self.columns.numeric:
                found = self._numeric(chunk[_key(self.columns.positions[name])], name, role)
                if found is None:
                    break
                values[name] = found
            else:
                for name, column in values.items():
                    self.numeric[name].extend(column)
                group = chunk[_key(self.columns.positions[self.columns.group])]
                self.codes.extend(self._codes(group))
        self.records += len(chunk)

    def _numeric(self, col: pd.Series, name: str, role: str) -> np.ndarray | None:
        """The chunk's values as float64; None (and the first offender noted) if one is text."""
        if pd.api.types.is_bool_dtype(col.dtype) or (
            pd.api.types.is_numeric_dtype(col.dtype)
            and not pd.api.types.is_complex_dtype(col.dtype)
        ):
            return col.to_numpy()
        parsed = pd.to_numeric(col, errors="coerce")  # object dtype: numbers, maybe text
        bad = np.flatnonzero((parsed.isna() & col.notna()).to_numpy())
        if not bad.size:
            return parsed.to_numpy(dtype=np.float64, na_value=np.nan)
        self.first_bad = (self.records + int(bad[0]), name, role, col.iloc[int(bad[0])])
        return None

    def _codes(self, col: pd.Series) -> np.ndarray:
        local, uniques = pd.factorize(col.to_numpy(dtype=object))  # -1: missing
        uniques = pd.Index(uniques, dtype=object, copy=False)
        ids = self.labels.get_indexer(uniques)  # this chunk's labels among those seen before
        new = ids == -1
        if new.any():
            self.labels = self.labels.append(uniques[new])
            ids[new] = np.arange(len(self.labels) - int(new.sum()), len(self.labels))
        return np.append(ids, -1).astype(np.int32)[local]

    def _labels(self) -> pd.api.extensions.ExtensionArray:
        """The group column: a Categorical of the labels as text, its categories sorted.

        4 bytes a row and one string a label; `group_data` factorizes it from its codes, in
        the order the labels sort as text, as it would a column of strings.
        """
        labels = self.labels.to_numpy(dtype=object)
        order = np.argsort(labels)
        rank = np.empty(len(order) + 1, dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        rank[-1] = -1  # code -1 (a missing label) takes the last entry and stays -1
        codes = self.codes.finish()
        step = 1 << 20  # in slices, to keep the index arrays small
        for start in range(0, codes.size, step):
            codes[start : start + step] = rank[codes[start : start + step]]
        categories = pd.Index(labels[order], dtype="str")
        return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))

    def frame(self, lines: _Lines) -> pd.DataFrame:
        """The data frame of the used columns, indexed by line number (no column copied twice)."""
        data: dict[str, object] = {
            name: self.numeric[name].finish() for name, _ in self.columns.numeric
        }
        data[self.columns.group] = self._labels()
        order = [self.columns.y, self.columns.group, *self.columns.x]
        return pd.DataFrame({name: data[name] for name in order}, index=lines.index(), copy=False)


@contextlib.contextmanager
def _open_input(path: str) -> Iterator[tuple[BinaryIO, bool]]:
    """The input as a binary stream, and whether it is a regular file (can be read again)."""
    if path == STDIN:
        yield sys.stdin.buffer, False  # read once: never scanned again for line numbers
        return
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise BadInput(f"no such file: {path!r}") from None
    except IsADirectoryError:
        raise BadInput(f"{path!r} is a directory, not a CSV file") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path!r}: {exc.strerror or _one_line(exc)}") from None
    with handle:
        yield handle, stat.S_ISREG(os.fstat(handle.fileno()).st_mode)


def _check_first_record(head: _Head, source: str) -> None:
    fields = len(head.names)
    if head.first_fields is not None and head.first_fields > fields:
        raise BadInput(
            f"{source}: line {head.first_line} has {head.first_fields} fields but the header "
            f"has {fields}: a field with an unquoted comma? Or a first (index) column with no "
            "name in the header? (name it)"
        )


def _chunks(scanner: _Scanner, columns: _Columns, fields: int) -> Iterator[pd.DataFrame]:
    """The used columns, a chunk of rows at a time (of bounded size, whatever the width)."""
    positions = columns.positions
    group_at = _key(positions[columns.group])
    na = {_key(positions[name]): list(NUMERIC_NA) for name, _ in columns.numeric}
    na[group_at] = [""]  # a label is missing only when its cell is empty
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)  # mixed types: reported later
        reader = pd.read_csv(
            scanner,
            header=0,
            names=[_key(k) for k in range(fields)],  # the header's own names may repeat
            usecols=sorted(set(positions.values())),
            index_col=False,
            dtype={group_at: object},
            na_values=na,
            keep_default_na=False,
            encoding="utf-8",
            chunksize=max(1, _CHUNK_FIELDS // fields),
        )
        with reader:
            yield from reader


def _read(path: str, columns: _Columns, progress: _Progress | None = None) -> _Data:
    """Read the used columns of a CSV file (see `read_data`), with its line numbering."""
    _check_distinct(columns)
    source = _source_name(path)
    with _open_input(path) as (stream, rereadable):
        head = _read_head(stream, source)
        columns = replace(columns, positions=_locate(head.names, columns, source))
        _check_first_record(head, source)
        scanner = _Scanner(stream, head.raw, len(head.names), check=head.whole)
        acc = _Accumulator(columns, {name: _Column(np.float64) for name, _ in columns.numeric})
        if progress is not None:
            progress.show(f"reading {source}", now=True)
            scanner.on_read = _reading_status(progress, source, stream, rereadable)
        try:
            for chunk in _chunks(scanner, columns, len(head.names)):
                acc.add(chunk)
        except (OSError, ValueError) as exc:  # ParserError, UnicodeDecodeError: ValueErrors
            _reraise_arrived_signal()
            raise BadInput(_unreadable(exc, scanner, source)) from None
    lines = _Lines(
        path,
        first=head.header_lines + 1,
        records=acc.records,
        exact=scanner.lines_exact(head.header_lines, acc.records),
        rereadable=rereadable,
    )
    if acc.first_bad is not None:
        record, name, role, value = acc.first_bad
        raise BadInput(
            f"{source}: {role} column {name!r} must be numeric, but {lines.where(record)} has "
            f"{value!r}"
        )
    return _Data(acc.frame(lines), lines, source)


def _reading_status(
    progress: _Progress, source: str, stream: BinaryIO, rereadable: bool
) -> Callable[[int], None]:
    """What to show while reading: the share of a file read, or the megabytes of a stream."""
    size = os.fstat(stream.fileno()).st_size if rereadable else 0

    def show(done: int) -> None:
        if size:
            progress.show(f"reading {source}: {min(done / size, 1):.0%} of {size / 1e6:,.0f} MB")
        else:
            progress.show(f"reading {source}: {done / 1e6:,.0f} MB")

    return show


def _unreadable(exc: Exception, scanner: _Scanner, source: str) -> str:
    if scanner.ragged is not None:
        return f"{source}: {scanner.ragged}"
    if isinstance(exc, UnicodeDecodeError):
        return f"cannot read {source}: it is not UTF-8 text ({exc.reason})"
    return f"cannot read {source} as CSV: {_one_line(exc)}"


def read_data(path: str, y: str, group: str, x: Sequence[str] | None = None) -> pd.DataFrame:
    """Read the columns ``fit`` uses from a CSV file, as its author meant them.

    Parameters
    ----------
    path : str
        The CSV file (UTF-8, comma-separated): a header line, then one row per observation.
        ``"-"`` reads standard input.
    y : str
        The response column: numeric; pandas' usual missing-value strings (an empty cell,
        ``NA``, ``nan``, ``null``, ...) are missing values.
    group : str
        The grouping column, read as text labels that keep their spelling (``"007"``,
        ``"NA"``, ``"None"``): only an empty cell is a missing label.
    x : sequence of str, optional
        Covariate columns, numeric like ``y``.

    Returns
    -------
    pandas.DataFrame
        The used columns only: ``y`` and ``x`` as float64 (parsed by pandas' float parser,
        which from pandas 3 reads back a file written by pandas bit for bit), ``group`` as a
        categorical column whose categories are the labels as text, sorted (NaN for an empty
        cell; 4 bytes a row). The index holds each row's line number in the file (the header
        is line 1), named ``"line"``; if a quoted field spans lines or blank lines lie between
        rows, it holds data row numbers (1 for the first row after the header), named
        ``"data row"``; the command line then finds the exact line numbers of the rows it
        reports by reading the file again (not possible for standard input).

    Raises
    ------
    BadInput
        If the file is missing, not a file, unreadable, empty, not UTF-8 or not parseable as
        CSV; if a column is unknown (the message suggests the nearest names), used twice, or
        named more than once in the header; if a row has more fields than the header; if a
        numeric column holds text (the message names the line).
    """
    return _read(path, _Columns(y, group, tuple(x or ()))).frame


# ---------------------------------------------------------------------------------------------
# The estimates


def estimates_table(fit: PoolingFit, *, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per group $j$: the partial-pooling estimates in the site's notation.

    Parameters
    ----------
    fit : PoolingFit
        A partial-pooling fit (`partial_pooling.fit_random_intercept`).
    data : pandas.DataFrame, optional
        The data ``fit`` was fitted to. Given, the table compares: it also has the no-pooling
        and complete-pooling intercepts (what ``--compare`` writes).

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (the label), ``n_j``, ``ybar_j`` ($\\bar y_j$), ``ybar_adj_j``
        ($\\bar y_j - \\bar x_j'\\hat\\beta$, equal to ``ybar_j`` without covariates),
        ``lambda_j`` ($\\lambda_j = n_j\\hat\\psi/(1 + n_j\\hat\\psi)$), ``alpha_j``
        ($\\hat\\alpha_j = \\lambda_j(\\bar y_j - \\bar x_j'\\hat\\beta) + (1-\\lambda_j)\\hat\\mu$)
        and ``cond_sd_j`` ($\\hat\\sigma_\\alpha\\sqrt{1-\\lambda_j}$); with ``data``, also
        ``alpha_none_j`` (no pooling, `partial_pooling.no_pooling`) and ``alpha_complete_j``
        (complete pooling, $\\hat\\mu$ of ordinary least squares).

    Raises
    ------
    ValueError
        With ``data``, when no pooling is not defined (a covariate constant within every
        group).
    """
    limits = None
    if data is not None:
        limits = _Limits(Model(data, y=fit.y_name, group=fit.group_name, x=fit.x_names or None))
    return _intercepts_table(fit, limits)


def _intercepts_table(fit: PoolingFit, limits: _Limits | None) -> pd.DataFrame:
    """`estimates_table`, with the comparison columns from ``limits`` when given."""
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
    if limits is not None:
        try:
            none = limits.none
        except ValueError as exc:
            raise ValueError(
                f"--compare: no pooling is not defined here ({exc}); drop --compare"
            ) from None
        table["alpha_none_j"] = none.alpha.reindex(table.index)
        table["alpha_complete_j"] = limits.complete.alpha.reindex(table.index)
    table.index.name = "group"
    return table.reset_index()


class _Limits:
    """The two limits of partial pooling on one model's data, each fitted once when first
    asked for (the table's ``--compare`` columns and the figures share them)."""

    def __init__(self, model: Model) -> None:
        self.model = model

    @functools.cached_property
    def complete(self) -> PoolingFit:
        """Complete pooling: one least-squares line for all the data."""
        return self.model.complete_pooling()

    @functools.cached_property
    def none(self) -> PoolingFit:
        """No pooling (raises ValueError when a covariate is constant within every group)."""
        return self.model.no_pooling()

    @functools.cached_property
    def lines(self) -> pd.DataFrame:
        """Each group's own least-squares line (random slopes)."""
        return self.model.group_ols()


def _random_slopes_table(fit: RandomSlopesFit, *, limits: _Limits | None = None) -> pd.DataFrame:
    """One row per group $j$: its partially pooled intercept and slopes, in the site's notation.

    Parameters
    ----------
    fit : RandomSlopesFit
        A random-slopes fit (`partial_pooling.fit_random_slopes`).
    limits : _Limits, optional
        The two limits on the data ``fit`` was fitted to. Given, the table compares: it also has
        each group's own least-squares line and the line of all the data (``--compare``).

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (the label), ``n_j``, ``intercept_j`` ($\\hat\\mu_0 + \\hat a_{0j}$),
        ``slope_<COL>_j`` ($\\hat\\mu_k + \\hat a_{kj}$) for each random-slope covariate
        ``COL`` (lme4's ``coef``), ``a0_j`` and ``a_<COL>_j`` (the conditional modes
        $\\hat a_{0j}$, $\\hat a_{kj}$, lme4's ``ranef``); with ``limits``, also
        ``intercept_none_j`` and ``slope_<COL>_none_j`` (no pooling: least squares within
        the group alone, NaN where the group's covariates do not determine its slopes) and
        ``intercept_complete_j`` and ``slope_<COL>_complete_j`` (complete pooling: one
        least-squares line for all the data, `partial_pooling.complete_pooling`).

    Raises
    ------
    ValueError
        If two of these column names coincide (covariates named ``x`` and ``x_none``, say).
    """
    names = [str(name) for name in fit.x_names]
    coef, ranef = fit.coef.to_numpy(), fit.ranef.to_numpy()
    columns: list[tuple[str, np.ndarray]] = [("n_j", fit.n.to_numpy())]
    columns.append(("intercept_j", coef[:, 0]))
    columns += [(f"slope_{name}_j", coef[:, k + 1]) for k, name in enumerate(names)]
    columns.append(("a0_j", ranef[:, 0]))
    columns += [(f"a_{name}_j", ranef[:, k + 1]) for k, name in enumerate(names)]
    if limits is not None:
        complete = limits.complete
        lines = limits.lines.reindex(fit.coef.index).to_numpy()
        columns.append(("intercept_none_j", lines[:, 0]))
        columns += [(f"slope_{name}_none_j", lines[:, k + 1]) for k, name in enumerate(names)]
        ones = np.ones(len(fit.n))
        columns.append(("intercept_complete_j", ones * complete.mu))
        columns += [
            (f"slope_{name}_complete_j", ones * float(complete.beta.iloc[k]))
            for k, name in enumerate(names)
        ]
    labels = [label for label, _ in columns]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise ValueError(
            f"the output would have two columns named {twice[0]!r}: rename a covariate"
        )
    table = pd.DataFrame(dict(columns), index=fit.coef.index)
    table.index.name = "group"
    return table.reset_index()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# ---------------------------------------------------------------------------------------------
# Writing without destroying anything


@dataclass(frozen=True)
class _Output:
    """Where a table goes: ``path`` None is standard output."""

    shown: str  # as the user wrote it
    path: str | None = None  # the file written (symbolic links resolved)
    replaces: os.stat_result | None = None  # the regular file it replaces (--force)
    in_place: bool = False  # an existing device or pipe (/dev/null, a FIFO): written directly
    flag: str = "--out"  # the option that named it (in messages)


def _same_file(data: str, target: os.stat_result) -> bool:
    try:
        st = os.fstat(sys.stdin.fileno()) if data == STDIN else os.stat(data)
    except (OSError, ValueError):
        return False
    return (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino)


def _plan_output(
    out: str, force: bool, data: str | None = None, *, flag: str = "--out", new_folder: bool = False
) -> _Output:
    """Check, before anything is read or written, that writing ``out`` destroys nothing.

    ``flag`` is the option that named the file (for messages); ``new_folder`` says that its
    folder does not exist yet but will be created (``--plot DIR``).

    Raises
    ------
    BadInput
        If ``out`` is the input file ``data`` (by device and inode: any spelling, symbolic or
        hard link), a directory, a folder name (``new/``: it ends with a separator), a symbolic
        link to nothing, in a folder that does not exist, or an existing file and ``force``
        is false.
    """
    if out == STDIN:
        return _Output(out, flag=flag)
    target = os.path.realpath(out)
    if new_folder:
        return _Output(out, target, flag=flag)
    _check_names_a_file(out, flag)
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise BadInput(f"cannot write {out!r}: {exc.strerror or _one_line(exc)}") from None
    if st is not None and data is not None and _same_file(data, st):
        shown = "standard input" if data == STDIN else repr(data)
        raise BadInput(
            f"{flag} {out!r} is the input file ({shown}): writing it would destroy the data; "
            f"choose another {flag}"
        )
    if st is None:
        folder = os.path.dirname(target)
        if not os.path.isdir(folder):
            shown = os.path.dirname(out) or "."
            link = _dangling_link(shown)
            if link is not None:
                raise BadInput(f"cannot write {out!r}: {link}")
            raise BadInput(f"cannot write {out!r}: no such folder {shown!r}")
        return _Output(out, target, flag=flag)
    if stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{flag} {out!r} is a directory; give a file name")
    if not stat.S_ISREG(st.st_mode):
        return _Output(out, target, in_place=True, flag=flag)
    if not force:
        raise BadInput(
            f"{out!r} already exists; add --force to replace it, or choose another {flag}"
        )
    return _Output(out, target, replaces=st, flag=flag)


def _ends_with_separator(path: str) -> bool:
    return path.endswith(os.sep) or bool(os.altsep and path.endswith(os.altsep))


def _dangling_link(path: str) -> str | None:
    """What is wrong with ``path`` if it is a symbolic link to nothing, else None.

    Writing through such a link would create its target (somewhere else, perhaps in a folder
    that does not exist), which is rarely what was meant; the message names both.
    """
    if not os.path.islink(path) or os.path.exists(path):
        return None
    try:
        target = os.readlink(path)
    except OSError:
        return None
    if os.path.islink(os.path.join(os.path.dirname(path), target)):  # a chain of links
        target = os.path.realpath(path)
    return f"{path!r} is a symbolic link to {target!r}, which does not exist"


def _check_names_a_file(out: str, flag: str) -> None:
    """An output must name a file: not a folder to be (``new/``), nor a link to nothing.

    (An existing directory, with or without a final ``/``, is refused by `_plan_output`.)
    """
    bare = out.rstrip(os.sep + (os.altsep or "")) or out
    link = _dangling_link(bare)
    if link is not None:
        raise BadInput(f"{flag} {link}; remove the link, or choose another {flag}")
    if not _ends_with_separator(out) or os.path.isdir(out):
        return
    if os.path.lexists(bare):
        raise BadInput(
            f"{flag} {out!r} ends with {out[-1]!r} but {bare!r} is not a folder; give a file name"
        )
    raise BadInput(
        f"{flag} {out!r} names a folder (it ends with {out[-1]!r}) and there is no folder "
        f"{bare!r}; give a file name (the output is one file)"
    )


def _new_file_mode() -> int:
    """Permissions of a newly created file: 0o666 less the umask (mkstemp would give 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _copy_mode_and_owner(fd: int, old: os.stat_result | None) -> None:
    """Give a new file the permissions (and, if allowed, owner) of the file it replaces, or the
    umask's default for a new file (mkstemp creates it 0o600)."""
    if not hasattr(os, "fchown"):  # not POSIX: the file system's defaults
        return
    os.fchmod(fd, _new_file_mode() if old is None else stat.S_IMODE(old.st_mode))
    if old is not None and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):
            os.fchown(fd, old.st_uid, old.st_gid)


def _fsync_folder(folder: str) -> None:
    """Make a rename in ``folder`` durable (where the file system allows)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace_atomically(
    output: _Output,
    write: Callable[[TextIO], None] | Callable[[BinaryIO], None],
    *,
    binary: bool = False,
) -> None:
    """Write a temporary file beside the target, flush it to disk, rename it onto the target.

    Any failure or interruption removes the temporary file, so the target is either the
    previous file, untouched, or the complete new one. Stop signals are held back while the
    temporary file is created and while it is removed: Ctrl-C could otherwise land between its
    creation and the ``try`` that takes charge of it (microseconds, but a process watching for
    the file hits them), or cut the cleanup short. ``write`` gets a text stream (UTF-8), or a
    binary one when ``binary``.
    """
    assert output.path is not None
    if output.replaces is None and os.path.lexists(output.path):
        raise BadInput(
            f"{output.shown!r} appeared meanwhile; add --force to replace it, or choose "
            f"another {output.flag}"
        )
    folder, name = os.path.split(output.path)
    temp = None
    try:
        with _stop_signals_held():
            fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        stream: TextIO | BinaryIO
        if binary:
            stream = os.fdopen(fd, "wb")
        else:
            stream = os.fdopen(fd, "w", encoding="utf-8", newline="")
        with stream:
            _copy_mode_and_owner(stream.fileno(), output.replaces)
            write(stream)  # type: ignore[arg-type]
            stream.flush()
            os.fsync(stream.fileno())
        _reraise_arrived_signal()  # one a library swallowed: the previous file stays
        os.replace(temp, output.path)
    except BaseException:
        if temp is not None:
            with _stop_signals_held(), contextlib.suppress(OSError):
                os.unlink(temp)
        raise
    _fsync_folder(folder)


def _write_file(output: _Output, data: bytes) -> None:
    """Write ``data`` to a file: atomically, or straight into a device (``/dev/null``)."""
    assert output.path is not None
    try:
        if output.in_place:
            with open(output.path, "wb") as stream:
                stream.write(data)
        else:
            _replace_atomically(output, lambda stream: stream.write(data), binary=True)
    except OSError as exc:
        raise BadInput(f"cannot write {output.shown!r}: {exc.strerror or _one_line(exc)}") from None


def _write_all(buffer: BinaryIO, data: bytes) -> None:
    """Write all of ``data``: a write into a pipe whose reader has gone can return short
    (what fitted in the pipe) instead of failing; the next write raises BrokenPipeError."""
    view = memoryview(data)
    while view:
        view = view[buffer.write(view) or 0 :]
    buffer.flush()


def _write_csv(table: pd.DataFrame, output: _Output) -> None:
    """Write ``table`` as UTF-8 CSV to a file (atomically) or to standard output."""

    def write(stream: TextIO) -> None:
        table.to_csv(stream, index=False)

    if output.path is None:
        text = table.to_csv(index=False)
        buffer = getattr(sys.stdout, "buffer", None)
        with _standard_stream(sys.stdout):
            if buffer is None:
                sys.stdout.write(text)
            else:  # the table is UTF-8 whatever the terminal's encoding, like the file
                sys.stdout.flush()
                _write_all(buffer, text.encode("utf-8"))
        return
    try:
        if output.in_place:
            with open(output.path, "w", encoding="utf-8", newline="") as stream:
                write(stream)
        else:
            _replace_atomically(output, write)
    except OSError as exc:
        raise BadInput(f"cannot write {output.shown!r}: {exc.strerror or _one_line(exc)}") from None


def _report_stream(output: _Output) -> TextIO:
    """Where the human-readable report goes: stderr when the table goes to stdout."""
    return sys.stderr if output.path is None else sys.stdout


def _silence(stream: TextIO) -> None:
    """Point a standard stream at /dev/null, so that the interpreter's final flush is quiet.

    The recipe of Python's `signal` documentation ("Note on SIGPIPE").
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)


def _listing(names: Sequence[str]) -> str:
    """``'a'``, ``'a' and 'b'``, ``'a', 'b' and 'c'``."""
    quoted = [repr(name) for name in names]
    return " and ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)


@contextlib.contextmanager
def _standard_stream(stream: TextIO, written: Sequence[str] = ()) -> Iterator[None]:
    """Turn a failed write to standard output or error into one line (exit status 2).

    A full disk (``> /dev/full``), an I/O error, a descriptor closed meanwhile: the message
    names the stream, and the files in ``written`` that were written all the same. A reader
    that went away (BrokenPipeError) is left to `main`: exit status 141, quietly. The stream
    is then pointed at /dev/null, so that what it still holds does not fail once more, with a
    traceback-like "Exception ignored", when the interpreter flushes it at exit.
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        name = "standard error" if stream is sys.stderr else "standard output"
        _silence(stream)
        done = ""
        if written:
            verb = "was" if len(written) == 1 else "were"
            done = f"; {_listing(written)} {verb} written all the same"
        raise BadInput(f"cannot write to {name}: {exc.strerror or _one_line(exc)}{done}") from None


def _tell(stream: TextIO, lines: Sequence[str], written: Sequence[str] = ()) -> None:
    """Print the human-readable report to ``stream`` and flush it (see `_standard_stream`)."""
    with _standard_stream(stream, written):
        for line in lines:
            print(line, file=stream)
        stream.flush()


def _check_standard_streams(args: argparse.Namespace) -> None:
    """Refuse to start when a standard stream the command needs is closed (``>&-``, ``<&-``).

    Python sets such a stream to None (a write would raise AttributeError), and the next file
    opened takes its descriptor number: so the command stops before it opens anything.
    """
    if sys.stdout is None:
        what = "the table (--out -)" if args.out == STDIN else "the summary"
        raise BadInput(
            f"standard output is closed (>&-) and {what} is written there; to discard it, "
            "redirect it to /dev/null"
        )
    if getattr(args, "data", None) == STDIN and sys.stdin is None:
        raise BadInput("standard input is closed (<&-), and DATA.csv - reads it; give a file")


def _written_to(output: _Output) -> str:
    return "standard output" if output.path is None else output.shown


# ---------------------------------------------------------------------------------------------
# Progress on a terminal


class _Progress:
    """A one-line status on standard error, rewritten in place, only when it is a terminal.

    Nothing at all is written when standard error is not a terminal (a file, a pipe, a CI
    log). The line is cut to the terminal's width (a wrapped line cannot be rewritten),
    rewritten at most ten times a second, and wiped when the work ends, whether it ends well,
    with an error or after a signal, so that what is printed next starts on a clean line.
    """

    INTERVAL = 0.1  # seconds between two updates (``now`` shows one at once)

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        try:
            self.enabled = stream.isatty()
        except (AttributeError, ValueError, OSError):
            self.enabled = False
        self._width = 0  # characters on the line now
        self._last = -math.inf

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.clear()

    def show(self, text: str, *, now: bool = False) -> None:
        """Show ``text`` as the status (unless one was shown less than INTERVAL ago)."""
        if not self.enabled:
            return
        moment = time.monotonic()
        if not now and moment - self._last < self.INTERVAL:
            return
        self._last = moment
        try:
            columns = os.get_terminal_size(self._stream.fileno()).columns
        except (OSError, ValueError):
            columns = 0
        columns = columns or 80  # 0: a terminal that does not say (a fresh pseudo-terminal)
        text = "".join(c if c.isprintable() else "?" for c in text)[: max(columns - 1, 10)]
        self._write("\r" + text + " " * max(self._width - len(text), 0))
        self._width = len(text)

    def clear(self) -> None:
        """Wipe the status line (the cursor goes back to its start)."""
        if self.enabled and self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0

    def _write(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._stream.write(text)
            self._stream.flush()


# ---------------------------------------------------------------------------------------------
# matplotlib, imported only to draw (``--plot``, ``--report``)


def _creatable_folder(path: str) -> bool:
    """Whether ``path`` is a writable folder, or ``mkdir -p`` could make it one."""
    while not os.path.lexists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def _matplotlib_folders_writable() -> bool:
    """Whether matplotlib, with MPLCONFIGDIR unset, can keep its configuration and its font
    cache where it looks first (`matplotlib.get_configdir`, `matplotlib.get_cachedir`)."""
    home = os.path.expanduser("~")
    if not os.path.isabs(home):  # no home folder at all
        return False
    if sys.platform.startswith(("linux", "freebsd")):
        config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
        folders = [os.path.join(config, "matplotlib"), os.path.join(cache, "matplotlib")]
    else:  # macOS and others (on Windows, the folder matplotlib used to prefer)
        folders = [os.path.join(home, ".matplotlib")]
    return all(_creatable_folder(folder) for folder in folders)


def _matplotlib_ready() -> None:
    """Call before importing matplotlib: give it a fresh temporary folder when the one it would
    use cannot be written (a read-only, missing or odd ``$HOME``).

    matplotlib would make such a folder itself, with two warnings on standard error (``mkdir
    -p failed ...``, ``Matplotlib created a temporary cache directory ...``): the command line
    prints nothing but its own output there. Nothing changes when MPLCONFIGDIR is set (the
    user's choice) or matplotlib is imported already; the folder is removed at exit.
    """
    if "matplotlib" in sys.modules or os.environ.get("MPLCONFIGDIR"):
        return
    if _matplotlib_folders_writable():
        return
    try:
        folder = tempfile.mkdtemp(prefix="partial-pooling-matplotlib-")
    except OSError:
        return  # no temporary folder either: matplotlib will say what is wrong
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = folder


# ---------------------------------------------------------------------------------------------
# The commands


def _restated(exc: ValueError, data: _Data, columns: _Columns) -> ValueError:
    """The package's error again, with exact line numbers if the first message could not have
    them (a record spanning lines, or blank lines, in a file that can be read again)."""
    if data.lines.exact or not data.lines.rereadable:
        return exc
    index = data.lines.exact_index()
    if index is None:
        return exc
    data.frame.index = index
    try:
        group_data(data.frame, columns.y, columns.group, list(columns.x) or None)
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


@dataclass
class _Plots:
    """The folder ``--plot`` writes into, and the file planned for each figure and format."""

    shown: str  # the folder as the user wrote it
    path: str  # its real path
    create: bool  # it does not exist yet
    files: dict[tuple[str, str], _Output]  # (figure name, "png" or "svg") -> the file


def _plan_plots(folder: str | None, slopes: Sequence[str], force: bool, data: str) -> _Plots | None:
    """Check the ``--plot`` folder and every figure file in it before anything is read.

    ``slopes`` are the random-slope columns (each has a figure), none for random intercepts.
    """
    if folder is None:
        return None
    if folder == STDIN or not folder:
        raise BadInput("--plot needs a folder name (the figures are files, not a stream)")
    link = _dangling_link(folder.rstrip(os.sep + (os.altsep or "")) or folder)
    if link is not None:
        raise BadInput(f"--plot {link}; remove the link, or choose another folder")
    path = os.path.realpath(folder)
    create = not os.path.exists(path)
    if not create and not os.path.isdir(path):
        raise BadInput(f"--plot {folder!r} is not a folder; give a folder for the figures")
    if create and not os.path.isdir(os.path.dirname(path)):
        parent = os.path.dirname(os.path.normpath(folder)) or "."
        raise BadInput(f"--plot {folder!r}: cannot create it, no such folder {parent!r}")
    _matplotlib_ready()
    from .report import figure_names

    files = {
        (name, ext): _plan_output(
            os.path.join(folder, f"{name}.{ext}"), force, data, flag="--plot", new_folder=create
        )
        for name in figure_names(slopes)
        for ext in ("png", "svg")
    }
    return _Plots(folder, path, create, files)


def _plan_report(report: str | None, force: bool, data: str) -> _Output | None:
    if report is None:
        return None
    if report == STDIN:
        raise BadInput("--report needs a file name (FILE.html), not -")
    return _plan_output(report, force, data, flag="--report")


def _check_distinct_outputs(outputs: Sequence[_Output]) -> None:
    """Two outputs that are one file (``--out x --report x``) would overwrite each other."""
    seen: dict[object, _Output] = {}
    for output in outputs:
        if output.path is None:
            continue
        keys: list[object] = [output.path]
        with contextlib.suppress(OSError):
            st = os.stat(output.path)
            keys.append((st.st_dev, st.st_ino))
        for key in keys:
            if key in seen:
                first = seen[key]
                raise BadInput(
                    f"{first.flag} {first.shown!r} and {output.flag} {output.shown!r} are the "
                    "same file; give them different names"
                )
        seen.update(dict.fromkeys(keys, output))


def _figures(
    fit: PoolingFit | RandomSlopesFit, limits: _Limits
) -> tuple[list[ReportFigure], list[str]]:
    """The site's figures for this fit, and notes on any left out (and why)."""
    _matplotlib_ready()
    from .report import intercept_figures, slopes_figures

    notes: list[str] = []
    if isinstance(fit, RandomSlopesFit):
        return slopes_figures(fit, limits.lines), notes
    try:
        none: PoolingFit | None = limits.none
    except ValueError as exc:
        none = None
        notes.append(
            f"No pooling is not defined for these data ({_one_line(exc)}), so the figures "
            "shrinkage_arrows and estimates_vs_size, which compare with it, are left out."
        )
    return intercept_figures(fit, none, complete=limits.complete), notes


def _write_plots(plots: _Plots, images: dict[tuple[str, str], bytes]) -> None:
    if plots.create:
        try:
            os.mkdir(plots.path)
        except FileExistsError:
            if not os.path.isdir(plots.path):
                raise BadInput(f"--plot {plots.shown!r} appeared meanwhile as a file") from None
        except OSError as exc:
            raise BadInput(
                f"cannot create {plots.shown!r}: {exc.strerror or _one_line(exc)}"
            ) from None
    for key, image in images.items():
        _write_file(plots.files[key], image)


def _command_line(argv: Sequence[str] | None) -> str:
    words = list(sys.argv[1:] if argv is None else argv)
    return shlex.join([PROG, *words])


def _fit(args: argparse.Namespace, argv: Sequence[str] | None = None) -> None:
    x, random_slopes = _covariates(args)
    output = _plan_output(args.out, args.force, args.data)
    plots = _plan_plots(args.plot, x if random_slopes else (), args.force, args.data)
    report = _plan_report(args.report, args.force, args.data)
    _check_distinct_outputs(
        [output, *([] if plots is None else plots.files.values()), *([report] if report else [])]
    )
    flag = "--random-slopes" if random_slopes else "--x"
    columns = _Columns(_utf8(args.y), _utf8(args.group), x, x_flag=flag)
    drawn: list[ReportFigure] = []
    notes: list[str] = []
    images: dict[tuple[str, str], bytes] = {}
    page = ""
    with _Progress(sys.stderr) as progress:
        data = _read(args.data, columns, progress)
        progress.show(f"fitting by {args.method}: {len(data.frame):,} rows", now=True)
        fit: PoolingFit | RandomSlopesFit
        try:
            # the data are checked and grouped once: the fit, --compare and the figures share it
            model = Model(data.frame, y=columns.y, group=columns.group, x=list(columns.x) or None)
            limits = _Limits(model)
            if random_slopes:
                fit = model.fit_random_slopes(method=args.method)
                table = _random_slopes_table(fit, limits=limits if args.compare else None)
            else:
                fit = model.fit(method=args.method)
                table = _intercepts_table(fit, limits if args.compare else None)
            if plots is not None or report is not None:
                progress.show("comparing with no and complete pooling", now=True)
                drawn, notes = _figures(fit, limits)
        except ValueError as exc:
            raise BadInput(f"{data.source}: {_one_line(_restated(exc, data, columns))}") from None
        del data
        for k, figure in enumerate(drawn, 1):
            progress.show(f"drawing figure {k} of {len(drawn)}: {figure.name}", now=True)
            images[figure.name, "png"] = figure.png()
            if plots is not None:
                images[figure.name, "svg"] = figure.svg()
        if report is not None:
            progress.show("writing the report", now=True)
            _matplotlib_ready()
            from .report import report_html

            page = report_html(
                fit,
                table,
                drawn,
                source=_source_name(args.data),
                command=_command_line(argv),
                notes=notes,
                csv_name=os.path.basename(output.path or "") or "estimates.csv",
            )
        progress.show(f"writing {_written_to(output)}", now=True)
        _write_csv(table, output)
        if plots is not None:
            _write_plots(plots, {key: images[key] for key in plots.files if key in images})
        if report is not None:
            _write_file(report, page.encode("utf-8"))
    lines = [
        fit.summary(),
        "",
        f"Wrote {len(table)} groups ({', '.join(table.columns)}) to {_written_to(output)}",
    ]
    files = [] if output.path is None else [output.shown]
    if plots is not None:
        written = ", ".join(figure.name for figure in drawn)
        folder = os.path.join(plots.shown, "")
        count = f"{len(drawn)} figure{'' if len(drawn) == 1 else 's'}"
        lines.append(f"Wrote {count} as PNG and SVG to {folder}: {written}")
        files.append(folder)
    if report is not None:
        size = len(page.encode("utf-8"))
        lines.append(f"Wrote the report to {report.shown} ({size / 1024:,.0f} KB)")
        files.append(report.shown)
    lines += [f"Note: {note}" for note in notes]
    _tell(_report_stream(output), lines, files)


def _datasets(args: argparse.Namespace) -> None:
    entry = DATASETS[args.name]
    output = _plan_output(args.out or f"{args.name}.csv", args.force)
    frame = entry.load()
    _write_csv(frame, output)
    columns = ", ".join(map(str, frame.columns))
    lines = [f"Wrote {len(frame)} rows ({columns}) to {_written_to(output)}"]
    if entry.note:
        lines.append(f"Note: {entry.note}.")
    elif output.path is None:
        fit = entry.command(STDIN)
        lines.append(f"Try: {PROG} datasets {args.name} --out - | {fit}")
    else:
        lines.append(f"Try: {entry.command(output.shown)}")
    _tell(_report_stream(output), lines, [] if output.path is None else [output.shown])


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else 0
    try:
        _check_standard_streams(args)
        if args.command == "fit":
            _fit(args, argv)
        else:
            _datasets(args)
        with _standard_stream(sys.stdout):
            sys.stdout.flush()  # a closed pipe shows here, inside main, not at interpreter exit
    except BadInput as exc:
        return _stop(f"error: {exc}", EXIT_BAD_INPUT)
    return 0


#: Error handlers that fail on a character the encoding lacks (surrogateescape, the C locale's
#: choice, passes only undecodable bytes through).
_FAILING_ERRORS = {"strict", "surrogateescape"}


def _tolerate_unencodable_text() -> None:
    """Print what the terminal cannot encode as escapes (``\\xf6``) instead of failing.

    A column named ``Größe`` under ``PYTHONIOENCODING=ascii`` or an ASCII locale would
    otherwise end the program with a UnicodeEncodeError. Files are always written as UTF-8.
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors in _FAILING_ERRORS:
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="backslashreplace")


@dataclass
class _SignalState:
    """What `_signals_as_exceptions` knows: the stop signals that arrived during this run, and
    whether (and which) one is held back until a critical section ends."""

    arrived: list[int] = field(default_factory=list)
    held: int = 0  # depth of `_stop_signals_held` sections
    deferred: int | None = None


_SIGNALS = _SignalState()


def _raise_for_signal(signum: int) -> NoReturn:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise _Terminated(signum)


def _reraise_arrived_signal() -> None:
    """Raise again a signal's exception that a library turned into an error of its own, or
    swallowed.

    pandas' parser reports an exception raised inside the stream's ``read`` (where a signal
    handler runs while pandas parses) as a ParserError "Calling read(nbytes) on source failed".
    numpy discards, without a word, one raised inside a pandas dtype's ``__eq__`` while it
    compares dtypes (as ``DataFrame.to_csv`` does). So the signals that arrived are checked
    again before a new file replaces an old one, and before the exit status is returned.
    """
    if _SIGNALS.arrived:
        _raise_for_signal(_SIGNALS.arrived[-1])


@contextlib.contextmanager
def _stop_signals_held() -> Iterator[None]:
    """Hold a stop signal's exception back until the section ends, then raise it.

    The section's own work is never cut in half. (Blocking the signal with
    `signal.pthread_sigmask` would not do: it blocks one thread, and the kernel hands the
    signal to another, such as a BLAS worker, whose C handler still wakes Python's.)
    """
    _SIGNALS.held += 1
    try:
        yield
    finally:
        _SIGNALS.held -= 1
        if not _SIGNALS.held and _SIGNALS.deferred is not None:
            signum, _SIGNALS.deferred = _SIGNALS.deferred, None
            _raise_for_signal(signum)


def _on_stop_signal(signum: int, frame: object) -> None:
    _SIGNALS.arrived.append(signum)
    if _SIGNALS.held:
        _SIGNALS.deferred = signum
        return
    _raise_for_signal(signum)


@contextlib.contextmanager
def _signals_as_exceptions() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into exceptions, remembering that they arrived.

    The exceptions unwind the program, removing temporary files on the way out. Only signals at
    their default action (or, for SIGINT, Python's) are taken over, never one that is ignored
    (``nohup``, a background job), only in the main thread, and the previous handlers are
    restored afterwards.
    """
    _SIGNALS.arrived.clear()
    _SIGNALS.deferred = None
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)  # no SIGHUP on Windows
        default = signal.default_int_handler if name == "SIGINT" else signal.SIG_DFL
        if signum is not None and signal.getsignal(signum) is default:
            previous[signum] = signal.signal(signum, _on_stop_signal)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextlib.contextmanager
def _closed_stderr_discarded() -> Iterator[None]:
    """While the command runs, what is written to a closed standard error (``2>&-``) is lost.

    Python sets a closed stream to None, and ``print(..., file=None)`` writes to standard
    output: the summary and any error message would end up in the table ``--out -`` writes
    there.
    """
    if sys.stderr is not None:
        yield
        return
    with open(os.devnull, "w") as devnull:
        sys.stderr = devnull
        try:
            yield
        finally:
            sys.stderr = None


def _stop(message: str, status: int) -> int:
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
    _tolerate_unencodable_text()
    try:
        with _closed_stderr_discarded(), _signals_as_exceptions():
            status = _run(argv)
            _reraise_arrived_signal()  # one a library swallowed
            return status
    except KeyboardInterrupt:
        return _stop("interrupted", 128 + signal.SIGINT)
    except _Terminated as exc:
        return _stop(f"terminated ({exc})", 128 + exc.signum)
    except BrokenPipeError:
        _silence(sys.stdout)
        return EXIT_BROKEN_PIPE
