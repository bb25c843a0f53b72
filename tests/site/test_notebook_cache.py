"""The notebook execution cache (scripts/notebook_exec.py) is never stale.

A notebook is executed again when its text changes or when anything its outputs depend on
changes (the package's source and data, the lock, the kernel start-up script); otherwise the
executed copy is reused. Checked on the key functions and on real builds of the tiny fixture
site with the project's own mkdocs.yml.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import sys
from pathlib import Path

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


def test_key_changes_with_the_notebook_text_and_with_any_dependency(tmp_path):
    hook = load_hook()
    cache = load_hook("build_cache")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "lock.txt").write_text("numpy==2\n")
    notebook = tmp_path / "nb.py"
    notebook.write_text("# %%\nprint(1)\n")

    def key() -> str:
        deps = cache.dependency_digest([tmp_path / "pkg", tmp_path / "lock.txt"], root=tmp_path)
        return hook.notebook_key(notebook, deps)

    first = key()
    assert key() == first  # deterministic
    (tmp_path / "pkg" / "a.py").write_text("x = 2\n")
    second = key()
    assert second != first  # the package changed
    (tmp_path / "pkg" / "b.csv").write_text("1,2\n")
    third = key()
    assert third != second  # a data file appeared
    (tmp_path / "lock.txt").write_text("numpy==3\n")
    fourth = key()
    assert fourth != third  # the lock changed
    notebook.write_text("# %%\nprint(2)\n")
    fifth = key()
    assert fifth != fourth  # the notebook's code changed
    notebook.write_text("# %% [markdown]\n# Some prose.\n\n# %%\nprint(2)\n")
    assert key() == fifth  # prose does not change what the code computes
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert key() == key()  # bytecode is not a dependency


def test_the_real_dependencies_include_the_package_source_and_the_lock():
    names = {path.relative_to(ROOT).as_posix() for path in load_hook("build_cache").DEPENDENCIES}
    assert {"src", "requirements.lock", "pyproject.toml"} <= names


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
    assert len(list((tmp_path / "cache").glob("tiny-*.ipynb"))) == 1  # the stale copy is gone
