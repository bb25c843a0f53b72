import sys

import pandas as pd
import pytest

from partial_pooling import datasets, grouped


@pytest.fixture(scope="session")
def radon() -> pd.DataFrame:
    return datasets.radon()


@pytest.fixture(scope="session")
def sleepstudy() -> pd.DataFrame:
    return datasets.sleepstudy()


@pytest.fixture
def count_grouping(monkeypatch) -> list[tuple]:
    """Count the calls of `group_data`, wherever a module of the package imported it: the
    list of (y, group) of each call."""
    calls: list[tuple] = []
    original = grouped.group_data

    def counting(*args, **kwargs):
        calls.append(args[1:3])
        return original(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("partial_pooling") and getattr(module, "group_data", None) is original:
            monkeypatch.setattr(module, "group_data", counting)
    return calls
