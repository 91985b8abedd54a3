"""Conversion built-ins `number` and `string` and the shared argument checks (expectations
from DMN 1.5 and the DMN TCK folders 0058 and 0079)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from regista.feel.builtins.conversion import (
    CONVERSION_BUILTINS,
    list_arg,
    position_index,
    string_arg,
)
from regista.feel.values import DaysTimeDuration, FeelEvalError, YearsMonthsDuration


def call(name: str, *args: Any) -> Any:
    return CONVERSION_BUILTINS[name].invoke(list(args))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("1.000.000,01", ".", ","), "1000000.01"),
        (("1,000,000.01", ",", "."), "1000000.01"),
        (("1 000 000.01", " ", "."), "1000000.01"),
        (("1000000.01", None, "."), "1000000.01"),
        (("1,000,000", ",", None), "1000000"),
        (("1,000,000.00", ",", None), "1000000.00"),
        (("-1.5", None, None), "-1.5"),
        (("12", None, ","), "12"),
        (("1,5", None, ","), "1.5"),
        (("1e3", None, None), "1E+3"),
        (("12345",), "12345"),
    ],
)
def test_number(args: tuple[Any, ...], expected: str) -> None:
    result = call("number", *args)
    assert type(result) is Decimal
    assert str(result) == expected


def test_number_named() -> None:
    named = {"from": "1.000.000,01", "decimal separator": ",", "grouping separator": "."}
    assert CONVERSION_BUILTINS["number"].invoke([], named) == Decimal("1000000.01")
    with pytest.raises(FeelEvalError):
        CONVERSION_BUILTINS["number"].invoke([], {"from": "1", "decimal sep": ","})


@pytest.mark.parametrize(
    "args",
    [
        ("1,000,000.01", " ", "."),
        ("1,000,000.01", ":", "."),
        ("1,000,000.01", Decimal(123), "."),
        ("1,000,000.01", ",", ":"),
        ("1,000,000.01", ",", Decimal(123)),
        ("1,000,000.00", ",", ","),
        ("1,000,000.00", ".", "."),
        (None, ".", ","),
        (Decimal(123), ".", ","),
        ("foo,bar.001", ".", ","),
        ("1.5", None, ","),  # with decimal separator ',' a period is a stray character
        ("", None, None),
        (" 1", None, None),
        ("NaN", None, None),
        ("Infinity", None, None),
        ("1e99999", None, None),
        ("1.000.000,01", "."),
        ("1.000.000,01", ".", ",", ","),
    ],
)
def test_number_invalid(args: tuple[Any, ...]) -> None:
    with pytest.raises(FeelEvalError):
        call("number", *args)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("foo", "foo"),
        (Decimal("123.45"), "123.45"),
        (Decimal("1.20"), "1.2"),
        (True, "true"),
        (False, "false"),
        (dt.date(2018, 12, 10), "2018-12-10"),
        (dt.datetime(2018, 12, 10, 10, 30), "2018-12-10T10:30:00"),
        (dt.time(10, 30, 0, 100), "10:30:00.0001"),
        (DaysTimeDuration(Decimal(176400)), "P2DT1H"),
        (YearsMonthsDuration(25), "P2Y1M"),
        ([Decimal(1), "foo", [Decimal(4)]], '[1, "foo", [4]]'),
        ({"a": "foo", "b": {"bar": "baz"}}, '{a: "foo", b: {bar: "baz"}}'),
        # Keys that would not read back as names are quoted (TCK 0079, non-compliant).
        ({"a b": 1, "{": 2, ":": 3, ",": 4, "}": 5}, '{a b: 1, "{": 2, ":": 3, ",": 4, "}": 5}'),
        (
            {'"': "foo", "\\": 1, "": 2, " x": 3, "1a": 4},
            '{"\\"": "foo", "\\\\": 1, "": 2, " x": 3, "1a": 4}',
        ),
        ({"Monthly Salary": 1, "a-b": 2, "x's": 3}, "{Monthly Salary: 1, a-b: 2, x's: 3}"),
    ],
)
def test_string(value: Any, expected: str) -> None:
    assert call("string", value) == expected


def test_string_of_null_is_null() -> None:
    assert call("string", None) is None
    assert CONVERSION_BUILTINS["string"].invoke([], {"from": "foo"}) == "foo"
    with pytest.raises(FeelEvalError):
        call("string")
    with pytest.raises(FeelEvalError):
        call("string", "foo", "bar")


def test_argument_helpers() -> None:
    assert string_arg(["a"], "s") == "a"  # a singleton list stands for its item
    with pytest.raises(FeelEvalError, match="'s' must be a string, not number"):
        string_arg(Decimal(1), "s")
    assert list_arg("a", "l") == ["a"]
    with pytest.raises(FeelEvalError):
        list_arg(None, "l")
    assert position_index(Decimal(1), 3, "p") == 0
    assert position_index(Decimal(-1), 3, "p") == 2
    assert position_index(Decimal("2.9"), 3, "p") == 1
    for bad in (Decimal(0), Decimal(4), Decimal(-4), "1"):
        with pytest.raises(FeelEvalError):
            position_index(bad, 3, "p")
