import os
import sys

import pandas as pd
import pytest

from partial_pooling import datasets, grouped


def _openblas_kernels() -> list[str]:
    from threadpoolctl import threadpool_info

    return [
        str(info.get("architecture"))
        for info in threadpool_info()
        if info.get("internal_api") == "openblas"
    ]


def pytest_configure(config: pytest.Config) -> None:
    """The portability check (``make portability``) runs the tests under a second OpenBLAS
    kernel and names the first in ``PP_OTHER_KERNEL``: stop unless every OpenBLAS library
    loaded another kernel. A misspelt or unsupported ``OPENBLAS_CORETYPE`` falls back to the
    default kernel without an error, and the check would prove nothing."""
    other = os.environ.get("PP_OTHER_KERNEL")
    if other:
        kernels = _openblas_kernels()
        if not kernels or any(k.lower() in other.lower().split(",") for k in kernels):
            raise pytest.UsageError(
                f"the portability check should run another OpenBLAS kernel than {other}, but "
                f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')} runs "
                f"{', '.join(kernels) or 'no OpenBLAS'}: choose another with KERNEL2=..."
            )


def pytest_report_header(config: pytest.Config) -> str:
    return f"OpenBLAS kernels: {', '.join(_openblas_kernels()) or 'none loaded'}"


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

    def counting(data, *, y, group, **kwargs):
        calls.append((y, group))
        return original(data, y=y, group=group, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("partial_pooling") and getattr(module, "group_data", None) is original:
            monkeypatch.setattr(module, "group_data", counting)
    return calls
