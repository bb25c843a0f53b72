"""What exists to serve the site's pages rather than the statistics.

`partial_pooling.site.checks` runs a page's numerical checks at build time and renders them as
one folded line, so that the reader meets the argument first and the proof stays one click away.
"""

__all__: list[str] = []
