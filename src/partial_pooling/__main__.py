"""``python -m partial_pooling``: the command line (see `partial_pooling.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
