"""The two logistic random-intercept models the binomial tests compare with lme4's glmer.

Each entry: a loader of the frame, the column arguments of `fit_binomial`, and lme4's names of
the fixed effects in the order (mu, beta...).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from partial_pooling import datasets

DATA = Path(__file__).parent / "data"


def cbpp() -> pd.DataFrame:
    """lme4's cbpp with indicators of periods 2-4 (R's treatment contrasts of ``period``)."""
    frame = datasets.cbpp()
    for k in ("2", "3", "4"):
        frame[f"period{k}"] = (frame["period"] == k).astype(float)
    return frame


def bacteria() -> pd.DataFrame:
    """MASS's bacteria (tests/data/bacteria.csv, written by binomial_glmer.R; y = 1 for "y")
    with indicators of the treatments (placebo the baseline) and of week > 2."""
    frame = pd.read_csv(DATA / "bacteria.csv", dtype={"ID": str, "trt": str})
    frame["drug"] = (frame["trt"] == "drug").astype(float)
    frame["drug_plus"] = (frame["trt"] == "drug+").astype(float)
    frame["late"] = (frame["week"] > 2).astype(float)
    return frame


MODELS: dict[str, tuple[Callable[[], pd.DataFrame], dict[str, Any], list[str]]] = {
    "cbpp": (
        cbpp,
        {
            "y": "incidence",
            "trials": "size",
            "group": "herd",
            "x": ["period2", "period3", "period4"],
        },
        ["(Intercept)", "period2", "period3", "period4"],
    ),
    "bacteria": (
        bacteria,
        {"y": "y", "group": "ID", "x": ["drug", "drug_plus", "late"]},
        ["(Intercept)", "trtdrug", "trtdrug+", "I(week > 2)TRUE"],
    ),
}
