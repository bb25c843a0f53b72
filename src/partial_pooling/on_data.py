"""The free functions: each formula as one call on a data frame.

Every formula of the package is written once, as a private function of the checked, grouped
data (`partial_pooling.grouped.GroupedData`) that checks its other arguments, and offered two
ways. `on_data` makes the free function, such as
``pp.group_intercepts(data, y=..., group=..., x=..., mu=..., ...)``, from that implementation:
its name, docstring and keyword arguments are the implementation's, and it groups the data
(`partial_pooling.grouped.group_data`) and calls it. The implementation itself is the free
function's attribute ``grouped``, which `Model`'s method of the same name calls on the data it
grouped once, so that

``f(data, y=y, group=group, x=x, **arguments) == Model(data, y=y, group=group, x=x).f(**arguments)``

by construction (`Model.fit` is `fit_random_intercept`). Every argument but the data frame is
keyword-only.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Concatenate, Generic, Literal, ParamSpec, Protocol, TypeVar, cast

import pandas as pd

from .grouped import ColumnName, GroupedData, group_data, one_covariate

__all__ = ["DATA_PARAMETERS", "X_PARAMETER", "Covariates", "DataFunction", "on_data"]

P = ParamSpec("P")
R_co = TypeVar("R_co", covariant=True)
R = TypeVar("R")

Covariates = Literal["optional", "some", "one", "none"]

#: The numpy-docstring entries of the arguments every free function adds.
DATA_PARAMETERS = """\
data : pandas.DataFrame
    One row per observation.
y : str or int
    Column of the response $y_{ij}$.
group : str or int
    Column of the grouping factor $j$ (any labels; groups may have unequal sizes)."""

#: The entry of ``x`` by what a function takes: covariates or not, one or more.
X_PARAMETER: dict[Covariates, str] = {
    "optional": "x : str, int or sequence of them, optional\n"
    "    Covariate column(s) $x_{ij}$ with common slopes $\\beta$.",
    "some": "x : str, int or sequence of them\n    Covariate column(s) $x_{ij}$: at least one.",
    "one": "x : str or int\n    The one covariate column $x_{ij}$.",
    "none": "",
}
_ANNOTATION: dict[Covariates, str] = {
    "optional": "ColumnName | Sequence[ColumnName] | None",
    "some": "ColumnName | Sequence[ColumnName]",
    "one": "ColumnName",
}
_COLUMNS = (
    inspect.Parameter("data", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="pd.DataFrame"),
    inspect.Parameter("y", inspect.Parameter.KEYWORD_ONLY, annotation="ColumnName"),
    inspect.Parameter("group", inspect.Parameter.KEYWORD_ONLY, annotation="ColumnName"),
)


def _x_parameter(covariates: Covariates) -> list[inspect.Parameter]:
    if covariates == "none":
        return []
    default = None if covariates == "optional" else inspect.Parameter.empty
    kind = inspect.Parameter.KEYWORD_ONLY
    return [inspect.Parameter("x", kind, default=default, annotation=_ANNOTATION[covariates])]


class DataFunction(Protocol, Generic[P, R_co]):
    """A free function made by `on_data`, and the implementation it calls (``grouped``)."""

    @property
    def grouped(self) -> Callable[Concatenate[GroupedData, P], R_co]:
        """The implementation on grouped data: ``grouped(g, **arguments)``."""
        ...

    def __call__(
        self,
        data: pd.DataFrame,
        *,
        y: ColumnName,
        group: ColumnName,
        x: ColumnName | Sequence[ColumnName] | None = None,
        **arguments: Any,
    ) -> R_co:
        """``grouped(group_data(data, y=y, group=group, x=x), **arguments)``."""
        ...


def _with_data_parameters(doc: str, covariates: Covariates) -> str:
    """`doc` (a numpy docstring) with the data's entries first in its Parameters section."""
    entries = "\n".join(filter(None, [DATA_PARAMETERS, X_PARAMETER[covariates]]))
    doc = inspect.cleandoc(doc)
    header = "Parameters\n----------\n"
    if header in doc:
        return doc.replace(header, header + entries + "\n", 1)
    for section in ("Returns\n-------", "Raises\n------", "Examples\n--------"):
        if section in doc:
            return doc.replace(section, header + entries + "\n\n" + section, 1)
    return f"{doc}\n\n{header}{entries}"


def on_data(
    implementation: Callable[Concatenate[GroupedData, P], R],
    *,
    covariates: Covariates = "optional",
) -> DataFunction[P, R]:
    """The free function of a formula: group the data, then call its implementation.

    Parameters
    ----------
    implementation : callable
        The private implementation ``_name(g, *, ...)`` on grouped data: it gives the free
        function its name (``name``), its docstring and its keyword arguments.
    covariates : {"optional", "some", "one", "none"}
        What the function takes as ``x``: covariates or not (``"optional"``), at least one
        (``"some"``), exactly one column name (``"one"``), none (``"none"``).

    Returns
    -------
    DataFunction
        ``name(data, *, y, group, x=None, **arguments)``, which returns
        ``implementation(group_data(data, y=y, group=group, x=x), **arguments)``; its
        attribute ``grouped`` is `implementation`.
    """
    name = implementation.__name__.lstrip("_")
    keywords = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in list(inspect.signature(implementation).parameters.values())[1:]
    ]

    call: Callable[..., R] = implementation  # the keywords are checked by the implementation

    def function(data: Any, *, y: Any, group: Any, **arguments: Any) -> R:
        if covariates == "none" and "x" in arguments:
            raise TypeError(f"{name}() takes no covariates x")
        x = arguments.pop("x", None)
        if covariates == "one":
            x = one_covariate(x, name)
        return call(group_data(data, y=y, group=group, x=x), **arguments)

    function.__name__ = function.__qualname__ = name
    function.__module__ = implementation.__module__
    function.__doc__ = _with_data_parameters(implementation.__doc__ or "", covariates)
    function.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*_COLUMNS, *_x_parameter(covariates), *keywords],
        return_annotation=inspect.signature(implementation).return_annotation,
    )
    function.grouped = implementation  # type: ignore[attr-defined]
    return cast("DataFunction[P, R]", function)
