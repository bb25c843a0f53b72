"""MkDocs hook: execute the notebook pages in parallel, cached on everything they depend on.

mkdocs-jupyter executes notebooks one after the other while it renders them, and its cache is
keyed on the notebook's text alone, so a change in the package leaves pages stale. This hook
takes execution over:

* ``on_config``: switch mkdocs-jupyter's own execution off (it then renders what this hook
  executed) and make its rendering cache key include this hook's key, so its cache can be on
  and is never stale.
* ``on_files``: for every notebook page, the key is a SHA-256 of the notebook's code cells and
  of everything their outputs depend on: the package's source and data (``src/``), the pinned
  requirements, the kernel start-up script and the Python version (an edit to a markdown cell
  reuses the outputs). Notebooks without an executed copy under that key in
  ``.cache/notebooks/`` (or ``PP_NOTEBOOK_CACHE``) are executed with nbclient, several at once
  (one kernel each, ``PP_NOTEBOOK_WORKERS`` at a time, default the number of CPUs, each kernel
  with one BLAS thread). A raising
  cell fails the build with nbclient's ``CellExecutionError``; cell timeouts are
  ``PP_CELL_TIMEOUT`` seconds (default 600).

A clean build (``make site``) removes ``.cache/`` first, so CI always executes every notebook.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import jupytext
import mkdocs_jupyter.nbconvert2 as nbconvert2
import mkdocs_jupyter.plugin as jupyter_plugin
import nbformat
import zmq
from build_cache import ROOT, cache_root, dependency_digest
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files
from nbclient import NotebookClient
from traitlets.config import Config

log = get_plugin_logger("notebook_exec")


def cache_dir() -> Path:
    """Where executed notebooks are kept, one file per notebook and key.

    ``.cache/notebooks`` in the repository, or ``PP_NOTEBOOK_CACHE`` (read at every build).
    """
    return Path(os.environ.get("PP_NOTEBOOK_CACHE", cache_root() / "notebooks"))


#: Thread-count variables of the BLAS libraries numpy may use.
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: Executed notebooks of this build, by absolute source path.
_executed: dict[str, nbformat.NotebookNode] = {}
#: Execution keys of this build, by absolute source path.
_keys: dict[str, str] = {}


def notebook_key(path: Path, dependencies: str, nb: nbformat.NotebookNode | None = None) -> str:
    """The cache key of one notebook: its code cells, in order, and the dependency digest.

    Markdown cells do not change what the code computes, so an edit to the prose reuses the
    executed outputs (see `with_outputs`): the edit loop of a writer costs no execution.
    ``nb`` is the notebook as read from ``path``, when the caller has it already.
    """
    hasher = hashlib.sha256(dependencies.encode())
    for cell in (jupytext.read(path) if nb is None else nb).cells:
        if cell.cell_type == "code":
            source = cell.source.encode()
            hasher.update(len(source).to_bytes(8, "little") + source)
    return hasher.hexdigest()


def with_outputs(
    path: Path, executed: nbformat.NotebookNode, nb: nbformat.NotebookNode | None = None
) -> nbformat.NotebookNode:
    """The notebook as it is now, with the outputs of its code cells from ``executed``.

    ``executed`` was run from a notebook with the same code cells (the same key), so the code
    cells pair up in order; markdown cells and cell metadata (tags) come from the current text
    (``nb``, read from ``path`` when not given; it is filled in place).
    """
    nb = jupytext.read(path) if nb is None else nb
    runs = [cell for cell in executed.cells if cell.cell_type == "code"]
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if len(runs) != len(code):  # pragma: no cover - the key guarantees it
        raise RuntimeError(f"{path}: the cached notebook does not match its code cells")
    for cell, run in zip(code, runs, strict=True):
        cell.outputs = run.outputs
        cell.execution_count = run.execution_count
    return nb


def _cached(path: Path, key: str) -> Path:
    return cache_dir() / f"{path.stem}-{key[:20]}.ipynb"


def execute(path: Path, timeout: int) -> nbformat.NotebookNode:
    """Run a jupytext notebook top to bottom in a fresh kernel (cwd: the repository root)."""
    nb = jupytext.read(path)
    config = Config()
    if zmq.has("curve"):
        # encrypted kernel sockets: ipykernel >= 7.3 warns on every start over plain TCP
        config.KernelManager.transport_encryption = "auto"
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(ROOT)}},
        config=config,
    )
    client.execute()
    return nb


def timed_execute(path: Path, timeout: int) -> tuple[nbformat.NotebookNode, float]:
    """`execute`, and the seconds it took (kernel start-up included)."""
    start = time.perf_counter()
    nb = execute(path, timeout)
    return nb, time.perf_counter() - start


def on_config(config: Any) -> Any:
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None or not plugin.config.get("execute"):
        return config
    plugin.config["execute"] = False  # this hook executes; mkdocs-jupyter renders
    _patch_mkdocs_jupyter()
    return config


def on_files(files: Files, config: Any) -> Files:
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None or not getattr(_patch_mkdocs_jupyter, "done", False):
        return files
    _executed.clear()
    _keys.clear()
    pages = [Path(f.abs_src_path).resolve() for f in files if plugin.should_include(f)]
    dependencies = dependency_digest()
    todo = []
    for path in pages:
        text = jupytext.read(path)  # read once for the key and the outputs
        key = notebook_key(path, dependencies, text)
        _keys[str(path)] = key
        cached = _cached(path, key)
        if cached.is_file():
            _executed[str(path)] = with_outputs(path, nbformat.read(cached, as_version=4), text)
        else:
            todo.append(path)
    if todo:
        workers = int(os.environ.get("PP_NOTEBOOK_WORKERS", os.cpu_count() or 1))
        timeout = int(os.environ.get("PP_CELL_TIMEOUT", "600"))
        start = time.perf_counter()
        # each kernel gets one BLAS thread: kernels side by side with a thread per core each
        # slow each other down (measured: 8 notebooks in 45 s, and in 18 s with one thread),
        # and one notebook alone runs as fast (its matrices are small). The mkdocs process, whose
        # numpy is loaded already, is not affected.
        saved = {name: os.environ.get(name) for name in _BLAS_THREADS}
        os.environ.update({name: "1" for name in _BLAS_THREADS})
        try:
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
                futures = {pool.submit(timed_execute, path, timeout): path for path in todo}
                for done, future in enumerate(as_completed(futures), start=1):
                    path = futures[future]
                    nb, seconds = future.result()  # re-raises a cell's error: the build fails
                    log.info(
                        "executed %s in %.1f s (%d of %d)", path.name, seconds, done, len(todo)
                    )
                    _executed[str(path)] = nb
                    cache_dir().mkdir(parents=True, exist_ok=True)
                    for stale in cache_dir().glob(f"{path.stem}-*.ipynb"):
                        stale.unlink()
                    nbformat.write(nb, _cached(path, _keys[str(path)]))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        log.info(
            "executed %d notebook(s) in %.1f s with %d worker(s); %d from the cache",
            len(todo),
            time.perf_counter() - start,
            min(workers, len(todo)),
            len(pages) - len(todo),
        )
    else:
        log.info("all %d notebook(s) from the cache", len(pages))
    return files


class _JupytextShim:
    """What mkdocs-jupyter's converter calls as ``jupytext``: executed notebooks come first."""

    def __getattr__(self, name: str) -> Any:
        return getattr(jupytext, name)

    @staticmethod
    def read(path: Any, *args: Any, **kwargs: Any) -> Any:
        executed = _executed.get(str(Path(path).resolve()))
        if executed is not None:
            return executed
        return jupytext.read(path, *args, **kwargs)


def _patch_mkdocs_jupyter() -> None:
    if getattr(_patch_mkdocs_jupyter, "done", False):
        return
    nbconvert2.jupytext = _JupytextShim()  # type: ignore[assignment]
    original: Callable[..., str] = jupyter_plugin._compute_cache_key

    def key_with_dependencies(nb_path: Any, config: Any, exec_nb: Any) -> str:
        base = original(nb_path, config, exec_nb)
        return hashlib.sha256(
            (base + _keys.get(str(Path(nb_path).resolve()), "")).encode()
        ).hexdigest()

    jupyter_plugin._compute_cache_key = key_with_dependencies
    _patch_mkdocs_jupyter.done = True  # type: ignore[attr-defined]
