"""MkDocs hooks for the site build (listed under ``hooks:`` in mkdocs.yml).

What they do, and why:

* ``on_config``: drop ``MPLBACKEND`` from the environment (the notebook kernels inherit it, and
  ``MPLBACKEND=Agg`` silently removes every inline figure).
* ``on_page_content`` (notebook pages only, i.e. pages mkdocs-jupyter rendered):
  - remove the MathJax 2 loader and the mermaid loader that mkdocs-jupyter's template injects
    (CDN scripts); the site loads its own MathJax 3 on every page;
  - remove the block mkdocs-jupyter appends after a notebook read from an ``.ipynb`` file
    (the executed notebooks of scripts/notebook_exec.py are): the Pygments rules already
    inlined before the notebook, written as a Python list (not CSS);
  - require an ``alt`` text on every output image: figures drawn by `partial_pooling.site.figures`
    (a ``SiteFigure``) carry their own, computed from their inputs. Any other image (a bare
    matplotlib figure, say) has none, or nbconvert's placeholder, and is a build warning (so
    ``--strict`` fails) naming the page and the figure;
  - resolve relative links written in notebook markdown cells the way MkDocs resolves links in
    Markdown pages (``../index.md``, ``other_notebook.py``, ``api.md#anchor``), and warn about
    links that point nowhere (MkDocs itself never sees these links).
* ``on_post_page`` (notebook pages only): keep each page's HTML small (a few hundred KB, not 1 MB).
  - mkdocs-jupyter inlines the same ~590 KB of CSS (Pygments, JupyterLab's ``index.css`` and
    its light theme) in a ``<style>`` block of every notebook page. Those blocks (the ones before
    the notebook's ``.jupyter-wrapper``; style blocks inside cell outputs stay) are written once
    to ``assets/stylesheets/jupyter.<hash>.css`` and the page links it at the end of its
    ``<head>``: after every other stylesheet, as the inline blocks were, so the cascade is
    unchanged; the browser loads it once and caches it. Pages whose CSS differed would get one
    file per distinct CSS (content-hashed names).
  - figures are inlined as base64 PNG data URLs (about 100-300 KB a page, four times that with
    each figure's dark and phone copies); each (an ``<img src>`` or a ``<source srcset>``) is
    written to ``figure-<hash>.png`` in the page's own folder (a relative ``src``, so the site
    works under any base URL and offline) and keeps its alt text.
* ``on_post_build``: copy MathJax 3 (``es5/`` of the PyPI package django-static-mathjax) into
  ``site/assets/mathjax/``, so the site needs no CDN, without the files a browser never requests
  with this configuration (``MATHJAX_SKIP``); remove Material's files no reader loads (lunr
  language support for an English-only search, source maps).
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import posixpath
import re
import shutil
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

log = get_plugin_logger("partial_pooling")

HERE = Path(__file__).resolve().parent
MATHJAX_DEST = "assets/mathjax"
# Only the combined component the site loads plus the lazily loaded pieces it may ask for
# (TeX extensions, fonts, menu, accessibility). The other combined bundles are never loaded.
MATHJAX_SKIP = {
    "mml-chtml.js",
    "mml-svg.js",
    "node-main.js",
    "tex-chtml-full-speech.js",
    "tex-chtml-full.js",
    "tex-mml-chtml.js",
    "tex-mml-svg.js",
    "tex-svg-full.js",
    "tex-svg.js",
    # Paths relative to es5/. Built into tex-chtml.js (its loader marks them loaded, so they are
    # never requested): the loader, startup, core, TeX input, CHTML output and its TeX font data,
    # the menu and assistive MathML.
    "loader.js",
    "startup.js",
    "core.js",
    "input/tex.js",
    "input/tex-base.js",
    "output/chtml.js",
    "output/chtml/fonts/tex.js",
    "ui/menu.js",
    "a11y/assistive-mml.js",
    # Never requested in a browser with this configuration: the CDN version picker, the
    # Node-only DOM adaptor, other input formats (input/mml itself stays: the menu's
    # accessibility explorer needs it), the full TeX bundle, and opt-in UI components.
    "latest.js",
    "adaptors",
    "input/asciimath.js",
    "input/tex-full.js",
    "input/mml/extensions",
    "ui/lazy.js",
    "ui/safe.js",
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

# ... and, for a notebook read from an .ipynb file, a <style> block after the notebook holding the
# repr of a Python list of the Pygments rules (the same rules are inlined before the notebook).
_TRAILING_STYLE_RE = re.compile(
    r"(<!-- jupyter-wrapper -->)\s*<style>\s*\[.*?\]\s*</style>\s*\Z", re.DOTALL
)


# The notebook CSS written once for all pages (mkdocs-jupyter inlines it in every notebook page).
JUPYTER_CSS_DIR = "assets/stylesheets"
_WRAPPER_MARK = '<div class="jupyter-wrapper">'
_CHARSET_RE = re.compile(r'^\s*@charset\s+"[^"]*";', re.IGNORECASE)
_STYLE_BLOCK_RE = re.compile(r'<style type="text/css">\n?(.*?)</style>\n?', re.DOTALL)
# Inline PNG figures in notebook outputs (nbconvert's <img> and the package's own HTML <img>).
# ... and the <source srcset> of a figure's copy for a phone (partial_pooling.figure_variants).
_INLINE_PNG_RE = re.compile(
    r'(<(?:img|source)\b[^>]*?\b(?:src|srcset)=")data:image/png;base64,([A-Za-z0-9+/=\s]+)(")'
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
    mathjax_source()  # fail early, not after every notebook has run
    return config


def is_notebook_page(page: Page) -> bool:
    # mkdocs-jupyter sets ``nb_url`` on the pages it renders.
    return getattr(page, "nb_url", None) is not None


def require_alt_text(content: str, page: Page) -> str:
    """Warn (a failure under ``--strict``) about every output image without real alt text."""
    for count, match in enumerate(_IMG_RE.finditer(content), start=1):
        alt = _ALT_RE.search(match.group(0))
        if alt and alt.group(1).strip() and alt.group(1) != NBCONVERT_DEFAULT_ALT:
            continue
        log.warning(
            "%s: image %d has no alt text: draw figures with a partial_pooling.site.figures "
            "function (a SiteFigure carries alt text computed from its inputs)",
            page.file.src_uri,
            count,
        )
    return content


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
        # A URL relative to this page (e.g. ../../api/) works only for one URL layout: the
        # site's one convention is the source path, as in Markdown pages (a build warning).
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page.url + "x"), parts.path))
        candidates = {resolved, resolved + "/", resolved.rstrip("/") + "/"}
        if resolved in (".", ""):
            candidates.add("")
        found = candidates & by_url.keys()
        if found:
            target = by_url[sorted(found)[0]]
            log.warning(
                "%s: link '%s' in a notebook markdown cell is a URL; link to the source path "
                "instead, as Markdown pages do: '%s'",
                page.file.src_uri,
                href,
                posixpath.relpath(target.src_uri, src_dir or "."),
            )
        else:
            log.warning(
                "%s: link '%s' in a notebook markdown cell points to no page or file",
                page.file.src_uri,
                href,
            )
        return match.group(0)

    return _HREF_RE.sub(fix, content)


def on_page_content(content: str, page: Page, config, files: Files) -> str:
    if not is_notebook_page(page):
        return content
    content = _MATHJAX2_RE.sub("", content)
    content = _MERMAID_RE.sub("", content)
    content = _TRAILING_STYLE_RE.sub(r"\1", content)
    content = require_alt_text(content, page)
    return resolve_notebook_links(content, page, files)


def _write_once(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it already holds exactly that (content-hashed names)."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def externalize_notebook_css(output: str, page: Page, site_dir: Path) -> str:
    """Move the CSS inlined before the notebook into a shared, cached stylesheet."""
    # Only the blocks mkdocs-jupyter writes between the start of the page content and the
    # notebook itself (never the theme's <head>, never a style inside a cell's output).
    head_end = output.find("</head>")
    start = output.find(_WRAPPER_MARK)
    article = output.find('<article class="md-content__inner', head_end)
    if min(head_end, start, article) < 0 or not head_end < article < start:
        return output
    blocks = [m.group(1) for m in _STYLE_BLOCK_RE.finditer(output, article, start)]
    if not blocks:
        return output
    # One @charset, first in the file where it counts (index.css starts with its own, which the
    # browser would ignore in the middle of the file); the page around it was UTF-8 too.
    css = (
        '@charset "UTF-8";\n'
        + "\n".join(_CHARSET_RE.sub("", block).strip() for block in blocks)
        + "\n"
    )
    data = css.encode("utf-8")
    name = f"jupyter.{hashlib.sha256(data).hexdigest()[:8]}.css"
    _write_once(site_dir / JUPYTER_CSS_DIR / name, data)
    href = get_relative_url(f"{JUPYTER_CSS_DIR}/{name}", page.url)
    link = f'  <link rel="stylesheet" href="{html.escape(href, quote=True)}">\n  '
    return (
        output[:head_end]
        + link
        + output[head_end:article]
        + _STYLE_BLOCK_RE.sub("", output[article:start])
        + output[start:]
    )


def externalize_figures(output: str, page: Page, site_dir: Path) -> str:
    """Write inlined PNG figures next to the page's index.html and link them by file name."""
    page_dir = posixpath.dirname(page.file.dest_uri)

    def fix(match: re.Match[str]) -> str:
        data = base64.b64decode("".join(match.group(2).split()))
        name = f"figure-{hashlib.sha256(data).hexdigest()[:12]}.png"
        dest = posixpath.join(page_dir, name)
        _write_once(site_dir / dest, data)
        src = get_relative_url(dest, page.url)
        return match.group(1) + html.escape(src, quote=True) + match.group(3)

    return _INLINE_PNG_RE.sub(fix, output)


def on_post_page(output: str, page: Page, config) -> str:
    if not is_notebook_page(page):
        return output
    site_dir = Path(config["site_dir"])
    output = externalize_notebook_css(output, page, site_dir)
    return externalize_figures(output, page, site_dir)


def on_post_build(config) -> None:
    source = mathjax_source()
    dest = Path(config["site_dir"]) / MATHJAX_DEST
    if dest.exists():
        shutil.rmtree(dest)

    def skip(folder: str, names: list[str]) -> list[str]:
        rel = Path(folder).relative_to(source).as_posix()
        return [n for n in names if posixpath.normpath(posixpath.join(rel, n)) in MATHJAX_SKIP]

    shutil.copytree(source, dest, ignore=skip)
    log.info("copied MathJax 3 from %s to %s", source, dest)
    trim_theme_assets(config)


def trim_theme_assets(config) -> None:
    """Remove theme files no reader's browser ever requests.

    * Material's lunr language support (``assets/javascripts/lunr/``): the search worker loads
      it only for search languages other than English alone.
    * Source maps of Material's minified JS and CSS: requested only by an open DevTools.
    """
    site = Path(config["site_dir"])
    search = config["plugins"].get("search")
    langs = list(search.config.get("lang") or ["en"]) if search is not None else ["en"]
    lunr = site / "assets" / "javascripts" / "lunr"
    if langs == ["en"] and lunr.is_dir():
        shutil.rmtree(lunr)
    for folder in ("assets/javascripts", "assets/stylesheets"):
        for source_map in (site / folder).rglob("*.map"):
            source_map.unlink()
