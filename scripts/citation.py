"""MkDocs hook: who made the site, its licences and how to cite it, from CITATION.cff.

The repository's ``CITATION.cff`` is the one place the title, authors, version, licences and
repository address are written. This hook

* ``on_config``: puts them in ``config.extra.citation`` for the theme's footer
  (``docs/overrides/partials/copyright.html``);
* ``on_files``: publishes ``CITATION.cff`` and ``LICENSE`` (as ``LICENSE.txt``) with the site;
* ``on_page_markdown``: replaces the marker ``<!-- citation -->`` of ``docs/cite.md`` with the
  citation written out (a sentence and a BibTeX entry) and the file itself.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
CFF = ROOT / "CITATION.cff"
MARKER = "<!-- citation -->"
#: How the licences of CITATION.cff are named on the site (SPDX identifier -> name, link).
LICENCE_NAMES = {
    "MIT": ("MIT", "https://opensource.org/license/mit"),
    "CC-BY-4.0": ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
}


def citation() -> dict[str, Any]:
    """CITATION.cff as a dict, with the fields the site uses checked."""
    data = yaml.safe_load(CFF.read_text(encoding="utf-8"))
    for key in ("title", "authors", "version", "license"):
        if not data.get(key):
            raise ValueError(f"{CFF}: no {key!r}")
    return dict(data)


def authors(data: dict[str, Any]) -> str:
    """The authors as one string: entity names, or given and family names."""
    names = []
    for person in data["authors"]:
        if "name" in person:
            names.append(str(person["name"]))
        else:
            names.append(f"{person.get('given-names', '')} {person['family-names']}".strip())
    return ", ".join(names)


def build_date() -> dt.date:
    """The date the site is built (``SOURCE_DATE_EPOCH`` when set, for reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.datetime.now(tz=dt.UTC).date()


def on_config(config):
    data = citation()
    licences = data["license"] if isinstance(data["license"], list) else [data["license"]]
    config.extra["citation"] = {
        "title": data["title"],
        "authors": authors(data),
        "version": data["version"],
        "repository": data.get("repository-code", ""),  # none until the repository is public
        "licences": [LICENCE_NAMES.get(str(lic), (str(lic), "")) for lic in licences],
        "built": build_date().isoformat(),
    }
    return config


def on_files(files: Files, config) -> Files:
    files.append(File.generated(config, "CITATION.cff", abs_src_path=str(CFF)))
    files.append(File.generated(config, "LICENSE.txt", abs_src_path=str(ROOT / "LICENSE")))
    return files


def rendered(data: dict[str, Any], date: dt.date) -> str:
    """The citation as Markdown: a sentence, a BibTeX entry and the CITATION.cff file."""
    who, title, version, url = (
        authors(data),
        data["title"],
        data["version"],
        data.get("repository-code", ""),
    )
    bibtex = "\n".join(
        [
            "@software{why_partial_pooling,",
            f"  author  = {{{{{who}}}}},",
            f"  title   = {{{{{title}}}}},",
            f"  version = {{{version}}},",
            f"  year    = {{{date.year}}},",
            *([f"  url     = {{{url}}},"] if url else []),
            f"  note    = {{Site built on {date.isoformat()}}}",
            "}",
        ]
    )
    return "\n".join(
        [
            f"{who} ({date.year}). *{title}*, version {version}. {url + ' ' if url else ''}"
            f"(site built on {date.isoformat()}).",
            "",
            "As BibTeX:",
            "",
            "```bibtex",
            bibtex,
            "```",
            "",
            "The same facts, in the repository's [`CITATION.cff`](CITATION.cff) (GitHub and "
            "Zenodo read this file; so do reference managers with a CFF importer):",
            "",
            "```yaml",
            CFF.read_text(encoding="utf-8").rstrip(),
            "```",
        ]
    )


def on_page_markdown(markdown: str, page, config, files) -> str:
    if page.file.src_uri != "cite.md":
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"docs/cite.md has no {MARKER} marker for the citation")
    return markdown.replace(MARKER, rendered(citation(), build_date()))
