"""The Python builtins a trusted model's scripts and expressions see.

A deployment recorded as trusted runs Python with `RESTRICTED` by default: values, numbers,
text and collections, and the usual exceptions, but no imports, no files, no `eval`/`exec`,
no attribute reflection (`getattr`, `setattr`, `vars`, `globals`) and no console. This keeps
an honest script from reaching the host by accident; it is not a sandbox against a hostile
author (Python offers none: object introspection still reaches everything), which is why
only a deployer with the right to do so can deploy trusted. A deployment recorded as
`full` gets every builtin.
"""

from __future__ import annotations

import builtins
from types import MappingProxyType
from typing import Any

__all__ = ["FULL", "RESTRICTED", "RESTRICTED_NAMES"]

RESTRICTED_NAMES: tuple[str, ...] = (
    # constants
    "None",
    "True",
    "False",
    # values and conversions
    "abs",
    "all",
    "any",
    "bool",
    "bytes",
    "chr",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "hash",
    "int",
    "isinstance",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "ord",
    "pow",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "slice",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
    # exceptions a script may raise or catch
    "ArithmeticError",
    "Exception",
    "IndexError",
    "KeyError",
    "LookupError",
    "RuntimeError",
    "StopIteration",
    "TypeError",
    "ValueError",
    "ZeroDivisionError",
)
"""Exactly the builtins of a trusted deployment (documented in the README's "Trust")."""

RESTRICTED: MappingProxyType[str, Any] = MappingProxyType(
    {name: getattr(builtins, name) for name in RESTRICTED_NAMES}
)
FULL: MappingProxyType[str, Any] = MappingProxyType(vars(builtins))
