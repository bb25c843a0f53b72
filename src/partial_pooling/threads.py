"""One BLAS thread for the package's small dense linear algebra.

The fits work on small matrices: $p \\times p$ and $q \\times q$ factors, one per group, or a
few per value of $\\psi$. OpenBLAS starts one thread per core for each call, and when the
machine is busy (notebook kernels side by side, a browser, a build) those threads wait for a
core: a $1 \\times 1$ triangular solve was measured at 3.5 to 33 ms instead of microseconds,
and the radon REML fit at 150 ms instead of 6 ms. `one_blas_thread` limits the BLAS libraries
that numpy and scipy loaded to one thread for the duration of a call, with threadpoolctl, and
restores the caller's setting afterwards; the environment (``OPENBLAS_NUM_THREADS``) is not
touched. On a quiet machine it costs a few microseconds a call and the million-row fit is as
fast (its work is in numpy's element-wise and grouping code, not in BLAS;
``benchmarks/bench_load.py`` measures both).

The limit is process-wide while it lasts, as BLAS thread counts are: another Python thread
doing BLAS work at the same time also runs single-threaded until the call returns.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

__all__ = ["one_blas_thread", "single_blas_thread"]

P = ParamSpec("P")
R = TypeVar("R")

_controller: Any = None


def _blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries, made once (inspecting the loaded
    libraries takes milliseconds; changing their thread counts, microseconds)."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController().select(user_api="blas")
    return _controller


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with one BLAS thread, then restore the previous thread counts."""
    with _blas_controller().limit(limits=1):
        yield


def single_blas_thread(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate ``function`` to run under `one_blas_thread`."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_blas_thread():
            return function(*args, **kwargs)

    return wrapper
