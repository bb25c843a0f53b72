"""The ``partial-pooling`` command's entry point: Ctrl-C is one line even during start-up.

Importing the package (numpy, scipy, pandas) takes most of a second; a Ctrl-C then would
print a traceback before `partial_pooling.cli.main` could install its handlers. This module
imports nothing heavy itself and catches that interrupt.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Import the command line and run it; exit status 130 after Ctrl-C at any time."""
    try:
        from partial_pooling.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("partial-pooling: interrupted\n")
        return 130
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
