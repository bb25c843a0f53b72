"""MkDocs hook: the data of the in-browser explorer page (docs/explorer.md), made at build time.

``on_files`` fits each of the explorer's data sets with the package
(``partial_pooling.site.explorer.site_payloads``) and adds the payloads as generated files,
``assets/generated/explorer-<key>.json`` (``explorer-radon.json``, ``explorer-simulated.json``):
they exist only in the built site, never in git. The page's script
(docs/javascripts/explorer.js) fetches them and recomputes the shrinkage live in the browser.

It also writes the random-slopes part of the explorer,
``assets/generated/slopes-sleepstudy.json`` (``partial_pooling.site.explorer.slopes_payload``, read
by docs/javascripts/slopes.js), and the data sets that the page "Fit your data in the browser"
(docs/fit_in_browser.md) offers as examples, ``assets/generated/data/<name>.csv``: the files
``partial-pooling datasets NAME`` writes (both load them with ``partial_pooling.datasets.load``;
the build does not import the command line).
"""

from __future__ import annotations

import json
from pathlib import Path

from build_cache import add_generated
from mkdocs.structure.files import Files

GENERATED = "assets/generated/explorer-{key}.json"
SLOPES = "assets/generated/slopes-sleepstudy.json"
EXAMPLE = "assets/generated/data/{name}.csv"
EXAMPLES = ("radon", "sleepstudy", "dyestuff", "dyestuff2")


def _payloads() -> dict[str, bytes]:
    from partial_pooling import datasets
    from partial_pooling.site.explorer import site_payloads, slopes_payload

    files = {
        GENERATED.format(key=key): json.dumps(
            payload, allow_nan=False, separators=(",", ":")
        ).encode()
        for key, payload in site_payloads().items()
    }
    files[SLOPES] = json.dumps(slopes_payload(), allow_nan=False, separators=(",", ":")).encode()
    for name in EXAMPLES:
        frame = datasets.load(name)
        files[EXAMPLE.format(name=name)] = frame.to_csv(index=False).encode()
    return files


def on_files(files: Files, config) -> Files:
    return add_generated(files, config, "explorer", _payloads, Path(__file__).read_text())
