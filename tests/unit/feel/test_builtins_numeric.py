"""Numeric built-ins (expectations from DMN 1.5 and the DMN TCK folders 0050-0056, 1100-1102,
1141-1144)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from regista.feel.builtins.numeric import NUMERIC_BUILTINS
from regista.feel.values import DaysTimeDuration, FeelEvalError, YearsMonthsDuration


def call(name: str, *args: Any) -> Any:
    return NUMERIC_BUILTINS[name].invoke(list(args))


def d(text: str | int) -> Decimal:
    return Decimal(text)


@pytest.mark.parametrize(
    ("name", "n", "scale", "expected"),
    [
        ("decimal", "0.333333", "2", "0.33"),
        ("decimal", "0.333333", "2.5", "0.33"),  # the scale truncates
        ("decimal", "1.5", "0", "2"),
        ("decimal", "2.5", "0", "2"),  # half to even
        ("decimal", "0.515", "2", "0.52"),
        ("decimal", "65.123456", "6", "65.123456"),
        ("decimal", "1250", "-2", "1.2E+3"),
        ("floor", "1.56", "1", "1.5"),
        ("floor", "-1.56", "1", "-1.6"),
        ("ceiling", "1.56", "1", "1.6"),
        ("ceiling", "-1.56", "1", "-1.5"),
        ("round up", "5.5", "0", "6"),
        ("round up", "-5.5", "0", "-6"),
        ("round up", "1.121", "2", "1.13"),
        ("round up", "-1.126", "2", "-1.13"),
        ("round down", "5.5", "0", "5"),
        ("round down", "-1.126", "2", "-1.12"),
        ("round half up", "5.5", "0", "6"),
        ("round half up", "-5.5", "0", "-6"),
        ("round half up", "1.121", "2", "1.12"),
        ("round half down", "5.5", "0", "5"),
        ("round half down", "-5.5", "0", "-5"),
        ("round half down", "-1.126", "2", "-1.13"),
        ("round up", "5.5", "6176", "5.5"),  # the largest scale leaves the number alone
        ("round down", "5.5", "-6111", "0E+6111"),
    ],
)
def test_rounding(name: str, n: str, scale: str, expected: str) -> None:
    result = call(name, d(n), d(scale))
    assert result == d(expected)
    assert str(result) == expected


def test_rounding_keeps_the_scale_and_drops_negative_zero() -> None:
    assert str(call("decimal", d("0.0"), d(1))) == "0.0"
    assert str(call("ceiling", d("-0.3333"))) == "0"
    assert str(call("round down", d("-0.4"), d(0))) == "0"


def test_floor_and_ceiling_without_scale() -> None:
    assert call("floor", d("1.5")) == d("1")
    assert call("floor", d("-1.5")) == d("-2")
    assert call("ceiling", d("-1.5")) == d("-1")
    assert NUMERIC_BUILTINS["floor"].invoke([], {"n": d("0.3333")}) == d("0")
    assert NUMERIC_BUILTINS["floor"].invoke([], {"n": d("1.56"), "scale": d(1)}) == d("1.5")


@pytest.mark.parametrize(
    "name",
    ["decimal", "floor", "ceiling", "round up", "round down", "round half up", "round half down"],
)
def test_rounding_invalid(name: str) -> None:
    for args in [
        (None, d(1)),
        (d("1.56"), None),
        ("1.5", d(1)),
        (d("1.5"), "1"),
        (d("5.5"), d(-6112)),
        (d("5.5"), d(6177)),
        (d("1.5"), d(1), d(2)),
    ]:
        with pytest.raises(FeelEvalError):
            call(name, *args)
    with pytest.raises(FeelEvalError):
        NUMERIC_BUILTINS[name].invoke([], {"n": d("1.5"), "scal": d(1)})


def test_abs() -> None:
    assert call("abs", d(-1)) == d(1)
    assert call("abs", d(0)) == d(0)
    assert NUMERIC_BUILTINS["abs"].invoke([], {"n": d(-1)}) == d(1)
    assert call("abs", DaysTimeDuration(d(-86400))) == DaysTimeDuration(d(86400))
    assert call("abs", YearsMonthsDuration(-12)) == YearsMonthsDuration(12)
    for bad in (None, "-1", True, dt.date(2018, 12, 6), dt.time(0)):
        with pytest.raises(FeelEvalError):
            call("abs", bad)
    with pytest.raises(FeelEvalError):
        NUMERIC_BUILTINS["abs"].invoke([], {"number": d(-1)})


@pytest.mark.parametrize(
    ("dividend", "divisor", "expected"),
    [
        ("10", "4", "2"),
        ("10", "-4", "-2"),
        ("-10", "4", "2"),
        ("0", "4", "0"),
        ("12", "5", "2"),
        ("-12", "5", "3"),
        ("12", "-5", "-3"),
        ("-12", "-5", "-2"),
        ("10.1", "4.5", "1.1"),
        ("-10.1", "4.5", "3.4"),
        ("10.1", "-4.5", "-3.4"),
        ("-10.1", "-4.5", "-1.1"),
        ("-4", "2", "0"),
        ("1E+40", "3", "1"),  # the integer quotient has more than 34 digits
        ("-1E+40", "7", "3"),
        ("1E-30", "-1E+10", "-1E+10"),  # -1E+10 + 1E-30 rounded to 34 digits
    ],
)
def test_modulo(dividend: str, divisor: str, expected: str) -> None:
    result = call("modulo", d(dividend), d(divisor))
    assert result == d(expected)
    assert not result.is_signed() or result < 0


def test_modulo_invalid() -> None:
    for args in [(d(10), d(0)), (None, d(4)), (d(10), None), ("10", "4")]:
        with pytest.raises(FeelEvalError):
            call("modulo", *args)
    named = {"dividend": d(10), "divisor": d(4)}
    assert NUMERIC_BUILTINS["modulo"].invoke([], named) == d(2)


def test_sqrt_log_exp() -> None:
    assert call("sqrt", d(4)) == d(2)
    assert call("sqrt", d(0)) == d(0)
    assert call("sqrt", d(2)) == d("1.414213562373095048801688724209698")
    assert call("log", d(4)) == d("1.386294361119890618834464242916353")
    assert call("exp", d(4)) == d("54.59815003314423907811026120286088")
    assert call("exp", d(0)) == d(1)
    assert abs(call("exp", d(-1)) - d("0.36787944")) < d("1e-8")
    for name, arg in [("sqrt", d(-1)), ("log", d(0)), ("log", d(-1)), ("exp", d(100000))]:
        with pytest.raises(FeelEvalError):
            call(name, arg)
    for name in ("sqrt", "log", "exp"):
        assert NUMERIC_BUILTINS[name].invoke([], {"number": d(1)}) is not None
        for bad in (None, "4", True, DaysTimeDuration(d(4))):
            with pytest.raises(FeelEvalError):
                call(name, bad)


@pytest.mark.parametrize(
    ("n", "odd", "even"),
    [("2", False, True), ("1", True, False), ("-2", False, True), ("-1", True, False),
     ("0", False, True), ("1.5", False, False), ("1E+40", False, True), ("3.0", True, False)],
)  # fmt: skip
def test_odd_even(n: str, odd: bool, even: bool) -> None:
    assert call("odd", d(n)) is odd
    assert call("even", d(n)) is even


def test_odd_even_invalid() -> None:
    for name in ("odd", "even"):
        for bad in (None, "4", True, dt.date(2018, 12, 6)):
            with pytest.raises(FeelEvalError):
                call(name, bad)
        with pytest.raises(FeelEvalError):
            NUMERIC_BUILTINS[name].invoke([], {"n": d(4)})


def test_results_are_decimals() -> None:
    for name, args in [("floor", (d("1.5"),)), ("sqrt", (d(4),)), ("modulo", (d(5), d(3)))]:
        assert type(call(name, *args)) is Decimal
