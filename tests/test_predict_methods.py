"""fit.predict(newdata) on both fits: groups of the data and new groups, against statsmodels.

statsmodels' ``fittedvalues`` include each group's predicted random effects and its
``predict()`` leaves them out (the fixed part alone): the two cases of a seen and a new group.
"""

from __future__ import annotations

import numpy as np
import pytest

import partial_pooling as pp
from partial_pooling.site.crosscheck import statsmodels_mixedlm


def test_random_intercept_predictions_are_statsmodels_fitted_values_and_fixed_part(radon):
    fit = pp.fit_random_intercept(radon, "log_radon", "county", "floor")
    sm = statsmodels_mixedlm(radon, "log_radon", "county", "floor")
    seen = fit.predict(radon)
    assert seen["known_group"].all()
    np.testing.assert_allclose(seen["point"], sm.result.fittedvalues, rtol=1e-7)
    new = radon.assign(county="a county not in the data")
    unseen = fit.predict(new)
    assert not unseen["known_group"].any()
    np.testing.assert_allclose(unseen["point"], sm.result.predict(new), rtol=1e-7)
    # the new group's interval is wider: sigma_alpha^2 against sigma_alpha^2 (1 - lambda_j)
    assert (unseen["sd"] > seen["sd"]).all()


def test_random_slopes_predictions_are_statsmodels_fitted_values_and_fixed_part(sleepstudy):
    fit = pp.fit_random_slopes(sleepstudy, "Reaction", "Subject", "Days")
    sm = statsmodels_mixedlm(sleepstudy, "Reaction", "Subject", "Days", re_formula="~Days")
    seen = fit.predict(sleepstudy)
    assert seen["known_group"].all()
    np.testing.assert_allclose(seen["point"], sm.result.fittedvalues, rtol=1e-7)
    new = sleepstudy.assign(Subject="999")
    unseen = fit.predict(new)
    assert not unseen["known_group"].any()
    np.testing.assert_allclose(unseen["point"], sm.result.predict(new), rtol=1e-7)


def test_a_mix_of_seen_and_new_groups_is_predicted_row_by_row(sleepstudy):
    fit = pp.fit_random_slopes(sleepstudy, "Reaction", "Subject", "Days")
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
        pp.fit_random_intercept(sleepstudy, "Reaction", "Subject", "Days")
        if which == "intercept"
        else pp.fit_random_slopes(sleepstudy, "Reaction", "Subject", "Days")
    )
    with pytest.raises(ValueError, match=r"lacks the column.*Days"):
        fit.predict(sleepstudy.drop(columns="Days"))
    with pytest.raises(ValueError, match=r"non-finite covariate values.*Days"):
        fit.predict(sleepstudy.assign(Days=np.nan))
