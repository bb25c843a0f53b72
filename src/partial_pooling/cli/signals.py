"""Stop signals: SIGINT, SIGTERM and SIGHUP as exceptions that unwind the command line.

The exceptions remove temporary files on their way out; a critical section can hold them back
until it ends (`stop_signals_held`), and a signal that a library swallowed is raised again
(`reraise_arrived_signal`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NoReturn

__all__ = [
    "Terminated",
    "reraise_arrived_signal",
    "signals_as_exceptions",
    "stop_signals_held",
]


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (removing any temporary file) and exit 128 + signal.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` on the way (in a
    library, say) swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class _SignalState:
    """What `signals_as_exceptions` knows: the stop signals that arrived during this run, and
    whether (and which) one is held back until a critical section ends."""

    arrived: list[int] = field(default_factory=list)
    held: int = 0  # depth of `stop_signals_held` sections
    deferred: int | None = None


_SIGNALS = _SignalState()


def _raise_for_signal(signum: int) -> NoReturn:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def reraise_arrived_signal() -> None:
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
def stop_signals_held() -> Iterator[None]:
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
def signals_as_exceptions() -> Iterator[None]:
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
