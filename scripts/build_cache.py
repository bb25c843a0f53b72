"""What the build hooks' caches are keyed on, and how their entries are stored.

Everything the build computes with the package (executed notebooks, the home page's figures, the
explorer's data) depends on the package modules that code imports, the package's data files,
the pinned requirements and the Python version. `dependency_digest` hashes exactly those: the
modules are found by `imported_modules`, a static import graph over ``src/`` (every ``import``
statement of the code and, transitively, of each package module it reaches, including imports
inside functions, and the ``__init__`` of every package on the way). So a cache keyed on the
digest is never stale, and an edit to a module the code never imports (the command line's, say)
reuses it.

Entries are written atomically (`write_atomic`: a temporary file in the same folder, then
``os.replace``), so an interrupted build never leaves a half-written entry, and each name keeps
its `KEEP` newest entries (`prune`), so switching branches back and forth reuses both.
`cached_files` keeps a hook's generated files in ``.cache/generated/`` this way, so a rebuild that
changed only prose does not fit and draw again.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
#: Where the package's modules live.
SRC = ROOT / "src"
#: The package whose modules the build's code imports.
PACKAGE = "partial_pooling"
#: What every computed output depends on besides the modules it imports and the data files.
ENVIRONMENT = [ROOT / "requirements.lock", ROOT / "pyproject.toml"]
#: Entries kept per name (per notebook, per generated set): the newest, by last use.
KEEP = 4


def _skipped(file: Path) -> bool:
    """Caches, bytecode and build metadata: never something the outputs depend on."""
    return (
        "__pycache__" in file.parts
        or file.suffix == ".pyc"
        or any(part.endswith(".egg-info") for part in file.parts)
    )


def package_modules(src: Path = SRC) -> dict[str, Path]:
    """Every module under ``src`` by dotted name (a package by its ``__init__.py``)."""
    modules = {}
    for file in sorted(src.rglob("*.py")):
        if _skipped(file):
            continue
        parts = list(file.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts:
            modules[".".join(parts)] = file
    return modules


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """The dotted names an AST imports (``from a import b`` gives ``a`` and ``a.b``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package upwards
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            names.add(stem)
            names.update(f"{stem}.{alias.name}" for alias in node.names)
    return names


def imported_modules(code: str, package: str = PACKAGE, src: Path = SRC) -> set[str]:
    """The modules of ``package`` that running ``code`` imports, transitively.

    A static import graph: every import statement of ``code`` and of each module it reaches
    (anywhere in the module, so imports inside functions count), plus the ``__init__`` of
    every package on the way (Python runs them when it imports a submodule). Code that does not
    parse (a notebook cell with IPython magics) imports nothing that can be seen: every module
    of the package counts then, so the key is never too narrow.
    """
    modules = package_modules(src)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {name for name in modules if name.split(".")[0] == package}
    todo = _imports(tree, "__main__", False)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        parts = name.split(".")
        if parts[0] != package:
            continue
        for i in range(1, len(parts) + 1):  # the packages on the way, then the module
            prefix = ".".join(parts[:i])
            if prefix in seen or prefix not in modules:
                continue
            seen.add(prefix)
            file = modules[prefix]
            tree = ast.parse(file.read_bytes(), filename=str(file))
            todo |= _imports(tree, prefix, file.name == "__init__.py")
    return seen


def dependency_digest(
    modules: Iterable[str],
    src: Path = SRC,
    environment: Iterable[Path] = ENVIRONMENT,
    package: str = PACKAGE,
) -> str:
    """SHA-256 over the Python version, ``modules``' source, the data files and ``environment``.

    Data files are the package's files that are not Python modules (``data/*.csv``, say); the
    environment is the lock and ``pyproject.toml``. Caches and bytecode are never included.
    """
    hasher = hashlib.sha256(sys.version.encode())
    found = package_modules(src)
    files = {found[name] for name in modules if name in found}
    root = src / package
    if root.is_dir():
        files |= {f for f in root.rglob("*") if f.is_file() and f.suffix != ".py"}
    for file in sorted(f for f in files if not _skipped(f)):
        name = file.relative_to(src).as_posix().encode()
        data = file.read_bytes()
        hasher.update(len(name).to_bytes(8, "little") + name)
        hasher.update(len(data).to_bytes(8, "little") + data)
    for path in environment:
        data = path.read_bytes() if path.is_file() else b""
        hasher.update(path.name.encode() + len(data).to_bytes(8, "little") + data)
    return hasher.hexdigest()


def cache_root() -> Path:
    """``.cache/`` in the repository, or ``PP_BUILD_CACHE`` (read at every build)."""
    return Path(os.environ.get("PP_BUILD_CACHE", ROOT / ".cache"))


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once: a reader sees the old file or the new, never half.

    The bytes go to a temporary file in the same folder (the same file system), which then
    replaces ``path`` (``os.replace``, atomic on POSIX and Windows).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def touch(path: Path) -> None:
    """Mark an entry as just used, so that `prune` keeps it longest."""
    try:
        os.utime(path)
    except OSError:  # pragma: no cover - another build removed it meanwhile
        pass


def prune(folder: Path, pattern: str, keep: int = KEEP) -> None:
    """Keep the ``keep`` most recently used files of ``folder`` matching ``pattern``."""

    def last_use(file: Path) -> float:
        try:
            return file.stat().st_mtime
        except FileNotFoundError:  # pragma: no cover - removed by another build
            return 0.0

    for stale in sorted(folder.glob(pattern), key=last_use, reverse=True)[keep:]:
        stale.unlink(missing_ok=True)


def cached_files(name: str, make: Callable[[], dict[str, bytes]], code: str) -> dict[str, bytes]:
    """``make()``'s files (URI to bytes), reused while what ``code`` imports is unchanged.

    ``code`` is the source that ``make`` runs (the calling hook's own source will do): the
    entry is keyed on `dependency_digest` of the package modules it imports.
    """
    folder = cache_root() / "generated"
    digest = dependency_digest(imported_modules(code))
    path = folder / f"{name}-{digest[:20]}.json"
    if path.is_file():
        touch(path)
        stored = json.loads(path.read_text())
        return {uri: base64.b64decode(data) for uri, data in stored.items()}
    files = make()
    payload = {uri: base64.b64encode(data).decode() for uri, data in files.items()}
    write_atomic(path, json.dumps(payload).encode())
    prune(folder, f"{name}-*.json")
    return files


def add_generated(
    files: Files, config: MkDocsConfig, name: str, make: Callable[[], dict[str, bytes]], code: str
) -> Files:
    """Add ``make()``'s files to the site's ``files``, through `cached_files` (a hook's
    ``on_files``: ``code`` is the hook's own source, keyed on the package modules it imports,
    its functions' imports included)."""
    for uri, content in cached_files(name, make, code).items():
        files.append(File.generated(config, uri, content=content))
    return files
