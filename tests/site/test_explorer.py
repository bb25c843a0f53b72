"""The explorer page in headless Chromium: its live numbers are the package's.

The page's script recomputes lambda_j, the GLS population mean at fixed beta and every
partially pooled intercept as the sigma_alpha slider moves, and exposes them as
``window.ppExplorer.state`` and as data attributes on the SVG. These tests move the slider the
way a reader does and compare what the browser computed with ``partial_pooling`` in Python
(``shrinkage_factor``, ``pooled_mean``, ``group_intercepts``, ``icc``), fitted here from the raw
data, not read back from the page's JSON.

The page is loaded once for the whole session (``site_visits`` in conftest.py): each test
starts from the state observed right after that load, restored through the page's controls.
"""

from __future__ import annotations

import json
from urllib.parse import urljoin

import numpy as np
import pandas as pd
import pytest

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import explorer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]

PATH = "explorer/"
SCHEME = "() => document.body.getAttribute('data-md-color-scheme')"
PALETTE = "form[data-md-component='palette'] label:visible"
RTOL = 1e-9
DATASETS = {
    "radon": lambda: (datasets.radon(), {"y": "log_radon", "group": "county", "x": "floor"}),
    "simulated": lambda: (
        explorer.simulated_example().data,
        {"y": "y", "group": "group", "x": "x"},
    ),
}


class Model:
    """A data set, its REML fit, and the package's formulas at any sigma_alpha."""

    def __init__(self, key: str) -> None:
        self.data, self.cols = DATASETS[key]()
        self.fit = pp.fit_random_intercept(self.data, **self.cols, method="REML")

    def at(self, sigma_alpha: float) -> dict:
        sy, beta = self.fit.sigma_y, self.fit.beta
        mu = pp.pooled_mean(self.data, **self.cols, beta=beta, sigma_alpha=sigma_alpha, sigma_y=sy)
        alpha = pp.group_intercepts(
            self.data, **self.cols, mu=mu, beta=beta, sigma_alpha=sigma_alpha, sigma_y=sy
        )
        lam = pp.shrinkage_factor(self.fit.n.astype(float), sigma_alpha=sigma_alpha, sigma_y=sy)
        return {
            "mu": mu,
            "alpha": alpha,
            "lambda": lam,
            "icc": pp.icc(sigma_alpha=sigma_alpha, sigma_y=sy),
        }


@pytest.fixture(scope="module")
def models() -> dict[str, Model]:
    return {key: Model(key) for key in DATASETS}


@pytest.fixture
def explorer_visit(site_visits):
    """The session's one load of the explorer page (conftest.site_visits), drawn and observed."""
    visit = site_visits[PATH]
    assert visit.load_problem is None, f"{PATH}: {visit.load_problem}"
    visit.fact("explorer")
    return visit


@pytest.fixture
def explorer_page(explorer_visit):
    """The explorer page as loaded: the session's one load, put back in its loaded state.

    The page is not reloaded for each test: the data set, the slider, the highlight and the
    palette are set back through the page's own controls, and the test fails at setup unless the
    state is then exactly the one observed right after the load. Records console and script
    errors, at load and during the test.
    """
    page, loaded = explorer_visit.tab, explorer_visit.fact("explorer")
    if state(page)["dataset"] != loaded["state"]["dataset"]:
        page.select_option("#pp-dataset", loaded["state"]["dataset"])
        page.wait_for_function(
            "(key) => window.ppExplorer.state.dataset === key", arg=loaded["state"]["dataset"]
        )
    page.locator("#pp-reset").click()
    page.select_option("#pp-highlight", "")
    hyp = loaded["state"]["hypothetical"]
    set_range(page, "#pp-hyp-n", hyp["n_slider"])
    set_range(page, "#pp-hyp-mean", hyp["mean"])
    for _ in range(2):
        if page.evaluate(SCHEME) == loaded["scheme"]:
            break
        page.locator(PALETTE).first.click()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    assert state(page) == loaded["state"], "the explorer did not return to its loaded state"
    assert page.evaluate(SCHEME) == loaded["scheme"]
    start = len(explorer_visit.live)
    yield page
    errors = (
        explorer_visit.console_errors + explorer_visit.page_errors + explorer_visit.live[start:]
    )
    assert not errors, f"console/script errors or failed requests on the explorer page: {errors}"


def state(page) -> dict:
    return page.evaluate("() => JSON.parse(JSON.stringify(window.ppExplorer.state))")


def drawn(page) -> list:
    return page.eval_on_selector_all(
        "#pp-main g.pp-group",
        "els => els.map(e => [e.dataset.label, Number(e.dataset.alpha), Number(e.dataset.lambda)])",
    )


def set_slider(page, log_ratio: float) -> None:
    """What a reader's drag does: a new value on the range input, then an input event."""
    set_range(page, "#pp-sigma-alpha", log_ratio)


def set_range(page, selector: str, value: float) -> None:
    """A new value on a range input (as the browser rounds it to its step), then an input event."""
    slider = page.locator(selector)
    slider.fill(repr(float(value)))
    slider.dispatch_event("input")


def assert_matches_package(page, model: Model, sigma_alpha: float, seen=None) -> None:
    """The page's numbers (or ``seen``: a recorded state and drawn points) match the package."""
    s, points = seen or (state(page), drawn(page))
    want = model.at(sigma_alpha)
    labels = s["labels"]
    assert sorted(labels) == sorted(model.fit.n.index)
    assert s["n"] == model.fit.n.loc[labels].tolist()
    np.testing.assert_allclose(s["sigma_y"], model.fit.sigma_y, rtol=1e-15)
    np.testing.assert_allclose(s["mu"], want["mu"], rtol=RTOL)
    np.testing.assert_allclose(s["alpha"], want["alpha"].loc[labels], rtol=RTOL)
    np.testing.assert_allclose(s["lambda"], want["lambda"].loc[labels], rtol=RTOL)
    np.testing.assert_allclose(s["psi"], sigma_alpha**2 / model.fit.sigma_y**2, rtol=RTOL)
    np.testing.assert_allclose(s["icc"], want["icc"], rtol=RTOL)
    for n, lam in s["lambda_at"].items():
        np.testing.assert_allclose(
            lam,
            pp.shrinkage_factor(float(n), sigma_alpha=sigma_alpha, sigma_y=model.fit.sigma_y),
            rtol=RTOL,
        )
    # The drawn points carry the same numbers.
    frame = pd.DataFrame(points, columns=["label", "alpha", "lambda"]).set_index("label")
    assert len(frame) == len(labels)
    np.testing.assert_allclose(frame["alpha"], want["alpha"].loc[frame.index], rtol=RTOL)
    np.testing.assert_allclose(frame["lambda"], want["lambda"].loc[frame.index], rtol=RTOL)


def test_explorer_starts_at_the_reml_fit(explorer_visit, models):
    """What the page showed right after it loaded, before any test touched its controls."""
    model = models["radon"]
    loaded = explorer_visit.fact("explorer")
    s = loaded["state"]
    assert s["dataset"] == "radon" and s["log_ratio"] == 0
    assert s["sigma_alpha"] == model.fit.sigma_alpha
    # At the REML sigma_alpha the GLS mean at the REML beta is the fit's mu, and the
    # intercepts are the fit's own.
    np.testing.assert_allclose(s["mu"], model.fit.mu, rtol=RTOL)
    np.testing.assert_allclose(s["alpha"], model.fit.alpha.loc[s["labels"]], rtol=RTOL)
    np.testing.assert_allclose(s["lambda"], model.fit.shrinkage.loc[s["labels"]], rtol=RTOL)
    assert_matches_package(None, model, model.fit.sigma_alpha, (s, loaded["drawn"]))
    errors = explorer_visit.console_errors + explorer_visit.page_errors
    assert not errors, f"console or script errors on the explorer page: {errors}"


@pytest.mark.parametrize("log_ratio", [-3.0, -1.37, -0.25, 0.5, 1.0])
def test_slider_values_match_the_package(explorer_page, models, log_ratio):
    model = models["radon"]
    set_slider(explorer_page, log_ratio)
    s = state(explorer_page)
    assert s["log_ratio"] == log_ratio
    sigma_alpha = s["sigma_alpha"]
    np.testing.assert_allclose(sigma_alpha, model.fit.sigma_alpha * 10**log_ratio, rtol=1e-12)
    assert_matches_package(explorer_page, model, sigma_alpha)


def test_simulated_data_set_matches_the_package(explorer_page, models):
    model = models["simulated"]
    explorer_page.select_option("#pp-dataset", "simulated")
    explorer_page.wait_for_function("() => window.ppExplorer.state.dataset === 'simulated'")
    s = state(explorer_page)
    assert s["sigma_alpha"] == model.fit.sigma_alpha
    np.testing.assert_allclose(s["mu"], model.fit.mu, rtol=RTOL)
    for log_ratio in (-2.0, 0.8):
        set_slider(explorer_page, log_ratio)
        assert_matches_package(explorer_page, model, state(explorer_page)["sigma_alpha"])
    assert "true value" in explorer_page.locator("#pp-readout").inner_text()


def test_slider_ends_approach_complete_and_no_pooling(explorer_page):
    """At the left end every intercept is (almost) mu; at the right end every weight rises."""
    set_slider(explorer_page, -3)
    low = state(explorer_page)
    adj = np.array(low["adjusted_mean"])
    spread = adj.max() - adj.min()
    assert np.abs(np.array(low["alpha"]) - low["mu"]).max() < 1e-3 * spread
    set_slider(explorer_page, 1)
    high = state(explorer_page)
    assert min(high["lambda"]) > max(low["lambda"])

    def distance(s):
        return np.abs(np.array(s["alpha"]) - adj).mean()

    assert distance(high) < distance(low)


def test_readout_is_live_and_updates_with_the_slider(explorer_page):
    readout = explorer_page.locator("#pp-readout")
    assert readout.get_attribute("aria-live") == "polite"
    before = readout.inner_text()
    for word in ("ψ", "ICC", "λ for n = 1, 5, 25, 100", "REML"):
        assert word in before, f"{word!r} missing from the readout: {before}"
    set_slider(explorer_page, -1)
    after = readout.inner_text()
    assert after != before
    s = state(explorer_page)
    lam = ", ".join(f"{s['lambda_at'][str(n)]:.3f}" for n in (1, 5, 25, 100))
    assert lam in after, f"{lam} not in the readout: {after}"
    assert "×" in explorer_page.locator("#pp-sigma-alpha-value").inner_text()


def test_slider_and_reset_work_from_the_keyboard(explorer_page, models):
    slider = explorer_page.locator("#pp-sigma-alpha")
    slider.focus()
    start = state(explorer_page)["sigma_alpha"]
    slider.press("ArrowRight")
    s = state(explorer_page)
    assert s["log_ratio"] > 0 and s["sigma_alpha"] > start
    assert slider.get_attribute("aria-valuetext").startswith("σα = ")
    slider.press("Home")
    assert state(explorer_page)["log_ratio"] == -3
    explorer_page.locator("#pp-reset").focus()
    explorer_page.keyboard.press("Enter")
    s = state(explorer_page)
    assert s["log_ratio"] == 0 and s["sigma_alpha"] == models["radon"].fit.sigma_alpha


def test_highlighting_a_county(explorer_page, models):
    fit = models["radon"].fit
    small = str(fit.n.idxmin())
    value = explorer_page.eval_on_selector(
        "#pp-highlight",
        "(sel, label) => [...sel.options].find(o => o.text.startsWith(label + ' (')).value",
        small,
    )
    explorer_page.select_option("#pp-highlight", value)
    assert state(explorer_page)["highlighted"] == small
    marked = explorer_page.eval_on_selector_all(
        "#pp-main g.pp-is-highlighted", "els => els.map(e => e.dataset.label)"
    )
    assert marked == [small]
    assert small in explorer_page.locator("#pp-readout").inner_text()
    # Clicking the highlighted point again clears it.
    explorer_page.locator("#pp-main g.pp-is-highlighted circle.pp-partial").click(force=True)
    assert state(explorer_page)["highlighted"] is None


def test_controls_are_labelled_and_there_is_a_noscript_message(explorer_page):
    unlabelled = explorer_page.eval_on_selector_all(
        "#pp-explorer input, #pp-explorer select, #pp-slopes input",
        "els => els.filter(e => !e.labels || !e.labels.length || !e.labels[0].textContent.trim())"
        ".map(e => e.id)",
    )
    assert not unlabelled, f"controls without a label: {unlabelled}"
    assert explorer_page.locator("#pp-explorer noscript").count() == 1
    for svg in ("#pp-main", "#pp-lambda", "#pp-profile", "#pp-slopes-svg"):
        assert explorer_page.locator(svg).get_attribute("role") == "img"
        assert explorer_page.locator(f"{svg} > title").text_content().strip()


CONTRAST_JS = """
() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const bg = getComputedStyle(document.body).backgroundColor;
  const fill = (sel) => getComputedStyle(document.querySelector(sel)).fill;
  return {
    label: ratio(fill("#pp-main .pp-axis-label"), bg),
    partial: ratio(fill("#pp-main .pp-partial"), bg),
    none: ratio(getComputedStyle(document.querySelector("#pp-main .pp-none")).stroke, bg),
  };
}
"""


def test_figures_are_legible_in_light_and_dark_palettes(explorer_page):
    scheme = SCHEME
    seen = {}
    for _ in range(2):
        seen[explorer_page.evaluate(scheme)] = explorer_page.evaluate(CONTRAST_JS)
        explorer_page.locator(PALETTE).first.click()
    assert set(seen) == {"default", "slate"}
    for name, ratios in seen.items():
        assert ratios["label"] >= 4.5, (name, ratios)
        assert ratios["partial"] >= 3 and ratios["none"] >= 3, (name, ratios)


def test_data_files_are_the_package_payloads(site_context, site_url):
    for key, payload in explorer.site_payloads().items():
        url = urljoin(site_url, f"assets/generated/explorer-{key}.json")
        response = site_context.request.get(url)
        assert response.status == 200, f"explorer-{key}.json: HTTP {response.status}"
        assert json.loads(response.text()) == payload


def test_profile_loglik_under_the_slider_is_the_packages(explorer_page, models):
    """The curve drawn under the slider and the current value: `pp.profile_loglik` at
    psi = sigma_alpha^2 / sigma_y-hat^2."""
    for key in ("radon", "simulated"):
        if key != "radon":
            explorer_page.select_option("#pp-dataset", key)
            explorer_page.wait_for_function(
                "(key) => window.ppExplorer.state.dataset === key", arg=key
            )
        model = models[key]
        curve = explorer_page.evaluate(
            "() => JSON.parse(JSON.stringify(window.ppExplorer.profile))"
        )
        psi = np.array(curve["psi"])
        np.testing.assert_allclose(
            psi, (np.array(curve["sigma_alpha"]) / model.fit.sigma_y) ** 2, rtol=1e-14
        )
        want = pp.profile_loglik(model.data, **model.cols, psi=psi, method="REML")
        np.testing.assert_allclose(curve["loglik"], want.to_numpy(), rtol=1e-10)
        # The maximum of the curve is at the estimate (log ratio 0), and the readout's value
        # there is the fit's own log-likelihood.
        assert curve["log_ratio"][int(np.argmax(curve["loglik"]))] == pytest.approx(0, abs=1e-12)
        s = state(explorer_page)
        np.testing.assert_allclose(s["loglik"], model.fit.loglik, rtol=1e-12)
        for log_ratio in (-2.3, 0.7):
            set_slider(explorer_page, log_ratio)
            s = state(explorer_page)
            one = pp.profile_loglik(
                model.data, **model.cols, psi=[(s["sigma_alpha"] / model.fit.sigma_y) ** 2]
            )
            np.testing.assert_allclose(s["loglik"], one.iloc[0], rtol=1e-10)
    assert explorer_page.locator("#pp-profile circle.pp-partial").count() == 1


def test_hypothetical_group_is_shrunk_like_the_others(explorer_page, models):
    model = models["radon"]
    before = state(explorer_page)
    for n_slider, mean, log_ratio in ((0.0, 2.5, 0.0), (1.3, 0.2, -1.0), (3.0, 1.9, 0.4)):
        set_slider(explorer_page, log_ratio)
        set_range(explorer_page, "#pp-hyp-n", n_slider)
        set_range(explorer_page, "#pp-hyp-mean", mean)
        s = state(explorer_page)
        h = s["hypothetical"]
        assert h["n"] == max(1, round(10 ** h["n_slider"]))
        lam = pp.shrinkage_factor(
            float(h["n"]), sigma_alpha=s["sigma_alpha"], sigma_y=model.fit.sigma_y
        )
        np.testing.assert_allclose(h["lambda"], lam, rtol=RTOL)
        np.testing.assert_allclose(h["alpha"], lam * h["mean"] + (1 - lam) * s["mu"], rtol=RTOL)
        # It is not part of the fit: the real groups are where the package puts them.
        assert_matches_package(explorer_page, model, s["sigma_alpha"])
        text = explorer_page.locator("#pp-readout").inner_text()
        assert f"your group (n = {h['n']}" in text
        assert explorer_page.locator("#pp-hyp-n").get_attribute("aria-valuetext") == (
            f"n = {h['n']}"
        )
    assert state(explorer_page)["hypothetical"] != before["hypothetical"]


def test_redraw_fits_in_an_animation_frame(explorer_page):
    """performance.now() around each redraw on radon (the slider swept end to end)."""
    sweep = np.linspace(-3, 1, 81).tolist()
    explorer_page.evaluate("(v) => window.ppExplorer.timeRedraws(v)", sweep)  # warm up
    times = np.array(explorer_page.evaluate("(v) => window.ppExplorer.timeRedraws(v)", sweep))
    print(
        f"\nexplorer redraw on radon: median {np.median(times):.2f} ms, "
        f"95th percentile {np.percentile(times, 95):.2f} ms, max {times.max():.2f} ms"
    )
    assert np.median(times) < 16, times


def test_random_slopes_redraw_fits_in_an_animation_frame(explorer_page):
    sweep = np.linspace(-2, 1, 61).tolist()
    explorer_page.wait_for_function("() => window.ppSlopes && window.ppSlopes.state !== null")
    explorer_page.evaluate("(v) => window.ppSlopes.timeRedraws(v)", sweep)  # warm up
    times = np.array(explorer_page.evaluate("(v) => window.ppSlopes.timeRedraws(v)", sweep))
    explorer_page.locator("#pp-slopes-reset").click()
    print(
        f"\nrandom-slopes redraw on sleepstudy: median {np.median(times):.2f} ms, "
        f"95th percentile {np.percentile(times, 95):.2f} ms, max {times.max():.2f} ms"
    )
    assert np.median(times) < 16, times


# --- random slopes in two dimensions ---------------------------------------------------------

SLEEP = {"y": "Reaction", "group": "Subject", "x": "Days"}


@pytest.fixture(scope="module")
def sleep_fit():
    data = datasets.sleepstudy()
    return data, pp.fit_random_slopes(
        data, y=SLEEP["y"], group=SLEEP["group"], x=[SLEEP["x"]], method="REML"
    )


def slopes_state(page) -> dict:
    page.wait_for_function("() => window.ppSlopes && window.ppSlopes.state !== null")
    return page.evaluate("() => JSON.parse(JSON.stringify(window.ppSlopes.state))")


def assert_slopes_match_package(s: dict, data) -> None:
    mu, coef = explorer.random_slopes_at(
        data, **SLEEP, sigma_alpha=s["sd"], sigma_y=s["sigma_y"], corr=s["corr"]
    )
    assert s["labels"] == [str(v) for v in coef.index]
    np.testing.assert_allclose(s["mu"], mu.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(s["coef"], coef.to_numpy(), rtol=1e-10)


def test_random_slopes_start_at_the_reml_fit(explorer_page, sleep_fit):
    data, fit = sleep_fit
    explorer_page.locator("#pp-slopes-reset").click()
    s = slopes_state(explorer_page)
    assert s["exact_corr"] and s["corr"] == fit.corr
    np.testing.assert_allclose(s["sd"], fit.sd.to_numpy(), rtol=1e-15)
    assert s["sigma_y"] == fit.sigma_y
    np.testing.assert_allclose(s["mu"], fit.fixed.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(s["coef"], fit.coef.to_numpy(), rtol=1e-10)
    assert_slopes_match_package(s, data)
    drawn = explorer_page.locator("#pp-slopes-svg g.pp-group").count()
    assert drawn == len(fit.coef)


@pytest.mark.parametrize(
    "sd0, sd1, corr", [(-2.0, 0.0, 0.5), (0.0, -2.0, -0.3), (1.0, 1.0, 1.0), (0.4, -0.7, -1.0)]
)
def test_random_slopes_controls_recompute_exactly(explorer_page, sleep_fit, sd0, sd1, corr):
    data, fit = sleep_fit
    set_range(explorer_page, "#pp-slopes-sd0", sd0)
    set_range(explorer_page, "#pp-slopes-sd1", sd1)
    set_range(explorer_page, "#pp-slopes-corr", corr)
    s = slopes_state(explorer_page)
    assert not s["exact_corr"] and s["corr"] == corr
    np.testing.assert_allclose(s["sd"], fit.sd.to_numpy() * 10.0 ** np.array([sd0, sd1]))
    assert_slopes_match_package(s, data)
    text = explorer_page.locator("#pp-slopes-readout").inner_text()
    assert "population pair (GLS)" in text and f"{s['mu'][0]:.6g}" in text.replace("−", "-")
    if sd1 == -2.0:  # the slopes are pulled almost onto the population slope
        slopes = np.array(s["coef"])[:, 1]
        assert np.ptp(slopes) < 0.1 * np.ptp(fit.coef.to_numpy()[:, 1])
    explorer_page.locator("#pp-slopes-reset").click()
    assert slopes_state(explorer_page)["exact_corr"]


def test_random_slopes_are_keyboard_operable_and_labelled(explorer_page):
    corr = explorer_page.locator("#pp-slopes-corr")
    corr.focus()
    before = slopes_state(explorer_page)["corr"]
    corr.press("ArrowRight")
    s = slopes_state(explorer_page)
    assert s["corr"] > before
    assert corr.get_attribute("aria-valuetext").startswith("correlation r01 = ")
    assert explorer_page.locator("#pp-slopes-readout").get_attribute("aria-live") == "polite"
    assert explorer_page.locator("#pp-slopes-svg > title").text_content().strip()
    explorer_page.locator("#pp-slopes-reset").focus()
    explorer_page.keyboard.press("Enter")
    assert slopes_state(explorer_page)["exact_corr"]


def test_slopes_data_file_is_the_package_payload(site_context, site_url):
    url = urljoin(site_url, "assets/generated/slopes-sleepstudy.json")
    response = site_context.request.get(url)
    assert response.status == 200
    assert json.loads(response.text()) == explorer.slopes_payload()
