"""The page "Fit your data in the browser" in Chromium: big files, time to results, stalls, memory.

A script, not a test (the machine is shared and timings vary). From the repository root, with
a built site:

    .venv/bin/python benchmarks/bench_fit_in_browser.py --site site          # 100k and 1M rows
    .venv/bin/python benchmarks/bench_fit_in_browser.py --site site --rows 100000

For each size it writes a CSV file (columns ``g``, ``x``, ``y``; seeded numpy; groups of
about 50 rows; floats written in full, so a million rows are about 50 MB), serves the built
site on 127.0.0.1, opens the page in Debian's Chromium (headless, through Playwright), hands
the file to the page's file chooser and measures:

* ``read``: from handing over the file to the page showing its columns (the file streamed and
  parsed);
* ``fit``: from pressing **Fit** (with y, g and x chosen) to the results on the page
  (``window.ppFit.result`` set and ``#pp-fit-result`` shown);
* ``stall``: the longest gap between two animation frames of the page's main thread over the
  whole run (a ``requestAnimationFrame`` loop in the page; the tab is frozen while it is long);
* ``memory``: the peak of the summed proportional set size (PSS, ``/proc/PID/smaps_rollup``)
  of every process this script started (Playwright's driver and Chromium's), sampled every
  50 ms, less its value just before the file was handed over: what reading and fitting the
  file cost the browser (the page's worker included).

Pages before issue 19 had no Fit button: they fitted a guessed model at once. For them ``fit``
is the time from choosing the covariate x in its select (one more fit) to the result, and
``read`` the time from handing over the file to the first fit of the guess (y, g, no x).

The load average before and after is printed: the machine is shared, so say what it was.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

# Chromium's flags and the stall meter of the site's browser tests, so that both measure alike
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "site"))
from chromium import CHROMIUM_ARGS, STALL_METER, STALL_READ


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def write_file(rows: int, folder: Path, seed: int = 19) -> Path:
    rng = np.random.default_rng(seed)
    groups = max(rows // 50, 2)
    g = rng.integers(0, groups, size=rows)
    x = rng.normal(size=rows)
    y = 1.0 + 0.3 * x + rng.normal(0, 0.4, groups)[g] + rng.normal(size=rows)
    path = folder / f"rows-{rows}.csv"
    frame = pd.DataFrame({"g": [f"c{j:06d}" for j in g], "x": x, "y": y})
    frame.to_csv(path, index=False)
    return path


def chromium_pids(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Sampler:
    """Peak PSS of the browser's processes, sampled in a thread."""

    def __init__(self, root_pid: int) -> None:
        self.root = root_pid
        self.peak = 0.0
        self.on = False
        self.thread: threading.Thread | None = None

    def start(self) -> float:
        base = pss_mb(chromium_pids(self.root))
        self.peak = base
        self.on = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return base

    def run(self) -> None:
        while self.on:
            self.peak = max(self.peak, pss_mb(chromium_pids(self.root)))
            time.sleep(0.05)

    def stop(self) -> float:
        self.on = False
        if self.thread:
            self.thread.join()
        return self.peak


def measure(browser, url: str, path: Path, timeout_s: float) -> dict:
    tab = browser.new_page()
    tab.goto(url, wait_until="load")
    tab.wait_for_function("() => window.ppFit !== undefined")
    new_page = tab.locator("#pp-fit-run").count() > 0
    sampler = Sampler(os.getpid())  # this process's children: Playwright's driver, Chromium
    base = sampler.start()
    tab.evaluate(STALL_METER)
    tab.evaluate("() => { window.ppFit.result = null; window.ppFit.table = null; }")
    t0 = time.perf_counter()
    tab.set_input_files("#pp-fit-file", str(path))
    timeout = timeout_s * 1000
    if new_page:
        tab.wait_for_function(
            "() => window.ppFit.table !== null || !!window.ppFit.error", timeout=timeout
        )
        t1 = time.perf_counter()
        tab.select_option("#pp-fit-y", value="2")  # the file's columns: g, x, y
        tab.select_option("#pp-fit-group", value="0")
        tab.check("#pp-fit-x input[name='x'][value='1']")
        t2 = time.perf_counter()
        tab.click("#pp-fit-run")
    else:
        tab.wait_for_function("() => window.ppFit.result !== null", timeout=timeout)
        t1 = time.perf_counter()
        tab.evaluate("() => { window.ppFit.result = null; }")
        t2 = time.perf_counter()
        tab.select_option("#pp-fit-x", label="x")
    tab.wait_for_function(
        "() => (window.ppFit.result !== null && !document.getElementById('pp-fit-result').hidden)"
        " || !!window.ppFit.error",
        timeout=timeout,
    )
    error = tab.evaluate("() => window.ppFit.error")
    if error:
        raise RuntimeError(f"the page refused {path.name}: {error}")
    t3 = time.perf_counter()
    tab.wait_for_timeout(300)  # a few more frames
    stall = tab.evaluate(STALL_READ)
    peak = sampler.stop()
    seen = tab.evaluate("() => ({N: window.ppFit.result.N, J: window.ppFit.result.J})")
    tab.close()
    return {
        "page": "with Fit" if new_page else "fits at once",
        "rows": seen["N"],
        "groups": seen["J"],
        "read_s": t1 - t0,
        "fit_s": t3 - t2,
        "stall_ms": stall,
        "memory_mb": peak - base,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", default="site", help="the built site (default: site/)")
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--chromium", default=os.environ.get("PP_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per step")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    site = Path(args.site).resolve()
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/fit_in_browser/"
    print(f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()}")
    results = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        for rows in args.rows:
            path = write_file(rows, Path(tmp))
            size = path.stat().st_size / 1e6
            r = measure(browser, url, path, args.timeout)
            r["file_mb"] = size
            results.append(r)
            print(
                f"{r['page']}: {r['rows']:>9,} rows ({size:.0f} MB, {r['groups']:,} groups): "
                f"read {r['read_s']:.2f} s, Fit to results {r['fit_s']:.2f} s, "
                f"longest stall {r['stall_ms']:.0f} ms, peak memory +{r['memory_mb']:.0f} MB",
                flush=True,
            )
        browser.close()
    server.shutdown()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
