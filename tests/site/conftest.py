"""Fixtures for the site tests: the built site, a local HTTP server for it, Debian's Chromium.

The browser tests run against ``site/`` (``make test`` builds it once, cleanly, just before).
Run alone (``pytest tests/site``), the session builds ``site/`` itself when it is missing or
older than its sources. ``PP_SITE_DIR`` points the tests at another built site.

The browser tests load every page exactly once (``site_visits``): one visit per page records
everything the tests assert on, and the tests are small checks over those records, each failing
on its own. Interactions that need a live page (search, the palette toggle, the explorer's
controls) happen in that same visit, after the page's own observations are taken; the explorer
page stays open for test_explorer.py, which restores it to its loaded state before each test.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import pytest
from chromium import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PP_CHROMIUM", "/usr/bin/chromium")
SOURCES = ("docs", "src", "scripts", "mkdocs.yml")


@dataclass(frozen=True)
class SitePage:
    """One page of the built site, as discovered from its files."""

    path: str  # URL path relative to the site root, e.g. "notebooks/three_ways/"
    file: Path  # its index.html
    kind: str  # "notebook" (rendered by mkdocs-jupyter) or "markdown"
    has_math: bool  # the page's source had math for MathJax to typeset

    @property
    def id(self) -> str:
        return self.path or "home"

    def __str__(self) -> str:
        return self.id


_MATH_DELIMITERS = re.compile(r"\$[^$]+\$|\\\(|\\\[|\\begin\{")


class _MarkdownCellText(html.parser.HTMLParser):
    """Text of notebook markdown cells (.jp-RenderedMarkdown), code and pre excluded."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # >0 inside a rendered markdown cell
        self.skip = 0  # >0 inside code/pre
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.depth += 1
        elif "jp-RenderedMarkdown" in classes:
            self.depth = 1
        if self.depth and tag in ("code", "pre"):
            self.skip += 1

    def handle_endtag(self, tag):
        if self.depth and tag in ("code", "pre") and self.skip:
            self.skip -= 1
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.text.append(data)


def discover_pages(root: Path) -> list[SitePage]:
    """Every page of the built site: each index.html outside assets/ and search/."""
    pages = []
    for file in sorted(root.rglob("index.html")):
        rel = file.parent.relative_to(root).as_posix()
        if rel.split("/")[0] in ("assets", "search", "javascripts", "stylesheets"):
            continue
        text = file.read_text(encoding="utf-8")
        notebook = 'class="jupyter-wrapper"' in text
        if notebook:
            parser = _MarkdownCellText()
            parser.feed(text)
            has_math = bool(_MATH_DELIMITERS.search("".join(parser.text)))
        else:
            has_math = 'class="arithmatex"' in text
        pages.append(
            SitePage(
                path="" if rel == "." else rel + "/",
                file=file,
                kind="notebook" if notebook else "markdown",
                has_math=has_math,
            )
        )
    return pages


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for file in files:
            if "__pycache__" not in file.parts:
                newest = max(newest, file.stat().st_mtime)
    return newest


def build_site(site_dir: Path) -> None:
    """A clean strict build of the real site (no notebook cache, no MPLBACKEND)."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(MKDOCS_JUPYTER_CACHE="false", NO_MKDOCS_2_WARNING="1")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )


@functools.cache
def site_dir() -> Path:
    path = Path(os.environ.get("PP_SITE_DIR", ROOT / "site"))
    if not path.is_absolute():
        path = ROOT / path
    stamp = path / "sitemap.xml"
    if not stamp.exists() or stamp.stat().st_mtime < _newest_source_mtime():
        build_site(path)
    return path


# The API page of the site's own code documents the checking tools themselves (their rtol and
# atol parameters): the one page where those words are the subject, not bookkeeping.
REFERENCE_OF_THE_CHECKS = "api/site/"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize page tests over every page of the built site (one test id per page)."""
    for name, kind in (("site_page", None), ("notebook_page", "notebook"), ("reading_page", None)):
        if name in metafunc.fixturenames:
            pages = [p for p in discover_pages(site_dir()) if kind is None or p.kind == kind]
            if name == "reading_page":
                pages = [p for p in pages if p.path != REFERENCE_OF_THE_CHECKS]
            metafunc.parametrize(name, pages, ids=[p.id for p in pages])


@pytest.fixture(scope="session")
def built_site() -> Path:
    return site_dir()


@pytest.fixture(scope="session")
def all_pages(built_site: Path) -> list[SitePage]:
    return discover_pages(built_site)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def site_url(built_site: Path):
    """Serve the built site on 127.0.0.1 and a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium, never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (or run `make chromium`)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


# --- One visit per page --------------------------------------------------------------------

MATH_STATE_JS = """
() => {
  const drawn = (c) => {
    const content = getComputedStyle(c, "::before").content;
    return content && content !== "none" && content !== "normal" && content !== '""'
      && c.getBoundingClientRect().width > 0;
  };
  // Characters MathJax emits with nothing to paint: spaces, function application, invisible
  // times / separator / plus, zero-width space; and the extenders of stretchy delimiters
  // (underbrace, long arrows), which have zero width by design.
  const invisible = /^mjx-c(20|A0|2061|2062|2063|2064|200B)$/;
  const visible = (c) => ![...c.classList].some((k) => invisible.test(k))
    && c.parentElement.tagName !== "MJX-EXT";
  const containers = [...document.querySelectorAll("mjx-container")];
  const blank = [];
  containers.forEach((m, i) => {
    const chars = [...m.querySelectorAll("mjx-c")].filter(visible);
    const ok = chars.filter(drawn).length;
    // A formula is drawn when it has a width and every visible glyph is painted.
    if (m.getBoundingClientRect().width < 1 || chars.length === 0 || ok < chars.length) {
      const item = MathJax.startup.document.getMathItemsWithin(m)[0];
      blank.push(`#${i}: ${item ? item.math : m.textContent} (${ok}/${chars.length} glyphs drawn)`);
    }
  });
  // Math left as raw TeX: an arithmatex element MathJax did not replace, or delimiters still
  // in the text of a notebook markdown cell.
  const raw = [];
  document.querySelectorAll(".arithmatex").forEach((a) => {
    if (!a.querySelector("mjx-container")) raw.push(a.textContent.trim());
  });
  document.querySelectorAll(".jp-RenderedMarkdown").forEach((cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => n.parentElement.closest("mjx-container, code, pre")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    let text = "";
    while (walker.nextNode()) text += walker.currentNode.textContent;
    const m = text.match(/\\$[^$]+\\$|\\\\\\(|\\\\\\[|\\\\frac/);
    if (m) raw.push(m[0]);
  });
  return {count: containers.length, blank, raw};
}
"""

IMAGES_JS = """
async () => {
  const imgs = [...document.querySelectorAll("img")];
  for (const img of imgs) { img.loading = "eager"; }
  await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
  return imgs.map((img) => ({
    src: img.currentSrc.slice(0, 60), alt: img.getAttribute("alt"),
    complete: img.complete, width: img.naturalWidth,
  }));
}
"""

OUTPUT_BLOCKS = (
    '[data-mime-type="application/vnd.jupyter.stderr"],'
    ' [data-mime-type="application/vnd.jupyter.error"], .jp-OutputArea-output.jp-mod-error'
)
# The text a reader sees without opening anything: the article's rendered text (innerText
# leaves out what is not rendered, such as the body of a closed <details>), and, as a check of
# that premise, what each folded checks block shows and hides.
VISIBLE_TEXT_JS = """
() => {
  const article = document.querySelector("article") || document.body;
  const folded = [...article.querySelectorAll("details.pp-checks")].map((d) => ({
    open: d.open,
    summary: (d.querySelector("summary") || {}).innerText || "",
    body: [...d.children].filter((c) => c.tagName !== "SUMMARY")
      .map((c) => c.textContent).join(" ").slice(0, 200),
  }));
  return {text: article.innerText, folded};
}
"""

# Code blocks (and their inner <code>) whose lines are wider than the block: they scroll.
WIDE_CODE_JS = """
() => [...(document.querySelector("article") || document.body).querySelectorAll("pre, pre > code")]
  .filter((e) => e.scrollWidth > e.clientWidth + 1)
  .map((e) => {
    const line = e.textContent.split("\\n").reduce((a, b) => (b.length > a.length ? b : a), "");
    return `${e.scrollWidth}px in ${e.clientWidth}px: ${line.trim().slice(0, 100)}`;
  })
"""

# Display math at the current width: each formula's own box (the arithmatex wrapper on
# Markdown pages, the mjx-container in notebook cells) must lie inside the viewport and either
# fit or scroll by itself; and the page must not be wider than the viewport.
DISPLAY_MATH_FIT_JS = """
() => {
  const clipped = [];
  document.querySelectorAll('article mjx-container[display="true"]').forEach((m) => {
    const box = m.closest(".arithmatex") || m;
    const r = box.getBoundingClientRect();
    const ox = getComputedStyle(box).overflowX;
    const fits = box.scrollWidth <= box.clientWidth + 1;
    if (r.width === 0) return;  // not rendered (e.g. inside a closed <details>)
    const scrolls = ox === "auto" || ox === "scroll";
    if (r.left < -1 || r.right > window.innerWidth + 1 || !(fits || scrolls)) {
      const where = `box ${Math.round(r.left)}..${Math.round(r.right)}px`;
      clipped.push(`${m.textContent.slice(0, 60)} (${where}, overflow-x ${ox}, `
        + `content ${box.scrollWidth}px in ${box.clientWidth}px)`);
    }
  });
  return {viewport: window.innerWidth, page_width: document.documentElement.scrollWidth, clipped};
}
"""
# Figures (images, SVG charts, canvases) as shown at the current width: each one rendered must
# lie inside the text column and be no wider than its container; a figure image with a
# data-text-pt (partial_pooling.figure_variants) must show its smallest text at 10 CSS px or
# more (its points at data-dpi, scaled by the width it is shown at over its own width; the
# phone copy's size is on its <source>). Lazy images are loaded first, at this width.
FIGURE_FIT_JS = """
async () => {
  const article = document.querySelector("article") || document.body;
  const imgs = [...article.querySelectorAll("img")];
  for (const img of imgs) { img.loading = "eager"; }
  await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
  const col = article.getBoundingClientRect();
  const rendered = (e) => e.getClientRects().length > 0 && e.getBoundingClientRect().width > 0;
  const wide = [];
  const media = article.querySelectorAll("img, svg, canvas, picture, figure");
  media.forEach((e) => {
    if (!rendered(e) || e.closest("mjx-container, .md-icon, .md-clipboard, button")) return;
    const r = e.getBoundingClientRect();
    const parent = e.parentElement.getBoundingClientRect();
    if (r.left < col.left - 1 || r.right > col.right + 1 || r.width > parent.width + 1) {
      const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
        + (e.getAttribute("class") ? "." + e.getAttribute("class").split(" ")[0] : "");
      wide.push(`${name}: ${Math.round(r.left)}..${Math.round(r.right)}px in a column `
        + `${Math.round(col.left)}..${Math.round(col.right)}px, `
        + `container ${Math.round(parent.width)}px`);
    }
  });
  const small = [];
  const sizes = [];
  article.querySelectorAll("img[data-text-pt]").forEach((img) => {
    if (!rendered(img) || !img.naturalWidth) return;
    const source = [...img.parentElement.querySelectorAll("source")]
      .find((s) => new URL(s.getAttribute("srcset"), document.baseURI).href === img.currentSrc);
    const pt = Number((source || img).dataset.textPt);
    const px = pt * Number(img.dataset.dpi) / 72
      * img.getBoundingClientRect().width / img.naturalWidth;
    sizes.push(px);
    if (px < 10) small.push(`${img.currentSrc.split("/").pop()}: ${px.toFixed(1)}px`);
  });
  return {viewport: window.innerWidth, wide, small, figures: sizes.length};
}
"""

# Boxes that scroll sideways at the current width (wider content than their box, overflow-x
# auto or scroll) and whether each shows it (a gradient background: the scroll shadows).
SCROLLERS_JS = """
() => [...(document.querySelector("article") || document.body).querySelectorAll("*")]
  .filter((e) => {
    const s = getComputedStyle(e);
    return (s.overflowX === "auto" || s.overflowX === "scroll")
      && e.scrollWidth > e.clientWidth + 1 && e.getBoundingClientRect().width > 0;
  })
  .map((e) => ({
    what: e.tagName.toLowerCase() + "." + (e.getAttribute("class") || "").split(" ")[0]
      + ": " + e.textContent.trim().slice(0, 50),
    signalled: getComputedStyle(e).backgroundImage.includes("gradient"),
  }))
"""

# Elements of the article whose text may break inside a word.
BREAK_ALL_JS = """
() => [...(document.querySelector("article") || document.body).querySelectorAll("*")]
  .filter((e) => getComputedStyle(e).wordBreak === "break-all" && e.textContent.trim())
  .map((e) => e.tagName.toLowerCase() + "." + (e.getAttribute("class") || "").split(" ")[0]
    + ": " + e.textContent.trim().slice(0, 60))
"""

# Every fold of the article (checks, tables) opened: TeX left as text in it is math MathJax
# did not typeset. The folds are closed again afterwards.
OPEN_FOLDS_JS = """
() => {
  const folds = [...(document.querySelector("article") || document.body)
    .querySelectorAll("details")].filter((d) => !d.open);
  folds.forEach((d) => { d.open = true; });
  const raw = [];
  folds.forEach((d) => {
    const walker = document.createTreeWalker(d, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => n.parentElement.closest("mjx-container, code, pre, .highlight")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    let text = "";
    while (walker.nextNode()) text += walker.currentNode.textContent + " ";
    const m = text.match(/\\$[^$]+\\$|\\\\(hat|frac|sigma|beta|mu|alpha)\\b/);
    const where = (d.querySelector("summary") || d).textContent.trim().slice(0, 50);
    if (m) raw.push(`${where}: ${m[0]}`);
  });
  folds.forEach((d) => { d.open = false; });
  return {folds: folds.length, raw};
}
"""

DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
NEXT_FRAME_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
SCHEME_JS = "() => document.body.getAttribute('data-md-color-scheme')"
PALETTE_TOGGLE = "form[data-md-component='palette'] label:visible"
EXPLORER_STATE_JS = "() => JSON.parse(JSON.stringify(window.ppExplorer.state))"
EXPLORER_DRAWN = (
    "els => els.map(e => [e.dataset.label, Number(e.dataset.alpha), Number(e.dataset.lambda)])"
)


@dataclass
class PageVisit:
    """What one load of one page showed. Interactions after the observations log to ``live``."""

    page: SitePage
    status: int | None = None
    load_problem: str | None = None  # why the page did not load (then nothing else is observed)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    live: list[str] = field(default_factory=list)  # errors/requests after the observations
    facts: dict[str, object] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # observation -> why it failed
    tab: object = None  # the Playwright page, kept open for the explorer only
    settled: bool = False  # observations done: later events go to ``live``

    def record(self, kind: str, text: str) -> None:
        """An error or request seen by the page: the visit's own, or ``live`` once settled."""
        if self.settled:
            self.live.append(f"{kind}: {text}")
        else:
            getattr(self, kind).append(text)

    def fact(self, name: str):
        """An observation of this visit; fails the calling test when it could not be made."""
        if name not in self.facts:
            why = self.load_problem or self.problems.get(name, "never collected")
            pytest.fail(f"{self.page.id}: no {name!r} observation: {why}")
        return self.facts[name]


def palette_target(pages: list[SitePage]) -> SitePage:
    """The page whose visit also toggles the palette (a notebook page: it has figures)."""
    return next((p for p in pages if p.kind == "notebook"), pages[0])


def search_target(pages: list[SitePage]) -> tuple[SitePage, str] | None:
    """A page to search for from the home page, and the query: the longest word of its title."""
    targets = [p for p in pages if p.path]
    if not targets:
        return None
    target = next((p for p in targets if p.kind == "notebook"), targets[0])
    title = re.search(r"<title>(.*?)</title>", target.file.read_text(encoding="utf-8")).group(1)
    words = [w for w in re.findall(r"[A-Za-z]{4,}", title.split(" - ")[0])]
    return target, max(words, key=len)


def _observe(visit: PageVisit, name: str, how) -> None:
    try:
        visit.facts[name] = how()
    except Exception as exc:  # one failed observation fails only the tests that need it
        visit.problems[name] = f"{type(exc).__name__}: {exc}"


def _load(tab, visit: PageVisit, site_url: str) -> None:
    origin = site_url.rstrip("/")

    def route(r):
        url = r.request.url
        if url.startswith(origin + "/") or url.split(":", 1)[0] in ("data", "blob", "about"):
            r.continue_()
        else:
            visit.record("foreign_requests", url)
            r.abort()

    tab.route("**/*", route)
    tab.on(
        "console",
        lambda m: (
            visit.record("console_errors", f"{m.text} @ {m.location}")
            if m.type == "error"
            else None
        ),
    )
    tab.on("pageerror", lambda e: visit.record("page_errors", str(e)))
    tab.on(
        "requestfailed",
        lambda r: (
            None
            if not r.url.startswith(origin)
            else visit.record("failed_requests", f"{r.url}: {r.failure}")
        ),
    )
    tab.on(
        "response",
        lambda r: (
            visit.record("failed_requests", f"{r.url}: HTTP {r.status}")
            if r.status >= 400
            else None
        ),
    )
    # "commit": the response has arrived; the rest of the load goes on while other tabs load
    response = tab.goto(urljoin(site_url, visit.page.path), wait_until="commit")
    visit.status = response and response.status
    if response is None or not response.ok:
        raise RuntimeError(f"HTTP {visit.status}")


def _settle(tab) -> None:
    """Wait until the page has loaded, typeset its math and stopped requesting anything."""
    tab.wait_for_load_state("load")
    # MathJax typesets once at startup; wait for it (every page loads it).
    tab.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    tab.evaluate("() => MathJax.startup.promise")
    tab.wait_for_load_state("networkidle")


def _at_phone_width(tab, *, restore: bool) -> dict:
    """Display math, figures and scrolling boxes at 390 px, in the same load: resize, measure
    (and resize back when the visit goes on to interact with the page)."""
    before = tab.viewport_size
    tab.set_viewport_size(PHONE)
    try:
        # Reading layout in the page forces it at the new width; the charts drawn by script
        # redraw at the new width on the next frames.
        math = tab.evaluate(DISPLAY_MATH_FIT_JS)
        tab.evaluate(NEXT_FRAME_JS)
        return {
            **math,
            "figures": tab.evaluate(FIGURE_FIT_JS),
            "scrollers": tab.evaluate(SCROLLERS_JS),
        }
    finally:
        if restore:
            tab.set_viewport_size(before or DESKTOP)
            tab.evaluate(NEXT_FRAME_JS)


HOME_FIGURE_JS = """
() => {
  const f = document.querySelector("article figure");
  const r = f.getBoundingClientRect();
  return [Math.round(r.top + window.scrollY), Math.round(r.bottom + window.scrollY),
    window.innerHeight];
}
"""


def _home_fold(tab) -> dict:
    """Where the home page's first figure lies, at 1280 and at 390 px, from the top."""
    seen = {"1280": tab.evaluate(HOME_FIGURE_JS)}
    tab.set_viewport_size(PHONE)
    try:
        seen["390"] = tab.evaluate(HOME_FIGURE_JS)
    finally:
        tab.set_viewport_size(DESKTOP)
        tab.evaluate(NEXT_FRAME_JS)
    return seen


def _downloads(tab) -> dict:
    links = tab.eval_on_selector_all("a[download]", "els => els.map(e => e.href)")
    fetched = {}
    for href in set(links):
        response = tab.request.get(href)
        fetched[href] = (response.status, response.text())
    return {"links": links, "fetched": fetched}


def _explorer(tab) -> dict:
    tab.wait_for_function("() => window.ppExplorer && window.ppExplorer.ready")
    tab.evaluate("() => window.ppExplorer.ready")
    tab.wait_for_function("() => window.ppExplorer.state !== null")
    return {
        "state": tab.evaluate(EXPLORER_STATE_JS),
        "drawn": tab.eval_on_selector_all("#pp-main g.pp-group", EXPLORER_DRAWN),
        "scheme": tab.evaluate(SCHEME_JS),
    }


def _palette(tab, visit: PageVisit) -> dict:
    """Toggle to dark, read the figures' backgrounds, toggle back (the choice is stored)."""
    start = len(visit.live)
    toggle = tab.locator(PALETTE_TOGGLE).first
    first = tab.evaluate(SCHEME_JS)
    toggle.click()
    second = tab.evaluate(SCHEME_JS)
    if second != "slate":
        toggle.click()
    shown = tab.eval_on_selector_all(
        ".jp-OutputArea-output img, .md-typeset img",
        "els => els.filter(e => e.getClientRects().length > 0).map(e => ["
        " getComputedStyle(e).backgroundColor,"
        " (e.closest('.pp-only-dark, .pp-only-light') || e).className])",
    )
    for _ in range(2):  # back to the loaded scheme, so later visits load in it
        if tab.evaluate(SCHEME_JS) == first:
            break
        toggle.click()
    return {
        "schemes": (first, second),
        "shown": shown,
        "restored": tab.evaluate(SCHEME_JS) == first,
        "errors": visit.live[start:],
    }


def _search(tab, visit: PageVisit, target: SitePage, query: str) -> dict:
    start = len(visit.live)
    box = tab.locator("input.md-search__input")
    box.click()
    box.press_sequentially(query, delay=20)
    results = tab.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10_000)
    return {
        "target": target.path,
        "query": query,
        "hrefs": results.evaluate_all("els => els.map(e => e.href)"),
        "errors": visit.live[start:],
    }


def start_visit(context, site_url: str, page: SitePage) -> tuple[PageVisit, object]:
    """Open a tab and start loading ``page`` in it (see `finish_visit`)."""
    visit = PageVisit(page)
    tab = context.new_page()
    try:
        _load(tab, visit, site_url)
    except Exception as exc:
        visit.load_problem = f"{type(exc).__name__}: {exc}"
        visit.settled = True
        tab.close()
        return visit, None
    return visit, tab


def interacts(page: SitePage, pages: list[SitePage]) -> bool:
    """Whether the visit of ``page`` clicks or types (palette, search, explorer)."""
    explorer = 'id="pp-explorer"' in page.file.read_text(encoding="utf-8")
    return (
        explorer
        or page == palette_target(pages)
        or (page.path == "" and bool(search_target(pages)))
    )


def visit_page(context, site_url: str, page: SitePage, pages: list[SitePage]) -> PageVisit:
    """Load ``page`` once and take every observation the browser tests assert on."""
    return finish_visit(*start_visit(context, site_url, page), pages)


def finish_visit(visit: PageVisit, tab, pages: list[SitePage]) -> PageVisit:
    """Wait for a started load to settle, then take every observation the tests assert on."""
    if tab is None:
        return visit
    page = visit.page
    try:
        _settle(tab)
    except Exception as exc:
        visit.load_problem = f"{type(exc).__name__}: {exc}"
        visit.settled = True
        tab.close()
        return visit
    _observe(visit, "math", lambda: tab.evaluate(MATH_STATE_JS))
    _observe(visit, "images", lambda: tab.evaluate(IMAGES_JS))
    _observe(visit, "visible_text", lambda: tab.evaluate(VISIBLE_TEXT_JS))
    _observe(
        visit,
        "wide_code",
        lambda: {
            "viewport": tab.viewport_size,
            "wide": tab.evaluate(WIDE_CODE_JS),
        },
    )
    _observe(visit, "figures_at_1280", lambda: tab.evaluate(FIGURE_FIT_JS))
    if page.path == "":
        _observe(visit, "home_fold", lambda: _home_fold(tab))
    _observe(visit, "break_all", lambda: tab.evaluate(BREAK_ALL_JS))
    _observe(visit, "open_folds", lambda: tab.evaluate(OPEN_FOLDS_JS))
    if page.kind == "notebook":
        _observe(
            visit,
            "output_blocks",
            lambda: tab.eval_on_selector_all(
                OUTPUT_BLOCKS, "els => els.map(e => e.textContent.trim().slice(0, 300))"
            ),
        )
        _observe(visit, "output_images", lambda: tab.locator(".jp-OutputArea-output img").count())
        _observe(visit, "downloads", lambda: _downloads(tab))
    explorer = 'id="pp-explorer"' in page.file.read_text(encoding="utf-8")
    if explorer:
        _observe(visit, "explorer", lambda: _explorer(tab))
    search = search_target(pages)
    # Last, since it resizes the viewport (back to 1280 px only if interactions follow).
    _observe(
        visit,
        "math_at_phone_width",
        lambda: _at_phone_width(tab, restore=interacts(page, pages)),
    )
    visit.settled = True  # the page's own observations end here; interactions follow
    if page == palette_target(pages):
        _observe(visit, "palette", lambda: _palette(tab, visit))
    if page.path == "" and search:
        _observe(visit, "search", lambda: _search(tab, visit, *search))
    if explorer:
        visit.tab = tab  # test_explorer.py drives this same load
    else:
        tab.close()
    return visit


@pytest.fixture(scope="session")
def site_context(browser, browser_context_args):
    """One browser context for the whole session (pages share its HTTP cache), 1280 px wide."""
    context = browser.new_context(**{**browser_context_args, "viewport": DESKTOP})
    yield context
    context.close()


#: Pages loading at once (each in its own tab): loads overlap their waits for the network.
CONCURRENT_LOADS = 6


@pytest.fixture(scope="session")
def site_visits(site_context, site_url, all_pages) -> dict[str, PageVisit]:
    """Every page of the site, loaded once, keyed by its path.

    Pages that only get looked at load a few at a time in separate tabs; a page whose visit
    clicks or types (the palette toggle, which is stored for every tab; search; the explorer)
    loads on its own afterwards, so nothing else is loading while it interacts.
    """
    quiet = [p for p in all_pages if not interacts(p, all_pages)]
    visits = {}
    for i in range(0, len(quiet), CONCURRENT_LOADS):
        started = [start_visit(site_context, site_url, p) for p in quiet[i : i + CONCURRENT_LOADS]]
        for visit, tab in started:
            visits[visit.page.path] = finish_visit(visit, tab, all_pages)
    for page in all_pages:
        if page.path not in visits:
            visits[page.path] = visit_page(site_context, site_url, page, all_pages)
    return {p.path: visits[p.path] for p in all_pages}


@pytest.fixture(scope="session")
def palette_page(all_pages) -> SitePage:
    return palette_target(all_pages)


@pytest.fixture(scope="session")
def search_plan(all_pages) -> tuple[SitePage, str] | None:
    return search_target(all_pages)


# --- Dark mode: every page loaded once more, in a browser that prefers a dark scheme ------

#: The figures of a page as a reader sees them: figure images, the charts drawn as SVG, canvases.
FIGURE_ELEMENTS = (
    "article img.pp-figure, article .pp-figure-variants img, article svg.pp-svg, article canvas"
)
#: A pixel this light (each channel) counts as white.
WHITE = 230


def _white_fraction(png: bytes) -> float:
    import io

    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    return float(np.mean(np.all(pixels > WHITE, axis=-1)))


def dark_visit(context, site_url: str, page: SitePage) -> dict:
    """Load ``page`` in the dark palette; the share of white pixels of each figure shown."""
    tab = context.new_page()
    try:
        tab.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(site_url) else r.abort(),
        )
        tab.goto(urljoin(site_url, page.path), wait_until="commit")
        _settle(tab)
        tab.evaluate(
            "async () => { const imgs = [...document.querySelectorAll('article img')];"
            " imgs.forEach((i) => { i.loading = 'eager'; });"
            " await Promise.all(imgs.map((i) => i.decode().catch(() => null))); }"
        )
        tab.evaluate(NEXT_FRAME_JS)
        figures = []
        elements = tab.locator(FIGURE_ELEMENTS)
        for i in range(elements.count()):
            element = elements.nth(i)
            box = element.bounding_box()
            if not element.is_visible() or box is None or box["width"] < 20 or box["height"] < 20:
                continue
            what = element.evaluate(
                "e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' '"
                " + (e.currentSrc || '').split('/').pop()"
            )
            figures.append({"what": what, "white": _white_fraction(element.screenshot())})
        return {"scheme": tab.evaluate(SCHEME_JS), "figures": figures}
    finally:
        tab.close()


@pytest.fixture(scope="session")
def dark_visits(browser, browser_context_args, site_url, all_pages) -> dict[str, dict]:
    """Every page loaded in a context whose reader prefers a dark scheme (Material follows
    ``prefers-color-scheme`` on a first visit), keyed by its path."""
    context = browser.new_context(
        **{**browser_context_args, "viewport": DESKTOP, "color_scheme": "dark"}
    )
    try:
        return {p.path: dark_visit(context, site_url, p) for p in all_pages}
    finally:
        context.close()
