"""Every repository path named in the docs, the configuration and the scripts' docstrings exists.

A path is a name with a slash whose last part has a file extension (``docs/notation.md``,
``../index.md``) or that ends with a slash (``tests/site/``). It is looked up relative to the
repository's root, to the naming file's own folder (a Markdown link), to ``docs/`` (MkDocs
resolves nav entries and page links there) and ``docs/notebooks/`` (links in notebook cells,
shown as examples), and for a page, to its URL's folder (links in its raw HTML); a page's URL
(``notebooks/shrinkage/``) stands for its source. Not paths of the repository, so not checked: URLs,
absolute paths (``/usr/bin/chromium``), patterns (``*``, ``<name>``, ``{key}``) and what the build
or the tools generate (`GENERATED`).
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: Files whose whole text names paths: the docs and the configuration.
TEXT_FILES = sorted(
    [ROOT / name for name in ("README.md", "CONTRIBUTING.md", "mkdocs.yml", "pyproject.toml")]
    + [ROOT / "Makefile"]
    + list(DOCS.rglob("*.md"))
)
#: Python files whose docstrings name paths.
SCRIPTS = sorted((ROOT / "scripts").glob("*.py"))
#: Made by the build, the tools or the virtualenv, never in git (first parts of a path).
GENERATED = (
    "site/",  # the built site (make site)
    ".cache/",  # the build's caches
    ".venv/",  # the virtualenv
    "assets/generated/",  # files the hooks add to the built site
    "assets/mathjax/",  # MathJax 3, copied into the built site
    "assets/stylesheets/jupyter.",  # the notebooks' shared stylesheet, written at build time
    "executed-notebooks/",  # the executed notebooks of a build, in a temporary folder
    "mathjax/static/",  # inside the django-static-mathjax package
    "es5/",  # ... its MathJax folder
    "dist/",  # wheels built by pip or build
    "assets/javascripts/lunr/",  # Material's files, removed from the built site
)

#: Names that stand for a file the reader writes (CONTRIBUTING's examples), not one that exists.
PLACEHOLDERS = ("your_page", "test_x.py", "other.py", "other/")

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_CANDIDATE = re.compile(
    r"(?<![\w./~$@\\-])"  # not the tail of a longer word, path, variable or TeX command
    r"((?:\.{1,2}/)*[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*/(?:[A-Za-z0-9_-]+\.[A-Za-z0-9]+)?)"
    r"(?![\w*<{$/-])"
)


def _docstrings(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node)
            if doc:
                texts.append(doc)
    return "\n".join(texts)


def named_paths(text: str) -> set[str]:
    """The repository paths ``text`` names (see the module docstring)."""
    text = _URL.sub(" ", text)
    found = set()
    for match in _CANDIDATE.finditer(text):
        path = match.group(1).rstrip(".")
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if not path.endswith("/") and "." not in last.lstrip("."):
            continue
        parts = [part for part in path.split("/") if part not in ("", ".", "..")]
        if not parts or not all(re.search("[A-Za-z]", part) for part in parts):
            continue  # a fraction or a number, not a path
        bare = re.sub(r"^(\.\.?/)+", "", path)  # without its leading ./ and ../
        if bare.startswith(GENERATED) or any(name in path for name in PLACEHOLDERS):
            continue
        found.add(path)
    return found


def _exists(base: Path, path: str) -> bool:
    """A file or folder, or a page's URL (``notebooks/shrinkage/`` for ``shrinkage.py``)."""
    target = Path(os.path.normpath(base / path))  # ``..`` as a URL resolves it
    if target.exists():
        return True
    return path.endswith("/") and any(
        target.with_name(target.name + ext).is_file() for ext in (".md", ".py")
    )


def missing_paths(file: Path, text: str) -> list[str]:
    bases = [ROOT, file.parent, DOCS, DOCS / "notebooks"]
    if file.is_relative_to(DOCS) and file.suffix == ".md":
        # a link in a page's raw HTML is relative to the page's URL, a folder: docs/page/
        bases.append(file.parent / file.stem)
    return sorted(
        path for path in named_paths(text) if not any(_exists(base, path) for base in bases)
    )


def test_the_path_finder_sees_paths_and_leaves_prose_and_urls_alone():
    text = (
        "See shared/notes/design.md, `tests/site/`, [home](../index.md) and src/pkg/a.py. "
        "ML/REML, and/or, 1/2, 1/2/, \\alpha/2, https://example.org/x/y.md, /usr/bin/chromium, "
        "site/index.html, docs/notebooks/*.py, assets/generated/explorer-<key>.json, "
        "docs/your_page.md, .cache/notebooks/, ../site/x.html."
    )
    assert named_paths(text) == {
        "shared/notes/design.md",
        "tests/site/",
        "../index.md",
        "src/pkg/a.py",
    }


@pytest.mark.parametrize("file", TEXT_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_paths_named_in_docs_and_config_exist(file):
    assert missing_paths(file, file.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("file", SCRIPTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_paths_named_in_the_scripts_docstrings_exist(file):
    assert missing_paths(file, _docstrings(file)) == []
