"""The byte-level CSV scanner: the header, the line numbers, the rows that are too long.

pandas' parser reads the data; around it, the header and the first data record are read with
the `csv` module (`read_head`), and the stream pandas reads is counted as it goes (`Scanner`):
its line breaks, to map records to the line numbers a text editor shows (`Lines`), and its
commas, to find a row with more fields than the header.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, NoReturn

import numpy as np
import pandas as pd

from .common import BadInput, one_line

__all__ = ["Head", "Lines", "Scanner", "read_head"]

_HEADER_MAX_LINES = 1000  # a header record longer than this has an unbalanced quote


@dataclass
class Lines:
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
class Head:
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


def read_head(stream: BinaryIO, source: str) -> Head:
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
            raise BadInput(f"cannot read {source} as CSV: {one_line(exc)}") from None
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
            return Head(header, b"".join(consumed), header_lines, None, header_lines + 1, False)
    return Head(
        header, b"".join(consumed), header_lines, None if first is None else len(first), start
    )


class _RaggedRow(ValueError):
    """A row with more fields than the header (found while streaming the file to pandas)."""


class Scanner(io.RawIOBase):
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
        return int(n)

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
