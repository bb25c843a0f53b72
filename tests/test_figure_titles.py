"""Figure titles state what the data show, computed from the data: never a claim typed by hand."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from partial_pooling import datasets, plotting
from partial_pooling.site import figures
from partial_pooling.site import pooling_pays as pays


def title(fig) -> str:
    text = fig.axes[0].get_title()
    plt.close(fig)
    return text


def total_squared_error(column: pd.Series, truth: pd.Series) -> float:
    return float(((column.to_numpy() - truth.to_numpy()) ** 2).sum())


def test_the_efron_morris_title_counts_the_players_and_states_the_comparison_it_draws():
    frame = datasets.efron_morris()
    estimates = pays.baseball_estimates(frame, method="REML")
    truth = estimates["rest_average"]
    better = total_squared_error(estimates["partial"], truth) < total_squared_error(
        estimates["none"], truth
    )
    assert better  # Efron and Morris's finding, on their data
    shown = title(figures.efron_morris_plot(estimates, label=[], method="REML"))
    assert f"{frame['name'].nunique()} players" in shown
    assert shown.endswith("shrinking toward the mean predicts better")


def test_the_efron_morris_title_says_so_when_shrinking_does_not_predict_better():
    estimates = pays.baseball_estimates(datasets.efron_morris(), method="REML").iloc[:12].copy()
    # a season where every player's rest-of-season average is his first-45 average
    estimates["rest_average"] = estimates["none"]
    assert total_squared_error(estimates["none"], estimates["rest_average"]) == 0.0
    assert not np.allclose(estimates["partial"], estimates["none"])
    shown = title(figures.efron_morris_plot(estimates, label=[], method="REML"))
    assert "12 players" in shown
    assert shown.endswith("shrinking toward the mean does not predict better")


def risk_summary(rel_complete: list[float]) -> pd.DataFrame:
    """A `mse_summary`-shaped table: three ratios, no pooling the reference."""
    ratio = pd.Index([0.25, 1.0, 4.0], name="ratio")
    rel = {"complete": rel_complete, "none": [1.0, 1.0, 1.0], "partial": [0.4, 0.7, 0.95]}
    columns = {}
    for name, values in rel.items():
        columns[f"mse_{name}"] = np.array(values) * 0.1
        columns[f"se_{name}"] = np.full(3, 0.001)
        columns[f"rel_{name}"] = values
        columns[f"rel_se_{name}"] = np.full(3, 0.01)
    return pd.DataFrame(columns, index=ratio)


def right_panel_title(summary: pd.DataFrame) -> str:
    fig = figures.pooling_risk(summary)
    text = fig.axes[1].get_title()
    plt.close(fig)
    return text


def test_the_risk_figure_says_complete_pooling_leaves_the_panel_only_when_it_does():
    top = 1.3  # the right panel's upper limit
    leaves = risk_summary([0.5, 1.1, 9.0])
    assert (leaves["rel_complete"] > top).any()
    assert right_panel_title(leaves) == (
        f"Relative to no pooling\n({plotting.LABELS['complete']} above {top:g}: off the panel)"
    )
    stays = risk_summary([0.5, 0.9, 1.2])
    assert not (stays[[c for c in stays if c.startswith("rel_")]] > top).any().any()
    assert right_panel_title(stays) == "Relative to no pooling"
