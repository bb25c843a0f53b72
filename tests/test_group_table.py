"""fit.group_table(): one row per group, each column the fit's own value for that group's label,
and the comparison columns the two limits' values."""

from __future__ import annotations

import numpy as np
import pytest

import partial_pooling as pp


def test_the_intercepts_table_is_the_fits_values_by_label(radon):
    model = pp.Model(radon, y="log_radon", group="county", x="floor")
    fit, none, complete = model.fit(), model.no_pooling(), model.complete_pooling()
    table = fit.group_table(none=none, complete=complete).set_index("group")
    assert list(table.index) == list(fit.alpha.index)
    for column, series in {
        "n_j": fit.n,
        "ybar_j": fit.ybar,
        "lambda_j": fit.shrinkage,
        "alpha_j": fit.alpha,
        "cond_sd_j": fit.cond_sd,
        "alpha_none_j": none.alpha,
        "alpha_complete_j": complete.alpha,
    }.items():
        np.testing.assert_array_equal(table[column].to_numpy(), series.loc[table.index].to_numpy())
    # the adjusted mean from its definition: ybar_j - xbar_j' beta
    adjusted = fit.ybar - fit.xbar["floor"] * fit.beta["floor"]
    np.testing.assert_allclose(table["ybar_adj_j"], adjusted.loc[table.index], rtol=1e-13)
    assert list(fit.group_table().columns) == [
        "group", "n_j", "ybar_j", "ybar_adj_j", "lambda_j", "alpha_j", "cond_sd_j"
    ]


def test_the_slopes_table_is_coef_and_ranef_by_label(sleepstudy):
    model = pp.Model(sleepstudy, y="Reaction", group="Subject", x="Days")
    fit = model.fit_random_slopes()
    table = fit.group_table(complete=model.complete_pooling(), lines=model.group_ols())
    table = table.set_index("group")
    np.testing.assert_array_equal(table["intercept_j"], fit.coef["Intercept"].loc[table.index])
    np.testing.assert_array_equal(table["slope_Days_j"], fit.coef["Days"].loc[table.index])
    np.testing.assert_array_equal(table["a_Days_j"], fit.ranef["Days"].loc[table.index])
    # each subject's own least-squares line, independently with numpy
    for label in ["308", "372"]:
        rows = sleepstudy[sleepstudy["Subject"] == label]
        slope, intercept = np.polyfit(rows["Days"], rows["Reaction"], 1)
        assert table.loc[label, "slope_Days_none_j"] == pytest.approx(slope, rel=1e-10)
        assert table.loc[label, "intercept_none_j"] == pytest.approx(intercept, rel=1e-10)
    assert np.ptp(table["slope_Days_complete_j"]) == 0


def test_two_columns_of_one_name_are_refused(sleepstudy):
    data = sleepstudy.assign(Days_none=sleepstudy["Days"] ** 0.5)
    fit = pp.fit_random_slopes(data, y="Reaction", group="Subject", x=["Days", "Days_none"])
    lines = pp.Model(data, y="Reaction", group="Subject", x=["Days", "Days_none"]).group_ols()
    with pytest.raises(ValueError, match="two columns named 'slope_Days_none_j'"):
        fit.group_table(lines=lines)
