"""``fit --plot DIR`` and ``fit --report FILE.html``, run as real processes.

- The report's numbers, parsed back out of its HTML tables, equal the package's own fit
  (`fit_random_intercept`, `fit_random_slopes`) to the 6 significant digits shown, follow the
  definition of lambda_j from the report's own variance components, and reproduce lme4's
  published sleepstudy fit.
- The report is one self-contained page: no script, no stylesheet or font to fetch, no
  http(s) URL in any ``src`` or ``href``, every image a ``data:`` URI with alt text; hostile
  column names and group labels (``<script>``, ``<img onerror>``, quotes, ``$``) come out as
  text, never as markup, in the page and in the SVG files.
- The figures are written as real PNG (signature, alt text in the Description chunk) and SVG
  (XML whose ``<title>`` and ``<desc>`` come first) files with the names the help promises.
- The outputs are as safe as ``--out``: an existing file is kept without ``--force``, checked
  before anything is read; the input is never written, even with ``--force``; two outputs may
  not be one file; a failed write leaves the previous report byte for byte.
"""

from __future__ import annotations

import fcntl
import html.parser
import os
import re
import struct
import subprocess
import sys
import termios
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import partial_pooling as pp
from partial_pooling import cli, datasets, plotting
from partial_pooling.random_slopes import group_ols
from partial_pooling.report import figure_names

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
RADON = ["--y", "log_radon", "--group", "county", "--x", "floor"]
SLEEP = ["--y", "Reaction", "--group", "Subject", "--random-slopes", "Days"]
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line as a real process (``python -m partial_pooling``)."""
    return subprocess.run(
        [sys.executable, "-m", "partial_pooling", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ENV,
        timeout=300,
    )


def export(name: str, folder: Path) -> Path:
    path = folder / f"{name}.csv"
    DATASETS_LOAD[name]().to_csv(path, index=False)
    return path


DATASETS_LOAD = {"radon": datasets.radon, "sleepstudy": datasets.sleepstudy}


# ---------------------------------------------------------------------------------------------
# Reading the report back


class Page(html.parser.HTMLParser):
    """Every start tag with its attributes, every table by id (cells as text), all text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.text: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def frame(self, ident: str) -> pd.DataFrame:
        """A table as a data frame of strings, indexed by its first column."""
        header, *rows = self.tables[ident]
        frame = pd.DataFrame(rows, columns=header)
        return frame.set_index(header[0])

    def facts(self) -> dict[str, str]:
        return {row[0]: row[1] for row in self.tables["summary"][1:]}


def number(cell: str) -> float:
    return np.nan if cell in ("—", "") else float(cell)


def shown(value: float) -> float:
    """``value`` as the report shows it: 6 significant digits."""
    return float(f"{value:.6g}")


def assert_shown(cells, values) -> None:
    """Each cell is its value to the 6 significant digits shown."""
    got = np.array([number(c) for c in cells])
    want = np.array([shown(v) for v in np.asarray(values, dtype=float)])
    np.testing.assert_array_equal(got, want)


@pytest.fixture(scope="module")
def radon_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("radon")
    export("radon", folder)
    done = run(
        "fit", "radon.csv", *RADON, "--plot", "figures", "--report", "radon.html", cwd=folder
    )
    assert done.returncode == 0, done.stderr
    return folder, done


@pytest.fixture(scope="module")
def radon_page(radon_run) -> Page:
    return Page((radon_run[0] / "radon.html").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# The numbers


def test_report_summary_equals_fit_random_intercept(radon_page):
    fit = pp.fit_random_intercept(datasets.radon(), y="log_radon", group="county", x="floor")
    facts = radon_page.facts()
    assert facts["Method"] == "REML (restricted maximum likelihood)"
    assert facts["Observations N"] == "919" == str(fit.N)
    assert facts["Groups J (county)"] == "85" == str(fit.J)
    assert facts["Group sizes nj"] == "min 1, median 5, max 116"
    assert float(facts["REML log-likelihood"]) == round(fit.loglik, 4)
    assert facts["Model"] == "log_radon ~ 1 + floor + (1 | county)"
    vc = radon_page.frame("variance-components")
    assert_shown(vc["Std.Dev."], [fit.sigma_alpha, fit.sigma_y])
    assert_shown(vc["Variance"], [fit.sigma_alpha**2, fit.sigma_y**2])
    fixed = radon_page.frame("fixed-effects")
    assert_shown(fixed["Estimate"], [fit.mu, fit.beta["floor"]])
    assert_shown(fixed["Std.Error"], [fit.se_mu, fit.se_beta["floor"]])


def test_report_lists_every_group_as_the_package_fits_it(radon_page):
    fit = pp.fit_random_intercept(datasets.radon(), y="log_radon", group="county", x="floor")
    groups = radon_page.frame("groups")
    assert list(groups.index) == [str(label) for label in fit.alpha.index]
    np.testing.assert_array_equal(groups["n_j"].astype(int), fit.n)
    assert_shown(groups["lambda_j"], fit.shrinkage)
    assert_shown(groups["alpha_j"], fit.alpha)
    assert_shown(groups["cond_sd_j"], fit.cond_sd)
    assert_shown(groups["ybar_j"], fit.ybar)


def test_report_lambda_follows_its_definition_from_the_reports_own_sigmas(radon_page):
    # independent of the package: lambda_j = n_j sa^2 / (n_j sa^2 + sy^2) from the shown SDs
    sd = [number(c) for c in radon_page.frame("variance-components")["Std.Dev."]]
    groups = radon_page.frame("groups")
    n = groups["n_j"].astype(float).to_numpy()
    lam = n * sd[0] ** 2 / (n * sd[0] ** 2 + sd[1] ** 2)
    got = np.array([number(c) for c in groups["lambda_j"]])
    np.testing.assert_allclose(got, lam, rtol=3e-5)  # SDs shown to 6 digits


def test_report_of_an_ml_fit_says_ml_and_gives_the_ml_log_likelihood(tmp_path):
    export("radon", tmp_path)
    done = run("fit", "radon.csv", *RADON, "--method", "ML", "--report", "r.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = Page((tmp_path / "r.html").read_text(encoding="utf-8"))
    fit = pp.fit_random_intercept(
        datasets.radon(), y="log_radon", group="county", x="floor", method="ML"
    )
    facts = page.facts()
    assert facts["Method"] == "ML (maximum likelihood)"
    assert float(facts["Log-likelihood (ML)"]) == round(fit.loglik, 4)
    assert_shown(page.frame("variance-components")["Std.Dev."], [fit.sigma_alpha, fit.sigma_y])
    assert_shown(page.frame("groups")["alpha_j"], fit.alpha)


def test_random_slopes_report_equals_fit_random_slopes_and_lme4(tmp_path):
    """lme4: lmer(Reaction ~ Days + (Days | Subject), sleepstudy), REML (Bates et al. 2015)."""
    export("sleepstudy", tmp_path)
    done = run(
        "fit", "sleepstudy.csv", *SLEEP, "--report", "s.html", "--plot", "figs", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    page = Page((tmp_path / "s.html").read_text(encoding="utf-8"))
    data = datasets.sleepstudy()
    fit = pp.fit_random_slopes(data, y="Reaction", group="Subject", x=["Days"])
    facts = page.facts()
    assert facts["Model"] == "Reaction ~ 1 + Days + (1 + Days | Subject)"
    assert facts["Observations N"] == "180" and facts["Groups J (Subject)"] == "18"
    assert float(facts["REML log-likelihood"]) == -871.8141 == round(fit.loglik, 4)
    vc = page.frame("variance-components")
    assert_shown(vc["Std.Dev."], [*fit.sd, fit.sigma_y])
    assert_shown([vc["Corr. with (Intercept)"].iloc[1]], [fit.corr])
    fixed = page.frame("fixed-effects")
    assert_shown(fixed["Estimate"], fit.fixed)
    assert_shown(fixed["Std.Error"], fit.se_fixed)
    # lme4's published values, to their 3 decimals
    sds = [number(c) for c in vc["Std.Dev."]]
    np.testing.assert_allclose(sds, [24.741, 5.922, 25.592], atol=6e-4)
    np.testing.assert_allclose(number(vc["Corr. with (Intercept)"].iloc[1]), 0.066, atol=6e-4)
    est = [number(c) for c in fixed["Estimate"]]
    se = [number(c) for c in fixed["Std.Error"]]
    np.testing.assert_allclose(est, [251.405, 10.467], atol=6e-4)
    np.testing.assert_allclose(se, [6.825, 1.546], atol=6e-4)
    groups = page.frame("groups")
    assert_shown(groups["intercept_j"], fit.coef["Intercept"])
    assert_shown(groups["slope_Days_j"], fit.coef["Days"])
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [
        "shrinkage_arrows_2d.png",
        "shrinkage_arrows_2d.svg",
    ]


def test_report_attaches_the_estimates_csv_in_full_precision(radon_run, radon_page):
    folder, _ = radon_run
    links = [a for tag, a in radon_page.tags if tag == "a" and "download" in a]
    assert len(links) == 1 and links[0]["download"] == "estimates.csv"
    from urllib.parse import unquote

    href = links[0]["href"] or ""
    prefix = "data:text/csv;charset=utf-8,"
    assert href.startswith(prefix)
    assert unquote(href[len(prefix) :]) == (folder / "estimates.csv").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Self-contained


URL_ATTRIBUTES = {"src", "href", "srcset", "action", "poster", "data", "xlink:href"}


def assert_self_contained(page: Page, text: str) -> None:
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "iframe", "object", "embed", "base", "svg"}, tags
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)  # no event handler anywhere
            if name in URL_ATTRIBUTES:
                assert not re.match(r"\s*(https?:)?//", value or "", re.I), (tag, name, value)
                assert (value or "").startswith("data:"), (tag, name, value)
    style = re.search(r"<style>(.*?)</style>", text, re.S)
    assert style is not None
    assert "url(" not in style.group(1) and "@import" not in style.group(1)
    assert re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", text, re.I) is None


def test_report_requests_nothing_and_every_image_has_alt_text(radon_run, radon_page):
    text = (radon_run[0] / "radon.html").read_text(encoding="utf-8")
    assert_self_contained(radon_page, text)
    images = [a for tag, a in radon_page.tags if tag == "img"]
    assert len(images) == 3
    for attrs in images:
        assert (attrs["src"] or "").startswith("data:image/png;base64,iVBORw0KGgo")
        assert len(attrs["alt"] or "") > 40
    # the alt texts are the site's own, the ones partial_pooling.plotting writes for them
    fit = pp.fit_random_intercept(datasets.radon(), y="log_radon", group="county", x="floor")
    none = pp.no_pooling(datasets.radon(), y="log_radon", group="county", x="floor")
    assert images[0]["alt"] == plotting.shrinkage_arrows(none, fit).alt
    assert images[1]["alt"] == plotting.estimates_vs_size(none, fit).alt


HOSTILE_Y = '<b>y$</b> "quoted" & more'
HOSTILE_GROUP = "g<img src=x onerror=alert(1)>"
HOSTILE_X = "x $\\frac{1}{0}$</code><script>alert(2)</script>"


def hostile_data() -> pd.DataFrame:
    rng = np.random.default_rng(20261126)
    J, n = 10, 9
    labels = [f"<script>alert({j})</script>&amp;\"'" for j in range(J)]
    codes = np.repeat(np.arange(J), n)
    x = rng.normal(size=J * n)
    y = rng.normal(size=J)[codes] + (0.5 + 0.4 * rng.normal(size=J)[codes]) * x
    y += rng.normal(scale=0.8, size=J * n)
    return pd.DataFrame({HOSTILE_Y: y, HOSTILE_GROUP: np.array(labels)[codes], HOSTILE_X: x})


@pytest.mark.parametrize("model", ["--x", "--random-slopes"])
def test_hostile_names_and_labels_are_text_never_markup(tmp_path, model):
    data = hostile_data()
    data.to_csv(tmp_path / "h.csv", index=False)
    argv = ["--y", HOSTILE_Y, "--group", HOSTILE_GROUP, model, HOSTILE_X]
    done = run("fit", "h.csv", *argv, "--report", "h.html", "--plot", "figs", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "h.html").read_text(encoding="utf-8")
    page = Page(text)
    assert_self_contained(page, text)
    assert (
        "<script>alert" not in text and "<img src=x" not in text and "</code><script>" not in text
    )
    assert {tag for tag, _ in page.tags} <= {
        "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p",
        "code", "table", "caption", "thead", "tbody", "tr", "th", "td", "var", "sub", "span",
        "a", "div", "figure", "img", "figcaption", "strong", "footer",
    }  # fmt: skip
    # the names and labels arrive as the text they are
    groups = page.frame("groups")
    assert sorted(groups.index) == sorted(data[HOSTILE_GROUP].unique())
    whole = "".join(page.text)
    assert HOSTILE_Y in whole and HOSTILE_GROUP in whole and HOSTILE_X in whole
    # and the SVG files carry them escaped in their <title>
    for svg in (tmp_path / "figs").glob("*.svg"):
        root = ET.fromstring(svg.read_bytes())
        title = root.find(f"{SVG}title")
        assert title is not None and HOSTILE_GROUP in (title.text or "")


# ---------------------------------------------------------------------------------------------
# The figure files


def test_plot_writes_each_figure_as_png_and_svg_with_its_alt_text(radon_run):
    folder, done = radon_run
    written = sorted(p.name for p in (folder / "figures").iterdir())
    assert written == sorted(f"{n}.{e}" for n in figure_names() for e in ("png", "svg"))
    assert "Wrote 3 figures as PNG and SVG to figures/" in done.stdout
    for name in figure_names():
        png = (folder / "figures" / f"{name}.png").read_bytes()
        assert png.startswith(PNG_SIGNATURE)
        with Image.open(folder / "figures" / f"{name}.png") as image:
            assert image.format == "PNG" and image.size[0] > 800
            description = image.text["Description"]  # type: ignore[attr-defined]
        root = ET.fromstring((folder / "figures" / f"{name}.svg").read_bytes())
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        first, second = list(root)[:2]
        assert first.tag == f"{SVG}title" and "log_radon by county" in (first.text or "")
        assert second.tag == f"{SVG}desc" and second.text == description
        assert len(description) > 40


def two_slopes(seed: int = 20261126) -> pd.DataFrame:
    """A random intercept and two random slopes; one group too small for its own line."""
    rng = np.random.default_rng(seed)
    J, n = 15, 10
    codes = np.repeat(np.arange(J), n)
    x1, x2 = rng.normal(size=J * n), rng.uniform(0, 3, size=J * n)
    a = rng.normal(size=(J, 3)) * [2.0, 0.8, 0.4]
    y = 5 + a[codes, 0] + (1 + a[codes, 1]) * x1 + (-0.5 + a[codes, 2]) * x2
    y += rng.normal(scale=1.0, size=J * n)
    frame = pd.DataFrame({"y": y, "g": [f"g{c:02d}" for c in codes], "x 1": x1, "x/2": x2})
    small = pd.DataFrame({"y": [1.0, 2.0], "g": ["tiny", "tiny"], "x 1": [0.1, 0.2], "x/2": [1, 2]})
    return pd.concat([frame, small], ignore_index=True)


def test_random_slopes_plot_writes_one_figure_per_slope(tmp_path):
    data = two_slopes()
    data.to_csv(tmp_path / "d.csv", index=False)
    argv = ["--y", "y", "--group", "g", "--random-slopes", "x 1", "x/2"]
    done = run("fit", "d.csv", *argv, "--plot", "p", "--report", "r.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    stems = ["shrinkage_arrows_2d_x_1", "shrinkage_arrows_2d_x_2"]
    assert figure_names(["x 1", "x/2"]) == stems
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == sorted(
        f"{s}.{e}" for s in stems for e in ("png", "svg")
    )
    # the group too small for its own line (2 rows, 3 coefficients) is left out, and said so
    assert group_ols(data, y="y", group="g", x=["x 1", "x/2"]).loc["tiny"].isna().all()
    page = Page((tmp_path / "r.html").read_text(encoding="utf-8"))
    captions = [t for t in page.text if "own line is not determined" in t]
    assert len(captions) == 2 and all("The 15 groups'" in c for c in captions)


def test_group_level_covariate_draws_what_it_can_and_says_what_it_left_out(tmp_path):
    export("radon", tmp_path)
    argv = ["--y", "log_radon", "--group", "county", "--x", "uranium"]
    done = run("fit", "radon.csv", *argv, "--plot", "p", "--report", "r.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "lambda_vs_n.png",
        "lambda_vs_n.svg",
    ]
    assert "Note: No pooling is not defined for these data" in done.stdout
    page = Page((tmp_path / "r.html").read_text(encoding="utf-8"))
    notes = [t for t in page.text if "No pooling is not defined" in t]
    assert notes and "'uranium'" in notes[0]
    assert len([a for tag, a in page.tags if tag == "img"]) == 1


def test_help_documents_plot_and_report():
    done = run("fit", "--help", cwd=Path.cwd())
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "--plot DIR" in text and "--report FILE.html" in text
    assert "shrinkage_arrows_2d" in text and "loads nothing from the internet" in text


# ---------------------------------------------------------------------------------------------
# Never destroy a file


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.startswith("partial-pooling: error: ")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""
    return done.stderr


def test_an_existing_figure_is_kept_without_force_and_nothing_is_written(tmp_path):
    export("radon", tmp_path)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "lambda_vs_n.svg").write_bytes(b"mine")
    done = run("fit", "radon.csv", *RADON, "--plot", "p", "--report", "r.html", cwd=tmp_path)
    message = one_line_error(done)
    assert "'p/lambda_vs_n.svg' already exists" in message and "--force" in message
    assert "--plot" in message
    assert (tmp_path / "p" / "lambda_vs_n.svg").read_bytes() == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p", "radon.csv"]
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["lambda_vs_n.svg"]


def test_force_replaces_the_figures_and_the_report(tmp_path):
    export("radon", tmp_path)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "lambda_vs_n.svg").write_bytes(b"mine")
    (tmp_path / "r.html").write_text("old")
    done = run("fit", "radon.csv", *RADON, "--plot", "p", "--report", "r.html", "--force",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    ET.fromstring((tmp_path / "p" / "lambda_vs_n.svg").read_bytes())
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_an_existing_report_is_kept_without_force(tmp_path):
    export("radon", tmp_path)
    (tmp_path / "r.html").write_text("old")
    message = one_line_error(run("fit", "radon.csv", *RADON, "--report", "r.html", cwd=tmp_path))
    assert "'r.html' already exists" in message and "--report" in message
    assert (tmp_path / "r.html").read_text() == "old"


@pytest.mark.parametrize("option", ["--report", "--plot"])
def test_the_input_is_never_an_output_even_with_force(tmp_path, option):
    data = export("radon", tmp_path)
    before = data.read_bytes()
    if option == "--report":
        target = "radon.csv"
    else:  # a figure file in DIR that is a hard link to the input
        (tmp_path / "p").mkdir()
        os.link(data, tmp_path / "p" / "shrinkage_arrows.png")
        target = "p"
    message = one_line_error(
        run("fit", "radon.csv", *RADON, option, target, "--force", cwd=tmp_path)
    )
    assert "is the input file" in message and option in message
    assert data.read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--out", "x.html", "--report", "x.html"], "--out 'x.html' and --report 'x.html' are"),
        (["--out", "p/lambda_vs_n.png", "--plot", "p"], "and --plot 'p/lambda_vs_n.png' are"),
        (["--report", "p/shrinkage_arrows.svg", "--plot", "p"], "are the same file"),
        (["--report", "-"], "--report needs a file name"),
        (["--plot", "-"], "--plot needs a folder name"),
        (["--plot", "radon.csv"], "--plot 'radon.csv' is not a folder"),
        (["--plot", "missing/p"], "no such folder 'missing'"),
        (["--report", "missing/r.html"], "no such folder 'missing'"),
        (["--report", "."], "--report '.' is a directory"),
    ],
)
def test_bad_output_options_are_refused_in_one_line_before_reading(tmp_path, argv, expected):
    export("radon", tmp_path)
    (tmp_path / "p").mkdir()
    message = one_line_error(run("fit", "radon.csv", *RADON, *argv, "--force", cwd=tmp_path))
    assert expected in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p", "radon.csv"]


def test_plot_creates_its_folder_only_after_the_fit_succeeds(tmp_path):
    (tmp_path / "one.csv").write_text("y,g\n1,a\n2,b\n3,c\n")  # every group a single row
    message = one_line_error(
        run("fit", "one.csv", "--y", "y", "--group", "g", "--plot", "p", cwd=tmp_path)
    )
    assert "single observation" in message
    assert not (tmp_path / "p").exists()


def test_a_failed_report_write_leaves_the_previous_report_byte_for_byte(
    tmp_path, monkeypatch, capsys
):
    data = export("radon", tmp_path)
    report = tmp_path / "r.html"
    report.write_bytes(b"previous report\n")
    real_replace = os.replace

    def failing(src, dst, *args, **kwargs):
        if str(dst).endswith(".html"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", failing)
    argv = ["fit", str(data), *RADON, "--out", str(tmp_path / "e.csv"), "--report", str(report)]
    assert cli.main([*argv, "--force"]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and err.count("\n") == 1
    assert report.read_bytes() == b"previous report\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------------------------------------
# Progress on a terminal, and only there


def run_with_terminal_stderr(
    args: list[str], cwd: Path, columns: int = 0
) -> tuple[int, bytes, bytes]:
    """Run with stderr on a pseudo-terminal (``columns`` wide; 0: the size is not set);
    return the status, stdout and what the terminal got."""
    master, slave = os.openpty()
    if columns:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "partial_pooling", *args],
            stdout=subprocess.PIPE,
            stderr=slave,
            cwd=cwd,
            env=ENV,
        )
    finally:
        os.close(slave)
    terminal = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        terminal += chunk
    os.close(master)
    stdout = proc.stdout.read() if proc.stdout else b""
    proc.wait(timeout=300)
    return proc.returncode, stdout, bytes(terminal)


def test_progress_is_shown_on_a_terminal_and_wiped_at_the_end(tmp_path):
    export("radon", tmp_path)
    args = ["fit", "radon.csv", *RADON, "--plot", "p", "--report", "r.html"]
    status, stdout, terminal = run_with_terminal_stderr(args, tmp_path, columns=100)
    assert status == 0, terminal
    text = terminal.decode()
    for phase in ("reading radon.csv", "fitting by REML: 919 rows", "drawing figure 1 of 3"):
        assert phase in text, text
    assert max(map(len, text.split("\r"))) <= 99  # never wider than the terminal
    # the last thing on the terminal is the status line wiped: spaces, then back to column 0
    assert re.search(r"\r +\r$", text), repr(text[-200:])
    assert "\n" not in text  # nothing but the one rewritten line
    assert b"\r" not in stdout and b"Wrote the report to r.html" in stdout


def test_a_narrow_terminal_gets_a_status_cut_to_its_width(tmp_path):
    export("radon", tmp_path)
    status, _, terminal = run_with_terminal_stderr(["fit", "radon.csv", *RADON], tmp_path, 20)
    assert status == 0
    lines = terminal.decode().split("\r")
    assert "reading radon.csv" in lines and max(map(len, lines)) <= 19


def test_progress_is_wiped_before_an_error_message(tmp_path):
    (tmp_path / "bad.csv").write_text("y,g\n1,a\n2,a\nthree,b\n4,b\n")
    args = ["fit", "bad.csv", "--y", "y", "--group", "g"]
    status, stdout, terminal = run_with_terminal_stderr(args, tmp_path)
    assert status == 2 and stdout == b""
    before, error = terminal.decode().split("partial-pooling: error: ")
    assert "reading bad.csv" in before and re.search(r"\r +\r$", before)
    assert "line 4 has 'three'" in error


def test_no_progress_when_standard_error_is_not_a_terminal(tmp_path):
    export("radon", tmp_path)
    done = run("fit", "radon.csv", *RADON, "--plot", "p", "--report", "r.html", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stderr == ""
    assert "\r" not in done.stdout


def test_reading_a_large_file_shows_the_share_read(tmp_path):
    rng = np.random.default_rng(20261126)
    n, groups = 1_000_000, 50_000
    g = rng.integers(0, groups, n)
    y = np.round(rng.normal(size=groups)[g] + rng.normal(size=n), 3)
    pd.DataFrame({"y": y, "g": np.char.add("g", g.astype(str))}).to_csv(
        tmp_path / "big.csv", index=False
    )
    args = ["fit", "big.csv", "--y", "y", "--group", "g", "--out", "e.csv"]
    status, stdout, terminal = run_with_terminal_stderr(args, tmp_path, columns=100)
    assert status == 0
    shares = [int(m) for m in re.findall(r"reading big\.csv: (\d+)% of 13 MB", terminal.decode())]
    assert shares and shares == sorted(shares) and shares[-1] <= 100
    assert "fitting by REML: 1,000,000 rows" in terminal.decode()
    assert b"Wrote 50000 groups" in stdout
