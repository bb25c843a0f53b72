"""Small fits on a busy machine: the radon REML fit, quiet and beside BLAS-heavy processes.

Run from the repository root:

    .venv/bin/python benchmarks/bench_load.py            # about 30 s on 2 cores
    .venv/bin/python benchmarks/bench_load.py --busy 3   # three busy processes instead of two
    OPENBLAS_CORETYPE=Prescott .venv/bin/python benchmarks/bench_load.py   # another kernel

Times, as medians of repeated runs with `time.perf_counter` after a warm-up:

* ``radon REML``: `fit_random_intercept(radon, "log_radon", "county", "floor")`;
* ``sleepstudy slopes``: `fit_random_slopes(sleepstudy, "Reaction", "Subject", "Days")`;
* ``10^6 rows``: a random-intercept fit of 1,000,000 rows in 100,000 groups (fewer repeats);

on a quiet machine and beside ``--busy`` other processes (default 2, one per core here) that
each multiply 400 x 400 matrices with numpy in a loop, with OpenBLAS's default number of
threads: what notebook kernels running side by side, or a laptop's other work, do. Quiet and
loaded phases alternate for ``--rounds`` rounds (the busy processes start 2 s before each
loaded phase and stop after it), and the medians are over all rounds. The ratio loaded / quiet
is what the README's "machine under load" row reports.

Run it with the package of another commit to compare (``PYTHONPATH=/path/to/checkout/src``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import partial_pooling as pp
from partial_pooling import datasets


def _busy(stop: mp.synchronize.Event, size: int) -> None:  # pragma: no cover - a child process
    rng = np.random.default_rng(os.getpid())
    a = rng.normal(size=(size, size))
    b = rng.normal(size=(size, size))
    while not stop.is_set():
        a = np.tanh(a @ b)


def run_times(fn: Callable[[], object], repeats: int, warmup: int = 2) -> list[float]:
    """Wall times of ``repeats`` calls in milliseconds, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - start))
    return times


def million_rows(seed: int = 20240611, N: int = 1_000_000, J: int = 100_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, J, size=N)
    x = rng.normal(size=N)
    y = 1.0 + 0.5 * x + rng.normal(scale=0.7, size=J)[g] + rng.normal(size=N)
    return pd.DataFrame({"y": y, "g": g, "x": x})


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return "threadpoolctl not installed"
    return "; ".join(
        f"{i.get('internal_api')} {i.get('architecture')} {i.get('num_threads')} threads"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--busy", type=int, default=2, help="busy processes (default 2)")
    parser.add_argument("--repeats", type=int, default=41, help="runs per round (radon)")
    parser.add_argument("--rounds", type=int, default=3, help="quiet/loaded rounds")
    parser.add_argument("--no-million", action="store_true", help="skip the 10^6-row fit")
    args = parser.parse_args(argv)

    radon = datasets.radon()
    sleep = datasets.sleepstudy()
    cases: list[tuple[str, Callable[[], object], int]] = [
        (
            "radon REML",
            lambda: pp.fit_random_intercept(radon, y="log_radon", group="county", x="floor"),
            args.repeats,
        ),
        (
            "sleepstudy slopes",
            lambda: pp.fit_random_slopes(sleep, y="Reaction", group="Subject", x="Days"),
            max(5, args.repeats // 4),
        ),
    ]
    if not args.no_million:
        big = million_rows()
        cases.append(
            ("10^6 rows", lambda: pp.fit_random_intercept(big, y="y", group="g", x="x"), 5)
        )

    cpu = platform.processor() or platform.machine()
    print(f"{cpu}, {os.cpu_count()} CPUs; BLAS: {blas_info()}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    quiet: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    loaded: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    ctx = mp.get_context("spawn")
    for _ in range(args.rounds):  # quiet and loaded in turn, so that drift hits both
        for name, fn, n in cases:
            quiet[name].extend(run_times(fn, n))
        stop = ctx.Event()
        workers = [
            ctx.Process(target=_busy, args=(stop, 400), daemon=True) for _ in range(args.busy)
        ]
        for w in workers:
            w.start()
        time.sleep(2.0)  # let them get going
        try:
            for name, fn, n in cases:
                loaded[name].extend(run_times(fn, n))
        finally:
            stop.set()
            for w in workers:
                w.join(timeout=10)
                if w.is_alive():
                    w.terminate()

    print(f"\n| fit | quiet median | beside {args.busy} busy BLAS processes | ratio |")
    print("|---|---|---|---|")
    for name, _, _ in cases:
        q, b = statistics.median(quiet[name]), statistics.median(loaded[name])
        print(f"| {name} | {q:.1f} ms | {b:.1f} ms | {b / q:.1f}x |")


if __name__ == "__main__":
    main()
