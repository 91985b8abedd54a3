"""Boolean built-ins `not` and `is` (expectations from DMN 1.5 and the DMN TCK folders 0066,
0103 and compliance-level-2 0107)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from regista.feel.builtins.booleans import BOOLEAN_BUILTINS
from regista.feel.values import (
    DaysTimeDuration,
    FeelEvalError,
    FeelFunction,
    Range,
    YearsMonthsDuration,
)

UTC = dt.UTC
PLUS10 = dt.timezone(dt.timedelta(hours=10))
PLUS11 = dt.timezone(dt.timedelta(hours=11))
MELBOURNE = ZoneInfo("Australia/Melbourne")


def call(name: str, *args: Any) -> Any:
    return BOOLEAN_BUILTINS[name].invoke(list(args))


def test_not() -> None:
    assert call("not", True) is False
    assert call("not", False) is True
    assert call("not", None) is None
    assert BOOLEAN_BUILTINS["not"].invoke([], {"negand": True}) is False
    for bad in (Decimal(0), Decimal(1), "true"):
        with pytest.raises(FeelEvalError):
            call("not", bad)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (Decimal(1), Decimal(1), True),
        (Decimal(1), Decimal("1.0"), True),
        (Decimal(1), Decimal(2), False),
        (True, True, True),
        (True, False, False),
        (Decimal(1), True, False),
        ("foo", "foo", True),
        ("foo", "bar", False),
        (None, None, True),
        (dt.date(2021, 2, 13), None, False),
        (dt.date(2012, 12, 25), dt.date(2012, 12, 25), True),
        (dt.date(2012, 12, 25), dt.datetime(2012, 12, 25, tzinfo=UTC), False),
        (dt.time(23, 0, 50), dt.time(23, 0, 50), True),
        (dt.time(23, 0, 50), dt.time(23, 0, 50, tzinfo=UTC), False),
        (dt.time(23, 0, 50, tzinfo=UTC), dt.time(23, 0, 50, tzinfo=dt.timezone(dt.timedelta())),
         True),
        (dt.time(23, 0, 50, tzinfo=PLUS10), dt.time(23, 0, 50, tzinfo=PLUS11), False),
        (dt.time(20, 0, 50, tzinfo=UTC), dt.time(21, 0, 50, tzinfo=dt.timezone(dt.timedelta(
            hours=1))), False),  # the same instant, but not the same time
        (dt.time(23, 0, 50, tzinfo=MELBOURNE), dt.time(23, 0, 50, tzinfo=MELBOURNE), True),
        (dt.time(23, 0, 50, tzinfo=MELBOURNE), dt.time(23, 0, 50, tzinfo=PLUS10), False),
        (dt.time(23, 0, 50, tzinfo=ZoneInfo("Etc/GMT")), dt.time(23, 0, 50, tzinfo=UTC), False),
        (dt.datetime(2012, 12, 25, 10, 10, 10), dt.datetime(2012, 12, 25, 10, 10, 10), True),
        (dt.datetime(2002, 4, 2, 12, tzinfo=dt.timezone(-dt.timedelta(hours=1))),
         dt.datetime(2002, 4, 2, 17, tzinfo=dt.timezone(dt.timedelta(hours=4))), False),
        (dt.datetime(2021, 4, 2, 23, tzinfo=MELBOURNE), dt.datetime(2021, 4, 2, 23, tzinfo=PLUS11),
         False),
        (dt.datetime(2002, 4, 2, 23, tzinfo=MELBOURNE),
         dt.datetime(2002, 4, 2, 23, tzinfo=ZoneInfo("Australia/Sydney")), False),
        (DaysTimeDuration(Decimal(86400)), DaysTimeDuration(Decimal("86400.0")), True),
        (YearsMonthsDuration(12), YearsMonthsDuration(12), True),
        (YearsMonthsDuration(0), DaysTimeDuration(Decimal(0)), False),
        ([Decimal(1), "a"], [Decimal(1), "a"], True),
        ([dt.time(1, tzinfo=UTC)], [dt.time(2, tzinfo=dt.timezone(dt.timedelta(hours=1)))],
         False),
        ({"a": Decimal(1)}, {"a": Decimal(1)}, True),
        ({"a": Decimal(1)}, {"b": Decimal(1)}, False),
        (Range(True, Decimal(1), Decimal(2), False), Range(True, Decimal(1), Decimal(2), False),
         True),
        (Range(True, Decimal(1), Decimal(2), False), Range(True, Decimal(1), Decimal(2), True),
         False),
    ],
)  # fmt: skip
def test_is(a: Any, b: Any, expected: bool) -> None:
    assert call("is", a, b) is expected
    assert call("is", b, a) is expected


def test_is_functions_and_named_arguments() -> None:
    f = FeelFunction("f", [("x",)], lambda x: x)
    g = FeelFunction("f", [("x",)], lambda x: x)
    assert call("is", f, f) is True
    assert call("is", f, g) is False
    date = dt.date(2021, 2, 13)
    assert BOOLEAN_BUILTINS["is"].invoke([], {"value1": date, "value2": date}) is True
    assert BOOLEAN_BUILTINS["is"].invoke([], {"value1": date}) is False
    with pytest.raises(FeelEvalError):
        BOOLEAN_BUILTINS["is"].invoke([], {"value1": date, "value3": date})
