"""The edit loop: how long `make serve` takes to show an edit, measured end to end.

Run from the repository root (after `make venv`):

    .venv/bin/python benchmarks/bench_edit_loop.py            # every case, three times each
    .venv/bin/python benchmarks/bench_edit_loop.py --repeats 1

It copies the tracked files of the working tree (and `.cache/`, so the first build reuses what
`make serve` already executed) into a temporary folder, starts `mkdocs serve` there exactly as
`make serve` does, and for each case edits one file, then requests the page every 50 ms until
the edit appears in it: the time from the write to the first response that contains it is
what a contributor waits for. The edit is then undone (and waited for) before the next case.

Cases: a Markdown page (docs/index.md); a prose cell of a notebook (the cache is keyed on code
cells, so nothing runs); a code cell of `shrinkage` (one notebook runs again); a code cell of
`pooling_pays`, the slowest notebook. The issue's target is at most 10 s for each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 10.0


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # file to edit, relative to the repository
    url: str  # page that must show the edit
    anchor: str  # the edit goes right after the first line equal to this
    edit: str  # what is inserted; {m} is replaced by a unique marker


CASES = [
    Case("Markdown page (index.md)", "docs/index.md", "", "", "\nEdit marker {m}.\n"),
    Case(
        "prose cell of shrinkage",
        "docs/notebooks/shrinkage.py",
        "notebooks/shrinkage/",
        "# %% [markdown]",
        "# Edit marker {m}.\n#\n",
    ),
    Case(
        "code cell of shrinkage",
        "docs/notebooks/shrinkage.py",
        "notebooks/shrinkage/",
        "# %%",
        'print("Edit marker {m}.")\n',
    ),
    Case(
        "code cell of pooling_pays",
        "docs/notebooks/pooling_pays.py",
        "notebooks/pooling_pays/",
        "# %%",
        'print("Edit marker {m}.")\n',
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8", "replace"))
    except OSError:
        return ""


def wait_for(url: str, predicate, timeout: float) -> float:
    """Seconds until ``predicate(page text)`` holds, polling every 50 ms."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if predicate(fetch(url)):
            return time.perf_counter() - t0
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not show the change within {timeout:.0f} s")


def edited(text: str, case: Case, marker: str) -> str:
    if not case.anchor:
        return text + case.edit.format(m=marker)
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.rstrip("\n") == case.anchor)
    return "".join([*lines[: at + 1], case.edit.format(m=marker), *lines[at + 1 :]])


def copy_tree(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        src = ROOT / name.decode()
        if src.is_file():
            (dest / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name.decode())
    if (ROOT / ".cache").is_dir():
        shutil.copytree(ROOT / ".cache", dest / ".cache")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pp-edit-loop-"))
    copy_tree(work)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(NO_MKDOCS_2_WARNING="1", PYTHONUNBUFFERED="1", PYTHONPATH=str(work / "src"))
    log = (work / "serve.log").open("w")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/mkdocs"),
            *("serve", "--strict", "-a", f"127.0.0.1:{port}"),
            *("--watch", "src", "--watch", "scripts"),
        ],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        first = wait_for(base, lambda page: "</html>" in page, timeout=600)
        print(f"first build and serve: {first:.1f} s (cache copied: {(ROOT / '.cache').is_dir()})")
        time.sleep(2.0)
        results: dict[str, list[float]] = {}
        for repeat in range(args.repeats):
            for case in CASES:
                path = work / case.path
                original = path.read_text()
                marker = f"pp{repeat}x{abs(hash(case.name)) % 10**6}"
                path.write_text(edited(original, case, marker))
                seconds = wait_for(base + case.url, lambda page, m=marker: m in page, 300)
                results.setdefault(case.name, []).append(seconds)
                path.write_text(original)
                wait_for(base + case.url, lambda page, m=marker: m not in page, 300)
                # mkdocs serve can miss a write that lands while it re-registers its
                # watches at the end of a build: let the rebuild of the undo settle first
                time.sleep(3.0)
        print(f"\n{'case':<30}{'median s':>10}{'max s':>8}   runs   target <= {TARGET_SECONDS} s")
        for name, times in results.items():
            verdict = "met" if max(times) <= TARGET_SECONDS else "MISSED"
            print(
                f"{name:<30}{statistics.median(times):>10.1f}{max(times):>8.1f}   "
                f"{len(times):>4}   {verdict}"
            )
        print(f"\nload average now: {os.getloadavg()[0]:.2f} (timings grow with load)")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
