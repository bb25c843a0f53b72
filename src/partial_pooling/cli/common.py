"""What every part of the command line shares: its name, its exit statuses, ``-`` for a standard
stream, and `BadInput`, the error reported in one line on standard error (exit status 2)."""

from __future__ import annotations

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BROKEN_PIPE",
    "PROG",
    "STDIN",
    "BadInput",
    "one_line",
    "source_name",
]

PROG = "partial-pooling"
EXIT_BAD_INPUT = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as if killed by it, like `yes | head -1`
STDIN = "-"


class BadInput(Exception):
    """A problem with the user's input: reported in one line, exit status 2."""


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (its type's name if it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def source_name(path: str) -> str:
    """The input as messages name it: ``standard input`` for ``-``, else the path as given."""
    return "standard input" if path == STDIN else path
