"""The ``partial-pooling`` command's entry point: Ctrl-C is one line even during start-up.

Importing the package (numpy, scipy, pandas) takes most of a second; a Ctrl-C then would
print a traceback before `partial_pooling.cli.main` could install its handlers. This module
imports nothing heavy itself and catches that interrupt, also when a library turns it into an
error of its own: an interrupt inside numpy's C extensions surfaces as an ``ImportError``
("Importing the numpy C-extensions failed ... could not import module 'datetime'").
"""

from __future__ import annotations

import signal
import sys
from types import FrameType


def _interrupted() -> int:
    sys.stderr.write("partial-pooling: interrupted\n")
    return 130


def main() -> int:
    """Import the command line and run it; exit status 130 after Ctrl-C at any time."""
    arrived: list[int] = []

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        arrived.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        from partial_pooling.cli import main as run
    except KeyboardInterrupt:
        return _interrupted()
    except Exception:
        if arrived:  # the interrupt, reported by a library as its own error
            return _interrupted()
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
