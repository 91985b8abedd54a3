"""Temporal built-ins (DMN 1.5 §10.3.4.1 and §10.3.4.11); expectations from the spec and
the DMN TCK folders 1115-1121 (conversions), 0095-0098 (calendar functions), 1148-1149
(clock) — within Python's years 1..9999 and microsecond precision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from regista.feel import evaluate
from regista.feel.builtins.temporal import TEMPORAL_BUILTINS, clock_builtins
from regista.feel.scope import Scope
from regista.feel.values import (
    DaysTimeDuration,
    FeelEvalError,
    YearsMonthsDuration,
    to_string,
)

UTC = dt.UTC
PLUS2 = dt.timezone(dt.timedelta(hours=2))
PARIS = ZoneInfo("Europe/Paris")
HOUR = 3600


def call(name: str, *args: Any, **named: Any) -> Any:
    fn = TEMPORAL_BUILTINS[name]
    return fn.invoke(list(args), named or None)


def dtd(seconds: int | str) -> DaysTimeDuration:
    return DaysTimeDuration(Decimal(seconds))


def n(value: int | str) -> Decimal:
    return Decimal(value)


def same(a: Any, b: Any) -> bool:
    """Equal values of the same type and, for times and date-times, the same tzinfo."""
    return (
        type(a) is type(b) and a == b and getattr(a, "tzinfo", None) == getattr(b, "tzinfo", None)
    )


# ---------------------------------------------------------------- date


def test_date_from() -> None:
    assert call("date", "2017-12-31") == dt.date(2017, 12, 31)
    assert same(call("date", dt.datetime(2017, 8, 14, 14, 25)), dt.date(2017, 8, 14))
    # the local date of a zoned date and time, not its UTC date
    assert call("date", dt.datetime(2017, 9, 6, 1, tzinfo=PARIS)) == dt.date(2017, 9, 6)
    assert call("date", dt.date(2017, 10, 11)) == dt.date(2017, 10, 11)
    assert call("date", ["2017-12-31"]) == dt.date(2017, 12, 31)  # singleton list
    assert call("date", **{"from": "2012-12-25"}) == dt.date(2012, 12, 25)


def test_date_from_parts() -> None:
    assert call("date", n(2017), n(12), n(31)) == dt.date(2017, 12, 31)
    assert call("date", year=n(2017), month=n(8), day=n(30)) == dt.date(2017, 8, 30)


@pytest.mark.parametrize(
    "args",
    [
        (None,),
        ("",),
        ("2012-12-25T",),
        ("2012-12-25T10:00:00",),
        ("2017-13-10",),
        (n(1),),
        ([],),
        (dt.time(10),),
        (None, n(2), n(1)),
        (n(2017), None, n(1)),
        (n(2017), n(13), n(31)),
        (n(2017), n(12), n(32)),
        (n(2017), n(-8), n(2)),
        (n(2017), n(2), n(29)),
        (n(2017), n("1.5"), n(1)),
        (n(-2017), n(2), n(29)),
        (n(1_000_000_000), n(1), n(1)),
        ("2017", n(1), n(1)),
    ],
)
def test_date_invalid(args: tuple[Any, ...]) -> None:
    with pytest.raises(FeelEvalError):
        call("date", *args)


def test_date_arity() -> None:
    for args in ((), (None, None)):
        with pytest.raises(FeelEvalError):
            call("date", *args)


# ---------------------------------------------------------------- date and time


def test_date_and_time_from() -> None:
    assert same(call("date and time", "2012-12-24"), dt.datetime(2012, 12, 24))
    assert same(
        call("date and time", "2017-12-31T11:22:33.567Z"),
        dt.datetime(2017, 12, 31, 11, 22, 33, 567000, UTC),
    )
    assert same(
        call("date and time", "2012-12-24T23:59:00@Europe/Paris"),
        dt.datetime(2012, 12, 24, 23, 59, tzinfo=PARIS),
    )
    assert to_string(call("date and time", "2011-12-31T10:15:30@Etc/UTC")) == (
        "2011-12-31T10:15:30@Etc/UTC"
    )
    assert same(
        call("date and time", **{"from": "2012-12-24T23:59:00"}), dt.datetime(2012, 12, 24, 23, 59)
    )


def test_date_and_time_from_date_and_time() -> None:
    assert same(
        call("date and time", dt.date(2017, 1, 1), dt.time(23, 59, 1)),
        dt.datetime(2017, 1, 1, 23, 59, 1),
    )
    assert same(
        call("date and time", dt.date(2017, 1, 1), dt.time(23, 59, 1, tzinfo=PLUS2)),
        dt.datetime(2017, 1, 1, 23, 59, 1, tzinfo=PLUS2),
    )
    # The date of a date and time is used, and the zone comes from the time alone.
    assert same(
        call("date and time", dt.datetime(2017, 8, 10, 10, 20, tzinfo=PLUS2), dt.time(23, 59, 1)),
        dt.datetime(2017, 8, 10, 23, 59, 1),
    )
    assert same(
        call("date and time", dt.datetime(2017, 9, 5, 10, 20), dt.time(9, 15, 30, tzinfo=PARIS)),
        dt.datetime(2017, 9, 5, 9, 15, 30, tzinfo=PARIS),
    )
    assert same(
        call("date and time", date=dt.date(2017, 1, 1), time=dt.time(23, 59, 1)),
        dt.datetime(2017, 1, 1, 23, 59, 1),
    )


@pytest.mark.parametrize(
    "args",
    [
        (None,),
        (n(2017),),
        ([],),
        ("",),
        ("11:00:00",),
        ("2011-12-0310:15:30",),
        ("2017-12-31T13:20:00+02:00@Europe/Paris",),
        (dt.date(2017, 1, 1),),
        (None, None),
        (dt.date(2017, 8, 10), None),
        (None, dt.time(23, 59, 1)),
        (dt.date(2017, 8, 10), dt.datetime(2017, 8, 10, 10)),
        ("2017-08-10", dt.time(10)),
    ],
)
def test_date_and_time_invalid(args: tuple[Any, ...]) -> None:
    with pytest.raises(FeelEvalError):
        call("date and time", *args)


# ---------------------------------------------------------------- time


def test_time_from() -> None:
    assert same(call("time", "01:02:03"), dt.time(1, 2, 3))
    assert same(call("time", "13:20:00+02:00"), dt.time(13, 20, tzinfo=PLUS2))
    assert same(call("time", "10:30:00@Europe/Paris"), dt.time(10, 30, tzinfo=PARIS))
    assert same(call("time", dt.time(10, 30)), dt.time(10, 30))
    assert same(call("time", dt.datetime(2017, 8, 10, 10, 20)), dt.time(10, 20))
    assert same(
        call("time", dt.datetime(2017, 8, 10, 10, 20, tzinfo=PLUS2)), dt.time(10, 20, tzinfo=PLUS2)
    )
    assert to_string(call("time", dt.datetime(2017, 8, 10, 10, 20, tzinfo=PARIS))) == (
        "10:20:00@Europe/Paris"
    )
    # A date is midnight UTC.
    assert same(call("time", dt.date(2017, 8, 10)), dt.time(0, tzinfo=UTC))
    assert same(call("time", **{"from": "12:45:00"}), dt.time(12, 45))


def test_time_from_parts() -> None:
    assert same(call("time", n(12), n(0), n(0)), dt.time(12))
    assert same(call("time", n(12), n(0), n(0), None), dt.time(12))
    assert same(call("time", n(11), n(59), n(45), dtd(0)), dt.time(11, 59, 45, tzinfo=UTC))
    assert same(call("time", n(11), n(59), n(45), dtd(2 * HOUR)), dt.time(11, 59, 45, tzinfo=PLUS2))
    assert to_string(call("time", n(11), n(59), n(0), dtd(-(2 * HOUR + 60)))) == "11:59:00-02:01"
    assert to_string(call("time", n(11), n(59), n(45), dtd(2 * HOUR + 45 * 60 + 55))) == (
        "11:59:45+02:45:55"
    )
    assert same(call("time", n(10), n(30), n("15.25")), dt.time(10, 30, 15, 250000))
    assert call("time", n(10), n(30), n("59.9999999")) == dt.time(10, 30, 59, 999999)
    assert to_string(call("time", n(10), n(30), n("59.9999999999"))) == "10:30:59.999999999"
    assert same(
        call("time", hour=n(11), minute=n(59), second=n(0), offset=dtd(-2 * HOUR)),
        dt.time(11, 59, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
    )


@pytest.mark.parametrize(
    "args",
    [
        (None,),
        (n(2017),),
        ([],),
        ("",),
        ("24:00:01",),
        ("13:20:00+19:00",),
        ("13:20:00@xyz/abc",),
        (dtd(HOUR),),
        (None, n(11), n(45), dtd(0)),
        (n(12), None, n(45), dtd(0)),
        (n(12), n(0), None, dtd(0)),
        (n(12), n(11), None, None),
        (n(24), n(59), n(45), None),
        (n(-1), n(59), n(45), None),
        (n(23), n(60), n(45), None),
        (n(23), n(59), n(60), None),
        (n(23), n(59), n(-1), None),
        (n("10.5"), n(0), n(0)),
        (n(10), n(0), n(0), dtd(19 * HOUR)),
        (n(10), n(0), n(0), YearsMonthsDuration(1)),
        (n(10), n(0), n(0), "+01:00"),
    ],
)
def test_time_invalid(args: tuple[Any, ...]) -> None:
    with pytest.raises(FeelEvalError):
        call("time", *args)


# ---------------------------------------------------------------- durations


def test_duration() -> None:
    assert call("duration", "P1D") == dtd(86400)
    assert call("duration", "PT1000M") == dtd(60000)
    assert call("duration", "P26M") == YearsMonthsDuration(26)
    assert str(call("duration", "P26M")) == "P2Y2M"
    assert call("duration", **{"from": "PT24H"}) == dtd(86400)
    invalid: tuple[Any, ...] = (None, "", n(2017), [], "P", "P1H", "P1Y2M3DT4H", "2012T-")
    for bad in invalid:
        with pytest.raises(FeelEvalError):
            call("duration", bad)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (dt.date(2011, 12, 22), dt.date(2013, 8, 24), "P1Y8M"),
        (dt.date(2013, 8, 24), dt.date(2011, 12, 22), "-P1Y8M"),
        (dt.date(2015, 1, 21), dt.date(2016, 1, 21), "P1Y"),
        (dt.date(2016, 1, 21), dt.date(2015, 1, 21), "-P1Y"),
        (dt.date(2016, 1, 1), dt.date(2016, 1, 1), "P0M"),
        (dt.date(2016, 1, 31), dt.date(2016, 2, 29), "P0M"),  # the 31st is not reached
        (dt.date(2016, 1, 31), dt.date(2016, 3, 1), "P1M"),
        (dt.date(2016, 3, 1), dt.date(2016, 1, 31), "-P1M"),
        (dt.datetime(2017, 12, 31, 13), dt.datetime(2017, 12, 31, 12), "P0M"),
        (dt.datetime(2016, 9, 30, 23, 25), dt.datetime(2017, 12, 28, 12, 12, 12), "P1Y2M"),
        (dt.datetime(2014, 12, 31, 23, 59, 59), dt.datetime(2019, 10, 1, 12, 32, 59), "P4Y9M"),
        # Only the local calendar dates count, whatever the zones and times of day.
        (
            dt.datetime(2011, 8, 25, 15, 59, 59, tzinfo=PARIS),
            dt.datetime(2015, 8, 25, 15, 20, 59, tzinfo=PLUS2),
            "P4Y",
        ),
        (
            dt.datetime(2017, 9, 5, 10, 20, tzinfo=dt.timezone(dt.timedelta(hours=5))),
            dt.datetime(2019, 10, 1, 12, 32, 59),
            "P2Y",
        ),
        (dt.date(2013, 8, 24), dt.datetime(2017, 12, 15, 0, 59, 59), "P4Y3M"),
        (dt.datetime(2017, 2, 28, 23, 59, 59), dt.date(2019, 7, 23), "P2Y4M"),
    ],
)
def test_years_and_months_duration(start: Any, end: Any, expected: str) -> None:
    result = call("years and months duration", start, end)
    assert isinstance(result, YearsMonthsDuration)
    assert str(result) == expected
    named = call("years and months duration", **{"from": start, "to": end})
    assert named == result


@pytest.mark.parametrize(
    "args",
    [
        (None, None),
        (dt.date(2017, 8, 11), None),
        (None, dt.date(2017, 8, 11)),
        ([], []),
        ("2017-08-11", dt.date(2018, 8, 11)),
        (dt.time(10), dt.date(2018, 8, 11)),
    ],
)
def test_years_and_months_duration_invalid(args: tuple[Any, ...]) -> None:
    with pytest.raises(FeelEvalError):
        call("years and months duration", *args)
    with pytest.raises(FeelEvalError):
        call("years and months duration", dt.date(2017, 8, 11))


# ---------------------------------------------------------------- calendar functions


@pytest.mark.parametrize(
    ("value", "day_of_year", "day_of_week", "month_of_year", "week_of_year"),
    [
        (dt.date(1970, 1, 1), 1, "Thursday", "January", 1),
        (dt.date(2019, 9, 17), 260, "Tuesday", "September", 38),
        (dt.date(2019, 12, 31), 365, "Tuesday", "December", 1),
        (dt.date(2020, 12, 31), 366, "Thursday", "December", 53),
        (dt.date(2003, 12, 29), 363, "Monday", "December", 1),
        (dt.date(2004, 1, 1), 1, "Thursday", "January", 1),
        (dt.date(2010, 1, 1), 1, "Friday", "January", 53),
        (dt.date(2021, 5, 2), 122, "Sunday", "May", 17),
        (dt.datetime(2019, 9, 17, 10, 10, 10, tzinfo=PARIS), 260, "Tuesday", "September", 38),
    ],
)
def test_calendar_functions(
    value: Any, day_of_year: int, day_of_week: str, month_of_year: str, week_of_year: int
) -> None:
    assert call("day of year", value) == Decimal(day_of_year)
    assert call("day of week", value) == day_of_week
    assert call("month of year", value) == month_of_year
    assert call("week of year", value) == Decimal(week_of_year)
    assert call("day of year", date=value) == Decimal(day_of_year)
    assert isinstance(call("week of year", value), Decimal)


@pytest.mark.parametrize("name", ["day of year", "day of week", "month of year", "week of year"])
def test_calendar_functions_invalid(name: str) -> None:
    for bad in (None, "foo", "2019-09-17", n(1), dt.time(10)):
        with pytest.raises(FeelEvalError):
            call(name, bad)
    with pytest.raises(FeelEvalError):
        call(name, value=dt.date(1970, 1, 1))
    with pytest.raises(FeelEvalError):
        call(name, dt.date(1970, 1, 1), dt.date(1970, 1, 1))
    with pytest.raises(FeelEvalError):
        call(name)


# ---------------------------------------------------------------- clock


def test_clock_builtins() -> None:
    instant = dt.datetime(2024, 2, 29, 23, 30, tzinfo=PLUS2)
    table = clock_builtins(lambda: instant)
    assert set(table) == {"now", "today"}
    assert table["now"].invoke([]) == instant
    assert same(table["today"].invoke([]), dt.date(2024, 2, 29))
    with pytest.raises(FeelEvalError):
        table["now"].invoke([n(1)])


def test_clock_is_read_on_every_call() -> None:
    ticks = iter([dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)])
    table = clock_builtins(lambda: next(ticks))
    assert table["today"].invoke([]) == dt.date(2024, 1, 1)
    assert table["today"].invoke([]) == dt.date(2024, 1, 2)


def test_registered_names() -> None:
    assert set(TEMPORAL_BUILTINS) == {
        "date",
        "date and time",
        "time",
        "duration",
        "years and months duration",
        "day of year",
        "day of week",
        "month of year",
        "week of year",
    }
    assert TEMPORAL_BUILTINS["time"].signatures == [
        ("from",),
        ("hour", "minute", "second"),
        ("hour", "minute", "second", "offset"),
    ]


# ---------------------------------------------------------------- through the evaluator


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('date("2020-01-31") + duration("P1M")', "2020-02-29"),
        ("date(2017, 1, 1)", "2017-01-01"),
        ('date(from: date and time("2017-08-30T10:25:00"))', "2017-08-30"),
        ("date(year: 2017, month: 08, day: 30)", "2017-08-30"),
        ('date and time("2012-12-24T23:59:00@Europe/Paris")', "2012-12-24T23:59:00@Europe/Paris"),
        ('date and time(date("2017-01-01"), time("23:59:01+02:00"))', "2017-01-01T23:59:01+02:00"),
        ('date and time(date: date("2017-01-01"), time: time("23:59:01"))', "2017-01-01T23:59:01"),
        ('time(11, 59, 45, duration("-PT2H"))', "11:59:45-02:00"),
        ('time(hour: 11, minute: 59, second: 0, offset: duration("PT2H1M0S"))', "11:59:00+02:01"),
        ('time(date("2017-08-10"))', "00:00:00Z"),
        ('duration("P2DT274M")', "P2DT4H34M"),
        ('years and months duration(date("2011-12-22"), date("2013-08-24"))', "P1Y8M"),
        ('years and months duration(from: date("2016-01-21"), to: date("2015-01-21"))', "-P1Y"),
        ('day of week(date: @"2019-09-17")', "Tuesday"),
        ('month of year(@"2019-09-17T10:10:10")', "September"),
        ('week of year(@"2010-01-01")', "53"),
        ('day of year(@"2020-12-31")', "366"),
        ('date and time("2017-08-10T10:20:00") - date and time("2017-08-09T09:20:00")', "P1DT1H"),
    ],
)
def test_evaluate(expression: str, expected: str) -> None:
    warnings: list[str] = []
    assert to_string(evaluate(expression, {}, warnings)) == expected
    assert warnings == []


@pytest.mark.parametrize(
    "expression",
    [
        "date(null)",
        "date()",
        'date("2017-13-10")',
        "date(2017, 2, 30)",
        'date and time("11:00:00")',
        'time("24:00:01")',
        "time(24, 59, 45, null)",
        'duration("P1Y2M3DT4H")',
        'day of year(value: @"1970-01-01")',
        'years and months duration(date("2017-08-11"), null)',
    ],
)
def test_evaluate_invalid_is_null_with_warning(expression: str) -> None:
    warnings: list[str] = []
    assert evaluate(expression, {}, warnings) is None
    assert warnings


def test_now_and_today_through_the_evaluator() -> None:
    instant = dt.datetime(2024, 2, 29, 23, 30, tzinfo=PLUS2)
    scope = Scope.with_clock(lambda: instant)
    assert evaluate("now()", scope) == instant
    assert evaluate("today()", scope) == dt.date(2024, 2, 29)
    assert evaluate('today() - date("2024-02-28")', scope) == dtd(86400)
