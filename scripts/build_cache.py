"""What the build hooks' caches are keyed on, and a cache for generated files.

Everything the build computes with the package (executed notebooks, the home page's figures, the
explorer's data) depends on the package's source and data, the pinned requirements and the
kernel start-up script: `dependency_digest` hashes all of them, so a cache keyed on it is never
stale. `cached_files` keeps a hook's generated files under that key in ``.cache/generated/``, so a
rebuild that changed only prose does not fit and draw again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: What the build's computed outputs depend on besides the pages' own text.
DEPENDENCIES = [
    ROOT / "src",
    ROOT / "requirements.lock",
    ROOT / "pyproject.toml",
]


def dependency_digest(paths: list[Path] = DEPENDENCIES, root: Path = ROOT) -> str:
    """SHA-256 over the files below ``paths`` (names and bytes), caches and bytecode excluded."""
    hasher = hashlib.sha256(sys.version.encode())
    for path in paths:
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if not file.is_file() or "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            if any(part.endswith(".egg-info") for part in file.parts):
                continue
            hasher.update(str(file.relative_to(root)).encode())
            hasher.update(file.read_bytes())
    return hasher.hexdigest()


def cache_root() -> Path:
    """``.cache/`` in the repository, or ``PP_BUILD_CACHE`` (read at every build)."""
    return Path(os.environ.get("PP_BUILD_CACHE", ROOT / ".cache"))


def cached_files(name: str, make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
    """``make()``'s files (URI to bytes), reused while `dependency_digest` is unchanged."""
    folder = cache_root() / "generated"
    path = folder / f"{name}-{dependency_digest()[:20]}.json"
    if path.is_file():
        stored = json.loads(path.read_text())
        return {uri: base64.b64decode(data) for uri, data in stored.items()}
    files = make()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f"{name}-*.json"):
        stale.unlink()
    path.write_text(
        json.dumps({uri: base64.b64encode(data).decode() for uri, data in files.items()})
    )
    return files
