"""Progress on a terminal: the one-line status the command line shows on standard error."""

from __future__ import annotations

import contextlib
import math
import os
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
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

    def __enter__(self) -> Progress:
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
