"""Every internal link and resource reference in the built site resolves.

MkDocs' strict mode checks links in Markdown pages only; links written in notebook markdown
cells, theme templates and generated API pages are checked here, on the built HTML, including
their #fragments.
"""

from __future__ import annotations

import html.parser
import posixpath
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRS = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src"}


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        attr = LINK_ATTRS.get(tag)
        if attr and attrs.get(attr) is not None:
            self.links.append(attrs[attr])


@cache
def parse(file: Path) -> _Links:
    parser = _Links()
    parser.feed(file.read_text(encoding="utf-8"))
    return parser


def resolve(site: Path, page: Path, link: str) -> tuple[Path | None, str]:
    """The file a relative link from ``page`` points to (None when external) and its fragment."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
        return None, ""
    if not parts.path:
        return page, parts.fragment
    base = "/" + page.parent.relative_to(site).as_posix() + "/"
    target = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
    path = site / target.lstrip("/")
    if parts.path.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path, parts.fragment


def test_every_internal_link_and_fragment_resolves(built_site):
    pages = sorted(built_site.rglob("*.html"))
    pages = [p for p in pages if "assets" not in p.relative_to(built_site).parts]
    assert pages
    broken = []
    checked = 0
    for page in pages:
        for link in parse(page).links:
            target, fragment = resolve(built_site, page, link)
            if target is None:
                continue
            checked += 1
            rel = page.relative_to(built_site)
            if not target.is_file():
                broken.append(f"{rel}: {link} (no {target.relative_to(built_site)})")
            elif (
                fragment and target.suffix == ".html" and unquote(fragment) not in parse(target).ids
            ):
                broken.append(f"{rel}: {link} (no #{fragment} in {target.relative_to(built_site)})")
    assert checked > 0
    assert not broken, "broken internal links:\n" + "\n".join(sorted(set(broken)))


class _NavText(html.parser.HTMLParser):
    """Text of the navigation and table-of-contents links (MathJax does not typeset them)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "a" and "md-nav__link" in classes:
            self.depth = 1
            self.texts.append("")
        elif self.depth:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.texts[-1] += data


def test_navigation_and_table_of_contents_show_no_raw_tex(built_site):
    raw = []
    for page in sorted(built_site.rglob("index.html")):
        if "assets" in page.relative_to(built_site).parts:
            continue
        parser = _NavText()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.texts, f"{page}: no navigation links found"
        raw += [
            f"{page.relative_to(built_site)}: {t.strip()!r}"
            for t in parser.texts
            if "$" in t or "\\" in t
        ]
    assert not raw, "headings with TeX show it raw in the navigation:\n" + "\n".join(raw)
