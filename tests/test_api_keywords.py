"""The variances can only be passed by name: a swapped sigma_alpha and sigma_y is an error.

Every public function (from every module's ``__all__``) that takes ``sigma_alpha`` or
``sigma_y`` takes them as keyword-only arguments, and a positional call raises ``TypeError``
instead of silently computing with the two exchanged.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import partial_pooling
from partial_pooling import datasets, decompose_beta, shrinkage_factor

VARIANCES = ("sigma_alpha", "sigma_y")


def _public_functions():
    names = [partial_pooling.__name__] + [
        m.name for m in pkgutil.walk_packages(partial_pooling.__path__, "partial_pooling.")
    ]
    seen = {}
    for name in names:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isfunction(obj):
                seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return seen


FUNCTIONS = {
    name: fn
    for name, fn in _public_functions().items()
    if any(v in inspect.signature(fn).parameters for v in VARIANCES)
}


def test_there_are_functions_with_variance_arguments_to_check():
    assert len(FUNCTIONS) >= 15


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_variance_arguments_are_keyword_only(name):
    parameters = inspect.signature(FUNCTIONS[name]).parameters
    for variance in VARIANCES:
        if variance in parameters:
            assert parameters[variance].kind is inspect.Parameter.KEYWORD_ONLY, variance


def test_a_positional_call_with_the_variances_is_refused():
    with pytest.raises(TypeError):
        shrinkage_factor(4, 1.0, 2.0)  # type: ignore[misc]
    with pytest.raises(TypeError):
        decompose_beta(datasets.radon(), "log_radon", "county", "floor", 0.3, 0.75)  # type: ignore[misc]
    assert shrinkage_factor(4, sigma_alpha=1.0, sigma_y=2.0) == 0.5
