"""The folded checks of the pages: a failing comparison fails the cell, passing ones fold."""

import numpy as np
import pytest

from partial_pooling.site.checks import Checks


def test_a_comparison_outside_its_tolerance_raises_naming_it():
    checks = Checks("statsmodels")
    with pytest.raises(AssertionError, match="sigma_alpha"):
        checks.close("sigma_alpha", 1.0, 1.0 + 1e-6, rtol=1e-8)


def test_a_false_statement_raises_naming_it():
    with pytest.raises(AssertionError, match="positive psi"):
        Checks("x").holds("positive psi", np.float64(-1.0) > 0)


def test_shape_mismatch_raises_rather_than_broadcasting():
    with pytest.raises(AssertionError):
        Checks("x").close("intercepts", [1.0, 1.0], [1.0, 1.0, 1.0])


def test_summary_reports_the_worst_relative_difference_over_all_comparisons():
    checks = Checks("the closed form")
    checks.close("a", [1.0, 2.0], [1.0, 2.0 * (1 + 3e-12)])
    checks.close("b", 4.0, 4.0 * (1 + 5e-10))
    checks.holds("c", True)
    assert checks.count == 3
    assert checks.worst == pytest.approx(5e-10, rel=1e-3)
    assert checks.summary() == "✓ 3 checks pass: agrees with the closed form to 5e-10"


def test_rendering_is_one_folded_line_with_escaped_labels():
    checks = Checks("<statsmodels>")
    checks.close("mu & beta", 1.0, 1.0)
    out = checks._repr_html_()
    assert out.startswith('<details class="pp-checks"><summary>')
    assert "<statsmodels>" not in out and "&lt;statsmodels&gt;" in out
    assert "mu &amp; beta" in out
    assert "agrees with &lt;statsmodels&gt; exactly" in out


def test_pandas_objects_are_compared_label_by_label():
    import pandas as pd

    checks = Checks("x")
    ours = pd.Series([1.0, 2.0], index=["a", "b"])
    checks.close("same labels, other order", ours, pd.Series([2.0, 1.0], index=["b", "a"]))
    with pytest.raises(AssertionError, match="different labels"):
        checks.close("other labels", ours, pd.Series([1.0, 2.0], index=["a", "c"]))
    frame = pd.DataFrame({"p": [1.0, 2.0], "q": [3.0, 4.0]}, index=["a", "b"])
    checks.close("frames", frame, frame.loc[["b", "a"], ["q", "p"]])
    assert checks.count == 2 and checks.worst == 0.0


def test_table_checks_every_row_and_shows_what_it_checked():
    checks = Checks("statsmodels")
    text = checks.table(
        [
            ("mu", 1.0, 1.0 + 2e-10),
            ("sigma_y", 2.0, 2.0 * (1 + 1e-7), "its optimizer", {"rtol": 1e-6}),
        ],
        columns=("REML", "ours", "statsmodels"),
        digits=3,
    )
    lines = text.splitlines()
    assert lines[0] == "| REML | ours | statsmodels | checked by | relative difference |"
    assert lines[2] == "| mu | 1.000 | 1.000 |  | 2.0e-10 |"
    assert lines[3] == "| sigma_y | 2.000 | 2.000 | its optimizer | 1.0e-07 |"
    assert [c.label for c in checks.comparisons] == ["mu", "sigma_y (its optimizer)"]
    assert [c.rtol for c in checks.comparisons] == [1e-8, 1e-6]
    with pytest.raises(AssertionError, match="beta"):
        checks.table([("beta", 1.0, 1.1)])
