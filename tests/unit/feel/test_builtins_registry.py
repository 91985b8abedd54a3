"""The registry of built-ins: every module's functions under their FEEL names, and the clock."""

from __future__ import annotations

import datetime as dt

from regista.feel.builtins import BUILTINS, builtins
from regista.feel.builtins.booleans import BOOLEAN_BUILTINS
from regista.feel.builtins.contexts import CONTEXT_BUILTINS
from regista.feel.builtins.conversion import CONVERSION_BUILTINS
from regista.feel.builtins.lists import LIST_BUILTINS
from regista.feel.builtins.numeric import NUMERIC_BUILTINS
from regista.feel.builtins.strings import STRING_BUILTINS

MODULES = [
    BOOLEAN_BUILTINS,
    CONTEXT_BUILTINS,
    CONVERSION_BUILTINS,
    LIST_BUILTINS,
    NUMERIC_BUILTINS,
    STRING_BUILTINS,
]


def test_each_function_is_registered_once_under_its_name() -> None:
    names = [name for table in MODULES for name in table]
    assert len(names) == len(set(names))
    for table in MODULES:
        for name, fn in table.items():
            assert fn.name == name
            assert BUILTINS[name] is fn
            # Parameter names are the spec's, which have spaces, never underscores.
            assert all("_" not in p for sig in fn.signatures for p in sig)


def test_spec_functions_are_present() -> None:
    expected = {
        "number", "string", "not", "is", "substring", "string length", "upper case",
        "lower case", "substring before", "substring after", "replace", "contains",
        "starts with", "ends with", "matches", "split", "string join", "list contains",
        "count", "min", "max", "sum", "mean", "all", "any", "sublist", "append",
        "concatenate", "insert before", "remove", "reverse", "index of", "union",
        "distinct values", "flatten", "product", "median", "stddev", "mode", "sort",
        "list replace", "decimal", "floor", "ceiling", "round up", "round down",
        "round half up", "round half down", "abs", "modulo", "sqrt", "log", "exp", "odd",
        "even", "get value", "get entries", "context", "context put", "context merge",
    }  # fmt: skip
    assert expected <= set(BUILTINS)


def test_builtins_adds_the_clock_functions() -> None:
    fixed = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    with_clock = builtins(lambda: fixed)
    assert {"now", "today"} <= set(with_clock)
    assert set(BUILTINS) <= set(with_clock)
    assert {"now", "today"} <= set(builtins())
    assert builtins(lambda: fixed) is not with_clock  # a fresh table each call
