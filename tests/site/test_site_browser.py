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
from conftest import REFERENCE_OF_THE_CHECKS

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


def test_palette_toggle_switches_to_dark_and_shows_the_dark_copy_of_each_figure(
    site_visits, palette_page
):
    palette = visit(site_visits, palette_page.path).fact("palette")
    first, second = palette["schemes"]
    assert {first, second} == {"default", "slate"}, (first, second)
    shown = palette["shown"]
    assert shown, "no figure shown in the dark palette"
    # only the dark copies are shown, on no white backing of their own
    assert all(kind == "pp-only-dark" for _, kind in shown), shown
    assert all(bg == "rgba(0, 0, 0, 0)" for bg, _ in shown), shown
    assert palette["restored"], f"the palette toggle did not switch back to {first!r}"
    assert not palette["errors"], f"errors while toggling the palette: {palette['errors']}"


# --- The reader first: checks folded away, nothing scrolls sideways -------------------------

# Proof machinery a reader should not meet in the text of a page: assertions and tolerances.
# They belong in the folded checks (a closed <details class="pp-checks">) or in hidden code.
BOOKKEEPING = re.compile(r"\bassert\b|np\.testing|assert_allclose|\brtol\b|\batol\b")


def test_the_page_left_out_of_the_bookkeeping_rule_is_the_reference_of_the_checks(all_pages):
    page = next(p for p in all_pages if p.path == REFERENCE_OF_THE_CHECKS)
    assert 'id="partial_pooling.site.checks.Checks"' in page.file.read_text()


def test_visible_text_has_no_assertions_or_tolerances(site_visits, reading_page):
    seen = visit(site_visits, reading_page.path).fact("visible_text")
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


# --- Every reader's screen: phone width, dark palette, legible figures ---------------------


def test_no_figure_svg_or_canvas_is_wider_than_its_column_at_390_px(site_visits, site_page):
    seen = visit(site_visits, site_page.path).fact("math_at_phone_width")
    figures = seen["figures"]
    assert figures["viewport"] == 390, figures
    assert not figures["wide"], f"wider than the column at 390 px: {figures['wide'][:5]}"


def test_no_figure_is_wider_than_its_column_at_1280_px(site_visits, site_page):
    figures = visit(site_visits, site_page.path).fact("figures_at_1280")
    assert figures["viewport"] == 1280, figures
    assert not figures["wide"], f"wider than the column at 1280 px: {figures['wide'][:5]}"


@pytest.mark.parametrize("width", [1280, 390])
def test_figure_text_is_at_least_10_css_px(site_visits, site_page, width):
    seen = visit(site_visits, site_page.path)
    figures = (
        seen.fact("figures_at_1280")
        if width == 1280
        else seen.fact("math_at_phone_width")["figures"]
    )
    assert not figures["small"], f"figure text below 10 px at {width} px: {figures['small']}"


def test_every_figure_image_states_its_text_size(site_visits, notebook_page):
    """The text-size test above measures every figure of a notebook page (none slips through
    for want of the attributes it reads)."""
    seen = visit(site_visits, notebook_page.path)
    shown = seen.fact("output_images")
    measured = seen.fact("figures_at_1280")["figures"]
    # each figure has two copies (light and dark), of which one is shown
    assert measured * 2 == shown, (measured, shown)


def test_boxes_that_scroll_sideways_show_it_at_390_px(site_visits, site_page):
    scrollers = visit(site_visits, site_page.path).fact("math_at_phone_width")["scrollers"]
    silent = [s["what"] for s in scrollers if not s["signalled"]]
    assert not silent, f"scroll sideways at 390 px with nothing to show it: {silent[:5]}"


def test_no_text_breaks_inside_a_word(site_visits, site_page):
    found = visit(site_visits, site_page.path).fact("break_all")
    assert not found, f"word-break: break-all on {found[:5]}"


def test_opened_folds_show_typeset_math_not_tex(site_visits, site_page):
    folds = visit(site_visits, site_page.path).fact("open_folds")
    assert not folds["raw"], f"raw TeX in opened folds: {folds['raw'][:5]}"


def test_in_the_dark_palette_no_figure_is_mostly_white(dark_visits, site_page):
    seen = dark_visits[site_page.path]
    assert seen["scheme"] == "slate", seen["scheme"]
    white = [f"{f['what']}: {f['white']:.0%} white" for f in seen["figures"] if f["white"] > 0.5]
    assert not white, f"mostly white figures in the dark palette: {white}"


def test_the_dark_palette_check_sees_the_figures(dark_visits, all_pages):
    """The test above looks at figures: over the site it finds the notebooks' figures and the
    home page's (a check that sampled nothing would pass on a white slab)."""
    home = dark_visits[""]["figures"]
    assert home and all(f["white"] < 0.2 for f in home), home
    total = sum(len(v["figures"]) for v in dark_visits.values())
    notebooks = [p for p in all_pages if p.kind == "notebook"]
    assert total >= len(notebooks), total


def test_the_home_page_opens_with_its_figure_above_the_fold(site_visits):
    seen = visit(site_visits, "").fact("home_fold")
    for width, (top, bottom, height) in seen.items():
        assert top < height and bottom <= height, f"at {width}: figure {top}..{bottom} of {height}"


def test_the_footer_names_the_licences_the_repository_and_how_to_cite(all_pages):
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for page in all_pages:
        footer = page.file.read_text().split('class="md-copyright pp-footer"')[1]
        footer = footer.split("</footer>")[0]
        # the repository's address once CITATION.cff has one; never an address it does not give
        if "repository-code" in cff:
            assert cff["repository-code"] in footer, page
        else:
            assert "Source repository" not in footer, page
        assert "CC BY 4.0" in footer and "MIT" in footer and "cite/" in footer, page
        assert cff["version"] in footer, page


def test_figures_are_numbered_and_referred_to_by_their_number(all_pages):
    for page in all_pages:
        text = page.file.read_text()
        numbers = [int(n) for n in re.findall(r'class="pp-figure-number">Figure (\d+):', text)]
        assert numbers == list(range(1, len(numbers) + 1)), (page, numbers)
        ids = re.findall(r'<figure class="pp-figure-variants[^"]*" id="(fig-[\w-]+)"', text)
        assert len(ids) == len(numbers), (page, ids, numbers)
        for ref, number in re.findall(r'href="#(fig-[\w-]+)">Figure (\d+)<', text):
            assert ids.index(ref) + 1 == int(number), (page, ref, number)
