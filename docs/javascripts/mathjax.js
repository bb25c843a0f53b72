// MathJax 3 configuration. Loaded before assets/mathjax/tex-chtml.js, which the build hook
// (scripts/mkdocs_hooks.py) copies from the django-static-mathjax package: no CDN.
//
// What gets typeset:
// * Markdown pages and mkdocstrings docstrings: pymdownx.arithmatex (generic mode) wraps each
//   formula in <span|div class="arithmatex"> with \( \) or \[ \] delimiters.
// * Notebook pages: mkdocs-jupyter renders markdown cells as .jp-RenderedMarkdown and leaves
//   the math as raw $...$ / $$...$$ text, so those delimiters are enabled too.
// * Folded checks in notebook outputs (details.pp-checks, written
//   as HTML by partial_pooling.site.checks): their labels use the page's notation ($\hat\beta_W$).
// * Figure captions ("Figure 3: ...", figcaption.arithmatex, written by scripts/notebook_exec.py).
// MathJax looks only inside those elements (startup.elements), so a $ elsewhere on a page (the
// header, a code output, the search box) is never taken for math. Material's documented
// ignoreHtmlClass ".*|" + processHtmlClass would NOT work for notebook cells: it matches the
// empty class of every <p> inside a processed element and so skips all their text.
//
// Literal dollar signs: in a Markdown page write \$ (arithmatex handles it; MathJax never scans
// plain Markdown text). In a notebook markdown cell the markdown renderer treats \$ as an
// escaped $ and MathJax then sees a bare $, so write \\$ there (MathJax's processEscapes turns
// the remaining \$ into a literal $), or wrap the amount in backticks.
//
// No re-typeset on page change: the site does not use navigation.instant, so every page is a
// full load and MathJax typesets it once at startup. Material's documented document$ snippet
// (clearCache + typesetClear + typesetPromise) with this locally served MathJax wipes the
// CHTML glyph styles after the first typeset and leaves every formula blank.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
    tags: "ams",
  },
  startup: {
    elements: [".arithmatex", ".jp-RenderedMarkdown", "details.pp-checks"],
  },
  chtml: {
    matchFontHeight: false,
  },
};
