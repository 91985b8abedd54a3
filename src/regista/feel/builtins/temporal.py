"""Temporal built-ins (DMN 1.5 §10.3.4.1 conversion and §10.3.4.11 date and time
functions): `date`, `date and time`, `time`, `duration`, `years and months duration`,
`day of year`, `day of week`, `month of year`, `week of year`, and the clock functions
`now` and `today`, which `clock_builtins` builds around a caller-supplied clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from regista.feel.builtins.conversion import number_arg, registrar, type_error, unwrap
from regista.feel.temporal import (
    combine,
    offset_zone,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
)
from regista.feel.values import (
    DaysTimeDuration,
    FeelEvalError,
    FeelFunction,
    NanoTime,
    WideDate,
    WideDateTime,
    YearsMonthsDuration,
    make_date,
)

TEMPORAL_BUILTINS: dict[str, FeelFunction] = {}
_builtin = registrar(TEMPORAL_BUILTINS)

# Fixed English names: `calendar.day_name` would follow the process locale.
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# ---------------------------------------------------------------- argument checks


def _whole(value: Any, param: str) -> int:
    """An integral number argument (a year, month, hour...); fractions are invalid."""
    n = number_arg(value, param)
    if not n.is_finite() or n != n.to_integral_value():
        raise FeelEvalError(f"{param!r} must be a whole number, not {n}")
    return int(n)


def _date_arg(value: Any, param: str) -> dt.date | WideDate:
    """A date argument; a date and time stands for its (local) date."""
    value = unwrap(value)
    if isinstance(value, dt.datetime | WideDateTime):
        return value.date()
    if isinstance(value, dt.date | WideDate):
        return value
    raise type_error(param, "a date or a date and time", value)


def _calendar_date(value: Any, param: str) -> dt.date:
    """A date argument as a `datetime.date` with the same calendar (for a wide date, its
    stand-in: the weekday, day of year and week of year repeat every 400 years)."""
    day = _date_arg(value, param)
    return day.base if isinstance(day, WideDate) else day


def _string_or(value: Any, param: str, expected: str) -> Any:
    value = unwrap(value)
    if value is None or isinstance(value, list):
        raise type_error(param, expected, value)
    return value


# ---------------------------------------------------------------- conversions


@_builtin("date", ("from",), ("year", "month", "day"))
def date(*args: Any) -> dt.date | WideDate:
    """`date(from)` converts a date string or a date and time; `date(year, month, day)`
    builds a date from its parts."""
    if len(args) == 1:
        source = _string_or(args[0], "from", "a string, a date or a date and time")
        if isinstance(source, str):
            return parse_date(source)
        return _date_arg(source, "from")
    year, month, day = (_whole(v, p) for v, p in zip(args, ("year", "month", "day"), strict=True))
    try:
        return make_date(year, month, day)
    except ValueError as e:
        raise FeelEvalError(f"date({year}, {month}, {day}) is not a valid date: {e}") from e


@_builtin("date and time", ("from",), ("date", "time"))
def date_and_time(*args: Any) -> dt.datetime | WideDateTime:
    """`date and time(from)` parses a date and time string (a bare date is midnight);
    `date and time(date, time)` joins a date (or the date of a date and time) with a time,
    taking the time's zone."""
    if len(args) == 1:
        source = unwrap(args[0])
        if not isinstance(source, str):
            raise type_error("from", "a string", source)
        return parse_date_time(source)
    day = _date_arg(args[0], "date")
    clock = unwrap(args[1])
    if not isinstance(clock, dt.time):
        raise type_error("time", "a time", clock)
    return combine(day, clock)


@_builtin("time", ("from",), ("hour", "minute", "second"), ("hour", "minute", "second", "offset"))
def time(*args: Any) -> dt.time:
    """`time(from)` converts a time string, a date and time (its time and zone) or a date
    (midnight UTC); `time(hour, minute, second[, offset])` builds a time, where `second`
    may have a fraction and `offset` is a days and time duration (null: no offset)."""
    if len(args) == 1:
        source = _string_or(args[0], "from", "a string, a time, a date or a date and time")
        if isinstance(source, str):
            return parse_time(source)
        if isinstance(source, dt.datetime | WideDateTime):
            return source.timetz()
        if isinstance(source, dt.date | WideDate):
            return dt.time(0, tzinfo=dt.UTC)
        if isinstance(source, dt.time):
            return source
        raise type_error("from", "a string, a time, a date or a date and time", source)
    hour, minute = _whole(args[0], "hour"), _whole(args[1], "minute")
    second = number_arg(args[2], "second")
    offset = unwrap(args[3]) if len(args) == 4 else None
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and second.is_finite() and 0 <= second < 60):
        raise FeelEvalError(f"time({hour}, {minute}, {second}) is not a valid time of day")
    tz: dt.tzinfo | None = None
    if offset is not None:
        if not isinstance(offset, DaysTimeDuration):
            raise type_error("offset", "a days and time duration", offset)
        tz = offset_zone(offset.to_timedelta())
    whole = int(second)
    # Digits past the nanosecond are truncated, as in time strings.
    micros, nanos = divmod(int((second - whole).scaleb(9)), 1000)
    return NanoTime.of(dt.time(hour, minute, whole, micros, tzinfo=tz), nanos)


@_builtin("duration", ("from",))
def duration(source: Any) -> DaysTimeDuration | YearsMonthsDuration:
    """Parse an ISO 8601 duration: `"P1Y2M"` is a years and months duration, `"P1DT2H"`
    a days and time duration."""
    text = unwrap(source)
    if not isinstance(text, str):
        raise type_error("from", "a string", text)
    return parse_duration(text)


@_builtin("years and months duration", ("from", "to"))
def years_and_months_duration(start: Any, end: Any) -> YearsMonthsDuration:
    """The whole months from one date (or date and time) to another, as a years and
    months duration; only the calendar dates count, as for Java's `Period.between`."""
    a, b = _date_arg(start, "from"), _date_arg(end, "to")
    months = (b.year * 12 + b.month) - (a.year * 12 + a.month)
    # A started month does not count: step back toward zero when the day is not reached.
    if months > 0 and b.day < a.day:
        months -= 1
    elif months < 0 and b.day > a.day:
        months += 1
    return YearsMonthsDuration(months)


# ---------------------------------------------------------------- calendar functions


@_builtin("day of year", ("date",))
def day_of_year(date: Any) -> Decimal:
    """The day's ordinal within its year, from 1 to 366."""
    return Decimal(_calendar_date(date, "date").timetuple().tm_yday)


@_builtin("day of week", ("date",))
def day_of_week(date: Any) -> str:
    """The English name of the weekday, such as "Monday"."""
    return _DAY_NAMES[_calendar_date(date, "date").weekday()]


@_builtin("month of year", ("date",))
def month_of_year(date: Any) -> str:
    """The English name of the month, such as "January"."""
    return _MONTH_NAMES[_date_arg(date, "date").month - 1]


@_builtin("week of year", ("date",))
def week_of_year(date: Any) -> Decimal:
    """The ISO 8601 week number, from 1 to 53 (`2003-12-29` is in week 1 of 2004)."""
    return Decimal(_calendar_date(date, "date").isocalendar()[1])


# ---------------------------------------------------------------- clock


def clock_builtins(clock: Callable[[], dt.datetime]) -> dict[str, FeelFunction]:
    """`now()` and `today()` reading `clock`, so the caller decides what the time is."""
    table: dict[str, FeelFunction] = {}
    builtin = registrar(table)

    @builtin("now", ())
    def now() -> dt.datetime:
        """The current date and time."""
        return clock()

    @builtin("today", ())
    def today() -> dt.date:
        """The current date."""
        return clock().date()

    return table
