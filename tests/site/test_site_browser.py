"""The built site in headless Chromium: every page, as a reader's browser sees it.

Pages are discovered from the built site (every index.html), so these tests follow whatever
pages exist. Each page test loads the page from a local server with every request outside that
server blocked and recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

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


@dataclass
class Visit:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)


def visit(page, site_url: str, path: str) -> Visit:
    """Load one page, recording errors and blocking requests outside the site's origin."""
    seen = Visit()
    origin = site_url.rstrip("/")

    def route(r):
        url = r.request.url
        if url.startswith(origin + "/") or url.split(":", 1)[0] in ("data", "blob", "about"):
            r.continue_()
        else:
            seen.foreign_requests.append(url)
            r.abort()

    page.route("**/*", route)
    page.on(
        "console",
        lambda m: seen.console_errors.append(f"{m.text} @ {m.location}")
        if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: seen.page_errors.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: None if not r.url.startswith(origin) else seen.failed_requests.append(
            f"{r.url}: {r.failure}"
        ),
    )
    page.on(
        "response",
        lambda r: seen.failed_requests.append(f"{r.url}: HTTP {r.status}")
        if r.status >= 400 else None,
    )
    response = page.goto(urljoin(site_url, path), wait_until="load")
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    # MathJax typesets once at startup; wait for it (every page loads it).
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    page.wait_for_load_state("networkidle")
    return seen


def test_page_loads_without_errors_or_outside_requests(page, site_url, site_page):
    seen = visit(page, site_url, site_page.path)
    assert not seen.foreign_requests, f"requests outside the site: {seen.foreign_requests}"
    assert not seen.page_errors, f"uncaught script errors: {seen.page_errors}"
    assert not seen.console_errors, f"console errors: {seen.console_errors}"
    assert not seen.failed_requests, f"failed requests: {seen.failed_requests}"


MATH_STATE_JS = """
() => {
  const drawn = (c) => {
    const content = getComputedStyle(c, "::before").content;
    return content && content !== "none" && content !== "normal" && content !== '""'
      && c.getBoundingClientRect().width > 0;
  };
  // Characters MathJax emits with nothing to paint: spaces, function application, invisible
  // times / separator / plus, zero-width space; and the extenders of stretchy delimiters
  // (underbrace, long arrows), which have zero width by design.
  const invisible = /^mjx-c(20|A0|2061|2062|2063|2064|200B)$/;
  const visible = (c) => ![...c.classList].some((k) => invisible.test(k))
    && c.parentElement.tagName !== "MJX-EXT";
  const containers = [...document.querySelectorAll("mjx-container")];
  const blank = [];
  containers.forEach((m, i) => {
    const chars = [...m.querySelectorAll("mjx-c")].filter(visible);
    const ok = chars.filter(drawn).length;
    // A formula is drawn when it has a width and every visible glyph is painted.
    if (m.getBoundingClientRect().width < 1 || chars.length === 0 || ok < chars.length) {
      const item = MathJax.startup.document.getMathItemsWithin(m)[0];
      blank.push(`#${i}: ${item ? item.math : m.textContent} (${ok}/${chars.length} glyphs drawn)`);
    }
  });
  // Math left as raw TeX: an arithmatex element MathJax did not replace, or delimiters still
  // in the text of a notebook markdown cell.
  const raw = [];
  document.querySelectorAll(".arithmatex").forEach((a) => {
    if (!a.querySelector("mjx-container")) raw.push(a.textContent.trim());
  });
  document.querySelectorAll(".jp-RenderedMarkdown").forEach((cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => n.parentElement.closest("mjx-container, code, pre")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    let text = "";
    while (walker.nextNode()) text += walker.currentNode.textContent;
    const m = text.match(/\\$[^$]+\\$|\\\\\\(|\\\\\\[|\\\\frac/);
    if (m) raw.push(m[0]);
  });
  return {count: containers.length, blank, raw};
}
"""


def test_math_is_typeset_and_its_glyphs_are_drawn(page, site_url, site_page):
    visit(page, site_url, site_page.path)
    state = page.evaluate(MATH_STATE_JS)
    if site_page.has_math:
        assert state["count"] > 0, "the page's source has math but MathJax typeset none"
    assert not state["raw"], f"math left as raw TeX: {state['raw'][:5]}"
    assert not state["blank"], f"formulas typeset but not drawn: {state['blank'][:5]}"


IMAGES_JS = """
async () => {
  const imgs = [...document.querySelectorAll("img")];
  for (const img of imgs) { img.loading = "eager"; }
  await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
  return imgs.map((img) => ({
    src: img.currentSrc.slice(0, 60), alt: img.getAttribute("alt"),
    complete: img.complete, width: img.naturalWidth,
  }));
}
"""


def test_every_image_decodes_and_has_alt_text(page, site_url, site_page):
    visit(page, site_url, site_page.path)
    images = page.evaluate(IMAGES_JS)
    broken = [i["src"] for i in images if not (i["complete"] and i["width"] > 0)]
    no_alt = [
        i["src"] for i in images
        if not (i["alt"] or "").strip() or i["alt"].strip() == NBCONVERT_DEFAULT_ALT
    ]
    assert not broken, f"images that do not decode: {broken}"
    assert not no_alt, f"images without alt text: {no_alt}"


def test_notebook_page_has_no_error_stderr_or_warning_output(page, site_url, notebook_page):
    visit(page, site_url, notebook_page.path)
    blocks = page.eval_on_selector_all(
        '[data-mime-type="application/vnd.jupyter.stderr"],'
        ' [data-mime-type="application/vnd.jupyter.error"], .jp-OutputArea-output.jp-mod-error',
        "els => els.map(e => e.textContent.trim().slice(0, 300))",
    )
    assert not blocks, f"stderr / error output on the page: {blocks}"


def test_notebook_page_shows_a_figure_when_its_source_makes_one(page, site_url, notebook_page):
    visit(page, site_url, notebook_page.path)
    sources = [p for p in notebook_page.file.parent.glob("*.py")]
    assert sources, "the notebook's source .py was not copied next to the page"
    makes_figure = bool(MAKES_FIGURE.search(sources[0].read_text(encoding="utf-8")))
    figures = page.locator(".jp-OutputArea-output img").count()
    if makes_figure:
        assert figures > 0, "the source makes a figure but the page shows no output image"
    else:
        assert figures == 0, "the source makes no figure, yet the page shows output images"


def test_notebook_page_links_its_source_for_download(page, site_url, notebook_page):
    visit(page, site_url, notebook_page.path)
    links = page.eval_on_selector_all("a[download]", "els => els.map(e => e.href)")
    assert links, "no download link for the notebook's source"
    for href in set(links):
        assert href.endswith(".py"), href
        response = page.request.get(href)
        assert response.status == 200, f"{href}: HTTP {response.status}"
        text = response.text()
        assert "# %%" in text, f"{href} is not a jupytext percent script"
        rel = urlsplit(href).path.lstrip("/")
        source = ROOT / "docs" / Path(rel).parent.parent / Path(rel).name
        if source.exists():
            assert text == source.read_text(encoding="utf-8"), f"{href} differs from {source}"


def test_search_finds_a_page(page, site_url, all_pages):
    targets = [p for p in all_pages if p.path]
    assert targets, "the site has no page besides the home page"
    target = next((p for p in targets if p.kind == "notebook"), targets[0])
    visit(page, site_url, "")
    title = re.search(r"<title>(.*?)</title>", target.file.read_text(encoding="utf-8")).group(1)
    words = [w for w in re.findall(r"[A-Za-z]{4,}", title.split(" - ")[0])]
    query = max(words, key=len)
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(query, delay=20)
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10_000)
    hrefs = results.evaluate_all("els => els.map(e => e.href)")
    assert any(urlsplit(h).path.rstrip("/").endswith(target.path.rstrip("/")) for h in hrefs), (
        f"searching {query!r} did not find {target.path}: {hrefs}"
    )


def test_palette_toggle_switches_to_dark_and_figures_keep_a_light_backing(
    page, site_url, all_pages
):
    target = next((p for p in all_pages if p.kind == "notebook"), all_pages[0])
    visit(page, site_url, target.path)
    scheme = "() => document.body.getAttribute('data-md-color-scheme')"
    first = page.evaluate(scheme)
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    second = page.evaluate(scheme)
    assert {first, second} == {"default", "slate"}, (first, second)
    if second != "slate":
        page.locator("form[data-md-component='palette'] label:visible").first.click()
    backgrounds = page.eval_on_selector_all(
        ".jp-OutputArea-output img, .md-typeset img",
        "els => els.map(e => getComputedStyle(e).backgroundColor)",
    )
    assert all(b == "rgb(255, 255, 255)" for b in backgrounds), backgrounds
