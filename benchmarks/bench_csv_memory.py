"""Peak memory and wall time of the command line on a large CSV file.

Run from the repository root:

    .venv/bin/python benchmarks/bench_csv_memory.py               # 5,000,000 rows, ~228 MB
    .venv/bin/python benchmarks/bench_csv_memory.py --rows 1000000
    .venv/bin/python benchmarks/bench_csv_memory.py --file data.csv --y y --group g --x x

Generates (in a temporary folder, chunk by chunk, so that the generator itself stays lean) a
CSV file of one row per observation: a float response ``y``, a float covariate ``x``, a text
group label ``group`` with about 100,000 distinct values, and four columns the fit does not
use (``id``, ``w``, ``site``, ``z``). Then runs, each in a fresh process:

- the interpreter importing ``partial_pooling.cli`` (the floor under every figure below);
- `partial_pooling.cli.read_data` alone (the command line's reading of the file);
- ``partial-pooling fit`` end to end (read, fit, write the estimates);
- for reference, ``pandas.read_csv(path, dtype={group: str})``, the command line's reading
  before it parsed only the used columns.

For each: peak resident memory of that process (``ru_maxrss``, measured by a small meter
process that starts it), the peak over the file's size, and the wall time. A script, not a
test: the test suite does not run it.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

import partial_pooling

TARGET_RATIO = 2.0  # peak RSS of the whole fit below twice the file's size


def generate(path: Path, rows: int, groups: int, seed: int = 20241126) -> None:
    """Write the benchmark's CSV file, ``rows`` rows in ``groups`` groups, chunk by chunk."""
    rng = np.random.default_rng(seed)
    intercepts = rng.normal(0.0, 0.5, groups)
    step = 250_000
    with path.open("w", newline="") as stream:
        for start in range(0, rows, step):
            n = min(step, rows - start)
            g = rng.integers(0, groups, n)
            x = np.round(rng.uniform(0.0, 10.0, n), 3)
            y = np.round(0.3 * x + intercepts[g] + rng.normal(0.0, 1.0, n), 4)
            chunk = pd.DataFrame(
                {
                    "id": np.arange(start, start + n),
                    "y": y,
                    "x": x,
                    "group": np.char.add("g", np.char.zfill(g.astype(str), 5)),
                    "w": np.round(rng.uniform(0.0, 100.0, n), 3),
                    "site": np.char.add("s", (g % 97).astype(str)),
                    "z": np.round(rng.normal(size=n), 4),
                }
            )
            chunk.to_csv(stream, index=False, header=start == 0)


@dataclass(frozen=True)
class Run:
    """One measured process."""

    label: str
    peak_bytes: int
    seconds: float
    status: int


# Runs the command and reports its peak RSS. A process forked from this script would start
# with this script's memory as its high-water mark (ru_maxrss survives exec): the small meter
# process keeps the measured one's figure its own.
METER = """
import resource, subprocess, sys, time
start = time.perf_counter()
status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, seconds)
"""


def measure(label: str, argv: Sequence[str]) -> Run:
    """Run ``argv`` in a fresh process; its peak RSS and wall time."""
    out = subprocess.run(
        [sys.executable, "-c", METER, *argv], capture_output=True, text=True, check=True
    )
    status, peak, seconds = out.stdout.split()
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return Run(label, int(peak) * scale, float(seconds), int(status))


def runs(path: Path, out: Path, y: str, group: str, x: Sequence[str]) -> list[Run]:
    python = sys.executable
    xs = list(x)
    read = (
        "from partial_pooling.cli import read_data; "
        f"read_data({str(path)!r}, {y!r}, {group!r}, {xs!r})"
    )
    pandas_read = f"import pandas as pd; pd.read_csv({str(path)!r}, dtype={{{group!r}: str}})"
    fit = [python, "-m", "partial_pooling", "fit", str(path), "--y", y, "--group", group]
    if xs:
        fit += ["--x", *xs]
    return [
        measure(
            "import partial_pooling.cli (the floor)", [python, "-c", "import partial_pooling.cli"]
        ),
        measure("read_data: the CLI's read alone", [python, "-c", read]),
        measure("partial-pooling fit, end to end", [*fit, "--out", str(out), "--force"]),
        measure("pd.read_csv(dtype={group: str}) (before)", [python, "-c", pandas_read]),
    ]


def report(path: Path, results: list[Run]) -> str:
    size = path.stat().st_size
    lines = [
        f"partial_pooling {partial_pooling.__version__}, pandas {pd.__version__}, numpy "
        f"{np.__version__}, Python {platform.python_version()}, {date.today()}",
        f"{os.cpu_count()} CPUs; file {path.name}: {size / 1e6:.0f} MB",
        "",
        f"{'process':<42} {'peak RSS':>9} {'/ file':>7} {'wall':>7} {'status':>6}",
        f"{'-' * 42} {'-' * 9} {'-' * 7} {'-' * 7} {'-' * 6}",
    ]
    for run in results:
        lines.append(
            f"{run.label:<42} {run.peak_bytes / 1e6:>6.0f} MB {run.peak_bytes / size:>6.2f}x "
            f"{run.seconds:>6.1f}s {run.status:>6}"
        )
    fit = results[2]
    met = "met" if fit.peak_bytes < TARGET_RATIO * size else "NOT met"
    lines += ["", f"target: whole fit below {TARGET_RATIO:g}x the file: {met}"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--file", type=Path, help="measure this CSV file instead of generating")
    parser.add_argument("--y", default="y")
    parser.add_argument("--group", default="group")
    parser.add_argument("--x", nargs="*", default=["x"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_csv_memory_") as folder:
        path = args.file
        if path is None:
            path = Path(folder) / "observations.csv"
            start = time.perf_counter()
            generate(path, args.rows, args.groups)
            print(f"generated {args.rows:,} rows in {time.perf_counter() - start:.0f} s")
        results = runs(path, Path(folder) / "estimates.csv", args.y, args.group, args.x)
        print(report(path, results))
    return 0 if all(run.status == 0 for run in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
