"""The standard streams: a failed or refused write to them is one line, not a traceback.

A full or closed standard output, a closed standard error or input, and text the terminal
cannot encode: each becomes one line on standard error (or nothing, where nothing can be
written), never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from .common import STDIN, BadInput, one_line

__all__ = [
    "check_standard_streams",
    "closed_stderr_discarded",
    "silence",
    "standard_stream",
    "tell",
    "tolerate_unencodable_text",
]


def silence(stream: TextIO) -> None:
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
def standard_stream(stream: TextIO, written: Sequence[str] = ()) -> Iterator[None]:
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
        silence(stream)
        done = ""
        if written:
            verb = "was" if len(written) == 1 else "were"
            done = f"; {_listing(written)} {verb} written all the same"
        raise BadInput(f"cannot write to {name}: {exc.strerror or one_line(exc)}{done}") from None


def tell(stream: TextIO, lines: Sequence[str], written: Sequence[str] = ()) -> None:
    """Print the human-readable report to ``stream`` and flush it (see `standard_stream`)."""
    with standard_stream(stream, written):
        for line in lines:
            print(line, file=stream)
        stream.flush()


def check_standard_streams(args: argparse.Namespace) -> None:
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


#: Error handlers that fail on a character the encoding lacks (surrogateescape, the C locale's
#: choice, passes only undecodable bytes through).
_FAILING_ERRORS = {"strict", "surrogateescape"}


def tolerate_unencodable_text() -> None:
    """Print what the terminal cannot encode as escapes (``\\xf6``) instead of failing.

    A column named ``Größe`` under ``PYTHONIOENCODING=ascii`` or an ASCII locale would
    otherwise end the program with a UnicodeEncodeError. Files are always written as UTF-8.
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors in _FAILING_ERRORS:
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="backslashreplace")


@contextlib.contextmanager
def closed_stderr_discarded() -> Iterator[None]:
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
