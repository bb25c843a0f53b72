"""What the browser tests and the browser benchmark (benchmarks/bench_fit_in_browser.py) share:
Chromium's flags for an offline, headless run, and a meter of the longest stall of a page
(the longest gap between two animation frames while it works)."""

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Start the stall meter (evaluate in the page): every animation frame records the gap since
#: the last one.
STALL_METER = """() => {
  window.__frames = { max: 0, last: performance.now(), on: true };
  const tick = (t) => {
    const b = window.__frames;
    if (!b.on) return;
    b.max = Math.max(b.max, t - b.last);
    b.last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

#: Stop the meter and return the longest gap, in milliseconds.
STALL_READ = "() => { window.__frames.on = false; return window.__frames.max; }"
