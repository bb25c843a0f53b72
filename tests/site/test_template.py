"""The page template of CONTRIBUTING.md builds as a page of this site, so it cannot rot.

The template (docs/templates/notebook_page.py) is built with the site's own mkdocs.yml, in
strict mode, as the only notebook page of a small site: it must execute, show its figure with
alt text and its number from the build, and fold its checks into one line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_site_build import ROOT, build_fixture

TEMPLATE = ROOT / "docs" / "templates" / "notebook_page.py"


@pytest.fixture(autouse=True)
def _build_env(monkeypatch):
    monkeypatch.setenv("MKDOCS_JUPYTER_CACHE", "false")
    monkeypatch.delenv("MPLBACKEND", raising=False)


def test_the_page_template_builds_strictly_with_figure_number_and_folded_checks(tmp_path: Path):
    docs = tmp_path / "docs"
    (docs / "notebooks").mkdir(parents=True)
    shutil.copy(TEMPLATE, docs / "notebooks" / "new_page.py")
    shutil.copy(ROOT / "docs" / "notation.md", docs / "notation.md")
    (docs / "index.md").write_text("# Home\n\n[The new page](notebooks/new_page.py)\n")
    site = tmp_path / "site"
    build_fixture(
        docs,
        site,
        [{"Home": "index.md"}, {"New": "notebooks/new_page.py"}, {"Notation": "notation.md"}],
    )
    page = (site / "notebooks" / "new_page" / "index.html").read_text(encoding="utf-8")
    figure = re.search(r'<img\b[^>]*src="figure-[0-9a-f]+\.png"[^>]*>', page)
    assert figure and re.search(r'alt="[^"]{20,}"', figure.group(0))
    assert re.search(r"\\hat\\sigma_\\alpha = 0\.\d{3}", page)
    summary = re.search(r'<details class="pp-checks"><summary>([^<]*)</summary>', page)
    assert summary and summary.group(1).startswith("✓ 4 checks pass: agrees with statsmodels")
    assert "checks.close" not in page  # the checking code is hidden, only its result shows
