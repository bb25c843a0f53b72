"""Speed and accuracy of `partial_pooling.fit_mixed` against lme4, model by model.

Run from the repository root:

    .venv/bin/python benchmarks/bench_mixed.py            # a few minutes on 2 cores with lme4
    .venv/bin/python benchmarks/bench_mixed.py --quick    # fewer repeats
    .venv/bin/python benchmarks/bench_mixed.py --no-lme4  # skip R even when it is installed

The models: Penicillin (crossed), Pastes (nested), Orthodont (a random slope beside a fixed-only
covariate), Oats (singular), sleepstudy (random slopes), Orthodont with a second, crossed vector
term (a made-up rater), each by REML and ML; and InstEval ``y ~ service + (1 | s) + (1 | d)``
(73,421 rows, 2,972 students crossed with 1,128 lecturers) by REML. InstEval is not shipped with
the package: when ``Rscript`` and lme4 are present, ``benchmarks/lme4_mixed_bench.R`` writes it
to ``benchmarks/data/insteval.csv`` (gitignored) once; without R and without that file, the
InstEval row is left out.

For each model it prints the median wall time of ours (``time.perf_counter``, after a warm-up)
and of lme4's ``lmer()`` (timed inside R with ``Sys.time()``, CSV reading excluded), the speed-up,
and the log-likelihoods (lme4's constant; REML criterion for REML fits) with their difference,
ours minus lme4's: positive means our optimum is higher. Without R it says so in one line and
prints our times alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from partial_pooling import datasets
from partial_pooling.mixed import MixedFit, RandomTerm, fit_mixed

HERE = Path(__file__).resolve().parent
LME4_SCRIPT = HERE / "lme4_mixed_bench.R"
INSTEVAL_CSV = HERE / "data" / "insteval.csv"
TARGET_INSTEVAL_SPEEDUP = 5.0


@dataclass
class Model:
    name: str
    data: pd.DataFrame
    formula: str  # lme4's
    factors: list[str]
    y: str
    fixed: dict[str, Callable[[pd.DataFrame], np.ndarray]]
    terms: list[tuple[str, tuple[str, ...]]]  # (grouping column, slope columns)
    methods: tuple[str, ...] = ("REML", "ML")
    repeats: int = 11


def term(data: pd.DataFrame, group: str, slopes: tuple[str, ...]) -> RandomTerm:
    codes, levels = pd.factorize(data[group], sort=True)
    Z = np.column_stack([np.ones(len(data))] + [data[s].to_numpy(float) for s in slopes])
    return RandomTerm(
        group=group,
        levels=pd.Index(levels),
        codes=codes.astype(np.int64),
        Z=Z,
        names=("(Intercept)", *slopes),
    )


def fit(model: Model, method: str) -> MixedFit:
    d = model.data
    X = np.column_stack([f(d) for f in model.fixed.values()])
    return fit_mixed(
        y=d[model.y].to_numpy(float),
        X=X,
        X_names=list(model.fixed),
        terms=[term(d, g, s) for g, s in model.terms],
        method=method,  # type: ignore[arg-type]
    )


def one(d: pd.DataFrame) -> np.ndarray:
    return np.ones(len(d))


def models(insteval: pd.DataFrame | None) -> list[Model]:
    pastes = datasets.pastes()
    pastes["cask:batch"] = pastes["cask"] + ":" + pastes["batch"]
    ortho = datasets.orthodont()
    two = ortho.copy()
    two["rater"] = [f"r{i % 5}" for i in range(len(two))]
    out = [
        Model(
            "penicillin",
            datasets.penicillin(),
            "diameter ~ 1 + (1 | plate) + (1 | sample)",
            ["plate", "sample"],
            "diameter",
            {"(Intercept)": one},
            [("plate", ()), ("sample", ())],
        ),
        Model(
            "pastes",
            pastes,
            "strength ~ 1 + (1 | batch/cask)",
            ["batch", "cask"],
            "strength",
            {"(Intercept)": one},
            [("cask:batch", ()), ("batch", ())],
        ),
        Model(
            "orthodont",
            ortho,
            "distance ~ age + Sex + (age | Subject)",
            ["Subject"],
            "distance",
            {
                "(Intercept)": one,
                "age": lambda d: d["age"].to_numpy(float),
                "SexFemale": lambda d: (d["Sex"] == "Female").to_numpy(float),
            },
            [("Subject", ("age",))],
        ),
        Model(
            "oats",
            datasets.oats(),
            "yield ~ nitro + (nitro | Block)",
            ["Block"],
            "yield",
            {"(Intercept)": one, "nitro": lambda d: d["nitro"].to_numpy(float)},
            [("Block", ("nitro",))],
        ),
        Model(
            "sleepstudy",
            datasets.sleepstudy(),
            "Reaction ~ Days + (Days | Subject)",
            ["Subject"],
            "Reaction",
            {"(Intercept)": one, "Days": lambda d: d["Days"].to_numpy(float)},
            [("Subject", ("Days",))],
        ),
        Model(
            "two_vector_terms",
            two,
            "distance ~ age + (age | Subject) + (age | rater)",
            ["Subject", "rater"],
            "distance",
            {"(Intercept)": one, "age": lambda d: d["age"].to_numpy(float)},
            [("Subject", ("age",)), ("rater", ("age",))],
        ),
    ]
    if insteval is not None:
        out.append(
            Model(
                "insteval",
                insteval,
                "y ~ service + (1 | s) + (1 | d)",
                ["s", "d", "service"],
                "y",
                {"(Intercept)": one, "service1": lambda d: (d["service"] == 1).to_numpy(float)},
                [("s", ()), ("d", ())],
                methods=("REML",),
                repeats=3,
            )
        )
    return out


def median_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def fmt_time(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def find_lme4() -> str | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    probe = subprocess.run(
        [rscript, "-e", "quit(status = as.integer(!requireNamespace('lme4', quietly = TRUE)))"],
        capture_output=True,
        check=False,
    )
    return rscript if probe.returncode == 0 else None


def load_insteval(rscript: str | None) -> pd.DataFrame | None:
    if not INSTEVAL_CSV.exists() and rscript is not None:
        INSTEVAL_CSV.parent.mkdir(exist_ok=True)
        subprocess.run(
            [rscript, str(LME4_SCRIPT), "--write-insteval", str(INSTEVAL_CSV)], check=True
        )
    if not INSTEVAL_CSV.exists():
        return None
    return pd.read_csv(INSTEVAL_CSV, dtype={"s": str, "d": str, "service": "int64", "y": float})


def run_lme4(rscript: str, jobs: list[tuple[Model, str, int]]) -> tuple[dict, str]:
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for model, method, repeats in jobs:
            csv = Path(tmp) / f"{model.name}.csv"
            if not csv.exists():
                model.data.to_csv(csv, index=False)
            rows.append(
                [
                    f"{model.name}-{method}",
                    str(csv),
                    model.formula,
                    ",".join(model.factors),
                    "TRUE" if method == "REML" else "FALSE",
                    str(repeats),
                ]
            )
        tsv = Path(tmp) / "jobs.tsv"
        header = "name\tcsv\tformula\tfactors\treml\trepeats\n"
        tsv.write_text(header + "".join("\t".join(r) + "\n" for r in rows))
        proc = subprocess.run(
            [rscript, str(LME4_SCRIPT), str(tsv)], capture_output=True, text=True, check=False
        )
    out: dict[str, tuple[float, float, str]] = {}
    versions = "lme4 ?"
    for line in proc.stdout.splitlines():
        parts = line.split("\t")
        if parts[0] == "VERSIONS":
            versions = f"R {parts[1]}, lme4 {parts[2]}"
        elif parts[0] == "RESULT":
            out[parts[1]] = (float(parts[2]), float(parts[4]), parts[6] if len(parts) > 6 else "")
    if proc.returncode != 0:
        versions += f" (Rscript exit {proc.returncode}: {proc.stderr.strip()[-200:]})"
    return out, versions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats (1 for InstEval)")
    parser.add_argument("--no-lme4", action="store_true", help="skip R even when installed")
    args = parser.parse_args(argv)
    rscript = None if args.no_lme4 else find_lme4()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"load average before: {os.getloadavg()}")
    the_models = models(load_insteval(rscript))
    jobs = []
    for m in the_models:
        for method in m.methods:
            reps = (1 if m.name == "insteval" else 3) if args.quick else m.repeats
            jobs.append((m, method, reps))
    ours = {}
    for m, method, reps in jobs:
        f = fit(m, method)
        t = median_time(lambda m=m, method=method: fit(m, method), reps)
        ours[f"{m.name}-{method}"] = (t, f.loglik, f.converged, f.singular)
    if rscript is None:
        print(
            "lme4 not found (no Rscript with the R package lme4), not compared; install: "
            "apt-get install r-base-core r-cran-lme4"
        )
        theirs: dict = {}
    else:
        theirs, versions = run_lme4(
            rscript, [(m, meth, 0 if m.name == "insteval" else r) for m, meth, r in jobs]
        )
        print(f"lme4: {versions}")
    header = ["model", "method", "ours", "lme4", "speed-up", "loglik ours", "ours - lme4"]
    rows = []
    for key, (t, ll, _converged, _singular) in ours.items():
        name, method = key.rsplit("-", 1)
        if key in theirs:
            tl, lll, _ = theirs[key]
            rows.append(
                [
                    name,
                    method,
                    fmt_time(t),
                    fmt_time(tl),
                    f"{tl / t:.1f}x",
                    f"{ll:.6f}",
                    f"{ll - lll:+.2e}",
                ]
            )
        else:
            rows.append([name, method, fmt_time(t), "n/a", "n/a", f"{ll:.6f}", "n/a"])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    print(f"load average after: {os.getloadavg()}")
    if "insteval-REML" in theirs:
        speedup = theirs["insteval-REML"][0] / ours["insteval-REML"][0]
        verdict = "meets" if speedup >= TARGET_INSTEVAL_SPEEDUP else "misses"
        print(
            f"InstEval: {speedup:.1f}x lme4 ({verdict} the {TARGET_INSTEVAL_SPEEDUP:.0f}x target)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
