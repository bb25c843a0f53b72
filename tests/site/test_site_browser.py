"""The built site in headless Chromium: every page, as a reader's browser sees it.

Pages are discovered from the built site (every index.html), so these tests follow whatever
pages exist. Each page is loaded once (``site_visits`` in conftest.py) from a local server with
every request outside that server blocked and recorded; the tests here check what that visit
observed, one concern per test.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = [
    pytest.mark.browser,
    # pytest-base-url (a pytest-playwright dependency) trips a pytest deprecation: not ours.
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]

ROOT = Path(__file__).resolve().parents[2]
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"
# A page's source makes a figure when it uses pyplot, builds a Figure, or calls the package's
# figure functions (`figures.something(...)`).
MAKES_FIGURE = re.compile(
    r"\bplt\.(show|subplots?|figure|plot|scatter|hist|bar|imshow)\b|\bFigure\(|\bfigures\.\w+\("
)


def visit(site_visits, path: str):
    """The session's one visit of ``path``; fails unless it loaded (HTTP OK, MathJax ready)."""
    seen = site_visits[path]
    assert seen.load_problem is None, f"{path}: {seen.load_problem}"
    return seen


def test_page_loads_without_errors_or_outside_requests(site_visits, site_page):
    seen = visit(site_visits, site_page.path)
    assert not seen.foreign_requests, f"requests outside the site: {seen.foreign_requests}"
    assert not seen.page_errors, f"uncaught script errors: {seen.page_errors}"
    assert not seen.console_errors, f"console errors: {seen.console_errors}"
    assert not seen.failed_requests, f"failed requests: {seen.failed_requests}"


def test_math_is_typeset_and_its_glyphs_are_drawn(site_visits, site_page):
    state = visit(site_visits, site_page.path).fact("math")
    if site_page.has_math:
        assert state["count"] > 0, "the page's source has math but MathJax typeset none"
    assert not state["raw"], f"math left as raw TeX: {state['raw'][:5]}"
    assert not state["blank"], f"formulas typeset but not drawn: {state['blank'][:5]}"


def test_every_image_decodes_and_has_alt_text(site_visits, site_page):
    images = visit(site_visits, site_page.path).fact("images")
    broken = [i["src"] for i in images if not (i["complete"] and i["width"] > 0)]
    no_alt = [
        i["src"]
        for i in images
        if not (i["alt"] or "").strip() or i["alt"].strip() == NBCONVERT_DEFAULT_ALT
    ]
    assert not broken, f"images that do not decode: {broken}"
    assert not no_alt, f"images without alt text: {no_alt}"


def test_notebook_page_has_no_error_stderr_or_warning_output(site_visits, notebook_page):
    blocks = visit(site_visits, notebook_page.path).fact("output_blocks")
    assert not blocks, f"stderr / error output on the page: {blocks}"


def test_notebook_page_shows_a_figure_when_its_source_makes_one(site_visits, notebook_page):
    figures = visit(site_visits, notebook_page.path).fact("output_images")
    sources = [p for p in notebook_page.file.parent.glob("*.py")]
    assert sources, "the notebook's source .py was not copied next to the page"
    makes_figure = bool(MAKES_FIGURE.search(sources[0].read_text(encoding="utf-8")))
    if makes_figure:
        assert figures > 0, "the source makes a figure but the page shows no output image"
    else:
        assert figures == 0, "the source makes no figure, yet the page shows output images"


def test_notebook_page_links_its_source_for_download(site_visits, notebook_page):
    downloads = visit(site_visits, notebook_page.path).fact("downloads")
    links = downloads["links"]
    assert links, "no download link for the notebook's source"
    for href in set(links):
        assert href.endswith(".py"), href
        status, text = downloads["fetched"][href]
        assert status == 200, f"{href}: HTTP {status}"
        assert "# %%" in text, f"{href} is not a jupytext percent script"
        rel = urlsplit(href).path.lstrip("/")
        source = ROOT / "docs" / Path(rel).parent.parent / Path(rel).name
        if source.exists():
            assert text == source.read_text(encoding="utf-8"), f"{href} differs from {source}"


def test_search_finds_a_page(site_visits, all_pages, search_plan):
    targets = [p for p in all_pages if p.path]
    assert targets, "the site has no page besides the home page"
    target, query = search_plan
    search = visit(site_visits, "").fact("search")
    assert (search["target"], search["query"]) == (target.path, query)
    hrefs = search["hrefs"]
    assert any(urlsplit(h).path.rstrip("/").endswith(target.path.rstrip("/")) for h in hrefs), (
        f"searching {query!r} did not find {target.path}: {hrefs}"
    )
    assert not search["errors"], f"errors while searching: {search['errors']}"


def test_palette_toggle_switches_to_dark_and_figures_keep_a_light_backing(
    site_visits, palette_page
):
    palette = visit(site_visits, palette_page.path).fact("palette")
    first, second = palette["schemes"]
    assert {first, second} == {"default", "slate"}, (first, second)
    backgrounds = palette["backgrounds"]
    assert all(b == "rgb(255, 255, 255)" for b in backgrounds), backgrounds
    assert palette["restored"], f"the palette toggle did not switch back to {first!r}"
    assert not palette["errors"], f"errors while toggling the palette: {palette['errors']}"


# --- The reader first: checks folded away, nothing scrolls sideways -------------------------

# Proof machinery a reader should not meet in the text of a page: assertions and tolerances.
# They belong in the folded checks (a closed <details class="pp-checks">) or in hidden code.
BOOKKEEPING = re.compile(r"\bassert\b|np\.testing|assert_allclose|\brtol\b|\batol\b")


def test_visible_text_has_no_assertions_or_tolerances(site_visits, site_page):
    if site_page.path.startswith("api/"):
        # the API reference documents the checking machinery itself (partial_pooling.site.checks
        # takes rtol and atol): there the words are the subject, not bookkeeping in a story
        pytest.skip("an API reference page")
    seen = visit(site_visits, site_page.path).fact("visible_text")
    found = sorted({m.group(0) for m in BOOKKEEPING.finditer(seen["text"])})
    lines = [line.strip()[:100] for line in seen["text"].splitlines() if BOOKKEEPING.search(line)]
    assert not found, f"visible without opening anything: {found} in {lines[:5]}"


def test_folded_checks_show_one_line_and_hide_their_table(site_visits, site_page):
    seen = visit(site_visits, site_page.path).fact("visible_text")
    for block in seen["folded"]:
        assert not block["open"], "a checks block is open when the page loads"
        assert block["summary"].startswith("✓"), block["summary"]
        assert block["summary"] in seen["text"], f"summary not visible: {block['summary']}"
        assert block["body"] and block["body"][:60] not in seen["text"], (
            "the body of a closed checks block is part of the visible text"
        )


def test_no_code_block_scrolls_sideways_at_1280_px(site_visits, site_page):
    wide = visit(site_visits, site_page.path).fact("wide_code")
    assert wide["viewport"]["width"] == 1280, wide["viewport"]
    assert not wide["wide"], f"code wider than its block at 1280 px: {wide['wide'][:5]}"


def test_display_math_does_not_clip_or_widen_the_page_at_390_px(site_visits, site_page):
    math = visit(site_visits, site_page.path).fact("math_at_phone_width")
    assert math["viewport"] == 390, math
    assert math["page_width"] <= 390, f"the page is {math['page_width']} px wide at 390 px"
    assert not math["clipped"], f"display math clipped at 390 px: {math['clipped'][:5]}"
