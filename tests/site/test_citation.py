"""Who made the site and how to cite it: written from CITATION.cff (scripts/citation.py), and
the licences stated in LICENSE, README and the site agree."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from test_notebook_cache import load_hook

ROOT = Path(__file__).resolve().parents[2]
hook = load_hook("citation")
CFF = yaml.safe_load((ROOT / "CITATION.cff").read_text())


def test_the_citation_file_has_what_a_citation_needs():
    assert CFF["cff-version"] == "1.2.0"
    for key in ("title", "authors", "version", "license", "message"):
        assert CFF.get(key), key
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{CFF["version"]}"' in pyproject  # one version, the package's


def test_the_rendered_citation_names_the_authors_title_version_year_and_address():
    date = dt.date(2031, 5, 17)
    text = hook.rendered(CFF, date)
    first = text.splitlines()[0]
    assert first.startswith(f"{CFF['authors'][0]['name']} (2031). *{CFF['title']}*")
    assert f"version {CFF['version']}" in first
    assert CFF.get("repository-code", "") in first
    bibtex = re.search(r"```bibtex\n(.*?)```", text, re.DOTALL).group(1)
    assert "year    = {2031}" in bibtex and f"version = {{{CFF['version']}}}" in bibtex
    assert bibtex.count("{") == bibtex.count("}")
    assert (ROOT / "CITATION.cff").read_text().strip() in text  # the file itself, shown


def test_the_licences_agree_between_license_readme_and_the_citation():
    licence = (ROOT / "LICENSE").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "MIT License" in licence and "CC BY 4.0" in licence and "GPL" in licence
    assert set(CFF["license"]) == {"MIT", "CC-BY-4.0"}
    assert "**MIT licence**" in readme and "CC BY 4.0" in readme


def test_the_cite_page_without_its_marker_fails_the_build():
    class Page:
        class file:
            src_uri = "cite.md"

    with pytest.raises(ValueError, match="marker"):
        hook.on_page_markdown("# How to cite\n", Page, None, None)
    assert "@software" in hook.on_page_markdown(hook.MARKER, Page, None, None)
