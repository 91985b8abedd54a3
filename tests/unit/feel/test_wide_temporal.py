"""Dates and date-times beyond Python's `datetime`: years outside 1..9999 (FEEL allows
-999,999,999..999,999,999) and digits past the microsecond. The expectations are computed by
hand from the Gregorian rules (a year is leap when divisible by 4, except centuries not
divisible by 400; year 0 is 1 BCE, a leap year), from the 400-year cycle of 146,097 days
(exactly 20,871 weeks, so weekdays repeat), from the IANA zone history (Melbourne kept local
mean time +09:39:52 until 1895, Rome +00:49:56 until 1866), and from the DMN TCK folders
0100, 1115, 1117 and 1121."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from regista.feel import evaluate
from regista.feel.temporal import add, parse_date, parse_date_time, parse_time, subtract
from regista.feel.values import (
    CYCLE_DAYS,
    DaysTimeDuration,
    NanoTime,
    WideDate,
    WideDateTime,
    YearsMonthsDuration,
    compare,
    date_from_ordinal,
    equal,
    kind,
    make_date,
    make_date_time,
    stand_in_year,
    to_string,
)

PARIS = ZoneInfo("Europe/Paris")


def ev(text: str) -> Any:
    warnings: list[str] = []
    result = evaluate(text, warnings=warnings)
    assert not warnings, warnings
    return result


def null(text: str) -> list[str]:
    warnings: list[str] = []
    assert evaluate(text, warnings=warnings) is None
    assert warnings
    return warnings


# ---------------------------------------------------------------- representation


def test_the_cycle_is_whole_weeks() -> None:
    assert CYCLE_DAYS == 400 * 365 + 97  # 97 leap days: 100 - 4 centuries + 1
    assert CYCLE_DAYS % 7 == 0
    assert dt.date(2400, 1, 1).toordinal() - dt.date(2000, 1, 1).toordinal() == CYCLE_DAYS


@pytest.mark.parametrize(
    ("year", "stand_in"),
    [
        (2021, 2021),
        (401, 401),
        (9600, 9600),
        (400, 800),
        (1, 401),
        (0, 800),
        (-1, 399 + 400),
        (-2017, 783),  # -2017 + 2800
        (9601, 9201),
        (9999, 9599),
        (10000, 9600),
        (999_999_999, 9599),  # 999,999,999 - 9599 = 999,990,400 = 2,499,976 cycles
    ],
)
def test_stand_in_year(year: int, stand_in: int) -> None:
    assert stand_in_year(year) == stand_in
    assert (year - stand_in) % 400 == 0


def test_make_date_keeps_ordinary_dates_plain() -> None:
    assert type(make_date(2021, 3, 4)) is dt.date
    assert type(make_date(1, 1, 1)) is dt.date
    assert type(make_date(9999, 12, 31)) is dt.date
    wide = make_date(-2017, 12, 31)
    assert isinstance(wide, WideDate)
    assert (wide.year, wide.month, wide.day) == (-2017, 12, 31)
    assert wide == make_date(-2017, 12, 31)
    assert hash(wide) == hash(make_date(-2017, 12, 31))
    assert wide != make_date(-2017, 12, 30)
    assert str(wide) == "-2017-12-31"
    assert repr(wide) == "WideDate('-2017-12-31')"


def test_make_date_time_keeps_ordinary_values_plain() -> None:
    assert type(make_date_time(2021, 3, 4, 10)) is dt.datetime
    wide = make_date_time(10000, 1, 1, 10, 20, 30, 40, PARIS)
    assert isinstance(wide, WideDateTime)
    fields = (wide.year, wide.month, wide.day, wide.hour, wide.minute, wide.second)
    assert fields == (10000, 1, 1, 10, 20, 30)
    assert (wide.microsecond, wide.tzinfo, wide.nanos) == (40, PARIS, 0)
    # Nanoseconds make a wide value even in Python's years.
    precise = make_date_time(2021, 1, 1, nanos=5)
    assert isinstance(precise, WideDateTime)
    assert to_string(precise) == "2021-01-01T00:00:00.000000005"


@pytest.mark.parametrize(("year", "month", "day"), [(-1700, 2, 29), (-1, 2, 29), (10000, 13, 1)])
def test_invalid_wide_dates(year: int, month: int, day: int) -> None:
    with pytest.raises(ValueError):
        make_date(year, month, day)


def test_ordinals_continue_past_pythons_years() -> None:
    assert make_date(0, 12, 31).toordinal() == 0  # the day before 0001-01-01 (day 1)
    assert make_date(0, 1, 1).toordinal() == 1 - 366  # year 0 is a leap year
    assert make_date(10000, 1, 1).toordinal() == dt.date(9999, 12, 31).toordinal() + 1
    assert date_from_ordinal(0) == make_date(0, 12, 31)
    assert date_from_ordinal(-365) == make_date(0, 1, 1)
    assert date_from_ordinal(dt.date.max.toordinal() + 1) == make_date(10000, 1, 1)
    assert type(date_from_ordinal(1)) is dt.date
    for n in (-(10**9), -CYCLE_DAYS - 1, -1, 0, 1, 3_652_059, 3_652_060, 10**11):
        assert date_from_ordinal(n).toordinal() == n


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("-2017-12-31", "-2017-12-31"),
        ("-0001-01-01", "-0001-01-01"),
        ("0000-01-01", "0000-01-01"),
        ("10000-01-01", "10000-01-01"),
        ("999999999-12-31", "999999999-12-31"),
        ("-999999999-12-31", "-999999999-12-31"),
    ],
)
def test_parse_and_print_wide_dates(text: str, printed: str) -> None:
    assert to_string(parse_date(text)) == printed
    assert kind(parse_date(text)) == "date"


@pytest.mark.parametrize(
    "text",
    [
        "-2017-12-31T11:22:33",
        "99999-12-31T11:22:33",
        "-99999-12-31T11:22:33",
        "-2017-12-31T11:22:33.456+01:35",
        "2011-12-31T10:15:30.123456789@Europe/Paris",
        "999999999-12-31T23:59:59.999999999@Europe/Paris",
        "-999999999-12-31T23:59:59.999999999+02:00",
        "0000-02-29T00:00:00Z",
    ],
)
def test_parse_and_print_wide_date_times(text: str) -> None:
    value = parse_date_time(text)
    assert isinstance(value, WideDateTime)
    assert to_string(value) == text
    assert kind(value) == "date and time"
    assert equal(value, parse_date_time(text)) is True


def test_end_of_day_moves_into_the_next_year() -> None:
    assert to_string(parse_date_time("9999-12-31T24:00:00")) == "10000-01-01T00:00:00"
    assert to_string(parse_date_time("-0001-12-31T24:00:00Z")) == "0000-01-01T00:00:00Z"


def test_nanoseconds_in_times() -> None:
    t = parse_time("23:59:01.123456789@Europe/Paris")
    assert isinstance(t, NanoTime)
    assert t.nanos == 789
    assert t == dt.time(23, 59, 1, 123456, PARIS)  # a time to everything else
    assert to_string(t) == "23:59:01.123456789@Europe/Paris"
    assert repr(t) == "NanoTime('23:59:01.123456789@Europe/Paris')"
    assert type(parse_time("23:59:01.123456")) is dt.time  # no more digits: a plain time
    assert type(parse_time("23:59:01.1234560001")) is dt.time  # past the nanosecond: cut
    for copied in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert isinstance(copied, NanoTime)
        assert copied.nanos == 789


# ---------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Leap years: -1 is not (0 is), -4 and -400 are, -100 is not.
        ('date("-0001-03-01") - date("-0001-02-28")', "P1D"),
        ('date("-0004-03-01") - date("-0004-02-28")', "P2D"),
        ('date("-0100-03-01") - date("-0100-02-28")', "P1D"),
        ('date("-0400-03-01") - date("-0400-02-28")', "P2D"),
        ('date("0001-01-01") - date("0000-01-01")', "P366D"),
        ('date("10000-01-01") - date("9999-12-31")', "P1D"),
        # 2,000,000,000 years are 5,000,000 cycles; 999,999,999-12-31 is 1 + 366 days
        # before 1,000,000,001-01-01 (1,000,000,000 is divisible by 400: leap).
        ('date("999999999-12-31") - date("-999999999-01-01")', "P730484999633D"),
        # 2000 years are 5 cycles of 146,097 days.
        ('@"-0044-03-15T12:00:00Z" - @"1956-03-15T12:00:00Z"', "-P730485D"),
        # Melbourne's local mean time is 9:39:52 ahead of UTC.
        ('@"-2021-01-01T10:10:10@Australia/Melbourne" - @"-2021-01-01T00:30:18Z"', "PT0S"),
        ('@"2020-01-01T00:00:00.000000001" - @"2020-01-01T00:00:00"', "PT0.000000001S"),
        ('@"-0001-12-31T23:59:59.999999999" - @"0000-01-01T00:00:00"', "-PT0.000000001S"),
        ('date("-2017-12-31") - @"-2017-12-30T12:00:00Z"', "PT12H"),
        # In Python's years, but their UTC times are not.
        ('@"0001-01-01T00:00:00@Australia/Melbourne" - @"0001-01-01T00:00:00Z"', "-PT9H39M52S"),
        ('@"9999-12-31T23:00:00-05:00" - @"9999-12-31T23:00:00Z"', "PT5H"),
    ],
)
def test_subtraction(text: str, expected: str) -> None:
    assert to_string(ev(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('date("-0001-12-31") + duration("P1D")', "0000-01-01"),
        ('@"9999-12-31T23:00:00-05:00" + @"PT1H"', "10000-01-01T00:00:00-05:00"),
        ('date("9999-12-31") + duration("P1D")', "10000-01-01"),
        ('date(-2017, 12, 31) + duration("P1D")', "-2016-01-01"),
        ('date("0001-01-01") - duration("PT1S")', "0000-12-31"),
        ('date("-0001-01-31") + duration("P1M")', "-0001-02-28"),
        ('date("-0004-01-31") + duration("P1M")', "-0004-02-29"),
        ('date("9999-12-01") + duration("P1M")', "10000-01-01"),
        ('date("10000-01-01") - duration("P1M")', "9999-12-01"),
        ('date("-99999-01-01") + duration("P146097000D")', "300001-01-01"),  # 1000 cycles
        ('date("2021-01-01") + duration("-P2021Y")', "0000-01-01"),
        # From the TCK's 0100-arithmetic: calendar and elapsed arithmetic, offsets and zones.
        ('@"-2021-01-01T10:10:10+11:00" + @"P1M"', "-2021-02-01T10:10:10+11:00"),
        ('@"-2021-01-01T10:10:10+11:00" - @"P1Y"', "-2022-01-01T10:10:10+11:00"),
        ('@"-2021-01-01T10:10:10+11:00" + @"-PT1H"', "-2021-01-01T09:10:10+11:00"),
        (
            '@"-2021-01-01T10:10:10@Australia/Melbourne" + @"-P1D"',
            "-2022-12-31T10:10:10@Australia/Melbourne",
        ),
        (
            '@"P1M" + @"-2021-01-01T10:10:10@Australia/Melbourne"',
            "-2021-02-01T10:10:10@Australia/Melbourne",
        ),
        (
            '@"-2021-01-01T10:10:10@Australia/Melbourne" - @"-PT1H"',
            "-2021-01-01T11:10:10@Australia/Melbourne",
        ),
        # Year 1 just after midnight in Melbourne is the previous day in UTC (year 0).
        (
            '@"0001-01-01T00:00:00@Australia/Melbourne" - @"PT1H"',
            "0000-12-31T23:00:00@Australia/Melbourne",
        ),
        # 2000 years on, Rome's offset is +01:00 instead of its mean time +00:49:56: the
        # same elapsed time shows 10:04 later on the clock.
        ('@"-0044-03-15T12:00:00@Europe/Rome" + @"P730485D"', "1956-03-15T12:10:04@Europe/Rome"),
        ('@"-0044-03-15T12:00:00@Europe/Rome" + @"P2000Y"', "1956-03-15T12:00:00@Europe/Rome"),
        (
            '@"2011-12-31T10:15:30.123456789@Europe/Paris" + @"PT0.000000011S"',
            "2011-12-31T10:15:30.1234568@Europe/Paris",
        ),
        ('@"2011-12-31T10:15:30.123456789Z" + @"P1D"', "2012-01-01T10:15:30.123456789Z"),
        ('@"2011-12-31T10:15:30.123456789Z" + @"P1M"', "2012-01-31T10:15:30.123456789Z"),
        ('time("23:59:59.999999999") + duration("PT0.000000001S")', "00:00:00"),
        ('time("00:00:00") - duration("PT0.000000001S")', "23:59:59.999999999"),
    ],
)
def test_addition(text: str, expected: str) -> None:
    assert to_string(ev(text)) == expected


def test_far_future_zone_rules() -> None:
    # After its history a zone follows its last daylight-saving rule for ever.
    assert ev('@"10000-07-01T12:00:00@Europe/Paris".time offset') == DaysTimeDuration(Decimal(7200))
    assert ev('@"10000-01-01T12:00:00@Europe/Paris".time offset') == DaysTimeDuration(Decimal(3600))
    assert ev('@"-2021-01-01T10:10:10@Australia/Melbourne".time offset') == DaysTimeDuration(
        Decimal(9 * 3600 + 39 * 60 + 52)
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ('date("999999999-12-31")', 'duration("P1D")'),
        ('date("-999999999-01-01")', 'duration("-P1D")'),
        ('date("2021-01-01")', 'duration("P1000000000Y")'),
        ('@"999999999-12-31T23:59:59.999999999@Europe/Paris"', 'duration("PT0.000000001S")'),
        ('date("2021-01-01")', 'duration("P999999999999D")'),
    ],
)
def test_beyond_feels_years_is_null(a: str, b: str) -> None:
    assert any("outside FEEL's range" in w for w in null(f"{a} + {b}"))


def test_operators_directly() -> None:
    d = parse_date("-2017-12-31")
    assert add(d, DaysTimeDuration(Decimal(86400))) == make_date(-2016, 1, 1)
    assert add(YearsMonthsDuration(-1), d) == make_date(-2017, 11, 30)
    assert subtract(d, make_date(-2017, 12, 30)) == DaysTimeDuration(Decimal(86400))


# ---------------------------------------------------------------- equality and order


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('date("-2017-12-31") = date(-2017, 12, 31)', True),
        ('date("-2017-12-31") = date("2017-12-31")', False),
        ('date("-0001-12-31") < date("0001-01-01")', True),
        ('date("10000-01-01") > date("9999-12-31")', True),
        ('date("-2017-12-31") <= date("-2017-12-31")', True),
        ('date("-2017-12-31") in [date("-2018-01-01")..date("-2017-01-01")]', False),
        ('date("-2017-12-31") in [date("-2018-01-01")..date("10000-01-01")]', True),
        ('@"-2017-12-31T10:00:00+01:00" = @"-2017-12-31T09:00:00Z"', True),
        ('@"-2017-12-31T10:00:00+01:00" < @"-2017-12-31T09:30:00Z"', True),
        ('@"10000-01-01T00:00:00" > @"9999-12-31T23:59:59"', True),
        ('@"10000-01-01T00:00:00" = @"10000-01-01T00:00:00Z"', False),
        ('@"-2017-12-31T10:00:00" = date("-2017-12-31")', None),
        # Times and date-times compare to the second (TCK 0068-feel-equality).
        ('time("10:30:00.0001") = time("10:30:00.0002")', True),
        ('time("10:30:00.1") < time("10:30:00.9")', True),
        ('time("10:30:00.9") < time("10:30:01")', True),
        ('@"2018-12-08T00:00:00.0001" = @"2018-12-08T00:00:00"', True),
        ('@"2018-12-08T00:00:00.000000001" = @"2018-12-08T00:00:00"', True),
        ('@"2018-12-08T00:00:00.5" < @"2018-12-08T00:00:01"', True),
        # `is` tells the instants apart all the same.
        ('is(@"2018-12-08T00:00:00.0001", @"2018-12-08T00:00:00")', False),
        ('is(@"2018-12-08T00:00:00.000000001", @"2018-12-08T00:00:00.000000001")', True),
        ('is(time("10:30:00.000000001"), time("10:30:00"))', False),
        ('is(date("-2017-12-31"), date(-2017, 12, 31))', True),
        ('is(@"-2017-12-31T10:00:00+01:00", @"-2017-12-31T09:00:00Z")', False),
    ],
)
def test_equality_and_order(text: str, expected: bool | None) -> None:
    warnings: list[str] = []
    assert evaluate(text, warnings=warnings) is expected


def test_sorting_and_distinct() -> None:
    result = ev(
        'sort([date("10000-01-01"), date("-0001-01-01"), date("2000-01-01"), date("0000-06-30")])'
    )
    assert [to_string(d) for d in result] == [
        "-0001-01-01",
        "0000-06-30",
        "2000-01-01",
        "10000-01-01",
    ]
    assert len(ev('distinct values([date("-0001-01-01"), date(-1, 1, 1), date(1, 1, 1)])')) == 2
    assert len(ev('distinct values([@"2020-01-01T00:00:00.0001", @"2020-01-01T00:00:00"])')) == 1
    assert compare(parse_date("-0001-01-01"), parse_date("0001-01-01")) == -1
    assert compare(parse_date("-0001-01-01"), parse_date_time("-0001-01-01T00:00:00")) is None
    assert equal(parse_date("10000-01-01"), "10000-01-01") is None


# ---------------------------------------------------------------- properties, built-ins


def test_properties() -> None:
    assert ev('date("-2017-12-31").year') == Decimal(-2017)
    assert ev('date("-2017-12-31").month') == Decimal(12)
    assert ev('date("-2017-12-31").day') == Decimal(31)
    # -2000 is 10 cycles before 2000, and 2000-01-01 was a Saturday.
    assert ev('date("-2000-01-01").weekday') == Decimal(6)
    assert ev('@"0000-12-31".weekday') == Decimal(7)  # 0001-01-01 was a Monday
    value = '@"-99999-12-31T11:22:33.123456789+01:00"'
    assert ev(f"{value}.year") == Decimal(-99999)
    assert ev(f"{value}.hour") == Decimal(11)
    assert ev(f"{value}.minute") == Decimal(22)
    assert ev(f"{value}.second") == Decimal("33.123456789")
    assert ev(f"{value}.time offset") == DaysTimeDuration(Decimal(3600))
    assert ev(f"{value}.timezone") is None
    assert ev('@"10000-01-01T00:00:00@Europe/Paris".timezone') == "Europe/Paris"
    assert ev('time("10:00:00.000000001").second') == Decimal("0.000000001")


def test_calendar_functions() -> None:
    assert ev('day of week(date("-2000-01-01"))') == "Saturday"
    assert ev('week of year(date("-2000-01-01"))') == Decimal(52)  # as 2000-01-01
    assert ev('day of year(date("-2000-12-31"))') == Decimal(366)  # -2000 is a leap year
    assert ev('day of year(date("-1900-12-31"))') == Decimal(365)
    assert ev('month of year(@"10000-02-01T00:00:00")') == "February"


def test_conversion_functions() -> None:
    assert to_string(ev("date(-1600, 2, 29)")) == "-1600-02-29"
    assert to_string(ev("date(999999999, 12, 31)")) == "999999999-12-31"
    assert to_string(ev('date(@"-2017-12-31T11:22:33")')) == "-2017-12-31"
    assert to_string(ev('time(@"-2017-12-31T11:22:33.123456789Z")')) == "11:22:33.123456789Z"
    assert to_string(ev('time(date("-2017-12-31"))')) == "00:00:00Z"
    assert to_string(ev('date and time("-2017-12-31")')) == "-2017-12-31T00:00:00"
    assert to_string(ev('date and time(date("-0044-03-15"), time("12:00:00@Europe/Rome"))')) == (
        "-0044-03-15T12:00:00@Europe/Rome"
    )
    assert to_string(ev('date and time(date("2017-01-01"), time("23:59:01.123456789Z"))')) == (
        "2017-01-01T23:59:01.123456789Z"
    )
    assert to_string(ev("time(10, 30, 59.000000001)")) == "10:30:59.000000001"
    assert ev('years and months duration(date("-2016-01-30"), date("-2017-02-28"))') == (
        YearsMonthsDuration(-11)
    )
    assert ev('years and months duration(@"2014-12-31T23:59:59", @"-2019-10-01T12:32:59")') == (
        YearsMonthsDuration(-(4033 * 12 + 2))
    )
    assert null("date(1000000000, 1, 1)")
    assert null("date(-1700, 2, 29)")


def test_types_and_iteration() -> None:
    assert ev('date("-2017-12-31") instance of date') is True
    assert ev('date("-2017-12-31") instance of date and time') is False
    assert ev('@"99999-12-31T11:22:33" instance of date and time') is True
    assert ev('[date("-0001-01-01"), null] instance of list<date>') is True
    assert [
        to_string(d) for d in ev('for d in date("0000-12-30")..date("0001-01-02") return d')
    ] == [
        "0000-12-30",
        "0000-12-31",
        "0001-01-01",
        "0001-01-02",
    ]
    assert [
        to_string(d) for d in ev('for d in date("10000-01-02")..date("9999-12-31") return d')
    ] == [
        "10000-01-02",
        "10000-01-01",
        "9999-12-31",
    ]
