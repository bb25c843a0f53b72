"""One way in: every formula is one implementation, reached by `Model` and by a free function.

The free functions (``pp.group_intercepts(data, y=..., ...)``) are made by
`partial_pooling.on_data.on_data` from a private implementation on grouped data; `Model`'s
method of the same name calls the same implementation. These tests find every such function
in the package, and check that it and the method have one shape (the same keyword arguments
and defaults), give the same numbers on real data, take every argument but the data frame by
name only, and are documented on the API pages with the signature a caller sees.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import griffe
import numpy as np
import pandas as pd
import pytest

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.on_data import DATA_PARAMETERS, X_PARAMETER

ROOT = Path(__file__).parents[1]
RADON = {"y": "log_radon", "group": "county", "x": "floor"}
SLEEP = {"y": "Reaction", "group": "Subject", "x": "Days"}
#: A Model method whose name is not its free function's.
METHOD = {"fit_random_intercept": "fit"}


def _free_functions() -> dict[str, object]:
    found = {}
    for info in pkgutil.walk_packages(pp.__path__, "partial_pooling."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and hasattr(obj, "grouped") and obj.__module__ == info.name:
                found[f"{info.name}.{name}"] = obj
    return found


FREE = _free_functions()
NAMES = {path.rsplit(".", 1)[1]: fn for path, fn in FREE.items()}


#: Free functions that cannot be made by on_data, each with the reason.
BY_HAND = {
    "fit_binomial": "takes a second count column (trials) that GroupedData does not carry",
    "binomial_loglik": "takes a second count column (trials) that GroupedData does not carry",
}


def test_every_function_that_starts_from_the_data_is_made_by_on_data():
    # no module but the site's (pages' own helpers) defines a public function taking
    # (data, y, group, ...) by hand: those are the twins this layer replaced
    by_hand = []
    for info in pkgutil.walk_packages(pp.__path__, "partial_pooling."):
        if ".site" in info.name or ".cli" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isfunction(obj)
                and obj.__module__ == info.name
                and not name.startswith("_")
                and not hasattr(obj, "grouped")
                and {"data", "y", "group"} <= set(inspect.signature(obj).parameters)
                and name != "group_data"  # the grouping itself
                and name not in BY_HAND
            ):
                by_hand.append(f"{info.name}.{name}")
    assert by_hand == []
    assert len(FREE) == 23


@pytest.mark.parametrize("path", sorted(FREE))
def test_the_implementation_is_private_in_the_same_module(path):
    fn = FREE[path]
    module, name = path.rsplit(".", 1)
    impl = fn.grouped
    assert impl.__name__ == f"_{name}" and impl.__module__ == module
    assert getattr(importlib.import_module(module), f"_{name}") is impl
    assert fn.__name__ == name and fn.__doc__.startswith(impl.__doc__.strip().split("\n")[0])


@pytest.mark.parametrize("path", sorted(FREE))
def test_the_free_function_and_the_model_method_have_one_shape(path):
    fn = FREE[path]
    name = path.rsplit(".", 1)[1]
    method = getattr(pp.Model, METHOD.get(name, name))
    free = list(inspect.signature(fn).parameters.values())
    assert [p.name for p in free[:3]] == ["data", "y", "group"]
    assert all(p.kind is p.KEYWORD_ONLY for p in free[1:])
    own = [p for p in free[1:] if p.name not in ("y", "group", "x")]
    on_model = list(inspect.signature(method).parameters.values())[1:]
    assert [(p.name, p.default) for p in own] == [(p.name, p.default) for p in on_model]
    assert all(p.kind is p.KEYWORD_ONLY for p in on_model)


@pytest.mark.parametrize("path", sorted(FREE))
def test_the_docstring_documents_every_argument_once(path):
    fn = FREE[path]
    doc = fn.__doc__
    params = inspect.signature(fn).parameters
    assert doc.count(DATA_PARAMETERS) == 1
    if "x" in params:
        entry = next(v for k, v in X_PARAMETER.items() if v and v.split("\n")[0] in doc)
        assert doc.count(entry) == 1
    section = doc.split("Parameters\n----------\n", 1)[1].split("\n\n", 1)[0]
    named = [line.split(" :")[0] for line in section.splitlines() if not line.startswith(" ")]
    listed = {n.strip() for entry in named for n in entry.split(",")}
    assert {"data", "y", "group"} <= listed
    assert len(named) == len(set(named))


def _value(result: object) -> object:
    """Numbers of a result, for an exact comparison."""
    if isinstance(result, pd.Series | pd.DataFrame):
        return result.to_numpy()
    if isinstance(result, float | int | np.ndarray):
        return result
    if hasattr(result, "edf"):  # a ridge fit or path
        return np.r_[np.ravel(result.alpha.to_numpy()), np.ravel(result.mu), np.ravel(result.edf)]
    if hasattr(result, "alpha"):
        return np.r_[result.alpha.to_numpy(), result.fixed.to_numpy(), result.loglik]
    if hasattr(result, "coef"):
        return np.r_[result.coef.to_numpy().ravel(), result.loglik]
    if hasattr(result, "per_rep"):
        return result.per_rep.to_numpy()
    if hasattr(result, "gls"):
        return np.r_[result.gls, result.within, result.between, result.weight]
    if isinstance(result, dict):
        return np.array(list(result.values()))
    raise TypeError(f"no numbers to compare in {type(result).__name__}")


def _arguments(name: str) -> tuple[pd.DataFrame, dict, dict]:
    """Data, columns and arguments of a valid call of the free function ``name``."""
    if name in ("fit_random_slopes", "group_ols", "coefficient_shrinkage"):
        return datasets.sleepstudy(), SLEEP, {}
    if name == "one_way_anova":
        return datasets.dyestuff(), {"y": "Yield", "group": "Batch"}, {}
    at = {"sigma_alpha": 0.33, "sigma_y": 0.75}
    fit = pp.fit_random_intercept(datasets.radon(), **RADON)
    table = {
        "group_intercepts": {"mu": 1.5, "beta": -0.7, **at},
        "pooled_mean": {"beta": -0.7, **at},
        "joint_loglik": {"alpha": fit.alpha, "beta": -0.7, "mu": 1.5, **at},
        "marginal_loglik": {"mu": 1.5, "beta": -0.7, **at},
        "reml_loglik": at,
        "decompose_beta": at,
        "slope_path": {"sigma_y": 0.75, "sigma_alpha": [0.0, 0.33, 1.0]},
        "profile_loglik": {"psi": [0.1, 0.2]},
        "ridge_intercepts": {"penalty": 5.0},
        "ridge_path": {"penalties": [1.0, 5.0]},
        "em_path": {**at, "max_iter": 5},
        "joint_mode_path": {**at, "max_iter": 5},
        "psi_posterior": {"psi": [0.1, 0.2, 0.4]},
        "posterior_intercepts": {"psi": [0.1, 0.2, 0.4]},
        "gibbs_sampler": {"n_iter": 20, "burn_in": 5},
        "prediction_coverage": {"reps": 2},
    }
    return datasets.radon(), RADON, table.get(name, {})


@pytest.mark.parametrize("name", sorted(NAMES))
def test_the_free_function_is_the_model_method_on_the_same_data(name):
    data, columns, arguments = _arguments(name)
    method = getattr(pp.Model(data, **columns), METHOD.get(name, name))
    if "rng" in inspect.signature(NAMES[name]).parameters:
        free = NAMES[name](data, **columns, **arguments, rng=np.random.default_rng(3))
        on_model = method(**arguments, rng=np.random.default_rng(3))
    else:
        free = NAMES[name](data, **columns, **arguments)
        on_model = method(**arguments)
    np.testing.assert_array_equal(_value(free), _value(on_model))


@pytest.mark.parametrize("name", sorted(NAMES))
def test_columns_passed_by_position_are_refused(name):
    data, columns, _ = _arguments(name)
    with pytest.raises(TypeError, match="positional argument"):
        NAMES[name](data, *columns.values())


def test_a_function_without_covariates_refuses_x_naming_itself():
    with pytest.raises(TypeError, match=r"one_way_anova\(\) takes no covariates x"):
        pp.one_way_anova(datasets.dyestuff(), y="Yield", group="Batch", x="Batch")


def test_a_function_of_one_covariate_refuses_two_naming_itself():
    with pytest.raises(ValueError, match="decompose_beta"):
        pp.decompose_beta(
            datasets.radon(),
            y="log_radon",
            group="county",
            x=["floor", "uranium"],
            sigma_alpha=0.3,
            sigma_y=0.7,
        )


def test_the_api_pages_document_each_free_function_with_its_signature_and_docstring():
    # what mkdocstrings renders: Griffe's view of the package with the site's extension
    extensions = griffe.load_extensions(str(ROOT / "scripts" / "griffe_on_data.py"))
    package = griffe.load(
        "partial_pooling",
        search_paths=[str(ROOT / "src")],
        extensions=extensions,
        docstring_parser="numpy",
    )
    for path, fn in FREE.items():
        doc = package[path.removeprefix("partial_pooling.")]
        assert doc.is_function, path
        assert [p.name for p in doc.parameters] == list(inspect.signature(fn).parameters), path
        assert doc.docstring.value == inspect.getdoc(fn), path
        kinds = [s.kind.value for s in doc.docstring.parsed]
        assert "parameters" in kinds, path


def test_without_the_extension_griffe_would_document_an_attribute():
    # the extension is needed: Griffe alone sees ``name = on_data(...)`` as a variable
    package = griffe.load("partial_pooling", search_paths=[str(ROOT / "src")])
    assert package["shrinkage.group_intercepts"].is_attribute
