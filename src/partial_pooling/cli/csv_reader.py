"""CSV input: the columns ``fit`` uses, read as their author meant them (`read_data`).

Only the used columns are parsed, a chunk of rows at a time into preallocated blocks; the
group column is read as text labels; a text value in a numeric column, an unknown or
duplicated column name and a row too long are errors that name the line (see
`partial_pooling.cli.csv_scanner` for the header and the line numbers).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from .common import STDIN, BadInput, one_line, source_name
from .csv_scanner import Head, Lines, Scanner, read_head
from .progress import Progress
from .signals import reraise_arrived_signal

__all__ = ["NUMERIC_NA", "Columns", "Data", "read_columns", "read_data"]

#: pandas' default missing-value strings (`pandas.read_csv`, ``na_values``): missing in the
#: numeric columns. The group column treats only an empty cell as missing.
NUMERIC_NA = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip


_CHUNK_FIELDS = 1 << 21  # fields tokenized per chunk of rows: bounds the reader's memory


@dataclass(frozen=True)
class Columns:
    """The columns ``fit`` uses, by role, and their positions in the file."""

    y: str
    group: str
    x: tuple[str, ...]
    positions: dict[str, int] = field(default_factory=dict)
    x_flag: str = "--x"  # the option that named the covariates (in messages)
    labels: tuple[str, ...] = ()  # more columns read as text labels, like ``group``
    auto: tuple[str, ...] = ()  # columns read as numbers if every value is one, else as labels
    flag: str | None = None  # the one option that named every column (``--formula``)

    @property
    def numeric(self) -> list[tuple[str, str]]:
        """(name, role) of the numeric columns."""
        return [(self.y, "response")] + [(name, "covariate") for name in self.x]

    @property
    def text(self) -> list[str]:
        """The columns read as labels: ``group``, ``labels`` and ``auto``, once each."""
        return list(dict.fromkeys([self.group, *self.labels, *self.auto]))


def _locate(names: list[str], columns: Columns, source: str) -> dict[str, int]:
    """Position of each used column in the header; an unknown or duplicated name is an error."""
    where: dict[str, list[int]] = {}
    for k, name in enumerate(names):
        where.setdefault(name, []).append(k)
    flags = [(columns.y, "--y"), (columns.group, "--group")]
    flags += [(name, columns.x_flag) for name in columns.x]
    flags += [(name, "--formula") for name in (*columns.labels, *columns.auto)]
    if columns.flag is not None:
        flags = [(name, columns.flag) for name, _ in flags]
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
    """The message for a column the header lacks: its columns, and the nearest names."""
    if len(names) <= 12:
        listing = "its columns are " + ", ".join(map(repr, names))
    else:
        listing = f"it has {len(names)} columns"
    near = difflib.get_close_matches(name, names, n=3)
    near += [n for n in names if n.casefold() == name.casefold() and n not in near][:1]
    hint = f"; did you mean {' or '.join(map(repr, near))}?" if near else ""
    return f"{source}: no column {name!r} ({flag}); {listing}{hint}"


def _check_distinct(columns: Columns) -> None:
    """A column may have one role only (response, group or covariate)."""
    seen: set[str] = set()
    for name in (columns.y, *dict.fromkeys((columns.group, *columns.labels)), *columns.x):
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
class Data:
    """A data frame read from a CSV file, and how its rows map to the file's lines."""

    frame: pd.DataFrame
    lines: Lines
    source: str


@dataclass
class _Accumulator:
    """The used columns, chunk by chunk: numeric columns as float64, labels as integer codes."""

    columns: Columns
    numeric: dict[str, _Column]
    text: dict[str, _Labels] = field(default_factory=dict)
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
                for name in self.columns.text:
                    labels = self.text.setdefault(name, _Labels())
                    labels.extend(chunk[_key(self.columns.positions[name])])
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

    def frame(self, lines: Lines) -> pd.DataFrame:
        """The data frame of the used columns, indexed by line number (no column copied twice)."""
        data: dict[str, object] = {
            name: self.numeric[name].finish() for name, _ in self.columns.numeric
        }
        for name in self.columns.text:
            labels = self.text.get(name, _Labels()).finish()
            data[name] = _as_numbers(labels) if name in self.columns.auto else labels
        order = [self.columns.y, *self.columns.text, *self.columns.x]
        return pd.DataFrame({name: data[name] for name in order}, index=lines.index(), copy=False)


def _as_numbers(labels: Any) -> Any:
    """A column read as labels, as float64 if every label is a number (else as it is)."""
    values = pd.to_numeric(pd.Series(labels.categories, dtype=object), errors="coerce")
    if values.isna().any():
        return labels
    table = np.append(values.to_numpy(dtype=np.float64), np.nan)  # code -1: missing
    return np.asarray(table[np.asarray(labels.codes)], dtype=np.float64)


class _Labels:
    """A column of text labels, chunk by chunk, kept as integer codes (4 bytes a row)."""

    def __init__(self) -> None:
        self.codes = _Column(np.int32)
        self.labels = pd.Index([], dtype=object)

    def extend(self, col: pd.Series) -> None:
        """Append a chunk's labels."""
        self.codes.extend(self._codes(col))

    def _codes(self, col: pd.Series) -> np.ndarray:
        local, uniques = pd.factorize(col.to_numpy(dtype=object))  # -1: missing
        uniques = pd.Index(uniques, dtype=object, copy=False)
        ids = self.labels.get_indexer(uniques)  # this chunk's labels among those seen before
        new = ids == -1
        if new.any():
            self.labels = self.labels.append(uniques[new])
            ids[new] = np.arange(len(self.labels) - int(new.sum()), len(self.labels))
        return np.append(ids, -1).astype(np.int32)[local]

    def finish(self) -> Any:
        """The column: a Categorical of the labels as text, its categories sorted.

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
        column: Any = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))
        return column


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
        raise BadInput(f"cannot read {path!r}: {exc.strerror or one_line(exc)}") from None
    with handle:
        yield handle, stat.S_ISREG(os.fstat(handle.fileno()).st_mode)


def _check_first_record(head: Head, source: str) -> None:
    """The first data record may not have more fields than the header."""
    fields = len(head.names)
    if head.first_fields is not None and head.first_fields > fields:
        raise BadInput(
            f"{source}: line {head.first_line} has {head.first_fields} fields but the header "
            f"has {fields}: a field with an unquoted comma? Or a first (index) column with no "
            "name in the header? (name it)"
        )


def _chunks(scanner: Scanner, columns: Columns, fields: int) -> Iterator[pd.DataFrame]:
    """The used columns, a chunk of rows at a time (of bounded size, whatever the width)."""
    positions = columns.positions
    na = {_key(positions[name]): list(NUMERIC_NA) for name, _ in columns.numeric}
    text = [_key(positions[name]) for name in columns.text]
    for at in text:
        na[at] = [""]  # a label is missing only when its cell is empty
    for name in columns.auto:
        if name not in (columns.group, *columns.labels):
            na[_key(positions[name])] = list(NUMERIC_NA)  # a number, or a label
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)  # mixed types: reported later
        reader = pd.read_csv(
            scanner,
            header=0,
            names=[_key(k) for k in range(fields)],  # the header's own names may repeat
            usecols=sorted(set(positions.values())),
            index_col=False,
            dtype=dict.fromkeys(text, object),
            na_values=na,
            keep_default_na=False,
            encoding="utf-8",
            chunksize=max(1, _CHUNK_FIELDS // fields),
        )
        with reader:
            yield from reader


def read_columns(path: str, columns: Columns, progress: Progress | None = None) -> Data:
    """Read the used columns of a CSV file (see `read_data`), with its line numbering."""
    _check_distinct(columns)
    source = source_name(path)
    with _open_input(path) as (stream, rereadable):
        head = read_head(stream, source)
        columns = replace(columns, positions=_locate(head.names, columns, source))
        _check_first_record(head, source)
        scanner = Scanner(stream, head.raw, len(head.names), check=head.whole)
        acc = _Accumulator(columns, {name: _Column(np.float64) for name, _ in columns.numeric})
        if progress is not None:
            progress.show(f"reading {source}", now=True)
            scanner.on_read = _reading_status(progress, source, stream, rereadable)
        try:
            for chunk in _chunks(scanner, columns, len(head.names)):
                acc.add(chunk)
        except (OSError, ValueError) as exc:  # ParserError, UnicodeDecodeError: ValueErrors
            reraise_arrived_signal()
            raise BadInput(_unreadable(exc, scanner, source)) from None
    lines = Lines(
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
    return Data(acc.frame(lines), lines, source)


def _reading_status(
    progress: Progress, source: str, stream: BinaryIO, rereadable: bool
) -> Callable[[int], None]:
    """What to show while reading: the share of a file read, or the megabytes of a stream."""
    size = os.fstat(stream.fileno()).st_size if rereadable else 0

    def show(done: int) -> None:
        if size:
            progress.show(f"reading {source}: {min(done / size, 1):.0%} of {size / 1e6:,.0f} MB")
        else:
            progress.show(f"reading {source}: {done / 1e6:,.0f} MB")

    return show


def _unreadable(exc: Exception, scanner: Scanner, source: str) -> str:
    """The message for a file pandas could not parse (or a row the scanner found too long)."""
    if scanner.ragged is not None:
        return f"{source}: {scanner.ragged}"
    if isinstance(exc, UnicodeDecodeError):
        return f"cannot read {source}: it is not UTF-8 text ({exc.reason})"
    return f"cannot read {source} as CSV: {one_line(exc)}"


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
    return read_columns(path, Columns(y, group, tuple(x or ()))).frame
