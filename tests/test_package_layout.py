"""The package's layout: the core does not lean on the site's code, and every module is listed."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import partial_pooling
import partial_pooling.site

SRC = Path(partial_pooling.__file__).parent
# the command line's report draws the site's figures for a user's fit
MAY_USE_SITE = {"report"}


def imported_modules(path: Path) -> set[str]:
    """The modules a file imports, resolved to absolute names (relative imports included)."""
    package = "partial_pooling" + (".site" if path.parent.name == "site" else "")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(SRC)]) if not m.ispkg)


def test_the_core_imports_nothing_from_the_site_package_but_the_report():
    leaning = {
        name: sorted(m for m in imported_modules(SRC / f"{name}.py") if ".site" in m)
        for name in core_modules()
        if name not in MAY_USE_SITE
    }
    assert {name: found for name, found in leaning.items() if found} == {}
    assert any(".site" in m for m in imported_modules(SRC / "report.py"))  # the rule is live


def test_the_package_docstring_lists_every_module_and_the_site_docstring_each_of_its_own():
    listed = partial_pooling.__doc__ or ""
    missing = [
        name
        for name in core_modules()
        if name != "__main__" and f"partial_pooling.{name}`" not in listed
    ]
    assert missing == []
    site_listed = partial_pooling.site.__doc__ or ""
    site_modules = [m.name for m in pkgutil.iter_modules([str(SRC / "site")])]
    assert len(site_modules) >= 6
    assert [m for m in site_modules if f"partial_pooling.site.{m}`" not in site_listed] == []


def test_every_module_has_a_section_on_the_api_pages():
    api = Path(__file__).parents[1] / "docs" / "api"
    directives = {
        line.removeprefix("::: ").strip()
        for page in api.glob("*.md")
        for line in page.read_text().splitlines()
        if line.startswith("::: ")
    }
    expected = {f"partial_pooling.{m}" for m in core_modules() if m != "__main__"}
    expected |= {
        f"partial_pooling.site.{m.name}" for m in pkgutil.iter_modules([str(SRC / "site")])
    }
    assert expected - directives == set()


def private_imports(path: Path) -> list[str]:
    """``name from module`` for each name starting with one underscore that ``path`` imports
    from the package (dunders such as ``__version__`` are public)."""
    package = "partial_pooling" + (".site" if path.parent.name == "site" else "")
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = package.rsplit(".", node.level - 1)[0] if node.level else ""
        module = ".".join(part for part in (base, node.module) if part)
        if module.split(".")[0] != "partial_pooling":
            continue
        found += [
            f"{alias.name} from {module}"
            for alias in node.names
            if alias.name.startswith("_") and not alias.name.startswith("__")
        ]
    return found


def test_no_module_imports_a_private_name_from_another_module_of_the_package():
    # argument checks live in partial_pooling.validation under public names: a helper that
    # another module needs is public, so a reader can find it and its contract
    found = {
        str(path.relative_to(SRC)): private_imports(path) for path in sorted(SRC.rglob("*.py"))
    }
    assert {path: names for path, names in found.items() if names} == {}


def test_the_private_import_check_finds_relative_and_absolute_private_imports(tmp_path):
    source = tmp_path / "site" / "example.py"
    source.parent.mkdir()
    source.write_text(
        "from ..likelihood import _score, profile\n"
        "from partial_pooling.grouped import _qr_r\n"
        "from .. import __version__\n"
        "from numpy import _core\n"
    )
    assert private_imports(source) == [
        "_score from partial_pooling.likelihood",
        "_qr_r from partial_pooling.grouped",
    ]
