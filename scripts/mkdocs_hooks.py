"""MkDocs hooks for the site build (listed under ``hooks:`` in mkdocs.yml).

What they do, and why:

* ``on_config``: drop ``MPLBACKEND`` from the environment (the notebook kernels inherit it, and
  ``MPLBACKEND=Agg`` silently removes every inline figure) and point ``PYTHONSTARTUP`` at
  ``scripts/kernel_startup.py``, which makes each kernel write a figure's title into its PNG.
* ``on_page_content`` (notebook pages only, i.e. pages mkdocs-jupyter rendered):
  - remove the MathJax 2 loader and the mermaid loader that mkdocs-jupyter's template injects
    (CDN scripts); the site loads its own MathJax 3 on every page;
  - give every output image an ``alt`` text: the figure's suptitle / axes titles, read back from
    the PNG's ``Title`` text chunk. A figure without any title is a build warning (so
    ``--strict`` fails): give it ``fig.suptitle(...)`` or an axes title;
  - resolve relative links written in notebook markdown cells the way MkDocs resolves links in
    Markdown pages (``../index.md``, ``other_notebook.py``, ``api.md#anchor``), and warn about
    links that point nowhere (MkDocs itself never sees these links).
* ``on_post_build``: copy MathJax 3 (``es5/`` of the PyPI package django-static-mathjax) into
  ``site/assets/mathjax/``, so the site needs no CDN.
"""

from __future__ import annotations

import base64
import html
import os
import posixpath
import re
import shutil
import struct
import zlib
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

log = get_plugin_logger("partial_pooling")

HERE = Path(__file__).resolve().parent
KERNEL_STARTUP = HERE / "kernel_startup.py"
MATHJAX_DEST = "assets/mathjax"
# Only the combined component the site loads plus the lazily loaded pieces it may ask for
# (TeX extensions, fonts, menu, accessibility). The other combined bundles are never loaded.
MATHJAX_SKIP = {
    "mml-chtml.js", "mml-svg.js", "node-main.js", "tex-chtml-full-speech.js",
    "tex-chtml-full.js", "tex-mml-chtml.js", "tex-mml-svg.js", "tex-svg-full.js", "tex-svg.js",
}

_IMG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC_RE = re.compile(r'\bsrc="data:image/png;base64,([^"]+)"')
_ALT_RE = re.compile(r'\balt="([^"]*)"', re.IGNORECASE)
# nbconvert's placeholder alt text for output images: as good as none.
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"
_HREF_RE = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")', re.IGNORECASE)
# mkdocs-jupyter's template (nbconvert's mathjax macro) writes this block on every notebook page.
_MATHJAX2_RE = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL
)
# ... and a module script that imports mermaid from a CDN when a page has a mermaid diagram
# (notebook mermaid diagrams are therefore not rendered: the site must work offline).
_MERMAID_RE = re.compile(
    r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded"[^<]*?jp-Mermaid'
    r".*?<!-- End of mermaid configuration -->",
    re.DOTALL,
)


def mathjax_source() -> Path:
    """The ``es5`` folder of MathJax 3 shipped by the django-static-mathjax wheel."""
    spec = find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "django-static-mathjax is not installed: pip install -r requirements.lock"
        )
    for root in spec.submodule_search_locations:
        es5 = Path(root) / "static" / "mathjax" / "es5"
        if (es5 / "tex-chtml.js").is_file():
            return es5
    raise FileNotFoundError("no mathjax/static/mathjax/es5/tex-chtml.js in django-static-mathjax")


def on_config(config):
    backend = os.environ.pop("MPLBACKEND", None)
    if backend is not None:
        log.info("unset MPLBACKEND=%s for the kernels (it removes inline figures)", backend)
    os.environ["PYTHONSTARTUP"] = str(KERNEL_STARTUP)
    mathjax_source()  # fail early, not after every notebook has run
    return config


def is_notebook_page(page: Page) -> bool:
    # mkdocs-jupyter sets ``nb_url`` on the pages it renders.
    return getattr(page, "nb_url", None) is not None


def png_title(data: bytes) -> str | None:
    """The ``Title`` from a PNG's tEXt / iTXt chunks, if any."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            if key == b"Title":
                return value.decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            if key == b"Title":
                compressed, _method, rest = rest[0], rest[1], rest[2:]
                _lang, _, rest = rest.partition(b"\0")
                _tkey, _, text = rest.partition(b"\0")
                return (zlib.decompress(text) if compressed else text).decode("utf-8")
        elif kind == b"IEND":
            break
    return None


def add_alt_text(content: str, page: Page) -> str:
    count = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal count
        tag = match.group(0)
        alt = _ALT_RE.search(tag)
        if alt and alt.group(1).strip() and alt.group(1) != NBCONVERT_DEFAULT_ALT:
            return tag
        tag = _ALT_RE.sub("", tag)
        count += 1
        src = _SRC_RE.search(tag)
        title = png_title(base64.b64decode(src.group(1))) if src else None
        if not title:
            log.warning(
                "%s: figure %d has no title, so it gets no alt text: give it fig.suptitle(...) "
                "or an axes title", page.file.src_uri, count,
            )
            title = "Figure"
        return tag[:4] + f' alt="{html.escape(title, quote=True)}"' + tag[4:]

    return _IMG_RE.sub(fix, content)


def resolve_notebook_links(content: str, page: Page, files: Files) -> str:
    src_dir = posixpath.dirname(page.file.src_uri)
    by_url = {f.url: f for f in files}

    def fix(match: re.Match[str]) -> str:
        href = html.unescape(match.group(2))
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith(("#", "/")) or not parts.path:
            return match.group(0)
        target_uri = posixpath.normpath(posixpath.join(src_dir, parts.path))
        target = files.get_file_from_path(target_uri)
        if target is not None:  # a source path, as in Markdown pages: rewrite to its URL
            new = get_relative_url(target.url, page.url) + (
                f"#{parts.fragment}" if parts.fragment else ""
            )
            return match.group(1) + html.escape(new, quote=True) + match.group(3)
        # Already a URL relative to this page (e.g. ../../api/)? Keep it if it exists.
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page.url + "x"), parts.path))
        candidates = {resolved, resolved + "/", resolved.rstrip("/") + "/"}
        if resolved in (".", ""):
            candidates.add("")
        if not candidates & by_url.keys():
            log.warning(
                "%s: link '%s' in a notebook markdown cell points to no page or file",
                page.file.src_uri, href,
            )
        return match.group(0)

    return _HREF_RE.sub(fix, content)


def on_page_content(content: str, page: Page, config, files: Files) -> str:
    if not is_notebook_page(page):
        return content
    content = _MATHJAX2_RE.sub("", content)
    content = _MERMAID_RE.sub("", content)
    content = add_alt_text(content, page)
    return resolve_notebook_links(content, page, files)


def on_post_build(config) -> None:
    source = mathjax_source()
    dest = Path(config["site_dir"]) / MATHJAX_DEST
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, ignore=lambda d, names: [n for n in names if n in MATHJAX_SKIP])
    log.info("copied MathJax 3 from %s to %s", source, dest)
