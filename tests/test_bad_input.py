"""Bad input to every public entry point raises a ValueError that names what is at fault.

The functions under test are not listed by hand: they are discovered from the ``__all__`` of
every module of the package, so a public function is covered by these cases the day it is added.
Each one is called with arguments built from its signature: the data and column names of the
case, and for every other parameter a valid value looked up *by parameter name* in ``VALID``. A
public function with a required parameter that ``VALID`` does not know fails
`test_every_required_parameter_has_a_valid_value`, which says what to add.

Each bad-data case is a small change to a clean data frame (one missing value, one string
column, one group...) and is run against every function that takes the arguments it is about;
the error must be a ``ValueError`` whose message names the column (or argument, or value) at
fault, in plain numbers. Legitimate edge cases, above all *some* groups of a single observation
as in the radon data, must fit.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

import partial_pooling
from partial_pooling import (
    complete_pooling,
    datasets,
    decompose_beta,
    fit_random_intercept,
    no_pooling,
    shrinkage_factor,
)
from partial_pooling.grouped import group_data
from partial_pooling.site import reference

# ---------------------------------------------------------------------------------------------
# The public API, from the ``__all__`` of every module (sub-packages included).

# Never imported: importing ``partial_pooling.__main__`` is running the command line.
NOT_IMPORTED = {"partial_pooling.__main__"}

# Public functions deliberately left out, each with the reason. A test checks that every name
# here is still public, so the list cannot rot.
EXCLUDED = {
    "main": "the command line (partial_pooling.cli.main); tests/test_cli.py runs it on bad input",
    "fit_mixed": "takes arrays and RandomTerm objects, not a data frame and column names; "
    "tests/test_mixed.py feeds it bad input (NaN, one level, constant slopes, too many effects)",
    "fit": "takes an lme4 formula, not column names by role; tests/test_formula.py feeds it bad "
    "input (syntax errors, unknown columns, missing values, one level, constant slopes, a bad "
    "method, new factor levels)",
    "parse_formula": "takes a formula string, no data; tests/test_formula.py checks its syntax "
    "errors",
    "relative_cholesky": "takes a fit's covariance matrix (already checked), no data; "
    "tests/test_singular.py checks it against numpy",
    # partial_pooling.site.reference: dense computations the fits are checked against, called
    # by the tests and pages on data the package has already accepted; they validate nothing
    # themselves, so that they share no code with the package they check
    # partial_pooling.known_variance: one estimate y_j and standard error sigma_j per group,
    # passed as two sequences, not a data frame with a response column; its own suite of bad
    # input is in tests/test_known_variance.py (those taking mu or a method would land here)
    **dict.fromkeys(
        ["fit_tau", "marginal_loglik_tau", "partially_pooled", "score_at_zero"],
        "known-variance y and sigma sequences, not a data frame: tests/test_known_variance.py",
    ),
    # partial_pooling.site.two_classifications: the page's helpers take several grouping
    # columns (``groups=``); fit_intercepts goes through pp.fit (tests/test_formula.py feeds
    # it bad input), no_pooling_effects' own errors are in tests/test_two_classifications.py
    **dict.fromkeys(
        ["fit_intercepts", "intercept_terms", "no_pooling_effects", "unbalanced_penicillin"],
        "a page helper over several grouping columns: tests/test_two_classifications.py",
    ),
    **dict.fromkeys(
        [name for name in reference.__all__ if name != "Design"],  # Design: a result class
        "a dense reference for checks (partial_pooling.site.reference), not an entry point",
    ),
}

# The functions the hand-kept list covered before discovery replaced it.
ONCE_LISTED_BY_HAND = {
    "complete_pooling",
    "decompose_beta",
    "fit_random_intercept",
    "fit_random_slopes",
    "group_intercepts",
    "joint_loglik",
    "marginal_loglik",
    "no_pooling",
    "profile_loglik",
    "reml_loglik",
}


def _modules() -> list[ModuleType]:
    names = [partial_pooling.__name__] + [
        info.name
        for info in pkgutil.walk_packages(partial_pooling.__path__, partial_pooling.__name__ + ".")
    ]
    return [importlib.import_module(name) for name in names if name not in NOT_IMPORTED]


def _discover() -> dict[str, Callable[..., Any]]:
    """Every callable named in an ``__all__``, once, by name (module-qualified on a clash).

    Classes (the result types: `PoolingFit`, `BetaDecomposition`...) are not entry points that
    take data, and modules (``datasets`` in the package's ``__all__``) are walked in their own
    right.
    """
    found: dict[str, Callable[..., Any]] = {}
    seen: set[int] = set()
    for module in _modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) or isinstance(obj, ModuleType) or not callable(obj):
                continue
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            found[name if name not in found else f"{module.__name__}.{name}"] = obj
    return found


DISCOVERED = _discover()
PUBLIC = {name: fn for name, fn in DISCOVERED.items() if name not in EXCLUDED}


def _params(fn: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(fn).parameters)


def _base_names(annotation: object) -> set[str]:
    """``'str | Sequence[str] | None'`` -> ``{'str', 'Sequence', 'None'}``."""
    text = annotation if isinstance(annotation, str) else str(annotation)
    text = re.sub(r"<class '([^']*)'>", r"\1", text)
    return {part.strip().split("[")[0].rsplit(".", 1)[-1] for part in text.split("|")}


MANY = {"Sequence", "list", "tuple", "ndarray", "Series", "Index"}
ONE = {"str", "float", "int", "Hashable", "ColumnName"}  # ColumnName: the package's str | int


def _admits(fn: Callable[..., Any], name: str, kinds: set[str]) -> bool:
    p = _params(fn).get(name)
    return p is not None and bool(_base_names(p.annotation) & kinds)


def _admits_many(fn: Callable[..., Any], name: str) -> bool:
    return _admits(fn, name, MANY)


def _admits_one(fn: Callable[..., Any], name: str) -> bool:
    return _admits(fn, name, ONE)


def _takes_data(fn: Callable[..., Any]) -> bool:
    return "data" in _params(fn)


def _takes_method(fn: Callable[..., Any]) -> bool:
    # a fitting method is typed ``Method`` (ML or REML); figures' ``method: str`` is a label
    p = _params(fn).get("method")
    return p is not None and "Method" in _base_names(p.annotation)


# Parameters that have cases of their own (below) whatever else a function takes.
CHECKED_PARAMETERS = {"sigma_y", "sigma_alpha", "mu"}

ENTRY_POINTS = {
    name: fn
    for name, fn in PUBLIC.items()
    if _takes_data(fn) or _takes_method(fn) or CHECKED_PARAMETERS & set(_params(fn))
}
DATA_FUNCTIONS = {name: fn for name, fn in ENTRY_POINTS.items() if _takes_data(fn)}


def _with(name: str) -> list[str]:
    return [n for n, fn in ENTRY_POINTS.items() if name in _params(fn)]


# ---------------------------------------------------------------------------------------------
# A clean frame: 5 groups of 4, a covariate that varies within groups, a second covariate, a
# string column. Every bad case below is one change to it.


def clean() -> pd.DataFrame:
    rng = np.random.default_rng(20240611)
    J, n = 5, 4
    g = np.repeat([f"s{j}" for j in range(J)], n)
    x = rng.normal(size=J * n)
    x2 = rng.normal(size=J * n)
    y = 1.0 + 0.5 * x - 0.3 * x2 + rng.normal(0, 0.8, J)[np.arange(J * n) // n]
    y = y + rng.normal(0, 0.5, J * n)
    return pd.DataFrame(
        {"y": y, "x": x, "x2": x2, "g": g, "label": [f"L{i}" for i in range(J * n)]}
    )


@dataclass(frozen=True)
class Call:
    """The data and the column names one call passes (``x`` is None for a function without)."""

    data: pd.DataFrame
    y: Hashable = "y"
    group: Hashable = "g"
    x: Hashable | list[Hashable] | None = "x"


def _reference(fn: Callable[..., Any], data: pd.DataFrame, y: str, group: str, xs: list[str]):
    """A valid call of ``fn``: all of ``xs`` if it takes several covariates, else the first."""
    return Call(data, y, group, xs if _admits_many(fn, "x") else xs[0])


def _per_group(value: float) -> Callable[[Call, Call], object]:
    """``value`` for each group label of the call's data, as a Series indexed by label."""

    def make(call: Call, ref: Call) -> object:
        if call.group not in call.data.columns:
            return pd.Series(value, index=pd.Index([], dtype=object))
        labels = call.data[call.group].dropna()
        if any(isinstance(v, list) for v in labels):  # unhashable: one value per distinct label
            return [value] * len({tuple(v) if isinstance(v, list) else v for v in labels})
        return pd.Series(value, index=pd.Index(pd.unique(labels), tupleize_cols=False))

    return make


@dataclass(frozen=True)
class OneOrMany:
    """A value for a parameter typed either as one number or as a sequence of them."""

    one: object
    many: object


@dataclass(frozen=True)
class Derived:
    """A value made for each call: from the call itself, or from a valid call (``ref``)."""

    make: Callable[[Call, Call], object]


# A valid value for every parameter name a public entry point requires (and for some optional
# ones whose default would be slow or would skip the data). A new public function whose
# required parameter is not here fails test_every_required_parameter_has_a_valid_value.
VALID: dict[str, object] = {
    "sigma_alpha": OneOrMany(0.8, [0.4, 0.8]),
    "sigma_y": 0.5,
    "mu": 1.0,
    "beta": Derived(
        lambda call, ref: (
            None if call.x is None else [0.5] * len(call.x) if isinstance(call.x, list) else 0.5
        )
    ),
    "alpha": Derived(_per_group(0.0)),  # zero intercepts for the groups of the call's data
    "cond_var": Derived(_per_group(0.1)),
    "psi": OneOrMany(1.0, [0.5, 1.0, 2.0]),
    "penalty": 1.0,
    "penalties": [0.1, 1.0],
    "n_iter": 20,
    "burn_in": 10,
    "rng": Derived(lambda call, ref: np.random.default_rng(20240611)),
    "n": np.array([1, 4, 9]),  # group sizes
    "a": np.array([0.1, -0.2, 0.3]),  # deviations of the intercepts, one per group size
    "adjusted_ybar": np.array([0.2, -0.1, 0.4]),
    "reps": 2,
    "frame": Derived(lambda call, ref: datasets.efron_morris()),
    "stats": Derived(
        lambda call, ref: group_data(ref.data, y=ref.y, group=ref.group, x=ref.x).stats
    ),
    "fit": Derived(
        lambda call, ref: fit_random_intercept(ref.data, y=ref.y, group=ref.group, x=ref.x)
    ),
    "fits": Derived(
        lambda call, ref: [
            f(ref.data, y=ref.y, group=ref.group, x=ref.x)
            for f in (complete_pooling, no_pooling, fit_random_intercept)
        ]
    ),
    "groups": Derived(lambda call, ref: list(pd.unique(ref.data[ref.group]))[:2]),
}

ROLES = ("y", "group", "x")


def _arguments(
    fn: Callable[..., Any], call: Call, ref: Call, **override: object
) -> tuple[list[object], dict[str, object]]:
    """Positional and keyword arguments of a call of ``fn`` on ``call``, built by name."""
    params = _params(fn)
    if "x" not in params:
        call = replace(call, x=None)
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for name, p in params.items():
        if name in override:
            value = override[name]
            if not isinstance(value, list) and not _admits_one(fn, name):
                value = [value]
        elif name == "data":
            value = call.data
        elif name in ROLES:
            value = getattr(call, name)
        elif name in VALID:
            value = VALID[name]
            if isinstance(value, OneOrMany):
                value = value.one if _admits_one(fn, name) else value.many
            elif isinstance(value, Derived):
                value = value.make(call, ref)
            if isinstance(value, list) and not _admits_many(fn, name) and _admits_one(fn, name):
                value = value[0]  # e.g. beta for a function with one covariate
        elif p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        else:
            pytest.fail(
                f"{fn.__module__}.{fn.__name__} requires a parameter {name!r} that "
                f"tests/test_bad_input.py cannot fill: add a valid value for {name!r} to VALID"
            )
        if p.kind is p.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[name] = value
    return args, kwargs


def _run(fn: Callable[..., Any], call: Call, ref: Call, **override: object) -> object:
    args, kwargs = _arguments(fn, call, ref, **override)
    return fn(*args, **kwargs)


#: Functions whose response counts successes (0/1 rows here, without trials): for them the
#: clean frame's y, and radon's log_radon, are cut at their median before any change.
BINARY_RESPONSE = {"fit_binomial", "binomial_loglik"}


def _response_for(fn: Callable[..., Any], data: pd.DataFrame, y: str) -> pd.DataFrame:
    if getattr(fn, "__name__", "") not in BINARY_RESPONSE:
        return data
    return data.assign(**{y: (data[y] > data[y].median()).astype(float)})


def _clean_reference(fn: Callable[..., Any]) -> Call:
    return _reference(fn, _response_for(fn, clean(), "y"), "y", "g", ["x", "x2"])


def _assert_plain_numbers(message: str) -> None:
    assert "np.float64(" not in message and "np.int64(" not in message, message


# ---------------------------------------------------------------------------------------------
# The discovery itself


def test_every_module_names_its_public_api_in_all():
    # a module without __all__ would have its public functions silently left out
    missing = [m.__name__ for m in _modules() if not hasattr(m, "__all__")]
    assert missing == []


def test_discovery_finds_the_functions_once_listed_by_hand_and_those_of_submodules():
    assert set(DATA_FUNCTIONS) >= ONCE_LISTED_BY_HAND
    # functions that the package's own __all__ does not re-export
    assert {"gibbs_sampler", "em_path", "ridge_intercepts", "group_data"} <= set(DATA_FUNCTIONS)


@pytest.mark.parametrize("name", sorted(EXCLUDED))
def test_every_excluded_name_is_still_a_public_function(name):
    assert name in DISCOVERED, f"{name!r} is no longer public: remove it from EXCLUDED"


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_every_required_parameter_has_a_valid_value(name):
    fn = ENTRY_POINTS[name]
    _arguments(fn, _clean_reference(fn), _clean_reference(fn))


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_every_entry_point_accepts_the_valid_call_on_the_clean_frame(name):
    # the bad cases below then fail because of what they change, not because of the call
    fn = ENTRY_POINTS[name]
    ref = _clean_reference(fn)
    assert _run(fn, ref, ref) is not None


# ---------------------------------------------------------------------------------------------
# Bad data


def _set(column: str, row: int, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(d: pd.DataFrame) -> pd.DataFrame:
        d = d.copy()
        if not isinstance(value, float):
            d[column] = d[column].astype(object)
        d.loc[row, column] = value
        return d

    return change


def _one_group(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(g="only")


def _all_singletons(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(g=[f"s{i}" for i in range(len(d))])


def _duplicate_label(d: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([d, d[["x"]]], axis=1)


def _same(d: pd.DataFrame) -> pd.DataFrame:
    return d


def _missing_y_pd_na(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(
        y=pd.array([None if i == 2 else v for i, v in enumerate(d["y"])], dtype="Float64")
    )


@dataclass(frozen=True)
class Case:
    """One change to the clean frame, the regex its message must match, and what it is about.

    A case runs against every data-taking function that takes all the arguments in ``about``
    (and several covariates when ``x`` is a list).
    """

    id: str
    change: Callable[[pd.DataFrame], pd.DataFrame]
    match: str
    about: tuple[str, ...]
    y: str = "y"
    group: str = "g"
    x: str | list[str] = "x"


BAD_DATA = [
    Case("missing_y", _set("y", 3, np.nan), r"'y'.*missing", ("y",)),
    Case("missing_y_pd_NA", _missing_y_pd_na, r"'y'.*missing", ("y",)),
    Case("missing_x", _set("x", 5, np.nan), r"'x'.*missing", ("x",)),
    Case("missing_group", _set("g", 7, None), r"'g'.*missing", ("group",)),
    Case("string_response", lambda d: d.assign(y=d["y"].astype(str)), r"'y'.*numeric", ("y",)),
    Case("string_response_column", _same, r"'label'.*numeric", ("y",), y="label"),
    Case("one_string_in_response", _set("y", 4, "12.5"), r"'y'.*numeric", ("y",)),
    Case("string_covariate", lambda d: d.assign(x=d["x"].astype(str)), r"'x'.*numeric", ("x",)),
    Case(
        "categorical_covariate",
        lambda d: d.assign(x=pd.Categorical(d["g"])),
        r"'x'.*numeric",
        ("x",),
    ),
    Case("unknown_response", _same, r"unknown column.*'nope'", ("y",), y="nope"),
    Case("unknown_group", _same, r"unknown column.*'county'", ("group",), group="county"),
    Case("unknown_covariate", _same, r"unknown column.*'floor'", ("x",), x="floor"),
    Case("single_group", _one_group, r"'g'.*1 group.*'only'", ("group",)),
    Case("all_groups_of_one", _all_singletons, r"'g'.*single observation", ("group",)),
    Case("constant_covariate", lambda d: d.assign(x=2.5), r"'x'.*constant.*2\.5", ("x",)),
    Case("constant_response", lambda d: d.assign(y=7.0), r"'y'.*constant", ("y",)),
    Case("empty_frame", lambda d: d.iloc[:0], r"empty", ()),
    Case("inf_response", _set("y", 1, np.inf), r"'y'.*non-finite.*inf", ("y",)),
    Case("minus_inf_covariate", _set("x", 9, -np.inf), r"'x'.*non-finite.*-inf", ("x",)),
    Case("response_is_the_covariate", _same, r"'y'.*twice", ("y", "x"), x="y"),
    Case("group_is_the_covariate", _same, r"'g'.*twice", ("group", "x"), x="g"),
    Case("response_also_covariate", _same, r"'y'.*twice", ("y", "x"), x=["x", "y"]),
    Case("group_also_covariate", _same, r"'g'.*twice", ("group", "x"), x=["g"]),
    Case("covariate_listed_twice", _same, r"'x'.*twice", ("x",), x=["x", "x"]),
    Case("column_label_twice_in_frame", _duplicate_label, r"'x'.*more than once", ("x",)),
]


def _applies(case: Case, fn: Callable[..., Any]) -> bool:
    params = _params(fn)
    if not all(role in params for role in case.about):
        return False
    return not isinstance(case.x, list) or _admits_many(fn, "x")


def _bad_data_params() -> Iterator[Any]:
    for case in BAD_DATA:
        for name, fn in DATA_FUNCTIONS.items():
            if _applies(case, fn):
                yield pytest.param(name, case, id=f"{case.id}-{name}")


BAD_DATA_PARAMS = list(_bad_data_params())


def _bad_call(name: str, case: Case) -> tuple[Callable[..., Any], list[object], dict[str, object]]:
    fn = DATA_FUNCTIONS[name]
    call = Call(case.change(_response_for(fn, clean(), "y")), case.y, case.group, case.x)
    args, kwargs = _arguments(fn, call, _clean_reference(fn))
    return fn, args, kwargs


def test_every_public_function_that_takes_data_meets_the_bad_data():
    takes_data = {name for name, fn in PUBLIC.items() if _takes_data(fn)}
    covered = {p.values[0] for p in BAD_DATA_PARAMS}
    assert takes_data - covered == set()


@pytest.mark.parametrize(("name", "case"), BAD_DATA_PARAMS)
def test_bad_data_raises_value_error_naming_the_column(name, case):
    fn, args, kwargs = _bad_call(name, case)
    with pytest.raises(ValueError, match=case.match):
        fn(*args, **kwargs)


@pytest.mark.parametrize(("name", "case"), BAD_DATA_PARAMS)
def test_error_messages_show_plain_numbers(name, case):
    fn, args, kwargs = _bad_call(name, case)
    try:  # whether it raises, and what, is the test above's job
        fn(*args, **kwargs)
    except Exception as exc:
        _assert_plain_numbers(str(exc))


@pytest.mark.parametrize("name", [n for n, fn in DATA_FUNCTIONS.items() if _admits_many(fn, "x")])
def test_collinear_covariates_raise_naming_both(name):
    fn = DATA_FUNCTIONS[name]
    data = clean().assign(x2=lambda d: 3.0 * d["x"] - 1.0)
    with pytest.raises(ValueError, match=r"'x'.*'x2'.*collinear"):
        _run(fn, Call(data, x=["x", "x2"]), _clean_reference(fn))


@pytest.mark.parametrize(
    "name", [n for n in _with("x") if n in DATA_FUNCTIONS and not _admits_many(PUBLIC[n], "x")]
)
def test_single_covariate_functions_reject_a_list_naming_it(name):
    fn = DATA_FUNCTIONS[name]
    with pytest.raises(ValueError, match=re.escape("['x', 'x2']")):
        _run(fn, Call(clean(), x=["x", "x2"]), _clean_reference(fn))


@pytest.mark.parametrize("name", ["fit_random_intercept", "complete_pooling", "reml_loglik"])
def test_response_exactly_linear_in_the_covariate_raises_value_error(name):
    fn = DATA_FUNCTIONS[name]
    data = clean().assign(y=lambda d: 2.0 * d["x"] + 1.0)
    with pytest.raises(ValueError, match=r"'y'"):
        _run(fn, Call(data), _clean_reference(fn))


# ---------------------------------------------------------------------------------------------
# Unit-free checks: a tiny scale is not a constant


@pytest.mark.parametrize("scaled", [["y"], ["x", "x2"], ["y", "x", "x2"]], ids=["y", "x", "y+x"])
@pytest.mark.parametrize("name", sorted(DATA_FUNCTIONS))
def test_tiny_scale_is_not_constant(name, scaled):
    fn = DATA_FUNCTIONS[name]
    data = clean()
    data[scaled] = data[scaled] * 1e-13
    ref = _clean_reference(fn)
    try:
        _run(fn, replace(ref, data=data), ref)
    except ValueError as exc:
        assert not re.search(r"constant|group-level|collinear", str(exc)), str(exc)


# ---------------------------------------------------------------------------------------------
# Labels and column names of other types: either they work or the error is a clean ValueError


def _tuple_labels(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(g=pd.Series([("s", int(v[1:])) for v in d["g"]], dtype=object))


def _list_labels(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(g=pd.Series([["s", int(v[1:])] for v in d["g"]], dtype=object))


def _integer_columns(d: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({0: d["y"], 1: d["g"], 2: d["x"]})


OTHER_NAMES = {
    "tuple_group_labels": (_tuple_labels, "y", "g", "x"),
    "list_group_labels": (_list_labels, "y", "g", "x"),
    "integer_column_names": (_integer_columns, 0, 1, 2),
}


@pytest.mark.parametrize("kind", list(OTHER_NAMES))
@pytest.mark.parametrize("name", sorted(DATA_FUNCTIONS))
def test_other_label_and_name_types_fit_or_raise_value_error(name, kind):
    fn = DATA_FUNCTIONS[name]
    change, y, group, x = OTHER_NAMES[kind]
    call = Call(change(clean()), y, group, x)
    try:  # anything but a ValueError (a TypeError from deep inside, say) fails the test
        # the fits some functions take are made from the same frame, so inside the try
        _run(fn, call, call)
    except ValueError as exc:
        _assert_plain_numbers(str(exc))


# ---------------------------------------------------------------------------------------------
# method


@pytest.mark.parametrize("bad", ["OLS", "REML ", "maximum likelihood", "", None])
@pytest.mark.parametrize("name", [n for n, fn in ENTRY_POINTS.items() if _takes_method(fn)])
def test_method_other_than_ml_or_reml_raises_naming_it(name, bad):
    fn = ENTRY_POINTS[name]
    ref = _clean_reference(fn)
    with pytest.raises(ValueError, match=r"method.*" + re.escape(repr(bad))) as raised:
        _run(fn, ref, ref, method=bad)
    _assert_plain_numbers(str(raised.value))


# ---------------------------------------------------------------------------------------------
# standard deviations and the mean


#: Simulators may draw noise-free data (sigma_y = 0 puts every point on its group line, as
#: tests/test_simulation.py checks); every function that fits or evaluates the model may not.
SIMULATORS = {"simulate_groups"}


def _sigma_y_params():
    for name in _with("sigma_y"):
        for sigma_y in [0.0, -1.0, np.nan, np.inf]:
            if sigma_y == 0.0 and name in SIMULATORS:
                continue
            yield pytest.param(name, sigma_y, id=f"{name}-{sigma_y}")


def test_every_simulator_exempted_from_sigma_y_zero_exists():
    assert SIMULATORS <= set(_with("sigma_y"))


@pytest.mark.parametrize(("name", "sigma_y"), list(_sigma_y_params()))
def test_non_positive_or_non_finite_sigma_y_raises_naming_it(name, sigma_y):
    fn = ENTRY_POINTS[name]
    ref = _clean_reference(fn)
    with pytest.raises(ValueError, match=r"sigma_y.*" + re.escape(repr(float(sigma_y)))) as raised:
        _run(fn, ref, ref, sigma_y=sigma_y)
    _assert_plain_numbers(str(raised.value))


@pytest.mark.parametrize("sigma_alpha", [-0.1, -np.inf, np.nan])
@pytest.mark.parametrize("name", _with("sigma_alpha"))
def test_negative_or_nan_sigma_alpha_raises_naming_it(name, sigma_alpha):
    fn = ENTRY_POINTS[name]
    ref = _clean_reference(fn)
    expected = r"sigma_alpha.*" + re.escape(repr(float(sigma_alpha)))
    with pytest.raises(ValueError, match=expected) as raised:
        _run(fn, ref, ref, sigma_alpha=sigma_alpha)
    _assert_plain_numbers(str(raised.value))


@pytest.mark.parametrize("bad", ["a", None])
@pytest.mark.parametrize(
    ("name", "sd"),
    [(n, sd) for sd in ("sigma_alpha", "sigma_y") for n in _with(sd)],
)
def test_sd_that_is_not_a_number_raises_value_error_naming_it(name, sd, bad):
    fn = ENTRY_POINTS[name]
    ref = _clean_reference(fn)
    with pytest.raises(ValueError, match=sd):
        _run(fn, ref, ref, **{sd: bad})


@pytest.mark.parametrize("name", _with("mu"))
def test_nan_mu_raises_value_error_naming_it(name):
    fn = ENTRY_POINTS[name]
    ref = _clean_reference(fn)
    with pytest.raises(ValueError, match=r"mu"):
        _run(fn, ref, ref, mu=np.nan)


def test_joint_loglik_needs_a_positive_sigma_alpha():
    # the joint density of the intercepts is degenerate at sigma_alpha = 0
    fn = ENTRY_POINTS["joint_loglik"]
    ref = _clean_reference(fn)
    with pytest.raises(ValueError, match=r"sigma_alpha.*0\.0"):
        _run(fn, ref, ref, sigma_alpha=0.0)


@pytest.mark.parametrize("n", [0, -3, [4, 0], [np.nan], [np.inf]])
def test_shrinkage_factor_rejects_group_sizes_that_are_not_positive(n):
    with pytest.raises(ValueError, match=r"group sizes n"):
        shrinkage_factor(n, sigma_alpha=1.0, sigma_y=1.0)


def test_zero_and_infinite_sigma_alpha_are_the_two_pooling_limits():
    # not errors: sigma_alpha = 0 is complete pooling, inf no pooling
    assert shrinkage_factor(5, sigma_alpha=0.0, sigma_y=1.0) == 0.0
    assert shrinkage_factor(5, sigma_alpha=np.inf, sigma_y=1.0) == 1.0


# ---------------------------------------------------------------------------------------------
# group-level covariates


@pytest.mark.parametrize("x", ["uranium", ["floor", "uranium"]], ids=["uranium", "floor+uranium"])
def test_no_pooling_rejects_a_group_level_covariate_naming_it(radon, x):
    with pytest.raises(ValueError, match=r"'uranium'.*constant within every group of 'county'"):
        no_pooling(radon, y="log_radon", group="county", x=x)


def test_decompose_beta_rejects_a_group_level_covariate_naming_it(radon):
    with pytest.raises(ValueError, match=r"'uranium'.*within"):
        decompose_beta(
            radon, y="log_radon", group="county", x="uranium", sigma_alpha=0.3, sigma_y=0.75
        )


def test_partial_and_complete_pooling_accept_a_group_level_covariate(radon):
    # only no pooling loses a covariate that is constant within groups
    for fit in (
        fit_random_intercept(radon, y="log_radon", group="county", x=["floor", "uranium"]),
        complete_pooling(radon, y="log_radon", group="county", x=["floor", "uranium"]),
    ):
        assert np.isfinite(fit.beta.to_numpy()).all()


# ---------------------------------------------------------------------------------------------
# some groups of one observation are legitimate


def test_radon_has_counties_of_a_single_house(radon):
    sizes = radon.groupby("county").size()
    assert (sizes == 1).sum() >= 2
    assert (sizes >= 2).any()


def _estimates(out: object) -> list[np.ndarray]:
    """The estimates in a result, as arrays: the ones that must be finite."""
    if isinstance(out, int | float | np.number):
        return [np.asarray(out, dtype=float)]
    if isinstance(out, pd.Series):
        return [out.to_numpy(dtype=float)]
    if isinstance(out, pd.DataFrame):
        return [out.select_dtypes("number").to_numpy(dtype=float)]
    # not mu and sigma_alpha: no pooling has sigma_alpha = inf by definition
    names = ("alpha", "beta", "sigma_y", "coef", "gls", "params")
    return [
        np.asarray(getattr(out, n), dtype=float)
        for n in names
        if isinstance(getattr(out, n, None), int | float | np.number | pd.Series | pd.DataFrame)
    ]


@pytest.mark.parametrize("name", sorted(DATA_FUNCTIONS))
def test_radon_with_single_house_counties_fits(radon, name):
    fn = DATA_FUNCTIONS[name]
    if name == "one_way_anova":  # documented: a balanced layout only, refused with the sizes
        with pytest.raises(ValueError, match="needs groups of equal size"):
            fn(radon, y="log_radon", group="county")
        return
    ref = _reference(fn, _response_for(fn, radon, "log_radon"), "log_radon", "county", ["floor"])
    out = _run(fn, ref, ref)
    assert out is not None
    if hasattr(out, "alpha") and isinstance(getattr(out, "n", None), pd.Series):  # pooling fits
        assert out.n.min() == 1
        assert len(out.alpha) == radon["county"].nunique()
    if name in ("group_ols", "coefficient_shrinkage"):
        # documented: NaN (own least squares, or a distance from them) for a county whose
        # floor does not vary
        varies = radon.groupby("county")["floor"].nunique() > 1
        out = out.loc[varies[varies].index]
    for values in _estimates(out):
        assert np.isfinite(values).all()


def test_mostly_singleton_groups_fit_when_one_group_has_two():
    # four groups of one and one of two: sigma_y comes from the one pair alone
    data = pd.DataFrame({"y": [1.0, 2.5, 0.3, 4.0, 2.2, 2.9], "g": list("abcdee")})
    fit = fit_random_intercept(data, y="y", group="g")
    assert fit.n.tolist() == [1, 1, 1, 1, 2]
    assert np.isfinite(fit.alpha.to_numpy()).all()
    assert fit.sigma_y > 0


# ---------------------------------------------------------------------------------------------
# Defaults that can be used


NONE_DEFAULTS = sorted(
    (name, parameter)
    for name, fn in ENTRY_POINTS.items()
    for parameter, p in _params(fn).items()
    if p.default is None
)


def test_some_entry_points_have_arguments_that_default_to_none():
    assert {("fit_random_intercept", "x"), ("estimates_table", "data")} <= set(NONE_DEFAULTS)


@pytest.mark.parametrize(("name", "parameter"), NONE_DEFAULTS)
def test_an_argument_that_defaults_to_none_can_be_left_out(name, parameter):
    # a default promises a call without the argument: it must work (x=None is a model without
    # covariates; an argument a call cannot do without has no default)
    fn = ENTRY_POINTS[name]
    ref = _clean_reference(fn)
    call = replace(ref, x=None) if parameter == "x" else ref
    args, kwargs = _arguments(fn, call, ref)
    kwargs.pop(parameter, None)
    if parameter == "data":  # default data come with default column names (slopes_payload)
        for role in ROLES:
            if role in _params(fn) and _params(fn)[role].default is not inspect.Parameter.empty:
                kwargs.pop(role, None)
    assert fn(*args, **kwargs) is not None
