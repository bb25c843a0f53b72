"""Build small fixture sites in-process with the project's own mkdocs.yml.

The fixtures replace only ``docs_dir`` and ``nav``: theme, hooks, plugins and markdown
extensions are the real ones, so these tests exercise the real build configuration.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TINY_NAV = [{"Home": "index.md"}, {"Tiny": "notebooks/tiny.py"}]


@pytest.fixture(autouse=True)
def _build_env(monkeypatch):
    """Keep the hook's environment changes (MPLBACKEND) inside each test."""
    monkeypatch.setenv("MKDOCS_JUPYTER_CACHE", "false")
    monkeypatch.delenv("MPLBACKEND", raising=False)


def build_fixture(docs: Path, site: Path, nav: list) -> None:
    config = load_config(
        config_file=str(ROOT / "mkdocs.yml"),
        docs_dir=str(docs),
        site_dir=str(site),
        nav=nav,
        strict=True,
    )
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()


def tiny_copy(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURES / "tiny" / "docs", docs)
    return docs


def test_tiny_site_builds_with_executed_notebook_figure_alt_math_and_source(
    tmp_path, monkeypatch, capfd
):
    # MPLBACKEND=Agg would remove the inline figure: the build must not pass it to the kernel.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PP_NOTEBOOK_CACHE", str(tmp_path / "cache"))  # the kernel runs
    site = tmp_path / "site"
    build_fixture(FIXTURES / "tiny" / "docs", site, TINY_NAV)
    # the kernels print nothing that reads like a failure (ipykernel warns over plain TCP)
    kernel_lines = [ln for ln in capfd.readouterr().err.splitlines() if "IPKernelApp" in ln]
    assert kernel_lines == []

    page = (site / "notebooks" / "tiny" / "index.html").read_text(encoding="utf-8")
    # The figure is PNG files in the page's own folder (not data URLs inlined in the HTML): a
    # copy for the light and one for the dark palette, each with its copy for a phone.
    images = re.findall(r'<img\b[^>]*src="(figure-[0-9a-f]+\.png)"[^>]*>', page)
    phones = re.findall(r'<source\b[^>]*srcset="(figure-[0-9a-f]+\.png)"[^>]*>', page)
    assert len(images) == 2 and len(phones) == 2, "the notebook's figure is missing its copies"
    assert len(set(images + phones)) == 4, "two copies of the figure are the same file"
    for figure in re.findall(r'<img\b[^>]*src="figure-[^>]*>', page):
        assert 'alt="Squares of 1, 2 and 3 against 1, 2 and 3"' in figure
    for name in images + phones:
        assert (site / "notebooks" / "tiny" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert '<span class="pp-figure-number">Figure 1:</span> The squares of 1, 2 and 3.' in page
    assert "data:image/png;base64" not in re.sub(r"<style.*?</style>", "", page, flags=re.S)
    assert (site / "notebooks" / "tiny" / "tiny.py").read_text() == (
        FIXTURES / "tiny" / "docs" / "notebooks" / "tiny.py"
    ).read_text()
    assert 'href="tiny.py" download' in page
    # The notebook's markdown link to ../index.md now points at the home page's URL.
    markup = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    assert 'href="../../"' in markup and "index.md" not in markup
    assert (site / "assets" / "mathjax" / "tex-chtml.js").is_file()
    assert (site / "assets" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r'<script[^>]+src="(https?:)?//', text), f"{html}: remote script"
        assert "cdnjs" not in text and "MathJax.Hub" not in text, f"{html}: MathJax 2 / CDN"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert home.count('class="arithmatex"') == 2
    assert 'href="notebooks/tiny/"' in home


def test_notebook_with_a_raising_cell_fails_the_build(tmp_path):
    with pytest.raises(Exception, match="this cell fails on purpose"):
        build_fixture(
            FIXTURES / "raising" / "docs",
            tmp_path / "site",
            [{"Home": "index.md"}, {"Raises": "notebooks/raises.py"}],
        )


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("[home](../index.md)", "[home](../nowhere.md)", "notebook link to a missing page"),
        ("[home](../index.md)", "[home](../../)", "notebook link written as a URL"),
        ('alt=f"Squares', 'alt="" and f"Squares', "figure without alt text"),
        (
            "[the notebook](notebooks/tiny.py)",
            "[the notebook](notebooks/gone.py)",
            "Markdown link to a missing page",
        ),
    ],
    ids=[
        "broken-notebook-link",
        "url-style-notebook-link",
        "figure-without-alt",
        "broken-markdown-link",
    ],
)
def test_strict_build_fails_on(tmp_path, old, new, why):
    docs = tiny_copy(tmp_path)
    for file in (docs / "index.md", docs / "notebooks" / "tiny.py"):
        text = file.read_text()
        file.write_text(text.replace(old, new))
    with pytest.raises(SystemExit) as excinfo:  # mkdocs.exceptions.Abort
        build_fixture(docs, tmp_path / "site", TINY_NAV)
    assert "strict mode" in str(excinfo.value), why


def test_notebooks_are_executed_by_the_cache_hook_with_errors_fatal(monkeypatch):
    monkeypatch.delenv("MKDOCS_JUPYTER_CACHE", raising=False)
    config = load_config(config_file=str(ROOT / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    jupyter = config.plugins["mkdocs-jupyter"].config
    # scripts/notebook_exec.py executes (in parallel, errors fatal) and hands mkdocs-jupyter the
    # executed notebooks, so mkdocs-jupyter executes nothing and its cache, keyed on the
    # executed notebook's bytes, is on by default
    assert jupyter["cache"] is True
    assert jupyter["execute"] is False
    assert "scripts/notebook_exec.py" in config["hooks"]
    assert jupyter["allow_errors"] is False
    # only the executed notebooks the hook writes are rendered as notebooks
    assert jupyter["include"] == ["executed-notebooks/*.ipynb"]


# Page weight. mkdocs-jupyter inlines ~590 KB of the same CSS (Pygments, JupyterLab's index.css
# and theme) in every notebook page, and its figures as base64 PNG; scripts/mkdocs_hooks.py moves
# the CSS to one shared, cacheable stylesheet and the figures to PNG files next to each page.
MAX_PAGE_BYTES = 300_000
JUPYTER_CSS_LINK = re.compile(
    r'<link rel="stylesheet" href="((?:\.\./)*assets/stylesheets/jupyter\.[0-9a-f]{8}\.css)">'
)


def test_page_html_is_at_most_300_kb(site_page):
    size = site_page.file.stat().st_size
    assert size <= MAX_PAGE_BYTES, f"{site_page.file}: {size:,} bytes of HTML"


def test_notebook_page_links_the_shared_jupyter_stylesheet_and_inlines_no_jupyterlab_css(
    notebook_page, built_site
):
    text = notebook_page.file.read_text(encoding="utf-8")
    head = text.partition("</head>")[0]
    links = JUPYTER_CSS_LINK.findall(head)
    assert len(links) == 1, "the notebook CSS is not linked (once) from the page's <head>"
    # The link comes after every other stylesheet, where the inline blocks were in the cascade.
    last_stylesheet = head.rindex('<link rel="stylesheet"')
    assert JUPYTER_CSS_LINK.match(head, last_stylesheet), "another stylesheet comes after it"
    css = (notebook_page.file.parent / links[0]).resolve()
    assert css.is_relative_to(built_site.resolve()) and css.is_file(), f"{links[0]} is missing"
    sheet = css.read_text(encoding="utf-8")
    for marker in (".jupyter-wrapper", "--jp-layout-color0", ".highlight-ipynb"):
        assert marker in sheet, f"{links[0]} lacks {marker}"
    for style in re.findall(r"<style\b[^>]*>(.*?)</style>", text, flags=re.S):
        assert len(style) < 2_000 and "--jp-" not in style and ".jupyter-wrapper" not in style, (
            f"inline JupyterLab CSS ({len(style):,} bytes)"
        )


def test_every_notebook_page_shares_one_stylesheet(all_pages):
    hrefs = set()
    for page in all_pages:
        if page.kind == "notebook":
            for href in JUPYTER_CSS_LINK.findall(page.file.read_text(encoding="utf-8")):
                hrefs.add((page.file.parent / href).resolve())
    assert len(hrefs) == 1, f"notebook pages link {len(hrefs)} different notebook stylesheets"


def test_notebook_figures_are_png_files_in_the_page_folder(notebook_page):
    text = notebook_page.file.read_text(encoding="utf-8")
    assert "data:image/png;base64" not in re.sub(r"<style.*?</style>", "", text, flags=re.S)
    for tag in re.findall(r'<img\b[^>]*\bsrc="figure-[^"]*"[^>]*>', text):
        src = re.search(r'\bsrc="([^"]*)"', tag).group(1)
        assert (notebook_page.file.parent / src).read_bytes()[:4] == b"\x89PNG", src
        alt = re.search(r'\balt="([^"]*)"', tag)
        assert alt and alt.group(1).strip(), f"{src} has no alt text"
