"""fit.predict(newdata) on both fits: groups of the data and new groups, against statsmodels.

statsmodels' ``fittedvalues`` include each group's predicted random effects and its
``predict()`` leaves them out (the fixed part alone): the two cases of a seen and a new group.
"""

from __future__ import annotations

import numpy as np
import pytest

import partial_pooling as pp
from partial_pooling.site.crosscheck import statsmodels_mixedlm

MODELS = {
    # name: (data set, y, group, x, random-slopes formula or None)
    "random intercept (radon)": ("radon", "log_radon", "county", "floor", None),
    "random slopes (sleepstudy)": ("sleepstudy", "Reaction", "Subject", "Days", "~Days"),
}


@pytest.mark.parametrize("name", MODELS)
def test_predictions_are_statsmodels_fitted_values_and_fixed_part(name, request):
    data_name, y, group, x, re_formula = MODELS[name]
    data = request.getfixturevalue(data_name)
    fit = (
        pp.fit_random_slopes(data, y=y, group=group, x=x)
        if re_formula
        else pp.fit_random_intercept(data, y=y, group=group, x=x)
    )
    sm = statsmodels_mixedlm(data, y=y, group=group, x=x, re_formula=re_formula)
    seen = fit.predict(data)
    assert seen["known_group"].all()
    np.testing.assert_allclose(seen["point"], sm.result.fittedvalues, rtol=1e-7)
    new = data.assign(**{group: "a group not in the data"})
    unseen = fit.predict(new)
    assert not unseen["known_group"].any()
    np.testing.assert_allclose(unseen["point"], sm.result.predict(new), rtol=1e-7)
    # a new group's interval is wider: sigma_alpha^2, not sigma_alpha^2 (1 - lambda_j)
    if not re_formula:
        assert (unseen["sd"] > seen["sd"]).all()


def test_a_mix_of_seen_and_new_groups_is_predicted_row_by_row(sleepstudy):
    fit = pp.fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x="Days")
    rows = sleepstudy.iloc[[0, 15]].assign(Subject=["308", "new"])
    got = fit.predict(rows)
    assert got["known_group"].tolist() == [True, False]
    z = np.array([1.0, rows["Days"].iloc[0]])
    assert got["point"].iloc[0] == pytest.approx(fit.coef.loc["308"].to_numpy() @ z, rel=1e-14)
    z = np.array([1.0, rows["Days"].iloc[1]])
    assert got["point"].iloc[1] == pytest.approx(fit.fixed.to_numpy() @ z, rel=1e-14)


@pytest.mark.parametrize("which", ["intercept", "slopes"])
def test_predict_names_a_missing_column_or_a_bad_value(sleepstudy, which):
    fit = (
        pp.fit_random_intercept(sleepstudy, y="Reaction", group="Subject", x="Days")
        if which == "intercept"
        else pp.fit_random_slopes(sleepstudy, y="Reaction", group="Subject", x="Days")
    )
    with pytest.raises(ValueError, match=r"lacks the column.*Days"):
        fit.predict(sleepstudy.drop(columns="Days"))
    with pytest.raises(ValueError, match=r"non-finite covariate values.*Days"):
        fit.predict(sleepstudy.assign(Days=np.nan))
