"""Speed and accuracy of the package's fits against statsmodels and lme4, and at a million rows.

Run from the repository root:

    .venv/bin/python benchmarks/bench_fit.py            # about a minute on 2 cores
    .venv/bin/python benchmarks/bench_fit.py --quick    # fewer repeats
    .venv/bin/python benchmarks/bench_fit.py --profile  # also cProfile the million-row fit
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_fit.py   # single-threaded BLAS
    .venv/bin/python benchmarks/bench_fit.py --no-lme4  # skip R even when it is installed

Prints four tables:

(a) the REML random-intercept fit (``fit_random_intercept``) against statsmodels MixedLM's
    default ``smf.mixedlm(...).fit()`` on radon (log_radon ~ floor | county) and sleepstudy
    (Reaction ~ Days | Subject), and the random-slopes fit (``fit_random_slopes``) against
    ``smf.mixedlm(..., re_formula="~Days").fit()`` on sleepstudy: median wall time, the
    speed-up, and the accuracy of each, as |loglik - best loglik| (best of the three fits) and
    the largest relative difference of the fixed effects from statsmodels fitted tightly
    (`partial_pooling.site.crosscheck.statsmodels_mixedlm`);
(b) a fit of 1,000,000 rows in 100,000 groups against one pandas
    ``df.groupby("group")["y"].mean()`` over the same frame;
(c) where the million-row fit spends its time: input checks, sufficient statistics, the
    search for psi, and the result object;
(d) ours, lme4 and statsmodels side by side (median times) with the REML log-likelihoods of
    ours and lme4.

When ``Rscript`` and the R package lme4 are installed (Debian: ``apt-get install r-base-core
r-cran-lme4``; never a dependency of the package or its tests), every data set is written to a
CSV in a temporary folder and ``benchmarks/lme4_bench.R`` fits ``lmer(..., REML = TRUE)`` on
exactly the same numbers, timed inside R; (a) and (b) then have lme4 rows, (a) also has a random
slopes fit with q = 3 (two covariates), and (d) is filled in. Without them the script says so in
one line and runs the rest.

Times are medians of repeated runs with `time.perf_counter` (lme4: `Sys.time()` inside R),
after one warm-up run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.formula.api as smf

import partial_pooling
from partial_pooling import datasets, fit_random_intercept, fit_random_slopes
from partial_pooling.estimation import maximize_psi
from partial_pooling.grouped import group_data
from partial_pooling.site.crosscheck import statsmodels_mixedlm

TARGET_SPEEDUP = 10.0  # at least this much faster than statsmodels' default fit on radon
TARGET_GROUPBY_RATIO = 30.0  # million-row fit within this multiple of one group-by mean
LME4_SCRIPT = Path(__file__).with_name("lme4_bench.R")
LME4_INSTALL = "apt-get install r-base-core r-cran-lme4 (Debian/Ubuntu)"


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
# lme4, through Rscript


@dataclass
class Lme4Job:
    """One lme4 fit: the data (written to CSV as is), the lmer formula, the grouping column."""

    name: str
    data: pd.DataFrame
    formula: str
    group: str
    repeats: int  # timed fits after the warm-up; 0: the single (warm-up) fit is the timing


@dataclass
class Lme4Fit:
    median: float  # seconds
    fastest: float
    repeats: int
    loglik: float  # logLik(fit): REML, lme4's constant (the same as ours)
    fixed: pd.Series
    messages: str  # warnings and messages lmer gave, if any


def run_lme4(jobs: list[Lme4Job], folder: Path) -> tuple[dict[str, Lme4Fit], str]:
    """Fit the jobs with lme4 in one Rscript process; return the fits and a line saying so.

    Each data set goes to a CSV in ``folder`` (pandas writes floats to round-trip), so R fits
    the same numbers as Python; the fits are timed inside R, CSV reading excluded. With no
    Rscript, or no lme4 for it, or a failed run, returns no fits and a line saying why.
    """
    rscript = shutil.which("Rscript")
    if rscript is None:
        return {}, f"lme4 not found (no Rscript on PATH), not compared; install: {LME4_INSTALL}"
    manifest = []
    for job in jobs:
        csv = folder / f"{job.name}.csv"
        job.data.to_csv(csv, index=False)
        manifest.append([job.name, str(csv), job.formula, job.group, job.repeats])
    jobs_tsv = folder / "jobs.tsv"
    pd.DataFrame(manifest, columns=["name", "csv", "formula", "group", "repeats"]).to_csv(
        jobs_tsv, sep="\t", index=False
    )
    try:
        proc = subprocess.run(
            [rscript, "--vanilla", str(LME4_SCRIPT), str(jobs_tsv)],
            capture_output=True,
            text=True,
            timeout=1800,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return {}, f"lme4 run failed ({err}), not compared"
    if proc.returncode == 3 or "NO_LME4" in proc.stdout:
        return {}, (
            f"lme4 not found (Rscript at {rscript}, but no R package lme4), not compared; "
            f"install: {LME4_INSTALL}"
        )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no message"]
        return {}, f"lme4 run failed (Rscript exit {proc.returncode}: {tail[0]}), not compared"
    fits: dict[str, Lme4Fit] = {}
    versions = "R ?, lme4 ?"
    repeats = {job.name: job.repeats for job in jobs}
    for line in proc.stdout.splitlines():
        parts = line.split("\t")
        if parts[0] == "VERSIONS":
            versions = f"R {parts[1]}, lme4 {parts[2]}"
        elif parts[0] == "RESULT":
            name, med, fastest, ll, fe_txt = parts[1:6]
            fixed = pd.Series(
                {k: float(v) for k, v in (kv.split("=", 1) for kv in fe_txt.split(";"))}
            ).rename({"(Intercept)": "Intercept"})
            fits[name] = Lme4Fit(
                float(med),
                float(fastest),
                max(repeats[name], 1),
                float(ll),
                fixed,
                parts[6] if len(parts) > 6 else "",
            )
    return fits, f"{versions} ({rscript}): lmer(..., REML = TRUE) on the same CSV data, timed in R"


# ---------------------------------------------------------------------------------------------
# (a) against statsmodels and lme4


@dataclass
class Comparison:
    """One model's figures for the side-by-side table (d)."""

    label: str
    t_ours: float
    t_sm: float | None
    t_lme4: float | None
    ll_ours: float
    ll_lme4: float | None


def fmt_speedup(ratio: float) -> str:
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"


def _rows(
    label: str,
    t_ours: float,
    t_sm: float,
    lls: dict[str, float],
    fes: dict[str, np.ndarray],
    fe_ref: np.ndarray | None,
    lme4: Lme4Fit | None,
) -> list[list[str]]:
    best = max(lls.values())
    times = {"partial_pooling": t_ours, "statsmodels fit()": t_sm}
    if lme4 is not None:
        times["lme4 lmer()"] = lme4.median
    rows = []
    for fit, t in times.items():
        rel = "n/a" if fe_ref is None else f"{max_rel_diff(fes[fit], fe_ref):.1e}"
        rows.append(
            [
                label if not rows else "",
                fit,
                fmt_time(t),
                "1x" if fit.startswith("statsmodels") else fmt_speedup(t_sm / t),
                f"{abs(lls[fit] - best):.1e}",
                rel,
            ]
        )
    return rows


def compare_random_intercept(
    name: str, data, y, group, x, repeats: int, lme4: Lme4Fit | None = None
) -> tuple[list[list[str]], Comparison]:
    ours = fit_random_intercept(data, y=y, group=group, x=x)
    sm = sm_default(data, y, group, x)
    tight = statsmodels_mixedlm(data, y=y, group=group, x=x, method="REML")
    t_ours = median_time(lambda: fit_random_intercept(data, y=y, group=group, x=x), repeats)
    t_sm = median_time(lambda: sm_default(data, y, group, x), repeats)
    cols = ["Intercept", x]
    lls = {"partial_pooling": ours.loglik, "statsmodels fit()": float(sm.llf)}
    lls["tight"] = tight.loglik
    fes = {"partial_pooling": ours.fixed[cols].to_numpy(), "statsmodels fit()": sm.fe_params[cols]}
    if lme4 is not None:
        lls["lme4 lmer()"], fes["lme4 lmer()"] = lme4.loglik, lme4.fixed[cols].to_numpy()
    label = f"{name}: {y} ~ {x} | {group}"
    rows = _rows(label, t_ours, t_sm, lls, fes, tight.fixed[cols].to_numpy(), lme4)
    return rows, Comparison(
        label, t_ours, t_sm, lme4 and lme4.median, ours.loglik, lme4 and lme4.loglik
    )


def compare_random_slopes(
    name: str, data, y, group, xs: list[str], repeats: int, lme4: Lme4Fit | None = None
) -> tuple[list[list[str]], Comparison]:
    """``fit_random_slopes(data, y, group, xs)`` against statsmodels (and lme4).

    The fixed effects are compared with statsmodels fitted tightly, or, should that not
    converge, with lme4's (or "n/a" without lme4).
    """
    re_formula = "~" + " + ".join(xs)
    ours = fit_random_slopes(data, y=y, group=group, x=xs if len(xs) > 1 else xs[0])
    sm = sm_default(data, y, group, " + ".join(xs), re_formula=re_formula)
    cols = ["Intercept", *xs]
    lls = {"partial_pooling": ours.loglik, "statsmodels fit()": float(sm.llf)}
    fes = {"partial_pooling": ours.fixed[cols].to_numpy(), "statsmodels fit()": sm.fe_params[cols]}
    try:
        tight = statsmodels_mixedlm(
            data, y=y, group=group, x=xs, method="REML", re_formula=re_formula
        )
        lls["tight"], fe_ref = tight.loglik, tight.fixed[cols].to_numpy()
    except RuntimeError:  # statsmodels fitted tightly did not converge
        fe_ref = None if lme4 is None else lme4.fixed[cols].to_numpy()
    if lme4 is not None:
        lls["lme4 lmer()"], fes["lme4 lmer()"] = lme4.loglik, lme4.fixed[cols].to_numpy()
    t_ours = median_time(lambda: fit_random_slopes(data, y=y, group=group, x=xs), repeats)
    t_sm = median_time(
        lambda: sm_default(data, y, group, " + ".join(xs), re_formula=re_formula), repeats
    )
    xs_txt = " + ".join(xs)
    label = f"{name}: {y} ~ {xs_txt} | (1 + {xs_txt} | {group})"
    rows = _rows(label, t_ours, t_sm, lls, fes, fe_ref, lme4)
    return rows, Comparison(
        label, t_ours, t_sm, lme4 and lme4.median, ours.loglik, lme4 and lme4.loglik
    )


def slopes_q3(seed: int = 20261126, J: int = 60) -> pd.DataFrame:
    """A simulated design for random slopes with q = 3: ``y ~ x1 + x2 + (1 + x1 + x2 | g)``.

    60 groups of 8 to 20 rows (839 in all), ``x1`` and ``x2`` independent standard normal,
    fixed effects (2, 1, -0.5), group effects normal with SDs (1, 0.5, 0.3) and correlations
    0.3 (intercept, x1), -0.2 (intercept, x2), 0.1 (x1, x2); residual SD 1. Seeded numpy.
    """
    rng = np.random.default_rng(seed)
    n = rng.integers(8, 21, size=J)
    g = np.repeat(np.arange(J), n)
    x1, x2 = rng.standard_normal(len(g)), rng.standard_normal(len(g))
    sd = np.array([1.0, 0.5, 0.3])
    corr = np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.1], [-0.2, 0.1, 1.0]])
    a = rng.multivariate_normal(np.zeros(3), np.outer(sd, sd) * corr, size=J)
    y = 2.0 + a[g, 0] + (1.0 + a[g, 1]) * x1 + (-0.5 + a[g, 2]) * x2
    y += rng.standard_normal(len(g))
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "g": g})


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
            fit_random_intercept(df, y="y", group="group", x="x")
            stages["total"] = time.perf_counter() - t0
            runs.append(dict(stages))
    finally:
        estimation.group_data, estimation.maximize_psi = original_group_data, original_maximize
    best = min(runs[1:], key=lambda r: r["total"])  # the first run is a warm-up
    stats = group_data(df, y="y", group="group", x="x").stats
    calls = _count_profile_calls(stats)
    rows = [
        ["group_data: checks, factorize", best["check"]],
        ["sufficient statistics (one pass)", best["stats"]],
        [f"maximize_psi ({calls})", best["psi"]],
        [
            "BLUPs and result object (rest)",
            best["total"] - best["check"] - best["stats"] - best["psi"],
        ],
        ["fit_random_intercept, total", best["total"]],
    ]
    return [[name, fmt_time(t), f"{100 * t / best['total']:.0f}%"] for name, t in rows]


def _count_profile_calls(stats) -> str:
    """How maximize_psi evaluates the profiled likelihood: calls of each evaluator it uses.

    Counts the calls of ``profile``, ``profile_score``, ``profile_newton_terms`` (score and
    curvature, one Newton step each) and ``profile_grid`` (the psi values a grid call evaluates
    at once), whichever of them `partial_pooling.estimation` has.
    """
    import partial_pooling.estimation as estimation

    evaluators = ("profile_grid", "profile_newton_terms", "profile_score", "profile")
    names = [n for n in evaluators if hasattr(estimation, n)]
    counts = dict.fromkeys(names, 0)
    grid_points = 0
    originals = {n: getattr(estimation, n) for n in names}

    def counting(name):
        def wrapper(st, psi, *args, **kwargs):
            nonlocal grid_points
            counts[name] += 1
            if name == "profile_grid":
                grid_points += np.size(psi)
            return originals[name](st, psi, *args, **kwargs)

        return wrapper

    for n in names:
        setattr(estimation, n, counting(n))
    try:
        maximize_psi(stats, "REML")
    finally:
        for n, f in originals.items():
            setattr(estimation, n, f)
    parts = []
    for n in names:
        if counts[n]:
            extra = f" of {grid_points} psi" if n == "profile_grid" else ""
            parts.append(f"{counts[n]} {n}(){extra}")
    return ", ".join(parts) or "no profile calls"


def profile_million(df: pd.DataFrame) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fit_random_intercept(df, y="y", group="group", x="x")
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
    return out.getvalue()


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else the platform's processor."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def fmt_ll(ll: float | None) -> str:
    return "" if ll is None else f"{ll:.6f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--profile", action="store_true", help="cProfile the million-row fit")
    parser.add_argument("--no-lme4", action="store_true", help="do not run lme4 (R)")
    args = parser.parse_args(argv)
    small_repeats, big_repeats = (3, 2) if args.quick else (15, 5)

    print(
        f"partial_pooling {partial_pooling.__version__}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, statsmodels {statsmodels.__version__}, "
        f"Python {platform.python_version()}, {date.today()}"
    )
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset (one per CPU)")
    print(f"{os.cpu_count()} CPUs ({cpu_model()}), {platform.system()} {platform.machine()}")
    print(f"load average before the run: {load}; OPENBLAS_NUM_THREADS={threads}")

    radon, sleep, q3 = datasets.radon(), datasets.sleepstudy(), slopes_q3()
    df = million_rows()
    lme4: dict[str, Lme4Fit] = {}
    if args.no_lme4:
        lme4_line = "lme4: not run (--no-lme4)"
    else:
        jobs = [
            Lme4Job(
                "radon",
                radon[["log_radon", "floor", "county"]],
                "log_radon ~ floor + (1 | county)",
                "county",
                small_repeats,
            ),
            Lme4Job(
                "sleep",
                sleep[["Reaction", "Days", "Subject"]],
                "Reaction ~ Days + (1 | Subject)",
                "Subject",
                small_repeats,
            ),
            Lme4Job(
                "sleep_slopes",
                sleep[["Reaction", "Days", "Subject"]],
                "Reaction ~ Days + (Days | Subject)",
                "Subject",
                small_repeats,
            ),
            Lme4Job("q3", q3, "y ~ x1 + x2 + (x1 + x2 | g)", "g", small_repeats),
            Lme4Job("million", df, "y ~ x + (1 | group)", "group", 0),
        ]
        with tempfile.TemporaryDirectory(prefix="bench_lme4_") as folder:
            lme4, lme4_line = run_lme4(jobs, Path(folder))
    print(lme4_line)
    print(
        f"repeats: {small_repeats} (small data), {big_repeats} (million rows; lme4: one fit); "
        "REML throughout"
    )
    print()

    summary: list[Comparison] = []
    rows, c = compare_random_intercept(
        "radon", radon, "log_radon", "county", "floor", small_repeats, lme4.get("radon")
    )
    summary.append(c)
    more, c = compare_random_intercept(
        "sleepstudy", sleep, "Reaction", "Subject", "Days", small_repeats, lme4.get("sleep")
    )
    rows += more
    summary.append(c)
    more, c = compare_random_slopes(
        "sleepstudy slopes",
        sleep,
        "Reaction",
        "Subject",
        ["Days"],
        small_repeats,
        lme4.get("sleep_slopes"),
    )
    rows += more
    summary.append(c)
    more, c = compare_random_slopes(
        "simulated, q = 3", q3, "y", "g", ["x1", "x2"], small_repeats, lme4.get("q3")
    )
    rows += more
    summary.append(c)
    print("(a) against statsmodels MixedLM (default fit) and lme4; speed-up over statsmodels;")
    print("    |ll - best|: from the best of all fits; fixed effects: largest relative difference")
    print("    from statsmodels fitted tightly (from lme4 where that does not converge)")
    print(
        table(
            ["model", "fit", "median", "speed-up", "|ll - best|", "fixed eff. rel.diff"],
            rows,
        )
    )
    radon_speedup = float(rows[0][3].rstrip("x"))
    verdict = "met" if radon_speedup >= TARGET_SPEEDUP else "NOT met"
    print(f"target: >= {TARGET_SPEEDUP:.0f}x faster than statsmodels on radon: {verdict}")
    for name, fit in lme4.items():
        if fit.messages:
            print(f"lme4 said on {name}: {fit.messages}")
    print()

    J = df["group"].nunique()
    t_cold0 = time.perf_counter()
    big = fit_random_intercept(df, y="y", group="group", x="x")
    t_cold = time.perf_counter() - t_cold0
    fit_times = run_times(
        lambda: fit_random_intercept(df, y="y", group="group", x="x"), big_repeats
    )
    gb_times = run_times(lambda: df.groupby("group")["y"].mean(), big_repeats)
    t_fit, t_gb = statistics.median(fit_times), statistics.median(gb_times)
    ratio = t_fit / t_gb
    big_rows = [
        [
            "fit_random_intercept (REML)",
            fmt_time(t_fit),
            fmt_time(min(fit_times)),
            f"{ratio:.1f}",
        ],
        ["  first call in the process", fmt_time(t_cold), "", f"{t_cold / t_gb:.1f}"],
    ]
    m = lme4.get("million")
    if m is not None:
        big_rows.append(
            [
                f"lme4 lmer() ({m.repeats} run{'s' if m.repeats > 1 else ''}, in R)",
                fmt_time(m.median),
                fmt_time(m.fastest),
                f"{m.median / t_gb:.0f}",
            ]
        )
    big_rows.append(
        ['df.groupby("group")["y"].mean()', fmt_time(t_gb), fmt_time(min(gb_times)), "1.0"]
    )
    print(f"(b) {len(df):,} rows in {J:,} groups (integer codes, one covariate)")
    print(table(["operation", "median", "fastest", "ratio (medians)"], big_rows))
    verdict = "met" if ratio <= TARGET_GROUPBY_RATIO else "NOT met"
    print(f"target: fit within {TARGET_GROUPBY_RATIO:.0f}x of the group-by mean: {verdict}")
    summary.append(
        Comparison(
            f"{len(df):,} rows, {J:,} groups: y ~ x | group",
            t_fit,
            None,
            m and m.median,
            big.loglik,
            m and m.loglik,
        )
    )
    print()

    print("(c) where the million-row fit spends its time (its fastest run)")
    print(table(["stage", "time", "share"], breakdown(df, big_repeats)))
    print()

    lme4_missing = "not run" if args.no_lme4 else "not found"
    print("(d) side by side: median times; REML log-likelihoods of ours and lme4 (same constant)")
    side = []
    for c in summary:
        diff = None if c.ll_lme4 is None else c.ll_ours - c.ll_lme4
        side.append(
            [
                c.label,
                fmt_time(c.t_ours),
                lme4_missing if c.t_lme4 is None else fmt_time(c.t_lme4),
                "not run" if c.t_sm is None else fmt_time(c.t_sm),
                fmt_ll(c.ll_ours),
                fmt_ll(c.ll_lme4),
                "" if diff is None else f"{diff:+.1e}",
            ]
        )
    print(
        table(
            ["model", "ours", "lme4", "statsmodels", "loglik ours", "loglik lme4", "ours - lme4"],
            side,
        )
    )
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load average after the run: {load}")
    if args.profile or ratio > TARGET_GROUPBY_RATIO:
        print()
        print(profile_million(df))


if __name__ == "__main__":
    main()
