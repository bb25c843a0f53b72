"""MkDocs hook: figures for the Markdown pages, drawn by the package at build time.

Notebook pages make their own figures when they execute. A Markdown page (the home page) has no
kernel, so its figures are produced here, in ``on_files``, as generated files: they exist only
in the built site, never in git, and ``--strict`` link checking sees them like any other file.
Each figure is drawn for the light and the dark palette and for a wide column and a phone
(`partial_pooling.figure_variants`, text enlarged for the column), as ``name.png``,
``name-dark.png``, ``name-phone.png`` and ``name-phone-dark.png``; the page shows the one of
the palette in use (classes ``pp-only-light`` and ``pp-only-dark``) and of the screen's width
(a ``<picture>`` source below 600 px).
"""

from __future__ import annotations

from pathlib import Path

from build_cache import add_generated
from mkdocs.structure.files import Files


def _home_figures() -> dict[str, bytes]:
    from partial_pooling import (
        datasets,
        figure_variants,
        fit_random_intercept,
        no_pooling,
        plotting,
    )

    radon = datasets.radon()
    cols = {"y": "log_radon", "group": "county", "x": "floor"}
    partial = fit_random_intercept(radon, **cols, method="REML")
    none = no_pooling(radon, **cols)
    figure = plotting.shrinkage_arrows(none, partial)
    files = {}
    for suffix, dark, phone in (
        ("", False, False),
        ("-dark", True, False),
        ("-phone", False, True),
        ("-phone-dark", True, True),
    ):
        files[f"assets/generated/shrinkage-arrows{suffix}.png"] = figure_variants.render(
            figure, dark=dark, phone=phone
        )[0]
    return files


def on_files(files: Files, config) -> Files:
    return add_generated(files, config, "home-figures", _home_figures, Path(__file__).read_text())
