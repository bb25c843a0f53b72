import pandas as pd
import pytest

from partial_pooling import datasets


@pytest.fixture(scope="session")
def radon() -> pd.DataFrame:
    return datasets.radon()


@pytest.fixture(scope="session")
def sleepstudy() -> pd.DataFrame:
    return datasets.sleepstudy()
