"""Speed and accuracy of the logistic random-intercept fit (`fit_binomial`) against lme4's glmer.

Run from the repository root:

    .venv/bin/python benchmarks/bench_binomial.py            # about half a minute on 2 cores
    .venv/bin/python benchmarks/bench_binomial.py --quick    # fewer repeats
    .venv/bin/python benchmarks/bench_binomial.py --no-lme4  # skip R even when it is installed

For each model and number of quadrature points (``n_agq``, glmer's ``nAGQ``): lme4's cbpp
(``cbind(incidence, size - incidence) ~ period + (1 | herd)``), MASS's bacteria (``y ~ trt +
I(week > 2) + (1 | ID)``, 0/1 rows; ``tests/data/bacteria.csv``) and a simulated design of
20,000 0/1 rows in 1,000 groups with two covariates, it prints the median wall time of ours
(`time.perf_counter`, after a warm-up) and of glmer with its default control (``Sys.time()``
inside R, ``benchmarks/glmer_bench.R``, CSV reading excluded), the speed-up, and the difference
of the log-likelihoods, ours minus glmer's, on glmer's scale (with nAGQ > 1 glmer leaves out the
binomial coefficients and subtracts the saturated model's log-likelihood; ours is shifted the
same way for the comparison). A positive difference is glmer stopping short of the maximum.
lme4 is optional (Debian: ``apt-get install r-base-core r-cran-lme4``); without it the script
says so and times ours alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import gammaln, xlogy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from binomial_models import bacteria, cbpp  # noqa: E402

from partial_pooling.binomial import fit_binomial  # noqa: E402


@dataclass(frozen=True)
class Model:
    name: str
    frame: pd.DataFrame
    columns: dict[str, object]
    formula: str


def simulated() -> pd.DataFrame:
    rng = np.random.default_rng(20261207)
    J, n = 1000, 20
    g = np.repeat(np.arange(J), n)
    x1, x2 = rng.normal(size=J * n), rng.uniform(size=J * n)
    eta = -0.5 + 0.8 * x1 - 1.0 * x2 + rng.normal(0, 1.0, J)[g]
    y = (rng.uniform(size=J * n) < 1 / (1 + np.exp(-eta))).astype(int)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "g": [f"g{j}" for j in g]})


def models() -> list[Model]:
    return [
        Model(
            "cbpp",
            cbpp(),
            {
                "y": "incidence",
                "trials": "size",
                "group": "herd",
                "x": ["period2", "period3", "period4"],
            },
            "cbind(incidence, size - incidence) ~ period2 + period3 + period4 + (1 | herd)",
        ),
        Model(
            "bacteria",
            bacteria(),
            {"y": "y", "group": "ID", "x": ["drug", "drug_plus", "late"]},
            "y ~ drug + drug_plus + late + (1 | ID)",
        ),
        Model(
            "simulated 20,000 x 1,000",
            simulated(),
            {"y": "y", "group": "g", "x": ["x1", "x2"]},
            "y ~ x1 + x2 + (1 | g)",
        ),
    ]


def lme4_scale(loglik: float, model: Model, n_agq: int) -> float:
    if n_agq == 1:
        return loglik
    y = model.frame[model.columns["y"]].to_numpy(float)
    trials = model.columns.get("trials")
    m = model.frame[trials].to_numpy(float) if trials else np.ones_like(y)
    log_choose = np.sum(gammaln(m + 1) - gammaln(y + 1) - gammaln(m - y + 1))
    saturated = np.sum(xlogy(y, y / m) + xlogy(m - y, 1 - y / m))
    return float(loglik - log_choose - saturated)


def median_time(fn: Callable[[], object], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_glmer(
    jobs: list[tuple[str, str, str, str, int, int]], folder: Path
) -> dict[str, list[str]]:
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("lme4 not found (no Rscript on PATH), not compared")
        return {}
    tsv = folder / "jobs.tsv"
    lines = ["name\tcsv\tformula\tgroup\tnAGQ\trepeats"]
    lines += ["\t".join(map(str, job)) for job in jobs]
    tsv.write_text("\n".join(lines) + "\n")
    script = Path(__file__).with_name("glmer_bench.R")
    proc = subprocess.run([rscript, str(script), str(tsv)], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"glmer run failed (exit {proc.returncode}), not compared: {proc.stderr[-300:]}")
        return {}
    out = {}
    for line in proc.stdout.splitlines():
        parts = line.split("\t")
        if parts[0] == "VERSIONS":
            print(f"R {parts[1]}, lme4 {parts[2]}")
        elif parts[0] == "RESULT":
            out[parts[1]] = parts[2:]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-lme4", action="store_true")
    args = parser.parse_args()
    repeats = 3 if args.quick else 11
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    cases = [(m, k) for m in models() for k in (1, 25)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jobs = []
        for i, m in enumerate(models()):
            csv = folder / f"m{i}.csv"
            m.frame.to_csv(csv, index=False)
            for k in (1, 25):
                big = len(m.frame) > 10_000
                jobs.append(
                    (
                        f"{m.name}|{k}",
                        str(csv),
                        m.formula,
                        m.columns["group"],
                        k,
                        (1 if args.quick else 3) if big else repeats,
                    )
                )
        glmer = {} if args.no_lme4 else run_glmer(jobs, folder)
    for m, k in cases:
        big = len(m.frame) > 10_000
        fit = fit_binomial(m.frame, n_agq=k, **m.columns)
        ours = median_time(
            lambda m=m, k=k: fit_binomial(m.frame, n_agq=k, **m.columns),
            (1 if args.quick else 3) if big else repeats,
        )
        row = [m.name, str(k), f"{ours * 1e3:.1f}", f"{fit.gradient:.1e}"]
        r = glmer.get(f"{m.name}|{k}")
        if r:
            t_glmer, loglik = float(r[0]), float(r[2])
            diff = lme4_scale(fit.loglik, m, k) - loglik
            row += [f"{t_glmer * 1e3:.1f}", f"{t_glmer / ours:.1f}x", f"{diff:+.2e}", r[5] or "-"]
        else:
            row += ["-", "-", "-", "-"]
        rows.append(row)
    header = [
        "model",
        "n_agq",
        "ours ms",
        "|grad|",
        "glmer ms",
        "speed-up",
        "loglik ours - glmer",
        "glmer messages",
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
