"""The package's layout: its layers are contracts that `lint-imports` keeps (nothing outside the
site's code imports it, the core imports neither the command line nor its report), every module
is listed, no module is too long, and the site's build does not import the command line."""

from __future__ import annotations

import ast
import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import partial_pooling
import partial_pooling.cli
import partial_pooling.site

SRC = Path(partial_pooling.__file__).parent
ROOT = Path(__file__).parents[1]
SCRIPTS = ROOT / "scripts"
# import-linter's command, beside the interpreter running the tests (the project's .venv)
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
# the largest size of a module of the package (the command line's and the site's included)
MAX_LINES = 800


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


def lint_imports(root: Path, src: Path) -> subprocess.CompletedProcess[str]:
    """Run `lint-imports` on the contracts of ``root/pyproject.toml``, for the package in
    ``src`` (no cache: the copies of the package checked below are new each time)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert config["root_package"] == "partial_pooling"
    return list(config["contracts"])


def test_the_import_contracts_are_kept():
    done = lint_imports(ROOT, SRC.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(contracts())} kept, 0 broken." in done.stdout


def test_the_contracts_protect_the_site_and_the_command_line_and_bind_the_plotting_layer():
    protected = {
        module: sorted(c["allowed_importers"])
        for c in contracts()
        if c["type"] == "protected"
        for module in c["protected_modules"]
    }
    assert protected["partial_pooling.site"] == ["partial_pooling.site"]
    for module in ("partial_pooling.cli", "partial_pooling.report"):
        # the core (every module but these and the site) may not import them
        assert protected[module] == [
            "partial_pooling.__main__",
            "partial_pooling.cli",
            "partial_pooling.report",
            "partial_pooling.site",
        ]
    forbidden = {
        module: set(c["forbidden_modules"])
        for c in contracts()
        if c["type"] == "forbidden"
        for module in c["source_modules"]
    }
    assert forbidden["partial_pooling.plotting"] == {
        "partial_pooling.cli",
        "partial_pooling.report",
        "partial_pooling.site",
    }


def contract_name(key: str) -> str:
    """The name of the contract about the site, the core or plotting, from pyproject.toml."""
    words = {
        "site": "imports partial_pooling.site",
        "core": "The core imports",
        "plotting": "(plotting)",
    }[key]
    (name,) = [str(c["name"]) for c in contracts() if words in str(c["name"])]
    return name


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("report.py", "from .site.figures import pooling_risk", {"site"}),
        ("bayes.py", "from .site import figures", {"site"}),
        ("em.py", "from . import report", {"core"}),
        ("datasets.py", "from .cli import main", {"core"}),
        # plotting draws with the shrinkage weights: what they import, it imports
        ("shrinkage.py", "from .site import checks", {"site", "plotting"}),
        ("plotting.py", "from .cli import main", {"core", "plotting"}),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, broken):
    # the contracts are live: the same check on a copy of the package with one import added
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    copy = tmp_path / "src" / "partial_pooling"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    path = copy / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    done = lint_imports(tmp_path, copy.parent)
    assert done.returncode != 0
    found = {ln.removesuffix(" BROKEN") for ln in done.stdout.splitlines() if ln.endswith("BROKEN")}
    assert found == {contract_name(key) for key in broken}, done.stdout


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


def test_no_module_of_the_package_is_longer_than_its_limit():
    lengths = {
        str(path.relative_to(SRC)): len(path.read_text().splitlines())
        for path in sorted(SRC.rglob("*.py"))
    }
    assert len([name for name in lengths if name.startswith("cli")]) == len(cli_modules()) + 1
    assert {"plotting.py", "site/figures.py", "report.py"} <= set(lengths)
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}


def test_the_build_scripts_do_not_import_the_command_line():
    # the build reads the bundled data sets' names from partial_pooling.datasets
    found = {
        path.name: sorted(m for m in imported_modules(path) if m.startswith("partial_pooling.cli"))
        for path in sorted(SCRIPTS.glob("*.py"))
    }
    assert {name: modules for name, modules in found.items() if modules} == {}
