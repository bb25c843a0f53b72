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
    """Keep the hook's environment changes (PYTHONSTARTUP, MPLBACKEND) inside each test."""
    monkeypatch.setenv("MKDOCS_JUPYTER_CACHE", "false")
    monkeypatch.setenv("PYTHONSTARTUP", "")
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
    tmp_path, monkeypatch
):
    # MPLBACKEND=Agg would remove the inline figure: the build must not pass it to the kernel.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    site = tmp_path / "site"
    build_fixture(FIXTURES / "tiny" / "docs", site, TINY_NAV)

    page = (site / "notebooks" / "tiny" / "index.html").read_text(encoding="utf-8")
    images = re.findall(r'<img\b[^>]*src="data:image/png;base64,[^"]*"[^>]*>', page)
    assert len(images) == 1, "the notebook's figure is missing from its page"
    assert 'alt="Squares of one, two and three"' in images[0]
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
            FIXTURES / "raising" / "docs", tmp_path / "site",
            [{"Home": "index.md"}, {"Raises": "notebooks/raises.py"}],
        )


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("[home](../index.md)", "[home](../nowhere.md)", "notebook link to a missing page"),
        ('ax.set_title("Squares of one, two and three")', "", "figure without a title"),
        ("[the notebook](notebooks/tiny.py)", "[the notebook](notebooks/gone.py)",
         "Markdown link to a missing page"),
    ],
    ids=["broken-notebook-link", "untitled-figure", "broken-markdown-link"],
)
def test_strict_build_fails_on(tmp_path, old, new, why):
    docs = tiny_copy(tmp_path)
    for file in (docs / "index.md", docs / "notebooks" / "tiny.py"):
        text = file.read_text()
        file.write_text(text.replace(old, new))
    with pytest.raises(SystemExit) as excinfo:  # mkdocs.exceptions.Abort
        build_fixture(docs, tmp_path / "site", TINY_NAV)
    assert "strict mode" in str(excinfo.value), why


def test_notebook_cache_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("MKDOCS_JUPYTER_CACHE", raising=False)
    config = load_config(config_file=str(ROOT / "mkdocs.yml"))
    jupyter = config.plugins["mkdocs-jupyter"].config
    assert jupyter["cache"] is False
    assert jupyter["allow_errors"] is False
    assert jupyter["execute"] is True
    assert jupyter["include"] == ["docs/notebooks/*.py"]
