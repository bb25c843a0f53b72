"""MkDocs hook: execute the notebook pages in parallel, cached on everything they depend on.

mkdocs-jupyter executes notebooks one after the other while it renders them, and its cache is
keyed on the notebook's text alone, so a change in the package leaves pages stale. This hook
executes the pages itself and hands mkdocs-jupyter executed notebooks to render (its own
``execute`` is off in mkdocs.yml), through MkDocs' public API alone:

* ``on_files``: every page ``notebooks/*.py``
  of the docs (a jupytext percent script) gets a key, a SHA-256 of its code cells and of what
  their outputs depend on (`build_cache.dependency_digest`: the package modules the cells
  import, transitively, the package's data files, the pinned requirements and the Python
  version). An edit to a markdown cell, or to a module the notebook never imports, keeps the
  key. Notebooks without an executed copy under their key in ``.cache/notebooks/`` (or
  ``PP_NOTEBOOK_CACHE``) are executed with nbclient, several at once (one kernel each,
  ``PP_NOTEBOOK_WORKERS`` at a time, default the number of CPUs, each kernel with one BLAS
  thread), and each notebook's time is logged as it finishes. A raising cell fails the build
  with nbclient's ``CellExecutionError``; cell timeouts are ``PP_CELL_TIMEOUT`` seconds
  (default 600). The cache keeps the `build_cache.KEEP` most recently used copies of each
  notebook (so switching branches back and forth executes nothing) and writes them atomically.
* The page's file is then replaced by a generated one (``File.generated``, a documentation
  page) with the same ``src_uri`` (so the nav, links and URLs are unchanged) whose source is
  the executed notebook,
  ``executed-notebooks/<name>.ipynb`` in a temporary folder of this build: the current text
  (markdown cells, tags) with the outputs of the code cells. mkdocs-jupyter renders that file
  (its ``include`` names ``executed-notebooks/*.ipynb``), and its rendering cache, keyed on the
  file's bytes, sees the outputs too, so it is never stale.
* Figures are numbered, in the order of the page, and captioned (`number_figures`): a code
  cell whose output is a figure (a ``SiteFigure``'s ``<figure class="pp-figure-variants">``)
  carries its caption and label in its metadata (``# %% caption="..." label="fig-name"``), and
  the prose refers to it as ``[Figure](#fig-name)``, written out as "Figure 3". A figure without
  a caption, a caption without a figure, a label used twice and a reference to no figure fail
  the build.
* The jupytext source itself is added beside the page (``notebooks/<name>/<name>.py``) and
  named in the page's ``meta`` as ``notebook_source``, for the theme's download links.

A clean build (``make site``) removes ``.cache/`` first, so CI always executes every notebook.
"""

from __future__ import annotations

import atexit
import hashlib
import html
import os
import posixpath
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import zmq
from build_cache import (
    ROOT,
    cache_root,
    dependency_digest,
    imported_modules,
    prune,
    touch,
    write_atomic,
)
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from nbclient import NotebookClient
from traitlets.config import Config

log = get_plugin_logger("notebook_exec")

#: The folder of the docs whose ``.py`` files are executed pages.
NOTEBOOK_DIR = "notebooks"
#: The folder, in this build's temporary folder, of the executed notebooks mkdocs-jupyter renders
#: (its ``include`` in mkdocs.yml names it).
EXECUTED_DIR = "executed-notebooks"
#: Thread-count variables of the BLAS libraries numpy may use.
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: Source file name of each notebook page, by its ``src_uri`` (for `on_page_context`).
_sources: dict[str, str] = {}


def cache_dir() -> Path:
    """Where executed notebooks are kept, one file per notebook and key.

    ``.cache/notebooks`` in the repository, or ``PP_NOTEBOOK_CACHE`` (read at every build).
    """
    return Path(os.environ.get("PP_NOTEBOOK_CACHE", cache_root() / "notebooks"))


def build_dir() -> Path:
    """This process's temporary folder for executed notebooks, removed when the process exits.

    One per process, not per import of this module: `mkdocs serve` loads the hooks afresh for
    every rebuild, and the rebuilds overwrite the same files.
    """
    folder = Path(tempfile.gettempdir()) / f"pp-executed-{os.getpid()}"
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True)
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def is_notebook_source(file: File) -> bool:
    """A page the hook executes: a ``.py`` file directly in the docs' ``notebooks/`` folder."""
    return (
        file.abs_src_path is not None
        and posixpath.dirname(file.src_uri) == NOTEBOOK_DIR
        and file.src_uri.endswith(".py")
    )


def _code(nb: nbformat.NotebookNode) -> str:
    """The notebook's code cells as one script (IPython magics and shell lines left out)."""
    return "\n".join(
        line
        for cell in nb.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if not line.lstrip().startswith(("%", "!"))
    )


def notebook_dependencies(nb: nbformat.NotebookNode) -> str:
    """`build_cache.dependency_digest` of the package modules the notebook's code imports."""
    return dependency_digest(imported_modules(_code(nb)))


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
    (``nb``, read from ``path`` when not given; it is filled in place). The kernel's metadata
    (language, for highlighting) comes from ``executed``; the cells are numbered in order, so
    the same notebook gives the same file, and the same page, in every build.
    """
    nb = jupytext.read(path) if nb is None else nb
    runs = [cell for cell in executed.cells if cell.cell_type == "code"]
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if len(runs) != len(code):  # pragma: no cover - the key guarantees it
        raise RuntimeError(f"{path}: the cached notebook does not match its code cells")
    for cell, run in zip(code, runs, strict=True):
        cell.outputs = run.outputs
        cell.execution_count = run.execution_count
    for name in ("kernelspec", "language_info"):
        if name in executed.metadata:
            nb.metadata[name] = executed.metadata[name]
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number}"  # jupytext draws random ids: the page would change every build
    return nb


#: The start of a figure's HTML output (`partial_pooling.figure_variants.figure_html`).
FIGURE_START = '<figure class="pp-figure-variants">'
#: A reference to a figure in a markdown cell: ``[Figure](#fig-name)`` (or ``[figure]``).
_FIGURE_REF = re.compile(r"\[([Ff]igure)\]\(#(fig-[\w-]+)\)")


class FigureError(ValueError):
    """A figure without a caption, a caption without a figure, or a broken reference."""


def _figure_outputs(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [
        out
        for out in cell.get("outputs", [])
        if FIGURE_START in "".join(out.get("data", {}).get("text/html", ""))
    ]


def number_figures(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Number the figures of ``nb`` in order, caption them, and write the references out.

    Each figure output gets the label as its ``id`` and a caption "Figure n: ..." from its
    cell's ``caption`` metadata (MathJax typesets ``$...$`` in it); each ``[Figure](#label)``
    in a markdown cell becomes ``[Figure n](#label)``. Raises `FigureError` (the build fails)
    on a figure without a caption or label, a caption on a cell without a figure, a label used
    twice, and a reference to a label no figure has. ``nb`` is changed in place.
    """
    numbers: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outputs = _figure_outputs(cell)
        caption, label = cell.metadata.get("caption"), cell.metadata.get("label")
        if not outputs:
            if caption or label:
                raise FigureError(f"{name}: cell {index} has a caption but shows no figure")
            continue
        if not (caption and label and str(label).startswith("fig-")):
            raise FigureError(
                f"{name}: cell {index} shows a figure without a caption and a label: write "
                '# %% caption="..." label="fig-name" above its code'
            )
        if label in numbers:
            raise FigureError(f"{name}: figure label {label!r} used twice")
        if len(outputs) != 1:
            raise FigureError(f"{name}: cell {index} shows {len(outputs)} figures; one a cell")
        numbers[label] = len(numbers) + 1
        out = outputs[0]
        text = "".join(out.data["text/html"])
        # MathJax typesets the caption's $...$ (an .arithmatex element; one without math
        # would count as math left untypeset)
        typeset = ' class="arithmatex"' if "$" in str(caption) else ""
        figcaption = (
            f'<figcaption{typeset}><span class="pp-figure-number">'
            f"Figure {numbers[label]}:</span> {html.escape(str(caption), quote=False)}"
            "</figcaption></figure>"
        )
        text = text.replace(
            FIGURE_START,
            f'<figure class="pp-figure-variants" id="{html.escape(label, quote=True)}">',
            1,
        )
        out.data["text/html"] = text[: text.rindex("</figure>")] + figcaption
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue

        def write_out(match: re.Match[str]) -> str:
            word, label = match.group(1), match.group(2)
            if label not in numbers:
                raise FigureError(f"{name}: [{word}](#{label}) refers to no figure of the page")
            return f"[{word} {numbers[label]}](#{label})"

        cell.source = _FIGURE_REF.sub(write_out, cell.source)
    return nb


def cached_path(path: Path, key: str) -> Path:
    """The cache entry of notebook ``path`` executed under ``key``."""
    return cache_dir() / f"{path.stem}-{key[:20]}.ipynb"


def store(path: Path, key: str, nb: nbformat.NotebookNode) -> None:
    """Keep an executed notebook under its key (atomically) and the newest few of its others."""
    write_atomic(cached_path(path, key), nbformat.writes(nb).encode())
    prune(cache_dir(), f"{path.stem}-*.ipynb")


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


def execute_all(
    paths: list[Path], keys: dict[Path, str]
) -> tuple[dict[Path, nbformat.NotebookNode], int]:
    """Execute ``paths`` in parallel, storing each in the cache and logging it as it finishes.

    Returns the executed notebooks and the number of workers.
    """
    executed: dict[Path, nbformat.NotebookNode] = {}
    workers = int(os.environ.get("PP_NOTEBOOK_WORKERS", os.cpu_count() or 1))
    workers = max(1, min(workers, len(paths)))
    timeout = int(os.environ.get("PP_CELL_TIMEOUT", "600"))
    # each kernel gets one BLAS thread: kernels side by side with a thread per core each
    # slow each other down (measured: 8 notebooks in 45 s, and in 18 s with one thread),
    # and one notebook alone runs as fast (its matrices are small). The mkdocs process, whose
    # numpy is loaded already, is not affected.
    saved = {name: os.environ.get(name) for name in _BLAS_THREADS}
    os.environ.update({name: "1" for name in _BLAS_THREADS})
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(timed_execute, path, timeout): path for path in paths}
            for done, future in enumerate(as_completed(futures), start=1):
                path = futures[future]
                nb, seconds = future.result()  # re-raises a cell's error: the build fails
                log.info("executed %s in %.1f s (%d of %d)", path.name, seconds, done, len(paths))
                executed[path] = nb
                store(path, keys[path], nb)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return executed, workers


class ExecutedNotebook(File):
    """A page whose source is an executed notebook (a generated file): a documentation page.

    MkDocs takes only Markdown files for pages; mkdocs-jupyter renders this one (its
    ``on_pre_page`` matches the source, ``executed-notebooks/<name>.ipynb``, by its
    ``include``).
    """

    def is_documentation_page(self) -> bool:
        return True


@event_priority(-50)  # after mkdocs-jupyter's on_files (priority 0): it wraps nothing of ours
def on_files(files: Files, config: MkDocsConfig) -> Files:
    sources = [f for f in files if is_notebook_source(f)]
    _sources.clear()
    texts: dict[Path, nbformat.NotebookNode] = {}
    keys: dict[Path, str] = {}
    executed: dict[Path, nbformat.NotebookNode] = {}
    todo = []
    for file in sources:
        path = Path(str(file.abs_src_path)).resolve()
        text = texts[path] = jupytext.read(path)  # read once for the key and the outputs
        key = keys[path] = notebook_key(path, notebook_dependencies(text), text)
        cached = cached_path(path, key)
        if cached.is_file():
            touch(cached)
            executed[path] = nbformat.read(cached, as_version=4)
        else:
            todo.append(path)
    if todo:
        start = time.perf_counter()
        done, workers = execute_all(todo, keys)
        executed |= done
        log.info(
            "executed %d notebook(s) in %.1f s with %d worker(s); %d from the cache",
            len(todo),
            time.perf_counter() - start,
            workers,
            len(sources) - len(todo),
        )
    else:
        log.info("all %d notebook(s) from the cache", len(sources))
    folder = build_dir() / EXECUTED_DIR
    for file in sources:
        path = Path(str(file.abs_src_path)).resolve()
        page = number_figures(with_outputs(path, executed[path], texts[path]), path.name)
        target = folder / f"{path.stem}.ipynb"
        write_atomic(target, nbformat.writes(page).encode())
        files.remove(file)
        files.append(ExecutedNotebook.generated(config, file.src_uri, abs_src_path=str(target)))
        # the jupytext source, for download, beside the page's index.html
        name = posixpath.basename(file.src_uri)
        download = posixpath.join(posixpath.splitext(file.src_uri)[0], name)
        files.append(File.generated(config, download, abs_src_path=str(path)))
        _sources[file.src_uri] = name
    return files


def on_page_context(context: dict[str, Any], page: Page, config: MkDocsConfig, nav: Any) -> Any:
    name = _sources.get(page.file.src_uri)
    if name is not None:
        page.meta["notebook_source"] = name
    return context
