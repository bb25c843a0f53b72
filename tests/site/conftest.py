"""Fixtures for the site tests: the built site, a local HTTP server for it, Debian's Chromium.

The browser tests run against ``site/`` (``make test`` builds it once, cleanly, just before).
Run alone (``pytest tests/site``), the session builds ``site/`` itself when it is missing or
older than its sources. ``PP_SITE_DIR`` points the tests at another built site.
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
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PP_CHROMIUM", "/usr/bin/chromium")
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
        cwd=ROOT, env=env, check=True, timeout=600,
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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize page tests over every page of the built site (one test id per page)."""
    for name, kind in (("site_page", None), ("notebook_page", "notebook")):
        if name in metafunc.fixturenames:
            pages = [p for p in discover_pages(site_dir()) if kind is None or p.kind == kind]
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

