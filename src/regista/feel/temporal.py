"""FEEL temporal semantics (DMN 1.5 §10.3.2.3, Tables 57 and 58): parsing of date, time,
date and time and duration strings, and arithmetic on temporal values and durations.

Dates and date-times are Python `datetime` values when Python can hold them; years outside
1..9999 (FEEL allows -999,999,999..999,999,999) and digits past the microsecond make a
`WideDate` / `WideDateTime` (see `values`), and a time with such digits is a `NanoTime`.
Arithmetic on those works on a stand-in `datetime` a whole number of 400-year Gregorian
cycles away (146,097 days, exactly 20,871 weeks, so the calendar repeats), so the ordinary
values keep Python's fast paths. Fractional seconds are kept to the nanosecond (finer
digits are truncated). Every invalid operation raises `FeelEvalError`, which the evaluator
reports as null plus a warning.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from regista.feel.values import (
    CYCLE_DAYS,
    CYCLE_YEARS,
    DATE_TYPES,
    DECIMAL,
    DaysTimeDuration,
    FeelEvalError,
    NanoTime,
    WideDate,
    WideDateTime,
    YearsMonthsDuration,
    date_from_ordinal,
    instant_nanos,
    is_date,
    kind,
    make_date,
    make_date_time,
    nanos_of,
    stand_in_year,
)

__all__ = [
    "add",
    "combine",
    "divide",
    "multiply",
    "negate",
    "offset_zone",
    "parse_date",
    "parse_date_time",
    "parse_duration",
    "parse_temporal",
    "parse_time",
    "subtract",
]

Duration = DaysTimeDuration | YearsMonthsDuration
Date = dt.date | WideDate
DateTime = dt.datetime | WideDateTime
_T = TypeVar("_T")
_TEMPORAL = (dt.date, dt.time, WideDate, WideDateTime)
_TEMPORAL_OR_DURATION = (*_TEMPORAL, DaysTimeDuration, YearsMonthsDuration)

_DAY = 86400
# Java's ZoneOffset range, which the TCK follows: "+19:00" is not a valid offset.
_MAX_OFFSET = dt.timedelta(hours=18)

# ---------------------------------------------------------------- parsing

# A year has at least four digits, and no leading zero when it has more (XML Schema).
_DATE = r"(?P<year>-?(?:[1-9][0-9]{4,}|[0-9]{4}))-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
_TIME = (
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?"
    r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2}(?::[0-9]{2})?|@[^\s@]+)?"
)
_DATE_RE = re.compile(_DATE)
_TIME_RE = re.compile(_TIME)
_DATE_TIME_RE = re.compile(_DATE + "T" + _TIME)
_DURATION_RE = re.compile(
    r"(?P<sign>-)?P(?:(?P<years>[0-9]+)Y)?(?:(?P<months>[0-9]+)M)?(?:(?P<days>[0-9]+)D)?"
    r"(?P<time>T(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?"
    r"(?:(?P<seconds>[0-9]+(?:\.[0-9]*)?)S)?)?"
)


def _ymd(text: str, m: re.Match[str]) -> Date:
    try:
        return make_date(int(m["year"]), int(m["month"]), int(m["day"]))
    except ValueError as e:
        raise FeelEvalError(f"{text!r} is not a valid date: {e}") from e
    except FeelEvalError as e:
        raise FeelEvalError(f"{text!r}: {e}") from e


def _zone(text: str, zone: str | None) -> dt.tzinfo | None:
    """The tzinfo of a zone suffix: none, `Z`, a `±hh:mm[:ss]` offset or `@` an IANA id."""
    if zone is None:
        return None
    if zone == "Z":
        return dt.UTC
    if zone.startswith("@"):
        try:
            return ZoneInfo(zone[1:])
        except (ZoneInfoNotFoundError, ValueError, OSError) as e:
            raise FeelEvalError(f"{text!r}: unknown time zone {zone[1:]!r}") from e
    sign = -1 if zone[0] == "-" else 1
    parts = [int(p) for p in zone[1:].split(":")]
    hours, minutes = parts[0], parts[1]
    seconds = parts[2] if len(parts) > 2 else 0
    if minutes > 59 or seconds > 59:
        raise FeelEvalError(f"{text!r}: invalid time offset {zone!r}")
    return offset_zone(sign * dt.timedelta(hours=hours, minutes=minutes, seconds=seconds))


def offset_zone(offset: dt.timedelta) -> dt.timezone:
    """The fixed-offset zone of a UTC offset (UTC itself for zero, so it prints `Z`)."""
    if abs(offset) > _MAX_OFFSET:
        raise FeelEvalError(f"time offset {DaysTimeDuration.of(offset)} exceeds 18 hours")
    return dt.UTC if not offset else dt.timezone(offset)


def _clock(text: str, m: re.Match[str]) -> tuple[dt.time, bool]:
    """The time of day in a match of `_TIME`, and whether it was `24:00:00` (the end of the
    day, which XML Schema allows and which is midnight of the next day)."""
    hour, minute, second = int(m["hour"]), int(m["minute"]), int(m["second"])
    # Digits past the nanosecond are truncated: rounding could carry into the next second.
    fraction = m["fraction"] or ""
    digits = fraction.ljust(9, "0")
    micros, nanos = int(digits[:6]), int(digits[6:9])
    end_of_day = (hour, minute, second) == (24, 0, 0) and not fraction.strip("0")
    if end_of_day:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        raise FeelEvalError(f"{text!r} is not a valid time of day")
    tz = _zone(text, m["zone"])
    return NanoTime.of(dt.time(hour, minute, second, micros, tzinfo=tz), nanos), end_of_day


def parse_date(text: str) -> Date:
    """A FEEL date from `yyyy-mm-dd` text, such as `"2017-12-31"`."""
    m = _DATE_RE.fullmatch(text)
    if m is None:
        raise FeelEvalError(f"{text!r} is not a date (yyyy-mm-dd)")
    return _ymd(text, m)


def parse_time(text: str) -> dt.time:
    """A FEEL time from `hh:mm:ss[.f]` text with an optional `Z`, `±hh:mm` offset or
    `@zone` id, such as `"13:20:00+02:00"` or `"10:30:00@Europe/Paris"`."""
    m = _TIME_RE.fullmatch(text)
    if m is None:
        raise FeelEvalError(f"{text!r} is not a time (hh:mm:ss)")
    return _clock(text, m)[0]


def parse_date_time(text: str) -> DateTime:
    """A FEEL date and time from `yyyy-mm-ddThh:mm:ss[.f][zone]` text; a bare date means
    midnight of that day, without a time zone."""
    m = _DATE_TIME_RE.fullmatch(text)
    if m is None:
        if _DATE_RE.fullmatch(text):
            return combine(parse_date(text), dt.time())
        raise FeelEvalError(f"{text!r} is not a date and time (yyyy-mm-ddThh:mm:ss)")
    clock, end_of_day = _clock(text, m)
    day = _ymd(text, m)
    if end_of_day:
        day = date_from_ordinal(day.toordinal() + 1)
    return combine(day, clock)


def combine(day: Date, clock: dt.time) -> DateTime:
    """The date and time of a date and a time of day (with the time's zone)."""
    nanos = nanos_of(clock)
    if type(day) is dt.date and not nanos:
        return dt.datetime.combine(day, clock)
    return make_date_time(
        day.year,
        day.month,
        day.day,
        clock.hour,
        clock.minute,
        clock.second,
        clock.microsecond,
        clock.tzinfo,
        fold=clock.fold,
        nanos=nanos,
    )


def parse_duration(text: str) -> DaysTimeDuration | YearsMonthsDuration:
    """A FEEL duration from ISO 8601 text: `P1Y2M` is a years and months duration, `P1DT2H`
    or `-PT1.5S` a days and time duration. FEEL has no duration with both parts, so text
    such as `P1Y2D` is invalid."""
    m = _DURATION_RE.fullmatch(text)
    if m is None or m["time"] == "T":
        raise FeelEvalError(f"{text!r} is not a duration")
    ym = m["years"] is not None or m["months"] is not None
    has_dt = m["days"] is not None or m["time"] is not None
    if ym == has_dt:
        raise FeelEvalError(
            f"{text!r} is not a duration"
            if not ym
            else f"{text!r} mixes years and months with days and time"
        )
    sign = -1 if m["sign"] else 1
    if ym:
        return YearsMonthsDuration(sign * (int(m["years"] or 0) * 12 + int(m["months"] or 0)))
    seconds = DECIMAL.create_decimal(m["seconds"] or 0)
    whole = int(m["days"] or 0) * _DAY + int(m["hours"] or 0) * 3600 + int(m["minutes"] or 0) * 60
    total = DECIMAL.add(Decimal(whole), seconds)
    return DaysTimeDuration(DECIMAL.multiply(total, Decimal(sign)) if total else Decimal(0))


def parse_temporal(text: str) -> Any:
    """The value of an `@"..."` literal: a date, time, date and time or duration."""
    if _DATE_TIME_RE.fullmatch(text):
        return parse_date_time(text)
    if _DATE_RE.fullmatch(text):
        return parse_date(text)
    if _TIME_RE.fullmatch(text):
        return parse_time(text)
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    raise FeelEvalError(f"{text!r} is not a date, time, date and time or duration")


# ---------------------------------------------------------------- helpers


def _checked(compute: Callable[[], _T]) -> _T:
    """Run a datetime computation, turning Python's range errors into FeelEvalError."""
    try:
        return compute()
    except (OverflowError, ValueError) as e:
        raise FeelEvalError(f"date or time out of range ({e})") from e


def _number(value: Any) -> Decimal | None:
    """A finite FEEL number, or None for anything else (booleans are not numbers)."""
    if isinstance(value, Decimal) and value.is_finite():
        return value
    return None


def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(stand_in_year(year), month)[1]


def _add_months(value: Date | DateTime, months: int) -> Date | DateTime:
    """A date or date and time moved by whole months, with the day clamped to the end of a
    shorter month (`2020-01-31` plus one month is `2020-02-29`); the time of day and zone
    are kept, and a zone id recomputes its offset for the new date."""
    year, month0 = divmod(value.year * 12 + value.month - 1 + months, 12)
    month = month0 + 1
    day = min(value.day, _days_in_month(year, month))
    if isinstance(value, dt.datetime | WideDateTime):
        if type(value) is dt.datetime and 1 <= year <= 9999:
            return value.replace(year=year, month=month, day=day)
        return make_date_time(
            year,
            month,
            day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            value.tzinfo,
            fold=value.fold,
            nanos=nanos_of(value),
        )
    return make_date(year, month, day)


def _shift(value: Date | DateTime, duration: Duration) -> Date | DateTime:
    """A date or date and time moved forward by a duration."""
    if isinstance(duration, YearsMonthsDuration):
        return _add_months(value, duration.months)
    if type(value) is dt.datetime:
        try:
            delta = duration.to_timedelta()
            if isinstance(value.tzinfo, ZoneInfo):
                # Elapsed-time arithmetic across DST changes: add on the UTC time line,
                # then return to the zone (Python's own `+` would add to the wall clock).
                zone = value.tzinfo
                return (value.astimezone(dt.UTC) + delta).astimezone(zone)
            return value + delta
        except (OverflowError, ValueError):
            pass  # beyond Python's years: on a stand-in below
    elif type(value) is dt.date:
        # A date is midnight of that day; the result is the date of the shifted instant.
        try:
            return (dt.datetime.combine(value, dt.time()) + duration.to_timedelta()).date()
        except (OverflowError, ValueError):
            pass
    if isinstance(value, dt.datetime | WideDateTime):
        return _shift_wide(value, duration)
    days = DECIMAL.divide(duration.seconds, _DAY).to_integral_value(decimal.ROUND_FLOOR)
    return date_from_ordinal(value.toordinal() + int(days))


_MICROSECOND = dt.timedelta(microseconds=1)


def _split(value: DateTime) -> tuple[int, dt.datetime, int]:
    """A date and time as (shift, stand-in, nanos): a `datetime` in the years where Python's
    arithmetic is safe (see `stand_in_year`), the years from it to the true year (whole
    400-year cycles) and the nanoseconds past its microsecond."""
    if isinstance(value, WideDateTime):
        return value.shift, value.base, value.nanos
    year = stand_in_year(value.year)
    if year == value.year:
        return 0, value, 0
    return value.year - year, value.replace(year=year), 0


def _join(shift: int, stand_in: dt.datetime, nanos: int) -> DateTime:
    """The inverse of `_split`, for any stand-in (the result is plain when it can be)."""
    s = stand_in
    return make_date_time(
        s.year + shift,
        s.month,
        s.day,
        s.hour,
        s.minute,
        s.second,
        s.microsecond,
        s.tzinfo,
        fold=s.fold,
        nanos=nanos,
    )


def _shift_wide(value: DateTime, duration: DaysTimeDuration) -> DateTime:
    """`value + duration` where Python's `datetime` cannot hold the operand or the result:
    whole 400-year cycles of the duration go to the shift, the rest (within 200 years) is
    added to the stand-in."""
    shift, base, nanos = _split(value)
    total = int(DECIMAL.multiply(duration.seconds, Decimal(1_000_000_000)))
    days, rest = divmod(total, _DAY * 1_000_000_000)
    cycles, days = divmod(days, CYCLE_DAYS)
    if days > CYCLE_DAYS // 2:
        days -= CYCLE_DAYS
        cycles += 1
    micros, extra = divmod(rest, 1000)
    delta = dt.timedelta(days=days, microseconds=micros)
    nanos += extra
    if nanos >= 1000:
        nanos -= 1000
        delta += _MICROSECOND
    shift += cycles * CYCLE_YEARS
    zone = base.tzinfo
    if isinstance(zone, ZoneInfo):
        # Elapsed time, as for plain values: on the UTC time line, then back to the zone
        # with the offset the zone has in the result's own era.
        utc = base.astimezone(dt.UTC) + delta
        year = utc.year + shift
        stand_in = stand_in_year(year)
        local = utc.replace(year=stand_in).astimezone(zone)
        return _join(year - stand_in, local, nanos)
    return _join(shift, base + delta, nanos)


def _seconds_of_day(t: dt.time) -> Decimal:
    whole = Decimal(t.hour * 3600 + t.minute * 60 + t.second)
    nanos = nanos_of(t)
    if not t.microsecond and not nanos:
        return whole
    return whole + Decimal(t.microsecond * 1000 + nanos).scaleb(-9)


def _offset_seconds(t: dt.time) -> int:
    """The UTC offset of a time in seconds; a zone id, having no date, takes its offset on
    2000-01-01 (the reference day `values.equal` uses too)."""
    tz = t.tzinfo
    if tz is None:
        return 0
    if isinstance(tz, ZoneInfo):
        off = tz.utcoffset(dt.datetime(2000, 1, 1, t.hour, t.minute, tzinfo=tz))
    else:
        off = tz.utcoffset(None)
    return 0 if off is None else int(off.total_seconds())


def _time_plus(t: dt.time, duration: DaysTimeDuration) -> dt.time:
    """A time moved by a days-and-time duration, wrapping around midnight."""
    total = DECIMAL.remainder(DECIMAL.add(_seconds_of_day(t), duration.seconds), _DAY)
    if total < 0:  # Decimal `%` keeps the dividend's sign
        total += _DAY
    whole = int(total)
    micros, nanos = divmod(int((total - whole).scaleb(9)), 1000)
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    return NanoTime.of(dt.time(hours, minutes, seconds, micros, t.tzinfo), nanos)


def _as_instant(value: Date | DateTime) -> DateTime:
    """A date is taken as midnight UTC of that day when subtracted with a date and time."""
    if isinstance(value, dt.datetime | WideDateTime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    return make_date_time(value.year, value.month, value.day, tzinfo=dt.UTC)


def _between(a: Date | DateTime, b: Date | DateTime) -> DaysTimeDuration:
    """`a - b` for dates and date-times."""
    if is_date(a) and is_date(b):
        return DaysTimeDuration(Decimal((a.toordinal() - b.toordinal()) * _DAY))
    x, y = _as_instant(a), _as_instant(b)
    if (x.tzinfo is None) != (y.tzinfo is None):
        raise FeelEvalError(
            "cannot subtract a date and time with a time zone and one without "
            f"({kind(a)} - {kind(b)})"
        )
    if type(x) is dt.datetime and type(y) is dt.datetime:
        try:
            if x.tzinfo is not None:
                # Converted to UTC because Python subtracts wall clocks when both share a
                # tzinfo.
                x, y = x.astimezone(dt.UTC), y.astimezone(dt.UTC)
            return DaysTimeDuration.of(x - y)
        except OverflowError:
            pass  # UTC is beyond Python's years: on the exact time line below
    nanos = instant_nanos(x) - instant_nanos(y)
    return DaysTimeDuration(Decimal(nanos).scaleb(-9, DECIMAL).normalize(DECIMAL))


def _time_between(a: dt.time, b: dt.time) -> DaysTimeDuration:
    if (a.tzinfo is None) != (b.tzinfo is None):
        raise FeelEvalError("cannot subtract a time with a time zone and one without")
    # As XPath does, both times are on the same reference day, so there is no wrapping.
    x = _seconds_of_day(a) - _offset_seconds(a)
    y = _seconds_of_day(b) - _offset_seconds(b)
    return DaysTimeDuration(DECIMAL.subtract(x, y))


def _scale(duration: Duration, factor: Decimal, divide: bool) -> Duration:
    """A duration multiplied or divided by a number; years-months results are truncated
    toward zero to whole months (`@"P1Y11M" * -2.5` is `-P4Y9M`, as the TCK expects)."""
    if divide and factor.is_zero():
        raise FeelEvalError(f"division of {duration} by zero")
    op = DECIMAL.divide if divide else DECIMAL.multiply
    if isinstance(duration, YearsMonthsDuration):
        return YearsMonthsDuration(int(op(Decimal(duration.months), factor)))
    return DaysTimeDuration(op(duration.seconds, factor))


def _arith(compute: Callable[[], Any]) -> Any:
    try:
        return _checked(compute)
    except decimal.DecimalException as e:
        raise FeelEvalError(f"invalid duration arithmetic: {type(e).__name__}") from e


# ---------------------------------------------------------------- operators


def add(a: Any, b: Any) -> Any:
    """FEEL `a + b` for temporal operands: a date, time or date and time plus a duration (in
    either order), or two durations of the same kind."""
    return _arith(lambda: _add(a, b))


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, DaysTimeDuration) and isinstance(b, DaysTimeDuration):
        return DaysTimeDuration(DECIMAL.add(a.seconds, b.seconds))
    if isinstance(a, YearsMonthsDuration) and isinstance(b, YearsMonthsDuration):
        return YearsMonthsDuration(a.months + b.months)
    if isinstance(a, Duration) and isinstance(b, _TEMPORAL):
        a, b = b, a
    if isinstance(a, DATE_TYPES) and isinstance(b, Duration):
        return _shift(a, b)
    if isinstance(a, dt.time) and isinstance(b, DaysTimeDuration):
        return _time_plus(a, b)
    raise FeelEvalError(f"cannot add {kind(a)} and {kind(b)}")


def subtract(a: Any, b: Any) -> Any:
    """FEEL `a - b` for temporal operands: the duration between two dates, date-times or
    times, a date, time or date and time minus a duration, or durations of the same kind."""
    return _arith(lambda: _subtract(a, b))


def _subtract(a: Any, b: Any) -> Any:
    if isinstance(a, DATE_TYPES) and isinstance(b, DATE_TYPES):
        return _between(a, b)
    if isinstance(a, dt.time) and isinstance(b, dt.time):
        return _time_between(a, b)
    if isinstance(a, _TEMPORAL_OR_DURATION) and isinstance(b, Duration):
        try:
            return _add(a, negate(b))
        except FeelEvalError:
            pass  # reported below with the subtraction's own wording
    raise FeelEvalError(f"cannot subtract {kind(b)} from {kind(a)}")


def multiply(a: Any, b: Any) -> Any:
    """FEEL `a * b` for a duration and a number, in either order."""
    return _arith(lambda: _multiply(a, b))


def _multiply(a: Any, b: Any) -> Any:
    if isinstance(a, Duration) and (n := _number(b)) is not None:
        return _scale(a, n, divide=False)
    if isinstance(b, Duration) and (n := _number(a)) is not None:
        return _scale(b, n, divide=False)
    raise FeelEvalError(f"cannot multiply {kind(a)} by {kind(b)}")


def divide(a: Any, b: Any) -> Any:
    """FEEL `a / b`: a duration divided by a number is a duration, and a duration divided by
    one of the same kind is a number."""
    return _arith(lambda: _divide(a, b))


def _divide(a: Any, b: Any) -> Any:
    if isinstance(a, Duration) and (n := _number(b)) is not None:
        return _scale(a, n, divide=True)
    if isinstance(a, DaysTimeDuration) and isinstance(b, DaysTimeDuration):
        if b.seconds.is_zero():
            raise FeelEvalError(f"division of {a} by a zero duration")
        return DECIMAL.divide(a.seconds, b.seconds)
    if isinstance(a, YearsMonthsDuration) and isinstance(b, YearsMonthsDuration):
        if not b.months:
            raise FeelEvalError(f"division of {a} by a zero duration")
        return DECIMAL.divide(Decimal(a.months), Decimal(b.months))
    raise FeelEvalError(f"cannot divide {kind(a)} by {kind(b)}")


def negate(a: Any) -> Any:
    """FEEL unary `-a` for a number or a duration; dates and times have no negation."""
    if isinstance(a, Decimal):
        return DECIMAL.minus(a)
    if isinstance(a, DaysTimeDuration):
        return DaysTimeDuration(-a.seconds if a.seconds else Decimal(0))
    if isinstance(a, YearsMonthsDuration):
        return YearsMonthsDuration(-a.months)
    raise FeelEvalError(f"cannot negate {kind(a)}")
