"""MkDocs hook: figures for the Markdown pages, drawn by the package at build time.

Notebook pages make their own figures when they execute. A Markdown page (the home page) has no
kernel, so its figures are produced here, in ``on_files``, as generated files: they exist only
in the built site, never in git, and ``--strict`` link checking sees them like any other file.
"""

from __future__ import annotations

from pathlib import Path

from build_cache import cached_files
from mkdocs.structure.files import File, Files


def _home_figures() -> dict[str, bytes]:
    from partial_pooling import datasets, fit_random_intercept, no_pooling, plotting

    radon = datasets.radon()
    cols = {"y": "log_radon", "group": "county", "x": "floor"}
    partial = fit_random_intercept(radon, **cols, method="REML")
    none = no_pooling(radon, **cols)
    return {"assets/generated/shrinkage-arrows.png": plotting.shrinkage_arrows(none, partial).png()}


def on_files(files: Files, config) -> Files:
    # keyed on the package modules this file imports (its functions' imports included)
    made = cached_files("home-figures", _home_figures, Path(__file__).read_text())
    for uri, content in made.items():
        files.append(File.generated(config, uri, content=content))
    return files
