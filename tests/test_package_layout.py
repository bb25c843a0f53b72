"""The package's layout: the core does not lean on the site's code, every module is listed, and
the site's build does not import the command line."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import partial_pooling
import partial_pooling.cli
import partial_pooling.site

SRC = Path(partial_pooling.__file__).parent
SCRIPTS = Path(__file__).parents[1] / "scripts"
# the command line's report draws the site's figures for a user's fit
MAY_USE_SITE = {"report"}
# the command line's modules (a package, one module a job) and their largest size
CLI_MAX_LINES = 800


def package_of(path: Path) -> str:
    """The package a file of ``src/partial_pooling`` (or of one of its subpackages) is in."""
    parent = path.parent.name
    return "partial_pooling" + ("" if parent == "partial_pooling" else f".{parent}")


def imported_modules(path: Path) -> set[str]:
    """The modules a file imports, resolved to absolute names (relative imports included)."""
    package = package_of(path)
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


def cli_modules() -> list[str]:
    """The modules of the command line's package, ``partial_pooling.cli``."""
    return sorted(m.name for m in pkgutil.iter_modules([str(SRC / "cli")]))


def core_files() -> dict[str, Path]:
    """Every file outside the site's package, by module name (without ``partial_pooling.``)."""
    files = {name: SRC / f"{name}.py" for name in core_modules()}
    files["cli"] = SRC / "cli" / "__init__.py"
    files.update({f"cli.{name}": SRC / "cli" / f"{name}.py" for name in cli_modules()})
    return files


def test_the_core_imports_nothing_from_the_site_package_but_the_report():
    leaning = {
        name: sorted(m for m in imported_modules(path) if ".site" in m)
        for name, path in core_files().items()
        if name not in MAY_USE_SITE
    }
    assert {name: found for name, found in leaning.items() if found} == {}
    assert "partial_pooling.report" in imported_modules(SRC / "cli" / "drawing.py")  # resolved
    assert any(".site" in m for m in imported_modules(SRC / "report.py"))  # the rule is live


def test_the_package_docstring_lists_every_module_and_the_site_docstring_each_of_its_own():
    listed = partial_pooling.__doc__ or ""
    missing = [
        name
        for name in core_modules()
        if name != "__main__" and f"partial_pooling.{name}`" not in listed
    ]
    assert missing == []
    assert "partial_pooling.cli`" in listed
    cli_listed = partial_pooling.cli.__doc__ or ""
    assert len(cli_modules()) >= 6
    assert [m for m in cli_modules() if f"partial_pooling.cli.{m}`" not in cli_listed] == []
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
    expected |= {"partial_pooling.cli"} | {f"partial_pooling.cli.{m}" for m in cli_modules()}
    expected |= {
        f"partial_pooling.site.{m.name}" for m in pkgutil.iter_modules([str(SRC / "site")])
    }
    assert expected - directives == set()


def private_imports(path: Path) -> list[str]:
    """``name from module`` for each name starting with one underscore that ``path`` imports
    from the package (dunders such as ``__version__`` are public)."""
    package = package_of(path)
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


def test_no_module_of_the_command_line_is_longer_than_its_limit():
    lengths = {name: len(path.read_text().splitlines()) for name, path in core_files().items()}
    cli = {name: n for name, n in lengths.items() if name.startswith("cli")}
    assert len(cli) == len(cli_modules()) + 1
    assert {name: n for name, n in cli.items() if n > CLI_MAX_LINES} == {}


def test_the_build_scripts_do_not_import_the_command_line():
    # the build reads the bundled data sets' names from partial_pooling.datasets
    found = {
        path.name: sorted(m for m in imported_modules(path) if m.startswith("partial_pooling.cli"))
        for path in sorted(SCRIPTS.glob("*.py"))
    }
    assert {name: modules for name, modules in found.items() if modules} == {}
