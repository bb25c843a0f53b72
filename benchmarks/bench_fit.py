"""Speed and accuracy of the package's fits against statsmodels, and at a million rows.

Run from the repository root:

    .venv/bin/python benchmarks/bench_fit.py            # about a minute on 2 cores
    .venv/bin/python benchmarks/bench_fit.py --quick    # fewer repeats
    .venv/bin/python benchmarks/bench_fit.py --profile  # also cProfile the million-row fit
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_fit.py   # single-threaded BLAS

Prints three tables:

(a) the REML random-intercept fit (``fit_random_intercept``) against statsmodels MixedLM's
    default ``smf.mixedlm(...).fit()`` on radon (log_radon ~ floor | county) and sleepstudy
    (Reaction ~ Days | Subject), and the random-slopes fit (``fit_random_slopes``) against
    ``smf.mixedlm(..., re_formula="~Days").fit()`` on sleepstudy: median wall time, the
    speed-up, and the accuracy of each, as |loglik - best loglik| (best of the three fits) and
    the largest relative difference of the fixed effects from statsmodels fitted tightly
    (`partial_pooling.crosscheck.statsmodels_mixedlm`);
(b) a fit of 1,000,000 rows in 100,000 groups against one pandas
    ``df.groupby("group")["y"].mean()`` over the same frame;
(c) where the million-row fit spends its time: input checks, sufficient statistics, the
    search for psi, and the result object.

Times are medians of repeated runs with `time.perf_counter`, after one warm-up run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import statistics
import time
import warnings
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.formula.api as smf

import partial_pooling
from partial_pooling import datasets, fit_random_intercept, fit_random_slopes
from partial_pooling.crosscheck import statsmodels_mixedlm
from partial_pooling.estimation import maximize_psi
from partial_pooling.grouped import group_data

TARGET_SPEEDUP = 10.0  # at least this much faster than statsmodels' default fit on radon
TARGET_GROUPBY_RATIO = 30.0  # million-row fit within this multiple of one group-by mean


def run_times(fn: Callable[[], object], repeats: int, warmup: int = 1) -> list[float]:
    """Wall times of ``fn()`` in seconds over ``repeats`` runs, after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def median_time(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds."""
    return statistics.median(run_times(fn, repeats, warmup))


def sm_default(data: pd.DataFrame, y: str, group: str, x: str, re_formula: str | None = None):
    """statsmodels MixedLM as a user would call it: formula, default ``fit()`` (REML)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = smf.mixedlm(f"{y} ~ {x}", data, groups=data[group], re_formula=re_formula)
        return model.fit()


def max_rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def table(header: list[str], rows: list[list[str]]) -> str:
    """A plain aligned text table: first column left-aligned, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        out = [str(cells[0]).ljust(widths[0])]
        out += [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join(out)

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


# ---------------------------------------------------------------------------------------------
# (a) against statsmodels


def compare_random_intercept(name: str, data, y, group, x, repeats: int) -> list[list[str]]:
    ours = fit_random_intercept(data, y, group, x)
    sm = sm_default(data, y, group, x)
    tight = statsmodels_mixedlm(data, y, group, x, "REML")
    t_ours = median_time(lambda: fit_random_intercept(data, y, group, x), repeats)
    t_sm = median_time(lambda: sm_default(data, y, group, x), repeats)
    best = max(ours.loglik, float(sm.llf), float(tight.llf))
    fe_tight = tight.fe_params[["Intercept", x]].to_numpy()
    fe_ours = ours.fixed[["Intercept", x]].to_numpy()
    fe_sm = sm.fe_params[["Intercept", x]].to_numpy()
    label = f"{name}: {y} ~ {x} | {group}"
    return [
        [
            label,
            "partial_pooling",
            fmt_time(t_ours),
            f"{t_sm / t_ours:.0f}x",
            f"{abs(ours.loglik - best):.1e}",
            f"{max_rel_diff(fe_ours, fe_tight):.1e}",
        ],
        [
            "",
            "statsmodels fit()",
            fmt_time(t_sm),
            "1x",
            f"{abs(float(sm.llf) - best):.1e}",
            f"{max_rel_diff(fe_sm, fe_tight):.1e}",
        ],
    ]


def compare_random_slopes(data, repeats: int) -> list[list[str]]:
    y, group, x = "Reaction", "Subject", "Days"
    ours = fit_random_slopes(data, y, group, x)
    sm = sm_default(data, y, group, x, re_formula="~Days")
    tight = statsmodels_mixedlm(data, y, group, x, "REML", re_formula="~Days")
    t_ours = median_time(lambda: fit_random_slopes(data, y, group, x), repeats)
    t_sm = median_time(lambda: sm_default(data, y, group, x, re_formula="~Days"), repeats)
    best = max(ours.loglik, float(sm.llf), float(tight.llf))
    fe_tight = tight.fe_params[["Intercept", x]].to_numpy()
    return [
        [
            f"sleepstudy slopes: {y} ~ {x} | (1 + {x} | {group})",
            "partial_pooling",
            fmt_time(t_ours),
            f"{t_sm / t_ours:.1f}x",
            f"{abs(ours.loglik - best):.1e}",
            f"{max_rel_diff(ours.mu[['Intercept', x]].to_numpy(), fe_tight):.1e}",
        ],
        [
            "",
            "statsmodels fit()",
            fmt_time(t_sm),
            "1x",
            f"{abs(float(sm.llf) - best):.1e}",
            f"{max_rel_diff(sm.fe_params[['Intercept', x]].to_numpy(), fe_tight):.1e}",
        ],
    ]


# ---------------------------------------------------------------------------------------------
# (b) a million rows


def million_rows(seed: int = 20240611, N: int = 1_000_000, J: int = 100_000) -> pd.DataFrame:
    """``N`` rows in (about) ``J`` groups of random size: integer codes, one covariate."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, J, size=N)
    x = rng.standard_normal(N)
    a = rng.normal(0.0, 0.7, size=J)
    y = 1.0 + 0.5 * x + a[group] + rng.standard_normal(N)
    return pd.DataFrame({"y": y, "x": x, "group": group})


def breakdown(df: pd.DataFrame, repeats: int) -> list[list[str]]:
    """Time the stages inside ``fit_random_intercept`` runs, and report the fastest run.

    ``group_data`` and ``maximize_psi`` are wrapped in place (the sufficient statistics are
    computed in the wrapper, right after the checks), so the stages add up to the run's total;
    the fastest run is the one least disturbed by other load on the machine.
    """
    import partial_pooling.estimation as estimation

    stages: dict[str, float] = {}
    original_group_data, original_maximize = estimation.group_data, estimation.maximize_psi

    def timed_group_data(*args, **kwargs):
        t0 = time.perf_counter()
        g = original_group_data(*args, **kwargs)
        t1 = time.perf_counter()
        g.stats  # noqa: B018 - a cached property: compute it here, to time it
        stages["check"], stages["stats"] = t1 - t0, time.perf_counter() - t1
        return g

    def timed_maximize(*args, **kwargs):
        t0 = time.perf_counter()
        out = original_maximize(*args, **kwargs)
        stages["psi"] = time.perf_counter() - t0
        return out

    runs = []
    estimation.group_data, estimation.maximize_psi = timed_group_data, timed_maximize
    try:
        for _ in range(repeats + 1):
            t0 = time.perf_counter()
            fit_random_intercept(df, "y", "group", "x")
            stages["total"] = time.perf_counter() - t0
            runs.append(dict(stages))
    finally:
        estimation.group_data, estimation.maximize_psi = original_group_data, original_maximize
    best = min(runs[1:], key=lambda r: r["total"])  # the first run is a warm-up
    stats = group_data(df, "y", "group", "x").stats
    n_calls = len(_count_profile_calls(stats))
    rows = [
        ["group_data: checks, factorize", best["check"]],
        ["sufficient statistics (one pass)", best["stats"]],
        [f"maximize_psi ({n_calls} profile() calls)", best["psi"]],
        [
            "BLUPs and result object (rest)",
            best["total"] - best["check"] - best["stats"] - best["psi"],
        ],
        ["fit_random_intercept, total", best["total"]],
    ]
    return [[name, fmt_time(t), f"{100 * t / best['total']:.0f}%"] for name, t in rows]


def _count_profile_calls(stats) -> list[float]:
    """The psi values at which maximize_psi evaluates the profiled likelihood."""
    import partial_pooling.estimation as estimation

    seen: list[float] = []
    original = estimation.profile

    def counting(st, psi, method="REML"):
        seen.append(psi)
        return original(st, psi, method)

    estimation.profile = counting
    try:
        maximize_psi(stats, "REML")
    finally:
        estimation.profile = original
    return seen


def profile_million(df: pd.DataFrame) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fit_random_intercept(df, "y", "group", "x")
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--profile", action="store_true", help="cProfile the million-row fit")
    args = parser.parse_args(argv)
    small_repeats, big_repeats = (3, 2) if args.quick else (15, 5)

    print(
        f"partial_pooling {partial_pooling.__version__}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, statsmodels {statsmodels.__version__}, "
        f"Python {platform.python_version()}, {date.today()}"
    )
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset (one per CPU)")
    print(
        f"{os.cpu_count()} CPUs, load average before the run: {load}; "
        f"OPENBLAS_NUM_THREADS={threads}"
    )
    print(f"repeats: {small_repeats} (small data), {big_repeats} (million rows); REML throughout")
    print()

    radon, sleep = datasets.radon(), datasets.sleepstudy()
    rows = compare_random_intercept("radon", radon, "log_radon", "county", "floor", small_repeats)
    rows += compare_random_intercept(
        "sleepstudy", sleep, "Reaction", "Subject", "Days", small_repeats
    )
    rows += compare_random_slopes(sleep, small_repeats)
    print("(a) against statsmodels MixedLM (default fit); accuracy vs statsmodels fitted tightly")
    print(
        table(
            ["model", "fit", "median", "speed-up", "|ll - best|", "fixed eff. rel.diff"],
            rows,
        )
    )
    radon_speedup = float(rows[0][3].rstrip("x"))
    verdict = "met" if radon_speedup >= TARGET_SPEEDUP else "NOT met"
    print(f"target: >= {TARGET_SPEEDUP:.0f}x faster than statsmodels on radon: {verdict}")
    print()

    df = million_rows()
    J = df["group"].nunique()
    t_cold0 = time.perf_counter()
    fit_random_intercept(df, "y", "group", "x")
    t_cold = time.perf_counter() - t_cold0
    fit_times = run_times(lambda: fit_random_intercept(df, "y", "group", "x"), big_repeats)
    gb_times = run_times(lambda: df.groupby("group")["y"].mean(), big_repeats)
    t_fit, t_gb = statistics.median(fit_times), statistics.median(gb_times)
    ratio = t_fit / t_gb
    print(f"(b) {len(df):,} rows in {J:,} groups (integer codes, one covariate)")
    print(
        table(
            ["operation", "median", "fastest", "ratio (medians)"],
            [
                [
                    "fit_random_intercept (REML)",
                    fmt_time(t_fit),
                    fmt_time(min(fit_times)),
                    f"{ratio:.1f}",
                ],
                ["  first call in the process", fmt_time(t_cold), "", f"{t_cold / t_gb:.1f}"],
                [
                    'df.groupby("group")["y"].mean()',
                    fmt_time(t_gb),
                    fmt_time(min(gb_times)),
                    "1.0",
                ],
            ],
        )
    )
    verdict = "met" if ratio <= TARGET_GROUPBY_RATIO else "NOT met"
    print(f"target: fit within {TARGET_GROUPBY_RATIO:.0f}x of the group-by mean: {verdict}")
    print()

    print("(c) where the million-row fit spends its time (its fastest run)")
    print(table(["stage", "time", "share"], breakdown(df, big_repeats)))
    if args.profile or ratio > TARGET_GROUPBY_RATIO:
        print()
        print(profile_million(df))


if __name__ == "__main__":
    main()
