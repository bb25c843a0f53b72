"""The notebook execution cache (scripts/notebook_exec.py) is never stale.

A notebook is executed again when its code changes or when anything its outputs depend on
changes (the package modules it imports, transitively, the package's data files, the lock, the
Python version); otherwise the executed copy is reused, and an edit to a module it never imports
(the command line's) reruns nothing. Entries are written atomically and several per notebook
are kept. Checked on the key functions and on real builds of the tiny fixture site with the
project's own mkdocs.yml.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from test_site_build import TINY_NAV, build_fixture

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_hook(name: str = "notebook_exec"):
    """A build hook module, loaded as MkDocs loads it (its folder on sys.path meanwhile)."""
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def _package(tmp_path: Path) -> Path:
    """A small package ``pkg`` under ``tmp_path/src``: ``a`` imports ``b``; ``cli`` is apart."""
    src = tmp_path / "src"
    (src / "pkg" / "data").mkdir(parents=True)
    (src / "pkg" / "__init__.py").write_text("")
    (src / "pkg" / "a.py").write_text("def f():\n    from .b import y\n    return y\n")
    (src / "pkg" / "b.py").write_text("y = 1\n")
    (src / "pkg" / "cli.py").write_text('"""The command line."""\nfrom pkg import a\n')
    return src


def test_key_changes_with_the_notebook_text_and_with_any_dependency(tmp_path):
    hook = load_hook()
    cache = load_hook("build_cache")
    src = _package(tmp_path)
    (tmp_path / "lock.txt").write_text("numpy==2\n")
    notebook = tmp_path / "nb.py"
    notebook.write_text("# %%\nimport pkg.a\nprint(1)\n")

    def key() -> str:
        code = notebook.read_text()
        modules = cache.imported_modules(code, package="pkg", src=src)
        deps = cache.dependency_digest(
            modules, src=src, environment=[tmp_path / "lock.txt"], package="pkg"
        )
        return hook.notebook_key(notebook, deps)

    first = key()
    assert key() == first  # deterministic
    (src / "pkg" / "a.py").write_text("x = 2\nfrom .b import y\n")
    second = key()
    assert second != first  # a module the notebook imports changed
    (src / "pkg" / "b.py").write_text("y = 2\n")
    third = key()
    assert third != second  # ... and one that module imports
    (src / "pkg" / "__init__.py").write_text("z = 1\n")
    fourth = key()
    assert fourth != third  # ... and the package's __init__, which Python runs first
    (src / "pkg" / "data" / "b.csv").write_text("1,2\n")
    fifth = key()
    assert fifth != fourth  # a data file appeared
    (tmp_path / "lock.txt").write_text("numpy==3\n")
    sixth = key()
    assert sixth != fifth  # the lock changed
    notebook.write_text("# %%\nimport pkg.a\nprint(2)\n")
    seventh = key()
    assert seventh != sixth  # the notebook's code changed
    notebook.write_text("# %% [markdown]\n# Some prose.\n\n# %%\nimport pkg.a\nprint(2)\n")
    assert key() == seventh  # prose does not change what the code computes
    (src / "pkg" / "__pycache__").mkdir()
    (src / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert key() == seventh  # bytecode is not a dependency
    (src / "pkg" / "cli.py").write_text('"""The command line, reworded."""\nfrom pkg import a\n')
    assert key() == seventh  # a module the notebook never imports is not a dependency


def test_imports_are_followed_through_packages_relative_imports_and_functions(tmp_path):
    cache = load_hook("build_cache")
    src = _package(tmp_path)
    (src / "pkg" / "sub").mkdir()
    (src / "pkg" / "sub" / "__init__.py").write_text("from . import c\n")
    (src / "pkg" / "sub" / "c.py").write_text("from ..a import f\n")

    def found(code: str) -> set[str]:
        return cache.imported_modules(code, package="pkg", src=src)

    assert found("import numpy") == set()
    assert found("import pkg") == {"pkg"}
    assert found("from pkg import a") == {"pkg", "pkg.a", "pkg.b"}  # b: inside a function
    assert found("import pkg.sub as s") == {"pkg", "pkg.sub", "pkg.sub.c", "pkg.a", "pkg.b"}
    assert found("from pkg.cli import a") == {"pkg", "pkg.cli", "pkg.a", "pkg.b"}
    # code that does not parse depends on every module: never a key too narrow
    assert found("%time import pkg") == {"pkg", "pkg.a", "pkg.b", "pkg.cli", "pkg.sub", "pkg.sub.c"}


def test_the_real_dependencies_include_the_lock_and_the_modules_a_notebook_imports():
    cache = load_hook("build_cache")
    names = {path.relative_to(ROOT).as_posix() for path in cache.ENVIRONMENT}
    assert {"requirements.lock", "pyproject.toml"} <= names
    modules = cache.imported_modules("from partial_pooling.site import figures")
    assert {"partial_pooling", "partial_pooling.site", "partial_pooling.site.figures"} <= modules
    assert "partial_pooling.estimation" in modules  # imported by the package's __init__
    # no page imports the command line, so an edit to it reruns no page
    for notebook in sorted((ROOT / "docs" / "notebooks").glob("*.py")):
        hook = load_hook()
        code = hook._code(jupytext.read(notebook))
        assert not any(m.startswith("partial_pooling.cli") for m in cache.imported_modules(code))


def test_a_cache_entry_is_written_atomically(tmp_path, monkeypatch):
    cache = load_hook("build_cache")
    target = tmp_path / "entry.json"
    target.write_bytes(b"old")
    replaced = []
    real_replace = os.replace

    def replace(src, dst):
        # the new bytes are complete in a temporary file of the same folder before the swap
        assert Path(src).parent == tmp_path and Path(src).read_bytes() == b"new"
        assert target.read_bytes() == b"old"
        replaced.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(cache.os, "replace", replace)
    cache.write_atomic(target, b"new")
    assert replaced == [target] and target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["entry.json"]  # no temporary file left

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(cache.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        cache.write_atomic(target, b"newer")
    assert target.read_bytes() == b"new"  # the old entry is intact
    assert [p.name for p in tmp_path.iterdir()] == ["entry.json"]


def test_the_cache_keeps_the_newest_entries_of_each_notebook(tmp_path, monkeypatch):
    hook = load_hook()
    cache = load_hook("build_cache")
    monkeypatch.setenv("PP_NOTEBOOK_CACHE", str(tmp_path))
    notebook = tmp_path / "nb.py"
    nb = nbformat.v4.new_notebook()
    (tmp_path / "other-0.ipynb").write_text("{}")  # another notebook's entry
    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(cache.KEEP + 2)]
    for age, key in enumerate(keys):
        hook.store(notebook, key, nb)
        os.utime(hook.cached_path(notebook, key), (1000 + age, 1000 + age))
    kept = sorted(p.name for p in tmp_path.glob("nb-*.ipynb"))
    assert kept == sorted(hook.cached_path(notebook, k).name for k in keys[-cache.KEEP :])
    assert (tmp_path / "other-0.ipynb").is_file()


def test_a_second_build_reuses_the_executed_notebook_and_a_change_runs_it_again(
    tmp_path, monkeypatch, caplog
):
    monkeypatch.setenv("PP_NOTEBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURES / "tiny" / "docs", docs)
    caplog.set_level(logging.INFO, logger="mkdocs.plugins.notebook_exec")

    build_fixture(docs, tmp_path / "site1", TINY_NAV)
    assert "executed 1 notebook(s)" in caplog.text
    cached = list((tmp_path / "cache").glob("tiny-*.ipynb"))
    assert len(cached) == 1

    caplog.clear()
    build_fixture(docs, tmp_path / "site2", TINY_NAV)
    assert "all 1 notebook(s) from the cache" in caplog.text
    page1 = (tmp_path / "site1" / "notebooks" / "tiny" / "index.html").read_text()
    page2 = (tmp_path / "site2" / "notebooks" / "tiny" / "index.html").read_text()
    assert page1 == page2

    caplog.clear()
    notebook = docs / "notebooks" / "tiny.py"
    notebook.write_text(notebook.read_text() + "\n# %% [markdown]\n# A new closing remark.\n")
    build_fixture(docs, tmp_path / "site2b", TINY_NAV)
    assert "all 1 notebook(s) from the cache" in caplog.text  # prose only: no execution
    page = (tmp_path / "site2b" / "notebooks" / "tiny" / "index.html").read_text()
    assert "A new closing remark." in page
    assert page.count('class="jp-OutputArea-output') == page1.count('class="jp-OutputArea-output')

    caplog.clear()
    notebook.write_text(notebook.read_text() + "\n# %%\nprint('one more cell')\n")
    build_fixture(docs, tmp_path / "site3", TINY_NAV)
    assert "executed 1 notebook(s)" in caplog.text
    assert "one more cell" in (tmp_path / "site3" / "notebooks" / "tiny" / "index.html").read_text()
    # both versions stay in the cache: going back (a branch switch) executes nothing
    assert len(list((tmp_path / "cache").glob("tiny-*.ipynb"))) == 2

    caplog.clear()
    notebook.write_text(notebook.read_text().replace("\n# %%\nprint('one more cell')\n", ""))
    build_fixture(docs, tmp_path / "site4", TINY_NAV)
    assert "all 1 notebook(s) from the cache" in caplog.text
    page = (tmp_path / "site4" / "notebooks" / "tiny" / "index.html").read_text()
    assert "one more cell" not in page
    assert len(list((tmp_path / "cache").glob("tiny-*.ipynb"))) == 2


def test_an_edit_to_the_command_line_alone_reuses_every_notebook(tmp_path):
    hook = load_hook()
    cache = load_hook("build_cache")
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    notebooks = sorted((ROOT / "docs" / "notebooks").glob("*.py"))
    assert notebooks

    def keys() -> list[str]:
        result = []
        for path in notebooks:
            nb = jupytext.read(path)
            modules = cache.imported_modules(hook._code(nb), src=src)
            result.append(hook.notebook_key(path, cache.dependency_digest(modules, src=src), nb))
        return result

    before = keys()
    for cli in sorted((src / "partial_pooling").glob("cli*.py")):
        cli.write_text(cli.read_text().replace('"""', '"""Reworded. ', 1))
    assert keys() == before  # no notebook runs again
    model = src / "partial_pooling" / "estimation.py"
    model.write_text(model.read_text() + "\n# a change to the fits\n")
    changed = keys()
    assert all(new != old for new, old in zip(changed, before, strict=True))
