"""A Griffe extension: document the free functions `partial_pooling.on_data.on_data` makes.

Griffe reads the package's source without running it, so a line such as
``group_intercepts = on_data(_group_intercepts)`` is an attribute to it, with no signature and
no docstring. For each such line this extension puts in the module a function of the same
name: the signature is the one a caller sees (``data``, then keyword-only ``y``, ``group``, and
``x`` when the function takes covariates, then the implementation's own arguments, made
keyword-only), with the annotations Griffe read from the implementation's source; the
docstring is the function's own, as `on_data` wrote it at import. (Griffe's public extension
interface, listed under the handler's ``extensions`` option in mkdocs.yml.)
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import griffe


def _is_on_data(value: object) -> bool:
    return isinstance(value, griffe.ExprCall) and str(value.function).split(".")[-1] == "on_data"


class OnDataFunctions(griffe.Extension):
    """Replace each ``name = on_data(_implementation, ...)`` attribute by a function."""

    def on_module_members(self, *, mod: griffe.Module, **kwargs: Any) -> None:
        for name, member in list(mod.members.items()):
            if not isinstance(member, griffe.Attribute) or not _is_on_data(member.value):
                continue
            runtime = getattr(importlib.import_module(mod.path), name)
            implementation = mod.members[runtime.grouped.__name__]
            assert isinstance(implementation, griffe.Function), implementation.path
            mod.set_member(name, _function(name, member, runtime, implementation))


def _function(
    name: str, attribute: griffe.Attribute, runtime: Any, implementation: griffe.Function
) -> griffe.Function:
    """The Griffe function of ``runtime``, with the annotations of `implementation`."""
    own = {p.name: p for p in implementation.parameters}
    parameters = []
    for p in inspect.signature(runtime).parameters.values():
        source = own.get(p.name)
        parameters.append(
            griffe.Parameter(
                p.name,
                annotation=source.annotation if source is not None else str(p.annotation),
                kind=griffe.ParameterKind(p.kind.description),
                default=None if p.default is p.empty else repr(p.default),
            )
        )
    parser = implementation.docstring.parser if implementation.docstring else None
    return griffe.Function(
        name,
        lineno=attribute.lineno,
        endlineno=attribute.endlineno,
        parameters=griffe.Parameters(*parameters),
        returns=implementation.returns,
        docstring=griffe.Docstring(
            inspect.getdoc(runtime) or "",
            lineno=attribute.lineno,
            parser=parser,
            parser_options=implementation.docstring.parser_options
            if implementation.docstring
            else None,
        ),
    )
